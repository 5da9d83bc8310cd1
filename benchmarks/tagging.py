"""Concept tagging and index build (without embedding) at scale: the former regular-expression
tagger with character n-gram TF-IDF against the Aho-Corasick tagger with the current lexical
model, in the same run, on synthetic streams recombined from real texts.

The texts: titles and description sentences of the demo streams (data/demo/streams.csv) and
of the real benchmark (data/benchmark/*/streams.csv, Danish and English), recombined at random
(a title with two or three sentences of other streams of the same language), so every text is
different and no cache helps either tagger. Above 5,000 streams the build includes the LSA
projection of the lexical rows: the former fit it on every row, the new one on 5,000 of them.

    .venv/bin/python benchmarks/tagging.py            # 20,000 streams
    .venv/bin/python benchmarks/tagging.py 5000
"""

from __future__ import annotations

import csv
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matchmaker.matching import features, textmodel  # noqa: E402
from matchmaker.matching.concepts import load_vocabulary  # noqa: E402
from matchmaker.matching.index import MatchIndex  # noqa: E402
from matchmaker.model import Organisation, Stream  # noqa: E402
from matchmaker.paths import DATA_DIR  # noqa: E402


class ZeroEmbedder:
    def encode(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 8), np.float32)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def sources() -> dict[str, tuple[list[str], list[str]]]:
    """Titles and sentences per language."""
    pool: dict[str, tuple[list[str], list[str]]] = {"da": ([], []), "en": ([], [])}
    for r in _rows(DATA_DIR / "demo" / "streams.csv"):
        pool[r["language"]][0].append(r["title"])
        pool[r["language"]][1].extend(re.split(r"(?<=[.!?])\s+", r["description"]))
    for path in sorted((DATA_DIR / "benchmark").glob("*/streams.csv")):
        for r in _rows(path):
            for lang in ("da", "en"):
                pool[lang][0].append(r[f"title_{lang}"])
                pool[lang][1].extend(re.split(r"(?<=[.!?])\s+", r[f"description_{lang}"]))
    return pool


def corpus(n: int, seed: int = 7) -> tuple[list[Organisation], list[Stream]]:
    rng = random.Random(seed)
    pool = sources()
    orgs = [Organisation(id=f"O{i}", name=f"Org {i}", kind="firm", sector="other", postcode="") for i in range(n // 4 + 1)]
    streams = []
    for i in range(n):
        lang = rng.choice(("da", "en"))
        titles, sentences = pool[lang]
        streams.append(Stream(id=f"S{i}", org_id=f"O{i // 4}", direction=rng.choice(("offer", "need")),
                              title=rng.choice(titles), description=" ".join(rng.sample(sentences, rng.randint(2, 3))),
                              language=lang, material="other"))
    return orgs, streams


def run(orgs, streams, old: bool) -> tuple[float, float]:
    vocab = load_vocabulary()
    features.LEXICAL_KIND = "char" if old else "both"
    textmodel.LSA_FIT_ROWS = None if old else 5000   # the former build fitted LSA on every row
    tag = vocab._regex_tag if old else vocab.tag
    t = time.perf_counter()
    for s in streams:
        tag(s.text)
    tagging = time.perf_counter() - t
    if old:
        vocab._tag_text = vocab._regex_tag
    vocab._cache.clear()
    t = time.perf_counter()
    MatchIndex(orgs, streams, ZeroEmbedder(), vocab)
    return tagging, time.perf_counter() - t


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    orgs, streams = corpus(n)
    print(f"{n} streams recombined from demo and benchmark texts ({len({s.text for s in streams})} distinct)")
    new_tag, new_build = run(orgs, streams, old=False)
    old_tag, old_build = run(orgs, streams, old=True)
    print(f"{'':34s}{'former (regex, char TF-IDF)':>30s}{'new (Aho-Corasick, words+char)':>34s}{'speed-up':>10s}")
    print(f"{'tagging alone':34s}{old_tag:29.1f}s{new_tag:33.1f}s{old_tag / new_tag:9.1f}x")
    print(f"{'index build without embedding':34s}{old_build:29.1f}s{new_build:33.1f}s{old_build / new_build:9.1f}x")
    print(f"{'per stream (build)':34s}{1000 * old_build / n:28.2f}ms{1000 * new_build / n:32.2f}ms")


if __name__ == "__main__":
    main()
