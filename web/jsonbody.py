"""JSON request bodies, read once and checked before any view sees them: well-formed, finite
numbers only (no NaN, Infinity or 1e400), nested at most MAX_DEPTH deep. A bad body is a clear 400."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Flask, abort, g, request

MAX_DEPTH = 20


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:30]}")
    return value


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of a parsed value, counted without recursion (stops past `limit`)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse(raw: bytes | str) -> Any:
    """The body as JSON, or a ValueError saying what is wrong with it."""
    try:
        doc = json.loads(raw, parse_float=_finite, parse_constant=_constant,
                         parse_int=lambda s: int(s) if len(s) <= 30 else _finite(s))
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"not valid JSON: {str(exc)[:120]}") from None
    if depth(doc) > MAX_DEPTH:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    return doc


def body() -> Any:
    """The request's checked JSON body (None when it sent none)."""
    return g.get("json_body")


def init_app(app: Flask) -> None:
    @app.before_request
    def check_json_body() -> None:
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.is_json and request.content_length != 0:
            try:
                g.json_body = parse(request.get_data(cache=True))
            except ValueError as exc:
                abort(400, description=f"bad JSON body: {exc}")
