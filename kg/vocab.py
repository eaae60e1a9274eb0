"""Every IRI and prefix rare-kg writes, in one place, so a typo cannot mint a new term silently.

Our own terms live in `RKG` (the ontology in `ontologies/rare-kg.ttl` declares each of them; a test checks that the
two agree). Resources we mint (conditions, risk factors, ...) live under `BASE` with one namespace per kind.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

BASE = "https://w3id.org/rare-kg/"


class RKG(DefinedNamespace):
    """The rare-kg ontology (`ontologies/rare-kg.ttl`)."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    RareCondition: str
    RiskFactor: str
    GeneticRiskFactor: str
    MaternalRiskFactor: str
    EnvironmentalRiskFactor: str
    VascularRiskFactor: str
    OtherRiskFactor: str
    TreatmentArea: str
    Specialty: str
    CareModel: str
    Intervention: str
    PrevalenceFigure: str
    PointPrevalence: str
    BirthPrevalence: str
    Incidence: str
    SourceDocument: str
    Evidence: str
    # object properties
    treatmentArea: str
    prevalence: str
    evidence: str
    # data properties
    prevalenceType: str
    lowerBound: str
    upperBound: str
    population: str
    count: str
    area: str
    statedAs: str
    orphanetClass: str
    orphanetPrevalenceClass: str
    sentence: str
    startOffset: str
    endOffset: str
    extractor: str
    sourcePath: str
    communityCount: str
    matchMethod: str
    matchedLabel: str
    mappingSource: str


SCHEMA = Namespace("http://schema.org/")
BIOLINK = Namespace("https://w3id.org/biolink/vocab/")
ORDO = Namespace("http://www.orpha.net/ORDO/")

# Minted resources: one namespace per kind keeps prefixed names short and valid in Turtle.
COND = Namespace(BASE + "condition/")
RISK = Namespace(BASE + "risk-factor/")
TREAT = Namespace(BASE + "treatment-area/")
PREV = Namespace(BASE + "prevalence/")
DOC = Namespace(BASE + "document/")
EVID = Namespace(BASE + "evidence/")

# Identifier schemes we ground conditions to, with the IRI prefix each is usually written with.
IDENTIFIER_IRIS: dict[str, str] = {
    "ORPHA": "http://www.orpha.net/ORDO/Orphanet_",
    "OMIM": "https://omim.org/entry/",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "MESH": "http://id.nlm.nih.gov/mesh/",
}

PREFIXES: dict[str, str] = {
    "rkg": str(RKG._NS),
    "cond": str(COND),
    "risk": str(RISK),
    "treat": str(TREAT),
    "prev": str(PREV),
    "doc": str(DOC),
    "evid": str(EVID),
    "schema": str(SCHEMA),
    "skos": str(SKOS),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "biolink": str(BIOLINK),
    "ordo": str(ORDO),
    "mondo": IDENTIFIER_IRIS["MONDO"],
    "omim": IDENTIFIER_IRIS["OMIM"],
    "mesh": IDENTIFIER_IRIS["MESH"],
}
