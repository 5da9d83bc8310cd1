"""A programme's portfolio as data: its KPIs with targets and reporting periods, the support
tracks its cases go through (each a rules programme with its duration), and its application rounds.

The KPI file lives in data/programmes/portfolio/<id>.json (a sub-folder, so the rules loader,
which reads data/programmes/*.json, does not see it); the rounds in data/programmes/rounds.csv.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from matchmaker.errors import ConfigError, MatchmakerError, NotFound
from matchmaker.paths import DATA_DIR
from matchmaker.programmes import rules

PORTFOLIO_DIR = DATA_DIR / "programmes" / "portfolio"
ROUNDS_FILE = DATA_DIR / "programmes" / "rounds.csv"
TRACKS = ("clarification", "collaboration", "investment")
MEASURES = ("value_chains", "firms_in_matchmaking", "feasibility_firms", "manual", "firms_supported", "committed_budget",
            "smes_supported", "resource_savings", "innovation_smes", "cofinancing_share")


@dataclass(frozen=True)
class Kpi:
    id: str
    label: str
    label_da: str
    unit: str
    measure: str
    definition: str
    target: float | None = None
    target_note: str = ""
    reported: float | None = None
    reported_period: str | None = None


@dataclass(frozen=True)
class Round:
    programme_id: str
    round_id: str
    track: str
    opens: date
    closes: date
    decision_by: date
    source: str

    def is_open(self, on: date) -> bool:
        return self.opens <= on <= self.closes


@dataclass
class Portfolio:
    id: str
    name: str
    source: str
    case_prefix: str
    first_case_number: int
    start: date
    end: date | None
    tracks: dict[str, str]
    idle_days: dict[str, int]
    soon_days: int
    reporting_periods: list[dict]
    kpis: list[Kpi]
    green_kpis: list[Kpi]
    end_note: str = ""
    rounds: list[Round] = field(default_factory=list)

    def track_programme(self, track: str) -> rules.Programme:
        if track not in self.tracks:
            raise NotFound(f"programme {self.id} has no {track!r} track; tracks: {', '.join(self.tracks)}")
        return rules.get_programme(self.tracks[track])

    def duration_months(self, track: str) -> int:
        months = self.track_programme(track).duration_months
        if not months:
            raise ConfigError(f"programme file {self.tracks[track]}.json has no duration_months")
        return int(months)

    def period(self, period_id: str | None) -> dict | None:
        return next((p for p in self.reporting_periods if p["id"] == period_id), None)


def parse_date(value: str | date | None, what: str = "date") -> date:
    """An ISO date (YYYY-MM-DD) or a clear error naming the field."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except (ValueError, TypeError, AttributeError):
        raise MatchmakerError(f"{what}: expected a date as YYYY-MM-DD, got {str(value)[:30]!r}") from None


def _kpi(doc: dict, where: str) -> Kpi:
    try:
        kpi = Kpi(**doc)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if kpi.measure not in MEASURES:
        raise ConfigError(f"{where}: unknown measure {kpi.measure!r}; known: {', '.join(MEASURES)}")
    return kpi


def load_portfolio(path: Path) -> Portfolio:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        kpis = [_kpi(k, f"{path} kpi {i + 1}") for i, k in enumerate(doc.pop("kpis"))]
        green = [_kpi(k, f"{path} green kpi {i + 1}") for i, k in enumerate(doc.pop("green_kpis"))]
        doc["start"] = parse_date(doc["start"], "start")
        doc["end"] = parse_date(doc["end"], "end") if doc.get("end") else None
        unknown = set(doc.get("tracks", {})) - set(TRACKS)
        if unknown:
            raise ValueError(f"unknown tracks {sorted(unknown)}")
        return Portfolio(kpis=kpis, green_kpis=green, **doc)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"bad programme portfolio file {path}: {exc}") from None


def load_rounds(path: Path = ROUNDS_FILE) -> list[Round]:
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            try:
                r = Round(row["programme_id"], row["round_id"], row["track"], parse_date(row["opens"], "opens"),
                          parse_date(row["closes"], "closes"), parse_date(row["decision_by"], "decision_by"), row.get("source", ""))
            except Exception as exc:  # noqa: BLE001 - any bad row is a configuration error naming the row
                raise ConfigError(f"{path}, row {n}: {exc}") from None
            if r.track not in TRACKS or not r.opens <= r.closes <= r.decision_by:
                raise ConfigError(f"{path}, row {n}: track must be one of {TRACKS} and opens <= closes <= decision_by")
            out.append(r)
    return out


@lru_cache(maxsize=1)
def portfolios() -> dict[str, Portfolio]:
    found = {}
    rounds = load_rounds()
    for path in sorted(PORTFOLIO_DIR.glob("*.json")):
        p = load_portfolio(path)
        p.rounds = [r for r in rounds if r.programme_id == p.id]
        found[p.id] = p
    return found


def get_portfolio(programme_id: str) -> Portfolio:
    known = portfolios()
    if programme_id not in known:
        raise NotFound(f"unknown programme {programme_id!r}; programmes with cases and KPIs: {', '.join(sorted(known)) or 'none'}")
    return known[programme_id]
