"""Property tests (hypothesis) on ingest, extraction and prevalence parsing: any bytes or text gives a result or an
InputError, never a traceback; every evidence offset slices the text it refers to; every prevalence figure has
0 <= low <= high <= 1; and the regular expressions stay linear on long adversarial input."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg.errors import InputError
from kg.extract import extract
from kg.extract.prevalence import find_figures, number
from kg.ingest import Document, SegmentKind, clean, decode, document_from_bytes, html_text

DATA = Path(__file__).resolve().parents[1] / "data" / "summaries"
SUMMARIES = sorted(DATA.glob("*.txt"))
SENTENCES = [
    s.strip()
    for path in SUMMARIES[:12]
    for line in path.read_text(encoding="utf-8").splitlines()[1:]
    for s in re.split(r"(?<=[.!?])\s+", line)
    if len(s.strip()) > 20
]
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like a scraped summary, broken in every way hypothesis can think of: real sentences, cut and
# glued, with odd characters, markup, numbers and whitespace between them.
_noise = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list(" \n\r\t.,;:?!\"'()<>&%/-–—…\u00a0\u200b\u202e\ufeff0123456789")),
    ),
    max_size=40,
)
_piece = st.one_of(
    st.sampled_from(SENTENCES),
    st.sampled_from(SENTENCES).flatmap(lambda s: st.integers(0, len(s)).map(lambda i: s[:i])),
    st.sampled_from(
        [
            "Last updated: 4 March 2026",
            "What causes it?",
            "Medical disclaimer: not medical advice.",
            "Recent breakthroughs emphasize:",
            "about 1 in 25,000 to 1 in 50,000 live births",
            "1-9 per 100,000",
            "fewer than 1 per 1,000,000 people",
            "0.5%",
            "e.g.",
            "Dr.",
            "U.S.",
        ]
    ),
    _noise,
)
_separators = st.sampled_from([" ", "\n", "", "  ", "\r\n", ". "])
summaries = st.lists(st.tuples(_piece, _separators), max_size=12).map(lambda parts: "".join(p + s for p, s in parts))


def _assert_segments_valid(doc: Document) -> None:
    last_end = 0
    for seg in doc.segments:
        assert last_end <= seg.start < seg.end <= len(doc.text), seg
        piece = doc.text[seg.start : seg.end]
        assert piece.strip(), seg
        if seg.kind is not SegmentKind.HEADER:  # the header is its whole line; everything else is trimmed
            assert piece == piece.strip(), seg
        last_end = seg.end


def _assert_record_valid(doc: Document, data: dict) -> int:  # type: ignore[type-arg]
    """Evidence slices the document text; prevalence bounds are ordered fractions. Returns the evidence checked."""
    checked = 0
    for key in ("synonyms", "risk_factors", "treatment_areas", "prevalence"):
        for item in data[key]:
            ev = item["evidence"]
            assert doc.text[ev["start"] : ev["end"]] == ev["sentence"], (key, ev)
            checked += 1
    for p in data["prevalence"]:
        low, high = p["low"], p["high"]
        for bound in (low, high):
            assert bound is None or 0.0 <= bound <= 1.0, p
        if low is not None and high is not None:
            assert low <= high, p
    return checked


# ---------------------------------------------------------------------------------------------------- ingest


@FAST
@given(st.binary(max_size=2000), st.sampled_from([None, "latin-1", "utf-16", "utf-8"]))
def test_any_bytes_decode_to_text_or_an_input_error(data: bytes, encoding: str | None) -> None:
    try:
        text = decode("x.txt", data, encoding)
    except InputError as exc:
        assert exc.source == "x.txt" and exc.reason and "\n" not in exc.reason
    else:
        assert isinstance(text, str) and text.strip()


@FAST
@given(st.one_of(st.binary(max_size=2000), summaries.map(lambda t: t.encode("utf-8"))))
def test_any_bytes_give_a_clean_document_or_an_input_error(data: bytes) -> None:
    try:
        doc = document_from_bytes("x.txt", data)
    except InputError:
        return
    _assert_segments_valid(doc)


@FAST
@given(summaries)
def test_clean_labels_valid_spans_of_any_text(text: str) -> None:
    _assert_segments_valid(clean("x.txt", text))


@FAST
@given(st.text(alphabet=st.sampled_from(list("<>/&;#!-=\"' \nabpx1")), max_size=300) | st.text(max_size=300))
def test_html_text_keeps_the_length_of_any_markup(page: str) -> None:
    assert len(html_text(page)) == len(page)


_words = st.lists(st.from_regex(r"[A-Za-z0-9,.'()%-]{1,12}", fullmatch=True), min_size=1, max_size=30)
_inline = st.sampled_from(
    ["<b>", "</b>", "<a href='x>y'>", "</a>", '<span class="c">', "</span>", "<!-- c -->", "<em>", "</em>", ""]
)


@FAST
@given(_words, st.data())
def test_html_text_keeps_every_word_of_a_paragraph_in_order(words: list[str], data: st.DataObject) -> None:
    tags = data.draw(st.lists(_inline, min_size=len(words), max_size=len(words)))
    spaces = data.draw(
        st.lists(st.sampled_from([" ", "\n  ", "\t", " &nbsp; "]), min_size=len(words), max_size=len(words))
    )
    body = "".join(f"{tag}{word}{space}" for word, tag, space in zip(words, tags, spaces, strict=True))
    page = f"<html><body><p>{body}</p></body></html>"
    text = html_text(page)
    assert len(text) == len(page)
    assert text.split() == words
    # the paragraph starts exactly where its first character is in the page
    start = len(text) - len(text.lstrip())
    assert page[start:].startswith(text[start : start + 1]) or page[start] == "<"


# -------------------------------------------------------------------------------------------------- extraction


@SLOW
@given(summaries, st.sampled_from([None, "Wilson disease", "x", "日本語の病気", "\u202etxt.exe"]))
def test_extraction_of_any_text_gives_a_valid_record_or_an_input_error(text: str, title: str | None) -> None:
    doc = clean("x.txt", text, title=title)
    try:
        record = extract(doc)
    except InputError:
        return
    _assert_record_valid(doc, record.to_json())


def test_mutilated_real_summaries_keep_every_offset(tmp_path: Path) -> None:
    """Seeded damage to every real summary (cut lines, doubled whitespace, stray markup, removed full stops); the
    offsets property must hold for facts that are really extracted, not vacuously."""
    rng = random.Random(20240607)
    checked = 0
    for path in SUMMARIES:
        text = path.read_text(encoding="utf-8")
        chars = list(text)
        for _ in range(40):
            i = rng.randrange(len(chars))
            chars[i] = rng.choice(["", "  ", "\n", "<b>", "&amp;", ".", chars[i] * 2, "\u200b", "\u00a0"])
        doc = clean(str(path), "".join(chars), title=path.stem.replace("-", " "))
        try:
            record = extract(doc)
        except InputError:
            continue
        checked += _assert_record_valid(doc, record.to_json())
    assert checked > 300


# -------------------------------------------------------------------------------------------------- prevalence


@FAST
@given(st.text(max_size=300) | summaries)
def test_figures_in_any_text_are_ordered_fractions(sentence: str) -> None:
    for fig in find_figures(sentence):
        for bound in (fig.low, fig.high):
            assert bound is None or 0.0 <= bound <= 1.0, fig
        if fig.low is not None and fig.high is not None:
            assert fig.low <= fig.high, fig
        assert fig.count is None or fig.count >= 0, fig
        assert 0 <= fig.start < fig.end <= len(sentence)


_num = st.one_of(
    st.integers(0, 10**9).map(str),
    st.integers(1000, 10**9).map(lambda n: f"{n:,}"),
    st.floats(0, 1000, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.sampled_from(["one", "a", "two", "ten", "fifty", "1.5 million", "a million", "20 thousand", "0"]),
)
_pop = st.sampled_from(["", " people", " live births", " newborns", " males", " in the United States", " cases"])
_figure = st.one_of(
    st.tuples(
        st.sampled_from(["", "about ", "fewer than ", "more than ", "up to ", "an estimated "]),
        _num,
        st.sampled_from([" in ", " per ", " out of ", " in every "]),
        _num,
        st.sampled_from(["", " to 1 in ", " and ", "-"]),
        _num,
        _pop,
    ).map("".join),
    st.tuples(_num, st.sampled_from(["%", " percent", "-"]), _num, st.sampled_from(["%", " per 100,000"]), _pop).map(
        "".join
    ),
)


@FAST
@given(
    _figure,
    st.sampled_from(
        ["The prevalence is {}.", "It affects {} worldwide.", "{} are affected.", "Incidence: {} each year."]
    ),
)
def test_stated_figures_normalise_to_ordered_fractions(figure: str, frame: str) -> None:
    sentence = frame.format(figure)
    for fig in find_figures(sentence):
        for bound in (fig.low, fig.high):
            assert bound is None or 0.0 <= bound <= 1.0, (sentence, fig)
        if fig.low is not None and fig.high is not None:
            assert fig.low <= fig.high, (sentence, fig)


@FAST
@given(st.text(max_size=60) | _num | st.tuples(_num, st.text(max_size=5)).map("".join))
@example("nan")
@example("-INFINITY")
@example("1e400")
def test_number_parses_or_declines_any_text(raw: str) -> None:
    value = number(raw)
    assert value is None or (math.isfinite(value) and value >= 0), value  # a count or rate, never NaN or infinite


@pytest.mark.parametrize(
    "unit",
    [
        "1 in 25,000 ",
        "5,000 people in Europe ",
        "1 per 100,000 ",
        "3% of people ",
        "approximately 1 in ",
    ],
)
def test_prevalence_search_is_linear_on_a_long_sentence(unit: str, linear_growth: Callable[..., float]) -> None:
    """A sentence made of figure-like phrases, 5 KB and 80 KB long: 16 times the text must cost about 16 times
    the CPU time, not 256 times (each match must not rescan the whole sentence). A ratio, so that a busy machine
    does not fail it; the long sentence is four times the 20 KB that a one-second threshold used to allow."""

    def search(size: int) -> Callable[[], object]:
        sentence = unit * (size // len(unit))
        return lambda: find_figures(sentence)

    linear_growth(search, 5_000, 80_000, what=f"find_figures on a sentence of {unit!r}")
