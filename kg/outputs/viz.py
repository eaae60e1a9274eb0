"""The interactive network: one self-contained, offline HTML page drawn with pyvis (vis-network) from the graph.

The RDF graph (docs/model.md) is first projected onto a networkx `MultiDiGraph` (`project`): conditions, risk
factors and treatment areas become nodes; the facts between them become edges carrying their evidence sentences;
names, identifiers, prevalence figures and the source document become node attributes. `kg stats` reads the same
projection. `write_html` then picks the part to show (`select`), lays it out with a force-directed layout computed
here (so a large page opens without running physics in the browser), and renders our own template through pyvis.

The page loads nothing: vis-network, the script and the styles are inlined, and a Content-Security-Policy lets
only those exact scripts run and forbids every network request. Summary text never becomes HTML: it travels as
JSON in a non-executed `<script type="application/json">` block and is put on the page as DOM text nodes.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx

from kg.errors import KgError
from kg.outputs.rdf import write_atomic
from kg.vocab import DCTERMS, IDENTIFIER_IRIS, PREFIXES, PROV, RDF, RDFS, RKG, SCHEMA, SKOS

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
VIS_JS = HERE / "assets" / "vis-network" / "vis-network.min.js"

# Above this many nodes the page opens with physics off on the precomputed layout; below it vis-network refines
# the layout for a moment and then stops. `scripts/viz_fluid.py` measures how pages of each size behave.
PHYSICS_MAX_NODES = 300
# Pixels between neighbouring nodes in the precomputed layout (vis-network coordinates).
SPACING = 80.0
LAYOUT_SEED = 7
# How many evidence sentences a node's tooltip data keeps per edge (the details panel lists them all).
MAX_EVIDENCE_PER_EDGE = 5


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
KINDS = {
    "condition": "Condition",
    "risk-factor": "Risk factor",
    "treatment-area": "Treatment area",
}
# The facts drawn as edges: predicate IRI -> (edge key, label shown on the edge).
RELATIONS: dict[str, tuple[str, str]] = {
    str(SCHEMA.riskFactor): ("risk-factor", "risk factor"),
    str(RKG.treatmentArea): ("treatment-area", "treatment area"),
}
_KIND_CLASSES = {
    "condition": {str(RKG.RareCondition), str(SCHEMA.MedicalCondition)},
    "risk-factor": {str(RKG.RiskFactor), str(SCHEMA.MedicalRiskFactor)},
    "treatment-area": {str(RKG.TreatmentArea)},
}
_RELATION_TARGET_KIND = {str(SCHEMA.riskFactor): "risk-factor", str(RKG.treatmentArea): "treatment-area"}


@dataclass(frozen=True, slots=True)
class VizSummary:
    """What `write_html` wrote: the page, how much it shows, and whether it opens with physics running."""

    path: Path
    nodes: int
    edges: int
    types: dict[str, int] = field(default_factory=dict)
    physics: bool = False
    focus: str | None = None  # the condition IRI the page is centred on (`condition=`)
    bytes: int = 0


# ------------------------------------------------------------------------------------------- reading RDF


class Lit(NamedTuple):
    """An RDF literal, reduced to what the projection needs."""

    value: str
    lang: str | None = None


Term = str | Lit  # an IRI (str) or a literal


def iter_triples(graph: Any) -> Iterator[tuple[str, str, Term]]:
    """Every triple of an rdflib Graph/Dataset or a pyoxigraph Store/Dataset, from all of its named graphs.

    A triple held by several named graphs (a shared risk factor's label) comes once per graph; callers dedupe.
    Blank nodes are skipped: the model has none.
    """
    import pyoxigraph as ox
    import rdflib

    if isinstance(graph, rdflib.Graph):
        rows: Iterable[Any] = (
            graph.quads((None, None, None, None))
            if isinstance(graph, rdflib.graph.ConjunctiveGraph)
            else graph.triples((None, None, None))
        )
        for row in rows:
            s, p, o = row[0], row[1], row[2]
            if not isinstance(s, rdflib.URIRef):
                continue
            if isinstance(o, rdflib.URIRef):
                yield str(s), str(p), str(o)
            elif isinstance(o, rdflib.Literal):
                yield str(s), str(p), Lit(str(o), o.language)
        return
    if isinstance(graph, ox.Store):
        quads: Iterable[Any] = graph.quads_for_pattern(None, None, None, None)
    elif isinstance(graph, ox.Dataset):
        quads = iter(graph)
    else:
        raise TypeError(f"expected an rdflib Graph or a pyoxigraph Store/Dataset, got {type(graph).__name__}")
    for q in quads:
        s, o = q.subject, q.object
        if not isinstance(s, ox.NamedNode):
            continue
        if isinstance(o, ox.NamedNode):
            yield s.value, q.predicate.value, o.value
        elif isinstance(o, ox.Literal):
            yield s.value, q.predicate.value, Lit(o.value, o.language)


class _Index:
    """The triples grouped by subject, each value once, so the projection can look things up by node."""

    def __init__(self, triples: Iterable[tuple[str, str, Term]]) -> None:
        self.types: dict[str, set[str]] = defaultdict(set)
        self.props: dict[str, dict[str, set[Term]]] = defaultdict(lambda: defaultdict(set))
        rdf_type = str(RDF.type)
        for s, p, o in triples:
            if p == rdf_type and isinstance(o, str):
                self.types[s].add(o)
            else:
                self.props[s][p].add(o)

    def iris(self, s: str, p: object) -> list[str]:
        return sorted(v for v in self.props.get(s, {}).get(str(p), ()) if isinstance(v, str))

    def texts(self, s: str, p: object) -> list[str]:
        return sorted({v.value for v in self.props.get(s, {}).get(str(p), ()) if isinstance(v, Lit)})

    def text(self, s: str, *preds: object) -> str | None:
        """The first predicate's literal, English (or untagged) first; stable when there are several."""
        for p in preds:
            values = [v for v in self.props.get(s, {}).get(str(p), ()) if isinstance(v, Lit)]
            if values:
                return min(values, key=lambda v: (v.lang not in (None, "", "en"), v.lang or "", v.value)).value
        return None


def _kind(types: set[str]) -> str | None:
    for kind, classes in _KIND_CLASSES.items():
        if types & classes:
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


def project(graph: Any) -> nx.MultiDiGraph:
    """The network view of a graph following docs/model.md.

    Nodes are keyed by IRI, with attributes `kind`, `type` (an `ENTITY_TYPES` key), `label`, and for conditions
    `synonyms`, `identifiers`, `prevalence` (list of dicts), `source`, `updated`, `community`. Edges go from a
    condition to a risk factor or treatment area, keyed by relation (`risk-factor`, `treatment-area`), with
    `relation` (its label), `predicate` (IRI) and `evidence` (list of dicts: sentence, source, start, end).
    Nodes and edges are inserted in sorted order, so the same graph always gives the same projection.
    """
    if isinstance(graph, nx.MultiDiGraph):
        return graph
    idx = _Index(iter_triples(graph))
    evidence = _evidence_index(idx)

    kinds: dict[str, str] = {}
    for s, types in idx.types.items():
        kind = _kind(types)
        if kind is not None:
            kinds[s] = kind
    # A fact's object with no type triple still gets a node (of its relation's kind).
    for s in [s for s, k in kinds.items() if k == "condition"]:
        for pred, kind in _RELATION_TARGET_KIND.items():
            for o in idx.iris(s, pred):
                kinds.setdefault(o, kind)

    g = nx.MultiDiGraph()
    for node in sorted(kinds):
        kind = kinds[node]
        label = idx.text(node, SKOS.prefLabel, RDFS.label) or curie(node)
        attrs: dict[str, Any] = {
            "kind": kind,
            "type": _entity_type(kind, idx.types.get(node, set())),
            "label": label,
        }
        if kind == "condition":
            attrs.update(_condition_attrs(idx, node, label, evidence))
        g.add_node(node, **attrs)
    for node in sorted(kinds):
        if kinds[node] != "condition":
            continue
        for pred, (key, relation) in RELATIONS.items():
            for target in idx.iris(node, pred):
                if target not in g:
                    continue
                g.add_edge(
                    node,
                    target,
                    key=key,
                    relation=relation,
                    predicate=pred,
                    evidence=evidence.get((node, pred, target), []),
                )
    return g


def _evidence_index(idx: _Index) -> dict[tuple[str, str, Term], list[dict[str, Any]]]:
    """(subject, predicate, object) of each fact -> the evidence read for it, in document order."""
    out: dict[tuple[str, str, Term], list[dict[str, Any]]] = defaultdict(list)
    evidence_class = str(RKG.Evidence)
    for node, types in idx.types.items():
        if evidence_class not in types:
            continue
        sentence = idx.text(node, RKG.sentence)
        subj = idx.iris(node, RDF.subject)
        pred = idx.iris(node, RDF.predicate)
        objs = idx.props.get(node, {}).get(str(RDF.object), set())
        if sentence is None or not subj or not pred or not objs:
            continue
        docs = idx.iris(node, PROV.wasDerivedFrom)
        source = None
        if docs:
            source = idx.text(docs[0], RKG.sourcePath) or curie(docs[0])
        item = {
            "sentence": sentence,
            "source": source,
            "start": _int(idx.text(node, RKG.startOffset)),
            "end": _int(idx.text(node, RKG.endOffset)),
        }
        for o in objs:
            out[(subj[0], pred[0], o)].append(item)
    for items in out.values():
        items.sort(key=lambda e: (e["source"] or "", e["start"] if e["start"] is not None else -1, e["sentence"]))
    return out


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _condition_attrs(
    idx: _Index, node: str, label: str, evidence: dict[tuple[str, str, Term], list[dict[str, Any]]]
) -> dict[str, Any]:
    synonyms = sorted({s for s in idx.texts(node, SKOS.altLabel) if s != label}, key=str.casefold)
    ids = set(idx.texts(node, DCTERMS.identifier))
    ids.update(_identifier_curie(i) for i in idx.iris(node, SKOS.exactMatch))
    close = {_identifier_curie(i) for i in idx.iris(node, SKOS.closeMatch)} - ids
    identifiers = sorted(ids) + [f"{c} (close match)" for c in sorted(close)]
    prevalence = []
    prev_pred = str(RKG.prevalence)
    for p in sorted(idx.iris(node, RKG.prevalence), key=_natural):
        prevalence.append(
            {
                "text": idx.text(p, RKG.statedAs) or curie(p),
                "type": idx.text(p, RKG.prevalenceType) or _prevalence_type(idx.types.get(p, set())),
                "class": idx.text(p, RKG.orphanetClass),
                "evidence": evidence.get((node, prev_pred, p), []),
            }
        )
    docs = idx.iris(node, PROV.wasDerivedFrom)
    doc = docs[0] if docs else None
    return {
        "synonyms": synonyms,
        "identifiers": identifiers,
        "prevalence": prevalence,
        "source": (idx.text(doc, RKG.sourcePath) if doc else None),
        "updated": (idx.text(doc, DCTERMS.modified) if doc else None),
        "community": (_int(idx.text(doc, RKG.communityCount)) if doc else None),
    }


def _prevalence_type(types: set[str]) -> str | None:
    names = {
        str(RKG.PointPrevalence): "point prevalence",
        str(RKG.BirthPrevalence): "birth prevalence",
        str(RKG.Incidence): "incidence",
    }
    return next((names[t] for t in sorted(types) if t in names), None)


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


def find_condition(g: nx.MultiDiGraph, name: str) -> str:
    """The condition node named `name`: its label, a synonym, an identifier (ORPHA:3027), its slug or its IRI.

    Raises KgError when nothing matches (naming the closest labels) or when a synonym is shared by several
    conditions and no label matches exactly.
    """
    conditions = [(n, d) for n, d in g.nodes(data=True) if d.get("kind") == "condition"]
    if name in g and g.nodes[name].get("kind") == "condition":
        return name
    want = normalise_name(name)
    by_label = [n for n, d in conditions if normalise_name(d["label"]) == want]
    if len(by_label) == 1:
        return by_label[0]
    other = sorted(
        {
            n
            for n, d in conditions
            if want in {normalise_name(s) for s in d.get("synonyms", [])}
            or want in {normalise_name(i.split(" (")[0]) for i in d.get("identifiers", [])}
            or want == normalise_name(curie(n).split(":", 1)[-1])
            or want == normalise_name(curie(n))
        }
        | set(by_label)
    )
    if len(other) == 1:
        return other[0]
    if other:
        names = "; ".join(f"{g.nodes[n]['label']} ({curie(n)})" for n in other[:5])
        raise KgError(f"condition {name!r} is ambiguous: it names {names}; pass the full label or the identifier")
    labels = sorted({d["label"] for _, d in conditions})
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


def select(
    g: nx.MultiDiGraph,
    *,
    condition: str | None = None,
    depth: int = 1,
    types: Collection[str] | None = None,
) -> tuple[nx.MultiDiGraph, str | None]:
    """The part of the network to draw, and the focused condition's node (None without `condition`).

    `types` keeps only those entity types (the focused condition is always kept); `condition` keeps the nodes at
    most `depth` steps from it, walking edges in either direction through the kept types only.
    """
    if depth < 0:
        raise KgError(f"--depth must be 0 or more, got {depth}")
    keep = expand_types(types)
    focus = find_condition(g, condition) if condition is not None else None
    nodes = [n for n, d in g.nodes(data=True) if d["type"] in keep or n == focus]
    view = g.subgraph(nodes)
    if focus is not None:
        reach = nx.single_source_shortest_path_length(view.to_undirected(as_view=True), focus, cutoff=depth)
        view = view.subgraph(reach)
    out = nx.MultiDiGraph()
    out.add_nodes_from(sorted(view.nodes(data=True), key=lambda nd: nd[0]))
    out.add_edges_from(sorted(view.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])))
    return out, focus


