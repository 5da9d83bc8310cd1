"""Scale benchmark (a script, not a test): prints one table, asserts nothing.

    .venv/bin/python benchmarks/scale.py [--sizes 1000,10000,50000,100000] [--encode-sample 400]

Streams are recombined from real texts: the titles and descriptions of data/demo/streams.csv and
data/benchmark/*/streams.csv, a title from one stream and a description from another of the
same language, owned by synthetic organisations at real Danish postcodes; half offers, half needs.

Per size, in its own process (so peak RSS is its own):
- tagging: the concept tagger over every stream's text;
- embedding: the real default model on a sample of the recombined texts, ours (cached embedder,
  cold cache) against raw `model.encode` in the same run, extrapolated to the size. The vectors
  used by the rest of the run are simulated from the real texts' embeddings (each stream: the
  normalised mean of its title's and description's real embeddings plus small noise), so the
  geometry is realistic without encoding 100k texts on a shared 2-core machine;
- index build (everything but the embedding), all-pairs top-10 (exact), and the bare blocked
  matrix product of the same embeddings (offers x needs, no selection) in the same run, as a ratio;
- import: `import_files` of the two CSV files into a new SQLite store (read, validate, write);
- store lists: every stream's top-10 list with its explanation written to the store (refresh);
- chain discovery on the firm graph of the top-10 lists;
- 1 edit: one stream's title edited, then `sync_changed` as the app runs it (row by row on the
  index the process holds, rowupdate.py);
- warm single-stream query latency p50/p95;
- growth exponent of each time between consecutive sizes (log t2/t1 / log n2/n1).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matchmaker.model import Organisation, Stream  # noqa: E402
from matchmaker.reference import postcodes  # noqa: E402

SOURCES = [ROOT / "data" / "demo" / "streams.csv", *sorted((ROOT / "data" / "benchmark").glob("*/streams.csv"))]


def real_streams() -> list[dict]:
    rows = []
    for path in SOURCES:
        with path.open(encoding="utf-8") as fh:
            rows += [r for r in csv.DictReader(fh) if r.get("title")]
    return rows


def corpus(n: int, seed: int = 42) -> tuple[list[Organisation], list[Stream], list[tuple[int, int]]]:
    """n recombined streams and, for each, the (title source, description source) rows."""
    rng = random.Random(seed)
    rows = real_streams()
    by_lang: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_lang.setdefault(r.get("language") or "en", []).append(i)
    codes = sorted(postcodes())
    orgs = [Organisation(id=f"O{i}", name=f"Firm {i}", kind="firm", sector="other", postcode=rng.choice(codes))
            for i in range(max(2, n // 3))]
    streams, sources = [], []
    for i in range(n):
        t = rng.randrange(len(rows))
        lang = rows[t].get("language") or "en"
        d = rng.choice(by_lang[lang])
        src = rows[t]
        q = float(src["quantity"]) if src.get("quantity") else None
        streams.append(Stream(id=f"S{i}", org_id=rng.choice(orgs).id, direction="offer" if i % 2 else "need",
                              title=src["title"], description=rows[d].get("description", ""), language=lang,
                              material=src.get("material") or "other", ewc=src.get("ewc") or None,
                              quantity=q, unit=src.get("unit") if q else None))
        sources.append((t, d))
    return orgs, streams, sources


class SimulatedEmbedder:
    """Vectors from the real model's embeddings of the source texts (see the module docstring)."""

    name = "simulated"

    def __init__(self, base_title: np.ndarray, base_desc: np.ndarray, sources: list[tuple[int, int]], noise: float = 0.05):
        rng = np.random.default_rng(0)
        v = base_title[[t for t, _ in sources]] + base_desc[[d for _, d in sources]]
        v = v + noise * rng.standard_normal(v.shape).astype(np.float32) / math.sqrt(v.shape[1])
        self.vectors = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
        self.calls = 0

    def encode(self, texts):
        if len(texts) == len(self.vectors) and self.calls == 0:
            self.calls += 1
            return self.vectors
        rng = np.random.default_rng(len(texts))  # queries: a random real-looking vector each
        return self.vectors[rng.integers(len(self.vectors), size=len(texts))]


