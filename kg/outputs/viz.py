"""The interactive network: one self-contained, offline HTML page (vis-network) of the graph.

Reading. The page asks the graph only for what it draws, with SPARQL on a pyoxigraph store (an rdflib graph or a
pyoxigraph Dataset is first copied into an in-memory store). `read_network` reads the structure of the whole graph:
the conditions, risk factors and treatment areas with their names, and the facts between them, as index pairs.
`read_details` then reads, for the drawn conditions only, their prevalence figures, source documents and the evidence
sentences of their facts: evidence is most of a graph, so a page of one condition, or the overview of a big graph,
reads little of it. `project` gives the same content as a networkx graph, for `kg stats`.

Choosing. `choose` keeps the entity types asked for (`--types`), the neighbourhood of one condition (`--condition`,
`--depth`), and at most `max_nodes` nodes (`MAX_NODES` by default, `--max-nodes`). Past that cap the page is an
overview: the conditions with the most links, each drawn with all of its links, and a note saying so; its search
still knows every condition and says how to draw one that is not on the page.

Layout. Positions are computed here, so a large page opens without running physics in the browser: connected
components are packed in rows; each component's core is laid out by igraph's Fruchterman-Reingold layout (the grid
version on large cores, linear per step) and the nodes with a single link are set in a ring around their neighbour.
Nodes are numbered in IRI order and every random choice is seeded, so the same graph gives the same bytes in every
process, whatever PYTHONHASHSEED.

The page loads nothing: vis-network, the script and the styles are inlined, and a Content-Security-Policy lets only
those exact scripts run and forbids every network request. Summary text never becomes HTML: it travels as JSON in
non-executed `<script type="application/json">` blocks and is put on the page as DOM text nodes. Repeated text
(evidence sentences, document paths) is stored once and referred to by number.
"""

from __future__ import annotations

import base64
import csv
import difflib
import hashlib
import io
import json
import math
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kg.errors import KgError
from kg.outputs.rdf import write_atomic
from kg.vocab import DCTERMS, IDENTIFIER_IRIS, PREFIXES, PROV, RDF, RDFS, RKG, SCHEMA, SKOS

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
VIS_JS = HERE / "assets" / "vis-network" / "vis-network.min.js"

# Above this many nodes the page opens with physics off on the precomputed layout; below it vis-network refines
# the layout for a moment and then stops. `scripts/viz_fluid.py` measures how pages of each size behave.
PHYSICS_MAX_NODES = 300
# The most nodes a page draws unless told otherwise (`max_nodes`, `kg viz --max-nodes`): about where a page stops
# being fluid in a browser (README, "The network page"). Past it the page is an overview and says so.
MAX_NODES = 5000
# ... and at most this many links per node allowed (15,000 with the default cap).
LINKS_PER_NODE = 3
# Pixels between neighbouring nodes in the precomputed layout (vis-network coordinates).
SPACING = 80.0
LAYOUT_SEED = 7
# Cores larger than this get igraph's grid Fruchterman-Reingold layout (repulsion only between nearby nodes: linear
# per step); the exact one is quadratic (2.6 s for a core of 500 nodes here, 0.1 s with the grid).
GRID_LAYOUT_FROM = 100
# How many evidence sentences the page keeps per fact (the rest are counted) and per prevalence figure.
MAX_EVIDENCE_PER_EDGE = 5
MAX_EVIDENCE_PER_PREVALENCE = 2


@dataclass(frozen=True, slots=True)
class EntityType:
    """One kind of node on the page: how it is drawn and how `--types` names it."""

    key: str
    label: str
    kind: str  # "condition", "risk-factor" or "treatment-area"
    shape: str
    color: str
    cls: str | None  # the rdf:type IRI that picks this type (None: the fallback of its kind)


# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies); the shape tells the kind apart.
ENTITY_TYPES: tuple[EntityType, ...] = (
    EntityType("condition", "Condition", "condition", "dot", "#0072B2", str(RKG.RareCondition)),
    EntityType("genetic", "Genetic risk factor", "risk-factor", "triangle", "#CC79A7", str(RKG.GeneticRiskFactor)),
    EntityType("maternal", "Maternal risk factor", "risk-factor", "triangle", "#E69F00", str(RKG.MaternalRiskFactor)),
    EntityType(
        "environmental",
        "Environmental risk factor",
        "risk-factor",
        "triangle",
        "#009E73",
        str(RKG.EnvironmentalRiskFactor),
    ),
    EntityType("vascular", "Vascular risk factor", "risk-factor", "triangle", "#D55E00", str(RKG.VascularRiskFactor)),
    EntityType("other-risk", "Other risk factor", "risk-factor", "triangle", "#8C8C8C", str(RKG.OtherRiskFactor)),
    EntityType("uncategorised-risk", "Risk factor (no category)", "risk-factor", "triangleDown", "#5F5F5F", None),
    EntityType("specialty", "Specialty", "treatment-area", "square", "#56B4E9", str(RKG.Specialty)),
    EntityType("care-model", "Care model", "treatment-area", "diamond", "#F0E442", str(RKG.CareModel)),
    EntityType("intervention", "Intervention", "treatment-area", "star", "#1B9E77", str(RKG.Intervention)),
    EntityType("uncategorised-treatment", "Treatment area (no category)", "treatment-area", "hexagon", "#3D6B8C", None),
)
TYPES_BY_KEY = {t.key: t for t in ENTITY_TYPES}
_TYPE_INDEX = {t.key: i for i, t in enumerate(ENTITY_TYPES)}
KINDS = {
    "condition": "Condition",
    "risk-factor": "Risk factor",
    "treatment-area": "Treatment area",
}
# The facts drawn as edges: predicate IRI -> (edge key, label shown on the edge). Their order numbers relations.
RELATIONS: dict[str, tuple[str, str]] = {
    str(SCHEMA.riskFactor): ("risk-factor", "risk factor"),
    str(RKG.treatmentArea): ("treatment-area", "treatment area"),
}
_RELATION_PREDICATES = list(RELATIONS)
_RELATION_TARGET_KIND = ("risk-factor", "treatment-area")  # by relation number
_KIND_CLASSES = {
    "condition": (str(RKG.RareCondition), str(SCHEMA.MedicalCondition)),
    "risk-factor": (str(RKG.RiskFactor), str(SCHEMA.MedicalRiskFactor)),
    "treatment-area": (str(RKG.TreatmentArea),),
}
_PREVALENCE_CLASSES = {
    str(RKG.PointPrevalence): "point prevalence",
    str(RKG.BirthPrevalence): "birth prevalence",
    str(RKG.Incidence): "incidence",
}


