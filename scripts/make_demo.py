#!/usr/bin/env python3
"""Generate Matchmaker's demo data and the labelled matches used to evaluate the matcher.

    python3 scripts/make_demo.py            # write data/demo/*.csv and data/labels/matches.csv, then check them
    python3 scripts/make_demo.py --check    # only check the files already written
    python3 scripts/make_demo.py --demo-dir /tmp/demo --labels /tmp/matches.csv   # write elsewhere

Standard library plus the domain's enumerations and limits (``matchmaker.model``,
``matchmaker.reference``, ``matchmaker.programmes.rules``); deterministic
(``random.Random(42)``). The hand-written texts and the chain structure live in
``data/demo/templates/*.toml`` (read by ``load_templates.py``); this script only
combines them. Labels are derived from the templates: an offer and a need from
two different organisations get label 1 when the offer template lists the need
template in ``match`` and label 0 (hard negative) when it lists it in ``near``.
Positive labels are therefore complete with respect to the templates; pairs not
in the file are unlabelled, not verified negatives.

Everything except the real knowledge institutions, clusters and business hubs
is invented (``invented=true``).
"""
from __future__ import annotations

import argparse
import csv
import math
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT)]  # sibling loader; the domain without installing
# ruff: noqa: E402  (imports after the path set-up above)
from load_templates import TEMPLATES_DIR, Archetype, Place, StreamTemplate, TemplateError, Templates, load_templates

from matchmaker.model import AVAILABILITY, CONFIDENTIALITY, DIRECTIONS, FATES, KINDS, LANGUAGES, MATERIALS, SECTORS, UNITS
from matchmaker.programmes.rules import SME_MAX_BALANCE_EUR, SME_MAX_EMPLOYEES, SME_MAX_TURNOVER_EUR, Programme
from matchmaker.reference import cvr_is_valid

REFERENCE_DIR = ROOT / "data" / "reference"
DEMO_DIR = ROOT / "data" / "demo"
LABELS_PATH = ROOT / "data" / "labels" / "matches.csv"
SEED = 42
CURRENT_YEAR = 2026

ORG_COLUMNS = ["id", "name", "cvr", "kind", "sector", "nace", "postcode", "employees", "turnover_eur",
               "balance_sheet_eur", "founded_year", "closed_financial_years", "in_difficulty",
               "primary_production", "de_minimis_eur", "de_minimis_regulation", "de_minimis_declared",
               "last_accounts_year", "equity_eur", "group_employees", "group_turnover_eur", "group_balance_sheet_eur",
               "competences", "profile", "invented"]
# The declarations and accounts come from their own generator, so adding them left every
# earlier column and streams.csv exactly as they were.
DECLARATION_SEED = 4242
DECLARATION_NACE = {"01": "agriculture", "03": "fisheries"}  # primary producers' de minimis regulation
STREAM_COLUMNS = ["id", "org_id", "direction", "title", "description", "language", "ewc", "material", "quantity",
                  "unit", "availability", "months", "interval_days", "price_dkk_per_unit",
                  "treatment_cost_dkk_per_unit", "fate", "confidentiality", "invented"]
LABEL_COLUMNS = ["offer_id", "need_id", "label", "note"]

# Weights in this order: the seeded draws depend on it, not on the domain's tuple order.
CONFIDENTIALITY_WEIGHTS = {"public": 75, "anonymised": 15, "private": 10}
assert set(CONFIDENTIALITY_WEIGHTS) == set(CONFIDENTIALITY), "matchmaker.model.CONFIDENTIALITY changed"
UNIT_WORDS = {"da": {"t/yr": "ton", "m3/yr": "m³", "MWh/yr": "MWh"},
              "en": {"t/yr": "tonnes", "m3/yr": "m³", "MWh/yr": "MWh"}}
# The de minimis ceiling the programmes use unless their JSON says otherwise (EUR 300,000).
DE_MINIMIS_CEILING = Programme.de_minimis_ceiling_eur


# ---------------------------------------------------------------------------
# Reference data and small helpers
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    postcodes: dict[str, tuple[str, str]]  # address postcode -> (city, region)
    nace_classes: frozenset[str]
    ewc_hazardous: dict[str, bool]


