"""Exact top-k of every row and every column of a score matrix too large to hold.

The matrix is produced one block of rows at a time (`decide(start, stop)`, float32, -inf for
pairs that may never match). Each block is reduced at once, while it is still in cache:
- its rows' top-k, exactly, by a partition on the block;
- its columns' top-k within the block, merged into a running top-k per column.
No Python loop runs per pair or per row. Blocks run on a few threads, each with a
single-threaded BLAS, because numpy's elementwise work (most of a block's cost) runs on one
core and releases the GIL.

Ties are broken the same way everywhere: higher score first, then the lower index, so the
result does not depend on the block size or the number of threads.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np


@dataclass
class Ranked:
    """block_top_k's result for a score matrix of offers (rows) x needs (columns)."""
    top: int
    o_idx: np.ndarray
    o_val: np.ndarray
    n_idx: np.ndarray
    n_val: np.ndarray


def top_of(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of each row of a (rows, n) float32 matrix, ordered as block_top_k orders them
    (higher value, then lower index), padded with -1 / -inf; -inf entries are never returned."""
    rows, cols = values.shape
    idx = np.full((rows, k), -1, np.int64)
    val = np.full((rows, k), -np.inf, np.float32)
    if rows == 0 or cols == 0 or k <= 0:
        return idx, val
    kr = min(k, cols)
    keys = ordered_keys(values, np.broadcast_to(np.arange(cols), values.shape))
    part = np.argpartition(-keys, kr - 1, axis=1)[:, :kr] if kr < cols else np.broadcast_to(np.arange(cols), values.shape)
    order = np.argsort(-np.take_along_axis(keys, part, axis=1), axis=1, kind="stable")
    best = np.take_along_axis(part, order, axis=1)
    idx[:, :kr], val[:, :kr] = best, np.take_along_axis(values, best, axis=1)
    gone = ~(val > -np.inf)
    idx[gone], val[gone] = -1, -np.inf
    return idx, val


BLOCK_CELLS = 1 << 21  # about 2M pairs (8 MB of float32) per block: the temporaries stay in cache-friendly sizes
_LOW32 = np.int64(0xFFFFFFFF)


def ordered_keys(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """int64 keys whose order is (value descending, index ascending) when sorted descending.

    The float32 bits are mapped to an int32 that sorts like the float (-inf lowest), put in
    the high half, and the complement of the index in the low half.
    """
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.int32)
    sortable = bits ^ ((bits >> 31) & np.int32(0x7FFFFFFF))
    return (sortable.astype(np.int64) << 32) | (_LOW32 - np.asarray(index, dtype=np.int64))


def _group_top(group: np.ndarray, keys: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Of entries (group, key), the k largest keys of each group, largest first: (positions, rank)."""
    order = np.argsort(keys, kind="stable")[::-1]
    order = order[np.argsort(group[order], kind="stable")]
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    keep = rank < k
    return order[keep], rank[keep]


def _reduce_block(decide: Callable[[int, int], np.ndarray], start: int, stop: int, k: int,
                  col_floor: np.ndarray):
    """One block's row top-k (exact) and its candidates for the columns' top-k.

    Rows: the k-th largest of a sample of a row's columns is a lower bound of the row's own
    k-th largest, so only the entries at or above it (a few times k) are sorted. Columns: only
    entries at or above a column's running k-th best can enter its list.
    """
    scores = decide(start, stop)
    rows, cols = scores.shape
    kr = min(k, cols)
    step = max(1, cols // max(16 * kr, cols // 16))
    sample = scores[:, ::step]
    floor = np.partition(sample, sample.shape[1] - kr, axis=1)[:, sample.shape[1] - kr]
    r, c = np.nonzero(scores >= floor[:, None])
    v = scores[r, c]
    pos, rank = _group_top(r, ordered_keys(v, c), kr)
    row_part = (start, r[pos] + start, rank, c[pos], v[pos])
    if rows >= k and not np.isfinite(col_floor).all():  # first blocks: this block's k-th best bounds the column's
        col_floor = np.maximum(col_floor, np.partition(scores, rows - k, axis=0)[rows - k])
    cr, cc = np.nonzero(scores >= col_floor[None, :])
    return row_part, (cc, cr + start, scores[cr, cc])


class _Merged:
    """Running top-k of every row (written once per row) and of every column (merged per block)."""

    def __init__(self, n_rows: int, n_cols: int, k: int):
        self.k = k
        self.row_idx = np.full((n_rows, k), -1, np.int64)
        self.row_val = np.full((n_rows, k), -np.inf, np.float32)
        # running best per column as keys (value, row), so merging is exact and order-free
        self.best_keys = np.full((n_cols, k), np.iinfo(np.int64).min, np.int64)
        self.col_floor = np.full(n_cols, -np.inf, np.float32)

    def merge(self, result) -> None:
        (start, r, rank, c, v), (cc, cr, cv) = result
        k = self.k
        self.row_idx[r, rank] = c
        self.row_val[r, rank] = v
        if len(cc) == 0:
            return
        touched = np.unique(cc)
        # the block's k best of each touched column next to its running k best, then one sort per row
        pos, rank_c = _group_top(np.searchsorted(touched, cc), ordered_keys(cv, cr), k)
        both = np.full((len(touched), 2 * k), np.iinfo(np.int64).min, np.int64)
        both[:, :k] = self.best_keys[touched]
        both[np.searchsorted(touched, cc[pos]), k + rank_c] = ordered_keys(cv[pos], cr[pos])
        both.sort(axis=1)
        fresh = both[:, :k - 1:-1] if k > 0 else both[:, :0]
        self.best_keys[touched] = fresh
        self.col_floor[touched] = _values(fresh[:, -1])

    def run(self, reduce: Callable, n_rows: int, block: int, workers: int) -> None:
        """reduce(start, stop, col_floor) for every block of rows, on `workers` threads."""
        starts = list(range(0, n_rows, block))
        if workers <= 1 or len(starts) == 1:
            for s in starts:
                self.merge(reduce(s, min(s + block, n_rows), self.col_floor.copy()))
            return
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
            pending: list[Future] = []
            for s in starts:  # a bounded number in flight keeps memory flat; a stale floor is still a lower bound
                pending.append(pool.submit(reduce, s, min(s + block, n_rows), self.col_floor.copy()))
                if len(pending) >= 2 * workers:
                    self.merge(pending.pop(0).result())
            for fut in pending:
                self.merge(fut.result())

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        col_val = _values(self.best_keys)
        col_idx = _LOW32 - (self.best_keys & _LOW32)
        for idx, val in ((self.row_idx, self.row_val), (col_idx, col_val)):
            gone = ~(val > -np.inf)
            idx[gone], val[gone] = -1, -np.inf
        return self.row_idx, self.row_val, col_idx, col_val


def _empty(n_rows: int, n_cols: int, k: int):
    return (np.full((n_rows, k), -1, np.int64), np.full((n_rows, k), -np.inf, np.float32),
            np.full((n_cols, k), -1, np.int64), np.full((n_cols, k), -np.inf, np.float32))


def block_top_k(decide: Callable[[int, int], np.ndarray], n_rows: int, n_cols: int, k: int,
                block: int | None = None, workers: int | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Top-k of every row and every column of the (n_rows, n_cols) matrix `decide` yields by blocks.

    Returns (row_idx, row_val, col_idx, col_val): shapes (n_rows, k) and (n_cols, k), best first,
    padded with index -1 and value -inf where a row or column has fewer than k entries.
    Entries that are -inf are never returned.
    """
    if n_rows == 0 or n_cols == 0 or k <= 0:
        return _empty(n_rows, n_cols, k)
    merged = _Merged(n_rows, n_cols, k)
    merged.run(lambda s, e, floor: _reduce_block(decide, s, e, k, floor), n_rows,
               block or max(k, 8, min(4096, BLOCK_CELLS // max(n_cols, 1))), workers or min(os.cpu_count() or 1, 4))
    return merged.result()


SAMPLE_COLS = 1024  # columns of a block's bound sampled for each row's first exact scores


def _reduce_pruned(bound: Callable, exact: Callable, start: int, stop: int, k: int, col_floor: np.ndarray):
    """One block's row top-k and column candidates, scoring exactly only the pairs whose upper
    bound reaches a lower bound of their row's or column's k-th best.

    Row floor: the exact scores of the 2k best-bounded pairs of a column sample; any k real
    scores of a row bound its k-th best from below. Column floor: the running k-th best of
    earlier blocks, or (while a column has none) the exact scores of its k best-bounded pairs here.
    A pair whose exact value reaches a floor has a bound that reaches it too, so it is scored.
    """
    upper, ctx = bound(start, stop)
    rows, cols = upper.shape
    kr = min(k, cols)
    step = max(1, cols // SAMPLE_COLS)
    sample = upper[:, ::step]
    m = min(2 * kr, sample.shape[1])
    seed = np.argpartition(sample, sample.shape[1] - m, axis=1)[:, sample.shape[1] - m:] * step
    seed_v = exact(start, np.repeat(np.arange(rows), m), seed.ravel(), ctx).reshape(rows, m)
    # fewer seeds than k (k above the sampled columns): no floor from them
    row_floor = np.partition(seed_v, m - kr, axis=1)[:, m - kr] if m >= kr else np.full(rows, -np.inf, np.float32)
    if rows >= k and not np.isfinite(col_floor).all():  # first blocks: this block's k best-bounded pairs per column
        pick = np.argpartition(upper, rows - k, axis=0)[rows - k:]
        v = exact(start, pick.ravel(), np.tile(np.arange(cols), k), ctx).reshape(k, cols)
        col_floor = np.maximum(col_floor, v.min(axis=0))
    r, c = np.nonzero(upper >= np.minimum(row_floor[:, None], col_floor[None, :]))
    v = exact(start, r, c, ctx)
    mine = v >= row_floor[r]   # only these can be in their row's top-k
    pos, rank = _group_top(r[mine], ordered_keys(v[mine], c[mine]), kr)
    row_part = (start, r[mine][pos] + start, rank, c[mine][pos], v[mine][pos])
    theirs = v >= col_floor[c]
    return row_part, (c[theirs], r[theirs] + start, v[theirs])


def pruned_top_k(bound: Callable, exact: Callable, n_rows: int, n_cols: int, k: int,
                 block: int | None = None, workers: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """block_top_k's result without scoring every pair exactly.

    `bound(start, stop)` gives (upper, ctx): a float32 (stop - start, n_cols) matrix that is at
    least every pair's exact value; `exact(start, rows, cols, ctx)` gives the exact values of the
    pairs (start + rows[i], cols[i]). Same result as block_top_k over the exact matrix, ties included.
    """
    if n_rows == 0 or n_cols == 0 or k <= 0:
        return _empty(n_rows, n_cols, k)
    merged = _Merged(n_rows, n_cols, k)
    merged.run(lambda s, e, floor: _reduce_pruned(bound, exact, s, e, k, floor), n_rows,
               block or max(k, 8, min(4096, BLOCK_CELLS // max(n_cols, 1))), workers or min(os.cpu_count() or 1, 4))
    return merged.result()


def _values(keys: np.ndarray) -> np.ndarray:
    """The float32 scores in the high halves of `ordered_keys` (-inf for the empty key)."""
    sortable = (keys >> 32).astype(np.int32)
    bits = sortable ^ ((sortable >> 31) & np.int32(0x7FFFFFFF))
    out = bits.view(np.float32).copy()
    out[keys == np.iinfo(np.int64).min] = -np.inf
    return out
