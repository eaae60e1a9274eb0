"""Smoke test of the benchmark harness: the generator writes the scraped format deterministically, and the runner
measures a tiny build and writes its block into a results file. No timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import run  # noqa: E402

from kg.ingest import SegmentKind, clean  # noqa: E402


def test_generated_summaries_are_deterministic_unique_and_messy(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    generate.generate(12, a)
    generate.generate(12, b)
    files = sorted(p.relative_to(a) for p in a.rglob("*.txt"))
    assert len(files) == 12
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    names = [generate.condition_name(i) for i in range(5000)]
    assert len({generate.slug(n) for n in names}) == len(names)
    kinds: set[SegmentKind] = set()
    for f in files:
        doc = clean(str(f), (a / f).read_text(encoding="utf-8"))
        kinds |= {s.kind for s in doc.segments}
    assert {
        SegmentKind.HEADING,
        SegmentKind.DUPLICATE,
        SegmentKind.LIST_INTRO,
        SegmentKind.DISCLAIMER,
        SegmentKind.HEADER,
    } <= kinds
    # the first documents of a larger corpus are the smaller corpus
    generate.generate(3, tmp_path / "c")
    assert all(
        (tmp_path / "c" / f).read_bytes() == (a / f).read_bytes() for f in files[:3] if (tmp_path / "c" / f).exists()
    )
    assert generate.ensure(12, a)["documents"] == 12


def test_runner_measures_a_build_and_updates_its_block(tmp_path: Path) -> None:
    results = tmp_path / "BENCHMARKS.md"
    results.write_text("# Benchmarks\n\nHand-written notes stay.\n", encoding="utf-8")
    argv = [
        "--sizes",
        "6",
        "--queries-at",
        "0",
        "--serial-sizes",
        "",
        "--skip",
        "extraction,startup",
        "--processes",
        "1",
        "--build-args=--no-html",
        "--corpus-root",
        str(tmp_path / "root"),
        "--write",
        str(results),
        "--name",
        "smoke",
        "--quick",
    ]
    assert run.main(argv) == 0
    text = results.read_text(encoding="utf-8")
    assert "Hand-written notes stay." in text
    block = text[text.index("<!-- bench:smoke:begin -->") : text.index("<!-- bench:smoke:end -->")]
    assert "kg build, 6 synthetic summaries" in block
    for stage in ("extract", "validate", "store", "turtle"):
        assert f"| {stage} |" in block
    run.write_block(results, "smoke", "second run")  # a second run replaces the block instead of adding one
    text = results.read_text(encoding="utf-8")
    assert text.count("<!-- bench:smoke:begin -->") == 1 and "second run" in text and "Hand-written" in text


def test_query_header_examples_are_read() -> None:
    header = (
        "# Title\n#\n# Parameters:\n"
        "#   ?riskFactor  optional; a risk factor IRI such as risk:de-novo-variant. Omit it to list all.\n"
        "#   ?other  optional.\n#\n# Columns: a, b\nSELECT * WHERE { ?s ?p ?o }\n"
    )
    assert run.query_examples(header) == {"riskFactor": "risk:de-novo-variant"}
    assert run.query_examples("# Parameters:\n#   ?text  optional; e.g. --param text=rett or more.\n") == {
        "text": "rett"
    }
    assert run.query_examples('# Parameters:\n#   ?c  optional; exactly as written, e.g. "1-9 / 100 000".\n') == {
        "c": "1-9 / 100 000"
    }
    assert run.query_examples("# Parameters: none.\nSELECT * {}") == {}


@pytest.mark.parametrize(("values", "q", "expected"), [([1.0, 2.0, 3.0], 0.5, 2.0), ([1.0, 3.0], 0.95, 2.9)])
def test_percentile(values: list[float], q: float, expected: float) -> None:
    assert run.percentile(values, q) == pytest.approx(expected)
