"""Loads the lexicons and cue patterns in `data/lexicons/` once per process (they are data, not code)."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

from kg.errors import KgError
from kg.extract.prefilter import Gate, GateSet, gated


def data_dir() -> Path:
    """The project's `data/` folder (override with RARE_KG_DATA for a relocated install)."""
    env = os.environ.get("RARE_KG_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "data"
    if not (path / "lexicons").is_dir():
        raise KgError(f"lexicons not found in {path}; install rare-kg from its checkout (pip install -e .)")
    return path


def _lines(name: str) -> list[str]:
    text = (data_dir() / "lexicons" / name).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        out.append(line)
    return out


@cache
def words(name: str) -> frozenset[str]:
    """A whitespace-separated word list, lower-cased."""
    return frozenset(w.lower() for line in _lines(name) for w in line.split())


@cache
def phrases(name: str) -> frozenset[str]:
    """One lower-cased phrase per line."""
    return frozenset(line.strip().lower() for line in _lines(name))


@cache
def table(name: str) -> dict[str, str]:
    """`term<TAB>value` lines as a dict keyed by the lower-cased term."""
    out: dict[str, str] = {}
    for line in _lines(name):
        term, _, value = line.partition("\t")
        out[term.strip().lower()] = value.strip()
    return out


@cache
def patterns(name: str) -> tuple[Gate, ...]:
    """One case-insensitive regular expression per line (behind a literal prefilter, `kg.extract.prefilter`)."""
    return tuple(gated(line.strip(), re.I) for line in _lines(name))


@cache
def combined(name: str) -> Gate:
    """All the regular expressions of a file as one case-insensitive alternation (one pass over a text)."""
    return gated("|".join(f"(?:{line.strip()})" for line in _lines(name)), re.I)


@cache
def directed_patterns(name: str) -> tuple[tuple[str, Gate], ...]:
    """`DIRECTION<TAB>regex` lines."""
    out = []
    for line in _lines(name):
        direction, _, rx = line.partition("\t")
        out.append((direction.strip().upper(), gated(rx.strip(), re.I)))
    return tuple(out)


@cache
def pattern_set(name: str) -> GateSet:
    """`patterns(name)` as a `GateSet`: which of the file's patterns may match a text, in one lookup."""
    return GateSet(patterns(name))


@cache
def directed_set(name: str) -> GateSet:
    """`directed_patterns(name)` as a `GateSet` of (direction, gate) entries."""
    return GateSet(directed_patterns(name))
