"""KGX TSV export: the columns KGX readers expect, Biolink categories and predicates, stable bytes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Store, serialize

from kg.errors import OutputError
from kg.outputs.kgx import (
    BIOLINK_CATEGORY,
    EDGE_COLUMNS,
    NODE_COLUMNS,
    clean,
    curie,
    write_kgx,
    write_kgx_ntriples,
)
from kg.outputs.store import load_rdf_file

MINI = Path(__file__).resolve().parent / "fixtures" / "sparql" / "mini.trig"
REQUIRED_EDGE = ("subject", "predicate", "object", "knowledge_level", "agent_type", "primary_knowledge_source")


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def mini() -> Store:
    return load_rdf_file(MINI)


@pytest.fixture(scope="module")
def kgx(mini: Store, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    out = tmp_path_factory.mktemp("kgx")
    files = write_kgx(mini, out)
    assert files.nodes.name == "rare-kg_nodes.tsv" and files.edges.name == "rare-kg_edges.tsv"
    return read_tsv(files.nodes), read_tsv(files.edges)


def test_files_have_the_kgx_columns_and_every_row_is_complete(kgx: tuple, tmp_path: Path, mini: Store) -> None:
    write_kgx(mini, tmp_path)
    for name, columns in (("rare-kg_nodes.tsv", NODE_COLUMNS), ("rare-kg_edges.tsv", EDGE_COLUMNS)):
        lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        assert lines[0].split("\t") == list(columns)
        assert all(line.count("\t") == len(columns) - 1 for line in lines), "no cell carries a tab"
    nodes, edges = kgx
    assert all(n["id"] and n["category"] for n in nodes)
    assert all(all(e[c] for c in REQUIRED_EDGE) for e in edges)


def test_nodes_map_to_biolink_categories(kgx: tuple) -> None:
    nodes = {n["id"]: n for n in kgx[0]}
    assert len(nodes) == 5 + 12 + 8, "conditions, risk factors, treatment areas; nothing else"
    caudal = nodes["cond:caudal-regression-syndrome"]
    assert caudal["category"] == "biolink:Disease"
    assert caudal["name"] == "Caudal regression syndrome"
    assert caudal["synonym"] == "caudal dysplasia sequence|sacral agenesis"
    assert caudal["xref"] == "ORPHA:3027"
    assert caudal["iri"] == "https://w3id.org/rare-kg/condition/caudal-regression-syndrome"
    assert caudal["prevalence"] == "1 to 2.5 in 100,000 live births"
    assert caudal["orphanet_prevalence_class"] == "1-9 / 100 000"
    maternal = nodes["risk:maternal-diabetes"]
    assert maternal["category"] == "biolink:ExposureEvent|biolink:DiseaseOrPhenotypicFeatureExposure"
    assert maternal["rkg_type"] == "rkg:MaternalRiskFactor|rkg:RiskFactor"
    assert nodes["risk:mecp2-variant"]["category"].endswith("|biolink:GenomicBackgroundExposure")
    assert nodes["treat:cardiology"]["category"] == "biolink:Treatment"
    assert nodes["treat:cardiology"]["rkg_type"] == "rkg:Specialty|rkg:TreatmentArea"
    categories = {c for n in nodes.values() for c in n["category"].split("|")}
    assert categories <= set(BIOLINK_CATEGORY.values())


def test_edges_use_canonical_biolink_predicates_and_carry_their_evidence(kgx: tuple) -> None:
    edges = kgx[1]
    assert len(edges) == 14 + 15, "one edge per distinct (condition, risk factor) and (condition, treatment area)"
    [edge] = [e for e in edges if e["subject"] == "risk:maternal-diabetes"]
    assert edge["predicate"] == "biolink:predisposes_to_condition"
    assert edge["object"] == "cond:caudal-regression-syndrome"
    assert edge["original_predicate"] == "schema:riskFactor"
    assert edge["knowledge_level"] == "knowledge_assertion" and edge["agent_type"] == "text_mining_agent"
    assert edge["primary_knowledge_source"] == "infores:rare-kg"
    assert edge["publications"] == "doc:caudal-regression-syndrome"
    assert edge["supporting_text"] == "Caudal regression syndrome: maternal diabetes raises the risk."
    assert edge["id"].startswith("urn:uuid:")
    treats = [e for e in edges if e["subject"] == "treat:physical-therapy"]
    assert {e["predicate"] for e in treats} == {"biolink:treats_or_applied_or_studied_to_treat"}
    assert len(treats) == 4
    assert len({e["id"] for e in edges}) == len(edges)


def test_same_graph_same_bytes_from_a_store_or_quads(mini: Store, tmp_path: Path) -> None:
    write_kgx(mini, tmp_path / "a")
    write_kgx(mini, tmp_path / "b")
    write_kgx(list(mini.quads_for_pattern(None, None, None, None)), tmp_path / "c")
    for name in ("rare-kg_nodes.tsv", "rare-kg_edges.tsv"):
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes() == (tmp_path / "c" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["rare-kg_edges.tsv", "rare-kg_nodes.tsv"]


def test_rows_grouped_on_disk_give_the_same_files(mini: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph too big to group in memory (here: runs of three rows, merged three at a time) is grouped by
    sorting its rows on disk; the files are byte for byte those grouped in one run, and no run file stays."""
    import kg.outputs.external_sort as external_sort

    write_kgx(mini, tmp_path / "memory")
    monkeypatch.setattr(external_sort, "RUN_ROWS", 3)
    monkeypatch.setattr(external_sort, "MAX_OPEN_RUNS", 3)
    spilled: list[Path] = []
    real_write_run = external_sort._write_run

    def counting(path: Path, rows, **kw):  # type: ignore[no-untyped-def]
        spilled.append(path)
        return real_write_run(path, rows, **kw)

    monkeypatch.setattr(external_sort, "_write_run", counting)
    write_kgx(mini, tmp_path / "disk")
    assert len(spilled) > 6  # both files went through runs, and through a merge of runs
    for name in ("rare-kg_nodes.tsv", "rare-kg_edges.tsv"):
        assert (tmp_path / "disk" / name).read_bytes() == (tmp_path / "memory" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "disk").iterdir()) == ["rare-kg_edges.tsv", "rare-kg_nodes.tsv"]


