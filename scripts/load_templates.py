"""Read the demo templates in ``data/demo/templates/`` (TOML, described in its ``index.toml``).

Only the shape is checked here: unknown or missing fields, wrong types, duplicate keys,
unknown presets, files not listed in ``index.toml``. Every problem names the file and the
entry and all of them are raised together as one ``TemplateError``. What the templates refer
to (other templates, EWC and NACE codes, postcodes, the domain's enumerations) is checked by
``make_demo.check_templates``, which needs the reference tables.
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "data" / "demo" / "templates"
REQUIRED, ABSENT = object(), object()  # field markers: must be given / left to the dataclass default
Text = tuple[str, str]  # (title, description)


class TemplateError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("demo templates have problems:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class StreamTemplate:
    key: str
    direction: str  # offer | need
    material: str
    unit: str
    qty: tuple[float, float]
    da: tuple[Text, ...]
    en: tuple[Text, ...]
    ewc: tuple[str, ...] = ()
    avail: tuple[str, ...] = ("continuous",)  # "continuous", "seasonal:8-10", "batch:30-90"
    fate: tuple[str, ...] = ()
    price: tuple[float, float] | None = None  # DKK per unit
    cost: tuple[float, float] | None = None  # DKK per unit, what treatment costs today
    match: tuple[str, ...] = ()
    near: dict[str, str] = field(default_factory=dict)
    source: str = field(default="", compare=False)  # file it came from, for error messages


@dataclass(frozen=True)
class Archetype:
    key: str
    n: int
    sector: str
    nace: tuple[str, ...]
    names: tuple[str, ...]
    profile_da: str
    profile_en: str
    offers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    picks: tuple[tuple[tuple[str, ...], int, int], ...] = ()  # (stream keys, min, max)
    fte: tuple[float, float] = (8, 60)
    founded: tuple[int, int] = (1965, 2015)
    da: float = 0.5  # probability the firm writes Danish
    kind: str = "firm"
    primary: bool = False
    postcodes: tuple[str, ...] = ()
    forms: tuple[str, ...] = ("ApS", "ApS", "A/S")
    eur_per_fte: tuple[int, int] = (120_000, 260_000)
    qty_scale: dict[str, float] = field(default_factory=dict)  # stream key (or "*") -> factor
    competences: str = ""
    tags: tuple[str, ...] = ()
    source: str = field(default="", compare=False)


class Place(NamedTuple):
    prefix: str  # starts a name: "Østjysk Betongenbrug"
    area: str  # ends one: "Tekstilsortering Østjylland"
    postcodes: tuple[str, ...]


@dataclass(frozen=True)
class Templates:
    streams: dict[str, StreamTemplate]
    archetypes: tuple[Archetype, ...]
    real_orgs: tuple[dict[str, str], ...]
    places: dict[str, tuple[Place, ...]]  # region -> places; the first is the region-wide fallback
    region_weights: dict[str, float]
    rural: frozenset[str]
    surnames: tuple[str, ...]
    first_names: tuple[str, ...]
    extra: dict[tuple[str, str], tuple[str, ...]]  # ("offer" | "need" | "heat", language) -> sentences


# ---------------------------------------------------------------------------
# Field converters: TOML value -> Python value, ValueError when the type is wrong
# ---------------------------------------------------------------------------

def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError(f"expected a string, got {v!r}")
    return v


def _strs(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list):
        raise ValueError(f"expected a list of strings, got {v!r}")
    return tuple(_str(x) for x in v)


def _joined(v: Any) -> str:
    return ";".join(_strs(v))  # competences are one ';'-separated CSV cell


def _number(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"expected a number, got {v!r}")
    return v  # ints stay ints: the generator's arithmetic, and so the demo, depends on it


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected a whole number, got {v!r}")
    return v


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"expected true or false, got {v!r}")
    return v


def _pair(v: Any) -> tuple[float, float]:
    if not isinstance(v, list) or len(v) != 2:
        raise ValueError(f"expected [min, max], got {v!r}")
    lo, hi = _number(v[0]), _number(v[1])
    if lo > hi:
        raise ValueError(f"min {lo} is above max {hi}")
    return lo, hi


def _table(convert: Callable[[Any], Any]) -> Callable[[Any], dict[str, Any]]:
    def table(v: Any) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise ValueError(f"expected a table, got {v!r}")
        return {k: convert(x) for k, x in v.items()}
    return table


def _texts(v: Any) -> tuple[Text, ...]:
    if not isinstance(v, list) or not v:
        raise ValueError("expected one or more [[...]] tables with title and description")
    for t in v:
        if not isinstance(t, dict) or set(t) != {"title", "description"}:
            raise ValueError(f"expected exactly title and description, got {sorted(t) if isinstance(t, dict) else t!r}")
    return tuple((_str(t["title"]), _str(t["description"])) for t in v)


def _picks(v: Any) -> tuple[tuple[tuple[str, ...], int, int], ...]:
    if not isinstance(v, list) or any(not isinstance(p, dict) or set(p) != {"keys", "min", "max"} for p in v):
        raise ValueError(f"expected a list of {{ keys, min, max }}, got {v!r}")
    return tuple((_strs(p["keys"]), _int(p["min"]), _int(p["max"])) for p in v)


STREAM_SPEC = {
    "key": (_str, REQUIRED), "direction": (_str, REQUIRED), "material": (_str, REQUIRED),
    "unit": (_str, REQUIRED), "qty": (_pair, REQUIRED), "da": (_texts, REQUIRED), "en": (_texts, REQUIRED),
    "ewc": (_strs, ABSENT), "avail": (_strs, ABSENT), "fate": (_strs, ABSENT), "price": (_pair, ABSENT),
    "cost": (_pair, ABSENT), "match": (_strs, ABSENT), "near": (_table(_str), ABSENT),
}
OFFER_ONLY = ("fate", "cost", "match", "near")
ARCHETYPE_SPEC = {
    "key": (_str, REQUIRED), "n": (_int, REQUIRED), "sector": (_str, REQUIRED), "nace": (_strs, REQUIRED),
    "names": (_strs, REQUIRED), "profile_da": (_str, REQUIRED), "profile_en": (_str, REQUIRED),
    "preset": (_str, ABSENT), "offers": (_strs, ABSENT), "needs": (_strs, ABSENT), "picks": (_picks, ABSENT),
    "fte": (_pair, ABSENT), "founded": (_pair, ABSENT), "da": (_number, ABSENT), "kind": (_str, ABSENT),
    "primary": (_bool, ABSENT), "postcodes": (_strs, ABSENT), "forms": (_strs, ABSENT),
    "eur_per_fte": (_pair, ABSENT), "qty_scale": (_table(_number), ABSENT), "competences": (_joined, ABSENT),
    "tags": (_strs, ABSENT),
}
PRESET_SPEC = {k: (conv, ABSENT) for k, (conv, _) in ARCHETYPE_SPEC.items() if k not in ("key", "preset")}
ORG_SPEC = {k: (conv, REQUIRED) for k, conv in (
    ("name", _str), ("kind", _str), ("sector", _str), ("nace", _str), ("postcode", _str),
    ("competences", _joined), ("profile_da", _str), ("profile_en", _str))}
PLACE_SPEC = {"prefix": (_str, REQUIRED), "area": (_str, REQUIRED), "postcodes": (_strs, REQUIRED)}
PLACES_SPEC = {"rural": (_strs, REQUIRED), "surnames": (_strs, REQUIRED), "first_names": (_strs, REQUIRED),
               "region_weights": (_table(_number), REQUIRED), "places": (_table(lambda v: v), REQUIRED)}
EXTRA_SPEC = {kind: (_table(_strs), REQUIRED) for kind in ("offer", "need", "heat")}


def _fields(entry: Any, spec: dict[str, tuple[Callable[[Any], Any], object]], where: str,
            problems: list[str]) -> dict[str, Any]:
    """The entry's fields converted per ``spec``; problems are appended, not raised."""
    if not isinstance(entry, dict):
        problems.append(f"{where}: expected a table")
        return {}
    out: dict[str, Any] = {}
    problems += [f"{where}: unknown field {name!r}" for name in entry if name not in spec]
    for name, (convert, default) in spec.items():
        if name in entry:
            try:
                out[name] = convert(entry[name])
            except ValueError as e:
                problems.append(f"{where}: {name}: {e}")
        elif default is REQUIRED:
            problems.append(f"{where}: missing field {name!r}")
    return out


