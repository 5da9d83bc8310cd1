"""The programme as a graph (networkx).

Node ids are ``org:<id>`` and ``stream:<id>``. Node attribute ``type`` is
``organisation`` or ``stream``; organisations carry name, kind, sector,
region, city, lat, lon; streams carry direction, title, material, ewc,
quantity, unit, language, confidentiality. Edges:

- ``org -> stream`` with ``relation="offers"`` for an offer,
- ``stream -> org`` with ``relation="needs"`` for a need,
- ``offer stream -> need stream`` with ``relation="match"`` and ``score``.

>>> from matchmaker.model import Organisation, Stream
>>> a = Organisation("A", "Alpha", "firm", "food_bio", "8000")
>>> b = Organisation("B", "Beta", "firm", "food_bio", "2100")
>>> o = Stream("S1", "A", "offer", "whey", "en", "food_organic", quantity=10, unit="t/yr")
>>> n = Stream("S2", "B", "need", "whey", "en", "food_organic", quantity=5, unit="t/yr")
>>> G = build_graph([a, b], [o, n], {"S1": [("S2", 0.9)]})
>>> sorted(G.successors("org:A")), sorted(G.successors("stream:S1"))
(['stream:S1'], ['stream:S2'])
>>> F = firm_graph(G)
>>> F["A"]["B"]["score"], F["A"]["B"]["offer_id"]
(0.9, 'S1')
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import networkx as nx

from matchmaker.model import Organisation, Stream
from matchmaker.reference import postcodes


def build_graph(orgs: list[Organisation], streams: list[Stream],
                matches: dict[str, list[tuple[str, float]]], min_score: float = 0.0) -> nx.DiGraph:
    """Organisations, streams and scored match edges (from offers' lists and needs' lists)."""
    G = nx.DiGraph()
    places = postcodes()
    for o in orgs:
        place = places[o.postcode]
        G.add_node(f"org:{o.id}", type="organisation", id=o.id, name=o.name, kind=o.kind, sector=o.sector,
                   region=place.region, city=place.city, lat=place.latitude, lon=place.longitude)
    by_id = {s.id: s for s in streams}
    for s in streams:
        G.add_node(f"stream:{s.id}", type="stream", id=s.id, org_id=s.org_id, direction=s.direction,
                   title=s.title, material=s.material, ewc=s.ewc or "", quantity=s.quantity or 0.0,
                   unit=s.unit or "", language=s.language, confidentiality=s.confidentiality)
        if s.direction == "offer":
            G.add_edge(f"org:{s.org_id}", f"stream:{s.id}", relation="offers")
        else:
            G.add_edge(f"stream:{s.id}", f"org:{s.org_id}", relation="needs")
    for stream_id, pairs in matches.items():
        for other_id, score in pairs:
            if score < min_score or stream_id not in by_id or other_id not in by_id:
                continue
            offer, need = (stream_id, other_id) if by_id[stream_id].direction == "offer" else (other_id, stream_id)
            G.add_edge(f"stream:{offer}", f"stream:{need}", relation="match", score=round(float(score), 4))
    return G


def firm_graph(G: nx.DiGraph, keep: Callable[[dict, dict], bool] | None = None) -> nx.DiGraph:
    """Organisation-level projection: A -> B when A's offer matches B's need (best link kept).

    `keep(offer, need)`, given the two stream nodes' attributes, leaves out the links it refuses
    (the network page's filters)."""
    F = nx.DiGraph()
    for _, data in G.nodes(data=True):
        if data["type"] == "organisation":
            F.add_node(data["id"], **data)
    for u, v, data in G.edges(data=True):
        if data.get("relation") != "match":
            continue
        a, b = G.nodes[u]["org_id"], G.nodes[v]["org_id"]
        if a == b or (keep is not None and not keep(G.nodes[u], G.nodes[v])):
            continue
        if not F.has_edge(a, b) or F[a][b]["score"] < data["score"]:
            F.add_edge(a, b, score=data["score"], offer_id=G.nodes[u]["id"], need_id=G.nodes[v]["id"])
    return F


def to_graphml(G: nx.DiGraph) -> str:
    return "\n".join(nx.generate_graphml(G))


def to_gexf(G: nx.DiGraph) -> str:
    out = io.BytesIO()
    nx.write_gexf(G, out)
    return out.getvalue().decode("utf-8")


def to_json(G: nx.DiGraph) -> str:
    return json.dumps(nx.node_link_data(G, edges="links"), ensure_ascii=False)
