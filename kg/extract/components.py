"""The project's spaCy components. Each works on one sentence (a `Doc`) and writes its finds to `doc.spans[NAME]`,
with the normalised label in `span.kb_id_` and the category (or, for names, the role) in `span.label_`. (Span
extensions are keyed by character offsets and would be shared between groups, so they are not used for this.)

Order in the pipeline: rkg_clauses (negation scopes, clause kinds and cause regions), then rkg_names,
rkg_prevalence, rkg_risk_factors, rkg_treatment_areas, rkg_community. Things a sentence denies are recorded in
`doc.spans["rkg_denied"]` so that assembly never asserts them anywhere in the summary. A new entity kind is a new
factory here, its data file in `data/lexicons/`, and its tests; nothing else changes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from kg.extract import causal, lexicon, negation
from kg.extract.phrases import grow_left, is_boundary, key, label_from_tokens, normalise_label, singular, trim_start
from kg.extract.prefilter import Gate, fold, folded_text, gated
from kg.extract.prevalence import find_figures

for _name in ("rkg_negated", "rkg_research", "rkg_clauses", "rkg_causes", "rkg_community", "rkg_figures"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


# ------------------------------------------------------------------------------------------------------- clauses

_CLAUSE_SPLIT = gated(r";|:|\s[—–]\s|,\s*(?:but|while|whereas|although|though|yet)\b|\b(?:but|whereas|although)\b")
# Cause regions use finer clauses: a relative clause or a new subject after ", and" starts another one.
_FINE_SPLIT = gated(
    _CLAUSE_SPLIT.pattern + r"|,\s*(?:which|who|so|because|since)\b"
    r"|,\s*and\s+(?=(?:\S+\s+){0,4}?(?:is|are|was|were|has|have|had|can|may|might|could|will|would|does|do|did)\b)"
)


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    causal: bool
    treatment: bool
    research: bool


def _cue_patterns(names: str, text: str) -> list[Gate]:
    """The patterns of a cue file that can match somewhere in `text` (their prefilters decide once per sentence,
    so each clause runs only these)."""
    return lexicon.pattern_set(names).candidates(text)


def clause_bounds(text: str, *, fine: bool = False) -> list[tuple[int, int]]:
    """(start, end) of the clauses of a sentence."""
    bounds = [0]
    for m in (_FINE_SPLIT if fine else _CLAUSE_SPLIT).finditer(text):
        bounds.append(m.start())
    bounds.append(len(text))
    return [(s, e) for s, e in pairwise(bounds) if text[s:e].strip()]


def clauses_of(text: str) -> list[Clause]:
    """Split a sentence into clauses and say which talk about causes, treatment, or research."""
    bounds = [0]
    for m in _CLAUSE_SPLIT.finditer(text):
        bounds.append(m.start())
    bounds.append(len(text))
    risk, treatment, research = (
        _cue_patterns(f, text) for f in ("risk-cues.txt", "treatment-cues.txt", "research-cues.txt")
    )
    folded = folded_text(text)
    out: list[Clause] = []
    for s, e in pairwise(bounds):
        piece = text[s:e]
        if not piece.strip():
            continue
        low = None if folded is None else folded[s:e]
        care = any(rx.occurs(piece, low) for rx in treatment)
        # the next item of a list of care after ";" or ":" ("gives medicines: A; B; sometimes C") keeps the topic
        care = care or bool(out and out[-1].treatment and piece[:1] in ";:")
        out.append(
            Clause(s, e, any(rx.occurs(piece, low) for rx in risk), care, any(rx.occurs(piece, low) for rx in research))
        )
    return out


def _txt(doc: Doc) -> str:
    """The sentence's text, computed once per Doc by `rkg_clauses`."""
    text = doc.user_data.get("rkg_text")
    return text if isinstance(text, str) else doc.text


def _lowers(doc: Doc) -> list[str]:
    """The lower-cased tokens of the sentence, made once per Doc (each `doc[i]` builds a new Token object)."""
    lowers: list[str] | None = doc.user_data.get("rkg_lowers")
    if lowers is None:
        lowers = doc.user_data["rkg_lowers"] = [t.lower_ for t in doc]
    return lowers


def _texts(doc: Doc) -> list[str]:
    """The tokens' texts, made once per Doc."""
    texts: list[str] | None = doc.user_data.get("rkg_texts")
    if texts is None:
        texts = doc.user_data["rkg_texts"] = [t.text for t in doc]
    return texts


def clause_at(doc: Doc, char: int) -> Clause | None:
    for c in doc.user_data.get("rkg_clauses") or ():
        if c.start <= char < c.end:
            return c
    return None


@Language.factory("rkg_clauses")
def make_clauses(nlp: Language, name: str) -> ClausesComponent:
    return ClausesComponent()


class ClausesComponent:
    """Marks negation scopes and clause kinds, which the entity components consult."""

    def __call__(self, doc: Doc) -> Doc:
        if "rkg_text" not in doc.user_data:  # set by kg.extract when it makes the Doc
            doc.user_data["rkg_text"] = doc.text  # Doc.text rebuilds the string from its tokens on every call
        text = _txt(doc)
        data = doc.user_data  # the same values as the extensions, read from here by the other components (each
        # `doc._` builds an Underscore object, a few microseconds, several times per sentence)
        ext = doc._
        ext.rkg_negated = data["rkg_negated"] = negation.negated_ranges(text)
        ext.rkg_research = data["rkg_research"] = negation.research_ranges(text)
        ext.rkg_clauses = data["rkg_clauses"] = clauses_of(text)
        names = data.get("rkg_condition_names") or ()
        ext.rkg_causes = data["rkg_causes"] = causal.cause_regions(text, clause_bounds(text, fine=True), names)
        return doc


def _negated(doc: Doc, start: int, end: int) -> bool:
    return negation.is_negated(doc.user_data.get("rkg_negated") or [], start, end)


def _add(
    doc: Doc,
    key_name: str,
    start_tok: int,
    end_tok: int,
    label: str,
    category: str | None = None,
    role: str | None = None,
) -> None:
    if end_tok <= start_tok or not label:
        return
    span = Span(doc, start_tok, end_tok, label=role or category or "", kb_id=label)
    if key_name not in doc.spans:
        doc.spans[key_name] = []
    doc.spans[key_name].append(span)


def _char_to_tokens(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    span = doc.char_span(start, end, alignment_mode="expand")
    return (span.start, span.end) if span is not None and len(span) else None


# --------------------------------------------------------------------------------------------------------- names

_NAME_STOP = gated(
    r"\s*(?:,|;|:|\)|\(|\.(?:\s|$)|\s[—–]\s|$|\s+(?:and|or)\s*,|\s+(?:(?:in|on|because|to|for|from|with|among|until)\s|and\s+(?=[a-z]))|\s+(?:is|are|was|were|has|have|refers|describes|remains|affects|"
    r"which|that|who|because|since|when|where|while|whose|instead\s+of|rather\s+than|as\s+opposed\s+to|in\s+(?:some|older|many|medical|the)|by\s+(?:some|many|older|"
    r"clinicians|doctors)|among|after|for\s+(?:short|its)|now|today|is\s+now|and\s+(?:is|are|was|listed|described|"
    r"sometimes|often|still|once|historically|called|known|termed)))",
    re.I,
)
# The next item of a list of names: a short phrase without verbs, followed by another comma, "or" or the sentence verb.
_LIST_NAME = gated(
    r"\s*(?:or\s+|and\s+)?(?P<item>(?!(?:is|are|was|were|has|have|which|that|who|a|an|the|it|its|and|or|in|by|among)\b)"
    r"(?![a-z]\w*ed\s+(?:by|to|as|in|from|with)\b)"  # "..., and shortened by some clinics to X": a clause, not a name
    r"[A-Za-z0-9][\w'’-]*(?:\s+(?!(?:is|are|was|were|has|have|which|that|who|affects?|causes?)\b)[\w'’-]+){0,5})"
    r"(?=\s*,|\s+or\s|\s*[);]|\s+(?:in|among|by)\s+(?:older|some|many|earlier|medical|the|american|british)\b)",
    re.I,
)
_EXPANSION_CUE = gated(r"\b(?:acronym|abbreviation|short)\s+for\b|\bstands\s+for\b", re.I)
_EXPANSION_END = gated(r",\s+(?:is|are|was|were|a|an|the|which|refers?|describes?)\b|[;()]|\.(?:\s|$)", re.I)
_MORE_AS = gated(r"\s*,?\s*(?:and|or)\s*,?\s+(?:(?:in|by|among|when|to|within)\s+[^;()]{1,60}?,?\s+)?as\s+", re.I)
_CONTRAST = gated(r"\s*,?\s*(?:instead\s+of|rather\s+than|as\s+opposed\s+to|in\s+contrast\s+to)\b", re.I)
_SUBJECT = gated(
    # a name starts with a capital, a digit or a letter of a script without case ("川崎病"); never with a pronoun
    r"^(?!(?:It|Its|This|These|That|Those|They|There|Here|He|She|We|You|Our|So|What|How|Why|Who|When|Where)\b)"
    r"(?P<name>[^\W_a-z][^,;:()]{1,90}?)\s*(?:\((?P<paren>[^()]{1,120})\)|(?=,|\s(?:is|are|was|were|refers|"
    r"describes|affects|causes|represents|comprises|occurs|belongs|happens|develops|arises|results)\b))"
)


# A qualifier after a name that says where or by whom it is used ("EA, in American usage", "X in older papers").
_NAME_QUALIFIER = gated(
    r"\s+(?:in|among|by|for)\s+(?:(?:some|many|most|older|old|earlier|american|british|us|uk|european|medical|"
    r"the\s+\w+|lay|everyday|common|popular|scientific|clinical)\s+)*(?:usage|use|papers|textbooks|literature|sources|"
    r"texts|writing|english|speech|parlance|terms|circles|countries|short)\s*$",
    re.I,
)


def _split_names(text: str) -> list[str]:
    """The names in a list of names: split at commas followed by a space ("45,X" stays whole), semicolons, "or"
    and "and" before a capital; a leading article, adverb ("simply") or trailing usage note is dropped."""
    parts = re.split(r"\s*(?:,(?=\s|$)|;)\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+(?=[A-Z])", text)
    out = []
    for x in parts:
        x = re.sub(r"^(?:a|an|the|simply|just|sometimes|also|more|most)\s+", "", x.strip(" \"'“”‘’."), flags=re.I)
        x = re.sub(
            r"^(?:(?:also|sometimes|often|formerly)\s+)?(?:known\s+as|called|termed|written|spelled|spelt|"
            r"abbreviated(?:\s+as)?|a\.?k\.?a\.?)\s+",
            "",
            x,
            flags=re.I,
        )
        x = re.sub(r"^[a-z]+ly\s+(?=\S)", "", x)  # "simply neuromyelitis optica", "informally X"
        x = _NAME_QUALIFIER.sub("", x).strip()
        if x:
            out.append(x)
    return out


def is_abbreviation(word: str) -> bool:
    """An abbreviation in brackets: "PWS", "MPS I"-style capitals and digits, or a lower-case prefix on capitals
    ("vEDS", "hATTR")."""
    return bool(
        re.fullmatch(r"[A-Z][A-Za-z0-9-]{1,9}", word)
        or (re.fullmatch(r"[a-z][A-Z][A-Za-z0-9-]{1,8}", word) and sum(c.isupper() for c in word) >= 2)
    )


_GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "dear", "greetings", "sir", "madam"})
# The kind of page a summary opens with, never a condition's name: "Discharge summary, Sleep Medicine Unit."
_DOCUMENT_NOUNS = frozenset(
    {"summary", "sheet", "leaflet", "handout", "letter", "notes", "newsletter", "factsheet", "transcript", "update"}
)


def _plausible_name(name: str) -> bool:
    words = name.split()
    if not words or len(words) > 9 or len(name) > 80:
        return False
    if words[0].lower() in lexicon.words("np-boundaries.txt") and not words[0].isupper():
        return False
    if all(w.lower().strip(",") in lexicon.words("not-names.txt") for w in words):
        return False  # "autosomal recessive", "X-linked": a description, not a name
    if re.search(r"\b(?:form|type|variant|version|kind|subtype|part|feature|complication)\s+of\b", name, re.I):
        return False  # "a milder form of the same disorder"
    return not re.search(r"\b(?:is|are|was|were|has|have|people|patients)\b", name)


_WORD_RUN = gated(r"\w+")


@functools.cache
def _disease_words() -> tuple[frozenset[str], tuple[str, ...]]:
    words = lexicon.words("disease-words.txt")
    return words, tuple(sorted(words))


def is_disease_word(word: str) -> bool:
    """Is the word itself a disease word ("syndrome", "deficiency"; data/lexicons/disease-words.txt)?"""
    return fold(word) in _disease_words()[0]


@functools.lru_cache(maxsize=1 << 16)
def has_disease_word(text: str) -> bool:
    """Does any word of the text end with a disease word ("neurofibromatosis", "Marfan syndrome")? Words of three
    letters or fewer never do: the ending "us" (lupus) is not the word "us"."""
    ends = _disease_words()[1]
    return any(len(run) > 3 and fold(run).endswith(ends) for run in _WORD_RUN.findall(text))


@functools.lru_cache(maxsize=1 << 16)
def name_like(name: str) -> bool:
    """Does this look like the name of a condition (not a drug, protein or test)? Acronyms and names built on
    a disease word qualify; so do single Latin-looking words ("anencephalus", "epiloia")."""
    if re.fullmatch(r"[A-Z][A-Za-z0-9-]{0,7}", name) and sum(c.isupper() for c in name) >= 2:
        return True
    if re.fullmatch(r"[A-Z][a-z]+-\d", name):  # "Alpha-1"
        return True
    words = name.split()
    return has_disease_word(words[-1]) or (len(words) >= 2 and has_disease_word(name))


_OWNER_WORDS = re.compile(r"(?P<np>[\w-]+(?:\s+[\w-]+){0,2}?)\s*,\s*(?:\w+ly\s+|also\s+|sometimes\s+|often\s+)*$")


def _a_medicine(phrase: str) -> bool:
    """Do the last one to three words of `phrase` name a medicine on the drug list? (Not by INN stem: "disease"
    ends like an enzyme.)"""
    words = phrase.lower().split()
    drugs = lexicon.phrases("drugs.txt")
    return not has_disease_word(phrase) and any(" ".join(words[i:]) in drugs for i in range(len(words)))


def _names_another(text: str, cue_start: int) -> bool:
    """Does the synonym cue belong to another named thing? "Allgrove syndrome, also called X" in the middle of a
    sentence, or "the clustering ... is labelled X" (a passive cue whose subject is not the condition)."""
    before = text[:cue_start]
    owner = re.search(
        r"(?:^|[:;]\s+|\b(?:and|but|whereas|while)\s+)(?P<np>[A-Z][\w'’-]*(?:\s+[\w'’-]+){0,4}?)\s*,\s*"
        r"(?:\w+ly\s+|also\s+|sometimes\s+|often\s+|once\s+|long\s+)*$",
        before,
    )
    if owner and owner.start("np") > 0:
        return True
    medicine = _OWNER_WORDS.search(before)
    if medicine and _a_medicine(medicine["np"]):
        return True  # "ursodeoxycholic acid, also called UDCA or ursodiol": the medicine's other names
    passive = re.search(
        r"(?:^|[,;:]\s*|\b(?:and|but|whereas)\s+)(?:the|this|that|these|a|an)\s+(?P<head>[a-z][\w-]*)"
        r"[^,;:]*?\s(?:is|are|was|were)\s+(?:\w+ly\s+|also\s+|sometimes\s+)?$",
        before,
    )
    return bool(passive and not is_disease_word(passive["head"]) and passive["head"] not in ("same", "other"))


def _names_the_condition(word: str) -> bool:
    """Can the word just before a synonym cue introduce another name of the condition? "also", "sometimes",
    "better", "widely" and "the disorder" can; a noun such as "growths" or "process" names something else."""
    return (
        word in lexicon.words("np-boundaries.txt")
        or word.endswith("ly")
        or word in lexicon.words("name-cue-words.txt")
        or is_disease_word(word)
    )


@Language.factory("rkg_names")
def make_names(nlp: Language, name: str) -> NamesComponent:
    return NamesComponent()


