import json
import subprocess
import sys

import pytest

from matchmaker.cli import cli

from ..conftest import FakeEmbedder


@pytest.fixture
def db(small_store, monkeypatch, vocab):
    monkeypatch.setattr("matchmaker.matching.embedding.load_embedder", lambda *a, **k: FakeEmbedder())
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    return small_store.url


def test_match_by_stream_and_text(runner, db):
    out = runner.invoke(cli, ["match", "--stream", "S1", "--json", "--db", db])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["need_id"] == "S2"
    out = runner.invoke(cli, ["match", "--text", "Vi har valle fra ost", "--direction", "offer", "--postcode", "2200",
                              "--top", "2", "--db", db])
    assert out.exit_code == 0 and "S8" in out.output.splitlines()[0]
    assert runner.invoke(cli, ["match", "--text", "x", "--db", db]).exit_code == 2   # needs --direction
    bad = runner.invoke(cli, ["match", "--stream", "NOPE", "--db", db])
    assert bad.exit_code == 1 and "unknown stream 'NOPE'" in bad.output


def test_refresh_then_stored_matches(runner, db):
    out = runner.invoke(cli, ["match", "--refresh", "--db", db])
    assert out.exit_code == 0 and "stored" in out.output
    again = runner.invoke(cli, ["match", "--stream", "S7", "--json", "--db", db])
    assert json.loads(again.output)[0]["offer_id"] == "S7"


def test_chains_check_and_graph_exports(runner, db, tmp_path):
    out = runner.invoke(cli, ["chains", "--programme", "closing-loops-2-check", "--min-score", "0.05", "--json",
                              "--db", db])
    assert out.exit_code == 0, out.output
    chains = json.loads(out.output)
    assert chains and all(c["checks"] for c in chains)
    chain = tmp_path / "chain.json"
    chain.write_text(json.dumps({"members": ["K1", "B1"], "lead": "B1", "budget_dkk": 300000, "grant_dkk": 150000}))
    ok = runner.invoke(cli, ["check", "--chain", str(chain), "--programme", "closing-loops-2-check", "--db", db])
    # the small store holds no de minimis declarations, accounts year or staff hours: unknown, never a pass
    assert ok.exit_code == 0 and "UNKNOWN" in ok.output and "[unknown] de_minimis" in ok.output
    chain.write_text(json.dumps({"members": ["K1", "M1"], "lead": "K1", "budget_dkk": 300000, "grant_dkk": 150000}))
    failed = runner.invoke(cli, ["check", "--chain", str(chain), "--programme", "closing-loops-2-check", "--json",
                                 "--db", db])
    assert failed.exit_code == 3
    assert {c["rule"]: c["status"] for c in json.loads(failed.output)["checks"]}["not_in_difficulty"] == "fail"
    unknown = runner.invoke(cli, ["check", "--chain", str(chain), "--programme", "nope", "--db", db])
    assert unknown.exit_code == 1 and "known: closing-loops-2-check" in unknown.output
    for fmt, marker in (("graphml", "<graphml"), ("gexf", "<gexf")):
        out = runner.invoke(cli, ["export", "--format", fmt, "-o", str(tmp_path / f"g.{fmt}"), "--db", db])
        assert out.exit_code == 0 and marker in (tmp_path / f"g.{fmt}").read_text(encoding="utf-8")


def test_domain_never_imports_the_web_layer():
    code = "import sys, matchmaker.cli, matchmaker.programmes.proposals, matchmaker.matching.stored; " \
           "print(sorted(m for m in ('flask', 'pyvis', 'jinja2', 'web') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_console_command_has_serve():
    from web.cli import cli as full
    assert "serve" in full.commands and "demo" in full.commands


@pytest.mark.slow
def test_real_model_loads_offline_and_links_danish_to_english(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from matchmaker.matching.embedding import CachedEmbedder, SentenceEmbedder
    emb = CachedEmbedder(SentenceEmbedder(), tmp_path)
    v = emb.encode(["spent coffee grounds for bioplastic", "used coffee grounds from cafés", "crushed concrete"])
    assert v.shape == (3, 384)
    assert v[0] @ v[1] > v[0] @ v[2]
    with pytest.raises(Exception, match="cannot load embedding model"):
        SentenceEmbedder(str(tmp_path / "no-such-model")).encode(["x"])