def base_embeddings(cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """Real model embeddings of every source title and description (cached by the embedder)."""
    from matchmaker.matching.embedding import load_embedder
    rows = real_streams()
    emb = load_embedder()
    return (np.asarray(emb.encode([r["title"] for r in rows]), np.float32),
            np.asarray(emb.encode([r.get("description") or r["title"] for r in rows]), np.float32))


def encode_ratio(sample: int) -> dict:
    """Ours (cold cache) against raw model.encode on `sample` recombined texts."""
    from matchmaker.matching.embedding import CachedEmbedder, SentenceEmbedder
    _, streams, _ = corpus(sample, seed=7)
    texts = [f"{s.title}. {s.description}" for s in streams]
    inner = SentenceEmbedder()
    inner.encode(texts[:16])  # load and warm the model
    t0 = time.perf_counter()
    inner.model.encode(texts, batch_size=inner.batch_size, normalize_embeddings=True, convert_to_numpy=True)
    raw = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        CachedEmbedder(inner, Path(cache)).encode(texts)
        ours = time.perf_counter() - t0
    return {"sample": sample, "raw_s_per_text": raw / sample, "ours_s_per_text": ours / sample}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_size(n: int, encode: dict) -> dict:
    from dataclasses import replace

    from matchmaker.chains import graph
    from matchmaker.chains.discovery import find_chains
    from matchmaker.freshness import mark_stale
    from matchmaker.io.importer import import_files
    from matchmaker.matching import stored
    from matchmaker.matching.concepts import default_vocabulary
    from matchmaker.matching.index import MatchIndex
    from matchmaker.matching.topk import BLOCK_CELLS
    from matchmaker.matching.weights import current_weights
    from matchmaker.store import Store
    out: dict = {"streams": n}
    orgs, streams, sources = corpus(n)
    folder = Path(tempfile.mkdtemp())
    store = Store(f"sqlite:///{folder / 'scale.db'}")
    files = write_csv(folder, orgs, streams)
    t0 = time.perf_counter()  # `matchmaker import`: read, validate and store the files
    import_files(store, files)
    out["import_s"] = time.perf_counter() - t0
    streams = store.streams()
    by_id = {s.id: i for i, s in enumerate(corpus(n)[1])}
    sources = [sources[by_id[s.id]] for s in streams]
    bt, bd = base_embeddings(Path(tempfile.gettempdir()))
    embedder = SimulatedEmbedder(bt, bd, sources)
    vocab = default_vocabulary()
    t0 = time.perf_counter()
    for s in streams:
        vocab.tag(s.text, s.ewc)
    out["tagging_s"] = time.perf_counter() - t0
    out["embed_raw_s"] = encode["raw_s_per_text"] * n
    out["embed_ours_s"] = encode["ours_s_per_text"] * n
    t0 = time.perf_counter()
    index = MatchIndex(orgs, streams, embedder, vocab, current_weights())
    out["index_build_s"] = time.perf_counter() - t0
    o, nd = index.offers.emb, index.needs.emb
    block = max(10, 8, min(4096, BLOCK_CELLS // len(nd)))
    t0 = time.perf_counter()
    for a in range(0, len(o), block):
        (o[a:a + block] @ nd.T).max()  # touch the result so nothing is skipped
    out["bare_product_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pairs = index.all_pairs(top=10)
    out["all_pairs_s"] = time.perf_counter() - t0
    out["all_pairs_vs_bare"] = out["all_pairs_s"] / out["bare_product_s"]
    t0 = time.perf_counter()  # all-pairs again inside, plus each list's explanation written to the store
    stored.refresh_matches(store, index)
    out["store_lists_s"] = time.perf_counter() - t0 - out["all_pairs_s"]
    t0 = time.perf_counter()
    F = graph.firm_graph(graph.build_graph(orgs, streams, pairs))
    chains = find_chains(F)
    out["chains_s"] = time.perf_counter() - t0
    out["chains"] = len(chains)
    edit = replace(streams[n // 2], title=streams[n // 2].title + " (renset, sorteret)")
    with store.transaction() as conn:  # one stream edited, as the edit form writes it
        store.upsert(conn, [], [edit])
        mark_stale(conn, [edit.id])
    t0 = time.perf_counter()
    out["update_lists"] = stored.sync_changed(store, [edit.id], embedder)
    out["update_s"] = time.perf_counter() - t0
    rng = random.Random(1)
    lat = []
    for _ in range(60):
        sid = rng.choice(streams).id
        t0 = time.perf_counter()
        index.match_stream(sid, top=10)
        lat.append((time.perf_counter() - t0) * 1000)
    lat = lat[10:]
    out["query_p50_ms"] = statistics.median(lat)
    out["query_p95_ms"] = float(np.percentile(lat, 95))
    out["end_to_end_s"] = (out["import_s"] + out["embed_ours_s"] + out["index_build_s"] + out["all_pairs_s"]
                           + out["store_lists_s"] + out["chains_s"])
    out["peak_rss_mb"] = rss_mb()
    return out


def write_csv(folder: Path, orgs: list[Organisation], streams: list[Stream], per_file: int = 40000) -> list[Path]:
    """The records as the CSV files a facilitator would import (streams in files of `per_file`
    rows: an upload is at most 20 MB)."""
    stream_fields = ("id", "org_id", "direction", "title", "description", "language", "material", "ewc", "quantity", "unit")
    files = [("organisations.csv", orgs, ("id", "name", "kind", "sector", "postcode"))]
    files += [(f"streams{k // per_file}.csv", streams[k:k + per_file], stream_fields) for k in range(0, len(streams), per_file)]
    for name, rows, fields in files:
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(fields)
            for r in rows:
                w.writerow(["" if getattr(r, k) is None else getattr(r, k) for k in fields])
    return [folder / name for name, _, _ in files]


COLUMNS = [("streams", "streams", "{:.0f}"), ("import_s", "import s", "{:.1f}"),
           ("tagging_s", "tag s", "{:.1f}"), ("embed_raw_s", "embed raw s*", "{:.0f}"),
           ("embed_ours_s", "embed ours s*", "{:.0f}"), ("index_build_s", "index s", "{:.1f}"),
           ("bare_product_s", "bare prod s", "{:.2f}"), ("all_pairs_s", "all-pairs s", "{:.2f}"),
           ("all_pairs_vs_bare", "vs bare", "{:.2f}x"), ("store_lists_s", "store lists s", "{:.0f}"), ("chains_s", "chains s", "{:.1f}"),
           ("update_s", "1 edit s", "{:.2f}"),
           ("query_p50_ms", "q p50 ms", "{:.0f}"), ("query_p95_ms", "q p95 ms", "{:.0f}"),
           ("end_to_end_s", "end-to-end s", "{:.0f}"), ("peak_rss_mb", "peak MB", "{:.0f}")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000,100000")
    parser.add_argument("--encode-sample", type=int, default=400)
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--encode", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, json.loads(args.encode))))
        return
    encode = encode_ratio(args.encode_sample)
    print(f"embedding on {encode['sample']} recombined texts: raw model.encode {1 / encode['raw_s_per_text']:.0f} texts/s, "
          f"ours (cold cache) {1 / encode['ours_s_per_text']:.0f} texts/s (* columns extrapolate this rate)", flush=True)
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        done = subprocess.run([sys.executable, __file__, "--one", str(n), "--encode", json.dumps(encode)],
                              capture_output=True, text=True)
        if done.returncode:
            print(f"{n}: failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    print("| " + " | ".join(h for _, h, _ in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for r in results:
        print("| " + " | ".join(f.format(r[k]) for k, _, f in COLUMNS) + " |")
    for a, b in zip(results, results[1:]):
        grow = math.log(b["streams"] / a["streams"])
        exps = {k: math.log(max(b[k], 1e-9) / max(a[k], 1e-9)) / grow
                for k in ("import_s", "tagging_s", "index_build_s", "all_pairs_s", "bare_product_s", "store_lists_s",
                          "chains_s", "update_s", "peak_rss_mb")}
        print(f"growth exponent {a['streams']} -> {b['streams']}: " + ", ".join(f"{k} {v:.2f}" for k, v in exps.items()))


if __name__ == "__main__":
    main()
