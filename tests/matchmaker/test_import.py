import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from matchmaker.errors import ValidationFailed
from matchmaker.io.exporter import to_json
from matchmaker.io.importer import import_files

from ..conftest import SMALL

pytestmark = pytest.mark.both_stores  # every test here also runs on a real PostgreSQL

ORG_HEADER = "id;name;kind;sector;postcode;employees;turnover_eur"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def snapshot(store) -> str:
    return to_json(store.organisations(), store.streams())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings_are_detected(store, tmp_path, encoding):
    path = write(tmp_path / "orgs.csv", f"{ORG_HEADER}\nA1;Økologisk Æblegård ApS;firm;food_bio;8000;1.234,5;2.500.000\n",
                 encoding)
    import_files(store, [path])
    org = store.organisation("A1")
    assert org.name == "Økologisk Æblegård ApS"
    assert org.employees == 1234.5 and org.turnover_eur == 2_500_000


def test_comma_csv_with_quoted_danish_decimals(store, tmp_path):
    path = write(tmp_path / "o.csv", 'id,name,kind,sector,postcode,employees\nA1,"Firma, ApS",firm,other,2100,"12,5"\n')
    import_files(store, [path])
    assert store.organisation("A1").employees == 12.5


def test_small_files_import_and_reimport_changes_nothing(store):
    files = [SMALL / "streams.csv", SMALL / "organisations.csv"]  # any order
    first = import_files(store, files)
    assert (first.organisations, first.streams, first.inserted) == (8, 10, 18)
    before = snapshot(store)
    again = import_files(store, files)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 18)
    assert snapshot(store) == before


def test_one_bad_row_leaves_the_store_exactly_as_it_was(small_store, tmp_path):
    before = snapshot(small_store)
    good = SMALL / "organisations.csv"
    bad = write(tmp_path / "more.csv",
                "id,org_id,direction,title,language,material,ewc\n"
                "S1,K1,offer,Changed title,en,food_organic,\n"       # valid update
                "S99,K1,offer,New,en,food_organic,123456\n")         # unknown EWC
    with pytest.raises(ValidationFailed) as info:
        import_files(small_store, [good, bad])
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "ewc")]
    assert "unknown EWC code" in str(info.value)
    assert snapshot(small_store) == before


def test_every_problem_is_collected_with_file_row_and_column(store, tmp_path):
    orgs = write(tmp_path / "o.csv", "id,name,kind,sector,postcode,cvr\n"
                 "A1,One,firm,other,8000,12345678\n"
                 "A1,Two,firm,other,9999,\n")
    strs = write(tmp_path / "s.csv", "id,org_id,direction,title,language,material,quantity,unit\n"
                 "S1,NOPE,offer,x,en,wood,-4,t/yr\n")
    with pytest.raises(ValidationFailed) as info:
        import_files(store, [orgs, strs])
    found = {(p.file, p.row, p.column) for p in info.value.problems}
    assert found == {("o.csv", 2, "cvr"), ("o.csv", 3, "postcode"), ("o.csv", 3, "id"),
                     ("s.csv", 2, "quantity"), ("s.csv", 2, "org_id")}
    assert store.is_empty()


def test_stream_may_name_an_owner_already_in_the_store(small_store, tmp_path):
    path = write(tmp_path / "s.csv", "id,org_id,direction,title,language,material\nS50,K1,need,Træflis,da,wood\n")
    import_files(small_store, [path])
    assert small_store.stream("S50").title == "Træflis"


@pytest.mark.parametrize("content,message", [
    ("id,name,kind\nA1,x,firm\n", "required column is missing"),
    ("id,name,kind,sector,postcode,colour\nA1,x,firm,other,8000,red\n", "unknown column"),
    ("foo,bar\n1,2\n", "cannot tell"),
    ("", "empty"),
    ("id,name,kind,sector,postcode\nA1,x,firm,other\n", "fields, the header has"),
    ('id,name,kind,sector,postcode\nA1,"unterminated,firm,other,8000\n', "malformed CSV"),
])
def test_malformed_csv(store, tmp_path, content, message):
    with pytest.raises(ValidationFailed, match=message):
        import_files(store, [write(tmp_path / "x.csv", content)])


def test_bytes_that_are_neither_utf8_nor_cp1252(store, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"id,name,kind,sector,postcode\nA1,\x81\x8d,firm,other,8000\n")
    with pytest.raises(ValidationFailed, match="neither UTF-8 nor Windows-1252"):
        import_files(store, [path])


def test_unsupported_and_missing_files(store, tmp_path):
    with pytest.raises(ValidationFailed, match="unsupported file type"):
        import_files(store, [write(tmp_path / "x.pdf", "%PDF")])
    with pytest.raises(ValidationFailed, match="cannot read file"):
        import_files(store, [tmp_path / "absent.csv"])


def test_excel_workbook_with_two_sheets(store, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "organisations"
    sheet.append(["id", "name", "kind", "sector", "postcode", "employees"])
    sheet.append(["A1", "Træ ApS", "firm", "construction", 8000, 12.5])
    streams = book.create_sheet("Streams")
    streams.append(["id", "org_id", "direction", "title", "language", "material", "quantity", "unit"])
    streams.append(["S1", "A1", "offer", "Savsmuld", "da", "wood", "1.234,5", "t/yr"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    import_files(store, [path])
    assert store.organisation("A1").postcode == "8000"
    assert store.stream("S1").quantity == 1234.5


def test_corrupt_excel(store, tmp_path):
    with pytest.raises(ValidationFailed, match="not a readable .xlsx"):
        import_files(store, [write(tmp_path / "x.xlsx", "PK\x03\x04 truncated")])


def test_excel_row_errors_name_the_sheet(store, tmp_path):
    book = Workbook()
    book.active.title = "organisations"
    book.active.append(["id", "name", "kind", "sector", "postcode"])
    book.active.append(["A1", "x", "firm", "other", 1])
    path = tmp_path / "b.xlsx"
    book.save(path)
    with pytest.raises(ValidationFailed) as info:
        import_files(store, [path])
    assert str(info.value.problems[0]).startswith("b.xlsx [organisations], row 2, column 'postcode'")


def test_json_import_and_errors(store, tmp_path):
    doc = {"organisations": [{"id": "A1", "name": "x", "kind": "firm", "sector": "other", "postcode": "8000",
                              "competences": ["lca"]}],
           "streams": [{"id": "S1", "org_id": "A1", "direction": "offer", "title": "t", "language": "en",
                        "material": "wood", "months": [5, 6], "availability": "seasonal"}]}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(doc))
    import_files(store, [path])
    assert store.stream("S1").months == [5, 6]
    assert store.organisation("A1").competences == ["lca"]
    for text, message in [("{", "not valid JSON"), ("[1]", "expected an object"),
                          ('{"streams": [3]}', "must be a JSON object"),
                          ('{"organisations": [{"id": "B", "colour": 1}]}', "unknown field")]:
        path.write_text(text)
        with pytest.raises(ValidationFailed, match=message):
            import_files(store, [path])


def test_dry_run_writes_nothing(store):
    report = import_files(store, [SMALL / "organisations.csv"], dry_run=True)
    assert report.inserted == 8
    assert store.is_empty()
