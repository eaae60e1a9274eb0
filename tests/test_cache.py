"""`kg.cache`: a rebuild reuses the per-document results of unchanged summaries, and gives the bytes a build from
scratch gives; anything that could change a result (the summary, the options, the code) makes it again; a damaged
cache never fails a build."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_summaries

from kg import cache as cache_module
from kg.build import build
from kg.cli import main
from kg.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data" / "summaries"
SAMPLE = ["wilson-disease.txt", "marfan-syndrome.txt", "anencephaly.txt", "achalasia.txt", "alport-syndrome.txt"]
FILES = (
    "graph.ttl",
    "graph.nt",
    "graph.trig",
    "graph.jsonld",
    "records.jsonl",
    "rare-kg_nodes.tsv",
    "rare-kg_edges.tsv",
    "graph.html",
)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return copy_summaries(tmp_path / "in", SAMPLE)


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def store_quads(folder: Path) -> list[str]:
    from kg.outputs.store import load_store

    return sorted(str(q) for q in load_store(folder))


def entries(folder: Path) -> int:
    with sqlite3.connect(folder / cache_module.FILE) as db:
        return int(db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])


def test_a_rebuild_reuses_every_unchanged_summary_and_writes_the_same_bytes(corpus: Path, tmp_path: Path) -> None:
    first = build([corpus], tmp_path / "out", processes=2, chunk_docs=2)
    assert first.reused == 0 and entries(tmp_path / "out") == len(SAMPLE)
    before = outputs(tmp_path / "out")
    again = build([corpus], tmp_path / "out", processes=2, chunk_docs=2)
    assert again.reused == len(SAMPLE) and "reused 5 unchanged" in again.summary()
    assert again.workers == 1  # nothing left to extract: no pool started
    assert again.counts == first.counts
    assert outputs(tmp_path / "out") == before
    fresh = build([corpus], tmp_path / "fresh", reuse=False)
    assert fresh.reused == 0 and not (tmp_path / "fresh" / cache_module.FILE).exists()
    assert outputs(tmp_path / "fresh") == before
    assert store_quads(tmp_path / "out") == store_quads(tmp_path / "fresh")


def test_changed_summaries_are_made_again_in_their_places(corpus: Path, tmp_path: Path) -> None:
    """Two of five summaries change; the pool does them (one document per chunk) while the other three come from
    the cache, and the results go back in input order: the bytes of a build from scratch."""
    build([corpus], tmp_path / "out", html=False, processes=2, chunk_docs=1)
    for name in ("marfan-syndrome.txt", "alport-syndrome.txt"):
        path = corpus / name
        path.write_text(path.read_text(encoding="utf-8") + "\nIt affects about 1 in 5,000 people.\n", encoding="utf-8")
    again = build([corpus], tmp_path / "out", html=False, processes=2, chunk_docs=1)
    assert again.reused == 3 and again.workers == 2
    fresh = build([corpus], tmp_path / "fresh", html=False, reuse=False)
    assert again.counts == fresh.counts
    for name in FILES[:-1]:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name
    assert entries(tmp_path / "out") == len(SAMPLE)  # the two old results were dropped


def test_what_could_change_a_result_is_in_the_key(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    for variant in ({"validate": False}, {"encoding": "latin-1"}):
        build([corpus], out, store=False, html=False, kgx=False)  # the entries of the default options
        assert build([corpus], out, store=False, html=False, kgx=False, **variant).reused == 0, variant
    build([corpus], out, store=False, html=False, kgx=False)
    moved = tmp_path / "moved"
    shutil.copytree(corpus, moved)  # the source path is part of the record
    assert build([moved], out, store=False, html=False, kgx=False).reused == 0
    monkeypatch.setattr(cache_module, "fingerprint", lambda: b"code or data changed")
    assert build([moved], out, store=False, html=False, kgx=False).reused == 0
    assert build([moved], out, store=False, html=False, kgx=False).reused == len(SAMPLE)


def test_the_fingerprint_follows_the_lexicons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA.parent / "lexicons", data / "lexicons")
    monkeypatch.setenv("RARE_KG_DATA", str(data))
    before = cache_module.fingerprint()
    assert cache_module.fingerprint() == before
    cues = sorted((data / "lexicons").iterdir())[0]
    cues.write_text(cues.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert cache_module.fingerprint() != before


def test_a_file_that_is_not_a_database_is_replaced(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([corpus], out, store=False, html=False)
    before = outputs_without_html(out)
    (out / cache_module.FILE).write_bytes(b"\x00not a database\xff" * 100)
    result = build([corpus], out, store=False, html=False)
    assert result.reused == 0 and not result.problems
    assert outputs_without_html(out) == before
    assert build([corpus], out, store=False, html=False).reused == len(SAMPLE)


def test_a_damaged_entry_is_made_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([corpus], out, store=False, html=False, chunk_docs=1)
    before = outputs_without_html(out)
    with sqlite3.connect(out / cache_module.FILE) as db:
        key = db.execute("SELECT key FROM docs ORDER BY key LIMIT 1").fetchone()[0]
        db.execute("UPDATE docs SET data = ? WHERE key = ?", (b"garbage", key))
    # unneeded, the entry is not read (the outputs are kept as they are); needed, it is made again
    assert build([corpus], out, store=False, html=False, chunk_docs=1).unchanged
    (out / "graph.ttl").unlink()
    result = build([corpus], out, store=False, html=False, chunk_docs=1)
    assert result.reused == len(SAMPLE) - 1 and not result.unchanged
    assert outputs_without_html(out) == before
    assert build([corpus], out, store=False, html=False, chunk_docs=1).reused == len(SAMPLE)  # and stored again


def test_an_unwritable_cache_does_not_stop_the_build(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(cache_module.sqlite3, "connect", refuse)
    result = build([corpus], tmp_path / "out", store=False, html=False)
    assert result.counts["documents"] == len(SAMPLE) and result.reused == 0


def test_problems_are_reported_again_and_never_stored(corpus: Path, tmp_path: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    shutil.copy(corpus / "achalasia.txt", corpus / "zz-achalasia-copy.txt")  # the same condition twice
    out = tmp_path / "out"
    first = build([corpus], out, store=False, html=False)
    again = build([corpus], out, store=False, html=False)
    assert [str(p) for p in again.problems] == [str(p) for p in first.problems] and len(first.problems) == 2
    assert again.counts == first.counts
    assert entries(out) == len(SAMPLE) + 1  # the duplicate's own result is reusable; the empty file has none


def test_a_failed_build_keeps_the_entries(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([corpus], out, store=False, html=False)
    (corpus / "empty.txt").write_bytes(b"")
    with pytest.raises(InputError):
        build([corpus / "empty.txt", corpus / "wilson-disease.txt"], out, store=False, html=False, strict=True)
    assert entries(out) == len(SAMPLE)
    build([corpus / "wilson-disease.txt"], out, store=False, html=False)  # a successful build drops the others
    assert entries(out) == 1


def test_no_cache_on_the_command_line(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["build", str(corpus), "--out", str(out), "--no-html", "--no-store", "--no-cache", "--quiet"]) == 0
    assert not (out / cache_module.FILE).exists()
    assert main(["build", str(corpus), "--out", str(out), "--no-html", "--no-store", "--quiet"]) == 0
    assert entries(out) == len(SAMPLE)


def test_entries_round_trip() -> None:
    from kg.parallel import DocResult

    doc = DocResult(
        "in/é.txt",
        id="x",
        label="X syndrome",
        graph=b"<https://w3id.org/rare-kg/doc/x>",
        counts=(1, 2, 3, 4),
        words=12,
        record_json=b'{"id": "x"}\n',
        nquads=b"<a> <b> <c> <https://w3id.org/rare-kg/doc/x> .\n",
    )
    assert cache_module.decode(cache_module.encode(doc)) == doc
    with pytest.raises(ValueError):
        cache_module.decode(cache_module.encode(doc)[:-3] + b"zzz")


def outputs_without_html(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES[:-1]}


def test_a_killed_build_leaves_the_previous_entries(corpus: Path, tmp_path: Path) -> None:
    """A build killed while it stores results (its transaction open) leaves the last build's entries as they were."""
    import subprocess
    import sys

    out = tmp_path / "out"
    build([corpus], out, store=False, html=False, kgx=False)
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from kg.cache import DocumentCache\n"
        "from kg.parallel import DocResult\n"
        "cache = DocumentCache.open(Path(sys.argv[1]))\n"
        "cache._db.execute('DELETE FROM docs')\n"
        "cache.put([b'k' * 32], [DocResult('x.txt', id='x', nquads=b'')])\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True)
    assert proc.returncode == -9
    assert entries(out) == len(SAMPLE)
    assert build([corpus], out, store=False, html=False, kgx=False).reused == len(SAMPLE)


