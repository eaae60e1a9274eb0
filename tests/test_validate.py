"""kg.validate and `kg validate`: a built graph conforms; a broken one gets a readable line per violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad
from rdflib import Graph
from test_graph import seed_record

from kg.cli import main
from kg.errors import InputError
from kg.graph import record_quads
from kg.outputs.rdf import write_outputs
from kg.records import Evidence, Prevalence
from kg.validate import validate, validate_documents
from kg.vocab import COND, PREV, RKG, SCHEMA, SKOS

DOC = NamedNode("https://w3id.org/rare-kg/document/sacral-agenesis")


def test_a_built_graph_conforms() -> None:
    report = validate(record_quads(seed_record()))
    assert report.conforms, report.text
    assert report.text.startswith("conforms:")


def _without(quads: list[Quad], predicate: object, subject: object | None = None) -> list[Quad]:
    return [
        q
        for q in quads
        if not (q.predicate.value == str(predicate) and (subject is None or q.subject.value == str(subject)))
    ]


def _line_about(report_text: str, focus: str, words: str) -> bool:
    return any(line.startswith(focus) and words in line for line in report_text.splitlines())


def test_missing_preferred_label_is_reported_on_the_condition() -> None:
    quads = _without(record_quads(seed_record()), SKOS.prefLabel, COND["sacral-agenesis"])
    report = validate(quads)
    assert not report.conforms
    assert _line_about(report.text, "cond:sacral-agenesis  skos:prefLabel", "exactly one preferred label")


def test_two_preferred_labels_are_reported() -> None:
    quads = record_quads(seed_record())
    quads.append(
        Quad(
            NamedNode(COND["sacral-agenesis"]),
            NamedNode(SKOS.prefLabel),
            Literal("Other", language="en"),
            DOC,
        )
    )
    assert _line_about(validate(quads).text, "cond:sacral-agenesis  skos:prefLabel", "exactly one preferred label")


def test_bounds_outside_zero_one_or_reversed_are_reported() -> None:
    bad = Prevalence("nonsense", 0.5, 0.25, "people", None, None, Evidence("1 in 25,000", 0, 11))
    huge = Prevalence("more than all", 0.1, 1.5, "people", None, None, Evidence("1 in 50,000", 20, 31))
    report = validate(record_quads(seed_record(prevalence=(bad, huge))))
    assert _line_about(report.text, "prev:sacral-agenesis-1  rkg:lowerBound", "not above rkg:upperBound")
    assert _line_about(report.text, "prev:sacral-agenesis-2  rkg:upperBound", "within [0, 1]")
    assert "1.5" in report.text


def test_a_fact_without_evidence_is_reported() -> None:
    quads = record_quads(seed_record())
    ghost = NamedNode("https://w3id.org/rare-kg/risk-factor/maternal-diabetes")
    quads = [q for q in quads if q.predicate.value != str(RKG.evidence)]  # cut every evidence link
    quads.append(Quad(NamedNode(COND["sacral-agenesis"]), NamedNode(SCHEMA.riskFactor), ghost, DOC))
    report = validate(quads)
    assert _line_about(report.text, "cond:sacral-agenesis  schema:riskFactor", "has no rkg:Evidence")
    assert "risk:maternal-diabetes" in report.text


def test_stale_evidence_and_offsets_that_do_not_fit_are_reported() -> None:
    quads = record_quads(seed_record())
    # drop the fact but keep its evidence: what a half-replaced document would leave behind
    quads = _without(quads, RKG.prevalence)
    report = validate(quads)
    assert "stale or orphaned evidence" in report.text
    wrong = seed_record(risk_factors=())
    quads = record_quads(wrong)
    evid = next(q.subject for q in quads if q.predicate.value == str(RKG.startOffset))
    quads = [q for q in quads if not (q.subject == evid and q.predicate.value == str(RKG.endOffset))]
    quads.append(Quad(evid, NamedNode(RKG.endOffset), Literal(99999), DOC))
    assert "do not span the sentence" in validate(quads).text


def test_every_violation_line_names_node_property_and_message() -> None:
    quads = _without(record_quads(seed_record()), RKG.statedAs, PREV["sacral-agenesis-1"])
    report = validate(quads)
    (line,) = report.text.splitlines()[1:]
    node, path, message = line.split("  ", 2)
    assert (node, path) == ("prev:sacral-agenesis-1", "rkg:statedAs")
    assert "rkg:statedAs" in message


def test_sources_graph_quads_and_files_agree(tmp_path: Path) -> None:
    quads = record_quads(seed_record())
    paths = write_outputs(quads, tmp_path)
    assert validate(paths["turtle"]).conforms
    assert validate(str(paths["trig"])).conforms
    assert validate(Graph().parse(paths["turtle"])).conforms
    broken = _without(quads, SKOS.prefLabel, COND["sacral-agenesis"])
    assert (
        validate_documents(broken + record_quads(seed_record("doc-b")), batch=1).violations
        == validate(broken).violations
    )


def test_unreadable_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        validate(tmp_path / "missing.ttl")
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle <", encoding="utf-8")
    with pytest.raises(InputError, match="not readable as"):
        validate(bad)


def test_kg_validate_command_exit_status_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_outputs(record_quads(seed_record()), tmp_path / "good")["turtle"]
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out.startswith("conforms:")
    broken = _without(record_quads(seed_record()), SKOS.prefLabel, COND["sacral-agenesis"])
    bad = write_outputs(broken, tmp_path / "bad")["turtle"]
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "violation(s)" in out and "cond:sacral-agenesis  skos:prefLabel" in out
    assert main(["validate", str(tmp_path / "nothing.ttl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_shared_node_needs_exactly_one_category() -> None:
    quads = record_quads(seed_record())
    risk = NamedNode("https://w3id.org/rare-kg/risk-factor/maternal-diabetes")
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    two = [*quads, Quad(risk, rdf_type, NamedNode(RKG.GeneticRiskFactor), DOC)]
    assert _line_about(validate(two).text, "risk:maternal-diabetes", "exactly one category (genetic")
    treat = NamedNode("https://w3id.org/rare-kg/treatment-area/fetal-surgery")
    none = [q for q in quads if not (q.subject == treat and q.object == NamedNode(RKG.Intervention))]
    report = validate(none)
    assert (
        _line_about(report.text, "treat:fetal-surgery", "exactly one category (specialty") and "found 0" in report.text
    )
