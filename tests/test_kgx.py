"""KGX TSV export: the columns KGX readers expect, Biolink categories and predicates, stable bytes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from kg.outputs.kgx import BIOLINK_CATEGORY, EDGE_COLUMNS, NODE_COLUMNS, clean, curie, write_kgx
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
