"""Errors answer in JSON under /api/ and as a page elsewhere; never a traceback."""

from __future__ import annotations

from flask import Flask, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from matchmaker.errors import MatchmakerError, ValidationFailed
from matchmaker.store import is_locked


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

    @app.errorhandler(OperationalError)
    def store_busy(exc: OperationalError):
        """A long write holds the store: ask the client to come back instead of failing (503)."""
        if not is_locked(exc):
            raise exc
        message = "the store is busy with a long write; try again in a few seconds"
        headers = {"Retry-After": "5", "Cache-Control": "no-store"}
        if _wants_json():
            return {"error": message}, 503, headers
        return render_template("error.html", status=503, message=message, problems=[]), 503, headers

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json():
            return {"error": exc.description}, exc.code
        return render_template("error.html", status=exc.code, message=exc.description, problems=[]), exc.code