# ------------------------------------------------------------------------------------------- layout


def layout(g: nx.MultiDiGraph, *, spacing: float = SPACING, seed: int = LAYOUT_SEED) -> dict[str, tuple[float, float]]:
    """Positions in page pixels: a force-directed layout per connected component, components packed in rows.

    Laying out components separately keeps small ones from being flung to the rim by the big one. Nodes with a
    single link (most rare risk factors) are left out of the force layout and set in a ring around their one
    neighbour afterwards: that is cheaper (the force layout is quadratic) and reads better.
    """
    und = nx.Graph()
    und.add_nodes_from(g.nodes)
    und.add_edges_from((u, v) for u, v in g.edges())
    comps = sorted((sorted(c) for c in nx.connected_components(und)), key=lambda c: (-len(c), c[0]))
    boxes = [(c, spacing * max(1.0, math.sqrt(len(c)) * 1.1)) for c in comps]
    total = sum(side * side for _, side in boxes)
    width = max(boxes[0][1], math.sqrt(total) * 1.3) if boxes else 0.0
    pos: dict[str, tuple[float, float]] = {}
    x = y = row = 0.0
    for comp, side in boxes:
        if x > 0 and x + side > width:
            x, y, row = 0.0, y + row + spacing, 0.0
        half = side / 2
        for n, (ux, uy) in _component_layout(und, comp, seed, spacing / half).items():
            pos[n] = (round(x + half + ux * half * 0.92, 1), round(y + half + uy * half * 0.92, 1))
        x += side + spacing
        row = max(row, side)
    return pos


