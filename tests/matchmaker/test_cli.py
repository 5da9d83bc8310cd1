import json

from matchmaker.cli import cli
from matchmaker.store import SCHEMA_VERSION, Store

from ..conftest import SMALL


def test_import_stats_export_cycle(runner, tmp_path):
    db = str(tmp_path / "c.db")
    result = runner.invoke(cli, ["import", str(SMALL / "organisations.csv"), str(SMALL / "streams.csv"), "--db", db])
    assert result.exit_code == 0, result.output
    assert "18 new" in result.output
    stats = json.loads(runner.invoke(cli, ["stats", "--json", "--db", db]).output)
    assert (stats["organisations"], stats["firms"], stats["streams"], stats["offers"], stats["needs"]) == (8, 7, 10, 6, 4)
    assert stats["regions"]["Region Midtjylland"] == 2 and sum(stats["sectors"].values()) == 8
    out = tmp_path / "csv"
    assert runner.invoke(cli, ["export", "--format", "csv", "-o", str(out), "--db", db]).exit_code == 0
    db2 = str(tmp_path / "d.db")
    assert runner.invoke(cli, ["import", str(out / "organisations.csv"), str(out / "streams.csv"), "--db", db2]).exit_code == 0
    exported = [runner.invoke(cli, ["export", "--db", d]).output for d in (db, db2)]
    assert exported[0] == exported[1] and json.loads(exported[0])["organisations"]


def test_bad_input_gives_readable_error_not_traceback(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,kind,sector,postcode\nA1,x,firm,other,0000\n")
    result = runner.invoke(cli, ["import", str(bad), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "bad.csv, row 2, column 'postcode': unknown Danish postcode" in result.output
    assert "Traceback" not in result.output


def test_unusable_db_url_is_a_clean_error(runner, tmp_path):
    result = runner.invoke(cli, ["stats", "--db", "nosuchdriver://x"])
    assert result.exit_code == 1 and "cannot open store" in result.output


def test_db_from_environment(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_DB", str(tmp_path / "env.db"))
    runner.invoke(cli, ["import", str(SMALL / "organisations.csv")])
    assert Store(str(tmp_path / "env.db")).organisation("K1") is not None


def test_schema_version_recorded_and_newer_store_refused(store, runner):
    assert store.schema_version == SCHEMA_VERSION
    with store.transaction() as conn:
        conn.exec_driver_sql("UPDATE meta SET value='99' WHERE key='schema_version'")
    result = runner.invoke(cli, ["stats", "--db", store.url])
    assert result.exit_code == 1 and "newer than this" in result.output
