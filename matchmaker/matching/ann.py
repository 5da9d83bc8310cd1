"""Nearest neighbours of unit embedding rows: exact or approximate, behind one interface.

`ExactSearch` is the plain product with a partition; `HnswSearch` is an HNSW graph (usearch).
`neighbour_search(vectors)` picks by size: from settings().ann_min_streams rows the approximate
index, below it the exact product (`approximate=True/False` forces either, e.g. in tests).

usearch was chosen by benchmarks/ann.py on this machine (recall@10, build time, memory and
query latency against hnswlib and faiss-cpu's HNSW at 100k realistic vectors): see README,
"Performance at scale".

The approximate index only proposes candidates: the matcher then gives each candidate the full
hybrid score and ranks them (index.MatchIndex._query), so it asks for many (CANDIDATES).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from matchmaker.settings import settings

CANDIDATES = 200  # embedding-nearest candidates scored fully per query; recall measured in benchmarks/ann.py
# HNSW parameters measured in benchmarks/ann.py: recall@10 >= 0.99 of the embedding neighbours at 1M
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 256


class NeighbourSearch(Protocol):
    approximate: bool

    def search(self, queries: np.ndarray, k: int) -> np.ndarray:
        """(len(queries), min(k, size)) row numbers, nearest (highest cosine) first."""


class ExactSearch:
    """Every row's cosine with the query; the k best by a partition."""

    approximate = False

    def __init__(self, vectors: np.ndarray):
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.vectors)

    def search(self, queries: np.ndarray, k: int) -> np.ndarray:
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        k = min(k, len(self.vectors))
        if k <= 0:
            return np.zeros((len(queries), 0), np.int64)
        sims = queries @ self.vectors.T
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, part, axis=1), axis=1, kind="stable")
        return np.take_along_axis(part, order, axis=1).astype(np.int64)


class HnswSearch:
    """An HNSW graph over the rows (usearch, cosine metric, float32 stored)."""

    approximate = True

    def __init__(self, vectors: np.ndarray, connectivity: int = CONNECTIVITY,
                 expansion_add: int = EXPANSION_ADD, expansion_search: int = EXPANSION_SEARCH,
                 threads: int = 0):
        from usearch.index import Index
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.size = len(vectors)
        self.index = Index(ndim=vectors.shape[1], metric="cos", dtype="f32", connectivity=connectivity,
                           expansion_add=expansion_add, expansion_search=expansion_search)
        if self.size:
            self.index.add(np.arange(self.size, dtype=np.uint64), vectors, threads=threads)

    def __len__(self) -> int:
        return self.size

    def search(self, queries: np.ndarray, k: int) -> np.ndarray:
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        k = min(k, self.size)
        if k <= 0:
            return np.zeros((len(queries), 0), np.int64)
        # expansion below k would cap the results: widen it for large candidate lists
        self.index.expansion_search = max(EXPANSION_SEARCH, k)
        found = self.index.search(queries, k, threads=1)
        if len(queries) == 1:  # usearch answers one query with a flat Matches
            keys = np.full((1, k), -1, np.int64)
            keys[0, :len(found.keys)] = found.keys
            counts = np.array([len(found.keys)])
        else:
            keys = np.asarray(found.keys, dtype=np.int64)[:, :k].copy()
            counts = np.asarray(found.counts)
        if (counts < k).any():  # a graph may return fewer than asked: complete from the exact order
            exact = ExactSearch(self.index.get(np.arange(self.size, dtype=np.uint64)))
            for i in np.flatnonzero(counts < k):
                keys[i] = exact.search(queries[i:i + 1], k)[0]
        return keys


def neighbour_search(vectors: np.ndarray, approximate: bool | None = None,
                     store_size: int | None = None) -> NeighbourSearch:
    """The exact search, or the approximate index from settings().ann_min_streams rows
    (counted in `store_size` when given: the whole store, not one side of it)."""
    if approximate is None:
        approximate = (store_size if store_size is not None else len(vectors)) >= settings().ann_min_streams
    return HnswSearch(vectors) if approximate else ExactSearch(vectors)
