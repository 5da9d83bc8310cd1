"""A few streams changed: update the index and the ranked lists row by row, not from scratch.

`updated` gives the index a full build would give on the changed store, with the same text
model (textmodel.py): only the changed streams' features are computed, every other row is
reused. `rerank` then brings block_top_k's ranked lists up to date:
- the lists of the changed streams, and of every stream whose list held a changed or removed
  stream (it may drop out, and who comes next is unknown), are ranked again against the whole
  other side;
- every other list can only gain a changed stream, when it beats the list's last entry.
Scores are the same bits whichever way a pair is computed (grid.py), and ties rank by position
as in block_top_k, so the result equals a full all-pairs on the new index: a test checks it.
"""

from __future__ import annotations

import bisect
import copy
from dataclasses import fields

import numpy as np
from scipy import sparse

from matchmaker.matching.features import StreamFeatures
from matchmaker.matching.index import MatchIndex, _dense_concepts
from matchmaker.matching.topk import Ranked, ordered_keys, top_of
from matchmaker.model import Organisation, Stream

COLUMNS = 64  # needs ranked again at once against every offer (a column block of the score matrix)


def updated(base: MatchIndex, changed: dict[str, Stream | None], orgs: list[Organisation] = ()
            ) -> tuple[MatchIndex, dict[str, np.ndarray]]:
    """The index after `changed` (id -> its stream now, None when removed), and per side
    ('offer', 'need') where each old row went (-1: changed or removed)."""
    new = copy.copy(base)
    new.orgs = {**base.orgs, **{o.id: o for o in orgs}}
    new._names = {**base._names, **{o.id: o.name for o in orgs}}
    new._org_codes = dict(base._org_codes)
    # keyed by text and code, so true for both indexes; started afresh once edits doubled it
    new._tag_cache = base._tag_cache if len(base._tag_cache) < 2 * len(base.streams) + 100 else {}
    new._search = {}
    new.neighbours = None  # PostgreSQL's search is bound to an index: vectorstore.attach binds the new one
    new.ranked = None
    fresh = sorted((s for s in changed.values() if s is not None), key=lambda s: s.id)
    texts = {s.id: new._text(s) for s in fresh}
    if all(s is not None and s.id in base.row and base.streams[base.row[s.id]].direction == s.direction
           for s in changed.values()):
        return _edited_in_place(base, new, fresh, texts)
    moved: dict[str, np.ndarray] = {}
    for side, old, rows in (("offer", base.offers, base.offer_rows), ("need", base.needs, base.need_rows)):
        keep = np.ones(len(old), bool)
        for sid in changed:  # a changed stream's row on this side, if it had one
            i = base.row.get(sid)
            if i is not None and base.streams[i].direction == side:
                keep[int(np.searchsorted(rows, i))] = False
        add = [s for s in fresh if s.direction == side]
        kept, dest_old, dest_new = _merged(old.streams, keep, [s.id for s in add])
        feats = _gather(old, kept, dest_old, new._features(add, [texts[s.id] for s in add]) if add else None, dest_new)
        setattr(new, "offers" if side == "offer" else "needs", feats)
        moved[side] = np.full(len(old), -1, np.int64)
        moved[side][kept] = dest_old
    everyone = np.ones(len(base.streams), bool)
    for sid in changed:
        if sid in base.row:
            everyone[base.row[sid]] = False
    plan = _plan(*_merged(base.streams, everyone, [s.id for s in fresh]))
    new.streams = _placed(base.streams, plan, fresh)
    new.texts = _placed(base.texts, plan, [texts[s.id] for s in fresh])
    new.row = {s.id: i for i, s in enumerate(new.streams)}
    new.offer_rows = np.array([new.row[s.id] for s in new.offers.streams], dtype=np.int64)
    new.need_rows = np.array([new.row[s.id] for s in new.needs.streams], dtype=np.int64)
    return new, moved


