"""Atomic outputs and determinism, with real processes: a `kg build` killed with SIGKILL at the worst moments
(while extracting, while writing the RDF files, while loading the store) leaves the previous outputs intact and
loadable, leaves no process behind, and the next build completes and cleans up. Two builds of the same corpus in a
different input order and hash seed write identical bytes.

One module fixture runs the whole scenario once (one build in process, three killed builds side by side in copies
of its folder, then two complete builds) and the tests check its record, so that a failure names exactly which
promise broke.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "summaries"
FILES = ("graph.ttl", "graph.trig", "graph.nt", "graph.jsonld", "records.jsonl", "graph.html")
CONDITIONS = "SELECT ?c WHERE { ?c a <https://w3id.org/rare-kg/ontology#RareCondition> } ORDER BY ?c"


@dataclass
class Outputs:
    """What a build folder held at one moment: the bytes of each file and what the store answered."""

    files: dict[str, bytes | None]
    conditions: list[str] | None
    store_error: str | None = None
    parse_errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Kill:
    moment: str
    seen: bool  # the moment was reached before the build finished
    before: Outputs
    at_kill: Outputs  # the outputs just after the kill
    outputs: Outputs  # the outputs a while later (a dead build must not change them any more)
    survivors: list[str]  # processes of the killed build still alive SURVIVOR_GRACE seconds after the kill


@dataclass
class Scenario:
    old: Outputs
    kills: dict[str, Kill]
    final: Outputs
    final_code: int
    final_stderr: str
    debris: list[str]
    reordered: dict[str, bytes | None]


def _snapshot(out: Path) -> Outputs:
    files = {name: (out / name).read_bytes() if (out / name).exists() else None for name in FILES}
    errors: dict[str, str] = {}
    for name, fmt in (("graph.ttl", RdfFormat.TURTLE), ("graph.trig", RdfFormat.TRIG)):
        try:
            list(parse(path=str(out / name), format=fmt))
        except (OSError, SyntaxError, ValueError) as exc:
            errors[name] = str(exc)
    try:
        from kg.outputs.store import load_store

        store = load_store(out)
        conditions = [row[0].value for row in store.query(CONDITIONS)]  # type: ignore[union-attr, index]
        del store
        return Outputs(files, conditions, parse_errors=errors)
    except Exception as exc:  # any failure to open or query is what this test is about
        return Outputs(files, None, store_error=f"{type(exc).__name__}: {exc}", parse_errors=errors)


def _session_survivors(sid: int) -> list[str]:
    """Live (not zombie) processes in the session of the killed build."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != sid:
                continue
            stat = (entry / "stat").read_text()
        except (OSError, ProcessLookupError):
            continue
        state = stat.rsplit(")", 1)[1].split()[0]
        if state != "Z":
            alive.append(f"{entry.name} ({state})")
    return alive


SURVIVOR_GRACE = 5.0  # a busy machine may take a while to schedule dying workers; a leak outlives any grace


def _wait_for_session_to_end(sid: int, grace: float) -> tuple[list[str], float]:
    """Poll until no live process is left in the session (then ([], seconds waited)) or `grace` seconds have
    passed (then the survivors, and the grace)."""
    started = time.monotonic()
    while True:
        survivors = _session_survivors(sid)
        waited = time.monotonic() - started
        if not survivors or waited >= grace:
            return survivors, waited
        time.sleep(0.05)


