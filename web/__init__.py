"""The Flask explorer: `create_app(config)` wires the store, one blueprint per resource and the API."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from importlib import import_module
from typing import Any

from flask import Flask

from matchmaker.settings import reload

DEFAULT_PROGRAMME = "vaerdikaedeafklaring"

# One blueprint per resource, each a module of this package with a `bp`; a new one is one line here.
BLUEPRINTS = (
    "search",
    "organisations",
    "chains",
    "network",
    "introductions",
    "imports",
    "audit",
    "api",
    "vendor",
    "auth",
    "programme", "cases",  # programme dashboard and value-chain cases
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    env = reload()
    app.config.update(
        DB=env.db,
        MODEL=env.model,
        EMBEDDER=None,  # tests inject a fake
        SECRET_KEY=env.secret_key,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        DEFAULT_PROGRAMME=DEFAULT_PROGRAMME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Set MATCHMAKER_SECURE_COOKIES=1 behind HTTPS; the demo serves plain HTTP on loopback.
        SESSION_COOKIE_SECURE=env.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    app.config.update(config or {})
    app.json.ensure_ascii = False

    from .services import Services
    services = app.extensions["matchmaker"] = Services(app.config["DB"], app.config["MODEL"], app.config["EMBEDDER"])
    if not app.config["SECRET_KEY"]:  # kept in the store, so sessions survive a restart
        app.config["SECRET_KEY"] = hashlib.sha256(b"session" + services.secret).hexdigest()

    from . import auth, errors, helpers, i18n
    helpers.init_app(app)
    i18n.init_app(app)  # after helpers: its locale-aware `num` filter is the one pages use
    errors.init_app(app)
    import_module(f"{__name__}.jsonbody").init_app(app)  # JSON bodies checked once: finite, not too deep
    auth.init_app(app)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"{__name__}.{name}").bp)
    return app
