"""Matching offers to needs: the index over a store's streams, queries and all-pairs top-k."""

from __future__ import annotations

import math
import re
from dataclasses import fields, replace

import numpy as np

from matchmaker import reference
from matchmaker.errors import MatchmakerError, NotFound
from matchmaker.matching import ann
from matchmaker.matching.allpairs import PrunedPairs, prunable
from matchmaker.matching.concepts import Vocabulary, default_vocabulary
from matchmaker.matching.danish import language_of, tokens
from matchmaker.matching.embedding import Embedder
from matchmaker.matching.explain import Match, explain
from matchmaker.matching.features import (
    COMPONENTS,
    StreamFeatures,
    code_arrays,
    components,
    concept_matrix,
    enriched_text,
    site_vectors,
    unit_index,
)
from matchmaker.matching.grid import on_grid
from matchmaker.matching.textmodel import TextModel
from matchmaker.matching.topk import Ranked, block_top_k, pruned_top_k
from matchmaker.matching.weights import MatchWeights, current_weights
from matchmaker.model import HIERARCHY_NAMES, MATERIALS, Organisation, Stream
from matchmaker.quantities import extract_quantity, stream_amount
from matchmaker.settings import settings

QUERY_ORG = "__query__"
_WORD = re.compile(r"[a-zæøåéü]{4,}")
_STOP = {"with", "from", "that", "this", "have", "which", "will", "their", "about", "year", "tons",
         "vores", "eller", "også", "til", "som", "hvor", "ved", "fra", "med", "kan", "der", "det",
         "om", "året", "årligt", "each", "used", "need", "needs", "want", "looking", "søger", "brug", "vi", "we"}


def query_stream(text: str, direction: str, ewc: str | None = None, quantity: float | None = None,
                 unit: str | None = None, material: str = "other") -> Stream:
    """The stream an unregistered searcher describes (its owner is the reader: 'your'); without
    a quantity, the one the text states ('ca. 40 t om året') is used."""
    if not quantity:
        stated = extract_quantity(text, unit)
        quantity, unit = (stated.per_year, stated.unit) if stated else (None, None)
    return Stream(id="query", org_id=QUERY_ORG, direction=direction, title=text.strip()[:200],
                  description=text.strip()[200:], language=language_of(tokens(text)), material=material,
                  ewc=ewc or None, quantity=quantity, unit=unit if quantity else None)


