"""Who sees and changes value-chain cases.

Staff (facilitators, admins) see every case and are the only ones who create, advance, edit or
undo them. A firm user sees the cases its organisation is a member of, and the cases staff have
made public; a visitor sees only public cases. Outside staff, a case shows no notes, no history
reasons and no money of cases the firm is not in.
"""

from __future__ import annotations

from matchmaker.errors import Forbidden, NotFound
from matchmaker.programmes.cases import Case
from matchmaker.trust.access import Viewer
from matchmaker.trust.accounts import STAFF, User


def may_see(viewer: Viewer, case: Case) -> bool:
    if viewer.is_staff or case.public:
        return True
    return viewer.role == "firm" and viewer.org_id is not None and viewer.org_id in case.member_ids()


def visible(viewer: Viewer, found: list[Case]) -> list[Case]:
    return [c for c in found if may_see(viewer, c)]


def shown(viewer: Viewer, case: Case) -> Case:
    """The case as this viewer may see it (hidden and missing look the same: NotFound)."""
    if not may_see(viewer, case):
        raise NotFound(f"unknown case {case.id}")
    return case


def view_dict(viewer: Viewer, case: Case, names: dict[str, str]) -> dict:
    """The case's data for a page or the API, without what this viewer may not read."""
    d = case.as_dict(names)
    if viewer.is_staff:
        return d
    member = viewer.role == "firm" and viewer.org_id in case.member_ids()
    d["notes"] = ""
    d["events"] = [{k: e[k] for k in ("date", "from_phase", "to_phase")} for e in d["events"] if e["undone_at"] is None]
    d["drop_reason"] = None
    if not member:
        for key in ("budget_dkk", "grant_dkk", "cofinancing_dkk", "decision_reason"):
            d[key] = None
    return d


def require_staff(user: User | Viewer) -> str:
    """The acting user's name, if staff may act; else Forbidden."""
    if user.role not in STAFF:
        raise Forbidden("only facilitators create, advance, edit or undo value-chain cases")
    return user.username or "?"
