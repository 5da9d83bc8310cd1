"""Reading tables from the files facilitators have: CSV, Excel .xlsx and JSON.

A reader yields `Table`s of raw rows; it never validates domain values. File
format problems become `Problem`s with file, row and column.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matchmaker.cells import unguard_csv
from matchmaker.errors import Problem
from matchmaker.io.validate import ORG_SPEC, REQUIRED_ORG_COLUMNS, REQUIRED_STREAM_COLUMNS, STREAM_SPEC

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
KNOWN_COLUMNS = {"organisations": set(ORG_SPEC), "streams": set(STREAM_SPEC)}


@dataclass
class Table:
    source: str                      # file name, with the sheet for Excel
    kind: str                        # "organisations" or "streams"
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    decimal_comma: bool = False


def _norm_header(name: Any) -> str:
    return str(name if name is not None else "").strip().lower().replace(" ", "_").replace("-", "_")


def _table_kind(source: str, header: list[str], problems: list[Problem], hint: str = "") -> str | None:
    if hint in KNOWN_COLUMNS:
        return hint
    cols = set(header)
    if {"direction", "org_id"} & cols:
        return "streams"
    if {"kind", "name"} & cols:
        return "organisations"
    problems.append(Problem(source, 1, None, "cannot tell whether this table holds organisations "
                            "(needs columns id, name, kind, ...) or streams (needs id, org_id, direction, ...)"))
    return None


def _check_header(source: str, kind: str, header: list[str], problems: list[Problem]) -> bool:
    ok = True
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(source, 1, name, "column appears twice"))
            ok = False
        seen.add(name)
        if name and name not in KNOWN_COLUMNS[kind]:
            problems.append(Problem(source, 1, name, f"unknown column; known {kind} columns: "
                                    + ", ".join(sorted(KNOWN_COLUMNS[kind]))))
            ok = False

    required = REQUIRED_ORG_COLUMNS if kind == "organisations" else REQUIRED_STREAM_COLUMNS
    for name in required:
        if name not in seen:
            problems.append(Problem(source, 1, name, "required column is missing"))
            ok = False
    return ok


def decode(data: bytes, source: str) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    _refuse_mixed(data, source)
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise ValueError(f"{source}: text is neither UTF-8 nor Windows-1252 (bad byte at offset "
                         f"{utf8_error.start})") from None


class MixedEncoding(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def _refuse_mixed(data: bytes, source: str) -> None:
    """A file that is UTF-8 on some lines and not on others (one line pasted from an old
    Windows program) would otherwise be read wholly as Windows-1252, garbling every
    UTF-8 letter: refuse it and name the first line that is not UTF-8."""
    utf8_line = bad_line = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad_line = bad_line or number
        else:
            utf8_line = utf8_line or number
        if utf8_line and bad_line:
            raise MixedEncoding(f"{source}: line {bad_line} is not UTF-8 but line {utf8_line} is: the file mixes "
                                "text encodings; save it again as UTF-8", bad_line)


def read_csv(name: str, data: bytes, problems: list[Problem]) -> list[Table]:
    try:
        text, _encoding = decode(data, name)
    except MixedEncoding as exc:
        problems.append(Problem(name, exc.line, None, str(exc).split(": ", 1)[1]))
        return []
    except ValueError as exc:
        problems.append(Problem(name, None, None, str(exc).split(": ", 1)[1]))
        return []
    if "\x00" in text:
        problems.append(Problem(name, None, None, "file contains NUL bytes: not a text CSV file"))
        return []
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [_norm_header(h) for h in next(reader)]
    except StopIteration:
        problems.append(Problem(name, None, None, "file is empty"))
        return []
    except csv.Error as exc:
        problems.append(Problem(name, 1, None, f"malformed CSV: {exc}"))
        return []
    kind = _table_kind(name, header, problems)
    if kind is None or not _check_header(name, kind, header, problems):
        return []
    table = Table(name, kind, decimal_comma=(delimiter == ";"))
    row_no = 1
    try:
        for values in reader:
            row_no = reader.line_num
            if row_no > MAX_ROWS + 1:  # empty lines count too: they cost as much to read
                problems.append(Problem(name, row_no, None, f"more than {MAX_ROWS} rows"))
                return []
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                problems.append(Problem(name, row_no, None,
                                        f"row has {len(values)} fields, the header has {len(header)}"))
                continue
            table.rows.append((row_no, {h: unguard_csv(v) for h, v in zip(header, values)}))
            if len(table.rows) > MAX_ROWS:
                problems.append(Problem(name, row_no, None, f"more than {MAX_ROWS} rows"))
                return []
    except csv.Error as exc:
        problems.append(Problem(name, row_no + 1, None, f"malformed CSV: {exc}"))
    return [table]


MAX_UNCOMPRESSED = 200 * 1024 * 1024  # a real 100,000-row sheet unpacks to well under this
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def _xlsx_too_big(name: str, data: bytes) -> str | None:
    """Check a workbook before parsing it: a few hundred KB of zip can unpack to gigabytes
    of empty rows. Looks at the zip's declared sizes and each sheet's declared dimension."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None  # not a zip: openpyxl reports the file as unreadable
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        return (f"the workbook unpacks to {total // 2**20} MB, more than {MAX_UNCOMPRESSED // 2**20} MB: "
                "split it or save it as CSV")
    for member in members:
        if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
            with archive.open(member) as fh:
                head = fh.read(4096)
            found = _DIMENSION.search(head)
            if found and found.group(1) and int(found.group(1)) > MAX_ROWS + 1:
                return (f"sheet {member.filename.rsplit('/', 1)[-1]} declares {int(found.group(1)):,} rows, "
                        f"more than {MAX_ROWS:,}")
    return None


