"""Turning one raw cell (text from CSV/Excel, or a JSON value) into a typed value.

Each parser raises ValueError with a message meant for the user.
"""

from __future__ import annotations

import math
import re
from typing import Any

from matchmaker.quantities import MAX_ABS, parse_number, read_number  # noqa: F401  (one number parser, re-exported)

TRUE = {"true", "yes", "ja", "1", "y", "j", "sand", "x"}
FALSE = {"false", "no", "nej", "0", "n", "falsk"}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or (
        isinstance(value, float) and math.isnan(value))


def parse_int(value: Any, decimal_comma: bool = False) -> int:
    number = parse_number(value, decimal_comma)
    if number != int(number):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"expected true/false (or ja/nej), got {str(value)[:40]!r}")


def parse_choice(value: Any, choices: tuple[str, ...]) -> str:
    text = str(value).strip()
    if text in choices:
        return text
    lowered = text.lower().replace("-", "_").replace(" ", "_")
    for choice in choices:
        if choice.lower() == lowered:
            return choice
    raise ValueError(f"unknown value {text[:40]!r}; expected one of: {', '.join(choices)}")


def parse_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    # each item of an exported list is guarded on its own (see matchmaker.io.exporter.cell)
    return [unguard_formula(part.strip()) for part in str(value).split(";") if part.strip()]


def parse_months(value: Any) -> list[int]:
    """'8-10', '5,6,7', '11-2' (wraps the year end) or a JSON list -> sorted months."""
    if isinstance(value, list):
        parts = [str(v) for v in value]
    else:
        parts = re.split(r"[;,\s]+", str(value).strip())
    months: set[int] = set()
    for part in filter(None, parts):
        bounds = part.split("-")
        try:
            ends = [int(b) for b in bounds]
        except ValueError:
            raise ValueError(f"months must be numbers 1-12 like '8-10' or '5,6,7', got {part!r}") from None
        if len(ends) > 2 or any(not 1 <= m <= 12 for m in ends):
            raise ValueError(f"months must be 1-12 like '8-10' or '5,6,7', got {part!r}")
        start, end = ends[0], ends[-1]
        month = start
        while True:
            months.add(month)
            if month == end:
                break
            month = month % 12 + 1
    return sorted(months)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(text: str) -> str:
    """Prefix a quote so spreadsheets show the text instead of running it.

    The importer strips that quote again (see `unguard_formula`), so the round trip is lossless.
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def unguard_formula(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


# A field Excel splits on ';' or a tab (Danish Excel opening a comma-separated file) starts a
# new cell there: guard what follows too. `unguard_csv` undoes it when the file is read back.
_INNER_FORMULA = re.compile(r"([;\t] *)([=+\-@])")
_INNER_GUARDED = re.compile(r"([;\t] *)'([=+\-@])")


def unguard_csv(text: str) -> str:
    """Undo csv_field's guards (at the start and after each ';' or tab)."""
    return unguard_formula(_INNER_GUARDED.sub(r"\1\2", text))


_QUOTE_IF = (",", ";", "\t", '"', "\n", "\r")


def csv_field(value: Any) -> str:
    """One CSV field that no spreadsheet turns into a formula or splits: text is guarded, and
    quoted when it holds a comma, a semicolon (Danish Excel splits on ';'), a tab, a quote or a line break."""
    if value is None:
        return ""
    text = _INNER_FORMULA.sub(r"\1'\2", guard_formula(value)) if isinstance(value, str) else str(value)
    if any(ch in text for ch in _QUOTE_IF) or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(rows: list[list[Any]] | Any) -> str:
    """Rows of fields as CSV text (comma-separated, one line per row), every field through csv_field."""
    return "".join(",".join(csv_field(v) for v in row) + "\n" for row in rows)
