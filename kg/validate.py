"""Validate: check a graph against the SHACL shapes in `ontologies/shapes.ttl` and report violations readably.

`kg build` validates what it produced and fails loudly on a violation; `kg validate GRAPH` checks any file.
The report has one line per violation, naming the node (as a prefixed name), the property and what is wrong,
sorted so the same graph always gives the same report.

Two engines give the same report:

- `oxigraph` (the default, what `kg build` runs): the shapes are compiled once into a few SPARQL queries (each
  core constraint component written as the pattern that finds its violations, following the SHACL spec), run
  with the shapes' own SHACL-SPARQL constraints on an in-memory Oxigraph store of the batch: about 2 ms CPU per
  summary on this 2-core machine under load, against 40 to 65 ms for pyshacl measured the same way.
  A shape using something the compiler does not translate is left to pyshacl, so nothing is skipped.
- `pyshacl`: the reference implementation, kept to hold the compiler to SHACL (tests/test_validate.py runs
  both over deliberately broken graphs and requires the same report) and for a second opinion.

Where they may differ: Oxigraph keeps literals of XSD types in canonical form, so two spellings of one value
("1" and "01" as xsd:integer) count as one value (reports still quote the input's spelling); and a value
that cannot be compared (an ill-formed number) breaks sh:lessThan and the range constraints as the spec says,
where pyshacl lets it pass. kg's own graphs contain neither.

Because every constraint is local to one document's named graph, large inputs can be validated in batches of
documents (`validate_documents`). The compiled engine has a fixed cost of about 5 ms a call (Oxigraph preparing
the queries) and grows only a little with the batch (1.7 ms per summary in batches of 16, 2.4 in batches of 256).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from kg.errors import InputError, KgError
from kg.vocab import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "ontologies" / "shapes.ttl"
ENGINES = ("oxigraph", "pyshacl")

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


Source = Graph | Iterable[ox.Quad | ox.Triple] | str | Path


def validate(source: Source, *, engine: str = "oxigraph") -> ValidationReport:
    """Validate one graph: an rdflib Graph, pyoxigraph quads/triples (graphs merged), or an RDF file."""
    if _engine(engine) == "pyshacl":
        return _validate_triples(_as_triples(source))
    if not isinstance(source, str | Path | Graph | Sequence):
        source = list(source)  # read again to report literals as written (see `_as_written`)
    store = _load(source)
    return _store_report(store, _triple_count(store), lambda: _originals(source))


def validate_documents(quads: Iterable[ox.Quad], batch: int = 500, *, engine: str = "oxigraph") -> ValidationReport:
    """Validate quads grouped by named graph, `batch` documents at a time; the union report of all batches.

    Equivalent to validating the union (every shape looks only within one document and the shared nodes it
    repeats), with memory bounded by the batch; callers may run batches in parallel processes. `triples` in the
    report counts statements (a triple repeated by two documents counts twice).
    """
    batch = max(1, batch)
    if _engine(engine) == "pyshacl":
        by_graph: dict[str, list[ox.Quad]] = {}
        for q in quads:
            by_graph.setdefault(str(q.graph_name), []).append(q)
        report = ValidationReport(conforms=True)
        names = sorted(by_graph)
        for i in range(0, len(names), batch):
            report = report.merge(_validate_triples(_as_triples(q for n in names[i : i + batch] for q in by_graph[n])))
        return report
    quads = quads if isinstance(quads, Sequence) else list(quads)
    store = ox.Store()
    store.extend(quads)
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = sorted(store.named_graphs(), key=str)
    if _has_default_graph(store):
        graphs.insert(0, ox.DefaultGraph())
    if len(graphs) <= batch:
        return _store_report(store, len(store), lambda: quads)
    report = ValidationReport(conforms=True)
    for i in range(0, len(graphs), batch):
        part = ox.Store()
        part.extend(q for g in graphs[i : i + batch] for q in store.quads_for_pattern(None, None, None, g))
        report = report.merge(_store_report(part, len(part), lambda: quads))
    return report


def _engine(engine: str) -> str:
    if engine not in ENGINES:
        raise KgError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
    return engine


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The SHACL shapes, parsed once per process."""
    return Graph().parse(SHAPES, format="turtle")


# ------------------------------------------------------------------------------------ the oxigraph engine


@dataclass(frozen=True, slots=True)
class _Branch:
    """One compiled constraint of one shape: what a bit of a compiled query's ?bits means."""

    shape: str
    component: str  # the constraint component's local name, e.g. "MinCountConstraintComponent"
    path: str  # as the report shows it
    message: str
    severity: str
    has_value: bool  # whether the result names the value node (SHACL leaves sh:value out for counts, hasValue)
    predicate: str = ""  # the path's IRI when the path is one IRI (to find a value's spelling in the input)


@dataclass(frozen=True, slots=True)
class _Query:
    """A compiled query; each row is a focus node (?this), maybe a value (?value), and ?bits: bit j set means
    `branches[j]` is violated."""

    text: str
    text_subclasses: str  # the same with targets and sh:class read through rdfs:subClassOf* (if the data has any)
    branches: tuple[_Branch, ...]


