"""The lexical and taxonomy components alone on the real benchmark, before and after the
Danish text processing (stemming, compound splitting, Aho-Corasick concept tagging).

For every documented exchange (data/benchmark/*/exchanges.csv) and each language pairing
(offer text in da/en, need text in da/en), the offer ranks every need of the other
organisations by one component's score (and, the other way, the need ranks the offers);
other true partners of the same stream are left out, and a true partner tied with others
ranks after all of them. Prints recall@10 and MRR per variant, component, direction and pairing.

    .venv/bin/python benchmarks/components_real.py
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matchmaker.matching import features  # noqa: E402
from matchmaker.matching.concepts import load_vocabulary  # noqa: E402
from matchmaker.matching.index import MatchIndex  # noqa: E402
from matchmaker.model import Organisation, Stream  # noqa: E402
from matchmaker.paths import DATA_DIR  # noqa: E402

PAIRINGS = (("da", "da"), ("en", "en"), ("da", "en"), ("en", "da"))
PARTS = ("nordic", "world")


class ZeroEmbedder:
    """The semantic component is not measured here."""

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 8), np.float32)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load() -> tuple[list[dict], list[dict], list[tuple[str, str]]]:
    orgs, streams, pairs = [], [], []
    for part in PARTS:
        folder = DATA_DIR / "benchmark" / part
        orgs += _rows(folder / "organisations.csv")
        streams += _rows(folder / "streams.csv")
        pairs += [(r["offer_stream_id"], r["need_stream_id"]) for r in _rows(folder / "exchanges.csv")]
    return orgs, streams, pairs


def build(orgs: list[dict], rows: list[dict], offer_lang: str, need_lang: str) -> tuple[list[Organisation], list[Stream]]:
    out_orgs = [Organisation(id=o["org_id"], name=o["name"], kind=o["kind"], sector=o["sector"], postcode="") for o in orgs]
    streams = []
    for r in rows:
        lang = offer_lang if r["direction"] == "offer" else need_lang
        streams.append(Stream(id=r["stream_id"], org_id=r["org_id"], direction=r["direction"], title=r[f"title_{lang}"],
                              description=r[f"description_{lang}"], language=lang, material=r["material"],
                              ewc=r["ewc"] or None))
    return out_orgs, streams


def ranks(score: np.ndarray, o_org: list[str], n_org: list[str], o_ids: list[str], n_ids: list[str],
          pairs: list[tuple[str, str]]) -> dict[str, list[int]]:
    """Rank of the true partner per exchange, in both directions (ties count against it)."""
    o_pos = {s: i for i, s in enumerate(o_ids)}
    n_pos = {s: j for j, s in enumerate(n_ids)}
    partners_o: dict[str, set[str]] = {}
    partners_n: dict[str, set[str]] = {}
    for o, n in pairs:
        partners_o.setdefault(o, set()).add(n)
        partners_n.setdefault(n, set()).add(o)
    out: dict[str, list[int]] = {"offer->need": [], "need->offer": []}
    for o, n in pairs:
        i, j = o_pos[o], n_pos[n]
        keep = np.array([c == j or (n_org[c] != o_org[i] and n_ids[c] not in partners_o[o]) for c in range(len(n_ids))])
        row = score[i, keep]
        true = score[i, j]
        out["offer->need"].append(int((row >= true).sum()))
        keep = np.array([c == i or (o_org[c] != n_org[j] and o_ids[c] not in partners_n[n]) for c in range(len(o_ids))])
        col = score[keep, j]
        out["need->offer"].append(int((col >= true).sum()))
    return out


def measure(variant: str, lexical_kind: str, old_tagger: bool, orgs, rows, pairs) -> list[dict]:
    features.LEXICAL_KIND = lexical_kind
    vocab = load_vocabulary()
    if old_tagger:
        vocab._tag_text = vocab._regex_tag   # the former regular expression
    results = []
    for offer_lang, need_lang in PAIRINGS:
        o, s = build(orgs, rows, offer_lang, need_lang)
        index = MatchIndex(o, s, ZeroEmbedder(), vocab)
        comps = features.components(index.offers, index.needs)
        o_org = [x.org_id for x in index.offers.streams]
        n_org = [x.org_id for x in index.needs.streams]
        o_ids = [x.id for x in index.offers.streams]
        n_ids = [x.id for x in index.needs.streams]
        for comp in ("lexical", "taxonomy"):
            for direction, r in ranks(comps[comp], o_org, n_org, o_ids, n_ids, pairs).items():
                r = np.array(r)
                results.append({"variant": variant, "component": comp, "direction": direction,
                                "pairing": f"{offer_lang}-{need_lang}", "recall@10": float((r <= 10).mean()),
                                "mrr": float((1.0 / r).mean()), "n": len(r)})
    return results


def main() -> None:
    orgs, rows, pairs = load()
    print(f"{len(pairs)} exchanges, {len(rows)} streams, {len(orgs)} organisations (data/benchmark/{{{','.join(PARTS)}}})")
    variants = [("before: char n-grams + regex tagger", "char", True),
                ("after: char n-grams + new tagger", "char", False),
                ("after: stemmed words+parts + new tagger", "words", False),
                ("after: both + new tagger", "both", False)]
    table = []
    for name, kind, old in variants:
        t = time.perf_counter()
        table += measure(name, kind, old, orgs, rows, pairs)
        print(f"  {name}: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    for comp in ("lexical", "taxonomy"):
        for direction in ("offer->need", "need->offer"):
            print(f"\n{comp}, {direction}: recall@10 / MRR")
            print(f"{'variant':42s} " + " ".join(f"{a}-{b:13s}" for a, b in PAIRINGS) + "mean")
            for name, _, _ in variants:
                cells = [r for r in table if r["variant"] == name and r["component"] == comp and r["direction"] == direction]
                text = " ".join(f"{c['recall@10']:.3f}/{c['mrr']:.3f}   " for c in cells)
                mean = (np.mean([c["recall@10"] for c in cells]), np.mean([c["mrr"] for c in cells]))
                print(f"{name:42s} {text} {mean[0]:.3f}/{mean[1]:.3f}")


if __name__ == "__main__":
    main()