def test_text_cannot_break_the_tsv(tmp_path: Path) -> None:
    rkg = "https://w3id.org/rare-kg/ontology#"
    cond = NamedNode("https://w3id.org/rare-kg/condition/x")
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    alt = NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
    quads = [
        Quad(cond, rdf_type, NamedNode(rkg + "RareCondition")),
        Quad(cond, label, Literal("tab\there | pipe\nnew line", language="en")),
        Quad(cond, alt, Literal('"quoted"', language="en")),
    ]
    files = write_kgx(quads, tmp_path)
    [row] = read_tsv(files.nodes)
    assert row["name"] == "tab here pipe new line"
    assert row["synonym"] == '"quoted"'


def test_an_edge_gets_the_evidence_of_its_own_statement_only(tmp_path: Path) -> None:
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    rkg = "https://w3id.org/rare-kg/ontology#"
    risk_factor = NamedNode("http://schema.org/riskFactor")
    cond, other = NamedNode("https://w3id.org/rare-kg/condition/x"), NamedNode("https://w3id.org/rare-kg/condition/y")
    gene, unstated = (
        NamedNode("https://w3id.org/rare-kg/risk-factor/gene-a"),
        NamedNode("https://w3id.org/rare-kg/risk-factor/b"),
    )
    doc = NamedNode("https://w3id.org/rare-kg/document/x")

    def evidence(name: str, subject: NamedNode, obj: NamedNode, sentence: str) -> list[Quad]:
        node = NamedNode(f"https://w3id.org/rare-kg/evidence/{name}")
        return [
            Quad(node, NamedNode(rdf + "subject"), subject),
            Quad(node, NamedNode(rdf + "predicate"), risk_factor),
            Quad(node, NamedNode(rdf + "object"), obj),
            Quad(node, NamedNode(rkg + "sentence"), Literal(sentence)),
            Quad(node, NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"), doc),
        ]

    quads = [
        Quad(cond, risk_factor, gene),
        Quad(other, risk_factor, gene),  # stated, with no evidence: still an edge, with empty evidence cells
        *evidence("e1", cond, gene, "X is caused by changes in gene A."),
        *evidence("e2", cond, gene, "Gene A is involved."),
        *evidence("e3", cond, unstated, "B is not a cause."),  # evidence of a statement the graph does not make
    ]
    files = write_kgx(quads, tmp_path)
    edges = {(row["subject"], row["object"]): row for row in read_tsv(files.edges)}
    assert set(edges) == {("risk:gene-a", "cond:x"), ("risk:gene-a", "cond:y")}
    assert (
        edges[("risk:gene-a", "cond:x")]["supporting_text"] == "Gene A is involved.|X is caused by changes in gene A."
    )
    assert edges[("risk:gene-a", "cond:x")]["publications"] == "doc:x"
    assert edges[("risk:gene-a", "cond:y")]["supporting_text"] == edges[("risk:gene-a", "cond:y")]["publications"] == ""


def test_helpers() -> None:
    assert curie("https://w3id.org/rare-kg/condition/x") == "cond:x"
    assert curie("urn:other:x") == "urn:other:x"
    assert curie("https://w3id.org/rare-kg/ontology#RiskFactor") == "rkg:RiskFactor"  # the longest namespace wins
    assert clean(" a\t|b \n c ") == "a b c"


def test_rows_are_streamed_and_a_failure_midway_leaves_the_previous_files(
    mini: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows go to disk as they are made (no list of every row), so a failure while making them must not leave a
    half-written file or a temporary one: the previous export stays as it was."""
    import kg.outputs.kgx as kgx_module

    files = write_kgx(mini, tmp_path)
    before = files.edges.read_bytes()
    real_edges = kgx_module._edges

    def failing(store: Store, spill_dir: Path):  # type: ignore[no-untyped-def]
        rows = real_edges(store, spill_dir)
        yield next(rows)
        raise RuntimeError("the store went away")

    monkeypatch.setattr(kgx_module, "_edges", failing)
    with pytest.raises(RuntimeError, match="went away"):
        write_kgx(mini, tmp_path)
    assert files.edges.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rare-kg_edges.tsv", "rare-kg_nodes.tsv"]


def sorted_ntriples(quads: list[Quad], path: Path) -> Path:
    """The flat graph of `quads` as a build writes graph.nt: unique N-Triples lines, sorted as bytes."""
    data = serialize([Quad(q.subject, q.predicate, q.object) for q in quads], format=RdfFormat.N_TRIPLES) or b""
    path.write_bytes(b"".join(sorted(set(data.splitlines(keepends=True)))))
    return path


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RKG = "https://w3id.org/rare-kg/ontology#"
BASE = "https://w3id.org/rare-kg/"


def odd_graph() -> list[Quad]:
    """Corners the queries of the store's export handle in their own way, for the file export to match: figures
    with and without a stated text or a class, a figure two conditions share, evidence without a sentence or with
    two documents, types that are blank nodes or literals, non-literal labels."""
    n = NamedNode
    t, stated, cls, prev = n(RDF + "type"), n(RKG + "statedAs"), n(RKG + "orphanetClass"), n(RKG + "prevalence")
    pref, alt = n("http://www.w3.org/2004/02/skos/core#prefLabel"), n("http://www.w3.org/2004/02/skos/core#altLabel")
    ident = n("http://purl.org/dc/terms/identifier")
    treat, risk = n(RKG + "treatmentArea"), n("http://schema.org/riskFactor")
    a, b, c = n(BASE + "condition/a"), n(BASE + "condition/b"), n(BASE + "condition/a-b")
    f1, f2, f3 = n(BASE + "prevalence/a-1"), n(BASE + "prevalence/a-2"), n(BASE + "prevalence/shared")
    area, gene = n(BASE + "treatment-area/physio"), n(BASE + "risk-factor/gene")
    d1, d2 = n(BASE + "document/a"), n(BASE + "document/b")
    quads = [
        Quad(a, t, n(RKG + "RareCondition")),
        Quad(a, t, n("http://schema.org/MedicalCondition")),
        Quad(a, t, BlankNode("x")),
        Quad(a, t, Literal(RKG + "LiteralType")),
        Quad(a, pref, Literal("A syndrome", language="en")),
        Quad(a, pref, n(BASE + "not-a-name")),
        Quad(a, alt, Literal("AS")),
        Quad(a, alt, Literal("A disease")),
        Quad(a, ident, Literal("ORPHA:1")),
        Quad(a, prev, f1),
        Quad(a, prev, f2),
        Quad(a, prev, f3),
        Quad(a, prev, Literal("not a figure")),
        Quad(f1, stated, Literal("1 in 10,000")),
        Quad(f1, cls, Literal("1-5 / 10 000")),
        Quad(f2, cls, Literal("class without a stated text")),
        Quad(f3, stated, n(BASE + "an-iri-as-text")),
        Quad(f3, cls, Literal("1-9 / 100 000")),
        Quad(b, t, n(RKG + "RareCondition")),
        Quad(b, prev, f3),
        Quad(c, t, n(RKG + "RareCondition")),  # "a-b" sorts before "a" in the file ("-" < ">"), after it as text
        Quad(area, t, n(RKG + "TreatmentArea")),
        Quad(area, t, n(RKG + "Specialty")),
        Quad(area, pref, Literal("physiotherapy", language="en")),
        Quad(gene, t, n(RKG + "GeneticRiskFactor")),
        Quad(n(BASE + "not-a-node"), pref, Literal("no mapped type")),
        Quad(a, treat, area),
        Quad(c, treat, area),
        Quad(b, risk, gene),
    ]
    for name, s_, p_, o_, sentence, docs in (
        ("e1", a, treat, area, Literal("A is treated with physiotherapy."), [d1, d2]),
        ("e2", a, treat, area, None, [d1]),  # no sentence: supports nothing
        ("e3", b, risk, gene, Literal("B comes from a gene."), []),
        ("e4", b, treat, area, Literal("a statement the graph does not make"), [d2]),
        ("e5", c, treat, area, n(BASE + "sentence-iri"), [Literal("not a document")]),
    ):
        ev = n(BASE + f"evidence/{name}")
        quads += [Quad(ev, n(RDF + "subject"), s_), Quad(ev, n(RDF + "predicate"), p_), Quad(ev, n(RDF + "object"), o_)]
        quads += [Quad(ev, n("http://www.w3.org/ns/prov#wasDerivedFrom"), d) for d in docs]
        if sentence is not None:
            quads.append(Quad(ev, n(RKG + "sentence"), sentence))
    return quads


@pytest.mark.parametrize("graph", ["mini", "odd"])
def test_a_sorted_ntriples_file_gives_the_bytes_the_store_gives(
    graph: str, mini: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build writes its KGX files from graph.nt, without a store: the same bytes as from the store, also with
    the rows grouped on disk in runs of three."""
    import kg.outputs.external_sort as external_sort

    quads = list(mini.quads_for_pattern(None, None, None, None)) if graph == "mini" else odd_graph()
    write_kgx(quads, tmp_path / "store")
    nt = sorted_ntriples(quads, tmp_path / "graph.nt")
    files = write_kgx_ntriples(nt, tmp_path / "file")
    monkeypatch.setattr(external_sort, "RUN_ROWS", 3)
    monkeypatch.setattr(external_sort, "MAX_OPEN_RUNS", 3)
    write_kgx_ntriples(nt, tmp_path / "disk")
    for name in ("rare-kg_nodes.tsv", "rare-kg_edges.tsv"):
        expected = (tmp_path / "store" / name).read_bytes()
        assert (tmp_path / "file" / name).read_bytes() == expected
        assert (tmp_path / "disk" / name).read_bytes() == expected
        assert sorted(p.name for p in (tmp_path / "disk").iterdir()) == ["rare-kg_edges.tsv", "rare-kg_nodes.tsv"]
    assert files.node_count > 2 and files.edge_count > 1
    if graph == "odd":
        nodes = {row["id"]: row for row in read_tsv(files.nodes)}
        assert nodes["cond:a"]["prevalence"] == "1 in 10,000"  # f2 has no stated text, f3's is not a literal
        assert nodes["cond:a"]["orphanet_prevalence_class"] == "1-5 / 10 000|1-9 / 100 000"
        assert nodes["cond:b"]["orphanet_prevalence_class"] == "1-9 / 100 000"  # the figure both conditions share
        assert "cond:a-b" in nodes and not any("not-a-node" in key for key in nodes)


def test_an_unsorted_ntriples_file_is_refused_and_the_previous_files_stay(tmp_path: Path) -> None:
    quads = odd_graph()
    nt = sorted_ntriples(quads, tmp_path / "graph.nt")
    files = write_kgx_ntriples(nt, tmp_path)
    before = files.nodes.read_bytes()
    lines = nt.read_bytes().splitlines(keepends=True)
    nt.write_bytes(b"".join(lines[1:] + lines[:1]))  # the first subject's first line moved to the end
    with pytest.raises(OutputError, match=r"graph\.nt: the lines are not sorted"):
        write_kgx_ntriples(nt, tmp_path)
    assert files.nodes.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.nt", "rare-kg_edges.tsv", "rare-kg_nodes.tsv"]


def test_the_files_are_ordinary_files(tmp_path: Path) -> None:
    """Readable as the umask allows, like the RDF files (a temporary file starts private)."""
    import os

    old = os.umask(0o022)
    try:
        files = write_kgx(odd_graph(), tmp_path)
    finally:
        os.umask(old)
    assert files.nodes.stat().st_mode & 0o777 == files.edges.stat().st_mode & 0o777 == 0o644
