"""Numbers people type into a form, read in the language of the form.

The one number parser is matchmaker.quantities.read_number; this adds the form's rule for
its ambiguous case, a lone separator before exactly three digits. The separator that groups
thousands in the form's language groups them ('1.200' on a Danish form, '1,200' on an
English one); the other one would be a decimal mark that nobody writes with three trailing
digits, so the value is refused with both readings spelt out rather than guessed.
"""

from __future__ import annotations

import re
from typing import Any

from matchmaker.i18n import N_, Message, msg
from matchmaker.quantities import read_number

_LONE_GROUP = re.compile(r"^[+-]?[1-9]\d{0,2}([.,])\d{3}$")


class TypedNumberError(ValueError):
    """A typed value that is not a number, or whose reading depends on the language."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message


def _plain(x: float) -> str:
    return f"{x:.15g}"


def read_typed(value: Any, decimal_comma: bool) -> float | None:
    """The number a person typed; None for an empty field.

    >>> read_typed("1.200", decimal_comma=True), read_typed("100.000", True), read_typed("1,5", True)
    (1200.0, 100000.0, 1.5)
    >>> read_typed("1,200", decimal_comma=False), read_typed("1.5", False), read_typed("1.234,5", False)
    (1200.0, 1.5, 1234.5)
    >>> try:
    ...     read_typed("1.200", decimal_comma=False)
    ... except TypedNumberError as e:
    ...     print(e)
    '1.200' is ambiguous: 1.2 with a decimal point, or 1200 with a dot grouping thousands. Write 1200 or 1.2 so there is no doubt.
    """
    if value is None:
        return None
    text = str(value).strip().replace("\u00a0", " ").replace("\u202f", " ")
    if not text:
        return None
    squeezed = text.replace(" ", "")
    lone = _LONE_GROUP.match(squeezed)
    if lone:
        sep = lone.group(1)
        grouped = float(squeezed.replace(sep, ""))
        if sep == ("." if decimal_comma else ","):
            return grouped
        decimal = float(squeezed.replace(",", "."))
        shown = _plain(decimal).replace(".", ",") if decimal_comma else _plain(decimal)
        template = (N_("'{raw}' is ambiguous: {decimal} with a decimal point, or {grouped} with a dot grouping thousands. "
                       "Write {grouped} or {decimal} so there is no doubt.") if sep == "." else
                    N_("'{raw}' is ambiguous: {decimal} with a decimal comma, or {grouped} with a comma grouping thousands. "
                       "Write {grouped} or {decimal} so there is no doubt."))
        raise TypedNumberError(msg(template, raw=text, decimal=shown, grouped=_plain(grouped)))
    try:
        return read_number(squeezed, decimal_comma).value
    except ValueError:
        raise TypedNumberError(msg("'{raw}' is not a number", raw=text[:40])) from None
