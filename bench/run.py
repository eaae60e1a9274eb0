"""The rare-kg benchmark: `python bench/run.py` (or `make bench`). Prints markdown and updates BENCHMARKS.md.

For each corpus size (synthetic summaries from bench/generate.py, cached under ~/.cache/rare-kg/bench):
- `kg build` end to end as a user runs it (a subprocess): wall and CPU seconds, peak memory of the whole process
  tree (sampled: resident and proportional set size, which counts pages shared by forked workers once), and per
  stage (ingest, extract, graph, validate, sort, Turtle, TriG, JSON-LD, store, page) seconds, documents/s, words/s
  and peak resident memory, from the build's own stage clocks (`kg build --timings`);
On a sample of the smallest corpus, in this process:
- spaCy's tokenizer alone vs our extraction on the same sentences (one core), and where extraction spends its time
  (per pipeline component);
- the per-document work on one core vs a pool of N worker processes vs spaCy's `nlp.pipe(n_process=N)`;
At `--queries-at` documents (plus the 33 bundled summaries, so the examples in the queries' headers exist):
- every query in queries/*.rq, unbound and with its header's example value bound: median and p95 latency in the
  embedded store (Oxigraph) and in rdflib's in-memory Dataset, side by side;
And the start-up time of `kg extract` on one file.

Timings on a shared machine are noisy: CPU seconds are given beside wall seconds, and the load average is recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402  (bench/generate.py)

REUSE = False  # --reuse: a build already measured with the same output folder is not run again
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rare-kg" / "bench"
STAGES = (
    "read",
    "reuse",
    "ingest",
    "extract",
    "graph",
    "validate",
    "collect",
    "sort",
    "turtle",
    "trig",
    "jsonld",
    "records",
    "kgx",
    "store",
    "remote",
    "html",
)
PER_DOCUMENT = {"ingest", "extract", "graph", "validate"}


# ------------------------------------------------------------------------------------------------- helpers


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def rate(n: float, seconds: float) -> str:
    if seconds <= 0:
        return "-"
    r = n / seconds
    return f"{r:,.0f}" if r >= 100 else f"{r:,.1f}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}" if seconds < 10 else f"{seconds * 1000:,.0f}"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    with contextlib.suppress(OSError, TypeError):
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1]) * 1024  # type: ignore[index]
    versions = {}
    for pkg in ("spacy", "pyoxigraph", "rdflib", "pyshacl", "distributed"):
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:
            versions[pkg] = "-"
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "cpu": cpu,
        "cpus": len(os.sched_getaffinity(0)),
        "memory": mem,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "versions": versions,
        "commit": commit,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": os.getloadavg(),
    }


class TreeSampler(threading.Thread):
    """Samples the resident (RSS) and proportional (PSS) memory of a process and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.peak_processes = 0
        self.cpu_ticks: dict[int, int] = {}  # user + system clock ticks last seen per process
        self._halt = threading.Event()

    def _tree(self) -> list[int]:
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
                    todo.extend(int(c) for c in children)
            except OSError:
                continue
        return out

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._halt.is_set():
            rss = pss = 0
            pids = self._tree()
            for pid in pids:
                try:
                    rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    self.cpu_ticks[pid] = int(stat[11]) + int(stat[12])  # utime, stime
                    m = re.search(r"^Pss:\s+(\d+)", Path(f"/proc/{pid}/smaps_rollup").read_text(), re.M)
                    pss += int(m[1]) * 1024 if m else 0
                except (OSError, ValueError):
                    continue
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    @property
    def cpu(self) -> float:
        """CPU seconds of every process seen (workers of a fork server are not children the build waits for)."""
        return sum(self.cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")


def kg_command() -> list[str]:
    script = Path(sys.executable).parent / "kg"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg.cli"]


# ------------------------------------------------------------------------------------------------- the build


def run_build(paths: list[str], out: Path, processes: int, extra: list[str]) -> dict[str, Any]:
    """`kg build` in a subprocess, measured from outside (wall, CPU, memory of the tree) and inside (stages)."""
    timings = out.parent / f"{out.name}.timings.json"
    saved = out.parent / f"{out.name}.bench.json"
    if REUSE and saved.exists() and (out / "store").exists():
        return dict(json.loads(saved.read_text(encoding="utf-8")))
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        *kg_command(),
        "build",
        *paths,
        "--out",
        str(out),
        "--processes",
        str(processes),
        "--quiet",
        "--timings",
        str(timings),
        *extra,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - started
    sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"bench: `{shlex.join(cmd)}` failed ({proc.returncode}):\n{stderr.decode()[-3000:]}")
    data = json.loads(timings.read_text(encoding="utf-8"))
    data.update(
        command=shlex.join(["kg", *cmd[len(kg_command()) :]]),
        wall=wall,
        returncode=proc.returncode,
        cpu=max(sampler.cpu, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)),
        peak_rss=sampler.peak_rss,
        peak_pss=sampler.peak_pss,
        largest_process=after.ru_maxrss * 1024,
        processes_seen=sampler.peak_processes,
        load=load,
        skipped=sum(1 for line in stderr.decode().splitlines() if line.startswith("kg build: skipped")),
    )
    saved.write_text(json.dumps(data), encoding="utf-8")
    return data


