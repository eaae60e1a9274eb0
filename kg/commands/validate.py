"""`kg validate GRAPH`: check a graph file against the SHACL shapes and print the violations, one per line."""

from __future__ import annotations

import argparse
import sys

from kg.validate import SHAPES, validate


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "graph",
        metavar="GRAPH",
        help="an RDF file (.ttl, .trig, .nt, .nq or .jsonld), e.g. build/graph.ttl; named graphs are merged",
    )
    parser.epilog = (
        f"Checks against {SHAPES.name} (ontologies/). Each violation line is: node, property, message. "
        "Exit status: 0 the graph conforms, 1 violations found, 2 the file cannot be read."
    )


def run(args: argparse.Namespace) -> int:
    report = validate(args.graph)
    print(report.text, file=sys.stdout)
    return 0 if report.conforms else 1
