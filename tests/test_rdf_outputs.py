"""kg.outputs.rdf: the four RDF files, byte-identical for the same input, written atomically."""

from __future__ import annotations

import os
import random
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat, parse
from test_graph import seed_record

from kg.graph import record_quads
from kg.outputs.rdf import FILES, write_atomic, write_outputs
from kg.vocab import PREFIXES

ROOT = Path(__file__).resolve().parents[1]


def _quads() -> list:
    return record_quads(seed_record("doc-a")) + record_quads(seed_record("doc-b"))


def test_writes_four_files_that_parse_back_to_the_same_graph(tmp_path: Path) -> None:
    quads = _quads()
    paths = write_outputs(quads, tmp_path)
    assert set(paths) == set(FILES) and all(p.parent == tmp_path for p in paths.values())
    flat = {q.triple for q in quads}
    for kind, fmt in (
        ("turtle", RdfFormat.TURTLE),
        ("ntriples", RdfFormat.N_TRIPLES),
        ("jsonld", RdfFormat.JSON_LD),
    ):
        assert {q.triple for q in parse(path=str(paths[kind]), format=fmt)} == flat, kind
    trig = set(parse(path=str(paths["trig"]), format=RdfFormat.TRIG))
    assert trig == set(quads)  # named graphs kept
    assert {q.graph_name for q in trig} == {
        NamedNode("https://w3id.org/rare-kg/document/doc-a"),
        NamedNode("https://w3id.org/rare-kg/document/doc-b"),
    }


def test_turtle_is_sorted_deduplicated_and_uses_the_project_prefixes(tmp_path: Path) -> None:
    quads = _quads()
    write_outputs(quads + quads, tmp_path)
    text = (tmp_path / "graph.ttl").read_text(encoding="utf-8")
    for prefix in ("cond", "risk", "evid", "skos", "schema", "rkg"):
        assert f"@prefix {prefix}: <{PREFIXES[prefix]}> ." in text
    assert "cond:doc-a " in text and "_:" not in text
    in_file = [t.triple for t in parse(path=str(tmp_path / "graph.nt"), format=RdfFormat.N_TRIPLES)]
    assert len(in_file) == len({q.triple for q in quads})  # each triple once
    assert in_file == sorted(in_file, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def test_same_input_in_any_order_gives_the_same_bytes(tmp_path: Path) -> None:
    quads = _quads()
    shuffled = list(quads)
    random.Random(7).shuffle(shuffled)
    a, b = tmp_path / "a", tmp_path / "b"
    write_outputs(quads, a)
    write_outputs(reversed(shuffled), b)
    for name in FILES.values():
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_the_bytes_do_not_depend_on_the_process(tmp_path: Path) -> None:
    """Another interpreter with another hash seed writes the same files (no set/dict order leaks out)."""
    write_outputs(_quads(), tmp_path / "here")
    script = (
        "import sys; sys.path.insert(0, sys.argv[2]);"
        "from pathlib import Path; from test_graph import seed_record; from kg.graph import record_quads;"
        "from kg.outputs.rdf import write_outputs;"
        "q = record_quads(seed_record('doc-b')) + record_quads(seed_record('doc-a'));"
        "write_outputs(q, Path(sys.argv[1]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "there"), str(ROOT / "tests")],
        check=True,
        env=env,
        cwd=ROOT,
    )
    for name in FILES.values():
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "there" / name).read_bytes(), name


def test_files_are_ordinary_files_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    write_outputs(_quads(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES.values())
    umask = os.umask(0)
    os.umask(umask)
    mode = stat.S_IMODE((tmp_path / "graph.ttl").stat().st_mode)
    assert mode == 0o666 & ~umask  # like any file the user creates, not mkstemp's private 0600


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "graph.ttl"
    target.write_text("previous", encoding="utf-8")

    def explode(fh) -> None:
        fh.write(b"half a graph")
        raise RuntimeError("serialiser crashed")

    with pytest.raises(RuntimeError):
        write_atomic(target, explode)
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    from kg.errors import OutputError

    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="output folder"):
        write_outputs(_quads(), blocker / "out")