def load_reference(ref_dir: Path = REFERENCE_DIR) -> Reference:
    """Read the postcode, NACE and EWC reference tables (codes kept as text)."""
    def rows(name: str) -> list[dict[str, str]]:
        with open(ref_dir / name, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    postcodes = {r["postcode"]: (r["city"], r["region"]) for r in rows("dk_postcodes.csv")
                 if r["is_address_postcode"] == "true"}
    nace = frozenset(r["code"] for r in rows("nace_rev2.csv") if r["level"] == "class")
    ewc = {r["code"]: r["hazardous"] == "true" for r in rows("ewc.csv")}
    return Reference(postcodes, nace, ewc)


def random_cvr(rng: random.Random, taken: set[str]) -> str:
    """A new CVR number passing the domain's modulus-11 check (7 random digits and the one check digit
    that fits; heads that need check digit 10 are redrawn)."""
    while True:
        head = "".join(str(d) for d in [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)])
        cvr = next((head + d for d in "0123456789" if cvr_is_valid(head + d)), None)
        if cvr and cvr not in taken:
            taken.add(cvr)
            return cvr


def round_sig(x: float, digits: int = 2) -> float:
    """Round to significant digits; whole numbers from 10 up.

    >>> round_sig(1234.5), round_sig(3.456), round_sig(0.0456)
    (1200, 3.5, 0.046)
    """
    if x == 0:
        return 0
    r = round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))
    return int(r) if abs(r) >= 10 else r


def log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def format_number(x: float, lang: str) -> str:
    """Thousands and decimal separators as a Danish or English writer would use them.

    >>> format_number(12500, "da"), format_number(12500, "en"), format_number(2.5, "da")
    ('12.500', '12,500', '2,5')
    """
    text = f"{int(x):,}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0")
    return text.translate(str.maketrans(",.", ".,")) if lang == "da" else text


def format_quantity(x: float, unit: str, lang: str) -> str:
    """The ``{q}`` placeholder: number plus unit word (pieces are a bare number)."""
    number = format_number(x, lang)
    word = UNIT_WORDS[lang].get(unit)
    return f"{number} {word}" if word else number


