"""Incremental update after one stream changes (a script, not a test): prints figures.

    .venv/bin/python benchmarks/incremental.py [--sizes 1000,10000]

A SQLite store of n streams recombined from real texts (benchmarks/scale.py: demo and real
benchmark titles and descriptions, vectors simulated from their real embeddings), with every
stored list computed once (refresh). Then one stream's title is edited in the store
(Store.upsert + the stale mark, as an import or the edit form does) and the stored matches are
brought up to date two ways, each timed by its parts:
- the path used today, `sync_changed`: a new index of the whole store, all-pairs top-10 of every
  pair again, and the rewrite of the lists that moved;
- the per-stream path, `update_stream_matches`, on that same new index: the edited stream's own
  list and the lists it enters or leaves (its cost without the index build).
The same is done for one new stream added.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import SimulatedEmbedder, base_embeddings, corpus  # noqa: E402

from matchmaker.freshness import mark_stale  # noqa: E402
from matchmaker.matching import stored  # noqa: E402
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


def one_size(n: int) -> None:
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
        print(f"{n} streams: index build {build:.1f} s, full refresh (all-pairs + {pairs} stored pairs) {refresh:.1f} s",
              flush=True)
        for kind in ("edit", "add"):
            if kind == "edit":
                old = streams[n // 2]
                changed = replace(old, title=old.title + " (renset, sorteret)")
            else:
                changed = replace(streams[n // 2], id=f"NEW{n}", title="Brugt kaffegrums fra kantine")
            with store.transaction() as conn:
                store.upsert(conn, [], [changed])
                mark_stale(conn, [changed.id])
            copy = Store(f"sqlite:///{Path(d) / f'{kind}-copy.db'}")  # the same stale state, for the second path
            copy.engine.dispose()
            store.engine.dispose()
            shutil.copyfile(Path(d) / "inc.db", Path(d) / f"{kind}-copy.db")
            new_index, t_index = timed(stored.build_index, store, embedder)
            fresh, t_pairs = timed(new_index.all_pairs, 10)
            t0 = time.perf_counter()
            rewritten = stored.sync(store, embedder, changed={changed.id}, index=new_index)
            t_sync_total = time.perf_counter() - t0  # all-pairs again + the rewrites (index given)
            touched, t_one = timed(stored.update_stream_matches, copy, new_index, changed.id)
            print(f"  {kind} one stream: sync_changed = index {t_index:.1f} s + all-pairs {t_pairs:.1f} s + "
                  f"rewrites {max(t_sync_total - t_pairs, 0):.1f} s ({rewritten} lists) = "
                  f"{t_index + t_sync_total:.1f} s; per-stream update_stream_matches on the new index "
                  f"{t_one:.2f} s ({len(touched)} lists)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    for n in (int(s) for s in parser.parse_args().sizes.split(",")):
        one_size(n)


if __name__ == "__main__":
    main()
