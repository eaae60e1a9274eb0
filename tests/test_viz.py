"""The network page (kg/outputs/viz.py) and `kg viz`, without a browser: projection, selection, layout, and the
page's bytes (offline, escaped, deterministic). tests/test_viz_browser.py opens the page in Chromium."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from fixtures.viz.synth import synthetic_store

from kg.cli import main
from kg.errors import KgError
from kg.outputs import viz

MINI = Path(__file__).parent / "fixtures" / "viz" / "mini.ttl"
COND = "https://w3id.org/rare-kg/condition/"
RISK = "https://w3id.org/rare-kg/risk-factor/"
TREAT = "https://w3id.org/rare-kg/treatment-area/"
HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</script><script>alert(2)</script>")


@pytest.fixture(scope="module")
def mini() -> rdflib.Graph:
    return rdflib.Graph().parse(MINI)


def _store(path: Path = MINI) -> ox.Store:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


class _Attrs(HTMLParser):
    """Collects every tag's attributes and the text of <style> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str, str | None]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs += [(tag, k, v) for k, v in attrs]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _page_json(html: str, block: str) -> Any:
    m = re.search(rf'<script id="{block}" type="application/json">(.*?)</script>', html, re.S)
    assert m, block
    return json.loads(m.group(1))


def _node_info(html: str, node_id: str) -> dict[str, Any]:
    """The details the page carries for one node (by its prefixed name)."""
    at = _page_json(html, "rkg-nodes")["id"].index(node_id)
    return _page_json(html, "rkg-data")["info"].get(str(at), {})


# ------------------------------------------------------------------------------------------- projection


def test_projection_has_the_three_kinds_with_their_attributes(mini: rdflib.Graph) -> None:
    g = viz.project(mini)
    kinds = {n: d["kind"] for n, d in g.nodes(data=True)}
    assert sorted(kinds.values()).count("condition") == 3
    assert kinds[RISK + "maternal-diabetes"] == "risk-factor"
    assert kinds[TREAT + "orthopaedics"] == "treatment-area"
    assert g.nodes[RISK + "maternal-diabetes"]["type"] == "maternal"
    assert g.nodes[TREAT + "multidisciplinary-care"]["type"] == "care-model"
    crs = g.nodes[COND + "caudal-regression-syndrome"]
    assert crs["synonyms"] == ["Caudal dysplasia sequence", "Sacral agenesis"]
    assert crs["identifiers"] == ["ORPHA:3027"]
    assert crs["prevalence"][0]["text"] == "1 in 25,000 live births"
    assert crs["prevalence"][0]["evidence"][0]["sentence"] == "It is seen in about 1 in 25,000 live births."
    assert (crs["source"], crs["updated"], crs["community"]) == (
        "data/summaries/caudal-regression-syndrome.txt",
        "2026-04-07",
        12,
    )
    # prevalence figures, documents and evidence nodes are attributes, not nodes
    assert not any("/prevalence/" in n or "/document/" in n or "/evidence/" in n for n in g)


def test_edges_carry_relation_and_evidence(mini: rdflib.Graph) -> None:
    g = viz.project(mini)
    assert g.number_of_edges() == 8
    edge = g.edges[COND + "sirenomelia", RISK + "maternal-diabetes", "risk-factor"]
    assert edge["relation"] == "risk factor"
    assert edge["evidence"] == [
        {
            "sentence": "Diabetes in the mother is the best known risk factor.",
            "source": "data/summaries/sirenomelia.txt",
            "start": 200,
            "end": 253,
        }
    ]
    assert g.edges[COND + "sirenomelia", TREAT + "surgery", "treatment-area"]["relation"] == "treatment area"


def test_rdflib_and_pyoxigraph_and_named_graphs_give_the_same_projection(mini: rdflib.Graph, tmp_path: Path) -> None:
    from_rdflib = viz.project(mini)
    from_store = viz.project(_store())
    # the model keeps each document in its own named graph, shared nodes repeated: read all graphs, once each
    ds = ox.Dataset()
    for i, q in enumerate(ox.parse(path=str(MINI), format=ox.RdfFormat.TURTLE)):
        for g in (ox.NamedNode(f"https://example.org/g{i % 3}"), ox.NamedNode("https://example.org/all")):
            ds.add(ox.Quad(q.subject, q.predicate, q.object, g))
    from_dataset = viz.project(ds)
    trig = tmp_path / "g.trig"
    trig.write_text(mini.serialize(format="trig"), encoding="utf-8")
    from_rdflib_dataset = viz.project(rdflib.Dataset().parse(trig, format="trig"))
    for other in (from_store, from_dataset, from_rdflib_dataset):
        assert list(other.nodes(data=True)) == list(from_rdflib.nodes(data=True))
        assert list(other.edges(keys=True, data=True)) == list(from_rdflib.edges(keys=True, data=True))


