"""Issue 16, findings 10 and 14 (mixed encodings): spreadsheets are measured before they are
parsed, empty rows count, and a CSV that mixes encodings is refused naming the line."""

import io
import re
import time
import zipfile

import pytest
from openpyxl import Workbook

from matchmaker.errors import ValidationFailed
from matchmaker.io.importer import import_files

HEADER = ["id", "org_id", "direction", "title", "language", "material"]


def bomb(rows: int, declared: int | None = None) -> bytes:
    """A workbook with a header and `rows` empty rows; `declared` rewrites the sheet's dimension."""
    book = Workbook()
    book.active.title = "streams"
    book.active.append(HEADER)
    raw = io.BytesIO()
    book.save(raw)
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                empty = "".join(f'<row r="{i}"/>' for i in range(2, rows + 2))
                text = text.replace("</sheetData>", empty + "</sheetData>")
                text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:F{declared}"/>' if declared else "", text)
                data = text.encode()
            dst.writestr(item, data)
    return out.getvalue()


def problems_of(small_store, name: str, data: bytes) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        import_files(small_store, [], uploads={name: data})
    return [str(p) for p in caught.value.problems]


def test_declared_dimension_refused_before_parsing(small_store):
    start = time.perf_counter()
    found = problems_of(small_store, "bomb.xlsx", bomb(10, declared=50_000_000))
    assert time.perf_counter() - start < 2
    assert any("declares 50,000,000 rows" in p for p in found), found


def test_uncompressed_size_capped(small_store, monkeypatch):
    monkeypatch.setattr("matchmaker.io.readers.MAX_UNCOMPRESSED", 1_000_000)
    data = bomb(100_000)
    assert len(data) < 300_000  # small on disk ...
    found = problems_of(small_store, "bomb.xlsx", data)
    assert any("unpacks to" in p for p in found), found  # ... refused for what it unpacks to


def test_empty_rows_count_toward_the_row_limit(small_store, monkeypatch):
    monkeypatch.setattr("matchmaker.io.readers.MAX_ROWS", 1000)
    found = problems_of(small_store, "empty.xlsx", bomb(5000))  # no dimension declared
    assert any("more than 1000 rows" in p for p in found), found
    csv = ("id,org_id,direction,title,language,material\n" + "\n" * 5000).encode()
    assert any("more than 1000 rows" in p for p in problems_of(small_store, "empty.csv", csv))


def test_mixed_encodings_refused_naming_the_line(small_store):
    text = ("id,org_id,direction,title,language,material\n"
            "S30,K1,offer,Kaffegrums fra Århus,da,food_organic\n").encode() + \
           "S31,K1,offer,Træflis fra savværk,da,wood\n".encode("cp1252")
    found = problems_of(small_store, "mixed.csv", text)
    assert found == ["mixed.csv, row 3: line 3 is not UTF-8 but line 2 is: the file mixes text encodings; "
                     "save it again as UTF-8"], found
    # a file wholly in Windows-1252 is still read
    whole = ("id,org_id,direction,title,language,material\nS31,K1,offer,Træflis fra savværk,da,wood\n").encode("cp1252")
    report = import_files(small_store, [], uploads={"old.csv": whole})
    assert report.inserted == 1 and small_store.stream("S31").title == "Træflis fra savværk"
