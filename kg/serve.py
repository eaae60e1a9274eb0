"""`kg serve`: a SPARQL 1.1 Protocol endpoint over a built graph, on loopback, read-only by default.

The SPARQL engine and the query page in the browser are Oxigraph's own server (`oxigraph serve-read-only`, from
the `oxigraph` pip package), started as child processes on private loopback ports. In front of them sits a small
HTTP server of ours on the port the user asked for, because the Oxigraph server alone does not enforce what a
shared endpoint needs (measured on oxigraph 0.5.13):

- a time limit that holds. Its `--timeout-s` is checked only between steps of a query's outermost loop, so a
  join over a graph of a few thousand triples, or an aggregate, ORDER BY or COUNT over one, runs on long
  past it; closing the connection does not stop a query that has not started writing its answer either. And
  when `--timeout-s` does fire, the `200 OK` and the start of the results are already sent: the body ends in
  "The SPARQL operation has been cancelled", which a CSV reader takes for data. So each Oxigraph process
  evaluates one request at a time (`EnginePool`), and a request still running `GRACE_S` after its limit has its
  process killed (the only way to stop the query) and replaced; the client gets a clean `503`, as it does for
  the cancelled body;
- result-size limits. The front reads the answer as it streams, counting rows (solutions or triples) as it
  goes; past `max_rows` rows or `max_bytes` bytes it stops reading, ends the engine process and answers `400`
  with the limit and how to raise it;
- read-only: the children are started read-only, and the front also refuses SPARQL Update and Graph Store writes
  itself (`403`), so a mistake in one layer is not enough to change the graph;
- requests from web pages of other sites (a foreign `Origin`, or a `Host` that is not 127.0.0.1/localhost, as in
  DNS rebinding) are refused, since binding to loopback does not keep out the user's own browser; and federated
  queries (SERVICE) are refused, since they would make the engine fetch any URL.

Every server binds 127.0.0.1 only. The front is a thin relay: everything else (content negotiation, the YASGUI
page, GSP reads) is Oxigraph's.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import math
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pyoxigraph import QueryBoolean, QueryResultsFormat, RdfFormat, Store, parse, parse_query_results

from kg.errors import KgError
from kg.outputs.store import load_rdf_file, store_path

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 7878
CANCELLED_MARKER = b"The SPARQL operation has been cancelled"
# How long after its limit a request may still run before its Oxigraph process is killed: time for Oxigraph's own
# --timeout-s (which ends a query cleanly, keeping the process) to fire where it can.
GRACE_S = 0.5
DEFAULT_CONCURRENT = max(2, min(4, os.cpu_count() or 2))
QUERY_PATHS = ("/query", "/sparql")
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
_MAX_QUERY_BODY = 1 << 20  # a SPARQL query longer than 1 MiB is a mistake, not a query
_MAX_WRITE_BODY = 1 << 30


# Strings, IRIs and comments of a SPARQL query: a SERVICE keyword inside them is not a federated call.
_SPARQL_NOISE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*",
    re.S,
)


def uses_service(query: str) -> bool:
    """Whether a query has a SERVICE clause, which would make the engine fetch a URL of the query's choosing
    (server-side request forgery: internal services, cloud metadata); Oxigraph has no switch to turn it off."""
    return re.search(r"\bSERVICE\b", _SPARQL_NOISE.sub(" ", query), re.I) is not None


class ServeError(KgError):
    """The endpoint cannot start (port taken, no oxigraph binary, unusable graph)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What requests may cost. `timeout_s` bounds a request's time (waiting for an engine included); `max_rows`
    and `max_bytes` its answer; `max_concurrent` how many requests are evaluated at once (each may keep a CPU
    busy until its time limit), the others wait. A writable endpoint evaluates one at a time (one process can
    hold the store open for writing)."""

    timeout_s: float = 30.0
    max_rows: int = 100_000
    max_bytes: int = 64 * 1024 * 1024
    writable: bool = False
    max_concurrent: int = DEFAULT_CONCURRENT


def find_oxigraph() -> Path:
    """The `oxigraph` server binary: beside the running Python (a venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if beside.is_file():
        return beside
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise ServeError("the Oxigraph server is not installed; run `pip install 'rare-kg[server]'` (package oxigraph)")


def free_port() -> int:
    """A loopback port free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM if we die without cleaning up (e.g. SIGKILL), so no server is orphaned."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class OxigraphServer:
    """An `oxigraph serve` / `serve-read-only` child process on a loopback port; a context manager.

    `location` None runs an in-memory, writable server (tests, scratch). Used by `Endpoint` and by tests that
    need a plain SPARQL 1.1 store (Graph Store Protocol at /store, Update at /update).
    """

    def __init__(
        self,
        location: Path | None = None,
        *,
        read_only: bool = True,
        timeout_s: float | None = None,
        port: int | None = None,
    ) -> None:
        if read_only and location is None:
            raise ValueError("a read-only Oxigraph server needs a database folder")
        self.location = location
        self.read_only = read_only
        self.timeout_s = timeout_s
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child; closed in stop()

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def command(self) -> list[str]:
        cmd = [str(find_oxigraph()), "serve-read-only" if self.read_only else "serve"]
        if self.location is not None:
            cmd += ["--location", str(self.location)]
        cmd += ["--bind", f"{LOOPBACK}:{self.port}"]
        if self.timeout_s:  # whole seconds only; rounded up so that it never stops a query before the limit
            cmd += ["--timeout-s", str(max(1, math.ceil(self.timeout_s)))]
        return cmd

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def start(self, wait_s: float = 20.0) -> OxigraphServer:
        preexec = _die_with_parent if sys.platform.startswith("linux") else None
        self.process = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, preexec_fn=preexec
        )
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServeError(f"the Oxigraph server stopped at start: {self.output()}")
            with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, self.port), timeout=0.2):
                return self
            time.sleep(0.05)
        self.stop()
        raise ServeError(f"the Oxigraph server did not answer within {wait_s:.0f} s: {self.output()}")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace").strip()[-2000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()

    def kill(self) -> None:
        """End the process now: the way to stop a query Oxigraph does not stop itself."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()

    def __enter__(self) -> OxigraphServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class EngineBusy(Exception):
    """No Oxigraph process came free before the request's deadline."""


class EnginePool:
    """Oxigraph children that each evaluate one request at a time, so that a runaway query can be stopped by ending
    its process without touching anyone else's request.

    At most `size` children; one is started with the pool, more when requests overlap, and a killed one is
    replaced in the background. Children are started from one long-lived thread of ours because the kernel's
    parent-death signal (`_die_with_parent`) follows the thread that started a child, not the process: a child
    started from a request's thread would be sent SIGTERM when that request ended.
    """

    def __init__(self, location: Path, *, read_only: bool, timeout_s: float | None, size: int) -> None:
        self.location = location
        self.read_only = read_only
        self.timeout_s = timeout_s
        self.size = max(1, size) if read_only else 1
        self._cond = threading.Condition()
        self._idle: list[OxigraphServer] = []
        self._busy: list[OxigraphServer] = []
        self._starting = 0
        self._failures = 0
        self._failure = ""
        self._closed = False
        self._requests: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._starter = threading.Thread(target=self._start_children, name="kg-serve-engines", daemon=True)

    def start(self, wait_s: float = 30.0) -> EnginePool:
        """Start the first child; ServeError (with Oxigraph's own words) when it cannot start."""
        self._starter.start()
        with self._cond:
            self._spawn()
            self._cond.wait_for(lambda: self._idle or self._starting == 0, timeout=wait_s)
            started = bool(self._idle)
            failure = self._failure
        if not started:
            self.close()
            raise ServeError(failure or f"the Oxigraph server did not start within {wait_s:.0f} s")
        return self

    def children(self) -> list[OxigraphServer]:
        with self._cond:
            return [*self._idle, *self._busy]

    def lease(self, deadline: float) -> OxigraphServer:
        """A child for one request, waiting for one to come free until `deadline` (then EngineBusy)."""
        with self._cond:
            failures = self._failures
            while True:
                if self._closed:
                    raise ServeError("the endpoint is stopping")
                if self._idle:
                    child = self._idle.pop()
                    self._busy.append(child)
                    return child
                if self._failures != failures and not self._busy and not self._starting:
                    raise ServeError(f"the Oxigraph server could not be started again: {self._failure}")
                if len(self._busy) + self._starting < self.size:
                    self._spawn()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise EngineBusy
                self._cond.wait(remaining)

    def release(self, child: OxigraphServer) -> None:
        """A child whose request ended normally: it serves the next one."""
        with self._cond:
            if child in self._busy:
                self._busy.remove(child)
                if not self._closed and child.process is not None and child.process.poll() is None:
                    self._idle.append(child)
                    self._cond.notify()
                    return
        self.discard(child)

    def discard(self, child: OxigraphServer) -> None:
        """Kill a child (its query is stopped with it) and, unless another is at hand, start a replacement."""
        with self._cond:
            if child in self._busy:
                self._busy.remove(child)
        child.kill()
        with self._cond:
            if not self._closed and not self._idle and not self._starting:
                self._spawn()
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            children = [*self._idle, *self._busy]
            self._idle.clear()
            self._busy.clear()
            self._cond.notify_all()
        for child in children:
            child.kill()
        self._requests.put(False)
        if self._starter.is_alive():
            self._starter.join(timeout=30)

    def _spawn(self) -> None:  # with self._cond held
        self._starting += 1
        self._requests.put(True)

    def _start_children(self) -> None:
        while self._requests.get():
            try:
                child: OxigraphServer | None = OxigraphServer(
                    self.location, read_only=self.read_only, timeout_s=self.timeout_s
                ).start()
                failure = ""
            except Exception as exc:  # a start failure is reported to the requests waiting for it
                child, failure = None, str(exc)
            with self._cond:
                self._starting -= 1
                if child is None:
                    self._failures += 1
                    self._failure = failure
                elif self._closed:
                    child.kill()
                else:
                    self._idle.append(child)
                self._cond.notify_all()


class _Watchdog:
    """Kills the child serving a request when the request's deadline passes (see `EnginePool`)."""

    def __init__(self, pool: EnginePool, child: OxigraphServer, deadline: float) -> None:
        self._pool = pool
        self._child = child
        self._lock = threading.Lock()
        self._done = False
        self.fired = False
        self._killed = threading.Event()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
        try:
            self._pool.discard(self._child)
        finally:
            self._killed.set()

    def finish(self) -> bool:
        """Stop watching. True when the deadline had not passed, so the child is still the caller's; otherwise
        returns once the child is dead, so that nothing of the query runs on after the client is told."""
        self._timer.cancel()
        with self._lock:
            self._done = True
            fired = self.fired
        if fired:
            self._killed.wait(timeout=15)
        return not fired


class _TooLarge(Exception):
    """The answer passed the byte limit."""


class _TooManyRows(Exception):
    """The answer passed the row limit."""


class _Capped(io.RawIOBase):
    """An upstream answer as a binary file: keeps what was read, and raises _TooLarge past `max_bytes`.

    Row counting parses through it as the answer streams, so reading stops at the first limit reached."""

    def __init__(self, response: http.client.HTTPResponse, max_bytes: int) -> None:
        self._response = response
        self._max_bytes = max_bytes
        self._chunks: list[bytes] = []
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._response.read1(min(len(buffer), 65536))
        if not chunk:
            return 0
        self.size += len(chunk)
        if self.size > self._max_bytes:
            raise _TooLarge
        self._chunks.append(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def drain(self) -> None:
        buffer = memoryview(bytearray(65536))
        while self.readinto(buffer):
            pass

    def data(self) -> bytes:
        return b"".join(self._chunks)


class _FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    pool: EnginePool
    limits: Limits


class _Relay(BaseHTTPRequestHandler):
    """Relays one request to an Oxigraph child, enforcing read-only access and the limits."""

    server: _FrontServer
    protocol_version = "HTTP/1.1"
    server_version = "rare-kg"

    def log_message(self, format: str, *args: object) -> None:
        if os.environ.get("KG_SERVE_LOG"):
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._relay()

    def do_HEAD(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def do_PUT(self) -> None:
        self._relay()

    def do_DELETE(self) -> None:
        self._relay()

    def do_PATCH(self) -> None:
        self._relay()

    def _relay(self) -> None:
        limits = self.server.limits
        path = urlsplit(self.path).path.rstrip("/") or "/"
        if not self._same_site():
            return self._error(403, "Requests from other web sites are refused (Host or Origin is not this endpoint).")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._error(411, "Send the request with a Content-Length header (chunked bodies are refused).")
        length = int(self.headers.get("Content-Length") or 0)
        cap = _MAX_WRITE_BODY if limits.writable else _MAX_QUERY_BODY
        if length > cap:
            return self._error(413, f"The request body is larger than {cap} bytes.")
        body = self.rfile.read(length) if length else b""
        if not limits.writable and self._is_write(path, body):
            return self._error(
                403,
                "This endpoint is read-only: SPARQL Update and Graph Store writes are refused. "
                "Restart `kg serve` with --writable to allow them.",
            )
        if any(uses_service(text) for text in self._query_texts(body)):
            return self._error(
                403,
                "Federated queries (SERVICE) are refused: this endpoint does not fetch other URLs for a query.",
            )
        deadline = time.monotonic() + limits.timeout_s + GRACE_S
        pool = self.server.pool
        try:
            child = pool.lease(deadline)
        except EngineBusy:
            if limits.writable:
                why = "a writable endpoint evaluates one request at a time and the one running"
                remedy = "retry, or restart kg serve without --writable"
            else:
                why = f"{pool.size} request(s) are running (the --max-concurrent limit) and none"
                remedy = "retry, or restart kg serve with a larger --max-concurrent"
            return self._error(
                503,
                f"The endpoint is busy: {why} ended within the {limits.timeout_s:g} s time limit; {remedy}.",
            )
        except ServeError as exc:
            return self._error(502, f"The SPARQL engine is not available ({exc}).")
        watchdog = _Watchdog(pool, child, deadline)
        is_answer = path in QUERY_PATHS and self.command != "HEAD"
        upstream = http.client.HTTPConnection(LOOPBACK, child.port, timeout=limits.timeout_s + GRACE_S + 10)
        failure: Exception | None = None
        response: http.client.HTTPResponse | None = None
        data, outcome = b"", ""
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            data, outcome = _read_answer(response, limits, count=is_answer and response.status == 200)
        except (OSError, ValueError, http.client.HTTPException) as exc:  # ValueError: read from a closed answer
            failure = exc
        finally:
            upstream.close()
            if watchdog.finish():
                if outcome == "complete":
                    pool.release(child)
                else:  # stopped reading part way: end the query with its process rather than trust it stops
                    pool.discard(child)
        if watchdog.fired or (failure is not None and isinstance(failure, TimeoutError)):
            return self._timeout_error(limits)
        if failure is not None or response is None:
            return self._error(502, f"The SPARQL engine did not answer ({failure}).")
        if is_answer and response.status == 200 and data.rstrip().endswith(CANCELLED_MARKER):
            return self._timeout_error(limits)
        if outcome == "too large":
            return self._error(
                400,
                f"The answer is larger than the {limits.max_bytes}-byte limit of this endpoint; "
                "add a LIMIT or narrow the query (or restart kg serve with a larger --max-bytes).",
            )
        if outcome == "too many rows":
            return self._error(
                400,
                f"The answer has more rows than the {limits.max_rows}-row limit of this endpoint; add a LIMIT "
                "(and OFFSET to page) or restart kg serve with a larger --max-rows.",
            )
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _same_site(self) -> bool:
        """Loopback alone does not stop a web page in the user's browser: a cross-site form POST (or a DNS
        rebinding trick) reaches 127.0.0.1 too. Such requests carry a foreign Origin or Host; ours and
        non-browser clients (no Origin) pass."""
        port = self.server.server_address[1]
        ours = {f"{LOOPBACK}:{port}", f"localhost:{port}"}
        host = self.headers.get("Host", "")
        origin = self.headers.get("Origin")
        if host and host.lower() not in ours:
            return False
        return origin is None or origin.lower() in {f"http://{h}" for h in ours}

    def _query_texts(self, body: bytes) -> list[str]:
        """The SPARQL query texts a request carries, whichever way the protocol allows sending them."""
        texts = parse_qs(urlsplit(self.path).query).get("query", [])
        if self.command == "POST":
            content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type == "application/sparql-query":
                texts.append(body.decode("utf-8", "replace"))
            elif content_type == "application/x-www-form-urlencoded":
                texts += parse_qs(body.decode("utf-8", "replace")).get("query", [])
        return texts

    def _is_write(self, path: str, body: bytes) -> bool:
        if self.command not in ("GET", "HEAD", "POST"):
            return True
        query = parse_qs(urlsplit(self.path).query)
        if "update" in query:
            return True
        if self.command != "POST":
            return False
        if path not in QUERY_PATHS:
            return True  # /update, /store (GSP POST appends), anything else
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type == "application/sparql-update":
            return True
        if content_type == "application/x-www-form-urlencoded":
            return "update" in parse_qs(body.decode("utf-8", "replace"))
        return False  # a query, or something the engine will refuse itself

    def _timeout_error(self, limits: Limits) -> None:
        self._error(
            503,
            f"The query ran past the {limits.timeout_s:g} s time limit of this endpoint and was stopped; "
            "narrow it, add a LIMIT, or restart kg serve with a larger --timeout.",
        )

    def _error(self, status: int, message: str) -> None:
        data = (message + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def _read_answer(response: http.client.HTTPResponse, limits: Limits, *, count: bool) -> tuple[bytes, str]:
    """Read an upstream answer within the limits: (body, "complete" | "too large" | "too many rows").

    With `count`, rows are counted while the answer streams in, so a long answer is refused after `max_rows`
    rows, not after it was all read."""
    body = _Capped(response, limits.max_bytes)
    try:
        if count:
            _count_stream(body, response.getheader("Content-Type", ""), limits.max_rows)
        body.drain()
    except _TooLarge:
        return b"", "too large"
    except _TooManyRows:
        return b"", "too many rows"
    return body.data(), "complete"


def count_rows(data: bytes, content_type: str) -> int | None:
    """Rows (solutions or triples) in a SPARQL answer, or None when the format is not one we can read."""
    return _count_stream(io.BytesIO(data), content_type) if data else None


def _count_stream(stream: io.RawIOBase | io.BytesIO, content_type: str, max_rows: int | None = None) -> int | None:
    """Count the rows of an answer as it is read, raising _TooManyRows as soon as there are more than `max_rows`.
    None when the format is not one we can read, or the answer does not parse (e.g. Oxigraph's cancelled body)."""
    media = content_type.split(";")[0].strip().lower()
    if not media:
        return None
    if media == "text/csv":  # pyoxigraph reads every results format but CSV
        return _count_csv(stream, max_rows)
    try:
        results_format = QueryResultsFormat.from_media_type(media)
        rdf_format = None if results_format is not None else RdfFormat.from_media_type(media)
    except (ValueError, TypeError):
        return None
    try:
        if results_format is not None:
            answer = parse_query_results(stream, results_format)  # type: ignore[arg-type]
            if isinstance(answer, QueryBoolean):
                return 1
            items: Iterator[object] = iter(answer)
        elif rdf_format is not None:
            items = parse(stream, rdf_format)  # type: ignore[arg-type]
        else:
            return None
        rows = 0
        for _ in items:
            rows += 1
            if max_rows is not None and rows > max_rows:
                raise _TooManyRows
        return rows
    except (SyntaxError, ValueError, TypeError):
        return None


def _count_csv(stream: io.RawIOBase | io.BytesIO, max_rows: int | None) -> int:
    """Records of a CSV answer minus its header: line breaks outside double quotes (a quoted value may hold one;
    an escaped quote is two quotes, which toggle twice)."""
    quoted = False
    breaks = 0
    last = b""
    while chunk := stream.read(65536):
        for i, part in enumerate(chunk.split(b'"')):
            if i:
                quoted = not quoted
            if not quoted:
                breaks += part.count(b"\n")
        last = chunk[-1:]
        if max_rows is not None and breaks - 1 > max_rows:
            raise _TooManyRows
    records = breaks + (1 if last not in (b"", b"\n") else 0)
    if max_rows is not None and records - 1 > max_rows:
        raise _TooManyRows
    return max(0, records - 1)


class Endpoint:
    """The running endpoint: the Oxigraph children plus the front; a context manager.

    `graph` is a build folder (its store is served in place) or an RDF file (loaded into a temporary store that
    is removed at exit). `port` 0 picks a free port (tests).
    """

    def __init__(self, graph: Path, *, port: int = DEFAULT_PORT, limits: Limits | None = None) -> None:
        self.graph = graph
        self.limits = limits or Limits()
        self.requested_port = port
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._front: _FrontServer | None = None
        self._pool: EnginePool | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL: the query page is here; SPARQL queries go to `url + "/query"`."""
        if self._front is None:
            raise ServeError("the endpoint is not started")
        return f"http://{LOOPBACK}:{self._front.server_address[1]}"

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        return self.url + "/update"

    @property
    def pool(self) -> EnginePool:
        if self._pool is None:
            raise ServeError("the endpoint is not started")
        return self._pool

    @property
    def upstream(self) -> OxigraphServer:
        """One of the Oxigraph children (all serve the same store with the same settings)."""
        children = self.pool.children()
        if not children:
            raise ServeError("no Oxigraph server is running right now")
        return children[0]

    def start(self) -> Endpoint:
        try:
            front = _FrontServer((LOOPBACK, self.requested_port), _Relay)
        except OSError as exc:
            raise ServeError(
                f"cannot listen on {LOOPBACK}:{self.requested_port} ({exc.strerror}); pass another --port"
            ) from exc
        try:
            location = self._database()
            if self.limits.writable:
                from kg.outputs.store import forget_documents

                forget_documents(location)  # the next build cannot know what the endpoint's writes changed
            self._pool = EnginePool(
                location,
                read_only=not self.limits.writable,
                timeout_s=self.limits.timeout_s,
                size=self.limits.max_concurrent,
            ).start()
        except BaseException:
            front.server_close()
            self._cleanup_tmp()
            raise
        front.pool = self._pool
        front.limits = self.limits
        self._front = front
        return self

    def _database(self) -> Path:
        if self.graph.is_dir():
            return store_path(self.graph)
        if not self.graph.is_file():
            raise ServeError(f"{self.graph}: no such build folder or RDF file; run `kg build` or pass --graph")
        self._tmp = tempfile.TemporaryDirectory(prefix="kg-serve-")
        location = Path(self._tmp.name) / "store"
        store = Store(str(location))
        load_rdf_file(self.graph, store)
        store.flush()
        del store  # close RocksDB before the server opens it
        import gc

        gc.collect()
        return location

    def serve_forever(self) -> None:
        """Serve until interrupted (Ctrl-C or SIGTERM), then stop the children."""
        if self._front is None:
            self.start()
        assert self._front is not None
        self._front.serve_forever(poll_interval=0.2)

    def serve_in_thread(self) -> Endpoint:
        if self._front is None:
            self.start()
        self._thread = threading.Thread(target=self.serve_forever, name="kg-serve", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._front is not None:
            if self._thread is not None:
                self._front.shutdown()
                self._thread.join(timeout=5)
            self._front.server_close()
            self._front = None
        if self._pool is not None:
            self._pool.close()
        self._cleanup_tmp()

    def _cleanup_tmp(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Endpoint:
        return self.serve_in_thread()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serving(graph: Path, *, port: int = 0, limits: Limits | None = None) -> Iterator[Endpoint]:
    """`with serving(build_dir) as ep: ...` runs the endpoint in a background thread (notebooks, tests)."""
    endpoint = Endpoint(graph, port=port, limits=limits)
    with endpoint:
        yield endpoint
