"""Graph: turn one extracted `Record` into the RDF quads of its own named graph (the model is
`docs/model.md`).

Everything a document contributes lives in the named graph `doc:{id}`, including the type and label triples of
the shared risk-factor and treatment-area nodes it mentions, so replacing that one graph replaces the
document's facts completely and a flat union of all graphs is still a complete, valid graph. Every fact gets
one `rkg:Evidence` node per mention: the sentence, its character offsets and the extractor that read it.
Nothing here uses blank nodes or depends on the order other documents are processed in, so the same record
always gives the same quads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from kg import link
from kg.records import Evidence, Mention, Prevalence, Record
from kg.vocab import COND, DOC, EVID, ORDO, PREV, RISK, RKG, SCHEMA, TREAT
from kg.vocab import DCTERMS as _DCTERMS
from kg.vocab import PROV as _PROV
from kg.vocab import RDF as _RDF
from kg.vocab import RDFS as _RDFS
from kg.vocab import SKOS as _SKOS
from kg.vocab import XSD as _XSD

LEXICONS = Path(__file__).resolve().parent.parent / "data" / "lexicons"


def _n(iri: object) -> NamedNode:
    return NamedNode(str(iri))


# A vocabulary term (predicate or class) as a NamedNode, made once: every record asks for the same few hundred,
# about a hundred times each. Not for instance IRIs, which are many and used once.
_term = lru_cache(maxsize=1024)(_n)


class _Terms:
    """Our ontology's terms as NamedNodes, each made on its first use and then kept as a plain attribute: reading
    `RKG.x` builds and checks a URIRef every time, and a record reads a few hundred of them."""

    def __init__(self, namespace: type[RKG]) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        node = _n(getattr(self._namespace, name))
        setattr(self, name, node)
        return node


R = _Terms(RKG)


# Terms used on every record, built once.
A = _n(_RDF.type)
RDF_SUBJECT, RDF_PREDICATE, RDF_OBJECT, RDF_STATEMENT = (
    _n(_RDF.subject),
    _n(_RDF.predicate),
    _n(_RDF.object),
    _n(_RDF.Statement),
)
RDFS_LABEL = _n(_RDFS.label)
PREF_LABEL, ALT_LABEL, EXACT_MATCH, CLOSE_MATCH = (
    _n(_SKOS.prefLabel),
    _n(_SKOS.altLabel),
    _n(_SKOS.exactMatch),
    _n(_SKOS.closeMatch),
)
DERIVED_FROM, PROV_ENTITY = _n(_PROV.wasDerivedFrom), _n(_PROV.Entity)
DC_IDENTIFIER, DC_MODIFIED, DC_TITLE = _n(_DCTERMS.identifier), _n(_DCTERMS.modified), _n(_DCTERMS.title)
XSD_DATE, XSD_INTEGER = _n(_XSD.date), _n(_XSD.integer)
MEDICAL_CONDITION, MEDICAL_RISK_FACTOR, RISK_FACTOR_P = (
    _n(SCHEMA.MedicalCondition),
    _n(SCHEMA.MedicalRiskFactor),
    _n(SCHEMA.riskFactor),
)

RISK_CLASS = {
    "genetic": RKG.GeneticRiskFactor,
    "maternal": RKG.MaternalRiskFactor,
    "environmental": RKG.EnvironmentalRiskFactor,
    "vascular": RKG.VascularRiskFactor,
    "other": RKG.OtherRiskFactor,
}
TREATMENT_CLASS = {"specialty": RKG.Specialty, "care_model": RKG.CareModel, "intervention": RKG.Intervention}
PREVALENCE_CLASS = {
    "point": RKG.PointPrevalence,
    "birth": RKG.BirthPrevalence,
    "incidence": RKG.Incidence,
}
PREVALENCE_TYPE_LABEL = {"point": "point prevalence", "birth": "birth prevalence", "incidence": "incidence"}
# The spaCy components (kg/extract) that produce each field, recorded as rkg:extractor on its evidence.
EXTRACTORS = {
    "condition": "rkg_names",
    "synonyms": "rkg_names",
    "risk_factors": "rkg_risk_factors",
    "treatment_areas": "rkg_treatment_areas",
    "prevalence": "rkg_prevalence",
    "community_count": "rkg_community",
    "identifiers": "kg.link",
}
_SAFE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def local_id(record_id: str) -> str:
    """The record id as used in IRIs: itself when it is already a slug, else its slug."""
    return record_id if _SAFE_ID.fullmatch(record_id) else link.slug(record_id)


def document_graph(record_id: str) -> NamedNode:
    """The named graph (and document node) of a record: replace this graph to re-ingest the document."""
    return _n(DOC[local_id(record_id)])


def condition_node(record_id: str) -> NamedNode:
    return _n(COND[local_id(record_id)])


def risk_factor_node(label: str) -> NamedNode:
    """The shared node of a risk factor; `label` is normalised here, so any wording gives the same node."""
    return _n(RISK[link.slug(link.normalise_label("risk_factor", label))])


def treatment_area_node(label: str) -> NamedNode:
    return _n(TREAT[link.slug(link.normalise_label("treatment_area", label))])


def _en(text: str) -> Literal:
    return Literal(text, language="en")


class _Quads:
    """Collects the quads of one named graph in insertion order, without duplicates."""

    def __init__(self, graph: NamedNode) -> None:
        self.graph = graph
        self._quads: dict[Quad, None] = {}

    def add(self, s: NamedNode, p: object, o: NamedNode | Literal) -> None:
        self._quads[Quad(s, p if isinstance(p, NamedNode) else _term(p), o, self.graph)] = None

    def __iter__(self) -> Iterator[Quad]:
        return iter(self._quads)


def record_quads(record: Record) -> list[Quad]:
    """All quads of one document, in its named graph `doc:{id}` (see docs/model.md for the model).

    Self-contained: the shared risk-factor/treatment nodes' types and labels are repeated in every document
    that uses them, so dropping a document's graph removes exactly its contribution.
    """
    rid = local_id(record.id)
    doc = document_graph(record.id)
    cond = condition_node(record.id)
    q = _Quads(doc)

    # the source document
    q.add(doc, A, R.SourceDocument)
    q.add(doc, A, PROV_ENTITY)
    q.add(doc, R.sourcePath, Literal(record.source))
    q.add(doc, DC_TITLE, _en(record.condition.label))
    if record.last_updated and _ISO_DATE.fullmatch(record.last_updated):
        q.add(doc, DC_MODIFIED, Literal(record.last_updated, datatype=XSD_DATE))

    # the condition, its names and identifiers
    label = record.condition.label.strip()
    q.add(cond, A, MEDICAL_CONDITION)
    q.add(cond, A, R.RareCondition)
    q.add(cond, PREF_LABEL, _en(label))
    q.add(cond, RDFS_LABEL, _en(label))
    q.add(cond, DERIVED_FROM, doc)
    ev = _Evidence(q, rid, cond, doc)
    if record.condition.evidence is not None:
        ev.add(PREF_LABEL, _en(label), record.condition.evidence, EXTRACTORS["condition"])

    pref_key = link.normalise_label("synonym", label)
    for m in record.synonyms:
        alt = re.sub(r"\s+", " ", m.label).strip()
        if not alt or link.normalise_label("synonym", alt) == pref_key:
            continue
        q.add(cond, ALT_LABEL, _en(alt))
        ev.add(ALT_LABEL, _en(alt), m.evidence, EXTRACTORS["synonyms"])

    _identifiers(record, cond, q, ev)

    # risk factors and treatment areas: shared nodes, one edge, one evidence per mention
    for m in record.risk_factors:
        node = _shared(q, "risk_factor", m)
        if node is not None:
            q.add(cond, RISK_FACTOR_P, node)
            ev.add(RISK_FACTOR_P, node, m.evidence, EXTRACTORS["risk_factors"])
    for m in record.treatment_areas:
        node = _shared(q, "treatment_area", m)
        if node is not None:
            q.add(cond, R.treatmentArea, node)
            ev.add(R.treatmentArea, node, m.evidence, EXTRACTORS["treatment_areas"])

    # prevalence figures, numbered in text order
    ordered = sorted(enumerate(record.prevalence), key=lambda ip: (ip[1].evidence.start, ip[0]))
    for n, (_, p) in enumerate(ordered, start=1):
        node = _n(PREV[f"{rid}-{n}"])
        _prevalence(q, node, p, record.prevalence)
        q.add(cond, R.prevalence, node)
        ev.add(R.prevalence, node, p.evidence, EXTRACTORS["prevalence"])

    if record.community_count is not None:
        count = Literal(str(int(record.community_count)), datatype=XSD_INTEGER)
        q.add(doc, R.communityCount, count)
        if record.community_evidence is not None:
            ev.add(
                R.communityCount,
                count,
                record.community_evidence,
                EXTRACTORS["community_count"],
                subject=doc,
            )
    return list(q)


def records_quads(records: Iterable[Record]) -> Iterator[Quad]:
    """The quads of many records, one named graph each."""
    for record in records:
        yield from record_quads(record)


class _Evidence:
    """Mints the evidence nodes of one document. The IRI hashes the fact and where it was read, so each
    mention of a fact has its own stable node, and the same mention always gets the same IRI."""

    def __init__(self, q: _Quads, rid: str, cond: NamedNode, doc: NamedNode) -> None:
        self.q, self.rid, self.cond, self.doc = q, rid, cond, doc

    def node(self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal, where: str) -> NamedNode:
        digest = hashlib.sha1(f"{subject} {predicate} {obj} {where}".encode()).hexdigest()[:12]
        return _n(EVID[f"{self.rid}-{digest}"])

    def _common(
        self,
        node: NamedNode,
        subject: NamedNode,
        predicate: NamedNode,
        obj: NamedNode | Literal,
        extractor: str,
    ) -> None:
        q = self.q
        q.add(node, A, R.Evidence)
        q.add(node, A, RDF_STATEMENT)
        q.add(node, A, PROV_ENTITY)
        q.add(node, RDF_SUBJECT, subject)
        q.add(node, RDF_PREDICATE, predicate)
        q.add(node, RDF_OBJECT, obj)
        q.add(node, R.extractor, Literal(extractor))
        q.add(node, DERIVED_FROM, self.doc)
        q.add(self.cond, R.evidence, node)

    def _sentence(self, node: NamedNode, evidence: Evidence) -> None:
        self.q.add(node, R.sentence, Literal(evidence.sentence))
        self.q.add(node, R.startOffset, Literal(str(int(evidence.start)), datatype=XSD_INTEGER))
        self.q.add(node, R.endOffset, Literal(str(int(evidence.end)), datatype=XSD_INTEGER))

    def add(
        self,
        predicate: NamedNode,
        obj: NamedNode | Literal,
        evidence: Evidence,
        extractor: str,
        subject: NamedNode | None = None,
    ) -> NamedNode:
        subject = self.cond if subject is None else subject
        node = self.node(subject, predicate, obj, f"{evidence.start}:{evidence.end}")
        self._common(node, subject, predicate, obj, extractor)
        self._sentence(node, evidence)
        return node

    def mapping(
        self, predicate: NamedNode, target: NamedNode, grounding: link.Grounding, evidence: Evidence | None
    ) -> NamedNode:
        """Evidence of an identifier link: how it matched, on which name, from which mapping resource."""
        node = self.node(self.cond, predicate, target, f"{grounding.method}:{grounding.matched}")
        self._common(node, self.cond, predicate, target, EXTRACTORS["identifiers"])
        self.q.add(node, R.matchMethod, Literal(grounding.method))
        self.q.add(node, R.matchedLabel, Literal(grounding.matched))
        if grounding.source:
            self.q.add(node, R.mappingSource, Literal(grounding.source))
        if evidence is not None:
            self._sentence(node, evidence)
        return node


def _identifiers(record: Record, cond: NamedNode, q: _Quads, ev: _Evidence) -> None:
    """skos:exactMatch (preferred label matched) or closeMatch (only a synonym matched) for each id on the
    record.

    The record carries CURIEs only; how each was matched is recomputed with `link.ground`, which is cheap and
    deterministic. Ids the resources do not explain (given by a curator in the input) are exact, method
    'provided'.
    """
    if not record.condition.ids:
        return
    found = {g.curie: g for g in link.ground(record.condition.label, [m.label for m in record.synonyms])}
    syn_evidence = {m.label: m.evidence for m in record.synonyms}
    for curie in link.sort_curies(record.condition.ids):
        try:
            target = NamedNode(link.curie_iri(curie))
        except ValueError:
            continue  # an id of a scheme we do not link (kept in the JSON record, not in the graph)
        g = found.get(curie) or link.Grounding(curie, str(target), link.PROVIDED, record.condition.label, "")
        predicate = CLOSE_MATCH if g.method == link.SYNONYM else EXACT_MATCH
        q.add(cond, predicate, target)
        q.add(cond, DC_IDENTIFIER, Literal(curie))
        where = syn_evidence.get(g.matched) if g.method == link.SYNONYM else record.condition.evidence
        ev.mapping(predicate, target, g, where)


def _shared(q: _Quads, kind: str, mention: Mention) -> NamedNode | None:
    """The shared node of a risk factor / treatment area, with the type and label triples it needs."""
    found = _shared_node(kind, mention.label)
    if found is None:
        return None
    node, triples = found
    for p, o in triples:
        q.add(node, p, o)
    return node


@lru_cache(maxsize=1 << 14)
def _shared_node(kind: str, label: str) -> tuple[NamedNode, tuple[tuple[NamedNode, NamedNode | Literal], ...]] | None:
    """A mention's shared node and its type and label triples, worked out once per label: the same few thousand
    labels recur across a corpus, and normalising, classifying and slugging one costs more than its quads."""
    canon = link.normalise_label(kind, label)
    if not canon:
        return None
    cat = link.category(kind, canon)
    types: tuple[tuple[NamedNode, NamedNode], ...]
    if kind == "risk_factor":
        node = _n(RISK[link.slug(canon)])
        types = ((A, MEDICAL_RISK_FACTOR), (A, R.RiskFactor), (A, _term(RISK_CLASS[cat])))
    else:
        node = _n(TREAT[link.slug(canon)])
        types = ((A, R.TreatmentArea), (A, _term(TREATMENT_CLASS[cat])))
    return node, (*types, (PREF_LABEL, _en(canon)), (RDFS_LABEL, _en(canon)))


# ---------------------------------------------------------------------------------------------- prevalence


@dataclass(frozen=True, slots=True)
class _PrevalenceCues:
    """The patterns of data/lexicons/link-prevalence-types.tsv (its header says how they are used)."""

    population: tuple[tuple[str, re.Pattern[str]], ...]
    scope: tuple[tuple[str, re.Pattern[str]], ...]
    boundary: re.Pattern[str] | None
    shared: re.Pattern[str] | None


@lru_cache(maxsize=1)
def _prevalence_cues() -> _PrevalenceCues:
    population, scope, boundary, shared = [], [], [], []
    for kind, field, pattern in link._read_tsv(LEXICONS / "link-prevalence-types.tsv", 3):
        compiled = re.compile(pattern, re.I)
        if kind in PREVALENCE_CLASS and field == "population":
            population.append((kind, compiled))
        elif kind in PREVALENCE_CLASS and field == "scope":
            scope.append((kind, compiled))
        elif (kind, field) == ("clause", "boundary"):
            boundary.append(pattern)
        elif (kind, field) == ("shared", "connective"):
            shared.append(pattern)
    return _PrevalenceCues(
        tuple(population),
        tuple(scope),
        re.compile("|".join(f"(?:{b})" for b in boundary), re.I) if boundary else None,
        re.compile("|".join(f"(?:{c})" for c in shared), re.I) if shared else None,
    )


def _same_sentence(p: Prevalence, q: Prevalence) -> bool:
    return (q.evidence.start, q.evidence.end, q.evidence.sentence) == (
        p.evidence.start,
        p.evidence.end,
        p.evidence.sentence,
    )


def _located(p: Prevalence, figures: Iterable[Prevalence]) -> tuple[list[tuple[int, int, Prevalence]], int]:
    """The figures of p's sentence with their spans in it, in text order, and the index of p among them (-1 when
    p's text is not in its sentence, e.g. a hand-made record). A text given twice takes the next occurrence."""
    sentence = p.evidence.sentence
    spans: list[tuple[int, int, Prevalence]] = []
    mine = -1
    same = [q for q in figures if q is not p and _same_sentence(p, q)]
    # longest texts first, each at its first place no other figure holds ("100,000 people" is not the tail of
    # "2 new cases per 100,000 people" when both are figures of the sentence)
    for q in sorted([p, *same], key=lambda q: -len(q.text)):
        pos = sentence.find(q.text) if q.text else -1
        while pos >= 0 and any(pos < e and s < pos + len(q.text) for s, e, _ in spans):
            pos = sentence.find(q.text, pos + 1)
        if pos >= 0:
            spans.append((pos, pos + len(q.text), q))
    spans.sort(key=lambda s: (s[0], -s[1]))
    for i, (_, _, q) in enumerate(spans):
        if q is p:
            mine = i
    return spans, mine


