"""`kg query QUERY [--graph PATH] [--param NAME=VALUE]... [--format table|csv|tsv|json]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.query import FORMATS, QueryError, parse_param_args, rdflib_graph, read_query, run_query, write_result


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="QUERY", help="a .rq file (see queries/) or the SPARQL text itself")
    parser.add_argument(
        "--graph",
        metavar="PATH",
        type=Path,
        help="a build folder or an RDF file (.ttl .trig .nt .nq .jsonld .rdf); default: the last build, else ./build",
    )
    parser.add_argument(
        "--param",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="bind ?NAME to an RDF term: cond:rett-syndrome, <http://...>, 1e-4, '\"text\"@en', or plain text "
        "(a string); repeatable. Values are never pasted into the query text.",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument(
        "--engine",
        choices=("oxigraph", "rdflib"),
        default="oxigraph",
        help="query engine; rdflib (slow, for small RDF files) is there to cross-check answers",
    )


def run(args: argparse.Namespace) -> int:
    text, name = read_query(args.query)
    params = parse_param_args(args.param)
    source: object = args.graph
    if args.engine == "rdflib":
        source = _rdflib_graph(args.graph)
    result = run_query(text, source, params, name=name)  # type: ignore[arg-type]
    write_result(result, args.format, sys.stdout)
    return 0


def _rdflib_graph(path: Path | None) -> object:
    if path is None or not path.is_file():
        raise QueryError("--engine rdflib reads an RDF file; pass it with --graph FILE")
    return rdflib_graph(path)