def read_xlsx(name: str, data: bytes, problems: list[Problem]) -> list[Table]:
    from openpyxl import load_workbook
    too_big = _xlsx_too_big(name, data)
    if too_big:
        problems.append(Problem(name, None, None, too_big))
        return []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises assorted errors (zip, XML, KeyError) on corrupt files
        problems.append(Problem(name, None, None, f"not a readable .xlsx workbook ({exc.__class__.__name__})"))
        return []
    tables = []
    for sheet in book.worksheets:
        source = f"{name} [{sheet.title}]"
        rows = sheet.iter_rows(values_only=True)
        try:
            header = [_norm_header(h) for h in next(rows)]
        except StopIteration:
            continue
        while header and header[-1] == "":
            header.pop()
        kind = _table_kind(source, header, problems, _norm_header(sheet.title))
        if kind is None or not _check_header(source, kind, header, problems):
            continue
        table = Table(source, kind)
        for row_no, values in enumerate(rows, start=2):
            if row_no > MAX_ROWS + 1:  # empty rows count too: they cost as much to read
                problems.append(Problem(source, row_no, None, f"more than {MAX_ROWS} rows"))
                break
            values = list(values[: len(header)])
            if not any(v is not None and str(v).strip() for v in values):
                continue
            table.rows.append((row_no, {h: _excel_cell(v) for h, v in zip(header, values)}))
            if len(table.rows) > MAX_ROWS:
                problems.append(Problem(source, row_no, None, f"more than {MAX_ROWS} rows"))
                break
        tables.append(table)
    book.close()
    return tables


def _excel_cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_json(name: str, data: bytes, problems: list[Problem]) -> list[Table]:
    try:
        text, _ = decode(data, name)
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        problems.append(Problem(name, None, None, f"not valid JSON: {str(exc)[:200]}"))
        return []
    if not isinstance(doc, dict) or not ({"organisations", "streams"} & doc.keys()):
        problems.append(Problem(name, None, None,
                                'expected an object {"organisations": [...], "streams": [...]}'))
        return []
    tables = []
    for kind in ("organisations", "streams"):
        items = doc.get(kind, [])
        source = f"{name} [{kind}]"
        if not isinstance(items, list):
            problems.append(Problem(source, None, None, f'"{kind}" must be a list of objects'))
            continue
        if len(items) > MAX_ROWS:
            problems.append(Problem(source, None, None, f"more than {MAX_ROWS} records"))
            continue
        table = Table(source, kind)
        for index, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                problems.append(Problem(source, index, None, "each record must be a JSON object"))
                continue
            unknown = sorted(set(item) - KNOWN_COLUMNS[kind])
            for col in unknown:
                problems.append(Problem(source, index, col, "unknown field"))
            table.rows.append((index, item))
        tables.append(table)
    return tables


READERS = {".csv": read_csv, ".txt": read_csv, ".xlsx": read_xlsx, ".json": read_json}


def read_file(path: Path, problems: list[Problem], data: bytes | None = None) -> list[Table]:
    """Read one file (or its uploaded bytes) into tables; problems are appended."""
    name = path.name
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        problems.append(Problem(name, None, None, f"unsupported file type {path.suffix!r}; "
                                "use .csv, .xlsx or .json"))
        return []
    if data is None:
        try:
            if path.stat().st_size > MAX_BYTES:
                problems.append(Problem(name, None, None, f"file is larger than {MAX_BYTES // 2**20} MB"))
                return []
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(name, None, None, f"cannot read file: {exc.strerror}"))
            return []
    elif len(data) > MAX_BYTES:
        problems.append(Problem(name, None, None, f"file is larger than {MAX_BYTES // 2**20} MB"))
        return []
    return reader(name, data, problems)
