"""Which role may do what: the one table that the web's route guards and menus read.

Record-level rules (whose stream a firm may edit, which introduction it may
answer) live next to the records: `editing.may_edit`, `introductions.can_answer`.
"""

from __future__ import annotations

from matchmaker.trust.accounts import ROLES, STAFF

SIGNED_IN = ROLES  # admin, facilitator, firm: everyone but an anonymous visitor

ACTIONS: dict[str, tuple[str, ...]] = {
    "chains": STAFF,                  # proposals, chain pages and exports, checking a chain
    "import": STAFF,                  # uploading organisations and streams
    "audit": STAFF,                   # reading the audit log
    "introductions": SIGNED_IN,       # one's introductions; asking for one
    "answer_introduction": ("firm",),  # only the firms on either side answer
    "mark_in_chain": STAFF,
    "introduce_chain": STAFF,         # asking for every link of a chain at once
    "notifications": SIGNED_IN,       # one's own notices and saved-search alerts
    "mark_match": STAFF,              # "good match" / "not relevant" on a suggestion (a label for fitting)
    "edit": SIGNED_IN,                # then editing.may_edit decides per record
    "confirm_changes": STAFF,         # confirming a firm's own eligibility figures (editing.decide)
    "cases": STAFF,                   # creating, advancing and editing cases; their notes (cases_access)
}


def may(role: str, action: str) -> bool:
    """Whether `role` may do `action` (a key of ACTIONS); an unknown action is a programming error."""
    return role in ACTIONS[action]
