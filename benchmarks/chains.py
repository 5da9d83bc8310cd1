"""Chain discovery benchmark (a script, not a test): prints figures, asserts nothing.

    .venv/bin/python benchmarks/chains.py [--db demo.db] [--orgs 5000]

1. The demo programme: graph from the stored matches, then discovery, impact
   and checks for every programme (median of 3 runs).
2. A synthetic programme of N organisations (seeded; 3 streams each; matches
   from the real scorer on random embeddings), discovery and checks timed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from matching import RandomEmbedder, corpus  # noqa: E402

from matchmaker import rules  # noqa: E402
from matchmaker.chains import graph
from matchmaker.cli import ensure_demo_store  # noqa: E402
from matchmaker.matching.concepts import default_vocabulary  # noqa: E402
from matchmaker.matching.embedding import load_embedder  # noqa: E402
from matchmaker.matching.index import MatchIndex  # noqa: E402
from matchmaker.matching.stored import ranked_pairs  # noqa: E402
from matchmaker.matching.weights import current_weights  # noqa: E402
from matchmaker.programmes.proposals import propose  # noqa: E402
from matchmaker.store import Store  # noqa: E402


def timed(fn, runs: int = 3):
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def demo(db: str) -> None:
    store = Store(db)
    ensure_demo_store(store)
    pairs = ranked_pairs(store, load_embedder())
    orgs, streams = store.organisations(), store.streams()
    t_graph, F = timed(lambda: graph.firm_graph(graph.build_graph(orgs, streams, pairs)))
    print(f"demo: {len(orgs)} organisations, {len(streams)} streams; graph {t_graph:.2f} s")
    for pid, prog in rules.programmes().items():
        t, found = timed(lambda prog=prog: propose(F, orgs, streams, prog))
        kinds = {k: sum(p.chain.kind == k for p in found) for k in ("pair", "path", "loop", "hub")}
        elig = {e: sum(p.eligibility == e for p in found) for e in ("pass", "unknown", "fail")}
        print(f"  {pid}: {len(found)} chains {kinds}, eligibility {elig}, discovery+impact+checks {t:.2f} s (median of 3)")


def synthetic(n_orgs: int) -> None:
    orgs, streams = corpus(n_orgs * 3, seed=11)
    orgs = orgs[:n_orgs] if len(orgs) >= n_orgs else orgs
    t0 = time.perf_counter()
    index = MatchIndex(orgs, streams, RandomEmbedder(), default_vocabulary(), current_weights())
    pairs = index.all_pairs(top=10)
    t_match = time.perf_counter() - t0
    prog = rules.get_programme("vaerdikaedeafklaring")
    t0 = time.perf_counter()
    F = graph.firm_graph(graph.build_graph(orgs, streams, pairs))
    found = propose(F, orgs, streams, prog)
    t_chain = time.perf_counter() - t0
    print(f"synthetic: {len(orgs)} organisations, {len(streams)} streams, {F.number_of_edges()} firm links; "
          f"matching {t_match:.1f} s; graph + discovery + impact + checks {t_chain:.1f} s -> {len(found)} chains")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="a store with the demo programme (default: a temporary one)")
    parser.add_argument("--orgs", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo(args.db or str(Path(tmp) / "demo.db"))
    synthetic(args.orgs)


if __name__ == "__main__":
    main()
