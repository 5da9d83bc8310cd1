"""The domain: organisations and the resource streams they offer or need."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

KINDS = ("firm", "knowledge_institution", "cluster", "business_hub", "public_body")
SECTORS = ("food_bio", "construction", "textile_lifestyle", "environmental_tech", "other")
DIRECTIONS = ("offer", "need")
LANGUAGES = ("da", "en")
UNITS = ("t/yr", "m3/yr", "MWh/yr", "pieces/yr")
AVAILABILITY = ("continuous", "seasonal", "batch")
CONFIDENTIALITY = ("public", "anonymised", "private")
MATERIALS = (
    "food_organic", "wood", "textile", "plastic", "paper_cardboard", "glass", "metal",
    "concrete_mineral", "gypsum", "batteries", "electronics", "chemicals_solvents",
    "oils_fats", "sludge_manure", "water", "heat_energy", "ash_slag", "other",
)

# Current fate of an offered stream -> level on the EU waste hierarchy
# (5 prevention, 4 preparing for re-use, 3 recycling, 2 other recovery, 1 disposal).
FATE_LEVEL = {
    "none": 1,  # released or lost: nothing recovered
    "landfill": 1,
    "incineration": 1,
    "energy_recovery": 2,
    "feed": 3,
    "recycling": 3,
    "sold": 4,  # already a traded by-product
    "reuse": 4,
}
FATES = tuple(FATE_LEVEL)
# A matched offer becomes a raw material: recycling on the waste hierarchy.
RAW_MATERIAL_LEVEL = 3
DE_MINIMIS_REGULATIONS = ("general", "agriculture", "fisheries")
HIERARCHY_NAMES = {
    1: "disposal", 2: "other recovery", 3: "recycling", 4: "preparing for re-use", 5: "prevention",
}


@dataclass
class Organisation:
    id: str
    name: str
    kind: str
    sector: str
    postcode: str
    cvr: str | None = None
    nace: str | None = None
    employees: float | None = None
    turnover_eur: float | None = None
    balance_sheet_eur: float | None = None
    founded_year: int | None = None
    closed_financial_years: int | None = None
    in_difficulty: bool | None = None
    primary_production: bool | None = None
    de_minimis_eur: float | None = None          # de minimis aid received over the last three years
    de_minimis_regulation: str | None = None     # general, agriculture or fisheries (the declaration's regulation)
    de_minimis_declared: str | None = None       # date of the de minimis declaration, YYYY-MM-DD
    last_accounts_year: int | None = None        # year of the last closed (filed) annual accounts
    equity_eur: float | None = None              # equity in the last accounts (economic capacity)
    group_employees: float | None = None         # incl. linked and partner enterprises (EU SME definition)
    group_turnover_eur: float | None = None
    group_balance_sheet_eur: float | None = None
    competences: list[str] = field(default_factory=list)
    profile: str = ""
    # who the other firm reaches once both sides accept an introduction (trust.introductions)
    contact_person: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    invented: bool = False

    @property
    def is_economic_partner(self) -> bool:
        return self.kind == "firm"


@dataclass
class Stream:
    id: str
    org_id: str
    direction: str
    title: str
    language: str
    material: str
    description: str = ""
    ewc: str | None = None
    quantity: float | None = None
    unit: str | None = None
    availability: str = "continuous"
    months: list[int] = field(default_factory=list)
    interval_days: int | None = None
    price_dkk_per_unit: float | None = None
    treatment_cost_dkk_per_unit: float | None = None
    fate: str | None = None
    confidentiality: str = "public"
    invented: bool = False

    @property
    def hierarchy_level(self) -> int | None:
        return FATE_LEVEL.get(self.fate) if self.fate else None

    @property
    def text(self) -> str:
        return f"{self.title}. {self.description}".strip()


ORG_FIELDS = tuple(f.name for f in fields(Organisation))
STREAM_FIELDS = tuple(f.name for f in fields(Stream))