def _scope(sentence: str, spans: list[tuple[int, int, Prevalence]], i: int, boundary: re.Pattern[str] | None) -> str:
    """The words that belong to figure i: from the previous figure (or the last clause boundary before it) to
    the next figure (or the first clause boundary after it)."""
    start, end, _ = spans[i]
    left = spans[i - 1][1] if i > 0 else 0
    right = spans[i + 1][0] if i + 1 < len(spans) else len(sentence)
    if boundary is not None:
        for m in boundary.finditer(sentence, left, start):
            left = m.end()
        after = boundary.search(sentence, end, right)
        if after is not None:
            right = after.start()
    return sentence[left:right]


def _stated_type(scope: str, cues: _PrevalenceCues) -> str | None:
    for kind, pattern in cues.scope:
        if pattern.search(scope):
            return kind
    return None


def prevalence_type(p: Prevalence, figures: Iterable[Prevalence] = ()) -> str:
    """'birth', 'incidence' or 'point', decided for this figure alone: birth prevalence counts live births or
    newborns, incidence new cases in a period, anything else is a point prevalence in the population named.

    `figures` are the record's other figures: those read from the same sentence bound this figure's own words
    (a sentence may give a birth prevalence and a count of people living with the condition). A figure that
    states no type of its own takes the stated type of a figure it is compared with ("... per million children
    each year, compared with 1 per million adults"). The cues are data: link-prevalence-types.tsv.
    """
    cues = _prevalence_cues()
    for kind, pattern in cues.population:
        if p.population and pattern.search(p.population):
            return kind
    sentence = p.evidence.sentence
    spans, i = _located(p, figures)
    if i < 0:  # the text is not in the sentence: its wording is all there is to go on
        return _stated_type(f"{p.text} {sentence}", cues) or "point"
    own = _stated_type(_scope(sentence, spans, i, cues.boundary), cues)
    if own is not None:
        return own
    if cues.shared is not None:
        for j in (i - 1, i + 1):
            if not 0 <= j < len(spans):
                continue
            gap = sentence[spans[min(i, j)][1] : spans[max(i, j)][0]]
            if not cues.shared.search(gap):
                continue
            theirs = _stated_type(_scope(sentence, spans, j, cues.boundary), cues)
            if theirs in ("incidence", "birth"):
                return theirs
    return "point"


