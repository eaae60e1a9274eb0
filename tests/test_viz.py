"""The network page (kg/outputs/viz.py) and `kg viz`, without a browser: projection, selection, layout, and the
page's bytes (offline, escaped, deterministic). tests/test_viz_browser.py opens the page in Chromium."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

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


def _page_json(html: str, block: str) -> object:
    m = re.search(rf'<script id="{block}" type="application/json">(.*?)</script>', html, re.S)
    assert m, block
    return json.loads(m.group(1))


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
    node = data["nodes"]["cond:tricky-syndrome"]
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
    assert (summary.nodes, summary.edges) == (len(nodes), len(edges)) == (9, 8)
    assert {n["group"] for n in nodes} == {
        "condition",
        "genetic",
        "maternal",
        "environmental",
        "specialty",
        "care-model",
        "intervention",
    }
    assert all("x" in n and "y" in n and n["size"] > 0 for n in nodes)
    sizes = {n["id"]: n["size"] for n in nodes}
    assert sizes["cond:caudal-regression-syndrome"] > sizes["cond:tricky-syndrome"]  # size grows with degree
    assert {e["id"] for e in edges} == set(data["edges"])
    assert {d["r"] for d in data["edges"].values()} == {"risk factor", "treatment area"}
    legend = {item["key"]: item for item in data["legend"]}
    assert legend["condition"]["count"] == 3 and legend["condition"]["shape"] == "dot"
    assert len({(i["shape"], i["color"]) for i in data["legend"]}) == len(data["legend"])
    crs = data["nodes"]["cond:caudal-regression-syndrome"]
    assert crs["prev"][0][:3] == ["1 in 25,000 live births", "birth prevalence", "1-9 / 100 000"]
    assert summary.physics is True and _page_json(html, "rkg-options")["physics"]["enabled"] is True


def test_same_graph_gives_the_same_bytes(mini: rdflib.Graph, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.html", tmp_path / "b.html", tmp_path / "c.html"
    viz.write_html(mini, a)
    viz.write_html(mini, b)
    viz.write_html(_store(), c)
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()


def test_large_graph_opens_on_a_precomputed_layout_without_physics(tmp_path: Path) -> None:
    store = synthetic_store(400)
    out = tmp_path / "big.html"
    summary = viz.write_html(store, out)
    assert summary.nodes > viz.PHYSICS_MAX_NODES and summary.physics is False
    html = out.read_text(encoding="utf-8")
    options = _page_json(html, "rkg-options")
    assert options["physics"]["enabled"] is False and options["layout"]["improvedLayout"] is False
    nodes = _page_json(html, "rkg-nodes")
    positions = {(n["x"], n["y"]) for n in nodes}
    assert len(positions) > 0.95 * len(nodes)  # spread out, not piled on a point
    xs = sorted(p[0] for p in positions)
    assert xs[-1] - xs[0] > viz.SPACING * 10


def test_layout_packs_components_apart(mini: rdflib.Graph) -> None:
    g = viz.project(mini)
    pos = viz.layout(g)
    assert set(pos) == set(g)
    tricky = pos[COND + "tricky-syndrome"]
    others = [pos[n] for n in g if n not in (COND + "tricky-syndrome", RISK + "smoking")]
    # the lone component is set beside the big one, not on top of it
    assert all(abs(tricky[0] - x) + abs(tricky[1] - y) > viz.SPACING / 2 for x, y in others)


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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--condition", "no such thing"], "no condition named 'no such thing'"),
        (["--types", "condition,spleen"], "unknown entity type 'spleen'"),
        (["--depth", "2"], "--depth needs --condition"),
    ],
)
def test_cli_user_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["viz", "--graph", str(MINI), "--out", str(tmp_path / "x.html"), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "x.html").exists()
