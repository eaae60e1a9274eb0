"""`kg.build`: summaries in, graph files out. The one function the `kg build` command and a notebook both call.

Stages run left to right: ingest -> extract -> link -> graph -> outputs (RDF files, the embedded store, the network
page). A file that cannot be read is reported and skipped; everything else is still built. Every output is replaced
only when it is complete, so an interrupted build leaves the previous outputs as they were.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError, ValidationFailed
from kg.ingest import Document, expand_paths, read_source
from kg.records import Record

LAST_BUILD_POINTER = Path.home() / ".cache" / "rare-kg" / "last-build"


@dataclass
class BuildResult:
    """What a build produced: where, how much, and which inputs were skipped (with the reason)."""

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[InputError] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    records: list[Record] = field(default_factory=list)

    def summary(self) -> str:
        c = self.counts
        lines = [
            f"built {self.out_dir} in {self.seconds:.1f} s",
            f"  documents {c['documents']} (skipped {len(self.problems)})",
            f"  conditions {c['conditions']}, synonyms {c['synonyms']}, risk factors {c['risk_factors']}, "
            f"treatment areas {c['treatment_areas']}, prevalence figures {c['prevalence']}",
            f"  triples {c['triples']} in {c['graphs']} named graphs",
        ]
        lines += [f"  {name}: {path}" for name, path in sorted(self.files.items())]
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


def build(
    paths: Iterable[str | Path],
    out: str | Path = "build",
    *,
    encoding: str | None = None,
    strict: bool = False,
    store: bool = True,
    html: bool = True,
    validate: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the graph of the summaries under `paths` into the folder `out`.

    Writes graph.ttl (flat, byte-stable), graph.trig (one named graph per summary), graph.nt, graph.jsonld,
    records.jsonl (the `kg extract` records), the embedded store (`store/`) and graph.html. With `strict`, the
    first unreadable input raises InputError instead of being skipped.
    """
    from kg.graph import document_graph, record_quads
    from kg.outputs.rdf import write_atomic, write_outputs

    started = time.perf_counter()
    out_dir = Path(out)
    result = BuildResult(out_dir=out_dir)
    sources = list(expand_paths(paths))
    total = len(sources)

    def problem(exc: InputError) -> None:
        if strict:
            raise exc
        result.problems.append(exc)

    by_graph: dict[object, list[object]] = {}
    seen_ids: dict[str, str] = {}
    done = 0
    for record in iter_records(sources, encoding=encoding, on_problem=problem):
        done += 1
        if progress:
            progress(done + len(result.problems), total)
        if record.id in seen_ids:
            problem(
                InputError(
                    record.source,
                    f"describes the same condition as {seen_ids[record.id]} "
                    f"({record.condition.label}); skipped: merge the two files or remove one",
                )
            )
            continue
        seen_ids[record.id] = record.source
        result.records.append(record)
        by_graph[document_graph(record.id)] = record_quads(record)
        c = result.counts
        c["documents"] += 1
        c["conditions"] += 1
        c["synonyms"] += len(record.synonyms)
        c["risk_factors"] += len(record.risk_factors)
        c["treatment_areas"] += len(record.treatment_areas)
        c["prevalence"] += len(record.prevalence)

    all_quads = [q for quads in by_graph.values() for q in quads]
    if validate:
        from kg.validate import validate_documents as run_validation

        report = run_validation(all_quads)
        if not report.conforms:
            raise ValidationFailed(
                f"the built graph breaks the SHACL shapes (nothing was written):\n{report.text}"
            )
    result.files.update(write_outputs(all_quads, out_dir))
    result.counts["triples"] = len({q.triple for q in all_quads})
    result.counts["graphs"] = len(by_graph)
    records_path = out_dir / "records.jsonl"
    lines = "".join(
        json.dumps(r.to_json(), ensure_ascii=False, sort_keys=False) + "\n" for r in result.records
    )
    write_atomic(records_path, lambda f: f.write(lines.encode("utf-8")))
    result.files["records"] = records_path
    if store:
        from kg.outputs.store import write_store

        write_store(out_dir, by_graph)  # type: ignore[arg-type]
        result.files["store"] = out_dir / "store"
    if html:
        from pyoxigraph import Dataset

        from kg.outputs.viz import write_html

        write_html(Dataset(all_quads), out_dir / "graph.html")
        result.files["html"] = out_dir / "graph.html"
    _remember(out_dir)
    result.seconds = time.perf_counter() - started
    return result


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
