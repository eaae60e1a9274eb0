"""Validate: check a graph against the SHACL shapes in `ontologies/shapes.ttl` and report violations readably.

`kg build` validates what it produced and fails loudly on a violation; `kg validate GRAPH` checks any file.
The report has one line per violation, naming the node (as a prefixed name), the property and what is wrong,
sorted so the same graph always gives the same report. Because every constraint is local to one document's
named graph, large inputs are validated in batches of documents (`validate_documents`), which keeps pyshacl's
cost linear.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.errors import InputError, KgError
from kg.vocab import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "ontologies" / "shapes.ttl"

_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True, slots=True, order=True)
class Violation:
    """One SHACL result: the node it is about, the property path, and the message for a person."""

    focus: str
    path: str
    message: str
    value: str = ""
    severity: str = "Violation"

    def line(self) -> str:
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.focus}  {self.path or '-'}  {self.message}{value}"


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """What `validate` found. `conforms` is True when there is no violation; `text` is the readable report."""

    conforms: bool
    violations: tuple[Violation, ...] = ()
    nodes: int = 0
    triples: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        if self.conforms:
            return f"conforms: {self.triples} triples checked against {SHAPES.name}, no violations"
        lines = [v.line() for v in self.violations]
        head = f"{len(self.violations)} violation(s) of {SHAPES.name} in {self.triples} triples:"
        return "\n".join([head, *lines])

    def merge(self, other: ValidationReport) -> ValidationReport:
        return ValidationReport(
            conforms=self.conforms and other.conforms,
            violations=tuple(sorted({*self.violations, *other.violations})),
            triples=self.triples + other.triples,
        )


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The SHACL shapes, parsed once per process."""
    return Graph().parse(SHAPES, format="turtle")


@lru_cache(maxsize=1)
def _core_shapes() -> Graph:
    """The shapes without their SPARQL-based constraints, which run on Oxigraph instead (`_sparql_checks`)."""
    core = Graph()
    for triple in shapes_graph():
        if triple[1] != SH.sparql:
            core.add(triple)
    return core


@dataclass(frozen=True, slots=True)
class _SparqlCheck:
    query: str
    message: str