@dataclass(frozen=True, slots=True)
class VizSummary:
    """What `write_html` wrote: the page, how much it shows of how much, and whether it opens with physics."""

    path: Path
    nodes: int
    edges: int
    types: dict[str, int] = field(default_factory=dict)
    physics: bool = False
    focus: str | None = None  # the condition IRI the page is centred on (`condition=`)
    bytes: int = 0
    total_nodes: int = 0  # nodes of the chosen types (and neighbourhood) before the cap
    overview: str | None = None  # what the page says it leaves out when the cap applies


# ------------------------------------------------------------------------------------------- the network


class Evidence(NamedTuple):
    """Where a fact was read."""

    sentence: str
    source: str | None
    start: int | None
    end: int | None


class Prevalence(NamedTuple):
    """One prevalence figure of a condition, as shown on the page."""

    iri: str
    text: str
    type: str | None
    cls: str | None
    evidence: list[Evidence]


@dataclass(slots=True)
class ConditionDetails:
    """What a condition's card shows besides its names."""

    prevalence: list[Prevalence] = field(default_factory=list)
    source: str | None = None
    updated: str | None = None
    community: int | None = None


@dataclass(slots=True)
class Network:
    """The drawable structure of a graph: nodes numbered in IRI order, facts as (condition, target, relation)
    triples of numbers, sorted. Small: a few hundred bytes a node, nothing per evidence sentence."""

    iris: list[str]
    types: list[str]  # an ENTITY_TYPES key per node
    labels: list[str]
    edges: list[tuple[int, int, int]]  # relation: index into RELATIONS
    synonyms: dict[int, list[str]] = field(default_factory=dict)  # conditions only
    identifiers: dict[int, list[str]] = field(default_factory=dict)  # conditions only
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.index:
            self.index = {iri: i for i, iri in enumerate(self.iris)}

    def kind(self, node: int) -> str:
        return TYPES_BY_KEY[self.types[node]].kind

    def neighbours(self) -> list[list[int]]:
        """Distinct neighbours of each node, either direction, in ascending order."""
        adj: list[set[int]] = [set() for _ in self.iris]
        for u, v, _ in self.edges:
            adj[u].add(v)
            adj[v].add(u)
        return [sorted(a) for a in adj]


@dataclass(slots=True)
class Details:
    """The drawn conditions' cards and the evidence of their facts (keys: node numbers and `Network.edges`)."""

    conditions: dict[int, ConditionDetails] = field(default_factory=dict)
    evidence: dict[tuple[int, int, int], list[Evidence]] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------- reading RDF

_Q_PREFIXES = "".join(
    f"PREFIX {p}: <{ns}>\n" for p, ns in (("rdf", RDF), ("rdfs", RDFS), ("skos", SKOS), ("prov", PROV))
) + "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (("dcterms", DCTERMS), ("rkg", str(RKG._NS)), ("schema", SCHEMA)))


