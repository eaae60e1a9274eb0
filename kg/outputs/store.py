"""The persistent embedded store of a build (Oxigraph via pyoxigraph), and how `--graph` finds a graph.

Layout of a build folder: `BUILD_DIR/store` is a relative symbolic link to a generation folder
`BUILD_DIR/.store-NNNNN` holding an Oxigraph (RocksDB) database. `write_store` fills a new generation beside
the current one and swaps the link with one `os.replace`, so a reader sees either the old store or the new
one, never a half-written one. The previous generation is kept (a running `kg serve` may still read it); older
ones are removed.

Each source document's triples live in its named graph `doc:{record.id}` (docs/model.md). The default graph
holds the set union of every named graph, kept up to date by `replace_documents`, so a query without `GRAPH`
sees the same triples as the flat `graph.ttl` export, each triple once (Oxigraph's own "default graph as
union" option would repeat a shared risk factor's label once per document that mentions it, and inflate every
count over it).
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import shutil
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, Triple

from kg.errors import InputError, OutputError

STORE_LINK = "store"
DOCUMENTS_FILE = "rare-kg-documents.txt"  # in a generation folder: the documents its store holds (write_documents)
DOCUMENTS_HEADER = "rare-kg store documents 1 quads="
_GENERATION = re.compile(r"^\.store-(\d{5})$")

# File suffixes `load_rdf_file` reads, and the parser each one needs.
RDF_SUFFIXES: dict[str, RdfFormat] = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".jsonld": RdfFormat.JSON_LD,
    ".json": RdfFormat.JSON_LD,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".n3": RdfFormat.N3,
}


def open_store(path: Path | None) -> Store:
    """An Oxigraph store: on disk at `path` (created if missing), or in memory when `path` is None."""
    if path is None:
        return Store()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return Store(str(path))
    except OSError as exc:
        hint = (
            "another process has it open; stop it (kg serve --writable?)"
            if "lock" in str(exc).lower()
            else ("check the folder is writable")
        )
        raise OutputError(f"{path}: cannot open the store ({exc}); {hint}") from exc


def replace_documents(store: Store, quads_by_graph: Mapping[NamedNode, Iterable[Quad]]) -> int:
    """Replace each document's named graph by the given quads, and keep the default graph the union of all
    graphs.

    A triple leaves the default graph only when no named graph holds it any more, so a risk factor shared with
    another summary keeps its label. An empty quad list removes the document. Returns the number of quads
    loaded.
    """
    if next(iter(store.quads_for_pattern(None, None, None, None)), None) is None:
        return _load_into_empty(store, quads_by_graph)
    loaded = 0
    for graph in sorted(quads_by_graph, key=lambda g: g.value):
        quads = _checked(graph, quads_by_graph[graph])
        new_triples = {q.triple for q in quads}
        old_triples = [q.triple for q in store.quads_for_pattern(None, None, None, graph)]
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
        for triple in old_triples:
            if triple not in new_triples and not _in_some_named_graph(store, triple):
                store.remove(Quad(triple.subject, triple.predicate, triple.object, DefaultGraph()))
        if quads:
            store.extend(quads)
            store.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in new_triples)
            loaded += len(quads)
    return loaded


def _checked(graph: NamedNode, quads: Iterable[Quad]) -> list[Quad]:
    if not isinstance(graph, NamedNode):
        raise ValueError(f"document graphs must be IRIs, got {graph!r}")
    quads = list(quads)
    for quad in quads:
        if quad.graph_name != graph:
            raise ValueError(f"quad {quad} is not in the graph {graph} it was given for")
    return quads


def _load_into_empty(store: Store, quads_by_graph: Mapping[NamedNode, Iterable[Quad]]) -> int:
    """A fresh store: nothing to retire, so one bulk load (7x faster than a transaction per document)."""
    checked = [_checked(g, quads_by_graph[g]) for g in sorted(quads_by_graph, key=lambda g: g.value)]
    union = {q.triple for quads in checked for q in quads}
    store.bulk_extend(q for quads in checked for q in quads)
    store.bulk_extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in union)
    return sum(map(len, checked))


def _in_some_named_graph(store: Store, triple: Triple) -> bool:
    return any(
        not isinstance(q.graph_name, DefaultGraph)
        for q in store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
    )


def write_store(
    build_dir: Path, quads_by_graph: Mapping[NamedNode, Iterable[Quad]], *, incremental: bool = False
) -> Path:
    """Write the build's store atomically and return the generation folder written.

    `incremental=False` (a full build) starts from an empty store, so documents no longer in the input
    disappear. `incremental=True` starts from a cheap checkpoint (hard links) of the current store and
    replaces only the given documents. Either way the live `BUILD_DIR/store` is swapped in one step at the
    end.
    """
    return swap_in_store(
        build_dir,
        lambda path, current: _fill_database(path, quads_by_graph, checkpoint_of=current if incremental else None),
    )


def write_store_from_files(build_dir: Path, quads: Path, union: Path) -> Path:
    """A full build's store bulk-loaded from files (the fastest way for big builds): `quads` is N-Quads of the
    documents' named graphs, `union` N-Triples of their union (each triple once) for the default graph."""

    def fill(path: Path, current: Path | None) -> None:
        store = open_store(path)
        store.bulk_load(path=str(quads), format=RdfFormat.N_QUADS)
        store.bulk_load(path=str(union), format=RdfFormat.N_TRIPLES)
        store.flush()
        store.optimize()

    return swap_in_store(build_dir, fill)


