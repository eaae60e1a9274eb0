"""`kg stats`: network analytics of a built graph (most connected risk factors and treatment areas, conditions
sharing the most with one, connected components)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kg.errors import KgError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--graph",
        type=Path,
        default=None,
        metavar="PATH",
        help="a build folder (default: the last build, else ./build) or an RDF file",
    )
    parser.add_argument(
        "--condition",
        metavar="NAME",
        help="also list the conditions sharing the most risk factors and treatment areas with this one",
    )
    parser.add_argument("--top", type=int, default=10, metavar="N", help="how many to list in each ranking (10)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(args: argparse.Namespace) -> int:
    from kg import stats
    from kg.outputs.viz import load_graph
    from kg.query import default_graph

    if args.top < 1:
        raise KgError(f"--top must be 1 or more, got {args.top}")
    result = stats.report(load_graph(args.graph or default_graph()), condition=args.condition, top=args.top)
    if args.json:
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(stats.format_report(result))
    return 0
