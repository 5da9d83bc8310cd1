"""Keeping the stored matches in step with the streams.

`refresh_matches` recomputes every stream's top-k with the blocked all-pairs
product. After an import or edit, `sync` makes the stored lists equal to what a
refresh would store: it ranks every pair again (cheap: matrix products) and rewrites
only the lists whose ranking changed or which hold a changed stream (the costly part
is the explanation of each pair). Writes mark the affected streams stale in their own
transaction (matchmaker.freshness), so a sync killed half-way is redone by the next
command or request, and a stream with no stored list is always recomputed.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from sqlalchemy import delete, func, select

from matchmaker.freshness import clear_stale, matches_token, new_matches_token, stale, swap_matches_token
from matchmaker.matching import index as index_module
from matchmaker.matching import rowupdate, textmodel, vectorstore
from matchmaker.matching.embedding import Embedder, load_embedder
from matchmaker.matching.index import Match, MatchIndex
from matchmaker.matching.weights import current_weights
from matchmaker.store import Store, matches, streams

DEFAULT_TOP = 10
ROW_UPDATE_MAX = 0.01  # above this share of the streams changed at once, ranking all pairs again is cheaper

# The index each process last stored lists from, per store: with the token of those lists, it is
# what the store holds now (unless a write marked streams stale since), so the next sync updates
# it row by row and readers use it without rebuilding. A token another process wrote retires it.
_WARM: OrderedDict[tuple, tuple[str, MatchIndex]] = OrderedDict()
_WARM_LOCK = threading.Lock()
_SYNC_LOCKS: dict[str, threading.RLock] = {}
WARM_KEEP = 4
SYNC_TRIES = 3


def _warm_key(store: Store, embedder: Embedder) -> tuple:
    return store.url, embedder.name


def _warm(store: Store, embedder: Embedder, token: str | None) -> MatchIndex | None:
    with _WARM_LOCK:
        held = _WARM.get(_warm_key(store, embedder))
    if not held or token is None or held[0] != token:
        return None
    index, weights = held[1], current_weights()
    # the weights and vocabulary in use now are part of what an index is (a refit, a test's own)
    same = index.vocab is index_module.default_vocabulary() and \
        (index.weights.coef_, index.weights.intercept_) == (weights.coef_, weights.intercept_)
    return index if same else None


def _keep_warm(store: Store, embedder: Embedder, token: str, index: MatchIndex) -> None:
    with _WARM_LOCK:
        key = _warm_key(store, embedder)
        _WARM[key] = (token, index)
        _WARM.move_to_end(key)
        while len(_WARM) > WARM_KEEP:
            _WARM.popitem(last=False)


def build_index(store: Store, embedder: Embedder | None = None, refit: bool = False) -> MatchIndex:
    """The store's index: the one this process holds when nothing changed since, else built with
    the store's frozen text model (a large store's, see textmodel.py), or a fresh fit (`refit`)."""
    embedder = embedder or load_embedder()
    with store.engine.connect() as conn:
        warm = None if refit or stale(conn) is not None else _warm(store, embedder, matches_token(conn))
        if warm is not None:
            return warm
        frozen = None if refit else textmodel.load(conn)
    streams = store.streams()
    model = frozen.model if frozen and not frozen.drifted(len(streams), 0) else None
    # on PostgreSQL with pgvector: unchanged texts' embeddings are read back and single queries
    # share the database's HNSW index (vectorstore.py); elsewhere this is the plain index
    index = MatchIndex(store.organisations(), streams, vectorstore.reading(store, embedder), text_model=model)
    return vectorstore.attach(store, index)


def forget_warm() -> None:
    """Drop the indexes this process holds (the next build starts from the store)."""
    with _WARM_LOCK:
        _WARM.clear()


def _stored(conn, index: MatchIndex, changed: int = 0) -> None:
    """After lists were written from `index`: keep its text model (large stores), and count the
    `changed` streams towards its drift when it is the model already stored."""
    if len(index.streams) >= textmodel.FROZEN_FROM:
        if not textmodel.save(conn, index.text_model):
            textmodel.count_changes(conn, changed)
    else:
        textmodel.forget(conn)


class _Moved(Exception):
    """Another process stored lists after this sync read the store: its result is not written."""


def _sync_lock(store: Store) -> threading.RLock:
    with _WARM_LOCK:
        return _SYNC_LOCKS.setdefault(store.url, threading.RLock())


def _rows(stream_id: str, found: list[Match]) -> list[dict]:
    return [{"stream_id": stream_id, "rank": r, "other_id": m.other(stream_id), "score": m.score,
             "detail": json.dumps(m.as_dict(), ensure_ascii=False)} for r, m in enumerate(found, start=1)]


def _write_many(conn, index: MatchIndex, lists: dict[str, list[tuple[str, float]]], fresh: bool = False,
                chunk: int = 5000) -> int:
    """Store many ranked lists with their explanations, a chunk of streams at a time (explained
    together: index.explain_lists); `fresh`: the table was emptied, nothing to delete first."""
    ids = list(lists)
    total = 0
    for start in range(0, len(ids), chunk):
        part = {sid: lists[sid] for sid in ids[start:start + chunk]}
        explained = index.explain_lists(part)
        if not fresh:
            conn.execute(delete(matches).where(matches.c.stream_id.in_(list(part))))
        rows = [row for sid in part for row in _rows(sid, explained[sid])]
        if rows:
            conn.execute(matches.insert(), rows)
        total += len(rows)
    return total


def refresh_matches(store: Store, index: MatchIndex, top: int = DEFAULT_TOP) -> int:
    """Recompute and store every stream's top-k; returns the number of stored pairs."""
    with store.engine.connect() as conn:
        seen = stale(conn)
    ranked = index.all_pairs(top)
    total = 0
    with store.transaction() as conn:
        if seen is not None:
            clear_stale(conn, seen[0])
        conn.execute(delete(matches))
        total = _write_many(conn, index, ranked, fresh=True)
        _stored(conn, index)
        token = new_matches_token(conn)  # a full refresh is the authority: no compare
    _keep_warm(store, index.embedder, token, index)
    return total


