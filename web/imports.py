"""Importing organisations and streams from files, all or nothing (staff)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from matchmaker.errors import ValidationFailed
from matchmaker.io.importer import import_files

from .auth import require
from .helpers import refresh_matches_of, services

bp = Blueprint("imports", __name__)


@bp.route("/import", methods=["GET", "POST"])
@require("import")
def import_page():
    if request.method == "GET":
        return render_template("imports/import.html", report=None, problems=[])
    uploads = {f.filename or "upload": f.read() for f in request.files.getlist("files") if f and f.filename}
    if not uploads:
        return render_template("imports/import.html", report=None, problems=["choose at least one file"]), 400
    dry_run = bool(request.form.get("dry_run"))
    try:
        report = import_files(services().store, [], uploads=uploads, dry_run=dry_run)
    except ValidationFailed as exc:
        return render_template("imports/import.html", report=None, problems=[str(p) for p in exc.problems]), 422
    if not dry_run:
        refresh_matches_of(report.changed_streams)
    return render_template("imports/import.html", report=report, problems=[])
