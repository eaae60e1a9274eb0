"""Ingest: read summary files and clean the scraped format without losing character offsets.

A scraped summary has a header line with the review date, paragraphs one per line, a duplicated paragraph, a question
heading glued to the end of a paragraph, a list intro whose list was lost, and a medical disclaimer. Nothing here
rewrites the text: cleaning only labels spans of the original text (`Segment`), so every fact found later maps back
to exact offsets in the file as it was read.
"""

from __future__ import annotations

import codecs
import datetime as dt
import html
import logging
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import partial
from pathlib import Path

from kg.errors import InputError, KgError

MAX_BYTES_DEFAULT = 10 * 1024 * 1024
SUFFIXES = (".txt",)


class SegmentKind(str, Enum):  # noqa: UP042 (str() of a member stays "SegmentKind.X", as callers expect)
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

MAX_BYTES_ENV = "KG_MAX_BYTES"  # raises (or lowers) the size limit: bytes, or a number with K, M or G (binary units)
_log = logging.getLogger("kg.ingest")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A page rather than text: an HTML document start, or a leading element or comment with a closing tag further on.
_HTML_START = re.compile(r"\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.I)
_HTML_FRAGMENT = re.compile(
    r"\s*(?:<meta\s|<title>|<!--|<(?:p|div|h[1-6]|section|article|main|span|ul|ol|table|header|nav)[\s>])", re.I
)
# Control characters that do not occur in text (C0 except tab, newlines and form feed; DEL; C1).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# A well-formed UTF-8 multi-byte sequence: its presence in undecodable bytes means damaged UTF-8, not Latin-1.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|b)?\s*", re.I)


def max_bytes_limit() -> int:
    """The input size limit: `KG_MAX_BYTES` from the environment when set, else MAX_BYTES_DEFAULT (10 MiB).

    A limit at all because a summary is a few kilobytes: a file of many megabytes is almost always a wrong path (a
    log, a dump, a whole site), and reading it whole would cost memory and minutes before anyone noticed."""
    raw = os.environ.get(MAX_BYTES_ENV)
    if raw is None or not raw.strip():
        return MAX_BYTES_DEFAULT
    m = _SIZE.fullmatch(raw)
    value = float(m[1]) * 1024 ** " kmg".index((m[2] or " ").lower()) if m else 0
    if value < 1:
        raise KgError(f"{MAX_BYTES_ENV}={raw!r} is not a size; give bytes (52428800) or a size such as 50M")
    return int(value)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:.1f} KiB" if n < 1048576 else f"{n / 1048576:.1f} MiB"


