"""Negation scope: which character ranges of a sentence are said to be absent, negated, avoided or ineffective.

Cues come from `data/lexicons/negation-cues.txt`, each with a direction:

- FORWARD cues ("no", "without", "avoid") negate what follows them up to the end of their clause; a list after the
  cue ("no gene therapy, biologic cure or transplant") is followed across its commas.
- BACKWARD cues ("are not effective", "was withdrawn", "offers no benefit") negate the subject before them, back to
  the start of their clause; a list subject ("A, B, and C have all been tried without benefit") is followed back
  across its commas, and a clause with no subject of its own ("... but is not available") borrows the previous one.
- SENTENCE cues ("but none has been approved") refer back to everything named earlier in the sentence.
- REST cues ("is separate from Y, which ...") hand the rest of the sentence to another condition.

Mentions inside a scope are never asserted as facts. Patterns are compiled once (see `kg.extract.lexicon`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract import lexicon
from kg.extract.prefilter import Gate, gated

# Where a forward scope stops: strong punctuation, a comma, or a contrastive/subordinating word.
_CLAUSE_END = gated(
    r"[;:.!?—–()]|,|\b(?:but|while|whereas|although|though|however|yet|unless|except|which|who|so\s+that)\b"
    r"|\b(?:may|might|can|could|will|would|should|must)\s+(?:also\s+|still\s+|then\s+)?(?!not\b)\w+",
    re.I,
)
# Where a backward scope starts (its end is used). ", and" is decided case by case (see `_backward_start`).
_STRONG_START = gated(
    r"[;:—–()]|\b(?:but|while|whereas|although|though|however|which|who|whom|that|because|since|so|unless|if|when|yet)\b",
    re.I,
)
_COMMA_CONJ = gated(r",\s*(?:and|or)\b|,", re.I)
# A finite verb: its presence means a stretch of text is a clause of its own, not just a list of noun phrases.
_FINITE = gated(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|can|could|may|might|must|should|will|would|does|do|did|"
    r"remains?|seems?|appears?|helps?|works?|needs?|offers?|gives?|makes?|uses?|leads?|causes?|means?|includes?|"
    r"\w{3,}(?:ed|es)\s+(?:by|to|with|on|in|from|as)\b)\b",
    re.I,
)
# A short noun phrase followed by a list separator: the text after a comma that continues a list.
_LIST_ITEM = gated(
    r"\s*(?:(?:and|or|nor|and/or)\s+)?(?P<np>(?:[\w'’/-]+\s+){0,5}?[\w'’/-]+)\s*(?P<sep>,|\s(?:or|and|nor)\s|[.;:!?]|$)",
    re.I,
)
_LIST_OK_WORDS = frozenset({"of", "such", "as", "the", "a", "an", "other", "any", "all"})


@lru_cache(maxsize=1)
def _cues() -> tuple[tuple[str, Gate], ...]:
    return lexicon.directed_patterns("negation-cues.txt")


def _is_list_item(np: str) -> bool:
    words = np.lower().split()
    boundary = lexicon.words("np-boundaries.txt")
    return not any(w in boundary and w not in _LIST_OK_WORDS for w in words) and not _FINITE.search(np)


def _forward_end(sentence: str, pos: int) -> int:
    """End of a forward scope starting at `pos`: the clause end, continued over the commas of a list."""
    while True:
        m = _CLAUSE_END.search(sentence, pos)
        if m is None:
            return len(sentence)
        if m.group() != ",":
            return m.start()
        item = _LIST_ITEM.match(sentence, m.end())
        if item is None or not _is_list_item(item["np"]):
            return m.start()
        sep = item["sep"].strip()
        conj = re.match(r"\s*(?:and|or|nor|and/or)\s", sentence[m.end() :], re.I)
        if sep in ("", ".", ";", ":", "!", "?") and not conj:
            return m.start()  # "no cure, physiotherapy helps." is two clauses, not a list
        pos = m.end()


def _backward_start(sentence: str, cue_start: int) -> int:
    """Start of a backward scope ending at `cue_start`: the clause start, extended back over a list subject."""
    start = 0
    for c in _STRONG_START.finditer(sentence, 0, cue_start):
        start = c.end()
    # ", and"/"," inside the clause: a boundary only when the text before it is a clause of its own (has a verb)
    inner = start
    for c in _COMMA_CONJ.finditer(sentence, start, cue_start):
        if _FINITE.search(sentence[start : c.start()]):
            inner = c.end()
    subject = sentence[inner:cue_start]
    if not re.search(
        r"[A-Za-z]{3}", re.sub(r"\b(?:and|or|it|they|this|these|that|also|then|still|now)\b", "", subject, flags=re.I)
    ):
        # "... has shown promise in animals but is not available": the subject is the previous clause's
        prev = 0
        for c in _STRONG_START.finditer(sentence, 0, max(0, start - 1)):
            if c.end() < start - 1:
                prev = c.end()
        return prev
    return inner


def negated_ranges(sentence: str) -> list[tuple[int, int]]:
    """Character ranges (relative to the sentence) inside a negation scope, sorted."""
    ranges: list[tuple[int, int]] = []
    for direction, rx in _cues():
        for m in rx.finditer(sentence):
            if direction == "FORWARD":
                ranges.append((m.start(), _forward_end(sentence, m.end())))
            elif direction == "SENTENCE":
                ranges.append((0, m.end()))
            elif direction == "REST":
                ranges.append((m.start(), len(sentence)))
            else:
                ranges.append((_backward_start(sentence, m.start()), m.end()))
    return sorted(ranges)


def is_negated(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when the span [start, end) overlaps a negation scope."""
    return any(s < end and start < e for s, e in ranges)