def _edited_in_place(base: MatchIndex, new: MatchIndex, fresh: list[Stream], texts: dict[str, str]
                     ) -> tuple[MatchIndex, dict[str, np.ndarray]]:
    """`updated` when every change edits a stream that stays on its side: each row keeps its
    place, so only the edited rows are written (into copies: readers may hold the old index)."""
    moved = {}
    for side, rows in (("offer", base.offer_rows), ("need", base.need_rows)):
        old = base.offers if side == "offer" else base.needs
        mine = [s for s in fresh if s.direction == side]
        moved[side] = np.arange(len(old), dtype=np.int64)
        if not mine:
            continue
        at = np.searchsorted(rows, [base.row[s.id] for s in mine])
        moved[side][at] = -1  # the same place, but changed: rerank treats them as new rows
        edit = new._features(mine, [texts[s.id] for s in mine])
        values = {}
        for f in fields(old):
            a, b = getattr(old, f.name), getattr(edit, f.name)
            if f.name == "streams":
                out = list(a)
                for pos, stream in zip(at.tolist(), b):
                    out[pos] = stream
            elif sparse.issparse(a):
                out = _replace_sparse(a, at, b)
            else:
                out = a.copy()
                out[at] = b
            values[f.name] = out
        setattr(new, "offers" if side == "offer" else "needs", StreamFeatures(**values))
    new.streams = list(base.streams)
    new.texts = list(base.texts)
    for s in fresh:
        new.streams[base.row[s.id]] = s
        new.texts[base.row[s.id]] = texts[s.id]
    return new, moved


def _replace_sparse(a: sparse.csr_matrix, at: np.ndarray, rows: sparse.csr_matrix) -> sparse.csr_matrix:
    """`a` with rows `at` replaced by `rows` (in order)."""
    n = a.shape[0]
    keep = np.ones(n, bool)
    keep[at] = False
    stacked = sparse.vstack([a[np.flatnonzero(keep)], rows], format="csr")
    order = np.empty(n, np.int64)
    order[np.concatenate([np.flatnonzero(keep), at])] = np.arange(n)
    return stacked[order]


