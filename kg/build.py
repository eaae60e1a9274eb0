"""`kg.build`: summaries in, graph files out. The one function the `kg build` command and a notebook both call.

Stages run left to right: ingest -> extract -> link -> graph -> validate (per document, in chunks, see
`kg.parallel`) -> outputs (RDF files, the embedded store, the network page). A file that cannot be read is reported
and skipped; everything else is still built. Every output is replaced only when it is complete, so an interrupted
build leaves the previous outputs as they were.

The build streams: the per-document work runs in chunks (in this process, a process pool or a dask cluster) and
returns compact bytes, which are spooled to a work folder inside the output folder, so memory stays flat however
many summaries there are. The sorted outputs come from an external merge: each chunk brings its flat triples as a
sorted run of N-Triples lines, runs are merged into `graph.nt`, and Turtle and JSON-LD are streamed from it; TriG
is streamed from the spooled N-Quads, document by document in graph order. The store is bulk-loaded from the same
spool files. The bytes are those `kg.outputs.rdf.write_outputs` writes for the same quads, whatever the executor.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, overload

from kg import _make_callable
from kg.errors import InputError, OutputError, ValidationFailed
from kg.ingest import Document, expand_paths, read_source
from kg.records import Record

if TYPE_CHECKING:
    from kg.outputs.remote import GraphSender

LAST_BUILD_POINTER = Path.home() / ".cache" / "rare-kg" / "last-build"
RUN_BYTES = 32 * 1024 * 1024  # runs are consolidated in memory this many bytes at a time
# The store is loaded this many bytes at a time. Larger slices mean fewer files for RocksDB to compact while the
# build runs: 96 MB slices took 45.5 CPU s against 55.2 for 32 MB on the 10k graph (BENCHMARKS.md).
STORE_SLICE_BYTES = 96 * 1024 * 1024
STORE_QUEUE = 2  # slices waiting for the store's loader thread before the build waits for it (memory bound)
# A rebuild that changes at most this share of the documents (or UPDATE_MIN of them) updates a copy of the current
# store document by document (a transaction each, about 7x the CPU of bulk loading one) instead of loading all.
UPDATE_SHARE = 0.05
UPDATE_MIN = 64
UPDATE_BATCH = 256  # documents replaced per call, so that only their quads are held as objects
_OUTPUT_LIBRARIES = ("networkx", "jinja2")  # draw the page: their versions are part of the outputs' key
_OUR_ERROR = re.compile(r"^kg\.errors\.\w+: ")  # how a side process's traceback names one of our own errors


class RecordsFile(Sequence[Record]):
    """The records of a build, read back from its `records.jsonl` on demand (a large build does not keep them in
    memory). They are the JSON contract: evidence that is not part of it (the condition name's) is absent."""

    def __init__(self, path: Path, count: int) -> None:
        self.path = path
        self._count = count
        self._offsets: list[int] | None = None

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Record]:
        import json

        with open(self.path, "rb") as fh:
            for line in fh:
                yield Record.from_json(json.loads(line))

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        import json

        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        if self._offsets is None:
            self._offsets, pos = [], 0
            with open(self.path, "rb") as fh:
                for line in fh:
                    self._offsets.append(pos)
                    pos += len(line)
        with open(self.path, "rb") as fh:
            fh.seek(self._offsets[index])
            return Record.from_json(json.loads(fh.readline()))


@dataclass
class BuildResult:
    """What a build produced: where, how much, and which inputs were skipped (with the reason).

    `timings` are wall seconds per stage and `cpu` CPU seconds: the per-document stages (ingest, extract, graph,
    validate) summed over every worker, the others (sort, turtle, trig, jsonld, html, ...) as spent by the
    building process's main thread, and `store` the CPU of its other threads (the store's loader, the database's
    own threads), which run beside extraction. `peak_rss` (bytes per stage) is filled when the build was asked to
    measure memory.
    """

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[InputError] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    records: Sequence[Record] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    peak_rss: dict[str, int] = field(default_factory=dict)
    words: int = 0
    workers: int = 1
    reused: int = 0  # documents whose per-document results came from the last build's cache (`kg.cache`)
    store_updated: int | None = None  # documents replaced or removed in a copy of the last store (None: loaded anew)
    remote: str | None = None  # the remote store written to (credentials left out), with what it received
    unchanged: bool = False  # nothing would have changed a byte: the previous build's outputs were kept as they are

    def summary(self) -> str:
        c = self.counts
        lines = [
            f"built {self.out_dir} in {self.seconds:.1f} s",
            f"  documents {c['documents']} (skipped {len(self.problems)}"
            + (f", reused {self.reused} unchanged" if self.reused else "")
            + ")",
            f"  conditions {c['conditions']}, synonyms {c['synonyms']}, risk factors {c['risk_factors']}, "
            f"treatment areas {c['treatment_areas']}, prevalence figures {c['prevalence']}",
            f"  triples {c['triples']} in {c['graphs']} named graphs",
        ]
        lines += [f"  {name}: {path}" for name, path in sorted(self.files.items())]
        if self.unchanged:
            lines.append("  outputs: those of the previous build, kept (nothing in them would change)")
        if self.store_updated is not None:
            lines.append(f"  store: a copy of the previous one, {self.store_updated} documents replaced or removed")
        if self.remote:
            lines.append(f"  remote store: {self.remote}")
        return "\n".join(lines)


def iter_records(
    paths: Iterable[str | Path],
    *,
    encoding: str | None = None,
    on_problem: Callable[[InputError], None] | None = None,
    link: bool = True,
) -> Iterator[Record]:
    """Records for every readable summary under `paths`, in a deterministic order; unreadable files go to
    `on_problem` (one InputError each) and are skipped."""
    from kg import extract
    from kg.link import link_record

    def documents() -> Iterator[Document]:
        for source in expand_paths(paths):
            try:
                yield read_source(source, encoding=encoding)
            except InputError as exc:
                if on_problem:
                    on_problem(exc)

    for doc in documents():
        try:
            record = extract.extract(doc)
        except InputError as exc:
            if on_problem:
                on_problem(exc)
            continue
        yield link_record(record) if link else record


