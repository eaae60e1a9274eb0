"""Sorting more rows than should sit in memory: sorted runs spilled to disk, then merged (an external merge sort).

The KGX export gathers each edge's evidence and each node's values. Gathered in one dict, that grew with the
corpus: about 0.7 GB at 100,000 summaries, so several GB at a few million. Sorting the rows by their group key
instead keeps at most one run in memory. A run holds `RUN_ROWS` rows; each is sorted, pickled to a temporary file
and merged back with `heapq.merge`. The groups then come out one after another, in key order, which is also the
order the files are written in. An input that fits in one run never touches the disk.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import count, islice
from pathlib import Path
from typing import Any, TypeVar

RUN_ROWS = 100_000  # rows sorted in memory at a time: about 60 MB of KGX rows
MAX_OPEN_RUNS = 64  # runs merged at once; more are first merged into longer runs (open files stay few)
_BATCH = 4096  # rows per pickle record in a run file

Row = TypeVar("Row")


def sorted_rows(
    rows: Iterable[Row],
    key: Callable[[Row], Any],
    *,
    spill_dir: Path,
    run_rows: int | None = None,
) -> Iterator[Row]:
    """`rows` in the order of `key`; rows with equal keys come in no promised order.

    At most `run_rows` (default `RUN_ROWS`) rows are held in memory. Longer inputs are spilled to a temporary
    folder inside `spill_dir`, which is removed when the iterator is used up, closed or collected, also after an
    error."""
    run_rows = run_rows or RUN_ROWS
    source = iter(rows)
    run = list(islice(source, run_rows))
    if len(run) < run_rows:
        run.sort(key=key)
        yield from run
        return
    # ".tmp": a killed build's leftovers are removed by the next one (kg.build._remove_leftovers)
    with tempfile.TemporaryDirectory(prefix=".sort-", suffix=".tmp", dir=spill_dir) as tmp:
        names = (Path(tmp) / f"{n:06d}" for n in count())
        runs: list[Path] = []
        while run:
            run.sort(key=key)
            runs.append(_write_run(next(names), run))
            run = []  # let the sorted run go before the next one is read
            run = list(islice(source, run_rows))
            if len(runs) >= MAX_OPEN_RUNS:
                runs = [_write_run(next(names), heapq.merge(*map(_read_run, runs), key=key), remove=runs)]
        yield from heapq.merge(*map(_read_run, runs), key=key)


def _write_run(path: Path, rows: Iterable[Any], *, remove: Iterable[Path] = ()) -> Path:
    """Pickle `rows` to `path` in batches; `remove` are run files the rows came from, deleted once read."""
    with path.open("wb") as fh:
        batch: list[Any] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= _BATCH:
                pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        if batch:
            pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
    for old in remove:
        old.unlink()
    return path


def _read_run(path: Path) -> Iterator[Any]:
    """The rows of a run file, in order (the file is our own, written by `_write_run` in this process)."""
    with path.open("rb") as fh:
        while True:
            try:
                batch = pickle.load(fh)
            except EOFError:
                return
            yield from batch
