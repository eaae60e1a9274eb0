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

from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, Store

from kg.errors import OutputError
from kg.outputs.external_sort import sorted_rows
from kg.vocab import PREFIXES, RKG, SCHEMA

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
    # sorted by node on disk (kg.outputs.external_sort), so only one node's values are gathered at a time
    for iri, group in groupby(sorted_rows(rows, _FIRST, spill_dir=spill_dir), key=_FIRST):
        kinds: set[str] = set()
        names: set[str] = set()
        synonyms: set[str] = set()
        identifiers: set[str] = set()
        stated: set[str] = set()
        classes: set[str] = set()
        for _, kind, *values in group:
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
    # one row per edge (True) and one per evidence node (False, its sentence and document), sorted by the statement
    # on disk (kg.outputs.external_sort): only one edge's evidence is gathered at a time
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
    for (s, p, o), group in groupby(sorted_rows(chain(stated, support), _STATEMENT, spill_dir=spill_dir), _STATEMENT):
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


def _write_tsv(path: Path, header: tuple[str, ...], rows: Iterable[list[str]]) -> int:
    """Write the rows under the header (atomically) and return how many there were."""
    # Cells are `clean`ed or come from IRIs/CURIEs, so plain joins need no quoting (KGX readers expect none).
    tmp: str | None = None
    count = 0
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as fh:
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
        os.replace(tmp, path)
    except BaseException as exc:  # the rows are made while writing: whatever stops them, no half file is left
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write it ({exc}); the previous file is untouched") from exc
        raise
    return count