class NamesComponent:
    """Names of the condition in a sentence: the subject of a defining sentence ("X is a rare ..."), names after
    synonym cues ("also known as Y", "formerly Z", "abbreviated A"), and abbreviations in brackets ("(PWS)")."""

    def __call__(self, doc: Doc) -> Doc:
        text = _txt(doc)
        found: list[tuple[int, int, str, str]] = []
        m = _SUBJECT.match(text)
        if m and (
            m["name"].split()[0].lower().strip(",") in _GREETINGS
            or m["name"].split()[-1].lower().strip(",") in _DOCUMENT_NOUNS
        ):
            m = None  # "Dear all, several of you asked ...", "Discharge summary, ...": a salutation or a page's kind
        defining = bool(
            m
            and (
                name_like(m["name"].strip())
                or (
                    not re.match(r"(?:the|a|an|this|these|that|it|its|most|many|some)\b", m["name"], re.I)
                    and re.search(r"\b(?:is|are|was)\s+(?:a|an|the)\b", text[:240])
                )
            )
        )
        if m:
            found.append((m.start("name"), m.end("name"), "SUBJECT", m["name"].strip()))
            if m["paren"]:
                self._parenthetical(text, m.start("paren"), m["paren"], found, "SUBJECT")
            # "X, or Y, is ...", "X, or A-T for short (...)"
            alt = re.match(r",\s+or\s+([^,;()]{3,80}?)(?:\s+for\s+short)?\s*(?:,|\()", text[m.end("name") :])
            if alt and defining and name_like(alt[1]):
                pos = m.end("name") + alt.start(1)
                found.append((pos, pos + len(alt[1]), "SYNONYM", alt[1]))
        for rx in lexicon.pattern_set("synonym-cues.txt").candidates(text):
            for cue in rx.finditer(text):
                rest = text[cue.end() :]
                quoted = re.match(r"[\"“‘']([^\"”’']{2,80})[\"”’']", rest)
                if quoted:
                    found.append((cue.end() + 1, cue.end() + 1 + len(quoted[1]), "SYNONYM", quoted[1]))
                    continue
                if _EXPANSION_CUE.search(cue[0]):  # "the acronym for A, B and C, is": one name, commas and all
                    end = _EXPANSION_END.search(rest)
                    whole = rest[: end.start() if end else len(rest)].strip()
                    if 2 <= len(whole.split()) <= 12:
                        found.append((cue.end(), cue.end() + len(whole), "SYNONYM", whole))
                    continue
                stop = _NAME_STOP.search(rest)
                while stop and stop.group().strip() == "," and (item := _LIST_NAME.match(rest, stop.end())):
                    stop = _NAME_STOP.search(rest, item.end("item"))  # "A, B or C"
                chunk = rest[: stop.start()] if stop else rest
                more = _MORE_AS.match(rest, stop.start()) if stop else None
                if more:  # "referred to as X and in older papers as Y": Y is a name too
                    tail = rest[more.end() :]
                    tail_stop = _NAME_STOP.search(tail)
                    extra = tail[: tail_stop.start()] if tail_stop else tail
                    pos = cue.end() + more.end()
                    if _plausible_name(extra) and (defining or name_like(extra)):
                        found.append((pos, pos + len(extra), "SYNONYM", extra))
                if stop and _CONTRAST.match(rest[stop.start() :]):
                    continue  # "doctors call it moyamoya syndrome instead of moyamoya disease": a different name
                offset = cue.end()
                before = text[max(0, cue.start() - 30) : cue.start()]
                if re.search(
                    r"\b(?:protein|enzyme|molecule|substance|gene|test|procedure|drug|medicine|compound|"
                    r"antibody|device|cells?|hormone|scan|operation|surgery|therapy|treatment|fibre|fiber|"
                    r"mineral|illness|cattle|region|pathway|variant|allele|ones|lesions?|form|version|spots?|sign|feature|"
                    r"organism|bacteri\w+|virus|mutation|marker)\W*$",
                    before,
                    re.I,
                ):
                    continue
                if re.search(r"\b[A-Z][A-Za-z0-9]{1,9}\s*\((?:\s*[a-z]+)?\s*$", before):
                    continue  # "ACVRL1 (also called ALK1)": another name of a gene or variant
                if re.search(
                    r"\b(?:form|forms|type|types|variant|variants|subtype|subtypes|version|phenotype|presentation)"
                    r"\s+(?:is|are|was|were)\s+(?:\w+ly\s+|also\s+|still\s+)?$",
                    before,
                    re.I,
                ):
                    continue  # "a milder, later-onset form is known as Y": the name of a variant, not a synonym
                active = re.match(
                    r"(?:call|calls|know|knows|describe|describes|list|lists|refer|refers|write|writes|use|uses)\b"
                    r"|(?:letters|records|notes|textbooks|books|papers|reports|files|charts)\s",  # "old letters say X"
                    cue[0],
                    re.I,
                )
                if (
                    not active
                    and re.search(r"\b(?:a|an|one|another|some)\s+(?:[\w-]+\s+)?[\w-]+,?\s*$", before, re.I)
                    and not re.search(r"\b(?:it|them)\b", cue[0], re.I)
                ):
                    continue  # "a tumour called gonadoblastoma" names something else; "some textbooks call X" names it
                # "repeated DNA letters, known as X" names the letters; "Classic galactosemia, known as X" (the
                # sentence's subject, no verb before the cue) names the condition
                comma_ok = re.search(r"\b(?:is|are|was|were|has|have|had|of|in|with)\b|\w+ed\b", text[: cue.start()])
                prev_word = re.search(r"\b([a-z]{3,})[\s,]*$" if comma_ok else r"\b([a-z]{3,})\s*$", before)
                if (
                    prev_word
                    and not active
                    and not re.search(r"\b(?:it|them)\b", cue[0], re.I)
                    and not _names_the_condition(prev_word[1])
                    and prev_word[1] not in _SEEN_AS  # "which you may also see written as X": the reader sees it
                ):
                    continue  # "growths known as hamartomas", "a process known as X": the name of something else
                if _names_another(text, cue.start()):
                    continue  # "... genetic: Allgrove syndrome, also called triple-A syndrome, ..."
                for part in _split_names(chunk):
                    pos = text.find(part, offset)
                    if pos >= 0 and _plausible_name(part) and (defining or name_like(part)):
                        found.append((pos, pos + len(part), "SYNONYM", part))
        # "X (ABBR)" after any name found so far
        for _s, e, role, _name in list(found):
            after = re.match(r"\s*\((?P<p>[^()]{1,80})\)", text[e:])
            if after:
                self._parenthetical(text, e + after.start("p"), after["p"], found, role)
        for s, e, role, name_text in found:
            toks = _char_to_tokens(doc, s, e)
            if toks and not _negated(doc, s, e):  # "it has nothing to do with the similarly named X syndrome"
                _add(doc, "rkg_names", toks[0], toks[1], name_text.strip(), role=role)
        return doc

    @staticmethod
    def _parenthetical(
        text: str, start: int, inner: str, found: list[tuple[int, int, str, str]], owner: str = ""
    ) -> None:
        """Names in brackets after a name; those after a sentence's subject share its fate ("SUBJECT_..." roles:
        only the opening sentence's subject names the condition)."""
        inner_stripped = inner.strip()
        cue = re.match(
            r"(?:also\s+|sometimes\s+|often\s+|formerly\s+|or\s+)?(?:known\s+as|called|termed|"
            r"abbreviated(?:\s+as)?|written|a\.?k\.?a\.?|or|formerly)\s+",
            inner_stripped,
            re.I,
        )
        body = inner_stripped[cue.end() :] if cue else inner_stripped
        for part in _split_names(body):
            spelled = owner == "SUBJECT" and len(part.split()) <= 6 and name_like(part)  # "esophageal atresia"
            if (cue or is_abbreviation(part) or spelled) and _plausible_name(part):
                pos = text.find(part, start)
                if pos >= 0:
                    role = "ABBREV" if not cue else "SYNONYM"
                    found.append((pos, pos + len(part), f"SUBJECT_{role}" if owner == "SUBJECT" else role, part))


# Verbs of reading before a naming cue: "you may see written as X", "you will find it called X".
_SEEN_AS = frozenset({"see", "seen", "find", "found", "hear", "heard", "read", "meet", "encounter"})


# ---------------------------------------------------------------------------------------------------- prevalence


@Language.factory("rkg_prevalence")
def make_prevalence(nlp: Language, name: str) -> PrevalenceComponent:
    return PrevalenceComponent()


class PrevalenceComponent:
    """Prevalence figures, normalised by `kg.extract.prevalence`; the figure rides on `span._.rkg_figure`."""

    def __call__(self, doc: Doc) -> Doc:
        for fig in find_figures(_txt(doc)):
            toks = _char_to_tokens(doc, fig.start, fig.end)
            if toks and not _negated(doc, fig.start, fig.end):
                _add(doc, "rkg_prevalence", toks[0], toks[1], fig.text)
                figures = [*(doc.user_data.get("rkg_figures") or []), fig]
                doc._.rkg_figures = doc.user_data["rkg_figures"] = figures  # mirrored for kg.extract's assembly
        return doc


# -------------------------------------------------------------------------------------------- shared span finders


def _phrase_matcher(nlp: Language, terms: list[str]) -> PhraseMatcher:
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    variants = set()
    for term in terms:
        variants.add(term)
        if not term.endswith("s"):
            variants.add(term + "s")
        variants.add(singular(term))
    matcher.add("TERM", [nlp.make_doc(v) for v in sorted(variants)])
    return matcher


_GENE_TOKEN = gated(r"^(?:[A-Z][A-Z0-9]{1,9}|[A-Z][A-Za-z]{0,3}\d+[A-Za-z0-9]*|[A-Z]\d+[A-Z])(?:-[A-Z0-9]+)?$")
_KINDS = (
    r"autosomal(?:[\s-]+(?:recessive|dominant|co-?dominant))|X-linked(?:[\s-]+(?:recessive|dominant))?|Y-linked|"
    r"mitochondrial|multifactorial|polygenic|digenic|oligogenic|(?<!autosomal\s)(?:recessive|dominant)"
)
_INHERITANCE = gated(
    # "autosomal recessive inheritance", "in an X-linked pattern", "an autosomal dominant disorder", "an autosomal
    # dominant vascular dysplasia"
    r"\b(?P<kind>" + _KINDS + r")\b(?=[^.;]{0,60}?\b(?:inherit\w*|pattern|manner|fashion|way|trait|mode|transmission|"
    r"passed)\b|\s+inheritance\b|(?:(?<=linked\sdominant)|(?<=linked\srecessive)|(?<=somal\sdominant)|(?<=somal\srecessive)|(?<!dominant)"
    r"(?<!recessive))\s+(?:cause|origin|basis|mechanism)\b|(?<!mitochondrial)(?:\s+[\w-]+){0,2}?\s+(?:condition|"
    r"disorder|disease|trait|form|type|syndrome|illness|defect|anomaly|malformation|ataxia|\w*pathy|\w*plasia|"
    r"\w*trophy)s?\b)"
    # "the condition is X-linked", "Junctional EB is autosomal recessive", "can be either dominant or recessive",
    # "doctors call it autosomal recessive"
    r"|\b(?:(?:is|are|was|were|be|being)\s+(?:usually\s+|typically\s+|mostly\s+|mainly\s+|generally\s+|often\s+|"
    r"always\s+|also\s+|either\s+|inherited\s+as\s+)*|call(?:s|ed)?\s+it\s+|(?:described|classed|classified|known)\s+as\s+)"
    r"(?P<kind2>"
    + _KINDS
    + r")(?:\s+or\s+(?P<kind3>"
    + _KINDS
    + r"))?\b(?=\s*[,.;:)]|\s+(?:and|so|in|with|but|or|the)\b|\s*$)"
    r"|\(\s*(?P<kind4>" + _KINDS + r")\s*\)",
    re.I,
)
_PERCENT_50 = (
    r"(?:50|fifty)\s*(?:%|percent\b|per\s+cent\b)|\bone[\s-]+in[\s-]+two\b|\b1[\s-]+in[\s-]+2\b|\ban\s+even\s+chance\b"
)
# An inheritance pattern told without its name. Each branch names one pattern:
_INHERITANCE_TOLD = gated(
    # "a faulty ABCD1 gene on the X chromosome", "the gene lies on the X chromosome", "boys have only one X" (one gene:
    # "genes on the X chromosome also play a part" are modifiers, not the pattern)
    r"(?P<x>\bgene\b(?:\s+[\w-]+){0,3}?\s+on\s+the\s+X\s+chromosome\b"
    r"|\b(?:sits|lies|lie|sit|located|found|carried)\s+on\s+the\s+X\s+chromosome\b"
    r"|\bonly\s+(?:have\s+|has\s+)?(?:one|a\s+single)\s+X\b)"
    # "two non-working copies of GALC, one from their mother and one from their father", "both parents are carriers"
    r"|(?P<ar>\b(?:two|both)\s+(?:[\w-]+\s+){0,2}?copies\b[^.;]{0,60}?\bone\s+from\s+(?:each|their|his|her|the)\s+"
    r"(?:parent|mother|father)"
    r"|\bboth\s+parents\s+(?:of\s+[^.;,]{1,40}?\s+)?(?:are|were|must\s+be|have\s+to\s+be)\s+(?:[\w-]+\s+){0,2}?carriers\b"
    r"|\bboth\s+parents\s+(?:each\s+)?carry\s+(?:an?\s+|one\s+)(?:[\w-]+\s+)?(?:copy|variant|change|mutation)\b)"
    # "one altered copy is enough", "an affected parent passes it to each child with a 50 percent chance"
    r"|(?P<ad>\b(?:one|a\s+single)\s+(?:[\w-]+\s+){0,2}?copy\s+(?:of\s+(?:the\s+)?[\w-]+\s+(?:gene\s+)?)?"
    r"(?:is|being)\s+(?:enough|sufficient)\b"
    r"|\b(?:an?\s+affected|a)\s+parent\s+(?:with\s+(?:the\s+condition|it|[\w-]+)\s+)?(?:has|passes|have|gives)\b[^.;]{0,60}?"
    r"(?:" + _PERCENT_50 + r")"
    # "each offspring of an affected parent carries a one-in-two chance of inheriting the variant"
    r"|\beach\s+(?:child|offspring|baby)\s+of\s+(?:an?\s+)?affected\s+(?:parent|person|adult|individual)\s+"
    r"(?:has|have|carries|runs|faces)\s+(?:an?\s+)?(?:" + _PERCENT_50 + r"))",
    re.I,
)
# Words that make a told pattern ambiguous: a single copy is enough in boys for an X-linked condition too.
_NOT_AUTOSOMAL = re.compile(
    r"\bX\b|\bX-linked\b|\bsons?\b|\bdaughters?\b|\bboys?\b|\bmales?\b|\bguys\b|\bmen\b|\bmitochondria|"
    r"\bmother'?s?\s+(?:side|line)\b|\bmaternal",
    re.I,
)
# "boys and girls alike" says the pattern is the same for both sexes: no sign of an X-linked one.
_BOTH_SEXES = re.compile(
    r"\b(?:boys\s+and\s+girls|girls\s+and\s+boys|sons\s+and\s+daughters|daughters\s+and\s+sons|males\s+and\s+females|"
    r"females\s+and\s+males|men\s+and\s+women|women\s+and\s+men)\b",
    re.I,
)
_TOLD_LABELS = {
    "x": "X-linked inheritance",
    "ar": "autosomal recessive inheritance",
    "ad": "autosomal dominant inheritance",
}
_CHROMOSOME = gated(
    r"\b(?P<kind>micro)?(?:deletion|deletions|loss|duplication)\s+(?:of\s+(?:genetic\s+material\s+)?|on\s+|in\s+|from\s+|at\s+)"
    r"(?:the\s+|a\s+|one\s+|part\s+of\s+)?(?:(?P<parent>maternal(?:ly)?(?:\s+inherited)?|paternal(?:ly)?(?:\s+inherited)?|"
    r"father's|mother's)\s+)?(?:copy\s+of\s+)?(?:chromosome\s+(?P<chr>\d{1,2}|X|Y)(?P<band>[pq][\d.]+(?:-[pq]?[\d.]+)?)?"
    r"|(?P<band2>\d{1,2}[pq][\d.]+(?:-[pq]?[\d.]+)?))"
    r"|\b(?P<band3>\d{1,2}[pq](?:[\d.]+)?(?:-[pq]?[\d.]+)?)\s+(?P<kind3>micro)?(?:deletion|duplication)"
    r"|\b(?P<kind4>micro)?(?:deletion|duplication)\b[^.;()]{0,80}?\b(?:band|region)\s+(?P<band4>\d{1,2}[pq][\d.]+)",
    re.I,
)


