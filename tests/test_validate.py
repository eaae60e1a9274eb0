"""kg.validate and `kg validate`: a built graph conforms; a broken one gets a readable line per violation, the same
from the compiled engine (SPARQL on Oxigraph, what kg build runs) as from pyshacl (the reference)."""

from __future__ import annotations

import functools
import random
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Store, serialize
from rdflib import Graph, URIRef
from rdflib.namespace import SH
from test_graph import seed_record

from kg.cli import main
from kg.errors import InputError, KgError
from kg.graph import record_quads
from kg.outputs.rdf import write_outputs
from kg.records import Evidence, Prevalence
from kg.validate import (
    ValidationReport,
    _compile,
    _core_rows,
    _not_exists_as_optional,
    _plan,
    _pyshacl,
    _sparql_checks_of,
    _store_violations,
    _to_rdflib,
    shapes_graph,
    validate,
    validate_documents,
)
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


# ------------------------------------------------------------------ the compiled engine against pyshacl
#
# kg build validates with the shapes compiled to SPARQL on Oxigraph (engine "oxigraph"); pyshacl (engine
# "pyshacl") is the reference. Each case below breaks the seed graph in one way the shapes forbid, at least one
# per constraint component our shapes use, and both engines must report exactly the same violations.

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
SEED_COND = NamedNode(COND["sacral-agenesis"])
SEED_PREV = NamedNode(PREV["sacral-agenesis-1"])
SEED_DOC = NamedNode("https://w3id.org/rare-kg/document/sacral-agenesis")
SEED_RISK = NamedNode("https://w3id.org/rare-kg/risk-factor/maternal-diabetes")
SEED_TREAT = NamedNode("https://w3id.org/rare-kg/treatment-area/fetal-surgery")
TYPE = NamedNode(RDF_NS + "type")


def _p(iri: object) -> NamedNode:
    return iri if isinstance(iri, NamedNode) else NamedNode(str(iri))


def _typed(value: str, datatype: str) -> Literal:
    return Literal(value, datatype=NamedNode(XSD_NS + datatype))


def _seed_evidence(quads: list[Quad], predicate: object) -> NamedNode:
    """The evidence node of the seed fact with this predicate (sorted, so the choice is stable)."""
    return min(
        (q.subject for q in quads if q.predicate == NamedNode(RDF_NS + "predicate") and q.object == _p(predicate)),
        key=str,
    )


def _replace(quads: list[Quad], subject: object, predicate: object, *values: object) -> list[Quad]:
    """The quads with every (subject, predicate, *) replaced by the given values."""
    s, p = (subject if isinstance(subject, NamedNode | BlankNode) else _p(subject)), _p(predicate)
    kept = [q for q in quads if not (q.subject == s and q.predicate == p)]
    return kept + [Quad(s, p, v, DOC) for v in values]  # type: ignore[arg-type]


def _add(quads: list[Quad], subject: object, predicate: object, value: object) -> list[Quad]:
    s = subject if isinstance(subject, NamedNode | BlankNode) else _p(subject)
    return [*quads, Quad(s, _p(predicate), value, DOC)]  # type: ignore[arg-type]


def _drop(quads: list[Quad], subject: object, predicate: object, value: object | None = None) -> list[Quad]:
    s, p = (subject if isinstance(subject, NamedNode | BlankNode) else _p(subject)), _p(predicate)
    return [q for q in quads if not (q.subject == s and q.predicate == p and (value is None or q.object == value))]


def _ev(predicate: object, change: object) -> object:
    """A case that changes the seed evidence node of one fact: `change(quads, evidence_node)`."""
    return lambda q: change(q, _seed_evidence(q, predicate))  # type: ignore[operator]


