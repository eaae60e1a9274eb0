"""`kg extract PATH...`: one JSON record per summary on standard output (JSON Lines)."""

from __future__ import annotations

import argparse
import json
import sys

from kg.errors import InputError


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="summary .txt files, folders of them, or - for stdin")
    p.add_argument("--encoding", help="decode inputs with this codec instead of UTF-8 (e.g. latin-1)")
    p.add_argument("--strict", action="store_true", help="stop at the first unreadable input (exit 2)")
    p.add_argument("--no-link", action="store_true", help="skip grounding conditions to identifiers")


def run(args: argparse.Namespace) -> int:
    from kg.build import iter_records

    skipped = 0

    def problem(exc: InputError) -> None:
        nonlocal skipped
        if args.strict:
            raise exc
        skipped += 1
        print(f"kg extract: skipped {exc}", file=sys.stderr)

    out = sys.stdout
    for record in iter_records(args.paths, encoding=args.encoding, on_problem=problem, link=not args.no_link):
        out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
    out.flush()
    return 1 if skipped else 0