def build_table(b: dict[str, Any]) -> list[str]:
    docs, words = b["documents"], b["words"]
    lines = [
        f"`{b['command']}`",
        "",
        f"- **{b['wall']:.1f} s wall** ({rate(docs, b['wall'])} documents/s, {rate(words, b['wall'])} words/s), "
        f"{b['cpu']:.1f} s CPU; {docs:,} documents, {words:,} words, {b['triples']:,} triples, "
        f"{b['workers']} worker process(es), load average {b['load']:.1f} at the start",
        f"- peak memory of the whole process tree: {mib(b['peak_pss'])} proportional (PSS), {mib(b['peak_rss'])} "
        f"resident (RSS, counts shared pages once per process); largest single process {mib(b['largest_process'])}",
        "",
        "| stage | wall s | CPU s | documents/s | words/s | peak RSS |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in STAGES:
        st = b["stages"].get(name)
        if not st or (st["seconds"] < 0.005 and name in ("read", "remote")):
            continue
        label = f"{name} (summed over workers)" if name in PER_DOCUMENT and b["workers"] > 1 else name
        lines.append(
            f"| {label} | {st['seconds']:.2f} | {st['cpu']:.2f} | {rate(docs, st['seconds'])} | "
            f"{rate(words, st['seconds'])} | {mib(st['peak_rss']) if st['peak_rss'] else '-'} |"
        )
    return lines


# ---------------------------------------------------------------------------------------- extraction speed


def sample_documents(corpus: Path, n: int) -> list[Any]:
    from kg.ingest import expand_paths, read_source

    paths = list(expand_paths([corpus]))[:n]
    return [read_source(p) for p in paths]


def best(fn: Any, repeat: int) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of `repeat` runs."""
    runs = []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - w, time.process_time() - c))
    return min(runs)


def extraction(corpus: Path, n: int, processes: int, repeat: int) -> dict[str, Any]:
    """Tokenizer alone vs extraction on the same sentences, per component; pool vs serial vs n_process."""
    from kg import extract, parallel
    from kg.ingest import expand_paths

    docs = sample_documents(corpus, n)
    sentences = [doc.span(s) for doc in docs for s in doc.sentences()]
    words = sum(len(s.split()) for s in sentences)
    nlp = extract.nlp()
    out: dict[str, Any] = {
        "documents": len(docs),
        "sentences": len(sentences),
        "words": words,
        "file_words": sum(len(d.text.split()) for d in docs),
    }

    def tokenize() -> None:
        for _ in nlp.tokenizer.pipe(sentences, batch_size=1000):
            pass

    def run_extract() -> None:
        for _ in extract.extract_documents(docs):
            pass

    out["tokenizer"] = best(tokenize, max(3, repeat))
    out["extract"] = best(run_extract, repeat)
    # where the time goes: each pipeline component on pre-tokenized sentences, the rest is assembling the record
    made = [nlp.make_doc(s) for s in sentences]
    per: dict[str, float] = {}
    for name, proc in nlp.pipeline:
        c = time.process_time()
        for d in made:
            proc(d)
        per[name] = time.process_time() - c
    out["components"] = per
    out["profile"] = profile_extraction(docs)

    # the per-document work (ingest, extract, link, graph; no validation) on one core and in a process pool
    paths = list(expand_paths([corpus]))[:n]
    tasks = [
        parallel.Task(i, tuple(parallel.Item(p) for p in paths[s : s + parallel.CHUNK_DOCS]), validate=False)
        for i, s in enumerate(range(0, len(paths), parallel.CHUNK_DOCS))
    ]

    def serial() -> None:
        for _ in parallel.map_chunks(tasks, executor="serial"):
            pass

    def pool(work: list[Any]) -> None:
        for _ in parallel.map_chunks(work, executor="processes", processes=processes, validate=False):
            pass

    out["serial"] = best(serial, 1)
    # the pool's fork server starts and builds the tables once per process (what every `kg build` pays once)
    out["pool_start"] = best(lambda: pool(tasks[:1]), 1)
    out["pool"] = best(lambda: pool(tasks), 1)
    out["processes"] = processes
    out["n_process"] = n_process(sentences, processes)
    return out


def profile_extraction(docs: list[Any], top: int = 14) -> list[tuple[str, int, float, float]]:
    """cProfile of one extraction pass: (function, calls, own seconds, cumulative seconds), by own time."""
    import cProfile
    import pstats

    from kg import extract

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in extract.extract_documents(docs):
        pass
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values())
    rows = []
    for (file, line, func), (_cc, calls, own, cum, _callers) in stats.items():
        where = f"{Path(file).name}:{line}({func})" if file != "~" else func
        rows.append((where, calls, own, cum))
    rows.sort(key=lambda r: -r[2])
    return [("(total own time)", 0, total, total), *rows[:top]]


def n_process(sentences: list[str], processes: int) -> dict[str, Any]:
    """spaCy's own multiprocessing, `nlp.pipe(n_process=N)`, over the same pipeline."""
    import spacy
    from spacy.language import Language

    from kg import extract

    result: dict[str, Any] = {}
    try:
        list(extract.nlp().pipe(sentences[:64], n_process=2, batch_size=16))
        result["error"] = None
    except Exception as exc:
        last = [line for line in str(exc).strip().splitlines() if line.strip()]
        result["error"] = last[-1].strip() if last else type(exc).__name__

    # With the extension data stripped (so the Docs can travel back at all), the pipeline's own scaling:
    if not Language.has_factory("bench_strip_user_data"):

        @Language.component("bench_strip_user_data")
        def strip(doc: Any) -> Any:
            doc.user_data.clear()
            return doc

    stripped = spacy.blank("en")
    for name in [n for n, _ in extract.nlp().pipeline]:
        stripped.add_pipe(name)
    stripped.add_pipe("bench_strip_user_data")
    for batch in (64, 256):
        for n in (1, processes):
            start = time.perf_counter()
            for _ in stripped.pipe(sentences, n_process=n, batch_size=batch):
                pass
            result[(batch, n)] = time.perf_counter() - start
    return result


def extraction_lines(x: dict[str, Any]) -> list[str]:
    words = x["words"]
    tok_w, tok_c = x["tokenizer"]
    ext_w, ext_c = x["extract"]
    ratio = tok_c / ext_c if ext_c else 0.0
    lines = [
        f"On {x['documents']:,} documents ({x['sentences']:,} minable sentences, {words:,} words in them; "
        f"{x['file_words']:,} words in the files), one core:",
        "",
        "| | wall s | CPU s | words/s (CPU) |",
        "|---|---:|---:|---:|",
        f"| spaCy tokenizer alone (`nlp.tokenizer.pipe`) | {tok_w:.2f} | {tok_c:.2f} | {rate(words, tok_c)} |",
        f"| our extraction (`kg.extract.extract_documents`) | {ext_w:.2f} | {ext_c:.2f} | {rate(words, ext_c)} |",
        "",
        f"**Extraction reaches {ratio:.1%} of tokenizer-only throughput** (target: at least 25%).",
        "",
        "Where extraction spends its time (each component run alone over the pre-tokenized sentences, CPU s):",
        "",
        "| component | CPU s | share of extraction |",
        "|---|---:|---:|",
    ]
    comps = x["components"]
    lines.append(f"| tokenizer (make_doc) | {tok_c:.2f} | {tok_c / ext_c:.0%} |")
    for name, secs in sorted(comps.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {secs:.2f} | {secs / ext_c:.0%} |")
    rest = ext_c - tok_c - sum(comps.values())
    lines.append(f"| the rest (record assembly, `_assemble`) | {max(rest, 0):.2f} | {max(rest, 0) / ext_c:.0%} |")
    prof = x.get("profile") or []
    if prof:
        total = prof[0][2]
        lines += [
            "",
            f"cProfile of one extraction pass (profiler overhead included; {total:.1f} s in all), the "
            "functions with the most own time:",
            "",
            "| function | calls | own s | share | cumulative s |",
            "|---|---:|---:|---:|---:|",
        ]
        for where, calls, own, cum in prof[1:]:
            lines.append(f"| `{where}` | {calls:,} | {own:.2f} | {own / total:.0%} | {cum:.2f} |")
    p = x["processes"]
    sw, _ = x["serial"]
    pw, _ = x["pool"]
    lines += [
        "",
        f"Per-document work (ingest, extract, link, graph; no validation) on the same {x['documents']:,} documents:",
        "",
        "| how | wall s | documents/s | speed-up |",
        "|---|---:|---:|---:|",
        f"| one process | {sw:.2f} | {rate(x['documents'], sw)} | 1.00x |",
        f"| pool of {p} worker processes (`kg.parallel`, compact results) | {pw:.2f} | {rate(x['documents'], pw)} | "
        f"**{sw / pw:.2f}x** |",
    ]
    npr = x["n_process"]
    for batch in (64, 256):
        one, many = npr.get((batch, 1)), npr.get((batch, p))
        if one and many:
            lines.append(
                f"| spaCy `nlp.pipe(n_process={p}, batch_size={batch})`, pipeline only, extension data "
                f"stripped | {many:.2f} (1 process: {one:.2f}) | - | {one / many:.2f}x |"
            )
    if "pool_start" in x:
        lines += [
            "",
            f"The pool's fork server starting and building the tables (once per process, one chunk included) took "
            f"{x['pool_start'][0]:.2f} s before that; it is not in the pool's time.",
        ]
    if npr.get("error"):
        lines += [
            "",
            f"`nlp.pipe(n_process={p})` on the extraction pipeline itself fails: `{npr['error']}` "
            "(our components keep Python objects in `Doc._`, which spaCy cannot send between processes).",
        ]
    return lines


# ------------------------------------------------------------------------------------------------- queries


def query_examples(text: str) -> dict[str, str]:
    """The first parameter documented in a query's header and its example value, if the header gives one."""
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line[1:])
    block = "\n".join(header)
    m = re.search(r"Parameters:(.*?)(?:\n\s*\n|\Z)", block, re.S)
    if not m:
        return {}
    for pm in re.finditer(r"^\s*\?(\w+)\s+(.*(?:\n\s{6,}.*)*)", m[1], re.M):
        name, desc = pm[1], " ".join(pm[2].split())
        ex = (
            re.search(r"--param \w+=(\"[^\"]+\"|\S+?)[.,;]?(?:\s|$)", desc)
            or re.search(r"(?:such as|e\.g\.)\s+(\"[^\"]+\"|\S+?)[.,;]?(?:\s|$)", desc)
            or re.search(r"\b([a-z]+:[A-Za-z][\w-]*)", desc)
        )
        if ex:
            return {name: ex[1].strip('"') if ex[1].startswith('"') else ex[1]}
    return {}


def time_queries(
    run: Any, queries: list[tuple[str, str, dict[str, str]]], runs: int, budget: float, first_only_over: float = 5.0
) -> Iterator[dict[str, Any]]:
    """Run each query: one warm-up, then up to `runs` timed runs within `budget` seconds."""
    for name, text, params in queries:
        row: dict[str, Any] = {"name": name, "params": params}
        try:
            started = time.perf_counter()
            result = run(text, params)
            first = time.perf_counter() - started
            row["rows"] = len(result)
            times = [first] if first > first_only_over else []
            spent = first
            while len(times) < runs and spent < budget and first <= first_only_over:
                t = time.perf_counter()
                run(text, params)
                times.append(time.perf_counter() - t)
                spent += times[-1]
            row["times"] = times
        except TimeoutError:
            row["timeout"] = budget
        except Exception as exc:
            row["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        yield row


def load_queries(folder: Path) -> list[tuple[str, str, dict[str, str]]]:
    from kg.query import required_params

    out = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if not required_params(text):  # a query that needs a parameter has no unbound form
            out.append((path.stem, text, {}))
        example = query_examples(text)
        if example:
            out.append((path.stem, text, example))
    return out


def oxigraph_latency(
    build_dir: Path, queries: list[tuple[str, str, dict[str, str]]], runs: int, limit: float = 60.0
) -> list[dict]:
    """Each query in its own process (Oxigraph cannot be interrupted from Python), stopped after `limit` s."""
    rows = []
    for name, _text, params in queries:
        out = build_dir.parent / f"{build_dir.name}.query.json"
        cmd = [
            sys.executable,
            __file__,
            "--oxigraph-worker",
            str(build_dir),
            str(out),
            name,
            json.dumps(params),
            str(runs),
        ]
        try:
            subprocess.run(cmd, capture_output=True, text=True, timeout=limit + 15, check=True)
            rows.append(json.loads(out.read_text(encoding="utf-8")))
        except subprocess.TimeoutExpired:
            rows.append({"name": name, "params": params, "timeout": limit})
        except subprocess.CalledProcessError as exc:
            rows.append({"name": name, "params": params, "error": exc.stderr.strip().splitlines()[-1][:200]})
    return rows


def oxigraph_worker(build_dir: Path, out_json: Path, name: str, params: dict[str, str], runs: int) -> None:
    """(Subprocess) time one query in the build's store: one warm-up run, then up to `runs` runs within 30 s."""
    from kg.outputs.store import load_store
    from kg.query import run_query

    store = load_store(build_dir)
    text = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    rows = list(time_queries(lambda t, p: run_query(t, store, p), [(name, text, params)], runs, budget=30.0))
    out_json.write_text(json.dumps(rows[0]), encoding="utf-8")


def rdflib_worker(build_dir: Path, out_json: Path, runs: int, budget: float) -> None:
    """(Subprocess) load graph.trig into rdflib's in-memory Dataset, the default graph the union of the named
    graphs, then time every query; SIGALRM stops a query that runs past `budget` seconds."""
    import rdflib
    from pyoxigraph import RdfFormat, parse

    from kg.query import _to_rdflib, run_query

    started = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    batch: list[Any] = []
    for q in parse(path=str(build_dir / "graph.trig"), format=RdfFormat.TRIG):
        g = ds.graph(rdflib.URIRef(q.graph_name.value))
        batch.append((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object), g))
        if len(batch) >= 100_000:
            ds.addN(batch)
            batch.clear()
    ds.addN(batch)
    load = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def alarm(signum: int, frame: Any) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, alarm)

    def run(text: str, params: dict[str, str]) -> Any:
        signal.alarm(int(budget))
        try:
            return run_query(text, ds, params)
        finally:
            signal.alarm(0)

    rows = list(time_queries(run, load_queries(ROOT / "queries"), runs, budget=budget, first_only_over=2.0))
    out_json.write_text(json.dumps({"load": load, "rss": rss, "quads": len(ds), "rows": rows}), encoding="utf-8")


