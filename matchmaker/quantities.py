"""Numbers typed by people, and the quantity and timing a free-text description states.

One number parser serves forms and files (`read_number`, `parse_number`, used by
matchmaker.cells) and free text (`extract_quantity`). Danish writes '1.200' for one
thousand two hundred and '1,5' for one and a half; English the other way round. A lone
separator followed by exactly three digits is the ambiguous case: `read_number` says which
reading it took and what the other one would be, so a form can ask.

`extract_quantity("ca. 40 t om året")` finds an amount, its unit and its rate and returns it
per year in one of the stream units (t/yr, m3/yr, MWh/yr, pieces/yr), with a note that spells
out how it was read, including the assumption behind a rate per hour or per day.
`extract_timing` finds continuous, seasonal (with months) or batch (with an interval) supply.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

MAX_ABS = 1e13  # larger than any real turnover in EUR or quantity: surely a typo
HOURS_PER_YEAR = 8760   # a rate per hour is taken as running all year; said in the note
DAYS_PER_YEAR = 365
WEEKS_PER_YEAR = 52
_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_LONE_GROUP = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")


@dataclass(frozen=True)
class NumberReading:
    value: float
    ambiguous: bool = False
    note: str = ""          # for an ambiguous value: the reading taken and the other one


def read_number(value: Any, decimal_comma: bool = False) -> NumberReading:
    """Parse '1.234,5' (Danish), '1,234.5', '1234.5', '1 234' or a JSON number.

    A lone comma is a decimal comma. A lone dot is a decimal point, unless the file uses
    Danish conventions (decimal_comma) and the dot groups thousands. '1.200' and '1,200'
    are reported as ambiguous with both readings spelt out.

    >>> read_number("1.200", decimal_comma=True).note
    "'1.200' read as 1200 (dot groups thousands); it would be 1.2 with a decimal point"
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        return NumberReading(_checked(float(value), value))
    raw = str(value).strip()
    text = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if _THOUSANDS_DOT.match(text) and ("," in text or decimal_comma or text.count(".") > 1):
        number = float(text.replace(".", "").replace(",", "."))
    elif _THOUSANDS_COMMA.match(text) and ("." in text or text.count(",") > 1):
        number = float(text.replace(",", ""))
    elif _PLAIN.match(text):
        number = float(text.replace(",", "."))
    else:
        raise ValueError(f"not a number: {raw[:40]!r}")
    number = _checked(number, value)
    if _LONE_GROUP.match(text):
        sep, mark = ("dot", "point") if "." in text else ("comma", "comma")
        grouped = float(re.sub(r"[.,]", "", text))
        if number == grouped:
            note = f"'{raw}' read as {number:g} ({sep} groups thousands); it would be {_decimal(text):g} with a decimal {mark}"
        else:
            note = f"'{raw}' read as {number:g} (decimal {mark}); it would be {grouped:g} if the {sep} groups thousands"
        return NumberReading(number, True, note)
    return NumberReading(number)


def parse_number(value: Any, decimal_comma: bool = False) -> float:
    """The value of `read_number`: what forms and imported files use."""
    return read_number(value, decimal_comma).value


def read_text_number(text: str) -> NumberReading:
    """A number as written in running text, Danish or English: a lone separator followed by
    exactly three digits groups thousands ('2.000 m3', '1,200 t'); otherwise it is decimal.

    >>> read_text_number("150.000").value, read_text_number("1,5").value, read_text_number("1,200.5").value
    (150000.0, 1.5, 1200.5)
    """
    t = re.sub(r"[\s\u00a0\u202f']", "", text)
    if "." in t and "," in t:
        dec = max(t.rfind("."), t.rfind(","))
        number = float(re.sub(r"[.,]", "", t[:dec]) + "." + t[dec + 1:])
    elif t.count(".") > 1 or t.count(",") > 1:
        number = float(re.sub(r"[.,]", "", t))
    elif _LONE_GROUP.match(t) and not t.endswith("000"):   # nobody writes 2.000 for two in running text
        number = float(re.sub(r"[.,]", "", t))
        return NumberReading(_checked(number, text), True,
                             f"'{text}' read as {number:g} (thousands); it would be {_decimal(t):g} as a decimal")
    elif _LONE_GROUP.match(t):
        number = float(re.sub(r"[.,]", "", t))
    else:
        number = float(t.replace(",", "."))
    return NumberReading(_checked(number, text))


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x == int(x) else f"{x:,.6g}"


