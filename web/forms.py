"""The organisation and stream forms as people fill them in: a widget per field (choices for
enumerations, yes/no for flags, a unit beside numbers), numbers read in the page's language
with the one parser (matchmaker.typed), and problems placed next to their field.

The domain (trust.editing, io.validate) still gets the same text an import file would hold:
numbers are handed over in plain notation once read, so '1.200' typed on a Danish form is
1200 and never a decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from matchmaker import model
from matchmaker.io.validate import ORG_SPEC, STREAM_SPEC
from matchmaker.typed import TypedNumberError, read_typed

from .i18n import decimal_comma, field_label, field_unit, label, num, translate

CHOICES: dict[str, tuple[str, ...]] = {
    "kind": model.KINDS, "sector": model.SECTORS, "direction": model.DIRECTIONS, "language": model.LANGUAGES,
    "material": model.MATERIALS, "unit": model.UNITS, "availability": model.AVAILABILITY, "fate": model.FATES,
    "confidentiality": model.CONFIDENTIALITY, "de_minimis_regulation": model.DE_MINIMIS_REGULATIONS,
}
FLAGS = ("in_difficulty", "primary_production", "invented")
LONG_TEXT = ("description", "profile")
DATES = ("de_minimis_declared",)
INTEGERS = ("founded_year", "closed_financial_years", "last_accounts_year", "interval_days")
NUMERIC = frozenset(k for spec in (ORG_SPEC, STREAM_SPEC) for k, (_, _, numeric) in spec.items() if numeric)


@dataclass
class Field:
    name: str
    value: str
    label: str
    widget: str                     # text, textarea, select, flag, number, date, readonly
    unit: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    required: bool = False
    error: str = ""
    echo: str = ""                  # a number as it was understood: '= 1.200 t/år'
    help: str = ""


def _unit_for(name: str, values: dict[str, str]) -> str:
    if name == "quantity":
        return label(values.get("unit")) if values.get("unit") else ""
    if name in ("price_dkk_per_unit", "treatment_cost_dkk_per_unit"):
        unit = (values.get("unit") or "").split("/")[0]
        return f"DKK/{label(unit)}" if unit else "DKK"
    return field_unit(name)


def read_numbers(raw: dict[str, str]) -> tuple[dict[str, str], dict[str, str], dict[str, float]]:
    """Numbers read the page's way: (values for the domain, errors per field, what was understood)."""
    out, errors, understood = dict(raw), {}, {}
    for name, text in raw.items():
        if name not in NUMERIC or not (text or "").strip():
            continue
        try:
            value = read_typed(text, decimal_comma())
        except TypedNumberError as exc:
            errors[name] = translate(exc.message)
            continue
        if value is not None:
            understood[name] = value
            out[name] = f"{value:.15g}"
    return out, errors, understood


def build_fields(kind: str, values: dict[str, str], locked: tuple[str, ...], new: bool,
                 errors: dict[str, str] | None = None, understood: dict[str, float] | None = None) -> list[Field]:
    """The form's fields in the order of the import columns, each with its widget and any problem."""
    spec = ORG_SPEC if kind == "organisation" else STREAM_SPEC
    errors, understood = errors or {}, understood or {}
    fields = []
    for name, value in values.items():
        value = value or ""
        required = bool(spec.get(name, (None, False, False))[1])
        f = Field(name, value, field_label(name), "text", unit=_unit_for(name, values), required=required,
                  error=errors.get(name, ""))
        if name in locked or (name == "id" and not new) or (name == "org_id" and kind == "stream"):
            f.widget = "readonly"
        elif name in CHOICES:
            f.widget = "select"
            f.choices = ([] if required else [("", "–")]) + [(c, label(c)) for c in CHOICES[name]]
        elif name in FLAGS:
            f.widget = "flag"
            f.choices = [("", gettext("unknown")), ("true", gettext("yes")), ("false", gettext("no"))]
            f.value = {"1": "true", "ja": "true", "yes": "true", "0": "false", "nej": "false", "no": "false"}.get(
                value.strip().lower(), value.strip().lower())
        elif name in LONG_TEXT:
            f.widget = "textarea"
        elif name in DATES:
            f.widget = "date"
        elif name in NUMERIC:
            f.widget = "number"
            if name in understood and not f.error:
                digits = 0 if name in INTEGERS or float(understood[name]).is_integer() else 2
                f.echo = f"= {num(understood[name], digits)}{(' ' + f.unit) if f.unit else ''}"
            elif value and not f.error and name not in INTEGERS:
                f.value = _shown_number(value)
        if name == "ewc":
            f.help = "ewc"
        if name == "confidentiality":
            f.help = "confidentiality"
        fields.append(f)
    return fields


def _shown_number(text: str) -> str:
    """A stored number as this page writes it (1200.5 -> '1200,5' in Danish), ungrouped so it reads back the same."""
    try:
        value = float(text)
    except ValueError:
        return text
    plain = f"{value:.15g}"
    return plain.replace(".", ",") if decimal_comma() else plain


def field_errors(problems: list[Any]) -> tuple[dict[str, str], list[str]]:
    """Domain problems split into those of a field (shown next to it) and the rest."""
    per_field: dict[str, str] = {}
    general: list[str] = []
    for p in problems:
        column = getattr(p, "column", None)
        text = translate(getattr(p, "message", p))
        if column:
            per_field[column] = f"{per_field[column]} {text}" if column in per_field else text
        else:
            general.append(text)
    return per_field, general
