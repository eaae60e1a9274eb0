"""`kg serve` over HTTP with a real client (SPARQLWrapper) and the real Oxigraph server behind our front.

One endpoint serves most of the module (mini.trig, a 1 s time limit, a 50-row limit); tests that need other
settings start their own. The limits are also checked on a graph of 6,000 triples (`cross_graph`), where a
three-way cross product runs for hours and Oxigraph's own `--timeout-s` does not stop it: there the answer must
come within the limit plus a margin, and the Oxigraph process must stop burning CPU.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from kg.serve import LOOPBACK, Endpoint, Limits, OxigraphServer, count_rows, serving

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "sparql" / "mini.trig"
CONDITIONS = "PREFIX rkg: <https://w3id.org/rare-kg/ontology#> SELECT ?c WHERE { ?c a rkg:RareCondition } ORDER BY ?c"
# A three-way cross product of the graph's ~900 triples: minutes of work, so only a time limit ends it.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ENDLESS_ROWS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CROSS_TRIPLES = 6000  # Oxigraph 0.5.13 checks its timeout once per CROSS_TRIPLES**2 solutions: minutes here

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with serving(MINI, limits=Limits(timeout_s=1, max_rows=50)) as ep:
        yield ep


def sparql(endpoint: Endpoint, query: str, fmt: str = JSON) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint.query_url, updateEndpoint=endpoint.update_url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def http(url: str, data: bytes | None = None, method: str | None = None, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def count_conditions(endpoint: Endpoint) -> int:
    return len(sparql(endpoint, CONDITIONS).queryAndConvert()["results"]["bindings"])


def test_select_and_construct_with_sparqlwrapper(endpoint: Endpoint) -> None:
    bindings = sparql(endpoint, CONDITIONS).queryAndConvert()["results"]["bindings"]
    assert [b["c"]["value"].rsplit("/", 1)[1] for b in bindings] == [
        "angelman-syndrome",
        "caudal-regression-syndrome",
        "niemann-pick-disease-type-c",
        "rett-syndrome",
        "williams-syndrome",
    ]
    client = sparql(endpoint, "CONSTRUCT { ?c a ?t } WHERE { ?c a ?t } LIMIT 10", TURTLE)
    client.setMethod(POST)
    graph = rdflib.Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert len(graph) == 10


def test_the_query_page_is_served(endpoint: Endpoint) -> None:
    status, page = http(endpoint.url + "/")
    assert status == 200 and b"yasgui" in page.lower()
    status, script = http(endpoint.url + "/yasgui.min.js")
    assert status == 200 and len(script) > 100_000, "the page's own assets come through the front"


def test_update_is_refused(endpoint: Endpoint) -> None:
    client = sparql(endpoint, "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }")
    client.setMethod(POST)
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)) as caught:
        client.query()
    assert "403" in str(caught.value) or getattr(caught.value, "code", None) == 403
    attempts = [
        ("/update", b"CLEAR ALL", "POST", "application/sparql-update"),
        ("/query", b"CLEAR ALL", "POST", "application/sparql-update"),
        ("/sparql", b"update=CLEAR+ALL", "POST", "application/x-www-form-urlencoded"),
        ("/query", b"update=CLEAR+ALL", "POST", "application/x-www-form-urlencoded"),
        ("/store?default", b"<urn:x:s> <urn:x:p> <urn:x:o> .", "POST", "application/n-triples"),
        ("/store?default", b"<urn:x:s> <urn:x:p> <urn:x:o> .", "PUT", "application/n-triples"),
        ("/store?default", b"", "DELETE", "text/plain"),
    ]
    for path, body, method, content_type in attempts:
        status, message = http(endpoint.url + path, body, method, **{"Content-Type": content_type})
        assert status == 403, (path, method)
        assert b"read-only" in message and b"--writable" in message
    status, _ = http(endpoint.url + "/query?update=CLEAR%20ALL")
    assert status == 403
    assert count_conditions(endpoint) == 5, "the graph is unchanged"


def test_requests_from_other_web_sites_are_refused(endpoint: Endpoint) -> None:
    port = endpoint.url.rsplit(":", 1)[1]
    query = endpoint.query_url + "?query=" + urllib.request.quote(CONDITIONS)
    assert http(query, Origin=f"http://localhost:{port}")[0] == 200, "the query page's own requests pass"
    assert http(query, Origin="https://evil.example")[0] == 403, "a cross-site page is refused"
    assert http(query, Host=f"evil.example:{port}")[0] == 403, "DNS rebinding is refused"
    status, body = http(
        endpoint.url + "/query",
        b"query=" + urllib.request.quote(CONDITIONS).encode(),
        "POST",
        Origin="null",
        **{"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 403 and b"other web sites" in body


def test_time_limit_stops_a_query_with_a_clean_error(endpoint: Endpoint) -> None:
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as caught:
        sparql(endpoint, ENDLESS).query()
    assert time.monotonic() - started < 5
    assert caught.value.code == 503
    assert b"time limit" in caught.value.read()


@pytest.fixture(scope="module")
def cross_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cross") / "cross.nt"
    lines = (f'<urn:x:s{i}> <urn:x:p{i % 7}> "{i}" .\n' for i in range(CROSS_TRIPLES))
    path.write_text("".join(lines), encoding="utf-8")
    return path


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a live process, None once it is gone (or a zombie)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == "Z":
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine_pids(endpoint: Endpoint) -> list[int]:
    return [c.pid for c in endpoint.pool.children() if c.pid is not None]


def assert_no_query_runs_on(endpoint: Endpoint, ran_it: int) -> None:
    """Over the next second, neither the Oxigraph process that evaluated the query nor any other of the endpoint
    gains CPU time (a replacement process started meanwhile may spend a little to open the store)."""
    watched = {ran_it, *engine_pids(endpoint)}
    before = {pid: cpu_seconds(pid) for pid in watched}
    time.sleep(1)
    after = {pid: cpu_seconds(pid) for pid in watched}
    grew = {pid: after[pid] - (before[pid] or 0.0) for pid in watched if after[pid] is not None}
    assert grew.get(ran_it, 0.0) < 0.05, f"the query goes on burning CPU: {grew}"
    assert sum(grew.values()) < 0.3, f"some query goes on burning CPU: {grew}"


STOPPED = {  # what is asked, of an endpoint with which limits, and what it must answer
    "time limit, aggregate": (ENDLESS, "application/sparql-results+json", Limits(timeout_s=1), 503, b"1 s time limit"),
    "time limit, streaming": (
        ENDLESS_ROWS,
        "text/csv",
        Limits(timeout_s=1, max_rows=10**12, max_bytes=2**40),
        503,
        b"1 s time limit",
    ),
    "row limit": (
        ENDLESS_ROWS,
        "application/sparql-results+json",
        Limits(timeout_s=5, max_rows=1000),
        400,
        b"1000-row limit",
    ),
    "byte limit": (
        ENDLESS_ROWS,
        "text/tab-separated-values",
        Limits(timeout_s=5, max_bytes=100_000),
        400,
        b"100000-byte limit",
    ),
}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads CPU times in Linux /proc")
@pytest.mark.parametrize("case", list(STOPPED))
def test_a_limit_stops_the_query_itself_with_a_prompt_clean_error(cross_graph: Path, case: str) -> None:
    query, accept, limits, status, words = STOPPED[case]
    with serving(cross_graph, limits=limits) as ep:
        [ran_it] = engine_pids(ep)
        started = time.monotonic()
        got, body = http(ep.query_url + "?query=" + urllib.request.quote(query), Accept=accept)
        elapsed = time.monotonic() - started
        assert (got, body.count(b"\n")) == (status, 1), body[:300]
        assert words in body and b"restart kg serve with a larger --" in body
        # generous bounds: the time limit plus its half-second grace and a loaded machine; the size limits are
        # met long before the time limit, since rows are counted as the answer streams in
        assert elapsed < (4 if status == 503 else limits.timeout_s - 2), f"answered after {elapsed:.2f} s"
        assert_no_query_runs_on(ep, ran_it)
        assert http(ep.query_url + "?query=" + urllib.request.quote("ASK { <urn:x:s1> ?p ?o }"))[0] == 200


def test_requests_past_max_concurrent_wait_then_get_a_clean_busy_error(cross_graph: Path) -> None:
    """No more engines than --max-concurrent; a request that finds none free within its time limit gets a 503 that
    says so, and one queued behind a runaway query is answered once the runaway is stopped."""
    ask = "?query=" + urllib.request.quote("ASK { ?s ?p ?o }")
    with serving(cross_graph, limits=Limits(timeout_s=1, max_concurrent=1)) as ep:
        held = ep.pool.lease(time.monotonic() + 10)  # as a request being evaluated holds its engine
        try:
            started = time.monotonic()
            status, body = http(ep.query_url + ask)
            assert 1 <= time.monotonic() - started < 4, "it waited for its time limit, no longer"
            assert status == 503 and b"busy" in body and b"--max-concurrent" in body
            assert ep.pool.children() == [held], "no second engine was started"
        finally:
            ep.pool.release(held)
        answers: list[tuple[int, bytes]] = []
        runaway = threading.Thread(
            target=lambda: answers.append(http(ep.query_url + "?query=" + urllib.request.quote(ENDLESS)))
        )
        runaway.start()
        time.sleep(0.3)
        assert len(ep.pool.children()) == 1
        started = time.monotonic()
        status, body = http(ep.query_url + ask)
        assert time.monotonic() - started < 4
        assert status == 200 or (status == 503 and b"busy" in body), (status, body)
        runaway.join(timeout=10)
        assert answers and answers[0][0] == 503 and b"time limit" in answers[0][1]


def test_a_stopped_streaming_answer_is_not_passed_on_as_data(endpoint: Endpoint) -> None:
    """Oxigraph alone answers 200 and a CSV cut off by "The SPARQL operation has been cancelled"."""
    status, body = http(endpoint.query_url + "?query=" + urllib.request.quote(ENDLESS_ROWS), Accept="text/csv")
    assert status in (400, 503), "either limit may stop it first, never a 200"
    assert b"cancelled" not in body


def test_row_limit(endpoint: Endpoint) -> None:
    with pytest.raises(QueryBadFormed) as caught:
        sparql(endpoint, "SELECT * WHERE { ?s ?p ?o }").query()
    assert "50-row limit" in str(caught.value) and "LIMIT" in str(caught.value)
    rows = sparql(endpoint, "SELECT * WHERE { ?s ?p ?o } LIMIT 50").queryAndConvert()["results"]["bindings"]
    assert len(rows) == 50, "an answer at the limit passes"
    status, _ = http(endpoint.query_url + "?query=" + urllib.request.quote("CONSTRUCT WHERE { ?s ?p ?o }"))
    assert status == 400, "triples count as rows too"
    text = sparql(endpoint, "SELECT * WHERE { ?s ?p ?o } LIMIT 50", CSV).queryAndConvert()
    assert text.count(b"\n") == 51


def test_byte_limit() -> None:
    with serving(MINI, limits=Limits(timeout_s=5, max_bytes=4096)) as ep:
        status, body = http(ep.query_url + "?query=" + urllib.request.quote("SELECT * WHERE { ?s ?p ?o }"))
        assert status == 400 and b"4096-byte limit" in body
        assert http(ep.query_url + "?query=" + urllib.request.quote(CONDITIONS))[0] == 200


def non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # no packet is sent; this only picks the outgoing interface
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_both_servers_listen_on_loopback_only(endpoint: Endpoint) -> None:
    assert endpoint.url.startswith(f"http://{LOOPBACK}:")
    engines = endpoint.pool.children()
    assert engines and all(f"{LOOPBACK}:{engine.port}" in engine.command() for engine in engines)
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    for port in (int(endpoint.url.rsplit(":", 1)[1]), *(engine.port for engine in engines)):
        with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
            pass


def test_writable_mode_accepts_updates(tmp_path: Path) -> None:
    copy = tmp_path / "mini.trig"
    copy.write_bytes(MINI.read_bytes())
    with serving(copy, limits=Limits(writable=True)) as ep:
        client = sparql(ep, "INSERT DATA { <urn:x:c> a <https://w3id.org/rare-kg/ontology#RareCondition> }")
        client.setMethod(POST)
        client.query()
        assert count_conditions(ep) == 6


def test_count_rows_reads_every_results_format() -> None:
    csv_text = b'c\r\nurn:a\r\n"multi\nline"\r\n'
    assert count_rows(csv_text, "text/csv; charset=utf-8") == 2
    assert count_rows(b'c\r\n"say ""hi""\r\nthere"\r\nlast', "text/csv") == 2, "escaped quotes, no final break"
    assert count_rows(b"c\r\n", "text/csv") == 0
    assert count_rows(b"?c\n<urn:a>\n<urn:b>\n<urn:c>\n", "text/tab-separated-values") == 3
    assert count_rows(b'{"head":{},"boolean":true}', "application/sparql-results+json") == 1
    assert count_rows(b"<urn:a> <urn:b> <urn:c> .\n", "application/n-triples") == 1
    assert count_rows(b"<html></html>", "text/html") is None


def test_a_taken_port_is_reported(endpoint: Endpoint) -> None:
    taken = int(endpoint.url.rsplit(":", 1)[1])
    with pytest.raises(Exception, match="pass another --port"):
        Endpoint(MINI, port=taken).start()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_cli(port: int) -> tuple[subprocess.Popen[bytes], int]:
    command = [sys.executable, "-m", "kg.cli", "serve", "--graph", str(MINI), "--port", str(port), "--timeout", "2"]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    assert process.stderr is not None
    line = process.stderr.readline().decode()
    assert line.startswith(f"SPARQL endpoint http://{LOOPBACK}:{port}/query (read-only, 2 s"), line
    [child] = children_of(process.pid)
    return process, child


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc to find the child process")
def test_cli_serves_until_terminated_and_leaves_no_server_behind() -> None:
    from kg.serve import free_port

    port = free_port()
    process, child = start_cli(port)
    try:
        status, body = http(f"http://{LOOPBACK}:{port}/query?query=" + urllib.request.quote(CONDITIONS))
        assert status == 200 and b"rett-syndrome" in body
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        deadline = time.monotonic() + 5
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child), "the Oxigraph child stopped with kg serve"
    finally:
        process.kill()
        process.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_the_oxigraph_child_dies_with_a_killed_kg_serve() -> None:
    from kg.serve import free_port

    process, child = start_cli(free_port())
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_a_read_only_server_needs_a_database() -> None:
    with pytest.raises(ValueError, match="needs a database folder"):
        OxigraphServer(None, read_only=True)


def test_a_build_folder_is_served_in_place(tmp_path: Path) -> None:
    from kg.outputs.store import load_rdf_file, write_store

    store = load_rdf_file(MINI)
    write_store(tmp_path, {g: list(store.quads_for_pattern(None, None, None, g)) for g in store.named_graphs()})
    with serving(tmp_path) as ep:
        assert ep.upstream.location == (tmp_path / "store").resolve()
        assert count_conditions(ep) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == [".store-00001", "store"], "nothing left behind"


def _page_answer(driver: object, query: str, expect: str, timeout: float = 20) -> str:
    """Type `query` into the query page, run it, and return the results pane's text once it shows `expect`."""
    run = "var cm=document.querySelector('.CodeMirror'); cm.CodeMirror.setValue(arguments[0]);"
    run += "document.querySelector('.yasqe_queryButton').click();"
    driver.execute_script(run, query)  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = driver.execute_script("var r=document.querySelector('.yasr'); return r ? r.innerText : ''")  # type: ignore[attr-defined]
        if expect in text:
            break
        time.sleep(0.1)
    return text