def _decimal(text: str) -> float:
    return float(text.replace(",", "."))


def _checked(number: float, value: Any) -> float:
    if not math.isfinite(number) or abs(number) > MAX_ABS:
        raise ValueError(f"number out of range: {value!r}")
    return number


# -- free text ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Quantity:
    per_year: float          # in `unit`
    unit: str                # t/yr, m3/yr, MWh/yr or pieces/yr
    low: float               # a range's ends per year (equal to per_year for one number)
    high: float
    phrase: str              # the words it was read from
    note: str                # how it was read, with any assumption

    def describe(self) -> str:
        return f"{_fmt(round(self.per_year, 3))} {self.unit} (from the text: {self.note})"


@dataclass(frozen=True)
class Timing:
    availability: str                 # continuous, seasonal or batch
    months: tuple[int, ...] = ()
    interval_days: int | None = None
    phrase: str = ""


_NUM = r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "twenty": 20, "fifty": 50, "hundred": 100, "a hundred": 100,
    "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7, "otte": 8, "ni": 9, "ti": 10, "elleve": 11,
    "tolv": 12, "tyve": 20, "halvtreds": 50, "hundrede": 100, "et hundrede": 100,
}
_SCALE = {"tusind": 1e3, "tusinde": 1e3, "thousand": 1e3, "k": 1e3, "mio": 1e6, "mio.": 1e6, "million": 1e6,
          "millioner": 1e6, "millions": 1e6, "mill.": 1e6, "mia": 1e9, "mia.": 1e9, "milliard": 1e9,
          "milliarder": 1e9, "billion": 1e9}
# unit word -> (stream unit, factor to it); a power (MW) is a rate per hour
_UNITS: dict[str, tuple[str, float]] = {}
for _names, _unit, _factor in (
    ("t ton tons tonne tonnes tonnage tons", "t/yr", 1.0), ("kg kilo kilogram kilograms kilos", "t/yr", 1e-3),
    ("kt kilotonnes kilotons", "t/yr", 1e3), ("mt megatonnes", "t/yr", 1e6),
    ("m3 m³ kubikmeter kbm cbm", "m3/yr", 1.0), ("l liter litre liters litres", "m3/yr", 1e-3),
    ("hl hektoliter hectolitres hectoliters", "m3/yr", 0.1),
    ("kwh", "MWh/yr", 1e-3), ("mwh", "MWh/yr", 1.0), ("gwh", "MWh/yr", 1e3), ("twh", "MWh/yr", 1e6),
    ("gj", "MWh/yr", 1 / 3.6), ("tj", "MWh/yr", 1e3 / 3.6),
    ("stk stk. styk pcs pcs. pieces piece units unit enheder", "pieces/yr", 1.0),
):
    for _n in _names.split():
        _UNITS[_n] = (_unit, _factor)
_UNITS["cubic metres"] = _UNITS["cubic meters"] = ("m3/yr", 1.0)
_POWER = {"kw": 1e-3, "mw": 1.0, "gw": 1e3}   # MW running for an hour is one MWh

# rate phrases -> periods per year
_PER = {"year": 1, "month": 12, "week": WEEKS_PER_YEAR, "day": DAYS_PER_YEAR, "hour": HOURS_PER_YEAR}
_RATE_WORDS = [
    ("year", r"om året|årligt|årlig|pr\.? ?år|per år|om år|hvert år|i året|a year|per year|per annum|p\.? ?a\.?|annually|yearly|"
             r"each year|every year|/ ?(?:år|yr|year|a)\b|tpa\b"),
    ("month", r"om måneden|månedligt|pr\.? ?måned|per måned|hver måned|i måneden|a month|per month|monthly|each month|"
              r"every month|/ ?(?:md|mdr|måned|month|mo)\b"),
    ("week", r"om ugen|ugentligt|ugentlig|pr\.? ?uge|per uge|hver uge|i ugen|a week|per week|weekly|each week|every week|"
             r"/ ?(?:uge|week|wk)\b"),
    ("day", r"om dagen|dagligt|daglig|pr\.? ?dag|per dag|hver dag|i døgnet|pr\.? ?døgn|per døgn|om døgnet|a day|per day|"
            r"daily|each day|every day|/ ?(?:dag|døgn|day|d)\b"),
    ("hour", r"i timen|pr\.? ?time|per time|hver time|an hour|per hour|hourly|every hour|/ ?(?:time|hour|h|t)\b"),
]
_RATE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _RATE_WORDS), re.IGNORECASE)
_APPROX = re.compile(r"(?:ca\.?|cirka|omkring|omtrent|knap|godt|næsten|about|around|approx\.?|approximately|roughly|"
                     r"some|nearly|almost|~)\s*$", re.IGNORECASE)
