"""Matching offers to needs: the index over a store's streams, queries and all-pairs top-k."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from . import reference
from .concepts import Vocabulary, default_vocabulary
from .embedding import Embedder
from .errors import MatchmakerError, NotFound
from .features import COMPONENTS, StreamFeatures, code_arrays, components, concept_matrix, enriched_text, unit_index
from .model import HIERARCHY_NAMES, MATERIALS, Organisation, Stream
from .weights import MatchWeights, current_weights

QUERY_ORG = "__query__"
_WORD = re.compile(r"[a-zæøåéü]{4,}")
_STOP = {"with", "from", "that", "this", "have", "from", "which", "will", "their", "about", "year", "tons",
         "vores", "eller", "også", "til", "som", "hvor", "have", "ved", "fra", "med", "kan", "der", "det",
         "om", "året", "årligt", "each", "used", "need", "needs", "want", "looking", "søger", "brug", "vi", "we"}


@dataclass
class Match:
    offer_id: str
    need_id: str
    score: float
    components: dict[str, float]
    km: float | None
    hazardous: bool
    shared_concepts: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    shared_terms: list[str] = field(default_factory=list)
    level_from: str | None = None
    level_to: str = HIERARCHY_NAMES[3]
    sentence: str = ""

    def other(self, stream_id: str) -> str:
        return self.need_id if stream_id == self.offer_id else self.offer_id

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class MatchIndex:
    """Features of every stream in a store, ready for queries and all-pairs scoring."""

    def __init__(self, orgs: list[Organisation], streams: list[Stream], embedder: Embedder,
                 vocab: Vocabulary | None = None, weights: MatchWeights | None = None):
        self.orgs = {o.id: o for o in orgs}
        self.embedder = embedder
        self.vocab = vocab or default_vocabulary()
        self.weights = weights or current_weights()
        self._org_codes: dict[str, int] = {QUERY_ORG: -1}
        self._tag_cache: dict[int, set[str]] = {}
        self.streams = list(streams)
        self.texts = [self._text(s) for s in self.streams]
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                          max_df=0.5, min_df=1, dtype=np.float32)
        self.vectorizer.fit(self.texts or ["empty"])
        self.features = self._features(self.streams, self.texts)
        self.row = {s.id: i for i, s in enumerate(self.streams)}
        self.offer_rows = np.array([i for i, s in enumerate(self.streams) if s.direction == "offer"], dtype=np.int64)
        self.need_rows = np.array([i for i, s in enumerate(self.streams) if s.direction == "need"], dtype=np.int64)
        self.offers = self.features.take(self.offer_rows)
        self.needs = self.features.take(self.need_rows)

    # -- features -----------------------------------------------------------
    def _tags(self, stream: Stream) -> set[str]:
        # keyed by object identity: a query stream and a stored one may share an id
        key = id(stream)
        if key not in self._tag_cache:
            self._tag_cache[key] = self.vocab.tag(stream.text, stream.ewc)
        return self._tag_cache[key]

    def _text(self, stream: Stream) -> str:
        return enriched_text(stream, self.vocab.labels(self._tags(stream)))

    def _features(self, streams: list[Stream], texts: list[str]) -> StreamFeatures:
        tags = [self._tags(s) for s in streams]
        places = reference.postcodes()
        lat, lon = [], []
        for s in streams:
            org = self.orgs.get(s.org_id)
            place = places.get(org.postcode) if org else getattr(s, "_postcode", None)
            lat.append(math.radians(place.latitude) if place else np.nan)
            lon.append(math.radians(place.longitude) if place else np.nan)
        ewc, sub, chap, hazardous = code_arrays(streams)
        return StreamFeatures(
            streams=streams,
            org=np.array([self._org_codes.setdefault(s.org_id, len(self._org_codes)) for s in streams], dtype=np.int64),
            emb=self.embedder.encode(texts) if texts else np.zeros((0, 1), np.float32),
            tfidf=self.vectorizer.transform(texts).tocsr(),
            concepts=concept_matrix(tags, self.vocab),
            uses=concept_matrix([self.vocab.uses_of(t) for t in tags], self.vocab),
            ewc=ewc, subchapter=sub, chapter=chap,
            material=np.array([MATERIALS.index(s.material) for s in streams], dtype=np.int64),
            lat=np.array(lat, dtype=np.float64), lon=np.array(lon, dtype=np.float64),
            quantity=np.array([s.quantity if s.quantity else np.nan for s in streams], dtype=np.float64),
            unit=np.array([unit_index(s.unit) for s in streams], dtype=np.int64),
            level=np.array([s.hierarchy_level or 0 for s in streams], dtype=np.int64),
            hazardous=hazardous,
        )

    # -- scoring ------------------------------------------------------------
    def score(self, o: StreamFeatures, n: StreamFeatures) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        comps = components(o, n)
        comps["distance"] = np.where(np.isnan(comps["km"]), np.float32(0.5), comps["distance"])
        score = self.weights.score(comps)
        same = (o.org[:, None] == n.org[None, :]) & (o.org[:, None] >= 0)
        score[same] = -1.0  # same organisation: never a match
        return score, comps

    def _matches(self, o: StreamFeatures, n: StreamFeatures, pairs: list[tuple[int, int]],
                 score: np.ndarray, comps: dict[str, np.ndarray]) -> list[Match]:
        out = []
        for i, j in pairs:
            if score[i, j] < 0:
                continue
            offer, need = o.streams[i], n.streams[j]
            km = float(comps["km"][i, j])
            shared = self.vocab.labels(self._tags(offer) & self._tags(need))
            uses = sorted(f"{self.vocab.concepts[a].label} -> {self.vocab.concepts[b].label}"
                          for a in self._tags(offer) for b in self.vocab.concepts[a].uses
                          if b in self._tags(need) and b in self.vocab.concepts)
            terms = sorted((set(_WORD.findall(offer.text.lower())) & set(_WORD.findall(need.text.lower()))) - _STOP)[:8]
            match = Match(offer.id, need.id, round(float(score[i, j]), 4),
                          {c: round(float(comps[c][i, j]), 4) for c in COMPONENTS},
                          None if math.isnan(km) else round(km, 1), bool(o.hazardous[i]),
                          shared, uses, terms,
                          HIERARCHY_NAMES.get(offer.hierarchy_level) if offer.hierarchy_level else None)
            match.sentence = self.explain(match, offer, need)
            out.append(match)
        return out

    def explain(self, m: Match, offer: Stream, need: Stream) -> str:
        who_o = self.orgs[offer.org_id].name if offer.org_id in self.orgs else "The offered stream"
        who_n = self.orgs[need.org_id].name if need.org_id in self.orgs else "the need"
        parts = [f"{who_o}'s '{offer.title}' could supply {who_n}'s '{need.title}'"]
        if m.shared_concepts:
            parts.append(f"both concern {', '.join(m.shared_concepts[:3])}")
        elif m.uses:
            parts.append(f"a typical use: {m.uses[0]}")
        elif m.shared_terms:
            parts.append(f"shared terms: {', '.join(m.shared_terms[:3])}")
        if m.km is not None:
            parts.append(f"{m.km:.0f} km apart")
        if offer.quantity and need.quantity and offer.unit == need.unit:
            parts.append(f"{offer.quantity:g} {offer.unit} offered for {need.quantity:g} needed")
        if m.level_from and m.components["uplift"] > 0:
            parts.append(f"moves the stream from {m.level_from} to {m.level_to}")
        if m.hazardous:
            parts.append("CAUTION: hazardous waste code")
        return "; ".join(parts) + "."

    # -- queries ------------------------------------------------------------
    def match_stream(self, stream_id: str, top: int = 10) -> list[Match]:
        """The best counterparts of one stored stream (needs for an offer, offers for a need)."""
        if stream_id not in self.row:
            raise NotFound(f"unknown stream {stream_id!r}")
        return self._query(self.features.take([self.row[stream_id]]), top)

    def match_text(self, text: str, direction: str, postcode: str | None = None, ewc: str | None = None,
                   quantity: float | None = None, unit: str | None = None, material: str = "other",
                   top: int = 10) -> list[Match]:
        """Match a description from someone not registered ('offer' finds needs, 'need' finds offers)."""
        if direction not in ("offer", "need"):
            raise MatchmakerError("direction must be 'offer' or 'need'")
        if not text.strip():
            raise MatchmakerError("describe the stream: the text is empty")
        if postcode and postcode not in reference.postcodes():
            raise MatchmakerError(f"unknown Danish postcode {postcode!r}")
        if ewc:
            ewc = reference.normalise_ewc(ewc)
            if ewc not in reference.ewc_codes():
                raise MatchmakerError(f"unknown EWC code {ewc!r}")
        stream = Stream(id="query", org_id=QUERY_ORG, direction=direction, title=text.strip()[:200],
                        description=text.strip()[200:], language="en", material=material, ewc=ewc or None,
                        quantity=quantity, unit=unit if quantity else None)
        stream._postcode = reference.postcodes().get(postcode) if postcode else None  # type: ignore[attr-defined]
        return self._query(self._features([stream], [self._text(stream)]), top)

    def _query(self, one: StreamFeatures, top: int) -> list[Match]:
        if one.streams[0].direction == "offer":
            score, comps = self.score(one, self.needs)
            order = _top(score[0], top)
            return self._matches(one, self.needs, [(0, j) for j in order], score, comps)
        score, comps = self.score(self.offers, one)
        order = _top(score[:, 0], top)
        return self._matches(self.offers, one, [(i, 0) for i in order], score, comps)

    def all_pairs(self, top: int = 10, block: int = 512) -> dict[str, list[tuple[str, float]]]:
        """Top-k counterparts of every stream, both directions, by blocked matrix products."""
        result: dict[str, list[tuple[str, float]]] = {}
        for rows, other, offers_are_rows in ((self.offers, self.needs, True), (self.needs, self.offers, False)):
            if len(rows) == 0 or len(other) == 0:
                for s in rows.streams:
                    result[s.id] = []
                continue
            k = min(top, len(other))
            for start in range(0, len(rows), block):
                part = rows.take(slice(start, start + block))
                score = self.score(part, other)[0] if offers_are_rows else self.score(other, part)[0].T
                idx = np.argpartition(-score, k - 1, axis=1)[:, :k]
                part_scores = np.take_along_axis(score, idx, axis=1)
                order = np.argsort(-part_scores, axis=1)
                idx = np.take_along_axis(idx, order, axis=1)
                part_scores = np.take_along_axis(part_scores, order, axis=1)
                for r, s in enumerate(part.streams):
                    result[s.id] = [(other.streams[j].id, float(v)) for j, v in zip(idx[r], part_scores[r]) if v >= 0]
        return result

    def pair_scores(self, stream_id: str) -> dict[str, float]:
        """Score of one stream against every counterpart (for incremental updates)."""
        one = self.features.take([self.row[stream_id]])
        if one.streams[0].direction == "offer":
            score, _ = self.score(one, self.needs)
            return {s.id: float(v) for s, v in zip(self.needs.streams, score[0]) if v >= 0}
        score, _ = self.score(self.offers, one)
        return {s.id: float(v) for s, v in zip(self.offers.streams, score[:, 0]) if v >= 0}

    def explain_many(self, stream_id: str, others: list[str]) -> list[Match]:
        """Full matches of one stored stream with the given counterparts, best first."""
        one = self.features.take([self.row[stream_id]])
        rest = self.features.take([self.row[o] for o in others])
        if one.streams[0].direction == "offer":
            score, comps = self.score(one, rest)
            found = self._matches(one, rest, [(0, j) for j in range(len(others))], score, comps)
        else:
            score, comps = self.score(rest, one)
            found = self._matches(rest, one, [(i, 0) for i in range(len(others))], score, comps)
        return sorted(found, key=lambda m: -m.score)

    def explain_pair(self, offer_id: str, need_id: str) -> Match:
        o = self.features.take([self.row[offer_id]])
        n = self.features.take([self.row[need_id]])
        score, comps = self.score(o, n)
        found = self._matches(o, n, [(0, 0)], score, comps)
        if not found:
            raise MatchmakerError("a stream cannot match another stream of the same organisation")
        return found[0]


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    valid = np.flatnonzero(scores >= 0)
    if len(valid) == 0:
        return valid
    k = min(k, len(valid))
    part = valid[np.argpartition(-scores[valid], k - 1)[:k]]
    return part[np.argsort(-scores[part], kind="stable")]
