"""Danish words for matching: normalising, Snowball stemming and compound splitting.

Danish writes compounds as one word ('spildevandsslam' = spildevand + slam), so a need
for 'slam' never meets an offer of 'spildevandsslam' by whole words. `split_compound`
cuts a word into parts that are all in a general lexicon: the wordfreq Danish word list
(data/lexicon/da_words.tsv) plus the Danish terms of the concept vocabulary; a part may
end in the linking letters -s- or -e- (overskud-s-varme, fisk-e-affald). A word of the
general word list is never split, and among the splits the one with the fewest parts wins,
then the one whose parts are the most common words.

The Danish Snowball stemmer (PyStemmer) folds inflections ('slammet', 'slammer' ->
'slam'). Stemming is applied to English words as well: text and vocabulary pass through
the same function, so equal words meet, and English plurals (-s, -es) fold too.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import Stemmer

from matchmaker.paths import DATA_DIR

TOKEN = re.compile(r"[^\W_]+")
# sentence punctuation: multi-word terms never match across it
BREAK = re.compile(r"[.;:!?]\s")
LINKS = ("s", "e")
MIN_PART = 3          # shortest part of a compound
MIN_SPLIT = 7         # shorter words are never split
MAX_PARTS = 3
TERM_ZIPF = 3.5       # frequency given to vocabulary terms the word list lacks
TERM_BONUS = 1.0      # a material word is a likelier part of a compound in this domain

_stemmers = {"da": Stemmer.Stemmer("danish"), "en": Stemmer.Stemmer("english")}
# Function words decide a text's language: general, closed word classes, no domain words.
_DA_WORDS = frozenset("og i at er det en den til af på med som for ikke har vi de kan om fra et vores der "
                      "eller også men skal vil bliver blev hvor efter ved år året ca hver dag uge måned".split())
_EN_WORDS = frozenset("the and of to a in is it that for on with as we our from are be this by an or not "
                      "can have has at per year each every which into about up would will".split())


def normalise(text: str) -> str:
    """Lower case, composed Unicode (so 'å' typed as a + ring is one letter)."""
    return unicodedata.normalize("NFC", text).lower()


def tokens(text: str) -> list[str]:
    """Word tokens of normalised text: letters and digits; hyphens and apostrophes separate."""
    return TOKEN.findall(normalise(text))


def stem(word: str, language: str = "da") -> str:
    return _stemmers[language].stemWord(word)


def language_of(words: list[str]) -> str:
    """'da' when Danish function words outnumber English ones, else 'en'.

    >>> language_of(tokens("Vi har ca. 40 t kaffegrums om året"))
    'da'
    """
    da = sum(w in _DA_WORDS for w in words)
    en = sum(w in _EN_WORDS for w in words)
    return "da" if da > en else "en"


@dataclass(frozen=True, eq=False)  # hashed by identity: a cache key
class Lexicon:
    words: dict[str, float]   # word -> Zipf frequency (general words and vocabulary terms)
    stems: frozenset[str]     # stems of the words, so inflected heads count ('asken' -> 'ask')
    common: frozenset[str]    # stems of the general word list: such words are never split
    terms: frozenset[str]     # words of the material vocabulary: preferred parts ('halm|aske', not 'hal|maske')

    def known(self, word: str) -> bool:
        return word in self.words or stem(word) in self.stems

    def zipf(self, word: str) -> float:
        return self.words.get(word, TERM_ZIPF) + (TERM_BONUS if word in self.terms else 0.0)


@lru_cache(maxsize=1)
def _general_words() -> tuple[dict[str, float], frozenset[str]]:
    words: dict[str, float] = {}
    with (DATA_DIR / "lexicon" / "da_words.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            words[row["word"]] = float(row["zipf"])
    return words, frozenset(stem(w) for w in words)


def load_lexicon(extra_terms: list[str] | None = None) -> Lexicon:
    """The general word list plus Danish vocabulary terms (default: those of data/concepts.csv)."""
    general, common = _general_words()
    words = dict(general)
    terms = set()
    for term in extra_terms if extra_terms is not None else _concept_terms_da():
        for word in tokens(term):
            if len(word) >= MIN_PART and word.isalpha():
                words.setdefault(word, TERM_ZIPF)
                terms.add(word)
    return Lexicon(words, frozenset(stem(w) for w in words), common, frozenset(terms))


def _concept_terms_da() -> list[str]:
    with (DATA_DIR / "concepts.csv").open(encoding="utf-8", newline="") as fh:
        return [t for r in csv.DictReader(fh) for t in r["terms_da"].split("|") if t.strip()]


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()


def split_compound(word: str, lexicon: Lexicon | None = None) -> list[str]:
    """The parts of a Danish compound without linking letters, or [word] when it is not one.

    >>> split_compound("spildevandsslam")
    ['spildevand', 'slam']
    >>> split_compound("kaffe")
    ['kaffe']
    """
    return list(_split(word, lexicon or default_lexicon()))


@lru_cache(maxsize=200_000)
def _split(word: str, lexicon: Lexicon) -> tuple[str, ...]:
    if len(word) < MIN_SPLIT or not word.isalpha() or stem(word) in lexicon.common:
        return (word,)
    for n_cuts in range(1, MAX_PARTS):
        best: tuple[float, tuple[str, ...]] | None = None
        for cuts in combinations(range(MIN_PART, len(word) - MIN_PART + 1), n_cuts):
            parts = _parts(word, cuts, lexicon)
            if parts is not None:
                score = sum(lexicon.zipf(p) for p in parts) / len(parts)
                if best is None or score > best[0]:
                    best = (score, parts)
        if best is not None:
            return best[1]
    return (word,)


def _parts(word: str, cuts: tuple[int, ...], lexicon: Lexicon) -> tuple[str, ...] | None:
    """The parts for these cut positions if every one is a known word (a non-final part
    also with a linking -s- or -e- dropped), else None."""
    bounds = (0, *cuts, len(word))
    pieces = [word[a:b] for a, b in zip(bounds, bounds[1:])]
    if any(len(p) < MIN_PART for p in pieces):
        return None
    out = []
    for piece in pieces[:-1]:
        # a linking letter first: 'overskuds' and 'fiske' are words too, but here they are overskud-s-, fisk-e-
        if piece[-1] in LINKS and len(piece) > MIN_PART and piece[:-1] in lexicon.words:
            out.append(piece[:-1])
        elif piece in lexicon.words:
            out.append(piece)
        else:
            return None
    head = pieces[-1]
    if not lexicon.known(head):
        return None
    out.append(head)
    return tuple(out)


def analyse(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """Stemmed words and the stemmed parts of compounds: the lexical component's terms.

    >>> analyse("Træflisaske fra kedlen")
    ['træflisask', 'træflis', 'ask', 'fra', 'kedl']
    """
    lexicon = lexicon or default_lexicon()
    out: list[str] = []
    for word in tokens(text):
        out.extend(_terms(word, lexicon))
    return out


@lru_cache(maxsize=200_000)
def _terms(word: str, lexicon: Lexicon) -> tuple[str, ...]:
    parts = _split(word, lexicon) if len(word) >= MIN_SPLIT else (word,)
    return (stem(word), *(stem(p) for p in parts)) if len(parts) > 1 else (stem(word),)
