"""The audit log, for staff: who did what, when."""

from __future__ import annotations

from flask import Blueprint, render_template

from matchmaker.trust.audit import audit_log

from .auth import require
from .helpers import services

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@require("audit")
def audit_page():
    return render_template("audit/audit.html", entries=audit_log(services().store, 500))
