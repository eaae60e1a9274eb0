"""SPARQL over a built graph: run a query with parameters bound as RDF terms, and print the answer.

The engine is Oxigraph (pyoxigraph) for a build folder, an RDF file or a `pyoxigraph.Store`; an rdflib `Graph`
or `Dataset` is queried with rdflib's own engine (fine for small graphs and tests). Parameters never touch the
query text: each value is read as one RDF term and handed to the engine (pyoxigraph `substitutions`, SEP-0007;
rdflib `initBindings`), so a label such as `x" } DROP ALL #` stays a string.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from typing import Literal as TypingLiteral

import rdflib
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    Variable,
    parse,
    serialize,
)

from kg.errors import KgError
from kg.outputs.store import open_graph
from kg.vocab import PREFIXES

Term = NamedNode | BlankNode | Literal | Triple
Kind = TypingLiteral["select", "ask", "graph"]
FORMATS = ("table", "csv", "tsv", "json")
QUERY_SUFFIXES = (".rq", ".sparql", ".rq.txt")

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\"{}|^`\\\s]*)>", re.IGNORECASE)
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_LOCAL_NAME = re.compile(r"(?:[\w-](?:[\w.-]*[\w-])?)?")
_OXI_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


class QueryError(KgError):
    """A query that cannot run: bad syntax (with line and column), a bad parameter, or an engine failure."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class QueryResult:
    """A materialised answer. `rows` hold pyoxigraph terms (None = unbound), whichever engine ran the query.

    SELECT: `variables` are the columns. ASK: `boolean`, no rows. CONSTRUCT/DESCRIBE: columns subject,
    predicate, object, one row per triple.
    """

    kind: Kind
    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]
    boolean: bool | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def as_dicts(self) -> list[dict[str, Term]]:
        """Rows as {variable: term}, unbound variables left out (handy in notebooks and tests)."""
        return [{v: t for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows]


# ------------------------------------------------------------------------------------------------------------
# Reading queries and parameters


def read_query(query: str) -> tuple[str, str]:
    """`(text, name)` for QUERY given on the command line: a .rq file if it names one, else the query
    itself."""
    one_line = "\n" not in query and len(query) < 1024
    try:
        is_file = one_line and Path(query).is_file()
    except OSError:
        is_file = False
    if is_file or (one_line and query.lower().endswith(QUERY_SUFFIXES)):
        try:
            return Path(query).read_text(encoding="utf-8"), query
        except FileNotFoundError:
            raise QueryError(f"{query}: no such query file; pass a .rq file or the query text itself") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"{query}: cannot read the query file ({exc})") from exc
    return query, ""


