"""Bad input: every kind of file a scrape can produce is either read sensibly or skipped with one line that names
the file and the reason, and the rest of the run completes (exit status 1 when something was skipped).

Large fixtures (the 50 MB file, the 5 MB lines, 3,000 files) are made in tmp_path at test time, never committed.
"""

from __future__ import annotations

import codecs
import contextlib
import html
import io
import json
import logging
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from kg.build import build, iter_records
from kg.cli import main
from kg.errors import InputError
from kg.ingest import Document, SegmentKind, decode, expand_paths, read_source, read_sources

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "summaries"
WILSON = DATA / "wilson-disease.txt"
MIB = 1024 * 1024


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    """What a record says, without where it came from: for comparing the same summary read in two ways."""
    out = {k: v for k, v in record.items() if k != "source"}
    for key in ("synonyms", "risk_factors", "treatment_areas"):
        out[key] = [m["label"] for m in record[key]]
    out["prevalence"] = [{k: v for k, v in p.items() if k != "evidence"} for p in record["prevalence"]]
    return out


def _check_offsets(doc: Document, record: dict[str, Any]) -> int:
    """Every evidence sentence is exactly the document text at its offsets; returns how many were checked."""
    checked = 0
    for key in ("synonyms", "risk_factors", "treatment_areas", "prevalence"):
        for item in record[key]:
            ev = item["evidence"]
            assert doc.text[ev["start"] : ev["end"]] == ev["sentence"], (key, ev)
            checked += 1
    return checked


def _extract(path: Path, encoding: str | None = None) -> tuple[Document, dict[str, Any]]:
    from kg import extract

    doc = read_source(path, encoding=encoding)
    return doc, extract.extract(doc).to_json()


def _stderr_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


# ------------------------------------------------------------------------------------------------ empty, binary


