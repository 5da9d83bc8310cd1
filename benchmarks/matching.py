"""Matching benchmark (a script, not a test): prints figures, asserts nothing.

    .venv/bin/python benchmarks/matching.py [--sizes 1000,10000,50000] [--encode-sample 2000]

For each synthetic corpus (seeded, half offers and half needs):
- embedding throughput of Matchmaker's cached embedder (cold cache) against the
  raw `model.encode` of the same texts in the same run, as a ratio (on a sample
  of the corpus, real all-MiniLM-L6-v2);
- all-pairs top-10 time and peak memory after embeddings (random unit vectors
  stand in for the model so the 50k corpus needs no hour of encoding; the
  matrix work is the same);
- single-query latency p50/p95 on a warm index.
Each size runs in its own process so peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matchmaker.model import MATERIALS, Organisation, Stream  # noqa: E402
from matchmaker.reference import postcodes  # noqa: E402

WORDS_EN = ["coffee grounds", "spent grain", "whey", "crushed concrete", "wood chips", "sawdust", "glass cullet",
            "textile offcuts", "used cooking oil", "surplus heat", "plastic film", "cardboard", "manure",
            "fish trimmings", "potato peel", "bricks", "gypsum", "fly ash", "lithium batteries", "wool"]
WORDS_DA = ["kaffegrums", "mask", "valle", "knust beton", "træflis", "savsmuld", "glasskår", "tekstilrester",
            "frituresolie", "overskudsvarme", "plastfolie", "pap", "gylle", "fiskeafskær", "kartoffelskræller",
            "mursten", "gips", "flyveaske", "litiumbatterier", "uld"]
VERBS_EN = ["We have {q} tonnes of {w} each year from our {p} production.", "Looking for {w} as raw material, about {q} t per year."]
VERBS_DA = ["Vi har {q} tons {w} om året fra vores {p}.", "Vi søger {w} som råvare, cirka {q} tons om året."]


def corpus(n: int, seed: int = 42) -> tuple[list[Organisation], list[Stream]]:
    rng = random.Random(seed)
    codes = sorted(postcodes())
    orgs = [Organisation(id=f"O{i}", name=f"Firm {i}", kind="firm", sector="other", postcode=rng.choice(codes))
            for i in range(max(2, n // 3))]
    streams = []
    for i in range(n):
        da = rng.random() < 0.5
        words, verbs = (WORDS_DA, VERBS_DA) if da else (WORDS_EN, VERBS_EN)
        w = rng.choice(words)
        q = rng.randint(5, 5000)
        text = rng.choice(verbs).format(w=w, q=q, p=rng.choice(words))
        streams.append(Stream(id=f"S{i}", org_id=rng.choice(orgs).id, direction="offer" if i % 2 else "need",
                              title=w, description=text, language="da" if da else "en",
                              material=rng.choice(MATERIALS), quantity=float(q), unit="t/yr"))
    return orgs, streams


class RandomEmbedder:
    name = "random"

    def encode(self, texts):
        rng = np.random.default_rng(len(texts))
        v = rng.standard_normal((len(texts), 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def encode_ratio(sample: int) -> dict:
    from matchmaker.matching.embedding import CachedEmbedder, SentenceEmbedder
    _, streams = corpus(sample, seed=7)
    texts = [s.text for s in streams]
    inner = SentenceEmbedder()
    inner.encode(texts[:32])  # load and warm the model
    rounds = []
    for _ in range(3):
        t0 = time.perf_counter()
        inner.model.encode(texts, batch_size=inner.batch_size, normalize_embeddings=True, convert_to_numpy=True)
        raw = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as cache:
            ours = CachedEmbedder(inner, Path(cache))
            t0 = time.perf_counter()
            ours.encode(texts)
            mine = time.perf_counter() - t0
            t0 = time.perf_counter()
            ours.encode(texts)
            warm = time.perf_counter() - t0
        rounds.append((raw, mine, warm))
    raw, mine, warm = (statistics.median(x) for x in zip(*rounds))
    return {"texts": sample, "raw_texts_per_s": round(sample / raw, 1), "ours_texts_per_s": round(sample / mine, 1),
            "ratio": round(raw / mine, 3), "warm_cache_s": round(warm, 3)}


def one_size(n: int) -> dict:
    from matchmaker.matching.concepts import default_vocabulary
    from matchmaker.matching.index import MatchIndex
    from matchmaker.matching.weights import current_weights
    orgs, streams = corpus(n)
    t0 = time.perf_counter()
    index = MatchIndex(orgs, streams, RandomEmbedder(), default_vocabulary(), current_weights())
    build = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = []
    for _ in range(3 if n <= 20000 else 1):
        t0 = time.perf_counter()
        index.all_pairs(top=10)
        runs.append(time.perf_counter() - t0)
    all_pairs = statistics.median(runs)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rng = random.Random(1)
    lat = []
    for _ in range(60):
        sid = rng.choice(streams).id
        t0 = time.perf_counter()
        index.match_stream(sid, top=10)
        lat.append((time.perf_counter() - t0) * 1000)
    lat = lat[10:]  # warm
    return {"streams": n, "offers": len(index.offers), "needs": len(index.needs), "index_build_s": round(build, 2),
            "all_pairs_top10_s": round(all_pairs, 2), "all_pairs_runs": len(runs), "peak_rss_mb": round(rss_after / 1024, 1),
            "rss_before_all_pairs_mb": round(rss_before / 1024, 1),
            "query_p50_ms": round(statistics.median(lat), 1),
            "query_p95_ms": round(float(np.percentile(lat, 95)), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,20000,50000")
    parser.add_argument("--encode-sample", type=int, default=2000)
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    print("embedding throughput (cold cache vs raw model.encode, median of 3):")
    print(" ", encode_ratio(args.encode_sample))
    print("all-pairs top-10 and single queries (each size in its own process):")
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True)
        if out.returncode:
            print(f"  {n}: failed: {out.stderr.strip().splitlines()[-1:]}")
        else:
            print(" ", json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