def _kg_build(paths: list[Path], out: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "build", *map(str, paths), "--out", str(out), "--quiet", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _kill_at(
    moment: str, trigger: Callable[[Path, int], bool], paths: list[Path], out: Path, env: dict[str, str]
) -> Kill:
    before = _snapshot(out)
    proc = _kg_build(paths, out, env)
    seen = False
    deadline = time.monotonic() + 180
    while proc.poll() is None and time.monotonic() < deadline:
        if trigger(out, proc.pid):
            seen = True
            break
        time.sleep(0.0005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    at_kill = _snapshot(out)
    # the helpers of a dead build are told at once (a parent-death signal), but need the CPU to go
    survivors, gone_after = _wait_for_session_to_end(proc.pid, SURVIVOR_GRACE)
    # anything still running (in the session or escaped from it) could still write outputs: look again a while later
    time.sleep(1.0 if survivors else max(0.0, 1.3 - gone_after))
    later = _snapshot(out)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # our own process group: clean up whatever the build left running
    if proc.stderr:
        proc.stderr.close()
    return Kill(moment, seen, before, at_kill, later, survivors)


def _names(out: Path) -> list[str]:
    try:
        return [e.name for e in os.scandir(out)]
    except FileNotFoundError:
        return []


def _has_workers(pid: int) -> bool:
    """The build has started worker processes (children of its process)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    return True
            except (OSError, IndexError, ValueError):
                continue
    return False


TRIGGERS: dict[str, Callable[[Path, int], bool]] = {
    "extracting": lambda out, pid: _has_workers(pid),
    "writing rdf": lambda out, pid: any(
        n.endswith(".tmp") and n.startswith((".graph.", ".records.")) for n in _names(out)
    ),
    "loading the store": lambda out, pid: any(n.startswith(".store-") and n.endswith(".tmp") for n in _names(out)),
}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    from kg.build import build

    base = tmp_path_factory.mktemp("atomic")
    env = dict(os.environ, PYTHONHASHSEED="1")  # $HOME is a temporary folder (tests/conftest.py)
    corpus = sorted(DATA.glob("*.txt"))[:17]  # more than one chunk of 16: worker processes
    small, big = base / "small", base / "big"
    small.mkdir()
    big.mkdir()
    for i, path in enumerate(corpus):
        (big / path.name).write_bytes(path.read_bytes())
        if i < 3:
            (small / path.name).write_bytes(path.read_bytes())
    first = base / "first"
    build([small], first, processes=1)
    old = _snapshot(first)
    # each moment in its own copy of the previous build folder, all at once (the tests stay short)
    folders = {moment: base / f"out-{i}" for i, moment in enumerate(TRIGGERS)}
    for folder in folders.values():
        shutil.copytree(first, folder, symlinks=True)
    with ThreadPoolExecutor(len(TRIGGERS)) as pool:
        running = {
            moment: pool.submit(_kill_at, moment, trigger, [big], folders[moment], env)
            for moment, trigger in TRIGGERS.items()
        }
        kills = {moment: future.result() for moment, future in running.items()}
    out = folders["writing rdf"]  # the next build runs where a killed one left its leftovers
    final_proc = _kg_build([big], out, env)
    # meanwhile, the same corpus again: another hash seed, the files named one by one in reverse order
    again = base / "again"
    proc2 = _kg_build(
        sorted(big.glob("*.txt"), reverse=True), again, dict(env, PYTHONHASHSEED="2"), "--no-store", "--no-html"
    )
    _, err = final_proc.communicate(timeout=300)
    proc2.communicate(timeout=300)
    final = _snapshot(out)
    store_generation = (out / "store").resolve().name if (out / "store").exists() else None
    debris = sorted(
        n
        for n in _names(out)
        if n.startswith(".")
        and n != store_generation
        and not (n.startswith(".store-") and not n.endswith(".tmp"))  # the kept previous generation
        and not n.endswith(".lock")
        and n != ".kg-cache.sqlite"  # kept on purpose (kg.cache); its journal of a killed build must be gone
    )
    reordered = {name: (again / name).read_bytes() if (again / name).exists() else None for name in FILES}
    return Scenario(old, kills, final, final_proc.returncode, err.decode(errors="replace"), debris, reordered)


def _assert_each_output_old_or_new(kill: Kill, scenario: Scenario) -> None:
    """Each file, and the store, is either what the previous build wrote or what a complete new build writes."""
    assert kill.seen, f"the build finished before the moment '{kill.moment}': use a larger corpus"
    for outputs in (kill.at_kill, kill.outputs):
        for name in FILES:
            now, old, new = outputs.files[name], scenario.old.files[name], scenario.final.files[name]
            assert now is not None, f"{name} vanished"
            assert now in (old, new), f"{name} is neither the previous nor a complete new file (half-written?)"
        assert not outputs.parse_errors, outputs.parse_errors
        assert outputs.conditions in (scenario.old.conditions, scenario.final.conditions), outputs.store_error


def test_the_previous_build_is_complete_and_loadable(scenario: Scenario) -> None:
    assert all(scenario.old.files.values()) and not scenario.old.parse_errors
    assert scenario.old.conditions and len(scenario.old.conditions) == 3, scenario.old.store_error


def test_a_build_killed_while_extracting_leaves_every_previous_output(scenario: Scenario) -> None:
    kill = scenario.kills["extracting"]
    _assert_each_output_old_or_new(kill, scenario)
    assert kill.outputs.files == scenario.old.files
    assert kill.outputs.conditions == scenario.old.conditions, kill.outputs.store_error


def test_a_build_killed_while_writing_the_rdf_files_leaves_whole_files(scenario: Scenario) -> None:
    _assert_each_output_old_or_new(scenario.kills["writing rdf"], scenario)


def test_a_build_killed_while_loading_the_store_leaves_a_whole_store(scenario: Scenario) -> None:
    kill = scenario.kills["loading the store"]
    _assert_each_output_old_or_new(kill, scenario)
    assert kill.outputs.conditions == kill.before.conditions, "the store was swapped before it was complete"


def test_nothing_changes_the_outputs_after_a_build_is_killed(scenario: Scenario) -> None:
    """A helper process of a killed build (a worker, the page drawer) must not go on writing outputs."""
    changed = {
        moment: [n for n in FILES if k.at_kill.files[n] != k.outputs.files[n]] for moment, k in scenario.kills.items()
    }
    assert not any(changed.values()), f"outputs written after the build was killed: {changed}"


def test_the_next_build_completes_with_the_new_outputs(scenario: Scenario) -> None:
    assert scenario.final_code == 0, scenario.final_stderr
    assert not scenario.final.parse_errors
    assert scenario.final.conditions is not None and len(scenario.final.conditions) == 17
    assert all(scenario.final.files[name] != scenario.old.files[name] for name in FILES)


def test_the_next_build_removes_what_killed_builds_left_behind(scenario: Scenario) -> None:
    """Temporary files and spool folders of killed builds must not pile up (a spool holds the whole corpus)."""
    assert scenario.debris == [], f"left in the output folder after a successful build: {scenario.debris}"


def test_a_killed_build_leaves_no_process_running(scenario: Scenario) -> None:
    """Every worker, fork server and page drawer of a killed build goes by itself (the test polls for up to
    SURVIVOR_GRACE seconds, as a busy machine may take a while to let them exit)."""
    survivors = {moment: kill.survivors for moment, kill in scenario.kills.items() if kill.survivors}
    assert not survivors, f"processes outlived the killed build by {SURVIVOR_GRACE:.0f} s: {survivors}"


def test_builds_in_another_order_and_hash_seed_write_identical_bytes(scenario: Scenario) -> None:
    for name in ("graph.ttl", "graph.trig", "graph.nt", "graph.jsonld"):
        assert scenario.reordered[name] is not None, name
        assert scenario.reordered[name] == scenario.final.files[name], f"{name} differs between two builds"
    # records.jsonl follows the order the inputs were given in (like `kg extract`); the lines are the same
    again, first = scenario.reordered["records.jsonl"], scenario.final.files["records.jsonl"]
    assert again is not None and first is not None
    assert sorted(again.splitlines()) == sorted(first.splitlines())
