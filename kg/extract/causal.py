"""Cause regions: the stretches of a sentence that name a cause or predisposition of the condition.

A causal cue says where its cause sits (`data/lexicons/risk-directions.txt`): after it ("caused by A, B or C"),
before it ("smoking raises the risk"), or on whichever side does not name the condition ("the defect has been linked
to X" / "X has been linked to the defect"). A phrase outside every cause region is not a risk factor even in a
sentence full of causal words: "raised levels are tied to attention problems" names outcomes, not causes.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract import lexicon
from kg.extract.prefilter import Gate, gated

# What refers to the condition itself: a pronoun, "the condition"-like nouns, or "developing/getting it".
_CONDITION_REF = gated(
    r"^\W*(?:(?:a|an|the)\s+)?(?:(?:higher|greater|increased|raised)\s+(?:risk|chance|likelihood|odds)\s+of\s+)?"
    r"(?:(?:developing|getting|having)\s+)?(?:it|this|them|(?:the|this|that|these)\s+(?:\w+\s+){0,2}?"
    r"(?:condition|disease|disorder|syndrome|defect|malformation|anomaly|tumou?r|cancer|illness|form|forms|type|"
    r"problem|deficiency|dystrophy|atrophy|variant)s?|(?:most\s+|many\s+|some\s+)?cases)\b",
    re.I,
)
_SUBJECT_REF = gated(
    r"\b(?:it|this|the\s+(?:\w+\s+){0,2}?(?:condition|disease|disorder|syndrome|defect|malformation|anomaly|"
    r"tumou?r|cancer|illness|deficiency)|cases|this\s+form|the\s+\w+\s+form)\b",
    re.I,
)
_APPOSITIVE = gated(
    r"[^,;.]{0,60},\s*(?:notably|especially|particularly|chiefly|mainly|above\s+all|such\s+as|including|for\s+example|"
    r"for\s+instance|e\.g\.,?)\s+",
    re.I,
)


@lru_cache(maxsize=1)
def _cues() -> tuple[tuple[str, Gate], ...]:
    return lexicon.directed_patterns("risk-directions.txt")


_DISEASE_OBJECT = gated(
    r"^\W*(?:[\w'-]+\s+){0,3}?(?:defects?|diseases?|syndromes?|disorders?|conditions?|malformations?|anomal(?:y|ies))\b",
    re.I,
)


def refers_to_condition(text: str, name: str | None = None) -> bool:
    """Does this stretch (the start of an object, or a subject) name the condition?"""
    if _CONDITION_REF.match(text) or _DISEASE_OBJECT.match(text):
        return True
    return bool(name and name.lower() in text.lower())


_RISK_WORD = gated(r"risk|odds|chance|likelihood|susceptib|probab|vulnerab|prone", re.I)
_COPULA = gated(r"^(?:is|are|was|were|be|been|remains?|confers?|heads?|tops?|also\s+feature)\b", re.I)
_OTHER_OUTCOME = gated(
    r"^\s*(?:of|for)\s+(?:\w+\s+)?(?:later|other|second|secondary|subsequent|further|additional|new|serious|"
    r"severe|fatal|life-threatening|cancers?|tumou?rs?|complications?|death|deaths|problems?|infections?|fractures?|"
    r"early\s+death|disability|mortality)\b",
    re.I,
)


def _object_is_condition(cue: str, after: str) -> bool:
    """For a cue whose cause is its subject, is the effect the condition itself? "raises the risk" (of it) and
    "is a known trigger" are; "raises the risk of later cancers" and "cause serious problems" are not."""
    if _COPULA.match(cue):
        return not _OTHER_OUTCOME.match(after)  # "is the leading cause of early death" is about another outcome
    if _RISK_WORD.search(cue):
        return not _OTHER_OUTCOME.match(after)
    obj = re.sub(r"^\s*(?:to\s+|in\s+)?", "", after)
    if not obj.strip() or re.match(r"\s*[,;.]", after):
        return True
    first = obj.split()[0] if obj.split() else ""
    return refers_to_condition(obj) or (first[:1].isupper() and first.lower() not in ("a", "an", "the"))


def cause_regions(sentence: str, clauses: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character ranges of `sentence` that name causes, each inside one clause ((start, end) pairs)."""
    regions: list[tuple[int, int]] = []
    cues = [(direction, gate.regex) for direction, gate in _cues() if gate.may_match(sentence)]
    for c_start, c_end in clauses:
        for direction, rx in cues:
            for m in rx.finditer(sentence, c_start, c_end):
                if direction == "AFTER":
                    regions.append((m.end(), c_end))
                elif direction == "BEFORE":
                    if not _object_is_condition(m[0], sentence[m.end() : c_end]):
                        continue  # "narrowings that cause serious problems": the effect is not the condition
                    regions.append((c_start, m.start()))
                    as_do = re.search(r",\s*as\s+(?:do|does|did)\s+", sentence[m.end() : c_end])
                    if as_do:  # "A and B add further risk, as do C and D"
                        regions.append((m.end() + as_do.end(), c_end))
                    app = _APPOSITIVE.match(sentence, m.end(), c_end)
                    if app:
                        regions.append((app.end(), c_end))
                elif direction == "SYM":
                    after = sentence[m.end() : c_end]
                    if refers_to_condition(after):
                        regions.append((c_start, m.start()))
                    elif _SUBJECT_REF.search(sentence[c_start : m.start()]) or m.start() - c_start < 3:
                        regions.append((m.end(), c_end))
                elif direction == "MID":
                    mid = m["mid"]
                    if refers_to_condition(mid):
                        regions.append((m.end(), c_end))
                    elif refers_to_condition(sentence[m.end() : c_end]):
                        regions.append((m.start("mid"), m.end("mid")))
    return [(s, e) for s, e in regions if e > s]


def in_regions(regions: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when [start, end) lies mostly inside one region."""
    return any(s <= start and end <= e + 1 for s, e in regions)
