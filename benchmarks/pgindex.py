"""The nearest-neighbour index in PostgreSQL (a script, not a test): prints figures, asserts nothing.

    .venv/bin/python benchmarks/pgindex.py [--sizes 10000,100000] [--db URL]

Vectors are simulated from the real texts' embeddings exactly as in benchmarks/ann.py (its
`vectors`: title + same-language description embeddings of the demo's and the real benchmark's
streams, plus noise); 200 held-out query vectors. For each size, one side of that many vectors in
matchmaker_vectors (matching/vectorstore.py), on a fresh database:

- write: the first publish (binary COPY of every row);
- build: the HNSW index (m=16, ef_construction=128, vector_ip_ops), as the first query builds it;
- recall@10 of DatabaseSearch (hnsw.ef_search 512, what the matcher uses) against the exact product;
- warm single-query p50/p95 for k=10 and for k=1000 (the matcher's candidates per vector kind),
  through DatabaseSearch: one round trip, ids mapped back to row numbers;
- unchanged: a publish that finds nothing changed (every process's build does this);
- one changed: a publish of one changed row (the HNSW index updated in place);
- size: table and index on disk.

Without --db (or MATCHMAKER_TEST_PG) a throw-away server is started with .ci/postgres.sh.
Not named pgvector.py: a script's folder comes first on the import path, and would hide the package.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ann import QUERIES, exact_truth, latency, vectors  # noqa: E402  (benchmarks/ann.py)
from sqlalchemy import create_engine, make_url, text  # noqa: E402

from matchmaker.matching.ann import CANDIDATES  # noqa: E402
from matchmaker.matching.vectorstore import TABLE, DatabaseSearch, VectorTable, index_name, unavailable  # noqa: E402
from matchmaker.settings import settings  # noqa: E402
from matchmaker.store import Store  # noqa: E402

MODEL = "bench#simulated"


def run(url: str, n: int) -> None:
    base = make_url(url)
    name = f"mm_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = Store(base.set(database=name).render_as_string(hide_password=False))
    try:
        reason = unavailable(store)
        if reason:
            print(f"| {n} | skipped: {reason} |")
            return
        v, q = vectors(n, 1), vectors(QUERIES, 2)
        truth, exact_ms = exact_truth(v, q)
        ids = [f"S{i}" for i in range(n)]
        hashes = [f"h{i}" for i in range(n)]
        table = VectorTable(store.engine)
        t0 = time.perf_counter()
        table.publish("emb", MODEL, "offer", ids, hashes, v)
        write_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        table.ensure_index("emb", MODEL, "offer", v.shape[1])
        build_s = time.perf_counter() - t0
        search = DatabaseSearch(table, "emb", MODEL, "offer", ids, v)
        found = search.search(q, 10)
        recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
        k10 = latency(search, q, 10)
        kc = latency(search, q, CANDIDATES)
        t0 = time.perf_counter()
        table.publish("emb", MODEL, "offer", ids, hashes, v)
        unchanged_s = time.perf_counter() - t0
        hashes[0] = "changed"
        t0 = time.perf_counter()
        table.publish("emb", MODEL, "offer", ids, hashes, v[::-1].copy())
        one_s = time.perf_counter() - t0
        with store.engine.connect() as conn:
            table_mb = conn.scalar(text(f"SELECT pg_total_relation_size('{TABLE}')")) / 2**20
            index_mb = conn.scalar(text("SELECT pg_relation_size(:i)"), {"i": index_name("emb", MODEL, "offer")}) / 2**20
        print(f"| {n} | {v.shape[1]} | {write_s:.1f} | {build_s:.1f} | {recall:.4f} | {k10[0]:.1f} / {k10[1]:.1f} | "
              f"{kc[0]:.1f} / {kc[1]:.1f} | {exact_ms:.1f} | {unchanged_s:.2f} | {one_s:.2f} | {table_mb:.0f} ({index_mb:.0f}) |",
              flush=True)
    finally:
        store.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--db", help="a PostgreSQL URL on a server where databases may be created")
    args = parser.parse_args()
    url, folder = args.db or settings().test_pg, None
    if not url:
        folder = tempfile.mkdtemp(prefix="matchmaker-pg-")
        done = subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), "start", folder], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"no PostgreSQL: {done.stderr.strip()}")
        url = done.stdout.strip()
    try:
        print(f"| vectors | dim | write s | HNSW build s | recall@10 | k=10 p50 / p95 ms | k={CANDIDATES} p50 / p95 ms | "
              "exact ms (numpy) | unchanged publish s | one-row publish s | MB on disk (index) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for n in (int(s) for s in args.sizes.split(",") if s):
            run(url, n)
    finally:
        if folder:
            subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), "stop", folder], capture_output=True)


if __name__ == "__main__":
    main()
