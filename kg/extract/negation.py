"""Negation scope: which character ranges of a sentence are said to be absent, negated, avoided or ineffective.

Cues come from `data/lexicons/negation-cues.txt`, each with a direction:

- FORWARD cues ("no", "without", "avoid") negate what follows them up to the end of their clause; a list after the
  cue ("no gene therapy, biologic cure or transplant") is followed across its commas.
- BACKWARD cues ("are not effective", "was withdrawn", "offers no benefit") negate the subject before them, back to
  the start of their clause; a list subject ("A, B, and C have all been tried without benefit") is followed back
  across its commas, and a clause with no subject of its own ("... but is not available") borrows the previous one.
- PHRASE cues ("lack of") negate only the phrase after them, up to the next comma or "or": in a list of causes
  ("lack of oxygen around birth, or a head injury") the other items are not lacking.
- SENTENCE cues ("but none has been approved") refer back to everything named earlier in the sentence.
- REST cues ("is separate from Y, which ...") hand the rest of the sentence to another condition.

Mentions inside a scope are never asserted as facts. Patterns are compiled once (see `kg.extract.lexicon`).
"""

from __future__ import annotations

import re

from kg.extract import lexicon
from kg.extract.prefilter import GateSet, gated

# Where a forward scope stops: strong punctuation, a comma, or a contrastive/subordinating word.
_CLAUSE_END = gated(
    r"[;:.!?—–()]|,|\b(?:but|while|whereas|although|though|however|yet|unless|except|which|who|so\s+that)\b"
    r"|\b(?:may|might|can|could|will|would|should|must)\s+(?:also\s+|still\s+|then\s+)?(?!not\b)\w+",
    re.I,
)
# Where a PHRASE scope ends: "lack of oxygen around birth, or a head injury" lacks only the oxygen.
_PHRASE_END = re.compile(r"[,;:.!?()]|\s+or\s+", re.I)
# Where a backward scope starts (its end is used). ", and" is decided case by case (see `_backward_start`).
_STRONG_START = gated(
    r"[;:—–()]|\b(?:but|while|whereas|although|though|however|which|who|whom|that|because|since|so|unless|if|when|yet)\b",
    re.I,
)
# ", and"/",", a bare "and" ("CT is swapped for MRI and radiotherapy is a last resort"; a boundary only after a
# clause with a verb, see `_backward_start`) or a "but" before a pronoun subject ("... but it is not approved")
_COMMA_CONJ = gated(r",\s*(?:and|or)\b|,|\sand\s|\sbut\s+(?=(?:it|they|this|these|that)\s)", re.I)
# A finite verb: its presence means a stretch of text is a clause of its own, not just a list of noun phrases.
_FINITE = gated(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|can|could|may|might|must|should|will|would|does|do|did|"
    r"remains?|seems?|appears?|helps?|works?|needs?|offers?|gives?|makes?|uses?|leads?|causes?|means?|includes?|gets?|got|"
    r"\w{3,}(?:ed|es)\s+(?:by|to|with|on|in|from|as)\b)\b",
    re.I,
)
# An auxiliary inside a forward scope: the cue negated a verb phrase, so a list after the next comma is not its.
_VERB_PHRASE = gated(r"\b(?:be|been|being|is|are|was|were|have|has|had|do|does|did)\b", re.I)
# A short noun phrase followed by a list separator: the text after a comma that continues a list.
_LIST_ITEM = gated(
    r"\s*(?:(?:and|or|nor|and/or)\s+)?(?P<np>(?:[\w'’/-]+\s+){0,5}?[\w'’/-]+)\s*(?P<sep>,|\s(?:or|and|nor)\s|[.;:!?]|$)",
    re.I,
)
_LIST_OK_WORDS = frozenset({"of", "such", "as", "the", "a", "an", "other", "any", "all"})


def _cues() -> GateSet:
    return lexicon.directed_set("negation-cues.txt")


def _research_cues() -> GateSet:
    return lexicon.directed_set("research-scopes.txt")


def _is_list_item(np: str) -> bool:
    words = np.lower().split()
    boundary = lexicon.words("np-boundaries.txt")
    return not any(w in boundary and w not in _LIST_OK_WORDS for w in words) and not _FINITE.search(np)


# A conditional clause still open at a cue: "When surgery and medicines are not enough, ..." (no comma since "when").
# "once" only where it opens a clause ("Once X fails, ..."), not as an adverb ("X was once tried").
_CONDITIONAL = gated(r"(?:\b(?:when|whenever|if|unless|until)|(?:^|[,;:(]\s*)once)\b[^,;:()]*$", re.I)


