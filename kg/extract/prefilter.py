"""Literal prefilters for regular expressions: skip a pattern on a text that lacks every literal its matches need.

Most of the extractor's cue patterns can only match where some word occurs ("\\bno\\b", "(?:is|are) not",
"caused by"). Python's `re` scans the whole sentence for each of them, which made regular expressions the largest
cost of extraction. `gated(pattern)` works out, from the pattern's parse tree, a set of strings such that every
match contains at least one of them (the idea of RE2's FilteredRE2), and returns a pattern-like object whose
`search`/`match`/`finditer`... answer "no match" at once when none of those strings is in the text.
When a pattern has no such set (it can match anything, e.g. "\\w+"), the gate always runs it.

The answer is always the one the pattern itself gives: the gate only ever skips texts on which the pattern cannot
match (tests check this on every corpus sentence). Case-insensitive patterns are compared on a lower-cased text in
which the four non-ASCII characters that `re` matches to ASCII letters ("İ", "ı", "K", "ſ") are first mapped to
those letters; a cased non-ASCII literal is never used as a filter.

Gates also run case-insensitive patterns faster: `re.IGNORECASE` makes `re` compare every character through case
folding, three to four times slower than plain comparison on our cue patterns. A gate compiles a case-sensitive
twin of such a pattern (literals and ranges lower-cased in its parse tree) and runs it on the folded text, which
has the same length and offsets; a match it finds is then taken again with the pattern itself at that position, so
callers get the pattern's own match objects (groups with the original letters). Where the twin could differ
(a cased non-ASCII letter in the pattern, a part with its own case flags) there is no twin.
"""

from __future__ import annotations

import importlib
import operator
import re
from collections.abc import Iterator
from typing import Any

# the parser of `re` (Python 3.11+), which has no type stubs
_c: Any = importlib.import_module("re._constants")
_p: Any = importlib.import_module("re._parser")
_compiler: Any = importlib.import_module("re._compiler")

__all__ = ["Gate", "GateSet", "fold", "folded_text", "folded_twin", "gated", "required_literals"]

_MAX_ALTERNATIVES = 64  # beyond this many alternative strings a factor stops being worth checking
_MIN_USEFUL = 2  # a factor whose shortest string is a single letter or digit filters almost nothing ("%" does)

# One analysed piece of a pattern: `exact` is the set of strings the piece matches when it matches only literal
# strings (None otherwise); `need` is a set of strings one of which every match of the piece contains (None: no
# requirement found).
_Piece = tuple[frozenset[str] | None, frozenset[str] | None]


def _score(strings: frozenset[str] | None) -> tuple[int, int]:
    if not strings:
        return (-1, 0)
    return (min(len(s) for s in strings), -len(strings))


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    return a if _score(a) >= _score(b) else b


# Non-ASCII characters that `re.IGNORECASE` matches to an ASCII letter (checked over every code point).
_TO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u212a": "k", "\u017f": "s"})


def fold(text: str) -> str:
    """The text as case-insensitive patterns see it, for substring checks."""
    return text.lower() if text.isascii() else text.translate(_TO_ASCII).lower()


def _literal(code: int, ignore_case: bool) -> str | None:
    ch = chr(code)
    if not ignore_case:
        return ch
    if not ch.isascii() and ch.lower() != ch.upper():
        return None  # a cased non-ASCII letter: its case equivalents under `re` are not worth modelling
    return ch.lower()


def _char_class(items: list[Any], fold: bool) -> frozenset[str] | None:
    """The characters of a small class of plain literals ("[pq]"); None for ranges, categories and negations."""
    chars = set()
    for op, arg in items:
        ch = _literal(arg, fold) if op is _c.LITERAL else None
        if ch is None:
            return None
        chars.add(ch)
    return frozenset(chars) if chars and len(chars) <= 8 else None


def _sequence(items: Any, fold: bool) -> _Piece:
    """A concatenation: runs of exact pieces are joined (cross product) into longer literals; the best requirement
    of any piece is the sequence's requirement."""
    exact: frozenset[str] | None = frozenset([""])
    run: frozenset[str] | None = frozenset([""])
    best: frozenset[str] | None = None
    for op, arg in items:
        piece = _item(op, arg, fold)
        if piece is None:  # zero-width (\b, ^, $): transparent
            continue
        p_exact, p_need = piece
        if p_exact is not None and run is not None and len(run) * len(p_exact) <= _MAX_ALTERNATIVES:
            run = frozenset(a + b for a in run for b in p_exact)
        else:
            if run is not None and run != frozenset([""]):
                best = _better(best, run)
            run = p_exact if p_exact is not None else frozenset([""])
        if exact is not None:
            exact = (
                frozenset(a + b for a in exact for b in p_exact)
                if p_exact is not None and len(exact) * len(p_exact) <= _MAX_ALTERNATIVES
                else None
            )
        best = _better(best, p_need)
    if run is not None and run != frozenset([""]):
        best = _better(best, run)
    return exact, best


