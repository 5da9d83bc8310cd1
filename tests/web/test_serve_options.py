"""Issue 16, findings 8 and the warm start of 14: threads and connection limit configurable with
defaults that serve 200 clients, queue warnings once a minute, index and pairs built before serving."""

import logging

import pytest

from matchmaker.cli import cli
from web.cli import _OncePerMinute

from ..conftest import FakeEmbedder


@pytest.fixture
def captured(monkeypatch, vocab):
    seen = {}
    monkeypatch.setattr("waitress.serve", lambda app, **kw: seen.update(kw, app=app))
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    monkeypatch.setattr("matchmaker.matching.embedding.load_embedder", lambda *a, **k: FakeEmbedder())
    return seen


def test_defaults_serve_200_clients(captured, small_store, runner):
    result = runner.invoke(cli, ["serve", "--db", small_store.url])
    assert result.exit_code == 0, result.output
    assert captured["connection_limit"] >= 400 and captured["threads"] >= 16 and captured["backlog"] >= 1024
    assert "ready in" in result.output
    snap = captured["app"].extensions["matchmaker"].check()
    assert {"index", "pairs", "public_world"} <= set(snap.__dict__)  # built before the first request


def test_options_and_environment(captured, small_store, runner, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_THREADS", "4")
    assert runner.invoke(cli, ["serve", "--connections", "300", "--db", small_store.url]).exit_code == 0
    assert (captured["threads"], captured["connection_limit"]) == (4, 300)


def test_queue_pressure_logged_once_a_minute():
    f = _OncePerMinute()
    records = [logging.LogRecord("waitress.queue", logging.WARNING, "", 0, "Task queue depth is %d", (i,), None)
               for i in range(100)]
    assert sum(f.filter(r) for r in records) == 1
