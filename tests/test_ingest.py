"""Ingest: the scraped format is cleaned by labelling spans of the original text, never by rewriting it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import SegmentKind, clean, parse_date, read_source, read_sources, split_sentences

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "sacral-agenesis.txt"  # beside the checkout

SCRAPED = (
    "Short answer · Medically reviewed summary · Last updated: 2026-04-07\n"
    "Examplosis, also known as example syndrome, is a rare condition of the lower spine. It is managed by "
    "multidisciplinary care. What causes examplosis? Most cases follow maternal diabetes.\n"
    "Examplosis, also known as example syndrome, is a rare condition of the lower spine. It is managed by "
    "multidisciplinary care.\n"
    "Most cases follow maternal diabetes. Surgeons repair the spine, e.g. with rods, in 1 in 3 children. "
    "Recent breakthroughs emphasize:\n"
    "At DiseaseMaps.org, 12 people with examplosis have already connected.\n"
    "Medical disclaimer: This content is for informational purposes only and does not constitute professional "
    "medical advice; always ask your physician.\n"
)


def kinds(doc) -> list[tuple[str, str]]:
    return [(s.kind.value, doc.text[s.start : s.end]) for s in doc.segments]


def test_header_becomes_metadata() -> None:
    doc = clean("x.txt", SCRAPED)
    assert doc.last_updated == "2026-04-07"
    assert doc.segments[0].kind is SegmentKind.HEADER
    assert all("Last updated" not in doc.span(s) for s in doc.sentences())


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2026-04-07", "2026-04-07"),
        ("4 March 2026", "2026-03-04"),
        ("March 4, 2026", "2026-03-04"),
        ("Mar 4, 2026", "2026-03-04"),
        ("2026/03/04", "2026-03-04"),
        ("04/03/2026", None),  # ambiguous day/month: not guessed
        ("soon", None),
        ("2026-02-30", None),
    ],
)
def test_parse_date(raw: str, iso: str | None) -> None:
    assert parse_date(raw) == iso


def test_no_header_means_no_date() -> None:
    doc = clean("plain.txt", "Examplosis is a rare disease. It affects the joints.\n")
    assert doc.last_updated is None
    assert [doc.span(s) for s in doc.sentences()] == ["Examplosis is a rare disease.", "It affects the joints."]


def test_glued_question_heading_is_split_off() -> None:
    doc = clean("x.txt", SCRAPED)
    headings = [doc.span(s) for s in doc.segments if s.kind is SegmentKind.HEADING]
    assert headings == ["What causes examplosis?"]
    sentences = [doc.span(s) for s in doc.sentences()]
    assert "It is managed by multidisciplinary care." in sentences


def test_question_glued_without_full_stop() -> None:
    text = "It is managed by multidisciplinary care What are the current research priorities for X? Work goes on."
    spans = split_sentences(text, 0, len(text))
    assert [text[s:e] for s, e in spans] == [
        "It is managed by multidisciplinary care",
        "What are the current research priorities for X?",
        "Work goes on.",
    ]


def test_duplicated_paragraph_is_kept_once() -> None:
    doc = clean("x.txt", SCRAPED)
    sentences = [doc.span(s) for s in doc.sentences()]
    assert len(sentences) == len(set(sentences))
    assert sentences.count("Most cases follow maternal diabetes.") == 1
    duplicates = [doc.span(s) for s in doc.segments if s.kind is SegmentKind.DUPLICATE]
    assert "It is managed by multidisciplinary care." in duplicates


def test_list_intro_and_disclaimer_are_not_mined() -> None:
    doc = clean("x.txt", SCRAPED)
    labelled = kinds(doc)
    assert ("list_intro", "Recent breakthroughs emphasize:") in labelled
    assert any(kind == "disclaimer" and text.startswith("Medical disclaimer") for kind, text in labelled)
    mined = " ".join(doc.span(s) for s in doc.sentences())
    assert "emphasize" not in mined and "disclaimer" not in mined.lower()


def test_abbreviations_do_not_end_sentences() -> None:
    doc = clean("x.txt", SCRAPED)
    assert "Surgeons repair the spine, e.g. with rods, in 1 in 3 children." in [doc.span(s) for s in doc.sentences()]


@pytest.mark.parametrize("text", [SCRAPED, SCRAPED.replace("\n", "\r\n"), "\ufeff" + SCRAPED])
def test_offsets_slice_the_original_text(text: str) -> None:
    doc = clean("x.txt", text)
    assert doc.text == text
    for seg in doc.segments:
        piece = doc.text[seg.start : seg.end]
        assert piece == doc.span(seg)
        assert piece == piece.strip() or seg.kind is SegmentKind.HEADER


@pytest.mark.skipif(not SEED.exists(), reason=f"no seed summary at {SEED} (../shared/seeds is not in a fresh clone)")
def test_seed_is_cleaned_as_described() -> None:
    doc = read_source(SEED)
    assert doc.last_updated == "2026-04-07"
    assert doc.title == "Sacral agenesis"
    headings = [doc.span(s) for s in doc.segments if s.kind is SegmentKind.HEADING]
    assert headings == ["What are the current research priorities for sacral agenesis?"]
    sentences = [doc.span(s) for s in doc.sentences()]
    assert len(sentences) == len(set(sentences))
    assert not any("emphasize:" in s or "disclaimer" in s.lower() for s in sentences)
    for seg in doc.segments:
        assert doc.text[seg.start : seg.end] == doc.span(seg)


# ----------------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t\n", "empty"),
        (b"\x00\x01\x02binary\x00data" * 20, "binary"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12" * 40, "binary"),
        (b"Caf\xc3\xa9 au lait spots, then a stray caf\xe9 byte.\n", "UTF-8"),  # damaged UTF-8, not a guess
        (b"<!DOCTYPE html><html><head><title></title></head><body></body></html>", "HTML"),
    ],
)
def test_bad_files_name_the_file_and_the_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad-summary.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_source(path)
    message = str(info.value)
    assert "bad-summary.txt" in message
    assert reason.lower() in message.lower()


def test_wrong_explicit_encoding_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Café au lait spots are common.\n".encode("utf-16-le"))
    with pytest.raises(InputError, match=r"latin\.txt.*not UTF-8"):
        read_source(path, encoding="utf-8")


def test_legacy_encoding_and_html_are_read_with_a_note(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"Caf\xe9 au lait spots are common.\n")
    page = tmp_path / "page.txt"
    page.write_bytes(b"<!DOCTYPE html><html><body><p>Examplosis is rare.</p></body></html>")
    with caplog.at_level("WARNING", logger="kg.ingest"):
        doc = read_source(latin)
        html_doc = read_source(page)
    assert [doc.span(s) for s in doc.sentences()] == ["Café au lait spots are common."]
    assert [html_doc.span(s) for s in html_doc.sentences()] == ["Examplosis is rare."]
    assert len(html_doc.text) == len(page.read_text(encoding="utf-8"))  # offsets still count page characters
    notes = caplog.text
    assert "latin.txt" in notes and "UTF-8" in notes
    assert "page.txt" in notes and "HTML" in notes


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_source(tmp_path / "absent.txt")
    with pytest.raises(InputError, match="folder"):
        read_source(tmp_path)


def test_read_sources_reports_bad_files_and_keeps_going(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Examplosis is a rare disease.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.txt").write_text("Otheritis is rarer still.\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored\n", encoding="utf-8")
    results = list(read_sources([tmp_path]))
    assert [type(r).__name__ for r in results] == ["Document", "InputError", "Document"]
    assert results[1].source.endswith("b.txt")


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes("Examplosis is rare.\n".encode("utf-16"))
    doc = read_source(path)
    assert [doc.span(s) for s in doc.sentences()] == ["Examplosis is rare."]
