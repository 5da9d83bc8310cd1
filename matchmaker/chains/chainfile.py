"""A chain as a small document (a JSON file for `matchmaker check --chain FILE`, a shared
link, an edit form), and the one way to edit a chain.

    {"members": ["ORG-0001", "ORG-0002"], "lead": "ORG-0002",
     "budget_dkk": 500000, "grant_dkk": 250000,
     "links": [{"offer_id": "STR-0001", "need_id": "STR-0002"}],
     "knowledge_partners": ["ORG-0150"], "scores": {"circular_focus": 4}}

`links` may be left out: the best matches among the members are used. One firm's
investment (CØ Investering) is the same document with `"kind": "investment"`:

    {"kind": "investment", "firm": "ORG-0001", "budget_dkk": 2000000, "grant_dkk": 800000,
     "scores": {"circular_focus": 4, "commercial_investment": 3, "maturity": 4},
     "investment": {"kind": "production_equipment", "stage": "tested", "cost_dkk": 2000000,
                    "start": "2026-03-01", "end": "2026-12-31"}}

Facilitator inputs on either: "overrides" ({"primary_production": {"value": false, "reason":
"..."}}, or {"budget_window": {"accept": true, "reason": "..."}} for a warning), "staff"
({"ORG-0001": {"hours": 400, "rate_dkk": 450}}), "track" ("check" or "collaboration") and
"criteria" ({"effect": {"score": 4, "evidence": {"effect_chain": true}}}).
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from matchmaker.chains.discovery import Chain, Link, relink
from matchmaker.errors import MatchmakerError
from matchmaker.model import Organisation, Stream

KEYS = {"members", "lead", "budget_dkk", "grant_dkk", "grants_dkk", "links", "knowledge_partners", "scores", "sector", "kind",
        "firm"} | {"overrides", "staff", "track", "investment", "criteria"}
# The facilitator's inputs, kept on the chain and read by the programme rules and criteria
# (matchmaker.programmes.rules.input_problems checks them): overrides with reasons, staff hours and
# rates per firm, the model (track) of a frame project, an investment, criteria evidence and scores.
INPUT_KEYS = ("overrides", "staff", "track", "investment", "criteria")


def chain_from_dict(doc: dict, orgs: dict[str, Organisation], streams: dict[str, Stream], F: nx.DiGraph) -> Chain:
    problems = []
    if not isinstance(doc, dict):
        raise MatchmakerError("a chain is a JSON object with at least 'members'")
    problems += [f"unknown key {k!r}" for k in sorted(set(doc) - KEYS)]
    if doc.get("kind") == "investment":  # one firm's investment: {"kind": "investment", "firm": "ORG-1", ...}
        doc = {**doc, "members": doc.get("members") or ([doc["firm"]] if doc.get("firm") else None),
               "lead": doc.get("lead") or doc.get("firm")}
    problems += [f"{k!r} must be an object" for k in INPUT_KEYS if k in doc and k != "track" and not isinstance(doc[k], dict)]
    members = doc.get("members")
    if not isinstance(members, list) or not members:
        problems.append("'members' must be a non-empty list of organisation ids")
        members = []
    problems += [f"unknown organisation {m!r}" for m in members + list(doc.get("knowledge_partners", [])) if m not in orgs]
    for key in ("budget_dkk", "grant_dkk"):
        value = doc.get(key)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0):
            problems.append(f"{key!r} must be a non-negative number")
    links = []
    for item in doc.get("links", []) or []:
        o, n = streams.get(item.get("offer_id")), streams.get(item.get("need_id"))
        if o is None or n is None or o.direction != "offer" or n.direction != "need":
            problems.append(f"link {item!r} must name an offer and a need in the store")
            continue
        if o.org_id not in members or n.org_id not in members:
            problems.append(f"link {o.id} -> {n.id} joins organisations outside 'members'")
            continue
        score = F[o.org_id][n.org_id]["score"] if F.has_edge(o.org_id, n.org_id) else 0.0
        links.append(Link(o.id, n.id, o.org_id, n.org_id, float(score)))
    lead = doc.get("lead")
    if lead is not None and lead not in members + list(doc.get("knowledge_partners", [])):
        problems.append(f"lead {lead!r} is not among the members or knowledge partners")
    if problems:
        raise MatchmakerError("bad chain: " + "; ".join(problems))
    chain = Chain(doc.get("kind", "custom"), list(members), links, lead, list(doc.get("knowledge_partners", [])),
                  doc.get("budget_dkk"), doc.get("grant_dkk"), dict(doc.get("grants_dkk", {})),
                  dict(doc.get("scores", {})), doc.get("sector"),
                  {k: doc[k] for k in INPUT_KEYS if k in doc})
    return chain if links or chain.kind == "investment" else relink(chain, F)


def load_chain(path: Path, orgs: dict[str, Organisation], streams: dict[str, Stream], F: nx.DiGraph) -> Chain:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MatchmakerError(f"cannot read chain file {path}: {exc}") from None
    return chain_from_dict(doc, orgs, streams, F)


def edit_chain(chain: Chain, F: nx.DiGraph, add: list[str] = (), remove: list[str] = (), lead: str | None = None,
               budget_dkk: float | None = None, grant_dkk: float | None = None,
               knowledge_partners: list[str] | None = None, scores: dict[str, float] | None = None) -> Chain:
    """A facilitator's edit: partners in or out, the lead, money; links follow the members."""
    members = [m for m in chain.members if m not in set(remove)] + [m for m in add if m not in chain.members]
    chain = Chain("custom", members, list(chain.links), chain.lead_id, list(chain.knowledge_partners),
                  chain.budget_dkk, chain.grant_dkk, dict(chain.grants_dkk), dict(chain.scores), None, dict(chain.inputs))
    if chain.lead_id not in members + chain.knowledge_partners:
        chain.lead_id = None
    if lead is not None:
        chain.lead_id = lead
    if budget_dkk is not None:
        chain.budget_dkk = budget_dkk
    if grant_dkk is not None:
        chain.grant_dkk = grant_dkk
    if knowledge_partners is not None:
        chain.knowledge_partners = list(knowledge_partners)
    if scores:
        chain.scores.update(scores)
    return relink(chain, F)
