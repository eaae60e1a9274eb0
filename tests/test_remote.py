"""`kg build --store URL`: documents written to a real Oxigraph server over HTTP, and read back.

One in-memory Oxigraph server (the `oxigraph` pip package's binary, beside this Python) serves the module on a
free loopback port and is stopped at the end.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse

from kg.errors import OutputError
from kg.outputs.remote import GraphSender, graphs_held, push_documents, query_url
from kg.outputs.store import load_rdf_file
from kg.serve import OxigraphServer, free_port

MINI = Path(__file__).resolve().parent / "fixtures" / "sparql" / "mini.trig"
HOSTILE = 'a "quoted" } ; DROP ALL ; # label\nwith a new line, a tab\t, \\ and ünïcödé ✓'

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[OxigraphServer]:
    with OxigraphServer(None, read_only=False) as running:
        yield running


def mini_documents() -> dict[NamedNode, list[Quad]]:
    store = load_rdf_file(MINI)
    return {g: list(store.quads_for_pattern(None, None, None, g)) for g in store.named_graphs()}  # type: ignore[misc]


def graph_of(server: OxigraphServer, graph: NamedNode) -> set[str] | None:
    """The triples the server holds in `graph` (GSP GET), or None if it has no such graph."""
    url = f"{server.url}/store?graph={urllib.parse.quote(graph.value, safe='')}"
    request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return {str(q.triple) for q in parse(response.read(), RdfFormat.N_TRIPLES)}
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def doc(name: str, label: str) -> tuple[NamedNode, list[Quad]]:
    graph = NamedNode(f"https://w3id.org/rare-kg/document/{name}")
    subject = NamedNode(f"https://w3id.org/rare-kg/condition/{name}")
    label_p = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    return graph, [Quad(subject, label_p, Literal(label, language="en"), graph)]


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_round_trip_of_every_document(server: OxigraphServer, protocol: str) -> None:
    documents = mini_documents()
    endpoint = server.url + ("/store" if protocol == "gsp" else "/update")
    report = push_documents(endpoint, documents, protocol=protocol)  # type: ignore[arg-type]
    assert report.graphs == 5 and report.triples == sum(len(q) for q in documents.values())
    for graph, quads in documents.items():
        assert graph_of(server, graph) == {str(q.triple) for q in quads}


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_a_pushed_document_replaces_its_graph_and_only_it(server: OxigraphServer, protocol: str) -> None:
    endpoint = server.url + ("/store" if protocol == "gsp" else "/update")
    a, b = doc(f"a-{protocol}", "first"), doc(f"b-{protocol}", "other")
    push_documents(endpoint, dict([a, b]), protocol=protocol)  # type: ignore[arg-type]
    changed = doc(f"a-{protocol}", HOSTILE)
    push_documents(endpoint, dict([changed]), protocol=protocol)  # type: ignore[arg-type]
    assert graph_of(server, a[0]) == {str(q.triple) for q in changed[1]}, "nothing stale stays"
    assert graph_of(server, b[0]) == {str(q.triple) for q in b[1]}, "other documents are untouched"
    push_documents(endpoint, {a[0]: []}, protocol=protocol)  # type: ignore[arg-type]
    assert not graph_of(server, a[0]), "an empty document removes its graph"


def test_text_from_summaries_survives_as_data(server: OxigraphServer) -> None:
    graph, quads = doc("hostile", HOSTILE)
    push_documents(server.url + "/update", {graph: quads}, protocol="update")
    query = f"SELECT ?l WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?l }} }}"
    url = f"{server.url}/query?query={urllib.parse.quote(query)}"
    request = urllib.request.Request(url, headers={"Accept": "text/tab-separated-values"})
    with urllib.request.urlopen(request, timeout=10) as response:
        rows = response.read().decode("utf-8").splitlines()
    assert len(rows) == 2 and str(Literal(HOSTILE, language="en")) == rows[1]
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    with urllib.request.urlopen(f"{server.url}/query?query={urllib.parse.quote(count)}", timeout=10) as response:
        assert b'"0"' not in response.read(), "DROP ALL in a label dropped nothing"


def test_errors_name_the_store_and_what_to_check(server: OxigraphServer) -> None:
    graph, quads = doc("x", "x")
    with pytest.raises(OutputError, match=r"answered 4\d\d for graph .*check that URL is the Graph Store endpoint"):
        push_documents(server.url + "/query", {graph: quads}, protocol="gsp")
    closed = free_port()
    with pytest.raises(OutputError, match="cannot reach the store") as caught:
        push_documents(f"http://curator:s3cret@127.0.0.1:{closed}/store", {graph: quads})
    assert "s3cret" not in str(caught.value), "credentials are never printed"
    with pytest.raises(OutputError, match="not an http"):
        push_documents("ftp://127.0.0.1/store", {graph: quads})


def ntriples_of(quads: list[Quad]) -> bytes:
    return "".join(f"{q.triple} .\n" for q in quads).encode()


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_the_sender_fills_the_store_over_several_connections(server: OxigraphServer, protocol: str) -> None:
    """`kg build`'s way: graphs queued one at a time (a queue of two, so `send` waits for the connections) and
    sent by three connections at once; the store ends as `push_documents` leaves it."""
    documents = mini_documents()
    endpoint = server.url + ("/store" if protocol == "gsp" else "/update")
    sender = GraphSender(endpoint, protocol, connections=3, queued=2)
    for graph, quads in sorted(documents.items(), key=lambda item: item[0].value):
        sender.send(graph.value, ntriples_of(quads))
    gone, quads = doc(f"gone-{protocol}", "removed by an empty graph")
    push_documents(endpoint, {gone: quads}, protocol=protocol)  # type: ignore[arg-type]
    sender_two = GraphSender(endpoint, protocol)
    sender_two.send(gone.value, b"")
    assert sender_two.close().graphs == 1 and not graph_of(server, gone)
    report = sender.close()
    assert report.graphs == 5 and report.triples == sum(len(q) for q in documents.values())
    with pytest.raises(RuntimeError, match="closed"):
        sender.send(gone.value, b"")  # nothing would send it
    for graph, quads in documents.items():
        assert graph_of(server, graph) == {str(q.triple) for q in quads}


def test_the_sender_stops_at_the_first_failure_and_says_which_graph(server: OxigraphServer) -> None:
    graph, quads = doc("refused", "x")
    sender = GraphSender(server.url + "/query", "gsp", connections=2)  # not a Graph Store endpoint
    for _ in range(3):
        sender.send(graph.value, ntriples_of(quads))
    with pytest.raises(OutputError, match=r"answered 4\d\d for graph <.*refused>.*Graph Store endpoint"):
        sender.close()
    with pytest.raises(OutputError, match="answered 4"):
        sender.send(graph.value, ntriples_of(quads))  # later sends fail at once instead of queueing
    closed = GraphSender(f"http://curator:s3cret@127.0.0.1:{free_port()}/store")
    closed.send(graph.value, ntriples_of(quads))
    with pytest.raises(OutputError, match="cannot reach the store") as caught:
        closed.close()
    assert "s3cret" not in str(caught.value)
    stopped = GraphSender(server.url + "/store")
    stopped.abandon()  # the caller failed: nothing is waited for or raised
    assert stopped.graphs == 0


def default_graph_of(server: OxigraphServer) -> set[str]:
    url = f"{server.url}/store?default"
    request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return {str(q.triple) for q in parse(response.read(), RdfFormat.N_TRIPLES)}


def named_union_of(server: OxigraphServer) -> set[str]:
    request = urllib.request.Request(f"{server.url}/store", headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return {str(q.triple) for q in parse(response.read(), RdfFormat.N_QUADS) if isinstance(q.graph_name, NamedNode)}


def test_sparql_update_keeps_the_default_graph_the_union_of_the_named_graphs() -> None:
    """As in the build's own store: a triple two documents share stays in the default graph while either holds
    it, and leaves with the last one; the canned queries, which read the default graph, then run there as here."""
    subject = NamedNode("https://w3id.org/rare-kg/risk-factor/shared")
    kind = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    risk = NamedNode("https://w3id.org/rare-kg/ontology#RiskFactor")

    def with_shared(name: str, label: str) -> tuple[NamedNode, list[Quad]]:
        graph, quads = doc(name, label)
        return graph, [*quads, Quad(subject, kind, risk, graph)]

    shared = str(Quad(subject, kind, risk).triple)
    with OxigraphServer(None, read_only=False) as server:
        endpoint = server.url + "/update"
        a, b = with_shared("a", "first"), with_shared("b", "second")
        push_documents(endpoint, dict([a, b]), protocol="update")
        assert default_graph_of(server) == named_union_of(server) and shared in default_graph_of(server)
        push_documents(endpoint, dict([doc("a", "first, edited")]), protocol="update")  # a drops the shared triple
        assert default_graph_of(server) == named_union_of(server) and shared in default_graph_of(server)
        push_documents(endpoint, {b[0]: []}, protocol="update")  # and so does b, the last to hold it
        assert default_graph_of(server) == named_union_of(server) and shared not in default_graph_of(server)

        # several connections at once: each request is right alone, and the clean-up mends what two of them
        # dropping the same triple at the same moment could leave behind
        many = dict(with_shared(f"m{i}", f"label {i}") for i in range(12))
        sender = GraphSender(endpoint, "update", connections=4)
        for graph, quads in many.items():
            sender.send(graph.value, ntriples_of(quads))
        sender.close()
        dropping = GraphSender(endpoint, "update", connections=4)
        for graph in many:
            dropping.send(graph.value, b"")
        dropping.close()
        dropping.prune_default_graph()
        assert default_graph_of(server) == named_union_of(server) and shared not in default_graph_of(server)
        gsp = GraphSender(server.url + "/store", "gsp")
        with pytest.raises(ValueError, match="SPARQL Update"):
            gsp.prune_default_graph()
        gsp.close()


def test_credentials_in_the_url_are_sent_as_basic_auth(server: OxigraphServer) -> None:
    """Oxigraph ignores the header, so the push works; what matters is that it is sent and not in the URL."""
    from kg.outputs.remote import _Target

    target = _Target.parse(f"http://curator:s%40cret@127.0.0.1:{server.port}/store?x=1")
    assert target.auth == "Basic Y3VyYXRvcjpzQGNyZXQ="  # base64 of curator:s@cret
    assert target.safe_url == f"http://127.0.0.1:{server.port}/store?x=1" and target.path == "/store?x=1"
    graph, quads = doc("auth", "with auth")
    push_documents(f"http://curator:s3cret@127.0.0.1:{server.port}/store", {graph: quads})
    assert graph_of(server, graph) == {str(q.triple) for q in quads}


def test_a_real_store_round_trip_through_rocksdb(tmp_path: Path) -> None:
    """PUT per graph into a persistent (RocksDB) server, then serve that database read-only."""
    documents = mini_documents()
    with OxigraphServer(tmp_path / "db", read_only=False) as writable:
        push_documents(writable.url + "/store", documents)
    store = Store.read_only(str(tmp_path / "db"))
    assert {g.value for g in store.named_graphs()} == {g.value for g in documents}
    assert len(store) == sum(len(q) for q in documents.values())


@pytest.mark.parametrize(
    ("write", "query"),
    [
        ("http://127.0.0.1:7878/store", "http://127.0.0.1:7878/query"),
        ("http://u:p@host:7878/update", "http://u:p@host:7878/query"),
        ("http://host:3030/ds/data", "http://host:3030/ds/query"),
        ("http://host:3030/ds/update/", "http://host:3030/ds/query"),
        ("http://host:7200/repositories/kg/statements", "http://host:7200/repositories/kg"),
        ("http://host:7200/repositories/kg/rdf-graphs/service", "http://host:7200/repositories/kg"),
        ("http://host:8890/sparql-graph-crud", "http://host:8890/sparql"),
        ("http://host:8890/sparql-graph-crud-auth", "http://host:8890/sparql"),
        ("http://host:9999/writes-here", None),
    ],
)
def test_the_query_endpoint_is_found_beside_the_usual_write_endpoints(write: str, query: str | None) -> None:
    assert query_url(write) == query


def test_the_store_says_which_graphs_it_holds(server: OxigraphServer) -> None:
    documents = dict([doc("held-a", "A"), doc("held-b", "B")])
    push_documents(f"{server.url}/store", documents)
    held = graphs_held(f"{server.url}/query")
    assert {g.value for g in documents} <= held
    push_documents(f"{server.url}/store", {NamedNode("https://w3id.org/rare-kg/document/held-a"): []})
    after = graphs_held(query_url(f"{server.url}/store") or "")
    assert "https://w3id.org/rare-kg/document/held-a" not in after
    assert "https://w3id.org/rare-kg/document/held-b" in after
    with pytest.raises(OutputError, match=r"answered 404 when asked which graphs.*--store-query"):
        graphs_held(f"{server.url}/nothing-here")
