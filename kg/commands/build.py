"""`kg build PATH... --out DIR`: the graph of the summaries, as files, an embedded store and a network page."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import TextIO


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="summary .txt files or folders of them")
    p.add_argument("--out", default="build", help="output folder (default: build)")
    p.add_argument("--encoding", help="decode inputs with this codec instead of UTF-8 (e.g. latin-1)")
    p.add_argument("--strict", action="store_true", help="stop at the first unreadable input (exit 2)")
    p.add_argument("--no-store", action="store_true", help="do not write the embedded store")
    p.add_argument("--no-html", action="store_true", help="do not write graph.html")
    p.add_argument("--no-kgx", action="store_true", help="do not write the KGX node and edge files")
    p.add_argument(
        "--no-validate",
        action="store_true",
        help="skip the SHACL check of each document (faster; for inputs already validated)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="redo every summary instead of reusing the last build's results for unchanged ones (.kg-cache.sqlite)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress or summary")
    scale = p.add_argument_group("scale")
    scale.add_argument(
        "--processes",
        type=_positive,
        metavar="N",
        help="worker processes on this machine (default: one per CPU; 1 = no pool)",
    )
    scale.add_argument(
        "--executor",
        choices=("processes", "dask"),
        help="where the per-document work runs: local processes (default) or a dask cluster",
    )
    scale.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the dask scheduler to use with --executor dask, e.g. tcp://10.0.0.5:8786",
    )
    scale.add_argument(
        "--store", metavar="URL", dest="remote", help="also write each summary's named graph to this SPARQL 1.1 store"
    )
    scale.add_argument(
        "--store-protocol",
        choices=("gsp", "update"),
        default="gsp",
        help=(
            "with --store: Graph Store Protocol (URL of /store, default; the named graphs only) or SPARQL Update "
            "(URL of /update; also keeps the default graph the union, so the canned queries run there)"
        ),
    )
    scale.add_argument(
        "--store-query",
        metavar="URL",
        help=(
            "with --store: the store's SPARQL query endpoint, where a rebuild checks that the store still holds the "
            "graphs it was sent (default: the one beside --store for Oxigraph, Fuseki, GraphDB/RDF4J and Virtuoso)"
        ),
    )
    scale.add_argument(
        "--timings", metavar="FILE", help="write seconds, CPU seconds and peak memory per stage as JSON to FILE"
    )


def run(args: argparse.Namespace) -> int:
    from kg.build import build
    from kg.errors import KgError

    if args.scheduler and args.executor != "dask":
        raise KgError("--scheduler goes with --executor dask; add --executor dask or drop --scheduler")
    if args.executor == "dask" and not args.scheduler:
        raise KgError("--executor dask needs --scheduler ADDRESS, the address of a running dask scheduler")
    if args.store_query and not args.remote:
        raise KgError("--store-query goes with --store URL, the store it checks; add --store or drop --store-query")

    progress = None if args.quiet else Progress(sys.stderr)

    result = build(
        args.paths,
        args.out,
        encoding=args.encoding,
        strict=args.strict,
        store=not args.no_store,
        html=not args.no_html,
        kgx=not args.no_kgx,
        validate=not args.no_validate,
        progress=progress,
        processes=args.processes,
        executor=args.executor,
        scheduler=args.scheduler,
        remote=args.remote,
        remote_protocol=args.store_protocol,
        remote_query=args.store_query,
        measure_memory=bool(args.timings),
        reuse=not args.no_cache,
    )
    for exc in result.problems:
        print(f"kg build: skipped {exc}", file=sys.stderr)
    if not args.quiet:
        print(result.summary())
    if args.timings:
        from pathlib import Path

        from kg.outputs.rdf import write_atomic

        data = {
            "seconds": round(result.seconds, 3),
            "documents": result.counts["documents"],
            "words": result.words,
            "triples": result.counts["triples"],
            "workers": result.workers,
            "reused": result.reused,
            "stages": {
                name: {
                    "seconds": round(result.timings[name], 3),
                    "cpu": round(result.cpu.get(name, 0.0), 3),
                    "peak_rss": result.peak_rss.get(name, 0),
                }
                for name in result.timings
            },
        }
        text = json.dumps(data, indent=1) + "\n"
        write_atomic(Path(args.timings), lambda fh: fh.write(text.encode("utf-8")))
    return 1 if result.problems else 0


class Progress:
    """Documents done, the rate and the time left, on one line that rewrites itself on a terminal (every 10 s as a
    new line in a log). Quiet for the first second, so short builds print only their summary."""

    def __init__(self, out: TextIO, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.out, self.clock = out, clock
        self.started = clock()
        self.shown_at = self.started
        self.tty = out.isatty()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        elapsed = now - self.started
        due = (now - self.shown_at) >= (0.5 if self.tty else 10.0)
        if done < total and (elapsed < 1.0 or not due):
            return
        if done == total and not self.shown:
            return  # a build that never showed progress does not start now
        self.shown_at, self.shown = now, True
        rate = done / elapsed if elapsed > 0 else 0.0
        left = f", about {_duration((total - done) / rate)} left" if rate and done < total else ""
        line = f"  {done:,}/{total:,} documents ({rate:,.0f}/s{left})"
        if self.tty:
            self.out.write(f"\r{line:<72}" + ("\n" if done == total else ""))
        else:
            self.out.write(line + "\n")
        self.out.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