def swap_in_store(build_dir: Path, fill: Callable[[Path, Path | None], None]) -> Path:
    """The atomic part of every store write: `fill(path, current)` creates a new database at `path` (and closes
    it; `current` is the live generation or None), then `BUILD_DIR/store` is pointed at it in one step.
    On any failure the half-written folder is removed and the live store is untouched."""
    build_dir.mkdir(parents=True, exist_ok=True)
    link = build_dir / STORE_LINK
    current = _adopt_plain_store_dir(build_dir)
    numbers = [_generation_number(p) for p in build_dir.iterdir()]
    number = max([n for n in numbers if n is not None] or [0])
    final = build_dir / f".store-{number + 1:05d}"
    tmp = build_dir / f".store-{number + 1:05d}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        fill(tmp, current)
        gc.collect()  # the RocksDB handle must be closed before its folder is renamed
        os.rename(tmp, final)
        tmp_link = build_dir / ".store-link.tmp"
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        os.symlink(final.name, tmp_link)
        os.replace(tmp_link, link)
        _fsync_dir(build_dir)
    except BaseException as exc:
        traceback.clear_frames(exc.__traceback__)  # release the half-written database before removing it
        gc.collect()
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{build_dir}: cannot write the store ({exc}); the previous one is untouched") from exc
        raise
    _prune_generations(build_dir, keep={final, current} if current else {final})
    return final


def _fill_database(
    path: Path, quads_by_graph: Mapping[NamedNode, Iterable[Quad]], *, checkpoint_of: Path | None
) -> None:
    """Create the database at `path` (from a checkpoint of `checkpoint_of` if given) and load the documents.
    The store is closed when this returns."""
    if checkpoint_of is not None:
        source = Store.read_only(str(checkpoint_of))
        source.backup(str(path))  # hard links: cheap, but blind to writes still in the write-ahead log
        store = open_store(path)
        if len(store) != len(source):  # e.g. written by `kg serve --writable` and not flushed: copy instead
            store.clear()
            store.bulk_extend(source.quads_for_pattern(None, None, None, None))
        del source
    else:
        store = open_store(path)
    replace_documents(store, quads_by_graph)
    store.flush()
    store.optimize()


def write_documents(generation: Path, quads: int, documents: Iterable[tuple[bytes, bytes]]) -> None:
    """Record in a generation folder which documents its store holds: each document graph (its N-Triples term)
    with the SHA-256 of the document's sorted N-Quads, and the number of quads in the store. The next build can
    then update a copy of this store, one changed document at a time, instead of loading every document again
    (`kg.build`). Written before the folder is swapped in; RocksDB leaves files it does not know alone."""
    lines = [f"{DOCUMENTS_HEADER}{quads}\n".encode()]
    lines += sorted(graph + b"\t" + digest.hex().encode() + b"\n" for graph, digest in documents)
    tmp = generation / (DOCUMENTS_FILE + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(b"".join(lines))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, generation / DOCUMENTS_FILE)


