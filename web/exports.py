"""Tables people download: CSV for Danish Excel (semicolons, a BOM, decimal commas) and an
.xlsx twin with real numbers. Text goes through matchmaker.cells' formula guard in both."""

from __future__ import annotations

import io
import math
from typing import Any

from openpyxl import Workbook

from matchmaker.cells import csv_field, guard_formula


def _number_text(value: float | int, decimal_comma: bool) -> str:
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    text = f"{value:.10g}"
    return text.replace(".", ",") if decimal_comma else text


def excel_csv(rows: list[list[Any]], decimal_comma: bool = True) -> str:
    """CSV that Danish Excel opens in columns: ';' between fields, a UTF-8 BOM so 'æøå' survive,
    and numbers with a decimal comma (plain, ungrouped). With decimal_comma=False: commas and points."""
    sep = ";" if decimal_comma else ","
    lines = []
    for row in rows:
        cells = [_number_text(v, decimal_comma) if isinstance(v, (int, float)) and not isinstance(v, bool)
                 else csv_field(v) for v in row]
        lines.append(sep.join(cells))
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def xlsx_bytes(rows: list[list[Any]], sheet: str = "Data") -> bytes:
    """The same rows as a workbook: numbers stay numbers, text can never become a formula."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    for row in rows:
        ws.append([guard_formula(v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
