"""MATCHMAKER_EMBED_RUNTIME: the ONNX float and int8 runtimes and the cache kept apart per runtime."""

import numpy as np
import pytest

from matchmaker.errors import ConfigError
from matchmaker.matching.embedding import CachedEmbedder, SentenceEmbedder


class Inner:
    name = "all-MiniLM-L6-v2"
    path = "/some/folder"
    prefix = ""

    def __init__(self, runtime: str, value: float):
        self.runtime, self.value = runtime, value

    def encode(self, texts):
        return np.full((len(texts), 4), self.value, dtype=np.float32)


def test_an_unknown_runtime_is_a_clear_error():
    with pytest.raises(ConfigError, match="MATCHMAKER_EMBED_RUNTIME must be one of torch, onnx, onnx-int8"):
        SentenceEmbedder(runtime="tensorrt")


def test_the_cache_keeps_float_and_int8_vectors_apart(tmp_path):
    float_side = CachedEmbedder(Inner("torch", 1.0), tmp_path)
    int8_side = CachedEmbedder(Inner("onnx-int8", 2.0), tmp_path)
    assert float_side.db_path != int8_side.db_path
    assert float_side.encode(["kaffegrums"])[0, 0] == 1.0
    assert int8_side.encode(["kaffegrums"])[0, 0] == 2.0  # not the float vector cached under the same text
    assert int8_side.computed == 1


def test_the_torch_runtime_keeps_the_cache_file_it_had(tmp_path):
    import hashlib
    old_slug = hashlib.sha1(b"all-MiniLM-L6-v2|/some/folder|").hexdigest()[:12]
    assert CachedEmbedder(Inner("torch", 1.0), tmp_path).db_path.name == f"embeddings-{old_slug}.sqlite"


@pytest.mark.slow
def test_onnx_runtimes_give_the_sentence_transformers_vectors(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_CACHE", str(tmp_path))
    from matchmaker.settings import reload
    reload()
    texts = ["kaffegrums fra caféer", "Spent coffee grounds, about 40 t a year. " * 40, "x", "Træflis (wood; 03 01 05)"]
    reference = SentenceEmbedder(runtime="torch").model.encode(texts, normalize_embeddings=True)
    onnx = SentenceEmbedder(runtime="onnx").encode(texts)
    assert onnx.shape == reference.shape
    assert np.abs(onnx - reference).max() < 1e-4
    int8 = SentenceEmbedder(runtime="onnx-int8").encode(texts)
    cosines = (int8 * reference).sum(1)
    assert cosines.min() > 0.98 and not np.allclose(int8, reference, atol=1e-4)  # close, and really quantised
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    exported = sorted(p.name for p in (tmp_path / "onnx").iterdir())
    assert [p.rsplit("-", 1)[1] for p in exported] == ["f32.onnx", "int8.onnx"]  # written once into the cache
    reload()