@dataclass(frozen=True, slots=True)
class _SparqlCheck:
    shape: str
    query: str
    query_subclasses: str
    message: str
    severity: str
    # True when the query aggregates without DISTINCT, so it must see each triple once (see `_dedupe`)
    needs_set: bool


@dataclass(frozen=True, slots=True)
class _Plan:
    """The shapes compiled for Oxigraph: the core constraints as a few SELECTs, the SHACL-SPARQL constraints,
    and what is left for pyshacl."""

    queries: tuple[_Query, ...]
    sparql: tuple[_SparqlCheck, ...]
    fallback: Graph | None  # shapes the compiler cannot translate, checked by pyshacl; None when there are none

    @property
    def branches(self) -> tuple[_Branch, ...]:
        return tuple(b for q in self.queries for b in q.branches)


@dataclass(frozen=True, slots=True)
class _Check:
    """One constraint on the focus node ?this, in the form that lets the query builder share work:
    "min1"/"max1" (a count of an IRI path, `path`), "value" (`text` is a condition on the value node, true when
    it violates), "pattern" (`text` is a group pattern with a solution per violation)."""

    branch: _Branch
    kind: str
    path: str
    text: str


_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_TYPE_PLAIN = _RDF_TYPE
_TYPE_SUBCLASS = f"{_RDF_TYPE}/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
_TYPE_SLOT = "%%TYPE%%"  # replaced by one of the two above; no SPARQL text can contain it
_HAS_SUBCLASS = "ASK { ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?b }"
# Oxigraph prepares a query in time that grows faster than its size, and each query costs ~25 us however small:
# a few union branches per query is cheapest (measured on our shapes: 28 ms to prepare one query of every
# constraint, 8.8 ms for one query each, 3.7 ms in queries of 8).
_PARTS_PER_QUERY = 8
_BITS_PER_QUERY = 60  # ?bits is an xsd:integer (64-bit in Oxigraph)
_BIT = re.compile(r"%%BIT(\d+)%%")

# Datatypes whose well-formedness Oxigraph can check: a cast to the type fails on an ill-formed literal
# ("abc"^^xsd:double), which SHACL's sh:datatype reports as a violation.
_CASTABLE = {
    XSD[name]
    for name in ("string", "boolean", "integer", "decimal", "float", "double", "date", "dateTime", "time", "duration")
}
# Predicates on a shape that are not constraints (or that the compiler reads with the constraint they belong to).
_NOT_CONSTRAINTS = {
    SH.path,
    SH.property,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.flags,
    SH.targetClass,
    SH.sparql,
    SH.declare,
    SH.prefixes,
}
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target}
_COMPARISONS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
_PAIRS = {SH.lessThan: "<", SH.lessThanOrEquals: "<="}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


class _Unsupported(Exception):
    """A shape uses something the compiler does not translate; pyshacl checks that shape instead."""