_UP_TO = re.compile(r"(?:op mod|op til|højst|maks\.?|max\.?|maksimalt|up to|at most|a maximum of|no more than)\s*$", re.IGNORECASE)
_AT_LEAST = re.compile(r"(?:mindst|minimum|min\.|over|mere end|at least|more than|over)\s*$", re.IGNORECASE)
_AMOUNT = re.compile(
    rf"(?<![\w.,])(?P<a>{_NUM}|(?:{'|'.join(sorted(map(re.escape, _WORD_NUMBERS), key=len, reverse=True))})(?=\s))"
    rf"(?:\s*(?:-|–|til|to)\s*(?P<b>{_NUM}))?"
    rf"(?:\s*(?P<scale>{'|'.join(sorted(map(re.escape, _SCALE), key=len, reverse=True))})(?![\w]))?"
    r"(?:\s*(?P<unit>[a-zA-Zæøå³3.]+(?:\s(?:metres|meters))?))?",
    re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÆØÅ])|\n")   # not after 'ca.' before a number
_GAP_WORDS = 6   # a rate may follow the amount by this many words ('750 ton returbeton og betonslam om året')


def extract_quantity(text: str, unit_hint: str | None = None) -> Quantity | None:
    """The yearly quantity a description states, or None when it states no rate.

    >>> extract_quantity("Vi har ca. 40 t om året").describe()
    "40 t/yr (from the text: 'ca. 40 t om året': about 40 t per year)"
    """
    found = [q for sentence in _SENTENCE.split(text or "") for q in _quantities(sentence)]
    if not found:
        return None
    measured = [q for q in found if q.unit != "pieces/yr"]
    for pool in ([q for q in found if q.unit == unit_hint], measured, found):
        if pool:
            return pool[0]
    return None


def _quantities(sentence: str) -> list[Quantity]:
    out = []
    frequency = _frequency(sentence)
    for m in _AMOUNT.finditer(sentence):
        try:
            low = _number(m.group("a"))
            high = _number(m.group("b")) if m.group("b") else low
        except ValueError:
            continue
        if m.group("scale"):
            scale = _SCALE[m.group("scale").lower()]
            low, high = low * scale, high * scale
        unit_word = (m.group("unit") or "").lower().rstrip(".")
        unit_word = unit_word if unit_word in _UNITS or unit_word in _POWER else unit_word.split("/")[0].rstrip(".")
        if unit_word in _POWER:
            unit, factor, per = "MWh/yr", _POWER[unit_word], "hour"
        elif unit_word in _UNITS:
            unit, factor = _UNITS[unit_word]
            per = _rate_after(sentence[m.start("unit") + len(m.group("unit").split("/")[0]):]) if m.group("unit") else None
        else:
            unit, factor = "pieces/yr", 1.0
            per = _rate_after(sentence[m.end("b") if m.group("b") else m.end("a"):])
            if per is None or _looks_like_measure(m, sentence):
                continue
        if per is None:
            per = frequency or _batch_rate(sentence)
        if per is None or high < low:
            continue
        periods = _PER[per] if isinstance(per, str) else per
        before = sentence[:m.start()]
        qualifier = ("about " if _APPROX.search(before) else "up to " if _UP_TO.search(before)
                     else "at least " if _AT_LEAST.search(before) else "")
        mid = (low + high) / 2
        phrase = _phrase(sentence, m)
        amount = f"{_fmt(low)}-{_fmt(high)}" if high != low else _fmt(low)
        shown_unit = m.group("unit").split("/")[0] if unit != "pieces/yr" else "pieces"
        per_text = per if isinstance(per, str) else f"{365 / periods:g} days"
        note = f"'{phrase}': {qualifier}{amount} {shown_unit} per {per_text}"
        if high != low:
            note += ", the middle of the range"
        if per == "hour":
            note += f", assuming operation all year ({HOURS_PER_YEAR:,} h)"
        elif per == "day":
            note += f", assuming every day of the year ({DAYS_PER_YEAR} days)"
        elif not isinstance(per, str):
            note += f", that is {periods:.3g} batches a year"
        readings = [read_text_number(g) for g in (m.group("a"), m.group("b")) if g and g.lower() not in _WORD_NUMBERS]
        note += "".join(f"; {r.note}" for r in readings if r.ambiguous)
        out.append(Quantity(mid * factor * periods, unit, low * factor * periods, high * factor * periods, phrase, note))
    return out