EN = "en"
BROKEN: dict[str, object] = {
    # sh:hasValue
    "condition not a schema:MedicalCondition": lambda q: _drop(
        q, SEED_COND, RDF_NS + "type", _p(SCHEMA.MedicalCondition)
    ),
    "risk factor not a schema:MedicalRiskFactor": lambda q: _drop(q, SEED_RISK, TYPE, _p(SCHEMA.MedicalRiskFactor)),
    # sh:minCount / sh:maxCount
    "no preferred label": lambda q: _drop(q, SEED_COND, SKOS.prefLabel),
    "two preferred labels": lambda q: _add(q, SEED_COND, SKOS.prefLabel, Literal("Other", language=EN)),
    "no rdfs:label": lambda q: _drop(q, SEED_COND, "http://www.w3.org/2000/01/rdf-schema#label"),
    "no source document": lambda q: _drop(q, SEED_COND, "http://www.w3.org/ns/prov#wasDerivedFrom"),
    "no statedAs": lambda q: _drop(q, SEED_PREV, RKG.statedAs),
    "two lower bounds": lambda q: _add(q, SEED_PREV, RKG.lowerBound, Literal(1e-5)),
    "two upper bounds": lambda q: _add(q, SEED_PREV, RKG.upperBound, Literal(1e-4)),
    "two counts": lambda q: _add(_add(q, SEED_PREV, RKG.count, Literal(5)), SEED_PREV, RKG.count, Literal(6)),
    "two statedAs": lambda q: _add(q, SEED_PREV, RKG.statedAs, Literal("rare")),
    "two prevalence types": lambda q: _add(q, SEED_PREV, RKG.prevalenceType, Literal("incidence")),
    "prevalence of two conditions": lambda q: _add(q, COND["other"], RKG.prevalence, SEED_PREV),
    "prevalence of no condition": lambda q: _drop(q, SEED_COND, RKG.prevalence),
    "two source paths": lambda q: _add(q, SEED_DOC, RKG.sourcePath, Literal("elsewhere.txt")),
    "no source path": lambda q: _drop(q, SEED_DOC, RKG.sourcePath),
    "two modified dates": lambda q: _add(
        q, SEED_DOC, "http://purl.org/dc/terms/modified", _typed("2020-01-01", "date")
    ),
    "two community counts": lambda q: _add(q, SEED_DOC, RKG.communityCount, Literal(3)),
    "risk factor without label": lambda q: _drop(q, SEED_RISK, SKOS.prefLabel),
    "evidence without subject": _ev(SCHEMA.riskFactor, lambda q, e: _drop(q, e, RDF_NS + "subject")),
    "evidence with two predicates": _ev(
        SCHEMA.riskFactor, lambda q, e: _add(q, e, RDF_NS + "predicate", _p(RKG.evidence))
    ),
    "evidence without object": _ev(SCHEMA.riskFactor, lambda q, e: _drop(q, e, RDF_NS + "object")),
    "evidence with two subjects": _ev(SCHEMA.riskFactor, lambda q, e: _add(q, e, RDF_NS + "subject", SEED_PREV)),
    "evidence with two objects": _ev(SCHEMA.riskFactor, lambda q, e: _add(q, e, RDF_NS + "object", SEED_TREAT)),
    "evidence with two extractors": _ev(SCHEMA.riskFactor, lambda q, e: _add(q, e, RKG.extractor, Literal("other"))),
    "evidence with two end offsets": _ev(SCHEMA.riskFactor, lambda q, e: _add(q, e, RKG.endOffset, Literal(500))),
    "evidence with two documents": _ev(
        SCHEMA.riskFactor,
        lambda q, e: _add(q, e, "http://www.w3.org/ns/prov#wasDerivedFrom", NamedNode(f"{SEED_DOC.value}-2")),
    ),
    "evidence without extractor": _ev(SCHEMA.riskFactor, lambda q, e: _drop(q, e, RKG.extractor)),
    "evidence with two sentences": _ev(SCHEMA.riskFactor, lambda q, e: _add(q, e, RKG.sentence, Literal("other"))),
    "evidence with two start offsets": _ev(SCHEMA.riskFactor, lambda q, e: _add(q, e, RKG.startOffset, Literal(1))),
    "evidence with two methods": _ev(SKOS.exactMatch, lambda q, e: _add(q, e, RKG.matchMethod, Literal("synonym"))),
    # sh:datatype (wrong type, plain or language string, ill-formed literal)
    "preferred label without language": lambda q: _replace(q, SEED_COND, SKOS.prefLabel, Literal("Sacral agenesis")),
    "synonym as xsd:string": lambda q: _replace(q, SEED_COND, SKOS.altLabel, Literal("caudal regression syndrome")),
    "lower bound as decimal": lambda q: _replace(q, SEED_PREV, RKG.lowerBound, _typed("0.00002", "decimal")),
    "upper bound ill-formed": lambda q: _drop(
        _replace(q, SEED_PREV, RKG.upperBound, _typed("lots", "double")), SEED_PREV, RKG.lowerBound
    ),
    "count as double": lambda q: _add(q, SEED_PREV, RKG.count, Literal(5.0)),
    "modified not a date": lambda q: _replace(
        q, SEED_DOC, "http://purl.org/dc/terms/modified", _typed("2026-13-45", "date")
    ),
    "modified as dateTime": lambda q: _replace(
        q, SEED_DOC, "http://purl.org/dc/terms/modified", _typed("2026-04-07T00:00:00", "dateTime")
    ),
    "community count as string": lambda q: _replace(q, SEED_DOC, RKG.communityCount, Literal("12")),
    "sentence with a language": _ev(
        SCHEMA.riskFactor, lambda q, e: _replace(q, e, RKG.sentence, Literal("maternal diabetes", language=EN))
    ),
    "start offset as decimal": _ev(
        SCHEMA.riskFactor, lambda q, e: _replace(q, e, RKG.startOffset, _typed("394.0", "decimal"))
    ),
    # sh:minLength
    "empty preferred label": lambda q: _replace(q, SEED_COND, SKOS.prefLabel, Literal("", language=EN)),
    "empty synonym": lambda q: _add(q, SEED_COND, SKOS.altLabel, Literal("", language=EN)),
    "empty statedAs": lambda q: _replace(q, SEED_PREV, RKG.statedAs, Literal("")),
    "statedAs a blank node": lambda q: _replace(q, SEED_PREV, RKG.statedAs, BlankNode("stated")),
    "empty shared label": lambda q: _replace(q, SEED_TREAT, SKOS.prefLabel, Literal("", language=EN)),
    "shared label without language": lambda q: _replace(q, SEED_RISK, SKOS.prefLabel, Literal("maternal diabetes")),
    "empty sentence": _ev(SCHEMA.riskFactor, lambda q, e: _replace(q, e, RKG.sentence, Literal(""))),
    # sh:class and sh:nodeKind
    "risk factor not a RiskFactor": lambda q: _drop(q, SEED_RISK, TYPE, _p(RKG.RiskFactor)),
    "treatment area a literal": lambda q: _add(q, SEED_COND, RKG.treatmentArea, Literal("surgery")),
    "risk factor a blank node": lambda q: _add(q, SEED_COND, SCHEMA.riskFactor, BlankNode("risk")),
    "derived from a non-document": lambda q: _replace(
        q, SEED_COND, "http://www.w3.org/ns/prov#wasDerivedFrom", SEED_RISK
    ),
    "evidence link to a non-evidence": lambda q: _add(q, SEED_COND, RKG.evidence, SEED_RISK),
    "evidence link a literal": lambda q: _add(q, SEED_COND, RKG.evidence, Literal("see above")),
    "prevalence a literal": lambda q: _add(q, SEED_COND, RKG.prevalence, Literal("1 in 25,000")),
    "evidence subject a literal": _ev(SCHEMA.riskFactor, lambda q, e: _replace(q, e, RDF_NS + "subject", Literal("x"))),
    "evidence predicate a blank node": _ev(
        SCHEMA.riskFactor, lambda q, e: _replace(q, e, RDF_NS + "predicate", BlankNode("p"))
    ),
    # sh:pattern
    "exactMatch to an unknown scheme": lambda q: _add(
        q, SEED_COND, SKOS.exactMatch, NamedNode("http://example.org/id/1")
    ),
    "closeMatch with a bad OMIM number": lambda q: _add(
        q, SEED_COND, SKOS.closeMatch, NamedNode("https://omim.org/entry/12345")
    ),
    "exactMatch a literal": lambda q: _add(q, SEED_COND, SKOS.exactMatch, Literal("ORPHA:3027")),
    "closeMatch a blank node": lambda q: _add(q, SEED_COND, SKOS.closeMatch, BlankNode("m")),
    # sh:minInclusive / sh:maxInclusive (including values that cannot be compared)
    "negative lower bound": lambda q: _replace(q, SEED_PREV, RKG.lowerBound, Literal(-0.1)),
    "upper bound above one": lambda q: _replace(q, SEED_PREV, RKG.upperBound, Literal(1.5)),
    "lower bound as text": lambda q: _replace(q, SEED_PREV, RKG.lowerBound, Literal("0.5")),
    "negative count": lambda q: _add(q, SEED_PREV, RKG.count, Literal(-3)),
    "negative community count": lambda q: _replace(q, SEED_DOC, RKG.communityCount, Literal(-1)),
    "negative start offset": _ev(SCHEMA.riskFactor, lambda q, e: _replace(q, e, RKG.startOffset, Literal(-1))),
    "zero end offset": _ev(SCHEMA.riskFactor, lambda q, e: _replace(q, e, RKG.endOffset, Literal(0))),
    # sh:lessThan / sh:lessThanOrEquals
    "bounds reversed": lambda q: _replace(
        _replace(q, SEED_PREV, RKG.lowerBound, Literal(0.5)), SEED_PREV, RKG.upperBound, Literal(0.25)
    ),
    "start offset equal to end": _ev(SCHEMA.riskFactor, lambda q, e: _replace(q, e, RKG.startOffset, Literal(411))),
    "end offset as text": _ev(SCHEMA.riskFactor, lambda q, e: _replace(q, e, RKG.endOffset, Literal("411"))),
    # sh:in
    "unknown prevalence type": lambda q: _replace(q, SEED_PREV, RKG.prevalenceType, Literal("prevalence")),
    "prevalence type with a language": lambda q: _replace(
        q, SEED_PREV, RKG.prevalenceType, Literal("birth prevalence", language=EN)
    ),
    "unknown match method": _ev(SKOS.exactMatch, lambda q, e: _replace(q, e, RKG.matchMethod, Literal("fuzzy"))),
    # sh:or
    "prevalence without any figure": lambda q: _drop(_drop(q, SEED_PREV, RKG.lowerBound), SEED_PREV, RKG.upperBound),
    "evidence without sentence or method": _ev(SCHEMA.riskFactor, lambda q, e: _drop(q, e, RKG.sentence)),
    # SHACL-SPARQL (run on Oxigraph by both engines)
    "fact without evidence": lambda q: _add(q, SEED_COND, SCHEMA.riskFactor, NamedNode(SEED_RISK.value + "-2")),
    "two risk categories": lambda q: _add(q, SEED_RISK, TYPE, _p(RKG.GeneticRiskFactor)),
    "treatment area without category": lambda q: _drop(q, SEED_TREAT, TYPE, _p(RKG.Intervention)),
    "prevalence of two kinds": lambda q: _add(q, SEED_PREV, TYPE, _p(RKG.Incidence)),
    "offsets longer than the sentence": _ev(
        SCHEMA.riskFactor, lambda q, e: _replace(q, e, RKG.endOffset, Literal(999))
    ),
    "stale evidence": lambda q: _drop(q, SEED_COND, RKG.treatmentArea, SEED_TREAT),
    # combinations, and a second document in the same graph
    "many at once": lambda q: _drop(
        _replace(_add(q, SEED_PREV, RKG.count, Literal(-3)), SEED_PREV, RKG.upperBound, Literal(1.5)),
        SEED_COND,
        SKOS.prefLabel,
    ),
    "a broken and a clean document": lambda q: record_quads(seed_record("doc-b")) + _drop(q, SEED_PREV, RKG.statedAs),
    "a node typed twice over": lambda q: _add(
        _add(q, SEED_RISK, TYPE, _p(RKG.Evidence)), SEED_TREAT, TYPE, _p(RKG.PrevalenceFigure)
    ),
}


