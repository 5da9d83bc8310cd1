"""Turning one raw cell (text from CSV/Excel, or a JSON value) into a typed value.

Each parser raises ValueError with a message meant for the user.
"""

from __future__ import annotations

import math
import re
from typing import Any

_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
TRUE = {"true", "yes", "ja", "1", "y", "j", "sand", "x"}
FALSE = {"false", "no", "nej", "0", "n", "falsk"}
MAX_ABS = 1e13  # larger than any real turnover in EUR or quantity: surely a typo


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or (
        isinstance(value, float) and math.isnan(value))


def parse_number(value: Any, decimal_comma: bool = False) -> float:
    """Parse '1.234,5' (Danish), '1,234.5', '1234.5', '1 234' or a JSON number.

    A lone comma is a decimal comma. A lone dot is a decimal point, unless the
    file uses Danish conventions (decimal_comma) and the dot groups thousands.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
        if _THOUSANDS_DOT.match(text) and ("," in text or decimal_comma or text.count(".") > 1):
            text = text.replace(".", "").replace(",", ".")
        elif _THOUSANDS_COMMA.match(text) and ("." in text or text.count(",") > 1):
            text = text.replace(",", "")
        elif _PLAIN.match(text):
            text = text.replace(",", ".")
        else:
            raise ValueError(f"not a number: {str(value)[:40]!r}")
        number = float(text)
    if not math.isfinite(number) or abs(number) > MAX_ABS:
        raise ValueError(f"number out of range: {value!r}")
    return number


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
    return [part.strip() for part in str(value).split(";") if part.strip()]


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
