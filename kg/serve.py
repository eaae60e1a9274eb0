"""`kg serve`: a SPARQL 1.1 Protocol endpoint over a built graph, on loopback, read-only by default.

The SPARQL engine and the query page in the browser are Oxigraph's own server (`oxigraph serve-read-only`, from
the `oxigraph` pip package), started as a child process on a private loopback port. In front of it sits a small
HTTP server of ours on the port the user asked for, because the Oxigraph server alone does not enforce what a
shared endpoint needs:

- its `--timeout-s` stops a query, but only after the `200 OK` and the start of the results were sent; the client
  then gets a truncated body ending in "The SPARQL operation has been cancelled" (measured on 0.5.13), which a
  CSV reader takes for data. The front buffers each answer and turns that into a clean `503` error;
- it has no result-size limit. The front stops reading after `max_bytes` (closing the connection, which stops
  the query) and counts the rows of what it did read, refusing more than `max_rows` with a `400` error that says
  to add a LIMIT;
- read-only: the child is started read-only, and the front also refuses SPARQL Update and Graph Store writes
  itself (`403`), so a mistake in one layer is not enough to change the graph;
- requests from web pages of other sites (a foreign `Origin`, or a `Host` that is not 127.0.0.1/localhost, as in
  DNS rebinding) are refused, since binding to loopback does not keep out the user's own browser.

Both servers bind 127.0.0.1 only. The front is a thin relay: everything else (content negotiation, the YASGUI
page, GSP reads) is Oxigraph's.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import os
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
    """What one request may cost. `timeout_s` bounds evaluation time; `max_rows` and `max_bytes` the answer."""

    timeout_s: float = 30.0
    max_rows: int = 100_000
    max_bytes: int = 64 * 1024 * 1024
    writable: bool = False


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
        if self.timeout_s:
            cmd += ["--timeout-s", str(max(1, round(self.timeout_s)))]
        return cmd

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

    def __enter__(self) -> OxigraphServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    upstream_port: int
    limits: Limits


class _Relay(BaseHTTPRequestHandler):
    """Relays one request to the Oxigraph child, enforcing read-only access and the limits."""

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
        started = time.monotonic()
        upstream = http.client.HTTPConnection(LOOPBACK, self.server.upstream_port, timeout=limits.timeout_s + 10)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            data, truncated = self._read_capped(response, limits.max_bytes, started + limits.timeout_s + 5)
        except TimeoutError:
            return self._timeout_error(limits)
        except (OSError, http.client.HTTPException) as exc:
            return self._error(502, f"The SPARQL engine did not answer ({exc}).")
        finally:
            upstream.close()
        is_answer = path in QUERY_PATHS and response.status == 200 and self.command != "HEAD"
        if is_answer and data.rstrip().endswith(CANCELLED_MARKER):
            return self._timeout_error(limits)
        if truncated:
            return self._error(
                400,
                f"The answer is larger than the {limits.max_bytes}-byte limit of this endpoint; "
                "add a LIMIT or narrow the query (or restart kg serve with a larger --max-bytes).",
            )
        content_type = response.getheader("Content-Type", "")
        if is_answer:
            rows = count_rows(data, content_type)
            if rows is not None and rows > limits.max_rows:
                return self._error(
                    400,
                    f"The answer has {rows} rows, more than the {limits.max_rows}-row limit of this "
                    "endpoint; add a LIMIT (and OFFSET to page) or restart kg serve with a larger --max-rows.",
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

    @staticmethod
    def _read_capped(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
            if not chunk:
                return b"".join(chunks), False
            size += len(chunk)
            if size > max_bytes:
                return b"", True
            chunks.append(chunk)

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


def count_rows(data: bytes, content_type: str) -> int | None:
    """Rows (solutions or triples) in a SPARQL answer, or None when the format is not one we can read."""
    media = content_type.split(";")[0].strip().lower()
    if not media or not data:
        return None
    if media == "text/csv":  # pyoxigraph reads every results format but CSV
        return max(0, sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8", "replace")))) - 1)
    try:
        results_format = QueryResultsFormat.from_media_type(media)
    except (ValueError, TypeError):
        results_format = None
    try:
        if results_format is not None:
            answer = parse_query_results(data, results_format)
            return 1 if isinstance(answer, QueryBoolean) else sum(1 for _ in answer)
        rdf_format = RdfFormat.from_media_type(media)
        return None if rdf_format is None else sum(1 for _ in parse(data, rdf_format))
    except (SyntaxError, ValueError, TypeError):
        return None


class Endpoint:
    """The running endpoint: the Oxigraph child plus the front; a context manager.

    `graph` is a build folder (its store is served in place) or an RDF file (loaded into a temporary store that
    is removed at exit). `port` 0 picks a free port (tests).
    """

    def __init__(self, graph: Path, *, port: int = DEFAULT_PORT, limits: Limits | None = None) -> None:
        self.graph = graph
        self.limits = limits or Limits()
        self.requested_port = port
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._front: _FrontServer | None = None
        self._child: OxigraphServer | None = None
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
    def upstream(self) -> OxigraphServer:
        if self._child is None:
            raise ServeError("the endpoint is not started")
        return self._child

    def start(self) -> Endpoint:
        try:
            front = _FrontServer((LOOPBACK, self.requested_port), _Relay)
        except OSError as exc:
            raise ServeError(
                f"cannot listen on {LOOPBACK}:{self.requested_port} ({exc.strerror}); pass another --port"
            ) from exc
        try:
            location = self._database()
            self._child = OxigraphServer(
                location, read_only=not self.limits.writable, timeout_s=self.limits.timeout_s
            ).start()
        except BaseException:
            front.server_close()
            self._cleanup_tmp()
            raise
        front.upstream_port = self._child.port
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
        """Serve until interrupted (Ctrl-C or SIGTERM), then stop the child."""
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
        if self._child is not None:
            self._child.stop()
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
