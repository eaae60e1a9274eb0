"""`kg build PATH... --out DIR`: the graph of the summaries, as files, an embedded store and a network page."""

from __future__ import annotations

import argparse
import sys


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="summary .txt files or folders of them")
    p.add_argument("--out", default="build", help="output folder (default: build)")
    p.add_argument("--encoding", help="decode inputs with this codec instead of UTF-8 (e.g. latin-1)")
    p.add_argument("--strict", action="store_true", help="stop at the first unreadable input (exit 2)")
    p.add_argument("--no-store", action="store_true", help="do not write the embedded store")
    p.add_argument("--no-html", action="store_true", help="do not write graph.html")
    p.add_argument("--quiet", action="store_true", help="no progress or summary")


def run(args: argparse.Namespace) -> int:
    from kg.build import build

    def progress(done: int, total: int) -> None:
        if total >= 200 and (done % 100 == 0 or done == total) and not args.quiet:
            print(
                f"\r  {done}/{total} documents", end="" if done < total else "\n", file=sys.stderr, flush=True
            )

    result = build(
        args.paths,
        args.out,
        encoding=args.encoding,
        strict=args.strict,
        store=not args.no_store,
        html=not args.no_html,
        progress=progress,
    )
    for exc in result.problems:
        print(f"kg build: skipped {exc}", file=sys.stderr)
    if not args.quiet:
        print(result.summary())
    return 1 if result.problems else 0
