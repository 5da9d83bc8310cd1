"""Checking one raw record (a CSV/Excel row or a JSON object) against the domain.

`parse_organisation` and `parse_stream` return the typed record and a list of
(column, message) problems; a record with problems is never stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from matchmaker import cells, model, reference
from matchmaker.i18n import Message, msg

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
MAX_TEXT = {"name": 200, "title": 200, "profile": 4000, "description": 4000, "contact_person": 120}

ColumnProblems = list[tuple[str, str]]


def _id(value: Any) -> str:
    text = str(value).strip()
    if not ID_PATTERN.match(text):
        raise ValueError(msg("ids are 1-64 letters, digits, '.', '_' or '-', got {got!r}", got=text[:40]))
    return text


def _text(name: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip()
        if "\x00" in text:
            raise ValueError(msg("contains a NUL character"))
        if len(text) > MAX_TEXT.get(name, 4000):
            raise ValueError(msg("longer than {n} characters", n=MAX_TEXT.get(name, 4000)))
        return text
    return parse


def _cvr(value: Any) -> str:
    text = re.sub(r"[\s-]", "", str(value)).removeprefix("DK")
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not reference.cvr_is_valid(text):
        raise ValueError(msg("{got!r} is not a valid CVR number (8 digits, modulus-11 check)", got=str(value)[:20]))
    return text


def _nace(value: Any) -> str:
    text = str(value).strip()
    if text not in reference.nace_codes():
        raise ValueError(msg("unknown NACE Rev. 2 code {got!r}", got=text[:20]))
    return text


def _postcode(value: Any) -> str:
    text = str(value).strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = f"{int(value):04d}"
    if text not in reference.postcodes():
        raise ValueError(msg("unknown Danish postcode {got!r}", got=text[:20]))
    return text


def _ewc(value: Any) -> str:
    code = reference.normalise_ewc(str(value))
    if code not in reference.ewc_codes():
        raise ValueError(msg("unknown EWC code {got!r}", got=str(value)[:20]))
    return code


def _non_negative(parser: Callable[[Any, bool], float]) -> Callable[[Any, bool], float]:
    def parse(value: Any, decimal_comma: bool) -> float:
        number = parser(value, decimal_comma)
        if number < 0:
            raise ValueError(msg("must not be negative, got {got!r}", got=value))
        return number
    return parse


def _positive(value: Any, decimal_comma: bool) -> float:
    number = cells.parse_number(value, decimal_comma)
    if number <= 0:
        raise ValueError(msg("must be greater than zero, got {got!r}", got=value))
    return number


def _year(value: Any, decimal_comma: bool) -> int:
    year = cells.parse_int(value, decimal_comma)
    if not 1600 <= year <= date.today().year:
        raise ValueError(msg("founding year {year} is not between 1600 and this year", year=year))
    return year


def _accounts_year(value: Any, decimal_comma: bool) -> int:
    year = cells.parse_int(value, decimal_comma)
    if not 1900 <= year <= date.today().year:
        raise ValueError(msg("accounts year {year} is not between 1900 and this year", year=year))
    return year


def _date(value: Any) -> str:
    """A date as YYYY-MM-DD (an Excel date cell arrives as a datetime); not in the future."""
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(msg("expected a date YYYY-MM-DD, got {got!r}", got=str(value)[:20])) from None
    if day > date.today():
        raise ValueError(msg("date {day} is in the future", day=day.isoformat()))
    return day.isoformat()


EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)+[A-Za-z]{2,24}$")
PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{5,22}$")


def _email(value: Any) -> str:
    text = str(value).strip()
    if not EMAIL.match(text):
        raise ValueError(msg("{got!r} is not an e-mail address", got=text[:60]))
    return text


def _phone(value: Any) -> str:
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not PHONE.match(text) or sum(c.isdigit() for c in text) < 6:
        raise ValueError(msg("{got!r} is not a phone number (digits, spaces, +, - and brackets)", got=text[:30]))
    return text


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    return lambda value: cells.parse_choice(value, choices)



# column -> (parser, required, numeric?)
ORG_SPEC: dict[str, tuple[Callable[..., Any], bool, bool]] = {
    "id": (_id, True, False),
    "name": (_text("name"), True, False),
    "kind": (_choice(model.KINDS), True, False),
    "sector": (_choice(model.SECTORS), True, False),
    "postcode": (_postcode, True, False),
    "cvr": (_cvr, False, False),
    "nace": (_nace, False, False),
    "employees": (_non_negative(cells.parse_number), False, True),
    "turnover_eur": (_non_negative(cells.parse_number), False, True),
    "balance_sheet_eur": (_non_negative(cells.parse_number), False, True),
    "founded_year": (_year, False, True),
    "closed_financial_years": (_non_negative(cells.parse_int), False, True),
    "in_difficulty": (cells.parse_bool, False, False),
    "primary_production": (cells.parse_bool, False, False),
    "de_minimis_eur": (_non_negative(cells.parse_number), False, True),
    "de_minimis_regulation": (_choice(model.DE_MINIMIS_REGULATIONS), False, False),
    "de_minimis_declared": (_date, False, False),
    "last_accounts_year": (_accounts_year, False, True),
    "equity_eur": (cells.parse_number, False, True),
    "group_employees": (_non_negative(cells.parse_number), False, True),
    "group_turnover_eur": (_non_negative(cells.parse_number), False, True),
    "group_balance_sheet_eur": (_non_negative(cells.parse_number), False, True),
    "competences": (cells.parse_list, False, False),
    "profile": (_text("profile"), False, False),
    "contact_person": (_text("contact_person"), False, False),
    "contact_email": (_email, False, False),
    "contact_phone": (_phone, False, False),
    "invented": (cells.parse_bool, False, False),
}

STREAM_SPEC: dict[str, tuple[Callable[..., Any], bool, bool]] = {
    "id": (_id, True, False),
    "org_id": (_id, True, False),
    "direction": (_choice(model.DIRECTIONS), True, False),
    "title": (_text("title"), True, False),
    "language": (_choice(model.LANGUAGES), True, False),
    "material": (_choice(model.MATERIALS), True, False),
    "description": (_text("description"), False, False),
    "ewc": (_ewc, False, False),
    "quantity": (_positive, False, True),
    "unit": (_choice(model.UNITS), False, False),
    "availability": (_choice(model.AVAILABILITY), False, False),
    "months": (cells.parse_months, False, False),
    "interval_days": (_non_negative(cells.parse_int), False, True),
    "price_dkk_per_unit": (_non_negative(cells.parse_number), False, True),
    "treatment_cost_dkk_per_unit": (_non_negative(cells.parse_number), False, True),
    "fate": (_choice(model.FATES), False, False),
    "confidentiality": (_choice(model.CONFIDENTIALITY), False, False),
    "invented": (cells.parse_bool, False, False),
}

REQUIRED_ORG_COLUMNS = tuple(k for k, (_, req, _) in ORG_SPEC.items() if req)
REQUIRED_STREAM_COLUMNS = tuple(k for k, (_, req, _) in STREAM_SPEC.items() if req)


def _parse(spec: dict, raw: dict[str, Any], decimal_comma: bool) -> tuple[dict[str, Any], ColumnProblems]:
    values: dict[str, Any] = {}
    problems: ColumnProblems = []
    for column, (parser, required, numeric) in spec.items():
        value = raw.get(column)
        if cells.is_blank(value):
            if required:
                problems.append((column, msg("required value is missing")))
            continue
        try:
            values[column] = parser(value, decimal_comma) if numeric else parser(value)
        except ValueError as exc:
            problems.append((column, exc.args[0] if exc.args and isinstance(exc.args[0], Message) else str(exc)))
    return values, problems


def parse_organisation(raw: dict[str, Any], decimal_comma: bool = False) -> tuple[model.Organisation | None, ColumnProblems]:
    values, problems = _parse(ORG_SPEC, raw, decimal_comma)
    founded, closed = values.get("founded_year"), values.get("closed_financial_years")
    if founded is not None and closed is not None and closed > date.today().year - founded:
        problems.append(("closed_financial_years",
                         msg("{closed} closed financial years is impossible for a firm founded in {founded}", closed=closed, founded=founded)))
    if problems:
        return None, problems
    return model.Organisation(**values), []


def parse_stream(raw: dict[str, Any], decimal_comma: bool = False) -> tuple[model.Stream | None, ColumnProblems]:
    values, problems = _parse(STREAM_SPEC, raw, decimal_comma)
    if ("quantity" in values) != ("unit" in values) and not any(c in ("quantity", "unit") for c, _ in problems):
        problems.append(("unit" if "quantity" in values else "quantity",
                         msg("quantity and unit must be given together")))
    availability = values.get("availability", "continuous")
    if availability == "seasonal" and not values.get("months"):
        problems.append(("months", msg("a seasonal stream needs its months, e.g. '8-10'")))
    if availability != "seasonal" and values.get("months"):
        problems.append(("months", msg("months are only for seasonal streams, this one is {availability}", availability=availability)))
    if availability == "batch" and not values.get("interval_days"):
        problems.append(("interval_days", msg("a batch stream needs the days between batches")))
    if values.get("direction") == "need" and values.get("fate"):
        problems.append(("fate", msg("only offered streams have a current fate")))
    if problems:
        return None, problems
    return model.Stream(**values), []
