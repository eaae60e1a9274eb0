"""`kg.build` end to end on real summaries: outputs, byte-stability, skipped inputs, duplicates, the CLI face."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import copy_summaries

from kg.build import build
from kg.cli import main
from kg.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data" / "summaries"
SAMPLE = ["wilson-disease.txt", "marfan-syndrome.txt", "anencephaly.txt"]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return copy_summaries(tmp_path / "in", SAMPLE)


def test_build_writes_every_output_and_counts(corpus: Path, tmp_path: Path) -> None:
    result = build([corpus], tmp_path / "out", html=False)
    assert result.counts["documents"] == 3 and not result.problems
    for name in ("graph.ttl", "graph.trig", "graph.nt", "graph.jsonld", "records.jsonl"):
        assert (tmp_path / "out" / name).stat().st_size > 0, name
    nodes = (tmp_path / "out" / "rare-kg_nodes.tsv").read_text(encoding="utf-8").splitlines()
    edges = (tmp_path / "out" / "rare-kg_edges.tsv").read_text(encoding="utf-8").splitlines()
    assert sum(line.split("\t")[1] == "biolink:Disease" for line in nodes) == 3  # KGX: the conditions as diseases
    assert len(edges) > 3 and result.files["kgx_edges"] == tmp_path / "out" / "rare-kg_edges.tsv"
    lines = (tmp_path / "out" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["anencephaly", "marfan-syndrome", "wilson-disease"]
    assert result.counts["triples"] > 100
    assert "documents 3" in result.summary()


def test_same_input_gives_the_same_bytes(corpus: Path, tmp_path: Path) -> None:
    build([corpus], tmp_path / "a", store=False, html=False)
    # a different path order and a second run must not change a byte
    build(sorted(corpus.iterdir(), reverse=True), tmp_path / "b", store=False, html=False)
    for name in ("graph.ttl", "graph.trig", "graph.nt", "graph.jsonld", "rare-kg_nodes.tsv", "rare-kg_edges.tsv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_graph_trig_is_the_trig_of_all_its_quads_written_at_once(corpus: Path, tmp_path: Path) -> None:
    """graph.trig is put together from each summary's TriG block, written by the worker that made its quads (and
    kept in the cache): it must be the bytes pyoxigraph writes for all the quads at once, by graph and then by
    N-Quads line, with a pool or without, from the cache or not."""
    from pyoxigraph import RdfFormat, parse, serialize

    from kg.vocab import PREFIXES

    (corpus / "hostile.txt").write_text(
        'Hostile "quoted" disease } GRAPH <x> { is a rare condition.\nIt affects about 1 in 50,000 people.\n'
        "Treatment relies on physiotherapy.\n",
        encoding="utf-8",
    )
    outs = [tmp_path / "one", tmp_path / "pool", tmp_path / "one"]
    for out, processes in zip(outs, (1, 2, 1), strict=True):
        build([corpus], out, store=False, html=False, kgx=False, processes=processes, chunk_docs=1)
    written = [(out / "graph.trig").read_bytes() for out in outs]
    quads = list(parse(written[0], format=RdfFormat.TRIG))
    assert len({q.graph_name for q in quads}) == len(SAMPLE) + 1
    lines = (serialize(quads, format=RdfFormat.N_QUADS) or b"").splitlines(keepends=True)
    ordered = sorted(lines, key=lambda line: (line.rsplit(b" ", 2)[-2], line))
    expected = serialize(
        parse(b"".join(ordered), format=RdfFormat.N_QUADS), format=RdfFormat.TRIG, prefixes=dict(PREFIXES)
    )
    assert written == [expected] * 3


def test_kgx_files_come_from_graph_nt_with_the_bytes_of_the_store(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build writes its KGX files from its sorted graph.nt as soon as that is merged (no store needed): the
    same bytes as the export from the build's store, with a store, without one, and where hard links fail."""
    from kg.outputs.kgx import write_kgx
    from kg.outputs.store import load_store

    build([corpus], tmp_path / "store", html=False)
    write_kgx(load_store(tmp_path / "store"), tmp_path / "expected")
    build([corpus], tmp_path / "no-store", store=False, html=False)

    def no_links(src: object, dst: object) -> None:
        raise OSError("hard links are not supported here")

    monkeypatch.setattr("kg.build.os.link", no_links)
    build([corpus], tmp_path / "no-links", store=False, html=False)
    for name in ("rare-kg_nodes.tsv", "rare-kg_edges.tsv"):
        expected = (tmp_path / "expected" / name).read_bytes()
        for out in ("store", "no-store", "no-links"):
            assert (tmp_path / out / name).read_bytes() == expected, (out, name)
    for out in ("store", "no-store", "no-links"):
        assert not [
            p.name
            for p in (tmp_path / out).iterdir()
            if p.name.startswith(".") and "store" not in p.name and p.name not in (".kg-build.lock", ".kg-cache.sqlite")
        ], out