def csv_value(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


# ---------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------

def _location(rng: random.Random, arch: Archetype, ref: Reference, tpl: Templates) -> tuple[str, str, Place]:
    """(postcode, region, place whose prefix and area names fit) for a new organisation."""
    if arch.postcodes:
        postcode = rng.choice(arch.postcodes)
    else:
        regions = list(tpl.region_weights)
        region = rng.choices(regions, weights=[tpl.region_weights[r] for r in regions])[0]
        candidates = {pc for place in tpl.places[region] for pc in place.postcodes}
        if "rural" in arch.tags:
            candidates = (candidates & tpl.rural) or candidates
        postcode = rng.choice(sorted(candidates))
    region = ref.postcodes[postcode][1]
    places = [p for p in tpl.places[region] if postcode in p.postcodes] or [tpl.places[region][0]]
    return postcode, region, rng.choice(places)


def _name(rng: random.Random, pattern: str, place: Place, forms: tuple[str, ...], tpl: Templates) -> str:
    """Fill a name pattern: {place} takes the prefix form at the start of a name, the area name elsewhere."""
    surname, surname2 = rng.sample(tpl.surnames, 2)
    name = pattern.format(place=place.prefix if pattern.startswith("{place}") else place.area, surname=surname,
                          surname2=surname2, first=rng.choice(tpl.first_names))
    form = rng.choice(forms)
    return f"{name} {form}" if form and not name.endswith(form) else name


def _firm_numbers(rng: random.Random, arch: Archetype) -> dict[str, object]:
    fte = log_uniform(rng, *arch.fte)
    employees = round(fte * 2) / 2 if fte < 10 else int(round(fte))
    turnover = round(employees * rng.uniform(*arch.eur_per_fte), -3)
    ratio = rng.uniform(1.8, 2.8) if "asset_heavy" in arch.tags else rng.uniform(0.3, 1.0)
    founded = rng.randint(*arch.founded)
    return dict(employees=employees, turnover_eur=int(turnover), balance_sheet_eur=int(round(turnover * ratio, -3)),
                founded_year=founded, closed_financial_years=closed_years(founded), in_difficulty=False,
                primary_production=arch.primary,
                de_minimis_eur=int(round(rng.uniform(8_000, 150_000), -2)) if rng.random() < 0.35 else 0)


def closed_years(founded: int) -> int:
    """Closed financial years by 2026: none for firms founded this year or last year."""
    return max(0, CURRENT_YEAR - 1 - founded)


def make_orgs(rng: random.Random, ref: Reference, tpl: Templates) -> list[dict]:
    """All organisations, shuffled and numbered ORG-0001...; private keys start with ``_``."""
    orgs: list[dict] = []
    for real in tpl.real_orgs:
        lang = "da" if rng.random() < 0.6 else "en"
        orgs.append(dict(name=real["name"], cvr="", kind=real["kind"], sector=real["sector"], nace=real["nace"],
                         postcode=real["postcode"], in_difficulty=False, primary_production=False,
                         competences=real["competences"], profile=real[f"profile_{lang}"], invented=False,
                         _lang=lang, _arch=None))
    names: set[str] = {o["name"] for o in orgs}
    cvrs: set[str] = set()
    for arch in tpl.archetypes:
        patterns = list(arch.names)
        rng.shuffle(patterns)
        for i in range(arch.n):
            postcode, _, place = _location(rng, arch, ref, tpl)
            for attempt in range(50):
                name = _name(rng, patterns[(i + attempt) % len(patterns)], place, arch.forms, tpl)
                if name not in names:
                    break
            else:
                raise RuntimeError(f"could not find a unique name for {arch.key}")
            names.add(name)
            lang = "da" if rng.random() < arch.da else "en"
            org = dict(name=name, cvr=random_cvr(rng, cvrs), kind=arch.kind, sector=arch.sector,
                       nace=rng.choice(arch.nace), postcode=postcode, competences=arch.competences,
                       profile=getattr(arch, f"profile_{lang}").format(city=ref.postcodes[postcode][0]),
                       invented=True, _lang=lang, _arch=arch, _index=i)
            if arch.kind == "firm":
                org.update(_firm_numbers(rng, arch))
            else:
                org.update(in_difficulty=False, primary_production=False)
            orgs.append(org)
    rng.shuffle(orgs)
    for n, org in enumerate(orgs, 1):
        org["id"] = f"ORG-{n:04d}"
    _apply_edge_cases(rng, orgs)
    return orgs


def _apply_edge_cases(rng: random.Random, orgs: list[dict]) -> None:
    """Plant the cases the eligibility rules must handle, on distinct, plausible firms."""
    firms = [o for o in orgs if o["kind"] == "firm"]
    ordinary = [o for o in firms if not o["primary_production"] and not set(o["_arch"].tags) & {"large", "startup"}]
    medium = [o for o in ordinary if 40 <= o["employees"] <= 220]
    young = [o for o in firms if "startup" in o["_arch"].tags or "micro" in o["_arch"].tags]
    rest = [o for o in ordinary if o not in medium and o not in young]
    for group in (medium, rest, young):
        rng.shuffle(group)

    # (employees, turnover, balance): 249/250 staff, and the financial thresholds from both sides.
    for o, (emp, turnover, balance) in zip(medium, [
            (249, 41_500_000, 28_000_000), (249, 57_000_000, 46_500_000),  # SME; non-SME by finance
            (250, 44_000_000, 31_000_000), (250, 38_000_000, 22_000_000),  # non-SME by staff only
            (180, 63_000_000, 48_000_000),                                 # non-SME by finance only
            (160, 52_500_000, 39_000_000),                                 # turnover over, balance under: SME
            (120, 31_000_000, 47_000_000)]):                               # balance over, turnover under: SME
        o.update(employees=emp, turnover_eur=turnover, balance_sheet_eur=balance)
    others = iter(medium[7:] + rest)  # each firm below gets at most one planted case
    for amount in (280_000, 295_000, 299_900, 300_000, 310_000):
        next(others)["de_minimis_eur"] = amount
    for _ in range(4):
        next(others)["in_difficulty"] = True
    unknown = [("employees", "turnover_eur", "balance_sheet_eur")] * 4 + [("turnover_eur", "balance_sheet_eur")] * 2
    for fields in unknown:
        next(others).update(dict.fromkeys(fields, None))  # unknown data
    for _ in range(6):
        next(others)["cvr"] = ""  # CVR number not given
    for o, (emp, founded) in zip(young, [(0.5, 2026), (1.0, 2025), (1.5, 2025), (1.8, 2024), (2.0, 2025),
                                         (4.0, 2026), (1.0, 2023)]):
        o.update(employees=emp, founded_year=founded, closed_financial_years=closed_years(founded),
                 turnover_eur=int(round(emp * 60_000, -3)), balance_sheet_eur=int(round(emp * 30_000, -3)))


# ---------------------------------------------------------------------------
# Streams
# ---------------------------------------------------------------------------

def _stream_keys(rng: random.Random, arch: Archetype, index: int) -> list[str]:
    keys = list(arch.offers) + list(arch.needs)
    for options, lo, hi in arch.picks:
        k = rng.randint(lo, hi)
        if k:
            first = options[index % len(options)]
            rest = [o for o in options if o != first]
            keys += [first] + rng.sample(rest, min(k - 1, len(rest)))
    return list(dict.fromkeys(keys))


def _availability(rng: random.Random, spec: str) -> tuple[str, str, object]:
    kind, _, arg = spec.partition(":")
    if kind == "seasonal":  # "8-10" is written as a range or a list; "10-4" wraps the new year, so a list
        lo, _, hi = arg.partition("-")
        first, last = int(lo), int(hi or lo)
        if first > last or (hi and rng.random() < 0.35):
            arg = ",".join(str((first - 1 + i) % 12 + 1) for i in range((last - first) % 12 + 1))
        return kind, arg, None
    if kind == "batch":
        lo, hi = map(int, arg.split("-"))
        return kind, "", rng.randint(lo, hi)
    return kind, "", None


def _price(rng: random.Random, bounds: tuple[float, float] | None, p: float) -> float | None:
    if bounds is None or rng.random() >= p:
        return None
    value = rng.uniform(*bounds)
    return round_sig(value) if value >= 1 else round(value, 2)


def make_stream(rng: random.Random, t: StreamTemplate, org: dict, city: str,
                extra: dict[tuple[str, str], tuple[str, ...]]) -> dict:
    arch: Archetype = org["_arch"]
    lang = org["_lang"] if rng.random() >= 0.08 else {"da": "en", "en": "da"}[org["_lang"]]
    scale = arch.qty_scale.get(t.key, arch.qty_scale.get("*", 1.0))
    qty = round_sig(log_uniform(rng, t.qty[0] * scale, t.qty[1] * scale))
    is_offer = t.direction == "offer"
    title, description = rng.choice(getattr(t, lang))
    description = description.format(q=format_quantity(qty, t.unit, lang), city=city)
    if rng.random() < 0.4:
        extras = extra[("heat" if t.material == "heat_energy" and is_offer else t.direction, lang)]
        description += " " + rng.choice(extras).format(city=city)
    availability, months, interval = _availability(rng, rng.choice(t.avail))
    ewc = rng.choice(t.ewc) if t.ewc and (is_offer or rng.random() < 0.85) else ""
    return dict(org_id=org["id"], direction=t.direction, title=title, description=description, language=lang,
                ewc=ewc, material=t.material, quantity=qty, unit=t.unit, availability=availability,
                months=months, interval_days=interval, price_dkk_per_unit=_price(rng, t.price, 0.5),
                treatment_cost_dkk_per_unit=_price(rng, t.cost, 0.6) if is_offer else None,
                fate=rng.choice(t.fate) if is_offer else "",
                confidentiality=rng.choices(list(CONFIDENTIALITY_WEIGHTS), list(CONFIDENTIALITY_WEIGHTS.values()))[0],
                invented=True, _key=t.key)


def make_streams(rng: random.Random, orgs: list[dict], ref: Reference, tpl: Templates) -> list[dict]:
    streams = [make_stream(rng, tpl.streams[key], org, ref.postcodes[org["postcode"]][0], tpl.extra)
               for org in orgs if org["_arch"] is not None
               for key in _stream_keys(rng, org["_arch"], org["_index"])]
    rng.shuffle(streams)
    for n, s in enumerate(streams, 1):
        s["id"] = f"STR-{n:04d}"
    return streams


def make_labels(streams: list[dict], templates: dict[str, StreamTemplate]) -> list[dict]:
    """Offer->need pairs from different organisations that the templates mark as match or hard negative."""
    needs_by_key: dict[str, list[dict]] = {}
    for s in streams:
        if s["direction"] == "need":
            needs_by_key.setdefault(s["_key"], []).append(s)
    labels = []
    for offer in (s for s in streams if s["direction"] == "offer"):
        t = templates[offer["_key"]]
        wanted = [(k, 1, f"match: {t.key} -> {k}") for k in t.match]
        wanted += [(k, 0, f"hard negative: {reason}") for k, reason in t.near.items()]
        for key, label, note in wanted:
            for need in needs_by_key.get(key, []):
                if need["org_id"] != offer["org_id"]:
                    labels.append(dict(offer_id=offer["id"], need_id=need["id"], label=label, note=note))
    return sorted(labels, key=lambda r: (r["offer_id"], r["need_id"]))


# ---------------------------------------------------------------------------
# Writing, checking, reporting
# ---------------------------------------------------------------------------

def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([csv_value(r.get(c)) for c in columns] for r in rows)


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _num(text: str) -> float | None:
    """A CSV cell as a number; None when empty or not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def _non_negative(text: str) -> bool:
    """Empty, or a number >= 0."""
    value = _num(text)
    return text == "" or (value is not None and value >= 0)


def _months(text: str) -> list[int] | None:
    """'8-10' or '5,6,7' -> the months named; None if malformed."""
    try:
        return [int(m) for part in text.split(",") if part for m in part.split("-")]
    except ValueError:
        return None


def check_templates(tpl: Templates, ref: Reference) -> list[str]:
    """What the templates refer to: each other, the domain's enumerations and the reference tables.
    Returns a list of problems, each naming the file and the entry."""
    problems = []
    for region, places in tpl.places.items():
        for place in places:
            problems += [f"places.toml: {place.prefix}: {pc} is not an address postcode in {region}"
                         for pc in place.postcodes if ref.postcodes.get(pc, ("", ""))[1] != region]
    regions = {region for _, region in ref.postcodes.values()}
    if not set(tpl.region_weights) == set(tpl.places) == regions:
        problems.append(f"places.toml: region_weights and places must both name exactly {sorted(regions)}")
    problems += [f"places.toml: rural: {pc} is not an address postcode"
                 for pc in sorted(tpl.rural - set(ref.postcodes))]
    for t in tpl.streams.values():
        where = f"{t.source}: stream {t.key}"
        problems += [f"{where}: unknown {name} {value!r}" for name, value, known in (
            ("material", t.material, MATERIALS), ("unit", t.unit, UNITS), *(("fate", f, FATES) for f in t.fate),
            *(("availability", a.partition(":")[0], AVAILABILITY) for a in t.avail)) if value not in known]
        if (t.direction == "offer" and not t.fate) or not t.avail:
            problems.append(f"{where}: fate and avail must not be empty lists")
        problems += [f"{where}: unknown EWC {code}" for code in t.ewc if code not in ref.ewc_hazardous]
        problems += [f"{where}: {key} is not a need template" for key in (*t.match, *t.near)
                     if key not in tpl.streams or tpl.streams[key].direction != "need"]
    used: set[str] = set()
    for a in tpl.archetypes:
        where = f"{a.source}: archetype {a.key}"
        keys = [*a.offers, *a.needs, *(k for keys, _, _ in a.picks for k in keys)]
        used.update(keys)
        problems += [f"{where}: {key} is not a stream template" for key in dict.fromkeys(keys + list(a.qty_scale))
                     if key not in tpl.streams and key != "*"]
        if a.kind not in KINDS or a.sector not in SECTORS:
            problems.append(f"{where}: unknown kind/sector {a.kind}/{a.sector}")
        if len(a.names) < a.n:
            problems.append(f"{where}: fewer name patterns than organisations")
        problems += [f"{where}: NACE {code} is not a class" for code in a.nace if code not in ref.nace_classes]
        problems += [f"{where}: postcode {pc} is not an address postcode" for pc in a.postcodes
                     if pc not in ref.postcodes]
    problems += [f"{t.source}: stream {key} is used by no archetype" for key, t in tpl.streams.items()
                 if key not in used]
    for o in tpl.real_orgs:
        if o["kind"] not in KINDS or o["sector"] not in SECTORS or o["postcode"] not in ref.postcodes:
            problems.append(f"real_orgs.toml: {o['name']}: unknown kind, sector or postcode")
    return problems


def load_checked_templates(templates_dir: Path = TEMPLATES_DIR, ref: Reference | None = None) -> Templates:
    """The templates, or TemplateError listing every shape and cross-reference problem."""
    tpl = load_templates(templates_dir)
    problems = check_templates(tpl, ref or load_reference())
    if problems:
        raise TemplateError(problems)
    return tpl


def check(demo_dir: Path = DEMO_DIR, labels_path: Path = LABELS_PATH, ref: Reference | None = None) -> list[str]:
    """Check the written files; returns a list of problems (empty when all is well)."""
    ref = ref or load_reference()
    problems: list[str] = []

    def expect(ok: bool, message: str) -> None:
        if not ok:
            problems.append(message)

    org_cols, orgs = read_csv(demo_dir / "organisations.csv")
    stream_cols, streams = read_csv(demo_dir / "streams.csv")
    label_cols, labels = read_csv(labels_path)
    expect(org_cols == ORG_COLUMNS, f"organisations.csv header is {org_cols}")
    expect(stream_cols == STREAM_COLUMNS, f"streams.csv header is {stream_cols}")
    expect(label_cols == LABEL_COLUMNS, f"matches.csv header is {label_cols}")
    expect(len(orgs) >= 150, f"only {len(orgs)} organisations")
    expect(len(streams) >= 400, f"only {len(streams)} streams")

    org_by_id = {o["id"]: o for o in orgs}
    expect(len(org_by_id) == len(orgs), "organisation ids are not unique")
    expect(len({o["name"] for o in orgs}) == len(orgs), "organisation names are not unique")
    cvrs = [o["cvr"] for o in orgs if o["cvr"]]
    expect(len(set(cvrs)) == len(cvrs), "CVR numbers are not unique")
    for o in orgs:
        where = f"{o['id']} ({o['name']})"
        expect(o["kind"] in KINDS and o["sector"] in SECTORS, f"{where}: kind/sector {o['kind']}/{o['sector']}")
        expect(o["postcode"] in ref.postcodes, f"{where}: postcode {o['postcode']} is not an address postcode")
        expect(o["nace"] in ref.nace_classes, f"{where}: NACE {o['nace']} is not a class")
        expect(not o["cvr"] or cvr_is_valid(o["cvr"]), f"{where}: CVR {o['cvr']} fails modulus 11")
        expect(o["invented"] in ("true", "false") and o["in_difficulty"] in ("true", "false")
               and o["primary_production"] in ("true", "false"), f"{where}: boolean field not true/false")
        expect(o["invented"] == "true" or o["kind"] in {"knowledge_institution", "cluster", "business_hub"},
               f"{where}: only real institutions, clusters and hubs may be invented=false")
        founded = _num(o["founded_year"])
        if o["founded_year"]:
            expect(founded is not None and _num(o["closed_financial_years"]) == closed_years(int(founded)),
                   f"{where}: closed_financial_years inconsistent with founded_year")
        for field in ("employees", "turnover_eur", "balance_sheet_eur", "de_minimis_eur"):
            expect(_non_negative(o[field]), f"{where}: {field} is not a non-negative number")
        expect(o["de_minimis_regulation"] in ("", "general", "agriculture", "fisheries"),
               f"{where}: de minimis regulation {o['de_minimis_regulation']!r}")
        expect(o["de_minimis_declared"] == "" or re.fullmatch(r"\d{4}-\d\d-\d\d", o["de_minimis_declared"]) is not None,
               f"{where}: declaration date {o['de_minimis_declared']!r}")
        expect(o["last_accounts_year"] == "" or (o["founded_year"] != "" and
               int(o["founded_year"]) <= int(o["last_accounts_year"]) < CURRENT_YEAR),
               f"{where}: last accounts {o['last_accounts_year']!r} before the firm was founded or not yet closed")

    regions = {ref.postcodes[o["postcode"]][1] for o in orgs if o["postcode"] in ref.postcodes}
    expect(len(regions) == 5, f"regions present: {sorted(regions)}")
    expect(set(o["sector"] for o in orgs) == set(SECTORS), "not all five sectors present")
    firms = [o for o in orgs if o["kind"] == "firm"]
    expect(len(firms) >= 130, f"only {len(firms)} firms")

    edge_cases = edge_case_counts(firms)
    for case, count in edge_cases.items():
        expect(count >= (1 if case == "de minimis over the ceiling" else 2), f"too few {case}: {count}")

    stream_by_id = {s["id"]: s for s in streams}
    expect(len(stream_by_id) == len(streams), "stream ids are not unique")
    for s in streams:
        where = s["id"]
        org = org_by_id.get(s["org_id"])
        expect(org is not None and org["kind"] in {"firm", "public_body"},
               f"{where}: org {s['org_id']} missing or not a firm/public body")
        expect(s["direction"] in DIRECTIONS, f"{where}: direction {s['direction']}")
        expect(s["language"] in LANGUAGES and s["title"] and s["description"], f"{where}: language/text")
        expect(s["ewc"] == "" or s["ewc"] in ref.ewc_hazardous, f"{where}: EWC {s['ewc']} not in ewc.csv")
        expect(s["material"] in MATERIALS and s["unit"] in UNITS, f"{where}: material/unit")
        expect((_num(s["quantity"]) or 0) > 0, f"{where}: quantity must be positive")
        expect(_non_negative(s["price_dkk_per_unit"]) and _non_negative(s["treatment_cost_dkk_per_unit"]),
               f"{where}: price or cost is not a non-negative number")
        expect((s["fate"] in FATES) if s["direction"] == "offer" else s["fate"] == "", f"{where}: fate {s['fate']}")
        expect(s["confidentiality"] in CONFIDENTIALITY, f"{where}: confidentiality")
        expect(s["invented"] == "true", f"{where}: streams are all invented")
        seasonal, batch = s["availability"] == "seasonal", s["availability"] == "batch"
        expect(s["availability"] in AVAILABILITY, f"{where}: availability")
        months = _months(s["months"])
        expect(months is not None and seasonal == bool(months) and all(1 <= m <= 12 for m in months),
               f"{where}: months {s['months']}")
        expect(batch == (s["interval_days"] != "") and (not batch or (_num(s["interval_days"]) or 0) > 0),
               f"{where}: interval_days {s['interval_days']}")
    expect(any(ref.ewc_hazardous.get(s["ewc"]) for s in streams), "no stream has a hazardous EWC code")

    pairs = set()
    for r in labels:
        offer, need = stream_by_id.get(r["offer_id"]), stream_by_id.get(r["need_id"])
        where = f"label {r['offer_id']}->{r['need_id']}"
        expect(offer is not None and offer["direction"] == "offer", f"{where}: offer_id is not an offer")
        expect(need is not None and need["direction"] == "need", f"{where}: need_id is not a need")
        expect(offer is None or need is None or offer["org_id"] != need["org_id"], f"{where}: same organisation")
        expect(r["label"] in ("0", "1"), f"{where}: label {r['label']}")
        expect((r["offer_id"], r["need_id"]) not in pairs, f"{where}: duplicate pair")
        pairs.add((r["offer_id"], r["need_id"]))
    counts = label_counts(labels, stream_by_id)
    expect(sum(c[1] for c in counts.values()) >= 250, "fewer than 250 positive labels")
    expect(sum(c[0] for c in counts.values()) >= 150, "fewer than 150 hard negatives")
    for pairing in ("en-en", "da-da", "da-en", "en-da"):
        expect(counts[pairing][1] >= 50, f"only {counts[pairing][1]} positive {pairing} labels")
    return problems


def edge_case_counts(firms: list[dict[str, str]]) -> dict[str, int]:
    """How many firms (rows as read from organisations.csv) exercise each eligibility edge case."""
    def non_sme(o: dict[str, str]) -> bool:
        emp, turnover, balance = (_num(o[k]) for k in ("employees", "turnover_eur", "balance_sheet_eur"))
        return (emp is not None and emp >= SME_MAX_EMPLOYEES) or (
            turnover is not None and balance is not None
            and turnover > SME_MAX_TURNOVER_EUR and balance > SME_MAX_BALANCE_EUR)

    return {
        "non-SMEs": sum(map(non_sme, firms)),
        f"exactly {SME_MAX_EMPLOYEES - 1} employees": sum(o["employees"] == str(SME_MAX_EMPLOYEES - 1) for o in firms),
        f"exactly {SME_MAX_EMPLOYEES} employees": sum(o["employees"] == str(SME_MAX_EMPLOYEES) for o in firms),
        "start-ups with 0 closed financial years": sum(o["closed_financial_years"] == "0" for o in firms),
        "firms under 2 FTE": sum((_num(o["employees"]) or 99) < 2 for o in firms),
        "primary producers": sum(o["primary_production"] == "true" for o in firms),
        "firms in difficulty": sum(o["in_difficulty"] == "true" for o in firms),
        "de minimis near or over the ceiling": sum((_num(o["de_minimis_eur"]) or 0) >= 280_000 for o in firms),
        "de minimis over the ceiling": sum((_num(o["de_minimis_eur"]) or 0) > DE_MINIMIS_CEILING for o in firms),
        "firms with unknown employees or turnover": sum(o["employees"] == "" or o["turnover_eur"] == ""
                                                        for o in firms),
    }


def label_counts(labels: list[dict], stream_by_id: dict[str, dict]) -> dict[str, Counter]:
    """Language pairing ('da-en' = Danish offer, English need) -> Counter of labels 0/1."""
    counts: dict[str, Counter] = {p: Counter() for p in ("en-en", "da-da", "da-en", "en-da")}
    for r in labels:
        offer, need = stream_by_id.get(r["offer_id"]), stream_by_id.get(r["need_id"])
        if offer and need and r["label"] in ("0", "1"):  # check() reports the others
            counts.setdefault(f"{offer['language']}-{need['language']}", Counter())[int(r["label"])] += 1
    return counts


def summary(demo_dir: Path = DEMO_DIR, labels_path: Path = LABELS_PATH, ref: Reference | None = None) -> str:
    """Counts for the report: organisations by sector, region, kind; streams by language; labels by pairing."""
    ref = ref or load_reference()
    _, orgs = read_csv(demo_dir / "organisations.csv")
    _, streams = read_csv(demo_dir / "streams.csv")
    _, labels = read_csv(labels_path)
    stream_by_id = {s["id"]: s for s in streams}

    def line(title: str, counter: Counter) -> str:
        return f"{title}: " + ", ".join(f"{k} {v}" for k, v in sorted(counter.items()))

    lines = [
        f"organisations {len(orgs)}, streams {len(streams)}, labels {len(labels)}",
        line("orgs by kind", Counter(o["kind"] for o in orgs)),
        line("orgs by sector", Counter(o["sector"] for o in orgs)),
        line("orgs by region", Counter(ref.postcodes[o["postcode"]][1] for o in orgs)),
        line("edge cases (firms)", Counter(edge_case_counts([o for o in orgs if o["kind"] == "firm"]))),
        line("streams by direction", Counter(s["direction"] for s in streams)),
        line("streams by language", Counter(s["language"] for s in streams)),
        line("streams by direction+language", Counter(f"{s['direction']}-{s['language']}" for s in streams)),
        line("streams by confidentiality", Counter(s["confidentiality"] for s in streams)),
        line("streams by org sector", Counter({o["id"]: o for o in orgs}[s["org_id"]]["sector"] for s in streams)),
        f"hazardous-EWC streams: {sum(bool(ref.ewc_hazardous.get(s['ewc'])) for s in streams)}",
        "labels by pairing (offer-need): " + ", ".join(
            f"{p} positive {c[1]} / negative {c[0]}" for p, c in label_counts(labels, stream_by_id).items()),
    ]
    return "\n".join(lines)


def add_declarations(orgs: list[dict], seed: int = DECLARATION_SEED) -> None:
    """Give each firm what the eligibility rules read beyond the registry: the de minimis
    regulation and declaration date, the last closed accounts' year and equity, and for a few
    firms figures incl. linked enterprises. Most firms are in order; a few are not (an outdated
    or missing declaration, accounts not filed, negative equity), as a facilitator meets them."""
    rng = random.Random(seed)
    firms = sorted((o for o in orgs if o["kind"] == "firm"), key=lambda o: o["id"])
    for o in firms:
        primary = o["nace"][:2] in DECLARATION_NACE or o["primary_production"]
        o["de_minimis_regulation"] = DECLARATION_NACE.get(o["nace"][:2], "agriculture") if primary else "general"
        # declared in the second half of 2026: current for a year under the programmes' 365 days
        o["de_minimis_declared"] = f"{CURRENT_YEAR}-{rng.randint(6, 11):02d}-{rng.randint(1, 28):02d}"
        closed = o.get("closed_financial_years") or 0
        o["last_accounts_year"] = (CURRENT_YEAR - 1 if rng.random() < 0.8 else CURRENT_YEAR - 2) if closed else None
        balance = o.get("balance_sheet_eur")
        o["equity_eur"] = int(round(balance * rng.uniform(0.15, 0.6), -3)) if balance is not None else None
    order = list(firms)
    rng.shuffle(order)
    cases = iter(o for o in order if o.get("last_accounts_year"))
    for _ in range(6):      # declaration older than a year
        next(cases)["de_minimis_declared"] = f"{CURRENT_YEAR - 2}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    for _ in range(5):      # no declaration on file
        next(cases).update(de_minimis_regulation=None, de_minimis_declared=None)
    for _ in range(3):      # accounts not filed since
        next(cases)["last_accounts_year"] = CURRENT_YEAR - rng.randint(3, 4)
    for _ in range(5):      # losses exceed the capital
        o = next(cases)
        if o.get("balance_sheet_eur") is not None:
            o["equity_eur"] = -int(round(o["balance_sheet_eur"] * rng.uniform(0.05, 0.3), -3))
    for _ in range(6):      # part of a group: linked enterprises count toward the SME thresholds
        o = next(cases)
        if o.get("employees") is not None and o.get("turnover_eur") is not None:
            factor = rng.uniform(1.5, 4.0)
            o.update(group_employees=round(o["employees"] * factor), group_turnover_eur=int(round(o["turnover_eur"] * factor, -3)),
                     group_balance_sheet_eur=int(round(o["balance_sheet_eur"] * factor, -3)))


def generate(ref: Reference, tpl: Templates) -> tuple[list[dict], list[dict], list[dict]]:
    rng = random.Random(SEED)
    orgs = make_orgs(rng, ref, tpl)
    add_declarations(orgs)
    streams = make_streams(rng, orgs, ref, tpl)
    return orgs, streams, make_labels(streams, tpl.streams)


def write_demo(ref: Reference, tpl: Templates, demo_dir: Path = DEMO_DIR, labels_path: Path = LABELS_PATH) -> None:
    """Generate and write organisations.csv and streams.csv into ``demo_dir``, the labels to ``labels_path``."""
    orgs, streams, labels = generate(ref, tpl)
    write_csv(demo_dir / "organisations.csv", ORG_COLUMNS, orgs)
    write_csv(demo_dir / "streams.csv", STREAM_COLUMNS, streams)
    write_csv(labels_path, LABEL_COLUMNS, labels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the files already written")
    parser.add_argument("--templates", type=Path, default=TEMPLATES_DIR, help="template folder (with index.toml)")
    parser.add_argument("--demo-dir", type=Path, default=DEMO_DIR, help="where organisations/streams.csv go")
    parser.add_argument("--labels", type=Path, default=LABELS_PATH, help="where the labelled matches go")
    args = parser.parse_args(argv)
    ref = load_reference()
    try:
        tpl = load_checked_templates(args.templates, ref)
    except TemplateError as e:
        print(e, file=sys.stderr)
        return 1
    if not args.check:
        write_demo(ref, tpl, args.demo_dir, args.labels)
    problems = check(args.demo_dir, args.labels, ref=ref)
    if problems:
        print(f"{len(problems)} problem(s):", *problems[:50], sep="\n  ", file=sys.stderr)
        return 1
    print(summary(args.demo_dir, args.labels, ref=ref))
    print("self-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
