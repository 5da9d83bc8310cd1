"""Issue 16, finding 14 (restores): a backup is checked record by record before anything is
written: roles, argon2 hash format, fields, schema version."""

import json

import pytest

from matchmaker.cli import cli
from matchmaker.io.backup import backup
from matchmaker.store import Store
from matchmaker.trust.accounts import add_user


@pytest.fixture
def saved(small_store, tmp_path):
    add_user(small_store, "fac", "facilitator", "correct horse battery")
    path = tmp_path / "b.json"
    backup(small_store, path)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("change,message", [
    (lambda d: d["users"][0].update(role="superuser"), "role 'superuser' is not one of"),
    (lambda d: d["users"][0].update(password_hash="plaintext-password"), "password_hash is not an argon2 hash"),
    (lambda d: d["users"][0].update(org_id="K1"), "only a firm user does"),
    (lambda d: d["users"].append("x"), "users record 2: not an object"),
    (lambda d: d.update(schema_version="abc"), "schema_version must be a whole number"),
    (lambda d: d["matches"].append({"stream_id": "S1", "rank": "1", "other_id": "S2", "score": 1, "detail": ""}),
     "matches record"),
    (lambda d: d["audit"].append({"id": 99, "at": "x", "actor": "a", "action": "b", "subject": "c", "sneaky": 1}),
     "audit record 1: unknown fields sneaky"),
])
def test_bad_records_refused_and_nothing_written(saved, change, message, runner, tmp_path):
    doc = json.loads(json.dumps(saved))
    doc.setdefault("matches", [])
    doc.setdefault("audit", [])
    change(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    target = tmp_path / "fresh.db"
    result = runner.invoke(cli, ["restore", str(path), "--db", str(target)])
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output and Store(str(target)).is_empty()


def test_good_backup_restores(saved, runner, tmp_path):
    path = tmp_path / "good.json"
    path.write_text(json.dumps(saved), encoding="utf-8")
    result = runner.invoke(cli, ["restore", str(path), "--db", str(tmp_path / "fresh.db")])
    assert result.exit_code == 0, result.output
