"""Per-stream feature matrices and the vectorised pair components.

Every component is in [0, 1] and computed for a block of offers against a
block of needs at once (matrix products and broadcasting, no Python loop over
pairs):

semantic   cosine of the sentence embeddings of the concept-enriched texts
lexical    TF-IDF (character n-grams) cosine of the same texts
taxonomy   shared material concept or a typical use, EWC code/subchapter/chapter, material category
distance   exp(-km / scale): a transport penalty, steeper for heat and bulk minerals
quantity   sqrt(min/max) of the two quantities in the same unit
uplift     how far the offer climbs the waste hierarchy when it becomes raw material
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from . import reference
from .concepts import Vocabulary
from .model import MATERIALS, UNITS, Stream

COMPONENTS = ("semantic", "lexical", "taxonomy", "distance", "quantity", "uplift")
# km over which the transport score falls to 1/e, by the offered material
TRANSPORT_KM = {"heat_energy": 10.0, "water": 30.0, "concrete_mineral": 60.0, "ash_slag": 60.0,
                "gypsum": 150.0, "sludge_manure": 50.0}
DEFAULT_TRANSPORT_KM = 200.0
RAW_MATERIAL_LEVEL = 3  # a matched offer becomes a raw material: recycling on the waste hierarchy
EARTH_KM = 6371.0


def enriched_text(stream: Stream, concept_labels: list[str]) -> str:
    """The stream's own words plus English concept names and its EWC title,
    so an English-only model and TF-IDF can meet Danish text half-way."""
    extra = list(concept_labels)
    if stream.ewc and stream.ewc in reference.ewc_codes():
        extra.append(reference.ewc_codes()[stream.ewc].description)
    text = f"{stream.title}. {stream.description}".strip()
    return f"{text} ({'; '.join(extra)})" if extra else text


@dataclass
class StreamFeatures:
    """Features of a list of streams, row-aligned with `streams`."""

    streams: list[Stream]
    org: np.ndarray          # int codes of owners
    emb: np.ndarray          # (n, d) float32, unit rows
    tfidf: sparse.csr_matrix
    concepts: sparse.csr_matrix   # (n, K) 0/1
    uses: sparse.csr_matrix       # (n, K) 0/1: what the stream's concepts are typically used for
    ewc: np.ndarray          # int code or -1
    subchapter: np.ndarray
    chapter: np.ndarray
    material: np.ndarray
    lat: np.ndarray          # radians
    lon: np.ndarray
    quantity: np.ndarray     # nan when unknown
    unit: np.ndarray         # -1 when unknown
    level: np.ndarray        # waste-hierarchy level of the current fate, 0 unknown
    hazardous: np.ndarray    # bool

    def __len__(self) -> int:
        return len(self.streams)

    def take(self, rows: np.ndarray | slice) -> "StreamFeatures":
        idx = np.arange(len(self))[rows] if isinstance(rows, slice) else np.asarray(rows)
        return StreamFeatures([self.streams[i] for i in idx], self.org[idx], self.emb[idx],
                              self.tfidf[idx], self.concepts[idx], self.uses[idx], self.ewc[idx],
                              self.subchapter[idx], self.chapter[idx], self.material[idx], self.lat[idx],
                              self.lon[idx], self.quantity[idx], self.unit[idx], self.level[idx],
                              self.hazardous[idx])


def concept_matrix(tag_sets: list[set[str]], vocab: Vocabulary) -> sparse.csr_matrix:
    rows = [i for i, tags in enumerate(tag_sets) for _ in tags]
    cols = [vocab.index[c] for tags in tag_sets for c in tags]
    return sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                             shape=(len(tag_sets), len(vocab.ids)))


def code_arrays(streams: list[Stream]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    ewc = np.array([int(s.ewc) if s.ewc else -1 for s in streams], dtype=np.int64)
    sub = np.where(ewc >= 0, ewc // 100, -1)
    chap = np.where(ewc >= 0, ewc // 10000, -1)
    hazardous = np.array([bool(s.ewc) and reference.ewc_codes()[s.ewc].hazardous for s in streams], dtype=bool)
    return ewc, sub, chap, hazardous


def components(o: StreamFeatures, n: StreamFeatures) -> dict[str, np.ndarray]:
    """All components for every pair of offers `o` (rows) and needs `n` (columns)."""
    semantic = np.clip(o.emb @ n.emb.T, 0.0, 1.0)
    lexical = np.clip((o.tfidf @ n.tfidf.T).toarray().astype(np.float32), 0.0, 1.0)
    nct = n.concepts.T.tocsc()
    shared_n = (o.concepts @ nct).toarray()
    used_n = (o.uses @ nct).toarray()
    shared, used = shared_n > 0, used_n > 0
    # cosine of the 0/1 concept sets: many shared concepts beat one incidental one
    size_n = np.sqrt(np.asarray(n.concepts.sum(axis=1)).ravel())[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        cos_shared = shared_n / (np.sqrt(np.asarray(o.concepts.sum(axis=1)).ravel())[:, None] * size_n)
        cos_used = used_n / (np.sqrt(np.asarray(o.uses.sum(axis=1)).ravel())[:, None] * size_n)
    concept = np.clip(np.maximum(np.nan_to_num(cos_shared), np.nan_to_num(cos_used)), 0.0, 1.0).astype(np.float32)
    ewc = np.where((o.ewc[:, None] >= 0) & (o.ewc[:, None] == n.ewc[None, :]), 1.0,
                   np.where((o.subchapter[:, None] >= 0) & (o.subchapter[:, None] == n.subchapter[None, :]), 0.6,
                            np.where((o.chapter[:, None] >= 0) & (o.chapter[:, None] == n.chapter[None, :]), 0.3, 0.0)))
    material = (o.material[:, None] == n.material[None, :])
    taxonomy = (0.6 * concept + 0.25 * ewc + 0.15 * material).astype(np.float32)
    km = distance_km(o.lat, o.lon, n.lat, n.lon)
    scale = np.array([TRANSPORT_KM.get(MATERIALS[m], DEFAULT_TRANSPORT_KM) for m in o.material],
                     dtype=np.float32)
    distance = np.exp(-km / scale[:, None]).astype(np.float32)
    same_unit = (o.unit[:, None] == n.unit[None, :]) & (o.unit[:, None] >= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.sqrt(np.minimum(o.quantity[:, None], n.quantity[None, :]) /
                        np.maximum(o.quantity[:, None], n.quantity[None, :]))
    known = ~np.isnan(o.quantity)[:, None] & ~np.isnan(n.quantity)[None, :]
    quantity = np.where(same_unit & known, np.nan_to_num(ratio), np.where(known, 0.2, 0.5)).astype(np.float32)
    uplift_row = np.where(o.level > 0, np.clip((RAW_MATERIAL_LEVEL - o.level) / 2.0, 0.0, 1.0), 0.25)
    uplift = np.broadcast_to(uplift_row[:, None].astype(np.float32), semantic.shape)
    return {"semantic": semantic, "lexical": lexical, "taxonomy": taxonomy, "distance": distance,
            "quantity": quantity, "uplift": uplift, "km": km,
            "concept_shared": shared, "concept_used": used}


def distance_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine great-circle distance for every pair (rows x columns), in km."""
    dlat = lat2[None, :] - lat1[:, None]
    dlon = lon2[None, :] - lon1[:, None]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat1)[:, None] * np.cos(lat2)[None, :] * np.sin(dlon / 2) ** 2
    return (2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))).astype(np.float32)


def unit_index(unit: str | None) -> int:
    return UNITS.index(unit) if unit in UNITS else -1