def default_processes() -> int:
    """Worker processes `kg build` uses when not told: one per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def build(
    paths: Iterable[str | Path],
    out: str | Path = "build",
    *,
    encoding: str | None = None,
    strict: bool = False,
    store: bool = True,
    html: bool = True,
    kgx: bool = True,
    validate: bool = True,
    progress: Callable[[int, int], None] | None = None,
    processes: int | None = None,
    executor: str | None = None,
    scheduler: str | None = None,
    remote: str | None = None,
    remote_protocol: str | None = None,
    remote_query: str | None = None,
    chunk_docs: int | None = None,
    measure_memory: bool = False,
    reuse: bool = True,
) -> BuildResult:
    """Build the graph of the summaries under `paths` into the folder `out`.

    Writes graph.ttl (flat, byte-stable), graph.trig (one named graph per summary), graph.nt, graph.jsonld,
    records.jsonl (the `kg extract` records), the KGX node and edge files (rare-kg_nodes.tsv, rare-kg_edges.tsv),
    the embedded store (`store/`) and graph.html. With `strict`, the
    first unreadable input raises InputError instead of being skipped.

    Parallelism: `processes` worker processes on this machine (default: one per CPU; 1 runs everything in this
    process), or `executor="dask"` with `scheduler` the address of a running dask.distributed scheduler. The
    outputs are byte-identical whichever is used. `remote` is the URL of a SPARQL 1.1 store that also receives one
    named graph per summary (`remote_protocol` as `kg.outputs.remote.push_documents` takes it). A rebuild sends
    it only what changed, once the store's query endpoint (`remote_query`, or the one beside `remote` for the
    usual layouts: `kg.outputs.remote.query_url`) confirms it still holds the graphs recorded as sent.
    `measure_memory` records peak memory per stage in `BuildResult.peak_rss` (for benchmarks; Linux only).
    With `reuse`, the per-document results of the last build in `out` are taken again for summaries that did not
    change (nor the code and data that read them, `kg.cache`); the outputs are the same bytes as without it.
    """
    from kg import parallel

    started = time.perf_counter()
    out_dir = Path(out)
    result = BuildResult(out_dir=out_dir)
    sources = list(expand_paths(paths))
    total = len(sources)
    size = max(1, chunk_docs or parallel.CHUNK_DOCS)
    workers = max(1, processes if processes is not None else default_processes())
    # a pool pays for itself only when there is more than one chunk of work
    kind = executor or ("processes" if workers > 1 and total > size else "serial")
    if kind not in parallel.EXECUTORS:
        raise parallel.ExecutorError(f"unknown executor {kind!r}; choose one of {', '.join(parallel.EXECUTORS)}")
    result.workers = workers if kind == "processes" else 1
    clock = parallel.StageClock(memory=measure_memory)
    cpu_started, main_cpu_started = time.process_time(), time.thread_time()
    _make_folder(out_dir)
    lock = _lock_folder(out_dir)  # held until this process ends; released by the kernel even after a SIGKILL
    _remove_leftovers(out_dir)
    cache = _open_cache(out_dir) if reuse else None
    few = max(UPDATE_MIN, int(total * UPDATE_SHARE))  # summaries to redo for which the store is updated
    to_redo = total
    known: dict[str, bytes] = {}  # the keys of the inputs found in the cache while counting: not read again
    if cache is not None:
        # the count decides whether the store is updated and whether the pool is started; with neither to decide,
        # the first input missing from the cache ends it (no quick path then), and the others are read only once
        counted = store or (executor is None and kind == "processes")
        with clock.stage("reuse"):
            to_redo = _to_redo(cache, sources, encoding, validate, limit=max(few, size) if counted else 0, found=known)
    if executor is None and kind == "processes" and to_redo <= size:
        kind = "serial"  # the pool would cost more to start than the little work left
        result.workers = 1
    remote_record = _RemoteRecord(cache, remote, remote_query)
    if cache is not None and total and len(known) == total:
        # every input has a result in the cache: if they are those the last build's outputs were made from, its
        # record says so, and nothing needs to be taken out of the cache at all (nor sent to a remote store that
        # holds every graph of those very inputs)
        try:
            keys = [known[s] for s in sources]
            unchanged = _remote_unchanged(cache, remote_record, keys, result, store=store, html=html, kgx=kgx) and (
                _keep_unchanged(out_dir, cache, keys, result, store=store, html=html, kgx=kgx)
            )
        except BaseException:
            cache.close(succeeded=False)
            lock.close()
            raise
        if unchanged:
            if progress:
                progress(total, total)
            result.reused = cache.reused
            cache.close(succeeded=True)
            lock.close()
            _remember(out_dir)
            return _timed(result, clock, started)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
    input_keys: list[bytes | None] = []  # every input's cache key, in input order: the next build's quick check

    def problem(exc: InputError) -> None:
        if strict:
            raise exc
        result.problems.append(exc)

    # The work goes out in numbered pieces, in input order: a piece is a chunk of summaries for the workers, or a
    # run of summaries whose results are in the cache. A chunk with a few changed summaries is split, so only
    # those are done again (one edit in a chunk of 16 costs one extraction, not 16).
    reused: deque[tuple[int, list[bytes], list[str]]] = deque()  # cached runs: (piece, keys, sources), in order
    keys_of: dict[int, list[bytes | None]] = {}  # the cache keys of the pieces handed out, until they come back

    def tasks() -> Iterator[parallel.Task]:
        piece = 0
        for start in range(0, total, size):
            chunk = sources[start : start + size]
            with clock.stage("read"):
                # a cluster's workers may not see our files, and a cached result must be of the bytes its key
                # hashed: then the bytes are sent; otherwise local workers read the files
                local = kind != "dask" and (cache is None or not cache.active)
                items = tuple(parallel.Item(s) if local or s in known else parallel.read_item(s) for s in chunk)
            if cache is None or not cache.active:
                yield parallel.Task(piece, items, encoding=encoding, validate=validate, measure_memory=measure_memory)
                piece += 1
                continue
            with clock.stage("reuse"):
                keys = [known.pop(i.source, None) or cache.key(i, encoding=encoding, validate=validate) for i in items]
                hits = [cache.has([k]) for k in keys]
                input_keys.extend(keys)
            for hit, group in itertools.groupby(zip(items, keys, hits, strict=True), key=lambda t: t[2]):
                run = list(group)
                if hit:
                    reused.append((piece, [k for _, k, _ in run if k is not None], [i.source for i, _, _ in run]))
                else:
                    keys_of[piece] = [k for _, k, _ in run]
                    part = tuple(i for i, _, _ in run)
                    yield parallel.Task(
                        piece, part, encoding=encoding, validate=validate, measure_memory=measure_memory
                    )
                piece += 1

    def from_cache(piece: int, keys: list[bytes], run: list[str]) -> parallel.ChunkResult:
        assert cache is not None
        with clock.stage("reuse"):
            docs = cache.get(keys)
            if docs is not None:
                return parallel.ChunkResult(piece, tuple(docs), parallel.flat_run(docs))
        # an entry could not be read: the run is made again, here
        items = tuple(parallel.read_item(s) for s in run)
        made = parallel.process_chunk(parallel.Task(piece, items, encoding=encoding, validate=validate))
        cache.put([cache.key(item, encoding=encoding, validate=validate) for item in items], made.docs)
        return made

    def in_order(worked: Iterator[parallel.ChunkResult]) -> Iterator[parallel.ChunkResult]:
        """The workers' chunks with the cached ones put back in their places (and the workers' results stored)."""
        for chunk in worked:
            while reused and reused[0][0] < chunk.index:
                yield from_cache(*reused.popleft())
            keys = keys_of.pop(chunk.index, None)
            if cache is not None and keys is not None:
                with clock.stage("reuse"):
                    cache.put(keys, chunk.docs)
            yield chunk
        while reused:
            yield from_cache(*reused.popleft())

    # with few summaries to redo, the store is updated at the end instead of loaded while the build runs
    db = _StoreWriter(out_dir, update=cache is not None and to_redo <= few) if store else None
    spool = _Spool(work, db, clock)
    page: _Job | None = None
    kgx_job: _Job | None = None
    finisher: ThreadPoolExecutor | None = None
    store_ready: Future[tuple[_Job | None, float]] | None = None
    started_jobs: list[_Job | None] = []  # started by the store's finishing thread: stopped here if the build fails

    def start_kgx(triples: Path) -> None:
        """The KGX files are made from graph.nt as soon as it is merged (sorted by subject, it needs no store), by
        a process reading a second name of the file in the work folder: the first is renamed into place meanwhile."""
        nonlocal kgx_job
        source = work / "kgx-source.nt"
        try:
            os.link(triples, source)
        except OSError:
            return  # a file system without hard links: started from the published graph.nt below
        kgx_job = _Job("kgx", source, out_dir, work)

    succeeded = False
    sender: GraphSender | None = None
    sent_before: dict[bytes, bytes] = {}  # what the remote store was sent by the last builds of this folder
    sent_now: dict[bytes, bytes] = {}  # the graphs it holds from this build, with their digests
    attempted: set[bytes] = set()  # the graphs handed to the sender: in an unknown state if the build fails
    try:
        # each kept document's graph goes to the remote store as soon as it is here, beside the extraction, unless
        # the store already holds those very quads from an earlier build of this folder
        if remote:
            from kg.outputs.remote import GraphSender

            sender = GraphSender(remote, "update" if remote_protocol == "update" else "gsp")
            sent_before = remote_record.checked()
        seen_ids: dict[str, str] = {}
        failed: list[Any] = []
        done = 0
        chunks = in_order(
            parallel.map_chunks(tasks(), executor=kind, processes=workers, scheduler=scheduler, validate=validate)
        )
        for chunk in chunks:
            clock.add(chunk)
            with clock.stage("collect"):
                kept = []
                for doc in chunk.docs:
                    done += 1
                    if progress:
                        progress(done, total)
                    if doc.problem is not None:
                        problem(doc.input_error())
                        continue
                    if doc.id in seen_ids:
                        problem(
                            InputError(
                                doc.source,
                                f"describes the same condition as {seen_ids[doc.id]} "
                                f"({doc.label}); skipped: merge the two files or remove one",
                            )
                        )
                        continue
                    seen_ids[doc.id] = doc.source
                    kept.append(doc)
                    if doc.report is not None:
                        failed.append(doc.report)
                    digest = spool.add(doc)
                    if sender is not None and not failed:  # a document breaking the shapes stops the sending
                        sent_now[doc.graph] = digest
                        if sent_before.get(doc.graph) != digest:
                            attempted.add(doc.graph)
                            triples = parallel.without_graph(doc.nquads, doc.graph, doc.source)
                            sender.send(doc.graph.decode()[1:-1], triples)
                    result.words += doc.words
                    c = result.counts
                    c["documents"] += 1
                    c["conditions"] += 1
                    c["synonyms"] += doc.counts[0]
                    c["risk_factors"] += doc.counts[1]
                    c["treatment_areas"] += doc.counts[2]
                    c["prevalence"] += doc.counts[3]
                dropped = len(kept) < sum(1 for d in chunk.docs if d.problem is None)
                spool.add_run(parallel.flat_run(kept) if dropped else chunk.ntriples)
        if failed:
            report = failed[0]
            for other in failed[1:]:
                report = report.merge(other)
            written = "nothing was written"
            if sender is not None:
                with contextlib.suppress(OutputError):  # the shapes are the error to report
                    sender.close()
                written = f"no file was written; the remote store had already received {sender.graphs} valid graphs"
            raise ValidationFailed(f"the built graph breaks the SHACL shapes ({written}):\n{report.text}")
        if sender is not None:
            # the graphs of summaries gone since the last build (or unreadable now) are removed, as locally
            gone = sorted(g for g in sent_before if g not in sent_now)
            for graph in gone:
                attempted.add(graph)
                sender.send(graph.decode()[1:-1], b"")
            # the last graphs queued (QUEUED at most), before any file is replaced: a store that failed fails the
            # build with the folder as the last build left it
            with clock.stage("remote"):
                sent = sender.close()
                # graphs replaced at the same time may have left a triple in the default graph that no graph holds
                # now (`GraphSender.prune_default_graph`): possible once two or more graphs the store held were replaced
                replaced = sum(1 for g in attempted if g in sent_before)
                if sender.protocol == "update" and sent.graphs > 1 and (not sent_before or replaced > 1):
                    sender.prune_default_graph()
            if cache is not None:
                complete = (
                    None if result.problems else _inputs_key(cache, input_keys, total, store=store, html=html, kgx=kgx)
                )
                cache.set_sent(sender.target.safe_url, sent_now, complete)
            result.remote = (
                f"{sender.target.safe_url} ({len(sent_now)} named graphs: {sent.graphs - len(gone)} sent, "
                f"{len(sent_now) - sent.graphs + len(gone)} unchanged, {len(gone)} removed; {sent.triples} triples; "
                f"{sender.protocol}{remote_record.note})"
            )
        result.counts["graphs"] = len(seen_ids)
        outputs_key = _outputs_key(cache, spool, store=store, html=html, kgx=kgx)
        previous = cache.outputs() if cache is not None and outputs_key is not None else None
        # with a problem input, the next build must read everything again to report it
        inputs = None if result.problems else _inputs_key(cache, input_keys, total, store=store, html=html, kgx=kgx)
        if previous is not None and previous[0] == outputs_key and _kept_outputs(out_dir, previous[1], result):
            result.records = RecordsFile(out_dir / "records.jsonl", len(spool.index))
            result.unchanged = True  # nothing would change a byte: the files and the store are left as they are
            if cache is not None and outputs_key is not None:  # e.g. a problem input gone: quick next time
                cache.set_outputs(outputs_key, {**previous[1], **_result_record(result, inputs)})
        else:
            if cache is not None:
                cache.set_outputs(None, {})  # until every output is written (a failed build is remembered too)
            with clock.stage("sort"):
                spool.close()  # the last slices go to the store too
            if db is not None:
                # the store is finished (its last slices loaded, compacted, swapped in) in another thread while this one
                # merges the runs and writes the files; then the page and the KGX files are made from it, each in its
                # own process
                def finish_store() -> tuple[_Job | None, float]:
                    started = time.perf_counter()
                    db.finish(spool)
                    finishing = time.perf_counter() - started
                    page_job = _Job("page", out_dir, out_dir, work) if html else None
                    started_jobs.append(page_job)
                    return page_job, finishing

                # the jobs die with the thread that started them (PR_SET_PDEATHSIG follows the thread): this one lives
                # until the `finally` below, after the jobs were waited for or stopped
                finisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-store-finish")
                store_ready = finisher.submit(finish_store)
            _write_files(spool, out_dir, result, clock, on_merged=start_kgx if kgx else None)
            if store_ready is not None:
                with clock.stage("store"):  # waiting for it, if the files were done first
                    page, finishing = store_ready.result()
                clock.seconds["store"] += finishing
                result.files["store"] = out_dir / "store"
                result.store_updated = db.replaced if db is not None else None
            if kgx and kgx_job is None:
                kgx_job = _Job("kgx", out_dir / "graph.nt", out_dir, work)
            if html and page is None:
                page = _Job("page", out_dir / "graph.nt", out_dir, work)
            if kgx_job is not None:
                clock.seconds["kgx"], clock.cpu["kgx"], clock.peak["kgx"] = kgx_job.wait()
                result.files["kgx_nodes"] = out_dir / "rare-kg_nodes.tsv"
                result.files["kgx_edges"] = out_dir / "rare-kg_edges.tsv"
            if page is not None:
                clock.seconds["html"], clock.cpu["html"], clock.peak["html"] = page.wait()
                result.files["html"] = out_dir / "graph.html"
            if cache is not None and outputs_key is not None:
                cache.set_outputs(
                    outputs_key, {**_output_identities(out_dir, result), **_result_record(result, inputs)}
                )
        succeeded = True
    finally:
        if sender is not None and not succeeded:
            sender.abandon()
            if cache is not None and attempted:  # sent or not, the next build sends them again
                cache.set_sent(sender.target.safe_url, {**sent_before, **dict.fromkeys(attempted, b"")})
        if cache is not None:
            result.reused = cache.reused
            cache.close(succeeded=succeeded)
        if finisher is not None:
            finisher.shutdown(wait=True)  # the store must be finished or failed before it can be dropped
        for job in (page, kgx_job, *started_jobs):
            if job is not None:
                job.stop()
        spool.abandon()
        if db is not None:
            db.abandon()
        shutil.rmtree(work, ignore_errors=True)
        lock.close()
    _remember(out_dir)
    if db is not None:
        # the store loads in other threads (ours, and the database's own): the process's CPU this thread did not use
        other_threads = (time.process_time() - cpu_started) - (time.thread_time() - main_cpu_started)
        clock.seconds["store"] = clock.seconds.get("store", 0.0) + db.loading_seconds
        clock.cpu["store"] = clock.cpu.get("store", 0.0) + max(0.0, other_threads)
    return _timed(result, clock, started)


def _timed(result: BuildResult, clock: Any, started: float) -> BuildResult:
    result.timings = dict(clock.seconds)
    result.cpu = dict(clock.cpu)
    result.peak_rss = dict(clock.peak)
    result.seconds = time.perf_counter() - started
    return result


# ------------------------------------------------------------------------------------------------------ spooling


class _Spool:
    """Where a build keeps what the workers returned until the outputs are written: the kept documents' quads
    (N-Quads, one sorted block per document, with an index), their records (JSON Lines), and the flat triples as
    sorted runs of N-Triples lines. With a store, the same bytes are bulk-loaded into it slice by slice as they
    arrive (named graphs from the N-Quads, the default graph from the runs), so loading overlaps the extraction and
    its memory stays bounded."""

    def __init__(self, work: Path, store: _StoreWriter | None, clock: Any) -> None:
        self.work = work
        self.store = store
        self.clock = clock
        self.quads_path = work / "quads.nq"
        self.runs_path = work / "runs.nt"
        self.triples_path = work / "graph.nt"
        self.records_path = work / "records.jsonl"
        self.blocks_path = work / "blocks.trig"
        self._quads = open(self.quads_path, "wb")  # noqa: SIM115 - closed in close()/abandon()
        self._blocks = open(self.blocks_path, "wb")  # noqa: SIM115
        self._records = open(self.records_path, "wb")  # noqa: SIM115
        self._runs = open(self.runs_path, "wb")  # noqa: SIM115
        self.index: list[tuple[bytes, int, int]] = []  # (graph term, offset, length) per kept document
        self.blocks: list[tuple[bytes, int, int]] = []  # the same for its TriG block
        self.contents = hashlib.sha256()  # of the kept documents' graph terms, N-Quads and records, in order
        self.runs: list[tuple[int, int]] = []
        self._pending: list[bytes] = []
        self._pending_size = 0
        # the named graphs' N-Quads, and the consolidated runs for the default graph (the union: a triple loaded
        # twice, from two runs, is stored once), each waiting for its next slice
        loading = store is not None and not store.update
        self._named = _Slices(store, named=True) if store is not None and loading else None
        self._default = _Slices(store, named=False) if store is not None and loading else None
        self._quads_end = 0
        self._blocks_end = 0
        self._runs_end = 0

    def add(self, doc: Any) -> bytes:
        """Spool one kept document; returns the SHA-256 of its N-Quads."""
        digest = hashlib.sha256(doc.nquads).digest()
        if self.store is not None:
            self.store.note(digest)
        # every output is made from these bytes alone (given the code and the options)
        self.contents.update(len(doc.graph).to_bytes(4, "big") + doc.graph + digest)
        self.contents.update(hashlib.sha256(doc.record_json).digest())
        self._records.write(doc.record_json)
        self._quads.write(doc.nquads)
        self.index.append((doc.graph, self._quads_end, len(doc.nquads)))
        self._quads_end += len(doc.nquads)
        self._blocks.write(doc.trig)
        self.blocks.append((doc.graph, self._blocks_end, len(doc.trig)))
        self._blocks_end += len(doc.trig)
        if self._named is not None:
            self._named.add(doc.nquads)
        return digest

    def add_run(self, run: bytes) -> None:
        if run:
            self._pending.append(run)
            self._pending_size += len(run)
            if self._pending_size >= RUN_BYTES:
                self._flush_runs()

    def _flush_runs(self) -> None:
        if not self._pending:
            return
        with self.clock.stage("sort"):
            if len(self._pending) == 1:
                data = self._pending[0]
            else:
                lines = b"".join(self._pending).splitlines(keepends=True)
                lines.sort()  # Timsort merges the already-sorted runs
                data = b"".join(dict.fromkeys(lines))
            self._pending, self._pending_size = [], 0
            self._runs.write(data)
            self.runs.append((self._runs_end, len(data)))
            self._runs_end += len(data)
        if self._default is not None:
            self._default.add(data)

    def close(self) -> None:
        """Flush everything to disk (and the last slices to the store)."""
        if self._quads.closed:
            return
        self._flush_runs()
        for slices in (self._named, self._default):
            if slices is not None:
                slices.flush()
        for fh in (self._quads, self._records, self._runs):
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
        self._blocks.close()  # read back by this build only: no need to sync it

    def abandon(self) -> None:
        for fh in (self._quads, self._records, self._runs, self._blocks):
            fh.close()

    def merge(self) -> int:
        """Merge the runs into `graph.nt` (unique lines, sorted); returns the number of triples."""
        self.close()
        count = 0
        block = max(16 * 1024, min(1024 * 1024, (256 * 1024 * 1024) // max(1, len(self.runs))))
        with open(self.runs_path, "rb") as runs, open(self.triples_path, "wb") as out:
            fd = runs.fileno()
            last = None
            buf: list[bytes] = []
            for line in heapq.merge(*(_run_lines(fd, off, n, block) for off, n in self.runs)):
                if line != last:
                    buf.append(line)
                    last = line
                    count += 1
                    if len(buf) >= 65536:
                        out.write(b"".join(buf))
                        buf.clear()
            out.write(b"".join(buf))
            out.flush()
            os.fsync(out.fileno())
        os.unlink(self.runs_path)
        return count

    def write_trig(self, out: IO[bytes]) -> None:
        """graph.trig: the prefix lines, then the documents' TriG blocks ordered by graph name, which is what
        serialising all their quads in that order writes (`kg.outputs.rdf.trig_block`)."""
        from kg.outputs.rdf import trig_header

        self.close()
        if not self.blocks:
            return
        out.write(trig_header())
        with open(self.blocks_path, "rb") as fh:
            for _, offset, length in sorted(self.blocks):
                out.write(os.pread(fh.fileno(), length, offset))

    def documents(self, batch: int) -> Iterator[list[tuple[bytes, bytes]]]:
        """(graph term, N-Quads) of the kept documents, in input order, `batch` at a time."""
        with open(self.quads_path, "rb") as fh:
            for start in range(0, len(self.index), batch):
                yield [(g, os.pread(fh.fileno(), n, off)) for g, off, n in self.index[start : start + batch]]


def _run_lines(fd: int, offset: int, length: int, block: int) -> Iterator[bytes]:
    """The lines of one sorted run inside the runs file, read `block` bytes at a time."""
    end = offset + length
    rest = b""
    while offset < end:
        data = os.pread(fd, min(block, end - offset), offset)
        if not data:
            break
        offset += len(data)
        lines = (rest + data).splitlines(keepends=True)
        rest = lines.pop() if not lines[-1].endswith(b"\n") else b""
        yield from lines
    if rest:
        yield rest


# ------------------------------------------------------------------------------------------------------ outputs


def _lock_folder(out_dir: Path) -> IO[bytes]:
    """An exclusive lock on the output folder: two builds writing one folder would mix their outputs, and the
    lock is what makes it safe to delete what dead builds left behind."""
    import fcntl

    fh = open(out_dir / ".kg-build.lock", "ab")  # noqa: SIM115 - kept open for the whole build
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise OutputError(
            f"{out_dir}: another kg build is writing this folder; wait for it or choose another --out"
        ) from None
    return fh


def _remove_leftovers(out_dir: Path) -> None:
    """Spool folders and temporary files of builds that were killed (we hold the folder's lock: none is live)."""
    for path in out_dir.iterdir():
        if path.name.startswith(".build-") and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".") and path.name.endswith(".tmp"):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _make_folder(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder ({exc.strerror}); choose another --out") from exc


def _write_files(
    spool: _Spool, out_dir: Path, result: BuildResult, clock: Any, on_merged: Callable[[Path], None] | None = None
) -> None:
    """graph.nt from the merged runs, Turtle and JSON-LD streamed from it, TriG from the spooled quads, and
    records.jsonl; each replaces the previous file only when complete. `on_merged` gets graph.nt's path in the
    work folder as soon as it is complete."""
    from pyoxigraph import RdfFormat, parse, serialize

    from kg.outputs.rdf import FILES, write_atomic
    from kg.vocab import PREFIXES

    prefixes = dict(PREFIXES)
    with clock.stage("sort"):
        result.counts["triples"] = spool.merge()
    if on_merged is not None:
        on_merged(spool.triples_path)

    def from_triples(fh: IO[bytes], fmt: RdfFormat) -> None:
        serialize(parse(path=str(spool.triples_path), format=RdfFormat.N_TRIPLES), fh, fmt, prefixes=prefixes)

    for kind, write in (
        ("turtle", lambda fh: from_triples(fh, RdfFormat.TURTLE)),
        ("trig", spool.write_trig),
        ("jsonld", lambda fh: from_triples(fh, RdfFormat.JSON_LD)),
    ):
        with clock.stage(kind):
            path = out_dir / FILES[kind]
            write_atomic(path, write)
            result.files[kind] = path
    # graph.nt and records.jsonl are already complete (and synced) in the work folder: rename them into place
    with clock.stage("sort"):
        nt = out_dir / FILES["ntriples"]
        _publish(spool.triples_path, nt)
        result.files["ntriples"] = nt
    with clock.stage("records"):
        records = out_dir / "records.jsonl"
        _publish(spool.records_path, records)
        result.files["records"] = records
        result.records = RecordsFile(records, len(spool.index))


def _publish(done: Path, final: Path) -> None:
    try:
        os.chmod(done, 0o666 & ~_umask())
        os.replace(done, final)
    except OSError as exc:
        raise OutputError(f"{final}: writing failed ({exc.strerror}); the previous file is unchanged") from exc


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Slices:
    """Bytes gathered for the store until a slice is full (`STORE_SLICE_BYTES`), then handed to its loader."""

    def __init__(self, store: _StoreWriter, *, named: bool) -> None:
        self.store, self.named = store, named
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)
        if self.size >= STORE_SLICE_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.store.load(b"".join(self.parts), named=self.named)
        self.parts, self.size = [], 0