class _Compiler:
    """Translates shapes into SPARQL that finds their violations.

    The semantics are the SHACL spec's (section 4, core constraint components): value nodes are compared as RDF
    terms (sameTerm) except where the spec compares values (ranges, sh:lessThan), and a comparison that cannot
    be made (a string against a number) is a violation. tests/test_validate.py holds the compiler to pyshacl.
    """

    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.fresh = 0
        self.open: list[Node] = []  # the shapes being compiled, to refuse a shape that contains itself

    def var(self) -> str:
        self.fresh += 1
        return f"?_{self.fresh}"

    def checks(self, shape: Node, f: str, v: str) -> list[_Check]:
        """The constraints of a shape and of its property shapes, for the focus node `f`; `v` names the value."""
        if shape in self.open:
            raise _Unsupported(f"{shape} refers to itself")
        self.open.append(shape)
        try:
            return self._checks(shape, f, v)
        finally:
            self.open.pop()

    def _checks(self, shape: Node, f: str, v: str) -> list[_Check]:
        g = self.g
        if g.value(shape, SH.deactivated) == Literal(True):
            return []
        for p in set(g.predicates(shape)):
            if str(p).startswith(str(SH)) and p not in _NOT_CONSTRAINTS and p not in _KNOWN:
                raise _Unsupported(f"{shape}: {p}")
        if g.value(shape, SH.path) is not None:
            if (shape, SH.property, None) in g or (shape, SH.sparql, None) in g:
                raise _Unsupported(f"{shape}: sh:property or sh:sparql inside a property shape")
            return list(self.property_checks(shape, f, v))
        out = []
        for p in set(g.predicates(shape)) & _KNOWN:
            if p != SH["or"]:
                raise _Unsupported(f"{shape}: {p} on a node shape")
        for members in g.objects(shape, SH["or"]):  # the value node of a node shape is the focus node
            out.append(
                _Check(self.branch(shape, "OrConstraintComponent", False), "pattern", "", self.any_fails(members, f))
            )
        for prop in sorted(g.objects(shape, SH.property), key=str):
            if g.value(prop, SH.path) is None:
                raise _Unsupported(f"{prop}: a property shape needs an sh:path")
            out.extend(self.checks(prop, f, v))
        return out

    def branch(self, shape: Node, component: str, has_value: bool) -> _Branch:
        g = self.g
        path = g.value(shape, SH.path)
        messages = sorted(str(m) for m in g.objects(shape, SH.message))
        severity = g.value(shape, SH.severity)
        return _Branch(
            shape=str(shape),
            component=component,
            path=_short(path, g) if path is not None else "",
            message=messages[0] if messages else _default_message(component),
            severity=str(severity).rpartition("#")[2] if severity is not None else "Violation",
            has_value=has_value,
            predicate=str(path) if isinstance(path, URIRef) else "",
        )

    def path(self, path: Node | None) -> str:
        if isinstance(path, URIRef):
            return f"<{path}>"
        inverse = self.g.value(path, SH.inversePath) if path is not None else None
        if isinstance(inverse, URIRef) and len(set(self.g.predicate_objects(path))) == 1:
            return f"^<{inverse}>"
        raise _Unsupported(f"path {path}: only an IRI or sh:inversePath of an IRI")

    def property_checks(self, shape: Node, f: str, v: str) -> Iterator[_Check]:
        g = self.g
        p = self.path(g.value(shape, SH.path))

        def value(component: str, condition: str) -> _Check:
            return _Check(self.branch(shape, component, True), "value", p, condition)

        def pattern(component: str, text: str, kind: str = "pattern") -> _Check:
            return _Check(self.branch(shape, component, False), kind, p, text)

        for n in g.objects(shape, SH.minCount):
            if (count := _int(n)) >= 1:
                simple = count == 1 and p.startswith("<")
                yield pattern(
                    "MinCountConstraintComponent",
                    f"FILTER NOT EXISTS {{ {self.distinct(f, p, count)} }}",
                    "min1" if simple else "pattern",
                )
        for n in g.objects(shape, SH.maxCount):
            simple = _int(n) == 1 and p.startswith("<")
            yield pattern(
                "MaxCountConstraintComponent",
                f"FILTER EXISTS {{ {self.distinct(f, p, _int(n) + 1)} }}",
                "max1" if simple else "pattern",
            )
        for x in g.objects(shape, SH.hasValue):
            yield pattern("HasValueConstraintComponent", f"FILTER NOT EXISTS {{ {f} {p} {_term(x)} }}")
        for dt in g.objects(shape, SH.datatype):
            ok = f"isLiteral({v}) && sameTerm(DATATYPE({v}), {_term(dt)})"
            if dt in _CASTABLE:  # and well-formed
                ok += f" && COALESCE(isLiteral({_term(dt)}({v})), false)"
            yield value("DatatypeConstraintComponent", f"!({ok})")
        for kind in g.objects(shape, SH.nodeKind):
            test = _NODE_KINDS.get(kind) if isinstance(kind, URIRef) else None
            if test is None:
                raise _Unsupported(f"sh:nodeKind {kind}")
            yield value("NodeKindConstraintComponent", "!" + test.format(v=v))
        for cls in g.objects(shape, SH["class"]):
            yield value("ClassConstraintComponent", f"NOT EXISTS {{ {v} {_TYPE_SLOT} {_term(cls)} }}")
        for n in g.objects(shape, SH.minLength):
            yield value("MinLengthConstraintComponent", f"isBlank({v}) || STRLEN(STR({v})) < {_int(n)}")
        for n in g.objects(shape, SH.maxLength):
            yield value("MaxLengthConstraintComponent", f"isBlank({v}) || STRLEN(STR({v})) > {_int(n)}")
        flags = g.value(shape, SH.flags)
        for regex in g.objects(shape, SH.pattern):
            args = _string(str(regex)) + (f", {_string(str(flags))}" if flags is not None else "")
            _check_regex(args)
            yield value("PatternConstraintComponent", f"isBlank({v}) || !REGEX(STR({v}), {args})")
        for param, op in _COMPARISONS.items():
            for bound in g.objects(shape, param):
                yield value(_component(param), f"!COALESCE({v} {op} {_term(bound)}, false)")
        for param, op in _PAIRS.items():
            for other in g.objects(shape, param):
                w = self.var()
                yield value(
                    _component(param), f"EXISTS {{ {f} {_term(other)} {w} FILTER(!COALESCE({v} {op} {w}, false)) }}"
                )
        for members in g.objects(shape, SH["in"]):
            allowed = " || ".join(f"sameTerm({v}, {_term(x)})" for x in Collection(g, members))
            yield value("InConstraintComponent", f"!({allowed or 'false'})")
        for members in g.objects(shape, SH["or"]):
            yield value("OrConstraintComponent", self.none_conform(members, v))

    def distinct(self, f: str, p: str, n: int) -> str:
        """A pattern matching when the focus has at least n distinct values (n small, as in real shapes)."""
        if n > 4:
            raise _Unsupported(f"counts above 4 ({n})")
        vs = [self.var() for _ in range(n)]
        pairs = [f"!sameTerm({a}, {b})" for i, a in enumerate(vs) for b in vs[i + 1 :]]
        return f"{f} {p} {', '.join(vs)} ." + (f" FILTER({' && '.join(pairs)})" if pairs else "")

    def violations(self, shape: Node, node: str) -> list[str]:
        """Group patterns, one per constraint of `shape`, each with a solution when `node` violates it."""
        out = []
        for check in self.checks(shape, node, v := self.var()):
            if check.kind == "value":
                out.append(f"{node} {check.path} {v} . FILTER({check.text})")
            else:
                out.append(check.text)
        return out

    def none_conform(self, members: Node, node: str) -> str:
        """sh:or as a condition: true (a violation) when the node conforms to none of the member shapes."""
        fails = []
        for member in Collection(self.g, members):
            patterns = self.violations(member, node)
            if not patterns:  # a member without constraints: every node conforms to it
                return "false"
            fails.append("EXISTS { " + " UNION ".join(f"{{ {p} }}" for p in patterns) + " }")
        return " && ".join(fails) or "true"

    def any_fails(self, members: Node, node: str) -> str:
        return f"FILTER({self.none_conform(members, node)})"


