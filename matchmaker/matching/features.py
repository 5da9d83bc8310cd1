"""Per-stream feature matrices and the vectorised pair components.

Every component is in [0, 1] and computed for a block of offers against a
block of needs at once (matrix products and broadcasting, no Python loop over
pairs):

semantic   cosine of the sentence embeddings of the concept-enriched texts
lexical    TF-IDF cosine of the same texts: character n-grams and Danish-stemmed words with
           the parts of compounds (LexicalModel)
taxonomy   shared material concept or a typical use, EWC code/subchapter/chapter, material category
distance   exp(-km / scale): a transport penalty, steeper for heat and bulk minerals
quantity   sqrt(min/max) of the two quantities in the same unit
uplift     how far the offer climbs the waste hierarchy when it becomes raw material
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from matchmaker import reference
from matchmaker.matching import danish
from matchmaker.matching.concepts import Vocabulary
from matchmaker.materials import materials
from matchmaker.model import MATERIALS, RAW_MATERIAL_LEVEL, UNITS, Stream

COMPONENTS = ("semantic", "lexical", "taxonomy", "distance", "quantity", "uplift")
EARTH_KM = 6371.0


def enriched_text(stream: Stream, concept_labels: list[str]) -> str:
    """The stream's own words plus English concept names and its EWC title,
    so an English-only model and TF-IDF can meet Danish text half-way."""
    extra = list(concept_labels)
    if stream.ewc and stream.ewc in reference.ewc_codes():
        extra.append(reference.ewc_codes()[stream.ewc].description)
    text = f"{stream.title}. {stream.description}".strip()
    return f"{text} ({'; '.join(extra)})" if extra else text


LEXICAL_KINDS = ("char", "words", "both")
LEXICAL_KIND = "both"   # chosen on the real benchmark: benchmarks/components_real.py


class LexicalModel:
    """TF-IDF of the enriched texts: character n-grams ('char'), stemmed words plus the parts
    of Danish compounds ('words', see matching/danish.py), or both halves at equal weight,
    so the cosine of two rows is the mean of the two cosines."""

    def __init__(self, kind: str | None = None, max_df: float = 0.5, char_ngrams: tuple[int, int] = (3, 5)):
        self.kind = kind or LEXICAL_KIND
        if self.kind not in LEXICAL_KINDS:
            raise ValueError(f"lexical kind must be one of {LEXICAL_KINDS}, got {self.kind!r}")
        self.parts: list[TfidfVectorizer] = []
        if self.kind in ("char", "both"):
            self.parts.append(TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, sublinear_tf=True,
                                              max_df=max_df, min_df=1, dtype=np.float32))
        if self.kind in ("words", "both"):
            self.parts.append(TfidfVectorizer(analyzer=danish.analyse, sublinear_tf=True, max_df=max_df, min_df=1,
                                              dtype=np.float32))

    @property
    def vocabulary_(self) -> range:
        return range(sum(len(p.vocabulary_) for p in self.parts))

    def fit_transform(self, texts: list[str]) -> sparse.csr_matrix:
        # one pass over the corpus; the index asks for the same texts' rows right after
        self._fitted = (list(texts), self._join([p.fit_transform(texts) for p in self.parts]))
        return self._fitted[1]

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        if not texts:
            return sparse.csr_matrix((0, len(self.vocabulary_)), dtype=np.float32)
        fitted = getattr(self, "_fitted", None)
        if fitted is not None and len(fitted[0]) == len(texts) and fitted[0] == texts:
            return fitted[1]
        return self._join([p.transform(texts) for p in self.parts])

    @staticmethod
    def _join(mats: list[sparse.spmatrix]) -> sparse.csr_matrix:
        if len(mats) == 1:
            return mats[0].tocsr()
        return (sparse.hstack(mats, format="csr") * np.float32(1 / math.sqrt(len(mats)))).astype(np.float32)


@dataclass
class StreamFeatures:
    """Features of a list of streams, row-aligned with `streams`."""

    streams: list[Stream]
    org: np.ndarray          # int codes of owners
    emb: np.ndarray          # (n, d) float32, unit rows
    tfidf: sparse.csr_matrix | np.ndarray   # TF-IDF rows, or their LSA projection for large corpora
    concepts: sparse.csr_matrix   # (n, K) 0/1
    uses: sparse.csr_matrix       # (n, K) 0/1: what the stream's concepts are typically used for
    ewc: np.ndarray          # int code or -1
    subchapter: np.ndarray
    chapter: np.ndarray
    material: np.ndarray
    xyz: np.ndarray          # (n, 3) unit vectors of the sites on the globe, nan when unknown
    quantity: np.ndarray     # nan when unknown
    unit: np.ndarray         # -1 when unknown
    level: np.ndarray        # waste-hierarchy level of the current fate, 0 unknown
    hazardous: np.ndarray    # bool

    def __len__(self) -> int:
        return len(self.streams)

    def take(self, rows: np.ndarray | slice, with_streams: bool = True) -> StreamFeatures:
        idx = np.arange(len(self))[rows] if isinstance(rows, slice) else np.asarray(rows)
        return StreamFeatures([self.streams[i] for i in idx] if with_streams else [], self.org[idx], self.emb[idx],
                              self.tfidf[idx], self.concepts[idx], self.uses[idx], self.ewc[idx],
                              self.subchapter[idx], self.chapter[idx], self.material[idx], self.xyz[idx],
                              self.quantity[idx], self.unit[idx], self.level[idx],
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


def components(o: StreamFeatures, n: StreamFeatures, aligned: bool = False) -> dict[str, np.ndarray]:
    """All components, float32, for every pair of offers `o` (rows) and needs `n` (columns);
    with `aligned`, for the pairs (o[i], n[i]) only, as a column of shape (len(o), 1)."""
    return assemble(_dot(o.emb, n.emb, aligned), _dot(o.tfidf, n.tfidf, aligned),
                    _dot(o.concepts, n.concepts, aligned), _dot(o.uses, n.concepts, aligned),
                    side_arrays(o), side_arrays(n), lambda a, b: _outer(a, b, aligned))


def side_arrays(f: StreamFeatures) -> dict[str, np.ndarray]:
    """The per-stream arrays the pair components combine (computed once per side for all-pairs)."""
    return {"inv_c": _inv_sqrt(f.concepts), "inv_u": _inv_sqrt(f.uses), "ewc": f.ewc, "sub": f.subchapter,
            "chap": f.chapter, "material": f.material, "xyz": f.xyz, "unit": f.unit,
            "scale": np.array([materials()[MATERIALS[m]].transport_km for m in f.material], dtype=np.float32),
            "logq": np.log(f.quantity).astype(np.float32),
            "uplift": np.where(f.level > 0, np.clip((RAW_MATERIAL_LEVEL - f.level) / 2.0, 0.0, 1.0), 0.25).astype(np.float32)}


def assemble(semantic_raw: np.ndarray, lexical_raw: np.ndarray, shared_n: np.ndarray, used_n: np.ndarray,
             o: dict[str, np.ndarray], n: dict[str, np.ndarray], pair) -> dict[str, np.ndarray]:
    """The components from the pairs' dot products and the two sides' arrays; `pair(a, b)` lays a
    row-side and a column-side array out per pair (every row x column, row i with row i, or listed
    pairs). Elementwise only, in one fixed order, so a pair gets the same bits in every layout."""
    semantic = np.clip(semantic_raw, 0.0, 1.0)
    lexical = np.clip(lexical_raw, 0.0, 1.0).astype(np.float32, copy=False)
    # cosine of the 0/1 concept sets: many shared concepts beat one incidental one
    inv_o, inv_n = pair(o["inv_c"], n["inv_c"])
    inv_u, _ = pair(o["inv_u"], n["inv_c"])
    concept = np.maximum(shared_n * inv_o, used_n * inv_u) * inv_n
    e_o, e_n = pair(o["ewc"], n["ewc"])
    s_o, s_n = pair(o["sub"], n["sub"])
    c_o, c_n = pair(o["chap"], n["chap"])
    ewc = np.maximum.reduce([np.float32(1.0) * ((e_o == e_n) & (e_o >= 0)), np.float32(0.6) * ((s_o == s_n) & (s_o >= 0)),
                             np.float32(0.3) * ((c_o == c_n) & (c_o >= 0))])
    m_o, m_n = pair(o["material"], n["material"])
    taxonomy = (np.float32(0.6) * np.clip(concept, 0.0, 1.0) + np.float32(0.25) * ewc
                + np.float32(0.15) * (m_o == m_n)).astype(np.float32, copy=False)
    km = _km(o["xyz"], n["xyz"], pair)
    scale, _ = pair(o["scale"], n["scale"])
    distance = np.where(np.isnan(km), np.float32(0.5), np.exp(-km / scale))  # unknown site: neutral
    q_o, q_n = pair(o["logq"], n["logq"])
    u_o, u_n = pair(o["unit"], n["unit"])
    ratio = np.exp(np.float32(-0.5) * np.abs(q_o - q_n))  # sqrt(min/max)
    quantity = np.where(np.isnan(ratio), np.float32(0.5), np.where((u_o == u_n) & (u_o >= 0), ratio, np.float32(0.2)))
    uplift = np.broadcast_to(pair(o["uplift"], n["uplift"])[0], semantic.shape)
    return {"semantic": semantic, "lexical": lexical, "taxonomy": taxonomy, "distance": distance.astype(np.float32),
            "quantity": quantity.astype(np.float32, copy=False), "uplift": uplift, "km": km,
            "concept_shared": shared_n > 0, "concept_used": used_n > 0}


def proxy_vectors(f: StreamFeatures, coef: dict[str, float], side: str) -> np.ndarray:
    """Dense rows whose dot products approximate the heavy part of the decision:
    coef_semantic x semantic + coef_lexical x lexical + 0.6 coef_taxonomy x concept cosine
    (offers carry their concepts plus their uses). One matrix product then ranks
    candidates for every pair of a block."""
    lex = f.tfidf.toarray() if sparse.issparse(f.tfidf) else f.tfidf
    concepts = f.concepts + f.uses if side == "offer" else f.concepts
    concepts = (concepts.multiply(_inv_sqrt(concepts)[:, None])).toarray()
    if side == "offer":
        return np.hstack([np.float32(coef["semantic"]) * f.emb, np.float32(coef["lexical"]) * lex,
                          np.float32(0.6 * coef["taxonomy"]) * concepts]).astype(np.float32)
    return np.hstack([f.emb, lex, concepts]).astype(np.float32)


def _outer(a: np.ndarray, b: np.ndarray, aligned: bool) -> tuple[np.ndarray, np.ndarray]:
    """Views that combine per pair: every (row, column), or row i with row i."""
    return (a[:, None], b[:, None]) if aligned else (a[:, None], b[None, :])


def _dot(a, b, aligned: bool) -> np.ndarray:
    if aligned:
        if sparse.issparse(a):
            return np.asarray(a.multiply(b).sum(axis=1), dtype=np.float32)
        return np.einsum("ij,ij->i", a, b).astype(np.float32)[:, None]
    product = a @ b.T
    return (product.toarray() if sparse.issparse(product) else product).astype(np.float32, copy=False)


def _inv_sqrt(matrix: sparse.csr_matrix) -> np.ndarray:
    counts = np.asarray(matrix.sum(axis=1), dtype=np.float32).ravel()
    return np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1.0)), 0.0).astype(np.float32)


def site_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1).astype(np.float32)


def distance_km(a: np.ndarray, b: np.ndarray, aligned: bool = False) -> np.ndarray:
    """Great-circle distance for every pair (rows x columns) of unit site vectors, in km.

    The chord between two unit vectors gives the angle: 2 asin(|a - b| / 2). The chord is
    summed per pair elementwise, not by a matrix product: the same bits whether a pair is
    computed alone or inside a block (see grid.py), and no cancellation at short range.
    """
    return _km(a, b, lambda x, y: _outer(x, y, aligned))


def _km(a: np.ndarray, b: np.ndarray, pair) -> np.ndarray:
    (a0, b0), (a1, b1), (a2, b2) = (pair(a[:, k], b[:, k]) for k in range(3))
    chord2 = np.square(a0 - b0)
    chord2 += np.square(a1 - b1)
    chord2 += np.square(a2 - b2)
    chord = np.sqrt(chord2, out=chord2)
    return (2 * EARTH_KM * np.arcsin(np.minimum(chord / 2, 1.0))).astype(np.float32)


def unit_index(unit: str | None) -> int:
    return UNITS.index(unit) if unit in UNITS else -1
