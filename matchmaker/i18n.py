"""Messages the domain shows people, marked for translation without importing Flask.

The domain writes English; a sentence meant for a page is built as a `Message`: a str (so
logs, the CLI, JSON and existing callers keep working with the English text) that also
carries its msgid and parameters. The web layer translates it with gettext and fills in the
parameters (web.i18n.translate). `N_` only marks a constant msgid for extraction.

>>> m = msg("'{raw}' is ambiguous: it reads {a} or {b}", raw="1.200", a="1200", b="1.2")
>>> str(m), m.msgid, m.params["raw"]
("'1.200' is ambiguous: it reads 1200 or 1.2", "'{raw}' is ambiguous: it reads {a} or {b}", '1.200')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class Message(str):
    """English text that remembers its msgid and parameters for a translator."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, params: dict[str, Any] | None = None) -> Message:
        params = params or {}
        text = str.__new__(cls, msgid.format(**params) if params else msgid)
        text.msgid = msgid
        text.params = params
        return text

    def render(self, gettext: Any, number: Callable[[float, int], str] | None = None,
               label: Callable[[str], str] | None = None) -> str:
        """The text in the language `gettext` translates to (English when it has no entry);
        `number` formats Num parameters and `label` names Code parameters for that language."""
        template = gettext(self.msgid)
        params = {k: _local(v, gettext, number, label) for k, v in self.params.items()}
        try:
            return template.format(**params) if params else template
        except (KeyError, IndexError, ValueError):  # a broken translation never breaks a page
            return str(self)


class Num(float):
    """A number inside a message: English grouping in the English text ('1,500,000'), the
    reader's own when the page translates it ('1.500.000')."""

    digits: int

    def __new__(cls, value: float, digits: int | None = None) -> Num:
        number = float.__new__(cls, value)
        if digits is None:  # as few decimals as the value needs, at most two
            digits = 0 if float(value).is_integer() else 1 if round(value, 1) == value else 2
        number.digits = digits
        return number

    def __format__(self, spec: str) -> str:
        return format(float(self), spec) if spec else f"{float(self):,.{self.digits}f}"

    def __str__(self) -> str:
        return format(self, "")


class Code(str):
    """A code inside a message (a sector, a material) that a page shows by its name."""


class Joined(Message):
    """Sentences or phrases joined by a separator, each translated on its own."""

    parts: list[Any]
    sep: str

    def __new__(cls, parts: Iterable[Any], sep: str = "; ") -> Joined:
        parts = [p for p in parts if p]
        text = str.__new__(cls, sep.join(str(p) for p in parts))
        text.msgid, text.params, text.parts, text.sep = str(text), {}, parts, sep
        return text

    def render(self, gettext: Any, number: Callable[[float, int], str] | None = None,
               label: Callable[[str], str] | None = None) -> str:
        return self.sep.join(_local(p, gettext, number, label) for p in self.parts)


def _local(value: Any, gettext: Any, number: Callable[[float, int], str] | None,
           label: Callable[[str], str] | None) -> Any:
    if isinstance(value, Message):
        return value.render(gettext, number, label)
    if isinstance(value, Num) and number is not None:
        return number(float(value), value.digits)
    if isinstance(value, Code) and label is not None:
        return label(str(value))
    return value


def join(parts: Iterable[Any], sep: str = "; ") -> Joined:
    """Parts (Messages or plain text; empty ones dropped) as one translatable text."""
    return Joined(parts, sep)


def msg(msgid: str, **params: Any) -> Message:
    return Message(msgid, params)


def N_(msgid: str) -> str:
    """Marks a constant for message extraction; translated where it is shown."""
    return msgid
