"""The per-document work of `kg build` (ingest, extract, link, graph, validate), run in chunks of documents: in this
process, in a pool of worker processes, or on a dask.distributed cluster. Results come back in input order, so a
parallel build writes the same bytes as a sequential one.

Why our own pool rather than spaCy's `nlp.pipe(n_process=N)`: spaCy ships every parsed `Doc` (tokens, spans and
extension data) back to the parent, which then does the rest of the work alone; here each worker runs the whole
per-document pipeline and returns only compact bytes: the record's JSON line and the document's quads as sorted
N-Quads (plus the chunk's flat triples as a sorted N-Triples run, ready for the external merge in `kg.build`).
Measured numbers are in BENCHMARKS.md.

A chunk is a few documents: large enough that validation (SHACL compiled to SPARQL, with a per-call cost) runs on a
batch, small enough that workers stay busy and memory stays flat however many documents a build reads.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kg.errors import InputError, KgError

if TYPE_CHECKING:
    from kg.ingest import Document
    from kg.validate import ValidationReport

EXECUTORS = ("serial", "processes", "dask")
CHUNK_DOCS = 16  # documents per task; also the validation batch (about 5 ms per call to prepare the queries)
# A pool worker is replaced after this many chunks (about 4,000 summaries): spaCy's vocabulary keeps every new
# string it meets (condition names, gene symbols), about 1.3 KB per summary, so a worker's memory would otherwise
# grow with the input; a fresh worker costs about a second of warm-up.
RECYCLE_TASKS = 256
# Imported once by the fork server; with _WARM_ENV set while it starts, importing this module there also builds
# the tables, so every worker is forked ready to work and shares them with the others (copy-on-write).
_PRELOAD = ["kg.parallel"]
_WARM_ENV = "RARE_KG_WARM_FORK_SERVER"


class ExecutorError(KgError):
    """The chosen executor cannot run (dask missing, scheduler unreachable, a worker died)."""


# ------------------------------------------------------------------------------------------------- data passed


@dataclass(frozen=True, slots=True)
class Item:
    """One input of a task: the source path, and its bytes when the worker cannot read the path itself (a
    cluster without the parent's file system); `problem` is the reason it was already found unreadable."""

    source: str
    data: bytes | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Task:
    index: int
    items: tuple[Item, ...]
    encoding: str | None = None
    validate: bool = True
    link: bool = True
    measure_memory: bool = False


@dataclass(frozen=True, slots=True)
class DocResult:
    """What a worker returns for one document. Problems travel as text (InputError does not pickle)."""

    source: str
    problem: str | None = None
    id: str = ""
    label: str = ""
    graph: bytes = b""  # its named graph in N-Triples form, "<https://w3id.org/rare-kg/doc/...>"
    counts: tuple[int, int, int, int] = (0, 0, 0, 0)  # synonyms, risk factors, treatment areas, prevalence
    words: int = 0
    record_json: bytes = b""  # its line of records.jsonl
    nquads: bytes = b""  # its quads, N-Quads lines sorted and unique
    trig: bytes = b""  # the same quads in that order as a TriG block (`kg.outputs.rdf.trig_block`)
    report: ValidationReport | None = None  # set only when its chunk broke the shapes

    def input_error(self) -> InputError:
        return InputError(self.source, self.problem or "unknown problem")


@dataclass(frozen=True, slots=True)
class ChunkResult:
    index: int
    docs: tuple[DocResult, ...]
    ntriples: bytes  # the flat triples of every document in the chunk, N-Triples lines sorted and unique
    seconds: dict[str, float] = field(default_factory=dict)  # wall seconds per stage, in the worker
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per stage, in the worker
    peak_rss: dict[str, int] = field(default_factory=dict)  # bytes, per stage (when measured)
    pid: int = 0


# --------------------------------------------------------------------------------------------- stage clocks


def peak_rss() -> int:
    """This process's peak resident memory in bytes (VmHWM), 0 where /proc is missing."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def reset_peak_rss() -> bool:
    """Start a new peak-memory window (Linux: writing 5 to /proc/self/clear_refs resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class StageClock:
    """Wall seconds, CPU seconds of the calling thread and (when asked) peak resident memory per named stage,
    summed over many calls. CPU seconds matter on a shared machine, where wall time also counts other programs'
    turns; they are the thread's, so work another thread does meanwhile (the build's store loader) is not
    counted in the stage that happens to be open."""

    def __init__(self, memory: bool = False) -> None:
        self.memory = memory
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.peak: dict[str, int] = {}
        self._nested: list[list[float]] = []  # wall and CPU seconds of the stages running inside the open ones

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage; a stage opened inside another counts for itself only, not twice."""
        if self.memory:
            reset_peak_rss()
        started, cpu = time.perf_counter(), time.thread_time()
        self._nested.append([0.0, 0.0])
        try:
            yield
        finally:
            wall, used = time.perf_counter() - started, time.thread_time() - cpu
            inner_wall, inner_cpu = self._nested.pop()
            self.seconds[name] = self.seconds.get(name, 0.0) + wall - inner_wall
            self.cpu[name] = self.cpu.get(name, 0.0) + used - inner_cpu
            if self._nested:
                self._nested[-1][0] += wall
                self._nested[-1][1] += used
            if self.memory:
                self.peak[name] = max(self.peak.get(name, 0), peak_rss())

    def add(self, other: ChunkResult) -> None:
        """Fold in the clocks a worker sent back with its chunk."""
        for mine, theirs in ((self.seconds, other.seconds), (self.cpu, other.cpu)):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0.0) + v
        for k, v in other.peak_rss.items():
            self.peak[k] = max(self.peak.get(k, 0), v)


# ------------------------------------------------------------------------------------------------ the work


def ingest_bytes(source: str, data: bytes, encoding: str | None = None) -> Document:
    """A Document from bytes already read: what `kg.ingest.read_source` does after reading the file (the same
    checks of the name and the size, so a result does not depend on who read the file)."""
    from kg.ingest import document_from_bytes

    return document_from_bytes(source, data, encoding=encoding)


def read_item(source: str) -> Item:
    """The bytes of one input, read here (for workers that cannot see this file system), or why not."""
    from kg.ingest import max_bytes_limit, read_source

    try:
        if source == "-":
            return Item(source, sys.stdin.buffer.read())
        with open(source, "rb") as fh:
            if os.fstat(fh.fileno()).st_size <= max_bytes_limit():
                return Item(source, fh.read())
    except OSError:
        pass
    try:  # read_source knows how to explain every way a file can be unusable
        read_source(source)
    except InputError as exc:
        return Item(source, problem=exc.reason)
    return Item(source, problem="cannot be read")  # pragma: no cover - the file changed between the two reads


def process_chunk(task: Task) -> ChunkResult:
    """Run the per-document stages on one chunk. Pure: the same task always gives the same result."""
    from pyoxigraph import RdfFormat, serialize

    from kg import extract
    from kg.graph import document_graph, record_quads
    from kg.ingest import read_source
    from kg.link import link_record
    from kg.outputs.rdf import trig_block

    clock = StageClock(memory=task.measure_memory)
    docs: list[DocResult] = []
    chunk_quads: list[list[Any]] = []
    for item in task.items:
        if item.problem is not None:
            docs.append(DocResult(item.source, problem=item.problem))
            continue
        try:
            with clock.stage("ingest"):
                document = (
                    read_source(item.source, encoding=task.encoding)
                    if item.data is None
                    else ingest_bytes(item.source, item.data, task.encoding)
                )
                words = len(document.text.split())
            with clock.stage("extract"):
                record = next(extract.extract_documents([document]))
                if task.link:
                    record = link_record(record)
        except InputError as exc:
            docs.append(DocResult(item.source, problem=exc.reason))
            continue
        with clock.stage("graph"):
            quads = record_quads(record)
            graph = str(document_graph(record.id)).encode()
            lines = (serialize(quads, format=RdfFormat.N_QUADS) or b"").splitlines(keepends=True)
            if len(lines) != len(quads):  # pragma: no cover - N-Quads escapes every newline inside a term
                raise ValueError(f"{item.source}: its N-Quads are not one line per quad")
            order = sorted(range(len(lines)), key=lines.__getitem__)
            trig = trig_block([quads[i] for i in order])
            record_json = _json_line(record.to_json())
        chunk_quads.append(quads)
        docs.append(
            DocResult(
                item.source,
                id=record.id,
                label=record.condition.label,
                graph=graph,
                counts=(
                    len(record.synonyms),
                    len(record.risk_factors),
                    len(record.treatment_areas),
                    len(record.prevalence),
                ),
                words=words,
                record_json=record_json,
                nquads=b"".join([lines[i] for i in order]),
                trig=trig,
            )
        )
    with clock.stage("graph"):
        ntriples = flat_run(docs)
    if task.validate and chunk_quads:
        with clock.stage("validate"):
            docs = _validated(docs, chunk_quads)
    return ChunkResult(task.index, tuple(docs), ntriples, clock.seconds, clock.cpu, clock.peak, os.getpid())


def _json_line(data: dict[str, Any]) -> bytes:
    import json

    return (json.dumps(data, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def triple_lines(doc: DocResult) -> list[bytes]:
    """The document's quads as N-Triples lines (its graph name dropped), in the same order."""
    return without_graph(doc.nquads, doc.graph, doc.source).splitlines(keepends=True)


def without_graph(nquads: bytes, graph: bytes, source: str) -> bytes:
    """One document's N-Quads (all in `graph`, its N-Triples term) as N-Triples, in the same order."""
    suffix = b" " + graph + b" .\n"
    # a newline only ends a line in N-Quads (literals escape theirs), so each occurrence of `suffix` ends a line:
    # as many occurrences as lines means every line ends with it, and one replace drops every graph name
    if nquads.count(suffix) != nquads.count(b"\n") or (nquads and not nquads.endswith(b"\n")):
        raise ValueError(f"{source}: a quad outside the document's graph, or a line cut short")
    return nquads.replace(suffix, b" .\n")


def flat_run(docs: Iterable[DocResult]) -> bytes:
    """The flat triples of some documents as one sorted run of unique N-Triples lines.

    Sorting N-Triples lines as bytes gives the order `kg.outputs.rdf.sorted_triples` uses (subject, predicate,
    object by their N-Triples text): subjects and predicates are IRIs that end in '>', and bytes of UTF-8 sort as
    code points do.
    """
    lines: set[bytes] = set()
    for doc in docs:
        if doc.problem is None:
            lines.update(triple_lines(doc))
    return b"".join(sorted(lines))


def _validated(docs: list[DocResult], chunk_quads: list[list[Any]]) -> list[DocResult]:
    """Validate the chunk in one batch; only if it fails, validate each document to say which broke the shapes."""
    from dataclasses import replace

    from kg.validate import validate, validate_documents

    report = validate_documents([q for quads in chunk_quads for q in quads], batch=CHUNK_DOCS)
    if report.conforms:
        return docs
    out, quads_iter = [], iter(chunk_quads)
    for doc in docs:
        if doc.problem is None:
            own = validate(next(quads_iter))
            out.append(doc if own.conforms else replace(doc, report=own))
        else:
            out.append(doc)
    return out


# ------------------------------------------------------------------------------------------------ executors

_WARM_TEXT = (
    "Warmup syndrome (WUS), also known as primer disease, is a rare inherited disorder caused by mutations in the "
    "WRM1 gene, passed on in an autosomal recessive manner. It affects about 1 in 50,000 people. Treatment relies "
    "on physiotherapy and genetic counselling, and antibiotics are not effective.\n"
)


def warm_up(validate: bool = True) -> None:
    """Build every cached table (spaCy pipeline, lexicons, identifier index, SHACL shapes) in this process before
    its first chunk, so that timings of the first chunk are not start-up."""
    task = Task(-1, (Item("warmup-syndrome.txt", _WARM_TEXT.encode()),), validate=validate)
    process_chunk(task)


def die_with_parent(parent: int | None) -> None:
    """(In a helper process) end this process when `parent` dies, even by SIGKILL, so that a killed build leaves
    nothing running and nothing writing (Linux: PR_SET_PDEATHSIG; elsewhere a no-op)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (AttributeError, OSError):
        return
    if parent is not None and os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def map_chunks(
    tasks: Iterable[Task],
    *,
    executor: str = "serial",
    processes: int = 1,
    scheduler: str | None = None,
    window: int | None = None,
    validate: bool = True,
) -> Iterator[ChunkResult]:
    """Results of `process_chunk` for each task, in task order. At most `window` tasks are in flight (default:
    twice the number of workers), so inputs are read only a little ahead of the work."""
    if executor == "serial" or (executor == "processes" and processes <= 1):
        for task in tasks:
            yield process_chunk(task)
    elif executor == "processes":
        yield from _pool(tasks, processes, window or 2 * processes, validate)
    elif executor == "dask":
        if not scheduler:
            raise ExecutorError("--executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
        yield from _dask(tasks, scheduler, window)
    else:
        raise ExecutorError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")


def _windowed(
    tasks: Iterable[Task], submit: Callable[[Task], Any], result: Callable[[Any], ChunkResult], window: int
) -> Iterator[ChunkResult]:
    pending: deque[Any] = deque()
    it = iter(tasks)
    exhausted = False
    while True:
        while not exhausted and len(pending) < window:
            try:
                pending.append(submit(next(it)))
            except StopIteration:
                exhausted = True
        if not pending:
            return
        yield result(pending.popleft())


def _start_worker(validate: bool) -> None:
    """(In a pool worker) die with the pool, and build the tables before the first chunk. The worker's parent is
    the fork server, which itself ends with the build process."""
    os.environ.pop(_WARM_ENV, None)  # meant for the fork server's start only
    die_with_parent(None)
    warm_up(validate)  # already done if the fork server warmed up: then it takes a few milliseconds


def _pool(tasks: Iterable[Task], processes: int, window: int, validate: bool = True) -> Iterator[ChunkResult]:
    """A process pool whose workers come from a fork server (a clean process started before the build opens its
    store, so no worker is forked from a process running database threads) and are replaced every
    `RECYCLE_TASKS` chunks, which keeps their memory flat however long the build."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    context = mp.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(_PRELOAD)
    pool = ProcessPoolExecutor(
        max_workers=processes,
        mp_context=context,
        initializer=_start_worker,
        initargs=(validate,),
        max_tasks_per_child=RECYCLE_TASKS,
    )
    started = False

    def submit(task: Task) -> Any:
        # the fork server starts with the first worker and reads the environment then; no other process should
        nonlocal started
        if started:
            return pool.submit(process_chunk, task)
        os.environ[_WARM_ENV] = f"{'validate' if validate else 'extract'}:{os.getpid()}"
        try:
            return pool.submit(process_chunk, task)
        finally:
            started = True
            os.environ.pop(_WARM_ENV, None)

    try:
        yield from _windowed(tasks, submit, lambda f: f.result(), window)
    except BrokenProcessPool as exc:
        raise ExecutorError(
            "a worker process died (out of memory?); retry with fewer --processes or free some memory"
        ) from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(tasks: Iterable[Task], scheduler: str, window: int | None) -> Iterator[ChunkResult]:
    try:
        from distributed import Client
    except ImportError as exc:
        raise ExecutorError("--executor dask needs dask.distributed: pip install 'rare-kg[dask]'") from exc
    try:
        client = Client(scheduler, timeout=15, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(f"cannot reach the dask scheduler at {scheduler} ({exc}); is it running?") from exc
    try:
        threads = sum(client.nthreads().values()) or 1
        yield from _windowed(
            tasks,
            lambda t: client.submit(process_chunk, t, pure=False),
            lambda f: f.result(),
            window or 2 * threads,
        )
    finally:
        client.close()


def _warm_fork_server(setting: str) -> None:
    """(In a pool's fork server, as it starts) die with the build even while warming up, which takes a second or
    two and happens before the server listens for its parent's end; then build the tables its workers inherit."""
    mode, _, parent = setting.partition(":")
    if mode not in ("validate", "extract") or not parent.isdigit():
        return
    die_with_parent(int(parent))
    with contextlib.suppress(Exception):  # if this fails, each worker warms itself (see _start_worker)
        warm_up(validate=mode == "validate")


if os.environ.get(_WARM_ENV):  # imported by a pool's fork server as it starts
    _warm_fork_server(os.environ[_WARM_ENV])