def _grown_phrases(
    doc: Doc, heads: dict[str, str], *, need_modifier: set[str], limit: int = 4
) -> Iterator[tuple[int, int, str]]:
    """(start, end, category) of phrases ending in a head word, grown left over modifiers."""
    stop_after = _stop_after()
    for i, low in enumerate(_lowers(doc)):
        cat = heads.get(low)
        if cat is None:
            continue
        tok = doc[i]
        nxt = doc[i + 1] if i + 1 < len(doc) else None
        if (
            nxt is not None
            and nxt.is_alpha
            and tok.whitespace_ != ""
            and nxt.lower_ not in _TIME_WORDS
            and (
                nxt.lower_ in stop_after
                or (
                    nxt.lower_ in heads
                    and not (i + 2 < len(doc) and _used_as_verb(doc, i + 1, nxt.lower_, doc[i + 2].lower_))
                )
            )
        ):
            continue  # "imprinting centre defects", "gene therapy trials": the head is not the phrase's last word
        if nxt is not None and _used_as_verb(doc, i, low, nxt.lower_):
            continue  # "Care concentrates on ...", "safety measures guard against ...": the head is a verb here
        if nxt is not None and nxt.lower_ in lexicon.words("measure-nouns.txt"):
            continue  # "oxygen levels", "iron stores": a measurement, not care
        start = grow_left(doc, i, limit=limit)
        start = trim_start(doc, start, i + 1)
        if start == i and tok.lower_ in need_modifier:
            continue
        yield start, i + 1, cat


_TIME_WORDS = frozenset({"year", "years", "month", "months", "week", "weeks", "day", "days", "time", "times", "later"})


def _used_as_verb(doc: Doc, i: int, low: str, nxt: str) -> bool:
    """Is the head word at doc[i] a verb in this sentence? A head ending in -s before "on"/"upon" ("concentrates
    on"), or a singular head after a plural noun and before a preposition or determiner ("measures guard against")."""
    if low.endswith("s") and nxt in ("on", "upon"):
        return True
    if singular(nxt) in lexicon.words("people.txt") or nxt in ("families", "breathing", "walking", "growth"):
        return True  # "orthopaedic care support children", "vaccines support breathing": a verb and its object
    if i == 0 or nxt not in ("against", "on", "upon", "the", "a", "an", "their", "its", "his", "her", "them"):
        return False
    prev = doc[i - 1]
    return prev.is_lower and prev.is_alpha and len(prev.text) > 3 and singular(prev.text) != prev.text


@functools.lru_cache(maxsize=1 << 16)
def has_drug_stem(word: str) -> bool:
    """Is the word a medicine's name by its International Nonproprietary Name stem (data/lexicons/drug-stems.txt)?
    Cached: the same words come back in sentence after sentence."""
    return _drug_stems().fullmatch(word) is not None


@functools.cache
def _drug_stems() -> re.Pattern[str]:
    # asked with lower-case words only
    return re.compile("|".join(f"(?:{p.pattern})" for p in lexicon.patterns("drug-stems.txt")))


@functools.cache
def _stop_after() -> frozenset[str]:
    return lexicon.words("not-heads.txt") | lexicon.words("compound-tails.txt")


@functools.cache
def _not_entity_keys() -> frozenset[str]:
    return frozenset(key(p) for p in lexicon.phrases("not-entities.txt"))


def _not_entity(label: str) -> bool:
    return key(label) in _not_entity_keys()


# --------------------------------------------------------------------------------------------------- risk factors

# A clause about grading a disease that is already there: a genetic finding in it is a marker, not a cause.
_PROGNOSTIC = gated(
    r"\b(?:risk\s+groups?|prognos\w*|outlook|staging|features?\s+of\s+the\s+(?:tumou?r|cancer)|tumou?r\s+(?:features?|"
    r"markers?|biology|cells?\s+(?:carry|show|have))|(?:prognostic|tumou?r)\s+markers?|predicts?\s+(?:a\s+)?(?:worse|poor|"
    r"better)|response\s+to\s+treatment|tumou?r\s+(?:testing|profiling|sequencing|samples?)|(?:could|may|might|can|would)\s+"
    r"respond\s+to|targetable|actionable|[\w-]+-(?:fused|mutated|mutant|positive)\s+tumou?rs?)\b",
    re.I,
)
_STRONG_CAUSE = gated(
    r"\b(?:caused\s+by|due\s+to|results?\s+from|arises?\s+from|inherit\w*|predispos\w+|germline)\b", re.I
)
_GENETIC_WORD = gated(
    r"mutat|variant|change|alteration|defect|deletion|duplication|expansion|amplif|copies|copy|fault|gene\b|genes\b|"
    r"allele|repeat|chromosom",
    re.I,
)
_POINT_VARIANT = gated(r"[A-Z]\d{1,4}[A-Z]|p\.[A-Z][a-z]{0,2}\d+[A-Z][a-z]{0,2}")
_SEX = gated(
    r"\b(?P<a>boys|males|men|girls|females|women)\s+(?:are\s+|were\s+)?(?:affected\s+)?(?:about\s+|roughly\s+|"
    r"somewhat\s+|slightly\s+|a\s+little\s+|considerably\s+|far\s+|much\s+|nearly\s+|almost\s+)?"
    r"(?:more\s+(?:often|frequently|commonly)(?!\s+(?:lost|miscarried|stillborn|spared|die|died|missed))|outnumber|twice|"
    r"three\s+times|[\w\s-]{0,20}times\s+as\s+(?:often|many|likely)|predominate)"
    r"|\b(?P<b>male|female)\s+(?:predominance|preponderance|sex)\b"
    r"|\bmore\s+(?:common|frequent|often)\s+(?:in|among)\s+(?P<c>boys|males|men|girls|females|women)\b"
    r"|\b(?:nearly|almost|virtually|practically)\s+(?:all|every\w*)\s+(?:\w+\s+){0,2}?(?:is|are|were|was)\s+"
    r"(?P<e>female|male|girls|boys|women|men|females|males)\b"
    r"|\b(?:with\s+)?(?P<d>girls|boys|women|men|females|males)\s+affected\s+(?:a\s+little\s+|slightly\s+|"
    r"somewhat\s+)?more\s+often"
    # "women are diagnosed two to four times as often as men", "it mostly turns up in men past fifty"
    r"|\b(?P<f>boys|males|men|girls|females|women)\s+(?:are|were)\s+diagnosed\s+(?:[\w\s-]{0,20}times\s+as\s+often|"
    r"(?:somewhat\s+|slightly\s+|a\s+little\s+|far\s+|much\s+|rather\s+)?more\s+(?:often|frequently|commonly))"
    r"|\b(?:mostly|mainly|chiefly|predominantly|largely)\s+(?:affects?|turns?\s+up\s+in|occurs?\s+in|strikes?|"
    r"(?:is\s+)?seen\s+in|appears?\s+in)\s+(?:young\s+|older\s+|adult\s+)?(?P<g>boys|girls|men|women|males|females)\b",
    re.I,
)
# A share of patients of one sex: "nine in ten patients are female", "about three in four patients are male". Only
# a share above a half names a predisposition (checked in `_groups`).
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_SEX_SHARE = gated(
    r"\b(?:(?P<most>most|the\s+(?:vast\s+)?majority|nearly\s+all|almost\s+all)|(?P<n>two|three|four|five|six|seven|"
    r"eight|nine)\s+(?:in|out\s+of)\s+(?P<m>three|four|five|six|seven|eight|nine|ten))\s+(?:of\s+(?:the\s+)?)?"
    r"(?:patients|cases|people\s+(?:affected|with\s+it)|those\s+affected|sufferers)\s+(?:are|were)\s+"
    r"(?P<who>male|female|men|women|boys|girls)\b",
    re.I,
)
_PARENT_CARRIES = gated(
    r"\b(?P<who>parent|mother|father)\s+(?:who\s+)?(?:carries|carry|has|have|harbou?rs?)\s+(?:a|an|the)\s+"
    r"(?P<x>(?:[\w-]+\s+){0,2}?(?:translocation|inversion|variant|mutation|premutation|deletion|rearrangement|gene|copy))\b"
    r"(?:\s+or\s+(?:a|an)\s+(?P<y>(?:[\w-]+\s+){0,1}?(?:translocation|inversion|rearrangement)))?"
    r"|\b(?P<z>(?:[\w-]+\s+){0,2}?(?:translocation|inversion|rearrangement|premutation))\s+(?:carried|inherited|passed\s+on)\s+"
    r"(?:by|from)\s+(?:a|an|one|either|the)\s+(?:\w+\s+)?(?P<who2>parent|mother|father)\b",
    re.I,
)
_PARENT_AGE = gated(
    r"\b(?P<who>older|elderly|older-than-average)\s+(?P<p>fathers?|mothers?|parents?)\b"
    r"|\bas\s+(?:the\s+|a\s+)?(?P<p5>mothers?|fathers?|parents?)\s+(?:gets?|grows?|becomes?|are|is)\s+older\b|\badvanc(?:ed|ing)\s+(?P<p2>paternal|maternal|"
    r"parental)\s+age\b|\b(?P<p3>fathers|mothers)\s+(?:aged\s+)?(?:over|older\s+than|above)\s+\d+"
    r"|\b(?:older|higher|increased|greater|late|advancing)\s+(?P<p4>paternal|maternal|parental)\s+age\b",
    re.I,
)
# Where an exposure is the mother's: "smoking in early pregnancy", "pregnant women who drink" (a bare "pregnancy" in a
# list of triggers is a cause of its own, not a time).
_PREGNANCY = gated(
    r"\b(?:during|in|early|late|throughout|before|of|around)\s+(?:\w+\s+)?pregnan\w*|\bpregnant\b|\bmothers?\b|"
    r"\bmaternal\b|gestation|conception|\bin\s+the\s+womb\b|\bprenatal",
    re.I,
)
_NAME_HEAD = gated(r"\b(?:syndrome|disease|disorder|deficiency|anomaly|sequence|complex|type\s+\w+)$", re.I)
_ADJECTIVE_END = gated(r"(?:ous|al|ic|ive|ary|ile|able|ible|ed)$")


def _is_adjective(word: str) -> bool:
    """An adjective by its ending ("infectious", "environmental") or from data/lexicons/adjectives.txt ("raw")."""
    return bool(_ADJECTIVE_END.search(word)) or word in lexicon.words("adjectives.txt")


_COMPASS = (
    r"(?:(?:north|south|east|west|central|northern|southern|eastern|western|north-eastern|north-western|"
    r"south-eastern|south-western)\s+)?"
)
_ANCESTRY = gated(
    r"\b(?:of|with)\s+(?P<who>(?:(?:other\s+)?"
    + _COMPASS
    + r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?:,\s+|\s+and\s+|\s+or\s+|\s+))*"
    r"(?:other\s+)?" + _COMPASS + r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s+"
    r"(?P<kind>ancestry|descent|origin|heritage|background|roots)\b"
)
# A habit most patients share: "most have smoked, current or ex", "the majority of patients are smokers".
_MOST_SMOKED = gated(
    r"\b(?:most|many|nearly\s+all|almost\s+all|the\s+(?:vast\s+)?majority)\s+(?:of\s+(?:them|those\s+affected|patients)\s+|"
    r"patients\s+|people\s+with\s+it\s+)?(?:have\s+(?:ever\s+)?smoked|(?:are|were)\s+(?:current\s+or\s+(?:former\s+|ex-)?)?"
    r"(?:smokers|ex-smokers|former\s+smokers))\b",
    re.I,
)
# A people named by a plural noun where a condition is commoner: "it turns up more often among Hutterites and
# Ashkenazi Jews", "more common among Black Americans".
_PEOPLE = r"(?:[A-Z][a-z]+\s+)?[A-Z][a-z]+s"
_AMONG_PEOPLE = gated(
    r"\b(?:more\s+(?:often|common|commonly|frequent|frequently|likely)|over-represented|higher\s+rates?)\b[^.;]{0,60}?"
    r"\bamong\s+(?:the\s+)?(?P<who>" + _PEOPLE + r"(?:(?:,\s+|\s+and\s+|\s+or\s+)(?:the\s+)?" + _PEOPLE + r")*)\b"
)
# Where the families come from: "people whose families come from around the Mediterranean, the Middle East and
# South Asia are much more likely to carry it".
_PLACE = r"(?:(?:sub-)?[A-Z][a-z]+\s+)?(?:sub-)?[A-Z][a-z]+"
_FAMILIES_FROM = gated(
    r"\b(?i:people|those|families|individuals|anyone)\s+whose\s+(?:families|family|ancestors|forebears|roots|parents|"
    r"origins)\s+(?:come|came|comes|originate|originated|lie|lies|lay)\s+(?:from|in)\s+(?:around\s+|in\s+)?(?:the\s+)?"
    r"(?P<where>"
    + _PLACE
    + r"(?:(?:,\s+|\s+and\s+|\s+or\s+|,\s+and\s+)(?:(?:parts|much)\s+of\s+)?(?:the\s+)?"
    + _PLACE
    + r")*)\b"
)
# A named community where a condition clusters: "the clustering of lethal disease in Canadian Mennonite communities".
_COMMUNITY_GROUP = gated(
    r"\b(?:cluster\w*|founder|concentrat\w+|common|frequent|prevalent|higher\s+rates?|over-represented)\b[^.;]{0,60}?"
    r"\b(?:in|among|within)\s+(?:the\s+)?(?P<who>(?:[A-Z][a-z]+\s+){1,3})(?P<kind>communit(?:y|ies)|kindreds?|isolates?)\b"
)


@functools.cache
def _specific_modifiers() -> frozenset[str]:
    """Modifiers that make a generic genetic head name something ("de novo mutation", "congenital heart defects")."""
    return lexicon.words("genetic-specific-modifiers.txt") | lexicon.words("disease-modifiers.txt")


def _people_adjective(people: str) -> str:
    """ "Hutterites" -> "Hutterite", "Ashkenazi Jews" -> "Ashkenazi Jewish", "Black Americans" -> "Black American"."""
    *first, last = people.split()
    last = "Jewish" if last == "Jews" else last[:-1]
    return " ".join([*first, last])


def _place_adjective(place: str) -> str:
    """ "South Asia" -> "South Asian", "the Middle East" -> "Middle Eastern", "Mediterranean" stays."""
    *first, last = place.split()
    if last.endswith("a"):
        last += "n"
    elif last in ("East", "West", "North", "South"):
        last += "ern"
    return " ".join([*first, last])


def _acronym_of_preceding(doc: Doc, i: int) -> bool:
    """Is doc[i] an acronym in brackets whose letters start the words before the bracket?"""
    if i < 2 or doc[i - 1].text != "(":
        return False
    sym = doc[i].text.lower()
    words = [t.lower_ for t in doc[max(0, i - 10) : i - 1] if t.is_alpha]
    initials = "".join(w[0] for w in words)
    return (len(sym) >= 2 and sym.isalpha() and initials.endswith(sym)) or (
        len(sym) >= 3
        and sym[0] in initials[-len(sym) - 2 :]
        and all(c in initials[-len(sym) - 3 :] for c in sym if c.isalpha())
        and sym.isalpha()
    )


@Language.factory("rkg_risk_factors")
def make_risk_factors(nlp: Language, name: str) -> RiskFactorsComponent:
    return RiskFactorsComponent(nlp)


