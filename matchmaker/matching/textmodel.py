"""The text model of a store: TF-IDF vocabulary and weights, and the LSA directions above
LSA_ABOVE streams, fitted on the store's texts and then frozen.

Refitting on every change moves the lexical score of every pair a little (new document
frequencies), so one edited stream would rewrite thousands of stored lists. Frozen, a change
touches only the lists it enters or leaves. A store keeps the model it scored its stored lists
with (table `text_models`); it is refitted by `matchmaker match --refresh`, and by the next
update once the streams changed since the fit pass DRIFT of those it was fitted on.
Below FROZEN_FROM streams nothing is frozen: a refit costs little there and keeps new words.

Saved as plain arrays (numpy's npz, no pickle): a store's contents never run as code.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from matchmaker.matching import danish
from matchmaker.matching.features import LexicalModel
from matchmaker.matching.grid import on_grid
from matchmaker.store import text_models

LSA_ABOVE = 5000      # above this many streams the lexical rows are an LSA projection
LSA_DIM = 256
LSA_FIT_ROWS: int | None = 5000
FROZEN_FROM = 2000    # streams; smaller stores refit at every update
DRIFT = 0.1           # refit once this share of the fitted streams has changed
NAME = "lexical"


@dataclass
class TextModel:
    lexical: LexicalModel
    lsa: np.ndarray | None   # (LSA_DIM, vocabulary) directions, or None: sparse TF-IDF rows
    rows: int                # texts it was fitted on
    digest: str = ""

    @classmethod
    def fit(cls, texts: list[str]) -> tuple[TextModel, sparse.csr_matrix | np.ndarray]:
        """The model of these texts and the texts' rows under it."""
        lexical, tfidf = _fit_tfidf(texts)
        lsa = None
        if len(texts) > LSA_ABOVE:
            from sklearn.decomposition import TruncatedSVD
            # fitted on a sample of rows: the directions settle long before every row is seen
            fit_rows = tfidf if LSA_FIT_ROWS is None or tfidf.shape[0] <= LSA_FIT_ROWS else \
                tfidf[np.random.default_rng(0).choice(tfidf.shape[0], LSA_FIT_ROWS, replace=False)]
            lsa = TruncatedSVD(n_components=LSA_DIM, random_state=0).fit(fit_rows).components_
            # float16 precision from the start, so the saved model is half the size and exactly the live one
            lsa = lsa.astype(np.float16).astype(np.float32)
        # rows by transform, never fit_transform's: they differ in the last bits, and a reloaded
        # model (another process, a later update) can only transform
        lexical._fitted = None
        model = cls(lexical, lsa, len(texts))
        model.digest = hashlib.sha256(model.to_bytes()).hexdigest()[:32]
        return model, model.rows_of(texts)

    @property
    def dense(self) -> bool:
        return self.lsa is not None

    def rows_of(self, texts: list[str]) -> sparse.csr_matrix | np.ndarray:
        """TF-IDF rows of the texts, or their LSA projection (unit rows on the exact grid).
        Each row depends on its own text only, so a row computed alone equals the same row in a batch."""
        if not texts:
            width = len(self.lexical.vocabulary_)
            return np.zeros((0, LSA_DIM), np.float32) if self.dense else sparse.csr_matrix((0, width), dtype=np.float32)
        rows = self.lexical.transform(texts).tocsr()
        if not self.dense:
            return rows
        projected = np.asarray(rows @ self.lsa.T, dtype=np.float32)  # sparse x dense: row by row
        norms = np.linalg.norm(projected, axis=1, keepdims=True)
        return on_grid(projected / np.where(norms == 0, 1.0, norms))

    # -- saving -------------------------------------------------------------
    def to_bytes(self) -> bytes:
        arrays: dict[str, np.ndarray] = {}
        parts = []
        for i, part in enumerate(self.lexical.parts):
            terms = sorted(part.vocabulary_, key=part.vocabulary_.get)
            arrays[f"terms{i}"] = np.array(terms, dtype=str)
            arrays[f"idf{i}"] = np.asarray(part.idf_)  # its own dtype: the rows must come out bit for bit
            parts.append({"analyzer": "words" if callable(part.analyzer) else part.analyzer,
                          "ngram_range": list(part.ngram_range)})
        if self.lsa is not None:  # only the terms of the rows it was fitted on have directions
            used = np.flatnonzero(np.any(self.lsa != 0, axis=0)).astype(np.int32)
            arrays["lsa_terms"], arrays["lsa"] = used, self.lsa[:, used].astype(np.float16)
        arrays["meta"] = np.array(json.dumps({"kind": self.lexical.kind, "parts": parts, "rows": self.rows,
                                              "width": len(self.lexical.vocabulary_)}))
        buf = io.BytesIO()
        np.savez_compressed(buf, allow_pickle=False, **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes) -> TextModel:
        with np.load(io.BytesIO(raw), allow_pickle=False) as doc:
            meta = json.loads(str(doc["meta"]))
            lexical = LexicalModel(meta["kind"])
            lexical.parts = []
            for i, spec in enumerate(meta["parts"]):
                terms = doc[f"terms{i}"].tolist()
                vocabulary = {t: j for j, t in enumerate(terms)}
                analyzer = danish.analyse if spec["analyzer"] == "words" else spec["analyzer"]
                part = TfidfVectorizer(analyzer=analyzer, ngram_range=tuple(spec["ngram_range"]), sublinear_tf=True,
                                       vocabulary=vocabulary, dtype=np.float32)
                part.idf_ = doc[f"idf{i}"]
                lexical.parts.append(part)
            lsa = None
            if "lsa" in doc.files:
                lsa = np.zeros((doc["lsa"].shape[0], int(meta["width"])), np.float32)
                lsa[:, doc["lsa_terms"]] = doc["lsa"]
        model = cls(lexical, lsa, int(meta["rows"]))
        model.digest = hashlib.sha256(raw).hexdigest()[:32]
        return model


