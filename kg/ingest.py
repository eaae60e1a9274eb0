"""Ingest: read summary files and clean the scraped format without losing character offsets.

A scraped summary has a header line with the review date, paragraphs one per line, a duplicated paragraph, a question
heading glued to the end of a paragraph, a list intro whose list was lost, and a medical disclaimer. Nothing here
rewrites the text: cleaning only labels spans of the original text (`Segment`), so every fact found later maps back
to exact offsets in the file as it was read.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from kg.errors import InputError

MAX_BYTES_DEFAULT = 10 * 1024 * 1024
SUFFIXES = (".txt",)


class SegmentKind(str, Enum):
    HEADER = "header"
    SENTENCE = "sentence"  # minable prose
    HEADING = "heading"  # a question heading ("What causes X?")
    DUPLICATE = "duplicate"  # a sentence already seen earlier in the document
    LIST_INTRO = "list_intro"  # "Recent breakthroughs emphasize:" with no list after it
    DISCLAIMER = "disclaimer"


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    kind: SegmentKind
    paragraph: int


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded summary: the original text (offsets refer to it) and labelled spans of it."""

    source: str
    text: str
    segments: tuple[Segment, ...]
    last_updated: str | None = None
    title: str | None = None

    def sentences(self) -> Iterator[Segment]:
        """The sentences worth mining for facts, in text order, each once."""
        return (s for s in self.segments if s.kind is SegmentKind.SENTENCE)

    def span(self, seg: Segment) -> str:
        return self.text[seg.start : seg.end]


# --------------------------------------------------------------------------------------------------- reading bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body)", re.I)


def decode(source: str, data: bytes, encoding: str | None = None) -> str:
    """Bytes to text, or an InputError saying why not. UTF-8 by default; a BOM selects UTF-8/16/32."""
    if not data.strip():
        raise InputError(source, "empty file (no text to read)")
    if encoding is None:
        for bom, enc in _BOMS:
            if data.startswith(bom):
                encoding = enc
                break
    if encoding is None:
        if b"\x00" in data[:8192]:
            raise InputError(source, "binary file (contains NUL bytes), not a text summary")
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise InputError(
            source,
            f"not {encoding.upper()} (byte 0x{bad} at {exc.start}); re-save as UTF-8 or pass --encoding latin-1",
        ) from None
    except LookupError:
        raise InputError(source, f"unknown encoding {encoding!r}; pass a Python codec name") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(source, "empty file (only whitespace)")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 8:
        raise InputError(source, "binary file (control characters), not a text summary")
    if _HTML_START.match(data[:512].lower()) or _HTML_START.match(text[:512].encode("utf-8", "replace")):
        raise InputError(source, "an HTML page, not a plain-text summary; save the page as text first")
    return text


def read_source(path: str | Path, *, encoding: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT) -> Document:
    """Read and clean one file (`-` for standard input). Raises InputError naming the file and the reason."""
    source = str(path)
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        p = Path(path)
        try:
            size = p.stat().st_size
            if size > max_bytes:
                raise InputError(
                    source,
                    f"too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB limit); split it or pass --max-bytes",
                )
            data = p.read_bytes()
        except FileNotFoundError:
            raise InputError(source, "no such file") from None
        except IsADirectoryError:
            raise InputError(source, "is a folder; pass it without a file name to read its .txt files") from None
        except PermissionError:
            raise InputError(source, "permission denied; check the file's read permission") from None
        except OSError as exc:
            raise InputError(source, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputError(source, f"too large ({len(data) / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB limit)")
    return clean(source, decode(source, data, encoding), title=_title_from_path(source))


def expand_paths(paths: Iterable[str | Path]) -> Iterator[str]:
    """Files to read, in a deterministic order: folders give their `.txt` files (recursively, sorted)."""
    for path in paths:
        p = Path(path)
        if str(path) != "-" and p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUFFIXES:
                    yield str(child)
        else:
            yield str(path)


def read_sources(
    paths: Iterable[str | Path], *, encoding: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT
) -> Iterator[Document | InputError]:
    """Each readable document, or the InputError that explains why a file was skipped; never stops early."""
    for source in expand_paths(paths):
        try:
            yield read_source(source, encoding=encoding, max_bytes=max_bytes)
        except InputError as exc:
            yield exc


def _title_from_path(source: str) -> str | None:
    if source == "-":
        return None
    stem = Path(source).stem
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else None


# ---------------------------------------------------------------------------------------------------- cleaning

_HEADER = re.compile(r"^\s*(?:short answer\b.*?)?last (?:updated|reviewed)\s*[:\-]\s*(?P<date>.+?)\s*$", re.I)
_DISCLAIMER = re.compile(
    r"^\s*(?:medical\s+)?disclaimer\b|for (?:general )?information(?:al)? purposes only|"
    r"(?:does not|do not|is not intended to) (?:constitute|replace|be a substitute for|substitute for)"
    r" (?:professional )?medical advice|not a substitute for (?:professional )?medical advice|"
    r"general information only",
    re.I,
)
# A sentence ends at . ! ? followed by space(s) and a capital, digit or opening quote/bracket.
_SENT_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|approx|incl|Dr|Drs|Mr|Mrs|Ms|Prof|St|Fig|No|al|cf|ca|Jr|Sr|Inc|Ltd|U\.S|U\.K)\.|"
    r"\b[A-Z]\.)$"
)
_QUESTION_GLUE = re.compile(r"(?<=[a-z0-9)\]%])\s*(?=(?:What|How|Who|Why|When|Where|Which|Is|Are|Can|Does|Do)\s[^.?!]*\?)")