def test_a_store_with_only_named_graphs_is_read_as_their_union(mini: rdflib.Graph) -> None:
    store = ox.Store()
    for i, q in enumerate(ox.parse(path=str(MINI), format=ox.RdfFormat.TURTLE)):
        store.add(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(f"https://example.org/g{i % 4}")))
    from_named = viz.project(store)
    from_rdflib = viz.project(mini)
    assert list(from_named.nodes(data=True)) == list(from_rdflib.nodes(data=True))
    assert list(from_named.edges(keys=True, data=True)) == list(from_rdflib.edges(keys=True, data=True))


def test_details_of_some_conditions_are_those_of_the_whole_read() -> None:
    store = synthetic_store(60)
    net = viz.read_network(store)
    everything = viz.read_details(store, net)
    some = sorted(i for i, t in enumerate(net.types) if t == "condition")[::7]
    part = viz.read_details(store, net, some)
    assert sorted(part.conditions) == some
    assert all(part.conditions[i] == everything.conditions[i] for i in some)
    assert part.evidence == {e: ev for e, ev in everything.evidence.items() if e[0] in set(some)}
    assert any(part.evidence.values()) and any(d.prevalence for d in part.conditions.values())


def test_projection_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="rdflib Graph or a pyoxigraph"):
        viz.project({"not": "a graph"})


# ------------------------------------------------------------------------------------------- selection


def test_find_condition_by_label_synonym_identifier_and_slug(mini: rdflib.Graph) -> None:
    g = viz.project(mini)
    crs = COND + "caudal-regression-syndrome"
    for name in (
        "Caudal regression syndrome",
        "caudal  REGRESSION syndrome",
        "Sacral agenesis",
        "ORPHA:3027",
        "caudal-regression-syndrome",
        "cond:caudal-regression-syndrome",
        crs,
    ):
        assert viz.find_condition(g, name) == crs, name
    with pytest.raises(KgError, match="did you mean 'Caudal regression syndrome'"):
        viz.find_condition(g, "caudal regresion syndrome")
    with pytest.raises(KgError, match="no condition named 'maternal diabetes'"):
        viz.find_condition(g, "maternal diabetes")  # a risk factor, not a condition


def test_shared_synonym_is_ambiguous(mini: rdflib.Graph) -> None:
    g = viz.project(mini).copy()
    g.nodes[COND + "sirenomelia"]["synonyms"] = ["Sacral agenesis"]
    with pytest.raises(KgError, match="ambiguous"):
        viz.find_condition(g, "sacral agenesis")


def test_select_condition_depth_and_types(mini: rdflib.Graph) -> None:
    g = viz.project(mini)
    one, focus = viz.select(g, condition="sacral agenesis", depth=1)
    assert focus == COND + "caudal-regression-syndrome"
    assert set(one) == {
        focus,
        RISK + "maternal-diabetes",
        RISK + "genetic-variant",
        TREAT + "orthopaedics",
        TREAT + "multidisciplinary-care",
    }
    two, _ = viz.select(g, condition="sacral agenesis", depth=2)
    assert set(two) == set(one) | {COND + "sirenomelia"}
    zero, _ = viz.select(g, condition="sacral agenesis", depth=0)
    assert set(zero) == {focus}
    # walking only through maternal risk factors: Sirenomelia is reached through maternal diabetes only
    maternal, _ = viz.select(g, condition="sacral agenesis", depth=2, types=["condition", "maternal"])
    assert set(maternal) == {focus, RISK + "maternal-diabetes", COND + "sirenomelia"}
    kinds, _ = viz.select(g, types=["treatment-area"])
    assert {d["kind"] for _, d in kinds.nodes(data=True)} == {"treatment-area"}
    assert kinds.number_of_edges() == 0
    with pytest.raises(KgError, match="unknown entity type 'bogus'"):
        viz.select(g, types=["bogus"])
    with pytest.raises(KgError, match="--depth must be 0 or more"):
        viz.select(g, condition="sirenomelia", depth=-1)


# ------------------------------------------------------------------------------------------- the page