def _conditional(sentence: str, pos: int) -> bool:
    """Is `pos` inside a conditional clause ("if X does not work", "when medicines are not enough")? What such a
    clause says is a condition for what follows, not a denial."""
    return _CONDITIONAL.search(sentence, max(0, pos - 120), pos) is not None


# Where a negated recommendation names its population: "is not recommended in pyridoxine-unresponsive PH1".
_FOR_WHOM = gated(
    r"\s*(?:\w+ly\s+)?(?:recommended|advised|approved|licen[cs]ed|indicated|used|given|needed|required|suitable|"
    r"available|effective|helpful|useful|offered|done|performed)\s+(?=(?:in|for|during|until|before|after|among|outside|"
    r"once|when|unless)\b)",
    re.I,
)


# "and" before a new verb of care ends what a forward cue denies: "avoid aspirin and take paracetamol instead",
# "doctors advise against aspirin and prescribe clopidogrel" (the second verb's object is care, not denied).
_AND_CARE_VERB = re.compile(
    r"\s+(?:and|but|or)\s+(?:(?:[a-z]+\s+)?(?:take|takes|use|uses|give|gives|prescribe|prescribes|start|starts|try|"
    r"tries|choose|chooses|switch|switches|rely|relies|offer|offers|recommend|recommends|ask|see|keep|keeps|wear|"
    r"apply|applies)\b|instead\b)",
    re.I,
)


def _forward_end(sentence: str, pos: int) -> int:
    """End of a forward scope starting at `pos` (see `_forward_clause_end`), cut before "and" with a new verb of
    care."""
    end = _forward_clause_end(sentence, pos)
    cut = _AND_CARE_VERB.search(sentence, pos, end)
    return cut.start() if cut else end


def _forward_clause_end(sentence: str, pos: int) -> int:
    """End of a forward scope starting at `pos`: the clause end, continued over the commas of a list (but not past
    the comma that closes a conditional clause: "when medicines are not enough, radiotherapy is possible")."""
    start = pos
    for_whom = _FOR_WHOM.match(sentence, pos)
    if for_whom:
        return for_whom.end()  # the rest says for whom or when, and is not denied
    conditional = _conditional(sentence, pos)
    while True:
        m = _CLAUSE_END.search(sentence, pos)
        if m is None:
            return len(sentence)
        if m.group() == "(":
            return _bracket_end(sentence, m.start())
        if m.group() != "," or conditional:
            return m.start()
        verb = _VERB_PHRASE.search(sentence, start, m.start())
        if verb and not _PREPOSITION_OBJECT.search(sentence, start, m.start()):
            return m.start()  # "if the mass cannot be taken out safely, radiation therapy ...": a verb was negated
        item = _LIST_ITEM.match(sentence, m.end())
        if item is None or not _is_list_item(item["np"]):
            return m.start()
        sep = item["sep"].strip()
        conj = re.match(r"\s*(?:and|or|nor|and/or)\s", sentence[m.end() :], re.I)
        if sep in ("", ".", ";", ":", "!", "?") and not conj:
            return m.start()  # "no cure, physiotherapy helps." is two clauses, not a list
        pos = m.end()


# A negated verb phrase that ends in the object of a preposition, so that a list may continue it: "it cannot be
# passed on by touch, shared towels or a swimming pool".
_PREPOSITION_OBJECT = re.compile(r"\b(?:by|through|via|from|with)\s+(?:[\w'’-]+\s+){0,2}[\w'’-]+$", re.I)


def _bracket_end(sentence: str, open_at: int) -> int:
    """Where a forward scope that reaches a bracket ends: after the bracket when it only lists examples of what
    was negated ("not caused by anything the parents did (diet, exercise, stress)"), else before it."""
    close = sentence.find(")", open_at, open_at + 160)
    inner = sentence[open_at + 1 : close] if close > 0 else ""
    parts = [p for p in re.split(r",|\s(?:or|and)\s", inner) if p.strip()]
    examples = len(parts) >= 2 or re.match(r"\s*(?:e\.g\.|such\s+as|for\s+example|including)", inner, re.I)
    if not examples or "(" in inner or _FINITE.search(inner) or not all(_is_list_item(p) for p in parts):
        return open_at  # "without any stitches (sutureless closure)": a name for the whole, not examples
    return close + 1


