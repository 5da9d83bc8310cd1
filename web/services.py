"""What the pages share: the store, the match index and cached chain proposals.

Built lazily once per app and rebuilt after an import, so a page reads
stored results instead of recomputing them.
"""

from __future__ import annotations

import threading
from functools import cached_property

from matchmaker.chains import graph
from matchmaker.matching.embedding import Embedder, load_embedder
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.stored import build_index, ranked_pairs
from matchmaker.programmes import rules
from matchmaker.programmes.proposals import Proposal, propose
from matchmaker.store import Store
from matchmaker.trust.access import ANONYMOUS, Viewer, World, world_for
from matchmaker.trust.introductions import revealed_to


class Services:
    def __init__(self, db: str | None, model: str | None = None, embedder: Embedder | None = None):
        self.store = Store(db)
        self._model = model
        self._embedder = embedder
        self._lock = threading.RLock()
        self._proposals: dict[str, list[Proposal]] = {}
        self._exports: dict[str, str] = {}

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or load_embedder(self._model)

    @cached_property
    def orgs(self) -> dict:
        return {o.id: o for o in self.store.organisations()}

    @cached_property
    def streams(self) -> dict:
        return {s.id: s for s in self.store.streams()}

    @cached_property
    def index(self) -> MatchIndex:
        with self._lock:
            return build_index(self.store, self.embedder)

    @cached_property
    def pairs(self) -> dict[str, list[tuple[str, float]]]:
        with self._lock:
            return ranked_pairs(self.store, self.embedder)

    @cached_property
    def graph(self):
        return graph.build_graph(list(self.orgs.values()), list(self.streams.values()), self.pairs)

    @cached_property
    def firm_graph(self):
        return graph.firm_graph(self.graph)

    def graph_export(self, fmt: str) -> str:
        """GraphML or GEXF of the whole graph, built once per data version (it takes ~0.1-0.4 s)."""
        with self._lock:
            if fmt not in self._exports:
                self._exports[fmt] = graph.to_graphml(self.graph) if fmt == "graphml" else graph.to_gexf(self.graph)
            return self._exports[fmt]

    def proposals(self, programme_id: str) -> list[Proposal]:
        with self._lock:
            if programme_id not in self._proposals:
                prog = rules.get_programme(programme_id)
                self._proposals[programme_id] = propose(self.firm_graph, list(self.orgs.values()),
                                                        list(self.streams.values()), prog)
            return self._proposals[programme_id]

    def proposal(self, programme_id: str, chain_id: str) -> Proposal | None:
        return next((p for p in self.proposals(programme_id) if p.chain.id == chain_id), None)

    @cached_property
    def secret(self) -> bytes:
        return self.store.secret()

    @cached_property
    def public_world(self) -> World:
        with self._lock:
            return world_for(ANONYMOUS, self.orgs, self.streams, self.pairs, self.secret)

    def world(self, viewer: Viewer) -> World:
        """What this viewer may see: everything for staff, the shared public world for visitors,
        and for a firm user its own streams plus what introductions revealed."""
        if viewer.role == "anonymous":
            return self.public_world
        revealed = revealed_to(self.store, viewer.org_id) if viewer.role == "firm" and viewer.org_id else frozenset()
        return world_for(viewer, self.orgs, self.streams, self.pairs, self.secret, revealed)

    def graph_export_for(self, viewer: Viewer, fmt: str) -> str:
        """The graph file as this viewer may see it; the staff and visitor versions are built once."""
        if viewer.is_staff:
            return self.graph_export(fmt)
        key = f"public-{fmt}"
        if viewer.role == "anonymous" and key in self._exports:
            return self._exports[key]
        w = self.world(viewer)
        g = graph.build_graph(list(w.orgs.values()), list(w.streams.values()), w.pairs)
        text = graph.to_graphml(g) if fmt == "graphml" else graph.to_gexf(g)
        if viewer.role == "anonymous":
            with self._lock:
                self._exports[key] = text
        return text

    def invalidate(self) -> None:
        """After the data changed: drop every derived view (the embedding cache survives)."""
        with self._lock:
            for name in ("orgs", "streams", "index", "pairs", "graph", "firm_graph", "public_world"):
                self.__dict__.pop(name, None)
            self._proposals.clear()
            self._exports.clear()