@dataclass
class Frozen:
    """The stored model (None: not read, see `status`) and how far the store has moved since it was fitted."""
    digest: str
    rows: int
    dense: bool
    changed: int
    model: TextModel | None = None

    def drifted(self, streams: int, more: int = 0) -> bool:
        """Whether a store of `streams` streams, `more` of them changing now, needs a new fit."""
        return streams < FROZEN_FROM or self.rows < FROZEN_FROM \
            or self.changed + more > DRIFT * self.rows or (streams > LSA_ABOVE) != self.dense


def status(conn: Connection) -> Frozen | None:
    """The stored model's digest, size and drift, without reading the model itself (megabytes)."""
    row = conn.execute(select(text_models.c.digest, text_models.c.rows, text_models.c.changed)
                       .where(text_models.c.name == NAME)).first()
    # a model is dense (LSA) exactly when fitted on more than LSA_ABOVE texts
    return Frozen(row.digest, int(row.rows), int(row.rows) > LSA_ABOVE, int(row.changed)) if row else None


def load(conn: Connection) -> Frozen | None:
    row = conn.execute(select(text_models).where(text_models.c.name == NAME)).first()
    if row is None:
        return None
    try:
        model = TextModel.from_bytes(bytes(row.body))
    except Exception:  # unreadable (truncated, foreign): treated as absent, refitted by the next update
        return None
    model.digest = row.digest
    return Frozen(row.digest, model.rows, model.dense, int(row.changed), model)


def save(conn: Connection, model: TextModel) -> bool:
    """Store `model` as the one the stored lists were scored with (in the caller's transaction);
    False when it is the one already stored."""
    current = conn.execute(select(text_models.c.digest).where(text_models.c.name == NAME)).scalar()
    if current == model.digest:
        return False
    conn.execute(delete(text_models).where(text_models.c.name == NAME))
    conn.execute(text_models.insert().values(name=NAME, digest=model.digest, rows=model.rows, changed=0,
                                             fitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
                                             body=model.to_bytes()))
    return True


def count_changes(conn: Connection, n: int) -> None:
    """Add n changed streams to the stored model's drift count."""
    if n:
        conn.execute(text_models.update().where(text_models.c.name == NAME)
                     .values(changed=text_models.c.changed + n))


def forget(conn: Connection) -> None:
    conn.execute(delete(text_models))


def _fit_tfidf(texts: list[str]):
    """TF-IDF over the corpus. max_df=0.5 drops n-grams in most texts, which a store of
    0 or 1 streams (or 2 near-identical ones) cannot satisfy: those keep every n-gram."""
    corpus = [t for t in texts if t.strip()] or ["empty"]
    for max_df in ((0.5, 1.0) if len(corpus) > 2 else (1.0,)):
        vectorizer = LexicalModel(max_df=max_df)
        try:
            return vectorizer, vectorizer.fit_transform(corpus)
        except ValueError:  # "no terms remain": every n-gram is in more than half the texts
            continue
    vectorizer = LexicalModel("char", max_df=1.0, char_ngrams=(1, 1))
    return vectorizer, vectorizer.fit_transform(corpus + ["empty"])
