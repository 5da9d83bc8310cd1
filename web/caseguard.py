"""The one guard the programme and case pages share: staff only (visitors go to the login page,
API callers get 401), decided by trust.cases_access."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, redirect, request, url_for

from matchmaker.trust.cases_access import require_staff

from .auth import viewer


def staff_only(view: Callable) -> Callable:
    @wraps(view)
    def inner(*args: Any, **kwargs: Any):
        v = viewer()
        if not v.signed_in:
            if request.path.startswith("/api/"):
                abort(401, description="log in first")
            return redirect(url_for("auth.login", next=request.path))
        require_staff(v)
        return view(*args, **kwargs)
    return inner


def actor() -> str:
    return require_staff(viewer())
