"""The embedded store: per-document replacement, the union default graph, atomic builds, finding a graph."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from kg import vocab
from kg.errors import InputError, OutputError
from kg.outputs.store import (
    load_rdf_file,
    load_store,
    open_graph,
    open_store,
    replace_documents,
    store_path,
    write_store,
    write_store_from_files,
)

MINI = Path(__file__).parent / "fixtures" / "sparql" / "mini.trig"
RISK_FACTOR = NamedNode(str(vocab.SCHEMA.riskFactor))
PREF_LABEL = NamedNode(str(vocab.SKOS.prefLabel))


def doc_quads(doc_id: str, risks: list[str]) -> tuple[NamedNode, list[Quad]]:
    """A tiny document graph: a condition with risk factors, each risk factor carrying its (shared) label."""
    graph = NamedNode(str(vocab.DOC[doc_id]))
    cond = NamedNode(str(vocab.COND[doc_id]))
    quads = [Quad(cond, PREF_LABEL, Literal(doc_id, language="en"), graph)]
    for risk in risks:
        node = NamedNode(str(vocab.RISK[risk]))
        quads += [Quad(cond, RISK_FACTOR, node, graph), Quad(node, PREF_LABEL, Literal(risk, language="en"), graph)]
    return graph, quads


def triples_in(store: Store, graph: NamedNode | DefaultGraph) -> set[str]:
    return {str(q.triple) for q in store.quads_for_pattern(None, None, None, graph)}


def assert_default_is_union(store: Store) -> None:
    """The invariant `replace_documents` keeps: default graph == set union of the named graphs."""
    union: set[str] = set()
    for graph in store.named_graphs():
        union |= triples_in(store, graph)
    assert triples_in(store, DefaultGraph()) == union


def test_replace_documents_keeps_one_copy_of_shared_triples_in_the_default_graph() -> None:
    store = open_store(None)
    a = doc_quads("a", ["maternal-diabetes", "smoking"])
    b = doc_quads("b", ["maternal-diabetes"])
    replace_documents(store, dict([a, b]))
    assert_default_is_union(store)
    label = NamedNode(str(vocab.RISK["maternal-diabetes"]))
    # The label lives in both document graphs but is one triple of the union: counts over it are not doubled.
    assert len(list(store.quads_for_pattern(label, PREF_LABEL, None, DefaultGraph()))) == 1
    assert len(list(store.quads_for_pattern(label, PREF_LABEL, None, None))) == 3


def test_replacing_a_document_leaves_nothing_stale() -> None:
    store = open_store(None)
    replace_documents(
        store, dict([doc_quads("a", ["maternal-diabetes", "smoking"]), doc_quads("b", ["maternal-diabetes"])])
    )
    replace_documents(store, dict([doc_quads("a", ["valproate"])]))  # a no longer names either risk factor
    assert_default_is_union(store)
    default = triples_in(store, DefaultGraph())
    assert not any("smoking" in t for t in default), "a's old risk factor must be gone"
    assert any("maternal-diabetes" in t and "prefLabel" in t for t in default), "b still names it"
    assert triples_in(store, NamedNode(str(vocab.DOC["a"]))) == {
        str(q.triple) for q in doc_quads("a", ["valproate"])[1]
    }
    replace_documents(store, {NamedNode(str(vocab.DOC["b"])): []})  # an empty list removes the document
    assert_default_is_union(store)
    assert not any("maternal-diabetes" in t for t in triples_in(store, DefaultGraph()))
    assert NamedNode(str(vocab.DOC["b"])) not in set(store.named_graphs())


def test_bulk_loading_an_empty_store_and_replacing_one_by_one_agree() -> None:
    docs = dict([doc_quads("a", ["maternal-diabetes", "smoking"]), doc_quads("b", ["maternal-diabetes"])])
    bulk = open_store(None)
    replace_documents(bulk, docs)  # empty store: one bulk load
    stepwise = open_store(None)
    for graph, quads in docs.items():
        replace_documents(stepwise, {graph: quads})  # the second call takes the per-document path
    everything = lambda s: {str(q) for q in s.quads_for_pattern(None, None, None, None)}  # noqa: E731
    assert everything(bulk) == everything(stepwise)
    assert_default_is_union(stepwise)


def test_replace_documents_refuses_a_quad_of_another_graph() -> None:
    _, quads = doc_quads("a", ["smoking"])
    with pytest.raises(ValueError, match="not in the graph"):
        replace_documents(open_store(None), {NamedNode(str(vocab.DOC["other"])): quads})


def test_write_store_swaps_generations_atomically(tmp_path: Path) -> None:
    build = tmp_path / "build"
    first = write_store(build, dict([doc_quads("a", ["smoking"]), doc_quads("b", ["valproate"])]))
    assert (build / "store").is_symlink() and store_path(build) == first
    reader = load_store(build)  # a reader opened before the next build keeps its view
    second = write_store(build, dict([doc_quads("a", ["alcohol"])]))  # full build: b is gone
    assert store_path(build) == second != first
    assert not os.path.isabs(os.readlink(build / "store")), "a relative link survives moving the build folder"
    assert any("smoking" in t for t in triples_in(reader, DefaultGraph()))
    del reader
    gc.collect()
    fresh = load_store(build)
    assert {g.value for g in fresh.named_graphs()} == {str(vocab.DOC["a"])}
    assert not any("smoking" in t or "valproate" in t for t in triples_in(fresh, DefaultGraph()))
    del fresh
    gc.collect()
    third = write_store(build, dict([doc_quads("b", ["valproate"])]), incremental=True)
    generations = sorted(p.name for p in build.iterdir() if p.name.startswith(".store-"))
    assert generations == [second.name, third.name], "the previous generation is kept, older ones removed"
    merged = load_store(build)
    assert {g.value for g in merged.named_graphs()} == {str(vocab.DOC["a"]), str(vocab.DOC["b"])}
    assert_default_is_union(merged)


def test_a_failed_build_leaves_the_previous_store_in_place(tmp_path: Path) -> None:
    build = tmp_path / "build"
    first = write_store(build, dict([doc_quads("a", ["smoking"])]))
    _, quads = doc_quads("b", ["valproate"])
    with pytest.raises(ValueError):
        write_store(build, {NamedNode(str(vocab.DOC["elsewhere"])): quads})
    assert store_path(build) == first
    assert sorted(p.name for p in build.iterdir()) == [first.name, "store"], "no half-written folder is left"
    assert any("smoking" in t for t in triples_in(load_store(build), DefaultGraph()))


def test_a_plain_store_folder_is_adopted_as_a_generation(tmp_path: Path) -> None:
    build = tmp_path / "build"
    plain = open_store(build / "store")
    replace_documents(plain, dict([doc_quads("a", ["smoking"])]))
    del plain
    gc.collect()
    write_store(build, dict([doc_quads("b", ["valproate"])]), incremental=True)
    graphs = {g.value for g in load_store(build).named_graphs()}
    assert graphs == {str(vocab.DOC["a"]), str(vocab.DOC["b"])}


def test_load_store_is_read_only(tmp_path: Path) -> None:
    write_store(tmp_path, dict([doc_quads("a", ["smoking"])]))
    store = load_store(tmp_path)
    with pytest.raises((OSError, RuntimeError), match="read-write"):
        store.add(Quad(NamedNode("urn:x:s"), NamedNode("urn:x:p"), NamedNode("urn:x:o")))


def test_load_rdf_file_keeps_named_graphs_and_merges_them_into_the_default_graph() -> None:
    store = load_rdf_file(MINI)
    assert len(list(store.named_graphs())) == 5
    assert_default_is_union(store)


def test_unreadable_graphs_name_the_file_and_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.ttl: cannot read it as Turtle.*line 1"):
        load_rdf_file(bad)
    with pytest.raises(InputError, match="unknown RDF file type"):
        load_rdf_file(tmp_path / "graph.csv")
    with pytest.raises(InputError, match="run `kg build` first"):
        open_graph(tmp_path)
    with pytest.raises(InputError, match="no such file or folder"):
        open_graph(tmp_path / "missing")


def test_open_store_reports_a_locked_database(tmp_path: Path) -> None:
    holder = open_store(tmp_path / "db")
    with pytest.raises(OutputError, match="cannot open the store"):
        open_store(tmp_path / "db")
    del holder


def test_an_incremental_build_keeps_writes_the_previous_store_had_not_flushed(tmp_path: Path) -> None:
    build = tmp_path / "build"
    first = write_store(build, dict([doc_quads("a", ["smoking"])]))
    writer = Store(str(first))  # what `kg serve --writable` does: writes that may sit in the WAL only
    writer.extend(doc_quads("w", ["alcohol"])[1])
    del writer
    gc.collect()
    write_store(build, dict([doc_quads("b", ["valproate"])]), incremental=True)
    graphs = {g.value for g in load_store(build).named_graphs()}
    assert graphs == {str(vocab.DOC["a"]), str(vocab.DOC["b"]), str(vocab.DOC["w"])}


def test_write_store_from_files_bulk_loads_a_full_build(tmp_path: Path) -> None:
    from pyoxigraph import RdfFormat, serialize

    store = load_rdf_file(MINI)
    named = [q for q in store.quads_for_pattern(None, None, None, None) if isinstance(q.graph_name, NamedNode)]
    union = [q.triple for q in store.quads_for_pattern(None, None, None, DefaultGraph())]
    (tmp_path / "quads.nq").write_bytes(serialize(named, format=RdfFormat.N_QUADS) or b"")
    (tmp_path / "union.nt").write_bytes(serialize(union, format=RdfFormat.N_TRIPLES) or b"")
    build = tmp_path / "build"
    write_store(build, dict([doc_quads("stale", ["smoking"])]))
    write_store_from_files(build, tmp_path / "quads.nq", tmp_path / "union.nt")
    loaded = load_store(build)
    assert {str(q) for q in loaded.quads_for_pattern(None, None, None, None)} == {
        str(q) for q in store.quads_for_pattern(None, None, None, None)
    }, "exactly the files' content: the previous build's documents are gone"
    with pytest.raises(OutputError, match="the previous one is untouched"):
        write_store_from_files(build, tmp_path / "missing.nq", tmp_path / "union.nt")
    assert load_store(build).contains_named_graph(NamedNode(str(vocab.DOC["rett-syndrome"])))


def test_the_record_of_documents_round_trips_and_refuses_damage(tmp_path: Path) -> None:
    from kg.outputs.store import DOCUMENTS_FILE, forget_documents, read_documents, write_documents

    docs = [
        (b"<https://w3id.org/rare-kg/doc/b>", bytes(range(32))),
        (b"<https://w3id.org/rare-kg/doc/a>", b"\x01" * 32),
    ]
    write_documents(tmp_path, 1234, docs)
    assert read_documents(tmp_path) == (1234, dict(docs))
    assert (tmp_path / DOCUMENTS_FILE).read_bytes().splitlines()[1].startswith(b"<https://w3id.org/rare-kg/doc/a>")
    text = (tmp_path / DOCUMENTS_FILE).read_bytes()
    for damaged in (text[:-10], b"something else\n", text.replace(b"quads=1234", b"quads=x")):
        (tmp_path / DOCUMENTS_FILE).write_bytes(damaged)
        assert read_documents(tmp_path) is None, damaged
    forget_documents(tmp_path)
    forget_documents(tmp_path)  # already gone: nothing to do
    assert read_documents(tmp_path) is None
