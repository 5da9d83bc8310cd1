"""One truth across processes: a running server sees a write made elsewhere on its next request."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from matchmaker.cli import cli
from matchmaker.trust.access import neutral_id
from matchmaker.trust.accounts import add_user

from ..conftest import SMALL


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_a_cli_import_reaches_a_running_server_on_its_next_request(server, small_store, fake_embedder,
                                                                   runner, tmp_path: Path, monkeypatch):
    s3 = neutral_id(small_store.secret(), "S3")                    # how a visitor addresses it (issue 16)
    assert get(f"{server}/streams/{s3}")[0] == 200                # anonymised: a visitor sees it
    status, orgs = get(f"{server}/orgs")
    assert status == 200 and "Cirkulær Klynge Vest" not in orgs
    assert get(f"{server}/api/stats")[1]                           # every cache is warm now

    streams = (SMALL / "streams.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "streams.csv").write_text("\n".join(
        [streams[0]] + [line.replace(",anonymised,", ",private,") for line in streams if line.startswith("S3,")]) + "\n",
        encoding="utf-8")
    header = (SMALL / "organisations.csv").read_text(encoding="utf-8").splitlines()[0]
    (tmp_path / "organisations.csv").write_text(
        header + "\nC9,Cirkulær Klynge Vest,,cluster,other,,6700,,,,,,,,,,A cluster.,true\n", encoding="utf-8")
    # the CLI's own store handle and embedder: nothing is shared with the server's process state
    monkeypatch.setattr("matchmaker.matching.stored.load_embedder", lambda *a, **k: fake_embedder)
    out = runner.invoke(cli, ["import", str(tmp_path / "organisations.csv"), str(tmp_path / "streams.csv"),
                              "--db", small_store.url])
    assert out.exit_code == 0, out.output

    assert get(f"{server}/streams/{s3}")[0] == 404                # private now: gone for visitors
    assert "Cirkulær Klynge Vest" in get(f"{server}/orgs")[1]     # an import of organisations alone is seen too
    assert "S3" not in get(f"{server}/api/network?min_score=0")[1]


def test_a_write_reloads_only_what_it_changed(app, small_store):
    svc = app.extensions["matchmaker"]
    _ = svc.check().pairs      # the first read computes and stores the matches: a write of its own
    first = svc.check()
    records, pairs = first.records, first.pairs
    add_user(small_store, "someone", "facilitator", "correct horse battery")   # users: no cached part reads them
    second = svc.check()
    assert second is not first and second.records is records and second.pairs is pairs
    org = small_store.organisation("K1")
    org.profile = "Nye kaffebarer i hele Aarhus."
    with small_store.transaction() as conn:
        small_store.upsert(conn, [org], [])
    third = svc.check()
    assert third.pairs is pairs and third.records is not records
    assert third.orgs["K1"].profile == "Nye kaffebarer i hele Aarhus."
    assert svc.check() is third                                   # unchanged version: the same snapshot


def test_a_request_keeps_its_snapshot_while_a_write_lands(app, small_store):
    """A request that began before a write finishes on what it read; the next one reloads."""
    svc = app.extensions["matchmaker"]
    with app.test_request_context("/"):
        before = svc.orgs
        org = small_store.organisation("K1")
        org.profile = "changed meanwhile"
        with small_store.transaction() as conn:
            small_store.upsert(conn, [org], [])
        assert svc.orgs is before
    with app.test_request_context("/"):
        assert svc.orgs["K1"].profile == "changed meanwhile"