def _item(op: Any, arg: Any, fold: bool) -> _Piece | None:
    if op is _c.LITERAL:
        ch = _literal(arg, fold)
        if ch is None:
            return (None, None)
        s = frozenset([ch])
        return s, s
    if op is _c.AT:
        return None
    if op is _c.IN:
        chars = _char_class(arg, fold)
        return chars, chars
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, inner = arg
        if (add_flags | del_flags) & _c.SRE_FLAG_IGNORECASE and not fold:
            return (None, None)  # a case-insensitive part of a case-sensitive pattern: no safe literal
        return _sequence(inner, fold)
    if op is _c.BRANCH:
        _unused, branches = arg
        pieces = [_sequence(b, fold) for b in branches]
        exact: frozenset[str] | None = None
        if all(p[0] is not None for p in pieces):
            union = frozenset().union(*(p[0] for p in pieces if p[0] is not None))
            exact = union if len(union) <= _MAX_ALTERNATIVES else None
        need: frozenset[str] | None = None
        if all(p[1] for p in pieces):
            union = frozenset().union(*(p[1] for p in pieces if p[1]))
            need = union if len(union) <= _MAX_ALTERNATIVES else None
        return exact, need
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, hi, inner = arg
        p_exact, p_need = _sequence(inner, fold)
        if lo == 0:
            if hi == 1 and p_exact is not None and len(p_exact) < _MAX_ALTERNATIVES:
                return p_exact | {""}, None  # an optional literal: "s?" is "" or "s"
            return (None, None)
        exact = p_exact if lo == hi == 1 else None
        return exact, p_need
    if op is _c.ASSERT:
        _direction, inner = arg
        # a lookahead or lookbehind must find its text in the string too, outside the match: still required
        _e, need = _sequence(inner, fold)
        return frozenset([""]), need
    if op is _c.ASSERT_NOT:
        return frozenset([""]), None
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(arg, fold)
    return (None, None)  # ANY, NOT_LITERAL, CATEGORY, GROUPREF, ranges: match unknown text


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains (case-folded when the pattern ignores case), or None
    when no useful set exists."""
    fold = bool(pattern.flags & re.IGNORECASE)
    try:
        tree = _p.parse(pattern.pattern, pattern.flags)
    except Exception:  # an unparsable or unusual pattern: never filter it
        return None
    _exact, need = _sequence(list(tree), fold)
    if not need or any(len(s) < _MIN_USEFUL and (not s or s.isalnum() or s.isspace()) for s in need):
        return None
    return need


class _LiteralIndex:
    """Every case-folded literal of every gate in one Aho-Corasick automaton (pyahocorasick), so that one pass over
    a sentence tells which literals it contains; each gate then asks a set question instead of scanning for its
    literals one by one. Gates made later (lexicons load lazily) rebuild the automaton on the next query."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._automaton: Any = None
        self._last: tuple[str | None, frozenset[int]] = (None, frozenset())
        self._before: tuple[str | None, frozenset[int]] = (None, frozenset())  # the one before: a sentence and a
        # piece of it are often asked in turns

    def register(self, literals: frozenset[str]) -> frozenset[int]:
        for lit in literals:
            if lit not in self.ids:
                self.ids[lit] = len(self.ids)
                self._automaton = None
                self._last = self._before = (None, frozenset())  # answered without this literal
        return frozenset(self.ids[lit] for lit in literals)

    def present(self, text: str) -> frozenset[int] | None:
        """Ids of the literals in `text` (case-folded), or None without pyahocorasick; the last answer is kept, as
        gates ask about one sentence many times in a row."""
        if self._last[0] is text:
            return self._last[1]
        if self._before[0] is text:
            self._last, self._before = self._before, self._last
            return self._last[1]
        automaton = self._automaton
        if automaton is None:
            automaton = self._automaton = self._build()
        if automaton is False:
            return None
        folded = folded_text(text)
        found = frozenset(map(_second, automaton.iter(fold(text) if folded is None else folded)))
        self._before, self._last = self._last, (text, found)
        return found

    def _build(self) -> Any:
        try:
            import ahocorasick
        except ImportError:  # pragma: no cover - a dependency; without it gates scan for their literals
            return False
        automaton = ahocorasick.Automaton()
        for lit, i in self.ids.items():
            automaton.add_word(lit, i)
        automaton.make_automaton()
        return automaton


_INDEX = _LiteralIndex()
_second = operator.itemgetter(1)