def _broken(name: str) -> list[Quad]:
    return BROKEN[name](record_quads(seed_record()))  # type: ignore[operator]


@functools.cache
def _both(name: str) -> tuple[ValidationReport, ValidationReport]:
    """The case validated by the compiled engine and by pyshacl (once per test run)."""
    quads = _broken(name)
    return validate(quads), validate(quads, engine="pyshacl")


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_both_engines_report_the_same_violations(name: str) -> None:
    fast, reference = _both(name)
    assert not reference.conforms, f"{name}: the case breaks no shape, so it tests nothing"
    assert [v.line() for v in fast.violations] == [v.line() for v in reference.violations]
    assert fast.violations == reference.violations and fast.triples == reference.triples


def test_the_broken_cases_reach_every_constraint_of_the_shapes() -> None:
    """Every compiled constraint (component of a shape) is violated by some case, so none is untested."""
    plan = _plan()
    hit = set()
    for name in BROKEN:
        store = Store()
        store.extend(_broken(name))
        hit.update((b.shape, b.component) for b, _, _ in _core_rows(store, plan, subclasses=False))
        hit.update(
            (c.shape, c.query)
            for c in plan.sparql
            if next(iter(store.query(c.query, use_default_graph_as_union=True)), None) is not None
        )
    wanted = {(b.shape, b.component) for b in plan.branches} | {(c.shape, c.query) for c in plan.sparql}
    assert wanted - hit == set()
    assert plan.fallback is None  # our shapes compile completely: nothing is left to pyshacl