def _merged(streams: list[Stream], keep: np.ndarray, add_ids: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the kept rows (sorted by id) and the added ids (sorted) go in the merged order:
    (kept row numbers, their new positions, the added ids' new positions)."""
    kept = np.flatnonzero(keep)
    kept_ids = [streams[i].id for i in kept] if len(kept) < len(streams) else [s.id for s in streams]
    at = np.array([bisect.bisect_left(kept_ids, sid) for sid in add_ids], dtype=np.int64)
    dest_old = np.arange(len(kept), dtype=np.int64) + np.searchsorted(at, np.arange(len(kept)), side="right")
    dest_new = at + np.arange(len(at), dtype=np.int64)
    return kept, dest_old, dest_new


def _plan(kept: np.ndarray, dest_old: np.ndarray, dest_new: np.ndarray) -> list[tuple[bool, int, int]]:
    """The merged order as pieces (from the old rows?, start, stop): runs of kept rows that stay
    together, and each added row. A few changes make a few pieces, each copied at once."""
    pieces = []
    if len(kept):
        cut = np.flatnonzero((np.diff(kept) != 1) | (np.diff(dest_old) != 1)) + 1
        for a, b in zip(np.r_[0, cut], np.r_[cut, len(kept)]):
            pieces.append((int(dest_old[a]), True, int(kept[a]), int(kept[b - 1]) + 1))
    pieces += [(int(d), False, j, j + 1) for j, d in enumerate(dest_new.tolist())]
    return [(old, a, b) for _, old, a, b in sorted(pieces)]


def _placed(old: list, plan: list[tuple[bool, int, int]], new: list) -> list:
    out: list = []
    for from_old, a, b in plan:
        out.extend((old if from_old else new)[a:b])
    return out


def _gather(old: StreamFeatures, kept: np.ndarray, dest_old: np.ndarray, add: StreamFeatures | None,
            dest_new: np.ndarray) -> StreamFeatures:
    """The kept rows of `old` and the added rows in their merged order, copied piece by piece."""
    if add is None and len(kept) == len(old):
        return old
    plan = _plan(kept, dest_old, dest_new)
    values = {}
    for f in fields(old):
        a = getattr(old, f.name)
        b = getattr(add, f.name) if add is not None else None
        parts = [(a if from_old else b)[x:y] for from_old, x, y in plan]
        if f.name == "streams":
            values[f.name] = [s for part in parts for s in part]
        elif sparse.issparse(a):
            values[f.name] = sparse.vstack(parts, format="csr") if parts else a[:0]
        else:
            values[f.name] = np.concatenate(parts) if parts else a[:0]
    return StreamFeatures(**values)


def _remap(idx: np.ndarray, val: np.ndarray, rows_moved: np.ndarray, cols_moved: np.ndarray, n_rows: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Ranked lists carried to the new positions of their rows and of their entries."""
    k = idx.shape[1]
    out_idx = np.full((n_rows, k), -1, np.int64)
    out_val = np.full((n_rows, k), -np.inf, np.float32)
    kept = rows_moved >= 0
    old = idx[kept]
    out_idx[rows_moved[kept]] = np.where(old >= 0, cols_moved[np.maximum(old, 0)], -1)
    out_val[rows_moved[kept]] = val[kept]
    return out_idx, out_val


def _holders(idx: np.ndarray, gone_cols: np.ndarray) -> np.ndarray:
    """Old rows whose list holds one of the old columns in `gone_cols` (a bool mask)."""
    if not gone_cols.any():
        return np.zeros(len(idx), bool)
    return ((idx >= 0) & gone_cols[np.maximum(idx, 0)]).any(axis=1)


def rerank(base: MatchIndex, new: MatchIndex, moved: dict[str, np.ndarray]) -> tuple[Ranked, set[str]]:
    """The ranked lists of `new` from those of `base` (see the module's docstring), and the ids
    of the streams whose list may have changed (to be stored again)."""
    old = base.ranked
    k = old.top
    o_idx, o_val = _remap(old.o_idx, old.o_val, moved["offer"], moved["need"], len(new.offers))
    n_idx, n_val = _remap(old.n_idx, old.n_val, moved["need"], moved["offer"], len(new.needs))
    o_new = np.setdiff1d(np.arange(len(new.offers)), moved["offer"][moved["offer"] >= 0])  # changed or added rows
    n_new = np.setdiff1d(np.arange(len(new.needs)), moved["need"][moved["need"] >= 0])
    o_hold = moved["offer"][_holders(old.o_idx, moved["need"] < 0) & (moved["offer"] >= 0)]
    n_hold = moved["need"][_holders(old.n_idx, moved["offer"] < 0) & (moved["need"] >= 0)]
    o_redo, n_redo = np.union1d(o_new, o_hold), np.union1d(n_new, n_hold)
    touched = {new.offers.streams[i].id for i in o_redo} | {new.needs.streams[j].id for j in n_redo}
    if len(new.offers) and len(new.needs):
        offers, needs = _dense_concepts(new.offers), _dense_concepts(new.needs)
        # offers ranked again: their rows against every need (the changed offers' rows are also
        # what the needs' lists may gain)
        rows = new.decision(offers.take(o_redo, False), needs) if len(o_redo) else np.zeros((0, len(needs)), np.float32)
        o_idx[o_redo], o_val[o_redo] = top_of(rows, k)
        for start in range(0, len(n_redo), COLUMNS):
            part = n_redo[start:start + COLUMNS]
            cols = new.decision(offers, needs.take(part, False))
            n_idx[part], n_val[part] = top_of(np.ascontiguousarray(cols.T), k)
        redo_n = np.zeros(len(new.needs), bool)
        redo_n[n_redo] = True
        where_new = np.searchsorted(o_redo, o_new)
        touched |= _gain(n_idx, n_val, rows[where_new], o_new, redo_n, new.needs.streams)
        cols_new = new.decision(offers, needs.take(n_new, False)) if len(n_new) else np.zeros((len(offers), 0), np.float32)
        redo_o = np.zeros(len(new.offers), bool)
        redo_o[o_redo] = True
        touched |= _gain(o_idx, o_val, np.ascontiguousarray(cols_new.T), n_new, redo_o, new.offers.streams)
    return Ranked(k, o_idx, o_val, n_idx, n_val), touched


def _gain(idx: np.ndarray, val: np.ndarray, scores: np.ndarray, entrants: np.ndarray, redone: np.ndarray,
          streams: list[Stream]) -> set[str]:
    """Let each entrant (a changed stream of the other side, with its scores against every list
    owner) into the lists it beats, in place; lists already ranked again are left alone."""
    gained: set[str] = set()
    lowest = np.iinfo(np.int64).min
    for e, entrant in enumerate(entrants):
        last = np.where(idx[:, -1] >= 0, ordered_keys(val[:, -1], np.maximum(idx[:, -1], 0)), lowest)
        mine = ordered_keys(scores[e], np.full(len(idx), entrant))
        enter = np.flatnonzero((mine > last) & (scores[e] > -np.inf) & ~redone)
        for owner in enter:
            keys = np.where(idx[owner] >= 0, ordered_keys(val[owner], np.maximum(idx[owner], 0)), lowest)
            at = int((keys > mine[owner]).sum())  # the list is in descending key order
            idx[owner] = np.insert(idx[owner], at, entrant)[:-1]
            val[owner] = np.insert(val[owner], at, scores[e, owner])[:-1]
            gained.add(streams[owner].id)
    return gained