# ---------------------------------------------------------------------- the store of a rebuild: a copy, updated


@pytest.mark.parametrize("batch", [1, 256])
def test_a_rebuild_updates_a_copy_of_the_store(
    batch: int, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One summary edited, one removed, one added: the new store is the old one with those three documents
    replaced or removed, and holds the quads of a build from scratch; the previous generation is untouched."""
    import kg.build
    from kg.outputs.store import load_store, store_path

    monkeypatch.setattr(kg.build, "UPDATE_BATCH", batch)

    out = tmp_path / "out"
    assert build([corpus], out, html=False, kgx=False).store_updated is None  # a first build loads everything
    old_generation = store_path(out)
    old_quads = sorted(map(str, load_store(out)))
    edited = corpus / "marfan-syndrome.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nIt affects about 1 in 5,000 people.\n", encoding="utf-8")
    (corpus / "anencephaly.txt").unlink()
    shutil.copy(DATA / "addison-disease.txt", corpus / "addison-disease.txt")
    again = build([corpus], out, html=False, kgx=False, chunk_docs=1)
    assert again.store_updated == 3 and again.reused == 3
    assert "3 documents replaced or removed" in again.summary()
    fresh = build([corpus], tmp_path / "fresh", html=False, kgx=False, reuse=False)
    assert fresh.store_updated is None
    assert sorted(map(str, load_store(out))) == sorted(map(str, load_store(tmp_path / "fresh")))
    from pyoxigraph import Store

    assert store_path(out) != old_generation and sorted(map(str, Store.read_only(str(old_generation)))) == old_quads
    nothing = build([corpus], out, html=False, kgx=True)  # other outputs asked for, the same documents
    assert nothing.store_updated == 0 and nothing.reused == len(SAMPLE) and not nothing.unchanged
    assert sorted(map(str, load_store(out))) == sorted(map(str, load_store(tmp_path / "fresh")))


def test_a_store_written_since_the_build_is_loaded_anew(corpus: Path, tmp_path: Path) -> None:
    from pyoxigraph import Literal, NamedNode, Quad

    from kg.outputs.store import load_store, open_store, store_path

    out = tmp_path / "out"
    build([corpus], out, html=False, kgx=False)
    db = open_store(store_path(out))
    db.add(Quad(NamedNode("urn:x:added"), NamedNode("urn:x:by"), Literal("hand"), NamedNode("urn:x:g")))
    db.flush()
    del db
    import gc

    gc.collect()
    again = build([corpus], out, html=False, kgx=False)
    assert again.reused == len(SAMPLE) and again.store_updated is None
    build([corpus], tmp_path / "fresh", html=False, kgx=False, reuse=False)
    assert sorted(map(str, load_store(out))) == sorted(map(str, load_store(tmp_path / "fresh")))


@pytest.mark.parametrize("why", ["too many removed", "a damaged record"])
def test_a_rebuild_that_cannot_update_loads_every_document(
    why: str, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build chose to update (few summaries to redo) and so loaded nothing while it ran; when the update is
    refused at the end, every document is loaded from the spool instead, with the same store as a result."""
    import kg.build
    from kg.outputs.store import DOCUMENTS_FILE, load_store, store_path

    out = tmp_path / "out"
    build([corpus], out, html=False, kgx=False)
    updates = []
    real_update = kg.build._StoreWriter._update
    monkeypatch.setattr(
        kg.build._StoreWriter, "_update", lambda self, spool: updates.append(1) or real_update(self, spool)
    )
    if why == "too many removed":  # nothing to redo, but three of five documents go: more than UPDATE_MIN
        monkeypatch.setattr(kg.build, "UPDATE_MIN", 2)
        monkeypatch.setattr(kg.build, "UPDATE_SHARE", 0.0)
        for name in SAMPLE[:3]:
            (corpus / name).unlink()
    else:
        edited = corpus / "wilson-disease.txt"
        edited.write_text(edited.read_text(encoding="utf-8") + "\nIt affects about 1 in 5,000 people.\n", "utf-8")
        (store_path(out) / DOCUMENTS_FILE).write_bytes(b"rare-kg store documents 1 quads=12\n<urn:x>\tnot hex\n")
    again = build([corpus], out, html=False, kgx=False)
    assert updates == [1] and again.store_updated is None
    build([corpus], tmp_path / "fresh", html=False, kgx=False, reuse=False)
    assert sorted(map(str, load_store(out))) == sorted(map(str, load_store(tmp_path / "fresh")))
    assert (store_path(out) / DOCUMENTS_FILE).is_file()  # and recorded again, for the next build


def test_a_failed_update_keeps_the_previous_store(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kg.outputs.store
    from kg.errors import OutputError
    from kg.outputs.store import load_store

    out = tmp_path / "out"
    build([corpus], out, html=False, kgx=False)
    before = sorted(map(str, load_store(out)))
    edited = corpus / "wilson-disease.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nIt affects about 1 in 5,000 people.\n", "utf-8")

    def full_disk(store: object, documents: object) -> None:
        raise OSError("No space left on device (simulated)")

    monkeypatch.setattr(kg.outputs.store, "replace_documents", full_disk)
    with pytest.raises(OutputError, match=r"cannot write the store .*No space left"):
        build([corpus], out, html=False, kgx=False)
    assert sorted(map(str, load_store(out))) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".build-") or p.name.endswith(".tmp")]


