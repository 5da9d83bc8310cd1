"""The shape of a chain sent as JSON (the check API and chain files): types checked before any
rule reads it, each problem named with its place."""

from __future__ import annotations

import math
from typing import Any

from matchmaker.errors import MatchmakerError


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _ids(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and 0 < len(v) <= 64 for v in value)


def check_chain_doc(doc: Any) -> None:
    """Raise MatchmakerError naming every field of the wrong type."""
    if not isinstance(doc, dict):
        raise MatchmakerError("a chain is a JSON object with at least 'members' (a list of organisation ids)")
    problems = []
    for key in ("members", "knowledge_partners"):
        if key in doc and not _ids(doc[key]):
            problems.append(f"{key!r} must be a list of organisation ids (text)")
    for key in ("kind", "lead", "firm", "sector", "track"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            problems.append(f"{key!r} must be text")
    for key in ("budget_dkk", "grant_dkk"):
        if doc.get(key) is not None and not (_number(doc[key]) and doc[key] >= 0):
            problems.append(f"{key!r} must be a non-negative number")
    for key in ("grants_dkk", "scores"):
        if key in doc and not (isinstance(doc[key], dict) and all(isinstance(k, str) and _number(v)
                                                                 for k, v in doc[key].items())):
            problems.append(f"{key!r} must be an object of numbers")
    links = doc.get("links")
    if links is not None:
        if not isinstance(links, list):
            problems.append("'links' must be a list of {\"offer_id\": ..., \"need_id\": ...}")
        else:
            for i, link in enumerate(links, start=1):
                if not (isinstance(link, dict) and isinstance(link.get("offer_id"), str)
                        and isinstance(link.get("need_id"), str)):
                    problems.append(f"link {i} must be an object with text 'offer_id' and 'need_id'")
    if problems:
        raise MatchmakerError("bad chain: " + "; ".join(problems))
