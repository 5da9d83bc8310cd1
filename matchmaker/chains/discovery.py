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


def _kept_edges(F: nx.DiGraph, min_score: float, per_node: int) -> dict[str, list[str]]:
    """Each node's best `per_node` successors at or above min_score."""
    kept = {}
    for node in F.nodes:
        succ = [(F[node][v]["score"], v) for v in F.successors(node) if F[node][v]["score"] >= min_score]
        kept[node] = [v for _, v in sorted(succ, reverse=True)[:per_node]]
    return kept


def find_chains(F: nx.DiGraph, max_firms: int = 4, min_score: float = 0.3, per_node: int = 4,
                max_hub_suppliers: int = 4, limit: int | None = None) -> list[Chain]:
    """Pairs, paths of up to `max_firms` organisations, loops closing back on the first, and hubs.

    Paths follow each organisation's `per_node` best outgoing links, so the
    search stays linear in the number of organisations.
    """
    kept = _kept_edges(F, min_score, per_node)
    chains: dict[str, Chain] = {}

    def add(chain: Chain) -> None:
        chains.setdefault(chain.id, chain)

    for a in F.nodes:
        for b in kept[a]:
            add(Chain("pair", [a, b], [_link(F, a, b)]))
    if max_firms >= 3:
        stack = [[a, b] for a in F.nodes for b in kept[a]]
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
    for hub in F.nodes:
        suppliers = sorted(((F[s][hub]["score"], s) for s in F.predecessors(hub) if F[s][hub]["score"] >= min_score),
                           reverse=True)[: min(max_hub_suppliers, max_firms - 1)]
        if len(suppliers) >= 2:
            members = sorted(s for _, s in suppliers) + [hub]
            add(Chain("hub", members, [_link(F, s, hub) for s in members[:-1]]))
    found = sorted(chains.values(), key=lambda c: (-c.quality, c.id))
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
