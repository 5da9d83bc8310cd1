"""The Flask explorer: `create_app(config)` wires the store, one blueprint per audience and the API."""

from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask

DEFAULT_PROGRAMME = "vaerdikaedeafklaring"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        DB=os.environ.get("MATCHMAKER_DB"),
        MODEL=os.environ.get("MATCHMAKER_MODEL"),
        EMBEDDER=None,  # tests inject a fake
        SECRET_KEY=os.environ.get("MATCHMAKER_SECRET_KEY") or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        DEFAULT_PROGRAMME=DEFAULT_PROGRAMME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.config.update(config or {})
    app.json.ensure_ascii = False

    from .services import Services
    app.extensions["matchmaker"] = Services(app.config["DB"], app.config["MODEL"], app.config["EMBEDDER"])

    from . import api, errors, explore, facilitator, firm, helpers, vendor
    helpers.init_app(app)
    errors.init_app(app)
    for module in (firm, facilitator, explore, api, vendor):
        app.register_blueprint(module.bp)
    return app
