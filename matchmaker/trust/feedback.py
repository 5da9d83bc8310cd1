"""A facilitator marks a suggested match "good match" or "not relevant"; the mark is a label
the weights can learn from (`matching/feedback.py` stores and reads it)."""

from __future__ import annotations

from matchmaker.errors import Forbidden, MatchmakerError
from matchmaker.matching.feedback import VERDICTS, pair_of, record_mark
from matchmaker.store import Store
from matchmaker.trust.accounts import User
from matchmaker.trust.audit import log, now
from matchmaker.trust.permissions import may


def mark_suggestion(store: Store, actor: User, stream_id: str, other_id: str, verdict: str) -> tuple[str, str]:
    """Store the actor's verdict on the pair of two streams (either order); returns (offer id, need id).
    Only staff (facilitators and admins) mark: a firm's view of its own match is not a neutral label."""
    if not may(actor.role, "mark_match"):
        raise Forbidden("only a facilitator can mark a suggestion")
    if verdict not in VERDICTS:
        raise MatchmakerError(f"verdict must be one of {', '.join(VERDICTS)}")
    with store.transaction() as conn:
        offer_id, need_id = pair_of(conn, stream_id, other_id)
        record_mark(conn, offer_id, need_id, verdict, actor.username, now())
        log(conn, actor.username, "mark_match", f"{offer_id} -> {need_id}", verdict)
    return offer_id, need_id