def test_both_engines_agree_on_randomly_broken_graphs() -> None:
    """Random edits of the seed graph (seeded, so the same every run), one to three at a time."""
    rng = random.Random(20261202)
    base = record_quads(seed_record())
    nodes = sorted({q.subject for q in base} | {q.object for q in base if isinstance(q.object, NamedNode)}, key=str)
    values: list[object] = [
        Literal(""),
        Literal("x", language="fr"),
        Literal(-1),
        Literal(0.5),
        Literal(2.5),
        _typed("abc", "integer"),
        _typed("2020-01-01", "date"),
        BlankNode("b1"),
        Literal("incidence"),
        NamedNode("http://example.org/x"),
    ]
    differences = []
    for case in range(30):
        quads = list(base)
        for _ in range(rng.choice((1, 1, 2, 3))):
            q = rng.choice(quads)
            edit = rng.randrange(4)
            if edit == 0:
                quads.remove(q)
            elif edit == 1:
                quads.append(Quad(q.subject, q.predicate, rng.choice(values + nodes), DOC))  # type: ignore[arg-type]
            elif edit == 2:
                quads.remove(q)
                quads.append(Quad(q.subject, q.predicate, rng.choice(values + nodes), DOC))  # type: ignore[arg-type]
            else:
                quads.append(Quad(q.subject, TYPE, rng.choice([q2.object for q2 in base if q2.predicate == TYPE]), DOC))
        fast, reference = validate(quads), validate(quads, engine="pyshacl")
        if fast.violations != reference.violations:
            differences.append((case, set(fast.violations) ^ set(reference.violations)))
    assert differences == []