_CONSANGUINITY = gated(
    r"\b(?:parents?|couples?|spouses?)\s+(?:who\s+are|are|were|being)\s+(?:\w+\s+)?(?:blood\s+relatives|"
    r"relatives\s+by\s+blood|related\s+by\s+blood|related|"
    r"(?:first\s+|second\s+)?cousins)\b|\b(?:blood-related|related|consanguineous|cousin)\s+(?:parents|marriages?|"
    r"unions?|couples?|families)\b|\bmarriages?\s+between\s+(?:\w+\s+)?(?:relatives|cousins)\b",
    re.I,
)
_RELATIVE = gated(
    r"\b(?P<who>(?:an?\s+)?affected\s+(?:parent|father|mother|sibling|brother|sister|twin|relative|family\s+member|"
    r"close\s+relative|first-degree\s+relative)s?|carrier\s+(?:mother|father|parent)s?|"
    r"(?:brothers\s+and\s+sisters|siblings)\s+of\s+(?:an?\s+)?affected\s+\w+)"
    r"|\b(?P<fam>family\s+history|runs?\s+in\s+(?:the\s+)?families|cluster\w*\s+in\s+families|"
    r"(?:other\s+)?(?:relatives|family\s+members)\s+(?:who\s+are|are)\s+(?:also\s+)?affected"
    # "having a parent, brother or sister with PSC raises the odds"
    r"|having\s+(?:an?\s+)?(?:parent|brother|sister|sibling|child|relative)(?:(?:,\s*|\s+or\s+|\s+and\s+)(?:an?\s+)?"
    r"(?:parent|brother|sister|sibling|child|relative))*\s+with\s+(?:the\s+(?:condition|disease)|it|(?-i:[A-Z][\w-]+)))\b",
    re.I,
)
_ANTIBODY = gated(
    r"\b(?P<word>(?:auto)?antibod(?:y|ies))\s+(?:directed\s+)?(?:against|to|targeting|(?:that|which)\s+(?:\w+\s+)?"
    r"(?:target|attack|block|bind|clear|inhibit|destroy|neutrali[sz]e|recogni[sz]e)(?:\s+(?:or|and)\s+\w+)?)\s+"
    r"(?:the\s+|a\s+)?(?P<target>[^,;.()]{2,60}?)\s*(?:\((?P<abbr>[A-Za-z0-9-]{2,10})\))?(?=\s*(?:[,;.)]|and\b|or\b|$|"
    r"\s(?:is|are|was|were|in|on|at|that|which|cause|causes|caused|drive|drives|trigger|triggers|lead|leads|can|may|"
    r"damage|damages|attack|attacks|block|blocks|underlie|underlies)\b))",
    re.I,
)
_GRAFT = gated(r"\b(?:grafts?|donor|recipients?|transfus\w+|infused|infusions?|replacement\s+therapy)\b", re.I)
_INFECTION_WITH = gated(
    r"\binfections?\s+(?:with|by|from)\s+(?:the\s+|a\s+|an\s+)?(?P<agent>(?:[A-Za-z][\w-]*\s+){0,2}?(?:virus|bacterium|"
    r"parasite|fungus)|[A-Z][a-z]{3,}\s+(?!(?:is|are|was|were|and|or|has|have|can|may|in|of|as)\b)[a-z]{4,}|"
    r"[A-Z][A-Za-z0-9-]{1,12}(?:\s+virus)?)\b"
)
_TRANSLOCATION = gated(
    r"(?P<t>\bt\(\w{1,2};\w{1,2}\)(?:\([pq][\d.;pq]+\))?)|\b(?P<hla>HLA-[A-Z]{1,3}\d?\*\d{2}(?::\d{2})?"
    r"|HLA-(?:D[RQP][AB]?\d{1,2}|[ABC]\d{1,2}|[ABC]w\d{1,2})\b(?![-*]))"
    r"|\b(?P<cls>HLA\s+class\s+(?:I{1,3}|[123]))\b"
)
_ARM = gated(
    r"\b(?P<kind>deletion|duplication|loss)\s+of\s+(?:(?:part|(?:a|one)\s+(?:small\s+|tiny\s+|large\s+)?(?:piece|segment|"
    r"section|portion|bit|stretch))\s+(?:of|from)\s+)?(?:the\s+(?:end|tip)\s+of\s+)?the\s+"
    r"(?P<arm>short|long)\s+arm\s+of\s+chromosome\s+(?P<chr>\d{1,2}|X|Y)\b",
    re.I,
)
_ANEUPLOIDY = gated(
    r"\b(?P<kind>trisom|monosom|tetrasom)(?:y|ies)\s+(?P<a>(?:\d{1,2}|X|Y)(?:[pq]\d*)?)(?:(?:,\s*|\s+(?:and|or)\s+)"
    r"(?P<b>(?:\d{1,2}|X|Y)(?:[pq]\d*)?)\b(?!,\w))?(?:(?:,\s*|\s+(?:and|or)\s+)(?P<c>(?:\d{1,2}|X|Y)(?:[pq]\d*)?)\b(?!,\w))?"
    r"|\btriploidy\b",
    re.I,
)
# Sequence variants written in HGVS notation: "m.3243A>G", "c.1521_1523delCTT", "p.Phe508del".
_HGVS = gated(
    r"(?<![\w.])(?:m|c|g|n)\.(?:\d+[_+\-*]?\d*[ACGTU]+>[ACGTU]+|\d+(?:_\d+)?(?:del|dup|ins)[ACGTU]*)(?![\w>])"
)
# A whole chromosome missing or extra: "one of the two X chromosomes is missing", "an extra copy of chromosome 21".
_WHOLE_CHROMOSOME = gated(
    r"\b(?P<chr>X|Y|\d{1,2})\s+chromosomes?\s+(?:is|are|was|were)\s+(?:\w+\s+)?(?P<kind>missing|lost|absent|deleted)\b"
    r"|\b(?P<kind2>missing|lost|absent|extra|additional)\s+(?:(?:copy\s+of\s+)?(?:an?|the|one)\s+)?(?:copy\s+of\s+)?"
    r"(?:(?P<chr2>X|Y)\s+chromosome|chromosome\s+(?P<chr3>\d{1,2}|X|Y))\b"
    r"|\b(?P<kind3>loss|absence)\s+of\s+(?:an?|the|one)\s+(?:(?P<chr4>X|Y)\s+chromosome|chromosome\s+(?P<chr5>\d{1,2}|X|Y))\b"
)
# Part of the genome said to be missing: "a single large piece of mitochondrial DNA is missing".
_PIECE_MISSING = gated(
    r"\b(?:a|an|one)\s+(?:[\w-]+\s+){0,3}?(?:piece|part|segment|stretch|section|portion|chunk)\s+of\s+(?:the\s+)?"
    r"(?P<what>mitochondrial\s+DNA|mtDNA|chromosome\s+\d{1,2}|(?:X|Y)\s+chromosome)\s+(?:is|are|was|were|has\s+been)\s+"
    r"(?:\w+\s+)?(?:missing|deleted|lost|absent)\b",
    re.I,
)
_DE_NOVO = gated(
    r"\b(?:arises?|arose|arisen|occurs?|occurred|appears?|appeared|happens?|happened|develops?|developed)\s+"
    r"(?:\w+\s+)?(?:as\s+a\s+)?(?:new|anew|fresh|afresh|spontaneously|de\s+novo|for\s+the\s+first\s+time)\b",
    re.I,
)
_ONSET_VERB = re.compile(r"(?:appear|develop|occur)", re.I)
_GENETIC_NOUN = re.compile(
    r"\b(?:change|variant|mutation|alteration|deletion|duplication|fault|error|copy|gene)s?\b", re.I
)
_SUSCEPTIBLE = gated(r"\bgenetically\s+(susceptible|predisposed|prone|vulnerable)\b", re.I)
_AGE = gated(
    r"\b(?:most|majority\s+of|nearly\s+all|almost\s+all|mainly|mostly|usually|typically)\s+(?:\w+\s+){0,3}?"
    r"(?:patients|cases|children|people|those\s+affected|affected\s+\w+)\s+(?:are|were)\s+(?:\w+\s+)?"
    r"(?P<dir>under|below|younger|over|older)\s+(?:than\s+)?(?:the\s+age\s+of\s+)?(?P<n>\d+|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|twenty|thirty|forty|fifty|sixty|seventy)\b"
    r"|\b(?:risk|incidence|likelihood|frequency)\s+(?:rises|increases|climbs|grows)\s+(?:\w+\s+)?with\s+(?:advancing\s+|increasing\s+)?age\b"
    # "simply being past fifty is the clearest predisposing factor", "it mostly turns up in men past fifty"
    r"|\bbeing\s+(?P<dir2>past|over|older\s+than|above)\s+(?:the\s+age\s+of\s+)?(?P<n2>\d+|forty|fifty|sixty|seventy)\b"
    r"(?=[^.;]{0,60}\b(?:risk|predispos\w*|factor|likel\w*|chance)\b)"
    r"|\b(?:mostly|mainly|chiefly|usually|typically|largely|predominantly)\s+(?:\w+\s+){1,3}?(?:in\s+)?"
    r"(?:men|women|people|adults|patients)\s+(?P<dir3>past|over|older\s+than|above|aged\s+over)\s+(?:the\s+age\s+of\s+)?"
    r"(?P<n3>\d+|forty|fifty|sixty|seventy)\b",
    re.I,
)
# What stands before the agent in a cause-list item: "after treatment with alemtuzumab", "infection with X".
_AGENT_OF = gated(
    r"^\s*(?:(?:an?\s+|the\s+)?courses?\s+of\s+|(?:treatment|therapy|medication|exposure|infection|contact|"
    r"co-?infection)s?\s+(?:with|to|by|from)\s+|(?:the\s+)?(?:use|abuse|misuse)\s+of\s+|(?:\w+\s+)?contact\s+(?:with|at)\s+)"
    r"(?:the\s+|an?\s+)?",
    re.I,
)
# A list item that starts with a verb in the past and its adverb or preposition: "lived close to a plant".
_VERB_ITEM = gated(
    r"[a-z]{3,}ed\s+(?:close|near|nearby|next|in|with|at|on|to|abroad|alone|together|beside|around)\b", re.I
)
# An aside that says a word names an agent: "Thorotrast, an X-ray contrast agent", "X, a cleaning solvent".
_AGENT_APPOSITIVE = gated(
    r",\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?(?:agent|drug|medicine|medication|solvent|chemical|compound|pesticide|"
    r"herbicide|insecticide|fungicide|dye|toxin|metal|mineral|fibre|fiber|dust|gas|preservative|additive|"
    r"plastici[sz]er)s?\b",
    re.I,
)


@functools.cache
def _exposure_gerunds() -> dict[str, str]:
    """-ing words that start a cause item, and how the cause is named (data/lexicons/exposure-gerunds.tsv)."""
    return {k: v.upper() for k, v in lexicon.table("exposure-gerunds.tsv").items()}


# A denial of care for one use, time or type only: "taking an ACE inhibitor ahead of time to prevent a crisis is
# discouraged", "desmopressin is of no use in type 3". The mention there is dropped, but the same care named as used
# in another sentence is kept (other denials hold for the whole summary).
_RESTRICTED_DENIAL = gated(
    r"\b(?:ahead\s+of\s+time|in\s+advance|beforehand|to\s+prevent|as\s+(?:a\s+)?prevention|preventive(?:ly)?|"
    r"prophylactic(?:ally)?|in\s+types?\s+\d\w?|for\s+types?\s+\d\w?)\b",
    re.I,
)
# Prepositions between an activity and what it exposes people to: "working around silica", "living near a mine".
_NEAR = frozenset({"around", "with", "near", "among", "alongside", "beside"})
# Words that stand before a medicine's name as its kind: "the leukaemia drug dasatinib", "the antibiotic X".
_MEDICINE_WORDS = frozenset(
    {
        "drug",
        "drugs",
        "medicine",
        "medicines",
        "medication",
        "antibiotic",
        "antibiotics",
        "agent",
        "painkiller",
        "tablet",
    }
)
_EXAMPLE_MARK = gated(r"^\s*(?:e\.g\.|i\.e\.|for\s+(?:example|instance))\s*,?\s*", re.I)
# An antibody "target" that names nothing in particular: "a protein in the kidney's filters", "certain cells".
_NO_TARGET = re.compile(
    r"(?:(?:a|an|the|one|two|three|several|both|some|certain|its|their|these|those)\s+)?(?:\w+\s+)?(?:proteins?|parts?|components?|"
    r"structures?|substances?|molecules?|tissues?|cells?)",
    re.I,
)
_QUANTIFIER_OF = gated(
    r"^(?:a|an|the)?\s*(?:\w+\s+)?(?:mix|mixture|combination|variety|range|number|host|set|array|blend|series|"
    r"handful|group|cluster|kind|type|sort|form|shortage|lack|loss|excess|build-up|buildup|year|decade|month|history|"
    r"habit)s?\s+of\s+",
    re.I,
)


# Words that make a sentence worth the structural finders even without a causal cue (genes, family, sex, ancestry,
# antibodies). Compiled once and gated: as an inline `re.search` it cost about 30 us on every sentence.
_GENETIC_CUE = gated(
    r"gene|inherit|mutat|variant|chromosom|dominant|recessive|X-linked|allele|deletion|"
    r"duplication|expansion|famil|parent|relative|sibling|antibod|immune|autoimmun|cousin|"
    r"males?\b|females?\b|boys|girls|men\b|women|ancestry|descent|origin|mother|father|carrier|roots|HLA|"
    r"communit|smok|whose",
    re.I,
)


