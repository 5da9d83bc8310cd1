"""Small things every view uses: the services, request parsing, headers, template filters."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request

from matchmaker.errors import MatchmakerError
from matchmaker.matching.stored import has_matches, sync_changed
from matchmaker.model import HIERARCHY_NAMES, MATERIALS, SECTORS
from matchmaker.programmes import rules
from matchmaker.reference import REGIONS
from matchmaker.trust.alerts import has_searches, run_alerts
from matchmaker.typed import TypedNumberError, read_typed

from .i18n import decimal_comma, translate
from .services import Services

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")


def services() -> Services:
    return current_app.extensions["matchmaker"]


def refresh_matches_of(changed: list[str]) -> None:
    """After a write: bring the stored matches of the changed streams up to date (when the store
    keeps any). The caches reload on the next request, when they see the new data version."""
    svc = services()
    if changed and has_matches(svc.store):
        sync_changed(svc.store, changed, svc.embedder)
    if changed and has_searches(svc.store):  # saved searches hear of new partners (trust.alerts)
        snap = svc.check()  # the snapshot after this write, not the request's older one
        run_alerts(svc.store, snap.index, snap.orgs, snap.streams, snap.pairs, svc.secret, changed)


def arg_float(name: str, low: float | None = None, high: float | None = None) -> float | None:
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return None
    try:  # the one parser for typed numbers, in the page's language ('100.000' is 100000 in Danish)
        value = read_typed(raw, decimal_comma())
    except TypedNumberError as exc:
        raise MatchmakerError(f"{name}: {translate(exc.message)}") from None
    if value is None or (low is not None and value < low) or (high is not None and value > high) or value != value:
        raise MatchmakerError(f"{name} must be between {low} and {high}")
    return value


def arg_int(name: str, default: int, low: int, high: int) -> int:
    value = arg_float(name, low, high)
    return default if value is None else int(value)


def arg_choice(name: str, choices: tuple[str, ...] | list[str]) -> str | None:
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return None
    if raw not in choices:
        raise MatchmakerError(f"unknown {name} {raw[:40]!r}; expected one of: {', '.join(choices)}")
    return raw


def programme_arg() -> str:
    return arg_choice("programme", sorted(rules.programmes())) or current_app.config["DEFAULT_PROGRAMME"]


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.context_processor
    def globals_() -> dict[str, Any]:
        return {"SECTORS": SECTORS, "REGIONS": REGIONS, "MATERIALS": MATERIALS,
                "PROGRAMMES": rules.programmes(), "HIERARCHY": HIERARCHY_NAMES}