_KNOWN = {
    SH.minCount,
    SH.maxCount,
    SH.hasValue,
    SH.datatype,
    SH.nodeKind,
    SH["class"],
    SH.minLength,
    SH.maxLength,
    SH.pattern,
    SH["in"],
    SH["or"],
    *_COMPARISONS,
    *_PAIRS,
}


def _check_regex(args: str) -> None:
    """A pattern Oxigraph cannot compile (it reads XPath regular expressions, as SHACL says) would make every
    value a violation; such a shape is left to pyshacl instead."""
    ok = _one(ox.Store(), f'SELECT (COALESCE(REGEX("", {args}), "invalid") AS ?ok) WHERE {{}}', "ok")
    if isinstance(ok, ox.Literal) and ok.value == "invalid":
        raise _Unsupported(f"a regular expression Oxigraph cannot compile ({args})")


def _component(param: URIRef) -> str:
    name = str(param).rpartition("#")[2]
    return name[0].upper() + name[1:] + "ConstraintComponent"


def _default_message(component: str) -> str:
    """The words for a shape without sh:message, e.g. "does not meet sh:minCount" (the same for both engines)."""
    name = component.removesuffix("ConstraintComponent")
    return f"does not meet sh:{name[:1].lower()}{name[1:]}"


def _int(node: Node) -> int:
    return int(str(node))