def _component_layout(und: nx.Graph, comp: list[str], seed: int, unit: float) -> dict[str, tuple[float, float]]:
    """One component in [-1, 1]²: its core by force layout, then each single-link node near its neighbour
    (`unit` is one node spacing in these coordinates)."""
    if len(comp) <= 3:
        return _unit_layout(und.subgraph(comp), comp, seed)
    core = [n for n in comp if und.degree(n) > 1]
    if len(core) < 2:  # a star: lay it out whole
        return _unit_layout(und.subgraph(comp), comp, seed)
    placed = _unit_layout(und.subgraph(core), core, seed)
    leaves: dict[str, list[str]] = defaultdict(list)
    for n in comp:
        if und.degree(n) == 1:
            leaves[next(iter(und[n]))].append(n)
    shrink = 1.0 / (1.0 + 1.5 * unit)  # leave room at the rim for the rings
    out = {n: (px * shrink, py * shrink) for n, (px, py) in placed.items()}
    for anchor in sorted(leaves):
        ring = leaves[anchor]
        ax, ay = out[anchor]
        radius = unit * (0.9 + 0.12 * math.sqrt(len(ring)))
        start = math.atan2(ay, ax) if (ax or ay) else 0.0  # fan out away from the middle first
        for i, leaf in enumerate(ring):
            angle = start + (2 * math.pi * i / len(ring) if len(ring) > 1 else 0.0)
            out[leaf] = (ax + radius * math.cos(angle), ay + radius * math.sin(angle))
    return out