# Orphanet prevalence classes: (lower edge inclusive, label as Orphanet writes it), from the highest.
_ORPHANET_CLASSES = (
    (1e-3, ">1 / 1000"),
    (6e-4, "6-9 / 10 000"),
    (1e-4, "1-5 / 10 000"),
    (1e-5, "1-9 / 100 000"),
    (1e-6, "1-9 / 1 000 000"),
)
_EPS = 1e-9
# The ORDO terms of those classes (Orphanet's prevalence-class individuals).
ORPHANET_CLASS_TERMS = {
    ">1 / 1000": "Orphanet_409980",
    "6-9 / 10 000": "Orphanet_409978",
    "1-5 / 10 000": "Orphanet_409975",
    "1-9 / 100 000": "Orphanet_409977",
    "1-9 / 1 000 000": "Orphanet_409976",
    "<1 / 1 000 000": "Orphanet_409979",
}


def orphanet_class(low: float | None, high: float | None) -> str | None:
    """The Orphanet-style prevalence class of a fraction range, from its midpoint; None when the range does
    not decide one (an open "fewer than 1 in 10,000", or no fraction at all)."""
    if high is None:
        if low is not None and low >= 1e-3 * (1 - _EPS):
            return ">1 / 1000"
        return None
    if low is None:
        low = high
    if low <= 0:
        return "<1 / 1 000 000" if high <= 1e-6 * (1 + _EPS) else None
    mid = (low + high) / 2
    for edge, name in _ORPHANET_CLASSES:
        if mid >= edge * (1 - _EPS):
            return name
    return "<1 / 1 000 000"


def _prevalence(q: _Quads, node: NamedNode, p: Prevalence, figures: tuple[Prevalence, ...]) -> None:
    q.add(node, A, R.PrevalenceFigure)
    kind = prevalence_type(p, figures)
    q.add(node, A, _term(PREVALENCE_CLASS[kind]))
    q.add(node, R.prevalenceType, Literal(PREVALENCE_TYPE_LABEL[kind]))
    q.add(node, R.statedAs, Literal(p.text))
    if p.low is not None:
        q.add(node, R.lowerBound, Literal(float(p.low)))
    if p.high is not None:
        q.add(node, R.upperBound, Literal(float(p.high)))
    if p.population:
        q.add(node, R.population, Literal(p.population))
    if p.count is not None:
        q.add(node, R.count, Literal(str(int(p.count)), datatype=XSD_INTEGER))
    if p.area:
        q.add(node, R.area, Literal(p.area))
    cls = orphanet_class(p.low, p.high)
    if cls is not None:
        q.add(node, R.orphanetClass, Literal(cls))
        q.add(node, R.orphanetPrevalenceClass, _n(ORDO[ORPHANET_CLASS_TERMS[cls]]))