def read_documents(generation: Path) -> tuple[int, dict[bytes, bytes]] | None:
    """What `write_documents` recorded: (quads in the store, {graph term: digest}), or None if there is no record
    or it is damaged (the next build then loads every document)."""
    try:
        data = (generation / DOCUMENTS_FILE).read_bytes()
    except OSError:
        return None
    head, _, rest = data.partition(b"\n")
    if not head.startswith(DOCUMENTS_HEADER.encode()) or not head[len(DOCUMENTS_HEADER) :].isdigit():
        return None
    documents: dict[bytes, bytes] = {}
    for line in rest.splitlines():
        graph, tab, digest = line.rpartition(b"\t")
        if not tab or len(digest) != 64 or not graph.startswith(b"<"):
            return None
        try:
            documents[graph] = bytes.fromhex(digest.decode())
        except ValueError:
            return None
    return int(head[len(DOCUMENTS_HEADER) :]), documents


def forget_documents(generation: Path) -> None:
    """Drop the record of a store about to be written by someone else (`kg serve --writable`): the next build
    cannot know what changed in it, so it loads every document again."""
    with contextlib.suppress(FileNotFoundError):
        (generation / DOCUMENTS_FILE).unlink()


def _generation_number(path: Path) -> int | None:
    match = _GENERATION.match(path.name)
    return int(match.group(1)) if match and path.is_dir() and not path.is_symlink() else None


def _adopt_plain_store_dir(build_dir: Path) -> Path | None:
    """The current generation folder; a plain `store/` folder (made by hand or an older build) becomes one."""
    link = build_dir / STORE_LINK
    if link.is_symlink():
        target = link.resolve()
        return target if target.is_dir() else None
    if link.is_dir():
        adopted = build_dir / ".store-00000"
        os.rename(link, adopted)
        writable = open_store(adopted)  # replays and flushes its write-ahead log, which read-only opens skip
        writable.flush()
        del writable
        gc.collect()
        os.symlink(adopted.name, link)
        return adopted
    return None


def _prune_generations(build_dir: Path, keep: set[Path]) -> None:
    keep_resolved = {k.resolve() for k in keep}
    for path in build_dir.iterdir():
        if _generation_number(path) is not None and path.resolve() not in keep_resolved:
            shutil.rmtree(path, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store_path(build_dir: Path) -> Path:
    """The database folder of a build (the link resolved), or the folder itself if it is an Oxigraph
    database."""
    link = build_dir / STORE_LINK
    if link.exists():
        return link.resolve()
    if _is_database(build_dir):
        return build_dir
    raise InputError(
        str(build_dir),
        "no store in this folder; run `kg build` first, or pass --graph an RDF file or build folder",
    )


def _is_database(path: Path) -> bool:
    return (path / "CURRENT").is_file() and any(path.glob("MANIFEST-*"))


def load_store(build_dir: Path, *, writable: bool = False) -> Store:
    """Open the store of a build folder; read-only unless `writable` (many readers may share one store)."""
    path = store_path(build_dir)
    try:
        return Store(str(path)) if writable else Store.read_only(str(path))
    except OSError as exc:
        raise InputError(str(path), f"cannot open the store ({exc}); rebuild it with `kg build`") from exc


def load_rdf_file(path: Path, store: Store | None = None) -> Store:
    """Load an RDF file into `store` (a new in-memory one by default). Named graphs (TriG, N-Quads) are kept
    and also merged into the default graph, so queries without `GRAPH` behave as on a build."""
    fmt = RDF_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(RDF_SUFFIXES))
        raise InputError(str(path), f"unknown RDF file type; use one of {known} or a build folder")
    target = Store() if store is None else store
    staging = Store()  # parsed natively (no Python object per quad); `store` changes only if the whole file reads
    try:
        staging.load(path=str(path), format=fmt)
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(str(path), f"cannot read it as {fmt.name} ({exc})") from exc
    staging.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")  # the union in the default graph
    if store is None:
        return staging
    target.bulk_extend(staging)
    return target


def open_graph(path: Path) -> Store:
    """What `--graph PATH` names: a build folder (its store, read-only) or an RDF file (loaded into
    memory)."""
    if path.is_dir():
        return load_store(path)
    if path.is_file():
        return load_rdf_file(path)
    raise InputError(str(path), "no such file or folder; pass a build folder (see `kg build --out`) or an RDF file")
