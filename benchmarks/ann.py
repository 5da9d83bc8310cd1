"""Approximate nearest neighbours (a script, not a test): prints figures, asserts nothing.

    .venv/bin/python benchmarks/ann.py [--compare 100000] [--sizes 100000,1000000] [--hybrid 50000]

Vectors are simulated from real texts as in benchmarks/scale.py: the titles and descriptions of
data/demo/streams.csv and data/benchmark/*/streams.csv embedded with the default model (cached),
each vector the normalised sum of one title's and one same-language description's embeddings plus
small noise. Queries are 200 further vectors drawn the same way (not in the index).

1. --compare N: usearch, hnswlib and faiss-cpu (HNSW, M=16, ef_construction=128) on N vectors:
   build time (2 threads), memory added (RSS), recall@10 of the vector search against the exact
   product, warm single-query p50/p95 for k=10 and for k=200 (what the matcher asks for).
2. --sizes: the chosen library (faiss-cpu, matchmaker/matching/ann.py) at each size, same figures,
   plus recall and mean latency at two other search expansions.
3. --hybrid N: a MatchIndex of N recombined streams queried per stream with the approximate
   candidates (then the full hybrid score) against the exact path: recall@10 of the hybrid
   top-10 lists and the query latency of both, for 200 candidates by embedding only, and 200, 500
   and 1000 (what the matcher uses) by embedding and by LSA text vector each.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import SimulatedEmbedder, base_embeddings, corpus, real_streams  # noqa: E402

from matchmaker.matching.ann import (  # noqa: E402
    CANDIDATES,
    CONNECTIVITY,
    EXPANSION_ADD,
    EXPANSION_SEARCH,
    ExactSearch,
    HnswSearch,
)

QUERIES = 200


def vectors(n: int, seed: int) -> np.ndarray:
    """n simulated embeddings (see the module docstring), built in chunks to keep memory flat."""
    bt, bd = base_embeddings(Path(tempfile.gettempdir()))
    rows = real_streams()
    by_lang: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_lang.setdefault(r.get("language") or "en", []).append(i)
    lang_of = np.array([list(by_lang).index(r.get("language") or "en") for r in rows])
    pools = [np.array(by_lang[k]) for k in by_lang]
    rng = np.random.default_rng(seed)
    out = np.empty((n, bt.shape[1]), np.float32)
    for a in range(0, n, 100_000):
        m = min(n, a + 100_000) - a
        t = rng.integers(len(rows), size=m)
        d = np.array([p[i] for p, i in zip((pools[g] for g in lang_of[t]),
                                            (rng.integers(len(pools[g])) for g in lang_of[t]))])
        v = bt[t] + bd[d] + 0.05 * rng.standard_normal((m, bt.shape[1])).astype(np.float32) / np.sqrt(bt.shape[1])
        out[a:a + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


class Hnswlib:
    def __init__(self, v: np.ndarray):
        import hnswlib
        self.index = hnswlib.Index(space="ip", dim=v.shape[1])
        self.index.init_index(max_elements=len(v), M=CONNECTIVITY, ef_construction=EXPANSION_ADD)
        self.index.set_num_threads(2)
        self.index.add_items(v, np.arange(len(v)))
        self.index.set_num_threads(1)

    def search(self, q: np.ndarray, k: int) -> np.ndarray:
        self.index.set_ef(max(EXPANSION_SEARCH, k))
        return self.index.knn_query(q, k=k)[0].astype(np.int64)


class Faiss:  # the same as Chosen, written out for the comparison
    def __init__(self, v: np.ndarray):
        import faiss
        faiss.omp_set_num_threads(2)
        self.faiss = faiss
        self.index = faiss.IndexHNSWFlat(v.shape[1], CONNECTIVITY, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = EXPANSION_ADD
        self.index.add(v)
        faiss.omp_set_num_threads(1)

    def search(self, q: np.ndarray, k: int) -> np.ndarray:
        self.index.hnsw.efSearch = max(EXPANSION_SEARCH, k)
        return self.index.search(q, k)[1].astype(np.int64)


class Usearch:
    def __init__(self, v: np.ndarray):
        from usearch.index import Index
        self.index = Index(ndim=v.shape[1], metric="cos", dtype="f32", connectivity=CONNECTIVITY,
                           expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)
        self.index.add(np.arange(len(v), dtype=np.uint64), v, threads=2)

    def search(self, q: np.ndarray, k: int) -> np.ndarray:
        self.index.expansion_search = max(EXPANSION_SEARCH, k)
        found = self.index.search(q, k, threads=1)
        return np.atleast_2d(np.asarray(found.keys, dtype=np.int64))


class Chosen(HnswSearch):  # what the matcher uses (matchmaker/matching/ann.py)
    def __init__(self, v: np.ndarray):
        super().__init__(v, threads=2)


def latency(search, q: np.ndarray, k: int) -> tuple[float, float]:
    """p50 and p95 in ms of one query at a time (`search.search(rows, k)`), the first 20 left out (warm-up)."""
    times = []
    for i in range(len(q)):
        t0 = time.perf_counter()
        search.search(q[i:i + 1], k)
        times.append((time.perf_counter() - t0) * 1000)
    times = times[20:]
    return statistics.median(times), float(np.percentile(times, 95))


def measure(make, v: np.ndarray, q: np.ndarray, truth: np.ndarray, sweep: bool = False) -> dict:
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    index = make(v)
    out = {"build_s": time.perf_counter() - t0, "memory_mb": rss_mb() - before}
    found = index.search(q, 10)
    out["recall@10"] = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
    for k in (10, CANDIDATES):
        out[f"k{k}_p50_ms"], out[f"k{k}_p95_ms"] = latency(index, q, k)
    for ef in (128, 256) if sweep else ():  # the recall/latency trade of the search expansion
        index.expansion_search = ef
        found = index.search(q, 10)
        t0 = time.perf_counter()
        for i in range(len(q)):
            index.search(q[i:i + 1], CANDIDATES)
        print(f"  efSearch {ef}: recall@10 {np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]):.4f}, "
              f"mean k={CANDIDATES} query {(time.perf_counter() - t0) / len(q) * 1000:.2f} ms", flush=True)
    del index
    return out


def exact_truth(v: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, float]:
    exact = ExactSearch(v)
    t0 = time.perf_counter()
    for i in range(20):
        exact.search(q[i:i + 1], 10)
    per_query = (time.perf_counter() - t0) / 20 * 1000
    return exact.search(q, 10), per_query


def show(name: str, n: int, r: dict) -> None:
    print(f"| {name} | {n} | {r['recall@10']:.4f} | {r['build_s']:.1f} | {r['memory_mb']:.0f} | "
          f"{r['k10_p50_ms']:.2f} / {r['k10_p95_ms']:.2f} | {r[f'k{CANDIDATES}_p50_ms']:.2f} / "
          f"{r[f'k{CANDIDATES}_p95_ms']:.2f} |", flush=True)


HEADER = (f"| library | vectors | recall@10 | build s | memory MB | k=10 p50/p95 ms | k={CANDIDATES} p50/p95 ms |\n"
          "|---|---|---|---|---|---|---|")


def hybrid(n: int, configs: list[tuple[int, bool]]) -> None:
    from dataclasses import replace

    from scipy import sparse

    from matchmaker.matching import ann as ann_module
    from matchmaker.matching.concepts import default_vocabulary
    from matchmaker.matching.index import MatchIndex
    from matchmaker.matching.weights import current_weights
    orgs, streams, sources = corpus(n)
    bt, bd = base_embeddings(Path(tempfile.gettempdir()))
    emb = SimulatedEmbedder(bt, bd, sources)
    vocab = default_vocabulary()
    t0 = time.perf_counter()
    exact = MatchIndex(orgs, streams, emb, vocab, current_weights(), approximate=False)
    print(f"hybrid: index of {n} streams built in {time.perf_counter() - t0:.0f} s", flush=True)
    approx = MatchIndex.__new__(MatchIndex)  # the same features, only the query path differs
    approx.__dict__.update(exact.__dict__, approximate=True, _search={})
    rng = random.Random(5)
    picks = [rng.choice(streams).id for _ in range(220)]
    want, lat_e = {}, []
    for sid in picks:
        t0 = time.perf_counter()
        want[sid] = [m.other(sid) for m in exact.match_stream(sid, top=10)]
        lat_e.append((time.perf_counter() - t0) * 1000)
    lat_e = lat_e[20:]
    print(f"hybrid at {n} streams: exact query p50/p95 {statistics.median(lat_e):.0f}/{np.percentile(lat_e, 95):.0f} ms",
          flush=True)
    for candidates, lexical in configs:
        ann_module.CANDIDATES = candidates
        approx = MatchIndex.__new__(MatchIndex)  # the same features, only the query path differs
        approx.__dict__.update(exact.__dict__, approximate=True, _search={})
        if not lexical:  # embeddings only: hide the dense text vectors from the candidate search
            approx.offers = replace(approx.offers, tfidf=sparse.csr_matrix(approx.offers.tfidf))
            approx.needs = replace(approx.needs, tfidf=sparse.csr_matrix(approx.needs.tfidf))
        t0 = time.perf_counter()
        for side in ("offer", "need"):  # build the graphs before timing
            approx.match_stream(next(s.id for s in streams if s.direction == side), top=10)
        build = time.perf_counter() - t0
        hits, lat_a = [], []
        for sid in picks:
            t0 = time.perf_counter()
            got = [m.other(sid) for m in approx.match_stream(sid, top=10)]
            lat_a.append((time.perf_counter() - t0) * 1000)
            if want[sid]:
                hits.append(len(set(want[sid]) & set(got)) / len(want[sid]))
        lat_a = lat_a[20:]
        print(f"  candidates {candidates} by embedding{' and LSA text vector' if lexical else ' only'}: "
              f"hybrid top-10 recall {np.mean(hits):.4f} over {len(hits)} stream queries, graphs built in {build:.0f} s, "
              f"query p50/p95 {statistics.median(lat_a):.0f}/{np.percentile(lat_a, 95):.0f} ms", flush=True)
    ann_module.CANDIDATES = CANDIDATES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compare", type=int, default=100_000)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--hybrid", type=int, default=50_000)
    parser.add_argument("--candidates", default="200e,200,500,1000",
                        help="candidate counts per vector kind; 'e' = by embedding only")
    args = parser.parse_args()
    if args.compare:
        v, q = vectors(args.compare, 1), vectors(QUERIES, 2)
        truth, exact_ms = exact_truth(v, q)
        print(f"exact product, one query over {args.compare} vectors: {exact_ms:.1f} ms")
        print(HEADER)
        for name, make in (("usearch", Usearch), ("hnswlib", Hnswlib), ("faiss-cpu", Faiss)):
            show(name, args.compare, measure(make, v, q, truth))
        del v
    for n in (int(s) for s in args.sizes.split(",") if s):
        v, q = vectors(n, 1), vectors(QUERIES, 2)
        truth, exact_ms = exact_truth(v, q)
        print(f"exact product, one query over {n} vectors: {exact_ms:.1f} ms")
        print(HEADER)
        show("faiss-cpu (ann.py)", n, measure(Chosen, v, q, truth, sweep=True))
        del v
    if args.hybrid:
        hybrid(args.hybrid, [(int(c.rstrip("e")), not c.endswith("e")) for c in args.candidates.split(",")])


if __name__ == "__main__":
    main()
