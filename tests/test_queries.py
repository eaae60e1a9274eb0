"""The canned queries in queries/: each file is documented, and has expected answers.

Two datasets:
- MINI: `tests/fixtures/sparql/mini.trig`, five hand-made conditions laid out as docs/model.md says. Every query
  has exact expected rows here (compared on the columns named in each case).
- CORPUS: the real build of data/summaries (built once per module). Expectations there come from the gold
  annotations in data/gold where a query answers something gold knows (dates, community sizes, missing
  prevalence), or are properties every build must have (offsets point at the sentence). Add cases to
  CORPUS_CASES as the corpus settles: `Case(query, params, rows=..., columns=...)` or `check=callable`.

Rows are compared in a simplified form: IRIs as CURIEs (`cond:rett-syndrome`, `ordo:Orphanet_72`), numbers as
Python numbers, other literals as their text, unbound as None; columns listed in `unordered` hold "; "-joined
lists whose order SPARQL leaves open, compared as sets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import rdflib
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, serialize

from kg.outputs.store import load_rdf_file, load_store
from kg.query import (
    QueryError,
    QueryResult,
    bind_params,
    compact_iri,
    rdflib_graph,
    read_query,
    required_params,
    run_query,
)
from kg.vocab import PREFIXES

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
MINI = ROOT / "tests" / "fixtures" / "sparql" / "mini.trig"
NUMERIC = {"integer", "decimal", "double", "float", "int", "long"}
NT = RdfFormat.N_TRIPLES


def simple(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, NamedNode):
        curie = compact_iri(term.value, PREFIXES)
        return curie if not curie.startswith("<") else term.value
    if isinstance(term, Literal):
        kind = term.datatype.value.rsplit("#", 1)[-1]
        if kind in NUMERIC:
            number = float(term.value)
            return int(number) if kind in {"integer", "int", "long"} else number
        return term.value
    return str(term)


@dataclass(frozen=True)
class Case:
    """One expectation: run `query` with `params`; compare `columns` of every row with `rows` (in order), and/or
    hand the rows (dicts of simplified values) to `check`."""

    query: str
    params: Mapping[str, str] = field(default_factory=dict)
    columns: Sequence[str] = ()
    rows: Sequence[tuple[Any, ...]] | None = None
    check: Callable[[list[dict[str, Any]]], None] | None = None
    unordered: Sequence[str] = ()

    def id(self) -> str:
        return self.query.removesuffix(".rq") + "".join(f"[{k}={v}]" for k, v in self.params.items())

    def verify(self, result: QueryResult) -> None:
        dicts = [
            {v: _unordered(v, simple(t), self.unordered) for v, t in zip(result.variables, row, strict=True)}
            for row in result.rows
        ]
        if self.rows is not None:
            got = [tuple(d[c] for c in self.columns) for d in dicts]
            expected = [
                tuple(_unordered(c, v, self.unordered) for c, v in zip(self.columns, r, strict=True)) for r in self.rows
            ]
            assert got == expected
        if self.check is not None:
            self.check(dicts)


def _unordered(column: str, value: Any, unordered: Sequence[str]) -> Any:
    if column in unordered and isinstance(value, str):
        return frozenset(value.split("; "))
    return value


def run(case: Case, source: Any) -> QueryResult:
    text, name = read_query(str(QUERIES / case.query))
    return run_query(text, source, dict(case.params), name=name)


# ---------------------------------------------------------------------------------------------------------------
# Expected answers on the hand-made graph

W, R, A, C, N = (
    "cond:williams-syndrome",
    "cond:rett-syndrome",
    "cond:angelman-syndrome",
    "cond:caudal-regression-syndrome",
    "cond:niemann-pick-disease-type-c",
)


def _evidence_offsets_match_sentences(rows: list[dict[str, Any]]) -> None:
    with_text = [r for r in rows if r["sentence"] is not None]
    assert with_text and all(r["end"] - r["start"] == len(r["sentence"]) for r in with_text)


MINI_CASES = [
    Case(
        "conditions-sharing-a-risk-factor.rq",
        {"riskFactor": "risk:de-novo-variant"},
        ("riskFactor", "riskFactorLabel", "conditionCount", "condition"),
        rows=[("risk:de-novo-variant", "de novo variant", 3, c) for c in (A, R, W)],
    ),
    Case("conditions-sharing-a-risk-factor.rq", {"riskFactor": "risk:maternal-diabetes"}, ("condition",), rows=[]),
    Case(
        "conditions-by-treatment-area.rq",
        {"treatmentArea": "treat:multidisciplinary-care"},
        ("kind", "treatmentArea", "condition"),
        rows=[
            ("rkg:CareModel", "treat:multidisciplinary-care", C),
            ("rkg:CareModel", "treat:multidisciplinary-care", R),
        ],
    ),
    Case(
        "conditions-by-treatment-area.rq",
        {"treatmentArea": "treat:physical-therapy"},
        ("kind", "condition"),
        rows=[("rkg:Intervention", c) for c in (A, C, R, W)],
    ),
    Case(
        "prevalence-below-threshold.rq",
        columns=("condition", "upperBound", "population", "maxFraction"),
        rows=[(C, 2.5e-5, "live births", None), (A, 8.3333e-5, "people", None), (R, 1e-4, "live female births", None)],
    ),
    Case("prevalence-below-threshold.rq", {"maxFraction": "3e-5"}, ("condition", "maxFraction"), rows=[(C, 3e-5)]),
    Case(
        "prevalence-below-threshold.rq",
        {"maxFraction": "2e-4"},
        ("condition",),
        rows=[(C,), (A,), (R,), (W,)],
    ),
    Case(
        "prevalence-by-orphanet-class.rq",
        {"orphanetClass": "1-9 / 100 000"},
        ("orphanetClass", "orphanetTerm", "condition", "upperBound"),
        # rarest first: by upper bound, not by label
        rows=[("1-9 / 100 000", "ordo:Orphanet_409977", c, u) for c, u in ((C, 2.5e-5), (A, 8.3333e-5), (R, 1e-4))],
    ),
    Case(
        "prevalence-by-orphanet-class.rq",
        {"orphanetClass": "1-5 / 10 000"},
        ("orphanetTerm", "condition"),
        rows=[("ordo:Orphanet_409975", W)],
    ),
    # quoted: a value starting with "<" is read as an IRI
    Case("prevalence-by-orphanet-class.rq", {"orphanetClass": '"<1 / 1 000 000"'}, ("condition",), rows=[]),
    Case("find-condition.rq", {"text": "sacral"}, ("condition", "matched"), rows=[(C, "sacral agenesis")]),
    Case("find-condition.rq", {"text": "orpha:72"}, ("condition", "matched"), rows=[(A, "ORPHA:72")]),
    Case(
        "find-condition.rq",
        {"text": "SYNDROME"},  # case ignored; each condition once per name that matches
        ("condition", "matched"),
        rows=[
            (A, "Angelman syndrome"),
            (C, "Caudal regression syndrome"),
            (R, "Rett syndrome"),
            (W, "Williams syndrome"),
            (W, "Williams-Beuren syndrome"),
        ],
    ),
    Case(
        "condition-by-identifier.rq",
        {"identifier": "ORPHA:72"},
        ("identifier", "matchType", "condition"),
        rows=[("ORPHA:72", "identifier", A)],
    ),
    Case(
        "condition-by-identifier.rq",
        {"identifier": "http://www.orpha.net/ORDO/Orphanet_3027"},
        ("identifier", "matchType", "condition"),
        rows=[("ordo:Orphanet_3027", "exact match", C)],
    ),
    Case("condition-by-identifier.rq", {"identifier": "ORPHA:7"}, ("condition",), rows=[]),  # exact, not prefix
    Case(
        "synonyms-and-identifiers.rq",
        {"condition": C},
        ("kind", "value"),
        rows=[
            ("exact match", "ordo:Orphanet_3027"),
            ("identifier", "ORPHA:3027"),
            ("synonym", "caudal dysplasia sequence"),
            ("synonym", "sacral agenesis"),
        ],
    ),
    Case(
        "evidence-for-facts.rq",
        {"condition": C, "object": "risk:maternal-diabetes"},
        ("predicate", "objectLabel", "sentence", "sourcePath", "extractor"),
        rows=[
            (
                "schema:riskFactor",
                "maternal diabetes",
                "Caudal regression syndrome: maternal diabetes raises the risk.",
                "data/summaries/caudal-regression-syndrome.txt",
                "rkg_risk_factors",
            )
        ],
    ),
    Case(
        "evidence-for-facts.rq",
        {"predicate": "skos:exactMatch", "condition": A},
        ("object", "matchMethod"),
        rows=[("ordo:Orphanet_72", "exact-label"), ("omim:105830", "exact-label")],
    ),
    Case("evidence-for-facts.rq", {"condition": W}, check=_evidence_offsets_match_sentences),
    Case(
        "evidence-for-facts.rq",
        {"condition": "doc:williams-syndrome"},
        ("predicate", "object", "extractor"),
        rows=[("rkg:communityCount", 41, "rkg_community")],
    ),
    Case(
        "counts-by-type.rq",
        columns=("type", "count"),
        rows=[
            (
                "rkg:Evidence",
                53,
            ),  # one per fact: 7 synonyms, 9 identifiers, 14 risks, 15 treatments, 5 figures, 3 counts
            ("rkg:RiskFactor", 12),
            ("rkg:GeneticRiskFactor", 9),
            ("rkg:TreatmentArea", 8),
            ("rkg:PrevalenceFigure", 5),
            ("rkg:RareCondition", 5),
            ("rkg:SourceDocument", 5),
            ("rkg:Intervention", 3),
            ("rkg:PointPrevalence", 3),
            ("rkg:Specialty", 3),
            ("rkg:BirthPrevalence", 2),
            ("rkg:CareModel", 2),
            ("rkg:MaternalRiskFactor", 2),
            ("rkg:VascularRiskFactor", 1),
        ],
    ),
    Case("conditions-without-prevalence.rq", columns=("condition",), rows=[(N,)]),
    Case(
        "most-similar-conditions.rq",
        {"condition": R},
        ("other", "shared", "sharedRiskFactors", "sharedTreatmentAreas", "sharedLabels"),
        rows=[
            (A, 3, 1, 2, "de novo variant; neurology; physical therapy"),
            (W, 2, 1, 1, "de novo variant; physical therapy"),
            (C, 2, 0, 2, "multidisciplinary care; physical therapy"),
            (N, 1, 0, 1, "neurology"),
        ],
        unordered=("sharedLabels",),
    ),
    Case(
        "most-similar-conditions.rq",
        {"condition": N},
        ("other", "shared", "sharedLabels"),
        rows=[(A, 1, "neurology"), (R, 1, "neurology")],  # palliative care and the rest are N's alone
    ),
    Case(
        "risk-factors.rq",
        {"category": "rkg:MaternalRiskFactor"},
        ("riskFactor", "conditionCount"),
        rows=[("risk:maternal-diabetes", 1), ("risk:maternal-obesity", 1)],
    ),
    Case("risk-factors.rq", {"category": "rkg:GeneticRiskFactor"}, check=lambda rows: _first(rows, 9)),
    Case(
        "prevalence-figures.rq",
        {"condition": A},
        ("figure", "figureType", "lowerBound", "upperBound", "count", "area", "orphanetClass"),
        rows=[
            ("prev:angelman-syndrome-1", "rkg:PointPrevalence", 5e-5, 8.3333e-5, None, None, "1-9 / 100 000"),
            ("prev:angelman-syndrome-2", "rkg:PointPrevalence", None, None, 500000, "worldwide", None),
        ],
    ),
    *(
        Case(
            "condition-overview.rq",
            {"condition": row[0]},
            (
                "condition",
                "synonyms",
                "riskFactors",
                "treatmentAreas",
                "prevalenceFigures",
                "lastUpdated",
                "communityCount",
            ),
            rows=[row],
        )
        for row in [
            (A, 1, 3, 3, 2, "2025-11-20", None),
            (C, 2, 3, 3, 1, "2026-04-07", 7),
            (N, 1, 2, 3, 0, None, None),
            (R, 1, 3, 3, 1, "2026-01-15", 12),
            (W, 2, 3, 3, 1, "2026-03-02", 41),
        ]
    ),
    Case(
        "source-documents.rq",
        {"since": "2026-02-01"},
        ("document", "lastUpdated", "communityCount", "conditionCount"),
        rows=[("doc:caudal-regression-syndrome", "2026-04-07", 7, 1), ("doc:williams-syndrome", "2026-03-02", 41, 1)],
    ),
    Case(
        "source-documents.rq",
        columns=("document",),
        rows=[(d,) for d in ("doc:caudal-regression-syndrome", "doc:williams-syndrome", "doc:rett-syndrome")]
        + [("doc:angelman-syndrome",), ("doc:niemann-pick-disease-type-c",)],  # undated last
    ),
    Case("facts-without-evidence.rq", columns=("subject",), rows=[]),
    Case("facts-without-evidence.rq", {"subject": C}, ("subject",), rows=[]),
    Case("facts-without-evidence.rq", {"subject": "doc:williams-syndrome"}, ("subject",), rows=[]),
]


def _first(rows: list[dict[str, Any]], n: int) -> None:
    """The most named genetic risk factor comes first, then the rest by count and label; all `n` are listed."""
    assert (rows[0]["riskFactor"], rows[0]["conditionCount"]) == ("risk:de-novo-variant", 3)
    order = [(-r["conditionCount"], r["riskFactorLabel"].lower()) for r in rows]
    assert order == sorted(order)
    assert len(rows) == n and {r["category"] for r in rows} == {"rkg:GeneticRiskFactor"}


@pytest.fixture(scope="module")
def mini() -> Store:
    return load_rdf_file(MINI)


@pytest.fixture(scope="module")
def mini_rdflib() -> rdflib.Graph:
    return rdflib_graph(MINI)


@pytest.mark.parametrize("case", MINI_CASES, ids=Case.id)
def test_expected_answer_on_the_mini_graph(case: Case, mini: Store) -> None:
    case.verify(run(case, mini))


# rdflib answers too: the library must be portable SPARQL 1.1, not Oxigraph dialect.
@pytest.mark.parametrize("case", MINI_CASES, ids=Case.id)
def test_rdflib_gives_the_same_answer(case: Case, mini: Store, mini_rdflib: rdflib.Graph) -> None:
    case.verify(run(case, mini_rdflib))


def _without_one_evidence(mini: Store) -> Store:
    """A copy of the mini graph where the evidence of `C schema:riskFactor risk:maternal-diabetes` is gone."""
    store = Store()
    store.extend(mini.quads_for_pattern(None, None, None, None))
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    target = NamedNode(PREFIXES["risk"] + "maternal-diabetes")
    [evidence] = [q.subject for q in store.quads_for_pattern(None, NamedNode(rdf + "object"), target, DefaultGraph())]
    for quad in list(store.quads_for_pattern(evidence, None, None, None)):
        store.remove(quad)
    return store


def _as_rdflib(store: Store) -> rdflib.Graph:
    data = serialize((q.triple for q in store.quads_for_pattern(None, None, None, DefaultGraph())), format=NT)
    return rdflib.Graph().parse(data=data, format="nt")


UNSUPPORTED = [(C, "schema:riskFactor", "risk:maternal-diabetes")]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(
    ("params", "expected"),
    [({}, UNSUPPORTED), ({"subject": C}, UNSUPPORTED), ({"subject": R}, []), ({"subject": f"doc:{C[5:]}"}, [])],
    ids=["whole-graph", "its-condition", "another-condition", "its-document"],
)
def test_a_fact_without_evidence_is_reported(
    mini: Store, params: dict[str, str], expected: list[tuple[str, str, str]], engine: str
) -> None:
    """The whole-graph audit and the audit of the fact's own subject find it; an audit of another subject
    (whose facts are all supported) does not."""
    store = _without_one_evidence(mini)
    source = store if engine == "oxigraph" else _as_rdflib(store)
    case = Case("facts-without-evidence.rq", params, ("subject", "predicate", "object"), rows=expected)
    case.verify(run(case, source))


# A graph with more figures than a ranked list keeps: mini.trig plus CROWD synthetic conditions, each with one
# figure in the "1-9 / 1 000 000" class; upper bounds come in threes (ties, also at the 100th), and label order
# differs from bound order, so the tie-break by label is seen.
CROWD = 150
CROWD_CLASS = "1-9 / 1 000 000"


def _crowd_figures() -> list[dict[str, Any]]:
    return [
        {
            "condition": f"cond:crowd-{i:03d}",
            "label": f"Crowd condition {(i * 37) % CROWD:03d}",
            "stated": f"{i} per million",
            "low": 1e-7,
            "high": 1e-6 + (i // 3) * 1e-7,
        }
        for i in range(CROWD)
    ]


@pytest.fixture(scope="module")
def crowded(mini: Store) -> Store:
    rkg, skos, xsd = PREFIXES["rkg"], PREFIXES["skos"], "http://www.w3.org/2001/XMLSchema#"
    store = Store()
    store.extend(mini.quads_for_pattern(None, None, None, None))
    for i, f in enumerate(_crowd_figures()):
        condition = NamedNode(PREFIXES["cond"] + f["condition"].split(":", 1)[1])
        figure = NamedNode(PREFIXES["prev"] + f"crowd-{i:03d}-1")
        double = NamedNode(xsd + "double")
        store.extend(
            Quad(s, NamedNode(p), o, DefaultGraph())
            for s, p, o in [
                (condition, skos + "prefLabel", Literal(f["label"], language="en")),
                (condition, rkg + "prevalence", figure),
                (figure, rkg + "statedAs", Literal(f["stated"])),
                (figure, rkg + "lowerBound", Literal(repr(f["low"]), datatype=double)),
                (figure, rkg + "upperBound", Literal(repr(f["high"]), datatype=double)),
                (figure, rkg + "population", Literal("people")),
                (figure, rkg + "orphanetClass", Literal(CROWD_CLASS)),
                (figure, rkg + "orphanetPrevalenceClass", NamedNode(PREFIXES["ordo"] + "Orphanet_409979")),
            ]
        )
    return store


def _rarest(figures: list[dict[str, Any]], n: int = 100) -> list[tuple[str, float]]:
    ranked = sorted(figures, key=lambda f: (f["high"], f["label"].lower(), f["stated"].lower()))
    return [(f["condition"], f["high"]) for f in ranked[:n]]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("prevalence-below-threshold.rq", {"maxFraction": "1e-5"}),
        ("prevalence-by-orphanet-class.rq", {"orphanetClass": CROWD_CLASS}),
    ],
    ids=["below-threshold", "orphanet-class"],
)
def test_ranked_prevalence_lists_keep_the_100_rarest(
    crowded: Store, query: str, params: dict[str, str], engine: str
) -> None:
    """With more than 100 figures passing, exactly the 100 with the smallest upper bounds are listed, ties at the
    cut-off broken by condition label (the mini graph's own figures are all above 1e-5 and in other classes)."""
    source = crowded if engine == "oxigraph" else _as_rdflib(crowded)
    figures = _crowd_figures()
    assert len(figures) > 100 and _rarest(figures, 101)[-1][1] == _rarest(figures)[-1][1], "a tie at the cut-off"
    Case(query, params, ("condition", "upperBound"), rows=_rarest(figures)).verify(run(Case(query, params), source))


def test_a_threshold_below_the_cut_off_lists_every_figure_under_it(crowded: Store) -> None:
    figures = [f for f in _crowd_figures() if f["high"] <= 2e-6 * (1 + 1e-9)]
    assert 0 < len(figures) < 100
    case = Case("prevalence-below-threshold.rq", {"maxFraction": "2e-6"}, ("condition", "upperBound"))
    Case(case.query, case.params, case.columns, rows=_rarest(figures)).verify(run(case, crowded))


# ---------------------------------------------------------------------------------------------------------------
# Every file is documented; the documentation matches what the query does


HEADER = re.compile(r"\A# (?P<title>\S.*)\n#\n(?P<body>(?:#.*\n)+)", re.MULTILINE)


def documented_params(text: str) -> list[str]:
    block = text.split("# Parameters:", 1)[1].split("\n#\n", 1)[0]
    return [] if block.strip().startswith("none") else re.findall(r"^#\s+\?(\w+)\s", block, re.MULTILINE)


def documented_columns(text: str) -> list[str]:
    block = text.split("# Columns:", 1)[1]
    block = " ".join(line.lstrip("#").strip() for line in block.split("\nPREFIX", 1)[0].splitlines())
    return re.findall(r"(?:^|, )([a-zA-Z]+)(?= \(|,|\.|$)", block.split(". ")[0].rstrip("."))


def test_the_library_has_at_least_twelve_commented_queries() -> None:
    files = sorted(QUERIES.glob("*.rq"))
    assert len(files) >= 12
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert HEADER.match(text), f"{path.name}: starts with '# Title', a blank comment line and a description"
        assert "# Parameters:" in text and "# Columns:" in text, f"{path.name}: documents parameters and columns"


def required_examples(text: str) -> dict[str, str]:
    """The header's example value of each required parameter (every required parameter must have one)."""
    examples = documented_examples(text)
    missing = set(required_params(text)) - set(examples)
    assert not missing, f"required parameters without an example in the header: {sorted(missing)}"
    return {name: examples[name] for name in required_params(text)}


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.name)
def test_documentation_matches_the_query(path: Path, mini: Store) -> None:
    text = path.read_text(encoding="utf-8")
    result = run_query(text, mini, required_examples(text))
    assert documented_columns(text) == list(result.variables), "the Columns line lists the result columns"
    for param in documented_params(text):
        # pyoxigraph binds only projected variables; BOUND() misreads bound parameters on Oxigraph 0.5.
        assert param in result.variables, f"parameter ?{param} must be a column"
        assert f"BOUND(?{param})" not in text.replace(" ", ""), f"use COALESCE, not BOUND, on ?{param}"
    assert {c.query for c in MINI_CASES} >= {path.name}, "every query has an expected answer on the mini graph"