def stored_lists(conn, ids: list[str]) -> dict[str, list[tuple[str, float]]]:
    """The stored ranked lists of these streams: (counterpart, score), best first."""
    lists: dict[str, list[tuple[str, float]]] = {i: [] for i in ids}
    for row in conn.execute(select(matches).where(matches.c.stream_id.in_(ids)).order_by(matches.c.rank)):
        lists[row.stream_id].append((row.other_id, row.score))
    return lists


def stored_matches(store: Store, stream_id: str, top: int = DEFAULT_TOP) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(matches).where(matches.c.stream_id == stream_id)
                            .order_by(matches.c.rank).limit(top)).all()
    return [json.loads(r.detail) for r in rows]


def has_matches(store: Store) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(select(matches.c.stream_id).limit(1)).first() is not None


def _stored_ranking(conn) -> dict[str, list[tuple[str, float]]]:
    ranking: dict[str, list[tuple[str, float]]] = {}
    for row in conn.execute(select(matches.c.stream_id, matches.c.other_id, matches.c.score)
                            .order_by(matches.c.stream_id, matches.c.rank)):
        ranking.setdefault(row.stream_id, []).append((row.other_id, row.score))
    return ranking


def sync(store: Store, embedder: Embedder | None = None, top: int | None = None,
         changed: set[str] | frozenset[str] = frozenset(), index: MatchIndex | None = None) -> int:
    """Make every stored list what `refresh_matches` would store now; returns the lists rewritten.

    A list is rewritten when its ranking (counterparts and rounded scores) differs from a
    fresh one, when it has none, or when it belongs to or holds a changed stream (its
    explanation names that stream). Clears the stale mark it started from, in the same transaction.
    Syncs of one store take turns in a process; one that another process overtook (the store's
    token moved while it computed) writes nothing and starts again from what is stored then.
    """
    with _sync_lock(store):
        for _ in range(SYNC_TRIES - 1):
            try:
                return _sync_once(store, embedder, top, changed, index)
            except _Moved:
                index = None
        return _sync_once(store, embedder, top, changed, None, last=True)