def test_page_is_self_contained_with_no_external_reference(mini: rdflib.Graph, tmp_path: Path) -> None:
    out = tmp_path / "net.html"
    viz.write_html(mini, out)
    html = out.read_text(encoding="utf-8")
    parser = _Attrs()
    parser.feed(html)
    linking = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background", "manifest"}
    external = [(tag, k, v) for tag, k, v in parser.attrs if k in linking and v and not v.startswith("#")]
    assert external == []
    assert not re.search(r"<(link|iframe|object|embed|img|base)\b", html, re.I)
    assert not any(re.search(r"url\(|@import", css) for css in parser.styles)
    csp = next(v for tag, k, v in parser.attrs if tag == "meta" and k == "content" and v and "default-src" in v)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    # the vendored vis-network is inlined, and its licence travels with the source
    assert "vis-network" in html and "@license" in html


def test_vendored_vis_network_is_the_recorded_file() -> None:
    assets = Path(viz.VIS_JS).parent
    digest = hashlib.sha256(viz.VIS_JS.read_bytes()).hexdigest()
    assert digest in (assets / "README.md").read_text(encoding="utf-8")
    assert "MIT License" in (assets / "LICENSE-MIT").read_text(encoding="utf-8")


def test_hostile_summary_text_is_data_not_markup(mini: rdflib.Graph, tmp_path: Path) -> None:
    out = tmp_path / "net.html"
    viz.write_html(mini, out)
    html = out.read_text(encoding="utf-8")
    for text in HOSTILE:
        assert text not in html
    assert not re.search(r"<img|<script>alert", html)
    data = _page_json(html, "rkg-data")
    node = _node_info(html, "cond:tricky-syndrome")
    assert "<script>alert(1)</script>" in node["syn"]  # the text itself survives, unchanged
    sentences = data["strings"]
    assert any('"><img src=x onerror=alert(1)>' in s and "</script><script>alert(2)</script>" in s for s in sentences)
    assert "data/summaries/tricky-<b>syndrome</b>.txt" in sentences
    # the script never turns data into HTML
    script = (viz.TEMPLATES / "viz.js").read_text(encoding="utf-8")
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function", script)


def test_page_lists_nodes_edges_legend_and_details(mini: rdflib.Graph, tmp_path: Path) -> None:
    out = tmp_path / "net.html"
    summary = viz.write_html(mini, out)
    html = out.read_text(encoding="utf-8")
    nodes = _page_json(html, "rkg-nodes")
    edges = _page_json(html, "rkg-edges")
    data = _page_json(html, "rkg-data")
    assert (summary.nodes, summary.edges) == (len(nodes["id"]), len(edges["from"])) == (9, 8)
    assert all(len(column) == 9 for column in nodes.values())
    assert all(len(column) == 8 for column in edges.values()) and len(data["ev"]) == 8
    assert {data["types"][g] for g in nodes["group"]} == {
        "condition",
        "genetic",
        "maternal",
        "environmental",
        "specialty",
        "care-model",
        "intervention",
    }
    assert all(s > 0 for s in nodes["size"]) and len(nodes["x"]) == len(nodes["y"]) == 9
    sizes = dict(zip(nodes["id"], nodes["size"], strict=True))
    assert sizes["cond:caudal-regression-syndrome"] > sizes["cond:tricky-syndrome"]  # size grows with degree
    links = {
        (nodes["id"][f], data["relations"][r], nodes["id"][t])
        for f, r, t in zip(edges["from"], edges["rel"], edges["to"], strict=True)
    }
    assert ("cond:sirenomelia", "risk factor", "risk:maternal-diabetes") in links
    assert ("cond:sirenomelia", "treatment area", "treat:surgery") in links
    # each link's evidence: [sentence, source, start, end], text interned once in `strings`
    at = next(
        j
        for j, (f, t) in enumerate(zip(edges["from"], edges["to"], strict=True))
        if (nodes["id"][f], nodes["id"][t]) == ("cond:sirenomelia", "risk:maternal-diabetes")
    )
    sentence, source, start, end = data["ev"][at][0]
    assert data["strings"][sentence] == "Diabetes in the mother is the best known risk factor."
    assert (data["strings"][source], start, end) == ("data/summaries/sirenomelia.txt", 200, 253)
    legend = {item["key"]: item for item in data["legend"]}
    assert legend["condition"]["count"] == 3 and legend["condition"]["shape"] == "dot"
    assert len({(i["shape"], i["color"]) for i in data["legend"]}) == len(data["legend"])
    crs = _node_info(html, "cond:caudal-regression-syndrome")
    assert crs["prev"][0][:3] == ["1 in 25,000 live births", "birth prevalence", "1-9 / 100 000"]
    assert crs["syn"] == ["Caudal dysplasia sequence", "Sacral agenesis"] and crs["ids"] == ["ORPHA:3027"]
    assert data["strings"][crs["src"]] == "data/summaries/caudal-regression-syndrome.txt"
    assert (crs["upd"], crs["comm"]) == ("2026-04-07", 12)
    assert data["overview"] is None and data["offPage"] == []
    assert summary.physics is True and _page_json(html, "rkg-options")["physics"]["enabled"] is True


