"""The bilingual concept vocabulary (data/concepts.csv).

Tags Danish or English text with material concepts, so that 'kaffegrums' and
'spent coffee grounds' meet, and knows typical uses ('whey -> biogas, feed').
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from matchmaker.paths import DATA_DIR

COMPOUND_MIN = 5  # Danish terms this long also match inside compounds; English ones match whole words


@dataclass
class Concept:
    id: str
    material: str
    terms_en: list[str]
    terms_da: list[str]
    ewc: list[str]
    uses: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.terms_en[0] if self.terms_en else self.id.replace("_", " ")


class Vocabulary:
    def __init__(self, concepts: list[Concept]):
        self.concepts = {c.id: c for c in concepts}
        self.ids = list(self.concepts)
        self.index = {cid: i for i, cid in enumerate(self.ids)}
        term_to: dict[str, str] = {}
        for c in concepts:
            for term in c.terms_en + c.terms_da:
                term_to.setdefault(term.lower(), c.id)
        self._term_to = term_to
        # one regex; longest terms first so 'knust beton' wins over 'beton'
        terms = sorted(term_to, key=len, reverse=True)
        danish = {t.lower() for c in concepts for t in c.terms_da}
        parts = [re.escape(t) if len(t) >= COMPOUND_MIN and t in danish else rf"\b{re.escape(t)}(?:s|es)?\b"
                 for t in terms]
        self._pattern = re.compile("|".join(parts)) if parts else None
        self.by_ewc: dict[str, set[str]] = {}
        for c in concepts:
            for code in c.ewc:
                self.by_ewc.setdefault(code, set()).add(c.id)

    def tag(self, text: str, ewc: str | None = None) -> set[str]:
        """Concept ids named in the text, plus the concept of the EWC code when the code names only one."""
        found: set[str] = set()
        if self._pattern is not None:
            found = {self._term_to[_strip_plural(m.group(0), self._term_to)] for m in self._pattern.finditer(text.lower())}
        if ewc and len(self.by_ewc.get(ewc, ())) == 1:  # broad codes (e.g. 02 03 04) would tag noise
            found |= self.by_ewc[ewc]
        return found

    def uses_of(self, concept_ids: set[str]) -> set[str]:
        return {u for cid in concept_ids for u in self.concepts[cid].uses if u in self.concepts}

    def labels(self, concept_ids: set[str]) -> list[str]:
        return sorted(self.concepts[c].label for c in concept_ids if c in self.concepts)


def _strip_plural(found: str, terms: dict[str, str]) -> str:
    if found in terms:
        return found
    return found[:-2] if found[:-2] in terms else found[:-1]


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split("|") if t.strip()]


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    path = path or DATA_DIR / "concepts.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        concepts = [Concept(r["concept"], r["material"], _split(r["terms_en"]), _split(r["terms_da"]),
                            _split(r["ewc"]), _split(r["uses"])) for r in csv.DictReader(fh)]
    return Vocabulary(concepts)


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return load_vocabulary()