@lru_cache(maxsize=1)
def _sparql_checks() -> tuple[_SparqlCheck, ...]:
    """Each SHACL-SPARQL constraint as one query over the whole graph: `$this` bound by the shape's target
    class.

    pyshacl runs such a query once per focus node through rdflib's SPARQL engine, which is quadratic in
    practice (100 documents: 27 s); Oxigraph runs the rewritten query once in milliseconds.
    """
    shapes = shapes_graph()
    checks = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql), key=lambda so: (str(so[0]), str(so[1]))):
        targets = sorted(shapes.objects(shape, SH.targetClass), key=str)
        select = str(shapes.value(constraint, SH.select))
        message = str(shapes.value(constraint, SH.message) or shapes.value(shape, SH.message) or "")
        prefixes = []
        for decl_owner in shapes.objects(constraint, SH.prefixes):
            for decl in shapes.objects(decl_owner, SH.declare):
                prefixes.append(f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>")
        body = select.replace("$this", "?this")
        head, sep, rest = body.partition("{")
        for target in targets:
            query = "\n".join(sorted(set(prefixes))) + f"\n{head}{sep} ?this a <{target}> . {rest}"
            checks.append(_SparqlCheck(query=query, message=message))
    return tuple(checks)


def validate(source: Graph | Iterable[ox.Quad | ox.Triple] | str | Path) -> ValidationReport:
    """Validate one graph: an rdflib Graph, pyoxigraph quads/triples (graphs merged), or an RDF file."""
    return _validate_triples(_as_triples(source))


def validate_documents(quads: Iterable[ox.Quad], batch: int = 500) -> ValidationReport:
    """Validate quads grouped by named graph, `batch` documents at a time; the union report of all batches.

    Equivalent to validating the union (every shape looks only within one document and the shared nodes it
    repeats), with memory bounded by the batch; callers may run batches in parallel processes.
    """
    by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        by_graph[str(q.graph_name)].append(q)
    report = ValidationReport(conforms=True)
    names = sorted(by_graph)
    for i in range(0, len(names), max(1, batch)):
        chunk = [q for name in names[i : i + batch] for q in by_graph[name]]
        report = report.merge(validate(chunk))
    return report


def _validate_triples(triples: set[ox.Triple]) -> ValidationReport:
    from pyshacl import validate as shacl_validate

    data = Graph()
    for t in triples:
        data.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
    _, results, _ = shacl_validate(
        data,
        shacl_graph=_core_shapes(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
    )
    if not isinstance(results, Graph):  # pyshacl could not apply the shapes at all
        raise KgError(f"{SHAPES}: the SHACL shapes could not be applied ({getattr(results, 'message', results)})")
    found = set(_violations(results, data))
    found.update(_sparql_violations(triples))
    violations = tuple(sorted(found))
    return ValidationReport(conforms=not violations, violations=violations, triples=len(triples))


def _sparql_violations(triples: set[ox.Triple]) -> Iterator[Violation]:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    for check in _sparql_checks():
        solutions = store.query(check.query)
        names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
        for row in solutions:  # type: ignore[union-attr]
            bindings = {n: row[n] for n in names if row[n] is not None}
            message = re.sub(r"\{[?$](\w+)\}", partial(_fill, bindings), check.message)
            path = bindings.get("path")
            yield Violation(
                focus=_short(_to_rdflib(bindings["this"])),
                path=_short(_to_rdflib(path)) if path is not None else "",
                message=message,
                value=_short(_to_rdflib(bindings["value"])) if "value" in bindings else "",
            )


def _fill(bindings: dict[str, object], match: re.Match[str]) -> str:
    return _term_text(bindings.get(match.group(1)))


def _term_text(term: object) -> str:
    if term is None:
        return "?"
    if isinstance(term, ox.Literal):
        numeric = term.datatype.value.rpartition("#")[2] in ("integer", "double", "decimal", "float", "long", "int")
        return term.value if numeric else repr(term.value)
    return _short(_to_rdflib(term))


def _violations(results: Graph, data: Graph) -> Iterator[Violation]:
    shapes = _core_shapes()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        message = results.value(result, SH.resultMessage)
        if message is None:
            source_shape = results.value(result, SH.sourceShape)
            message = shapes.value(source_shape, SH.message) if source_shape is not None else None
        severity = results.value(result, SH.resultSeverity)
        yield Violation(
            focus=_short(focus),
            path=_short(path, results),
            message=str(message) if message is not None else "constraint not met",
            value=_short(value) if value is not None and value != focus else "",
            severity=str(severity).rpartition("#")[2] if severity is not None else "Violation",
        )


def _short(term: Node | None, context: Graph | None = None) -> str:
    """A term as a person reads it: a prefixed name where a known prefix fits, else its N-Triples form."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        fits = [(p, ns) for p, ns in PREFIXES.items() if text.startswith(ns) and _local_ok(text[len(ns) :])]
        if fits:
            prefix, ns = max(fits, key=lambda x: len(x[1]))
            return f"{prefix}:{text[len(ns) :]}"
        return f"<{text}>"
    if isinstance(term, Literal):
        if term.datatype is not None:
            return f"{Literal(str(term)).n3()}^^{_short(term.datatype)}"
        return term.n3()
    if isinstance(term, BNode) and context is not None:  # a complex path, e.g. [sh:inversePath rkg:prevalence]
        inverse = context.value(term, SH.inversePath)
        if inverse is not None:
            return f"^{_short(inverse)}"
    return "[]"


def _local_ok(local: str) -> bool:
    return bool(local) and all(ch.isalnum() or ch in "-_." for ch in local) and not local.endswith(".")


# ------------------------------------------------------------------------------------------ loading graphs


def _as_triples(source: Graph | Iterable[ox.Quad | ox.Triple] | str | Path) -> set[ox.Triple]:
    """The flat set of triples to validate (named graphs merged)."""
    if isinstance(source, str | Path):
        source = _read_file(Path(source))
    if isinstance(source, Graph):
        return {ox.Triple(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in source}  # type: ignore[arg-type]
    out: set[ox.Triple] = set()
    for item in source:
        out.add(item.triple if isinstance(item, ox.Quad) else item)
    return out


def _read_file(path: Path) -> list[ox.Quad]:
    if not path.is_file():
        raise InputError(str(path), "no such file; give a graph written by kg build (e.g. build/graph.ttl)")
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(str(path), f"unknown RDF format {path.suffix!r}; use .ttl, .trig, .nt, .nq or .jsonld")
    try:
        return list(ox.parse(path=str(path), format=fmt))
    except (SyntaxError, ValueError, OSError) as exc:
        raise InputError(str(path), f"not readable as {fmt.name.replace('_', '-')}: {exc}") from exc


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _to_rdflib(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:  # rdflib compares plain and xsd:string literals as different
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"cannot validate RDF-star or unknown term {term!r}")


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot validate term {term!r}")