_FOLDED: list[str | None] = [None, None]  # the last text folded, and its folded form


def folded_text(text: str) -> str | None:
    """`fold(text)` when it keeps every offset (always, except for a few characters whose lower case is longer);
    the last answer is kept, as gates ask about one sentence many times in a row."""
    if _FOLDED[0] is text:
        return _FOLDED[1]
    folded: str | None = fold(text)
    if folded is not None and len(folded) != len(text):
        folded = None
    _FOLDED[0], _FOLDED[1] = text, folded
    return folded


def _lower_code(code: int) -> int | None:
    ch = chr(code)
    if ch.isascii():
        return ord(ch.lower())
    return code if ch.lower() == ch.upper() else None  # a cased non-ASCII letter: folds in ways not modelled


def _lower_tree(items: Any) -> bool:
    """Lower-case the literals and ranges of a parsed pattern in place; False where the twin could differ."""
    for k, (op, av) in enumerate(items):
        if op in (_c.LITERAL, _c.NOT_LITERAL):
            code = _lower_code(av)
            if code is None:
                return False
            items[k] = (op, code)
        elif op is _c.IN:
            extra = []
            for j, (iop, iav) in enumerate(av):
                if iop is _c.LITERAL:
                    code = _lower_code(iav)
                    if code is None:
                        return False
                    av[j] = (iop, code)
                elif iop is _c.RANGE:
                    lo, hi = iav
                    if hi > 127 and (
                        hi - lo > 4096 or any(chr(c).lower() != chr(c).upper() for c in range(max(lo, 128), hi + 1))
                    ):
                        return False
                    a, b = max(lo, ord("A")), min(hi, ord("Z"))
                    if a <= b:
                        extra.append((_c.RANGE, (a + 32, b + 32)))
            av.extend(extra)  # after a leading NEGATE, which stays first
        elif op is _c.BRANCH:
            if not all(_lower_tree(b) for b in av[1]):
                return False
        elif op is _c.SUBPATTERN:
            _group, add_flags, del_flags, inner = av
            if (add_flags | del_flags) & _c.SRE_FLAG_IGNORECASE or not _lower_tree(inner):
                return False
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            if not _lower_tree(av[2]):
                return False
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            if not _lower_tree(av[1]):
                return False
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            if not _lower_tree(av):
                return False
        elif op is _c.GROUPREF_EXISTS:
            _group, yes, no = av
            if not _lower_tree(yes) or (no is not None and not _lower_tree(no)):
                return False
    return True


