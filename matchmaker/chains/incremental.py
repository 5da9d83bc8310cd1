"""The firm graph and its chains kept up to date after a few streams change.

`build_state(orgs, streams, pairs)` holds what `graph.firm_graph(graph.build_graph(...))` and
`discovery.find_chains` give; `update_state(state, Changes(...))` brings it in step with changed
stream lists, streams and organisations without recomputing the rest:

- firm links: only the firm pairs one of whose stream links can have moved are computed again,
  from the two firms' own streams' lists (a link between two streams comes from one of their
  two lists);
- chains: a firm whose kept successors (or their links) changed drops every pair, path and loop
  it is in, and those are found again by walking only from the firms within `max_firms - 1`
  kept steps upstream of it; a hub whose best suppliers changed gets its hub chain again. Any
  other chain uses only links that did not change, so it stands as it was.

The result equals the full computation on the new data (tests/matchmaker/test_chains_incremental.py),
read in the store's order: organisations and streams by id, the ranked lists by stream id (what
`Store.streams` and `stored.ranked_pairs` give). Where two stream links of the same firms tie, that
order decides which one the firm link names, as in `graph.firm_graph`.

The state is updated in place (copying a 100k-stream graph would cost more than the update):
a caller that shares it with readers must hand them the chains list, not the state.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

import networkx as nx
from sortedcontainers import SortedList
from sqlalchemy import select

from matchmaker.chains import graph
from matchmaker.chains.discovery import (
    KNOWLEDGE_KINDS,
    Chain,
    best_successors,
    chain_order,
    hub_chain,
    hub_suppliers,
    walk,
)
from matchmaker.matching import textmodel
from matchmaker.matching.stored import stored_lists
from matchmaker.model import Organisation, Stream
from matchmaker.store import Store, matches

Pairs = dict[str, list[tuple[str, float]]]


@dataclass
class Changes:
    """What changed since the state was built or last updated.

    `lists`: stream id -> its new ranked list (None: the stream has no list any more);
    `streams`, `orgs`: id -> the new record (None: removed). A changed stream whose list did
    not change need not be in `lists`."""
    lists: dict[str, list[tuple[str, float]] | None] = field(default_factory=dict)
    streams: dict[str, Stream | None] = field(default_factory=dict)
    orgs: dict[str, Organisation | None] = field(default_factory=dict)


def _org_node(o: Organisation) -> dict:
    """The firm graph's node attributes for an organisation, as build_graph makes them."""
    return dict(graph.build_graph([o], [], {}).nodes[f"org:{o.id}"])


