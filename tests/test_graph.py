"""kg.graph: one record -> the quads of its own named graph, following docs/model.md.

Records are built by hand from the seed summary (the extractor is tested elsewhere), with offsets taken from
the real text so evidence can be checked against it. `seed_record` is reused by the other graph-stage tests.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from kg.graph import (
    document_graph,
    local_id,
    orphanet_class,
    prevalence_type,
    record_quads,
    risk_factor_node,
    treatment_area_node,
)
from kg.records import Condition, Evidence, Mention, Prevalence, Record
from kg.vocab import COND, DOC, EVID, ORDO, PREV, RISK, RKG, SCHEMA, TREAT
from kg.vocab import RDF as _RDF
from kg.vocab import SKOS as _SKOS

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "sacral-agenesis.txt"
SEED_TEXT = (
    SEED.read_text(encoding="utf-8")
    if SEED.exists()
    else (
        "Sacral agenesis, also known as caudal regression syndrome, is rare. Research looks at the "
        "interplay of maternal diabetes and genetic predispositions, while advances in fetal surgery "
        "and pediatric urology help. It occurs in approximately 1 in 25,000 to 1 in 50,000 live births. "
        "At DiseaseMaps.org, 12 people with sacral agenesis have already connected. The role of "
        "maternal diabetes and of vascular hypoperfusion in caudal regression syndrome is studied."
    )
)


A = NamedNode(str(_RDF.type))
PREF = NamedNode(str(_SKOS.prefLabel))
ALT = NamedNode(str(_SKOS.altLabel))


def n(iri: object) -> NamedNode:
    return NamedNode(str(iri))


def ev(phrase: str, text: str = SEED_TEXT, nth: int = 0) -> Evidence:
    """Evidence whose span is the `nth` occurrence of `phrase` in the text (a stand-in for its sentence)."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    return Evidence(phrase, start, start + len(phrase))


def seed_record(record_id: str = "sacral-agenesis", **changes: object) -> Record:
    """The seed summary as the extractor should read it."""
    record = Record(
        id=record_id,
        source="data/summaries/sacral-agenesis.txt",
        condition=Condition("Sacral agenesis", ("ORPHA:3027",), ev("Sacral agenesis")),
        synonyms=(Mention("caudal regression syndrome", ev("caudal regression syndrome")),),
        risk_factors=(
            Mention("maternal diabetes", ev("maternal diabetes")),
            Mention("genetic predispositions", ev("genetic predispositions")),
        ),
        treatment_areas=(
            Mention("fetal surgery", ev("fetal surgery")),
            Mention("pediatric urology", ev("pediatric urology")),
        ),
        prevalence=(
            Prevalence(
                "1 in 25,000 to 1 in 50,000 live births",
                2e-5,
                4e-5,
                "live births",
                None,
                None,
                ev("1 in 25,000 to 1 in 50,000 live births"),
            ),
        ),
        last_updated="2026-04-07",
        community_count=12,
        community_evidence=ev("12 people with sacral agenesis"),
    )
    return dataclasses.replace(record, **changes) if changes else record


def objects(quads: list[Quad], subject: NamedNode, predicate: object) -> list[object]:
    p = n(predicate)
    return [q.object for q in quads if q.subject == subject and q.predicate == p]


def evidence_for(quads: list[Quad], s: NamedNode, p: object, o: object) -> list[NamedNode]:
    """Evidence nodes whose rdf:subject/predicate/object is the fact (s, p, o)."""
    subj, pred, obj = n(_RDF.subject), n(_RDF.predicate), n(_RDF.object)
    nodes = {q.subject for q in quads if q.predicate == subj and q.object == s}
    nodes &= {q.subject for q in quads if q.predicate == pred and q.object == n(p)}
    nodes &= {q.subject for q in quads if q.predicate == obj and q.object == o}
    return sorted(nodes, key=str)