def _read(root: Path, rel: str, problems: list[str]) -> dict[str, Any]:
    try:
        with open(root / rel, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        problems.append(f"{rel}: {e}")
        return {}


def _entries(doc: dict[str, Any], table: str, rel: str, problems: list[str]) -> list[tuple[str, Any]]:
    """(where, entry) for each [[table]] in a file; other top-level keys are problems."""
    problems += [f"{rel}: unknown top-level key {k!r} (expected [[{table}]])" for k in doc if k != table]
    items = doc.get(table, [])
    if not isinstance(items, list):
        problems.append(f"{rel}: {table} must be an array of tables [[{table}]]")
        return []
    return [(f"{rel}: {table} {e.get('key', f'#{i + 1}') if isinstance(e, dict) else f'#{i + 1}'}", e)
            for i, e in enumerate(items)]


def _stream(entry: Any, where: str, rel: str, problems: list[str]) -> StreamTemplate | None:
    n_before = len(problems)
    kw = _fields(entry, STREAM_SPEC, where, problems)
    if kw.get("direction") == "offer" and "fate" not in kw:
        problems.append(f"{where}: an offer needs `fate` (what happens to the stream today)")
    if kw.get("direction") == "need":
        problems += [f"{where}: {name!r} is for offers only" for name in OFFER_ONLY if name in kw]
    elif kw.get("direction") not in (None, "offer"):
        problems.append(f"{where}: direction must be 'offer' or 'need', not {kw['direction']!r}")
    return StreamTemplate(**kw, source=rel) if len(problems) == n_before else None


def load_templates(root: Path = TEMPLATES_DIR) -> Templates:
    """All templates under ``root``; raises TemplateError listing every shape problem."""
    problems: list[str] = []
    index = _read(root, "index.toml", problems)
    index_fields = _fields(index, {"streams": (_strs, REQUIRED), "archetypes": (_strs, REQUIRED)},
                           "index.toml", problems)
    listed = [*index_fields.get("streams", ()), *index_fields.get("archetypes", ())]
    for sub in ("streams", "archetypes"):  # a file that is not listed would be silently ignored
        problems += [f"{p.relative_to(root).as_posix()}: not listed in index.toml"
                     for p in sorted((root / sub).glob("*.toml")) if p.relative_to(root).as_posix() not in listed]

    streams: dict[str, StreamTemplate] = {}
    for rel in index_fields.get("streams", ()):
        for where, entry in _entries(_read(root, rel, problems), "stream", rel, problems):
            t = _stream(entry, where, rel, problems)
            if t and t.key in streams:
                problems.append(f"{where}: key already used in {streams[t.key].source}")
            elif t:
                streams[t.key] = t

    presets_doc = _read(root, "presets.toml", problems)
    presets = {name: _fields(p, PRESET_SPEC, f"presets.toml: [{name}]", problems) for name, p in presets_doc.items()}
    archetypes: list[Archetype] = []
    for rel in index_fields.get("archetypes", ()):
        for where, entry in _entries(_read(root, rel, problems), "archetype", rel, problems):
            n_before = len(problems)
            kw = _fields(entry, ARCHETYPE_SPEC, where, problems)
            preset = kw.pop("preset", None)
            if preset is not None and preset not in presets:
                problems.append(f"{where}: unknown preset {preset!r} (presets.toml has {', '.join(presets)})")
            if any(a.key == kw.get("key") for a in archetypes):
                problems.append(f"{where}: key already used")
            if len(problems) == n_before:
                archetypes.append(Archetype(**{**presets.get(preset, {}), **kw}, source=rel))

    orgs_doc = _read(root, "real_orgs.toml", problems)
    real_orgs = tuple(_fields(e, ORG_SPEC, where, problems)
                      for where, e in _entries(orgs_doc, "org", "real_orgs.toml", problems))
    places_doc = _fields(_read(root, "places.toml", problems), PLACES_SPEC, "places.toml", problems)
    places: dict[str, tuple[Place, ...]] = {}
    for region, entries in places_doc.get("places", {}).items():
        where = f"places.toml: places.{region!r}"
        if not isinstance(entries, list) or not entries:
            problems.append(f"{where}: expected one or more [[places.{region!r}]] tables")
            continue
        rows = [_fields(e, PLACE_SPEC, where, problems) for e in entries]
        if all(len(r) == len(PLACE_SPEC) for r in rows):
            places[region] = tuple(Place(**r) for r in rows)
    extra_doc = _fields(_read(root, "extra.toml", problems), EXTRA_SPEC, "extra.toml", problems)
    extra = {(kind, lang): sentences for kind, by_lang in extra_doc.items() for lang, sentences in by_lang.items()}
    problems += [f"extra.toml: [{kind}] has no {lang!r} sentences" for kind in extra_doc for lang in ("da", "en")
                 if (kind, lang) not in extra]
    if problems:
        raise TemplateError(problems)
    return Templates(streams=streams, archetypes=tuple(archetypes), real_orgs=real_orgs, places=places,
                     region_weights=places_doc["region_weights"], rural=frozenset(places_doc["rural"]),
                     surnames=places_doc["surnames"], first_names=places_doc["first_names"], extra=extra)
