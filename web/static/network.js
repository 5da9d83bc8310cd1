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
    function byId(id) { return nodes.find(function (n) { return n.id === id; }); }
    function safeUrl(node) { return node && typeof node.url === "string" && node.url.charAt(0) === "/" && node.url.charAt(1) !== "/"; }
    if (box.dataset.mode === "chain") {
      network.on("click", function (params) {
        if (params.nodes.length !== 1) { return; }
        var node = byId(params.nodes[0]);
        if (safeUrl(node)) { window.location.href = node.url; }
      });
    } else {
      wireTools(network, nodes, byId, safeUrl);
    }
    if (nodes.length === 0) { box.dataset.ready = "true"; }
    window.matchmakerNetwork = network;
  }
  // A tap or click shows the node's panel (a phone has no hover); a double click opens it.
  // Search, zoom buttons and the list's "show" buttons focus a node. Texts come from the page.
  function wireTools(network, nodes, byId, safeUrl) {
    var info = document.getElementById("node-info");
    function show(id) {
      var node = byId(id);
      if (!node || !info) { return; }
      document.getElementById("node-info-name").textContent = node.name || node.id;
      var tipText = node.title && node.title.textContent ? node.title.textContent.split("\n").slice(1).join(" · ") : "";
      document.getElementById("node-info-text").textContent = tipText;
      var link = document.getElementById("node-info-link");
      if (safeUrl(node)) { link.href = node.url; link.hidden = false; } else { link.hidden = true; }
      info.hidden = false;
      info.dataset.node = String(node.id);
    }
    function focus(id) {
      network.selectNodes([id]);
      network.focus(id, { scale: 1.6, animation: { duration: 300 } });
      show(id);
    }
    network.on("click", function (params) { if (params.nodes.length === 1) { show(params.nodes[0]); } });
    network.on("doubleClick", function (params) {
      var node = params.nodes.length === 1 ? byId(params.nodes[0]) : null;
      if (safeUrl(node)) { window.location.href = node.url; }
    });
    var form = document.getElementById("node-search");
    var status = document.getElementById("node-search-status");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var q = document.getElementById("node-query").value.trim().toLowerCase();
        if (!q) { return; }
        var hit = nodes.find(function (n) { return String(n.name || n.id).toLowerCase() === q; }) ||
                  nodes.find(function (n) { return String(n.name || n.id).toLowerCase().indexOf(q) !== -1; });
        if (hit) { status.textContent = ""; focus(hit.id); } else { status.textContent = status.dataset.none || ""; }
      });
      form.querySelectorAll("[data-zoom]").forEach(function (b) {
        b.addEventListener("click", function () {
          var how = b.dataset.zoom;
          if (how === "fit") { network.fit({ animation: { duration: 300 } }); return; }
          network.moveTo({ scale: network.getScale() * (how === "in" ? 1.4 : 1 / 1.4), animation: { duration: 200 } });
        });
      });
    }
    document.querySelectorAll("[data-focus]").forEach(function (b) {
      b.addEventListener("click", function () {
        focus(b.dataset.focus);
        document.getElementById("network").scrollIntoView({ block: "center" });
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
