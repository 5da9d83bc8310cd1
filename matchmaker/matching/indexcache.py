"""The match index of a store, kept on disk between commands.

Building the index (concept tagging, TF-IDF, reading cached embeddings) costs about a
second on a few hundred streams; a one-off `matchmaker match --text` loads it in a
fraction of that. The key covers everything the index is made of: the store's URL and
records, the model, the weights file and the code and data files that shape the features.
Anything else changes the key, so a stale index is never used.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import asdict
from pathlib import Path

from matchmaker.matching import vectorstore
from matchmaker.matching.embedding import Embedder
from matchmaker.matching.index import MatchIndex
from matchmaker.paths import DATA_DIR, MODELS_DIR
from matchmaker.settings import settings
from matchmaker.store import Store

_PACKAGE = Path(__file__).resolve().parent.parent
KEEP = 4  # cached indexes kept per cache folder (the newest)


def _files() -> list[Path]:
    return sorted([*_PACKAGE.glob("*.py"), *(_PACKAGE / "matching").glob("*.py"), *DATA_DIR.glob("*.csv"),
                   *DATA_DIR.glob("*.json"), *MODELS_DIR.glob("*.json")])


def index_key(store: Store, embedder: Embedder, orgs: list, streams: list) -> str:
    h = hashlib.sha256()
    h.update(f"{store.url}|{embedder.name}|{getattr(embedder, 'inner', embedder).__class__.__name__}".encode())
    for path in _files():
        stat = path.stat()
        h.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    h.update(json.dumps([asdict(o) for o in orgs], sort_keys=True, default=str).encode())
    h.update(json.dumps([asdict(s) for s in streams], sort_keys=True, default=str).encode())
    return h.hexdigest()[:24]


def cached_index(store: Store, embedder: Embedder, timings: dict[str, float] | None = None) -> MatchIndex:
    """The store's index from the disk cache, or built and saved there."""
    import time
    start = time.perf_counter()
    orgs, streams = store.organisations(), store.streams()
    folder = settings().cache_dir
    path = folder / f"index-{index_key(store, embedder, orgs, streams)}.pkl"
    if timings is not None:
        timings["read store"] = time.perf_counter() - start
    start = time.perf_counter()
    if path.exists():
        try:
            index = pickle.loads(path.read_bytes())
            index.embedder = embedder
            index._tag_cache = {}  # not pickled: rebuilt on demand (tagging is fast)
            vectorstore.attach(store, index)  # PostgreSQL: the shared HNSW index (not pickled)
            if timings is not None:
                timings["load cached index"] = time.perf_counter() - start
            return index
        except Exception:  # a truncated or foreign file: rebuild it
            path.unlink(missing_ok=True)
    index = vectorstore.attach(store, MatchIndex(orgs, streams, vectorstore.reading(store, embedder)))
    if timings is not None:
        timings["build index"] = time.perf_counter() - start
    state = dict(index.__dict__, embedder=None, _tag_cache={})
    blank = MatchIndex.__new__(MatchIndex)
    blank.__dict__.update(state)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(blank, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)  # atomic: a reader sees the old file or the whole new one
    for old in sorted(folder.glob("index-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]:
        old.unlink(missing_ok=True)
    return index