class MatchIndex:
    """Features of every stream in a store, ready for queries and all-pairs scoring."""

    def __init__(self, orgs: list[Organisation], streams: list[Stream], embedder: Embedder,
                 vocab: Vocabulary | None = None, weights: MatchWeights | None = None,
                 sites: dict[str, tuple[float, float]] | None = None, approximate: bool | None = None,
                 text_model: TextModel | None = None):
        """`text_model`: the store's frozen text model (textmodel.py); without one it is fitted here."""
        self.orgs = {o.id: o for o in orgs}
        # single queries: None = approximate candidates from settings().ann_min_streams streams (ann.py)
        self.approximate = approximate
        self._search: dict[tuple[str, str], ann.NeighbourSearch] = {}
        self.neighbours = None  # (side, kind, features) -> a shared search or None (vectorstore.attach)
        # (lat, lon) of organisations without a Danish postcode (e.g. the benchmark's foreign firms)
        self.sites = dict(sites or {})
        self._names = {o.id: o.name for o in orgs}
        self.embedder = embedder
        self.vocab = vocab or default_vocabulary()
        self.weights = weights or current_weights()
        self._org_codes: dict[str, int] = {QUERY_ORG: -1}
        self._tag_cache: dict[tuple, set[str]] = {}
        # by id, the order a store lists them in, and the one `updated` keeps (ties rank by position)
        self.streams = sorted(streams, key=lambda s: s.id)
        self.texts = [self._text(s) for s in self.streams]
        # Above LSA_ABOVE streams the sparse n-gram product dominates all-pairs time; a
        # 256-dimensional LSA projection keeps the cosine close at a fraction of the cost.
        self.text_model = text_model or TextModel.fit(self.texts)[0]
        self.row = {s.id: i for i, s in enumerate(self.streams)}
        self.offer_rows = np.array([i for i, s in enumerate(self.streams) if s.direction == "offer"], dtype=np.int64)
        self.need_rows = np.array([i for i, s in enumerate(self.streams) if s.direction == "need"], dtype=np.int64)
        # each side's features once (no third copy of every row): a store's 100k embeddings are 150 MB
        self.offers = self._features([self.streams[i] for i in self.offer_rows], [self.texts[i] for i in self.offer_rows])
        self.needs = self._features([self.streams[i] for i in self.need_rows], [self.texts[i] for i in self.need_rows])
        self.ranked: Ranked | None = None

    # -- features -----------------------------------------------------------
    def take(self, ids: list[str]) -> StreamFeatures:
        """The features of these stored streams, in this order."""
        parts = []
        for sid in ids:
            i = self.row[sid]
            side, rows = (self.offers, self.offer_rows) if self.streams[i].direction == "offer" else (self.needs, self.need_rows)
            parts.append(side.take([int(np.searchsorted(rows, i))]))
        return stack_features(parts) if parts else self.offers.take([])

    def _tags(self, stream: Stream) -> set[str]:
        # the tags depend on the text and the code only; a searcher's texts are not kept (the
        # cache would grow with every search). Not keyed by object identity: Python reuses the
        # address of a freed query stream, whose tags would then be read for another text.
        if stream.org_id == QUERY_ORG:
            return self.vocab.tag(stream.text, stream.ewc)
        key = (stream.text, stream.ewc)
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
            site = (place.latitude, place.longitude) if place else self.sites.get(s.org_id, (np.nan, np.nan))
            lat.append(site[0])
            lon.append(site[1])
        ewc, sub, chap, hazardous = code_arrays(streams)
        amounts = [stream_amount(s)[:2] for s in streams]   # structured, else stated in the text
        return StreamFeatures(
            streams=streams,
            org=np.array([self._org_codes.setdefault(s.org_id, len(self._org_codes)) for s in streams], dtype=np.int64),
            # on the exact grid: a pair scores the same bits alone or inside an all-pairs block
            emb=on_grid(self.embedder.encode(texts)) if texts else np.zeros((0, 1), np.float32),
            tfidf=self._lexical(texts),
            concepts=concept_matrix(tags, self.vocab),
            uses=concept_matrix([self.vocab.uses_of(t) for t in tags], self.vocab),
            ewc=ewc, subchapter=sub, chapter=chap,
            material=np.array([MATERIALS.index(s.material) for s in streams], dtype=np.int64),
            xyz=site_vectors(np.array(lat, dtype=np.float64), np.array(lon, dtype=np.float64)),
            quantity=np.array([q or np.nan for q, _ in amounts], dtype=np.float64),
            unit=np.array([unit_index(u) for _, u in amounts], dtype=np.int64),
            level=np.array([s.hierarchy_level or 0 for s in streams], dtype=np.int64),
            hazardous=hazardous,
        )

    def _lexical(self, texts: list[str]):
        return self.text_model.rows_of(texts)

    # -- scoring ------------------------------------------------------------
    def score(self, o: StreamFeatures, n: StreamFeatures) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        comps = components(o, n)
        score = self.weights.score(comps)
        same = (o.org[:, None] == n.org[None, :]) & (o.org[:, None] >= 0)
        score[same] = -1.0  # same organisation: never a match
        return score, comps

    def _matches(self, o: StreamFeatures, n: StreamFeatures, pairs: list[tuple[int, int]],
                 score: np.ndarray, comps: dict[str, np.ndarray], aligned: bool = False) -> list[Match]:
        """`aligned`: o and n are row-aligned (pair k is o[k], n[k]) and pairs are (k, 0) into
        columns of components (features.components(..., aligned=True))."""
        out = []
        for i, j in pairs:
            if score[i, j] < 0:
                continue
            offer, need = o.streams[i], n.streams[i if aligned else j]
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
        return explain(m, offer, need, self._names)

    # -- queries ------------------------------------------------------------
    def match_stream(self, stream_id: str, top: int = 10) -> list[Match]:
        """The best counterparts of one stored stream (needs for an offer, offers for a need)."""
        if stream_id not in self.row:
            raise NotFound(f"unknown stream {stream_id!r}")
        return self._query(self.take([stream_id]), top)

    def match_text(self, text: str, direction: str, postcode: str | None = None, ewc: str | None = None,
                   quantity: float | None = None, unit: str | None = None, material: str = "other",
                   top: int = 10, coarse: frozenset[str] | set[str] = frozenset()) -> list[Match]:
        """Match a description from someone not registered ('offer' finds needs, 'need' finds offers).

        Streams in `coarse` (those the searcher sees only under a pseudonym) are placed at their
        region's public point, for the distance component and the km alike: a searcher who may
        not see the owner cannot locate it by searching from many postcodes."""
        if direction not in ("offer", "need"):
            raise MatchmakerError("direction must be 'offer' or 'need'")
        if not text.strip():
            raise MatchmakerError("describe the stream: the text is empty")
        ewc = reference.search_codes(postcode, ewc)
        stream = query_stream(text, direction, ewc, quantity, unit, material)
        stream._postcode = reference.postcodes().get(postcode) if postcode else None  # type: ignore[attr-defined]
        text_only = None
        if ewc:  # the code may only add evidence: each partner scores at least what the words alone give
            plain = replace(stream, ewc=None)
            plain._postcode = stream._postcode  # type: ignore[attr-defined]
            text_only = self._features([plain], [self._text(plain)])
        return self._query(self._features([stream], [self._text(stream)]), top, coarse, text_only)

    def _coarse(self, side: StreamFeatures, rows: np.ndarray, coarse: frozenset[str] | set[str]) -> StreamFeatures:
        """`side` with the sites of the streams in `coarse` moved to their owner's region point."""
        mask = np.array([s.id in coarse for s in side.streams], dtype=bool)
        if not mask.any():
            return side
        public = self._region_sites(rows[mask])
        xyz = side.xyz.copy()
        xyz[mask] = public
        return replace(side, xyz=xyz)

    def _region_sites(self, rows: np.ndarray) -> np.ndarray:
        places = reference.postcodes()
        lat, lon = [], []
        for i in rows:
            org = self.orgs.get(self.streams[i].org_id)
            place = places.get(org.postcode) if org else None
            point = places.get(reference.REGION_POSTCODE.get(place.region, "")) if place else None
            lat.append(point.latitude if point else np.nan)
            lon.append(point.longitude if point else np.nan)
        return site_vectors(np.array(lat, dtype=np.float64), np.array(lon, dtype=np.float64))

    def _query(self, one: StreamFeatures, top: int, coarse: frozenset[str] | set[str] = frozenset(),
               floor: StreamFeatures | None = None) -> list[Match]:
        """`floor`: the same query without the searcher's EWC code; each counterpart keeps the
        better of the two scores (and that score's components), so a code that the other side
        lacks or states differently never ranks a partner below what the text alone earns."""
        if len(self.needs if one.streams[0].direction == "offer" else self.offers) == 0:
            return []  # nothing on the other side (a new or tiny store)
        if one.streams[0].direction == "offer":
            rows, needs = self._candidates("needs", one, top)
            needs = self._coarse(needs, rows, coarse) if coarse else needs
            score, comps = self.score(one, needs)
            if floor is not None:
                score, comps = _at_least(score, comps, *self.score(floor, needs))
            order = _top(score[0], top)
            return self._matches(one, needs, [(0, j) for j in order], score, comps)
        rows, offers = self._candidates("offers", one, top)
        offers = self._coarse(offers, rows, coarse) if coarse else offers
        score, comps = self.score(offers, one)
        if floor is not None:
            score, comps = _at_least(score, comps, *self.score(offers, floor))
        order = _top(score[:, 0], top)
        return self._matches(offers, one, [(i, 0) for i in order], score, comps)

    def _candidates(self, side: str, one: StreamFeatures, top: int) -> tuple[np.ndarray, StreamFeatures]:
        """The store rows and features a single query scores: the whole other side, or on a large
        store (or when forced) the union of its ann.CANDIDATES nearest by embedding and nearest
        by the LSA text vector (dense above LSA_ABOVE streams), each from an approximate index;
        the full hybrid score then ranks them. The text vector matters: by embedding alone the
        hybrid top-10 was found only 86% of the time at 50k streams (benchmarks/ann.py)."""
        feats, rows = (self.needs, self.need_rows) if side == "needs" else (self.offers, self.offer_rows)
        want = max(ann.CANDIDATES, 20 * top)
        approximate = getattr(self, "approximate", None)  # indexes pickled before this attribute
        if approximate is None:
            approximate = len(self.streams) >= settings().ann_min_streams
        if not approximate or len(rows) <= want:
            return rows, feats
        searches = self.__dict__.setdefault("_search", {})
        picks = []
        for name, vectors, query in (("emb", feats.emb, one.emb), ("lex", feats.tfidf, one.tfidf)):
            if not isinstance(vectors, np.ndarray):  # sparse TF-IDF on smaller stores: embeddings only
                continue
            if (side, name) not in searches:  # built on a side's first query, then kept in memory
                shared = getattr(self, "neighbours", None)  # PostgreSQL's index (vectorstore.py)
                searches[(side, name)] = (shared and shared(side, name, feats)) or ann.neighbour_search(vectors, approximate=True)
            picks.append(searches[(side, name)].search(query, want)[0])
        pick = np.unique(np.concatenate(picks))
        return rows[pick], feats.take(pick)

    def all_pairs(self, top: int = 10, block: int | None = None) -> dict[str, list[tuple[str, float]]]:
        """Top-k counterparts of every stream, both directions, exactly: every offer-need pair gets
        the full score, one block of offers at a time, and each block is reduced to its rows'
        top-k and its columns' candidates at once (matching/topk.py); no Python loop per pair."""
        result: dict[str, list[tuple[str, float]]] = {s.id: [] for s in self.streams}
        n_o, n_n = len(self.offers), len(self.needs)
        if n_o == 0 or n_n == 0:
            return result
        self.weights.check_fitted()
        if prunable(self.offers, self.needs, self.weights):  # LSA rows: bound every pair, score the few that can rank
            pruned = PrunedPairs(self.offers, self.needs, self.weights)
            o_idx, o_val, n_idx, n_val = pruned_top_k(pruned.bound, pruned.exact, n_o, n_n, top, block)
        else:
            offers, needs = _dense_concepts(self.offers), _dense_concepts(self.needs)

            def decide(start: int, stop: int) -> np.ndarray:
                return self.decision(offers.take(slice(start, stop), False), needs)

            o_idx, o_val, n_idx, n_val = block_top_k(decide, n_o, n_n, top, block)
        self.ranked = Ranked(top, o_idx, o_val, n_idx, n_val)  # kept for row-by-row updates (rowupdate.py)
        result.update(self.ranked_lists())
        return result

    def ranked_lists(self, ids: set[str] | None = None) -> dict[str, list[tuple[str, float]]]:
        """The lists in self.ranked (of these streams, or all) as (counterpart id, score), best first."""
        ranked = self.ranked
        out: dict[str, list[tuple[str, float]]] = {}
        for mine, theirs, idx, val in ((self.offers, self.needs, ranked.o_idx, ranked.o_val),
                                       (self.needs, self.offers, ranked.n_idx, ranked.n_val)):
            rows = range(len(mine.streams)) if ids is None else [i for i, s in enumerate(mine.streams) if s.id in ids]
            for i in rows:
                score = 1.0 / (1.0 + np.exp(-val[i].astype(np.float64)))
                out[mine.streams[i].id] = [(theirs.streams[j].id, float(p)) for j, p in zip(idx[i], score) if j >= 0]
        return out

    def decision(self, o: StreamFeatures, n: StreamFeatures, aligned: bool = False) -> np.ndarray:
        """The weights' linear decision (monotone in the score); same organisation is -inf."""
        decision = self.weights.decision(components(o, n, aligned))
        o_org, n_org = (o.org[:, None], n.org[:, None]) if aligned else (o.org[:, None], n.org[None, :])
        decision[(o_org == n_org) & (o_org >= 0)] = -np.inf
        return decision

    def explain_lists(self, lists: dict[str, list[tuple[str, float]]], chunk: int = 20000) -> dict[str, list[Match]]:
        """Full matches for many ranked lists at once, each keeping its ranking's score: the
        components of every listed pair come from one aligned computation per chunk of pairs,
        not one small matrix per list (what storing 100k streams' lists costs)."""
        o_pos = {s.id: j for j, s in enumerate(self.offers.streams)}
        n_pos = {s.id: j for j, s in enumerate(self.needs.streams)}
        flat = [(sid, other, score) for sid, pairs in lists.items() for other, score in pairs]
        found: dict[tuple[str, str], Match] = {}
        for start in range(0, len(flat), chunk):
            part = flat[start:start + chunk]
            oriented = [(a, b) if a in o_pos else (b, a) for a, b, _ in part]
            o = self.offers.take(np.array([o_pos[a] for a, _ in oriented], dtype=np.int64))
            n = self.needs.take(np.array([n_pos[b] for _, b in oriented], dtype=np.int64))
            comps = components(o, n, aligned=True)
            score = np.array([[sc] for _, _, sc in part], dtype=np.float64)
            for m in self._matches(o, n, [(k, 0) for k in range(len(part))], score, comps, aligned=True):
                found[(m.offer_id, m.need_id)] = m
        out: dict[str, list[Match]] = {}
        for sid, pairs in lists.items():
            ms = []
            for other, score in pairs:
                m = found.get((sid, other)) or found.get((other, sid))
                if m is not None:
                    m = replace(m, score=round(float(score), 4))
                    ms.append(m)
            out[sid] = ms
        return out

    def explain_pair(self, offer_id: str, need_id: str) -> Match:
        o = self.take([offer_id])
        n = self.take([need_id])
        score, comps = self.score(o, n)
        found = self._matches(o, n, [(0, 0)], score, comps)
        if not found:
            raise MatchmakerError("a stream cannot match another stream of the same organisation")
        return found[0]


