"""The OWL ontology in ontologies/: agrees with kg/vocab.py, documents every term, aligns to the standard
vocabularies, and HermiT (through owlready2) finds it consistent together with a built graph."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse, serialize
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from test_graph import seed_record

from kg.graph import record_quads
from kg.vocab import RKG, SCHEMA

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontologies" / "rare-kg.ttl"
PROV = Namespace("http://www.w3.org/ns/prov#")
BIOLINK = Namespace("https://w3id.org/biolink/vocab/")
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def _declared(onto: Graph) -> set[str]:
    ns = str(RKG._NS)
    return {str(s)[len(ns) :] for kind in KINDS for s in onto.subjects(RDF.type, kind) if str(s).startswith(ns)}


def test_every_vocab_term_is_declared_in_the_ontology_and_vice_versa(onto: Graph) -> None:
    in_vocab = set(RKG.__annotations__)
    declared = _declared(onto)
    assert in_vocab - declared == set(), "declare these in ontologies/rare-kg.ttl"
    assert declared - in_vocab == set(), "add these to RKG in kg/vocab.py"
    used = {str(t)[len(str(RKG._NS)) :] for triple in onto for t in triple if str(t).startswith(str(RKG._NS))}
    assert used <= declared, "terms used in the ontology but never declared"


def test_every_term_has_a_label_and_every_property_a_domain_and_range(onto: Graph) -> None:
    ns = str(RKG._NS)
    for term in _declared(onto):
        iri = URIRef(ns + term)
        assert onto.value(iri, RDFS.label) is not None, term
        assert onto.value(iri, SKOS.definition) or onto.value(iri, RDFS.comment), term
        if (iri, RDF.type, OWL.ObjectProperty) in onto or (iri, RDF.type, OWL.DatatypeProperty) in onto:
            assert onto.value(iri, RDFS.domain) is not None, term
            assert onto.value(iri, RDFS.range) is not None, term


def test_aligned_to_schema_org_prov_and_biolink(onto: Graph) -> None:
    sub = RDFS.subClassOf
    assert (URIRef(RKG.RareCondition), sub, URIRef(SCHEMA.MedicalCondition)) in onto
    assert (URIRef(RKG.RareCondition), sub, BIOLINK.Disease) in onto
    assert (URIRef(RKG.RiskFactor), sub, URIRef(SCHEMA.MedicalRiskFactor)) in onto
    assert (URIRef(RKG.SourceDocument), sub, PROV.Entity) in onto
    assert (URIRef(RKG.Evidence), sub, PROV.Entity) in onto
    assert (URIRef(RKG.treatmentArea), RDFS.subPropertyOf, URIRef(SCHEMA.possibleTreatment)) in onto
    assert (URIRef(RKG.prevalence), RDFS.subPropertyOf, URIRef(SCHEMA.epidemiology)) in onto
    for category in ("Genetic", "Maternal", "Environmental", "Vascular", "Other"):
        assert (URIRef(RKG[f"{category}RiskFactor"]), sub, URIRef(RKG.RiskFactor)) in onto


def test_no_blank_nodes_so_the_file_is_stable(onto: Graph) -> None:
    assert not [t for t in onto if any(isinstance(x, BNode) for x in t)]


# ----------------------------------------------------------------------------------------------- reasoning


def _owlready_world(tmp: Path, extra_ntriples: bytes = b""):  # type: ignore[no-untyped-def]
    """A fresh owlready2 World holding the ontology and a small built graph (two documents)."""
    import owlready2

    onto_nt = tmp / "ontology.nt"
    onto_nt.write_bytes(serialize(parse(path=str(ONTOLOGY), format=RdfFormat.TURTLE), format=RdfFormat.N_TRIPLES))
    quads = record_quads(seed_record("doc-a")) + record_quads(seed_record("doc-b"))
    graph_nt = tmp / "graph.nt"
    graph_nt.write_bytes(serialize([q.triple for q in quads], format=RdfFormat.N_TRIPLES) + extra_ntriples)
    world = owlready2.World()
    world.get_ontology(onto_nt.as_uri()).load(format="ntriples")
    data = world.get_ontology(graph_nt.as_uri()).load(format="ntriples")
    return world, data


def _hermit(world, data, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    import owlready2

    owlready2.JAVA_EXE = shutil.which("java") or "java"
    old = tempfile.tempdir
    tempfile.tempdir = str(tmp)  # owlready2 leaves its temporary N-Triples files behind; keep them in tmp
    try:
        with data:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    finally:
        tempfile.tempdir = old


needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime (HermiT needs java on PATH)")


@needs_java
def test_hermit_finds_the_ontology_and_a_built_graph_consistent(tmp_path: Path) -> None:
    world, data = _owlready_world(tmp_path)
    _hermit(world, data, tmp_path)  # raises OwlReadyInconsistentOntologyError if not
    assert list(world.inconsistent_classes()) == []
    node = world["https://w3id.org/rare-kg/risk-factor/maternal-diabetes"]
    assert world["https://w3id.org/rare-kg/ontology#MaternalRiskFactor"] in node.is_a


@needs_java
def test_hermit_really_reasons_it_rejects_a_node_in_two_disjoint_categories(tmp_path: Path) -> None:
    import owlready2

    clash = (
        b"<https://w3id.org/rare-kg/risk-factor/maternal-diabetes> "
        b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<https://w3id.org/rare-kg/ontology#GeneticRiskFactor> .\n"
    )
    world, data = _owlready_world(tmp_path, clash)
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _hermit(world, data, tmp_path)
