"""KGX TSV export: the node and edge files the Biolink tool chain (KGX, Monarch, Translator) reads.

Layout (KGX format, TSV flavour): `{name}_nodes.tsv` and `{name}_edges.tsv`, a header row, one record per row,
multi-valued cells joined with `|`. Nodes carry `id` and `category` (Biolink classes, most specific last) plus
`name`, `synonym`, `xref`, `iri`, `provided_by` and our own columns; edges carry the required `subject`,
`predicate`, `object`, `knowledge_level`, `agent_type`, the provenance `primary_knowledge_source`, and the
sentences that support them in `supporting_text` (a Biolink slot for text-mined assertions).

How our model (docs/model.md) maps to Biolink:

- `rkg:RareCondition` -> `biolink:Disease`;
- risk factors -> `biolink:ExposureEvent` plus, by category, `GenomicBackgroundExposure` (genetic),
  `DiseaseOrPhenotypicFeatureExposure` (maternal: a mother's condition as an exposure), `EnvironmentalExposure`,
  `PathologicalProcessExposure` (vascular);
- treatment areas of every kind -> `biolink:Treatment` (our kind stays in the `rkg_type` column);
- `cond:X schema:riskFactor risk:Y` -> `risk:Y biolink:predisposes_to_condition cond:X`, and
  `cond:X rkg:treatmentArea treat:Y` -> `treat:Y biolink:treats_or_applied_or_studied_to_treat cond:X`: Biolink's
  canonical direction, the reverse of ours (our predicate is kept in `original_predicate`); the treatment
  predicate is the broad one Biolink asks for text-mined treatment statements.

Prevalence figures are not Biolink nodes; they become columns of the disease node (`prevalence`: the figures as
written, `orphanet_prevalence_class`). Edges are `knowledge_assertion` by a `text_mining_agent`, from
`infores:rare-kg`. Text cells lose tabs, newlines and `|` (replaced by spaces), which TSV and KGX's list
separator cannot carry. Output is sorted, so the same graph gives the same bytes.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, QuerySolutions, RdfFormat, Store, parse

from kg.errors import OutputError
from kg.outputs.external_sort import sorted_rows
from kg.outputs.rdf import _umask
from kg.vocab import DCTERMS, PREFIXES, PROV, RDF, RKG, SCHEMA, SKOS

BIOLINK_CATEGORY: dict[str, str] = {
    str(RKG.RareCondition): "biolink:Disease",
    str(RKG.GeneticRiskFactor): "biolink:GenomicBackgroundExposure",
    str(RKG.MaternalRiskFactor): "biolink:DiseaseOrPhenotypicFeatureExposure",
    str(RKG.EnvironmentalRiskFactor): "biolink:EnvironmentalExposure",
    str(RKG.VascularRiskFactor): "biolink:PathologicalProcessExposure",
    str(RKG.OtherRiskFactor): "biolink:ExposureEvent",
    str(RKG.RiskFactor): "biolink:ExposureEvent",
    str(RKG.TreatmentArea): "biolink:Treatment",
}
# Our edge predicate -> (Biolink predicate, whether Biolink's canonical direction is the reverse of ours).
BIOLINK_PREDICATE: dict[str, tuple[str, bool]] = {
    str(SCHEMA.riskFactor): ("biolink:predisposes_to_condition", True),
    str(RKG.treatmentArea): ("biolink:treats_or_applied_or_studied_to_treat", True),
}
KNOWLEDGE_SOURCE = "infores:rare-kg"
NODE_COLUMNS = (
    "id",
    "category",
    "name",
    "synonym",
    "xref",
    "iri",
    "provided_by",
    "rkg_type",
    "prevalence",
    "orphanet_prevalence_class",
)
EDGE_COLUMNS = (
    "id",
    "subject",
    "predicate",
    "object",
    "category",
    "knowledge_level",
    "agent_type",
    "primary_knowledge_source",
    "original_predicate",
    "publications",
    "supporting_text",
)

_NODES_QUERY = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?node ?type ?name ?synonym ?identifier ?stated ?class WHERE {
  ?node rdf:type ?mapped .
  FILTER (?mapped IN (%s))
  ?node rdf:type ?type .
  FILTER (STRSTARTS(STR(?type), "%s"))
  OPTIONAL { ?node skos:prefLabel ?name }
  OPTIONAL { ?node skos:altLabel ?synonym }
  OPTIONAL { ?node dcterms:identifier ?identifier }
  OPTIONAL {
    ?node <%s> ?figure .
    ?figure <%s> ?stated .
    OPTIONAL { ?figure <%s> ?class }
  }
}
"""
_EDGES_QUERY = "SELECT ?s ?p ?o WHERE { VALUES ?p { %s } ?s ?p ?o }"
# The sentences and documents of the edges' evidence, read from the evidence side: one scan of `rdf:predicate`, then
# lookups from each evidence node. This streams, so memory stays flat. Two other forms were measured:
# - Looking evidence up from each edge ("?evidence rdf:subject ?s ; ...") walks every evidence node of the subject
#   for every edge, 3x slower at 10,000 summaries.
# - A hash join of the evidence columns (one sub-select per column) is twice as fast, but Oxigraph holds the join in
#   memory: 1.4 GB at 100,000 summaries, against 230 MB for this form (29 s against 60 s).
_SUPPORT_QUERY = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?s ?p ?o ?sentence ?document WHERE {
  VALUES ?p { %s }
  ?evidence rdf:predicate ?p .
  ?evidence rdf:subject ?s ; rdf:object ?o ; <%s> ?sentence .
  OPTIONAL { ?evidence prov:wasDerivedFrom ?document }
}
"""
_FIRST = itemgetter(0)  # a node row's node
_STATEMENT = itemgetter(0, 1, 2)  # an edge row's subject, predicate and object


@dataclass(frozen=True, slots=True)
class KgxFiles:
    nodes: Path
    edges: Path
    node_count: int
    edge_count: int


def write_kgx(source: Store | Iterable[Quad], out_dir: Path, *, name: str = "rare-kg") -> KgxFiles:
    """Write `{name}_nodes.tsv` and `{name}_edges.tsv` into `out_dir` (atomically) from a store or quads.

    A store is read through its default graph (a build's store keeps the union there); quads are taken as they
    are, whatever their graph.
    """
    store = source if isinstance(source, Store) else _union_store(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    nodes_path = out_dir / f"{name}_nodes.tsv"
    edges_path = out_dir / f"{name}_edges.tsv"
    # one file at a time, rows streamed to disk as they are made: at 100,000 summaries holding every row (and
    # then the whole file) in memory took 3 GB; the rows are grouped by sorting them on disk beside the files
    node_count = _write_tsv(nodes_path, NODE_COLUMNS, _nodes(store, out_dir))
    edge_count = _write_tsv(edges_path, EDGE_COLUMNS, _edges(store, out_dir))
    return KgxFiles(nodes_path, edges_path, node_count, edge_count)


def write_kgx_ntriples(path: Path, out_dir: Path, *, name: str = "rare-kg") -> KgxFiles:
    """Write the same two files as `write_kgx` from an N-Triples file whose lines are sorted (a build's
    `graph.nt`), without a store: the file is read once as a stream, one subject's triples at a time, and the rows
    are grouped by sorting them on disk, so memory stays flat whatever the size. Raises OutputError if a subject's
    lines are not together (an unsorted file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    nodes_path = out_dir / f"{name}_nodes.tsv"
    edges_path = out_dir / f"{name}_edges.tsv"
    # one sort for both files: the edge rows (tag "E") come first, then the figure join's and the nodes' rows
    rows = sorted_rows(_file_rows(path), _FIRST, spill_dir=out_dir)
    rest: list[tuple[tuple[str, ...], Any]] = []

    def edge_rows() -> Iterator[_EdgeRow]:
        for key, row in rows:
            if key[0] != "E":
                rest.append((key, row))
                return
            yield row

    edge_count = _write_tsv(edges_path, EDGE_COLUMNS, _edge_groups(edge_rows()))
    node_count = _write_tsv(nodes_path, NODE_COLUMNS, _node_cells(_joined_nodes(chain(rest, rows)), out_dir))
    return KgxFiles(nodes_path, edges_path, node_count, edge_count)


def _union_store(quads: Iterable[Quad]) -> Store:
    store = Store()
    store.extend(Quad(q.subject, q.predicate, q.object) for q in quads)
    return store


# longest namespace first, so the first that matches is the one `curie` wants (ties: the first prefix declared)
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


@lru_cache(maxsize=1 << 16)
def curie(iri: str) -> str:
    """The CURIE of an IRI with our prefixes (longest namespace wins), else the IRI itself. Cached (bounded): an
    export asks for the same conditions, risk factors and documents on many rows."""
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def clean(text: str) -> str:
    """A cell value TSV and KGX's `|` lists can carry: tabs, line breaks and pipes become spaces."""
    return " ".join(text.replace("|", " ").split())


def _nodes(store: Store, spill_dir: Path) -> Iterator[list[str]]:
    types = ", ".join(f"<{iri}>" for iri in BIOLINK_CATEGORY)
    query = _NODES_QUERY % (types, PREFIXES["rkg"], RKG.prevalence, RKG.statedAs, RKG.orphanetClass)
    rows = (
        (node.value, kind.value, *(clean(term.value) if isinstance(term, Literal) else None for term in values))
        for node, kind, *values in _solutions(store, query)
    )
    return _node_cells(rows, spill_dir)


_NodeRow = tuple[str, "str | None", "str | None", "str | None", "str | None", "str | None", "str | None"]


def _node_cells(rows: Iterable[_NodeRow], spill_dir: Path) -> Iterator[list[str]]:
    """The node file's rows from (node, rkg type, name, synonym, identifier, stated figure, figure class) rows, any
    value None; a node's rows may come in any order and repeat."""
    # sorted by node on disk (kg.outputs.external_sort), so only one node's values are gathered at a time
    for iri, group in groupby(sorted_rows(rows, _FIRST, spill_dir=spill_dir), key=_FIRST):
        kinds: set[str] = set()
        names: set[str] = set()
        synonyms: set[str] = set()
        identifiers: set[str] = set()
        stated: set[str] = set()
        classes: set[str] = set()
        for _, kind, *values in group:
            if kind is not None:
                kinds.add(kind)
            for found, value in zip((names, synonyms, identifiers, stated, classes), values, strict=True):
                if value is not None:
                    found.add(value)
        categories = sorted({BIOLINK_CATEGORY[t] for t in kinds if t in BIOLINK_CATEGORY}, key=_category_rank)
        own_types = sorted(curie(t) for t in kinds)
        yield (
            [
                curie(iri),
                "|".join(categories),
                min(names, default=""),
                "|".join(sorted(synonyms)),
                "|".join(sorted(identifiers)),
                iri,
                KNOWLEDGE_SOURCE,
                "|".join(own_types),
                "|".join(sorted(stated)),
                "|".join(sorted(classes)),
            ]
        )


def _solutions(store: Store, query: str) -> QuerySolutions:
    answer = store.query(query)
    assert isinstance(answer, QuerySolutions)
    return answer


def _category_rank(category: str) -> tuple[int, str]:
    """The generic `ExposureEvent` first, the specific class last (KGX lists broad to narrow)."""
    return (0 if category == "biolink:ExposureEvent" else 1, category)


def _edges(store: Store, spill_dir: Path) -> Iterator[list[str]]:
    predicates = " ".join(f"<{iri}>" for iri in BIOLINK_PREDICATE)
    # one row per edge (True) and one per evidence node (False, its sentence and document)
    stated = ((s.value, p.value, o.value, True, None, None) for s, p, o in _solutions(store, _EDGES_QUERY % predicates))
    support = (
        (
            s.value,
            p.value,
            o.value,
            False,
            clean(sentence.value) if isinstance(sentence, Literal) else None,
            curie(document.value) if isinstance(document, NamedNode) else None,
        )
        for s, p, o, sentence, document in _solutions(store, _SUPPORT_QUERY % (predicates, RKG.sentence))
    )
    return _edge_cells(chain(stated, support), spill_dir)


_EdgeRow = tuple[str, str, str, bool, "str | None", "str | None"]


def _edge_cells(rows: Iterable[_EdgeRow], spill_dir: Path) -> Iterator[list[str]]:
    """The edge file's rows from edge rows (s, p, o, True, None, None) and evidence rows (s, p, o, False, sentence,
    document), in any order."""
    # sorted by the statement on disk (kg.outputs.external_sort): only one edge's evidence is gathered at a time
    return _edge_groups(sorted_rows(rows, _STATEMENT, spill_dir=spill_dir))


def _edge_groups(rows: Iterable[_EdgeRow]) -> Iterator[list[str]]:
    """`_edge_cells` of rows already sorted by their statement."""
    for (s, p, o), group in groupby(rows, _STATEMENT):
        is_edge = False
        sentences: set[str] = set()
        documents: set[str] = set()
        for *_, edge_row, sentence, document in group:
            is_edge = is_edge or edge_row
            if sentence is not None:
                sentences.add(sentence)
            if document is not None:
                documents.add(document)
        if not is_edge:  # evidence of a statement the graph does not make: no edge to support
            continue
        predicate, reverse = BIOLINK_PREDICATE[p]
        subject, obj = (o, s) if reverse else (s, o)
        yield (
            [
                f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{s} {p} {o}')}",
                curie(subject),
                predicate,
                curie(obj),
                "biolink:Association",
                "knowledge_assertion",
                "text_mining_agent",
                KNOWLEDGE_SOURCE,
                curie(p),
                "|".join(sorted(documents)),
                "|".join(sorted(sentences)),
            ]
        )


# ------------------------------------------------------------------------------- from a sorted N-Triples file
# The same rows as the queries above give, made from each subject's triples. The values are read as the queries'
# bindings are: `.value` of any term, literals only where a text is wanted (`clean`), IRIs only for documents.

_TYPE, _PREF, _ALT, _IDENT = str(RDF.type), str(SKOS.prefLabel), str(SKOS.altLabel), str(DCTERMS.identifier)
_PREVALENCE, _STATED, _CLASS = str(RKG.prevalence), str(RKG.statedAs), str(RKG.orphanetClass)
_EV_SUBJECT, _EV_PREDICATE, _EV_OBJECT = str(RDF.subject), str(RDF.predicate), str(RDF.object)
_SENTENCE, _DERIVED = str(RKG.sentence), str(PROV.wasDerivedFrom)
_NODE_FIELDS = {_TYPE: 0, _PREF: 1, _ALT: 2, _IDENT: 3, _PREVALENCE: 4, _STATED: 5, _CLASS: 6}
_EVIDENCE_FIELDS = {_EV_SUBJECT: 0, _EV_PREDICATE: 1, _EV_OBJECT: 2, _SENTENCE: 3, _DERIVED: 4}


def _subjects(path: Path) -> Iterator[tuple[Any, list[tuple[str, Any]]]]:
    """(subject, [(predicate IRI, object)]) for each subject of a sorted N-Triples file, in file order."""
    last: str | None = None
    subject: Any = None
    triples: list[tuple[str, Any]] = []
    try:
        for t in parse(path=str(path), format=RdfFormat.N_TRIPLES):
            if t.subject != subject:
                if subject is not None:
                    yield subject, triples
                key = str(t.subject)  # the subject as the line starts with it: sorted lines sort by it
                if last is not None and key <= last:
                    raise OutputError(f"{path}: the lines are not sorted ({key} after {last}); sort the file first")
                last, subject, triples = key, t.subject, []
            triples.append((t.predicate.value, t.object))
    except (OSError, SyntaxError) as exc:
        raise OutputError(f"{path}: cannot read it as N-Triples ({exc})") from exc
    if subject is not None:
        yield subject, triples


def _text(term: Any) -> str | None:
    return clean(term.value) if isinstance(term, Literal) else None


_FileRow = tuple[tuple[str, ...], Any]  # (sort key, row)
_NO = ("", "")  # the unused tail of a figure's or a node's sort key (an edge's is its statement)


def _file_rows(path: Path) -> Iterator[_FileRow]:
    """Every row the two files need, from each subject's triples, under one sort key: ("E", s, p, o) for the
    edges and the statements evidence nodes support; ("F", figure) for a figure's texts and for each node that
    shows them (a node's figures are other subjects, so their texts reach it through this join); ("N", node) for a
    node's own values."""
    rkg = PREFIXES["rkg"]
    for subject, triples in _subjects(path):
        fields: list[list[Any]] = [[] for _ in range(7)]
        evidence: list[list[Any]] = [[] for _ in range(5)]
        for p, o in triples:
            slot = _NODE_FIELDS.get(p)
            if slot is not None:
                fields[slot].append(o)
            slot = _EVIDENCE_FIELDS.get(p)
            if slot is not None:
                evidence[slot].append(o)
            if p in BIOLINK_PREDICATE:
                s_, o_ = subject.value, o.value
                yield ("E", s_, p, o_), (s_, p, o_, True, None, None)
        types, names, synonyms, identifiers, figures, stated, classes = fields
        if stated:  # a figure: what its owners show of it (its class only beside a stated text, as in the query)
            yield ("F", str(subject), *_NO), (0, tuple(map(_text, stated)), tuple(map(_text, classes)))
        if any(isinstance(t, NamedNode) and t.value in BIOLINK_CATEGORY for t in types):
            node = subject.value
            kinds = tuple(t.value for t in types if not isinstance(t, BlankNode) and t.value.startswith(rkg))
            texts = (tuple(map(_text, names)), tuple(map(_text, synonyms)), tuple(map(_text, identifiers)))
            yield ("N", node, *_NO), (kinds, texts)
            for figure in figures:
                yield ("F", str(figure), *_NO), (1, node, None)
        yield from _supported(evidence)


def _supported(evidence: list[list[Any]]) -> Iterator[_FileRow]:
    """The rows of what one evidence node supports (the support query's solutions for it)."""
    subjects, predicates, objects, sentences, documents = evidence
    stated = [p.value for p in predicates if isinstance(p, NamedNode) and p.value in BIOLINK_PREDICATE]
    if not (stated and subjects and objects and sentences):
        return
    docs = [curie(d.value) if isinstance(d, NamedNode) else None for d in documents] or [None]
    for p in stated:
        for s in subjects:
            for o in objects:
                for sentence in sentences:
                    text = _text(sentence)
                    for document in docs:
                        yield ("E", s.value, p, o.value), (s.value, p, o.value, False, text, document)


def _joined_nodes(rows: Iterable[_FileRow]) -> Iterator[_NodeRow]:
    """Rows for `_node_cells` from the "F" and "N" rows of `_file_rows`, sorted by their key."""
    for (tag, *_), group in groupby(rows, _FIRST):
        if tag == "N":
            for key, (kinds, (names, synonyms, identifiers)) in group:
                node = key[1]
                yield from ((node, kind, None, None, None, None, None) for kind in kinds)
                yield from ((node, None, n, None, None, None, None) for n in names)
                yield from ((node, None, None, n, None, None, None) for n in synonyms)
                yield from ((node, None, None, None, n, None, None) for n in identifiers)
            continue
        parts = [row for _, row in group]  # one figure: its texts (if it has a stated text) and the nodes showing it
        texts = [(stated, classes) for part, stated, classes in parts if part == 0]
        for owner in (row[1] for row in parts if row[0] == 1):
            for stated, classes in texts:
                yield from ((owner, None, None, None, None, text, None) for text in stated)
                yield from ((owner, None, None, None, None, None, c) for c in classes)


def _write_tsv(path: Path, header: tuple[str, ...], rows: Iterable[list[str]]) -> int:
    """Write the rows under the header (atomically) and return how many there were."""
    # Cells are `clean`ed or come from IRIs/CURIEs, so plain joins need no quoting (KGX readers expect none).
    tmp: str | None = None
    count = 0
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False) as fh:
            tmp = fh.name
            fh.write(("\t".join(header) + "\n").encode("utf-8"))
            batch: list[str] = []
            for cells in rows:
                batch.append("\t".join(cells) + "\n")
                count += 1
                if len(batch) >= 4096:
                    fh.write("".join(batch).encode("utf-8"))
                    batch = []
            fh.write("".join(batch).encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # a temporary file is private; the export is an ordinary file
        os.replace(tmp, path)
    except BaseException as exc:  # the rows are made while writing: whatever stops them, no half file is left
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write it ({exc}); the previous file is untouched") from exc
        raise
    return count