def _term(node: Node) -> str:
    """A shapes-graph term as SPARQL text (its N-Triples form)."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        if node.language:
            return f"{_string(str(node))}@{node.language}"
        return f"{_string(str(node))}^^<{node.datatype or XSD.string}>"
    raise _Unsupported(f"a blank node as a constraint value ({node})")


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _roots(shapes: Graph) -> list[Node]:
    """The shapes with targets (explicit, or implicit: a shape that is also a class), in a stable order."""
    roots = {s for t in _TARGETS for s in shapes.subjects(t, None)}
    for cls in (RDFS.Class, OWL.Class):
        roots.update(s for s in shapes.subjects(RDF.type, cls) if _is_shape(shapes, s))
    return sorted(roots, key=str)


def _is_shape(shapes: Graph, node: Node) -> bool:
    return any((node, RDF.type, t) in shapes for t in (SH.NodeShape, SH.PropertyShape)) or any(
        True for p in shapes.predicates(node) if p in _KNOWN or p in (SH.property, SH.path)
    )


def _targets(shapes: Graph, shape: Node) -> list[Node]:
    """The classes whose instances the shape targets; other kinds of target are left to pyshacl."""
    if any((shape, t, None) in shapes for t in _TARGETS - {SH.targetClass}):
        raise _Unsupported(f"{shape}: only sh:targetClass and implicit class targets")
    classes = set(shapes.objects(shape, SH.targetClass))
    if any((shape, RDF.type, c) in shapes for c in (RDFS.Class, OWL.Class)):
        classes.add(shape)
    return sorted(classes, key=str)


@lru_cache(maxsize=1)
def _plan() -> _Plan:
    """Our shapes, compiled once per process (a few milliseconds)."""
    return _compile(shapes_graph())


def _compile(shapes: Graph) -> _Plan:
    """Compile a shapes graph: the roots the compiler can translate into SPARQL, the others left to pyshacl."""
    compiler = _Compiler(shapes)
    queries: list[_Query] = []
    sparql: list[_SparqlCheck] = []
    left: list[Node] = []
    for shape in _roots(shapes):
        try:
            targets = _targets(shapes, shape)
            target_terms = [_term(t) for t in targets]
            checks = compiler.checks(shape, "?this", "?value")
            constraints = [c for t in targets for c in _sparql_checks_of(shapes, shape, t)]
        except _Unsupported:
            left.append(shape)
            continue
        for target in target_terms:
            queries.extend(_queries(target, checks))
        sparql.extend(constraints)
    return _Plan(
        queries=tuple(queries), sparql=tuple(sparql), fallback=_fallback_shapes(shapes, left) if left else None
    )


def _queries(target: str, checks: list[_Check]) -> list[_Query]:
    """The checks of one target as union parts sharing work: one part for every min-count-1 path (VALUES), one
    for every max-count-1 path, one per path for its value conditions (each a bit of ?bits), one per other
    pattern; then parts grouped into queries."""
    focus = f"?this {_TYPE_SLOT} {target} ."
    parts: list[tuple[str, list[_Branch]]] = []  # (text with %%BITj%% for its j-th bit, branches)
    for kind, shared in (
        ("min1", "FILTER NOT EXISTS { ?this ?_p ?_x }"),
        ("max1", "?this ?_p ?_x . ?this ?_p ?_y . FILTER(!sameTerm(?_x, ?_y))"),
    ):
        group = [c for c in checks if c.kind == kind]
        for i in range(0, len(group), _BITS_PER_QUERY):
            chunk = group[i : i + _BITS_PER_QUERY]
            rows = " ".join(f"({c.path} %%BIT{j}%%)" for j, c in enumerate(chunk))
            parts.append((f"{focus} VALUES (?_p ?bits) {{ {rows} }} {shared}", [c.branch for c in chunk]))
    paths = sorted({c.path for c in checks if c.kind == "value"})
    for path in paths:
        group = [c for c in checks if c.kind == "value" and c.path == path]
        for i in range(0, len(group), _BITS_PER_QUERY):
            chunk = group[i : i + _BITS_PER_QUERY]
            bits = " + ".join(f"IF(COALESCE({c.text}, true), %%BIT{j}%%, 0)" for j, c in enumerate(chunk))
            parts.append(
                (f"{focus} ?this {path} ?value . BIND({bits} AS ?bits) FILTER(?bits != 0)", [c.branch for c in chunk])
            )
    for c in checks:
        if c.kind == "pattern":
            parts.append((f"{focus} {c.text} BIND(%%BIT0%% AS ?bits)", [c.branch]))
    out = []
    i = 0
    while i < len(parts):
        texts: list[str] = []
        branches: list[_Branch] = []
        while i < len(parts) and len(texts) < _PARTS_PER_QUERY and len(branches) + len(parts[i][1]) <= _BITS_PER_QUERY:
            text, own = parts[i]
            texts.append("{ " + _BIT.sub(partial(_bit, len(branches)), text) + " }")
            branches.extend(own)
            i += 1
        if not texts:  # one part alone has more bits than a query can hold (never, parts are cut at _BITS_PER_QUERY)
            raise AssertionError("a union part with too many constraints")
        query = "SELECT ?this ?value ?bits WHERE {\n " + "\n UNION ".join(texts) + "\n}"
        _check_query(query.replace(_TYPE_SLOT, _TYPE_PLAIN))
        out.append(
            _Query(
                text=query.replace(_TYPE_SLOT, _TYPE_PLAIN),
                text_subclasses=query.replace(_TYPE_SLOT, _TYPE_SUBCLASS),
                branches=tuple(branches),
            )
        )
    return out


def _bit(offset: int, match: re.Match[str]) -> str:
    """The value of the j-th bit of a union part whose bits start at `offset` in its query's ?bits."""
    return str(1 << (offset + int(match.group(1))))


def _check_query(query: str) -> None:
    """Fail at once, with the reason, when a compiled query is not valid SPARQL (an odd sh:pattern, say)."""
    try:
        ox.Store().query(query)
    except SyntaxError as exc:
        raise KgError(f"{SHAPES}: the shapes compile to a query Oxigraph cannot run ({exc})") from exc


def _fallback_shapes(shapes: Graph, left: list[Node]) -> Graph:
    """The shapes graph for pyshacl with only the shapes the compiler left as roots (the others lose targets)."""
    keep = set(left)
    out = Graph()
    for s, p, o in shapes:
        if s not in keep and (p in _TARGETS or (p == RDF.type and o in (RDFS.Class, OWL.Class))):
            continue
        if s not in keep and p == SH.sparql:
            continue
        out.add((s, p, o))
    return out


_AGGREGATE_WITHOUT_DISTINCT = re.compile(r"\b(COUNT|SUM|AVG|GROUP_CONCAT)\s*\(\s*(?!DISTINCT\b)", re.IGNORECASE)


