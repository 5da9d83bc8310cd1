import os
import signal
import subprocess
import sys
import time

import pytest

from matchmaker.cli import cli
from matchmaker.errors import MatchmakerError
from matchmaker.io.backup import backup, restore
from matchmaker.io.exporter import to_json
from matchmaker.matching.stored import refresh_matches, stored_matches
from matchmaker.store import Store


def snapshot(store):
    return to_json(store.organisations(), store.streams())


@pytest.mark.both_stores
def test_backup_restore_round_trip_is_lossless(small_store, new_store, index, tmp_path):
    refresh_matches(small_store, index, top=3)
    counts = backup(small_store, tmp_path / "b.json")
    assert counts["organisations"] == 8 and counts["streams"] == 10 and counts["matches"] > 0
    fresh = new_store()
    restore(fresh, tmp_path / "b.json")
    assert snapshot(fresh) == snapshot(small_store)
    assert stored_matches(fresh, "S1") == stored_matches(small_store, "S1")
    with pytest.raises(MatchmakerError, match="not empty"):
        restore(fresh, tmp_path / "b.json")
    restore(fresh, tmp_path / "b.json", replace=True)
    assert snapshot(fresh) == snapshot(small_store)


@pytest.mark.both_stores
def test_restore_rejects_bad_files_and_keeps_the_store(small_store, tmp_path):
    before = snapshot(small_store)
    bad = tmp_path / "bad.json"
    for text, message in [("{", "cannot read backup"), ('{"format": "x"}', "not a Matchmaker backup")]:
        bad.write_text(text)
        with pytest.raises(MatchmakerError, match=message):
            restore(small_store, bad, replace=True)
    bad.write_text('{"format": "matchmaker-backup", "schema_version": 1, "organisations": '
                   '[{"id": "Z", "name": "x", "kind": "firm", "sector": "other", "postcode": "0000"}], "streams": []}')
    with pytest.raises(MatchmakerError):
        restore(small_store, bad, replace=True)   # replace and restore are one transaction
    assert snapshot(small_store) == before


@pytest.mark.both_stores
def test_backup_and_restore_commands(runner, small_store, new_store, tmp_path):
    out = runner.invoke(cli, ["backup", str(tmp_path / "b.json"), "--db", small_store.url])
    assert out.exit_code == 0 and "8 organisations" in out.output
    out = runner.invoke(cli, ["restore", str(tmp_path / "b.json"), "--db", new_store().url])
    assert out.exit_code == 0 and "10 streams" in out.output


def big_import(path, n: int) -> None:
    lines = ["id,org_id,direction,title,language,material,quantity,unit"]
    lines += [f"BIG{i},K1,offer,Træflis parti {i},da,wood,{i + 1},t/yr" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_killed_import_leaves_the_store_as_before(small_store, tmp_path):
    """A real subprocess is killed while its import transaction is open (pages of the uncommitted
    transaction are already in the SQLite write-ahead log)."""
    before = snapshot(small_store)
    db_file = small_store.url.removeprefix("sqlite:///")
    wal = db_file + "-wal"
    start_size = os.path.getsize(wal) if os.path.exists(wal) else 0
    data = tmp_path / "big.csv"
    big_import(data, 60_000)
    proc = subprocess.Popen([sys.executable, "-m", "matchmaker.cli", "import", str(data), "--db", small_store.url],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_mid_write = False
    deadline = time.time() + 120
    while proc.poll() is None and time.time() < deadline:
        if os.path.exists(wal) and os.path.getsize(wal) > start_size + 256 * 1024:
            os.kill(proc.pid, signal.SIGKILL)
            killed_mid_write = True
            break
        time.sleep(0.001)
    proc.wait()
    assert killed_mid_write, "the import finished before it could be killed mid-transaction"
    assert snapshot(Store(small_store.url)) == before       # uncommitted log frames ignored on next open
    assert Store(small_store.url).stream("BIG0") is None


EDIT_SCRIPT = """
import sys, time
from matchmaker.trust import editing
from matchmaker.trust.accounts import User
from matchmaker.store import Store
real_log = editing.log
def slow_log(conn, *args):  # the record is written, the transaction still open
    real_log(conn, *args)
    print("written", flush=True)
    time.sleep(60)
editing.log = slow_log
store = Store(sys.argv[1])
raw = {"id": "S2", "org_id": "B1", "direction": "need", "title": "EDITED", "language": "en",
       "material": "food_organic", "availability": "continuous", "confidentiality": "public"}
editing.save(store, User("cups", "firm", "B1"), "stream", raw, store.stream("S2"))
"""


def test_killed_edit_leaves_the_store_as_before(small_store):
    """A real subprocess is killed inside an edit's transaction, after the row was updated."""
    from matchmaker.trust.audit import audit_log
    before = snapshot(small_store)
    with subprocess.Popen([sys.executable, "-c", EDIT_SCRIPT, small_store.url], stdout=subprocess.PIPE,
                          text=True) as proc:
        line = proc.stdout.readline()
        os.kill(proc.pid, signal.SIGKILL)
    assert line.strip() == "written"
    store = Store(small_store.url)
    assert snapshot(store) == before and store.stream("S2").title != "EDITED"
    assert audit_log(store) == []
