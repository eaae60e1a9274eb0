"""kg/ontology.py is the source of ontologies/rare-kg.ttl: what owlready2 builds is exactly the committed file,
generation is byte-for-byte deterministic, every RKG term is declared, and HermiT finds the built ontology
consistent without leaving owlready2's temporary files behind."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import owlready2
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg import ontology
from kg.vocab import RKG

ROOT = Path(__file__).resolve().parents[1]
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def built() -> Graph:
    """The ontology as owlready2 itself saves it (N-Triples), independent of our Turtle rendering."""
    buffer = io.BytesIO()
    ontology.build_ontology().save(file=buffer, format="ntriples")
    graph = Graph().parse(data=buffer.getvalue(), format="nt")
    # owlready2 types plain strings as xsd:string; in RDF 1.1 that is the same literal, but rdflib compares them
    # as different terms, so write them the way Turtle (and the committed file) does
    string = URIRef(ontology.XSD_STRING)
    for s, p, o in list(graph):
        if isinstance(o, Literal) and o.datatype == string:
            graph.remove((s, p, o))
            graph.add((s, p, Literal(str(o))))
    return graph


def test_built_ontology_is_isomorphic_to_the_committed_turtle(built: Graph) -> None:
    committed = Graph().parse(ontology.ONTOLOGY_FILE, format="turtle")
    if not isomorphic(built, committed):
        _, only_built, only_file = graph_diff(to_isomorphic(built), to_isomorphic(committed))
        pytest.fail(
            "ontologies/rare-kg.ttl is stale; run `python -m kg.ontology`.\n"
            f"only in kg/ontology.py: {sorted(only_built)[:5]}\nonly in the file: {sorted(only_file)[:5]}"
        )


def test_committed_file_is_byte_identical_to_the_generated_one() -> None:
    assert ontology.ONTOLOGY_FILE.read_bytes() == ontology.render_turtle()


def test_generation_is_deterministic_in_one_process_and_across_hash_seeds() -> None:
    first, second = ontology.render_turtle(), ontology.render_turtle()
    assert first == second
    script = "import sys; from kg.ontology import render_turtle; sys.stdout.buffer.write(render_turtle())"
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, check=True)
        assert out.stdout == first, f"PYTHONHASHSEED={seed} gave other bytes"


def test_every_rkg_term_in_vocab_is_declared_with_a_label_and_nothing_else_is(built: Graph) -> None:
    ns = str(RKG._NS)
    declared = {str(s)[len(ns) :] for kind in KINDS for s in built.subjects(RDF.type, kind) if str(s).startswith(ns)}
    assert set(RKG.__annotations__) - declared == set(), "declare these in kg/ontology.py"
    assert declared - set(RKG.__annotations__) == set(), "add these to RKG in kg/vocab.py"
    for name in RKG.__annotations__:
        iri = URIRef(ns + name)
        assert built.value(iri, RDFS.label) is not None, name
        assert built.value(iri, SKOS.definition) or built.value(iri, RDFS.comment), name


def test_bounds_are_xsd_double_not_owlready2s_decimal_and_the_switch_is_undone(built: Graph) -> None:
    for name in ("lowerBound", "upperBound"):
        assert built.value(URIRef(RKG[name]), RDFS.range) == URIRef(ontology.XSD_DOUBLE), name
    # build_ontology switches owlready2's float datatype only while it sets these ranges
    world = owlready2.World()
    onto = world.get_ontology("http://example.org/probe#")
    with onto:
        prop: Any = type("probe", (owlready2.DataProperty,), {})
        prop.range = [float]
    buffer = io.BytesIO()
    onto.save(file=buffer, format="ntriples")
    assert b"<http://www.w3.org/2001/XMLSchema#decimal>" in buffer.getvalue()


def test_no_blank_nodes_and_a_blank_node_axiom_is_refused() -> None:
    onto = ontology.build_ontology()
    triples = ontology.ontology_triples(onto)
    assert triples and all(type(x).__name__ != "BlankNode" for t in triples for x in t)
    condition, prevalence = onto.world[RKG.RareCondition], onto.world[RKG.prevalence]
    figure = onto.world[RKG.PrevalenceFigure]
    with onto:
        condition.is_a.append(prevalence.some(figure))  # a restriction: owlready2 writes it as a blank node
    with pytest.raises(ValueError, match="blank nodes"):
        ontology.ontology_triples(onto)


def test_check_flag_detects_a_stale_file_and_a_plain_run_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rare-kg.ttl"
    out.write_bytes(ontology.ONTOLOGY_FILE.read_bytes())
    assert ontology.main(["--check", "--out", str(out)]) == 0
    out.write_bytes(out.read_bytes().replace(b'"rare condition"@en', b'"rare disease"@en'))
    assert ontology.main(["--check", "--out", str(out)]) == 1
    assert "run `python -m kg.ontology`" in capsys.readouterr().err
    assert ontology.main(["--out", str(out)]) == 0
    assert out.read_bytes() == ontology.render_turtle()
    assert ontology.main(["--check", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rare-kg.ttl"]  # the atomic write left no temp file
    missing = tmp_path / "missing.ttl"
    assert ontology.main(["--check", "--out", str(missing)]) == 1
    assert not missing.exists()


# ----------------------------------------------------------------------------------------------- reasoning

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime (HermiT needs java on PATH)")


@needs_java
def test_hermit_finds_the_built_ontology_consistent_and_leaves_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert ontology.check_consistency(ontology.build_ontology()) == []
    assert list(tmp_path.iterdir()) == []
    assert tempfile.tempdir == str(tmp_path)  # restored


@needs_java
def test_hermit_rejects_a_clash_and_still_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    onto = ontology.build_ontology()
    genetic, maternal = onto.world[RKG.GeneticRiskFactor], onto.world[RKG.MaternalRiskFactor]
    with onto:
        node = genetic("clash")
        node.is_a.append(maternal)  # one node in two disjoint categories
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        ontology.check_consistency(onto)
    assert list(tmp_path.iterdir()) == []  # owlready2 alone would have left its N-Triples input here