def _sparql_checks_of(shapes: Graph, shape: Node, target: Node, rewrite: bool = True) -> list[_SparqlCheck]:
    """Each SHACL-SPARQL constraint of a shape as one query over the whole graph, `$this` bound by the target.

    pyshacl runs such a query once per focus node through rdflib's SPARQL engine, which is quadratic in
    practice (100 documents: 27 s); Oxigraph runs the rewritten query once in milliseconds. With `rewrite`,
    `FILTER NOT EXISTS` over plain triple patterns is also run as an OPTIONAL (`_not_exists_as_optional`).
    """
    checks = []
    for constraint in sorted(shapes.objects(shape, SH.sparql), key=str):
        if shapes.value(constraint, SH.deactivated) == Literal(True):
            continue
        select = shapes.value(constraint, SH.select)
        if select is None:
            raise KgError(f"{SHAPES}: the SPARQL constraint {constraint} has no sh:select")
        message = str(shapes.value(constraint, SH.message) or shapes.value(shape, SH.message) or "")
        severity = shapes.value(constraint, SH.severity) or shapes.value(shape, SH.severity)
        prefixes = set()
        for owner in shapes.objects(constraint, SH.prefixes):
            for decl in shapes.objects(owner, SH.declare):
                prefixes.add(f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>")
        body = str(select).replace("$this", "?this")
        if rewrite:
            body = _not_exists_as_optional(body)
        head, sep, rest = body.partition("{")
        query = "\n".join(sorted(prefixes)) + f"\n{head}{sep} ?this {_TYPE_SLOT} {_term(target)} . {rest}"
        _check_query(query.replace(_TYPE_SLOT, _TYPE_PLAIN))
        checks.append(
            _SparqlCheck(
                shape=str(shape),
                query=query.replace(_TYPE_SLOT, _TYPE_PLAIN),
                query_subclasses=query.replace(_TYPE_SLOT, _TYPE_SUBCLASS),
                message=message,
                severity=str(severity).rpartition("#")[2] if severity is not None else "Violation",
                needs_set=bool(_AGGREGATE_WITHOUT_DISTINCT.search(body)),
            )
        )
    return checks


_IRI_AT = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_NOT_EXISTS = re.compile(r"\bFILTER\s+NOT\s+EXISTS\s*\{", re.IGNORECASE)
_NOT_PLAIN = re.compile(
    r"\b(FILTER|BIND|OPTIONAL|VALUES|GRAPH|SERVICE|MINUS|EXISTS|SELECT|UNION)\b|[{}]", re.IGNORECASE
)


def _masked(query: str) -> str:
    """The query with strings, IRIs and comments blanked out (same length), so braces and keywords can be
    found by position without being fooled by text inside them."""
    out = list(query)
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else ch
            j = i + len(quote)
            while j < n and query[j : j + len(quote)] != quote:
                j += 2 if query[j] == "\\" else 1
            end = min(n, j + len(quote))
        elif ch == "<" and (m := _IRI_AT.match(query, i)):
            end = m.end()
        elif ch == "#":
            end = query.find("\n", i)
            end = n if end < 0 else end
        else:
            i += 1
            continue
        out[i:end] = "x" * (end - i)
        i = end
    return "".join(out)


def _closing(masked: str, opening: int) -> int:
    """The index of the brace that closes the one at `opening` (-1 if none)."""
    depth = 0
    for i in range(opening, len(masked)):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _not_exists_as_optional(query: str) -> str:
    """`FILTER NOT EXISTS { triples }` directly in the WHERE group, run as `OPTIONAL { triples BIND(true AS ?f) }
    FILTER(!BOUND(?f))` at the end of that group.

    The two mean the same when the block holds only triple patterns (a solution of the group is kept exactly
    when no match of the triples is compatible with it; filters apply to the whole group, so where the filter
    stood does not matter). Oxigraph evaluates NOT EXISTS for each solution without its indexes, which made
    shape:factHasEvidence cost 10 ms per summary, growing with the document; the OPTIONAL is a hash join
    (0.1 ms). Anything else (nested groups, filters inside the block, NOT EXISTS deeper down) is left as it is.
    """
    masked = _masked(query)
    start = masked.find("{")
    end = _closing(masked, start) if start >= 0 else -1
    if end < 0:
        return query
    cuts: list[tuple[int, int]] = []
    added: list[str] = []
    for m in _NOT_EXISTS.finditer(masked, start, end):
        opening = m.end() - 1
        if masked.count("{", start, m.start()) - masked.count("}", start, m.start()) != 1:
            continue  # not directly in the WHERE group
        closing = _closing(masked, opening)
        if closing < 0 or _NOT_PLAIN.search(masked, opening + 1, closing):
            continue
        n = len(added)
        while f"?__kg_found{n}" in query:
            n += 1000
        triples = query[opening + 1 : closing]
        added.append(f" OPTIONAL {{{triples} BIND(true AS ?__kg_found{n}) }} FILTER(!BOUND(?__kg_found{n}))")
        cuts.append((m.start(), closing + 1))
    if not cuts:
        return query
    out, last = [], 0
    for a, b in cuts:
        out.append(query[last:a])
        last = b
    out.append(query[last:end])
    return "".join(out) + "".join(added) + "\n" + query[end:]


def _store_report(
    store: ox.Store, triples: int, originals: Callable[[], Iterable[ox.Quad | ox.Triple]] | None = None
) -> ValidationReport:
    found = set(_store_violations(store, originals=originals))
    violations = tuple(sorted(found))
    return ValidationReport(conforms=not violations, violations=violations, triples=triples)


def _store_violations(
    store: ox.Store,
    plan: _Plan | None = None,
    originals: Callable[[], Iterable[ox.Quad | ox.Triple]] | None = None,
) -> Iterator[Violation]:
    """Every violation in the store's union graph (its named graphs and default graph merged). `originals`
    gives the input again, to report a literal as it was written rather than in Oxigraph's canonical form."""
    plan = plan or _plan()
    subclasses = bool(store.query(_HAS_SUBCLASS, use_default_graph_as_union=True))
    rows = list(_core_rows(store, plan, subclasses))
    written = _as_written(rows, originals) if originals is not None else {}
    for branch, this, value in rows:
        if value is not None and branch.predicate:
            value = written.get((this, branch.predicate, value), value)
        yield Violation(
            focus=_short(_to_rdflib(this)),
            path=branch.path,
            message=branch.message,
            value=_short(_to_rdflib(value)) if value is not None and value != this else "",
            severity=branch.severity,
        )
    deduped: ox.Store | None = None
    for check in plan.sparql:
        target = store
        if check.needs_set and _has_repeats(store):
            deduped = deduped or _dedupe(store)
            target = deduped
        yield from _sparql_rows(target, check, subclasses)
    if plan.fallback is not None:
        data = Graph()
        for t in _union_triples(store):
            data.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
        yield from _pyshacl(data, plan.fallback)


def _core_rows(
    store: ox.Store, plan: _Plan, subclasses: bool
) -> Iterator[tuple[_Branch, ox.NamedNode | ox.BlankNode | ox.Literal, object]]:
    """(branch, focus, value or None) for each row of the compiled query: one per constraint violated."""
    for query in plan.queries:
        text = query.text_subclasses if subclasses else query.text
        for row in store.query(text, use_default_graph_as_union=True):  # type: ignore[union-attr]
            bits = int(row["bits"].value)
            for j, branch in enumerate(query.branches):
                if bits >> j & 1:
                    yield branch, row["this"], row["value"] if branch.has_value else None


def _sparql_rows(store: ox.Store, check: _SparqlCheck, subclasses: bool) -> Iterator[Violation]:
    solutions = store.query(check.query_subclasses if subclasses else check.query, use_default_graph_as_union=True)
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
            severity=check.severity,
        )


