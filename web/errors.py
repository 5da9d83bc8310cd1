"""Errors answer in JSON under /api/ and as a page elsewhere; never a traceback."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from matchmaker.errors import MatchmakerError, ValidationFailed


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def init_app(app: Flask) -> None:
    @app.errorhandler(MatchmakerError)
    def domain_error(exc: MatchmakerError):
        problems = [str(p) for p in exc.problems] if isinstance(exc, ValidationFailed) else []
        if _wants_json():
            return {"error": str(exc).splitlines()[0], "problems": problems}, exc.status
        return render_template("error.html", status=exc.status, message=str(exc).splitlines()[0],
                               problems=problems), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json():
            return {"error": exc.description}, exc.code
        return render_template("error.html", status=exc.code, message=exc.description, problems=[]), exc.code