class _StoreWriter:
    """The store generation a full build fills: created beside the current one, bulk-loaded slice by slice while
    the build runs, and swapped in with one rename at the end (the layout of `kg.outputs.store.write_store`, which
    replaces documents one at a time and is the way for small updates). Until then readers see the old store.

    Slices load in a thread of their own (Oxigraph releases the GIL while it loads), so the build goes on handing
    out and collecting chunks meanwhile: loaded in the build's own thread, each slice stalled it for seconds, and
    the workers ran out of work and waited. At most `STORE_QUEUE` slices wait; then the build waits for the
    loader. A slice that fails to load raises its OutputError at the next `load` or at `finish`."""

    def __init__(self, build_dir: Path, *, update: bool = False) -> None:
        from kg.outputs import store as st

        self.build_dir = build_dir
        self.current = st._adopt_plain_store_dir(build_dir)
        # `update`: few documents are expected to change, so nothing is loaded while the build runs; at the end a
        # copy of the current store gets the changed documents (`_update`), if its record of documents is there
        self.update = update and self.current is not None and (self.current / st.DOCUMENTS_FILE).is_file()
        self.digests: list[bytes] = []  # SHA-256 of each kept document's N-Quads, in the spool's order
        numbers = [st._generation_number(p) for p in build_dir.iterdir()]
        number = max([n for n in numbers if n is not None] or [0]) + 1
        self.final = build_dir / f".store-{number:05d}"
        self.tmp = build_dir / f".store-{number:05d}.tmp"
        self._db: Any = None
        self._loader: Any = None  # a one-thread executor, started with the first slice
        self._queued: deque[Any] = deque()  # futures of the slices handed to it, oldest first
        self.loading_seconds = 0.0  # wall seconds the loader spent loading (it overlaps the extraction)
        self.replaced: int | None = None  # documents replaced in a copy of the current store (None: loaded anew)

    def _open(self) -> Any:
        if self._db is None:
            from kg.outputs.store import open_store

            shutil.rmtree(self.tmp, ignore_errors=True)
            self._db = open_store(self.tmp)
        return self._db

    def note(self, digest: bytes) -> None:
        """(For every kept document, in the spool's order) remember its N-Quads' SHA-256 for the record of
        documents."""
        self.digests.append(digest)

    def load(self, data: bytes, *, named: bool) -> None:
        """Queue a slice for the loader thread: N-Quads (`named`: the documents' graphs) or N-Triples (into the
        default graph)."""
        if self._loader is None:
            self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-store")
        while len(self._queued) >= STORE_QUEUE:
            self._queued.popleft().result()
        self._queued.append(self._loader.submit(self._load_now, data, named))

    def _load_now(self, data: bytes, named: bool) -> None:
        """(In the loader thread) bulk-load one slice; `lenient` skips re-checking IRIs our serializer wrote."""
        from pyoxigraph import RdfFormat

        started = time.perf_counter()
        fmt = RdfFormat.N_QUADS if named else RdfFormat.N_TRIPLES
        try:
            self._open().bulk_load(data, format=fmt, lenient=True)
        except OSError as exc:
            raise OutputError(
                f"{self.build_dir}: cannot write the store ({exc}); the previous store is untouched"
            ) from exc
        finally:
            self.loading_seconds += time.perf_counter() - started

    def _stop_loader(self, *, drain: bool) -> None:
        """Wait for the queued slices (`drain`: raising the first failure) or drop them, and end the thread."""
        try:
            while drain and self._queued:
                self._queued.popleft().result()
        finally:
            for future in self._queued:
                future.cancel()
            self._queued.clear()
            if self._loader is not None:
                self._loader.shutdown(wait=True)
                self._loader = None

    def finish(self, spool: _Spool) -> Path:
        import gc

        from kg.outputs import store as st

        build_dir, link = self.build_dir, self.build_dir / st.STORE_LINK
        self._stop_loader(drain=True)
        try:
            updated = self.update and self._update(spool)
            if self.update and not updated:  # too many changes, or the store is not what its record says
                self._load_all(spool)
            db = self._open()
            db.flush()
            if not updated:
                db.optimize()  # compacting a copy that changed in a few documents would rewrite all of it
            st.write_documents(self.tmp, len(db), zip((g for g, _, _ in spool.index), self.digests, strict=True))
            self._db = db = None
            gc.collect()  # the RocksDB handle must be closed before its folder is renamed
            os.rename(self.tmp, self.final)
            tmp_link = build_dir / ".store-link.tmp"
            if tmp_link.is_symlink() or tmp_link.exists():
                tmp_link.unlink()
            os.symlink(self.final.name, tmp_link)
            os.replace(tmp_link, link)
            st._fsync_dir(build_dir)
        except OSError as exc:
            raise OutputError(f"{build_dir}: cannot write the store ({exc}); the previous store is untouched") from exc
        st._prune_generations(build_dir, keep={self.final, self.current} if self.current else {self.final})
        return self.final

    def _update(self, spool: _Spool) -> bool:
        """Make the new generation a copy of the current store (RocksDB's checkpoint: hard links) with the
        documents that changed replaced and those no longer built removed; False, with nothing made, when more
        than UPDATE_SHARE of the documents changed or the store does not hold what its record says."""
        from pyoxigraph import NamedNode, RdfFormat, Store, parse

        from kg.outputs import store as st

        assert self.current is not None
        record = st.read_documents(self.current)
        if record is None:
            return False
        quads, before = record
        now = {graph: (digest, off, n) for (graph, off, n), digest in zip(spool.index, self.digests, strict=True)}
        changed = [g for g, (digest, _, _) in now.items() if before.get(g) != digest]
        removed = [g for g in before if g not in now]
        if len(changed) + len(removed) > max(UPDATE_MIN, int(len(now) * UPDATE_SHARE)):
            return False
        source = Store.read_only(str(self.current))
        if len(source) != quads:  # written since (by hand, or a `kg serve --writable` the record missed)
            return False
        shutil.rmtree(self.tmp, ignore_errors=True)
        source.backup(str(self.tmp))
        del source
        from kg.outputs.store import open_store

        self._db = db = open_store(self.tmp)
        todo = [*changed, *removed]
        with open(spool.quads_path, "rb") as fh:
            for start in range(0, len(todo), UPDATE_BATCH):  # a few documents' quads in memory at a time
                documents: dict[Any, list[Any]] = {}
                for g in todo[start : start + UPDATE_BATCH]:
                    _, off, n = now.get(g, (b"", 0, 0))  # a removed document: no quads
                    data = os.pread(fh.fileno(), n, off) if n else b""
                    documents[NamedNode(g[1:-1].decode())] = list(parse(data, RdfFormat.N_QUADS)) if n else []
                st.replace_documents(db, documents)
        self.replaced = len(todo)
        return True

    def _load_all(self, spool: _Spool) -> None:
        """Bulk-load every kept document from the spool (what the build does while it runs, when not updating)."""
        from kg import parallel

        named, default = _Slices(self, named=True), _Slices(self, named=False)
        for batch in spool.documents(256):
            for graph, nquads in batch:
                named.add(nquads)
                default.add(parallel.without_graph(nquads, graph, graph.decode()))
        named.flush()
        default.flush()
        self._stop_loader(drain=True)

    def abandon(self) -> None:
        """Drop an unfinished generation (after an error); a finished one is left alone."""
        import gc

        self._stop_loader(drain=False)
        self._db = None
        gc.collect()
        shutil.rmtree(self.tmp, ignore_errors=True)


