"""`kg evaluate GOLD_DIR [PATHS...]`: extract the summaries and score them against gold annotations."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from kg.errors import InputError, KgError
from kg.evaluate import ENTITY_TYPES, DocScore, Report, evaluate, gold_files
from kg.ingest import Document, read_sources


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("gold_dir", metavar="GOLD_DIR", help="folder of gold annotations (<slug>.json)")
    parser.add_argument(
        "paths",
        metavar="PATHS",
        nargs="*",
        help="summaries (.txt files or folders) to extract; default: X/summaries for X/gold, or the folder "
        "holding GOLD_DIR when it has .txt files",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    parser.add_argument(
        "--min-f1",
        type=_fraction,
        metavar="X",
        help="exit 1 when the F1 of an entity type or of prevalence is below X, on any negation error, or "
        "when a gold file has no summary",
    )
    parser.epilog = "Exit status: 0 ok, 1 below --min-f1 or some inputs were skipped, 2 error, 64 usage."


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give a value between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is outside 0..1")
    return value


def default_paths(gold_dir: str | Path) -> list[str]:
    """Where a gold folder's summaries live: X/summaries for X/gold, else the parent if it has .txt files."""
    gold = Path(gold_dir)
    parent = gold.parent if gold.name not in ("", "..") else gold.resolve().parent  # "." has no name
    if (parent / "summaries").is_dir():
        return [str(parent / "summaries")]
    if any(p.is_file() for p in parent.glob("*.txt")):
        return [str(parent)]
    raise KgError(
        f"no summaries found for {gold_dir} (looked for {parent / 'summaries'} and .txt files in {parent}); "
        "pass the summary files or folder after GOLD_DIR"
    )


def run(args: argparse.Namespace) -> int:
    gold_files(args.gold_dir)  # a wrong GOLD_DIR is reported before any extraction work
    paths = args.paths or default_paths(args.gold_dir)
    try:
        from kg.extract import extract_documents  # imported here: the extractor loads spaCy
    except ImportError as exc:
        raise KgError(f"the extractor cannot be loaded ({exc}); check the installation") from None
    skipped = 0

    def documents() -> Iterator[Document]:
        nonlocal skipped
        for item in read_sources(paths):
            if isinstance(item, InputError):
                skipped += 1
                print(f"kg evaluate: skipped {item}", file=sys.stderr)
            else:
                yield item

    report = evaluate(args.gold_dir, extract_documents(documents()))
    if not report.docs:
        raise KgError(
            f"no summary matched a gold file in {args.gold_dir} (gold files are paired with summaries by the "
            "condition's slug or the file name); check that the summaries are the ones the gold describes"
        )
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_report(report, sys.stdout)
    failures = report.failures(args.min_f1) if args.min_f1 is not None else []
    for why in failures:
        print(f"kg evaluate: below the bar: {why}", file=sys.stderr)
    return 1 if failures or skipped else 0


# -------------------------------------------------------------------------------------------------- the table


def print_report(report: Report, out: TextIO) -> None:
    """The readable report: scores per type, then each document that fell short with exactly what was off."""
    w = out.write
    w(f"{len(report.docs)} document(s) scored\n\n")
    w(f"{'':16} {'P':>6} {'R':>6} {'F1':>6} {'TP':>5} {'FP':>5} {'FN':>5} {'neg':>4}\n")
    for kind in (*ENTITY_TYPES, "prevalence"):
        c = report.counts(kind)
        neg = str(report.negation_errors(kind)) if kind != "prevalence" else ""
        w(f"{kind:16} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.tp:5} {c.fp:5} {c.fn:5} {neg:>4}\n")
    w("\n")
    lines = [
        ("prevalence normalisation", report.normalisation, "gold figures matched with their population"),
        ("condition name", report.exact("condition"), "documents"),
        ("last updated exact", report.exact("last_updated"), "documents"),
        ("community count exact", report.exact("community_count"), "documents"),
    ]
    for label, (ok, total), unit in lines:
        w(f"{label:26} {_ratio(ok, total):6.3f}  ({ok}/{total} {unit})\n")
    w(f"{'negation errors':26} {report.negation_errors():6d}\n")

    short = report.short
    if short:
        w(f"\nDocuments that fell short ({len(short)}):\n")
        for doc in short:
            _print_doc(doc, w)
    if report.gold_without_summary:
        w(f"\nGold files without a summary ({len(report.gold_without_summary)}):\n")
        for path in report.gold_without_summary:
            w(f"  {path}\n")
    if report.summaries_without_gold:
        w(f"\nSummaries without gold ({len(report.summaries_without_gold)}):\n")
        for source, why in report.summaries_without_gold:
            w(f"  {source}: {why}\n")


def _ratio(ok: int, total: int) -> float:
    return ok / total if total else 1.0


def _print_doc(doc: DocScore, w: Callable[[str], object]) -> None:
    w(f"\n  {doc.name}  ({doc.source})\n")
    if not doc.condition_ok:
        w(f"    condition        expected {doc.condition[0]!r}, got {doc.condition[1]!r}\n")
    for kind, score in doc.types.items():
        negated = {p for p, _ in score.negation}
        if score.missed:
            w(f"    {kind:16} missed:   {_quoted(score.missed)}\n")
        if spurious := [p for p in score.spurious if p not in negated]:
            w(f"    {kind:16} spurious: {_quoted(spurious)}\n")
        for pred, bad in score.negation:
            w(f"    {kind:16} NEGATION: {pred!r} matches must_not_extract {bad!r}\n")
    prev = doc.prevalence
    for fig in prev.missed:
        w(f"    {'prevalence':16} missed:   {fig}\n")
    for fig in prev.spurious:
        w(f"    {'prevalence':16} spurious: {fig}\n")
    for pred, gold, ok in prev.matched:
        if not ok:
            w(f"    {'prevalence':16} population: got {pred}, expected {gold}\n")
    if not doc.date_ok:
        w(f"    {'last_updated':16} expected {doc.last_updated[0]}, got {doc.last_updated[1]}\n")
    if not doc.count_ok:
        w(f"    {'community_count':16} expected {doc.community_count[0]}, got {doc.community_count[1]}\n")


def _quoted(items: list[str]) -> str:
    return ", ".join(repr(i) for i in items)
