import pytest

from web import create_app


@pytest.fixture
def app(small_store, fake_embedder, vocab, monkeypatch):
    monkeypatch.setattr("matchmaker.matcher.default_vocabulary", lambda: vocab)
    return create_app({"TESTING": True, "DB": small_store.url, "EMBEDDER": fake_embedder, "SECRET_KEY": "test"})


@pytest.fixture
def client(app):
    return app.test_client()