def _as_written(
    rows: Sequence[tuple[_Branch, object, object]], originals: Callable[[], Iterable[ox.Quad | ox.Triple]]
) -> dict[tuple[object, str, object], object]:
    """(focus, predicate, stored literal) -> the literal as the input spelled it, for the literal values of
    violations. Oxigraph keeps literals of XSD types in canonical form ("394.0"^^xsd:decimal is "394"); the
    report, like pyshacl's, should quote the input. Only runs when a literal value was found in violation."""
    wanted = {
        (this, branch.predicate)
        for branch, this, value in rows
        if isinstance(value, ox.Literal) and branch.predicate and value.datatype.value != _XSD_STRING
    }
    if not wanted:
        return {}
    found = []
    for q in originals():
        if isinstance(q.object, ox.Literal) and (q.subject, q.predicate.value) in wanted:
            found.append(q)
    scratch = ox.Store()
    scratch.extend(
        ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(f"urn:x-kg:{i}")) for i, q in enumerate(found)
    )
    out: dict[tuple[object, str, object], object] = {}
    for stored in sorted(scratch, key=_scratch_index):
        original = found[_scratch_index(stored)]
        out.setdefault((stored.subject, stored.predicate.value, stored.object), original.object)
    return out


def _scratch_index(quad: ox.Quad) -> int:
    return int(str(getattr(quad.graph_name, "value", "")).rpartition(":")[2])


