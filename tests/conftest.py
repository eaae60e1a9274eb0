"""Shared test set-up: every test runs away from the user's own state, and speed is checked in a way that does not
depend on how fast or how busy the machine is.

Isolation: `kg build` remembers its output folder in ~/.cache/rare-kg/last-build (`kg.build.LAST_BUILD_POINTER`,
computed from $HOME when `kg.build` is imported), and `kg query` / `kg viz` default to it. A test build must never
become the user's default, so $HOME (seen by every `kg` subprocess a test starts) and the pointer of this process
point into a temporary folder: one for the whole session (module and session fixtures build too) and a fresh one
for each test (so that no test answers from another test's build). The variables that change what the pipeline
reads are removed, so that a user's shell cannot change the results.

Speed: `linear_growth` compares the CPU time of the same work on a small and a much larger input. Linear code grows
by the size ratio, quadratic code by its square; a busy machine slows both sizes alike, so the ratio holds where a
threshold in seconds does not.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# environment variables that change what kg reads (kg.ingest, kg.link, kg.extract.lexicon): never the user's
PIPELINE_ENV = ("KG_MAX_BYTES", "RKG_HPOA", "RARE_KG_DATA")


def _point_home_at(mp: pytest.MonkeyPatch, home: Path) -> None:
    """$HOME for subprocesses, and the last-build pointer of this process (already computed from the real $HOME)."""
    mp.setenv("HOME", str(home))
    for name in PIPELINE_ENV:
        mp.delenv(name, raising=False)
    try:
        import kg.build
    except ImportError:  # nothing in this process can write the pointer; the tests that build will say why
        return
    mp.setattr(kg.build, "LAST_BUILD_POINTER", home / ".cache" / "rare-kg" / "last-build")


@pytest.fixture(scope="session", autouse=True)
def _session_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temporary home for the whole session: set before any module or session fixture runs."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        _point_home_at(mp, home)
        yield home


@pytest.fixture(autouse=True)
def _test_home(_session_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh home for each test (outside its tmp_path, which some tests list): no pointer from another test."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        _point_home_at(mp, home)
        yield home


def _cpu_seconds(work: Callable[[], object]) -> float:
    started = time.thread_time()
    work()
    return time.thread_time() - started


def check_linear_growth(
    make: Callable[[int], Callable[[], object]],
    small: int,
    large: int,
    *,
    what: str,
    repeat: int = 3,
    slack: float = 2.5,
) -> float:
    """Fail unless the work on an input of size `large` costs at most `slack` times (large / small) the CPU time
    of the same work on size `small`. `make(size)` builds the input (not timed) and returns the call to time.

    Both sizes are timed alternately, up to `repeat` times while the ratio is over the limit but within twice it
    (noise does not double CPU time, so a worse ratio is a verdict, and quadratic work is slow to repeat), and the
    best run of each counts (an interruption only ever adds time); the collector is off meanwhile (a full
    collection costs the size of the heap, not of the input). Returns the ratio.
    """
    assert large >= 4 * small, "a ratio of sizes below 4 cannot tell linear from quadratic growth"
    runs = {small: make(small), large: make(large)}
    best = dict.fromkeys(runs, math.inf)
    sizes = large / small
    limit = slack * sizes
    ratio = math.inf
    runs[small]()  # lazily built tables (patterns, automata) are not the work being measured
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            for size, work in runs.items():
                best[size] = min(best[size], _cpu_seconds(work))
            ratio = best[large] / max(best[small], 1e-6)
            if ratio <= limit or ratio > 2 * limit:
                break
    finally:
        if enabled:
            gc.enable()
    assert ratio <= limit, (
        f"{what}: {sizes:.0f}x the input took {ratio:.1f}x the CPU time ({best[small] * 1000:.1f} ms -> "
        f"{best[large] * 1000:.1f} ms); linear work grows about {sizes:.0f}x, quadratic {sizes**2:.0f}x"
    )
    return ratio


@pytest.fixture()
def linear_growth() -> Callable[..., float]:
    """`check_linear_growth`, for tests that guard against quadratic blow-ups without a threshold in seconds."""
    return check_linear_growth


SUMMARIES = Path(__file__).resolve().parents[1] / "data" / "summaries"


def copy_summaries(folder: Path, names: list[str]) -> Path:
    """A folder holding copies of some bundled summaries (tests that edit their inputs must not edit ours)."""
    import shutil

    folder.mkdir()
    for name in names:
        shutil.copy(SUMMARIES / name, folder / name)
    return folder