def test_same_graph_gives_the_same_bytes(mini: rdflib.Graph, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.html", tmp_path / "b.html", tmp_path / "c.html"
    viz.write_html(mini, a)
    viz.write_html(mini, b)
    viz.write_html(_store(), c)
    d = tmp_path / "d.html"
    viz.write_html(viz.project(mini), d)  # a networkx projection draws the same page
    assert a.read_bytes() == b.read_bytes() == c.read_bytes() == d.read_bytes()


def test_large_graph_opens_on_a_precomputed_layout_without_physics(tmp_path: Path) -> None:
    store = synthetic_store(400)
    out = tmp_path / "big.html"
    summary = viz.write_html(store, out)
    assert summary.nodes > viz.PHYSICS_MAX_NODES and summary.physics is False and summary.overview is None
    html = out.read_text(encoding="utf-8")
    options = _page_json(html, "rkg-options")
    assert options["physics"]["enabled"] is False and options["layout"]["improvedLayout"] is False
    nodes = _page_json(html, "rkg-nodes")
    positions = set(zip(nodes["x"], nodes["y"], strict=True))
    assert len(positions) > 0.95 * len(nodes["id"])  # spread out, not piled on a point
    xs = sorted(p[0] for p in positions)
    assert xs[-1] - xs[0] > viz.SPACING * 10


def test_layout_packs_components_apart(mini: rdflib.Graph) -> None:
    net = viz.read_network(mini)
    pos = viz.layout(len(net.iris), [(u, v) for u, v, _ in net.edges])
    assert len(pos) == len(net.iris)
    tricky = pos[net.index[COND + "tricky-syndrome"]]
    others = [pos[i] for i, n in enumerate(net.iris) if n not in (COND + "tricky-syndrome", RISK + "smoking")]
    # the lone component is set beside the big one, not on top of it
    assert all(abs(tricky[0] - x) + abs(tricky[1] - y) > viz.SPACING / 2 for x, y in others)


def test_layout_of_a_big_component_is_spread_and_keeps_leaves_by_their_node() -> None:
    # a core of 1,500 nodes (igraph's grid layout), each with two leaves of its own
    core = 1500
    edges = [(i, (i * 7 + 1) % core) for i in range(core)] + [(i, (i * 13 + 5) % core) for i in range(core)]
    edges += [(i, core + 2 * i + k) for i in range(core) for k in (0, 1)]
    pos = viz.layout(core * 3, edges)
    assert len(set(pos)) > 0.99 * len(pos)
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    assert max(xs) - min(xs) > viz.SPACING * 20 and max(ys) - min(ys) > viz.SPACING * 20
    spread = (max(xs) - min(xs)) / math.sqrt(len(pos))
    for i in range(0, core, 97):
        for leaf in (core + 2 * i, core + 2 * i + 1):
            assert math.dist(pos[i], pos[leaf]) < 4 * spread  # a leaf sits by its own node


def test_big_graph_page_is_an_overview_that_says_so(tmp_path: Path) -> None:
    store = synthetic_store(300)
    net = viz.read_network(store)
    out = tmp_path / "overview.html"
    summary = viz.write_html(store, out, max_nodes=120)
    assert 0 < summary.nodes <= 120 and summary.edges <= 120 * viz.LINKS_PER_NODE
    assert summary.total_nodes == len(net.iris) and summary.overview
    html = out.read_text(encoding="utf-8")
    data = _page_json(html, "rkg-data")
    nodes = _page_json(html, "rkg-nodes")
    edges = _page_json(html, "rkg-edges")
    assert data["overview"] == summary.overview
    assert data["overview"].startswith(f"Overview: {summary.nodes:,} of {len(net.iris):,} nodes and ")
    assert "kg viz --condition NAME" in data["overview"] and "--max-nodes 0" in data["overview"]
    # every drawn condition comes with all of its links
    drawn = {nodes["id"][f] for f in edges["from"]}
    per_condition: dict[str, int] = {}
    for u, _, _ in net.edges:
        per_condition[viz.curie(net.iris[u])] = per_condition.get(viz.curie(net.iris[u]), 0) + 1
    page_links: dict[str, int] = {}
    for f in edges["from"]:
        page_links[nodes["id"][f]] = page_links.get(nodes["id"][f], 0) + 1
    assert all(page_links[c] == per_condition[c] for c in drawn)
    # ... and they are the best-linked ones
    degree = {viz.curie(net.iris[i]): len(n) for i, n in enumerate(net.neighbours())}
    left_out = [c[0] for c in data["offPage"]]
    assert left_out and set(left_out).isdisjoint(nodes["id"])
    assert len(left_out) + sum(1 for g in nodes["group"] if data["types"][g] == "condition") == 300
    assert min(degree[c] for c in drawn) >= max(degree[c] for c in left_out) - 1
    # a shared node that lost links keeps its whole-graph count
    cut = {int(k): v["links"] for k, v in data["info"].items() if "links" in v}
    assert cut and all(v == degree[nodes["id"][k]] for k, v in cut.items())
    # without the cap, everything
    full = viz.write_html(store, tmp_path / "all.html", max_nodes=0)
    assert (full.nodes, full.edges, full.overview) == (len(net.iris), len(net.edges), None)


def test_cap_around_one_condition_keeps_the_nearest() -> None:
    net = viz.read_network(synthetic_store(300))
    focus = viz.curie(net.iris[net.types.index("condition")])
    part = viz.choose(net, condition=focus, depth=3, max_nodes=40)
    assert part.overview and "nearest to" in part.overview and len(part.nodes) <= 40
    assert part.focus is not None and part.focus in part.nodes
    wide = viz.choose(net, condition=focus, depth=3, max_nodes=0)
    assert set(part.nodes) < set(wide.nodes) and wide.overview is None
    with pytest.raises(KgError, match="--max-nodes must be 0"):
        viz.choose(net, max_nodes=-1)


# Builds a page in a fresh interpreter: string hashing (PYTHONHASHSEED) differs between the two runs, so any
# iteration over a set or dict of strings that reaches the node order, the layout or the JSON shows up as a diff.
_PAGE_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from fixtures.viz.synth import synthetic_store
from kg.outputs import viz
store = synthetic_store(250)
viz.write_html(store, Path(sys.argv[1]) / "full.html")
viz.write_html(store, Path(sys.argv[1]) / "overview.html", max_nodes=150)
viz.write_html(store, Path(sys.argv[1]) / "one.html", condition="cond:condition-000007", depth=2)
"""


def test_same_input_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    pages = []
    for seed in ("1", "4242"):
        folder = tmp_path / seed
        folder.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-c", _PAGE_SCRIPT, str(folder), str(Path(__file__).parent)],
            check=True,
            env=env,
            cwd=Path(__file__).parent.parent,
            timeout=120,
        )
        pages.append({p.name: p.read_bytes() for p in sorted(folder.glob("*.html"))})
    assert sorted(pages[0]) == ["full.html", "one.html", "overview.html"]
    for name in pages[0]:
        assert pages[0][name] == pages[1][name], name


def test_write_html_needs_an_existing_folder(mini: rdflib.Graph, tmp_path: Path) -> None:
    with pytest.raises(KgError, match="no such folder"):
        viz.write_html(mini, tmp_path / "missing" / "net.html")


# ------------------------------------------------------------------------------------------- kg viz


def test_cli_writes_the_page_from_an_rdf_file_and_a_build_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net.html"
    assert main(["viz", "--graph", str(MINI), "--out", str(out), "--condition", "Mermaid syndrome"]) == 0
    printed = capsys.readouterr().out
    assert f"{out}: 4 nodes" in printed and "3 links" in printed
    assert "Sirenomelia" in out.read_text(encoding="utf-8")
    build = tmp_path / "build"
    build.mkdir()
    (build / "graph.ttl").write_bytes(MINI.read_bytes())
    assert main(["viz", "--graph", str(build), "--out", str(out), "--types", "condition,risk-factor"]) == 0
    assert "6 nodes" in capsys.readouterr().out
    assert main(["viz", "--graph", str(MINI), "--out", str(out), "--max-nodes", "5"]) == 0
    printed = capsys.readouterr().out
    assert "an overview: 5 of 9 nodes" in printed and "--max-nodes 0" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--condition", "no such thing"], "no condition named 'no such thing'"),
        (["--types", "condition,spleen"], "unknown entity type 'spleen'"),
        (["--depth", "2"], "--depth needs --condition"),
        (["--max-nodes", "-3"], "--max-nodes must be 0 (no cap) or more"),
    ],
)
def test_cli_user_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["viz", "--graph", str(MINI), "--out", str(tmp_path / "x.html"), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "x.html").exists()