def _originals(source: Source) -> Iterable[ox.Quad | ox.Triple]:
    """The input of `validate` read again (a file is parsed again, not loaded into a store)."""
    if isinstance(source, str | Path):
        return ox.parse(path=str(source), format=_file_format(Path(source)))
    if isinstance(source, Graph):
        return (ox.Triple(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in source)  # type: ignore[arg-type]
    return source


def _has_default_graph(store: ox.Store) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None


def _has_repeats(store: ox.Store) -> bool:
    """Whether the union graph would show a triple twice (it is in two graphs)."""
    graphs = len(list(islice(store.named_graphs(), 2))) + (1 if _has_default_graph(store) else 0)
    return graphs > 1 and _triple_count(store) < len(store)


def _union_triples(store: ox.Store) -> set[ox.Triple]:
    return {q.triple for q in store}


def _dedupe(store: ox.Store) -> ox.Store:
    """The union graph as a set, in the default graph (for queries whose aggregates count repeats)."""
    out = ox.Store()
    out.extend(ox.Quad(t.subject, t.predicate, t.object) for t in _union_triples(store))
    return out


def _triple_count(store: ox.Store) -> int:
    """Distinct triples over all graphs (what the report says was checked)."""
    named = len(list(islice(store.named_graphs(), 2)))
    if named == 0 or (named == 1 and not _has_default_graph(store)):
        return len(store)
    query = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    return int(str(getattr(_one(store, query, "n"), "value", 0)))


def _one(store: ox.Store, query: str, name: str) -> object:
    """The binding of `name` in the single solution of a SELECT over the union graph."""
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return next(iter(solutions))[name]


def _load(source: Source) -> ox.Store:
    """An in-memory store of the source (named graphs kept; queries read their union)."""
    store = ox.Store()
    if isinstance(source, str | Path):
        path = Path(source)
        fmt = _file_format(path)
        try:
            store.load(path=str(path), format=fmt)
        except (SyntaxError, ValueError, OSError) as exc:
            raise InputError(str(path), f"not readable as {fmt.name.replace('_', '-')}: {exc}") from exc
    elif isinstance(source, Graph):
        store.extend(ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in source)  # type: ignore[arg-type]
    else:
        store.extend(q if isinstance(q, ox.Quad) else ox.Quad(q.subject, q.predicate, q.object) for q in source)
    return store


# ------------------------------------------------------------------------------------- the pyshacl engine


@lru_cache(maxsize=1)
def _core_shapes() -> Graph:
    """The shapes without their SPARQL-based constraints, which run on Oxigraph instead (`_sparql_checks`)."""
    core = Graph()
    for triple in shapes_graph():
        if triple[1] != SH.sparql:
            core.add(triple)
    return core


def _validate_triples(triples: set[ox.Triple]) -> ValidationReport:
    data = Graph()
    for t in triples:
        data.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
    found = set(_pyshacl(data, _core_shapes()))
    found.update(_sparql_violations(triples))
    violations = tuple(sorted(found))
    return ValidationReport(conforms=not violations, violations=violations, triples=len(triples))


def _pyshacl(data: Graph, shapes: Graph) -> Iterator[Violation]:
    from pyshacl import validate as shacl_validate

    _, results, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
    )
    if not isinstance(results, Graph):  # pyshacl could not apply the shapes at all
        raise KgError(f"{SHAPES}: the SHACL shapes could not be applied ({getattr(results, 'message', results)})")
    return _violations(results, shapes)


@lru_cache(maxsize=1)
def _sparql_checks() -> tuple[_SparqlCheck, ...]:
    """The SHACL-SPARQL constraints of every shape, whatever the engine (pyshacl would run them per focus node)."""
    shapes = shapes_graph()
    checks = []
    for shape in _roots(shapes):
        for target in shapes.objects(shape, SH.targetClass):
            checks.extend(_sparql_checks_of(shapes, shape, target))
    return tuple(checks)


def _sparql_violations(triples: set[ox.Triple]) -> Iterator[Violation]:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    subclasses = bool(store.query(_HAS_SUBCLASS))
    for check in _sparql_checks():
        yield from _sparql_rows(store, check, subclasses)


def _fill(bindings: dict[str, object], match: re.Match[str]) -> str:
    return _term_text(bindings.get(match.group(1)))


def _term_text(term: object) -> str:
    if term is None:
        return "?"
    if isinstance(term, ox.Literal):
        numeric = term.datatype.value.rpartition("#")[2] in ("integer", "double", "decimal", "float", "long", "int")
        return term.value if numeric else repr(term.value)
    return _short(_to_rdflib(term))


def _violations(results: Graph, shapes: Graph) -> Iterator[Violation]:
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        source_shape = results.value(result, SH.sourceShape)
        messages = sorted(str(m) for m in shapes.objects(source_shape, SH.message)) if source_shape else []
        if messages:
            message = messages[0]
        else:  # the same words as the compiled engine's, so both engines' reports agree
            component = str(results.value(result, SH.sourceConstraintComponent)).rpartition("#")[2]
            message = _default_message(component)
        severity = results.value(result, SH.resultSeverity)
        yield Violation(
            focus=_short(focus),
            path=_short(path, results),
            message=message,
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


def _as_triples(source: Source) -> set[ox.Triple]:
    """The flat set of triples to validate (named graphs merged)."""
    if isinstance(source, str | Path):
        source = _read_file(Path(source))
    if isinstance(source, Graph):
        return {ox.Triple(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in source}  # type: ignore[arg-type]
    out: set[ox.Triple] = set()
    for item in source:
        out.add(item.triple if isinstance(item, ox.Quad) else item)
    return out


def _file_format(path: Path) -> ox.RdfFormat:
    if not path.is_file():
        raise InputError(str(path), "no such file; give a graph written by kg build (e.g. build/graph.ttl)")
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(str(path), f"unknown RDF format {path.suffix!r}; use .ttl, .trig, .nt, .nq or .jsonld")
    return fmt


def _read_file(path: Path) -> list[ox.Quad]:
    fmt = _file_format(path)
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
