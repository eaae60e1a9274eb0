"""`kg stats` (kg/stats.py): rankings and components on the hand-written graph of tests/fixtures/viz/mini.ttl."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
import rdflib

from kg import stats
from kg.cli import main
from kg.outputs import viz

MINI = Path(__file__).parent / "fixtures" / "viz" / "mini.ttl"
COND = "https://w3id.org/rare-kg/condition/"


@pytest.fixture(scope="module")
def g() -> nx.MultiDiGraph:
    return viz.project(rdflib.Graph().parse(MINI))


def test_most_connected_counts_distinct_conditions(g: nx.MultiDiGraph) -> None:
    risks = stats.most_connected(g, "risk-factor")
    assert [(r.label, r.count) for r in risks] == [("maternal diabetes", 2), ("genetic variant", 1), ("smoking", 1)]
    treats = stats.most_connected(g, "treatment-area", top=1)
    assert [(t.label, t.count, t.type) for t in treats] == [("orthopaedics", 2, "specialty")]


def test_sharing_with_lists_what_is_shared(g: nx.MultiDiGraph) -> None:
    sharing = stats.sharing_with(g, COND + "caudal-regression-syndrome")
    assert [(s.label, s.count, s.shared) for s in sharing] == [
        ("Sirenomelia", 2, ("maternal diabetes", "orthopaedics"))
    ]
    assert stats.sharing_with(g, COND + "tricky-syndrome") == []


def test_components(g: nx.MultiDiGraph) -> None:
    comp = stats.components(g)
    assert (comp.count, comp.sizes, comp.largest_conditions) == (2, (7, 2), 2)
    assert comp.isolated_conditions == ("Tricky syndrome",)


def test_report_text_and_json(g: nx.MultiDiGraph) -> None:
    r = stats.report(g, condition="Mermaid syndrome", top=2)
    text = stats.format_report(r)
    assert text.startswith("3 conditions, 3 risk factors, 3 treatment areas, 8 links\n")
    assert "      2  maternal diabetes (maternal risk factor)" in text
    assert "Conditions sharing the most with Sirenomelia" in text
    assert "      2  Caudal regression syndrome: maternal diabetes; orthopaedics" in text
    data = r.to_json()
    assert data["sharing"][0]["id"] == "cond:caudal-regression-syndrome"
    assert len(data["risk_factors"]) == 2


def test_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--graph", str(MINI), "--json", "--condition", "ORPHA:3027"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["components"]["count"] == 2
    assert data["condition"]["label"] == "Caudal regression syndrome"
    assert main(["stats", "--graph", str(MINI), "--condition", "nothing like it"]) == 2
    assert "no condition named 'nothing like it'" in capsys.readouterr().err