def test_only_the_changed_summaries_of_a_chunk_are_made_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two edits inside one chunk of five: the chunk is split into runs, the cached runs come from the cache and
    only the two edited summaries go to the workers; the outputs are those of a build from scratch."""
    from kg import parallel

    out = tmp_path / "out"
    build([corpus], out, html=False, processes=2)
    for name in ("alport-syndrome.txt", "marfan-syndrome.txt"):  # the second and fourth in input order
        path = corpus / name
        path.write_text(path.read_text(encoding="utf-8") + "\nIt affects about 1 in 5,000 people.\n", encoding="utf-8")
    sent: list[list[str]] = []
    real = parallel.map_chunks

    def watched(tasks: object, **kwargs: object) -> object:
        def seen(it: object) -> object:
            for task in it:  # type: ignore[attr-defined]
                sent.append([Path(i.source).name for i in task.items])
                yield task

        return real(seen(tasks), **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "map_chunks", watched)
    again = build([corpus], out, html=False, processes=2)
    assert sent == [["alport-syndrome.txt"], ["marfan-syndrome.txt"]] and again.reused == 3
    fresh = build([corpus], tmp_path / "fresh", html=False, reuse=False)
    assert again.counts == fresh.counts
    for name in FILES[:-1]:
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name


def written(folder: Path) -> dict[str, bytes]:
    """The outputs a build wrote (the page and the KGX files only when asked for)."""
    return {name: (folder / name).read_bytes() for name in FILES if (folder / name).exists()}


def identities(folder: Path) -> dict[str, tuple[int, int, int]]:
    named = [folder / name for name in FILES] + [folder / "store", folder / "store" / "rare-kg-documents.txt"]
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size) for p in named}


def test_an_unchanged_rebuild_keeps_every_output_as_it_is(corpus: Path, tmp_path: Path) -> None:
    """Nothing that the outputs are made from changed: no file is written again, the store stays the same
    generation, and the result says so; a problem input is still reported."""
    from kg.outputs.store import store_path

    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02 not a summary")
    out = tmp_path / "out"
    first = build([corpus], out)
    before, generation = identities(out), store_path(out)
    again = build([corpus], out)
    assert again.unchanged and not first.unchanged
    assert "outputs: those of the previous build, kept" in again.summary()
    assert identities(out) == before and store_path(out) == generation
    assert again.files == first.files and again.counts == first.counts and again.reused == len(SAMPLE)
    assert list(again.records) == list(first.records)
    assert [str(p) for p in again.problems] == [str(p) for p in first.problems] and len(again.problems) == 1
    assert not [p for p in out.iterdir() if p.name.startswith(".build-") or p.name.endswith(".tmp")]


def _no_decoding(data: bytes) -> None:
    raise AssertionError("a cached result was decoded")


def test_an_unchanged_rebuild_of_readable_inputs_reads_no_cached_result(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no problem input, the inputs' keys alone tell that nothing changed: no cached result is taken out and
    decoded (at 100,000 summaries that is most of such a rebuild), the result reports what the full check
    reports, and the entries stay for the next build."""
    import kg.build

    out = tmp_path / "out"
    build([corpus], out, processes=1)
    with monkeypatch.context() as m:
        m.setattr(kg.build, "_keep_unchanged", lambda *a, **k: False)  # the full check: every result decoded
        checked = build([corpus], out, processes=1)
    assert checked.unchanged

    before = identities(out)
    with monkeypatch.context() as m:
        m.setattr(cache_module, "decode", _no_decoding)
        quick = build([corpus], out, processes=1)
        assert quick.unchanged and identities(out) == before
        assert quick.summary().splitlines()[1:] == checked.summary().splitlines()[1:]
        assert (quick.counts, quick.words, quick.files, quick.reused) == (
            checked.counts,
            checked.words,
            checked.files,
            checked.reused,
        )
        assert list(quick.records) == list(checked.records)
    assert entries(out) == len(SAMPLE)
    _edit(corpus / "achalasia.txt")
    edited = build([corpus], out, processes=1)
    assert not edited.unchanged and edited.reused == len(SAMPLE) - 1


