"""The library API a notebook uses: `kg.extract(text)` and `kg.build(paths)`, the same results as the commands."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import kg
from kg.commands.build import Progress

ROOT = Path(__file__).resolve().parents[1]
WILSON = ROOT / "data" / "summaries" / "wilson-disease.txt"


def test_kg_extract_is_the_record_kg_extract_prints() -> None:
    record = kg.extract(WILSON.read_text(encoding="utf-8"), str(WILSON))
    printed = subprocess.run(
        [sys.executable, "-m", "kg.cli", "extract", str(WILSON)], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert record.to_json() == json.loads(printed)
    assert record.condition.ids  # grounded, unlike the extraction stage alone
    assert kg.extract.extract(WILSON.read_text(encoding="utf-8")).condition.ids == ()
    assert kg.extract(WILSON.read_text(encoding="utf-8"), link=False).condition.ids == ()


def test_kg_build_takes_one_path_or_many(tmp_path: Path) -> None:
    one = kg.build(str(WILSON), tmp_path / "one", html=False, store=False, validate=False)
    many = kg.build([WILSON], tmp_path / "many", html=False, store=False, validate=False)
    assert one.counts["documents"] == many.counts["documents"] == 1
    assert (tmp_path / "one" / "graph.ttl").read_bytes() == (tmp_path / "many" / "graph.ttl").read_bytes()
    assert kg.build.build is not None and callable(kg.build)


def test_import_kg_stays_light() -> None:
    code = "import sys, kg; print(any(m.startswith(('spacy', 'rdflib', 'pyoxigraph')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_waits_a_second_then_shows_rate_and_time_left() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = Progress(out, clock=clock)
    clock.now = 0.5
    progress(10, 1000)
    assert out.getvalue() == ""  # short builds print only their summary
    clock.now = 12.0
    progress(300, 1000)
    assert out.getvalue() == "  300/1,000 documents (25/s, about 28 s left)\n"
    clock.now = 13.0
    progress(320, 1000)  # not a terminal: one line every 10 s at most
    assert out.getvalue().count("\n") == 1
    clock.now = 40.0
    progress(1000, 1000)
    assert out.getvalue().endswith("  1,000/1,000 documents (25/s)\n")


def test_a_quick_build_shows_no_progress() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = Progress(out, clock=clock)
    for done in range(1, 50):
        clock.now = done * 0.01
        progress(done, 49)
    assert out.getvalue() == ""