# A subject that points back at something named before it ("it", "these", "its benefit", "that product").
_ANAPHOR = gated(
    r"^\W*(?:and\s+|but\s+|so\s+|yet\s+)?(?:it|its|they|their|them|these|those|this|that|both|such|the\s+latter|"
    r"neither|none)\b",
    re.I,
)
_PRONOUN_ONLY = re.compile(r"\b(?:and|or|it|they|this|these|that|also|then|still|now)\b", re.I)
_RELATIVE = frozenset({"which", "who", "whom", "that"})
# A limited claim about a treatment that is still used: "slows the disease but does not cure it".
_LIMITED_CLAIM = gated(
    r"\s*(?:\w+\s+)?(?:cure|cures|curative|a\s+cure|reverse|reverses|halt|halts|stop|stops|undo|undoes|restore|"
    r"restores|eliminate|eliminates|eradicate|remove\s+the\s+(?:underlying|root)|fix|fixes|correct\s+the\s+underlying|"
    r"address\s+the\s+underlying|(?:change|changes|alter|alters|modify|modifies)\s+the\s+(?:underlying|long-term|overall|"
    r"natural)|prevent\s+all|fully|completely|entirely|always)\b",
    re.I,
)
_LIMITED_REACH = gated(
    r"\s*(?:\w+\s+)?(?:reach|reaches|cross|crosses|penetrate|penetrates|enter|enters|get\s+into|gets\s+into|pass\s+into|"
    r"passes\s+into|work\s+for\s+(?:all|everyone|every)|suit\s+everyone|replace|replaces|(?:available|offered)\s+"
    r"(?:everywhere|in\s+all|to\s+all|to\s+everyone))\b",
    re.I,
)
# A comparison denied, not the things compared: "losartan has not proved better than a beta-blocker" (both are used),
# "cannabis oils are not the same as prescribed cannabidiol".
_COMPARISON = gated(
    r"\s*(?:(?:\w+\s+){0,2}?(?:better|superior|more\s+effective|more\s+useful|any\s+better|worse|inferior)\s+(?:than|to)|"
    r"(?:quite\s+|exactly\s+)?the\s+same\s+(?:thing\s+)?as|identical\s+to|to\s+be\s+confused\s+with)\b"
    r"(?!\s+(?:an?\s+|the\s+)?(?:placebo|dummy|sham|nothing|no\s+treatment|doing\s+nothing|chance))",
    re.I,
)
# A subject that is the stopping of a treatment: "abrupt withdrawal of baclofen is hazardous".
_STOPPING = re.compile(
    r"\s*(?:the\s+|an?\s+)?(?:(?:abrupt|sudden|rapid|quick)\s+)?(?:withdrawal|discontinuation|cessation)\s+of\b",
    re.I,
)
_HELPS = gated(
    r"\b(?:helps?|slows?|improves?|reduces?|eases?|relieves?|controls?|prolongs?|extends?|delays?|lessens?|"
    r"stabili[sz]es?|manages?|works?|benefits?|lowers?|shrinks?|protects?|prevents?|extend|useful|effective|important|"
    r"provides?|allows?|removes?|restores?|corrects?|replaces?|supplies|delivers?|"
    r"essential|helpful|recommended|used|given|offered|prescribed|mainstay|standard|option|approved|available)\b",
    re.I,
)


def _clause_start(sentence: str, end: int, floor: int = 0) -> tuple[int, str]:
    """Start of the clause ending at `end` (after its last strong boundary), and the boundary word found there."""
    start, word = floor, ""
    for c in _STRONG_START.finditer(sentence, floor, end):
        if c.group().lower() == "that" and _after_preposition(sentence, c.start()):
            continue  # "the operation used for that condition does not help": a determiner, no clause starts
        start, word = c.end(), c.group().lower()
    return start, word


_PREPOSITION_BEFORE = re.compile(
    r"\b(?:in|of|by|to|with|for|from|on|at|through|during|like|after|before|about)\s+$", re.I
)


def _after_preposition(sentence: str, pos: int) -> bool:
    """Does a preposition end just before `pos`? Then a "that" there is a determiner and a relative pronoun there
    belongs to a prepositional phrase ("the drug for which ...")."""
    return _PREPOSITION_BEFORE.search(sentence, max(0, pos - 12), pos) is not None


# A relative clause with a verb of its own and an object: "which brings the missing enzyme into the liver".
_FULL_RELATIVE = re.compile(r"\s*(?:\w+\s+){0,2}?\w+(?:s|ed)\s+(?:\w+\s+){1,}", re.I)