def parse_param_args(pairs: Iterable[str]) -> dict[str, str]:
    """`--param NAME=VALUE` arguments as a dict; `?name` and `$name` are accepted for NAME."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not _VARNAME.match(name):
            raise QueryError(f"--param {pair!r}: write it as NAME=VALUE, e.g. --param condition=cond:rett-syndrome")
        params[name] = value
    return params


def query_prefixes(query: str) -> dict[str, str]:
    """Our prefixes (kg/vocab.py) overlaid with the ones the query declares, for reading parameter values."""
    found = dict(PREFIXES)
    for prefix, iri in _PREFIX_DECL.findall(query):
        found[prefix or ""] = iri
    return found


def parse_term(value: str, prefixes: Mapping[str, str] | None = None) -> Term:
    """Read one parameter value as an RDF term.

    `<iri>`, `http://…`, a prefixed name with a known prefix (`cond:rett-syndrome`), a Turtle literal
    (`"x"@en`, `"1e-5"^^xsd:double`), a number (`1e-4`) or `true`/`false` are read with a real Turtle parser,
    which must find exactly one object term; anything else (`Rett syndrome`, `ORPHA:778`, `1-9 / 100 000`,
    `<1 / 1 000 000`) is a plain string.
    """
    text = value.strip()
    if _ABSOLUTE_IRI.match(text):
        return NamedNode(text)
    header = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in (prefixes or PREFIXES).items())
    document = f"{header}<urn:kg:s> <urn:kg:p> {text} .\n".encode()
    try:
        triples = [q.triple for q in parse(document, RdfFormat.TURTLE)]
    except (SyntaxError, ValueError):
        triples = []
    if len(triples) == 1 and str(triples[0].subject) == "<urn:kg:s>" and not isinstance(triples[0].object, BlankNode):
        return triples[0].object
    iri_like = text.startswith("<") and text.endswith(">") and not any(c.isspace() for c in text)
    if iri_like or text.startswith(('"', "'")):  # "<1 / 1 000 000" (an Orphanet class) is a plain string
        raise QueryError(f"parameter value {value!r} is not a valid IRI or literal; check its quotes and brackets")
    return Literal(value)


def required_params(query: str) -> dict[str, str]:
    """The parameters a query's header comment marks as required, as {name: what the header says about it}.

    A canned query (queries/*.rq) whose question needs a value says so on its parameter's line,
    `#   ?condition  required; a condition IRI such as cond:rett-syndrome.`, because without it the query would
    answer a different question (every row of the graph, not one condition's). Only the leading comment block
    counts; a query without a header requires nothing.
    """
    header: list[str] = []
    for line in query.splitlines():
        if not line.startswith("#"):
            break
        header.append(line[1:])
    found: dict[str, str] = {}
    in_params = False
    current: str | None = None
    for line in header:
        text = line.strip()
        if text.startswith("Parameters:"):
            in_params, current = True, None
            continue
        if not in_params:
            continue
        if not text:
            break
        match = re.match(r"\?(\w+)\s+(.*)$", text)
        if match:
            current = None
            required = re.match(r"required\b[;:,.]?\s*(.*)$", match[2])
            if required:
                current = match[1]
                found[current] = required[1]
        elif current is not None and line.startswith(" " * 6):
            found[current] = f"{found[current]} {text}".strip()
    return found


def check_required(query: str, bound: Mapping[str, object], name: str = "") -> None:
    """Refuse to run a query without a parameter its header marks as required, saying what to pass (the first
    sentence of the header's description of it, which gives an example)."""
    for param, description in required_params(query).items():
        if param not in bound:
            first = re.split(r"\.\s+(?=[A-Z(])", description, maxsplit=1)[0].strip().rstrip(".")
            what = f", {first}" if first else ""
            raise QueryError(f"{_at(name)}this query needs ?{param}{what}; pass it with --param {param}=VALUE")


def bind_params(query: str, params: Mapping[str, str | Term] | None) -> dict[str, Term]:
    """Parameters as {variable: term}; each must name a variable of the query."""
    bound: dict[str, Term] = {}
    prefixes = query_prefixes(query)
    for name, value in (params or {}).items():
        clean = name.lstrip("?$")
        if not _VARNAME.match(clean):
            raise QueryError(f"parameter {name!r} is not a SPARQL variable name")
        if not re.search(rf"[?$]{re.escape(clean)}\b", query):
            found = sorted(set(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", query)))
            raise QueryError(f"parameter {clean!r} is not a variable of the query (its variables: {', '.join(found)})")
        bound[clean] = parse_term(value, prefixes) if isinstance(value, str) else _to_ox(value)
    return bound


# ------------------------------------------------------------------------------------------------------------
# Running


Source = Store | rdflib.Graph | Path | str | None


def run_query(
    query: str,
    source: Source = None,
    params: Mapping[str, str | Term] | None = None,
    *,
    name: str = "",
    default_prefixes: Mapping[str, str] | None = PREFIXES,
) -> QueryResult:
    """Run `query` over `source` and return every row.

    `source`: a pyoxigraph Store, an rdflib Graph/Dataset, a build folder or RDF file path, or None for the
    last build. `params` bind variables to RDF terms (strings are read by `parse_term`). `default_prefixes`
    are usable without a PREFIX line (our vocabulary's); a query's own PREFIX lines win. `name` is used in
    error messages. A query whose header marks a parameter as required (`required_params`) is refused
    without it.
    """
    bound = bind_params(query, params)
    check_required(query, bound, name)
    if isinstance(source, rdflib.Graph):
        return _run_rdflib(query, source, bound, name=name, default_prefixes=default_prefixes)
    if source is None:
        source = default_graph()
    store = source if isinstance(source, Store) else open_graph(Path(source))
    return _run_oxigraph(query, store, bound, name=name, default_prefixes=default_prefixes)


def rdflib_graph(path: Path) -> rdflib.Graph:
    """An RDF file as a plain in-memory rdflib Graph (the union of its named graphs, each triple once), for
    rdflib's engine: slow, but independent of Oxigraph, which makes it a cross-check."""
    store = open_graph(path)
    triples = store.quads_for_pattern(None, None, None, DefaultGraph())
    data = serialize((q.triple for q in triples), format=RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


def default_graph() -> Path:
    """The graph used without --graph: the last `kg build` (recorded by kg.build), else `./build`."""
    from kg.build import last_build

    return last_build() or Path("build")


def _run_oxigraph(
    query: str,
    store: Store,
    bound: Mapping[str, Term],
    *,
    name: str,
    default_prefixes: Mapping[str, str] | None,
) -> QueryResult:
    try:
        answer = store.query(
            query,
            prefixes=dict(default_prefixes) if default_prefixes else None,
            substitutions={Variable(k): v for k, v in bound.items()} or None,
        )
        if isinstance(answer, QueryBoolean):
            return QueryResult("ask", (), (), bool(answer))
        if isinstance(answer, QuerySolutions):
            variables = tuple(v.value for v in answer.variables)
            rows = tuple(map(tuple, answer))  # a solution iterates its values in variable order (None if unbound)
            return QueryResult("select", variables, rows)
        if isinstance(answer, QueryTriples):
            rows = tuple((t.subject, t.predicate, t.object) for t in answer)
            return QueryResult("graph", ("subject", "predicate", "object"), rows)
    except SyntaxError as exc:
        raise _syntax_error(query, str(exc), name) from None
    except (RuntimeError, OSError, ValueError) as exc:
        raise _engine_error(str(exc), name) from None
    raise QueryError(f"{_at(name)}the engine returned an unknown kind of answer")  # pragma: no cover


def _run_rdflib(
    query: str,
    graph: rdflib.Graph,
    bound: Mapping[str, Term],
    *,
    name: str,
    default_prefixes: Mapping[str, str] | None,
) -> QueryResult:
    from pyparsing import ParseException

    try:
        answer = graph.query(
            query,
            initNs=dict(default_prefixes or {}),
            initBindings={k: _to_rdflib(v) for k, v in bound.items()},
        )
        if answer.type == "ASK":
            return QueryResult("ask", (), (), bool(answer.askAnswer))
        if answer.type == "SELECT":
            variables = tuple(str(v) for v in answer.vars or ())
            rows = tuple(tuple(_to_ox(t) if t is not None else None for t in row) for row in answer)  # type: ignore[union-attr]
            return QueryResult("select", variables, rows)
        rows = tuple(tuple(_to_ox(t) for t in triple) for triple in answer)  # type: ignore[union-attr]
        return QueryResult("graph", ("subject", "predicate", "object"), rows)
    except ParseException as exc:
        raise _syntax_error(query, f"error at {exc.lineno}:{exc.col}: {exc.msg}", name) from None
    except Exception as exc:  # rdflib raises many kinds for unsupported or failing queries
        raise _engine_error(f"{type(exc).__name__}: {exc}", name) from None


def _syntax_error(query: str, oxigraph_message: str, name: str) -> QueryError:
    """A syntax error with a useful line and column.

    Oxigraph's parser reports where it gave up, often the end of the query; rdflib's parser (tried only once
    the query is known to be bad) points at the offending token. An unknown prefix passes rdflib's grammar, so
    for it we point at the prefix ourselves.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    match = _OXI_POSITION.match(oxigraph_message)
    line, column, detail = (int(match[1]), int(match[2]), match[3]) if match else (1, 1, oxigraph_message)
    lines = query.splitlines() or [""]
    if "Prefix not found" in detail:
        text = lines[min(line, len(lines)) - 1]
        candidates = [m for m in re.finditer(r"(?<![\w<?$:])([A-Za-z][\w.-]*)?:", text) if m.start() < column]
        declared = query_prefixes(query)
        unknown = [m for m in candidates if (m.group(1) or "") not in declared] or candidates
        if unknown:
            column = unknown[-1].start() + 1
            prefix = unknown[-1].group(1) or ""
            detail = f"unknown prefix '{prefix}:'; declare it with PREFIX {prefix}: <…>"
        else:
            detail = "unknown prefix; declare it with PREFIX name: <…>"
    else:
        try:
            parseQuery(query)
        except ParseException as exc:
            line, column = exc.lineno, exc.col
            rest = exc.line[exc.col - 1 :].strip()
            snippet = rest if len(rest) <= 40 else rest[:39] + "…"
            detail = f"cannot parse from here on: '{snippet}'" if rest else "unexpected end of query"
        except Exception:
            pass
        if len(detail) > 160:
            detail = detail[:157] + "…"
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    caret = " " * (max(column, 1) - 1) + "^"
    return QueryError(
        f"{_at(name)}syntax error at line {line}, column {column}: {detail}\n  {text}\n  {caret}",
        line=line,
        column=column,
    )


def _at(name: str) -> str:
    """The message prefix naming the query file, if the query came from one."""
    return f"{name}: " if name else ""


def _engine_error(message: str, name: str) -> QueryError:
    projection = re.search(r"does not contains? variable \?(\w+) in its SELECT projection", message)
    if projection:
        var = projection.group(1)
        return QueryError(
            f"{_at(name)}parameter {var!r} must be a column of the query; add ?{var} to its SELECT clause"
        )
    return QueryError(f"{_at(name)}the query failed: {message}")


# ------------------------------------------------------------------------------------------------------------
# Term conversions between rdflib and pyoxigraph


def _to_ox(term: Any) -> Term:
    if isinstance(term, NamedNode | BlankNode | Literal | Triple):
        return term
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return Literal(str(term), language=term.language)
        return Literal(str(term), datatype=NamedNode(str(term.datatype)) if term.datatype else None)
    raise QueryError(f"cannot use {term!r} as an RDF term")


def _to_rdflib(term: Term) -> rdflib.term.Identifier:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return rdflib.Literal(term.value, datatype=None if datatype == XSD_STRING else rdflib.URIRef(datatype))
    raise QueryError(f"rdflib cannot bind {term!r}")


# ------------------------------------------------------------------------------------------------------------
# Output formats


def format_result(result: QueryResult, fmt: str = "table", *, prefixes: Mapping[str, str] | None = None) -> str:
    """The answer as text: `table` for people; `csv`, `tsv`, `json` in the W3C SPARQL 1.1 results formats."""
    out = io.StringIO()
    write_result(result, fmt, out, prefixes=prefixes)
    return out.getvalue()


def write_result(result: QueryResult, fmt: str, out: TextIO, *, prefixes: Mapping[str, str] | None = None) -> None:
    if fmt == "json":
        json.dump(_json_result(result), out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n")
        if result.kind == "ask":
            writer.writerows([["boolean"], ["true" if result.boolean else "false"]])
        else:
            writer.writerow(result.variables)
            writer.writerows([_csv_value(t) for t in row] for row in result.rows)
    elif fmt == "tsv":
        if result.kind == "ask":
            out.write("?boolean\n" + ("true" if result.boolean else "false") + "\n")
        else:
            out.write("\t".join("?" + v for v in result.variables) + "\n")
            for row in result.rows:
                out.write("\t".join("" if t is None else str(t) for t in row) + "\n")
    elif fmt == "table":
        out.write(_table(result, PREFIXES if prefixes is None else prefixes))
    else:
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return "_:" + term.value
    if isinstance(term, Triple):
        return str(term)
    return term.value


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    data: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        data["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        data["datatype"] = term.datatype.value
    return data


def _json_result(result: QueryResult) -> dict[str, Any]:
    if result.kind == "ask":
        return {"head": {}, "boolean": bool(result.boolean)}
    bindings = [
        {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None} for row in result.rows
    ]
    return {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}


def compact_iri(iri: str, prefixes: Mapping[str, str]) -> str:
    """`cond:rett-syndrome` for an IRI under a known namespace (the longest that leaves a clean local name),
    else
    `<iri>`."""
    best: str | None = None
    for prefix, ns in prefixes.items():
        longer = best is None or len(ns) > len(prefixes[best])
        if ns and iri.startswith(ns) and longer and _LOCAL_NAME.fullmatch(iri[len(ns) :]):
            best = prefix
    return f"{best}:{iri[len(prefixes[best]) :]}" if best is not None else f"<{iri}>"


def _visible(text: str) -> str:
    """Control characters (newlines, tabs, terminal escapes) from the data shown as escapes, never obeyed."""
    return "".join(
        ch
        if ch.isprintable() and unicodedata.category(ch) not in ("Cc", "Cf")
        else ch.encode("unicode_escape").decode()
        for ch in text
    )


def _table_cell(term: Term | None, prefixes: Mapping[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return compact_iri(term.value, prefixes)
    if isinstance(term, BlankNode):
        return "_:" + term.value
    if isinstance(term, Triple):
        return "<< " + " ".join(_table_cell(t, prefixes) for t in term) + " >>"
    return _visible(term.value)


def _table(result: QueryResult, prefixes: Mapping[str, str]) -> str:
    if result.kind == "ask":
        return ("yes" if result.boolean else "no") + "\n"
    header = list(result.variables)
    body = [[_table_cell(t, prefixes) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = [_table_line(header, widths), "  ".join("-" * w for w in widths)]
    lines += [_table_line(r, widths) for r in body]
    count = len(body)
    lines.append(f"({count} row{'s' if count != 1 else ''})")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _table_line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