def _unit_layout(g: nx.Graph, order: list[str], seed: int) -> dict[str, tuple[float, float]]:
    """A component's force-directed layout scaled into [-1, 1]². rustworkx's (compiled) when installed, else
    networkx's; iterations shrink on very large cores so the cost (quadratic per iteration) stays bounded."""
    n = len(order)
    if n == 1:
        return {order[0]: (0.0, 0.0)}
    if n == 2:
        return {order[0]: (-1.0, 0.0), order[1]: (1.0, 0.0)}
    iterations = max(10, min(150, int(6e8 / (n * n))))
    try:
        import rustworkx as rx

        rg = rx.PyGraph()
        index = {node: rg.add_node(node) for node in order}
        rg.add_edges_from_no_data(sorted((index[u], index[v]) for u, v in g.edges()))
        raw = rx.spring_layout(rg, seed=seed, num_iter=iterations)
        coords = {node: (float(raw[i][0]), float(raw[i][1])) for node, i in index.items()}
    except ImportError:
        sub = nx.Graph()
        sub.add_nodes_from(order)
        sub.add_edges_from(sorted(g.edges()))
        try:
            placed = nx.spring_layout(sub, seed=seed, iterations=iterations)
        except ImportError:  # networkx needs scipy above 500 nodes; a plain spiral still opens quickly
            placed = nx.spiral_layout(sub)
        coords = {node: (float(p[0]), float(p[1])) for node, p in placed.items()}
    xs = [c[0] for c in coords.values()]
    ys = [c[1] for c in coords.values()]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 or 1.0
    return {node: ((c[0] - cx) / span, (c[1] - cy) / span) for node, c in coords.items()}


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
        if text not in self._ids:
            self._ids[text] = len(self.items)
            self.items.append(text)
        return self._ids[text]


