"""Hostile text: quotes, backslashes, newlines, right-to-left and zero-width characters, `<script>`, SPARQL and
Turtle fragments in names and sentences come out escaped and read back unchanged from every output (Turtle, TriG,
N-Triples, JSON-LD, JSON Lines, the store, SPARQL results, the network page); IRIs minted from any name are valid.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import rdflib
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyoxigraph import (
    Literal,
    NamedNode,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from kg import link
from kg.extract import slugify
from kg.graph import condition_node, document_graph, record_quads, risk_factor_node, treatment_area_node
from kg.outputs.rdf import write_outputs
from kg.outputs.store import load_store, write_store
from kg.query import format_result, run_query
from kg.records import Condition, Evidence, Mention, Prevalence, Record

ROOT = Path(__file__).resolve().parents[1]
RKG_SENTENCE = "https://w3id.org/rare-kg/ontology#sentence"
PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"

HOSTILE = [
    'Say "hi" \\ back\\slash \\"escaped\\"',
    "line\nbreak\r\nand\ttab\fform feed",
    "\u202eevil\u202c right-to-left \u200f mark \u061c and \u2067isolate\u2069",
    "zero\u200bwidth\u200c\u200djoiner\ufeff and \u2060word joiner",
    "<script>alert(1)</script></script><!--",
    '"; DROP ALL ; #',
    'x" } ; INSERT DATA { <a> <b> <c> } #',
    '""" ; <http://evil.example/> a <x> . """',
    "'''triple''' @en ^^xsd:string _:b0",
    "\\u0022 not an escape \\n \\t %22 &quot; &lt;",
    "emoji 🧬 CJK 遗传病 Arabic مرض نادر",
    "control \x01\x07\x1b[31m chars\x7f\x85 and \u2028 line \u2029 separators",
    "{{ template }} ${var} %s {0} `backtick`",
    "trailing backslash \\",
]


def _hostile_record() -> tuple[Record, str]:
    """A record whose every string is hostile, and the document text its offsets point into."""
    sentences = [f"Sentence {i}: {h}" for i, h in enumerate(HOSTILE)]
    text = "\n".join(sentences)
    evidence, at = [], 0
    for s in sentences:
        evidence.append(Evidence(s, at, at + len(s)))
        at += len(s) + 1
    assert all(text[e.start : e.end] == e.sentence for e in evidence)
    label = 'Evil "<script>" \\ syndrome \u202eemordnys'
    return Record(
        id=slugify(label),
        source='folder/we"ird \\ name <x>.txt',
        condition=Condition(label=label, evidence=evidence[0]),
        synonyms=tuple(Mention(h, evidence[i]) for i, h in enumerate(HOSTILE)),
        risk_factors=(Mention('maternal "x" \\ <script>', evidence[1]),),
        treatment_areas=(Mention("neurology }} ; DROP", evidence[2]),),
        prevalence=(
            Prevalence(HOSTILE[0], 1e-5, 4e-5, HOSTILE[4], None, None, evidence[3]),
            Prevalence(HOSTILE[7], None, None, "people", 5000, HOSTILE[2], evidence[4]),
        ),
        last_updated="2026-03-04",
        community_count=7,
    ), text


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Record, list, Path]:  # type: ignore[type-arg]
    record, _ = _hostile_record()
    quads = record_quads(record)
    out = tmp_path_factory.mktemp("hostile")
    write_outputs(quads, out)
    write_store(out, {document_graph(record.id): quads})
    return record, quads, out


def _literals(triples: object, predicate: str) -> set[str]:
    return {t.object.value for t in triples if t.predicate.value == predicate}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("graph.ttl", RdfFormat.TURTLE),
        ("graph.trig", RdfFormat.TRIG),
        ("graph.nt", RdfFormat.N_TRIPLES),
        ("graph.jsonld", RdfFormat.JSON_LD),
    ],
)
def test_every_rdf_file_reads_back_to_exactly_the_same_graph(built, name: str, fmt: RdfFormat) -> None:  # type: ignore[no-untyped-def]
    record, quads, out = built
    back = list(parse(path=str(out / name), format=fmt))
    if fmt == RdfFormat.TRIG:
        assert set(back) == set(quads)
    else:
        assert {q.triple for q in back} == {q.triple for q in quads}
    sentences = _literals([q.triple for q in back], RKG_SENTENCE)
    assert {f"Sentence {i}: {h}" for i, h in enumerate(HOSTILE)} <= sentences
    assert _literals([q.triple for q in back], PREF_LABEL) >= {record.condition.label}


