"""Log in and out; who is asking; which roles may open a view."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from markupsafe import Markup

from matchmaker.errors import Forbidden
from matchmaker.trust.access import ANONYMOUS, Viewer, World
from matchmaker.trust.accounts import User, authenticate, end_sessions, session_key, session_user
from matchmaker.trust.audit import log
from matchmaker.trust.introductions import statuses_for
from matchmaker.trust.throttle import LoginThrottle

from .helpers import services

bp = Blueprint("auth", __name__)


def viewer() -> Viewer:
    """The current user as a Viewer; looked up on every request so a removed account loses access at once."""
    if "viewer" not in g:
        # the session's key must be the account's current one: logout, a password reset and
        # re-creating the username all replace it, ending every older cookie
        user = session_user(services().store, session["user"], session.get("key")) if session.get("user") else None
        if session.get("user") and user is None:
            session.clear()
        g.viewer = Viewer.of(user) if user else ANONYMOUS
    return g.viewer


def current_world() -> World:
    """What the current viewer may see, built once per request (a firm's view is not cached across requests)."""
    if "world" not in g:
        g.world = services().world(viewer())
    return g.world


def match_statuses() -> dict[tuple[str, str], str]:
    """Introduction status per (offer, need) the viewer may know of, read once per request."""
    if "statuses" not in g:
        g.statuses = statuses_for(services().store, viewer())
    return g.statuses


def acting_user() -> User:
    v = viewer()
    return User(v.username or "", v.role, v.org_id)


def require(action: str) -> Callable:
    """Only viewers who may do `action` (trust.permissions); a visitor who may not is sent to
    the login page (JSON callers get 401)."""
    def wrap(view: Callable) -> Callable:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any):
            v = viewer()
            if v.may(action):
                return view(*args, **kwargs)
            if not v.signed_in:
                if request.path.startswith("/api/"):
                    abort(401, description="log in first")
                return redirect(url_for("auth.login", next=request.full_path if request.args else request.path))
            raise Forbidden(f"your role ({v.role}) may not open this page")
        return inner
    return wrap



def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_field() -> Markup:
    """The hidden input every form carries (the token is URL-safe base64, escaped anyway)."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf_token())


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme or host, no control characters or spaces
    (browsers drop tabs and newlines, turning '/\t/evil' into '//evil'), no backslashes."""
    if (target and target.startswith("/") and not target.startswith("//")
            and not any(ch.isspace() or ord(ch) < 32 or ch in "\\\x7f" for ch in target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("search.index")


def client_address() -> str:
    """The client's address; behind a reverse proxy on this machine (loopback), the one the proxy
    reports last in X-Forwarded-For, so throttling per address does not lump every client together."""
    address = request.remote_addr or "?"
    forwarded = request.headers.get("X-Forwarded-For", "")
    if address in ("127.0.0.1", "::1") and forwarded:
        return forwarded.split(",")[-1].strip()[:64] or address
    return address


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""), error=None)
    username = (request.form.get("username") or "").strip()
    store = services().store
    throttle: LoginThrottle = current_app.extensions["login_throttle"]
    address = client_address()
    wait = throttle.retry_after(username, address)
    if wait:
        with store.transaction() as conn:
            log(conn, username[:64] or "?", "login_throttled", "session", address)
        return render_template("auth/login.html", next=request.form.get("next", ""),
                               error=f"too many failed logins; try again in {wait // 60 + 1} minutes"), \
            429, {"Retry-After": str(wait)}
    user = authenticate(store, username, request.form.get("password") or "")
    with store.transaction() as conn:
        log(conn, username[:64] or "?", "login" if user else "login_failed", "session", address)
    if user is None:
        throttle.failed(username, address)
        return render_template("auth/login.html", next=request.form.get("next", ""),
                               error=gettext("wrong username or password")), 401
    throttle.succeeded(username, address)
    session.clear()  # a fresh session (and CSRF token) after login: no fixation
    session["user"] = user.username
    session["key"] = session_key(store, user.username)
    session.permanent = True
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    if session.get("user") and viewer().signed_in:
        end_sessions(services().store, session["user"])  # a copied cookie stops working too
    session.clear()
    return redirect(url_for("search.index"))


def init_app(app) -> None:
    app.extensions["login_throttle"] = LoginThrottle()

    @app.after_request
    def private_responses(response):
        # what a logged-in user sees (their figures, the audit log, introductions) and the CSRF
        # token of /api/me must never be kept by a browser or a proxy cache
        if session.get("user") or request.path in ("/api/me", "/login"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def who() -> dict:
        return {"viewer": viewer(), "csrf_token": csrf_token, "csrf_field": csrf_field}

    @app.before_request
    def check_csrf() -> None:
        # Every form posts a token; the JSON API accepts only application/json bodies (a cross-site
        # form cannot send those without a CORS preflight, which this app never grants).
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if request.path.startswith("/api/") and request.is_json:
                sent = request.headers.get("X-CSRF-Token")
                if session.get("user") and (not sent or not secrets.compare_digest(sent, session.get("csrf", ""))):
                    abort(400, description="send the X-CSRF-Token header of your session (CSRF check failed)")
                return
            sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
            if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
                abort(400, description="the form expired or did not come from this site (CSRF check failed); "
                                       "reload and try again")