class FirmGraph:
    """`graph.firm_graph(graph.build_graph(orgs, streams, pairs))`, kept in step with changes."""

    def __init__(self, orgs: Iterable[Organisation], streams: Iterable[Stream], pairs: Pairs):
        self.orgs = {o.id: o for o in orgs}
        self.streams = {s.id: s for s in streams}
        self.pairs: Pairs = dict(pairs)
        self.by_org: dict[str, set[str]] = {}
        for s in self.streams.values():
            self.by_org.setdefault(s.org_id, set()).add(s.id)
        self.held_by: dict[str, set[str]] = {}  # stream -> the streams whose lists hold it
        for key, entries in self.pairs.items():
            for other, _ in entries:
                self.held_by.setdefault(other, set()).add(key)
        self.F = graph.firm_graph(graph.build_graph(list(self.orgs.values()), list(self.streams.values()),
                                                    dict(sorted(self.pairs.items()))))

    def _firms(self, key: str, other: str) -> tuple[str, str] | None:
        """The firm pair one list entry links (offer's firm, need's firm), as build_graph orients it."""
        a, b = self.streams.get(key), self.streams.get(other)
        if a is None or b is None:
            return None
        return (a.org_id, b.org_id) if a.direction == "offer" else (b.org_id, a.org_id)

    def _entry_pairs(self, keys: Iterable[str]) -> set[tuple[str, str]]:
        found = set()
        for key in keys:
            for other, score in self.pairs.get(key) or ():
                if score >= 0.0:
                    firms = self._firms(key, other)
                    if firms is not None and firms[0] != firms[1]:
                        found.add(firms)
        return found

    def edge(self, a: str, b: str) -> dict | None:
        """The firm link a -> b as firm_graph makes it from build_graph's stream links."""
        links: dict[tuple[str, str], list] = {}  # (offer, need) -> [score's source, score, first seen]
        for key in sorted(self.by_org.get(a, set()) | self.by_org.get(b, set())):
            if key not in self.streams:
                continue
            offer_side = self.streams[key].direction == "offer"
            for i, (other, score) in enumerate(self.pairs.get(key) or ()):
                if score < 0.0 or other not in self.streams:
                    continue
                u, v = (key, other) if offer_side else (other, key)
                if self.streams[u].org_id != a or self.streams[v].org_id != b:
                    continue
                seen = links.get((u, v))
                if seen is None:  # keys run in id order: the first is where build_graph adds the edge
                    links[(u, v)] = [key, round(float(score), 4), (key, i)]
                elif key > seen[0]:  # a later list sets the edge's score again
                    seen[0], seen[1] = key, round(float(score), 4)
        if not links:
            return None
        # firm_graph: edges in graph order (offer stream, then when added), the first best score kept
        (u, v), (_, score, _) = min(links.items(), key=lambda kv: (-kv[1][1], kv[0][0], kv[1][2]))
        return {"score": score, "offer_id": u, "need_id": v}

    def apply(self, changes: Changes) -> set[str]:
        """Apply the changes; returns the firms whose links or records changed (and their neighbours
        when a firm came, went or changed kind)."""
        F = self.F
        keys = set(changes.lists) | set(changes.streams)
        for sid in changes.streams:
            keys |= self.held_by.get(sid, set())
        affected = self._entry_pairs(keys)
        for key, entries in changes.lists.items():
            for other, _ in self.pairs.get(key) or ():
                holders = self.held_by.get(other)
                if holders is not None:
                    holders.discard(key)
                    if not holders:
                        del self.held_by[other]
            if entries is None:
                self.pairs.pop(key, None)
            else:
                self.pairs[key] = list(entries)
                for other, _ in entries:
                    self.held_by.setdefault(other, set()).add(key)
        for sid, s in changes.streams.items():
            old = self.streams.pop(sid, None)
            if old is not None:
                self.by_org[old.org_id].discard(sid)
            if s is not None:
                self.streams[sid] = s
                self.by_org.setdefault(s.org_id, set()).add(sid)
        touched: set[str] = set()
        for oid, o in changes.orgs.items():
            old_node = dict(F.nodes[oid]) if oid in F else None
            new_node = _org_node(o) if o is not None else None
            if old_node == new_node:
                continue
            touched.add(oid)
            if old_node is not None and (new_node is None or old_node.get("kind") != new_node.get("kind")):
                touched |= set(F.predecessors(oid)) | set(F.successors(oid))
            if new_node is None:
                F.remove_node(oid)
                self.orgs.pop(oid, None)
            else:
                F.add_node(oid)
                F.nodes[oid].clear()
                F.nodes[oid].update(new_node)
                self.orgs[oid] = o
        affected |= self._entry_pairs(keys)
        for a, b in affected:
            if a not in F or b not in F:
                continue
            new = self.edge(a, b)
            old = F.edges[a, b] if F.has_edge(a, b) else None
            if new == old:
                continue
            if new is None:
                F.remove_edge(a, b)
            else:
                F.add_edge(a, b, **new)
            touched |= {a, b}
        return touched


