"""`kg validate` on a build folder: it checks the folder's graph.trig, as `kg query --graph` reads a build."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Quad
from test_graph import seed_record

from kg.cli import main
from kg.graph import record_quads
from kg.outputs.rdf import write_outputs
from kg.vocab import COND, SKOS


def _broken_quads() -> list[Quad]:
    """The seed record's quads without the condition's preferred label (a violation of the shapes)."""
    label, cond = str(SKOS.prefLabel), str(COND["sacral-agenesis"])
    quads = record_quads(seed_record())
    broken = [q for q in quads if not (q.predicate.value == label and q.subject.value == cond)]
    assert len(broken) < len(quads)
    return broken


def test_a_build_folder_is_validated_through_its_trig(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build = tmp_path / "build"
    files = write_outputs(record_quads(seed_record()), build)
    assert files["trig"] == build / "graph.trig"
    assert main(["validate", str(build)]) == 0
    assert capsys.readouterr().out.startswith("conforms:")


def test_the_trig_of_the_folder_is_the_file_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder whose graph.trig is broken fails even though its graph.ttl conforms."""
    good, bad = tmp_path / "good", tmp_path / "bad"
    write_outputs(record_quads(seed_record()), good)
    write_outputs(_broken_quads(), bad)
    (good / "graph.trig").write_bytes((bad / "graph.trig").read_bytes())
    assert main(["validate", str(good)]) == 1
    out = capsys.readouterr().out
    assert "violation(s)" in out and "cond:sacral-agenesis  skos:prefLabel" in out
    assert main(["validate", str(good / "graph.ttl")]) == 0, "the Turtle file alone still conforms"


def test_a_folder_with_only_turtle_is_read_through_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build = tmp_path / "build"
    write_outputs(_broken_quads(), build)
    (build / "graph.trig").unlink()
    assert main(["validate", str(build)]) == 1
    assert "skos:prefLabel" in capsys.readouterr().out


def test_a_folder_without_a_graph_is_named_with_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["validate", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, "one line"
    assert "empty" in err and "graph.trig" in err and "kg build" in err
    assert main(["validate", str(tmp_path / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_both_engines_give_the_same_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_outputs(_broken_quads(), tmp_path / "bad")
    reports = []
    for engine in ("oxigraph", "pyshacl"):
        assert main(["validate", "--engine", engine, str(tmp_path / "bad")]) == 1
        reports.append(capsys.readouterr().out)
    assert reports[0] == reports[1] and "prefLabel" in reports[0]
