"""The bilingual concept vocabulary (data/concepts.csv).

Tags Danish or English text with material concepts, so that 'kaffegrums' and
'spent coffee grounds' meet, and knows typical uses ('whey -> biogas, feed').

Tagging runs Aho-Corasick automata, linear in the text whatever the vocabulary size, in
two layers:
1. the former rules, exactly: whole words (the last may take -s or -es), and Danish terms of
   COMPOUND_MIN letters or more anywhere, even inside a word; leftmost-longest matches;
2. Danish Snowball stems for Danish text and English ones for English text ('asken' meets
   'aske', 'grounds' meets 'ground'), and in Danish text the parts of split compounds
   ('træflisaske' -> træflis + aske), against the terms of the text's language. A stem two
   concepts share ('flis' of wood chips and 'fliser' of tiles) is left out, and a stem match
   never overrides or overlaps a match of the first layer.
`_regex_tag` is the former tagger (one large regular expression), kept as the reference
the tests compare against.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import ahocorasick

from matchmaker.matching import danish
from matchmaker.paths import DATA_DIR

COMPOUND_MIN = 5  # Danish terms this long also match inside compounds; English ones match whole words
BREAK_KEY = "|"   # stands between tokens split by punctuation other than a hyphen, apostrophe or '&'
_JOINERS = re.compile(r"[\s\-'’&/]*")


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
        self._danish = {t.lower() for c in concepts for t in c.terms_da}
        self._regex: re.Pattern[str] | None = None   # the reference tagger, built on first use
        self.lexicon = danish.load_lexicon([t for c in concepts for t in c.terms_da])
        self._raw, self._stemmed = _automata(term_to, self._danish)
        self._cache: dict[str, frozenset[str]] = {}
        self.by_ewc: dict[str, set[str]] = {}
        for c in concepts:
            for code in c.ewc:
                self.by_ewc.setdefault(code, set()).add(c.id)

    def tag(self, text: str, ewc: str | None = None) -> set[str]:
        """Concept ids named in the text, plus the concept of the EWC code when the code names only one."""
        found = set(self._cache.get(text) or self._tag_text(text))
        if ewc and len(self.by_ewc.get(ewc, ())) == 1:  # broad codes (e.g. 02 03 04) would tag noise
            found |= self.by_ewc[ewc]
        return found

    def _tag_text(self, text: str) -> frozenset[str]:
        norm = danish.normalise(text)
        chosen = _leftmost_longest(_raw_matches(self._raw, norm)) if self._raw is not None else []
        words = [(m.start(), m.end(), m.group()) for m in danish.TOKEN.finditer(norm)]
        found = {c for _, _, c in chosen}
        if danish.language_of([w[2] for w in words]) == "da":
            breaks = [i > 0 and not _JOINERS.fullmatch(norm, words[i - 1][1], w[0]) for i, w in enumerate(words)]
            stemmed = _line_matches(self._stemmed, [danish.stem(w[2]) for w in words], breaks, words)
            for start, _, word in words:
                parts = danish._split(word, self.lexicon) if len(word) >= danish.MIN_SPLIT else ()
                if len(parts) > 1:
                    stemmed += _part_matches(self._stemmed, word, parts, start)
            taken = [(s, e) for s, e, _ in chosen]
            found |= {c for s, e, c in _leftmost_longest(stemmed) if not any(s < e2 and s2 < e for s2, e2 in taken)}
        result = frozenset(found)
        if len(self._cache) < 100_000:
            self._cache[text] = result
        return result

    def _regex_tag(self, text: str) -> set[str]:
        """The former tagger: one regular expression, longest terms first; the tests' reference."""
        if self._regex is None:
            terms = sorted(self._term_to, key=len, reverse=True)
            parts = [re.escape(t) if len(t) >= COMPOUND_MIN and t in self._danish else rf"\b{re.escape(t)}(?:s|es)?\b"
                     for t in terms]
            self._regex = re.compile("|".join(parts) or "(?!)")
        return {self._term_to[_strip_plural(m.group(0), self._term_to)] for m in self._regex.finditer(text.lower())}

    def uses_of(self, concept_ids: set[str]) -> set[str]:
        return {u for cid in concept_ids for u in self.concepts[cid].uses if u in self.concepts}

    def labels(self, concept_ids: set[str]) -> list[str]:
        return sorted(self.concepts[c].label for c in concept_ids if c in self.concepts)


def _strip_plural(found: str, terms: dict[str, str]) -> str:
    if found in terms:
        return found
    return found[:-2] if found[:-2] in terms else found[:-1]