def test_an_unchanged_rebuild_without_a_store_in_one_process_is_quick_too(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no store to update and no pool to start, the inputs are still looked up before the work: an unchanged
    rebuild keeps the outputs without decoding a cached result, and an edit still redoes only that summary."""
    out = tmp_path / "out"
    opts: dict[str, Any] = {"processes": 1, "store": False, "html": False}
    first = build([corpus], out, **opts)
    kept = [out / name for name in FILES if name != "graph.html"]
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in kept]
    with monkeypatch.context() as m:
        m.setattr(cache_module, "decode", _no_decoding)
        again = build([corpus], out, **opts)
    assert again.unchanged and again.reused == len(SAMPLE) and again.counts == first.counts
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in kept] == before
    _edit(corpus / "achalasia.txt")
    edited = build([corpus], out, **opts)
    assert not edited.unchanged and edited.reused == len(SAMPLE) - 1


def test_a_build_with_an_unreadable_input_is_checked_in_full_until_it_is_gone(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreadable input must be read again to be reported, so its build leaves no inputs' key; once it is
    gone, the full check finds the outputs unchanged and keeps the key, and the build after that is quick."""
    out = tmp_path / "out"
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02 not a summary")
    build([corpus], out, processes=1)
    (corpus / "binary.txt").unlink()
    before = identities(out)
    assert build([corpus], out, processes=1).unchanged

    monkeypatch.setattr(cache_module, "decode", _no_decoding)
    assert build([corpus], out, processes=1).unchanged and identities(out) == before


def test_a_summary_of_a_condition_already_read_is_reported_by_every_rebuild(corpus: Path, tmp_path: Path) -> None:
    """A second summary of the same condition is readable and cached, but skipped with a problem: a build that kept
    its outputs must still say so, so such a build leaves no inputs' key either."""
    shutil.copy(corpus / "wilson-disease.txt", corpus / "wilson-disease-copy.txt")
    out = tmp_path / "out"
    first = build([corpus], out, processes=1)
    again = build([corpus], out, processes=1)
    assert again.unchanged and [str(p) for p in again.problems] == [str(p) for p in first.problems]
    assert len(again.problems) == 1 and "describes the same condition" in str(again.problems[0])


def _edit(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\nIt affects about 1 in 5,000 people.\n", encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [
        "a summary edited",
        "a summary removed",
        "the code changed",
        "graph.ttl edited",
        "graph.html removed",
        "a KGX file replaced",
        "the store opened for writing",
        "the store's record dropped",
        "another store generation linked",
        "the record of outputs damaged",
        "the record of outputs in another shape",
    ],
)
def test_anything_the_outputs_depend_on_makes_them_again(
    change: str, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After any of these, the rebuild writes every output again, with the bytes and quads of a build from scratch
    (of the same summaries: the first build's, where they did not change)."""
    import gc
    import os

    from kg.outputs.store import DOCUMENTS_FILE, open_store, store_path

    out = tmp_path / "out"
    # the side processes (page, KGX) only where the change is theirs: the other cases are faster without them
    opts = {"processes": 1, "html": change == "graph.html removed", "kgx": change == "a KGX file replaced"}
    build([corpus], out, **opts)
    expected, expected_quads = written(out), store_quads(out)
    if change == "a summary edited":
        _edit(corpus / "achalasia.txt")
    elif change == "a summary removed":
        (corpus / "anencephaly.txt").unlink()
    elif change == "the code changed":
        monkeypatch.setattr(cache_module, "fingerprint", lambda: b"a serializer changed")
    elif change == "graph.ttl edited":
        with open(out / "graph.ttl", "ab") as fh:
            fh.write(b"# a note added by hand\n")
    elif change == "graph.html removed":
        (out / "graph.html").unlink()
    elif change == "a KGX file replaced":
        data = (out / "rare-kg_nodes.tsv").read_bytes()
        (out / "rare-kg_nodes.tsv").unlink()
        (out / "rare-kg_nodes.tsv").write_bytes(data)  # the same bytes, but not the file the build wrote
    elif change == "the store opened for writing":
        db = open_store(store_path(out))
        db.flush()
        del db
        gc.collect()
    elif change == "the store's record dropped":
        (store_path(out) / DOCUMENTS_FILE).unlink()
    elif change == "another store generation linked":
        shutil.copytree(store_path(out), out / ".store-00009")
        os.unlink(out / "store")
        os.symlink(".store-00009", out / "store")
    else:
        with sqlite3.connect(out / cache_module.FILE) as db:
            db.execute("UPDATE outputs SET files = ?", ("not json" if change.endswith("damaged") else "[1]",))
    again = build([corpus], out, **opts)
    assert not again.unchanged, change
    if change.startswith("a summary"):
        build([corpus], tmp_path / "fresh", reuse=False, **opts)
        expected, expected_quads = written(tmp_path / "fresh"), store_quads(tmp_path / "fresh")
    assert written(out) == expected and len(expected) == 5 + opts["html"] + 2 * opts["kgx"]
    assert store_quads(out) == expected_quads
    assert build([corpus], out, **opts).unchanged  # and remembered again


def test_other_outputs_asked_for_or_no_cache_write_them_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([corpus], out, html=False)
    assert not build([corpus], out, html=True).unchanged  # the page was not there
    assert (out / "graph.html").stat().st_size > 0
    assert build([corpus], out, html=True).unchanged
    assert not build([corpus], out, html=True, reuse=False).unchanged


def test_a_failed_build_forgets_the_outputs_it_may_have_touched(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a failed build did or did not write, the next one writes everything again (here the failure
    came before any file was replaced, so only the forgotten record tells)."""
    import kg.build
    from kg.errors import OutputError

    out = tmp_path / "out"
    build([corpus], out, store=False, html=False, kgx=False)
    _edit(corpus / "achalasia.txt")

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OutputError("graph.ttl: writing failed (No space left on device); the previous file is unchanged")

    monkeypatch.setattr(kg.build, "_write_files", disk_full)
    with pytest.raises(OutputError):
        build([corpus], out, store=False, html=False, kgx=False)
    monkeypatch.undo()
    (corpus / "achalasia.txt").write_bytes((DATA / "achalasia.txt").read_bytes())  # back as it was
    assert not build([corpus], out, store=False, html=False, kgx=False).unchanged