def _number(text: str) -> float:
    key = text.lower()
    if key in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[key])
    return read_text_number(text).value


def _scale_word(m: re.Match) -> str:
    return m.group("scale").lower().rstrip(".")


def _rate_after(rest: str) -> str | None:
    """The rate named within a few words after the amount, before any other number."""
    head = re.split(r"\d", rest, maxsplit=1)[0]
    words = head.split()
    window = " ".join(words[:_GAP_WORDS + 3])
    if rest.lstrip().startswith("/"):
        window = rest.lstrip()[:12]
    m = _RATE.search(window)
    if m is None:
        return None
    if len(window[:m.start()].split()) > _GAP_WORDS:
        return None
    return m.lastgroup


def _looks_like_measure(m: re.Match, sentence: str) -> bool:
    """A bare number that is a temperature, percentage, year, size or price, not a count."""
    end = m.end("b") if m.group("b") else m.end("a")
    after = sentence[end:end + 12].lower()
    value = m.group("a")
    return bool(re.match(r"\s*(?:°|%|procent|percent|grader|degrees|cm|mm|km|m\b|meter|metre|kr|dkk|eur|€|år\b|years?\b|"
                         r"timer|hours|dage|days|uger|weeks|måneder|months)", after)) or (
        re.fullmatch(r"(?:19|20)\d\d", value) is not None)


_FREQ = re.compile(r"\b(?:(?P<weekly>weekly|ugentlige?|hver uge|every week)|(?P<daily>daily|dagligt?|daglige|hver dag|every day)|"
                   r"(?P<monthly>monthly|månedlige?|hver måned|every month)|(?P<yearly>yearly|annual|årlige?))\b", re.IGNORECASE)


def _frequency(sentence: str) -> str | None:
    """A frequency word that applies to amounts in the sentence ('weekly batches of 5 t')."""
    m = _FREQ.search(sentence)
    if m is None:
        return None
    return {"weekly": "week", "daily": "day", "monthly": "month", "yearly": "year"}[m.lastgroup]


_EVERY = re.compile(r"(?:every|hver|hvert)\s+(?P<n>\d+|other|anden|andet|second|third|tredje)?\s*"
                    r"(?P<unit>days?|dage?|weeks?|uger?|months?|måneder?|måned|uge|dag)\b", re.IGNORECASE)
_TIMES = re.compile(r"(?P<n>\d+|to|tre|fire|fem|seks|two|three|four|five|six|ten|ti|tolv|twelve)\s*"
                    r"(?:times|gange)\s*(?:a|per|pr\.?|om|i)\s*(?P<per>year|år|året|month|måneden|måned|week|ugen|uge)",
                    re.IGNORECASE)


def _batch_rate(sentence: str) -> float | None:
    """Batches a year from 'every 2 weeks', 'hver anden måned', '4 gange om året'."""
    days = _interval_days(sentence)
    return DAYS_PER_YEAR / days if days else None


def _interval_days(sentence: str) -> int | None:
    m = _EVERY.search(sentence)
    if m:
        n_text = (m.group("n") or "1").lower()
        n = {"other": 2, "anden": 2, "andet": 2, "second": 2, "third": 3, "tredje": 3}.get(n_text) or int(n_text)
        unit = m.group("unit").lower()
        size = 1 if unit.startswith(("day", "dag")) else 7 if unit.startswith(("week", "uge")) else 30
        return n * size
    m = _TIMES.search(sentence)
    if m:
        n_text = m.group("n").lower()
        n = int(n_text) if n_text.isdigit() else _WORD_NUMBERS.get(n_text, 0)
        per = m.group("per").lower()
        span = 365 if per.startswith(("year", "år")) else 30 if per.startswith(("month", "måned")) else 7
        return max(1, round(span / n)) if n else None
    return None


