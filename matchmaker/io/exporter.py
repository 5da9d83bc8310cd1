"""Export: JSON and CSV that import back to exactly the same data."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from matchmaker.cells import csv_text, guard_formula
from matchmaker.model import ORG_FIELDS, STREAM_FIELDS, Organisation, Stream


def to_json(orgs: list[Organisation], streams: list[Stream]) -> str:
    doc = {"organisations": [asdict(o) for o in orgs], "streams": [asdict(s) for s in streams]}
    return json.dumps(doc, ensure_ascii=False, indent=1)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, list):  # every item guarded: Danish Excel may split the cell on ';'
        return ";".join(guard_formula(str(v)) for v in value)
    return guard_formula(str(value))


def to_csv(records: list[Organisation] | list[Stream], columns: tuple[str, ...]) -> str:
    return csv_text([list(columns), *([cell(asdict(record)[c]) for c in columns] for record in records)])


def organisations_csv(orgs: list[Organisation]) -> str:
    return to_csv(orgs, ORG_FIELDS)


def streams_csv(streams: list[Stream]) -> str:
    return to_csv(streams, STREAM_FIELDS)
