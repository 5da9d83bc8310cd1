"""Facts per material category, from `data/materials.csv`: the one place that says how far
a material travels, whether a m3 counts as a tonne, the mass of one piece and which
emission factor applies."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from matchmaker.errors import ConfigError
from matchmaker.model import MATERIALS
from matchmaker.paths import DATA_DIR


@dataclass(frozen=True)
class Material:
    name: str
    transport_km: float           # km over which the distance score falls to 1/e
    m3_as_tonnes: bool            # a liquid close to water's density: 1 m3 counts as 1 t
    mass_per_piece_t: float | None  # documented mass of one piece, for pieces -> tonnes
    emission_factor: str          # key into data/emission_factors.csv
    note: str = ""


@lru_cache(maxsize=1)
def materials() -> dict[str, Material]:
    path = DATA_DIR / "materials.csv"
    out: dict[str, Material] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                out[row["material"]] = Material(
                    row["material"], float(row["transport_km"]), row["m3_as_tonnes"].strip() == "true",
                    float(row["mass_per_piece_t"]) if row["mass_per_piece_t"].strip() else None,
                    row["emission_factor"].strip(), row.get("note") or "")
            except (KeyError, ValueError) as exc:
                raise ConfigError(f"{path}, line {line}: {exc}") from None
    missing = set(MATERIALS) - set(out)
    if missing:
        raise ConfigError(f"{path}: no row for material(s) {', '.join(sorted(missing))}")
    return out


def as_tonnes(quantity: float | None, unit: str | None, material: str) -> float | None:
    """A yearly quantity in tonnes, or None when it cannot be said: t/yr as it is; m3/yr only
    for a material whose m3 counts as a tonne (a liquid close to water's density); pieces/yr
    only for a material with a documented mass per piece."""
    if not quantity:
        return None
    fact = materials()[material]
    if unit == "t/yr" or (unit == "m3/yr" and fact.m3_as_tonnes):
        return quantity
    if unit == "pieces/yr" and fact.mass_per_piece_t:
        return quantity * fact.mass_per_piece_t
    return None
