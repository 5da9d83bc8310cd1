"""Candidate value chains on the firm graph: pairs, multi-step chains, loops and hubs.

Functions take the firm-level graph (see `graph.firm_graph`: nodes are
organisation ids, an edge A -> B carries the best ``score``, ``offer_id`` and
``need_id`` of A's offer to B's need) and return plain data.

>>> import networkx as nx
>>> F = nx.DiGraph()
>>> F.add_edge("A", "B", score=0.9, offer_id="a1", need_id="b1")
>>> F.add_edge("B", "C", score=0.8, offer_id="b2", need_id="c1")
>>> F.add_edge("C", "A", score=0.7, offer_id="c2", need_id="a2")
>>> F.add_edge("D", "B", score=0.6, offer_id="d1", need_id="b3")
>>> for c in sorted((c.kind, tuple(c.members)) for c in find_chains(F, max_firms=3, min_score=0.5) if c.kind != "pair"):
...     print(c)
('hub', ('A', 'D', 'B'))
('loop', ('A', 'B', 'C'))
('path', ('A', 'B', 'C'))
('path', ('B', 'C', 'A'))
('path', ('C', 'A', 'B'))
('path', ('D', 'B', 'C'))
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx

KNOWLEDGE_KINDS = ("knowledge_institution", "cluster", "business_hub")


@dataclass
class Link:
    offer_id: str
    need_id: str
    from_org: str
    to_org: str
    score: float


@dataclass
class Chain:
    kind: str                       # pair, path, loop, hub or custom
    members: list[str]              # organisation ids, in flow order (the hub last)
    links: list[Link]
    lead_id: str | None = None
    knowledge_partners: list[str] = field(default_factory=list)
    budget_dkk: float | None = None
    grant_dkk: float | None = None
    grants_dkk: dict[str, float] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    sector: str | None = None
    inputs: dict = field(default_factory=dict)  # the facilitator's statements: overrides, staff, track, investment, criteria

    @property
    def id(self) -> str:
        key = self.kind + "|" + ",".join(self.members) + "|" + ",".join(f"{l.offer_id}>{l.need_id}" for l in self.links)
        return "C-" + hashlib.sha1(key.encode()).hexdigest()[:10]

    @property
    def quality(self) -> float:
        return sum(l.score for l in self.links) / len(self.links) if self.links else 0.0

    @property
    def min_score(self) -> float:
        return min((l.score for l in self.links), default=0.0)


def _link(F: nx.DiGraph, a: str, b: str) -> Link:
    d = F[a][b]
    return Link(d["offer_id"], d["need_id"], a, b, float(d["score"]))


def best_successors(F: nx.DiGraph, node: str, min_score: float, per_node: int) -> list[str]:
    """A node's best `per_node` successors at or above min_score (ties: the larger id first)."""
    succ = [(F[node][v]["score"], v) for v in F.successors(node) if F[node][v]["score"] >= min_score]
    return [v for _, v in sorted(succ, reverse=True)[:per_node]]


def _kept_edges(F: nx.DiGraph, min_score: float, per_node: int) -> dict[str, list[str]]:
    """Each node's best `per_node` successors at or above min_score."""
    return {node: best_successors(F, node, min_score, per_node) for node in F.nodes}


def hub_suppliers(F: nx.DiGraph, hub: str, min_score: float, most: int) -> list[str]:
    """A hub's best `most` suppliers at or above min_score, best first."""
    found = sorted(((F[s][hub]["score"], s) for s in F.predecessors(hub) if F[s][hub]["score"] >= min_score),
                   reverse=True)[:most]
    return [s for _, s in found]


def hub_chain(F: nx.DiGraph, hub: str, suppliers: list[str]) -> Chain | None:
    """The hub chain of at least two suppliers (sorted) and the hub, else None."""
    if len(suppliers) < 2:
        return None
    members = sorted(suppliers) + [hub]
    return Chain("hub", members, [_link(F, s, hub) for s in members[:-1]])


def walk(F: nx.DiGraph, kept: dict[str, list[str]], starts, max_firms: int, add: Callable[[Chain], None]) -> None:
    """Pairs, paths and loops starting at `starts` along the kept successors (one rotation per loop)."""
    for a in starts:
        for b in kept.get(a, ()):
            add(Chain("pair", [a, b], [_link(F, a, b)]))
    if max_firms >= 3:
        stack = [[a, b] for a in starts for b in kept.get(a, ())]
        while stack:
            path = stack.pop()
            last = path[-1]
            if path[0] in kept[last]:
                links = [_link(F, u, v) for u, v in zip(path, path[1:])] + [_link(F, last, path[0])]
                if path[0] == min(path):  # one rotation per loop
                    add(Chain("loop", list(path), links))
            if len(path) >= 3:
                add(Chain("path", list(path), [_link(F, u, v) for u, v in zip(path, path[1:])]))
            if len(path) < max_firms:
                stack.extend(path + [c] for c in kept[last] if c not in path)


def chain_order(chain: Chain) -> tuple[float, str]:
    """The order find_chains returns: best mean link score first, then by id."""
    return -chain.quality, chain.id


def find_chains(F: nx.DiGraph, max_firms: int = 4, min_score: float = 0.3, per_node: int = 4,
                max_hub_suppliers: int = 4, limit: int | None = None) -> list[Chain]:
    """Pairs, paths of up to `max_firms` organisations, loops closing back on the first, and hubs.

    Paths follow each organisation's `per_node` best outgoing links, so the
    search stays linear in the number of organisations. (chains/incremental.py keeps
    the same result up to date after a few changes, with the same helpers.)
    """
    kept = _kept_edges(F, min_score, per_node)
    chains: dict[str, Chain] = {}

    def add(chain: Chain) -> None:
        chains.setdefault(chain.id, chain)

    walk(F, kept, list(F.nodes), max_firms, add)
    for hub in F.nodes:
        chain = hub_chain(F, hub, hub_suppliers(F, hub, min_score, min(max_hub_suppliers, max_firms - 1)))
        if chain is not None:
            add(chain)
    found = sorted(chains.values(), key=chain_order)
    return found[:limit] if limit else found


def relink(chain: Chain, F: nx.DiGraph) -> Chain:
    """After members change: keep links between members and add the best links among them."""
    members = set(chain.members)
    links = [l for l in chain.links if l.from_org in members and l.to_org in members]
    have = {(l.from_org, l.to_org) for l in links}
    for a in chain.members:
        for b in chain.members:
            if a != b and (a, b) not in have and F.has_edge(a, b):
                links.append(_link(F, a, b))
    chain.links = links
    return chain
