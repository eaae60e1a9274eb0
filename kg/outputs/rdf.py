"""RDF files of a build: Turtle (the flat union), TriG (one named graph per document), N-Triples and JSON-LD.

Quads are deduplicated and sorted before they are written, so the same input always gives the same bytes
whatever order the documents were processed in (parallel builds finish in any order). pyoxigraph's serialisers
are used because they are fast and stream; rdflib's Turtle writer is far too slow for 100k documents. Every
file is written to a temporary file in the output folder, flushed to disk and renamed over the old one, so a
crash never leaves a half-written graph behind.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, serialize

from kg.errors import OutputError
from kg.vocab import PREFIXES

FILES = {
    "turtle": "graph.ttl",
    "trig": "graph.trig",
    "ntriples": "graph.nt",
    "jsonld": "graph.jsonld",
}


def _key(term: object) -> str:
    return str(term)


def sorted_triples(quads: Iterable[Quad]) -> list[Triple]:
    """The flat union of all named graphs: each triple once, sorted by its N-Triples form."""
    triples = {q.triple for q in quads}
    return sorted(triples, key=lambda t: (_key(t.subject), _key(t.predicate), _key(t.object)))


def sorted_quads(quads: Iterable[Quad]) -> list[Quad]:
    """Each quad once, grouped by named graph, sorted."""
    unique = set(quads)
    return sorted(unique, key=lambda q: (_key(q.graph_name), _key(q.subject), _key(q.predicate), _key(q.object)))


@functools.cache
def _prefixes() -> dict[str, str]:
    return dict(PREFIXES)


@functools.cache
def trig_header() -> bytes:
    """The prefix lines pyoxigraph puts at the top of TriG written with our prefixes: all of them, whatever the
    quads use, so they are the same for every document."""
    probe = NamedNode("urn:rare-kg:probe")
    text = serialize([Quad(probe, probe, probe, probe)], format=RdfFormat.TRIG, prefixes=_prefixes()) or b""
    return text[: text.index(b"<urn:rare-kg:probe>")]


def trig_block(quads: Sequence[Quad]) -> bytes:
    """One document's named graph as TriG without the prefix lines. pyoxigraph starts afresh at each new graph,
    so `trig_header()` followed by the blocks of the documents in graph order is, byte for byte, the TriG of all
    their quads in that order: each block is written once, by the worker that made the quads, and a rebuild
    takes it from the cache instead of serialising 100,000 graphs again."""
    text = serialize(quads, format=RdfFormat.TRIG, prefixes=_prefixes()) or b""
    header = trig_header()
    if text and not text.startswith(header):  # pragma: no cover - a pyoxigraph that writes prefixes otherwise
        raise ValueError("pyoxigraph wrote other TriG prefix lines than expected; graph.trig cannot be assembled")
    return text[len(header) :]


def write_outputs(quads: Iterable[Quad], out_dir: Path) -> dict[str, Path]:
    """Write graph.ttl, graph.trig, graph.nt and graph.jsonld into `out_dir`; returns {format: path}.

    Turtle, N-Triples and JSON-LD hold the flat union (documents' graphs merged), TriG keeps the named graphs.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder ({exc.strerror}); choose another --out") from exc
    all_quads = sorted_quads(quads)
    triples = sorted_triples(all_quads)
    prefixes = dict(PREFIXES)
    paths: dict[str, Path] = {}

    def emit(kind: str, data: list[Triple] | list[Quad], fmt: RdfFormat) -> None:
        path = out_dir / FILES[kind]
        write_atomic(path, lambda fh: serialize(data, fh, fmt, prefixes=prefixes))
        paths[kind] = path

    emit("turtle", triples, RdfFormat.TURTLE)
    emit("trig", all_quads, RdfFormat.TRIG)
    emit("ntriples", triples, RdfFormat.N_TRIPLES)
    emit("jsonld", triples, RdfFormat.JSON_LD)
    return paths


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through `write(file)` into a temporary file beside `path`, fsync, then rename it over `path`."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write here ({exc.strerror}); check the folder's permissions") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; outputs are ordinary files
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"{path}: writing failed ({exc.strerror}); the previous file is unchanged") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def iter_file_quads(path: Path) -> Iterator[Quad]:
    """Read a file written by `write_outputs` (or any RDF file pyoxigraph knows) back as quads."""
    from pyoxigraph import parse

    fmt = RdfFormat.from_extension(Path(path).suffix.lstrip(".")) or RdfFormat.TURTLE
    yield from parse(path=str(path), format=fmt)
