"""The network explorer's graph: the firm projection, filtered, drawn with pyvis options.

pyvis builds the node and edge lists and the physics options; the page's own
script (static/network.js) hands them to the vis-network served by the app.
Labels are drawn on a canvas; tooltips are plain text that the script puts in
a DOM node with textContent, so user text can never become markup.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass

from pyvis.network import Network

from matchmaker.chains import graph
from matchmaker.materials import as_tonnes
from matchmaker.model import Organisation, Stream
from matchmaker.reference import postcodes

SECTOR_COLOURS = {"food_bio": "#4c9a2a", "construction": "#b5651d", "textile_lifestyle": "#9b59b6",
                  "environmental_tech": "#2e86c1", "other": "#7f8c8d"}
KIND_SHAPES = {"firm": "dot", "knowledge_institution": "diamond", "cluster": "triangle",
               "business_hub": "square", "public_body": "star"}
# Grouped by region, nodes are coloured by region and the legend says so (never grey under a sector legend).
REGION_COLOURS = {"Region Hovedstaden": "#1f618d", "Region Sjælland": "#117a65", "Region Syddanmark": "#b9770e",
                  "Region Midtjylland": "#a93226", "Region Nordjylland": "#6c3483"}
LABELLED = 15            # only the largest organisations carry a label at the default zoom; the rest on hover and in the list
AGGREGATE_ABOVE = 1500  # beyond this many organisations, draw regions x sectors instead
LINKS_PER_ORG = 3        # each organisation's strongest outgoing links: a readable graph whose physics settles


@dataclass
class Filters:
    sector: str | None = None
    region: str | None = None
    chapter: str | None = None       # EWC chapter, two digits
    material: str | None = None
    min_score: float = 0.3
    confidentiality: str | None = None
    group: str | None = None         # None, "region" or "sector"


def _tonnes(s: Stream) -> float:
    """Tonnes a year by the one rule in matchmaker.materials (m3 only for liquids), else 0."""
    return as_tonnes(s.quantity, s.unit, s.material) or 0.0


def network_data(orgs: dict[str, Organisation], streams: dict[str, Stream],
                 pairs: dict[str, list[tuple[str, float]]], f: Filters) -> dict:
    """Nodes, edges and options for the page, after the filters: the organisation graph of
    matchmaker.chains.graph, keeping only the links the filters let through."""
    places = postcodes()

    def stream_ok(s: dict) -> bool:
        return ((not f.chapter or s["ewc"].startswith(f.chapter)) and (not f.material or s["material"] == f.material)
                and (not f.confidentiality or s["confidentiality"] == f.confidentiality))

    def org_ok(o: Organisation) -> bool:
        return (not f.sector or o.sector == f.sector) and (not f.region or places[o.postcode].region == f.region)

    def keep(offer: dict, need: dict) -> bool:
        return (stream_ok(offer) or stream_ok(need)) and org_ok(orgs[offer["org_id"]]) and org_ok(orgs[need["org_id"]])

    F = graph.firm_graph(graph.build_graph(list(orgs.values()), list(streams.values()), pairs, f.min_score), keep)
    links: dict[tuple[str, str], dict] = {}
    for a, b, d in F.edges(data=True):
        offer, need = streams[d["offer_id"]], streams[d["need_id"]]
        links[(a, b)] = {"score": d["score"], "tonnes": min(_tonnes(offer), _tonnes(need)),
                         "offer": offer.title, "need": need.title}
    volume: dict[str, float] = defaultdict(float)
    for s in streams.values():
        volume[s.org_id] += _tonnes(s)
    shown = {o.id for o in orgs.values() if org_ok(o) and (any(stream_ok(_node(s)) for s in streams.values() if s.org_id == o.id)
                                                            or not (f.chapter or f.material or f.confidentiality))}
    group = f.group or ("region" if len(shown) > AGGREGATE_ABOVE else None)
    net = Network(directed=True)
    inside = {k: d for k, d in links.items() if k[0] in shown and k[1] in shown}
    degree: dict[str, int] = defaultdict(int)
    for a, b in inside:
        degree[a] += 1
        degree[b] += 1
    labelled = set(sorted(shown, key=lambda oid: (-volume[oid], oid))[:LABELLED])
    if group:
        _aggregate(net, orgs, shown, links, volume, group)
    else:
        for oid in sorted(shown):
            o = orgs[oid]
            place = places[o.postcode]
            x, y = _map_position(place.latitude, place.longitude, oid)
            net.add_node(oid, label=o.name[:40] if oid in labelled else " ", name=o.name, sector=o.sector,
                         region=place.region, tonnes=round(volume[oid]), links=degree[oid],
                         color=SECTOR_COLOURS[o.sector], shape=KIND_SHAPES[o.kind], x=x, y=y,
                         size=8 + min(40.0, (volume[oid] ** 0.5) / 4),
                         title=f"{o.name}\n{o.kind.replace('_', ' ')}, {o.sector.replace('_', ' ')}\n"
                               f"{place.city}, {place.region}\n{volume[oid]:,.0f} t/yr in streams",
                         url=f"/orgs/{oid}")
        per_org: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for (a, b), d in links.items():
            if a in shown and b in shown:
                per_org[a].append((d["score"], b))
        kept = {(a, b) for a, lst in per_org.items() for _, b in sorted(lst, reverse=True)[:LINKS_PER_ORG]}
        for (a, b), d in sorted(links.items()):
            if (a, b) in kept:
                net.add_edge(a, b, width=1 + min(12.0, d["tonnes"] ** 0.5 / 10), value=d["score"],
                             title=f"{d['offer']} -> {d['need']}\nscore {d['score']:.2f}, {d['tonnes']:,.0f} t/yr")
    net.barnes_hut(gravity=-8000, spring_length=140, damping=0.35, overlap=0.2)
    # counted once each: organisations shown, their distinct possible links, and the links drawn
    counts = {"organisations": len(shown), "links": len(inside), "drawn": len(net.edges), "groups": len(net.nodes) if group else 0}
    return {"nodes": net.nodes, "edges": net.edges, "grouped": group, "counts": counts,
            "colour": "region" if group == "region" else "sector",
            "options": {"physics": {"solver": "barnesHut", "barnesHut": net.options.physics.barnesHut.__dict__,
                                    "stabilization": {"iterations": 40, "updateInterval": 20}},
                        "layout": {"improvedLayout": False},  # its initial layout is slow beyond ~100 nodes
                        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": True},
                        "edges": {"arrows": "to", "smooth": False}}}


def _node(s: Stream) -> dict:
    """The attributes the filters read, as the graph's stream nodes carry them."""
    return {"ewc": s.ewc or "", "material": s.material, "confidentiality": s.confidentiality}


