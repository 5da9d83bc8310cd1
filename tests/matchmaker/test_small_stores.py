"""Issue 16, finding 4: a new deployment starts as an empty store; every command answers
0, 1 and 2 streams with a message and an exit code, never a traceback."""

import json

import pytest

from matchmaker.cli import cli
from matchmaker.io.importer import import_files
from matchmaker.store import Store

from ..conftest import SMALL, FakeEmbedder

# commands and the exit codes they may end with (0 done, 1 a clear error, 2 usage/validation)
COMMANDS = [
    (["match", "--refresh"], {0}),
    (["match", "--text", "kaffegrums", "--direction", "offer"], {0}),
    (["match", "--text", "kaffegrums", "--direction", "need", "--postcode", "8000"], {0}),
    (["match", "--stream", "S1"], {0, 1}),
    (["chains"], {0}),
    (["chains", "--json"], {0}),
    (["check", "--programme", "vaerdikaedeafklaring"], {0, 1, 3}),
    (["export", "--format", "graphml"], {0}),
    (["export", "--format", "gexf"], {0}),
    (["export"], {0}),
    (["stats"], {0}),
    (["stats", "--json"], {0}),
    (["eval"], {0, 1}),
    (["eval", "--labels", "data/labels/matches.csv"], {0, 1}),
]


def small_store_of(tmp_path, n: int) -> Store:
    store = Store(f"sqlite:///{tmp_path / f's{n}.db'}")
    if n:
        lines = (SMALL / "streams.csv").read_text(encoding="utf-8").splitlines()
        (tmp_path / "s.csv").write_text("\n".join(lines[:n + 1]) + "\n", encoding="utf-8")
        import_files(store, [SMALL / "organisations.csv", tmp_path / "s.csv"])
    return store


@pytest.fixture
def fake_model(monkeypatch, vocab):
    monkeypatch.setattr("matchmaker.matching.embedding.load_embedder", lambda *a, **k: FakeEmbedder())
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_every_command_answers_small_stores(n, runner, tmp_path, fake_model):
    store = small_store_of(tmp_path, n)
    chain = tmp_path / "chain.json"
    chain.write_text(json.dumps({"members": ["K1", "B1"]}))
    for args, codes in COMMANDS:
        if args[0] == "check":
            args = [*args, "--chain", str(chain)]
        result = runner.invoke(cli, [*args, "--db", store.url])
        assert result.exception is None or isinstance(result.exception, SystemExit), (n, args, repr(result.exception))
        assert "Traceback" not in result.output
        assert result.exit_code in codes, (n, args, result.exit_code, result.output)
        if result.exit_code == 1:
            assert result.output.startswith("Error: "), (n, args, result.output)


def test_small_store_match_refresh_then_stream(runner, tmp_path, fake_model):
    store = small_store_of(tmp_path, 2)
    assert runner.invoke(cli, ["match", "--refresh", "--db", store.url]).exit_code == 0
    out = runner.invoke(cli, ["match", "--stream", "S1", "--json", "--db", store.url])
    assert out.exit_code == 0 and json.loads(out.output)[0]["need_id"] == "S2"
