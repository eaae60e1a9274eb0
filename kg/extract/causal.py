"""Cause regions: the stretches of a sentence that name a cause or predisposition of the condition.

A causal cue says where its cause sits (`data/lexicons/risk-directions.txt`): after it ("caused by A, B or C"),
before it ("smoking raises the risk"), or on whichever side does not name the condition ("the defect has been linked
to X" / "X has been linked to the defect"). A phrase outside every cause region is not a risk factor even in a
sentence full of causal words: "raised levels are tied to attention problems" names outcomes, not causes.
"""

from __future__ import annotations

import re

from kg.extract import lexicon
from kg.extract.prefilter import GateSet, gated

# What refers to the condition itself: a pronoun, "the condition"-like nouns, or "developing/getting it".
_CONDITION_REF = gated(
    r"^\W*(?:(?:a|an|the)\s+)?(?:(?:higher|greater|increased|raised)\s+(?:risk|chance|likelihood|odds)\s+of\s+)?"
    r"(?:(?:developing|getting|having)\s+)?(?:it|this|them|(?:the|this|that|these)\s+(?:\w+\s+){0,2}?"
    r"(?:condition|disease|disorder|syndrome|defect|malformation|anomaly|tumou?r|cancer|illness|form|forms|type|"
    r"problem|deficiency|dystrophy|atrophy|variant)s?|(?:most\s+|many\s+|some\s+)?cases"
    # its episodes, and how early or badly it shows: "set off an attack", "linked to earlier onset"
    r"|(?:an?\s+|the\s+)?(?:\w+\s+)?(?:attacks?|episodes?|flares?|flare-ups?|relapses?|crises|crisis|bouts?)"
    r"|(?:an?\s+)?(?:earlier|early|younger|more\s+severe|severe|worse|faster|rapid|more\s+rapid|more\s+aggressive)\s+"
    r"(?:onset|progression|course|disease|symptoms|expression)"
    # how often it is found: "tied to higher rates", but not "higher rates of lung cancer"
    r"|(?:higher|greater|increased|raised|elevated)\s+(?:rates?|incidence|frequency)"
    r"(?!\s+of\s+(?!it\b|this\b|the\s+(?:condition|disease|disorder)\b)))\b",
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


def _cues() -> GateSet:
    return lexicon.directed_set("risk-directions.txt")


_DISEASE_OBJECT = gated(
    r"^\W*(?:[\w'-]+\s+){0,3}?(?:defects?|diseases?|syndromes?|disorders?|conditions?|malformations?|anomal(?:y|ies))\b",
    re.I,
)


def refers_to_condition(text: str, names: list[str] | tuple[str, ...] = ()) -> bool:
    """Does this stretch (the start of an object, or a subject) name the condition? `names` are the condition's
    names known so far ("TTP" in "tied to antibody-driven TTP")."""
    return bool(_CONDITION_REF.match(text) or _DISEASE_OBJECT.match(text)) or _names_it(text, names)


def _names_it(text: str, names: list[str] | tuple[str, ...]) -> bool:
    """Does the head of this stretch hold one of the condition's own names?"""
    if not names:
        return False
    head = _OBJECT_END.split(text[:60], maxsplit=1)[0]
    lowered = head.lower()
    return any(
        len(n) >= 3 and _has_word(head if n.isupper() else lowered, n if n.isupper() else n.lower()) for n in names
    )


# where the effect named after a cue ends: "grommets cause an ear discharge in PCD" names a discharge (seen in the
# condition), not the condition
_OBJECT_END = re.compile(r"[,;:(]|\s(?:and|or|but|which|that|because|as|while|in|among)\s")


def _has_word(text: str, word: str) -> bool:
    """Is `word` in `text` as a whole word (not inside "ARVCs" or "pre-TTP")? Plain string search: building a
    pattern per name would fill `re`'s cache."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "-_") and not (after.isalnum() or after in "-_"):
            return True
        start = text.find(word, start + 1)
    return False


# How a condition is noticed: what follows "because of" after these is a sign that gave it away, not a cause.
_DIAGNOSED = gated(
    r"\b(?:is|are|was|were|be|been|being|gets?|got)\s+(?:\w+\s+){0,2}?(?:suspected|diagnosed|detected|recogni[sz]ed|"
    r"noticed|spotted|picked\s+up|identified|confirmed|discovered)\b|\b(?:suspect|diagnose|detect|notice|spot)\b"
    # a laboratory test: "a breakage test, in which blood cells are exposed to DNA-damaging chemicals"
    r"|\b(?:tests?|testing|assays?|samples?|laboratory|lab)\b",
    re.I,
)
_RISK_WORD = gated(r"risk|odds|chance|likelihood|susceptib|probab|vulnerab|prone", re.I)
_COPULA = gated(r"^(?:is|are|was|were|be|been|remains?|confers?|heads?|tops?|also\s+feature)\b", re.I)
_OTHER_OUTCOME = gated(
    r"^\s*(?:of|for)\s+(?:\w+\s+)?(?:later|other|second|secondary|subsequent|further|additional|new|serious|"
    r"severe|fatal|life-threatening|cancers?|tumou?rs?|complications?|death|deaths|problems?|infections?|fractures?|"
    r"early\s+death|disability|mortality)\b",
    re.I,
)


_SENTENCE_PART_END = gated(r"[;.!?]")
# A list of further causes after a cue: "..., as do C and D", "..., as may C", "..., and so has C".
_AS_DO = gated(
    r",\s*(?:as\s+(?:do|does|did|may|might|can|could|will|would)|and\s+so\s+(?:has|have|does|do|did|is|are|can|may))\s+",
    re.I,
)
# The people a condition is counted in: "a number of patients", "a notable share of cases", "most people with it".
_PATIENTS = gated(
    r"^\W*(?:(?:in|among|of)\s+)?(?:(?:a|an|the)\s+)?(?:(?:\w+\s+){0,2}?(?:number|share|proportion|fraction|majority|"
    r"minority|handful|percentage|third|quarter|half)\s+of\s+)?(?:the\s+)?(?:many|most|some|several|a\s+few|few)?\s*"
    r"(?:patients|cases|sufferers|people\s+with\s+(?:it|the\s+(?:disease|condition|disorder)))\b",
    re.I,
)


def _object_is_condition(cue: str, after: str, names: list[str] | tuple[str, ...] = ()) -> bool:
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
    if _PATIENTS.match(obj):
        return True  # "have turned up in the histories of a number of patients", "account for a share of cases"
    return refers_to_condition(obj, names) or (first[:1].isupper() and first.lower() not in ("a", "an", "the"))


# A report in front of a cause: "the geneticist told us that one variant of RNF213 makes it more likely".
_REPORTED = re.compile(
    r"\b(?:told|tells|tell|said|says|explained|explains|believes?|thinks?|thought|learned|learnt|showed|shown|"
    r"suggests?|suggested|reported)\s+(?:us\s+|me\s+|them\s+|him\s+|her\s+|parents\s+|families\s+)?that\b",
    re.I,
)


def cause_regions(
    sentence: str, clauses: list[tuple[int, int]], names: list[str] | tuple[str, ...] = ()
) -> list[tuple[int, int]]:
    """Character ranges of `sentence` that name causes, each inside one clause ((start, end) pairs); `names` are
    the condition's names known so far."""
    regions: list[tuple[int, int]] = []
    cues = _cues().candidates(sentence)  # gates: their case-folded twins run faster than the patterns
    for c_start, c_end in clauses:
        for direction, rx in cues:
            for m in rx.finditer(sentence, c_start, c_end):
                if direction == "AFTER":
                    if _DIAGNOSED.search(sentence, c_start, m.start()):
                        continue  # "it may be suspected before birth because of excess fluid": a sign, not a cause
                    if not sentence[m.end() : c_end].strip(" :") and sentence[c_end : c_end + 1] == ":":
                        # "Possible contributor: too little room in the womb": the cause is the next clause
                        nxt = next((e for s, e in clauses if s == c_end), c_end)
                        regions.append((c_end + 1, nxt))
                        continue
                    regions.append((m.end(), c_end))
                elif direction == "BEFORE":
                    if not _object_is_condition(m[0], sentence[m.end() : c_end], names):
                        continue  # "narrowings that cause serious problems": the effect is not the condition
                    # after the last "... told us that" before the cue: the cause is what was told
                    said = [r.end() for r in _REPORTED.finditer(sentence, c_start, m.start())]
                    regions.append((said[-1] if said else c_start, m.start()))
                    stop = _SENTENCE_PART_END.search(sentence, m.end())
                    part_end = stop.start() if stop else len(sentence)
                    as_do = _AS_DO.search(sentence, m.end(), part_end)
                    if as_do:  # "A and B add further risk, as do C and D", "..., and so has inhaling cocaine"
                        regions.append((as_do.end(), part_end))
                    app = _APPOSITIVE.match(sentence, m.end(), c_end)
                    if app:
                        regions.append((app.end(), c_end))
                elif direction == "SYM":
                    after = sentence[m.end() : c_end]
                    subject = sentence[c_start : m.start()]
                    if refers_to_condition(after, names) and not _other_diseases(after, subject, names):
                        regions.append((c_start, m.start()))
                    elif _SUBJECT_REF.search(sentence[c_start : m.start()]) or m.start() - c_start < 3:
                        regions.append((m.end(), c_end))
                elif direction == "MID":
                    mid = m["mid"]
                    if refers_to_condition(mid, names):
                        regions.append((m.end(), c_end))
                    elif refers_to_condition(sentence[m.end() : c_end], names):
                        regions.append((m.start("mid"), m.end("mid")))
    return [(s, e) for s, e in regions if e > s]


def _other_diseases(obj: str, subject: str, names: list[str] | tuple[str, ...]) -> bool:
    """Is the object of a two-way cue other diseases, with the condition as the subject? In "it is linked to
    connective tissue diseases" the diseases are what it is linked to; "smoking is linked to the disease" keeps
    the subject as the cause."""
    if not _DISEASE_OBJECT.match(obj) or _CONDITION_REF.match(obj) or _names_it(obj, names):
        return False
    return _SUBJECT_REF.search(subject) is not None or _names_it(subject, names)


def in_regions(regions: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when [start, end) lies mostly inside one region."""
    return any(s <= start and end <= e + 1 for s, e in regions)