def _evidence_refs(strings: _Strings, items: list[dict[str, Any]], limit: int | None) -> list[list[Any]]:
    chosen = items if limit is None else items[:limit]
    return [[strings(e["sentence"]), strings(e["source"]), e["start"], e["end"]] for e in chosen]


def page_data(g: nx.MultiDiGraph, focus: str | None = None) -> dict[str, Any]:
    """Everything the page script needs besides vis-network's node/edge lists: per-node and per-edge details,
    the legend, and the interned strings. Plain data only; the script turns it into text nodes."""
    strings = _Strings()
    info: dict[str, dict[str, Any]] = {}
    for n, d in g.nodes(data=True):
        item: dict[str, Any] = {"l": d["label"], "t": d["type"], "iri": n}
        if d.get("kind") == "condition":
            item.update(
                syn=d.get("synonyms", []),
                ids=d.get("identifiers", []),
                prev=[
                    [p["text"], p.get("type"), p.get("class"), _evidence_refs(strings, p["evidence"], 2)]
                    for p in d.get("prevalence", [])
                ],
                src=d.get("source"),
                upd=d.get("updated"),
                comm=d.get("community"),
            )
        info[curie(n)] = {k: v for k, v in item.items() if v not in (None, [], "")}
    edges: dict[str, dict[str, Any]] = {}
    for i, (_u, _v, _k, d) in enumerate(g.edges(keys=True, data=True)):
        edges[f"e{i}"] = {
            "r": d["relation"],
            "ev": _evidence_refs(strings, d.get("evidence", []), MAX_EVIDENCE_PER_EDGE),
            "more": max(0, len(d.get("evidence", [])) - MAX_EVIDENCE_PER_EDGE),
        }
    counts = _type_counts(g)
    legend = [
        {"key": t.key, "label": t.label, "shape": t.shape, "color": t.color, "count": counts[t.key]}
        for t in ENTITY_TYPES
        if counts.get(t.key)
    ]
    return {
        "strings": strings.items,
        "nodes": info,
        "edges": edges,
        "legend": legend,
        "focus": curie(focus) if focus else None,
    }


