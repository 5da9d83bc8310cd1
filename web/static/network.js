// Draws the graph described by <script type="application/json" id="graph-data">.
// Tooltips are DOM nodes filled with textContent: user text never becomes markup.
(function () {
  "use strict";
  function tip(text) {
    var el = document.createElement("div");
    el.className = "tip";
    el.textContent = text;
    return el;
  }
  function chainData(d) {
    var nodes = d.members.map(function (m) { return { id: m, label: d.names[m], shape: "dot", size: 18, url: "/orgs/" + encodeURIComponent(m), title: d.names[m] }; });
    d.knowledge.forEach(function (k) { nodes.push({ id: k, label: d.names[k], shape: "diamond", size: 12, color: "#aaaaaa", url: "/orgs/" + encodeURIComponent(k), title: d.names[k] + " (knowledge partner)" }); });
    var edges = d.chain.map(function (l) { return { from: l.from_org, to: l.to_org, width: 2 + 6 * l.score, title: l.offer_id + " -> " + l.need_id + " (score " + l.score.toFixed(2) + ")" }; });
    return { nodes: nodes, edges: edges, options: { physics: { stabilization: { iterations: 100 } }, edges: { arrows: "to" } } };
  }
  function draw() {
    var box = document.getElementById("network");
    var src = document.getElementById("graph-data");
    if (!box || !src || typeof vis === "undefined") { return; }
    var d = JSON.parse(src.textContent);
    if (box.dataset.mode === "chain") { d = chainData(d); }
    var nodes = d.nodes.map(function (n) { var c = Object.assign({}, n); if (c.title) { c.title = tip(String(c.title)); } return c; });
    var edges = d.edges.map(function (e) { var c = Object.assign({}, e); if (c.title) { c.title = tip(String(c.title)); } return c; });
    var network = new vis.Network(box, { nodes: new vis.DataSet(nodes), edges: new vis.DataSet(edges) }, d.options || {});
    box.dataset.nodes = String(nodes.length);
    box.dataset.edges = String(edges.length);
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });
      box.dataset.ready = "true";
    });
    network.on("click", function (params) {
      if (params.nodes.length !== 1) { return; }
      var node = nodes.find(function (n) { return n.id === params.nodes[0]; });
      if (node && typeof node.url === "string" && node.url.charAt(0) === "/") { window.location.href = node.url; }
    });
    if (nodes.length === 0) { box.dataset.ready = "true"; }
    window.matchmakerNetwork = network;
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
