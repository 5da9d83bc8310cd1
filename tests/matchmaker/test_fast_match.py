"""match --text: the on-disk index cache and the numpy MiniLM."""

import numpy as np
import pytest

from matchmaker.matching.indexcache import cached_index


def test_index_cache_reuses_and_follows_the_store(small_store, fake_embedder, vocab, monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHMAKER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    from matchmaker.settings import reload
    reload()
    timings: dict = {}
    first = cached_index(small_store, fake_embedder, timings)
    assert "build index" in timings
    timings = {}
    second = cached_index(small_store, fake_embedder, timings)
    assert "load cached index" in timings
    a = first.match_text("kaffegrums", "offer", top=3)
    b = second.match_text("kaffegrums", "offer", top=3)
    assert [(m.need_id, m.score) for m in a] == [(m.need_id, m.score) for m in b]
    stream = small_store.streams()[0]
    with small_store.transaction() as conn:
        from matchmaker.store import streams
        conn.execute(streams.update().where(streams.c.id == stream.id).values(title="something else entirely"))
    timings = {}
    cached_index(small_store, fake_embedder, timings)
    assert "build index" in timings  # the records changed: the old index is not used
    reload()


@pytest.mark.slow
def test_numpy_minilm_gives_the_sentence_transformers_vectors():
    from matchmaker.matching.embedding import SentenceEmbedder
    texts = ["kaffegrums fra caféer", "Spent coffee grounds, about 40 t a year. " * 20, "x"]
    numpy_side = SentenceEmbedder()._small(texts)
    assert numpy_side is not None
    torch_side = SentenceEmbedder().model.encode(texts, normalize_embeddings=True)
    assert np.abs(numpy_side - torch_side).max() < 1e-4


@pytest.mark.slow
def test_match_text_prints_nothing_on_stderr(tmp_path):
    import subprocess
    import sys
    db = tmp_path / "s.db"
    from pathlib import Path
    small = Path(__file__).parent.parent / "data" / "small"
    run = [sys.executable, "-m", "matchmaker.cli"]
    subprocess.run([*run, "import", str(small / "organisations.csv"), str(small / "streams.csv"), "--db", str(db)], check=True,
                   capture_output=True)
    out = subprocess.run([*run, "match", "--text", "kaffegrums", "--direction", "offer", "--db", str(db)],
                         capture_output=True, text=True, env={"MATCHMAKER_CACHE": str(tmp_path / "c"), "PATH": "/usr/bin"})
    assert out.returncode == 0 and out.stderr == "" and "1." in out.stdout