def _map_position(lat: float, lon: float, key: str) -> tuple[float, float]:
    """Start each organisation where it is on the map of Denmark (a stable jitter keeps
    neighbours apart), so the physics only has to untangle, not invent, the layout."""
    jitter = (zlib.crc32(key.encode()) % 1000) / 1000.0
    return (lon - 11.0) * 700 + 40 * (jitter - 0.5), -(lat - 56.0) * 1250 + 40 * ((jitter * 7) % 1 - 0.5)


def _aggregate(net: Network, orgs, shown, links, volume, group: str) -> None:
    places = postcodes()

    def key(oid: str) -> str:
        return places[orgs[oid].postcode].region if group == "region" else orgs[oid].sector

    members: dict[str, list[str]] = defaultdict(list)
    for oid in shown:
        members[key(oid)].append(oid)
    for name, ids in sorted(members.items()):
        net.add_node(name, label=f"{name} ({len(ids)})", shape="dot", size=10 + len(ids) ** 0.5 * 3, name=name,
                     tonnes=round(sum(volume[i] for i in ids)), links=0,
                     color=SECTOR_COLOURS.get(name) or REGION_COLOURS.get(name, "#34495e"),
                     title=f"{name}: {len(ids)} organisations, {sum(volume[i] for i in ids):,.0f} t/yr")
    agg: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for (a, b), d in links.items():
        if a in shown and b in shown and key(a) != key(b):
            agg[(key(a), key(b))][0] += 1
            agg[(key(a), key(b))][1] += d["tonnes"]
    for (a, b), (count, tonnes) in sorted(agg.items()):
        net.add_edge(a, b, width=1 + min(15.0, count ** 0.5), title=f"{count} links, {tonnes:,.0f} t/yr")