def test_unreadable_inputs_are_skipped_with_a_reason(corpus: Path, tmp_path: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    result = build([corpus], tmp_path / "out", store=False, html=False)
    assert result.counts["documents"] == 3
    reasons = {Path(p.source).name: p.reason for p in result.problems}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    with pytest.raises(InputError, match=r"binary\.txt"):  # the first bad file in path order
        build([corpus], tmp_path / "strict", store=False, html=False, strict=True)


def test_a_second_file_for_the_same_condition_is_reported(corpus: Path, tmp_path: Path) -> None:
    shutil.copy(corpus / "wilson-disease.txt", corpus / "wilson-copy.txt")
    result = build([corpus], tmp_path / "out", store=False, html=False)
    assert result.counts["documents"] == 3
    assert any("same condition" in p.reason for p in result.problems)


def test_cli_extract_prints_json_lines_and_exit_status(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(corpus / "wilson-disease.txt")]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["condition"]["label"] == "Wilson disease"
    (corpus / "blank.txt").write_text("   \n", encoding="utf-8")
    assert main(["extract", str(corpus)]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 3
    assert "blank.txt" in captured.err and "empty" in captured.err
    assert main(["extract", "--strict", str(corpus)]) == 2


def test_cli_build_prints_a_summary(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(corpus), "--out", str(tmp_path / "out"), "--no-store", "--no-html"]) == 0
    out = capsys.readouterr().out
    assert "documents 3" in out and "triples" in out


def test_cli_usage_errors_exit_64(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 64
    assert main(["no-such-command"]) == 64


def test_a_side_job_reports_its_own_peak_memory(corpus: Path, tmp_path: Path) -> None:
    """The KGX and page processes count their own peak, not the building process's size when they were started
    (the kernel's ru_maxrss keeps that across the exec)."""
    from kg.build import _Job

    build([corpus], tmp_path / "out", store=False, html=False, kgx=False)
    ballast = bytearray(400 * 1024 * 1024)  # a large building process, every page touched
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    work = tmp_path / "work"
    work.mkdir()
    job = _Job("kgx", tmp_path / "out" / "graph.nt", tmp_path / "out", work)
    _, _, peak = job.wait()
    del ballast
    assert 10 * 1024 * 1024 < peak < 300 * 1024 * 1024
    assert (tmp_path / "out" / "rare-kg_nodes.tsv").stat().st_size > 0


def test_a_folder_named_kg_where_the_build_runs_does_not_replace_the_package(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The KGX and page processes import rare-kg, not whatever `kg` package sits in the working folder."""
    decoy = tmp_path / "work-here"
    (decoy / "kg").mkdir(parents=True)
    (decoy / "kg" / "__init__.py").write_text("raise ImportError('the decoy package was imported')\n")
    monkeypatch.chdir(decoy)
    result = build([corpus], Path("out"), store=False, html=True)
    assert (decoy / "out" / "rare-kg_nodes.tsv").stat().st_size > 0
    assert (decoy / "out" / "graph.html").stat().st_size > 0 and "html" in result.files


def test_a_killed_kgx_export_leaves_nothing_the_next_build_keeps(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The KGX export's temporary file and its sort folder are named like every temporary of a build, so the next
    build removes what a killed one left."""
    import os

    import kg.outputs.kgx as kgx_module
    from kg.outputs.external_sort import sorted_rows

    out = tmp_path / "out"
    build([corpus], out, store=False, html=False)
    temporaries: list[str] = []
    real_replace = os.replace

    def recording(src: str, dst: object) -> None:
        temporaries.append(Path(src).name)
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(kgx_module.os, "replace", recording)
    kgx_module.write_kgx_ntriples(out / "graph.nt", out)
    monkeypatch.undo()
    rows = sorted_rows(iter(range(10)), int, spill_dir=out, run_rows=3)
    next(rows)  # its runs are on disk now, in a folder beside the files
    temporaries += [p.name for p in out.iterdir() if p.name.startswith(".sort-")]
    rows.close()
    assert len(temporaries) == 3
    for name in temporaries:  # what a killed export leaves: its half-written files and its runs
        if name.startswith(".sort-"):
            (out / name).mkdir()
            (out / name / "000000").write_bytes(b"run")
        else:
            (out / name).write_bytes(b"half a file")
    build([corpus], out, store=False, html=False)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".kg-build.lock", ".kg-cache.sqlite"]


def test_a_side_process_that_fails_gives_one_line_naming_the_file(corpus: Path, tmp_path: Path) -> None:
    """The KGX process's failure reaches the user as one line: what could not be made, the file and the reason,
    without the traceback's exception class."""
    from kg.errors import OutputError

    out = tmp_path / "out"
    build([corpus], out, store=False, html=False)
    (out / "rare-kg_nodes.tsv").unlink()
    (out / "rare-kg_nodes.tsv").mkdir()  # what the export must replace is a folder: its rename fails
    (out / "rare-kg_nodes.tsv" / "keep").write_text("x")
    with pytest.raises(OutputError) as failure:
        build([corpus], out, store=False, html=False, reuse=False)
    message = str(failure.value)
    assert message.startswith(f"the KGX files could not be written: {out / 'rare-kg_nodes.tsv'}"), message
    assert "\n" not in message and "kg.errors" not in message and "Error:" not in message