def _automata(term_to: dict[str, str], danish_terms: set[str]):
    """The first layer's automaton over characters (every term as written; a whole-word
    term also with -s and -es) and the second layer's over stemmed Danish words."""
    raw = ahocorasick.Automaton()
    stems: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
    for term, concept in term_to.items():
        raw.add_word(term, (concept, len(term), not (term in danish_terms and len(term) >= COMPOUND_MIN)))
    for term, concept in term_to.items():
        if not (term in danish_terms and len(term) >= COMPOUND_MIN):
            for suffix in ("s", "es"):
                if term + suffix not in raw:   # a term as written beats another's plural
                    raw.add_word(term + suffix, (concept, len(term) + len(suffix), True))
        if term in danish_terms and danish.tokens(term):
            toks = tuple(danish.tokens(term))
            stems.setdefault(_key([danish.stem(t) for t in toks]), set()).add((concept, toks))
    stemmed = ahocorasick.Automaton()
    for key, concepts in stems.items():
        if len({c for c, _ in concepts}) == 1:   # a stem of two concepts decides nothing
            stemmed.add_word(key, (next(iter(concepts))[0], len(key), key.count(" ") - 1,
                                   tuple(words for _, words in concepts)))
    for automaton in (raw, stemmed):
        if len(automaton):
            automaton.make_automaton()
    return raw if len(raw) else None, stemmed if len(stemmed) else None


def _raw_matches(automaton, text: str) -> list[tuple[int, int, str]]:
    """Every occurrence of a term in the text; whole-word terms only between word boundaries."""
    out = []
    for end, (concept, n, whole_word) in automaton.iter(text):
        start = end - n + 1
        if whole_word and ((start > 0 and _is_word(text[start - 1])) or (end + 1 < len(text) and _is_word(text[end + 1]))):
            continue
        out.append((start, end + 1, concept))
    return out


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _key(words: list[str]) -> str:
    return " " + " ".join(words) + " "


def _line_matches(automaton, keys: list[str], breaks: list[bool],
                  words: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Matches of stemmed whole-word patterns in a line of keys, as (start, end, concept)
    spans of the words; a pattern never runs across a break, and every word must be an
    inflected form of the term's word (see `_inflects`), not just share its stem."""
    if automaton is None or not keys:
        return []
    first_at: dict[int, int] = {}
    pieces = []
    pos = 1
    for i, key in enumerate(keys):
        if breaks[i]:
            pieces.append(BREAK_KEY)
            pos += len(BREAK_KEY) + 1
        first_at[pos] = i
        pieces.append(key)
        pos += len(key) + 1
    out = []
    for end, (concept, n_chars, n_words, surfaces) in automaton.iter(" " + " ".join(pieces) + " "):
        first = first_at[end - n_chars + 2]
        found = [w[2] for w in words[first:first + n_words]]
        if any(all(_inflects(f, t) for f, t in zip(found, term)) for term in surfaces):
            out.append((words[first][0], words[first + n_words - 1][1], concept))
    return out


# Danish inflectional endings (definite, plural, genitive of those, participle); a bare
# genitive -s is left out: 'laks' (salmon) is not a form of 'lak' (lacquer).
_ENDINGS = frozenset({"", "e", "n", "t", "r", "en", "et", "er", "ne", "es", "ene", "erne", "ens", "ets", "ers",
                      "enes", "ernes", "rne", "ede", "ende"})


def _inflects(word: str, term: str) -> bool:
    """Whether `word` is `term` with a Danish ending, the last consonant possibly doubled
    ('slammet' of 'slam'), so that words merely sharing a stem ('valse', 'valle') stay apart."""
    if word.startswith(term) and word[len(term):] in _ENDINGS:
        return True
    doubled = term + term[-1]
    return len(term) > 2 and word.startswith(doubled) and word[len(doubled):] in _ENDINGS and word != doubled


def _leftmost_longest(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Non-overlapping matches, leftmost first and the longest at a position, as a regular
    expression of alternatives sorted longest first finds them."""
    out, end = [], -1
    for s, e, c in sorted(spans, key=lambda m: (m[0], -m[1])):
        if s >= end:
            out.append((s, e, c))
            end = e
    return out


def _part_matches(automaton, word: str, parts: tuple[str, ...], offset: int) -> list[tuple[int, int, str]]:
    """Terms among the stemmed parts of one compound, with their spans inside the word."""
    bounds, at = [], 0
    for part in parts:
        start = word.find(part, at)
        bounds.append((offset + start, offset + start + len(part), part))
        at = start + len(part)
    return _line_matches(automaton, [danish.stem(p) for p in parts], [False] * len(parts), bounds)


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
