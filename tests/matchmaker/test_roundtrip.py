import json

import pytest

from matchmaker.cells import guard_formula, unguard_formula
from matchmaker.io.exporter import organisations_csv, streams_csv, to_json
from matchmaker.io.importer import import_files


@pytest.mark.both_stores
def test_json_round_trip_is_lossless(small_store, new_store, tmp_path):
    text = to_json(small_store.organisations(), small_store.streams())
    (tmp_path / "all.json").write_text(text, encoding="utf-8")
    fresh = new_store()
    import_files(fresh, [tmp_path / "all.json"])
    assert to_json(fresh.organisations(), fresh.streams()) == text
    assert {s["id"]: s["months"] for s in json.loads(text)["streams"]}["S6"] == [4, 5, 6, 7, 8, 9, 10]


@pytest.mark.both_stores
def test_csv_round_trip_is_lossless_even_for_formula_like_text(small_store, new_store, tmp_path):
    org = small_store.organisation("K1")
    org.profile = "=HYPERLINK(\"http://evil\") and ; commas, \"quotes\"\nnewline æøå"
    with small_store.transaction() as conn:
        small_store.upsert(conn, [org], [])
    (tmp_path / "o.csv").write_text(organisations_csv(small_store.organisations()), encoding="utf-8")
    (tmp_path / "s.csv").write_text(streams_csv(small_store.streams()), encoding="utf-8")
    assert "'=HYPERLINK" in (tmp_path / "o.csv").read_text(encoding="utf-8")
    fresh = new_store()
    import_files(fresh, [tmp_path / "s.csv", tmp_path / "o.csv"])
    assert to_json(fresh.organisations(), fresh.streams()) == to_json(small_store.organisations(),
                                                                      small_store.streams())


def test_formula_guard():
    for text in ["=1+1", "+45 12", "-x", "@SUM(A1)"]:
        assert guard_formula(text).startswith("'")
        assert unguard_formula(guard_formula(text)) == text
    assert guard_formula("plain") == "plain"
    assert unguard_formula("'quoted") == "'quoted"