def test_turtle_reads_back_with_a_second_independent_parser(built) -> None:  # type: ignore[no-untyped-def]
    _, quads, out = built
    graph = rdflib.Graph()
    graph.parse(out / "graph.ttl", format="turtle")
    sentences = {str(o) for o in graph.objects(None, rdflib.URIRef(RKG_SENTENCE))}
    assert sentences == _literals([q.triple for q in quads], RKG_SENTENCE)
    alt = {str(o) for o in graph.objects(None, rdflib.URIRef(ALT_LABEL))}
    assert alt == _literals([q.triple for q in quads], ALT_LABEL)
    assert len(alt) >= len(HOSTILE) - 2  # synonyms keep their characters (whitespace runs become one space)
    for h in HOSTILE:
        assert re.sub(r"\s+", " ", h).strip() in alt


def test_the_store_and_every_results_format_give_the_strings_back(built) -> None:  # type: ignore[no-untyped-def]
    _, quads, out = built
    store = load_store(out)
    expected = _literals([q.triple for q in quads], RKG_SENTENCE)
    query = "SELECT ?s WHERE { ?e rkg:sentence ?s } ORDER BY ?s"
    result = run_query(query, store)
    assert {row[0].value for row in result.rows} == expected
    # JSON and CSV read back with standard parsers
    data = json.loads(format_result(result, "json"))
    assert {b["s"]["value"] for b in data["results"]["bindings"]} == expected
    rows = list(csv.reader(io.StringIO(format_result(result, "csv"), newline="")))
    assert rows[0] == ["s"] and {r[0] for r in rows[1:]} == expected
    for fmt, media in (("tsv", QueryResultsFormat.TSV), ("json", QueryResultsFormat.JSON)):
        solutions = parse_query_results(format_result(result, fmt).encode(), format=media)
        assert {s["s"].value for s in solutions} == expected, fmt


def test_hostile_parameter_values_are_bound_as_terms_not_spliced(built) -> None:  # type: ignore[no-untyped-def]
    record, quads, out = built
    store = load_store(out)
    query = "SELECT ?c ?label WHERE { ?c skos:prefLabel ?label }"
    hit = run_query(query, store, {"label": Literal(record.condition.label, language="en")})
    assert [row[0] for row in hit.rows] == [condition_node(record.id)]
    for h in HOSTILE:
        assert len(run_query(query, store, {"label": Literal(h, language="en")}).rows) == 0
    assert len(run_query("SELECT * WHERE { ?s ?p ?o }", store).rows) == len({q.triple for q in quads})


def test_records_are_one_json_line_each_and_read_back_unchanged() -> None:
    record, _ = _hostile_record()
    line = json.dumps(record.to_json(), ensure_ascii=False)
    assert "\n" not in line and "\r" not in line
    assert Record.from_json(json.loads(line)).to_json() == record.to_json()