def _sync_once(store: Store, embedder: Embedder | None, top: int | None, changed: set[str] | frozenset[str],
               index: MatchIndex | None, last: bool = False) -> int:
    with store.engine.connect() as conn:
        seen = stale(conn)
        token = matches_token(conn)
        frozen = textmodel.status(conn)
    changed = set(changed) | (seen[1] if seen else set())
    if index is None:
        embedder = embedder or load_embedder()
        warm = _warm(store, embedder, token)
        if not last and warm is not None and warm.ranked is not None and (top or warm.ranked.top) == warm.ranked.top \
                and frozen is not None and frozen.digest == warm.text_model.digest \
                and not frozen.drifted(len(warm.streams), len(changed)) \
                and len(changed) <= max(1, ROW_UPDATE_MAX * len(warm.streams)):
            return _sync_rows(store, embedder, warm, changed, seen, token)
    with store.engine.connect() as conn:
        stored = _stored_ranking(conn)
    top = top or max([DEFAULT_TOP, *map(len, stored.values())])
    refit = frozen is not None and frozen.drifted(_stream_count(store), len(changed))
    index = index or build_index(store, embedder, refit=refit)
    fresh = index.all_pairs(top)
    redo = [sid for sid, pairs in fresh.items()
            if sid in changed or sid not in stored and pairs
            or [o for o, _ in stored.get(sid, [])] != [o for o, _ in pairs]
            or any(a != round(float(b), 4) for (_, a), (_, b) in zip(stored.get(sid, []), pairs))
            or any(o in changed for o, _ in pairs)]
    gone = [sid for sid in stored if sid not in fresh]
    keep = True
    with store.transaction() as conn:
        new_token = swap_matches_token(conn, token)
        if new_token is None:
            if not last:
                raise _Moved
            # overtaken again and again: these lists are written anyway, stay marked stale (the
            # next sync checks them) and no index is kept for them
            new_token, seen, keep = new_matches_token(conn), None, False
        for sid in gone:
            conn.execute(delete(matches).where(matches.c.stream_id == sid))
        _write_many(conn, index, {sid: fresh[sid] for sid in redo})
        if seen is not None:
            clear_stale(conn, seen[0])
        _stored(conn, index, len(changed))
    if keep:
        _keep_warm(store, index.embedder, new_token, index)
    return len(redo) + len(gone)


def _sync_rows(store: Store, embedder: Embedder, warm: MatchIndex, changed: set[str],
               seen: tuple[int, set[str]] | None, token: str) -> int:
    """`sync` for a few changed streams on the index this process holds: their features alone,
    their lists and those they enter or leave ranked again (rowupdate.py), only those rewritten."""
    now = {sid: store.stream(sid) for sid in sorted(changed)}
    known = {s.id for s in warm.streams}
    now = {sid: s for sid, s in now.items() if s is not None or sid in known}
    orgs = [o for o in (store.organisation(oid) for oid in sorted({s.org_id for s in now.values() if s})) if o]
    index, moved = rowupdate.updated(warm, now, orgs)
    index.ranked, touched = rowupdate.rerank(warm, index, moved)
    lists = index.ranked_lists(touched)
    gone = [sid for sid, s in now.items() if s is None]
    with store.transaction() as conn:
        token = swap_matches_token(conn, token)
        if token is None:  # another process stored lists since this one read: its index is behind
            raise _Moved
        for sid in gone:
            conn.execute(delete(matches).where(matches.c.stream_id == sid))
        _write_many(conn, index, lists)
        if seen is not None:
            clear_stale(conn, seen[0])
        textmodel.count_changes(conn, len(now))
    vectorstore.attach(store, index)  # PostgreSQL: the changed streams' vectors (others unchanged)
    _keep_warm(store, embedder, token, index)
    return len(lists) + len(gone)


def _stream_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(streams)).scalar() or 0)


def is_stale(store: Store) -> bool:
    with store.engine.connect() as conn:
        return stale(conn) is not None


def ensure_fresh(store: Store, embedder: Embedder | None = None) -> int:
    """Repair stored lists left stale by a write whose update did not finish (or has not run)."""
    if not is_stale(store):
        return 0
    if not has_matches(store):  # nothing stored yet: the first reader refreshes everything
        with store.transaction() as conn:
            seen = stale(conn)
            if seen is not None:
                clear_stale(conn, seen[0])
        return 0
    return sync(store, embedder)


def sync_changed(store: Store, stream_ids: list[str], embedder: Embedder | None = None,
                 top: int | None = None) -> int:
    """After an import or edit: bring the stored matches up to date (see `sync`)."""
    return sync(store, embedder, top, set(stream_ids))


def ranked_pairs(store: Store, embedder: Embedder | None = None, top: int = DEFAULT_TOP) -> dict[str, list[tuple[str, float]]]:
    """Every stream's top counterparts: the stored ones, else computed (and stored) now."""
    if not has_matches(store):
        refresh_matches(store, build_index(store, embedder), top)
    else:
        ensure_fresh(store, embedder)
    ranked: dict[str, list[tuple[str, float]]] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(select(matches.c.stream_id, matches.c.other_id, matches.c.score).order_by(
                matches.c.stream_id, matches.c.rank)):
            ranked.setdefault(row.stream_id, []).append((row.other_id, row.score))
    return ranked