def _backward_start(sentence: str, cue_start: int) -> int:
    """Start of a backward scope ending at `cue_start`: the clause start, extended back over a list subject, over a
    relative clause closed by a comma ("X, an antioxidant that many once took, did not help"), and to the previous
    clause when the subject only points back at it ("... but it carried a risk and is not a standard treatment")."""
    start, word = _clause_start(sentence, cue_start)
    # "X, a drug that people once took, did not help": the relative clause is an aside; the subject is before it
    relative = start - len(word)
    if (
        word in _RELATIVE
        and re.search(r",\s*(?:\w+ly\s+)?$", sentence[start:cue_start])
        and not _after_preposition(sentence, relative)
    ):
        start, word = _clause_start(sentence, relative - 1)
    elif (
        word in ("which", "that")
        and _FULL_RELATIVE.match(sentence[start:cue_start])
        and not re.search(r"[,;:]\s*$", sentence[max(0, relative - 4) : relative])
        and not _after_preposition(sentence, relative)
    ):
        # "a medicine which brings the enzyme into the liver is only inside trials": the relative clause is
        # complete before the cue, so the subject is the noun before it
        start, word = _clause_start(sentence, relative - 1)
    # ", and"/"," inside the clause: a boundary only when the text before it is a clause of its own (has a verb)
    inner = previous = start
    joint = ""
    for c in _COMMA_CONJ.finditer(sentence, start, cue_start):
        if _FINITE.search(sentence[start : c.start()]):
            previous, inner, joint = inner, c.end(), c.group()
    subject = sentence[inner:cue_start]
    if joint.strip() == "and" and not subject.strip() and re.search(r"[A-Za-z]{3}", sentence[previous:inner]):
        # "whereas etanercept failed in studies and is not covered": the second verb shares the subject of the
        # conjunct before it
        return previous
    if word in ("who", "whom") and not subject.strip():
        return start  # "a matched sibling who does not have FA": the person, not anything named before
    if not re.search(r"[A-Za-z]{3}", _PRONOUN_ONLY.sub("", subject)) or (start > 0 and _ANAPHOR.match(subject)):
        if inner > start and re.match(r"\W*as\s+(?:it|they)\W*$", subject, re.I):
            # "taking X ahead of time is discouraged, as it has not been shown to help": "it" is the conjunct
            # before, inside this clause
            return previous
        # "... has shown promise in animals but is not available": the subject is the previous clause's
        prev = 0
        for c in _STRONG_START.finditer(sentence, 0, max(0, start - 1)):
            if c.end() < start - 1:
                prev = c.end()
        return prev
    return inner


def _scopes(sentence: str, cues: GateSet) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for direction, rx in cues.candidates(sentence):
        for m in rx.finditer(sentence):
            if direction in ("FORWARD", "BACKWARD") and _COMPARISON.match(sentence, m.end()):
                continue
            if direction == "FORWARD":
                ranges.append((m.start(), _forward_end(sentence, m.end())))
            elif direction == "PHRASE":
                stop = _PHRASE_END.search(sentence, m.end())
                ranges.append((m.start(), stop.start() if stop else len(sentence)))
            elif direction == "SENTENCE":
                ranges.append((0, m.end()))
            elif direction == "REST":
                ranges.append((m.start(), len(sentence)))
            else:
                if _conditional(sentence, m.start()):
                    continue  # "if X does not work, Y is tried": X is still care
                start = _backward_start(sentence, m.start())
                if _STOPPING.match(sentence, start):
                    continue  # "sudden withdrawal of clonazepam is dangerous": the stop is denied, the medicine is used
                if _LIMITED_CLAIM.match(sentence, m.end()) and _HELPS.search(sentence, start, m.start()):
                    continue  # "X slows the disease but does not cure it": X is still used
                if _LIMITED_REACH.match(sentence, m.end()):
                    continue  # "cysteamine swallowed as a capsule does not reach the cornea": where it works, not if
                ranges.append((start, m.end()))
    return sorted(ranges)


def negated_ranges(sentence: str) -> list[tuple[int, int]]:
    """Character ranges (relative to the sentence) inside a negation scope, sorted."""
    return _scopes(sentence, _cues())


def research_ranges(sentence: str) -> list[tuple[int, int]]:
    """Character ranges of a sentence that name things only as research ("researchers are testing X", "X remains
    investigational", "only available within clinical trials"): not current care, though not denied either."""
    return _scopes(sentence, _research_cues())


def is_negated(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when the span [start, end) overlaps a negation scope."""
    return any(s < end and start < e for s, e in ranges)