class RiskFactorsComponent:
    """Risk factors: causes and predispositions, only where a sentence names them as causes and not negated.

    Structural finders work in any clause about genetics or causes: inheritance patterns, chromosome changes, gene
    symbols near variant words, consanguinity, affected relatives, sex and ancestry, autoantibodies. Open-class
    phrases (lexicon terms, phrases grown from head nouns, items listed after a cue) count only inside a cause
    region (`kg.extract.causal`): "caused by A, B or C", "X raises the risk", "the defect has been tied to Y".
    """

    def __init__(self, nlp: Language) -> None:
        self.terms = lexicon.table("risk-terms.tsv")
        self.heads = lexicon.table("risk-heads.tsv")
        self.need_modifier = set(self.heads) - lexicon.words("risk-standalone.txt")  # heads that never stand alone
        self.matcher = _phrase_matcher(nlp, list(self.terms))
        self.not_genes = {w.upper() for w in lexicon.words("not-genes.txt")}
        self.verbs = lexicon.words("verbs.txt")
        self.treatment_terms = {key(t.split("\t")[0]) for t in lexicon.phrases("treatment-terms.tsv")}
        self.treatment_heads = {h for h, c in lexicon.table("treatment-heads.tsv").items() if c == "care_model"}
        self.drugs = lexicon.phrases("drugs.txt")

    def __call__(self, doc: Doc) -> Doc:
        text = _txt(doc)
        clauses = doc.user_data.get("rkg_clauses") or []  # mirrors of doc._.rkg_clauses/rkg_causes (see rkg_clauses)
        genetic = _GENETIC_CUE.search(text)
        regions = doc.user_data.get("rkg_causes") or []
        if not any(c.causal for c in clauses) and not genetic and not regions:
            return doc
        strong: list[tuple[int, int, str, str | None]] = []  # token start, end, label, category
        open_: list[tuple[int, int, str, str | None]] = []
        for _mid, s, e in self.matcher(doc):
            open_.append(
                (
                    s,
                    e,
                    label_from_tokens(doc[s:e]),
                    self.terms.get(doc[s:e].text.lower()) or self.terms.get(singular(doc[s:e].text.lower()), "other"),
                )
            )
        for s, e, head_cat in _grown_phrases(
            doc,
            self.heads,
            need_modifier=self.need_modifier,
        ):
            e = self._cut_verbs(doc, s, e)
            if e <= s:
                continue
            head = doc[e - 1].lower_
            mods = {t.lower_ for t in doc[s : e - 1]}
            if head in lexicon.words("genetic-generic-heads.txt") and not (
                mods & lexicon.words("genetic-specific-modifiers.txt")
            ):
                continue  # "pathogenic variant", "identified variant": the gene finder names the gene instead
            if head in ("factor", "factors") and not (mods & lexicon.words("factor-kinds.txt")):
                continue  # "best-documented risk factor" is a phrase about a factor, not a factor
            specific = head in lexicon.words("genetic-generic-heads.txt") and bool(
                mods & lexicon.words("genetic-specific-modifiers.txt")
            )
            target = strong if specific or head in ("inheritance", "consanguinity", "disomy", "genotype") else open_
            target.append((s, e, label_from_tokens(doc[s:e]), head_cat))
        strong.extend(self._groups(doc))
        strong.extend(self._genes(doc))
        strong.extend(self._family(doc))
        for m in _INHERITANCE.finditer(text):
            for group in ("kind", "kind2", "kind3", "kind4"):
                toks = _char_to_tokens(doc, m.start(group), m.end(group)) if m[group] else None
                if toks:
                    kind = (
                        re.sub(r"[\s-]+", " ", m[group].lower())
                        .replace("x linked", "X-linked")
                        .replace("y linked", "Y-linked")
                        .replace("co dominant", "codominant")
                    )
                    strong.append((toks[0], toks[1], f"{kind} inheritance", "genetic"))
        strong.extend(self._told_inheritance(doc))
        for m in _CHROMOSOME.finditer(text):
            strong.append(self._chromosome(doc, m))
        for m in _TRANSLOCATION.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                label = f"{m['t']} translocation" if m["t"] else f"{m['hla'] or m['cls']} allele"
                strong.append((toks[0], toks[1], label, "genetic"))
        for m in _ARM.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            kind = "deletion" if m["kind"].lower() == "loss" else m["kind"].lower()
            if toks:
                strong.append((toks[0], toks[1], f"chromosome {m['chr']} {m['arm'].lower()} arm {kind}", "genetic"))
        for m in _ANEUPLOIDY.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks and not m["kind"]:
                strong.append((toks[0], toks[1], "triploidy", "genetic"))
            elif toks:  # "trisomies 13 and 18": one label each
                for group in ("a", "b", "c"):
                    span = _char_to_tokens(doc, m.start() if group == "a" else m.start(group), m.end(group))
                    if m[group] and span:
                        number = m[group][:-1].upper() + m[group][-1] if m[group][-1] in "pq" else m[group].upper()
                        strong.append((span[0], span[1], f"{m['kind'].lower()}y {number}", "genetic"))
        for m in _HGVS.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                strong.append((toks[0], toks[1], m[0], "genetic"))
        for m in _WHOLE_CHROMOSOME.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            chromosome = next(m[g] for g in ("chr", "chr2", "chr3", "chr4", "chr5") if m[g])
            kind = (m["kind"] or m["kind2"] or m["kind3"]).lower()
            word = "extra" if kind in ("extra", "additional") else "missing"
            name = (
                f"{chromosome.upper()} chromosome" if chromosome.upper() in ("X", "Y") else f"chromosome {chromosome}"
            )
            if toks:
                strong.append((toks[0], toks[1], f"{word} {name}", "genetic"))
        for m in _PIECE_MISSING.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:  # "a single large piece of mitochondrial DNA is missing" -> "mitochondrial DNA deletion"
                what = re.sub(r"\s+", " ", m["what"])
                if not what.startswith(("X ", "Y ")):
                    what = what[0].lower() + what[1:]  # "Mitochondrial DNA" at a sentence start
                strong.append(
                    (
                        toks[0],
                        toks[1],
                        f"{what} deletion",
                        "genetic",
                    )
                )
        open_.extend(self._listed(doc, regions))
        for m in _INFECTION_WITH.finditer(text):  # "a persistent infection with the measles virus"
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                agent = re.sub(r"\s+", " ", m["agent"])
                agent = agent if any(c.isupper() for c in agent) else agent.lower()
                open_.append((toks[0], toks[1], f"{agent} infection", "infectious"))
        names = [(sp.start_char, sp.end_char) for sp in doc.spans.get("rkg_names", ()) if sp.label_ != "SUBJECT"]
        for group, items in (("strong", strong), ("open", open_)):
            for s, e, label, cat in items:
                if s is None or e <= s:
                    continue
                cs, ce = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
                clause = clause_at(doc, cs)
                if clause is None or _not_entity(label):
                    continue
                if any(ns <= cs and ce <= ne and (ns, ne) != (cs, ce) for ns, ne in names):
                    continue  # "4p deletion" inside the name "4p deletion syndrome"
                if _negated(doc, cs, ce):
                    if cat != "genetic":  # "no gene therapy for SMN1" does not deny the SMN1 variant
                        _add(doc, "rkg_denied", s, e, label, role="risk")
                    continue
                if group == "open" and not causal.in_regions(regions, cs, ce):
                    continue
                if group == "open" and (
                    key(label) in self.treatment_terms
                    or label.split()[-1].lower() in self.treatment_heads
                    or _PROFESSION.fullmatch(label)
                    or label.split()[-1] in ("specialist", "team")
                ):
                    continue  # "the enzyme replacement therapy developed for those forms": care, not a cause
                if len(label) < 2 or not re.search(r"[A-Za-z]", label) or label.endswith("-"):
                    continue
                if " " not in label and f"{label.lower()} exposure" in self.terms:
                    label = f"{label.lower()} exposure"  # "asbestos is the dominant cause": an exposure
                label = re.sub(r"\bmedicines?$", "medication", label)  # one head word for medicines as causes
                words = label.lower().split()
                if (
                    words[-1] in lexicon.words("maternal-heads.txt")
                    and not {"maternal", "paternal", "parental"} & set(words)
                    and _PREGNANCY.search(text)
                ):
                    label = f"maternal {label}"  # "smoking ... in early pregnancy" is maternal smoking
                _add(doc, "rkg_risk_factors", s, e, label, cat)
        return doc

    def _cut_verbs(self, doc: Doc, s: int, e: int) -> int:
        """End of the noun phrase doc[s:e] before a verb that follows its first word."""
        for i in range(s + 1, e):
            low = doc[i].lower_
            if low in self.verbs or (
                len(low) > 4
                and low.endswith("ed")
                and low.isalpha()
                and low not in lexicon.words("not-participles.txt")
            ):
                return i
            followed = i + 1 < e or (i + 1 < len(doc) and doc[i + 1].lower_ in ("the", "a", "an", "its", "their"))
            after_person = singular(doc[i - 1].lower_) in lexicon.words("people.txt")  # "people living with HIV"
            if (
                len(low) > 5
                and low.endswith("ing")
                and (followed or after_person)
                and low not in lexicon.words("noun-ing.txt")
                and doc[i - 1].text != "-"
                and not (i + 1 < len(doc) and has_disease_word(doc[i + 1].text))  # "primary sclerosing cholangitis"
            ):
                return i  # "gene encoding fibrillin-1"
            prev = doc[i - 1].lower_
            compound = i >= 2 and doc[i - 2].text in ("-", "/") and not doc[i - 2].whitespace_
            if (
                doc[i].is_alpha
                and doc[i].is_lower
                and doc[i - 1].is_lower
                and len(prev) > 3
                and singular(prev) != prev
                and not compound
                and prev not in _MEDICINE_WORDS  # "the antibiotics nitrofurantoin or minocycline"
            ):
                return i  # a word after a plural noun starts the verb: "asbestos fibres lodge in the pleura"
        return e

    def _told_inheritance(self, doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Inheritance patterns told without their names: "two faulty copies, one from each parent" (autosomal
        recessive), "one altered copy is enough" (autosomal dominant), "a gene on the X chromosome" (X-linked)
        (de novo changes told so are `_DE_NOVO`'s). A sentence that also speaks of boys, sons or the X chromosome names
        no autosomal pattern, since one copy is enough in boys for an X-linked condition too."""
        text = _txt(doc)
        ambiguous: bool | None = None  # does the sentence speak of one sex or the X (asked once, when needed)
        for m in _INHERITANCE_TOLD.finditer(text):
            kind = next(g for g in _TOLD_LABELS if m[g])
            if kind in ("ar", "ad"):
                if ambiguous is None:
                    ambiguous = bool(_NOT_AUTOSOMAL.search(_BOTH_SEXES.sub(" ", text)))
                if ambiguous:
                    continue
            if kind == "ad" and re.search(r"\bcarrier|\brecessive", text, re.I):
                continue  # "a parent who is a carrier has a 50% chance of passing on the carrier state"
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:  # the evidence is the match's last words ("one from each parent", "is enough"), so the span
                # does not cover a gene named inside it ("two copies of the PAH gene"), which keeps its own fact
                yield max(toks[0], toks[1] - 3), toks[1], _TOLD_LABELS[kind], "genetic"

    def _family(self, doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Consanguinity ("parents who are blood relatives"), affected relatives ("an affected parent", "a carrier
        mother", "runs in families") and autoantibodies ("antibodies against muscle-specific kinase (MuSK)")."""
        text = _txt(doc)
        for m in _CONSANGUINITY.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                written = re.match(r"consanguineous\s+(marriage|union)", m[0], re.I)
                yield (
                    toks[0],
                    toks[1],
                    f"consanguineous {singular(written[1].lower())}" if written else "consanguinity",
                    "genetic",
                )
        for m in _RELATIVE.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            clause = clause_at(doc, m.start())
            if not toks or clause is None:
                continue
            # a test or diagnosis in the same stretch between commas ("a relative's test revealed it"); "women are
            # diagnosed more often than men, having a parent with it raises the odds" is two stretches
            lo = max(clause.start, text.rfind(",", clause.start, m.start()) + 1)
            hi = text.find(",", m.end(), clause.end)
            if re.search(r"\btest|screen|diagnos|reveal", text[lo : hi if hi >= 0 else clause.end], re.I):
                continue
            if m["fam"] and re.match(
                r"\s+(?:through|via|by|as|in\s+an?)\s+(?:\w+\s+){0,3}?(?:inheritance|pattern|fashion|manner|trait)\b",
                text[m.end() :],
                re.I,
            ):
                continue  # "runs in families through autosomal recessive inheritance": the inheritance, named there
            if m["fam"] or re.search(r"relative|family", m[0], re.I):
                yield toks[0], toks[1], "family history", "genetic"
                continue
            who = re.sub(r"^(?:an?\s+)", "", m["who"].lower())
            sib = re.match(r"(?:brothers\s+and\s+sisters|siblings)\s+of", who)
            label = "affected sibling" if sib else re.sub(r"\s+", " ", who)
            words = label.split()
            yield toks[0], toks[1], " ".join([*words[:-1], singular(words[-1])]), "genetic"
        for m in _DE_NOVO.finditer(text):
            if _ONSET_VERB.match(m[0]) and not _GENETIC_NOUN.search(text, max(0, m.start() - 60), m.start()):
                continue  # "symptoms appear for the first time in adulthood": an onset, not a new variant
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                yield toks[0], toks[1], "de novo mutation", "genetic"
        for m in _PARENT_CARRIES.finditer(text):
            if m["z"]:  # "a balanced translocation carried by a parent"
                toks = _char_to_tokens(doc, m.start("z"), m.end("z"))
                kind = re.sub(r"^(?:an?|the|one)\s+", "", re.sub(r"\s+", " ", m["z"].lower())).rstrip("s")
                if toks:
                    yield toks[0], toks[1], f"parental {kind}", "genetic"
                continue
            for group in ("x", "y"):
                if m[group]:
                    toks = _char_to_tokens(doc, m.start(group), m.end(group))
                    kind = re.sub(r"\s+", " ", m[group].lower()).rstrip("s")
                    if toks and re.search(r"\b(?:gene|copy|variant|mutation)\b", kind):
                        yield toks[0], toks[1], f"carrier {m['who'].lower()}", "genetic"
                    elif toks:
                        yield toks[0], toks[1], f"parental {kind}", "genetic"
        for m in _PARENT_AGE.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            who = (m["p"] or m["p2"] or m["p3"] or m["p4"] or m["p5"]).lower()
            kind = (
                "paternal"
                if who.startswith(("father", "paternal"))
                else "maternal"
                if who.startswith(("mother", "maternal"))
                else "parental"
            )
            if toks:
                yield toks[0], toks[1], f"advanced {kind} age", "other"
        for m in _SUSCEPTIBLE.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                yield (
                    toks[0],
                    toks[1],
                    f"genetic {'predisposition' if m[1].lower().startswith('pre') else 'susceptibility'}",
                    "genetic",
                )
        for m in _AGE.finditer(text):
            # "mostly turns up in men past fifty": the age is "past fifty" (the men are the sex's mention)
            toks = _char_to_tokens(doc, m.start("dir3") if m["dir3"] else m.start(), m.end())
            if toks:
                if m["n"] or m["n2"] or m["n3"]:
                    n = m["n"] or m["n2"] or m["n3"]
                    side = "under" if (m["dir"] or "").lower() in ("under", "below", "younger") else "over"
                    yield toks[0], toks[1], f"age {side} {n.lower()}", "other"
                else:
                    yield toks[0], toks[1], "older age", "other"
        for m in _ANTIBODY.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            clause = clause_at(doc, m.start())
            if toks and clause is not None and not clause.treatment and not clause.research:
                if _GRAFT.search(text, clause.start, clause.end):
                    continue  # "recipients form antibodies against the normal collagen in the graft": a complication
                target = m["abbr"] or re.sub(r"\s+", " ", m["target"]).strip()
                if _NO_TARGET.fullmatch(target):
                    continue  # "antibodies against a protein in the kidney's filters": no target named
                word = "autoantibodies" if m["word"].lower().startswith("auto") else "antibodies"
                yield toks[0], toks[1], f"{target} {word}", "immune"

    def _listed(self, doc: Doc, regions: list[tuple[int, int]]) -> Iterator[tuple[int, int, str, str | None]]:
        """Items of the cause regions, each cut to its minimal noun phrase: "caused by A, B or C" -> A, B, C."""
        text = _txt(doc)
        for r_start, r_end in regions:
            chunk = text[r_start:r_end]
            skip = _QUANTIFIER_OF.match(chunk.lstrip())
            offset = r_start + (len(chunk) - len(chunk.lstrip())) + (skip.end() if skip else 0)
            first_item = True
            aside_end = -1  # the end of an aside that describes the item before ("Thorotrast, an X-ray agent")
            for part in re.finditer(r"[^,()]+", text[offset:r_end]):
                piece_start = offset + part.start()
                items = re.split(
                    r"\s+(?:and|or|as\s+well\s+as|and/or|plus|together\s+with|along\s+with|such\s+as|"
                    r"including|notably|especially|particularly|among\s+them|in\s+particular|above\s+all|chiefly|"
                    r"mainly|mostly|most\s+(?:clearly|often|notably|commonly|famously|importantly|strikingly)|e\.g\.|for\s+example|for\s+instance)\s+",
                    part.group(),
                )
                for n_item, item in enumerate(items):
                    pos = text.find(item, piece_start)
                    if pos < 0 or not item.strip():
                        continue
                    piece_start = pos + len(item)
                    if pos < aside_end:
                        continue
                    example = _EXAMPLE_MARK.match(item)
                    if example:  # "include e.g. smoking": the marker opens the list
                        pos += example.end()
                        item = item[example.end() :]
                    inner = _QUANTIFIER_OF.match(item)
                    if inner:
                        pos += inner.end()
                        item = item[inner.end() :]
                    agent = _AGENT_OF.match(item)
                    if agent:  # "after treatment with alemtuzumab": the medicine is the cause
                        pos += agent.end()
                        item = item[agent.end() :]
                    toks = _char_to_tokens(doc, pos, pos + len(item.rstrip()))
                    if not toks:
                        continue
                    s, e = self._item_phrase(doc, toks[0], toks[1])
                    if e <= s:
                        continue
                    gerund = _exposure_gerunds().get(doc[s].lower_)
                    if gerund == "DROP" and s + 2 < toks[1] and doc[s + 1].lower_ in _NEAR:
                        s, e = self._item_phrase(doc, s + 2, toks[1])  # "working around silica": the silica
                        if e <= s:
                            continue
                        gerund = None
                    if gerund and e - s >= 2 and not is_boundary(doc[s + 1]):
                        if gerund == "AFTER":  # "recycling electronics" -> "electronics recycling"
                            yield s, e, f"{label_from_tokens(doc[s + 1 : e])} {doc[s].lower_}", None
                            first_item = False
                            continue
                        s += 1  # "eating raw fish", "inhaling cocaine": the cause is what is taken in
                    if _VERB_ITEM.match(text, doc[s].idx):
                        continue  # "lived close to a plant": a verb phrase, not a cause's name
                    letter = re.match(r"([A-Z]|\d{1,2})\b", item.lstrip()) if n_item else None
                    prev_item = (
                        re.search(r"\b([a-z]{4,})\s+(?:[A-Z]|\d{1,2})\s*$", items[n_item - 1]) if letter else None
                    )
                    if letter and prev_item and e - s <= 2:
                        # "chronic hepatitis B or C infection": the letter continues the previous item's noun
                        yield s, e, f"{prev_item[1]} {label_from_tokens(doc[s:e])}", None
                        first_item = False
                        continue
                    head = doc[e - 1].lower_
                    mods = {t.lower_ for t in doc[s : e - 1]}
                    if head in lexicon.words("genetic-generic-heads.txt") and not mods & _specific_modifiers():
                        continue  # "a genetic defect" says nothing, "congenital heart defects" names a condition
                    low = doc[s].lower_
                    single_first = (
                        first_item
                        and e - s == 1
                        and doc[s].is_alpha
                        and doc[s].is_lower
                        and low not in self.verbs
                        and singular(low) != low
                        and not low.endswith("ing")
                        and not _QUANTIFIER_OF.match(low + " of ")
                        and low not in lexicon.words("generic-agents.txt")
                    )
                    first_item = False
                    if (
                        e - s == 1
                        and n_item + 1 < len(items)
                        and (_is_adjective(doc[s].lower_) or self._shares_occupation(doc, s, items[n_item + 1]))
                    ):
                        # "an infectious or environmental trigger": the adjective shares the next item's head (the
                        # head of the next item's phrase: "genetic and environmental influences acting in ...")
                        nxt_pos = text.find(items[n_item + 1], pos + len(item))
                        nxt_toks = (
                            _char_to_tokens(doc, nxt_pos, nxt_pos + len(items[n_item + 1].rstrip()))
                            if nxt_pos >= 0
                            else None
                        )
                        if nxt_toks:
                            ns, ne = self._item_phrase(doc, nxt_toks[0], nxt_toks[1])
                            if (
                                ne - ns >= 2
                                and not is_boundary(doc[s])
                                and doc[ne - 1].lower_ not in lexicon.words("not-heads.txt")
                            ):
                                yield s, e, f"{doc[s].lower_} {singular(doc[ne - 1].lower_)}", None
                        continue
                    end_char = doc[e - 1].idx + len(doc[e - 1].text)
                    aside = _AGENT_APPOSITIVE.match(text, end_char)  # "Thorotrast, an X-ray contrast agent"
                    named_agent = aside is not None
                    if aside:
                        aside_end = aside.end()
                    occupation = head in lexicon.words("occupations.txt")  # "machinists", "dental technicians"
                    if not (
                        named_agent
                        or occupation
                        or self._cause_like(doc, s, e)
                        or (
                            single_first
                            and doc[s].lower_ not in lexicon.words("not-heads.txt")
                            and not _is_adjective(doc[s].lower_)
                        )
                    ):
                        continue
                    if e - s >= 2 and doc[e - 2].lower_ in _MEDICINE_WORDS and self._named_medicine(doc[e - 1]):
                        s = e - 1  # "the leukaemia drug dasatinib": the medicine is its name
                    yield s, e, label_from_tokens(doc[s:e]), None

    def _named_medicine(self, tok: Token) -> bool:
        """Can the word after "the drug" or "the antibiotics" be the medicine's name? On the drug list, with an INN
        stem, or any long enough word that is not a verb, a generic noun or a function word ("nitrofurantoin")."""
        word = tok.lower_
        if word in self.drugs or (len(word) > 6 and has_drug_stem(word)):
            return True
        return (
            len(word) >= 6
            and tok.is_alpha
            and word not in self.verbs
            and word not in lexicon.words("not-heads.txt")
            and not is_boundary(tok)
        )

    @staticmethod
    def _shares_occupation(doc: Doc, s: int, next_item: str) -> bool:
        """Does a one-word item share the next item's occupation ("aerospace and nuclear-weapons workers")? The
        occupation nouns are in data/lexicons/occupations.txt."""
        words = re.findall(r"[\w'-]+", next_item)
        return bool(words) and doc[s].is_lower and words[-1].lower() in lexicon.words("occupations.txt")

    def _item_phrase(self, doc: Doc, start: int, end: int) -> tuple[int, int]:
        """The noun phrase that names a list item in doc[start:end]: its first phrase, or, when that is a person or
        an amount ("people who already live with type 1 diabetes", "deficiencies of protein C"), the next one."""
        s, e = start, start
        for _attempt in range(3):
            s = trim_start(doc, e if e > start else start, end)
            e = s
            while e < end and not is_boundary(doc[e]) and e - s < 5:
                e += 1
            if s < e < end and re.fullmatch(r"[A-Z]\.", doc[e - 1].text) and doc[e].is_lower and doc[e].is_alpha:
                e += 1  # a binomial with its genus cut short: "E. coli", "H. pylori"
            e = self._cut_verbs(doc, s, e)
            if e <= s or doc[s].like_num or is_boundary(doc[s]):
                return s, s
            head = singular(doc[e - 1].lower_)
            nxt = doc[e].lower_ if e < end else ""
            person = head in lexicon.words("people.txt") and (
                nxt in ("who", "with", "that", "living") or nxt in _exposure_gerunds()
            )  # "people who already live with X", "people recycling electronics"
            lacking = head in ("deficiency", "lack", "shortage", "loss") and nxt == "of"  # "deficiencies of protein C"
            if not (person or lacking):
                return s, e
            if nxt == "living":
                e += 1  # "residents living with dementia": the dementia
            while e < end and is_boundary(doc[e]):
                e += 1
        return s, e

    def _cause_like(self, doc: Doc, s: int, e: int) -> bool:
        """Could this open-class phrase name a cause? Not a person, amount, kind or body part ("not-heads.txt"),
        not a verb, and a single word only when it is a term, a name, a symbol or a medicine."""
        head = doc[e - 1].lower_
        first = doc[s].lower_
        proper = any(t.text[:1].isupper() and not _GENE_TOKEN.match(t.text) for t in doc[s : e - 1])
        mods = [t.lower_ for t in doc[s : e - 1] if t.is_alpha]
        named_disease = is_disease_word(singular(head)) and (
            proper or len(mods) >= 2 or bool(set(mods) & lexicon.words("disease-modifiers.txt"))
        )  # "Down syndrome", "congenital central hypoventilation syndrome", "autoimmune conditions"
        named_group = proper and head in ("community", "communities", "population", "populations", "kindred", "group")
        if first in self.verbs or (head in lexicon.words("not-heads.txt") and not (named_disease or named_group)):
            return False  # "Down syndrome" is a name; "the condition" is not
        if any(
            t.like_num
            and not _GENE_TOKEN.match(t.text)
            and not (j > s and doc[j - 1].lower_ in lexicon.words("numbered-nouns.txt"))
            for j, t in enumerate(doc[s:e], start=s)
        ):
            return False  # "an estimated 100,000", but "type 2", "trisomy 18"
        if e - s > 1:
            words = [t.text for t in doc[s:e]]
            places = all(w[:1].isupper() and not _GENE_TOKEN.match(w) for w in words)
            return not (places and not _NAME_HEAD.search(" ".join(words)))  # "North America", "East Asia"
        text = doc[s].text
        if is_disease_word(text):
            return False  # "deficiency" alone
        return bool(
            first in self.terms
            or singular(first) in self.terms
            or f"{singular(first)} exposure" in self.terms  # "mould", which the label names as an exposure
            or (_GENE_TOKEN.match(text) and len(text) > 2)
            or (name_like(text) and len(text) > 5 and text.islower())
            or first in lexicon.words("cause-words.txt")
            or (len(first) > 6 and has_drug_stem(first))
            or first in self.drugs
        )

    def _genes(self, doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Gene symbols in a clause about variants: "mutations in the ATP7B gene" -> "ATP7B", "variants in GATA4,
        ZFPM2 and WT1" -> each, "SMN1 deletion" -> "SMN1 deletion", "LRP4 antibodies" -> "LRP4 antibodies".

        A point variant is labelled by the gene symbol alone: that is the node other graphs join on, whatever word
        ("mutation", "variant", "change") a summary used; structural changes keep their kind."""
        text = _txt(doc)
        gene_token = _GENE_TOKEN.regex
        texts = _texts(doc)
        joined_until = -1
        for i, sym in enumerate(texts):
            if i <= joined_until:
                continue
            if sym.endswith(".") and i == len(texts) - 1:
                sym = sym[:-1]  # "... and MYO5B." at the end of a sentence: the tokenizer kept the full stop
            if not gene_token.match(sym):
                continue
            tok = doc[i]
            if (
                i + 2 < len(texts)
                and texts[i + 1] == "-"
                and not tok.whitespace_
                and not doc[i + 1].whitespace_
                and gene_token.match(texts[i + 2].rstrip("."))
                and any(c.isdigit() for c in texts[i + 2])
                and sym.isupper()
            ):
                # "MT-TL1", "MT-ND5", "HLA-B27": one symbol written with a hyphen
                sym = f"{sym}-{texts[i + 2].rstrip('.')}"
                joined_until = i + 2
                if _GENETIC_WORD.search(text) and not sym.startswith("HLA-"):
                    yield i, i + 3, sym, "genetic"
                continue
            named_gene = i + 1 < len(doc) and doc[i + 1].lower_ == "gene"
            if _acronym_of_preceding(doc, i):
                continue  # "acute inflammatory demyelinating polyradiculoneuropathy (AIDP)" is a name, not a gene
            if (sym.upper() in self.not_genes and not named_gene) or sym.isdigit():
                continue
            sequence = re.fullmatch(r"[ACGTU]{3,}", sym) and re.match(
                r"\s*(?:triplet|trinucleotide|hexanucleotide|repeats?|microsatellites?|motifs?)\b",
                text[tok.idx + len(sym) :],
            )
            if not (re.search(r"\d", sym) or len(sym) >= 3) or re.fullmatch(r"[IVX]+", sym) or sequence:
                continue  # roman numerals and DNA sequences ("GGAA microsatellite") are not gene symbols
            clause = clause_at(doc, tok.idx)
            if clause is None:
                continue
            body = text.lower()
            nxt = doc[i + 1].lower_ if i + 1 < len(doc) else ""
            if nxt in lexicon.words("not-after-symbol.txt"):
                continue  # "the STAR trial", "the NIH criteria": a name of something else
            if _PROGNOSTIC.search(text, clause.start, clause.end) and not _STRONG_CAUSE.search(
                text, clause.start, clause.end
            ):
                continue  # "features of the tumour such as MYCN amplification" grade the disease, not cause it
            nxt2 = doc[i + 2].lower_ if i + 2 < len(doc) else ""
            prev = doc[i - 1].lower_ if i else ""
            fusion = re.match(
                r"-([A-Z][A-Z0-9]{1,9})\s+(?:fusion|fusion\s+gene|rearrangement)\b", text[tok.idx + len(sym) :]
            )
            if fusion:
                yield i, i + 3, f"{sym}-{fusion[1]} fusion", "genetic"
                continue
            if prev in ("anti", "-", "anti-") or (nxt == "-" and not tok.whitespace_):
                continue  # "anti-TNF antibody", "TGF-beta": part of another name
            if nxt in lexicon.words("not-after-gene.txt"):
                continue  # "MEK inhibitors", "the RAS pathway": a drug target or a pathway, not a variant
            if (
                _POINT_VARIANT.fullmatch(sym)
                and i > 0
                and _GENE_TOKEN.match(doc[i - 1].text)
                and not _POINT_VARIANT.fullmatch(doc[i - 1].text)
            ):
                continue  # "JAK2 V617F": named together with its gene below
            if i + 1 < len(doc) and _POINT_VARIANT.fullmatch(doc[i + 1].text) and not _POINT_VARIANT.fullmatch(sym):
                yield i, i + 2, f"{sym} {doc[i + 1].text}", "genetic"
                continue
            if nxt in ("antibodies", "antibody", "autoantibodies"):
                if not clause.treatment:
                    yield i, i + 2, f"{sym} antibodies", "other"
                continue
            if not _GENETIC_WORD.search(body):
                # no genetic word here: kept aside in case the previous sentence sets the scene ("several genes
                # have been identified. RET matters most, followed by EDNRB ...")
                if i + 1 >= len(doc) or doc[i + 1].lower_ not in ("gene", "protein", "antibodies"):
                    _add(doc, "rkg_genes_weak", i, i + 1, sym, "genetic")
                continue
            if nxt in lexicon.words("structural-changes.txt") or (
                nxt == "gene" and nxt2 in lexicon.words("structural-changes.txt")
            ):
                kind = singular(nxt if nxt in lexicon.words("structural-changes.txt") else nxt2)
                if kind == "repeat":
                    kind = "repeat expansion"
                yield i, i + 1, f"{sym} {kind}", "genetic"
                continue
            exon = re.match(r"\s+(?:gene\s+)?(exon|intron)\s+(\d+)\b", text[tok.idx + len(sym) :])
            if exon:  # "a JAK2 exon 12 mutation"
                yield i, i + 1, f"{sym} {exon[1]} {exon[2]}", "genetic"
                continue
            m = re.search(
                r"\b(CAG|CGG|GAA|CTG|GGC|CCTG|GGGGCC)\s+(?:triplet\s+|trinucleotide\s+|hexanucleotide\s+)?repeat",
                text[clause.start : clause.end],
            )
            if m:
                yield i, i + 1, f"{sym} {m[1]} repeat expansion", "genetic"
                continue
            yield i, i + 1, sym, "genetic"

    @staticmethod
    def _groups(doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Groups a summary says are affected more often: sex and ancestry ("boys outnumber girls" -> male sex)."""
        for m in _SEX.finditer(_txt(doc)):
            who = (m["a"] or m["b"] or m["c"] or m["d"] or m["e"] or m["f"] or m["g"]).lower()
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                sex = "male sex" if who in ("boys", "males", "men", "male") else "female sex"
                yield toks[0], toks[1], sex, "other"
        text = _txt(doc)
        for m in _SEX_SHARE.finditer(text):
            if m["n"] and _NUMBER_WORDS[m["n"].lower()] * 2 <= _NUMBER_WORDS[m["m"].lower()]:
                continue  # "two in five patients are male": no more than their share
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                male = m["who"].lower() in ("male", "men", "boys")
                yield toks[0], toks[1], "male sex" if male else "female sex", "other"
        for m in _MOST_SMOKED.finditer(text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                yield toks[0], toks[1], "smoking", "environmental"
        for m in _AMONG_PEOPLE.finditer(text):
            for part in re.finditer(_PEOPLE, m["who"]):
                span = _char_to_tokens(doc, m.start("who") + part.start(), m.start("who") + part.end())
                if span:
                    yield span[0], span[1], f"{_people_adjective(part[0])} ancestry", "genetic"
        for m in _FAMILIES_FROM.finditer(text):
            for part in re.finditer(_PLACE, m["where"]):
                span = _char_to_tokens(doc, m.start("where") + part.start(), m.start("where") + part.end())
                if span:
                    yield span[0], span[1], f"{_place_adjective(part[0])} ancestry", "genetic"
        for m in _ANCESTRY.finditer(_txt(doc)):
            toks = _char_to_tokens(doc, m.start("who"), m.end("kind"))
            if re.search(
                r"\b(?:less|least|rarely|rarer|uncommon|lower|fewer)\b[^.;]{0,50}$|\bthan\s+(?:in\s+)?(?:\w+\s+)?$",
                _txt(doc)[: m.start()],
                re.I,
            ):
                continue  # "less common in people of Asian descent" is not a predisposition
            if re.match(r"\s+(?:\w+\s+)?less\s+(?:often|commonly|frequently)\b", _txt(doc)[m.end() :]):
                continue  # "children of East Asian descent less often"
            if toks:
                kind = m["kind"].lower() if m["kind"].lower() in ("descent", "ancestry", "origin") else "ancestry"
                for part in re.finditer(r"(?:other\s+)?(?P<w>[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)*)", m["who"]):
                    span = _char_to_tokens(doc, m.start("who") + part.start("w"), m.start("who") + part.end("w"))
                    if span:  # "people of Turkish, Iranian and Japanese descent": one ancestry each
                        yield span[0], span[1], f"{part['w']} {kind}", "genetic"

    @staticmethod
    def _chromosome(doc: Doc, m: re.Match[str]) -> tuple[int, int, str, str | None]:
        toks = _char_to_tokens(doc, m.start(), m.end())
        if not toks:
            return (0, 0, "", None)
        kind = (
            "microdeletion"
            if (m["kind"] or m["kind3"] or m["kind4"])
            else ("duplication" if "duplication" in m[0].lower() else "deletion")
        )
        parent = ""
        if m["parent"]:
            parent = "maternal " if m["parent"].lower().startswith("m") else "paternal "
        if m["band3"] or m["band4"]:
            return (toks[0], toks[1], f"{m['band3'] or m['band4']} {kind}", "genetic")
        where = f"chromosome {m['chr']}{m['band'] or ''}" if m["chr"] else m["band2"]
        return (toks[0], toks[1], f"{parent}{where} {kind}", "genetic")


# ------------------------------------------------------------------------------------------------ treatment areas

_PROFESSION = gated(
    r"\b(?:(?P<mod>interventional|paediatric|pediatric|metabolic|neuromuscular|genetic|clinical|developmental|"
    r"respiratory|cardiac|orthopa?edic|thoracic|plastic|vascular|general|colorectal|transplant|hand|heart|jaw|"
    r"craniofacial|maxillofacial|spinal|spine|foot|eye|cardiothoracic|"
    r"speech(?:\s+and\s+language)?|occupational|physical|play|music)\s+)?"
    r"(?P<head>[a-z]+ologists?|[a-z]*(?:ician|iatrist|dietitian|dietician|therapist|surgeon|geneticist|counsell?or)s?"
    r"|[a-z]+odontists?|allergists?|dentists?)\b"
    # a nurse of a named field: "your epilepsy nurse", "the diabetes nurse" (a bare or "specialist" nurse names none)
    r"|\b(?:epilepsy|diabetes|stoma|continence|palliative\s+care|respiratory|haemophilia|hemophilia|transplant|"
    r"liver|renal|dialysis|neuromuscular|genetic|metabolic|oncology|cancer)\s+nurses?\b",
    re.I,
)
_SPECIALIST = gated(r"\b(?P<mod>[Ee]ar,?\s+nose,?\s+and\s+throat|[A-Za-z][a-z-]{2,})\s+specialists?\b")
_SPECIALTY = gated(
    r"\b(?:(?:paediatric|pediatric|interventional|thoracic|adult|clinical|medical|developmental|metabolic)\s+)?"
    r"(?:[a-z]+ology|[a-z]*(?:iatrics|iatry)|genetics|orthopa?edics|obstetrics|dietetics)\b",
    re.I,
)
# Procedures named by their Greek/Latin endings: "splenectomy", "tracheostomy", "pleurodesis", "angioplasty".
_PROCEDURE = gated(
    r"\b[a-z/-]*(?:ectomy|ectomies|otomy|otomies|ostomy|ostomies|plasty|plasties|pexy|desis|synangiosis|"
    r"anastomosis|rrhaphy|dialysis|thrombolysis|pheresis|(?:cryo|brachy|thermo|photo|hydro|laser|radio|chemo|immuno|"
    r"physio|electro)therapy|[a-z]*tripsy|[a-z]*plication|(?:photo|electro|thermo)coagulation|radiosurgery|ablation|"
    # the scopes a clinician looks through, not a laboratory's ("electron microscopy")
    r"(?:[a-z]*endo|colono|entero|broncho|laryngo|cysto|arthro|hystero|laparo|thoraco|sigmoido|o?esophago|gastro)"
    r"scop(?:y|ies))\b",
    re.I,
)
# Drug classes: "antidepressants", "anti-inflammatory drugs", "anticoagulation", "bronchodilators".
_DRUG_CLASS = gated(
    r"\b(?:anti-?[a-z]{3,}(?:ants?|ics?|ives?|ory|ories|als)|anti-?(?:platelet|seizure|thrombotic)s?|"
    r"bronchodilators?|analgesics?|painkillers?|"
    r"immunosuppressants?|diuretics?|laxatives?|corticosteroids?|glucocorticoids?|steroids?|antibiotics?|stimulants?|"
    r"fibrates?|bisphosphonates?|benzodiazepines?|nitrates|anticonvulsants?|antihistamines?|beta-blockers?|"
    r"anticoagulation|anticoagulants?)\b(?:\s+(?:drugs?|medicines?|medications?|therapy|treatment))?",
    re.I,
)


# A field of medicine named by its adjective: "mitochondrial medicine", "respiratory medicine" (not "an oral medicine").
_MEDICINE_FIELD = gated(r"\b(?P<mod>[a-z]+(?:al|ic|ary|ory|ive))\s+medicine\b(?!s)", re.I)
_SUPPLEMENT_WITH = gated(
    r"\b(?P<kind>supplementation|replacement)\s+(?:with|of)\s+(?P<what>vitamins?|minerals?|iron|calcium|zinc|"
    r"electrolytes?|enzymes?|hormones?|magnesium|potassium|phosphate|bicarbonate|salt|fluids?)\b",
    re.I,
)
# A diet named by what it holds: "a diet poor in natural protein" is a low-protein diet, "rich in fibre" high-fibre.
_DIET_IN = gated(
    r"\bdiets?\s+(?:that\s+is\s+|which\s+is\s+)?(?:very\s+)?(?P<d>low|poor|high|rich)\s+in\s+"
    r"(?:natural\s+|dietary\s+|animal\s+)?(?P<x>protein|fat|fats|sugar|salt|sodium|fibre|fiber|carbohydrates?|"
    r"phenylalanine|leucine|copper|iron|oxalate|purines?|galactose|lactose|fructose|gluten)\b",
    re.I,
)
# Care nouns with their object after "of": "monitoring of spinal curvature", "control of seizures".
_HEAD_OF = gated(
    r"\b(?:monitoring|screening|surveillance|control|management|prevention|removal|repair|treatment|imaging|"
    r"replacement|restriction|reduction)\s+of\s+(?!choice\b)(?:the\s+)?(?:[a-z-]+\s+){0,2}?[a-z-]+?(?=\s*(?:[,;.)]|and\b|or\b|$|"
    r"\s(?:is|are|was|were|with|in|by|to|for|round|help|helps|becomes?|may|can|through)\b))",
    re.I,
)


# A measure the care keeps in range: "with blood pressure and cholesterol kept under control", "blood pressure is kept
# in the normal range" (the care is "blood pressure control").
_KEPT = r"(?:blood\s+pressure|blood\s+sugars?|blood\s+glucose|cholesterol|weight|seizures|fluid\s+balance)"
_KEPT_IN_RANGE = gated(
    r"\b(?P<what>" + _KEPT + r")(?:\s+and\s+(?P<what2>" + _KEPT + r"))?\s+(?:is\s+|are\s+)?(?:kept|held|maintained)\s+"
    r"(?:well\s+|tightly\s+|strictly\s+)?(?:under\s+control|in\s+check|in\s+(?:the\s+)?(?:normal|target|healthy)\s+range)\b",
    re.I,
)
# A profession that names a person rather than care: "the French neurologist Pierre Marie", "Dr Ruiz, a neurologist".
_PERSON_AFTER = gated(r",?\s+(?:Dr\.?\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z'-]+)+\b")
_PERSON_BEFORE = gated(r"\b(?:Dr\.?|Doctor|Professor|Prof\.)\s+[A-Z][a-z'-]+,?\s+(?:an?|the)\s+(?:[\w-]+\s+)?$")
# What stands before a phrase that is not care: a simile ("planned like a military operation") or the route of a
# referral ("referral to our clinic is through your GP or paediatrician"). After a plural ("PDE5 inhibitors like
# sildenafil"), or after a kind of medicine ("a steroid-sparing drug like methotrexate"), "like" means "such as".
_NOT_CARE_BEFORE = gated(
    r"(?:(?<![a-z]s\s)(?<!drug\s)(?<!agent\s)(?<!medicine\s)(?<!medication\s)(?<!therapy\s)(?<!treatment\s)"
    r"(?<!blocker\s)(?<!inhibitor\s)\blike|\bas\s+if|\bas\s+though|\bresembl\w+)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+)?$"
    r"|\breferr\w*\b[^.;]{0,40}\bthrough\s+(?:your|their)\s+(?:[\w-]+\s+(?:or|and)\s+)?$"
    # who wrote the page, not who gives care: "this page was written by our information team"
    r"|\b(?:written|authored|prepared|edited|compiled)\s+by\s+(?:our\s+|the\s+|an?\s+)?(?:[\w-]+\s+)?$",
    re.I,
)
_TRIAL = re.compile(r"\btrials?\b|being\s+(?:tested|studied)|under\s+investigation", re.I)
# ", and" between two clauses that each have their own verb: "infections are treated with antibiotics, and the
# macrolide azithromycin cut flare-ups in a trial". Only the part before such a joint counts as a clause of its own
# when it has an auxiliary verb; "A, B, and C are being tested in trials" is one list, so one clause.
_AND_JOINT = re.compile(r",\s*and\s+")
_AUXILIARY = re.compile(r"\b(?:is|are|was|were|has|have|had|can|may|might|could|will|would|does|do|did)\b", re.I)


def _research_part(doc: Doc, clause: Clause, at: int) -> bool:
    """Does the research talk of `clause` reach the character `at`? The clause is split at ", and" joints between
    clauses with verbs of their own, and a part with no research cue of its own is care: in "infections are
    treated with antibiotics, and azithromycin cut flare-ups in a trial" the antibiotics are."""
    text = _txt(doc)
    start, end = clause.start, clause.end
    for m in _AND_JOINT.finditer(text, clause.start, clause.end):
        if not _AUXILIARY.search(text, start, m.start()):
            continue
        if m.start() >= at:
            end = m.start()
            break
        start = m.end()
    if (start, end) == (clause.start, clause.end):
        return True
    piece = text[start:end]
    return any(rx.occurs(piece, None) for rx in _cue_patterns("research-cues.txt", piece))


# A substance the body itself makes: "the body produces too much growth hormone", "a tumour that makes cortisol".
_MADE_BY_BODY = gated(
    r"\b(?:produces?|produced|producing|makes?|making|secretes?|secreted|secreting|releases?|overproduces?)\s+"
    r"(?:[\w-]+\s+){0,4}?$"
    # what the body itself needs or uses: "the body needs an enzyme called galactocerebrosidase"
    r"|\b(?:the|your|a\s+child's|the\s+child's)\s+body\s+(?:needs|uses|requires|relies\s+on)\s+(?:[\w-]+\s+){0,4}?$",
    re.I,
)


def _named_person(text: str, start: int, end: int) -> bool:
    """Is the profession at text[start:end] a named person ("the French neurologist Pierre Marie who described it")
    rather than someone who gives care?"""
    return bool(_PERSON_AFTER.match(text, end) or _PERSON_BEFORE.search(text, max(0, start - 60), start))


def _care_profession(profession: str) -> str | None:
    """The specialty a care profession practises ("neurologist" -> "neurology", "orthopaedic surgeon" ->
    "orthopaedic surgery"), or None for titles that name no area of care ("clinician", "physician",
    "pathologist"). The extractor keeps the profession as written; this decides whether it is one."""
    words = profession.lower().split()
    head = singular(words[-1])
    mods = words[:-1]
    if head in lexicon.words("not-professions.txt") and not (head in ("surgeon", "radiologist") and mods):
        return None
    if head in ("dietitian", "dietician") or (head == "nurse" and mods):
        return " ".join([*mods, head])
    from kg.link import specialty_word  # kg.link imports this package: import it once it is loaded

    field = specialty_word(head)
    return " ".join([*mods, field]) if field != head else None


@Language.factory("rkg_treatment_areas")
def make_treatment_areas(nlp: Language, name: str) -> TreatmentAreasComponent:
    return TreatmentAreasComponent(nlp)


# The forms a medicine is given in: "rituximab infusions" is rituximab.
_DOSE_FORMS = frozenset(
    {"infusion", "infusions", "injection", "injections", "tablet", "tablets", "capsule", "capsules", "drip", "drips"}
)


class TreatmentAreasComponent:
    """Treatment areas: specialties (neurology), care models (multidisciplinary supportive care), interventions
    (enzyme replacement therapy, liver transplantation, splenectomy) and the medicines named for the condition.

    Never in a negated scope ("no gene therapy"), never in a clause about research only ("being tested in trials"),
    never where the sentence names it as a cause ("exposure to valproate"), and never in a clause about causes unless
    it also talks about treatment. Medicines (known by name or INN stem), drug classes and procedures count without a
    treatment word nearby; other phrases need one. Professions become their specialty ("neurologist" -> neurology).
    """

    def __init__(self, nlp: Language) -> None:
        self.terms = lexicon.table("treatment-terms.tsv")
        self.heads = lexicon.table("treatment-heads.tsv")
        self.need_modifier = set(self.heads) - lexicon.words("treatment-standalone.txt")
        self.drugs = lexicon.phrases("drugs.txt")
        self.substances = lexicon.phrases("substances.txt")
        self.matcher = _phrase_matcher(nlp, list(self.terms) + sorted(self.drugs | self.substances))
        self.generic = lexicon.words("treatment-generic.txt")
        self.term_keys = frozenset(key(t) for t in self.terms)
        self.not_specialty = lexicon.phrases("not-specialties.txt")

    def __call__(self, doc: Doc) -> Doc:
        cands: list[tuple[int, int, str, str | None]] = []
        for _mid, s, e in self.matcher(doc):
            low = doc[s:e].text.lower()
            cat = self.terms.get(low) or self.terms.get(singular(low))
            medicine = (low in self.drugs or singular(low) in self.drugs) and low not in self.substances
            cat = cat or ("drug" if medicine else "substance")
            cands.append((s, e, label_from_tokens(doc[s:e]), cat))
            shared = self._shared_modifier(doc, s, e)
            if shared is not None:
                cands.append(shared)
        for s, e, cat in _grown_phrases(doc, self.heads, need_modifier=self.need_modifier, limit=3):
            if e - s >= 2 and doc[e - 1].lower_ in _DOSE_FORMS and self._medicine(doc[s : e - 1].text):
                # "rituximab infusions", "azathioprine tablets": the care is the medicine, whatever its form
                cands.append((s, e - 1, label_from_tokens(doc[s : e - 1]), "drug"))
                continue
            cands.append((s, e, label_from_tokens(doc[s:e]), cat))
            if e - s == 2 and s >= 2 and doc[s - 1].lower_ in ("and", "or") and self._lone_modifier(doc, s - 2):
                # "influenza and pneumococcal vaccination", "laser or radiofrequency ablation": both share the head
                cands.append((s - 2, s - 1, f"{doc[s - 2].lower_} {label_from_tokens(doc[e - 1 : e])}", cat))
        for m in _HEAD_OF.finditer(_txt(doc)):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if singular(m[0].split()[-1].lower()) in lexicon.words("people.txt") or m[0].lower().endswith("relatives"):
                continue  # "cascade screening of relatives" screens people; the care is "cascade screening"
            if toks:
                cands.append((toks[0], toks[1], normalise_label(m[0]), "care_model"))
        for m in _KEPT_IN_RANGE.finditer(_txt(doc)):
            for group in ("what", "what2"):
                toks = _char_to_tokens(doc, m.start(group), m.end(group)) if m[group] else None
                if toks:
                    what = re.sub(r"\s+", " ", m[group].lower())
                    cands.append((toks[0], toks[1], f"{singular(what)} control", "care_model"))
        cands.extend(self._drugs(doc))
        for rx, cat in ((_PROCEDURE, "procedure"), (_DRUG_CLASS, "drug")):
            for m in rx.finditer(_txt(doc)):
                toks = _char_to_tokens(doc, m.start(), m.end())
                if toks:
                    s = trim_start(doc, grow_left(doc, toks[0], limit=2), toks[1]) if cat == "procedure" else toks[0]
                    if cat == "drug":
                        s = _dose_start(doc, s)  # "high-dose steroids", "systemic corticosteroids"
                    cands.append((s, toks[1], label_from_tokens(doc[s : toks[1]]), cat))
        cands.extend(self._named_medicines(doc))
        for m in _PROFESSION.finditer(_txt(doc)):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks and _care_profession(m[0]):  # a care profession, kept as written ("paediatric neurologist")
                cands.append((toks[0], toks[1], label_from_tokens(doc[toks[0] : toks[1]]), "specialty"))
        for m in _SPECIALIST.finditer(_txt(doc)):
            mod = m["mod"].lower()
            toks = _char_to_tokens(doc, m.start(), m.end())
            if (
                toks
                and mod not in self.generic
                and mod not in lexicon.words("np-boundaries.txt")
                and not mod.endswith("ly")
                and mod not in lexicon.words("verbs.txt")
            ):
                mod = re.sub(r"\s+", " ", mod)
                cands.append((toks[0], toks[1], f"{mod} specialist", "specialty"))  # "retina specialist"
        for m in _MEDICINE_FIELD.finditer(_txt(doc)):
            toks = _char_to_tokens(doc, m.start(), m.end())
            mod = m["mod"].lower()
            if (
                toks
                and mod not in lexicon.words("routes.txt")
                and mod not in self.generic
                and mod not in self.not_specialty
            ):
                cands.append((toks[0], toks[1], f"{mod} medicine", "specialty"))  # "mitochondrial medicine"
        for m in _DIET_IN.finditer(_txt(doc)):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:  # "a diet poor in natural protein" -> "low-protein diet"
                level = "low" if m["d"].lower() in ("low", "poor") else "high"
                cands.append((toks[0], toks[1], f"{level}-{singular(m['x'].lower())} diet", "intervention"))
        for m in _SUPPLEMENT_WITH.finditer(_txt(doc)):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:  # "supplementation with vitamins A, D, E and K" -> "vitamin supplementation"
                cands.append((toks[0], toks[1], f"{singular(m['what'].lower())} {m['kind'].lower()}", "intervention"))
        for m in _SPECIALTY.finditer(_txt(doc)):
            if m[0].lower().split()[-1] in self.not_specialty:
                continue
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                cands.append((toks[0], toks[1], label_from_tokens(doc[toks[0] : toks[1]]), "specialty"))
        if _DENIED_CAUSE.search(_txt(doc)):
            for i, low in enumerate(_lowers(doc)):
                # a word denied as a cause ("vaccination does not cause it") is not care anywhere in the summary
                if low in self.heads and singular(low) not in lexicon.words("treatment-generic-heads.txt"):
                    tok = doc[i]
                    if _negated(doc, tok.idx, tok.idx + len(tok)):
                        _add(doc, "rkg_denied", tok.i, tok.i + 1, singular(low), role="treatment")
        causes = doc.user_data.get("rkg_causes") or []  # the mirror of doc._.rkg_causes
        research = doc.user_data.get("rkg_research") or []
        measures = lexicon.words("measure-nouns.txt")
        text = _txt(doc)
        for s, e, label, cat in cands:
            if e < len(doc) and doc[e].lower_ in measures:
                continue  # "oxygen levels", "iron stores"
            s, label = self._trim_generic(doc, s, e, label)
            if not label:
                continue
            if cat == "substance" and e < len(doc) and doc[e].text in ("-", "/") and not doc[e - 1].whitespace_:
                continue  # "iron-sulfur clusters"
            if cat in ("drug", "substance") and s > 0:
                start = _dose_start(doc, s)  # "topical sirolimus", "inhaled nitric oxide", "intravenous L-arginine"
                if start < s:
                    s, label = start, f"{label_from_tokens(doc[start:s])}{' ' if doc[s - 1].whitespace_ else ''}{label}"
            label = re.sub(r"\btransplants?$", "transplantation", label)
            words = label.split()
            if len(words) > 2 and words[-1] in ("drug", "medicine", "medication") and words[-2] in self.heads:
                label = " ".join(words[:-1])  # "mTOR inhibitor drugs" -> "mTOR inhibitor"
            cs, ce = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
            clause = clause_at(doc, cs)
            if clause is None or _not_entity(label):
                continue
            if _NOT_CARE_BEFORE.search(text, max(clause.start, cs - 80), cs):
                continue  # "planned like a military operation", "referral ... through your GP or paediatrician",
                # "written by our information team"
            if cat == "specialty" and _named_person(text, cs, ce):
                continue  # "named after the French neurologist Pierre Marie"
            if cat in ("drug", "substance") and _MADE_BY_BODY.search(text, max(clause.start, cs - 50), cs):
                continue  # "the body produces too much growth hormone": made by the body, not given
            if _negated(doc, cs, ce):
                if not _RESTRICTED_DENIAL.search(text, max(clause.start, cs - 40), min(clause.end, ce + 60)):
                    _add(doc, "rkg_denied", s, e, label, role="treatment")
                continue  # a denial for one use or one type only is not repeated elsewhere (see _RESTRICTED_DENIAL)
            if causal.in_regions(causes, cs, ce):
                continue  # "exposure to valproate", "acquired through corneal transplants"
            if negation.is_negated(research, cs, ce):
                continue  # "researchers are testing X", "X remains investigational": not current care
            if clause.research and not clause.treatment:
                continue
            if clause.research and _TRIAL.search(text, clause.start, clause.end) and _research_part(doc, clause, cs):
                continue
            if clause.causal and not clause.treatment and cat not in ("drug", "procedure"):
                continue
            headed = doc.user_data.get("rkg_after_care") and ":" in _txt(doc) and not clause.causal
            if not clause.treatment and not headed and cat not in ("specialty", "drug", "procedure"):
                continue
            _add(doc, "rkg_treatment_areas", s, e, label, cat)
        return doc

    def _medicine(self, text: str) -> bool:
        """Is this a medicine by name (the drug list, or one word with an INN stem)?"""
        low = text.lower()
        if low in self.substances:
            return False
        return low in self.drugs or (" " not in low and len(low) >= 7 and has_drug_stem(low))

    def _shared_modifier(self, doc: Doc, s: int, e: int) -> tuple[int, int, str, str | None] | None:
        """The second head of a term whose modifier it shares: "genetic testing and counselling" also names
        genetic counselling, when that is a term of its own and the word ends the phrase."""
        if e - s < 2 or e + 1 >= len(doc) or doc[e].lower_ not in ("and", "or"):
            return None
        word = doc[e + 1]
        if not word.is_alpha or (e + 2 < len(doc) and doc[e + 2].is_alpha and not is_boundary(doc[e + 2])):
            return None
        modifier = doc[s : e - 1].text.lower()
        cat = self.terms.get(f"{modifier} {word.lower_}") or self.terms.get(f"{modifier} {singular(word.lower_)}")
        if cat is None:
            return None
        return e + 1, e + 2, f"{label_from_tokens(doc[s : e - 1])} {singular(word.lower_)}", cat

    def _lone_modifier(self, doc: Doc, i: int) -> bool:
        """Is doc[i] a single modifier standing before "and/or" (not the head of a phrase of its own)?"""
        tok = doc[i]
        low = tok.lower_
        if not tok.is_alpha or is_boundary(tok) or low in self.heads or singular(low) != low or low in self.terms:
            return False
        if low in self.drugs or (len(low) >= 7 and has_drug_stem(low)):
            return False  # "dabrafenib and vemurafenib and MEK inhibitors": a medicine, not a modifier
        before = doc[i - 1] if i else None
        if before is None or is_boundary(before) or before.lower_ in self.generic:
            return True  # "orientation and mobility training"
        # "annual influenza and pneumococcal vaccination"; but in "early developmental intervention and genetic
        # counselling" the word after an adjective is a head of its own
        return bool(re.search(r"(?:al|ic|ive|ous)$", before.lower_)) and not re.search(
            r"(?:tion|ment|ance|ence|ity|ing|ism)$", low
        )

    def _trim_generic(self, doc: Doc, s: int, e: int, label: str) -> tuple[int, str]:
        """Drop generic leading modifiers ("careful surveillance" -> "surveillance") and phrases that are generic
        through and through ("routine care", "approved drug", "day-to-day management")."""
        words = label.split()
        drop = 0
        if key(label) in self.term_keys:
            return s, label  # "intensive care" is a term although "intensive" alone says nothing
        while drop < len(words) - 1 and (
            words[drop].lower() in self.generic
            or ("-" in words[drop] and all(w in self.generic for w in words[drop].lower().split("-")))
        ):
            drop += 1
        if drop:
            words = words[drop:]
            tok, left = s, drop
            while tok < e - 1 and left:
                tok += 1
                if doc[tok - 1].text not in ("-", "/") and doc[tok].text not in ("-", "/"):
                    left -= 1
            s = tok
        if len(words) == 1 and (
            words[0].lower() in lexicon.words("treatment-generic-heads.txt")
            or (
                drop
                and (words[0].lower() in self.heads or words[0].lower() + "s" in self.heads)
                and words[0].lower() not in lexicon.words("treatment-standalone.txt")
            )
        ):
            return s, ""  # "routine care", "quick symptomatic relief"
        return s, " ".join(words)

    def _named_medicines(self, doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Medicines named by what the sentence does with them ("X was approved", "prescribe X", "X, a drug
        that ...", "an infusion of X", "X, taken by mouth", "drugs such as A, B or C"), whatever their names."""
        text = _txt(doc)
        for rx in _MEDICINE_CUES:
            for m in rx.finditer(text):
                spans = [(m.start("x"), m.end("x"))]
                if "list" in rx.groupindex and m["list"]:
                    base = m.start("list")
                    spans += [(base + w.start(), base + w.end()) for w in re.finditer(r"[A-Za-z][\w-]{3,}", m["list"])]
                for n, (a, b) in enumerate(spans):
                    found = self._medicine_at(doc, a, b)
                    # the other items of a list count only when they look like medicines themselves
                    if found and (n == 0 or self._drug_like(found[2])):
                        yield found

    def _drug_like(self, label: str) -> bool:
        low = label.lower()
        return low in self.drugs or low in self.substances or (len(low) >= 7 and low.isalpha() and has_drug_stem(low))

    def _medicine_at(self, doc: Doc, a: int, b: int) -> tuple[int, int, str, str | None] | None:
        """The medicine written at text[a:b], or None for a word that cannot be one ("it", "therapy", "disease")."""
        toks = _char_to_tokens(doc, a, b)
        if not toks:
            return None
        s, e = toks
        words = [t.lower_ for t in doc[s:e] if t.is_alpha]
        if not words:
            return None
        if len(words) == 2 and (
            words[0] in lexicon.words("np-boundaries.txt") or words[0] in lexicon.words("verbs.txt")
        ):
            s += 1  # "given sirolimus, an mTOR inhibitor": the verb is not part of the name
            words = words[1:]
        last = words[-1]
        generic = lexicon.words("treatment-generic-heads.txt") | lexicon.words("not-heads.txt")
        if (
            last in lexicon.words("np-boundaries.txt")
            or last in self.generic
            or last in _DOSE_WORDS
            or last in lexicon.words("routes.txt")
            or is_disease_word(last)
            or last in lexicon.words("verbs.txt")
            or doc[s].like_num
            or (len(words) == 1 and _COMMON_NOUN.search(last) and not self._drug_like(last))
            or (
                len(words) == 1
                and s > 0
                and doc[s - 1].lower_ in ("the", "a", "an", "this", "that", "these", "its", "their", "our", "your")
                and not self._drug_like(last)
                and last not in generic
                and last not in self.heads
            )  # "the registry was approved": a named medicine takes no article
        ):
            return None  # "production", "scoliosis": an English noun, not a medicine's name
        if last in lexicon.words("not-heads.txt") or singular(last) in lexicon.words("not-heads.txt"):
            return None  # "a blood test was approved"
        if (
            last in generic
            or singular(last) in generic
            or last in self.heads
            or last in ("product", "products", "tablet", "tablets")
        ):
            s = trim_start(doc, grow_left(doc, e - 1, limit=3), e)  # "a recombinant ADAMTS13 product"
            if e - s < 2:
                return None
        s = _dose_start(doc, s)
        label = label_from_tokens(doc[s:e])
        return s, e, label if any(c.isupper() for c in label) else label.lower(), "drug"

    def _drugs(self, doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Medicine names recognised by their INN stem, with a trailing 'alfa'/'beta'/'acid' or a hyphenated
        combination kept whole ('elexacaftor-tezacaftor-ivacaftor')."""
        i = 0
        n = len(doc)
        lowers = _lowers(doc)
        while i < n:
            low = lowers[i]
            if not (
                len(low) >= 7 and low.isalpha() and low not in lexicon.words("not-drugs.txt") and has_drug_stem(low)
            ):
                i += 1
                continue
            enzyme_only = (
                low.endswith("ase")
                and not (i + 1 < n and lowers[i + 1] in ("alfa", "alpha", "beta"))
                and not re.search(r"(?:glucerase|sidase|dornase|nidase|sulfase)$|^peg", low)
            )  # "maltase": an enzyme
            if not enzyme_only:
                s, e = i, i + 1
                while e + 1 < n and doc[e].text == "-" and not doc[e].whitespace_ and doc[e + 1].is_alpha:
                    e += 2
                if e < n and (
                    doc[e].lower_ in ("alfa", "alpha", "beta", "gamma", "pegol", "acid", "choline")
                    or re.fullmatch(r"[a-z]{4,}(?:vec|gene|cel|temcel|leucel)", doc[e].lower_)
                ):
                    e += 1  # "agalsidase beta", "valoctocogene roxaparvovec"
                if s > 0 and doc[s - 1].lower_ in ("sodium", "zoledronic"):
                    s -= 1
                label = doc[s:e].text.lower() if not any(c.isupper() for c in doc[s:e].text[1:]) else doc[s:e].text
                # an enzyme name is a medicine only where the sentence talks about treatment ("the enzyme
                # alpha-L-iduronidase is missing" vs "laronidase infusions")
                yield s, e, label, "substance" if low.endswith("ase") else "drug"
                i = e
                continue
            i += 1


def _dose_start(doc: Doc, start: int) -> int:
    """Start of a medicine's phrase taken back over a dose or route written before it ("high-dose steroids",
    "systemic corticosteroids", "intravenous L-arginine")."""
    s = start
    while s > 0:
        prev = doc[s - 1]
        low = prev.lower_
        if low in _DOSE_WORDS or low in lexicon.words("routes.txt"):
            s -= 1
        elif low == "dose" and s >= 3 and doc[s - 2].text == "-" and doc[s - 3].lower_ in ("high", "low", "full"):
            s -= 3  # "high-dose" comes as three tokens
        elif prev.text == "-" and not prev.whitespace_ and s >= 2 and len(doc[s - 2].text) == 1:
            s -= 2  # "L-arginine", "D-penicillamine"
        else:
            break
    return s


_COMMON_NOUN = gated(r"(?:tion|sion|ment|ness|ity|ence|ance|sis|ure|ing|ism|ship|hood|logy|graphy)$")
_DOSE_WORDS = frozenset({"high-dose", "low-dose", "systemic", "pulsed", "pulse"})
# Medicines named by what a sentence does with them, whatever their name looks like.
_MEDICINE_CUES = (
    # "crinecerfont was approved", "odevixibat and maralixibat have been approved", "X (DFMO) was approved"
    gated(
        r"(?P<list>(?:\b[A-Za-z][\w-]{3,},?\s+(?:and|or)\s+|\b[A-Za-z][\w-]{3,},\s+){0,3})"
        r"\b(?P<x>[A-Za-z][\w-]{3,})(?:\s*\([^()]{1,40}\))?(?:,\s+(?:a|an|the)\s+[^,;]{3,80},)?,?\s+"
        r"(?:was|were|has\s+been|have\s+been|had\s+been|is|are|became|becomes)\s+(?:now\s+|also\s+|recently\s+|first\s+|"
        r"since\s+|formally\s+|the\s+first\s+(?:\w+\s+){0,2}?)?(?:approved|licen[cs]ed|authori[sz]ed)\b",
        re.I,
    ),
    # "experts prescribe celiprolol"
    gated(
        r"\b(?:prescribe|prescribes|prescribed|prescribing)\s+(?:(?:low|high)-dose\s+|oral\s+|daily\s+)?(?P<x>[a-z][\w-]{4,})\b",
        re.I,
    ),
    # "Caplacizumab, a nanobody that ...", "inosine pranobex (isoprinosine), a drug that ..."
    gated(
        r"(?<!\bif\s)(?<!\bwhen\s)(?<!\bwhere\s)"  # "if needed, a rescue medicine": a condition, not a name
        r"\b(?P<x>[A-Za-z][a-z][\w-]{3,}(?:\s+[a-z]{4,})?)(?:\s*\([^()]{1,40}\))?,\s+(?:a|an)\s+(?:[\w-]+\s+){0,4}?"
        r"(?:drug|medicine|medication|nanobody|antibody|compound|agent|steroid|antibiotic|tablet|hormone|inhibitor|"
        r"blocker|beta-blocker|supplement|antioxidant|analogue|analog)\b",
        re.I,
    ),
    # "a continuous infusion of prostaglandin E1", "a course of rituximab"
    gated(
        r"\b(?:infusions?|injections?|doses?|courses?|tablets?|capsules?)\s+of\s+(?P<x>[A-Za-z][\w-]{3,}(?:\s+[A-Z0-9]"
        r"[\w-]{0,3}\b)?)",
        re.I,
    ),
    # a dose after the name: "pitolisant started at 9 mg each morning", "sodium oxybate in two night-time doses"
    gated(
        r"\b(?P<x>[a-z][\w-]{4,}(?:\s+(?!(?:started|begun|given|taken|continued)\b)[a-z][\w-]{4,})?)\s+"
        r"(?:(?:started|begun|given|taken|continued)\s+)?(?:at\s+)?"
        r"(?:\d+(?:\.\d+)?\s*(?:mg|mcg|micrograms?|milligrams?|units?)\b|in\s+(?:one|two|three|four|divided)\s+"
        r"(?:[\w-]+\s+)?doses\b)",
        re.I,
    ),
    # "Cysteamine, taken by mouth ...", "X is given by infusion"
    gated(
        r"\b(?P<x>[A-Za-z][\w-]{4,})\s*,?\s+(?:is\s+|are\s+)?(?:taken|given|swallowed|injected|infused|inhaled|applied)\s+"
        r"(?:by\s+mouth|orally|intravenously|daily|twice|once|every|as\s+(?:a|an)\s+(?:tablet|capsule|injection|infusion|"
        r"liquid|spray)|by\s+(?:injection|infusion))",
        re.I,
    ),
)


_DENIED_CAUSE = gated(
    r"\b(?:does|do|did)\s+not\s+(?:\w+\s+)?cause|\bnothing\s+to\s+do\s+with|\bnot\s+(?:be\s+)?caused\s+by|"
    r"\bnot\s+(?:the\s+)?cause\b|\bno\s+(?:link|connection|association)\b|\bnot\s+(?:linked|tied|related)\s+to\b",
    re.I,
)


# ---------------------------------------------------------------------------------------------- community count

_COMMUNITY = gated(
    r"\b(?P<n>\d[\d,]*)\s+(?:people|persons|individuals|patients|members|families|users|caregivers)\b[^.]{0,160}?"
    r"\b(?:have|has|are|were|had)\s+(?:already\s+|now\s+|so\s+far\s+)?(?:connected|joined|registered|signed\s+up|"
    r"gathered|shared|come\s+together)",
    re.I,
)


@Language.factory("rkg_community")
def make_community(nlp: Language, name: str) -> CommunityComponent:
    return CommunityComponent()


class CommunityComponent:
    """The community count ("At DiseaseMaps.org, 12 people with X have already connected")."""

    def __call__(self, doc: Doc) -> Doc:
        m = _COMMUNITY.search(_txt(doc))
        if m and not re.search(r"\b(?:trial|study|studies|registry)\b", _txt(doc)[: m.start()], re.I):
            doc._.rkg_community = doc.user_data["rkg_community"] = int(m["n"].replace(",", ""))  # and its mirror
        return doc


PIPE_NAMES = ("rkg_clauses", "rkg_names", "rkg_prevalence", "rkg_risk_factors", "rkg_treatment_areas", "rkg_community")
