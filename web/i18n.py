"""Danish first: the locale of a request, the language switch, the message catalogue and one
set of filters for numbers, money, dates and codes, used by every page.

The locale is Danish unless the visitor chose English with the switch; the choice is kept in
a cookie (a year) and in the session, so it follows a signed-in user on this browser.
The catalogue (translations/da/LC_MESSAGES/messages.po) is compiled to .mo when the app
starts if the .mo is missing or older, so a fresh clone needs no build step.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask import Blueprint, Flask, g, redirect, request, session
from flask_babel import Babel, get_locale, gettext

from matchmaker.i18n import Message

from .labels import FIELDS, LABELS

LANGUAGES = ("da", "en")
DEFAULT = "da"
COOKIE = "lang"
TRANSLATIONS = Path(__file__).parent / "translations"
TIMEZONE = "Europe/Copenhagen"

bp = Blueprint("i18n", __name__)


def compile_catalogues(root: Path = TRANSLATIONS) -> list[Path]:
    """Compile every messages.po whose .mo is missing or older; returns the files written."""
    written = []
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        tmp = mo.with_suffix(f".mo.{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)  # whole or not at all: a second process never reads half a file
        written.append(mo)
    return written


def select_locale() -> str:
    if "lang_override" in g:
        return g.lang_override
    chosen = request.cookies.get(COOKIE) or session.get(COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT


def locale() -> str:
    return str(get_locale() or DEFAULT)


def decimal_comma() -> bool:
    """Whether numbers typed on this request are read the Danish way."""
    return locale() == "da"


def translate(text: Any) -> str:
    """A domain Message (or a code with a label) in the request's language; other text as it is."""
    if isinstance(text, Message):
        return text.render(gettext, number=num, label=label)
    if text is None:
        return ""
    return str(text)


def label(code: Any) -> str:
    """The name people read for a code (sector, material, unit, check ...); unknown codes as they are."""
    if code is None or code == "":
        return "–"
    msgid = LABELS.get(str(code))
    return gettext(msgid) if msgid else str(code)


def field_label(name: str) -> str:
    msgid = FIELDS.get(name, (name, ""))[0]
    return gettext(msgid) if name in FIELDS else name


def field_unit(name: str) -> str:
    unit = FIELDS.get(name, ("", ""))[1]
    return gettext(unit) if unit and unit not in ("EUR", "DKK") else unit


def num(value: Any, digits: int = 0) -> str:
    """1.500 and 0,54 in Danish, 1,500 and 0.54 in English; '–' for nothing."""
    if value is None or value == "":
        return "–"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(number, pattern, locale=locale())


def typed(value: Any) -> str:
    """A number as a form field holds it: ungrouped, with this page's decimal mark, so it reads back the same."""
    if value is None or value == "":
        return ""
    plain = f"{float(value):.15g}"
    return plain.replace(".", ",") if decimal_comma() else plain


def money(value: Any, currency: str = "DKK") -> str:
    """'DKK 240.000': the currency code first, whole units, grouped per locale."""
    return "–" if value is None else f"{currency}\u00a0{num(value)}"


def pct(value: Any, digits: int = 0) -> str:
    return "–" if value is None else f"{num(float(value) * 100, digits)}\u00a0%"


def _as_datetime(value: Any) -> date | datetime | None:
    if isinstance(value, (date, datetime)):
        return value
    if not value:
        return None
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text) if ("T" in text or " " in text.strip()) else date.fromisoformat(text)
    except ValueError:
        return None


def fdate(value: Any) -> str:
    """'3. dec. 2026' in Danish, 'Dec 3, 2026' in English; text that is not a date as it is."""
    parsed = _as_datetime(value)
    if parsed is None:
        return "–" if not value else str(value)
    day = parsed.date() if isinstance(parsed, datetime) else parsed
    return format_date(day, "medium", locale=locale())


def fdatetime(value: Any) -> str:
    """A moment in Copenhagen time: '3. dec. 2026 08.48'."""
    parsed = _as_datetime(value)
    if not isinstance(parsed, datetime):
        return fdate(value)
    return format_datetime(parsed, "medium", tzinfo=TIMEZONE, locale=locale()) if parsed.tzinfo else \
        format_datetime(parsed, "medium", locale=locale())


@bp.get("/lang/<any(da, en):code>")
def switch(code: str):
    """The language switch: remembered in a cookie for a year and in the session."""
    from .auth import _safe_next
    session[COOKIE] = code
    response = redirect(_safe_next(request.args.get("next")))
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=bool(request.is_secure))
    return response


def init_app(app: Flask) -> None:
    compile_catalogues()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    for name, fn in {"num": num, "typed": typed, "money": money, "pct": pct, "date": fdate, "datetime": fdatetime,
                     "label": label, "tr": translate, "field_label": field_label, "field_unit": field_unit}.items():
        app.add_template_filter(fn, name)

    @app.context_processor
    def language() -> dict[str, Any]:
        current = locale()
        return {"lang": current, "other_lang": "en" if current == "da" else "da"}
