"""External sort: the order of `sorted`, at most one run in memory, and no files left behind whatever happens."""

from __future__ import annotations

import random
from operator import itemgetter
from pathlib import Path

import pytest

import kg.outputs.external_sort as external_sort
from kg.outputs.external_sort import sorted_rows

FIRST = itemgetter(0)


def _rows(n: int, seed: int = 7) -> list[tuple[str, int, str | None]]:
    rng = random.Random(seed)
    return [(f"k{rng.randrange(n // 3 + 1):05d}", i, None if i % 5 == 0 else "é|\t\n" * (i % 3)) for i in range(n)]


@pytest.mark.parametrize(
    ("n", "run_rows", "max_open"),
    [(0, 10, 64), (9, 10, 64), (10, 10, 64), (95, 10, 64), (95, 10, 3), (1000, 7, 4)],
)
def test_rows_come_out_in_key_order_with_nothing_lost_or_left_on_disk(
    n: int, run_rows: int, max_open: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spilled or not, merged in one pass or in several (more runs than may be open at once), the output is the
    input sorted by key: every row once, the keys in order, and the temporary folder gone at the end."""
    monkeypatch.setattr(external_sort, "MAX_OPEN_RUNS", max_open)
    rows = _rows(n)
    out = list(sorted_rows(rows, FIRST, spill_dir=tmp_path, run_rows=run_rows))
    assert sorted(out, key=itemgetter(1)) == rows  # the same rows: none lost, none twice
    assert [r[0] for r in out] == sorted(r[0] for r in rows)
    assert list(tmp_path.iterdir()) == []


def test_a_long_input_spills_and_holds_one_run_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs go to disk while the input is read: by the time the last row is read, earlier runs are files, not lists
    (what keeps memory flat however many rows come)."""
    monkeypatch.setattr(external_sort, "MAX_OPEN_RUNS", 64)
    seen_files: list[int] = []

    def source():  # type: ignore[no-untyped-def]
        for i, row in enumerate(_rows(50)):
            if i == 49:
                folders = list(tmp_path.iterdir())
                seen_files.append(sum(1 for f in folders for _ in f.iterdir()))
            yield row

    out = list(sorted_rows(source(), FIRST, spill_dir=tmp_path, run_rows=10))
    assert len(out) == 50
    assert seen_files == [4]  # rows 0-39 already in four run files while row 49 is read
    assert list(tmp_path.iterdir()) == []


def test_input_that_fits_one_run_touches_no_disk(tmp_path: Path) -> None:
    spill = tmp_path / "missing"  # would fail if a folder were made in it
    assert list(sorted_rows([(2,), (1,)], FIRST, spill_dir=spill, run_rows=10)) == [(1,), (2,)]


def test_spill_folder_is_removed_when_reading_stops_early_or_the_input_fails(tmp_path: Path) -> None:
    rows = sorted_rows(_rows(100), FIRST, spill_dir=tmp_path, run_rows=10)
    next(rows)
    assert len(list(tmp_path.iterdir())) == 1  # spilled
    rows.close()  # a consumer that stops (a failing writer) closes the iterator
    assert list(tmp_path.iterdir()) == []

    def failing():  # type: ignore[no-untyped-def]
        yield from _rows(25)
        raise RuntimeError("the store went away")

    with pytest.raises(RuntimeError, match="went away"):
        list(sorted_rows(failing(), FIRST, spill_dir=tmp_path, run_rows=10))
    assert list(tmp_path.iterdir()) == []
