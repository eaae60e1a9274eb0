"""`kg viz`: write the interactive network of a built graph as one offline HTML page."""

from __future__ import annotations

import argparse
from pathlib import Path

from kg.errors import KgError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--graph",
        type=Path,
        default=None,
        metavar="PATH",
        help="a build folder (default: the last build, else ./build) or an RDF file (.ttl, .trig, .nt, .nq, ...)",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.html", help="the page to write")
    parser.add_argument(
        "--condition",
        metavar="NAME",
        help="draw only this condition (label, synonym or identifier such as ORPHA:3027) and its neighbours",
    )
    parser.add_argument(
        "--depth",
        type=int,
        default=None,
        metavar="N",
        help="with --condition: how many links away to go (default 1: its own risk factors and treatment areas; "
        "2 adds the conditions sharing them)",
    )
    parser.add_argument(
        "--types",
        metavar="T,...",
        help="draw only these entity types: condition, risk-factor, treatment-area, or a category "
        "(genetic, maternal, environmental, vascular, other-risk, specialty, care-model, intervention)",
    )
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=None,
        metavar="N",
        help="draw at most N nodes (default 5000, about where a page stops being fluid); past it the page is an "
        "overview of the conditions with the most links and says so; 0 draws everything",
    )


def run(args: argparse.Namespace) -> int:
    from kg.outputs import viz
    from kg.query import default_graph

    if args.depth is not None and args.condition is None:
        raise KgError("--depth needs --condition NAME (the condition to start from)")
    if args.max_nodes is not None and args.max_nodes < 0:
        raise KgError(f"--max-nodes must be 0 (no cap) or more, got {args.max_nodes}")
    types = [t for t in args.types.split(",") if t.strip()] if args.types else None
    summary = viz.write_html(
        viz.load_graph(args.graph or default_graph()),
        args.out,
        condition=args.condition,
        depth=1 if args.depth is None else args.depth,
        types=types,
        max_nodes=viz.MAX_NODES if args.max_nodes is None else args.max_nodes,
    )
    kinds = ", ".join(f"{n} {viz.TYPES_BY_KEY[t].label.lower()}" for t, n in sorted(summary.types.items()))
    motion = "physics settles the layout, then stops" if summary.physics else "precomputed layout, physics off"
    print(f"{summary.path}: {summary.nodes} nodes ({kinds or 'none'}), {summary.edges} links; {motion}")
    if summary.overview:
        cap = args.max_nodes or viz.MAX_NODES
        print(
            f"  an overview: {summary.nodes} of {summary.total_nodes} nodes (the cap is {cap}); "
            "--condition NAME draws one condition, --max-nodes 0 everything"
        )
    return 0
