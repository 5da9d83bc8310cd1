"""Danish stemming, compound splitting and the Aho-Corasick concept tagger against the former regex."""

import csv
from pathlib import Path

import pytest

from matchmaker.matching import danish
from matchmaker.matching.concepts import default_vocabulary
from matchmaker.paths import DATA_DIR


@pytest.mark.parametrize("word,parts", [
    ("spildevandsslam", ["spildevand", "slam"]),     # linking -s-
    ("træflisaske", ["træflis", "aske"]),
    ("overskudsvarme", ["overskud", "varme"]),       # linking -s- although 'overskuds' is a word too
    ("kaffegrums", ["kaffe", "grums"]),
    ("fiskeaffald", ["fisk", "affald"]),             # linking -e-
    ("halmaske", ["halm", "aske"]),                  # material words win over 'hal' + 'maske'
    ("spildevandsslammet", ["spildevand", "slammet"]),   # an inflected head
    ("landbrug", ["landbrug"]),                      # a common word is never split
    ("sandsynligvis", ["sandsynligvis"]),
    ("kaffe", ["kaffe"]),                            # too short to split
    ("xyzqwvbnm", ["xyzqwvbnm"]),                    # nothing known
])
def test_compound_splitting(word, parts):
    assert danish.split_compound(word) == parts


def test_stemming_folds_inflections():
    assert danish.stem("slammet") == danish.stem("slam")
    assert danish.stem("asken") == danish.stem("aske")
    assert danish.stem("batterierne") == danish.stem("batterier")


def test_analyse_adds_stemmed_parts_and_keeps_the_word():
    terms = danish.analyse("Spildevandsslam fra renseanlægget")
    assert danish.stem("spildevandsslam") in terms and "slam" in terms and danish.stem("spildevand") in terms


def test_language_of():
    assert danish.language_of(danish.tokens("Vi har ca. 40 t kaffegrums om året")) == "da"
    assert danish.language_of(danish.tokens("We have about 40 t of coffee grounds a year")) == "en"


def test_tagging_finds_compound_parts_and_inflections():
    vocab = default_vocabulary()
    assert {"bottom_ash", "wood_chips"} <= vocab.tag("Træflisaske fra kedlen")
    assert "bottom_ash" in vocab.tag("asken fra halmfyret")
    assert "sewage_sludge" in vocab.tag("Vi har fiskeslam fra rensningen")
    assert vocab.tag("Betonknusanlæg med knust beton") == {"crushed_concrete"}   # the longer term wins


@pytest.mark.parametrize("text,wrong", [
    ("Vores valseværk kører i tre skift", "whey"),          # 'valse' shares a stem with 'valle'
    ("Lakseopdræt i havet", "paint"),                      # 'laks' is not a form of 'lak'
    ("Vi sælger hudplejeprodukter", "leather"),            # 'hud' is not 'huder'
    ("Ask for our price list", "bottom_ash"),              # English text: no Danish stems
    ("Paper trimmings from our print shop", "cardboard"),  # 'paper' does not stem to Danish 'pap'
])
def test_stems_that_only_look_alike_do_not_tag(text, wrong):
    assert wrong not in default_vocabulary().tag(text)


def _texts() -> list[str]:
    texts = []
    with (DATA_DIR / "demo" / "streams.csv").open(encoding="utf-8", newline="") as fh:
        texts += [f"{r['title']}. {r['description']}" for r in csv.DictReader(fh)]
    for path in sorted(Path(DATA_DIR / "benchmark").glob("*/streams.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                texts += [f"{r['title_en']}. {r['description_en']}", f"{r['title_da']}. {r['description_da']}"]
    return texts


def test_new_tagger_finds_everything_the_former_regex_finds():
    """On the demo and the real benchmark streams (both languages) the Aho-Corasick tagger finds
    every concept the former one-regex tagger found; the additions come from stems and compounds."""
    vocab = default_vocabulary()
    texts = _texts()
    assert len(texts) > 1000
    missing = {t[:80]: vocab._regex_tag(t) - vocab.tag(t) for t in texts if vocab._regex_tag(t) - vocab.tag(t)}
    assert not missing
    added = sum(len(vocab.tag(t) - vocab._regex_tag(t)) for t in texts)
    assert 0 < added < 0.1 * sum(len(vocab._regex_tag(t)) for t in texts)   # additions, not a flood


def test_small_vocabulary_builds_its_own_lexicon(vocab):
    # the test vocabulary (tests/data/concepts_small.csv) tags without the default one
    assert vocab.tag("Vi har kaffegrumset fra 3 caféer") == {"coffee_grounds"}
