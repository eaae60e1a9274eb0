"""rare-kg: an evidence-backed RDF knowledge graph of rare conditions, built from plain-text summaries.

The two calls most people need, in a notebook or a script:

    import kg
    record = kg.extract(open("data/summaries/wilson-disease.txt").read())   # what `kg extract` prints, a Record
    result = kg.build(["data/summaries"], "build")                          # what `kg build` writes, a BuildResult

`kg.extract` and `kg.build` are also the modules of those stages: calling the module calls its entry point. The
stage functions stay available under their own names: `kg.extract.extract` is the extraction stage alone
(no identifiers), `kg.build.build` the build with all its options. Nothing heavy is imported until it is used.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from kg.build import BuildResult
    from kg.ingest import Document
    from kg.records import Record

__all__ = ["build", "extract"]


def _extract(text: str | Document, source: str = "-", *, link: bool = True) -> Record:
    """The record of one summary (raw text or an ingested Document), grounded to identifiers unless `link` is
    False: the same record `kg extract` prints."""
    from kg.extract import extract as extract_stage

    record = extract_stage(text, source)
    if link:
        from kg.link import link_record

        record = link_record(record)
    return record


def _build(paths: Iterable[str | Path] | str | Path, out: str | Path = "build", **options: Any) -> BuildResult:
    """Build the graph of the summaries under `paths` into `out` (see `kg.build.build` for the options)."""
    from kg.build import build as build_stage

    return build_stage(paths, out, **options)  # type: ignore[arg-type]


_ENTRY_POINTS: dict[str, Any] = {"kg.extract": _extract, "kg.build": _build}


class _StageModule(types.ModuleType):
    """A stage module that can be called: `kg.extract(text)` runs `_extract`, `kg.build(paths)` runs `_build`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _ENTRY_POINTS[self.__name__](*args, **kwargs)


def _make_callable(module_name: str) -> None:
    """Called at the end of kg/extract/__init__.py and kg/build.py."""
    sys.modules[module_name].__class__ = _StageModule


def __getattr__(name: str) -> Any:
    # `import kg; kg.extract(...)` works without importing the stage first (and without slowing `import kg`)
    if name in ("extract", "build"):
        return importlib.import_module(f"kg.{name}")
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