def rdflib_latency(build_dir: Path, runs: int, budget: float) -> dict[str, Any]:
    out = build_dir.parent / f"{build_dir.name}.rdflib.json"
    cmd = [sys.executable, __file__, "--rdflib-worker", str(build_dir), str(out), str(runs), str(budget)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    return json.loads(out.read_text(encoding="utf-8"))


def query_lines(ox: list[dict], rd: dict[str, Any] | None, docs: int, missing: list[str]) -> list[str]:
    lines = []
    if rd and "error" not in rd:
        lines += [
            f"rdflib: loading graph.trig ({rd['quads']:,} quads) into `rdflib.Dataset(default_union=True)` "
            f"took {rd['load']:.0f} s and {mib(rd['rss'])} peak RSS.",
            "",
        ]
    elif rd:
        lines += [f"rdflib run failed: `{rd['error'].strip().splitlines()[-1]}`", ""]
    lines += [
        "| query | bound | rows | Oxigraph median ms | Oxigraph p95 ms | rdflib median ms | rdflib p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    rd_rows = {(r["name"], json.dumps(r["params"], sort_keys=True)): r for r in (rd or {}).get("rows", [])}

    def cells(r: dict[str, Any] | None) -> tuple[str, str]:
        if r is None:
            return "-", "-"
        if "timeout" in r:
            return f"> {r['timeout'] * 1000:,.0f}", "-"
        if "error" in r:
            return "error", "-"
        t = r["times"]
        return ms(statistics.median(t)), (ms(percentile(t, 0.95)) if len(t) > 1 else "-")

    slow = []
    for r in ox:
        key = (r["name"], json.dumps(r["params"], sort_keys=True))
        bound = ", ".join(f"{k}={v}" for k, v in r["params"].items()) or "-"
        om, op = cells(r)
        rm, rp = cells(rd_rows.get(key))
        lines.append(f"| {r['name']} | {bound} | {r.get('rows', '-')} | {om} | {op} | {rm} | {rp} |")
        if ("times" in r and statistics.median(r["times"]) >= 0.1) or "timeout" in r:
            slow.append(f"{r['name']} ({bound})")
        if "error" in r:
            lines.append(f"| | error: {r['error']} | | | | | |")
    lines += ["", f"Queries at or over 100 ms median in the embedded store: {', '.join(slow) or 'none'}."]
    if missing:
        lines.append(f"Not measured: {', '.join(missing)}.")
    return lines


# --------------------------------------------------------------------------------------------------- start-up

_STARTUP_PROBE = r"""
import time, sys
t0 = time.perf_counter()
import spacy
t1 = time.perf_counter()
from kg import extract
from kg.link import link_record
t2 = time.perf_counter()
extract.nlp()
t3 = time.perf_counter()
from kg.build import iter_records
list(iter_records([sys.argv[1]]))
t4 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)
"""


def startup(repeat: int) -> dict[str, Any]:
    sample = str(ROOT / "data" / "summaries" / "wilson-disease.txt")
    walls = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([*kg_command(), "extract", sample], check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
    probe = subprocess.run(
        [sys.executable, "-c", _STARTUP_PROBE, sample], capture_output=True, text=True, check=True, cwd=ROOT
    )
    parts = [float(x) for x in probe.stdout.split()]
    return {"walls": walls, "parts": parts, "command": f"kg extract {Path(sample).relative_to(ROOT)}"}


def startup_lines(s: dict[str, Any]) -> list[str]:
    spacy_s, kg_s, nlp_s, first = s["parts"]
    return [
        f"`{s['command']}`: median {statistics.median(s['walls']):.2f} s wall over {len(s['walls'])} runs "
        f"(target: under 3 s). Inside one process: `import spacy` {spacy_s:.2f} s, our modules {kg_s:.2f} s, "
        f"building the pipeline (lexicons, matchers) {nlp_s:.2f} s, reading, extracting and linking the file "
        f"{first:.2f} s (including the identifier index, built on first use).",
    ]


# ------------------------------------------------------------------------------------------------------ main

BEGIN, END = "<!-- bench:{name}:begin -->", "<!-- bench:{name}:end -->"


def write_block(path: Path, name: str, text: str) -> None:
    begin, end = BEGIN.format(name=name), END.format(name=name)
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if begin in old and end in old:
        new = old[: old.index(begin)] + block + old[old.index(end) + len(end) + 1 :]
    else:
        new = old.rstrip() + "\n\n" + block
    tmp = path.with_suffix(".tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Benchmark rare-kg; see the module docstring.")
    p.add_argument("--sizes", default="1000,10000", help="corpus sizes, comma-separated (default: 1000,10000)")
    p.add_argument(
        "--processes",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="worker processes for the builds and the pool comparison (default: the CPU count)",
    )
    p.add_argument(
        "--serial-sizes",
        default="1000",
        help="sizes also built with --processes 1 for a single-core breakdown (default: 1000)",
    )
    p.add_argument("--sample", type=int, default=500, help="documents in the extraction-speed sample")
    p.add_argument(
        "--queries-at",
        type=int,
        default=10000,
        help="corpus size whose build is queried (0: skip queries); built with the bundled summaries",
    )
    p.add_argument("--query-runs", type=int, default=20)
    p.add_argument("--rdflib-budget", type=float, default=30.0, help="seconds allowed per rdflib query")
    p.add_argument("--no-rdflib", action="store_true", help="skip the rdflib side of the query table")
    p.add_argument("--build-args", default="", help="extra arguments for every kg build, e.g. '--no-html'")
    p.add_argument("--corpus-root", type=Path, default=CACHE, help=f"where corpora and builds go (default {CACHE})")
    p.add_argument("--name", default="main", help="the results block in BENCHMARKS.md to replace")
    p.add_argument("--write", default=str(ROOT / "BENCHMARKS.md"), help="file to update ('-': print only)")
    p.add_argument("--skip", default="", help="parts to skip: build,extraction,queries,startup")
    p.add_argument("--quick", action="store_true", help="one repetition of everything (smoke test)")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="reuse builds measured by an earlier run (their saved numbers) instead of building again",
    )
    p.add_argument("--rdflib-worker", nargs=4, help=argparse.SUPPRESS)
    p.add_argument("--oxigraph-worker", nargs=5, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.oxigraph_worker:
        build_dir, out, name, params, runs = args.oxigraph_worker
        oxigraph_worker(Path(build_dir), Path(out), name, json.loads(params), int(runs))
        return 0
    if args.rdflib_worker:
        build_dir, out, runs, budget = args.rdflib_worker
        rdflib_worker(Path(build_dir), Path(out), int(runs), float(budget))
        return 0

    global REUSE
    REUSE = args.reuse
    sizes = [int(s) for s in args.sizes.split(",") if s]
    serial_sizes = {int(s) for s in args.serial_sizes.split(",") if s}
    skip = set(filter(None, args.skip.split(",")))
    extra = shlex.split(args.build_args)
    repeat = 1 if args.quick else 3
    root = args.corpus_root
    root.mkdir(parents=True, exist_ok=True)
    info = machine()
    command = shlex.join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])])
    out: list[str] = [
        f"Measured {info['date']} on {info['cpu']}, {info['cpus']} CPUs, {mib(info['memory'])} RAM, "
        f"{info['os']}, Python {info['python']} "
        f"({', '.join(f'{k} {v}' for k, v in info['versions'].items())}), commit {info['commit'] or '?'}; "
        f"load average at the start {info['load'][0]:.1f}.",
        "",
        f"Command: `{command}`",
    ]

    def emit(lines: list[str]) -> None:
        out.extend(lines)
        print("\n".join(lines), flush=True)

    print("\n".join(out), flush=True)
    corpora = {}
    for n in sorted(set(sizes) | ({args.queries_at} if args.queries_at else set())):
        folder = root / f"corpus-{n}"
        manifest = generate.ensure(n, folder)
        corpora[n] = (folder, manifest)

    query_build: tuple[Path, dict[str, Any]] | None = None
    bundled = str(ROOT / "data" / "summaries")
    if "build" not in skip:
        for n in sizes:
            folder, manifest = corpora[n]
            runs = [args.processes] + ([1] if n in serial_sizes and args.processes != 1 else [])
            for procs in runs:
                # the queried build also holds the bundled summaries, so the queries' example values exist
                with_bundled = n == args.queries_at and procs == args.processes and "queries" not in skip
                paths = [str(folder), bundled] if with_bundled else [str(folder)]
                out_dir = root / f"build-{n}-p{procs}"
                b = run_build(paths, out_dir, procs, extra)
                title = f"{n:,} synthetic summaries" + (" + the bundled ones" if with_bundled else "")
                emit(["", f"### kg build, {title}, --processes {procs}", "", *build_table(b)])
                if with_bundled:
                    query_build = (out_dir, b)

    if "extraction" not in skip:
        folder, _ = corpora[min(sizes)]
        x = extraction(folder, min(args.sample, min(sizes)), args.processes, repeat)
        emit(["", "### Extraction speed", "", *extraction_lines(x)])

    if "queries" not in skip and args.queries_at:
        if query_build is None:
            folder, _ = corpora[args.queries_at]
            out_dir = root / f"build-{args.queries_at}-p{args.processes}"
            query_build = (out_dir, run_build([str(folder), bundled], out_dir, args.processes, extra))
        build_dir, b = query_build
        queries = load_queries(ROOT / "queries")
        missing = [] if queries else ["queries/ has no .rq files yet"]
        ox = oxigraph_latency(build_dir, queries, 3 if args.quick else args.query_runs)
        rd = None if args.no_rdflib else rdflib_latency(build_dir, 3 if args.quick else 5, args.rdflib_budget)
        emit(
            [
                "",
                f"### SPARQL latency, {b['documents']:,} conditions ({args.queries_at:,} synthetic + the bundled "
                f"summaries), {b['triples']:,} triples",
                "",
                f"Build: `{b['command']}`. Every query in queries/ with no parameter bound, and again with its "
                f"header's example value bound; one warm-up run, then up to {args.query_runs} timed runs (within "
                f"30 s); rdflib: up to 5 runs, a query over {args.rdflib_budget:.0f} s is stopped.",
                "",
                *query_lines(ox, rd, b["documents"], missing),
            ]
        )

    if "startup" not in skip:
        emit(["", "### Start-up", "", *startup_lines(startup(repeat))])

    if args.write != "-":
        write_block(Path(args.write), args.name, "\n".join(out))
        print(f"\nbench: results written to {args.write} (block '{args.name}')", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