def test_every_quad_is_in_the_documents_named_graph_and_no_blank_nodes() -> None:
    quads = record_quads(seed_record())
    assert quads and {q.graph_name for q in quads} == {n(DOC["sacral-agenesis"])}
    assert document_graph("sacral-agenesis") == n(DOC["sacral-agenesis"])
    for q in quads:
        for term in (q.subject, q.predicate, q.object):
            assert not isinstance(term, BlankNode)
    assert len(quads) == len(set(quads))


def test_condition_node_names_types_and_provenance() -> None:
    quads = record_quads(seed_record())
    cond = n(COND["sacral-agenesis"])
    assert set(objects(quads, cond, _RDF.type)) == {n(SCHEMA.MedicalCondition), n(RKG.RareCondition)}
    assert objects(quads, cond, _SKOS.prefLabel) == [Literal("Sacral agenesis", language="en")]
    assert objects(quads, cond, _SKOS.altLabel) == [Literal("caudal regression syndrome", language="en")]
    assert objects(quads, cond, "http://www.w3.org/ns/prov#wasDerivedFrom") == [n(DOC["sacral-agenesis"])]
    doc = n(DOC["sacral-agenesis"])
    assert Literal("data/summaries/sacral-agenesis.txt") in objects(quads, doc, RKG.sourcePath)
    modified = objects(quads, doc, "http://purl.org/dc/terms/modified")
    assert modified == [Literal("2026-04-07", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date"))]
    assert objects(quads, doc, RKG.communityCount)[0].value == "12"


def test_the_label_matched_so_the_identifier_is_an_exact_match() -> None:
    quads = record_quads(seed_record())
    cond = n(COND["sacral-agenesis"])
    orpha = n(ORDO["Orphanet_3027"])
    assert objects(quads, cond, _SKOS.exactMatch) == [orpha]
    assert objects(quads, cond, "http://purl.org/dc/terms/identifier") == [Literal("ORPHA:3027")]
    (node,) = evidence_for(quads, cond, _SKOS.exactMatch, orpha)
    assert objects(quads, node, RKG.matchMethod) == [Literal("exact-label")]
    assert "condition-ids.tsv" in objects(quads, node, RKG.mappingSource)[0].value


def test_only_a_synonym_matched_so_the_identifier_is_a_close_match() -> None:
    record = seed_record(condition=Condition("Lower spine malformation", ("ORPHA:3027",)))
    quads = record_quads(record)
    cond = n(COND["sacral-agenesis"])
    orpha = n(ORDO["Orphanet_3027"])
    assert objects(quads, cond, _SKOS.closeMatch) == [orpha]
    assert objects(quads, cond, _SKOS.exactMatch) == []
    (node,) = evidence_for(quads, cond, _SKOS.closeMatch, orpha)
    assert objects(quads, node, RKG.matchMethod) == [Literal("synonym")]
    assert objects(quads, node, RKG.matchedLabel) == [Literal("caudal regression syndrome")]
    # the synonym's own sentence is the evidence of the link
    assert objects(quads, node, RKG.sentence) == [Literal("caudal regression syndrome")]


def test_an_id_our_resources_cannot_explain_is_kept_as_provided() -> None:
    quads = record_quads(seed_record(condition=Condition("Sacral agenesis", ("ORPHA:3027", "OMIM:615709"))))
    cond = n(COND["sacral-agenesis"])
    omim = NamedNode("https://omim.org/entry/615709")
    assert omim in objects(quads, cond, _SKOS.exactMatch)
    (node,) = evidence_for(quads, cond, _SKOS.exactMatch, omim)
    assert objects(quads, node, RKG.matchMethod) == [Literal("provided")]


def test_risk_factors_are_shared_nodes_with_one_category() -> None:
    quads = record_quads(seed_record())
    cond = n(COND["sacral-agenesis"])
    risks = objects(quads, cond, SCHEMA.riskFactor)
    assert set(risks) == {n(RISK["maternal-diabetes"]), n(RISK["genetic-predisposition"])}
    md = n(RISK["maternal-diabetes"])
    assert set(objects(quads, md, _RDF.type)) == {
        n(SCHEMA.MedicalRiskFactor),
        n(RKG.RiskFactor),
        n(RKG.MaternalRiskFactor),
    }
    assert objects(quads, md, _SKOS.prefLabel) == [Literal("maternal diabetes", language="en")]
    gp = n(RISK["genetic-predisposition"])
    assert n(RKG.GeneticRiskFactor) in objects(quads, gp, _RDF.type)
    # the plural in the text became the singular canonical label
    assert objects(quads, gp, _SKOS.prefLabel) == [Literal("genetic predisposition", language="en")]


def test_differently_worded_mentions_in_two_documents_share_one_node() -> None:
    a = seed_record("doc-a", risk_factors=(Mention("Maternal diabetes mellitus", ev("maternal diabetes")),))
    b = seed_record("doc-b", risk_factors=(Mention("diabetes in the mother", ev("maternal diabetes")),))
    node = risk_factor_node("maternal diabetes")
    for record in (a, b):
        assert node in objects(record_quads(record), n(COND[record.id]), SCHEMA.riskFactor)
    assert treatment_area_node("Fetal surgeries") == n(TREAT["fetal-surgery"])


def test_treatment_areas_get_their_category_class() -> None:
    quads = record_quads(seed_record())
    assert n(RKG.Intervention) in objects(quads, n(TREAT["fetal-surgery"]), _RDF.type)
    assert n(RKG.Specialty) in objects(quads, n(TREAT["pediatric-urology"]), _RDF.type)


def test_every_fact_has_one_evidence_node_per_mention_with_real_offsets() -> None:
    twice = (
        Mention("maternal diabetes", ev("maternal diabetes")),
        Mention("maternal diabetes", ev("maternal diabetes", nth=1)),
    )
    record = seed_record(risk_factors=twice)
    quads = record_quads(record)
    cond = n(COND["sacral-agenesis"])
    md = n(RISK["maternal-diabetes"])
    assert objects(quads, cond, SCHEMA.riskFactor) == [md]  # one edge...
    nodes = evidence_for(quads, cond, SCHEMA.riskFactor, md)
    assert len(nodes) == 2  # ...two mentions, two evidence nodes
    for node in nodes:
        assert node.value.startswith(str(EVID["sacral-agenesis-"]))
        assert node in objects(quads, cond, RKG.evidence)
        start = int(objects(quads, node, RKG.startOffset)[0].value)
        end = int(objects(quads, node, RKG.endOffset)[0].value)
        assert SEED_TEXT[start:end] == objects(quads, node, RKG.sentence)[0].value
        assert objects(quads, node, RKG.extractor) == [Literal("rkg_risk_factors")]
        assert n(DOC["sacral-agenesis"]) in objects(quads, node, "http://www.w3.org/ns/prov#wasDerivedFrom")


def test_prevalence_figure_bounds_type_and_orphanet_class() -> None:
    quads = record_quads(seed_record())
    cond = n(COND["sacral-agenesis"])
    fig = n(PREV["sacral-agenesis-1"])
    assert objects(quads, cond, RKG.prevalence) == [fig]
    assert set(objects(quads, fig, _RDF.type)) == {n(RKG.PrevalenceFigure), n(RKG.BirthPrevalence)}
    assert float(objects(quads, fig, RKG.lowerBound)[0].value) == pytest.approx(2e-5)
    assert float(objects(quads, fig, RKG.upperBound)[0].value) == pytest.approx(4e-5)
    assert objects(quads, fig, RKG.orphanetClass) == [Literal("1-9 / 100 000")]
    assert objects(quads, fig, RKG.orphanetPrevalenceClass) == [n(ORDO["Orphanet_409977"])]
    assert evidence_for(quads, cond, RKG.prevalence, fig)


def test_prevalence_figures_are_numbered_in_text_order() -> None:
    late = Prevalence(
        "about 5,000 people in the United States",
        None,
        None,
        "people",
        5000,
        "United States",
        Evidence("x", 900, 901),
    )
    early = Prevalence("1 in 100,000 people", 1e-5, 1e-5, "people", None, None, Evidence("y", 10, 11))
    quads = record_quads(seed_record(prevalence=(late, early)))
    first = n(PREV["sacral-agenesis-1"])
    assert objects(quads, first, RKG.statedAs) == [Literal("1 in 100,000 people")]
    second = n(PREV["sacral-agenesis-2"])
    assert objects(quads, second, RKG.count)[0].value == "5000"
    assert objects(quads, second, RKG.area) == [Literal("United States")]
    assert objects(quads, second, RKG.orphanetClass) == []  # a count has no fraction to classify


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (2e-5, 4e-5, "1-9 / 100 000"),
        (1e-5, 1e-5, "1-9 / 100 000"),
        (1 / 15000, 1 / 10000, "1-9 / 100 000"),
        (1 / 3500, 1 / 2500, "1-5 / 10 000"),
        (6e-4, 9e-4, "6-9 / 10 000"),
        (2e-3, 2e-3, ">1 / 1000"),
        (5e-7, 5e-7, "<1 / 1 000 000"),
        (0.0, 1e-6, "<1 / 1 000 000"),
        (0.0, 1e-4, None),  # "fewer than 1 in 10,000" does not decide a class
        (1e-3, None, ">1 / 1000"),
        (None, None, None),
    ],
)
def test_orphanet_class(low: float | None, high: float | None, expected: str | None) -> None:
    assert orphanet_class(low, high) == expected


