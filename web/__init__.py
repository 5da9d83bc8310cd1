"""The Flask explorer: `create_app(config)` wires the store, one blueprint per audience and the API."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from typing import Any

from flask import Flask

DEFAULT_PROGRAMME = "vaerdikaedeafklaring"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        DB=os.environ.get("MATCHMAKER_DB"),
        MODEL=os.environ.get("MATCHMAKER_MODEL"),
        EMBEDDER=None,  # tests inject a fake
        SECRET_KEY=os.environ.get("MATCHMAKER_SECRET_KEY"),
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        DEFAULT_PROGRAMME=DEFAULT_PROGRAMME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Set MATCHMAKER_SECURE_COOKIES=1 behind HTTPS; the demo serves plain HTTP on loopback.
        SESSION_COOKIE_SECURE=os.environ.get("MATCHMAKER_SECURE_COOKIES", "") not in ("", "0"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    app.config.update(config or {})
    app.json.ensure_ascii = False

    from .services import Services
    services = app.extensions["matchmaker"] = Services(app.config["DB"], app.config["MODEL"], app.config["EMBEDDER"])
    if not app.config["SECRET_KEY"]:  # kept in the store, so sessions survive a restart
        app.config["SECRET_KEY"] = hashlib.sha256(b"session" + services.secret).hexdigest()

    from . import api, auth, consent, errors, explore, facilitator, firm, helpers, vendor
    helpers.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    for module in (firm, facilitator, explore, api, vendor, auth, consent):
        app.register_blueprint(module.bp)
    return app