def parse_date(raw: str) -> str | None:
    """ISO date from the header's date text ("2026-04-07", "4 March 2026", "March 4, 2026"); None if unclear."""
    raw = raw.strip().rstrip(".")
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d %b %Y", "%b %d, %Y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", raw)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    return None


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans (absolute offsets, surrounding whitespace trimmed) of text[start:end]."""
    spans: list[tuple[int, int]] = []
    cursor = start
    chunk = text[start:end]
    for m in _SENT_END.finditer(chunk):
        cut = start + m.start()
        candidate = text[cursor:cut]
        if _ABBREV.search(candidate.rstrip("\"'”’)]")):
            continue
        spans.append((cursor, cut))
        cursor = start + m.end()
    spans.append((cursor, end))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        # A question heading glued to the end of a sentence without a full stop ("...condition What causes X?").
        piece = text[s:e]
        g = _QUESTION_GLUE.search(piece)
        if g and g.start() > 0 and piece.rstrip().endswith("?") and not piece[: g.start()].rstrip().endswith("?"):
            out.extend(_trim(text, s, s + g.start()) or [])
            out.extend(_trim(text, s + g.end(), e) or [])
        else:
            out.extend(_trim(text, s, e) or [])
    return out


def _trim(text: str, s: int, e: int) -> list[tuple[int, int]] | None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return [(s, e)] if e > s else None


def _norm(sentence: str) -> str:
    return re.sub(r"\W+", " ", sentence.lower()).strip()


def clean(source: str, text: str, *, title: str | None = None) -> Document:
    """Label the spans of a decoded summary: header, minable sentences, headings, duplicates, list intros,
    disclaimer. Works on plain descriptions too (no header, no mess): then every sentence is minable."""
    segments: list[Segment] = []
    last_updated: str | None = None
    seen: set[str] = set()
    paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]+", text)]
    para_no = 0
    for index, (p_start, p_end) in enumerate(paragraphs):
        line = text[p_start:p_end]
        if not line.strip():
            continue
        header = _HEADER.match(line) if index < 3 and len(line) < 240 else None
        if header:
            last_updated = last_updated or parse_date(header["date"])
            segments.append(Segment(p_start, p_end, SegmentKind.HEADER, para_no))
            continue
        if _DISCLAIMER.search(line[:400]) and len(line) < 1500 and _looks_like_disclaimer(line):
            span = _trim(text, p_start, p_end)
            if span:
                segments.append(Segment(span[0][0], span[0][1], SegmentKind.DISCLAIMER, para_no))
            para_no += 1
            continue
        sentences = split_sentences(text, p_start, p_end)
        for i, (s, e) in enumerate(sentences):
            body = text[s:e]
            key = _norm(body)
            if body.rstrip().endswith("?"):
                kind = SegmentKind.HEADING
            elif key in seen:
                kind = SegmentKind.DUPLICATE
            elif body.rstrip().endswith(":") and i == len(sentences) - 1:
                kind = SegmentKind.LIST_INTRO
            else:
                kind = SegmentKind.SENTENCE
            if key:
                seen.add(key)
            segments.append(Segment(s, e, kind, para_no))
        para_no += 1
    return Document(source=source, text=text, segments=tuple(segments), last_updated=last_updated, title=title)


def _looks_like_disclaimer(line: str) -> bool:
    low = line.lower()
    return any(
        cue in low
        for cue in ("disclaimer", "medical advice", "informational purposes", "information only", "physician",
                    "healthcare provider", "health care provider", "qualified health")
    )