@pytest.mark.parametrize(
    ("population", "sentence", "expected"),
    [
        ("live births", "It occurs in 1 in 4,000 live births.", "birth"),
        ("newborns", "About 1 in 3,000 newborns are affected.", "birth"),
        ("people", "The incidence is 1 in 100,000 people.", "incidence"),
        ("people", "About 2 new cases per 100,000 people are diagnosed each year.", "incidence"),
        ("males", "It affects 1 in 5,000 males.", "point"),
    ],
)
def test_prevalence_type(population: str, sentence: str, expected: str) -> None:
    p = Prevalence("figure", 1e-4, 1e-4, population, None, None, Evidence(sentence, 0, len(sentence)))
    assert prevalence_type(p) == expected


def test_same_record_same_quads_and_stable_iris() -> None:
    assert record_quads(seed_record()) == record_quads(seed_record())
    assert local_id("Sacral Agenesis!") == "sacral-agenesis"


def test_replacing_a_documents_graph_leaves_nothing_stale() -> None:
    old_a = record_quads(seed_record("doc-a"))
    b = record_quads(seed_record("doc-b"))
    new_a = record_quads(
        seed_record("doc-a", risk_factors=(Mention("vascular hypoperfusion", ev("vascular hypoperfusion")),))
    )
    union = set(old_a) | set(b)
    graph_a = document_graph("doc-a")
    replaced = {q for q in union if q.graph_name != graph_a} | set(new_a)
    assert replaced == set(b) | set(new_a)
    triples = {q.triple for q in replaced}
    cond_a = n(COND["doc-a"])
    risks = {t.object for t in triples if t.subject == cond_a and t.predicate == n(SCHEMA.riskFactor)}
    assert risks == {n(RISK["vascular-hypoperfusion"])}
    # the shared node doc-b still uses keeps its type and label after doc-a stopped mentioning it
    md = n(RISK["maternal-diabetes"])
    assert any(t.subject == md and t.predicate == PREF for t in triples)


