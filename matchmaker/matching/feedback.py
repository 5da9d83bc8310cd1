"""Labels from use: facilitators' marks on suggestions and the outcome of introductions.

A facilitator's mark ("good match" 1, "not relevant" 0) is stored in the
`feedback` table (who may mark is decided in `trust/feedback.py`). An
introduction both firms accepted (introduced, or taken into a chain) is a good
match; one either firm declined is a not-relevant one. A mark wins over an
introduction on the same pair: it is the explicit judgement. Labels whose
streams are gone are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from matchmaker.errors import MatchmakerError, NotFound
from matchmaker.store import Store, feedback, introductions, streams

VERDICTS = {"good": 1, "not_relevant": 0}
INTRODUCTION_LABEL = {"introduced": 1, "in_chain": 1, "declined": 0}


@dataclass(frozen=True)
class FeedbackLabel:
    offer_id: str
    need_id: str
    label: int
    source: str   # "mark" or "introduction"


def pair_of(conn, stream_id: str, other_id: str) -> tuple[str, str]:
    """(offer id, need id) of two stored streams of different organisations, in either order."""
    rows = {r.id: r for r in conn.execute(select(streams.c.id, streams.c.org_id, streams.c.direction)
                                          .where(streams.c.id.in_([stream_id, other_id])))}
    for sid in (stream_id, other_id):
        if sid not in rows:
            raise NotFound(f"unknown stream {sid!r}")
    a, b = rows[stream_id], rows[other_id]
    if a.direction == b.direction:
        raise MatchmakerError("a suggestion pairs an offer with a need")
    if a.org_id == b.org_id:
        raise MatchmakerError("a stream is never matched with its own organisation's streams")
    return (a.id, b.id) if a.direction == "offer" else (b.id, a.id)


def record_mark(conn, offer_id: str, need_id: str, verdict: str, marked_by: str, at: str) -> None:
    """Store (or replace) a mark inside the caller's transaction; `verdict` is 'good' or 'not_relevant'."""
    if verdict not in VERDICTS:
        raise MatchmakerError(f"verdict must be one of {', '.join(VERDICTS)}")
    conn.execute(delete(feedback).where((feedback.c.offer_id == offer_id) & (feedback.c.need_id == need_id)))
    conn.execute(feedback.insert().values(offer_id=offer_id, need_id=need_id, label=VERDICTS[verdict],
                                          marked_by=marked_by, at=at))


def labels(store: Store) -> list[FeedbackLabel]:
    """Every label from use on pairs whose streams still exist, marks first."""
    with store.engine.connect() as conn:
        present = set(conn.execute(select(streams.c.id)).scalars())
        marks = {(r.offer_id, r.need_id): r.label for r in conn.execute(select(feedback))}
        intros = {(r.offer_id, r.need_id): INTRODUCTION_LABEL[r.status]
                  for r in conn.execute(select(introductions.c.offer_id, introductions.c.need_id, introductions.c.status))
                  if r.status in INTRODUCTION_LABEL}
    out = [FeedbackLabel(o, n, v, "mark") for (o, n), v in sorted(marks.items())]
    out += [FeedbackLabel(o, n, v, "introduction") for (o, n), v in sorted(intros.items()) if (o, n) not in marks]
    return [lab for lab in out if lab.offer_id in present and lab.need_id in present]


def marks_for(store: Store, stream_id: str) -> dict[str, int]:
    """Counterpart id -> the mark on its pair with `stream_id` (for the stream page)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(feedback).where((feedback.c.offer_id == stream_id) | (feedback.c.need_id == stream_id)))
        return {(r.need_id if r.offer_id == stream_id else r.offer_id): r.label for r in rows}