EXTRA = Path(__file__).resolve().parent / "fixtures" / "validate" / "extra-shapes.ttl"
EX = "https://example.org/ns#"


def _ex(name: str) -> NamedNode:
    return NamedNode(EX + name)


def _extra_data() -> list[Quad]:
    """Nodes that break, and nodes that meet, each constraint of the extra shapes."""
    t, ex = TYPE, _ex
    good, bad = ex("good"), ex("bad")
    quads = [
        Quad(good, t, ex("Thing")),
        Quad(good, ex("code"), Literal("ab")),
        Quad(good, ex("code"), Literal("CD")),  # the "i" flag lets capitals match
        Quad(good, ex("score"), _typed("9.5", "decimal")),
        Quad(good, ex("tag"), Literal("red", language="en")),
        Quad(good, ex("tag"), Literal(7)),
        Quad(good, ex("link"), ex("home")),
        Quad(ex("home"), ex("label"), Literal("home")),
        Quad(good, ex("kind"), BlankNode("k")),
        Quad(good, ex("low"), Literal(0.1)),
        Quad(good, ex("high"), Literal(0.2)),
        Quad(bad, t, ex("Thing")),
        Quad(bad, ex("code"), Literal("toolong")),
        Quad(bad, ex("code"), Literal("a1")),
        Quad(bad, ex("code"), ex("iri")),
        Quad(bad, ex("code"), Literal("x")),
        Quad(bad, ex("score"), _typed("10", "decimal")),
        Quad(bad, ex("score"), Literal(0)),
        Quad(bad, ex("tag"), Literal("red")),
        Quad(bad, ex("tag"), BlankNode("t")),
        Quad(bad, ex("tag"), _typed("7", "decimal")),  # canonical: Oxigraph would print "7.0" as "7"
        Quad(bad, ex("link"), ex("away")),
        Quad(ex("away"), ex("name"), Literal("one")),
        Quad(ex("away"), ex("name"), Literal("two")),
        Quad(bad, ex("link"), Literal("not a node")),
        Quad(bad, ex("kind"), ex("notblank")),
        Quad(bad, ex("kind"), BlankNode("k2")),
        Quad(bad, ex("low"), Literal(0.3)),
        Quad(bad, ex("high"), Literal(0.2)),
        Quad(bad, ex("high"), Literal("high")),
        Quad(ex("g1"), t, ex("Gadget")),
        Quad(ex("g1"), ex("serial"), Literal(0)),
        Quad(ex("g2"), t, ex("Gadget")),
        Quad(ex("l1"), t, ex("Labelled")),
        Quad(ex("l1"), ex("label"), Literal("a", language="en")),
        Quad(ex("l1"), ex("label"), Literal("b", language="en")),
    ]
    return quads


