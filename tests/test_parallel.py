"""The streaming build and its executors: the same bytes sequentially, in a process pool and on a dask cluster, and
the same bytes as `kg.outputs.rdf.write_outputs` writes from all quads at once."""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import DefaultGraph, NamedNode, Store

import kg.build
from kg import parallel
from kg.build import build, iter_records
from kg.errors import InputError, ValidationFailed
from kg.graph import record_quads
from kg.outputs.rdf import write_outputs

DATA = Path(__file__).resolve().parents[1] / "data" / "summaries"
SAMPLE = ["wilson-disease.txt", "marfan-syndrome.txt", "anencephaly.txt", "rett-syndrome.txt"]
RDF_FILES = ("graph.ttl", "graph.trig", "graph.nt", "graph.jsonld")
SAME = (*RDF_FILES, "records.jsonl")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("in")
    for name in SAMPLE:
        shutil.copy(DATA / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def sequential(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: everything in this process, one document per chunk."""
    out = tmp_path_factory.mktemp("sequential")
    result = build([corpus], out, processes=1, chunk_docs=1, html=False)
    assert result.counts["documents"] == len(SAMPLE) and not result.problems
    return out


def _assert_same(a: Path, b: Path, names: tuple[str, ...] = SAME) -> None:
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _store_quads(out: Path) -> set[object]:
    store = Store.read_only(str((out / "store").resolve()))
    try:
        return set(store)
    finally:
        del store


def test_streamed_files_are_the_bytes_write_outputs_gives(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tiny runs force the in-memory consolidation and a many-way external merge
    monkeypatch.setattr(kg.build, "RUN_BYTES", 4096)
    build([corpus], tmp_path / "streamed", processes=1, chunk_docs=1, store=False, html=False)
    quads = [q for record in iter_records([corpus]) for q in record_quads(record)]
    write_outputs(quads, tmp_path / "reference")
    _assert_same(tmp_path / "streamed", tmp_path / "reference", RDF_FILES)
    triples = (tmp_path / "streamed" / "graph.nt").read_bytes().splitlines()
    assert triples == sorted(set(triples))


def test_store_holds_each_document_graph_and_their_union(sequential: Path) -> None:
    quads = _store_quads(sequential)
    named = {q for q in quads if isinstance(q.graph_name, NamedNode)}
    default = {q.triple for q in quads if isinstance(q.graph_name, DefaultGraph)}
    assert len({q.graph_name for q in named}) == len(SAMPLE)
    assert {q.triple for q in named} == default  # the default graph is the union, each triple once
    assert len(default) == len((sequential / "graph.nt").read_bytes().splitlines())


def test_store_slices_loaded_in_the_background_give_the_same_store(
    corpus: Path, sequential: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tiny slices and a queue of one: the build hands the loader thread dozens of slices and waits for it often
    monkeypatch.setattr(kg.build, "RUN_BYTES", 4096)
    monkeypatch.setattr(kg.build, "STORE_SLICE_BYTES", 4096)
    monkeypatch.setattr(kg.build, "STORE_QUEUE", 1)
    result = build([corpus], tmp_path / "sliced", processes=1, chunk_docs=1, html=False, kgx=False)
    assert _store_quads(tmp_path / "sliced") == _store_quads(sequential)
    assert result.timings["store"] > 0 and not _loader_threads()


@pytest.mark.parametrize(
    ("slice_bytes", "failing"),
    [(4096, 3), (kg.build.STORE_SLICE_BYTES, 2)],
    ids=["a slice midway: the build waits for the loader", "the last slice: the build is finishing"],
)
def test_a_slice_the_store_cannot_take_fails_the_build_and_keeps_the_previous_store(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_bytes: int, failing: int
) -> None:
    out = tmp_path / "out"
    build([corpus], out, processes=1, html=False, kgx=False)
    before, ttl = _store_quads(out), (out / "graph.ttl").read_bytes()
    loads: list[int] = []
    real_open = kg.build._StoreWriter._open

    class FullDisk:
        def __init__(self, db: Any) -> None:
            self.db = db

        def bulk_load(self, *args: Any, **kwargs: Any) -> None:
            loads.append(1)
            if len(loads) == failing:
                raise OSError("No space left on device (simulated)")
            self.db.bulk_load(*args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.db, name)

        def __len__(self) -> int:
            return len(self.db)

    monkeypatch.setattr(kg.build, "RUN_BYTES", min(slice_bytes, kg.build.RUN_BYTES))
    monkeypatch.setattr(kg.build, "STORE_SLICE_BYTES", slice_bytes)
    monkeypatch.setattr(kg.build._StoreWriter, "_open", lambda self: FullDisk(real_open(self)))
    with pytest.raises(kg.build.OutputError, match=r"cannot write the store .*No space left"):
        # without the cache: a rebuild that reuses every result would update a copy of the store, not load it
        build([corpus], out, processes=1, chunk_docs=1, html=False, kgx=False, reuse=False)
    assert len(loads) >= failing and not _loader_threads()
    assert _store_quads(out) == before and (out / "graph.ttl").read_bytes() == ttl
    assert not [p for p in out.iterdir() if p.name.startswith(".build-") or p.name.endswith(".tmp")]


def test_triple_lines_drop_the_graph_name_only_where_it_ends_a_line() -> None:
    from pyoxigraph import Literal, Quad, RdfFormat, serialize

    graph = NamedNode("https://w3id.org/rare-kg/doc/x")
    s, p = NamedNode("https://w3id.org/rare-kg/condition/x"), NamedNode("http://example.org/p")
    tricky = Literal("ends like a quad: <https://w3id.org/rare-kg/doc/x> .\nand goes on")
    quads = [Quad(s, p, tricky, graph), Quad(s, p, Literal("plain"), graph)]
    doc = parallel.DocResult(
        "x.txt", graph=b"<" + graph.value.encode() + b">", nquads=serialize(quads, format=RdfFormat.N_QUADS)
    )
    expected = serialize([q.triple for q in quads], format=RdfFormat.N_TRIPLES).splitlines(keepends=True)
    assert parallel.triple_lines(doc) == expected
    other = Quad(s, p, Literal("elsewhere"), NamedNode("https://w3id.org/rare-kg/doc/y"))
    stray = parallel.DocResult(
        "x.txt", graph=doc.graph, nquads=doc.nquads + serialize([other], format=RdfFormat.N_QUADS)
    )
    with pytest.raises(ValueError, match="outside the document's graph"):
        parallel.triple_lines(stray)
    with pytest.raises(ValueError, match="cut short"):
        parallel.triple_lines(parallel.DocResult("x.txt", graph=doc.graph, nquads=doc.nquads[:-1]))


def _loader_threads() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate() if t.name.startswith("kg-store")]


def test_process_pool_gives_the_same_bytes(corpus: Path, sequential: Path, tmp_path: Path) -> None:
    result = build([corpus], tmp_path / "pool", processes=2, chunk_docs=1, html=False)
    assert result.workers == 2
    _assert_same(sequential, tmp_path / "pool")
    assert _store_quads(sequential) == _store_quads(tmp_path / "pool")


def test_pool_workers_are_replaced_so_memory_cannot_grow_without_bound(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "RECYCLE_TASKS", 1)
    items = [parallel.Item(str(p)) for p in sorted(corpus.iterdir())]
    tasks = [parallel.Task(i, (item,), validate=False) for i, item in enumerate(items)]
    results = list(parallel.map_chunks(tasks, executor="processes", processes=2, validate=False))
    assert [r.index for r in results] == list(range(len(items)))
    assert len({r.pid for r in results}) == len(items)  # one chunk per worker: every chunk had a fresh one
    serial = list(parallel.map_chunks(tasks, executor="serial"))
    assert [r.docs for r in results] == [r.docs for r in serial]


def test_dask_cluster_gives_the_same_bytes_and_fills_a_remote_store(
    corpus: Path, sequential: Path, tmp_path: Path
) -> None:
    """The scale-out path end to end: extraction on a cluster of two workers, the graph written to a SPARQL store
    over the Graph Store Protocol; the same files, the same local store and the same named graphs remotely."""
    distributed = pytest.importorskip("distributed")
    from kg.serve import OxigraphServer

    with (
        OxigraphServer(None, read_only=False) as server,
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
    ):
        result = build(
            [corpus],
            tmp_path / "dask",
            executor="dask",
            scheduler=cluster.scheduler_address,
            chunk_docs=1,
            html=False,
            remote=f"{server.url}/store",
        )
        remote = _remote_graphs(server.url, _store_quads(sequential))
    assert result.counts["documents"] == len(SAMPLE)
    _assert_same(sequential, tmp_path / "dask")
    assert _store_quads(sequential) == _store_quads(tmp_path / "dask")
    local = _store_quads(sequential)
    for graph, triples in remote.items():
        assert triples == {q.triple for q in local if q.graph_name == graph}, graph
    assert len(remote) == len(SAMPLE)


def _remote_graphs(url: str, local: set[Any]) -> dict[Any, set[Any]]:
    """Each named graph of the local store, as the remote store holds it (GSP GET)."""
    from pyoxigraph import RdfFormat, parse

    out = {}
    for graph in sorted({q.graph_name for q in local if isinstance(q.graph_name, NamedNode)}, key=str):
        request = urllib.request.Request(
            f"{url}/store?graph={urllib.parse.quote(graph.value, safe='')}", headers={"Accept": "application/n-triples"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            out[graph] = {q.triple for q in parse(response.read(), RdfFormat.N_TRIPLES)}
    return out


def test_a_duplicate_inside_a_chunk_is_skipped_and_changes_nothing(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(corpus, folder)
    shutil.copy(folder / "rett-syndrome.txt", folder / "rett-syndrome_copy.txt")  # sorts after the original
    result = build([folder], tmp_path / "out", processes=1, chunk_docs=8, html=False, store=False)
    assert [Path(p.source).name for p in result.problems] == ["rett-syndrome_copy.txt"]
    assert "same condition" in result.problems[0].reason
    originals = sorted(str(folder / name) for name in SAMPLE)
    build(originals, tmp_path / "reference", processes=1, chunk_docs=1, html=False, store=False)
    _assert_same(tmp_path / "reference", tmp_path / "out")


def test_unreadable_files_are_reported_in_input_order(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(corpus, folder)
    (folder / "a-empty.txt").write_bytes(b"")
    (folder / "zz-binary.txt").write_bytes(b"\x00\x01" * 50)
    result = build([folder], tmp_path / "out", processes=2, chunk_docs=1, html=False, store=False, validate=False)
    assert [Path(p.source).name for p in result.problems] == ["a-empty.txt", "zz-binary.txt"]
    assert all(isinstance(p, InputError) for p in result.problems)
    with pytest.raises(InputError, match=r"a-empty\.txt"):
        build([folder], tmp_path / "strict", processes=2, chunk_docs=1, html=False, store=False, strict=True)
    assert not list((tmp_path / "strict").glob(".build-*"))  # the work folder is gone


def test_a_shape_violation_writes_nothing(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg import graph
    from kg.vocab import SKOS

    real = graph.record_quads
    pref = str(SKOS.prefLabel)

    def without_preferred_label(record):  # type: ignore[no-untyped-def]
        quads = real(record)
        if record.id == "marfan-syndrome":
            quads = [q for q in quads if not (q.predicate.value == pref and "/condition/" in q.subject.value)]
        return quads

    monkeypatch.setattr(graph, "record_quads", without_preferred_label)
    out = tmp_path / "out"
    with pytest.raises(ValidationFailed, match="marfan-syndrome"):
        build([corpus], out, processes=1, chunk_docs=2, html=False)
    assert not (out / "graph.ttl").exists() and not (out / "store").exists()
    assert not list(out.glob(".build-*"))


def test_records_are_read_back_from_records_jsonl(sequential: Path, corpus: Path, tmp_path: Path) -> None:
    result = build(
        [corpus / "wilson-disease.txt", corpus / "anencephaly.txt"],
        tmp_path / "out",
        processes=1,
        html=False,
        store=False,
        validate=False,
    )
    assert len(result.records) == 2
    assert [r.id for r in result.records] == ["wilson-disease", "anencephaly"]
    assert result.records[-1].id == "anencephaly" and result.records[0:1][0].id == "wilson-disease"
    line = json.loads((tmp_path / "out" / "records.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert result.records[0].to_json() == line
    with pytest.raises(IndexError):
        result.records[2]


def test_items_read_for_a_cluster_carry_bytes_or_the_reason(tmp_path: Path) -> None:
    good = tmp_path / "x-syndrome.txt"
    good.write_text("X syndrome is a rare disorder.\n", encoding="utf-8")
    assert parallel.read_item(str(good)).data == good.read_bytes()
    missing = parallel.read_item(str(tmp_path / "missing.txt"))
    assert missing.data is None and missing.problem and "no such file" in missing.problem
    doc = parallel.ingest_bytes(str(good), good.read_bytes())
    assert doc.title == "X syndrome" and doc.text == good.read_text(encoding="utf-8")


def test_bytes_read_for_a_worker_meet_the_checks_of_a_file_read_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytes read here (for a cluster, or for the cache's key) and a path read by the worker give one answer: the
    size limit of KG_MAX_BYTES, and the refusal of a file name that is not UTF-8."""
    from kg.errors import InputError
    from kg.ingest import read_source

    big = tmp_path / "big-syndrome.txt"
    big.write_text("Big syndrome is a rare disorder. " * 200, encoding="utf-8")  # 6.6 KB
    monkeypatch.setenv("KG_MAX_BYTES", "4k")
    with pytest.raises(InputError) as local:
        read_source(str(big))
    with pytest.raises(InputError) as sent:
        parallel.ingest_bytes(str(big), big.read_bytes())
    assert sent.value.reason == local.value.reason and "too large" in local.value.reason
    monkeypatch.setenv("KG_MAX_BYTES", "5k")
    assert parallel.read_item(str(big)).problem == local.value.reason.replace("4.0 KiB", "5.0 KiB")
    monkeypatch.setenv("KG_MAX_BYTES", "8k")
    assert parallel.read_item(str(big)).data == big.read_bytes()
    with pytest.raises(InputError, match="not valid UTF-8"):
        parallel.ingest_bytes(f"{tmp_path}/wils\udce9n.txt", b"Wilson disease is rare.")


def test_unknown_executor_and_missing_scheduler_are_user_errors(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(parallel.ExecutorError, match="choose one of"):
        build([corpus], tmp_path / "a", executor="threads")
    with pytest.raises(parallel.ExecutorError, match="--scheduler"):
        build([corpus], tmp_path / "b", executor="dask")


def test_cli_options(corpus: Path, sequential: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kg.cli import main

    timings = tmp_path / "timings.json"
    code = main(
        [
            "build",
            str(corpus),
            "--out",
            str(tmp_path / "out"),
            "--processes",
            "2",
            "--no-html",
            "--quiet",
            "--timings",
            str(timings),
        ]
    )
    assert code == 0
    _assert_same(sequential, tmp_path / "out")
    data = json.loads(timings.read_text(encoding="utf-8"))
    # four documents are one chunk of work: no pool is started for them
    assert data["documents"] == len(SAMPLE) and data["workers"] == 1
    assert {"ingest", "extract", "graph", "validate", "sort", "turtle", "store"} <= set(data["stages"])
    assert main(["build", str(corpus), "--processes", "0"]) == 64
    assert main(["build", str(corpus), "--out", str(tmp_path / "x"), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--executor dask" in capsys.readouterr().err
    assert main(["build", str(corpus), "--out", str(tmp_path / "x"), "--store-query", "http://127.0.0.1:1/query"]) == 2
    assert "--store-query goes with --store URL" in capsys.readouterr().err


@pytest.mark.slow
def test_remote_store_receives_one_named_graph_per_summary(sequential: Path, corpus: Path, tmp_path: Path) -> None:
    import urllib.parse
    import urllib.request

    from pyoxigraph import RdfFormat, parse

    from kg.serve import OxigraphServer

    with OxigraphServer(None, read_only=False) as server:
        result = build(
            [corpus],
            tmp_path / "out",
            processes=1,
            html=False,
            store=False,
            remote=f"{server.url}/store",
            remote_protocol="gsp",
        )
        assert result.counts["documents"] == len(SAMPLE)
        local = _store_quads(sequential)
        for graph in sorted({q.graph_name for q in local if isinstance(q.graph_name, NamedNode)}, key=str):
            url = f"{server.url}/store?graph={urllib.parse.quote(graph.value, safe='')}"
            request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
            with urllib.request.urlopen(request, timeout=10) as response:
                remote = {q.triple for q in parse(response.read(), RdfFormat.N_TRIPLES)}
            assert remote == {q.triple for q in local if q.graph_name == graph}, graph


@pytest.mark.slow
def test_a_store_that_refuses_fails_the_build_and_leaves_the_last_one(corpus: Path, tmp_path: Path) -> None:
    """The graphs go out while the build runs; a store that refuses them fails the build before any file is
    replaced, so the folder keeps the previous build."""
    from kg.cache import DocumentCache
    from kg.errors import OutputError
    from kg.serve import OxigraphServer

    out = tmp_path / "out"
    build([corpus], out, processes=1, html=False, kgx=False)
    before = (out / "graph.ttl").read_bytes()
    one = sorted(corpus.glob("*.txt"))[0]  # a build of one summary would change every file
    with OxigraphServer(None, read_only=False) as server, pytest.raises(OutputError, match="answered 4"):
        build([one], out, processes=1, html=False, kgx=False, remote=f"{server.url}/query")
    assert (out / "graph.ttl").read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.startswith(".build-")], "the work folder is removed"
    # the graph it was given may or may not be in the store: recorded as unknown, so the next build sends it
    cache = DocumentCache.open(out)
    assert cache is not None
    record = cache.sent(f"{server.url}/query")
    cache.close(succeeded=False)
    assert record == {f"<https://w3id.org/rare-kg/document/{one.stem}>".encode(): b""}


@pytest.mark.slow
def test_a_rebuild_sends_the_remote_store_only_what_changed(corpus: Path, tmp_path: Path) -> None:
    """The folder remembers what the store was sent (each graph's digest): an unchanged summary is not sent
    again, an edited one is, a removed one's graph is removed from the store, and a send that may not have
    completed is repeated by the next build."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from kg.cache import DocumentCache
    from kg.errors import OutputError
    from kg.serve import OxigraphServer

    folder = tmp_path / "in"
    shutil.copytree(corpus, folder)
    files = sorted(folder.glob("*.txt"))
    out = tmp_path / "out"
    options = {"processes": 1, "html": False, "kgx": False, "store": False}

    def remote_graph(server: OxigraphServer, graph: str) -> bytes | None:
        url = f"{server.url}/store?graph={urllib.parse.quote(graph, safe='')}"
        request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    with OxigraphServer(None, read_only=False) as server:
        endpoint = f"{server.url}/store"
        first = build([folder], out, remote=endpoint, **options)
        n = len(files)
        assert f"({n} named graphs: {n} sent, 0 unchanged, 0 removed;" in (first.remote or "")
        again = build([folder], out, remote=endpoint, **options)
        assert again.unchanged and "nothing sent" in (again.remote or ""), again.remote

        with files[0].open("a", encoding="utf-8") as fh:
            fh.write("\nAbout 1 in 40,000 people are affected.\n")
        assert not build([folder], out, **options).unchanged  # the local files change, the store does not
        caught_up = build([folder], out, remote=endpoint, **options)  # the files are as they were: not the store
        assert f"({n} named graphs: 1 sent, {n - 1} unchanged, 0 removed;" in (caught_up.remote or "")
        assert build([folder], out, remote=endpoint, **options).unchanged

        removed = files[1]
        graph = f"https://w3id.org/rare-kg/document/{removed.stem}"
        assert remote_graph(server, graph) is not None
        removed.unlink()
        third = build([folder], out, remote=endpoint, **options)
        assert f"({n - 1} named graphs: 0 sent, {n - 1} unchanged, 1 removed;" in (third.remote or "")
        assert remote_graph(server, graph) is None, "the removed summary's graph left the store"

    # the store is gone: the check of what it holds fails before anything is sent, and the record stays as it
    # was (the edit differs from it, so the next build sends it whatever it finds)
    with files[2].open("a", encoding="utf-8") as fh:
        fh.write("\nAbout 1 in 50,000 people are affected.\n")
    with pytest.raises(OutputError, match="cannot reach the store"):
        build([folder], out, remote=endpoint, **options)
    cache = DocumentCache.open(out)
    assert cache is not None
    record = cache.sent(endpoint)
    cache.close(succeeded=False)
    assert len(record) == n - 1 and b"" not in record.values()


@pytest.mark.slow
def test_a_rebuild_sends_again_what_the_store_lost_since(corpus: Path, tmp_path: Path) -> None:
    """The folder's record of what was sent is checked against the graphs the store holds: a store emptied (a
    server restarted without its data) or missing one graph since the last build is sent what it lacks, on the
    quick path for unchanged inputs too, instead of being trusted to hold it."""
    import urllib.parse
    import urllib.request

    from kg.errors import OutputError
    from kg.serve import OxigraphServer

    out = tmp_path / "out"
    options = {"processes": 1, "html": False, "kgx": False, "store": False}
    n = len(SAMPLE)

    def send(server: OxigraphServer, path: str, body: bytes, method: str = "POST") -> None:
        kind = {"Content-Type": "application/sparql-update"} if body else {}
        request = urllib.request.Request(f"{server.url}{path}", data=body or None, headers=kind, method=method)
        with urllib.request.urlopen(request, timeout=10):
            pass

    with OxigraphServer(None, read_only=False) as server:
        endpoint = f"{server.url}/store"
        build([corpus], out, remote=endpoint, **options)
        assert "nothing sent" in (build([corpus], out, remote=endpoint, **options).remote or "")

        send(server, "/update", b"DROP ALL")
        refilled = build([corpus], out, remote=endpoint, **options)
        assert refilled.unchanged, "the local files stay as they were"
        assert f"({n} named graphs: {n} sent, 0 unchanged, 0 removed;" in (refilled.remote or ""), refilled.remote
        assert f"{n} graphs recorded as sent were missing from it" in (refilled.remote or "")

        lost = "https://w3id.org/rare-kg/document/" + Path(SAMPLE[0]).stem
        send(server, f"/store?graph={urllib.parse.quote(lost, safe='')}", b"", method="DELETE")
        one = build([corpus], out, remote=endpoint, remote_query=f"{server.url}/query", **options)
        assert f"({n} named graphs: 1 sent, {n - 1} unchanged, 0 removed;" in (one.remote or ""), one.remote
        assert "nothing sent" in (build([corpus], out, remote=endpoint, **options).remote or "")

        with pytest.raises(OutputError, match="--store-query"):  # a wrong query endpoint is said, not ignored
            build([corpus], out, remote=endpoint, remote_query=f"{server.url}/nowhere", **options)
        assert "nothing sent" in (build([corpus], out, remote=endpoint, **options).remote or ""), "record kept"


@pytest.mark.slow
def test_a_store_written_by_sparql_update_is_the_local_store(corpus: Path, tmp_path: Path) -> None:
    """With `--store-protocol update` the remote store holds what the build's own store holds, the default graph
    (the union, which the canned queries read) included; after a rebuild with an edit and a removal too."""
    import urllib.request

    from pyoxigraph import RdfFormat, parse

    from kg.serve import OxigraphServer

    folder = tmp_path / "in"
    shutil.copytree(corpus, folder)
    files = sorted(folder.glob("*.txt"))
    out = tmp_path / "out"

    def remote_quads(server: OxigraphServer) -> set[object]:
        request = urllib.request.Request(f"{server.url}/store", headers={"Accept": "application/n-quads"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return set(parse(response.read(), RdfFormat.N_QUADS))

    with OxigraphServer(None, read_only=False) as server:
        options = {"processes": 1, "html": False, "kgx": False, "remote": f"{server.url}/update"}
        build([folder], out, remote_protocol="update", **options)
        assert remote_quads(server) == _store_quads(out)
        with files[0].open("a", encoding="utf-8") as fh:
            fh.write("\nAbout 1 in 40,000 people are affected.\n")
        files[1].unlink()
        build([folder], out, remote_protocol="update", **options)
        assert remote_quads(server) == _store_quads(out)