def _at_least(score: np.ndarray, comps: dict[str, np.ndarray], base: np.ndarray,
              base_comps: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per pair, the higher of two scorings of one query, with the components that gave it."""
    lower = base > score
    if not lower.any():
        return score, comps
    return np.where(lower, base, score), {k: np.where(lower, base_comps[k], v) if k in base_comps else v
                                          for k, v in comps.items()}


def _dense_concepts(f: StreamFeatures) -> StreamFeatures:
    """The concept and use sets as dense 0/1 rows (a few hundred columns): the block products run
    in BLAS instead of sparse code; sums of ones are exact either way, so the scores are identical."""
    return replace(f, concepts=f.concepts.toarray(), uses=f.uses.toarray())


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    valid = np.flatnonzero(scores >= 0)
    if len(valid) == 0:
        return valid
    k = min(k, len(valid))
    part = valid[np.argpartition(-scores[valid], k - 1)[:k]]
    return part[np.argsort(-scores[part], kind="stable")]


def stack_features(parts: list[StreamFeatures]) -> StreamFeatures:
    """Rows of several feature sets, one after another."""
    from scipy import sparse

    def stack(arrays: list):
        return sparse.vstack(arrays, format="csr") if sparse.issparse(arrays[0]) else np.concatenate(arrays)
    first = parts[0]
    return StreamFeatures(**{f.name: ([s for p in parts for s in p.streams] if f.name == "streams" else
                                      stack([getattr(p, f.name) for p in parts]))
                             for f in fields(first)})