def test_the_compiler_follows_pyshacl_beyond_our_shapes() -> None:
    """Constraint forms our shapes do not use yet, and a component the compiler leaves to pyshacl."""
    shapes = Graph().parse(EXTRA)
    plan = _compile(shapes)
    assert plan.fallback is not None and (URIRef(EX + "Labelled"), SH.targetClass, None) in plan.fallback
    assert (URIRef(EX + "Thing"), SH.targetClass, None) not in plan.fallback  # compiled, not checked twice
    quads = _extra_data()
    store = Store()
    store.extend(quads)
    fast = sorted(set(_store_violations(store, plan)))
    data = Graph()
    for q in quads:
        data.add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))
    reference = sorted(set(_pyshacl(data, shapes)))
    assert [v.line() for v in fast] == [v.line() for v in reference]
    assert {v.focus for v in fast} == {
        "<https://example.org/ns#bad>",
        "<https://example.org/ns#g1>",
        "<https://example.org/ns#g2>",
        "<https://example.org/ns#l1>",
    }


def test_targets_and_classes_follow_subclasses_in_the_data() -> None:
    """SHACL reads rdfs:subClassOf from the data graph: an instance of a subclass is a target of its
    superclass's shape, and meets sh:class of the superclass."""
    subclass = NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    special_condition, special_risk = NamedNode(EX + "SpecialCondition"), NamedNode(EX + "SpecialRisk")
    quads = _drop(record_quads(seed_record()), SEED_RISK, TYPE, _p(RKG.RiskFactor))
    quads += [
        Quad(special_condition, subclass, _p(RKG.RareCondition), DOC),
        Quad(NamedNode(COND["unlabelled"]), TYPE, special_condition, DOC),
        Quad(special_risk, subclass, _p(RKG.RiskFactor), DOC),
        Quad(SEED_RISK, TYPE, special_risk, DOC),
    ]
    fast, reference = validate(quads), validate(quads, engine="pyshacl")
    assert fast.violations == reference.violations
    assert _line_about(fast.text, "cond:unlabelled  skos:prefLabel", "exactly one preferred label")
    assert "schema:riskFactor must point to a rkg:RiskFactor node" not in fast.text


def test_documents_in_batches_and_merged_agree() -> None:
    docs = [_broken("no statedAs"), record_quads(seed_record("doc-b")), _broken("two risk categories")]
    merged = validate([q for d in docs for q in d])
    for batch in (1, 2, 16):
        assert validate_documents([q for d in docs for q in d], batch=batch).violations == merged.violations
    assert validate_documents([q for d in docs for q in d], batch=1, engine="pyshacl").violations == merged.violations


def test_a_triple_in_two_graphs_is_counted_once(tmp_path: Path) -> None:
    """Named graphs are merged as a set: a SPARQL constraint that counts without DISTINCT sees a triple
    repeated by two documents once."""
    shapes = Graph().parse(
        data='''
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/ns#> .
        ex:S a sh:NodeShape ; sh:targetClass ex:T ;
            sh:sparql [ sh:message "more than one ex:p ({?n})" ;
                        sh:select """
                SELECT $this ?n WHERE {
                    { SELECT $this (COUNT(?o) AS ?n) WHERE { $this <https://example.org/ns#p> ?o } GROUP BY $this }
                    FILTER (?n > 1)
                }""" ] .
        ''',
        format="turtle",
    )
    plan = _compile(shapes)
    assert [c.needs_set for c in plan.sparql] == [True]
    quads = [Quad(_ex("a"), TYPE, _ex("T"), _ex(g)) for g in ("g1", "g2")]
    quads += [Quad(_ex("a"), _ex("p"), Literal(1), _ex(g)) for g in ("g1", "g2")]
    store = Store()
    store.extend(quads)
    assert list(_store_violations(store, plan)) == []
    store.add(Quad(_ex("a"), _ex("p"), Literal(2), _ex("g1")))
    assert [v.message for v in _store_violations(store, plan)] == ["more than one ex:p (2)"]


def test_an_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(KgError, match="unknown validation engine 'fast'; use one of oxigraph, pyshacl"):
        validate(record_quads(seed_record()), engine="fast")


