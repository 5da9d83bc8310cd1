"""Reference tables: EWC waste codes, NACE Rev. 2, Danish postcodes.

Loaded once, lazily, from `data/reference/` (see its README for sources).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matchmaker.errors import MatchmakerError
from matchmaker.paths import REFERENCE_DIR


@dataclass(frozen=True)
class Postcode:
    postcode: str
    city: str
    region: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class EwcCode:
    code: str
    chapter: str
    subchapter: str
    hazardous: bool
    description: str


def _rows(name: str) -> list[dict[str, str]]:
    path: Path = REFERENCE_DIR / name
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def postcodes() -> dict[str, Postcode]:
    return {
        r["postcode"]: Postcode(r["postcode"], r["city"], r["region"],
                                float(r["latitude"]), float(r["longitude"]))
        for r in _rows("dk_postcodes.csv")
    }


@lru_cache(maxsize=1)
def ewc_codes() -> dict[str, EwcCode]:
    return {
        r["code"]: EwcCode(r["code"], r["chapter"], r["subchapter"],
                           r["hazardous"] == "true", r["description"])
        for r in _rows("ewc.csv")
    }


@lru_cache(maxsize=1)
def ewc_chapters() -> dict[str, str]:
    return {r["chapter"]: r["title"] for r in _rows("ewc_chapters.csv")}


@lru_cache(maxsize=1)
def nace_codes() -> dict[str, str]:
    return {r["code"]: r["description"] for r in _rows("nace_rev2.csv")}


# A public point per region (a postcode near its middle): where pseudonymous owners are placed,
# so maps and distances say no more about them than their region.
REGION_POSTCODE = {"Region Hovedstaden": "3400", "Region Sjælland": "4180", "Region Syddanmark": "7100",
                   "Region Midtjylland": "8800", "Region Nordjylland": "9000"}

REGIONS = (
    "Region Hovedstaden",
    "Region Sjælland",
    "Region Syddanmark",
    "Region Midtjylland",
    "Region Nordjylland",
)


def normalise_ewc(raw: str) -> str:
    """'02 01 06', '020106*' and '02.01.06' all become '020106'."""
    return "".join(ch for ch in raw if ch.isdigit())


def search_codes(postcode: str | None, ewc: str | None) -> str | None:
    """Check a searcher's postcode and EWC code; returns the EWC code normalised (or None).
    One rule for the free-text search and the saved searches that repeat it."""
    if postcode and postcode not in postcodes():
        raise MatchmakerError(f"unknown Danish postcode {postcode!r}")
    if not ewc:
        return None
    code = normalise_ewc(ewc)
    if code not in ewc_codes():
        raise MatchmakerError(f"unknown EWC code {code!r}")
    return code


def cvr_is_valid(cvr: str) -> bool:
    """The CVR register's modulus-11 check: weights 2,7,6,5,4,3,2,1."""
    if len(cvr) != 8 or not cvr.isdigit() or cvr[0] == "0":
        return False
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(d) * w for d, w in zip(cvr, weights)) % 11 == 0
