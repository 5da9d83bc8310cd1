"""A network that can be read (issue 17, item 6): labels only on the largest nodes, a list of
every node with keyboard-usable buttons, a legend that tells the colours actually used, counts
that count each organisation and link once, search and zoom controls for the script."""

from __future__ import annotations

import re

from web import netview


def test_labels_on_the_largest_nodes_only_and_counts_once(client, monkeypatch):
    monkeypatch.setattr(netview, "LABELLED", 2)
    data = client.get("/api/network", query_string={"min_score": "0"}).get_json()
    labelled = [n for n in data["nodes"] if n["label"].strip()]
    assert len(labelled) == 2
    biggest = sorted(data["nodes"], key=lambda n: (-n["tonnes"], n["id"]))[:2]
    assert {n["id"] for n in labelled} == {n["id"] for n in biggest}
    assert all(n["name"] for n in data["nodes"])  # every node keeps its name for search and the list
    assert data["counts"]["organisations"] == len(data["nodes"])
    assert data["counts"]["drawn"] == len(data["edges"]) <= data["counts"]["links"]
    assert len({(e["from"], e["to"]) for e in data["edges"]}) == len(data["edges"])


def test_grouping_by_region_colours_by_region_and_the_legend_says_so(client):
    data = client.get("/api/network", query_string={"group": "region", "min_score": "0"}).get_json()
    assert data["colour"] == "region"
    assert all(n["color"] == netview.REGION_COLOURS[n["id"]] for n in data["nodes"])
    html = client.get("/network", query_string={"group": "region", "min_score": "0"}).get_data(as_text=True)
    legend = re.search(r'<ul class="legend" id="legend" data-colour="(\w+)">(.*?)</ul>', html, re.S)
    assert legend.group(1) == "region" and "Region Midtjylland" in legend.group(2) and "Food and bio" not in legend.group(2)
    assert data["counts"]["organisations"] == sum(int(re.search(r"\((\d+)\)$", n["label"]).group(1)) for n in data["nodes"])
    plain = client.get("/network", query_string={"min_score": "0"}).get_data(as_text=True)
    assert 'data-colour="sector"' in plain


def test_list_view_search_and_zoom_controls(client):
    html = client.get("/network", query_string={"min_score": "0"}).get_data(as_text=True)
    rows = re.findall(r'<tr id="row-\d+" data-node="([^"]+)">', html)
    data = client.get("/api/network", query_string={"min_score": "0"}).get_json()
    assert sorted(rows) == sorted(n["id"] for n in data["nodes"])
    assert html.count('data-focus="') == len(rows) and 'id="node-query"' in html
    assert all(f'data-zoom="{z}"' in html for z in ("in", "out", "fit"))
    assert "Grøn Kop ApS" in html.split('id="node-list"')[1]