def _type_counts(g: nx.MultiDiGraph) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for _, d in g.nodes(data=True):
        counts[d["type"]] += 1
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


def render_html(g: nx.MultiDiGraph, *, focus: str | None = None, title: str = "rare-kg network") -> str:
    """The page for an already selected network (see `select`), as a string."""
    import jinja2
    from pyvis.network import Network

    pos = layout(g)
    degree = dict(nx.Graph(g.to_undirected(as_view=True)).degree())
    net = Network(height="100%", width="100%", directed=True, cdn_resources="remote", heading="")
    # pyvis checks every new node and edge against Python lists (quadratic); fill them directly, in its format.
    for n, d in g.nodes(data=True):
        x, y = pos[n]
        net.nodes.append(
            {"id": curie(n), "label": d["label"], "group": d["type"], "size": node_size(degree[n]), "x": x, "y": y}
        )
        net.node_ids.append(curie(n))
    for i, (u, v) in enumerate(g.edges()):
        # No vis-network edge labels: it lays out and draws every one of them on every frame, on screen or not
        # (26 s for one frame of 15,000 edges here); the page script paints the relation of the edges in view.
        net.edges.append({"id": f"e{i}", "from": curie(u), "to": curie(v)})
    net.options = vis_options(g.number_of_nodes())

    app_js = (TEMPLATES / "viz.js").read_text(encoding="utf-8")
    vis_js = VIS_JS.read_text(encoding="utf-8")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, keep_trailing_newline=True
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False}
    env.globals.update(
        page_title=title,
        vis_js=_markup(vis_js),
        app_js=_markup(app_js),
        css=_markup((TEMPLATES / "viz.css").read_text(encoding="utf-8")),
        data_json=_markup(_json_for_html(page_data(g, focus))),
        csp_scripts=_markup(f"{_csp_hash(vis_js)} {_csp_hash(app_js)}"),
    )
    net.templateEnv = env
    net.path = "viz.html"
    return net.generate_html(name="network.html")


def _markup(text: str) -> Any:
    """Marks our own, trusted text (vendored script, our stylesheet, escaped JSON) as not to be escaped again."""
    from markupsafe import Markup

    return Markup(text)


def write_html(
    graph: Any,
    out_path: Path,
    *,
    condition: str | None = None,
    depth: int = 1,
    types: Collection[str] | None = None,
) -> VizSummary:
    """Write the network page of `graph` (rdflib Graph, pyoxigraph Store/Dataset, or a `project` result) to
    `out_path`, atomically. `condition` draws only that condition and what lies within `depth` steps of it;
    `types` keeps only those entity types (see `expand_types`)."""
    out_path = Path(out_path)
    full = project(graph)
    part, focus = select(full, condition=condition, depth=depth, types=types)
    title = "rare-kg network" if focus is None else f"rare-kg network: {part.nodes[focus]['label']}"
    html = render_html(part, focus=focus, title=title).encode("utf-8")
    if not out_path.parent.exists():
        raise KgError(f"{out_path.parent}: no such folder; create it or choose another --out")
    write_atomic(out_path, lambda fh: fh.write(html))
    return VizSummary(
        path=out_path,
        nodes=part.number_of_nodes(),
        edges=part.number_of_edges(),
        types=_type_counts(part),
        physics=part.number_of_nodes() <= PHYSICS_MAX_NODES,
        focus=focus,
        bytes=len(html),
    )
