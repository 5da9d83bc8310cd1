"""Evaluation on labelled offer-need pairs: recall@k and MRR, per direction and language pairing.

Labels live in `data/labels/matches.csv` (offer_id, need_id, label, note);
label 1 is a good match, 0 a hard negative. A fixed part of the offers (by a
hash of the id) is held out from fitting and reported on separately.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from matchmaker.matching.embedding import Embedder
from matchmaker.matching.features import COMPONENTS
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.weights import MatchWeights
from matchmaker.paths import DATA_DIR

LABELS_FILE = DATA_DIR / "labels" / "matches.csv"
HELD_OUT_SHARE = 0.3
KS = (1, 5, 10)


@dataclass(frozen=True)
class Label:
    offer_id: str
    need_id: str
    label: int


def load_labels(path: Path = LABELS_FILE) -> list[Label]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [Label(r["offer_id"], r["need_id"], int(r["label"])) for r in csv.DictReader(fh)]


def held_out(offer_id: str) -> bool:
    """Stable split by offer: the same offers are held out on every machine."""
    return int(hashlib.sha1(offer_id.encode()).hexdigest()[:8], 16) % 1000 < HELD_OUT_SHARE * 1000


def pairing(lang_offer: str, lang_need: str) -> str:
    return f"{lang_offer}-{lang_need}" if lang_offer == lang_need else "da-en"


def training_set(index: MatchIndex, labels: list[Label], negatives_per_offer: int = 20,
                 seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Component vectors for labelled train pairs plus negatives from the same offers: half at
    random, half the best-scoring unlabelled needs under the current weights (hard negatives),
    in both directions, since the labels list every good match the templates allow."""
    rng = np.random.default_rng(seed)
    train = [lab for lab in labels if not held_out(lab.offer_id) and lab.offer_id in index.row and lab.need_id in index.row]
    positives = {(lab.offer_id, lab.need_id) for lab in train if lab.label == 1}
    pairs = [(lab.offer_id, lab.need_id, lab.label) for lab in train]
    need_ids = [s.id for s in index.needs.streams]
    offer_ids = [s.id for s in index.offers.streams]
    scores, _ = index.score(index.offers, index.needs)
    o_pos = {o: i for i, o in enumerate(offer_ids)}
    n_pos = {n: j for j, n in enumerate(need_ids)}
    half = negatives_per_offer // 2
    seen = {(a, b) for a, b, _ in pairs}
    for offer_id in sorted({lab.offer_id for lab in train}):
        row = scores[o_pos[offer_id]]
        picks = list(rng.choice(len(need_ids), size=min(half, len(need_ids)), replace=False))
        picks += [j for j in np.argsort(-row)[: 3 * half] if (offer_id, need_ids[j]) not in positives][:half]
        for j in picks:
            if (offer_id, need_ids[j]) not in positives and (offer_id, need_ids[j]) not in seen and row[j] >= 0:
                pairs.append((offer_id, need_ids[j], 0))
                seen.add((offer_id, need_ids[j]))
    for need_id in sorted({lab.need_id for lab in train}):
        col = scores[:, n_pos[need_id]]
        for i in [i for i in np.argsort(-col)[: 3 * half] if (offer_ids[i], need_id) not in positives][:half]:
            if (offer_ids[i], need_id) not in seen and col[i] >= 0 and not held_out(offer_ids[i]):
                pairs.append((offer_ids[i], need_id, 0))
                seen.add((offer_ids[i], need_id))
    X, y = [], []
    for offer_id, need_id, label in pairs:
        _, comps = index.score(index.features.take([index.row[offer_id]]), index.features.take([index.row[need_id]]))
        X.append([float(comps[c][0, 0]) for c in COMPONENTS])
        y.append(label)
    return np.array(X, dtype=np.float32), np.array(y)


def fit_weights(index: MatchIndex, labels: list[Label]) -> MatchWeights:
    X, y = training_set(index, labels)
    return MatchWeights().fit(X, y)


def _score_matrices(index: MatchIndex, raw_embedder: Embedder) -> dict[str, np.ndarray]:
    """offers x needs score matrices for each method; same-organisation pairs are -inf."""
    hybrid, comps = index.score(index.offers, index.needs)
    same = hybrid < 0
    raw = [f"{s.title}. {s.description}" for s in index.streams]
    emb = raw_embedder.encode(raw)
    emb_o, emb_n = emb[index.offer_rows], emb[index.need_rows]
    tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit(raw)
    tf_o, tf_n = tfidf.transform([raw[i] for i in index.offer_rows]), tfidf.transform([raw[i] for i in index.need_rows])
    out = {"hybrid": hybrid.astype(np.float64), "embeddings": (emb_o @ emb_n.T).astype(np.float64),
           "tfidf": (tf_o @ tf_n.T).toarray()}
    for matrix in out.values():
        matrix[same] = -np.inf
    return out


def _filtered_ranks(scores: np.ndarray, positives: set[int]) -> dict[int, int]:
    """Rank of each positive among the non-positive candidates (other positives filtered out)."""
    negatives = np.array([v for j, v in enumerate(scores) if j not in positives])
    return {p: 1 + int(np.sum(negatives > scores[p])) for p in positives}


def evaluate(index: MatchIndex, labels: list[Label], raw_embedder: Embedder) -> list[dict]:
    """Rows of method, direction, split, pairing, n, recall@1/5/10 and MRR."""
    matrices = _score_matrices(index, raw_embedder)
    o_pos = {s.id: i for i, s in enumerate(index.offers.streams)}
    n_pos = {s.id: j for j, s in enumerate(index.needs.streams)}
    good = [lab for lab in labels if lab.label == 1 and lab.offer_id in o_pos and lab.need_id in n_pos]
    by_offer: dict[str, set[int]] = defaultdict(set)
    by_need: dict[str, set[int]] = defaultdict(set)
    for lab in good:
        by_offer[lab.offer_id].add(n_pos[lab.need_id])
        by_need[lab.need_id].add(o_pos[lab.offer_id])
    rows = []
    for method, matrix in matrices.items():
        ranks: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for lab in good:
            i, j = o_pos[lab.offer_id], n_pos[lab.need_id]
            split = "held-out" if held_out(lab.offer_id) else "train"
            pair = pairing(index.offers.streams[i].language, index.needs.streams[j].language)
            r_on = _filtered_ranks(matrix[i], by_offer[lab.offer_id])[j]
            r_no = _filtered_ranks(matrix[:, j], by_need[lab.need_id])[i]
            for direction, rank in (("offer->needs", r_on), ("need->offers", r_no)):
                for p in (pair, "all"):
                    ranks[(direction, split, p)].append(rank)
        for (direction, split, p), values in sorted(ranks.items()):
            arr = np.array(values)
            rows.append({"method": method, "direction": direction, "split": split, "pairing": p, "n": len(arr),
                         **{f"recall@{k}": round(float(np.mean(arr <= k)), 3) for k in KS},
                         "mrr": round(float(np.mean(1.0 / arr)), 3)})
    return rows