@pytest.mark.filterwarnings("ignore:NotImplemented should not be used in a boolean context:DeprecationWarning")
def test_an_ill_formed_bound_is_not_comparable() -> None:
    """Where pyshacl and the SHACL spec part ways, the compiled engine follows the spec: a value that cannot be
    compared (here an ill-formed xsd:double) breaks sh:lessThanOrEquals. pyshacl lets it pass because rdflib
    answers NotImplemented, which Python reads as true; it is the one difference the cases above avoid."""
    quads = _replace(record_quads(seed_record()), SEED_PREV, RKG.upperBound, _typed("lots", "double"))
    fast, reference = validate(quads), validate(quads, engine="pyshacl")
    extra = set(fast.violations) - set(reference.violations)
    assert [v.line() for v in extra] == [
        "prev:sacral-agenesis-1  rkg:lowerBound  rkg:lowerBound must be one xsd:double fraction within [0, 1], "
        'and not above rkg:upperBound (value: "2e-05"^^xsd:double)'
    ]
    assert set(reference.violations) <= set(fast.violations)


def test_not_exists_runs_as_an_optional_with_the_same_answers() -> None:
    """The SHACL-SPARQL constraints run with FILTER NOT EXISTS rewritten as OPTIONAL + !BOUND (much faster on
    Oxigraph); on every broken case both forms find the same rows."""
    shapes = shapes_graph()
    for shape in sorted(set(shapes.subjects(SH.sparql, None)), key=str):
        for target in shapes.objects(shape, SH.targetClass):
            plain = _sparql_checks_of(shapes, shape, target, rewrite=False)
            fast = _sparql_checks_of(shapes, shape, target)
            for before, after in zip(plain, fast, strict=True):
                for name in BROKEN:
                    store = Store()
                    store.extend(_broken(name))
                    rows = [
                        sorted(tuple(str(x) for x in row) for row in store.query(q, use_default_graph_as_union=True))
                        for q in (before.query, after.query)
                    ]
                    assert rows[0] == rows[1], (shape, name)
    assert any("OPTIONAL" in c.query and "NOT EXISTS" not in c.query for c in _plan().sparql)


@pytest.mark.parametrize(
    ("query", "rewritten"),
    [
        ("SELECT ?x WHERE { ?x ?p ?o . FILTER NOT EXISTS { ?o a <http://x#C> } }", True),
        ('SELECT ?x WHERE { ?x ?p "a { b" . FILTER NOT EXISTS { ?o <http://x#p> "}" } } # { note', True),
        ("SELECT ?x WHERE { ?x ?p ?o . FILTER (?o < 3) FILTER NOT EXISTS { ?o <http://x#p> ?q } } LIMIT 3", True),
        ("SELECT ?x WHERE { ?x ?p ?o . FILTER NOT EXISTS { ?o a ?c FILTER (?c != <http://x>) } }", False),
        ("SELECT ?x WHERE { { ?x ?p ?o . FILTER NOT EXISTS { ?o a <http://x#C> } } }", False),
        ("SELECT ?x WHERE { ?x ?p ?o . FILTER NOT EXISTS { { ?o a <http://x#C> } UNION { ?o a ?d } } }", False),
    ],
)
def test_only_plain_not_exists_blocks_are_rewritten(query: str, rewritten: bool) -> None:
    out = _not_exists_as_optional(query)
    assert ("NOT EXISTS" not in out) is rewritten and (out == query) is not rewritten
    data = Store()
    data.add(Quad(NamedNode("http://x#a"), NamedNode("http://x#p"), NamedNode("http://x#b")))
    data.add(Quad(NamedNode("http://x#b"), TYPE, NamedNode("http://x#C")))
    data.add(Quad(NamedNode("http://x#c"), NamedNode("http://x#p"), Literal(2)))
    assert sorted(map(str, data.query(out))) == sorted(map(str, data.query(query)))


def test_a_file_reports_literals_as_written(tmp_path: Path) -> None:
    """Oxigraph stores "394.0"^^xsd:decimal as "394"; the report quotes the file, as pyshacl does."""
    path = tmp_path / "broken.nq"
    path.write_bytes(serialize(_broken("start offset as decimal"), format=RdfFormat.N_QUADS) or b"")
    assert '"394.0"^^<http://www.w3.org/2001/XMLSchema#decimal>' in path.read_text(encoding="utf-8")
    fast, reference = validate(path), validate(path, engine="pyshacl")
    assert fast.violations == reference.violations
    assert '(value: "394.0"^^xsd:decimal)' in fast.text