def _phrase(sentence: str, m: re.Match) -> str:
    start = m.start()
    before = sentence[:start]
    qual = _APPROX.search(before) or _UP_TO.search(before) or _AT_LEAST.search(before)
    if qual:
        start = qual.start()
    end = m.end()
    rate = _RATE.search(sentence, end)
    if rate and len(sentence[end:rate.start()].split()) <= _GAP_WORDS:
        end = rate.end()
    return sentence[start:end].strip(" ,.;")


def stream_amount(stream: Any) -> tuple[float | None, str | None, Quantity | None]:
    """A stream's quantity per year and unit: the structured one, else the one its text states
    (with how it was read), else (None, None, None)."""
    if stream.quantity and stream.unit:
        return stream.quantity, stream.unit, None
    found = extract_quantity(stream.text, stream.unit)
    return (found.per_year, found.unit, found) if found and found.per_year > 0 else (None, None, None)


# -- timing ------------------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "januar": 1, "january": 1, "feb": 2, "februar": 2, "february": 2, "mar": 3, "mar.": 3, "marts": 3,
    "march": 3, "apr": 4, "april": 4, "maj": 5, "may": 5, "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7,
    "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oct": 10, "oktober": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_SEASONS = {"summer": (6, 7, 8), "sommer": (6, 7, 8), "sommeren": (6, 7, 8), "winter": (12, 1, 2), "vinter": (12, 1, 2),
            "vinteren": (12, 1, 2), "autumn": (9, 10, 11), "fall": (9, 10, 11), "efterår": (9, 10, 11),
            "efteråret": (9, 10, 11), "spring": (3, 4, 5), "forår": (3, 4, 5), "foråret": (3, 4, 5),
            "harvest": (8, 9, 10), "høst": (8, 9, 10), "høsten": (8, 9, 10), "høstsæsonen": (8, 9, 10)}
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True)).replace(".", r"\.")
_MONTH_RANGE = re.compile(rf"\b(?P<a>{_MONTH_WORD})\.?\s*(?:-|–|til|to|through|until|—)\s*(?P<b>{_MONTH_WORD})\b\.?", re.IGNORECASE)
_SEASONAL = re.compile(r"\b(?:seasonal|seasonally|sæsonbestemt|sæsonpræget|sæsonvis|i sæsonen|in season|sæson)\b", re.IGNORECASE)
_SEASON_WORD = re.compile(rf"\b(?:in|i|during|om|hen over|over)\s+(?:the\s+)?(?P<s>{'|'.join(_SEASONS)})\b", re.IGNORECASE)
_BATCH = re.compile(r"\b(?:batch|batches|batchvis|portioner|partier|parti|one-off|engangs\w*|campaigns?|kampagner?)\b", re.IGNORECASE)
_CONTINUOUS = re.compile(r"\b(?:continuous|continuously|all year|year-round|year round|around the clock|24/7|"
                         r"kontinuerlig|kontinuerligt|løbende|hele året|året rundt|døgnet rundt|stabil leverance|"
                         r"every day|daily|dagligt|hver dag)\b", re.IGNORECASE)


def extract_timing(text: str) -> Timing | None:
    """Continuous, seasonal (with its months) or batch (with its interval) supply, or None.

    >>> extract_timing("seasonal, Sept-Nov")
    Timing(availability='seasonal', months=(9, 10, 11), interval_days=None, phrase='Sept-Nov')
    """
    text = text or ""
    m = _MONTH_RANGE.search(text)
    if m:
        a, b = _MONTHS[m.group("a").lower()], _MONTHS[m.group("b").lower()]
        months, month = [], a
        while True:
            months.append(month)
            if month == b:
                break
            month = month % 12 + 1
        return Timing("seasonal", tuple(sorted(months)), None, m.group(0).strip())
    s = _SEASON_WORD.search(text)
    if s and (_SEASONAL.search(text) or not _CONTINUOUS.search(text)):
        return Timing("seasonal", tuple(sorted(_SEASONS[s.group("s").lower()])), None, s.group(0))
    if _SEASONAL.search(text):
        return Timing("seasonal", (), None, _SEASONAL.search(text).group(0))
    days = _interval_days(text)
    batch = _BATCH.search(text)
    freq = _frequency(text) if batch else None
    if batch or days:
        if days is None and freq:
            days = {"day": 1, "week": 7, "month": 30, "year": 365}[freq]
        return Timing("batch", (), days, (batch or _EVERY.search(text) or _TIMES.search(text)).group(0))
    c = _CONTINUOUS.search(text)
    if c:
        return Timing("continuous", (), None, c.group(0))
    return None