class ChainSet:
    """`discovery.find_chains(F, ...)`, kept in step with a firm graph that changes under it."""

    def __init__(self, F: nx.DiGraph, max_firms: int = 4, min_score: float = 0.3, per_node: int = 4,
                 max_hub_suppliers: int = 4):
        self.F, self.max_firms, self.min_score, self.per_node = F, max_firms, min_score, per_node
        self.hub_size = min(max_hub_suppliers, max_firms - 1)
        self.kept: dict[str, list[str]] = {}
        self._kept_sig: dict[str, tuple] = {}
        self._hub_sig: dict[str, tuple] = {}
        self.kept_by: dict[str, set[str]] = {}  # firm -> the firms that keep it as a successor
        self.chains: dict[str, Chain] = {}
        self.containing: dict[str, set[str]] = {}  # firm -> ids of the pairs, paths and loops it is in
        self.hub_of: dict[str, str] = {}  # hub -> its hub chain's id
        for node in F.nodes:
            self._refresh(node)
        walk(F, self.kept, list(F.nodes), max_firms, self._add)
        for hub in F.nodes:
            self._add_hub(hub)
        self.order = SortedList(chain_order(c) for c in self.chains.values())

    def _sig(self, pairs: Iterable[tuple[str, str]]) -> tuple:
        return tuple((a, b, self.F[a][b]["score"], self.F[a][b]["offer_id"], self.F[a][b]["need_id"])
                     for a, b in pairs)

    def _refresh(self, node: str) -> tuple[bool, bool]:
        """Read the node's kept successors and hub suppliers again: (successors changed, suppliers changed)."""
        present = node in self.F
        kept = best_successors(self.F, node, self.min_score, self.per_node) if present else []
        sig = self._sig((node, v) for v in kept)
        succ_changed = sig != self._kept_sig.get(node, ())
        if succ_changed:
            for v in self.kept.get(node, ()):
                self.kept_by[v].discard(node)
            for v in kept:
                self.kept_by.setdefault(v, set()).add(node)
        if present:  # every present node has an entry (the walk reads it), an empty one too
            self.kept[node], self._kept_sig[node] = kept, sig
        else:
            self.kept.pop(node, None)
            self._kept_sig.pop(node, None)
        suppliers = hub_suppliers(self.F, node, self.min_score, self.hub_size) if present else []
        hsig = self._sig((s, node) for s in suppliers)
        hub_changed = hsig != self._hub_sig.get(node, ())
        if hub_changed:
            if hsig:
                self._hub_sig[node] = hsig
            else:
                self._hub_sig.pop(node, None)
        return succ_changed, hub_changed

    def _add(self, chain: Chain) -> None:
        if chain.id in self.chains:
            return
        self.chains[chain.id] = chain
        for m in chain.members:
            self.containing.setdefault(m, set()).add(chain.id)

    def _add_hub(self, hub: str) -> Chain | None:
        chain = hub_chain(self.F, hub, hub_suppliers(self.F, hub, self.min_score, self.hub_size)) \
            if hub in self.F else None
        if chain is not None and chain.id not in self.chains:
            self.chains[chain.id] = chain
            self.hub_of[hub] = chain.id
        return chain

    def _drop(self, chain_id: str) -> None:
        chain = self.chains.pop(chain_id)
        self.order.remove(chain_order(chain))
        if chain.kind == "hub":
            self.hub_of.pop(chain.members[-1], None)
        else:
            for m in chain.members:
                self.containing[m].discard(chain_id)

    def update(self, touched: Iterable[str]) -> tuple[set[str], set[str]]:
        """After the links or presence of the `touched` firms changed: (dropped ids, added ids)."""
        dirty, hubs = set(), set()
        for node in set(touched):
            succ, hub = self._refresh(node)
            if succ:
                dirty.add(node)
            if hub:
                hubs.add(node)
        dropped = set().union(*(self.containing.get(d, set()) for d in dirty))
        dropped |= {self.hub_of[h] for h in hubs if h in self.hub_of}
        for cid in dropped:
            self._drop(cid)
        added: list[Chain] = []

        def add(chain: Chain) -> None:
            if chain.id not in self.chains and not dirty.isdisjoint(chain.members):
                self._add(chain)
                added.append(chain)

        walk(self.F, self.kept, sorted(self._upstream(dirty)), self.max_firms, add)
        for hub in hubs:
            chain = self._add_hub(hub)
            if chain is not None and self.hub_of.get(hub) == chain.id:
                added.append(chain)
        for chain in added:
            self.order.add(chain_order(chain))
        return dropped, {c.id for c in added}

    def _upstream(self, firms: set[str]) -> set[str]:
        """The present firms from which a kept walk of at most max_firms - 1 steps reaches `firms`."""
        seen = set(firms)
        queue = deque((f, 0) for f in firms)
        while queue:
            node, depth = queue.popleft()
            if depth == self.max_firms - 1:
                continue
            for pred in self.kept_by.get(node, ()):
                if pred not in seen:
                    seen.add(pred)
                    queue.append((pred, depth + 1))
        return {f for f in seen if f in self.kept}

    def found(self, limit: int | None = None) -> list[Chain]:
        """The chains as find_chains returns them (best first; the objects are shared, copy to edit)."""
        ordered = islice(self.order, limit) if limit else iter(self.order)
        return [self.chains[cid] for _, cid in ordered]