def test_empty_or_duplicate_names_add_nothing() -> None:
    record = seed_record(
        synonyms=(
            Mention("Sacral agenesis", ev("Sacral agenesis")),  # the preferred label itself
            Mention("caudal regression syndrome", ev("caudal regression syndrome")),
            Mention("caudal regression syndrome", ev("caudal regression syndrome", nth=1)),
        ),
        risk_factors=(Mention("  ", ev("maternal diabetes")),),
    )
    quads = record_quads(record)
    cond = n(COND["sacral-agenesis"])
    assert objects(quads, cond, _SKOS.altLabel) == [Literal("caudal regression syndrome", language="en")]
    assert objects(quads, cond, SCHEMA.riskFactor) == []
    counts = Counter(q.predicate for q in quads)
    assert counts[ALT] == 1


# ------------------------------------------------------------------- prevalence type, decided per figure


def _figures(sentence: str, *figures: tuple[str, str | None]) -> list[Prevalence]:
    """Prevalence records for figures (their text as written, population) of one sentence."""
    ev = Evidence(sentence, 100, 100 + len(sentence))
    return [Prevalence(text, 1e-5, 1e-5, pop, None, None, ev) for text, pop in figures]


@pytest.mark.parametrize(
    ("sentence", "figures", "expected"),
    [
        (
            "It occurs in 1 in 20,000 live births, and 0.5 per 100,000 adults are newly diagnosed each year.",
            [("1 in 20,000 live births", "live births"), ("0.5 per 100,000 adults", "adults")],
            ["birth", "incidence"],
        ),
        (
            "It affects about 1 in 10,000 live births, and around 3,000 people in the UK live with it.",
            [("1 in 10,000 live births", "live births"), ("3,000 people", "people")],
            ["birth", "point"],
        ),
        (
            "Population studies record roughly 1 to 2 new cases per 100,000 people each year, and around 10 per "
            "100,000 people are living with it at any one time.",
            [("1 to 2 new cases per 100,000 people", "people"), ("10 per 100,000 people", "people")],
            ["incidence", "point"],
        ),
        (
            "Estimates place the prevalence at about 12 to 13 per million people, with around 1.3 new cases per "
            "million people each year.",
            [("12 to 13 per million people", "people"), ("1.3 new cases per million people", "people")],
            ["point", "incidence"],
        ),
        (
            "In Europe about 1 to 2 new cases per 100,000 people are diagnosed every year, and approximately "
            "30,000 people in the United States are living with ALS at any one time.",
            [("1 to 2 new cases per 100,000 people", "people"), ("30,000 people", "people")],
            ["incidence", "point"],
        ),
        (
            "OI is estimated to occur in about 1 in 15,000 to 1 in 20,000 births, and population surveys put its "
            "overall prevalence at roughly 6 to 7 per 100,000 people.",
            [("1 in 15,000 to 1 in 20,000 births", "births"), ("6 to 7 per 100,000 people", "people")],
            ["birth", "point"],
        ),
        (
            # a comparison states the period once: the figure compared with a yearly rate is a yearly rate too
            "Registry data point to roughly 4 to 5 new cases per million children each year, compared with 1 to "
            "2 per million adults.",
            [("4 to 5 new cases per million children", "children"), ("1 to 2 per million adults", "adults")],
            ["incidence", "incidence"],
        ),
        (
            "Surveys in Japan have counted more than 300 per 100,000 children under five, compared with around 25 "
            "per 100,000 children under five each year in the United States.",
            [("more than 300 per 100,000 children", "children"), ("25 per 100,000 children", "children")],
            ["incidence", "incidence"],
        ),
        (
            "The condition affects roughly 1 in 3,500 to 1 in 5,000 males at birth.",
            [("1 in 3,500 to 1 in 5,000 males", "males")],
            ["birth"],
        ),
        (
            "Turner syndrome affects about 1 in 2,000 to 1 in 2,500 live-born girls.",
            [("1 in 2,000 to 1 in 2,500 live-born girls", "live-born girls")],
            ["birth"],
        ),
        (
            "Incidence is usually quoted at about 1 in 100,000 live births.",
            [("1 in 100,000 live births", "live births")],
            ["birth"],  # what is counted decides: a share of births is a birth prevalence
        ),
        (
            "Roughly 2,500 people in the United States are diagnosed each year, and across all sites it occurs at "
            "about 1 per 100,000 people per year there.",
            [("2,500 people", "people"), ("1 per 100,000 people", "people")],
            ["incidence", "incidence"],
        ),
        (
            # the second figure's text is also the tail of the first: each is found at its own place
            "About 2 new cases per 100,000 people are diagnosed each year, and approximately 100,000 people in the "
            "United States are living with the condition.",
            [("2 new cases per 100,000 people", "people"), ("100,000 people", "people")],
            ["incidence", "point"],
        ),
        (
            "Surveys in Turkey report between 20 and 420 per 100,000 people, while the figure in the United "
            "States is nearer 5 per 100,000 people.",
            [("between 20 and 420 per 100,000 people", "people"), ("5 per 100,000 people", "people")],
            ["point", "point"],
        ),
    ],
)
def test_prevalence_type_is_decided_per_figure(
    sentence: str, figures: list[tuple[str, str | None]], expected: list[str]
) -> None:
    records = _figures(sentence, *figures)
    assert [prevalence_type(p, records) for p in records] == expected