def folded_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A case-sensitive pattern that matches `fold(text)` exactly where the case-insensitive `pattern` matches
    `text` (same spans), or None when the pattern is case-sensitive or no such twin is certain."""
    if not pattern.flags & re.IGNORECASE or not isinstance(pattern.pattern, str):
        return None
    try:
        tree = _p.parse(pattern.pattern, pattern.flags)
        if not _lower_tree(tree.data):
            return None
        tree.state.flags &= ~_c.SRE_FLAG_IGNORECASE
        compiled: re.Pattern[str] = _compiler.compile(tree, pattern.flags & ~re.IGNORECASE)
    except Exception:  # an unusual pattern: no twin, the pattern runs as it is
        return None
    return compiled


class Gate:
    """A compiled pattern that skips texts lacking its required literals; otherwise it is the pattern itself."""

    __slots__ = ("_ids", "_memo", "_scan", "_twin", "literals", "regex")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.regex = pattern
        self.literals = required_literals(pattern)
        fold_case = bool(pattern.flags & re.IGNORECASE)
        self._ids = _INDEX.register(self.literals) if self.literals and fold_case else None
        # case-sensitive literals (few) are looked for directly, and the answer kept for the text: a gate asked at
        # many positions of one long text ("finditer(text, pos, endpos)") must not rescan it each time
        self._scan = tuple(self.literals) if self.literals and not fold_case else None
        self._memo: tuple[str | None, bool] = (None, False)
        self._twin = folded_twin(pattern)

    def may_match(self, text: str) -> bool:
        """False only when the pattern cannot match anywhere in `text`."""
        if self._ids is not None:
            present = _INDEX.present(text)
            return self._loop(text) if present is None else not self._ids.isdisjoint(present)
        if self._scan is not None:
            return self._scanned(text)
        return True

    def _scanned(self, text: str) -> bool:
        memo = self._memo
        if memo[0] is text:
            return memo[1]
        found = any(s in text for s in self._scan or ())
        self._memo = (text, found)
        return found

    def _loop(self, text: str) -> bool:
        hay = fold(text)
        return any(s in hay for s in self.literals or ())

    def _skip(self, text: str) -> bool:
        """`not may_match(text)`, with the common case (the index already answered for this text) inlined: gates
        are asked tens of times per sentence, so the call overhead matters."""
        ids = self._ids
        if ids is not None:
            last = _INDEX._last
            present = last[1] if last[0] is text else _INDEX.present(text)
            return not self._loop(text) if present is None else ids.isdisjoint(present)
        if self._scan is not None:
            return not self._scanned(text)
        return False

    def search(self, text: str, pos: int = 0, endpos: int = 2**62) -> re.Match[str] | None:
        if self._skip(text):
            return None
        twin, folded = self._twin, self._folded(text)
        if twin is None or folded is None:
            return self.regex.search(text, pos, endpos)
        found = twin.search(folded, pos, endpos)
        return None if found is None else self._again(text, found.start(), endpos)

    def occurs(self, text: str, folded: str | None = None) -> bool:
        """Does the pattern match somewhere in `text`, a piece of a sentence the gate already let through?
        `folded` is the piece of the folded sentence (`folded_text(sentence)[start:end]`), for the twin."""
        if self._twin is not None and folded is not None:
            return self._twin.search(folded) is not None
        return self.regex.search(text) is not None

    def _folded(self, text: str) -> str | None:
        """The folded text the twin runs on; None when there is no twin or folding would move offsets."""
        return None if self._twin is None else folded_text(text)

    def _again(self, text: str, start: int, endpos: int) -> re.Match[str] | None:
        """The pattern's own match where its twin matched (the same span: the twin is exact)."""
        return self.regex.match(text, start, endpos) or self.regex.search(text, start, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = 2**62) -> re.Match[str] | None:
        return None if self._skip(text) else self.regex.match(text, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int = 2**62) -> re.Match[str] | None:
        return self.regex.fullmatch(text, pos, endpos) if self.may_match(text) else None

    def finditer(self, text: str, pos: int = 0, endpos: int = 2**62) -> Iterator[re.Match[str]]:
        if self._skip(text):
            return iter(())
        twin, folded = self._twin, self._folded(text)
        if twin is None or folded is None:
            return self.regex.finditer(text, pos, endpos)
        return self._refind(twin, text, folded, pos, endpos)

    def _refind(self, twin: re.Pattern[str], text: str, folded: str, pos: int, endpos: int) -> Iterator[re.Match[str]]:
        for found in twin.finditer(folded, pos, endpos):
            m = self._again(text, found.start(), endpos)
            if m is not None:
                yield m

    def findall(self, text: str, pos: int = 0, endpos: int = 2**62) -> list[Any]:
        return self.regex.findall(text, pos, endpos) if self.may_match(text) else []

    def sub(self, repl: Any, text: str, count: int = 0) -> str:
        return self.regex.sub(repl, text, count) if self.may_match(text) else text

    def __getattr__(self, name: str) -> Any:  # .pattern, .flags, .groups, .groupindex: those of the pattern
        return getattr(self.regex, name)

    def __repr__(self) -> str:
        return f"Gate({self.regex.pattern[:40]!r}, literals={sorted(self.literals or [])[:6]})"


def gated(pattern: str | re.Pattern[str], flags: int = 0) -> Gate:
    """`re.compile` with a literal prefilter in front."""
    return Gate(pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags))


class GateSet:
    """A table of gates (a cue file) asked as one: `candidates(text)` gives, in table order, the entries whose gate
    may match the text. Instead of asking every gate (about a microsecond each, for fifty cues on every sentence),
    it looks up the gates of the literals the sentence contains, through an inverted index of literal ids."""

    __slots__ = ("_always", "_by_id", "_keys", "entries")

    def __init__(self, entries: Any) -> None:
        self.entries: tuple[Any, ...] = tuple(entries)
        self._always: list[int] = []  # gates without case-folded literals: asked one by one
        self._by_id: dict[int, list[int]] = {}
        for k, entry in enumerate(self.entries):
            gate = entry[-1] if isinstance(entry, tuple) else entry
            if gate._ids is None:
                self._always.append(k)
            else:
                for i in gate._ids:
                    self._by_id.setdefault(i, []).append(k)
        self._keys = frozenset(self._by_id)  # intersected with a sentence's literals at C speed

    def candidates(self, text: str) -> list[Any]:
        """The entries whose gates may match `text` (each exactly as `Gate.may_match` would answer)."""
        present = _INDEX.present(text)
        if present is None:
            return [e for e in self.entries if (e[-1] if isinstance(e, tuple) else e).may_match(text)]
        hits: set[int] = set()
        by_id = self._by_id
        for i in present & self._keys:
            hits.update(by_id[i])
        for k in self._always:
            entry = self.entries[k]
            if (entry[-1] if isinstance(entry, tuple) else entry).may_match(text):
                hits.add(k)
        return [self.entries[k] for k in sorted(hits)]