def test_empty_and_whitespace_only_files_are_each_named_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WILSON, folder / "wilson-disease.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b" \n\t\r\n  \n")
    (folder / "bom-only.txt").write_bytes(codecs.BOM_UTF16_LE + "  \n ".encode("utf-16-le"))
    (folder / "nbsp-only.txt").write_bytes("\u00a0\u2003\n".encode())
    assert main(["extract", "--no-link", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["wilson-disease"]
    lines = _stderr_lines(err)
    assert len(lines) == 4, lines
    for name in ("empty.txt", "blank.txt", "bom-only.txt", "nbsp-only.txt"):
        (line,) = [x for x in lines if f"{name}:" in x]
        assert "empty" in line, line


def _noise(seed: int, n: int, low: int, high: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(low, high) for _ in range(n))


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,  # NUL bytes up front
        b"\x7fELF\x02\x01\x01" + _noise(1, 4096, 1, 256),  # no NUL at all
        b"PK\x03\x04" + _noise(2, 2048, 1, 32),  # control bytes only
        ("Plain start. " * 20).encode() + _noise(3, 8192, 1, 256),
    ],
    ids=["png", "random-no-nul", "controls", "text-then-garbage"],
)
def test_binary_data_is_refused_not_decoded_as_mojibake(data: bytes) -> None:
    with pytest.raises(InputError, match=r"^x\.txt: (binary|not UTF-8|not valid UTF-8)") as info:
        decode("x.txt", data)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------------------------ encodings


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
        lambda t: t.encode("utf-16"),  # BOM, little-endian on every platform we run on
        lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
        lambda t: t.encode("utf-32"),
        lambda t: t.encode("utf-16-le"),  # no BOM: recognised by its NUL pattern
        lambda t: t.encode("utf-16-be"),
    ],
    ids=["utf-8-bom", "utf-16-bom", "utf-16-be-bom", "utf-32-bom", "utf-16-le-no-bom", "utf-16-be-no-bom"],
)
def test_unicode_encodings_give_the_same_record_as_utf8(encode, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = WILSON.read_text(encoding="utf-8")
    plain = tmp_path / "plain" / WILSON.name
    other = tmp_path / "other" / WILSON.name
    for path, data in ((plain, text.encode("utf-8")), (other, encode(text))):
        path.parent.mkdir()
        path.write_bytes(data)
    doc_a, rec_a = _extract(plain)
    doc_b, rec_b = _extract(other)
    assert doc_b.text == doc_a.text == text
    assert _fields(rec_b) == _fields(rec_a)
    assert _check_offsets(doc_b, rec_b) > 5


def _western_text() -> str:
    """The Wilson summary with accents and typographic quotes that Windows-1252 can hold (and no others)."""
    text = WILSON.read_text(encoding="utf-8").replace("Wilson disease", "Wilson’s disease — café “quoted”", 1)
    return text.replace("\u00b7", "-")


def test_latin1_without_a_bom_is_read_as_windows_1252_with_a_note(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Policy: bytes that are not UTF-8 and contain no UTF-8 sequence at all are read as Windows-1252 (a superset
    of Latin-1's printable range, the encoding of older Western pages), and a note names the file."""
    text = _western_text()
    path = tmp_path / "wilson-disease.txt"
    path.write_bytes(text.encode("cp1252"))
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        doc, record = _extract(path)
    assert doc.text == text
    (note,) = [r.getMessage() for r in caplog.records if r.name == "kg.ingest"]
    assert str(path) in note and "Windows-1252" in note and "--encoding" in note
    assert _check_offsets(doc, record) > 5
    # pure Latin-1 (no Windows-1252 extras) reads the same way
    path.write_bytes("Caf\xe9 au lait spots are common.\n".encode("latin-1"))
    assert read_source(path).text == "Café au lait spots are common.\n"


def test_damaged_utf8_is_refused_rather_than_guessed(tmp_path: Path) -> None:
    """A UTF-8 file with one bad byte must not be re-read as Windows-1252: every other accent would turn to junk."""
    data = "Sjögren syndrome is rare. ".encode() + b"Bad \xe9 byte.\n"
    with pytest.raises(InputError, match=r"not valid UTF-8 \(byte 0xe9 at \d+\).*--encoding"):
        decode("damaged.txt", data)
    assert decode("damaged.txt", data, "latin-1").startswith("SjÃ¶gren")  # the user asked for it


def test_other_single_byte_encodings_need_an_explicit_encoding(tmp_path: Path) -> None:
    russian = "Болезнь Вильсона - редкое наследственное заболевание.\n"
    path = tmp_path / "wilson-ru.txt"
    path.write_bytes(russian.encode("koi8-r"))
    with pytest.raises(InputError, match=r"not UTF-8 .*--encoding"):
        read_source(path)
    assert read_source(path, encoding="koi8-r").text == russian
    with pytest.raises(InputError, match="unknown encoding 'no-such-codec'"):
        read_source(path, encoding="no-such-codec")
    with pytest.raises(InputError, match=r"not UTF-16 .*--encoding"):
        decode("odd.txt", b"abc", "utf-16")


# ------------------------------------------------------------------------------------------------ HTML


def _page(text: str) -> str:
    """A scraped page around a summary: head, scripts, navigation, comments, entities, inline markup, footer."""
    paras = [line for line in text.splitlines() if line.strip()]
    body = "\n".join(
        f"  <p class=\"x\" data-note='a > b'>{html.escape(p).replace(' is ', ' <b>is</b> ', 1)}</p>" for p in paras
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Page</title>\n'
        '<style>p { color: red }</style><script>var s = "<p>not text</p>";</script></head>\n'
        '<body><nav><a href="/">Home</a> | <a href="/a">About us</a></nav><!-- tracking pixel -->\n'
        f"<main>\n{body}\n</main>\n<footer>&copy; 2024 Example&nbsp;Health</footer></body></html>\n"
    )


def test_an_html_page_is_read_as_its_text_with_offsets_into_the_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = WILSON.read_text(encoding="utf-8")
    page = _page(text)
    plain, scraped = tmp_path / "a" / WILSON.name, tmp_path / "b" / WILSON.name
    plain.parent.mkdir()
    scraped.parent.mkdir()
    plain.write_text(text, encoding="utf-8")
    scraped.write_text(page, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        doc, record = _extract(scraped)
    assert any("HTML" in r.getMessage() and str(scraped) in r.getMessage() for r in caplog.records)
    # the text the offsets refer to is as long as the page, free of markup, with entities decoded
    assert len(doc.text) == len(page)
    for junk in ("<", "&amp;", "&#x27;", "not text", "Home", "tracking", "color: red", "©"):
        assert junk not in doc.text, junk
    # every paragraph starts at the same offset as in the page, and its first word is the page's
    for seg in doc.segments:
        first_of_paragraph = seg is next(s for s in doc.segments if s.paragraph == seg.paragraph)
        if first_of_paragraph:
            word = doc.span(seg).split()[0]
            assert page.startswith(html.escape(word), seg.start), (seg, word)
    # the same facts as the plain text, and every evidence sentence slices the text view
    assert _fields(record) == _fields(_extract(plain)[1])
    assert _check_offsets(doc, record) > 5


def _decode_or_refuse(data: bytes) -> None:
    with contextlib.suppress(InputError):
        decode("page.txt", data)


@pytest.mark.parametrize(
    ("head", "unit", "count", "tail"),
    [
        ("<html><body><p>Open comment <!-- never closed ", "x ", 50_000, ""),
        ("<html><body><script>", "var a = '<p>';", 20_000, ""),
        ("<html><body>", '<a title="never closed>', 20_000, ""),
        ("<html><body>", "<!", 50_000, ""),
        ("<html><body><p>", "&amp", 50_000, "&#99999999;&#xD800;&bogus;</p>"),
        ("<html><body><p>", "Rates below 1 in 1,000 (<1/1000) and x<y</p><p>", 2_000, "</p></body></html>"),
    ],
    ids=["open-comment", "open-script", "open-attribute", "bang-run", "entity-run", "lone-angles"],
)
def test_malformed_html_is_read_in_linear_time_and_keeps_its_length(
    head: str, unit: str, count: int, tail: str, linear_growth: Callable[..., float]
) -> None:
    """Markup that never closes, in a long run: the text keeps the page's length, and eight times the page costs
    about eight times the CPU time (a rescan per tag would cost 64 times)."""
    page = head + unit * count + tail
    try:
        text = decode("page.txt", page.encode("utf-8"))
    except InputError as exc:
        assert "HTML page with no text" in exc.reason
    else:
        assert len(text) == len(page)
        assert "<p" not in text and "<script" not in text

    def reading(n: int) -> Callable[[], None]:
        data = (head + unit * n + tail).encode("utf-8")
        return lambda: _decode_or_refuse(data)

    linear_growth(reading, count // 4, count * 2, what="HTML reduction of malformed markup")


def test_lone_angle_brackets_in_html_text_are_kept_as_text() -> None:
    page = "<html><body><p>Rates below 1 in 1,000 (<1/1000) and x < y &lt; z</p></body></html>"
    text = decode("page.txt", page.encode())
    assert "Rates below 1 in 1,000 (<1/1000) and x < y < z" in text


# ------------------------------------------------------------------------------------------------ size


def test_a_50_mb_file_is_refused_before_it_is_read_with_the_limit_and_how_to_raise_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import kg.ingest

    big = tmp_path / "in" / "huge.txt"
    big.parent.mkdir()
    line = b"Wilson disease is a rare inherited disorder of copper metabolism. "
    with open(big, "wb") as fh:
        fh.write(line * (50 * MIB // len(line) + 1))
    shutil.copy(WILSON, big.parent / WILSON.name)
    read_calls: list[int] = []
    real_read = os.read

    def counting_read(fd: int, n: int) -> bytes:
        read_calls.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(kg.ingest.os, "read", counting_read)
    started = time.thread_time()  # CPU time: a busy machine does not add to it
    with pytest.raises(InputError) as info:
        read_source(big)
    assert time.thread_time() - started < 1
    assert read_calls == [], "the size is checked before any byte is read"
    reason = info.value.reason
    assert "50.0 MiB" in reason and "10.0 MiB limit" in reason and "KG_MAX_BYTES=51M" in reason
    # the run goes on: one line for the big file, the other file is extracted
    assert main(["extract", "--no-link", str(big.parent)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1
    assert _stderr_lines(err) == [f"kg extract: skipped {big}: {reason}"]


def test_the_size_limit_is_set_with_kg_max_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / WILSON.name
    shutil.copy(WILSON, path)
    size = path.stat().st_size
    assert size > 2048
    monkeypatch.setenv("KG_MAX_BYTES", "2K")
    with pytest.raises(InputError, match=r"too large \(\d\.\d KiB, over the 2\.0 KiB limit\).*KG_MAX_BYTES=1M"):
        read_source(path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    with pytest.raises(InputError, match=r"^-: too large"):  # standard input is bounded too
        read_source("-")
    monkeypatch.setenv("KG_MAX_BYTES", f"{size}")
    assert read_source(path).text == WILSON.read_text(encoding="utf-8")
    monkeypatch.setenv("KG_MAX_BYTES", "lots")
    assert main(["extract", str(path)]) == 2
    (line,) = _stderr_lines(capsys.readouterr().err)
    assert "KG_MAX_BYTES='lots' is not a size" in line


# A 5 MB single line must not hang ingest: each shape in its own process, with a CPU budget, several at once.
_SHAPES = {
    "prose": None,  # the Wilson summary's paragraphs on one line, repeated
    "words": "word ",
    "abbreviations": "Dr. Smith saw e.g. St. Jude and Mr. Brown ",
    "initials": "A. B. C. ",
    "quoted-initials": '"A." ',
    "question-words": "What is this and how does it work ",
    "numbers": "1 in 25,000 live births ",
}
_CPU_BUDGET = 120  # seconds of CPU per shape; linear code needs under 10 for both sizes, quadratic code hours
# (in the child) read the 5 MB line and one an eighth of its size; fail unless the CPU time grew about linearly
_INGEST = """
import resource, sys
resource.setrlimit(resource.RLIMIT_CPU, ({budget}, {budget} + 5))
sys.path.insert(0, sys.argv[1])
from conftest import check_linear_growth
from kg.ingest import read_source
paths = {{int(size): path for size, path in zip(sys.argv[2::2], sys.argv[3::2])}}
small, large = sorted(paths)
ratio = check_linear_growth(lambda size: lambda: read_source(paths[size]), small, large, what="ingest")
print(round(ratio, 1))
"""


def _five_mb_line(path: Path, unit: str | None, size: int = 5 * MIB) -> None:
    if unit is None:
        unit = " ".join(line for line in WILSON.read_text(encoding="utf-8").splitlines()[1:] if line.strip()) + " "
    line = (unit * (size // len(unit) + 1))[:size]
    path.write_text(line + "\n", encoding="utf-8")


def test_a_5_mb_single_line_is_ingested_in_seconds_whatever_its_shape(tmp_path: Path) -> None:
    """Each shape in its own process (a regression here is quadratic: hours, not seconds), as many at once as
    there are CPUs: the 5 MB line must cost about eight times the CPU time of a line an eighth as long (quadratic
    code: 64 times), within a CPU budget that stops a hang. CPU time, so a busy machine does not fail it."""
    script = _INGEST.format(budget=_CPU_BUDGET)

    def ingest(name: str) -> str | None:
        sizes = {size: tmp_path / f"{name}-{size}.txt" for size in (5 * MIB // 8, 5 * MIB)}
        for size, path in sizes.items():
            _five_mb_line(path, _SHAPES[name], size)
        argv = [sys.executable, "-c", script, str(ROOT / "tests")]
        argv += [str(part) for size, path in sizes.items() for part in (size, path)]
        try:
            proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:  # blocked without using CPU: the budget stops a busy loop first
            return "still running after 600 s"
        if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
            return f"used its {_CPU_BUDGET} s CPU budget"
        if proc.returncode != 0:
            lines = proc.stderr.strip().splitlines()
            return lines[-1] if lines else f"exit status {proc.returncode}"
        return None

    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        verdicts = dict(zip(_SHAPES, pool.map(ingest, _SHAPES), strict=True))
    slow = {name: verdict for name, verdict in verdicts.items() if verdict}
    assert not slow, f"ingest of a 5 MB line is pathologically slow for: {slow}"


def test_a_5_mb_single_line_goes_through_kg_extract_without_a_traceback(tmp_path: Path) -> None:
    """End to end: a realistic 5 MB line, and a line with no sentence end at all that is longer than spaCy's
    1,000,000-character limit (1.2 MB: the extractor reads such a run in pieces, slowly, so the test stays short).
    Each gives a record or one line naming the file; never a traceback. The bound is on CPU time (a busy machine
    does not add to it); the wall-clock timeout only stops a hang."""
    prose, words = tmp_path / "wilson-disease.txt", tmp_path / "words.txt"
    _five_mb_line(prose, None)
    _five_mb_line(words, "word ", 1_200_000)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-m", "kg.cli", "extract", "--no-link", str(prose), str(words)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode in (0, 1), proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert records and records[0]["id"] == "wilson-disease"
    assert all(str(words) in line for line in _stderr_lines(proc.stderr)), proc.stderr
    assert seconds < 60, f"kg extract took {seconds:.0f} s of CPU on a 5 MB and a 1.2 MB line"


# ------------------------------------------------------------------------------------------------ content


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("notes.txt", "The weather was nice today. We went for a walk in the park and had lunch.\n"),
        ("header-only.txt", "Last updated: 2024-01-01\n\n"),
        ("punctuation.txt", "!!! ??? ... --- ***\n"),
    ],
)
def test_a_summary_with_no_recognisable_condition_is_skipped_with_the_reason(
    name: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not about any condition: no record with a condition invented from the file name or the first noun."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code = main(["extract", "--no-link", str(path)])
    out, err = capsys.readouterr()
    assert out == "", f"a record was invented: {out}"
    assert code == 1
    (line,) = _stderr_lines(err)
    assert str(path) in line and "no recognisable condition" in line


def test_text_without_a_condition_on_stdin_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = b"The weather was nice today. We went for a walk in the park and had lunch.\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["extract", "--no-link", "-"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert _stderr_lines(err) == [
        "kg extract: skipped -: no recognisable condition (no defining sentence and no file name to use)"
    ]


def test_two_files_for_the_same_condition_keep_the_first_and_name_the_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WILSON, folder / "a-wilson.txt")
    shutil.copy(WILSON, folder / "b-wilson-again.txt")
    shutil.copy(DATA / "anencephaly.txt", folder / "anencephaly.txt")
    out_dir = tmp_path / "out"
    code = main(["build", str(folder), "--out", str(out_dir), "--no-store", "--no-html", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    (line,) = _stderr_lines(err)
    assert line.startswith(f"kg build: skipped {folder / 'b-wilson-again.txt'}: describes the same condition as ")
    assert str(folder / "a-wilson.txt") in line
    ids = [json.loads(x)["source"] for x in (out_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(ids) == [str(folder / "a-wilson.txt"), str(folder / "anencephaly.txt")]


# ------------------------------------------------------------------------------------------------ paths


def test_a_file_deleted_between_listing_and_reading_is_named(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        shutil.copy(WILSON, tmp_path / name)
    listed = list(expand_paths([tmp_path]))
    (tmp_path / "b.txt").unlink()
    results = list(read_sources(listed))
    assert [type(r).__name__ for r in results] == ["Document", "InputError", "Document"]
    assert str(results[1]).startswith(f"{tmp_path / 'b.txt'}: no such file")


def test_a_file_deleted_during_a_build_is_skipped_and_the_build_completes(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    names = ["anencephaly.txt", "marfan-syndrome.txt", "wilson-disease.txt"]
    for name in names:
        shutil.copy(DATA / name, folder / name)

    def delete_the_last(done: int, total: int) -> None:
        (folder / names[-1]).unlink(missing_ok=True)

    result = build(
        [folder],
        tmp_path / "out",
        store=False,
        html=False,
        validate=False,
        processes=1,
        chunk_docs=1,
        progress=delete_the_last,
    )
    assert result.counts["documents"] == 2
    (problem,) = result.problems
    assert problem.source == str(folder / names[-1]) and problem.reason.startswith("no such file")


def test_permission_denied_is_named_and_the_rest_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Simulated, so that it also runs as root (where chmod 000 does not stop a read)."""
    import kg.ingest

    for name in ("anencephaly.txt", "wilson-disease.txt"):
        shutil.copy(DATA / name, tmp_path / name)
    locked = str(tmp_path / "anencephaly.txt")
    real_open = os.open

    def guarded_open(path: str, flags: int, *args: int) -> int:
        if str(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(kg.ingest.os, "open", guarded_open)
    assert main(["extract", "--no-link", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["wilson-disease"]
    assert _stderr_lines(err) == [
        f"kg extract: skipped {locked}: permission denied; check the read permission of the file and its folders"
    ]


def _chmod_blocks_reads(path: Path) -> bool:
    try:
        with open(path, "rb"):
            return False
    except PermissionError:
        return True


def test_an_unreadable_file_for_real(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    shutil.copy(WILSON, path)
    path.chmod(0)
    try:
        if not _chmod_blocks_reads(path):
            pytest.skip("running as root (or with CAP_DAC_OVERRIDE): chmod 000 does not stop reads here")
        with pytest.raises(InputError, match="permission denied"):
            read_source(path)
    finally:
        path.chmod(0o644)


def test_an_unlistable_subfolder_is_named_instead_of_silently_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "locked").mkdir()
    shutil.copy(WILSON, tmp_path / "ok" / "wilson-disease.txt")
    shutil.copy(WILSON, tmp_path / "locked" / "hidden.txt")
    locked = tmp_path / "locked"
    real_scandir = os.scandir

    def guarded_scandir(path: object = ".") -> object:
        if Path(str(path)) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", guarded_scandir)
    assert list(expand_paths([tmp_path])) == [str(locked), str(tmp_path / "ok" / "wilson-disease.txt")]
    real_open = os.open

    def guarded_open(path: str, flags: int, *args: int) -> int:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", guarded_open)
    first, second = list(read_sources([tmp_path]))
    assert isinstance(first, InputError) and first.source == str(locked) and "permission denied" in first.reason
    assert isinstance(second, Document)


def test_odd_paths_are_named_without_hanging(tmp_path: Path) -> None:
    """A named pipe (reading it would wait for a writer forever), a folder, a dangling link, a missing path."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "folder.txt").mkdir()  # a folder with a .txt name is not a file to read

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("reading odd paths hung")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)  # a regression here would hang the suite: fail it instead
    try:
        got = {
            Path(r.source).name: r.reason
            for r in read_sources([tmp_path, tmp_path / "missing.txt"])
            if isinstance(r, InputError)
        }
        with pytest.raises(InputError, match="is a folder"):
            read_source(tmp_path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert set(got) == {"dangling.txt", "missing.txt", "pipe.txt"}
    assert got["pipe.txt"].startswith("not a regular file")
    assert got["dangling.txt"].startswith("no such file") and got["missing.txt"].startswith("no such file")


def test_a_file_name_that_is_not_utf8_is_named_not_crashed_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name in another system's encoding (b"wils\\xe9n.txt") cannot go into JSON or RDF unchanged: one line, with the
    name shown escaped, instead of invalid UTF-8 on stdout or a traceback in the graph writer."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WILSON, folder / "wilson-disease.txt")
    try:
        with open(os.path.join(os.fsencode(folder), b"wils\xe9n-disease.txt"), "wb") as fh:
            fh.write(WILSON.read_bytes())
    except OSError:
        pytest.skip("this file system does not accept file names that are not UTF-8")
    assert main(["extract", "--no-link", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert [json.loads(line)["source"] for line in out.splitlines()] == [str(folder / "wilson-disease.txt")]
    assert _stderr_lines(err) == [
        f"kg extract: skipped {folder}/wils\\xe9n-disease.txt: the file name is not valid UTF-8; rename the file"
    ]
    result = build([folder], tmp_path / "out", store=False, html=False, processes=1)
    assert result.counts["documents"] == 1 and len(result.problems) == 1


def test_file_names_with_control_characters_print_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A name with a newline, a terminal escape sequence or a direction override must not break the one-line
    report or reach the terminal raw (a hostile archive could rewrite what the user sees)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WILSON, folder / "wilson-disease.txt")
    evil = folder / "evil\nname\x1b[31mRED\u202etxt.exe.txt"
    evil.write_bytes(b"")
    page = folder / "page\x1b]0;title\x07.txt"
    page.write_text(_page(WILSON.read_text(encoding="utf-8")), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        assert main(["extract", "--no-link", str(folder)]) == 1
    err = capsys.readouterr().err
    lines = _stderr_lines(err)
    assert len(lines) == 1, lines
    assert "empty" in lines[0] and "evil\\nname\\x1b[31mRED\\u202etxt.exe.txt" in lines[0]
    notes = [r.getMessage() for r in caplog.records if r.name == "kg.ingest"]
    assert len(notes) == 1 and "page\\x1b]0;title\\x07.txt" in notes[0]
    for text in (err, *notes):
        assert not any(ch in text for ch in "\x1b\x07\u202e"), text


@pytest.fixture()
def _few_file_descriptors() -> Iterator[None]:
    """A low open-files limit, so that a descriptor leaked per file fails the test instead of passing quietly."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, soft), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_folder_with_three_thousand_files(tmp_path: Path, _few_file_descriptors: None) -> None:
    folder = tmp_path / "many"
    for i in range(3000):
        sub = folder / f"part-{i // 500}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"condition-{i:04d}.txt").write_text(
            f"Condition {i:04d} is a rare disorder caused by mutations in the ABC{i % 97} gene.\n", encoding="utf-8"
        )
    started = time.thread_time()  # CPU time, here and below: a busy machine does not add to it
    docs = list(read_sources([folder]))
    read_seconds = time.thread_time() - started
    assert all(isinstance(d, Document) for d in docs) and len(docs) == 3000
    assert [Path(d.source).name for d in docs] == [f"condition-{i:04d}.txt" for i in range(3000)]  # type: ignore[union-attr]
    assert read_seconds < 10, f"reading 3,000 small files took {read_seconds:.1f} s of CPU"
    started = time.thread_time()
    records = list(iter_records([folder], link=False))
    extract_seconds = time.thread_time() - started
    assert [r.id for r in records] == [f"condition-{i:04d}" for i in range(3000)]
    assert all(r.risk_factors and r.risk_factors[0].label.startswith("ABC") for r in records)
    assert extract_seconds < 60, f"extracting 3,000 one-line summaries took {extract_seconds:.1f} s of CPU"


# ------------------------------------------------------------------------------------------------ exit status


def test_exit_status_and_the_note_reach_a_real_terminal(tmp_path: Path) -> None:
    """The real `kg` process: notes for decoded-with-a-guess inputs go to stderr and do not change the exit
    status (0); a skipped input gives 1; --strict stops at it with 2; a usage error is 64."""
    latin = tmp_path / "wilson-disease.txt"
    latin.write_bytes(_western_text().encode("cp1252"))
    page = tmp_path / "marfan-syndrome.txt"
    page.write_text(_page((DATA / "marfan-syndrome.txt").read_text(encoding="utf-8")), encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")

    def kg(*args: str) -> subprocess.CompletedProcess[str]:  # $HOME is a temporary folder (tests/conftest.py)
        return subprocess.run(
            [sys.executable, "-m", "kg.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
        )

    ok = kg("extract", "--no-link", str(latin), str(page))
    assert ok.returncode == 0, ok.stderr
    assert len(ok.stdout.splitlines()) == 2
    notes = _stderr_lines(ok.stderr)
    assert len(notes) == 2 and all(n.startswith("kg: note: ") for n in notes), notes
    assert re.search(rf"{re.escape(str(latin))}: not UTF-8; read as Windows-1252", notes[0] + notes[1])
    assert re.search(rf"{re.escape(str(page))}: an HTML page", notes[0] + notes[1])
    skipped = kg("extract", "--no-link", "--strict", str(empty), str(latin))
    assert skipped.returncode == 2 and skipped.stdout == ""
    assert kg("extract").returncode == 64
    assert kg("no-such-command").returncode == 64


def test_segments_of_read_documents_stay_inside_the_text(tmp_path: Path) -> None:
    """A cheap structural check on everything the bad-input fixtures produce that is readable."""
    samples = {
        "crlf.txt": WILSON.read_bytes().replace(b"\n", b"\r\n"),
        "cr-only.txt": WILSON.read_bytes().replace(b"\n", b"\r"),
        "tabs.txt": WILSON.read_bytes().replace(b" ", b"\t"),
        "no-final-newline.txt": WILSON.read_bytes().rstrip(),
    }
    for name, data in samples.items():
        (tmp_path / name).write_bytes(data)
        doc = read_source(tmp_path / name)
        spans = [(s.start, s.end) for s in doc.segments]
        assert spans == sorted(spans) and all(0 <= a < b <= len(doc.text) for a, b in spans), name
        assert any(s.kind is SegmentKind.SENTENCE for s in doc.segments), name
