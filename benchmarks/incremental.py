"""Incremental update after one stream changes (a script, not a test): prints figures.

    .venv/bin/python benchmarks/incremental.py [--sizes 1000,10000,100000]

A SQLite store of n streams recombined from real texts (benchmarks/scale.py: demo and real
benchmark titles and descriptions, vectors simulated from their real embeddings), with every
stored list computed once (`refresh_matches`, which keeps the text model and the index).
Then one stream is edited, one added and one removed in the store (Store.upsert or
remove_streams, with the stale mark, as an import or the edit form does), and each time
`sync_changed` brings the stored lists up to date, as the web app and the CLI call it:
- from FROZEN_FROM streams (textmodel.py), in the process that holds the index: row by row
  (rowupdate.py), timed by its parts;
- below it, or in a process without the index: a new index, all-pairs and the rewrites
  (the cold figure: `--cold`).
After each update the next reader's index (`build_index`) and one stored list are timed.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import SimulatedEmbedder, base_embeddings, corpus, rss_mb  # noqa: E402

from matchmaker.freshness import mark_stale  # noqa: E402
from matchmaker.io.importer import remove_streams  # noqa: E402
from matchmaker.matching import rowupdate, stored, textmodel  # noqa: E402
from matchmaker.matching.concepts import default_vocabulary  # noqa: E402
from matchmaker.matching.index import MatchIndex  # noqa: E402
from matchmaker.store import Store  # noqa: E402


class TextEmbedder:
    """The simulated vectors by text (so every rebuild sees the same vector for the same text);
    a text not seen at first gets a fixed real-looking vector picked by its hash."""

    name = "simulated-by-text"

    def __init__(self, texts: list[str], vectors: np.ndarray):
        self.by_text = dict(zip(texts, vectors))
        self.vectors = vectors

    def encode(self, texts):
        out = np.empty((len(texts), self.vectors.shape[1]), np.float32)
        for i, t in enumerate(texts):
            v = self.by_text.get(t)
            if v is None:
                v = self.vectors[int(hashlib.sha1(t.encode()).hexdigest(), 16) % len(self.vectors)]
            out[i] = v
        return out


def timed(fn, *args):
    t0 = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - t0


def one_size(n: int, cold: bool) -> None:
    orgs, streams, sources = corpus(n)
    bt, bd = base_embeddings(Path(tempfile.gettempdir()))
    sim = SimulatedEmbedder(bt, bd, sources)
    probe = MatchIndex.__new__(MatchIndex)  # only for the texts the index embeds
    probe.vocab, probe._tag_cache = default_vocabulary(), {}
    texts = [probe._text(s) for s in streams]
    embedder = TextEmbedder(texts, sim.vectors)
    with tempfile.TemporaryDirectory() as d:
        store = Store(f"sqlite:///{Path(d) / 'inc.db'}")
        with store.transaction() as conn:
            store.upsert(conn, orgs, streams)
        index, build = timed(stored.build_index, store, embedder)
        pairs, refresh = timed(stored.refresh_matches, store, index)
        print(f"{n} streams: index build {build:.1f} s, full refresh (all-pairs + {pairs} stored pairs) {refresh:.1f} s, "
              f"peak RSS {rss_mb():.0f} MB", flush=True)
        path = "row by row" if n >= textmodel.FROZEN_FROM else "full (below FROZEN_FROM)"
        for kind in ("edit", "add", "remove"):
            target = streams[n // 2 + 1]
            if kind == "remove":
                changed_id = target.id
                remove_streams(store, [changed_id])
            else:
                if kind == "edit":
                    changed = replace(target, title=target.title + " (renset, sorteret)")
                else:
                    changed = replace(target, id=f"NEW{n}", title="Brugt kaffegrums fra kantine")
                changed_id = changed.id
                with store.transaction() as conn:
                    store.upsert(conn, [], [changed])
                    mark_stale(conn, [changed.id])
            calls = {}
            for name in ("updated", "rerank"):
                real = getattr(rowupdate, name)
                setattr(rowupdate, name, _clock(real, name, calls))
            try:
                rewritten, t_sync = timed(stored.sync_changed, store, [changed_id], embedder)
            finally:
                for name in ("updated", "rerank"):
                    setattr(rowupdate, name, getattr(rowupdate, name).__wrapped__)
            _, t_read = timed(stored.build_index, store, embedder)
            _, t_list = timed(stored.stored_matches, store, streams[n // 3].id)
            parts = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in calls.items())
            print(f"  {kind} one stream ({path}): sync_changed {t_sync:.3f} s ({rewritten} lists rewritten"
                  f"{'; ' + parts if parts else ''}); next reader's index {t_read * 1000:.0f} ms, "
                  f"a stored list {t_list * 1000:.0f} ms", flush=True)
        if cold:  # what a process without the index pays for the same change
            stored.forget_warm()
            with store.transaction() as conn:
                mark_stale(conn, [streams[n // 4].id])
            rewritten, t_cold = timed(stored.sync_changed, store, [streams[n // 4].id], embedder)
            print(f"  cold (no index held): sync_changed {t_cold:.1f} s ({rewritten} lists)", flush=True)


def _clock(fn, name: str, calls: dict):
    def timed_call(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            calls[name] = calls.get(name, 0.0) + time.perf_counter() - t0
    timed_call.__wrapped__ = fn
    return timed_call


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--cold", action="store_true", help="also time a process without the index")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        one_size(n, args.cold)


if __name__ == "__main__":
    main()