NEEDING = [p for p in sorted(QUERIES.glob("*.rq")) if required_params(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", NEEDING, ids=lambda p: p.name)
def test_a_required_parameter_is_asked_for(path: Path, mini: Store) -> None:
    """Without its required parameter a query is refused with the flag to pass and the header's example,
    instead of answering another question (every row of the graph)."""
    text = path.read_text(encoding="utf-8")
    [(name, value)] = required_examples(text).items()
    with pytest.raises(QueryError) as caught:
        run_query(text, mini, name=path.name)
    message = str(caught.value)
    assert message.startswith(f"{path.name}: this query needs ?{name}")
    assert f"--param {name}=VALUE" in message and value in message and "\n" not in message


def test_the_queries_that_need_a_parameter() -> None:
    """The unbound forms that were dumps of the graph at 10,000 conditions now need their parameter; the ones
    that still answer a question unbound do not."""
    needing = {p.name: sorted(required_params(p.read_text(encoding="utf-8"))) for p in sorted(QUERIES.glob("*.rq"))}
    assert {name for name, params in needing.items() if params} == {
        "condition-by-identifier.rq",
        "condition-overview.rq",
        "conditions-by-treatment-area.rq",
        "conditions-sharing-a-risk-factor.rq",
        "evidence-for-facts.rq",
        "find-condition.rq",
        "most-similar-conditions.rq",
        "prevalence-by-orphanet-class.rq",
        "prevalence-figures.rq",
        "risk-factors.rq",
        "synonyms-and-identifiers.rq",
    }
    assert all(len(params) <= 1 for params in needing.values()), "bench/run.py binds one example per query"
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = re.search(r"^#\s+\?(\w+)\s", text.split("# Parameters:", 1)[1], re.MULTILINE)
        for name in required_params(text):
            assert first and first[1] == name, f"{path.name}: the required parameter is documented first"


def test_the_mini_graph_passes_the_projects_shapes() -> None:
    """The hand-made fixture obeys the same SHACL shapes as a build, so its answers are answers on the model."""
    from kg.validate import validate

    report = validate(MINI)
    assert report.conforms, report.text


def test_orphanet_class_labels_are_the_ones_the_graph_writes() -> None:
    from kg.graph import ORPHANET_CLASS_TERMS

    text = (QUERIES / "prevalence-by-orphanet-class.rq").read_text(encoding="utf-8")
    block = re.search(r"VALUES \?orphanetClass \{([^}]*)\}", text)
    assert block and re.findall(r'"([^"]+)"', block[1]) == list(ORPHANET_CLASS_TERMS)


def test_counts_by_type_counts_every_class_of_the_ontology() -> None:
    """counts-by-type.rq names our classes one by one (for speed); the list must follow the ontology."""
    graph = rdflib.Graph().parse(ROOT / "ontologies" / "rare-kg.ttl")
    owl_class = rdflib.URIRef("http://www.w3.org/2002/07/owl#Class")
    ours = {str(c).removeprefix(PREFIXES["rkg"]) for c in graph.subjects(rdflib.RDF.type, owl_class)}
    ours = {c for c in ours if "/" not in c and ":" not in c}
    text = (QUERIES / "counts-by-type.rq").read_text(encoding="utf-8")
    counted = re.findall(r"\?node a rkg:(\w+) \} \}\s+BIND \(rkg:(\w+) AS \?type\)", text)
    assert all(a == b for a, b in counted), "each branch labels its count with its own class"
    assert sorted(a for a, _ in counted) == sorted(ours)


# ---------------------------------------------------------------------------------------------------------------
# The real corpus


GOLD = sorted((ROOT / "data" / "gold").glob("*.json"))
SUMMARIES = sorted((ROOT / "data" / "summaries").glob("*.txt"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from kg.build import build

    out = tmp_path_factory.mktemp("corpus")
    result = build([ROOT / "data" / "summaries"], out, html=False)
    assert not result.problems, result.problems
    return load_store(out)


def _gold() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in GOLD}


def _documents_match_gold(rows: list[dict[str, Any]]) -> None:
    gold = _gold()
    got = {r["document"].split(":", 1)[1]: (r["lastUpdated"], r["communityCount"]) for r in rows}
    assert got == {slug: (g["last_updated"], g["community_count"]) for slug, g in gold.items()}


def _no_prevalence_matches_gold(rows: list[dict[str, Any]]) -> None:
    expected = {f"cond:{slug}" for slug, g in _gold().items() if not g["prevalence"]}
    assert {r["condition"] for r in rows} == expected


def _one_condition_per_summary(rows: list[dict[str, Any]]) -> None:
    counts = {r["type"]: r["count"] for r in rows}
    assert counts["rkg:RareCondition"] == counts["rkg:SourceDocument"] == len(SUMMARIES)


def _sentences_are_where_the_offsets_say(rows: list[dict[str, Any]]) -> None:
    texts: dict[str, str] = {}
    checked = 0
    for row in rows:
        if row["sentence"] is None:
            continue
        path = row["sourcePath"]
        text = texts.setdefault(path, (ROOT / path).read_text(encoding="utf-8"))
        assert text[row["start"] : row["end"]] == row["sentence"], (path, row["start"])
        checked += 1
    assert checked > len(SUMMARIES)


# Expectations derived from the gold annotations and the curated identifier table (not from the build's output),
# so they stay meaningful when the extractor changes; recall floors sit just below the measured extraction recall.


def _figures_gold() -> list[tuple[str, dict[str, Any]]]:
    return [(slug, f) for slug, g in _gold().items() for f in g["prevalence"]]


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 0.01 * max(abs(a), abs(b)) or a == b


def _figures_match_gold(rows: list[dict[str, Any]]) -> None:
    got = [(r["condition"].split(":", 1)[1], r["lowerBound"], r["upperBound"], r["count"]) for r in rows]
    expected = [(slug, f.get("low"), f.get("high"), f.get("count")) for slug, f in _figures_gold()]
    assert len(got) == len(expected)
    for slug, low, high, count in expected:
        assert any(s == slug and _close(lo, low) and _close(hi, high) and c == count for s, lo, hi, c in got), (
            slug,
            low,
            high,
            count,
        )


def _below_threshold_matches_gold(rows: list[dict[str, Any]]) -> None:
    limit = 1e-4
    expected = {
        slug
        for slug, f in _figures_gold()
        if f.get("count") is None and f.get("high") is not None and f["high"] <= limit * (1 + 1e-9)
    }
    assert {r["condition"].split(":", 1)[1] for r in rows} == expected
    assert len(expected) < 100, "the corpus has fewer figures than the cut-off: the whole answer is listed"
    bounds = [r["upperBound"] for r in rows]
    assert bounds == sorted(bounds), "rarest first"


def _orphanet_classes_match_gold(rows: list[dict[str, Any]]) -> None:
    from kg.graph import orphanet_class

    expected = {
        (slug, orphanet_class(f.get("low"), f.get("high"))) for slug, f in _figures_gold() if f.get("count") is None
    }
    assert {(r["condition"].split(":", 1)[1], r["orphanetClass"]) for r in rows} == expected


def _nothing_unsupported(rows: list[dict[str, Any]]) -> None:
    assert rows == []


def _overview_matches_gold(rows: list[dict[str, Any]]) -> None:
    gold = _gold()
    assert len(rows) == len(gold)
    for r in rows:
        g = gold[r["condition"].split(":", 1)[1]]
        assert (r["lastUpdated"], r["communityCount"], r["prevalenceFigures"]) == (
            g["last_updated"],
            g["community_count"],
            len(g["prevalence"]),
        ), r["condition"]


def _recall(pairs: dict[str, set[str]], kind: str, floor: float) -> None:
    from kg.evaluate import match
    from kg.link import normalise_label

    # graph nodes carry normalised labels ("ciclosporin" -> "cyclosporine"): compare the gold label both ways
    link_kind = "risk_factor" if kind == "risk_factors" else "treatment_area"
    found = total = 0
    for slug, g in _gold().items():
        for label in g[kind]["required"]:
            total += 1
            normal = normalise_label(link_kind, label)
            found += any(match(label, got) or match(normal, got) for got in pairs.get(slug, ()))
    assert found / total >= floor, (kind, found, total)


def _treatment_links_recall_gold(rows: list[dict[str, Any]]) -> None:
    pairs: dict[str, set[str]] = {}
    for r in rows:
        pairs.setdefault(r["condition"].split(":", 1)[1], set()).add(r["treatmentAreaLabel"])
    _recall(pairs, "treatment_areas", 0.85)


def _synonyms_and_ids_match_gold(rows: list[dict[str, Any]]) -> None:
    from kg.link import ground

    pairs: dict[str, set[str]] = {}
    for r in rows:
        pairs.setdefault(r["condition"].split(":", 1)[1], set()).add(str(r["value"]))
    _recall(pairs, "synonyms", 0.9)
    for slug, g in _gold().items():  # every identifier the curated table gives is linked
        for grounding in ground(g["condition"], g["synonyms"]["required"]):
            compact = compact_iri(grounding.iri, PREFIXES)
            assert grounding.iri in pairs[slug] or compact in pairs[slug], (slug, grounding.curie)


def _every_condition_has_an_identifier(rows: list[dict[str, Any]]) -> None:
    exact = {r["condition"].split(":", 1)[1] for r in rows if r["matchType"] == "exact match"}
    assert exact == set(_gold())


def _similarity_is_symmetric(rows: list[dict[str, Any]]) -> None:
    shared = {(r["condition"], r["other"]): r["shared"] for r in rows}
    assert shared
    for (a, b), n in shared.items():
        assert shared.get((b, a)) == n, (a, b)
    for r in rows:
        assert r["shared"] == r["sharedRiskFactors"] + r["sharedTreatmentAreas"]


def _shared_inheritance_recalls_gold(rows: list[dict[str, Any]]) -> None:
    expected = {
        slug
        for slug, g in _gold().items()
        if "autosomal dominant inheritance" in {x.lower() for x in g["risk_factors"]["required"]}
    }
    got = {r["condition"].split(":", 1)[1] for r in rows}
    assert len(got & expected) >= 0.8 * len(expected), sorted(expected - got)
    assert all(r["conditionCount"] == len(got) for r in rows)


def _risk_factor_counts_are_consistent(rows: list[dict[str, Any]]) -> None:
    labels = {r["riskFactorLabel"]: r["conditionCount"] for r in rows}
    assert labels.get("autosomal recessive inheritance", 0) >= 8
    assert all(n >= 1 for n in labels.values())


def _names_find_their_condition(rows: list[dict[str, Any]]) -> None:
    names: dict[str, set[str]] = {}
    for r in rows:
        names.setdefault(r["condition"].split(":", 1)[1], set()).add(str(r["matched"]).lower())
    for slug, g in _gold().items():
        assert g["condition"].lower() in names[slug], slug


CORPUS_CASES = [
    Case("source-documents.rq", check=_documents_match_gold),
    Case("conditions-without-prevalence.rq", check=_no_prevalence_matches_gold),
    Case("counts-by-type.rq", check=_one_condition_per_summary),
    Case("facts-without-evidence.rq", columns=("subject", "predicate"), rows=[]),
    Case("prevalence-below-threshold.rq", check=_below_threshold_matches_gold),
    Case(
        "conditions-sharing-a-risk-factor.rq",
        params={"riskFactor": "<https://w3id.org/rare-kg/risk-factor/autosomal-dominant-inheritance>"},
        check=_shared_inheritance_recalls_gold,
    ),
]


@dataclass(frozen=True)
class Sweep:
    """A query that answers for one condition (class, category, name...) at a time, run once per parameter set
    `params_of(store)`; `check` gets the rows of every run together, so the expectation covers the corpus."""

    query: str
    params_of: Callable[[Store], list[dict[str, str]]]
    check: Callable[[list[dict[str, Any]]], None]

    def id(self) -> str:
        return self.query.removesuffix(".rq")

    def rows(self, store: Store) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for params in self.params_of(store):
            result = run(Case(self.query, params), store)
            rows += [{v: simple(t) for v, t in zip(result.variables, row, strict=True)} for row in result.rows]
        return rows


def _each_condition(store: Store) -> list[dict[str, str]]:
    return [{"condition": f"cond:{slug}"} for slug in _gold()]


def _each_condition_and_document(store: Store) -> list[dict[str, str]]:
    return _each_condition(store) + [{"condition": f"doc:{slug}"} for slug in _gold()]


def _each_subject(store: Store) -> list[dict[str, str]]:
    return [{"subject": p["condition"]} for p in _each_condition_and_document(store)]


def _each_orphanet_class(store: Store) -> list[dict[str, str]]:
    from kg.graph import ORPHANET_CLASS_TERMS

    return [{"orphanetClass": f'"{label}"'} for label in ORPHANET_CLASS_TERMS]  # quoted: "<1 / ..." is no IRI


def _each_treatment_area(store: Store) -> list[dict[str, str]]:
    query = "SELECT DISTINCT ?area WHERE { ?condition rkg:treatmentArea ?area }"
    return [{"treatmentArea": f"<{row['area'].value}>"} for row in store.query(query, prefixes=PREFIXES)]


def _each_category(store: Store) -> list[dict[str, str]]:
    categories = ("Genetic", "Maternal", "Environmental", "Vascular", "Other")
    return [{"category": f"rkg:{c}RiskFactor"} for c in categories]


def _each_gold_name(store: Store) -> list[dict[str, str]]:
    return [{"text": g["condition"]} for g in _gold().values()]


def _each_gold_identifier(store: Store) -> list[dict[str, str]]:
    """Every identifier the curated table gives a gold condition, as its IRI and as its CURIE string."""
    from kg.link import ground

    found = []
    for g in _gold().values():
        for grounding in ground(g["condition"], g["synonyms"]["required"]):
            found += [{"identifier": f"<{grounding.iri}>"}, {"identifier": grounding.curie}]
    return found


def _identifiers_find_their_condition(rows: list[dict[str, Any]]) -> None:
    from kg.link import ground

    got = {(str(r["identifier"]), r["matchType"], r["condition"]) for r in rows}
    for slug, g in _gold().items():
        for grounding in ground(g["condition"], g["synonyms"]["required"]):
            link = "exact match" if grounding.method == "exact-label" else "close match"
            iri = compact_iri(grounding.iri, PREFIXES)
            assert (grounding.iri, link, f"cond:{slug}") in got or (iri, link, f"cond:{slug}") in got, grounding
            assert (grounding.curie, "identifier", f"cond:{slug}") in got, grounding
    _every_condition_has_an_identifier(rows)


CORPUS_SWEEPS = [
    Sweep("evidence-for-facts.rq", _each_condition_and_document, _sentences_are_where_the_offsets_say),
    Sweep("facts-without-evidence.rq", _each_subject, _nothing_unsupported),
    Sweep("prevalence-figures.rq", _each_condition, _figures_match_gold),
    Sweep("prevalence-by-orphanet-class.rq", _each_orphanet_class, _orphanet_classes_match_gold),
    Sweep("condition-overview.rq", _each_condition, _overview_matches_gold),
    Sweep("conditions-by-treatment-area.rq", _each_treatment_area, _treatment_links_recall_gold),
    Sweep("synonyms-and-identifiers.rq", _each_condition, _synonyms_and_ids_match_gold),
    Sweep("condition-by-identifier.rq", _each_gold_identifier, _identifiers_find_their_condition),
    Sweep("most-similar-conditions.rq", _each_condition, _similarity_is_symmetric),
    Sweep("risk-factors.rq", _each_category, _risk_factor_counts_are_consistent),
    Sweep("find-condition.rq", _each_gold_name, _names_find_their_condition),
]


@pytest.mark.parametrize("case", CORPUS_CASES, ids=lambda c: c.id() if isinstance(c, Case) else None)
def test_expected_answer_on_the_corpus(case: Case, corpus: Store) -> None:
    case.verify(run(case, corpus))


@pytest.mark.parametrize("sweep", CORPUS_SWEEPS, ids=Sweep.id)
def test_expected_answers_across_the_corpus(sweep: Sweep, corpus: Store) -> None:
    sweep.check(sweep.rows(corpus))


def test_every_query_has_an_expectation_on_the_corpus() -> None:
    covered = {c.query for c in CORPUS_CASES} | {s.query for s in CORPUS_SWEEPS}
    assert covered == {p.name for p in QUERIES.glob("*.rq")}


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.name)
def test_every_query_answers_on_the_corpus(path: Path, corpus: Store) -> None:
    text = path.read_text(encoding="utf-8")
    result = run_query(text, corpus, required_examples(text))
    assert result.variables == tuple(documented_columns(text))


def documented_examples(text: str) -> dict[str, str]:
    """Example values the Parameters block gives (`such as X`, `e.g. X`, `e.g. --param name=X`)."""
    block = text.split("# Parameters:", 1)[1].split("\n#\n", 1)[0]
    found = {}
    for name, description in re.findall(r"^#\s+\?(\w+)\s+(.*(?:\n#\s{6,}.*)*)", block, re.MULTILINE):
        description = " ".join(description.replace("#", " ").split())
        example = re.search(r"(?:such as|e\.g\.)\s+(?:--param \w+=)?(\"[^\"]+\"|[^\s,;]+?)[.,;]?(?:\s|$)", description)
        if example:
            found[name] = example.group(1).strip('"')
    return found


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.name)
def test_documented_examples_find_something_in_the_corpus(path: Path, corpus: Store) -> None:
    text = path.read_text(encoding="utf-8")
    required = required_examples(text)
    for name, value in documented_examples(text).items():
        params = {**required, name: value}
        if path.name in AUDITS:  # empty on a sound graph: the example must name something that has facts
            [term] = bind_params(text, {name: value}).values()
            assert len(run_query(text, corpus, params)) == 0, f"{params} finds a fact without evidence"
            assert next(iter(corpus.quads_for_pattern(term, None, None)), None), f"{params}: no such subject"
            continue
        assert len(run_query(text, corpus, params)) > 0, f"{params} finds nothing"


AUDITS = {"facts-without-evidence.rq"}  # quality checks: no rows is the answer expected on a sound graph


def test_the_mini_graph_uses_only_terms_the_graph_stage_writes(mini: Store, corpus: Store) -> None:
    """mini.trig is hand-made; if the graph stage renames a predicate or class, this says the fixture is stale."""

    def vocabulary(store: Store) -> set[str]:
        query = "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }"
        return {row["t"].value for row in store.query(query)}

    assert vocabulary(mini) <= vocabulary(corpus)