def _too_large(source: str, size: int, limit: int) -> InputError:
    suggestion = max(1, -(-size // 1048576))  # whole MiB, rounded up
    return InputError(
        source,
        f"too large ({_size(size)}, over the {_size(limit)} limit); split it, or raise the limit with "
        f"{MAX_BYTES_ENV}={suggestion}M in the environment",
    )


def decode(source: str, data: bytes, encoding: str | None = None) -> str:
    """Bytes to text, or an InputError saying why not.

    Without `encoding`: a BOM selects UTF-8/16/32; BOM-less UTF-16 is recognised by its NUL pattern; otherwise UTF-8,
    and bytes that are not UTF-8 (and hold no UTF-8 sequence at all, so they are not damaged UTF-8) are read as
    Windows-1252, the usual encoding of older Western pages, with a note on stderr. An HTML page becomes its text view
    (`html_text`). Binary data, empty files and undecodable bytes are refused with the reason and what to do."""
    if not data.strip():
        raise InputError(source, "empty file (no text to read)")
    note = None
    if encoding is None:
        for bom, enc in _BOMS:
            if data.startswith(bom):
                encoding = enc
                break
    if encoding is None and b"\x00" in data[:8192]:
        encoding = _bomless_utf16(data)
        if encoding is None:
            raise InputError(source, "binary file (contains NUL bytes), not a text summary")
        note = f"no BOM but the byte pattern of {encoding.upper()}; read as {encoding.upper()}"
    if encoding is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = _single_byte_fallback(source, data, exc)
            note = "not UTF-8; read as Windows-1252 (Latin-1); pass --encoding if that is wrong"
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            bad = data[exc.start : exc.start + 1].hex()
            raise InputError(
                source,
                f"not {encoding.upper()} (byte 0x{bad} at {exc.start}); re-save it as UTF-8 or pass "
                "the right --encoding",
            ) from None
        except LookupError:
            raise InputError(
                source, f"unknown encoding {encoding!r}; pass a Python codec name (latin-1, cp1252, utf-16)"
            ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(source, "empty file (only whitespace)")
    controls = len(_CONTROLS.findall(text))
    if controls > 8 and controls * 200 > len(text):
        raise InputError(source, f"binary file ({controls} control characters), not a text summary")
    if _HTML_START.match(text[:1024]) or (_HTML_FRAGMENT.match(text[:1024]) and "</" in text[:65536]):
        text = html_text(text)
        if not text.strip():
            raise InputError(source, "an HTML page with no text in it")
        html_note = "an HTML page; read its text (markup removed, offsets still count characters of the page)"
        note = f"{note}; {html_note}" if note else html_note
    if note:
        _log.warning("kg: note: %s: %s", _printable(source), note)
    return text


def _printable(text: str) -> str:
    """A file name fit for one terminal line: newlines, escape sequences and direction overrides shown escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like mostly-ASCII text in UTF-16 without a BOM."""
    head = data[: 8192 & ~1]
    if len(data) % 2 or len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    for zeros, other, enc in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= 0.9 * len(zeros) and other.count(0) <= 0.01 * len(other):
            try:
                data.decode(enc)
            except UnicodeDecodeError:
                return None
            return enc
    return None


def _single_byte_fallback(source: str, data: bytes, exc: UnicodeDecodeError) -> str:
    """Windows-1252 text for bytes that are not UTF-8, or the InputError explaining why that guess is unsafe."""
    bad = f"byte 0x{data[exc.start : exc.start + 1].hex()} at {exc.start}"
    controls = len(_CONTROL_BYTES.findall(data))
    if controls > 8 and controls * 200 > len(data):
        raise InputError(source, "binary file (not text in any encoding), not a text summary")
    if _UTF8_MULTIBYTE.search(data):
        raise InputError(
            source,
            f"not valid UTF-8 ({bad}) although the rest is UTF-8: the file is damaged or mixes "
            "encodings; fix it, or pass --encoding to read it all one way",
        )
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if not text or non_ascii * 4 > len(text):
        raise InputError(
            source,
            f"not UTF-8 ({bad}) and not Western text either; re-save it as UTF-8 or pass --encoding "
            "(e.g. --encoding iso-8859-2 or koi8-r)",
        )
    return text


# HTML to text, keeping offsets. One token at a time: a hidden element with its content (code, styles, and the
# navigation and footer around an article), a comment, a tag, an entity, or a run of whitespace; everything
# between tokens is text.
_HTML_TOKEN = re.compile(
    r"(?P<hidden><(?P<h>script|style|head|template|noscript|svg|iframe|object|nav|aside|footer|button|select)\b"
    r"[^>]{0,4096}>.*?(?:</(?P=h)\s*>|(?=<body[\s>])|\Z))"
    r"|(?P<comment><!--.*?(?:-->|\Z))"
    r"|(?P<decl><[!?][^>]{0,4096}>?)"
    r"|(?P<tag></?(?P<name>[A-Za-z][A-Za-z0-9:-]{0,63})(?:\s(?:\"[^\"]{0,4096}\"|'[^']{0,4096}'|[^'\">])*)?/?>)"
    r"|(?P<entity>&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});?)"
    r"|(?P<space>\s+)",
    re.I | re.S,
)
_BLOCK_TAG_NAMES = """
    address article aside blockquote body br caption dd details div dl dt fieldset figcaption figure footer form
    h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody td tfoot th thead title tr ul
"""
_BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
_INVISIBLE = frozenset("\xad\u200b\u200c\u200d\u2060\ufeff")


def html_text(page: str) -> str:
    """The text of an HTML page, exactly as long as the page, so offsets into it are offsets into the page.

    Markup is removed and each paragraph (block element) becomes one line that starts at the same offset as its
    first character in the page; inside a paragraph, whitespace runs collapse to one space, inline tags vanish and
    entities are decoded, so the words move left a little and the saved characters become blank lines before the
    next paragraph. Nothing is padded inside a sentence: extra whitespace between words hurts extraction."""
    out: list[str] = []
    debt = 0  # characters removed since the last paragraph start, paid back as newlines at the next break
    pending_break = True  # at a paragraph start: drop leading whitespace
    after_space = True
    pos = 0

    def emit_text(chunk: str) -> None:
        nonlocal debt, pending_break, after_space
        if pending_break:
            # newlines as padding: blank lines are not paragraphs, and the paragraph starts where it does in the page
            out.append("\n" * debt)
            debt = 0
            pending_break = False
        out.append(chunk)
        after_space = False

    for m in _HTML_TOKEN.finditer(page):
        if m.start() > pos:
            emit_text(page[pos : m.start()])
        pos = m.end()
        token = m[0]
        char = html.unescape(token) if m["entity"] is not None else None
        if m["space"] is not None or (char is not None and char.isspace()):  # &nbsp; counts as a space
            if pending_break or after_space:
                debt += len(token)
            else:
                out.append(" ")
                debt += len(token) - 1
                after_space = True
        elif char is not None:
            if all(c in _INVISIBLE for c in char):  # a soft hyphen or zero-width joiner just vanishes
                debt += len(token)
            else:
                emit_text(char)
                debt += len(token) - len(char)
        else:
            debt += len(token)
            block = m["hidden"] is not None or m["decl"] is not None
            if m["tag"] is not None and m["name"].lower() in _BLOCK_TAGS:
                block = True
            if block and not pending_break:
                pending_break = True
                after_space = True
    if pos < len(page):
        emit_text(page[pos:])
    out.append("\n" * debt)
    text = "".join(out)
    assert len(text) == len(page), "html_text must keep the length of the page"
    return text


def read_source(path: str | Path, *, encoding: str | None = None, max_bytes: int | None = None) -> Document:
    """Read and clean one file (`-` for standard input). Raises InputError naming the file and the reason.

    At most `max_bytes` (default: `max_bytes_limit()`) are read: a larger file is refused before it is read."""
    source = str(path)
    _check_name(source)
    limit = max_bytes if max_bytes is not None else max_bytes_limit()
    data = _read_stdin(limit) if source == "-" else _read_file(source, limit)
    return document_from_bytes(source, data, encoding=encoding, max_bytes=limit)


def document_from_bytes(
    source: str, data: bytes, *, encoding: str | None = None, max_bytes: int | None = None
) -> Document:
    """A Document from bytes already read (by a worker, from a socket): size check, decode, clean."""
    _check_name(source)
    limit = max_bytes if max_bytes is not None else max_bytes_limit()
    if len(data) > limit:
        raise _too_large(source, len(data), limit)
    return clean(source, decode(source, data, encoding), title=_title_from_path(source))


def _check_name(source: str) -> None:
    """A file name in another system's encoding cannot go into JSON or RDF unchanged: refuse it, shown escaped."""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of a file name arrive as lone surrogates (PEP 383)
        shown = os.fsencode(source).decode("utf-8", "backslashreplace")
        raise InputError(shown, "the file name is not valid UTF-8; rename the file") from None


def _read_stdin(limit: int) -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("-", "standard input is closed; pass file paths instead of -")
    return stream.read(limit + 1)


def _read_file(source: str, limit: int) -> bytes:
    """The bytes of a regular file, at most limit + 1 of them; every way this fails becomes an InputError."""
    try:
        # O_NONBLOCK: a named pipe given by mistake must not hang the run waiting for a writer.
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError(source, "no such file (moved or deleted before it was read?)") from None
    except PermissionError:
        raise InputError(source, "permission denied; check the read permission of the file and its folders") from None
    except OSError as exc:
        raise InputError(source, f"cannot be opened ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(source, "is a folder, not a file; pass the folder itself to read the .txt files in it")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(source, "not a regular file (a pipe, socket or device); use - to read standard input")
        if info.st_size > limit:
            raise _too_large(source, info.st_size, limit)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(source, f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def expand_paths(paths: Iterable[str | Path]) -> Iterator[str]:
    """Files to read, in a deterministic order: folders give their `.txt` files (recursively, sorted).

    A sub-folder that cannot be listed is yielded itself, so that reading it reports why instead of its files
    silently going missing. Symbolic links to folders are not followed (no loops); links to files are. A single
    path may be given as is (a string is one path, not a sequence of characters)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for path in paths:
        p = Path(path)
        if str(path) == "-" or not p.is_dir():
            yield str(path)
            continue
        found: list[Path] = []
        unreadable: list[Path] = []
        for folder, dirs, files in os.walk(p, onerror=partial(_note_unlistable, unreadable)):
            dirs.sort()
            for name in files:
                child = Path(folder, name)
                if child.suffix.lower() in SUFFIXES:
                    found.append(child)
        for child in sorted(found + unreadable):
            yield str(child)


def _note_unlistable(into: list[Path], exc: OSError) -> None:
    into.append(Path(exc.filename))


def read_sources(
    paths: Iterable[str | Path], *, encoding: str | None = None, max_bytes: int | None = None
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
_ABBREV_WORD = re.compile(
    r"(?:^|\W)(?:(?:e\.g|i\.e|etc|vs|approx|incl|Dr|Drs|Mr|Mrs|Ms|Prof|St|Fig|No|al|cf|ca|Jr|Sr|Inc|Ltd|U\.S|U\.K)\.|"
    r"[A-Z]\.)$"
)
_QUESTION_GLUE = re.compile(
    r"(?<=[a-z0-9)\]%])\s*(?=(?:What|How|Who|Why|When|Where|Which|Is|Are|Can|Does|Do)\s[^.?!]{0,300}\?)"
)


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
        stop = cut
        while stop > cursor and text[stop - 1] in "\"'”’)]":
            stop -= 1
        # only the last word is looked at: rescanning the sentence so far made long lines quadratic
        space = max(text.rfind(" ", max(cursor, stop - 64), stop), text.rfind("\t", max(cursor, stop - 64), stop))
        word = text[max(cursor, space + 1, stop - 64) : stop]
        if _ABBREV_WORD.search(word):
            continue
        spans.append((cursor, cut))
        cursor = start + m.end()
    spans.append((cursor, end))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        # A question heading glued to the end of a sentence without a full stop ("...condition What causes X?").
        piece = text[s:e]
        g = _QUESTION_GLUE.search(piece) if piece.rstrip().endswith("?") else None
        if g and g.start() > 0 and not piece[: g.start()].rstrip().endswith("?"):
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
        for cue in (
            "disclaimer",
            "medical advice",
            "informational purposes",
            "information only",
            "physician",
            "healthcare provider",
            "health care provider",
            "qualified health",
        )
    )