def test_the_query_page_runs_queries_in_a_real_browser(endpoint: Endpoint) -> None:
    from kg.outputs.browser import chromium, missing

    if missing():
        pytest.skip(f"needs Chromium: {missing()}")
    with chromium() as driver:
        driver.get(endpoint.url + "/")
        deadline = time.monotonic() + 20
        while not driver.execute_script("return !!document.querySelector('.CodeMirror')"):
            assert time.monotonic() < deadline, "the query editor did not load"
            time.sleep(0.1)
        assert "rett-syndrome" in _page_answer(driver, CONDITIONS, "rett-syndrome")
        assert "time limit" in _page_answer(driver, ENDLESS, "time limit")
        assert "read-only" in _page_answer(driver, "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }", "read-only")
    assert count_conditions(endpoint) == 5


def test_a_writable_endpoint_makes_the_next_build_load_its_store_anew(tmp_path: Path) -> None:
    """The next build updates a copy of the store only if it holds what the build recorded; an endpoint that may
    write to it drops that record, so the next build loads every document again (and the writes are gone, as
    they always were after a build)."""
    from conftest import copy_summaries

    from kg.build import build
    from kg.outputs.store import DOCUMENTS_FILE, store_path

    corpus = copy_summaries(tmp_path / "in", ["wilson-disease.txt", "anencephaly.txt"])
    out = tmp_path / "out"
    build([corpus], out, html=False, kgx=False)
    assert (store_path(out) / DOCUMENTS_FILE).is_file()
    with serving(out, limits=Limits(writable=True)) as ep:
        assert not (store_path(out) / DOCUMENTS_FILE).exists()
        client = sparql(ep, "INSERT DATA { <urn:x:c> a <https://w3id.org/rare-kg/ontology#RareCondition> }")
        client.setMethod(POST)
        client.query()
    again = build([corpus], out, html=False, kgx=False)
    assert again.reused == 2 and again.store_updated is None
    fresh = build([corpus], tmp_path / "fresh", html=False, kgx=False, reuse=False)
    assert again.counts == fresh.counts
    from kg.outputs.store import load_store

    assert sorted(map(str, load_store(out))) == sorted(map(str, load_store(tmp_path / "fresh")))
