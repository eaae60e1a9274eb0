/* rare-kg network page. Reads the JSON blocks of this page and draws them with vis-network.
   Summary text is data: it is only ever put on the page as text nodes (textContent), never parsed as HTML. */
(function () {
  "use strict";

  function read(id) { return JSON.parse(document.getElementById(id).textContent); }
  var DATA = read("rkg-data");
  var S = DATA.strings;
  var options = read("rkg-options");
  /* Nodes and edges travel as columns (a page of 20,000 nodes is a third of the size that way); vis-network gets
     them as objects. Node ids are prefixed names (cond:...), edge ids their position. */
  var N = read("rkg-nodes");
  var E = read("rkg-edges");
  var IDX = {}; // node id -> position in the columns
  var GROUP = {}; // node id -> entity type key
  var nodeList = N.id.map(function (id, i) {
    IDX[id] = i;
    GROUP[id] = DATA.types[N.group[i]];
    return { id: id, label: N.label[i], group: GROUP[id], size: N.size[i], x: N.x[i], y: N.y[i] };
  });
  var EFROM = E.from.map(function (i) { return N.id[i]; });
  var ETO = E.to.map(function (i) { return N.id[i]; });
  var nodes = new vis.DataSet(nodeList);
  var edges = new vis.DataSet(E.from.map(function (_, j) { return { id: j, from: EFROM[j], to: ETO[j] }; }));
  nodeList = null;
  function relation(eid) { return DATA.relations[E.rel[eid]]; }
  function isEdge(eid) { return eid !== undefined && eid !== null && E.rel[eid] !== undefined; }
  function info(id) { return DATA.info[IDX[id]] || {}; }
  var physics = options.physics.enabled;
  var TYPES = {};
  DATA.legend.forEach(function (t) { TYPES[t.key] = t; });

  var api = { edgeLabels: 0 }; // what the page exposes to tests and scripts, as window.rkg
  var shown = {};
  var byType = {};
  N.id.forEach(function (id) { (byType[GROUP[id]] = byType[GROUP[id]] || []).push(id); });
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);

  // ---------------------------------------------------------------------------------------------- small helpers
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function norm(s) {
    return String(s).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^0-9a-z]+/g, " ").trim();
  }
  function typeLabel(key) { return TYPES[key] ? TYPES[key].label : key; }
  function label(id) { return IDX[id] !== undefined ? N.label[IDX[id]] : String(id); }

  // ---------------------------------------------------------------------------------------------- legend + filters
  var SVG = "http://www.w3.org/2000/svg";
  function swatch(shape, color) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("viewBox", "0 0 16 16");
    var points = {
      triangle: "8,1.5 15,14.5 1,14.5",
      triangleDown: "1,1.5 15,1.5 8,14.5",
      square: "2,2 14,2 14,14 2,14",
      diamond: "8,1 15,8 8,15 1,8",
      star: "8,0.8 10.1,5.6 15.3,6 11.3,9.4 12.6,14.5 8,11.7 3.4,14.5 4.7,9.4 0.7,6 5.9,5.6",
      hexagon: "4,1.5 12,1.5 15.5,8 12,14.5 4,14.5 0.5,8"
    }[shape];
    var shapeEl;
    if (points) {
      shapeEl = document.createElementNS(SVG, "polygon");
      shapeEl.setAttribute("points", points);
    } else {
      shapeEl = document.createElementNS(SVG, "circle");
      shapeEl.setAttribute("cx", "8");
      shapeEl.setAttribute("cy", "8");
      shapeEl.setAttribute("r", "6.5");
    }
    shapeEl.setAttribute("fill", color);
    shapeEl.setAttribute("stroke", "#333333");
    shapeEl.setAttribute("stroke-width", "0.8");
    svg.appendChild(shapeEl);
    return svg;
  }

  var legend = document.getElementById("legend");
  var boxes = {};
  DATA.legend.forEach(function (t) {
    shown[t.key] = true;
    var row = el("label", null, "legend-item");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.type = t.key;
    box.addEventListener("change", function () { setShown(t.key, box.checked); });
    boxes[t.key] = box;
    row.appendChild(box);
    row.appendChild(swatch(t.shape, t.color));
    row.appendChild(el("span", t.label));
    row.appendChild(el("span", t.count, "n"));
    legend.appendChild(row);
  });

  function setShown(key, on) {
    shown[key] = on;
    if (boxes[key]) boxes[key].checked = on;
    if (selected !== null && !isShown(selected)) clearHighlight();
    nodes.update((byType[key] || []).map(function (id) { return { id: id, hidden: !on }; }));
    updateCounts();
  }
  function isShown(id) { return GROUP[id] !== undefined && shown[GROUP[id]] !== false; }

  function updateCounts() {
    var n = 0, e = 0;
    Object.keys(byType).forEach(function (k) { if (shown[k] !== false) n += byType[k].length; });
    for (var j = 0; j < EFROM.length; j++) if (isShown(EFROM[j]) && isShown(ETO[j])) e += 1;
    document.getElementById("counts").textContent =
      n + " of " + nodes.length + " nodes and " + e + " of " + edges.length + " links shown";
  }

  // ---------------------------------------------------------------------------------------------- highlight
  /* A highlighted neighbourhood is drawn over a veil after vis-network has drawn everything: the cost is the size
     of the neighbourhood, not of the graph, so a click stays instant on large pages. Uses vis-network's internal
     node/edge objects (network.body), which is safe because the vendored version is pinned. */
  var selected = null;
  var litNodes = [];
  var litEdges = [];

  function highlight(id) {
    selected = id;
    litNodes = [id].concat(network.getConnectedNodes(id));
    litEdges = network.getConnectedEdges(id);
    network.selectNodes([id], false);
    network.redraw();
  }

  function clearHighlight() {
    if (selected === null) return;
    selected = null;
    litNodes = [];
    litEdges = [];
    network.unselectAll();
    network.redraw();
  }

  /* Edge labels (the relation), painted here rather than by vis-network, which would lay out and draw all of
     them on every frame: only edges whose middle is on screen, only when zoomed in enough to read them, and none
     when so many are on screen that they would be noise. */
  var EDGE_FONT = 10, MIN_LABEL_PX = 8, MAX_LABELS = 400;
  function paintEdgeLabels(ctx, ids, a, b) {
    if (EDGE_FONT * network.getScale() < MIN_LABEL_PX) return 0;
    var body = network.body, todo = [];
    for (var i = 0; i < ids.length; i++) {
      var e = body.edges[ids[i]];
      if (!e || !e.connected || !isEdge(ids[i]) || e.from.options.hidden || e.to.options.hidden) continue;
      var x = (e.from.x + e.to.x) / 2, y = (e.from.y + e.to.y) / 2;
      if (x < a.x || x > b.x || y < a.y || y > b.y) continue;
      if (todo.push([relation(ids[i]), x, y]) > MAX_LABELS) return 0;
    }
    ctx.save();
    ctx.font = EDGE_FONT + "px sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#ffffff";
    ctx.fillStyle = "#555555";
    todo.forEach(function (l) { ctx.strokeText(l[0], l[1], l[2]); ctx.fillText(l[0], l[1], l[2]); });
    ctx.restore();
    return todo.length;
  }

  network.on("afterDrawing", function (ctx) {
    var body = network.body;
    var a = network.DOMtoCanvas({ x: 0, y: 0 });
    var b = network.DOMtoCanvas({ x: container.clientWidth, y: container.clientHeight });
    var r = network.renderer;
    var moving = (r.dragging && options.interaction.hideEdgesOnDrag) || (r.zooming && options.interaction.hideEdgesOnZoom);
    api.edgeLabels = moving || selected !== null ? 0 : paintEdgeLabels(ctx, body.edgeIndices, a, b);
    if (selected === null) return;
    ctx.save();
    ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
    ctx.fillRect(a.x, a.y, b.x - a.x, b.y - a.y);
    ctx.restore();
    var edgesLit = litEdges.map(function (e) { return body.edges[e]; }).filter(function (e) {
      return e && e.connected && isShown(e.fromId) && isShown(e.toId);
    });
    edgesLit.forEach(function (e) { e.draw(ctx); });
    edgesLit.forEach(function (e) { e.drawArrows(ctx); });
    var labels = [];
    litNodes.forEach(function (id) {
      var n = body.nodes[id];
      if (!n || !isShown(id)) return;
      var drawn = n.draw(ctx);
      if (drawn && drawn.drawExternalLabel) labels.push(drawn.drawExternalLabel);
    });
    labels.forEach(function (f) { f(); });
    api.edgeLabels = paintEdgeLabels(ctx, litEdges, a, b);
  });

  // ---------------------------------------------------------------------------------------------- cards (tooltip, details)
  function quote(ref) {
    var q = el("blockquote", S[ref[0]]);
    var where = ref[1] !== null && ref[1] !== undefined ? S[ref[1]] : "unknown source";
    if (ref[2] !== null && ref[2] !== undefined) where += ", characters " + ref[2] + "–" + ref[3];
    q.appendChild(el("span", "source: " + where, "src"));
    return q;
  }
  function field(dl, name, values) {
    if (!values || values.length === 0) return;
    dl.appendChild(el("dt", name));
    values.forEach(function (v) {
      var dd = el("dd");
      if (v instanceof Node) dd.appendChild(v); else dd.textContent = String(v);
      dl.appendChild(dd);
    });
  }

  function nodeCard(id, full) {
    var d = info(id);
    var card = el("div");
    card.appendChild(el("h2", label(id)));
    card.appendChild(el("div", typeLabel(GROUP[id]) + (full ? " · " + id : ""), "kind"));
    var dl = el("dl");
    field(dl, "Synonyms", d.syn ? [d.syn.join("; ")] : null);
    field(dl, "Identifiers", d.ids ? [d.ids.join(", ")] : null);
    field(dl, "Prevalence", (d.prev || []).map(function (p) {
      var box = el("div");
      var extra = [p[1], p[2]].filter(function (x) { return x; }).join(", ");
      box.appendChild(el("span", p[0] + (extra ? " (" + extra + ")" : "")));
      (full ? p[3] : p[3].slice(0, 1)).forEach(function (r) { box.appendChild(quote(r)); });
      return box;
    }));
    var facts = network.getConnectedEdges(id).map(Number).sort(function (a, b) { return a - b; });
    var limit = full ? 200 : 3;
    field(dl, full ? "Links (" + facts.length + ")" : "Evidence", facts.slice(0, limit).map(function (eid) {
      var out = EFROM[eid] === id;
      var other = out ? ETO[eid] : EFROM[eid];
      var box = el("div");
      box.appendChild(el("span", out ? relation(eid) + ": " + label(other) : label(other) + " → " + relation(eid)));
      var ev = DATA.ev[eid] || [];
      (full ? ev : ev.slice(0, 1)).forEach(function (r) { box.appendChild(quote(r)); });
      return box;
    }));
    if (facts.length > limit) dl.appendChild(el("dd", "… and " + (facts.length - limit) + " more"));
    if (d.links) field(dl, "Links in the whole graph", [d.links + " (this overview draws " + facts.length + ")"]);
    field(dl, "Source document", d.src !== undefined ? [S[d.src]] : null);
    field(dl, "Last updated", d.upd ? [d.upd] : null);
    field(dl, "Community", d.comm !== undefined ? [d.comm + " people connected"] : null);
    card.appendChild(dl);
    if (full) {
      var links = el("div", null, "links");
      network.getConnectedNodes(id).slice(0, 200).forEach(function (n) {
        var b = el("button", label(n) + " (" + typeLabel(GROUP[n]) + ")");
        b.type = "button";
        b.addEventListener("click", function () { focusNode(n); });
        links.appendChild(b);
      });
      if (links.childNodes.length) {
        card.appendChild(el("dt", "Go to a neighbour"));
        card.appendChild(links);
      }
    }
    return card;
  }

  function edgeCard(eid) {
    var card = el("div");
    card.appendChild(el("h2", label(EFROM[eid]) + " → " + label(ETO[eid])));
    card.appendChild(el("div", "relation: " + relation(eid), "kind"));
    var dl = el("dl");
    field(dl, "Evidence", (DATA.ev[eid] || []).map(quote));
    var more = DATA.evMore[eid];
    if (more) dl.appendChild(el("dd", "… and " + more + " more mentions"));
    card.appendChild(dl);
    return card;
  }

  var tooltip = document.getElementById("tooltip");
  function showTip(card, pointer) {
    tooltip.replaceChildren(card);
    tooltip.hidden = false;
    var x = pointer.DOM.x + 16, y = pointer.DOM.y + 16;
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    if (x + w > window.innerWidth - 8) x = Math.max(8, pointer.DOM.x - w - 16);
    if (y + h > window.innerHeight - 8) y = Math.max(8, window.innerHeight - h - 8);
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }
  function hideTip() { tooltip.hidden = true; tooltip.replaceChildren(); }

  var details = document.getElementById("details");
  function showDetails(card) {
    var close = el("button", "close", "close");
    close.type = "button";
    close.addEventListener("click", function () { details.hidden = true; clearHighlight(); });
    details.replaceChildren(close, card);
    details.hidden = false;
  }

  network.on("hoverNode", function (p) { showTip(nodeCard(p.node, false), p.pointer); });
  network.on("hoverEdge", function (p) { if (isEdge(p.edge)) showTip(edgeCard(p.edge), p.pointer); });
  network.on("blurNode", hideTip);
  network.on("blurEdge", hideTip);
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);
  network.on("click", function (p) {
    hideTip();
    if (p.nodes.length) {
      highlight(p.nodes[0]);
      showDetails(nodeCard(p.nodes[0], true));
    } else if (p.edges.length && isEdge(p.edges[0])) {
      showDetails(edgeCard(p.edges[0]));
    } else {
      clearHighlight();
      details.hidden = true;
    }
  });

  // ---------------------------------------------------------------------------------------------- search
  /* Every name the search knows: the nodes on the page, and on an overview also the conditions left off it. */
  var index = []; // [normalised name, node id, 0 = condition / 1 = other, name as written, 1 = not on the page]
  var names = {};
  var offLabel = {};
  N.id.forEach(function (id, i) {
    var other = GROUP[id] === "condition" ? 0 : 1;
    index.push([norm(N.label[i]), id, other, N.label[i], 0]);
    if (!other) names[N.label[i]] = true;
    (info(id).syn || []).forEach(function (s) { index.push([norm(s), id, 0, s, 0]); names[s] = true; });
  });
  DATA.offPage.forEach(function (c) {
    offLabel[c[0]] = c[1];
    for (var k = 1; k < c.length; k++) { index.push([norm(c[k]), c[0], 0, c[k], 1]); names[c[k]] = true; }
  });
  var datalist = document.getElementById("search-names");
  Object.keys(names).sort().forEach(function (n) {
    var o = document.createElement("option");
    o.value = n;
    datalist.appendChild(o);
  });

  /* The best node for a query: exact name, then a name starting with it, then containing it; conditions before
     other nodes at the same level; then the shortest name. Returns [id, name matched] or null. */
  function before(a, b) {
    for (var i = 0; i < a.length; i++) {
      if (a[i] < b[i]) return true;
      if (a[i] > b[i]) return false;
    }
    return false;
  }
  function find(q) {
    var want = norm(q);
    if (!want) return null;
    var best = null, bestKey = null;
    index.forEach(function (e) {
      var at = e[0].indexOf(want);
      if (at < 0) return;
      var key = [e[0] === want ? 0 : at === 0 ? 1 : 2, e[2], e[4], e[0].length, e[0]];
      if (bestKey === null || before(key, bestKey)) {
        best = e;
        bestKey = key;
      }
    });
    return best ? [best[1], best[3], best[4] === 1] : null;
  }

  function focusNode(id) {
    if (IDX[id] === undefined) return false;
    if (shown[GROUP[id]] === false) setShown(GROUP[id], true);
    highlight(id);
    showDetails(nodeCard(id, true));
    network.focus(id, {
      scale: Math.max(network.getScale(), 1.0),
      animation: physics ? { duration: 400, easingFunction: "easeInOutQuad" } : false
    });
    return true;
  }

  var status = document.getElementById("search-status");
  document.getElementById("search").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = document.getElementById("search-input").value;
    var hit = find(q);
    if (!hit) {
      status.textContent = q.trim() ? "Nothing is named “" + q.trim() + "”." : "";
      status.className = "miss";
      return;
    }
    status.className = "";
    if (hit[2]) { // a condition this overview leaves out: say how to draw it
      var name = offLabel[hit[0]];
      status.replaceChildren(
        el("span", name + (norm(hit[1]) !== norm(name) ? " (as “" + hit[1] + "”)" : "") +
          " is not drawn on this overview. Draw it with "),
        el("code", "kg viz --condition " + shellWord(hit[0]) + " --out page.html"),
        el("span", "."));
      return;
    }
    status.textContent = "Found " + label(hit[0]) +
      (norm(hit[1]) !== norm(label(hit[0])) ? " (as “" + hit[1] + "”)" : "") + ".";
    focusNode(hit[0]);
  });
  function shellWord(s) { return /^[A-Za-z0-9:._\/-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'"; }

  // ---------------------------------------------------------------------------------------------- ready
  Object.assign(api, {
    network: network, nodes: nodes, edges: edges,
    find: find, focusNode: focusNode, highlight: highlight, clearHighlight: clearHighlight, setShown: setShown,
    isShown: isShown,
    ready: false
  });
  window.rkg = api;

  function ready() {
    // keep the network clear of the panel on the left
    var panel = document.getElementById("panel");
    network.moveTo({
      position: network.getViewPosition(),
      scale: network.getScale() * (1 - panel.offsetWidth / Math.max(1, 2 * container.clientWidth)),
      offset: { x: panel.offsetWidth / 2, y: 0 }
    });
    api.ready = true;
    document.documentElement.dataset.ready = "true";
    document.getElementById("loading").hidden = true;
    updateCounts();
    if (DATA.focus !== null && DATA.focus !== undefined) {
      highlight(N.id[DATA.focus]);
      showDetails(nodeCard(N.id[DATA.focus], true));
    }
  }
  if (physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      network.once("afterDrawing", ready);
      network.redraw();
    });
  } else {
    network.once("afterDrawing", ready);
  }
  if (DATA.overview) {
    var note = document.getElementById("overview");
    note.textContent = DATA.overview;
    note.hidden = false;
  }
  updateCounts();
})();
