"""The real-exchange benchmark (`data/benchmark/`): reading it and turning it into records.

The benchmark folder holds one or more parts (`nordic/`, `world/`), each with
organisations.csv, streams.csv, exchanges.csv and sources.csv (format in
`data/benchmark/README.md`). A folder that itself holds streams.csv is read as
one part. `records(bench, offer_lang, need_lang)` gives the organisations and
streams the matcher takes, with the offers written in one language and the
needs in the other, plus the sites of organisations that have no Danish postcode.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from matchmaker import reference
from matchmaker.errors import MatchmakerError
from matchmaker.model import DIRECTIONS, FATES, KINDS, LANGUAGES, MATERIALS, SECTORS, UNITS, Organisation, Stream
from matchmaker.paths import DATA_DIR

BENCHMARK_DIR = DATA_DIR / "benchmark"
FILES = ("organisations.csv", "streams.csv", "exchanges.csv")
ROLES = ("exchange", "distractor")


class BenchmarkError(MatchmakerError):
    pass


@dataclass(frozen=True)
class Exchange:
    id: str
    offer_id: str
    need_id: str


@dataclass
class Benchmark:
    orgs: dict[str, dict[str, str]] = field(default_factory=dict)      # org_id -> CSV row
    streams: dict[str, dict[str, str]] = field(default_factory=dict)   # stream_id -> CSV row
    exchanges: list[Exchange] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    def pairs(self) -> set[tuple[str, str]]:
        return {(e.offer_id, e.need_id) for e in self.exchanges}


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return [{k: (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(fh)]
    except FileNotFoundError:
        raise BenchmarkError(f"{path}: missing (a benchmark part needs {', '.join(FILES)})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BenchmarkError(f"{path}: not a readable UTF-8 CSV file ({exc})") from None


def _parts(folder: Path) -> list[Path]:
    if (folder / "streams.csv").exists():
        return [folder]
    parts = sorted(p for p in folder.iterdir() if (p / "streams.csv").exists()) if folder.is_dir() else []
    if not parts:
        raise BenchmarkError(f"{folder}: no benchmark here (expected streams.csv in it or in its sub-folders)")
    return parts


def load_benchmark(folder: Path = BENCHMARK_DIR) -> Benchmark:
    """Every part under `folder`, checked: clear errors naming file, row and field."""
    bench = Benchmark()
    for part in _parts(Path(folder)):
        bench.parts.append(part.name)
        for line, row in enumerate(_rows(part / "organisations.csv"), start=2):
            where = f"{part / 'organisations.csv'} line {line}"
            _check(row, where, ("org_id", "name", "kind", "sector"))
            if row["kind"] not in KINDS or row["sector"] not in SECTORS:
                raise BenchmarkError(f"{where}: kind must be one of {KINDS} and sector one of {SECTORS}")
            if row["org_id"] in bench.orgs:
                raise BenchmarkError(f"{where}: organisation {row['org_id']!r} appears twice")
            if not _site(row) and row.get("postcode", "") not in reference.postcodes():
                raise BenchmarkError(f"{where}: needs lat/lon or a Danish postcode")
            bench.orgs[row["org_id"]] = row
        for line, row in enumerate(_rows(part / "streams.csv"), start=2):
            where = f"{part / 'streams.csv'} line {line}"
            _check(row, where, ("stream_id", "org_id", "direction", "role", "title_en", "title_da", "material"))
            if row["org_id"] not in bench.orgs:
                raise BenchmarkError(f"{where}: unknown organisation {row['org_id']!r}")
            for name, allowed in (("direction", DIRECTIONS), ("role", ROLES), ("material", MATERIALS)):
                if row[name] not in allowed:
                    raise BenchmarkError(f"{where}: {name} {row[name]!r} is not one of {allowed}")
            if row.get("ewc"):
                row["ewc"] = reference.normalise_ewc(row["ewc"])
                if row["ewc"] not in reference.ewc_codes():
                    raise BenchmarkError(f"{where}: unknown EWC code {row['ewc']!r}")
            if row.get("unit") and row["unit"] not in UNITS or row.get("fate") and row["fate"] not in FATES:
                raise BenchmarkError(f"{where}: unit must be one of {UNITS} and fate one of {FATES}")
            if row.get("quantity"):
                try:
                    float(row["quantity"])
                except ValueError:
                    raise BenchmarkError(f"{where}: quantity {row['quantity']!r} is not a number") from None
            if row["stream_id"] in bench.streams:
                raise BenchmarkError(f"{where}: stream {row['stream_id']!r} appears twice")
            bench.streams[row["stream_id"]] = row
        for line, row in enumerate(_rows(part / "exchanges.csv"), start=2):
            where = f"{part / 'exchanges.csv'} line {line}"
            _check(row, where, ("exchange_id", "offer_stream_id", "need_stream_id"))
            offer, need = bench.streams.get(row["offer_stream_id"]), bench.streams.get(row["need_stream_id"])
            if not offer or not need or offer["direction"] != "offer" or need["direction"] != "need":
                raise BenchmarkError(f"{where}: offer_stream_id must name an offer and need_stream_id a need of this part")
            if offer["org_id"] == need["org_id"]:
                raise BenchmarkError(f"{where}: an exchange links two different organisations")
            bench.exchanges.append(Exchange(row["exchange_id"], offer["stream_id"], need["stream_id"]))
    return bench


def _check(row: dict[str, str], where: str, required: tuple[str, ...]) -> None:
    missing = [name for name in required if not row.get(name)]
    if missing:
        raise BenchmarkError(f"{where}: empty or missing {', '.join(missing)}")


def _site(row: dict[str, str]) -> tuple[float, float] | None:
    try:
        lat, lon = float(row.get("lat", "")), float(row.get("lon", ""))
    except ValueError:
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def records(bench: Benchmark, offer_lang: str = "en", need_lang: str = "en"
            ) -> tuple[list[Organisation], list[Stream], dict[str, tuple[float, float]]]:
    """Organisations, streams (offers in `offer_lang`, needs in `need_lang`) and the sites
    (lat, lon) of organisations without a Danish postcode, for `MatchIndex(..., sites=...)`."""
    for lang in (offer_lang, need_lang):
        if lang not in LANGUAGES:
            raise BenchmarkError(f"language {lang!r} is not one of {LANGUAGES}")
    postcodes = reference.postcodes()
    orgs, sites = [], {}
    for org_id, row in bench.orgs.items():
        postcode = row.get("postcode", "") if row.get("country", "DK") == "DK" else ""
        if postcode not in postcodes:
            postcode = ""
            site = _site(row)
            if site:
                sites[org_id] = site
        orgs.append(Organisation(id=org_id, name=row["name"], kind=row["kind"], sector=row["sector"],
                                 postcode=postcode, nace=row.get("nace") or None))
    streams = []
    for stream_id, row in bench.streams.items():
        lang = offer_lang if row["direction"] == "offer" else need_lang
        streams.append(Stream(id=stream_id, org_id=row["org_id"], direction=row["direction"],
                              title=row[f"title_{lang}"], description=row.get(f"description_{lang}", ""),
                              language=lang, material=row["material"], ewc=row.get("ewc") or None,
                              quantity=float(row["quantity"]) if row.get("quantity") else None,
                              unit=(row.get("unit") or None) if row.get("quantity") else None,
                              fate=row.get("fate") or None))
    return orgs, streams, sites