class _Job:
    """Work a separate Python process does beside the file writing (pure-Python work that would otherwise run after
    everything else): "page" draws graph.html, "kgx" writes the KGX files; both read a finished store or graph file.
    The process dies with the build (a killed build leaves nothing running)."""

    def __init__(self, kind: str, source: Path, out_dir: Path, work: Path) -> None:
        import subprocess

        import kg

        self.kind = kind
        self.started = time.perf_counter()
        self.log = work / f"{kind}.log"
        self.peak = work / f"{kind}.peak"  # the process's own peak memory, written by it when done
        env = dict(os.environ)
        package_root = str(Path(kg.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        code = (
            "import sys; from kg.parallel import die_with_parent; die_with_parent(int(sys.argv[4])); "
            "from kg.build import _run_job; _run_job(sys.argv[1], sys.argv[2], sys.argv[3]); "
            "from kg.parallel import peak_rss; open(sys.argv[5], 'w').write(str(peak_rss()))"
        )
        with open(self.log, "wb") as log:
            # -P: the working folder does not go first on the path, so a folder named `kg` there cannot stand in for us
            argv = [sys.executable, "-P", "-c", code, kind, str(source), str(out_dir), str(os.getpid()), str(self.peak)]
            self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log, env=env)

    def wait(self) -> tuple[float, float, int]:
        """Wall seconds, CPU seconds and peak memory of the process; OutputError if it failed."""
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        if self.proc.returncode != 0:
            text = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            what = "graph.html could not be drawn" if self.kind == "page" else "the KGX files could not be written"
            last = text[-1] if text else "the process failed"
            # our own errors are sentences for the user already: without the traceback's "kg.errors.OutputError: "
            raise OutputError(f"{what}: {_OUR_ERROR.sub('', last)}")
        # the process's own count: the kernel's ru_maxrss keeps the building process's size from before the exec
        try:
            peak = int(self.peak.read_text(encoding="ascii"))
        except (OSError, ValueError):
            peak = usage.ru_maxrss * 1024
        return (time.perf_counter() - self.started, usage.ru_utime + usage.ru_stime, peak)

    def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            self.proc.wait()


def _run_job(kind: str, source: str, out_dir: str) -> None:
    """(In a job process) the network page or the KGX files of a build folder's store or an RDF file."""
    from kg.outputs.store import open_graph

    if kind == "kgx" and Path(source).suffix == ".nt":
        from kg.outputs.kgx import write_kgx_ntriples

        write_kgx_ntriples(Path(source), Path(out_dir))  # a build's sorted graph.nt, streamed: no store needed
        return
    graph = open_graph(Path(source))
    if kind == "page":
        from kg.outputs.viz import write_html

        write_html(graph, Path(out_dir) / "graph.html")
    else:
        from kg.outputs.kgx import write_kgx

        write_kgx(graph, Path(out_dir))


def _outputs_base(cache: Any, *, store: bool, html: bool, kgx: bool) -> Any:
    """A hash of the code and data (the cache's fingerprint) and of which outputs were asked for."""
    from importlib import metadata

    digest = hashlib.sha256(cache.fingerprint)
    # the libraries that draw the page, besides those of the per-document work (already in the fingerprint)
    versions = {name: metadata.version(name) for name in _OUTPUT_LIBRARIES}
    digest.update(json.dumps([{"store": store, "html": html, "kgx": kgx}, versions], sort_keys=True).encode())
    return digest


def _outputs_key(cache: Any, spool: _Spool, *, store: bool, html: bool, kgx: bool) -> bytes | None:
    """What every output of a build is made from: the code and data, which outputs were asked for, and the kept
    documents' N-Quads and records in order. None without a cache to remember it in."""
    if cache is None or not cache.active:
        return None
    digest = _outputs_base(cache, store=store, html=html, kgx=kgx)
    digest.update(spool.contents.digest())
    return digest.digest()


def _inputs_key(
    cache: Any, keys: Sequence[bytes | None], total: int, *, store: bool, html: bool, kgx: bool
) -> str | None:
    """What every output of a build is made from, as known before anything is taken out of the cache: the code,
    the outputs asked for, and every input's cache key in order (each a hash of the input's path and bytes, of
    the code and of the per-document options: a cached result is a function of its key). None unless every
    input has a key."""
    if cache is None or not cache.active or not total or len(keys) != total or any(k is None for k in keys):
        return None
    digest = _outputs_base(cache, store=store, html=html, kgx=kgx)
    for key in keys:
        digest.update(key or b"")
    return digest.hexdigest()


def _result_record(result: BuildResult, inputs: str | None) -> dict[str, Any]:
    """What a build kept as it was reports, besides its files: the inputs' key and the counts."""
    return {"inputs": inputs, "counts": dict(result.counts), "words": result.words}


class _RemoteRecord:
    """What this folder recorded sending to the remote store (`kg.cache`), checked against the graphs the store
    says it holds, at most once per build: a store emptied, restarted without its data, or pruned by someone
    else since is then sent again what it lost, instead of being trusted to hold it. The check lists graph names
    only, so an edit inside a graph is not seen (`--no-cache` sends everything again)."""

    def __init__(self, cache: Any, remote: str | None, query: str | None) -> None:
        self.cache, self.remote, self.query = cache, remote, query
        self.url: str | None = None
        self.note = ""  # what the check found, for the build's summary line
        self._checked: dict[bytes, bytes] | None = None
        if remote is not None:
            from kg.outputs.remote import safe_url

            self.url = safe_url(remote)

    def checked(self) -> dict[bytes, bytes]:
        """The record (graph -> digest), with a digest of b"" (unknown: send again) for each graph the store no
        longer holds; the record as it is when the store's query endpoint is not known."""
        if self._checked is not None:
            return self._checked
        record: dict[bytes, bytes] = self.cache.sent(self.url) if self.cache is not None and self.url else {}
        if record and self.remote is not None:
            from kg.outputs import remote as rm

            query = self.query or rm.query_url(self.remote)
            if query is None:
                self.note = "; not checked for lost graphs: give its query endpoint with --store-query"
            else:
                held = rm.graphs_held(query)
                lost = [g for g, digest in record.items() if digest and g.decode()[1:-1] not in held]
                for graph in lost:
                    record[graph] = b""
                if lost:
                    self.note = f"; {len(lost)} graphs recorded as sent were missing from it"
        self._checked = record
        return record


def _remote_unchanged(
    cache: Any, record: _RemoteRecord, keys: list[bytes], result: BuildResult, *, store: bool, html: bool, kgx: bool
) -> bool:
    """Without a remote store, True; with one, does it hold every graph of a build of exactly these inputs
    (then `result` says so)?"""
    if record.url is None:
        return True
    inputs = _inputs_key(cache, keys, len(keys), store=store, html=html, kgx=kgx)
    if inputs is None or cache.sent_inputs(record.url) != inputs:
        return False
    if not all(record.checked().values()):  # the store lost some of them
        return False
    result.remote = f"{record.url} (nothing sent: it holds every graph of these summaries{record.note})"
    return True


def _keep_unchanged(
    out_dir: Path, cache: Any, keys: list[bytes], result: BuildResult, *, store: bool, html: bool, kgx: bool
) -> bool:
    """Did the last build read exactly these inputs, with the same code and options, and are its outputs all
    still as it wrote them? Then they are kept, and `result` reports them, without reading a cached result."""
    previous = cache.outputs()
    inputs = _inputs_key(cache, keys, len(keys), store=store, html=html, kgx=kgx)
    if previous is None or inputs is None or previous[1].get("inputs") != inputs:
        return False
    try:
        counts = {str(k): int(v) for k, v in previous[1]["counts"].items()}
        words = int(previous[1]["words"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    if not _kept_outputs(out_dir, previous[1], result):
        return False
    for name, count in counts.items():  # set, not added (as Counter.update would)
        result.counts[name] = count
    result.words = words
    result.records = RecordsFile(out_dir / "records.jsonl", counts.get("documents", 0))
    result.unchanged = True
    cache.keep(keys)
    return True


def _identity(path: Path) -> list[int]:
    """What changes when a file is written again, replaced or edited (as `make` and git's index tell)."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _output_identities(out_dir: Path, result: BuildResult) -> dict[str, Any]:
    """Each output a build wrote, by kind: its name in `out_dir` and identity; for the store, the generation the
    link points to, the identity of that generation's record of documents (`kg serve --writable` drops it) and of
    its folder (opened for writing, RocksDB starts a new log file there; opened read-only, it writes nothing)."""
    from kg.outputs.store import DOCUMENTS_FILE

    files: dict[str, Any] = {}
    for kind, path in result.files.items():
        if kind == "store":
            target = os.readlink(path)
            files[kind] = [target, *_identity(out_dir / target / DOCUMENTS_FILE), *_identity(out_dir / target)]
        else:
            files[kind] = [path.name, *_identity(out_dir / path.name)]
    return {"triples": result.counts["triples"], "files": files}


def _kept_outputs(out_dir: Path, saved: dict[str, Any], result: BuildResult) -> bool:
    """Are the outputs the last build wrote all still there, untouched? If so, they go into `result`."""
    from kg.outputs.store import DOCUMENTS_FILE, STORE_LINK

    files: dict[str, Path] = {}
    try:
        for kind, (name, *identity) in saved["files"].items():
            if kind == "store":
                if os.readlink(out_dir / STORE_LINK) != name:
                    return False
                if [*_identity(out_dir / name / DOCUMENTS_FILE), *_identity(out_dir / name)] != identity:
                    return False
                files[kind] = out_dir / STORE_LINK
            else:
                if _identity(out_dir / name) != identity:
                    return False
                files[kind] = out_dir / name
        triples = int(saved["triples"])
    except (OSError, KeyError, TypeError, ValueError):  # missing, or a record in another shape: write them all again
        return False
    result.files.update(files)
    result.counts["triples"] = triples
    return True


def _open_cache(out_dir: Path) -> Any:
    """The folder's cache of per-document results (`kg.cache.DocumentCache`), or None if it cannot be had."""
    from kg.cache import DocumentCache

    return DocumentCache.open(out_dir)


def _to_redo(
    cache: Any, sources: list[str], encoding: str | None, validate: bool, limit: int, found: dict[str, bytes]
) -> int:
    """How many inputs lack a result in the cache, counted up to `limit + 1` (each file is read once more, hashed
    and looked up; an empty cache, or standard input, which can be read only once, counts as all). The keys of
    the inputs found go into `found`: the build takes their results without reading them again."""
    from kg import parallel

    if not len(cache) or "-" in sources:
        return len(sources)
    missing = 0
    for source in sources:
        key = cache.key(parallel.read_item(source), encoding=encoding, validate=validate)
        if key is not None and cache.has([key]):
            found[source] = key
        else:
            missing += 1
        if missing > limit:
            break
    return missing


def _remember(out_dir: Path) -> None:
    """Record the last build folder so `kg query`/`kg viz` can default to it."""
    try:
        LAST_BUILD_POINTER.parent.mkdir(parents=True, exist_ok=True)
        LAST_BUILD_POINTER.write_text(str(out_dir.resolve()) + "\n", encoding="utf-8")
    except OSError as exc:  # a read-only home must not fail a build
        print(f"kg: note: could not remember the build folder ({exc.strerror})", file=sys.stderr)


def last_build() -> Path | None:
    """The folder of the last `kg build`, if it still exists."""
    try:
        path = Path(LAST_BUILD_POINTER.read_text(encoding="utf-8").strip())
    except OSError:
        return None
    return path if path.is_dir() else None


# `kg.build(...)` calls this module's entry point (see kg/__init__.py)
_make_callable(__name__)
