"""All-pairs top-10 against the bare matrix product (a script, not a test): prints one table.

    .venv/bin/python benchmarks/allpairs.py [--sizes 10000,50000] [--repeat 3]

Streams are benchmarks/scale.py's: recombined from the demo's and the benchmark's real texts,
half offers, half needs, with simulated embeddings drawn from the real model's embeddings of
those texts (no model runs here). Per size, in one run and on the same index:
- bare: the blocked product of the offers' and needs' embeddings, nothing else;
- dense: the former exact path, every pair fully scored (block_top_k over MatchIndex.decision);
- pruned: MatchIndex.all_pairs as it runs now (a cheap bound for every pair, the full score
  for the pairs that can rank; matching/allpairs.py);
each the median of --repeat runs, and the ratios to bare. The two exact paths must return the
same indices and the same float32 values, or the script stops.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import SimulatedEmbedder, base_embeddings, corpus  # noqa: E402


def median_time(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def one_size(n: int, repeat: int) -> dict:
    from matchmaker.matching.concepts import default_vocabulary
    from matchmaker.matching.index import MatchIndex, _dense_concepts
    from matchmaker.matching.topk import BLOCK_CELLS, block_top_k
    from matchmaker.matching.weights import current_weights
    orgs, streams, sources = corpus(n)
    bt, bd = base_embeddings(Path(tempfile.gettempdir()))
    index = MatchIndex(orgs, streams, SimulatedEmbedder(bt, bd, sources), default_vocabulary(), current_weights())
    o, nd = index.offers.emb, index.needs.emb
    block = max(10, min(4096, BLOCK_CELLS // len(nd)))

    def bare():
        for a in range(0, len(o), block):
            (o[a:a + block] @ nd.T).max()   # touch the result so nothing is skipped

    offers, needs = _dense_concepts(index.offers), _dense_concepts(index.needs)

    def dense():
        return block_top_k(lambda s, e: index.decision(offers.take(slice(s, e), False), needs),
                           len(offers), len(needs), 10)

    def pruned():
        index.all_pairs(top=10)
        r = index.ranked
        return r.o_idx, r.o_val, r.n_idx, r.n_val

    out = {"streams": n, "pairs": len(o) * len(nd)}
    out["bare_s"], _ = median_time(bare, repeat)
    out["dense_s"], want = median_time(dense, repeat)
    out["pruned_s"], got = median_time(pruned, repeat)
    for a, b in zip(got, want):
        if not np.array_equal(a, b):
            raise SystemExit(f"{n} streams: the pruned and the dense top-10 differ")
    out["dense_x"] = out["dense_s"] / out["bare_s"]
    out["pruned_x"] = out["pruned_s"] / out["bare_s"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'streams':>8} {'pairs':>14} {'bare s':>8} {'dense s':>8} {'x bare':>7} {'pruned s':>9} {'x bare':>7}")
    for n in (int(x) for x in args.sizes.split(",")):
        r = one_size(n, args.repeat)
        print(f"{r['streams']:>8} {r['pairs']:>14,} {r['bare_s']:>8.2f} {r['dense_s']:>8.2f} {r['dense_x']:>6.1f}x "
              f"{r['pruned_s']:>9.2f} {r['pruned_x']:>6.1f}x", flush=True)


if __name__ == "__main__":
    main()
