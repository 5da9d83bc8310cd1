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

    def render(self, gettext: Any) -> str:
        """The text in the language `gettext` translates to (English when it has no entry)."""
        template = gettext(self.msgid)
        try:
            return template.format(**self.params) if self.params else template
        except (KeyError, IndexError, ValueError):  # a broken translation never breaks a page
            return str(self)


def msg(msgid: str, **params: Any) -> Message:
    return Message(msgid, params)


def N_(msgid: str) -> str:
    """Marks a constant for message extraction; translated where it is shown."""
    return msgid
