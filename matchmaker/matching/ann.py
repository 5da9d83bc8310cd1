"""Nearest neighbours of unit embedding rows: exact or approximate, behind one interface.

`ExactSearch` is the plain product with a partition; `HnswSearch` is an HNSW graph (faiss-cpu).
`neighbour_search(vectors)` picks by size: from settings().ann_min_streams rows the approximate
index, below it the exact product (`approximate=True/False` forces either, e.g. in tests).

faiss-cpu was chosen by benchmarks/ann.py on this machine against usearch and hnswlib (same
HNSW parameters, 100k realistic vectors): recall@10 0.985 / 0.989 / 0.988, build 55 / 120 / 42 s,
the same memory, and a warm query p95 of 0.5 ms against 21 / 7 ms; prebuilt wheels (hnswlib
compiles from source, last release 2023). See README, "Performance at scale".

The approximate index only proposes candidates: the matcher then gives each candidate the full
hybrid score and ranks them (index.MatchIndex._query), so it asks for many (CANDIDATES).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from matchmaker.settings import settings

CANDIDATES = 1000  # nearest candidates per vector kind scored fully per query (benchmarks/ann.py: 200 gave
#                    hybrid top-10 recall 0.959 at 50k streams, 500 gave 0.976)
# HNSW parameters (benchmarks/ann.py): at 1M vectors efSearch 256 found 0.979 of the exact
# neighbours' top-10, 512 found 0.985 at about 1 ms a query
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 512


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
    """An HNSW graph over the rows (faiss-cpu IndexHNSWFlat, inner product of unit rows = cosine)."""

    approximate = True

    def __init__(self, vectors: np.ndarray, connectivity: int = CONNECTIVITY,
                 expansion_add: int = EXPANSION_ADD, expansion_search: int = EXPANSION_SEARCH,
                 threads: int = 0):
        import faiss
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.size = len(vectors)
        self.expansion_search = expansion_search
        self.index = faiss.IndexHNSWFlat(vectors.shape[1], connectivity, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = expansion_add
        if self.size:
            if threads:
                faiss.omp_set_num_threads(threads)
            self.index.add(vectors)

    def __len__(self) -> int:
        return self.size

    def search(self, queries: np.ndarray, k: int) -> np.ndarray:
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = min(k, self.size)
        if k <= 0:
            return np.zeros((len(queries), 0), np.int64)
        import faiss
        # an expansion below k would cap the results: widen it for long candidate lists; passed per
        # call, not set on the shared index, so concurrent requests never race on it
        params = faiss.SearchParametersHNSW(efSearch=max(self.expansion_search, k))
        keys = self.index.search(queries, k, params=params)[1].astype(np.int64)
        short = (keys < 0).any(axis=1)
        if short.any():  # a graph may return fewer than asked (tiny stores): complete from the exact order
            exact = ExactSearch(self.index.reconstruct_n(0, self.size))
            keys[short] = exact.search(queries[short], k)
        return keys


def neighbour_search(vectors: np.ndarray, approximate: bool | None = None,
                     store_size: int | None = None) -> NeighbourSearch:
    """The exact search, or the approximate index from settings().ann_min_streams rows
    (counted in `store_size` when given: the whole store, not one side of it)."""
    if approximate is None:
        approximate = (store_size if store_size is not None else len(vectors)) >= settings().ann_min_streams
    return HnswSearch(vectors) if approximate else ExactSearch(vectors)