def _page_strings(page: str) -> set[str]:
    """Every string in the JSON data blocks of the network page."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for block in re.findall(r'<script id="rkg-[a-z]+" type="application/json">(.*?)</script>', page, re.S):
        walk(json.loads(block))
    return found


def test_end_to_end_a_hostile_summary_round_trips_through_every_output(tmp_path: Path) -> None:
    """A real summary full of hostile text, through extraction and `kg build`: what the records say is what the
    graph files, the store and the network page say, and the page has no live markup from the text."""
    from kg.build import build
    from kg.cli import main

    src = tmp_path / "in"
    src.mkdir()
    (src / "evil-syndrome.txt").write_text(
        "Last updated: 4 March 2026\n"
        'Evil syndrome, also known as "Quote\\Back" <script>alert(1)</script> disease, is a rare inherited '
        "disorder caused by mutations in the ABC1 gene. Evil syndrome affects about 1 in 25,000 people; the name "
        'x" } ; DROP ALL ; # is sometimes used. Treatment is coordinated by a neurologist \u202eand a '
        "cardiologist\u200b with physical therapy. Maternal diabetes \\\"\"\"triple''' @en ^^<x> . increases "
        "the risk.\n",
        encoding="utf-8",
    )
    shutil.copy(ROOT / "data" / "summaries" / "wilson-disease.txt", src / "wilson-disease.txt")
    out = tmp_path / "out"
    result = build([src], out, processes=1)
    assert not result.problems
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").split("\n") if line]
    evil = next(r for r in records if r["id"] == "evil-syndrome")
    strings = {
        m["evidence"]["sentence"]
        for key in ("synonyms", "risk_factors", "treatment_areas", "prevalence")
        for m in evil[key]
    }
    assert any("<script>alert(1)</script>" in s for s in strings) and any("DROP ALL" in s for s in strings)
    assert any("\\" in m["label"] for m in evil["synonyms"] + evil["risk_factors"])
    # Turtle and the store hold the same sentences, character for character
    ttl = {
        t.object.value
        for t in parse(path=str(out / "graph.ttl"), format=RdfFormat.TURTLE)
        if t.predicate.value == RKG_SENTENCE
    }
    assert strings <= ttl
    stored = {row[0].value for row in run_query("SELECT ?s WHERE { ?e rkg:sentence ?s }", load_store(out)).rows}
    assert strings <= stored
    # the network page carries the names as data, never as markup
    page = (out / "graph.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and 'Quote\\Back" <script>' not in page
    labels = _page_strings(page)
    assert evil["condition"]["label"] in labels
    # `kg extract` prints the same JSON as records.jsonl
    import contextlib

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["extract", str(src / "evil-syndrome.txt")]) == 0
    assert json.loads(buffer.getvalue()) == evil


# ------------------------------------------------------------------------------------------------------ IRIs

IRI_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_names = st.text(max_size=80) | st.sampled_from(HOSTILE)


def _round_trips(node: NamedNode) -> None:
    data = serialize([Triple(node, node, node)], format=RdfFormat.N_TRIPLES)
    assert [t.subject for t in parse(data, format=RdfFormat.N_TRIPLES)] == [node]


@IRI_SETTINGS
@given(_names)
@example("")
@example("\u0301\u200b")
@example("../../etc/passwd")
@example("a/b?c#d")
def test_slugs_of_any_name_are_safe_iri_local_names(name: str) -> None:
    slug = slugify(name)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug), slug
    assert len(slug) <= 80
    assert slugify(name) == slug  # stable
    _round_trips(NamedNode(f"https://w3id.org/rare-kg/condition/{slug}"))


@IRI_SETTINGS
@given(_names)
@example("")
@example("ﬁ ligature and ² superscript")
@example("\U0001d7ce mathematical digit")
def test_every_minted_iri_is_valid_for_any_name(name: str) -> None:
    local = link.slug(name)
    assert local and not re.search(r"[\s<>\"{}|^`\\/?#%]", local), local
    for node in (condition_node(name), document_graph(name), risk_factor_node(name), treatment_area_node(name)):
        assert isinstance(node, NamedNode)
        _round_trips(node)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=40), st.lists(st.text(max_size=40), max_size=3), st.text(max_size=120))
def test_any_record_strings_round_trip_through_turtle(label: str, synonyms: list[str], sentence: str) -> None:
    ev = Evidence(sentence, 0, len(sentence))
    record = Record(
        id=slugify(label),
        source=label,
        condition=Condition(label=label, evidence=ev),
        synonyms=tuple(Mention(s, ev) for s in synonyms if s.strip()),
        risk_factors=(Mention(label, ev),),
        treatment_areas=(Mention(label, ev),),
    )
    quads = record_quads(record)
    for fmt in (RdfFormat.TRIG, RdfFormat.N_QUADS):
        assert set(parse(serialize(quads, format=fmt), format=fmt)) == set(quads)
    triples = [q.triple for q in quads]
    back = [q.triple for q in parse(serialize(triples, format=RdfFormat.TURTLE), format=RdfFormat.TURTLE)]
    assert set(back) == set(triples)
    if sentence:
        assert sentence in _literals(back, RKG_SENTENCE)


# ------------------------------------------------------------------------------------------------- endpoint


class _Listener(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def listener() -> Iterator[tuple[str, list[str]]]:
    """A web server on loopback standing in for an internal service the endpoint must never be made to call."""
    _Listener.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Listener.hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_the_endpoint_does_not_make_requests_for_a_federated_query(listener) -> None:  # type: ignore[no-untyped-def]
    """tests/test_serve.py covers read-only, loopback, Origin/Host checks and the time and size limits; this adds
    the one way a read-only endpoint can still act: a SPARQL `SERVICE` clause makes the server fetch any URL it is
    given (internal services, cloud metadata), i.e. server-side request forgery. It must be refused."""
    from kg.serve import serving

    url, hits = listener
    query = f"SELECT * WHERE {{ SERVICE <{url}/internal> {{ ?s ?p ?o }} }}"
    with serving(ROOT / "tests" / "fixtures" / "sparql" / "mini.trig") as ep:
        request = urllib.request.Request(
            ep.query_url + "?" + urllib.parse.urlencode({"query": query}),
            headers={"Accept": "application/sparql-results+json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
    assert hits == [], f"the endpoint fetched {hits} on behalf of a query"
    assert status >= 400, f"a federated query should be refused, got {status}: {body[:200]!r}"
