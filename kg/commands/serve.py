"""`kg serve [--graph PATH] [--port N] [--writable] [--timeout S] [--max-rows N] [--max-bytes N]
[--max-concurrent N]`: the SPARQL endpoint of kg/serve.py in the foreground, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from kg.errors import KgError
from kg.query import default_graph
from kg.serve import DEFAULT_PORT, Endpoint, Limits


def configure(parser: argparse.ArgumentParser) -> None:
    defaults = Limits()
    parser.add_argument(
        "--graph", metavar="PATH", type=Path, help="a build folder or an RDF file; default: the last build"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    parser.add_argument(
        "--writable",
        action="store_true",
        help="accept SPARQL Update and Graph Store writes (they change the build's store); read-only otherwise",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=defaults.timeout_s,
        metavar="S",
        help=f"stop a request after S seconds, waiting for a free engine included (default {defaults.timeout_s:g}, "
        "at least 1); a query still running half a second later has its Oxigraph process ended",
    )
    parser.add_argument(
        "--max-rows", type=int, default=defaults.max_rows, metavar="N", help="refuse answers longer than N rows"
    )
    parser.add_argument(
        "--max-bytes", type=int, default=defaults.max_bytes, metavar="N", help="refuse answers larger than N bytes"
    )
    parser.add_argument(
        "--max-concurrent",
        type=int,
        default=defaults.max_concurrent,
        metavar="N",
        help=f"evaluate at most N requests at once, one Oxigraph process each; the others wait (default "
        f"{defaults.max_concurrent}; always 1 with --writable)",
    )


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    graph = args.graph or default_graph()
    for name in ("max_rows", "max_bytes", "max_concurrent"):
        if getattr(args, name) < 1:
            raise KgError(f"--{name.replace('_', '-')} must be 1 or more, got {getattr(args, name)}")
    limits = Limits(
        timeout_s=max(1.0, args.timeout),
        max_rows=args.max_rows,
        max_bytes=args.max_bytes,
        writable=args.writable,
        max_concurrent=args.max_concurrent,
    )
    endpoint = Endpoint(graph, port=args.port, limits=limits).start()
    signal.signal(signal.SIGTERM, _stop)  # a plain `kill` stops the Oxigraph child too
    mode = "read-write" if limits.writable else "read-only"
    print(
        f"SPARQL endpoint {endpoint.query_url} ({mode}, {limits.timeout_s:g} s and {limits.max_rows} rows per "
        f"query, {endpoint.pool.size} at once) over {graph}\nQuery page: {endpoint.url}/  -  Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    try:
        endpoint.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.stop()
    return 0