class _Reader:
    """SPARQL SELECTs on a pyoxigraph store, rows as lists of plain strings (IRIs and literal values; '' for unbound).

    The store serialises each result as CSV in compiled code, into a temporary file, and Python's csv module splits
    it: several times cheaper than a Python object per RDF term, and the rows stream. On a store on disk the cost
    is mostly turning stored terms back into text, once per term in the result, so the queries ask for as few as
    they can (numbers for classes and relations, grouped subjects). The build's store keeps every document's triples
    in the default graph too; a store with nothing in its default graph is read as the union of its named graphs.
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.union = not bool(store.query("ASK { ?s ?p ?o }"))

    def rows(self, query: str) -> Iterator[list[str]]:
        import tempfile

        import pyoxigraph as ox

        result = self.store.query(_Q_PREFIXES + query, use_default_graph_as_union=self.union)
        assert isinstance(result, ox.QuerySolutions), query
        with tempfile.TemporaryFile() as fh:
            result.serialize(fh, format=ox.QueryResultsFormat.CSV)
            fh.seek(0)
            reader = csv.reader(io.TextIOWrapper(fh, encoding="utf-8", newline=""))
            next(reader, None)  # the header
            yield from reader


def _as_store(graph: Any) -> ox.Store:
    """A pyoxigraph store holding `graph` (an rdflib Graph or Dataset, a pyoxigraph Store or Dataset)."""
    import pyoxigraph as ox

    if isinstance(graph, ox.Store):
        return graph
    store = ox.Store()
    default = ox.DefaultGraph()
    if isinstance(graph, ox.Dataset):
        store.extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in graph)
        return store
    import rdflib

    if not isinstance(graph, rdflib.Graph):
        raise TypeError(f"expected an rdflib Graph or a pyoxigraph Store/Dataset, got {type(graph).__name__}")
    rows: Iterable[Any] = (
        graph.quads((None, None, None, None))
        if isinstance(graph, rdflib.graph.ConjunctiveGraph)
        else graph.triples((None, None, None))
    )
    quads = []
    for row in rows:
        s, p, o = row[0], row[1], row[2]
        if not isinstance(s, rdflib.URIRef):
            continue  # the model has no blank nodes
        if isinstance(o, rdflib.URIRef):
            obj: Any = ox.NamedNode(str(o))
        elif isinstance(o, rdflib.Literal):
            if o.language:
                obj = ox.Literal(str(o), language=o.language)
            elif o.datatype is not None:
                obj = ox.Literal(str(o), datatype=ox.NamedNode(str(o.datatype)))
            else:
                obj = ox.Literal(str(o))
        else:
            continue
        quads.append(ox.Quad(ox.NamedNode(str(s)), ox.NamedNode(str(p)), obj, default))
    store.extend(quads)
    return store


# How an absolute IRI is spelled (a scheme, then no character an IRI cannot hold): tells IRIs from blank nodes and
# literals in CSV results.
_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|^`\\]*\Z')


def _values(var: str, iris: Iterable[str]) -> str:
    """A SPARQL VALUES block of IRIs. The IRIs come out of a store, which only holds valid ones; a character that
    could end the IRI reference is refused rather than escaped."""
    items = []
    for iri in iris:
        if not _IRI.match(iri):
            raise ValueError(f"not a valid IRI: {iri!r}")
        items.append(f"<{iri}>")
    return f"VALUES ?{var} {{ {' '.join(items)} }}"


def _best(values: Iterable[tuple[str, str]]) -> str | None:
    """The literal to show among (value, language) pairs: English or untagged first, then stable by value."""
    best = min(((lang not in ("", "en"), lang, value) for value, lang in values if value), default=None)
    return best[2] if best else None


def _kind(types: set[str]) -> str | None:
    for kind, classes in _KIND_CLASSES.items():
        if any(c in types for c in classes):
            return kind
    return None


def _entity_type(kind: str, types: set[str]) -> str:
    for t in ENTITY_TYPES:
        if t.kind == kind and t.cls is not None and t.cls in types:
            return t.key
    return next(t.key for t in ENTITY_TYPES if t.kind == kind and (t.cls is None or kind == "condition"))


def curie(iri: str) -> str:
    """The shortest prefixed name of an IRI under our prefixes (the IRI itself when none applies)."""
    best = iri
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) - len(ns) + len(prefix) + 1 < len(best):
            best = f"{prefix}:{iri[len(ns) :]}"
    return best


def _identifier_curie(iri: str) -> str:
    for scheme, ns in IDENTIFIER_IRIS.items():
        if iri.startswith(ns):
            return f"{scheme}:{iri[len(ns) :]}"
    return iri


def _natural(iri: str) -> tuple[str, int]:
    """prev:x-2 before prev:x-10."""
    m = re.search(r"(\d+)$", iri)
    return (iri[: m.start()], int(m.group(1))) if m else (iri, -1)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def read_network(graph: Any) -> Network:
    """The structure of a graph following docs/model.md: every condition, risk factor and treatment area with its
    label (and a condition's synonyms and identifiers), and the facts linking them. A fact's object with no type
    triple still gets a node, of its relation's kind."""
    if isinstance(graph, Network):
        return graph
    return _read_network(_Reader(_as_store(graph)))


# Classes that decide a node's kind and type, numbered in the queries so no class IRI is read back per node.
_CLASSES = sorted({c for cs in _KIND_CLASSES.values() for c in cs} | {t.cls for t in ENTITY_TYPES if t.cls})
# The relations (and prevalence figures) whose evidence the page shows, by number.
_EVIDENCE_PREDICATES = [*_RELATION_PREDICATES, str(RKG.prevalence)]


def _numbered(var: str, iris: Sequence[str]) -> str:
    """A SPARQL expression giving the position of ?var among `iris` (-1 when it is none of them)."""
    expr = "-1"
    for i in reversed(range(len(iris))):
        expr = f"IF(?{var} = <{iris[i]}>, {i}, {expr})"
    return expr


def _read_network(reader: _Reader) -> Network:
    # No FILTER(isIRI(...)) in these queries: on a store on disk it doubles their cost. Blank nodes (`_:b0` in
    # CSV) and literals where an IRI belongs are told apart here instead, by their spelling.
    types: dict[str, set[str]] = {}
    codes = " ".join(f"(<{c}> {i})" for i, c in enumerate(_CLASSES))
    for s, ks in reader.rows(
        f"SELECT ?s (GROUP_CONCAT(STR(?k)) AS ?ks) WHERE {{ VALUES (?t ?k) {{ {codes} }} ?s rdf:type ?t }} GROUP BY ?s"
    ):
        if _IRI.match(s):
            types[s] = {_CLASSES[int(k)] for k in ks.split()}
    kinds = {s: k for s, ts in types.items() if (k := _kind(ts)) is not None}
    facts: list[tuple[str, int, list[str]]] = []
    checked: dict[str, bool] = {}  # objects repeat (a common risk factor thousands of times): check each once
    for rel, pred in enumerate(_RELATION_PREDICATES):
        for s, objects in reader.rows(
            f'SELECT ?s (GROUP_CONCAT(STR(?o); SEPARATOR="\\u0001") AS ?os) WHERE {{ ?s <{pred}> ?o }} GROUP BY ?s'
        ):
            if kinds.get(s) == "condition":
                targets = objects.split("\x01")
                for o in targets:
                    if o not in checked:
                        checked[o] = _IRI.match(o) is not None
                facts.append((s, rel, [o for o in targets if checked[o]]))
    facts.sort(key=lambda f: (f[0], f[1]))
    for _, rel, targets in facts:  # a fact's object with no type triple is of its relation's kind
        for o in sorted(targets):
            kinds.setdefault(o, _RELATION_TARGET_KIND[rel])

    iris = sorted(kinds)
    index = {iri: i for i, iri in enumerate(iris)}
    names: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for s, value, lang in reader.rows("SELECT ?s ?l (LANG(?l) AS ?g) WHERE { ?s skos:prefLabel ?l }"):
        if s in index:
            names[s].append((value, lang))
    unnamed = [iri for iri in iris if _best(names.get(iri, ())) is None]
    fallback: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if unnamed:
        for s, value, lang in reader.rows(
            f"SELECT ?s ?l (LANG(?l) AS ?g) WHERE {{ {_values('s', unnamed)} ?s rdfs:label ?l }}"
        ):
            fallback[s].append((value, lang))
    labels = [_best(names.get(iri, ())) or _best(fallback.get(iri, ())) or curie(iri) for iri in iris]
    conditions = {index[s] for s, k in kinds.items() if k == "condition"}

    def per_condition(query: str) -> dict[int, set[str]]:
        out: dict[int, set[str]] = defaultdict(set)
        for s, value in reader.rows(query):
            i = index.get(s)
            if i in conditions and value:
                out[i].add(value)
        return out

    synonyms = per_condition("SELECT ?s ?o WHERE { ?s skos:altLabel ?o }")
    literal_ids = per_condition("SELECT ?s ?o WHERE { ?s dcterms:identifier ?o }")
    exact = per_condition("SELECT ?s ?o WHERE { ?s skos:exactMatch ?o }")
    close = per_condition("SELECT ?s ?o WHERE { ?s skos:closeMatch ?o }")
    syn_of: dict[int, list[str]] = {}
    ids_of: dict[int, list[str]] = {}
    for i in sorted(conditions):
        syn = sorted({s for s in synonyms.get(i, ()) if s != labels[i]}, key=lambda s: (s.casefold(), s))
        if syn:
            syn_of[i] = syn
        ids = set(literal_ids.get(i, ())) | {_identifier_curie(x) for x in exact.get(i, ())}
        near = {_identifier_curie(x) for x in close.get(i, ())} - ids
        if ids or near:
            ids_of[i] = sorted(ids) + [f"{c} (close match)" for c in sorted(near)]
    edges = sorted({(index[s], index[o], rel) for s, rel, objects in facts for o in objects})
    return Network(
        iris=iris,
        types=[_entity_type(kinds[iri], types.get(iri, set())) for iri in iris],
        labels=labels,
        edges=edges,
        synonyms=syn_of,
        identifiers=ids_of,
        index=index,
    )


def read_details(graph: Any, net: Network, conditions: Collection[int] | None = None) -> Details:
    """Prevalence figures, source documents and the evidence of the facts of `conditions` (node numbers of `net`;
    None: all of them). Only those conditions' rows are read."""
    return _read_details(_Reader(_as_store(graph)), net, conditions)


def _read_details(reader: _Reader, net: Network, conditions: Collection[int] | None) -> Details:
    every = [i for i, t in enumerate(net.types) if TYPES_BY_KEY[t].kind == "condition"]
    wanted = every if conditions is None else sorted(set(conditions) & set(every))
    out = Details()
    if not wanted:
        return out
    # The conditions are always named (VALUES): the store then looks each up, which costs the same per row as a
    # scan and keeps the documents' query off the evidence nodes' own prov:wasDerivedFrom.
    values = _values("c", (net.iris[i] for i in wanted))
    wanted_set = set(wanted)

    doc_of: dict[int, str] = {}
    doc_facts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c, d, path, modified, community in reader.rows(
        f"SELECT ?c ?d ?path ?mod ?comm WHERE {{ {values} ?c prov:wasDerivedFrom ?d . FILTER(isIRI(?d)) "
        "OPTIONAL { ?d rkg:sourcePath ?path } OPTIONAL { ?d dcterms:modified ?mod } "
        "OPTIONAL { ?d rkg:communityCount ?comm } }"
    ):
        i = net.index.get(c)
        if i not in wanted_set:
            continue
        if i not in doc_of or d < doc_of[i]:
            doc_of[i] = d
        for key, value in (("path", path), ("mod", modified), ("comm", community)):
            if value:
                doc_facts[d][key].add(value)

    def doc_value(doc: str | None, key: str) -> str | None:
        values = doc_facts.get(doc, {}).get(key) if doc else None
        return min(values) if values else None

    def doc_source(doc: str) -> str:
        return doc_value(doc, "path") or curie(doc)

    # The evidence of the conditions' facts and prevalence figures, each mention once, in document order.
    rows: list[tuple[int, int, str, str, str, str, str]] = []
    for c, code, o, sentence, start, end, d in reader.rows(
        f"SELECT ?c ?r ?o ?sentence ?start ?end ?d WHERE {{ {values} "
        "?e rdf:subject ?c ; rdf:predicate ?p ; rdf:object ?o ; rkg:sentence ?sentence . "
        f"BIND({_numbered('p', _EVIDENCE_PREDICATES)} AS ?r) FILTER(?r >= 0) "
        "OPTIONAL { ?e rkg:startOffset ?start } OPTIONAL { ?e rkg:endOffset ?end } "
        "OPTIONAL { ?e prov:wasDerivedFrom ?d } }"
    ):
        i = net.index.get(c)
        if i in wanted_set:
            rows.append((i, int(code), o, sentence, start, end, d))
    other_docs = sorted({d for *_, d in rows if d and d not in doc_facts})
    if other_docs:  # evidence read from another document than its condition's (none in our own graphs)
        for d, path in reader.rows(f"SELECT ?d ?path WHERE {{ {_values('d', other_docs)} ?d rkg:sourcePath ?path }}"):
            doc_facts[d]["path"].add(path)
    sources = {d: doc_source(d) for d in {d for *_, d in rows if d}}
    mentions: dict[tuple[int, int, str], set[Evidence]] = defaultdict(set)
    for i, rel, o, sentence, start, end, d in rows:
        mentions[(i, rel, o)].add(Evidence(sentence, sources.get(d), _int(start), _int(end)))
    del rows

    def ordered(items: Iterable[Evidence]) -> list[Evidence]:
        return sorted(items, key=lambda e: (e.source or "", -1 if e.start is None else e.start, e.sentence, e.end or 0))

    for u, v, rel in net.edges:
        if u in wanted_set:
            found = mentions.get((u, rel, net.iris[v]))
            if found:
                out.evidence[(u, v, rel)] = ordered(found)

    prevalence_rel = _EVIDENCE_PREDICATES.index(str(RKG.prevalence))
    figures: dict[tuple[int, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    kinds_of = sorted(_PREVALENCE_CLASSES)
    for c, p, stated, ptype, cls, t in reader.rows(
        f"SELECT ?c ?p ?stated ?ptype ?cls ?t WHERE {{ {values} ?c rkg:prevalence ?p . FILTER(isIRI(?p)) "
        "OPTIONAL { ?p rkg:statedAs ?stated } OPTIONAL { ?p rkg:prevalenceType ?ptype } "
        "OPTIONAL { ?p rkg:orphanetClass ?cls } "
        f"OPTIONAL {{ ?p rdf:type ?pt . {_values('pt', kinds_of)} BIND({_numbered('pt', kinds_of)} AS ?t) }} }}"
    ):
        i = net.index.get(c)
        if i not in wanted_set:
            continue
        entry = figures[(i, p)]
        for key, value in (("stated", stated), ("ptype", ptype), ("cls", cls)):
            if value:
                entry[key].add(value)
        if t:
            entry["t"].add(kinds_of[int(t)])
    prevalence: dict[int, list[Prevalence]] = defaultdict(list)
    for (i, p), entry in sorted(figures.items(), key=lambda kv: (kv[0][0], _natural(kv[0][1]))):
        classes = sorted(entry.get("t", ()))
        prevalence[i].append(
            Prevalence(
                iri=p,
                text=min(entry["stated"]) if entry.get("stated") else curie(p),
                type=min(entry["ptype"])
                if entry.get("ptype")
                else (_PREVALENCE_CLASSES[classes[0]] if classes else None),
                cls=min(entry["cls"]) if entry.get("cls") else None,
                evidence=ordered(mentions.get((i, prevalence_rel, p), ())),
            )
        )
    for i in wanted:
        doc = doc_of.get(i)
        out.conditions[i] = ConditionDetails(
            prevalence=prevalence.get(i, []),
            source=doc_value(doc, "path"),
            updated=doc_value(doc, "mod"),
            community=_int(doc_value(doc, "comm")),
        )
    return out


def project(graph: Any) -> nx.MultiDiGraph:
    """The network view of a graph as a networkx graph (for `kg stats` and for callers that want networkx).

    Nodes are keyed by IRI, with attributes `kind`, `type` (an `ENTITY_TYPES` key), `label`, and for conditions
    `synonyms`, `identifiers`, `prevalence` (list of dicts), `source`, `updated`, `community`. Edges go from a
    condition to a risk factor or treatment area, keyed by relation (`risk-factor`, `treatment-area`), with
    `relation` (its label), `predicate` (IRI) and `evidence` (list of dicts: sentence, source, start, end).
    Nodes and edges are inserted in sorted order, so the same graph always gives the same projection.
    """
    import networkx as nx

    if isinstance(graph, nx.MultiDiGraph):
        return graph
    reader = _Reader(_as_store(graph))
    net = _read_network(reader)
    details = _read_details(reader, net, None)
    g = nx.MultiDiGraph()
    for i, iri in enumerate(net.iris):
        attrs: dict[str, Any] = {"kind": net.kind(i), "type": net.types[i], "label": net.labels[i]}
        if i in details.conditions:
            d = details.conditions[i]
            attrs.update(
                synonyms=net.synonyms.get(i, []),
                identifiers=net.identifiers.get(i, []),
                prevalence=[
                    {"text": p.text, "type": p.type, "class": p.cls, "evidence": [e._asdict() for e in p.evidence]}
                    for p in d.prevalence
                ],
                source=d.source,
                updated=d.updated,
                community=d.community,
            )
        g.add_node(iri, **attrs)
    for u, v, rel in net.edges:
        pred = _RELATION_PREDICATES[rel]
        key, relation = RELATIONS[pred]
        evidence = [e._asdict() for e in details.evidence.get((u, v, rel), [])]
        g.add_edge(net.iris[u], net.iris[v], key=key, relation=relation, predicate=pred, evidence=evidence)
    return g


def _from_projection(g: nx.MultiDiGraph) -> tuple[Network, Details]:
    """A `project` result (possibly edited) as a Network and its Details."""
    iris = sorted(g.nodes)
    net = Network(
        iris=iris, types=[g.nodes[n]["type"] for n in iris], labels=[g.nodes[n]["label"] for n in iris], edges=[]
    )
    keys = {key: rel for rel, (key, _) in enumerate(RELATIONS.values())}
    details = Details()
    edges = set()
    for u, v, key, d in g.edges(keys=True, data=True):
        if key not in keys:
            continue
        edge = (net.index[u], net.index[v], keys[key])
        edges.add(edge)
        details.evidence[edge] = [Evidence(**e) for e in d.get("evidence", [])]
    net.edges = sorted(edges)
    for i, n in enumerate(iris):
        d = g.nodes[n]
        if d.get("kind") != "condition":
            continue
        if d.get("synonyms"):
            net.synonyms[i] = list(d["synonyms"])
        if d.get("identifiers"):
            net.identifiers[i] = list(d["identifiers"])
        details.conditions[i] = ConditionDetails(
            prevalence=[
                Prevalence("", p["text"], p.get("type"), p.get("class"), [Evidence(**e) for e in p.get("evidence", [])])
                for p in d.get("prevalence", [])
            ],
            source=d.get("source"),
            updated=d.get("updated"),
            community=d.get("community"),
        )
    return net, details


def load_graph(path: Path) -> Any:
    """What `--graph PATH` names, for `kg viz` and `kg stats`: a build folder (its store, or its graph.ttl when it
    has no store) or an RDF file."""
    from kg.outputs import store

    path = Path(path)
    if path.is_dir() and not (path / store.STORE_LINK).exists() and (path / "graph.ttl").is_file():
        return store.load_rdf_file(path / "graph.ttl")
    return store.open_graph(path)


# ------------------------------------------------------------------------------------------- choosing a part


def normalise_name(text: str) -> str:
    """How names are compared when searching: case, accents, punctuation and spacing do not matter."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def find_condition(g: Network | nx.MultiDiGraph, name: str) -> str:
    """The condition node named `name`: its label, a synonym, an identifier (ORPHA:3027), its slug or its IRI.

    `g` is a `Network` or a `project` result. Raises KgError when nothing matches (naming the closest labels) or
    when a synonym is shared by several conditions and no label matches exactly.
    """
    if isinstance(g, Network):
        conditions = [
            (iri, g.labels[i], g.synonyms.get(i, []), g.identifiers.get(i, []))
            for i, iri in enumerate(g.iris)
            if g.kind(i) == "condition"
        ]
    else:
        conditions = [
            (n, d["label"], d.get("synonyms", []), d.get("identifiers", []))
            for n, d in g.nodes(data=True)
            if d.get("kind") == "condition"
        ]
    if any(iri == name for iri, *_ in conditions):
        return name
    want = normalise_name(name)
    by_label = [iri for iri, label, _, _ in conditions if normalise_name(label) == want]
    if len(by_label) == 1:
        return by_label[0]
    other = sorted(
        {
            iri
            for iri, _, syns, ids in conditions
            if want in {normalise_name(s) for s in syns}
            or want in {normalise_name(i.split(" (")[0]) for i in ids}
            or want == normalise_name(curie(iri).split(":", 1)[-1])
            or want == normalise_name(curie(iri))
        }
        | set(by_label)
    )
    if len(other) == 1:
        return other[0]
    labels_of = {iri: label for iri, label, _, _ in conditions}
    if other:
        names = "; ".join(f"{labels_of[n]} ({curie(n)})" for n in other[:5])
        raise KgError(f"condition {name!r} is ambiguous: it names {names}; pass the full label or the identifier")
    labels = sorted(set(labels_of.values()))
    close = difflib.get_close_matches(name, labels, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise KgError(f"no condition named {name!r} in the graph ({len(labels)} conditions){hint}")


def expand_types(types: Collection[str] | None) -> set[str]:
    """Type keys from `--types` names: a type key (`genetic`), a kind (`risk-factor`: all its types) or `all`."""
    if not types:
        return set(TYPES_BY_KEY)
    out: set[str] = set()
    for raw in types:
        name = raw.strip().lower().replace("_", "-")
        if not name:
            continue
        if name == "all":
            out.update(TYPES_BY_KEY)
        elif name in KINDS or name in ("risk-factors", "treatment-areas", "conditions"):
            kind = name.rstrip("s") if name.endswith("s") else name
            out.update(t.key for t in ENTITY_TYPES if t.kind == kind)
        elif name in TYPES_BY_KEY:
            out.add(name)
        else:
            valid = ", ".join([*KINDS, *(t.key for t in ENTITY_TYPES if t.key not in KINDS)])
            raise KgError(f"unknown entity type {raw!r}; use any of: {valid}")
    return out


@dataclass(frozen=True, slots=True)
class Part:
    """The part of a network a page draws: node numbers (ascending) and edge positions in `Network.edges`."""

    nodes: list[int]
    edges: list[int]
    focus: int | None = None
    total_nodes: int = 0  # nodes of the chosen types and neighbourhood, before the cap
    total_edges: int = 0
    degree: dict[int, int] = field(default_factory=dict)  # links before the cap, for nodes that lost some
    overview: str | None = None  # set when the cap left nodes out: what the page shows instead


def choose(
    net: Network,
    *,
    condition: str | None = None,
    depth: int = 1,
    types: Collection[str] | None = None,
    max_nodes: int | None = MAX_NODES,
) -> Part:
    """The part of the network to draw.

    `types` keeps only those entity types (the focused condition is always kept); `condition` keeps the nodes at
    most `depth` steps from it, walking edges in either direction through the kept types only. When more than
    `max_nodes` nodes or `LINKS_PER_NODE` times as many links remain (None or 0: no cap), whole conditions are
    taken in order (nearest to the focus first, then most links first, then by IRI), each with all its links,
    while both stay within the cap; the part then says what it left out (`overview`).
    """
    if depth < 0:
        raise KgError(f"--depth must be 0 or more, got {depth}")
    if max_nodes is not None and max_nodes < 0:
        raise KgError(f"--max-nodes must be 0 (no cap) or more, got {max_nodes}")
    keep = expand_types(types)
    focus = net.index[find_condition(net, condition)] if condition is not None else None
    allowed = [t in keep for t in net.types]
    if focus is not None:
        allowed[focus] = True
    adj: list[list[int]] = [[] for _ in net.iris]
    for u, v, _ in net.edges:
        if allowed[u] and allowed[v]:
            adj[u].append(v)
            adj[v].append(u)
    adj = [sorted(set(a)) if len(a) > 1 else a for a in adj]
    distance: dict[int, int] = {}
    if focus is not None:
        distance[focus] = 0
        frontier = [focus]
        for step in range(1, depth + 1):
            reached = []
            for n in frontier:
                for m in adj[n]:
                    if m not in distance:
                        distance[m] = step
                        reached.append(m)
            frontier = reached
        inside = set(distance)
    else:
        inside = {i for i, ok in enumerate(allowed) if ok}
    inner = [k for k, (u, v, _) in enumerate(net.edges) if u in inside and v in inside]
    chosen, edges, overview = inside, inner, None
    if max_nodes and (len(inside) > max_nodes or len(inner) > max_nodes * LINKS_PER_NODE):
        chosen, what = _cap(net, adj, inside, inner, distance, focus, max_nodes)
        edges = [k for k in inner if net.edges[k][0] in chosen and net.edges[k][1] in chosen]
        overview = (
            f"Overview: {len(chosen):,} of {len(inside):,} nodes and {len(edges):,} of {len(inner):,} links are "
            f"drawn: {what} (more would not stay fluid). The search finds every condition. To draw one: kg viz "
            "--condition NAME --out page.html; everything: --max-nodes 0."
        )
    degree: dict[int, int] = {}
    if overview is not None:  # nodes that lost links keep their whole-graph count for their size and card
        drawn: dict[int, set[int]] = defaultdict(set)
        for k in edges:
            u, v, _ = net.edges[k]
            drawn[u].add(v)
            drawn[v].add(u)
        for n in chosen:
            full = len(adj[n]) if focus is None else sum(1 for m in adj[n] if m in inside)
            if len(drawn[n]) < full:
                degree[n] = full
    return Part(
        nodes=sorted(chosen),
        edges=edges,
        focus=focus,
        total_nodes=len(inside),
        total_edges=len(inner),
        degree=degree,
        overview=overview,
    )


def _cap(
    net: Network,
    adj: list[list[int]],
    inside: set[int],
    inner: list[int],
    distance: dict[int, int],
    focus: int | None,
    max_nodes: int,
) -> tuple[set[int], str]:
    """Whole conditions with their links, nearest and best-linked first, within `max_nodes` nodes and
    `LINKS_PER_NODE * max_nodes` links; and what they are, for the page's note."""
    max_edges = max_nodes * LINKS_PER_NODE
    links: dict[int, int] = defaultdict(int)  # a condition's edges inside the view
    for k in inner:
        links[net.edges[k][0]] += 1
    if focus is None:  # every kept node is inside
        degree = {n: len(adj[n]) for n in inside}
    else:
        degree = {n: sum(1 for m in adj[n] if m in inside) for n in inside}
    seeds = sorted(
        (n for n in inside if net.kind(n) == "condition"),
        key=lambda n: (distance.get(n, 0), -degree[n], net.iris[n]),
    )
    chosen: set[int] = set()
    n_edges = taken = 0
    for n in seeds:
        new = [m for m in (n, *adj[n]) if m in inside and m not in chosen]
        if len(chosen) + len(new) > max_nodes or n_edges + links[n] > max_edges:
            if not chosen:  # even the first condition has too many links: its best-linked neighbours
                best = sorted(new[1:], key=lambda m: (-degree[m], net.iris[m]))
                chosen.update([n, *best[: min(max_nodes - 1, max_edges)]])
                taken = 1
            break
        chosen.update(new)
        n_edges += links[n]
        taken += 1
    n_cond = len(seeds)
    if not seeds:  # no conditions in view (e.g. --types treatment-area): the best-linked nodes
        chosen = set(sorted(inside, key=lambda n: (-degree[n], net.iris[n]))[:max_nodes])
        what = "the best-linked ones"
    elif focus is not None:
        what = f"the {taken:,} of {n_cond:,} conditions nearest to {net.labels[focus]}, each with all its links"
    else:
        what = f"the {taken:,} of {n_cond:,} conditions with the most links, each with all its links"
    return chosen, what


def select(
    g: nx.MultiDiGraph,
    *,
    condition: str | None = None,
    depth: int = 1,
    types: Collection[str] | None = None,
    max_nodes: int | None = None,
) -> tuple[nx.MultiDiGraph, str | None]:
    """`choose` on a networkx projection: the part as a projection of its own, and the focused condition's node."""
    import networkx as nx

    net, _ = _from_projection(g)
    part = choose(net, condition=condition, depth=depth, types=types, max_nodes=max_nodes)
    out = nx.MultiDiGraph()
    out.add_nodes_from((net.iris[n], g.nodes[net.iris[n]]) for n in part.nodes)
    for k in part.edges:
        u, v, rel = net.edges[k]
        key = RELATIONS[_RELATION_PREDICATES[rel]][0]
        out.add_edge(net.iris[u], net.iris[v], key=key, **g.edges[net.iris[u], net.iris[v], key])
    return out, (net.iris[part.focus] if part.focus is not None else None)


# ------------------------------------------------------------------------------------------- layout


def layout(
    n: int, edges: Iterable[tuple[int, int]], *, spacing: float = SPACING, seed: int = LAYOUT_SEED
) -> list[tuple[float, float]]:
    """Positions in page pixels for nodes 0..n-1: each connected component laid out on its own (so small ones are
    not flung to the rim by the big one) and the components packed in rows, largest first.

    Within a component, nodes with a single link (most rare risk factors) are set in a ring around their one
    neighbour; the rest, the core, get a force-directed layout. That is cheaper and reads better.
    """
    adj: list[set[int]] = [set() for _ in range(n)]
    for u, v in edges:
        if u != v:
            adj[u].add(v)
            adj[v].add(u)
    neighbours = [sorted(a) for a in adj]
    comps = _components(neighbours)
    boxes = [(c, spacing * max(1.0, math.sqrt(len(c)) * 1.1)) for c in comps]
    total = sum(side * side for _, side in boxes)
    width = max(boxes[0][1], math.sqrt(total) * 1.3) if boxes else 0.0
    pos: list[tuple[float, float]] = [(0.0, 0.0)] * n
    x = y = row = 0.0
    for comp, side in boxes:
        if x > 0 and x + side > width:
            x, y, row = 0.0, y + row + spacing, 0.0
        half = side / 2
        for node, (ux, uy) in _component_layout(neighbours, comp, seed, spacing / half).items():
            pos[node] = (round(x + half + ux * half * 0.92, 1), round(y + half + uy * half * 0.92, 1))
        x += side + spacing
        row = max(row, side)
    return pos


def _components(neighbours: list[list[int]]) -> list[list[int]]:
    """Connected components as ascending node lists, largest first (ties: lowest node first)."""
    seen = [False] * len(neighbours)
    comps = []
    for start in range(len(neighbours)):
        if seen[start]:
            continue
        seen[start] = True
        comp, stack = [], [start]
        while stack:
            node = stack.pop()
            comp.append(node)
            for m in neighbours[node]:
                if not seen[m]:
                    seen[m] = True
                    stack.append(m)
        comps.append(sorted(comp))
    return sorted(comps, key=lambda c: (-len(c), c[0]))


def _component_layout(
    neighbours: list[list[int]], comp: list[int], seed: int, unit: float
) -> dict[int, tuple[float, float]]:
    """One component in [-1, 1]²: its core by force layout, then each single-link node near its neighbour
    (`unit` is one node spacing in these coordinates)."""
    if len(comp) == 1:
        return {comp[0]: (0.0, 0.0)}
    core = [m for m in comp if len(neighbours[m]) > 1]
    if len(core) <= 1:  # two linked nodes, or a star: the hub in the middle, the rest in a ring
        hub = core[0] if core else comp[0]
        ring = [m for m in comp if m != hub]
        out = {hub: (0.0, 0.0)}
        for i, leaf in enumerate(ring):
            angle = 2 * math.pi * i / len(ring)
            out[leaf] = (math.cos(angle), math.sin(angle))
        return out
    placed = _force_layout(neighbours, core, seed)
    leaves: dict[int, list[int]] = defaultdict(list)
    for m in comp:
        if len(neighbours[m]) == 1:
            leaves[neighbours[m][0]].append(m)
    shrink = 1.0 / (1.0 + 1.5 * unit)  # leave room at the rim for the rings
    out = {m: (px * shrink, py * shrink) for m, (px, py) in placed.items()}
    for anchor in sorted(leaves):
        ring = leaves[anchor]
        ax, ay = out[anchor]
        radius = unit * (0.9 + 0.12 * math.sqrt(len(ring)))
        start = math.atan2(ay, ax) if (ax or ay) else 0.0  # fan out away from the middle first
        for i, leaf in enumerate(ring):
            angle = start + (2 * math.pi * i / len(ring) if len(ring) > 1 else 0.0)
            out[leaf] = (ax + radius * math.cos(angle), ay + radius * math.sin(angle))
    return out


def _force_layout(neighbours: list[list[int]], core: list[int], seed: int) -> dict[int, tuple[float, float]]:
    """The core's Fruchterman-Reingold layout (igraph; its grid version above `GRID_LAYOUT_FROM` nodes, linear per
    step instead of quadratic) scaled into [-1, 1]². igraph draws its random start from a generator seeded here, so
    the layout is the same in every run. (Starting it from positions of our own packed into a small square made the
    grid version quadratic again: every node fell into one cell.)"""
    import igraph

    local = {node: i for i, node in enumerate(core)}
    edge_list = [(local[u], local[v]) for u in core for v in neighbours[u] if u < v and v in local]
    rng = random.Random(seed)
    graph = igraph.Graph(n=len(core), edges=edge_list)
    igraph.set_random_number_generator(rng)
    try:
        coords = graph.layout_fruchterman_reingold(niter=500, grid=len(core) > GRID_LAYOUT_FROM).coords
    finally:
        igraph.set_random_number_generator(random)
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 or 1.0
    return {node: ((c[0] - cx) / span, (c[1] - cy) / span) for node, c in zip(core, coords, strict=True)}


# ------------------------------------------------------------------------------------------- the page


def node_size(degree: int) -> float:
    """Node radius by degree: logarithmic, so hubs with thousands of links stay on screen."""
    return round(min(50.0, 8.0 + 5.0 * math.log2(1 + degree)), 1)


class _Strings:
    """Interns repeated text (sentences, source paths) so the page carries each once."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._ids: dict[str, int] = {}

    def __call__(self, text: str | None) -> int | None:
        if text is None:
            return None
        found = self._ids.get(text)
        if found is None:
            found = self._ids[text] = len(self.items)
            self.items.append(text)
        return found


def _evidence_refs(strings: _Strings, items: Sequence[Evidence], limit: int) -> list[list[Any]]:
    return [[strings(e.sentence), strings(e.source), e.start, e.end] for e in items[:limit]]


def page_blocks(net: Network, part: Part, details: Details) -> dict[str, Any]:
    """The JSON blocks of the page, as plain data: `nodes` and `edges` (columns: vis-network's node and edge lists
    are built from them by the page script), and `data` (cards, evidence, legend, interned strings, the overview
    note and the conditions left off the page, for the search)."""
    local = {n: i for i, n in enumerate(part.nodes)}
    pairs: set[tuple[int, int]] = set()
    for k in part.edges:
        u, v, _ = net.edges[k]
        pairs.add((min(u, v), max(u, v)))
    drawn_degree: dict[int, int] = defaultdict(int)
    for u, v in pairs:
        drawn_degree[u] += 1
        drawn_degree[v] += 1
    positions = layout(len(part.nodes), ((local[u], local[v]) for u, v in sorted(pairs)))
    nodes = {
        "id": [curie(net.iris[n]) for n in part.nodes],
        "label": [net.labels[n] for n in part.nodes],
        "group": [_TYPE_INDEX[net.types[n]] for n in part.nodes],
        "size": [node_size(part.degree.get(n, drawn_degree[n])) for n in part.nodes],
        "x": [p[0] for p in positions],
        "y": [p[1] for p in positions],
    }
    edges = {
        "from": [local[net.edges[k][0]] for k in part.edges],
        "to": [local[net.edges[k][1]] for k in part.edges],
        "rel": [net.edges[k][2] for k in part.edges],
    }
    strings = _Strings()
    info: dict[str, dict[str, Any]] = {}
    for i, n in enumerate(part.nodes):
        item: dict[str, Any] = {}
        if net.kind(n) == "condition":
            d = details.conditions.get(n, ConditionDetails())
            item = {
                "syn": net.synonyms.get(n),
                "ids": net.identifiers.get(n),
                "prev": [
                    [p.text, p.type, p.cls, _evidence_refs(strings, p.evidence, MAX_EVIDENCE_PER_PREVALENCE)]
                    for p in d.prevalence
                ],
                "src": strings(d.source),
                "upd": d.updated,
                "comm": d.community,
            }
        if n in part.degree:
            item["links"] = part.degree[n]
        item = {k: v for k, v in item.items() if v not in (None, [], "")}
        if item:
            info[str(i)] = item
    evidence: list[list[Any]] = []
    more: dict[str, int] = {}
    for j, k in enumerate(part.edges):
        found = details.evidence.get(net.edges[k], [])
        evidence.append(_evidence_refs(strings, found, MAX_EVIDENCE_PER_EDGE))
        if len(found) > MAX_EVIDENCE_PER_EDGE:
            more[str(j)] = len(found) - MAX_EVIDENCE_PER_EDGE
    counts = _type_counts(net, part.nodes)
    drawn = set(part.nodes)
    off_page = (
        [
            [curie(iri), net.labels[n], *net.synonyms.get(n, [])]
            for n, iri in enumerate(net.iris)
            if n not in drawn and net.kind(n) == "condition"
        ]
        if part.overview is not None
        else []
    )
    data = {
        "types": [t.key for t in ENTITY_TYPES],
        "relations": [label for _, label in RELATIONS.values()],
        "legend": [
            {"key": t.key, "label": t.label, "shape": t.shape, "color": t.color, "count": counts[t.key]}
            for t in ENTITY_TYPES
            if counts.get(t.key)
        ],
        "info": info,
        "ev": evidence,
        "evMore": more,
        "strings": strings.items,
        "focus": local[part.focus] if part.focus is not None else None,
        "overview": part.overview,
        "offPage": off_page,
    }
    return {"nodes": nodes, "edges": edges, "data": data}


def _type_counts(net: Network, nodes: Iterable[int]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for n in nodes:
        counts[net.types[n]] += 1
    return dict(counts)


def vis_options(n_nodes: int) -> dict[str, Any]:
    """vis-network options: physics briefly on small pages, off on large ones (positions are precomputed)."""
    physics = n_nodes <= PHYSICS_MAX_NODES
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": LAYOUT_SEED},
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -9000,
                "centralGravity": 0.15,
                "springLength": SPACING * 1.6,
                "springConstant": 0.03,
                "avoidOverlap": 0.6,
            },
            "stabilization": {"enabled": physics, "iterations": 150, "fit": True},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": not physics,
            "hideEdgesOnZoom": not physics,
            "navigationButtons": False,
            "keyboard": False,
            "multiselect": False,
        },
        "nodes": {
            "borderWidth": 1,
            "font": {"size": 14, "face": "sans-serif", "color": "#1a1a1a", "strokeWidth": 3, "strokeColor": "#ffffff"},
            "scaling": {"label": {"drawThreshold": 7}},
        },
        "edges": {
            # Arrowheads triple the cost of a frame; every edge points from a condition anyway.
            "arrows": {"to": {"enabled": physics, "scaleFactor": 0.5}},
            "color": {"inherit": "to", "opacity": 0.55},
            "smooth": False,
            "width": 1,
        },
        "groups": {
            t.key: {
                "shape": t.shape,
                "color": {
                    "background": t.color,
                    "border": _darker(t.color),
                    "highlight": {"background": t.color, "border": "#000000"},
                    "hover": {"background": t.color, "border": "#000000"},
                },
                # condition names show from far out; the many factor names only once zoomed in
                "font": {"size": 20 if t.kind == "condition" else 12},
                "scaling": {"label": {"drawThreshold": 5 if t.kind == "condition" else 9}},
            }
            for t in ENTITY_TYPES
        },
    }


def _darker(hex_color: str, factor: float = 0.7) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(c * factor) for c in (r, g, b)))


def _json_for_html(value: Any) -> str:
    """JSON that is safe inside an HTML `<script type="application/json">` block: `<`, `>` and `&` are escaped,
    so no summary text can close the block or open a tag."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def render_html(net: Network, part: Part, details: Details, *, title: str = "rare-kg network") -> str:
    """The page for a chosen part of a network (see `choose`), as a string."""
    import jinja2
    from markupsafe import Markup

    blocks = page_blocks(net, part, details)
    app_js = (TEMPLATES / "viz.js").read_text(encoding="utf-8")
    vis_js = VIS_JS.read_text(encoding="utf-8")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, keep_trailing_newline=True
    )
    # Our own, trusted text (the vendored script, our stylesheet, JSON escaped for HTML) is marked not to be
    # escaped again; the title (it can hold a condition's name) is escaped by the template.
    return env.get_template("viz.html").render(
        page_title=title,
        vis_js=Markup(vis_js),
        app_js=Markup(app_js),
        css=Markup((TEMPLATES / "viz.css").read_text(encoding="utf-8")),
        nodes_json=Markup(_json_for_html(blocks["nodes"])),
        edges_json=Markup(_json_for_html(blocks["edges"])),
        options_json=Markup(_json_for_html(vis_options(len(part.nodes)))),
        data_json=Markup(_json_for_html(blocks["data"])),
        csp_scripts=Markup(f"{_csp_hash(vis_js)} {_csp_hash(app_js)}"),
    )


def write_html(
    graph: Any,
    out_path: Path,
    *,
    condition: str | None = None,
    depth: int = 1,
    types: Collection[str] | None = None,
    max_nodes: int | None = MAX_NODES,
) -> VizSummary:
    """Write the network page of `graph` (a pyoxigraph Store or Dataset, an rdflib Graph, or a `project` result) to
    `out_path`, atomically. `condition` draws only that condition and what lies within `depth` steps of it;
    `types` keeps only those entity types (see `expand_types`); past `max_nodes` nodes (None or 0: no cap) the page
    is an overview that says so (see `choose`)."""
    out_path = Path(out_path)
    if not out_path.parent.exists():
        raise KgError(f"{out_path.parent}: no such folder; create it or choose another --out")
    if _is_projection(graph):
        net, details = _from_projection(graph)
        part = choose(net, condition=condition, depth=depth, types=types, max_nodes=max_nodes)
    else:
        reader = _Reader(_as_store(graph))
        net = _read_network(reader)
        part = choose(net, condition=condition, depth=depth, types=types, max_nodes=max_nodes)
        details = _read_details(reader, net, [n for n in part.nodes if net.kind(n) == "condition"])
    focus = net.iris[part.focus] if part.focus is not None else None
    title = "rare-kg network" if part.focus is None else f"rare-kg network: {net.labels[part.focus]}"
    html = render_html(net, part, details, title=title).encode("utf-8")
    write_atomic(out_path, lambda fh: fh.write(html))
    return VizSummary(
        path=out_path,
        nodes=len(part.nodes),
        edges=len(part.edges),
        types=_type_counts(net, part.nodes),
        physics=len(part.nodes) <= PHYSICS_MAX_NODES,
        focus=focus,
        bytes=len(html),
        total_nodes=part.total_nodes,
        overview=part.overview,
    )


def _is_projection(graph: Any) -> bool:
    """Whether `graph` is a networkx graph (without importing networkx for the common case of a store)."""
    return type(graph).__module__.startswith("networkx.")
