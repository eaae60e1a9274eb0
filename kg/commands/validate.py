"""`kg validate GRAPH`: check a graph against the SHACL shapes and print the violations, one per line.

GRAPH is an RDF file or, like `--graph` of `kg query`, `kg viz` and `kg serve`, a build folder: then its
`graph.trig` is checked (the graph as built, one named graph per summary; `graph.ttl` if the folder has no TriG).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.errors import InputError
from kg.validate import ENGINES, SHAPES, validate

# The files of a build folder that hold its whole graph, in the order they are looked for.
BUILD_GRAPHS = ("graph.trig", "graph.ttl")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "graph",
        metavar="GRAPH",
        help="a build folder (its graph.trig is checked) or an RDF file (.ttl, .trig, .nt, .nq or .jsonld), "
        "e.g. build/graph.ttl; named graphs are merged",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=ENGINES[0],
        help="oxigraph: the shapes compiled to SPARQL (fast, the default); pyshacl: the reference SHACL engine",
    )
    parser.epilog = (
        f"Checks against {SHAPES.name} (ontologies/). Each violation line is: node, property, message. "
        "Exit status: 0 the graph conforms, 1 violations found, 2 the graph cannot be read."
    )


def graph_file(path: Path) -> Path:
    """The RDF file to check for GRAPH: the file itself, or the graph a build folder holds."""
    if not path.is_dir():
        return path  # kg.validate names a missing or unreadable file itself
    for name in BUILD_GRAPHS:
        if (path / name).is_file():
            return path / name
    raise InputError(
        str(path),
        f"a folder without {' or '.join(BUILD_GRAPHS)}; pass a build folder (see `kg build --out`) or an RDF file",
    )


def run(args: argparse.Namespace) -> int:
    report = validate(graph_file(Path(args.graph)), engine=args.engine)
    print(report.text, file=sys.stdout)
    return 0 if report.conforms else 1
