"""Keeping the stored matches in step with the streams.

`refresh_matches` recomputes every stream's top-k with the blocked all-pairs
product; `update_stream_matches` handles one added, edited or removed stream
and touches only the lists it enters or leaves.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select

from matchmaker.matching.embedding import Embedder, load_embedder
from matchmaker.matching.index import Match, MatchIndex
from matchmaker.store import Store, matches

DEFAULT_TOP = 10


def build_index(store: Store, embedder: Embedder | None = None) -> MatchIndex:
    return MatchIndex(store.organisations(), store.streams(), embedder or load_embedder())


def _details(index: MatchIndex, stream_id: str, others: list[str]) -> list[Match]:
    return index.explain_many(stream_id, others) if others else []


def _write(conn, stream_id: str, found: list[Match]) -> None:
    conn.execute(delete(matches).where(matches.c.stream_id == stream_id))
    rows = [{"stream_id": stream_id, "rank": r, "other_id": m.other(stream_id), "score": m.score,
             "detail": json.dumps(m.as_dict(), ensure_ascii=False)} for r, m in enumerate(found, start=1)]
    if rows:
        conn.execute(matches.insert(), rows)


def refresh_matches(store: Store, index: MatchIndex, top: int = DEFAULT_TOP) -> int:
    """Recompute and store every stream's top-k; returns the number of stored pairs."""
    ranked = index.all_pairs(top)
    total = 0
    with store.transaction() as conn:
        conn.execute(delete(matches))
        for stream_id, pairs in ranked.items():
            found = _details(index, stream_id, [other for other, _ in pairs])
            _write(conn, stream_id, found)
            total += len(found)
    return total


def _stored_lists(conn, ids: list[str]) -> dict[str, list[tuple[str, float]]]:
    lists: dict[str, list[tuple[str, float]]] = {i: [] for i in ids}
    for row in conn.execute(select(matches).where(matches.c.stream_id.in_(ids)).order_by(matches.c.rank)):
        lists[row.stream_id].append((row.other_id, row.score))
    return lists


def update_stream_matches(store: Store, index: MatchIndex, stream_id: str, top: int = DEFAULT_TOP) -> set[str]:
    """Bring stored matches up to date after one stream changed (or was removed).

    Returns the ids whose stored lists were rewritten; others are untouched.
    """
    touched: set[str] = set()
    with store.transaction() as conn:
        if stream_id not in index.row:  # removed: drop its list and its place in others' lists
            holders = [r.stream_id for r in conn.execute(select(matches.c.stream_id).where(matches.c.other_id == stream_id))]
            conn.execute(delete(matches).where(matches.c.stream_id == stream_id))
            for holder in holders:
                if holder in index.row:
                    scores = index.pair_scores(holder)
                    best = sorted(scores, key=lambda o: -scores[o])[:top]
                    _write(conn, holder, _details(index, holder, best))
                    touched.add(holder)
            return touched
        scores = index.pair_scores(stream_id)
        best = sorted(scores, key=lambda o: -scores[o])[:top]
        _write(conn, stream_id, _details(index, stream_id, best))
        touched.add(stream_id)
        counterparts = list(scores)
        for other, stored in _stored_lists(conn, counterparts).items():
            was_in = any(o == stream_id for o, _ in stored)
            floor = stored[-1][1] if len(stored) >= top else -1.0
            if was_in:
                # its score changed: it may drop out, and the next candidate is unknown, so redo this list
                row_scores = index.pair_scores(other)
                best_other = sorted(row_scores, key=lambda o: -row_scores[o])[:top]
            elif scores[other] > floor:
                candidates = dict(stored)
                candidates[stream_id] = scores[other]
                best_other = sorted(candidates, key=lambda o: -candidates[o])[:top]
            else:
                continue  # the stream does not enter this list: nothing to do
            _write(conn, other, _details(index, other, best_other))
            touched.add(other)
    return touched


def stored_matches(store: Store, stream_id: str, top: int = DEFAULT_TOP) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(matches).where(matches.c.stream_id == stream_id)
                            .order_by(matches.c.rank).limit(top)).all()
    return [json.loads(r.detail) for r in rows]


def has_matches(store: Store) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(select(matches.c.stream_id).limit(1)).first() is not None


INCREMENTAL_LIMIT = 50  # beyond this many changed streams a full refresh is cheaper


def sync_changed(store: Store, stream_ids: list[str], embedder: Embedder | None = None,
                 top: int = DEFAULT_TOP) -> int:
    """After an import or edit: update the stored matches of the changed streams only."""
    index = build_index(store, embedder)
    if len(stream_ids) > INCREMENTAL_LIMIT:
        refresh_matches(store, index, top)
        return len(index.streams)
    touched: set[str] = set()
    for stream_id in stream_ids:
        touched |= update_stream_matches(store, index, stream_id, top)
    return len(touched)


def ranked_pairs(store: Store, embedder: Embedder | None = None, top: int = DEFAULT_TOP) -> dict[str, list[tuple[str, float]]]:
    """Every stream's top counterparts: the stored ones, else computed (and stored) now."""
    if not has_matches(store):
        refresh_matches(store, build_index(store, embedder), top)
    ranked: dict[str, list[tuple[str, float]]] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(select(matches.c.stream_id, matches.c.other_id, matches.c.score).order_by(
                matches.c.stream_id, matches.c.rank)):
            ranked.setdefault(row.stream_id, []).append((row.other_id, row.score))
    return ranked
