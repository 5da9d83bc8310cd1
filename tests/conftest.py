from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from matchmaker.io.importer import import_files
from matchmaker.store import Store

SMALL = Path(__file__).parent / "data" / "small"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Production argon2 costs ~0.5 s a hash; the suite makes hundreds."""
    from matchmaker.trust.accounts import use_test_hasher
    use_test_hasher()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def small_store(store: Store) -> Store:
    import_files(store, [SMALL / "organisations.csv", SMALL / "streams.csv"])
    return store


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


class FakeEmbedder:
    """Deterministic bag-of-words hashing: no model, no network."""

    name = "fake"

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.calls = 0

    def encode(self, texts):
        import re
        import zlib

        import numpy as np
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, zlib.crc32(word.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def vocab():
    from matchmaker.matching.concepts import load_vocabulary
    return load_vocabulary(Path(__file__).parent / "data" / "concepts_small.csv")


@pytest.fixture
def index(small_store, fake_embedder, vocab):
    from matchmaker.matching.index import MatchIndex
    from matchmaker.matching.weights import MatchWeights
    return MatchIndex(small_store.organisations(), small_store.streams(), fake_embedder, vocab, MatchWeights.default())
