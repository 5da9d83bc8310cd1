"""What the pages share: the store, the embedder, and a snapshot of what was read and
derived from one data version (records, match index, pairs, graph, proposals, exports).

Every write bumps the store's data version in its own transaction (matchmaker.store).
A request checks that version once, when it first needs data (one row), and keeps the
snapshot it got until it ends. When the version moved, a new snapshot replaces the old
one: it keeps the parts whose tables did not change and reloads the others when they are
first asked for. So a process reloads after a write, whoever made it (this process,
another worker, the CLI), never before it; and a request still reading an old snapshot
caches nothing that a later request could see.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from flask import g, has_request_context

from matchmaker.chains import graph
from matchmaker.matching.embedding import Embedder, load_embedder
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.stored import build_index, ranked_pairs
from matchmaker.programmes import rules
from matchmaker.programmes.proposals import Proposal, propose
from matchmaker.store import Store
from matchmaker.trust.access import ANONYMOUS, Viewer, World, shared_view, world_for
from matchmaker.trust.introductions import revealed_for

RECORDS = frozenset({"organisations", "streams"})
EVERYTHING = RECORDS | {"matches"}
# The tables each cached part is read from: a part survives a write to any other table.
DEPENDS: dict[str, frozenset[str]] = {
    "records": RECORDS, "index": RECORDS, "pairs": frozenset({"matches"}), "graph": EVERYTHING,
    "firm_graph": EVERYTHING, "public_world": EVERYTHING, "proposals": EVERYTHING, "exports": EVERYTHING,
}


class Snapshot:
    """The parts read from one data version, each loaded on first use and never changed after."""

    def __init__(self, svc: Services, versions: dict[str, int], carried: dict[str, Any] | None = None):
        self._svc = svc
        self.versions = versions
        self._lock = threading.RLock()
        # proposals take seconds: their own lock, so pages that need only the index or the
        # visitors' view do not wait behind a facilitator's first chains page
        self._proposal_lock = threading.Lock()
        self.proposals: dict[str, list[Proposal]] = {}
        self.exports: dict[str, str] = {}
        self.__dict__.update(carried or {})

    def successor(self, versions: dict[str, int]) -> Snapshot:
        """A snapshot for newer versions that keeps the parts no changed table feeds."""
        changed = {name for name in versions.keys() | self.versions.keys()
                   if versions.get(name) != self.versions.get(name)}
        carried = {part: self.__dict__[part] for part, tables in DEPENDS.items()
                   if part in self.__dict__ and not tables & changed}
        return Snapshot(self._svc, versions, carried)

    @cached_property
    def records(self) -> tuple[dict, dict]:
        """Organisations and streams read as one: read again if a write landed between the two reads."""
        store = self._svc.store
        with self._lock:
            for _ in range(5):
                before = {name: v for name, v in store.data_versions().items() if name in RECORDS}
                orgs = {o.id: o for o in store.organisations()}
                streams = {s.id: s for s in store.streams()}
                if before == {name: v for name, v in store.data_versions().items() if name in RECORDS}:
                    break
            return orgs, streams

    @property
    def orgs(self) -> dict:
        return self.records[0]

    @property
    def streams(self) -> dict:
        return self.records[1]

    @cached_property
    def index(self) -> MatchIndex:
        with self._lock:
            return build_index(self._svc.store, self._svc.embedder)

    @cached_property
    def pairs(self) -> dict[str, list[tuple[str, float]]]:
        with self._lock:
            return ranked_pairs(self._svc.store, self._svc.embedder)

    @cached_property
    def graph(self):
        return graph.build_graph(list(self.orgs.values()), list(self.streams.values()), self.pairs)

    @cached_property
    def firm_graph(self):
        return graph.firm_graph(self.graph)

    @cached_property
    def public_world(self) -> World:
        with self._lock:
            return world_for(ANONYMOUS, self.orgs, self.streams, self.pairs, self._svc.secret)

    def proposals_for(self, programme_id: str) -> list[Proposal]:
        with self._proposal_lock:
            if programme_id not in self.proposals:
                prog = rules.get_programme(programme_id)
                self.proposals[programme_id] = propose(self.firm_graph, list(self.orgs.values()),
                                                       list(self.streams.values()), prog)
            return self.proposals[programme_id]

    def export(self, key: str, build) -> str:
        """A graph file built once per snapshot (they take ~0.1-0.4 s)."""
        with self._lock:
            if key not in self.exports:
                self.exports[key] = build()
            return self.exports[key]


def _graph_text(G, fmt: str) -> str:
    return graph.to_graphml(G) if fmt == "graphml" else graph.to_gexf(G)


class Services:
    def __init__(self, db: str | None, model: str | None = None, embedder: Embedder | None = None):
        self.store = Store(db)
        self._model = model
        self._embedder = embedder
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or load_embedder(self._model)

    @cached_property
    def secret(self) -> bytes:
        return self.store.secret()

    def check(self) -> Snapshot:
        """The snapshot for the store's current data version (one row read; more only when it moved)."""
        version = self.store.data_version()
        snap = self._snapshot
        if snap is not None and snap.versions.get("*") == version:
            return snap
        with self._lock:  # versions read in turn under the lock never go back
            snap = self._snapshot
            if snap is not None and snap.versions.get("*") == version:
                return snap  # another request moved it meanwhile
            versions = self.store.data_versions()
            if snap is None or snap.versions != versions:
                self._snapshot = snap.successor(versions) if snap else Snapshot(self, versions)
            return self._snapshot

    @property
    def data(self) -> Snapshot:
        """The request's snapshot: checked once, on first use, then kept until the request ends."""
        if not has_request_context():
            return self.check()
        if "matchmaker_data" not in g:
            g.matchmaker_data = self.check()
        return g.matchmaker_data

    @property
    def orgs(self) -> dict:
        return self.data.orgs

    @property
    def streams(self) -> dict:
        return self.data.streams

    @property
    def index(self) -> MatchIndex:
        return self.data.index

    @property
    def pairs(self) -> dict[str, list[tuple[str, float]]]:
        return self.data.pairs

    @property
    def graph(self):
        return self.data.graph

    @property
    def firm_graph(self):
        return self.data.firm_graph

    def proposals(self, programme_id: str) -> list[Proposal]:
        return self.data.proposals_for(programme_id)

    def proposal(self, programme_id: str, chain_id: str) -> Proposal | None:
        return next((p for p in self.proposals(programme_id) if p.chain.id == chain_id), None)

    def world(self, viewer: Viewer) -> World:
        """What this viewer may see (trust.access): visitors share one cached public world; staff
        and firm users get theirs built per request (a firm's includes what introductions revealed)."""
        snap = self.data
        if shared_view(viewer) == "public":
            return snap.public_world
        return world_for(viewer, snap.orgs, snap.streams, snap.pairs, self.secret, revealed_for(self.store, viewer))

    def graph_export_for(self, viewer: Viewer, fmt: str) -> str:
        """The graph file as this viewer may see it; the versions viewers share are built once per snapshot."""
        snap = self.data
        shared = shared_view(viewer)
        if shared == "all":
            return snap.export(fmt, lambda: _graph_text(snap.graph, fmt))

        def build() -> str:
            w = self.world(viewer)
            return _graph_text(graph.build_graph(list(w.orgs.values()), list(w.streams.values()), w.pairs), fmt)
        return snap.export(f"public-{fmt}", build) if shared == "public" else build()
