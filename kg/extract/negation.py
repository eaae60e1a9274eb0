"""Negation scope: which character ranges of a sentence are said to be absent, negated or ineffective.

"There is no gene therapy or biologic cure" negates what follows "no" up to the end of the clause; "antibiotics
are not effective" negates the subject before "are not". Mentions inside a scope are never asserted as facts.
"""

from __future__ import annotations

import re

from kg.extract import lexicon

# A forward scope runs to the end of its clause; a backward scope starts at the start of its clause.
_CLAUSE_END = re.compile(r"[;:.!?—–]|,\s*(?:and|but|while|whereas|although|though|so|yet)\b|,|\b(?:but|while|whereas|although|though|however|yet)\b", re.I)
_CLAUSE_START = re.compile(r"[;:—–]|\b(?:but|while|whereas|although|though|however|which|who|whereas|because|since|so)\b|,\s*and\b", re.I)


def negated_ranges(sentence: str) -> list[tuple[int, int]]:
    """Character ranges (relative to the sentence) inside a negation scope, sorted."""
    ranges: list[tuple[int, int]] = []
    for direction, rx in lexicon.directed_patterns("negation-cues.txt"):
        for m in rx.finditer(sentence):
            if direction == "FORWARD":
                end_m = _CLAUSE_END.search(sentence, m.end())
                ranges.append((m.start(), end_m.start() if end_m else len(sentence)))
            else:
                start = 0
                for c in _CLAUSE_START.finditer(sentence, 0, m.start()):
                    start = c.end()
                ranges.append((start, m.end()))
    return sorted(ranges)


def is_negated(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when the span [start, end) overlaps a negation scope."""
    return any(s < end and start < e for s, e in ranges)