def test_each_figure_of_a_sentence_gets_its_own_class_in_the_graph() -> None:
    sentence = "It affects about 1 in 10,000 live births, and around 3,000 people in the UK live with it."
    text = SEED_TEXT + " " + sentence
    start = len(SEED_TEXT) + 1
    ev = Evidence(sentence, start, start + len(sentence))
    assert text[ev.start : ev.end] == sentence
    births = Prevalence("1 in 10,000 live births", 1e-4, 1e-4, "live births", None, None, ev)
    people = Prevalence("3,000 people", None, None, "people", 3000, "UK", ev)
    quads = record_quads(seed_record(prevalence=(births, people)))
    first, second = n(PREV["sacral-agenesis-1"]), n(PREV["sacral-agenesis-2"])
    assert set(objects(quads, first, _RDF.type)) == {n(RKG.PrevalenceFigure), n(RKG.BirthPrevalence)}
    assert set(objects(quads, second, _RDF.type)) == {n(RKG.PrevalenceFigure), n(RKG.PointPrevalence)}
    assert objects(quads, second, RKG.prevalenceType) == [Literal("point prevalence")]


# --------------------------------------------------------------------------- genes as joinable shared nodes


def test_a_gene_is_one_node_labelled_by_its_symbol() -> None:
    a = seed_record("doc-a", risk_factors=(Mention("DMD gene variant", ev("maternal diabetes")),))
    b = seed_record("doc-b", risk_factors=(Mention("mutations in the DMD gene", ev("maternal diabetes")),))
    c = seed_record("doc-c", risk_factors=(Mention("KRAS", ev("maternal diabetes")),))
    dmd = n(RISK["dmd"])
    for record in (a, b):
        quads = record_quads(record)
        assert objects(quads, n(COND[record.id]), SCHEMA.riskFactor) == [dmd]
        assert objects(quads, dmd, _SKOS.prefLabel) == [Literal("DMD", language="en")]
        assert n(RKG.GeneticRiskFactor) in objects(quads, dmd, _RDF.type)
    quads = record_quads(c)
    kras = n(RISK["kras"])
    assert risk_factor_node("KRAS") == kras
    assert objects(quads, kras, _SKOS.prefLabel) == [Literal("KRAS", language="en")]
    assert n(RKG.GeneticRiskFactor) in objects(quads, kras, _RDF.type)


def test_de_novo_wordings_in_different_documents_share_one_node() -> None:
    wordings = ["de novo variant", "new mutation", "spontaneous new variant", "brand-new germline variant"]
    nodes = set()
    for i, wording in enumerate(wordings):
        record = seed_record(f"doc-{i}", risk_factors=(Mention(wording, ev("maternal diabetes")),))
        nodes.update(objects(record_quads(record), n(COND[record.id]), SCHEMA.riskFactor))
    assert nodes == {n(RISK["de-novo-mutation"])}