def economic(F: nx.DiGraph) -> nx.DiGraph:
    """The firm graph without knowledge institutions, clusters and hubs (what proposals chain),
    as a live view of F."""
    return nx.subgraph_view(F, filter_node=lambda n: F.nodes[n].get("kind") not in KNOWLEDGE_KINDS)


@dataclass
class ChainState:
    graph: FirmGraph
    economic: ChainSet             # on its economic view (what propose discovers from)
    chains: ChainSet | None = None  # on the whole firm graph (find_chains(F)), when asked for


def build_state(orgs: Iterable[Organisation], streams: Iterable[Stream], pairs: Pairs, max_firms: int = 4,
                min_score: float = 0.3, whole: bool = False) -> ChainState:
    """The firm graph and the chains propose discovers; `whole`: also find_chains on the whole
    graph, knowledge organisations included (millions of chains at 100k streams: only if used)."""
    g = FirmGraph(orgs, streams, pairs)
    return ChainState(g, ChainSet(economic(g.F), max_firms, min_score),
                      ChainSet(g.F, max_firms, min_score) if whole else None)


def update_state(state: ChainState, changes: Changes) -> ChainState:
    """Bring the state in step with the changes (in place; returned for convenience)."""
    touched = state.graph.apply(changes)
    state.economic.update(touched)
    if state.chains is not None:
        state.chains.update(touched)
    return state


def read_changes(store: Store, state: ChainState, stream_ids: Iterable[str],
                 org_ids: Iterable[str] = ()) -> Changes | None:
    """After `stored.sync_changed(store, stream_ids)`: what changed for the state, read from the store.

    A sync of a few streams on a store with a frozen text model rewrites only their own lists, the
    lists that held them and the lists they now enter (matching/rowupdate.py), so those are read;
    of them, and of the streams' and organisations' records, only what differs from the state is
    returned. None for a store below textmodel.FROZEN_FROM streams, where every sync refits the
    text model and any list can move: build the state again (small stores build fast). After a
    refit (`match --refresh`, or the drift limit) build it again too."""
    g = state.graph
    if len(g.streams) < textmodel.FROZEN_FROM:
        return None
    ids = sorted(set(stream_ids))
    with store.engine.connect() as conn:
        holders = {r.stream_id for r in conn.execute(select(matches.c.stream_id).where(matches.c.other_id.in_(ids)))}
        keys = set(ids) | holders
        for sid in ids:
            keys |= g.held_by.get(sid, set())
        lists = stored_lists(conn, sorted(keys))
    changes = Changes()
    for key, entries in lists.items():
        if (g.pairs.get(key) or None) != (entries or None):
            changes.lists[key] = entries or None
    for sid in ids:
        s = store.stream(sid)
        if s != g.streams.get(sid):
            changes.streams[sid] = s
    for oid in set(org_ids) | {s.org_id for s in changes.streams.values() if s is not None and s.org_id not in g.orgs}:
        o = store.organisation(oid)
        if o != g.orgs.get(oid):
            changes.orgs[oid] = o
    return changes
