"""Minimal noun phrases without a tagger: grow from a head word over its modifiers, trim hedges, split lists, and
normalise to a label (singular head, lower case except acronyms and gene symbols)."""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from kg.extract import lexicon


def is_boundary(token: Token) -> bool:
    """A token that cannot sit inside a minimal noun phrase."""
    low = token.lower_
    if token.is_punct and low not in ("-", "/", "'"):
        return True
    if token.is_space or token.like_url or token.like_email:
        return True
    if low in lexicon.words("np-boundaries.txt"):
        nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
        # "Down syndrome", "Still disease": a capitalised word before a disease noun is a name, not "down"/"still"
        return not (token.text[:1].isupper() and nxt is not None and nxt.lower_ in lexicon.words("name-nouns.txt"))
    return bool(len(low) > 4 and low.endswith("ly") and low not in lexicon.words("not-adverbs.txt") and low.isalpha())


_AUXILIARIES = frozenset({"have", "has", "had", "be", "been", "being", "is", "are", "was", "were"})


def grow_left(doc: Doc | Span, head: int, limit: int = 4, floor: int = 0) -> int:
    """Index of the first token of the phrase ending at `head`, extending over up to `limit` modifiers. A hyphenated
    compound ("fat-soluble") counts as one modifier and is never cut in half; a verb stops the phrase."""
    start = head
    verbs = lexicon.words("verbs.txt")
    while start - 1 >= floor and head - (start - 1) <= limit:
        tok = doc[start - 1]
        glued = not tok.whitespace_ and doc[start].text in ("-", "/")  # "pull-through procedure"
        # the second half of a hyphenated compound ("comfort-focused care", "oestrogen-containing")
        glued = glued or (start - 2 >= floor and doc[start - 2].text in ("-", "/") and not doc[start - 2].whitespace_)
        noun_before = tok.lower_ in verbs and doc[start].lower_ in ("cell", "cells")  # "stem cell transplant"
        if (
            (is_boundary(tok) and not glued)
            or (tok.like_num and not _gene_like(tok.text))
            or (tok.lower_ in verbs and not noun_before and not glued)
        ):
            break
        before = doc[start - 2] if start - 2 >= floor else None
        if before is not None and tok.is_lower and tok.lower_.endswith("ed") and before.lower_ in _AUXILIARIES:
            break  # "studies have linked maternal obesity": a verb, not a modifier
        if tok.text in ("'s", "’s"):
            break
        if is_profession(tok.lower_) or (before is not None and is_profession(before.lower_) and not glued):
            break  # "gastroenterologists perform pneumatic dilation": a person at work, then a verb
        if (
            tok.is_lower
            and tok.is_alpha
            and len(tok.text) > 3
            and singular(tok.text) != tok.text
            and start - 1 < head - 1
            and head - start >= 1
        ):
            break  # a plural noun does not modify what follows it ("safety measures guard ...")
        start -= 1
    # finish a hyphenated compound that the limit cut ("- soluble vitamin" -> "fat-soluble vitamin")
    while start > floor and start < head:
        joined = doc[start].text in ("-", "/") or doc[start - 1].text in ("-", "/")
        if not joined or doc[start - 1].whitespace_ or doc[start - 1].is_space:
            break
        start -= 1
    while start < head and doc[start].text in ("-", "/"):
        start += 1  # a dangling hyphen at the start
    return start


_PROFESSION_WORD = re.compile(
    r"[a-z]*(?:ologists?|icians?|iatrists?|therapists?|surgeons?|dietitians?|dieticians?|nurses?|counsell?ors?|"
    r"instructors?|teachers?|doctors?)"
)


@lru_cache(maxsize=1 << 14)
def is_profession(word: str) -> bool:
    """Is the (lower-case) word a person who gives care ("neurologist", "nurses", "instructor")? Such a word never
    modifies a care noun, and the word after it is its verb ("a dietitian plans ...")."""
    return _PROFESSION_WORD.fullmatch(word) is not None


def trim_start(doc: Doc | Span, start: int, end: int) -> int:
    """Skip leading hedges ("potential", "certain") and boundary words."""
    trims = (
        lexicon.words("np-trim.txt") - lexicon.words("genetic-keep.txt")
        if _genetic_head(doc[end - 1].lower_)
        else lexicon.words("np-trim.txt")
    )
    while start < end - 1 and (doc[start].lower_ in trims or is_boundary(doc[start])):
        if not doc[start].whitespace_ and doc[start + 1].text in ("-", "/"):
            break  # "follow-up", "well-known": a compound is kept or dropped whole, never cut after its hyphen
        start += 1
    return start


def _genetic_head(word: str) -> bool:
    """Heads after which "new"/"spontaneous" mean something ("a new mutation" is a de novo mutation)."""
    return word.rstrip("s") in ("mutation", "variant", "deletion", "duplication", "change", "alteration")


@lru_cache(maxsize=1 << 16)
def _gene_like(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Z0-9-]{1,9}|[A-Z]{1,5}\d[A-Z0-9]*|\d{1,2}[pq]\d+(?:\.\d+)?", text))


@lru_cache(maxsize=1)
def _not_plurals() -> tuple[str, ...]:
    return tuple(sorted(lexicon.words("not-plurals.txt")))


@lru_cache(maxsize=1 << 16)
def singular(word: str) -> str:
    """English singular of a head noun, conservative: unknown forms are returned unchanged."""
    low = word.lower()
    if len(word) > 3 and word[-1] == "s" and word[:-1].isupper() and word[:-1].isalpha():
        return word[:-1]  # an acronym's plural: "NSAIDs", "TKIs" ("AIDS", all capitals, is a name)
    if word.isupper():
        return word  # an acronym in capitals: "PCOS", "ARDS", "AIDS"
    if low.endswith("ics") and (low.startswith("anti") or low in lexicon.words("ics-plurals.txt")):
        return word[:-1]  # "clinics", "antibiotics", "analgesics" are count nouns; "genetics" is not
    if len(low) <= 3 or not low.endswith("s") or low.endswith(_not_plurals()):
        return word
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + ("Y" if word[-1].isupper() else "y")
    if re.search(r"(?:ch|sh|x|ss|zz)es$", low):
        return word[:-2]
    if low.endswith("oes"):
        return word[:-2]
    return word[:-1]


def label_from_tokens(tokens: list[Token] | Span, *, sentence_start: bool = False) -> str:
    """A normalised label: sentence-initial capital and ordinary words lower-cased, acronyms, gene symbols and
    proper names kept; the head (last word) made singular."""
    words = []
    toks = list(tokens)
    for i, tok in enumerate(toks):
        text = tok.text
        keep = _gene_like(text) or (text[:1].isupper() and not (i == 0 and tok.is_sent_start) and i > 0)
        keep = keep or (text[:1].isupper() and i == 0 and not tok.is_sent_start and not sentence_start)
        if any(c.isupper() for c in text[1:]):
            keep = True
        words.append(text if keep else text.lower())
        if i + 1 < len(toks) and not tok.whitespace_:
            words.append("\0")
    if words:
        words[-1] = singular(words[-1])
    return re.sub(r"\s*\0\s*", "", " ".join(words)).strip()


def normalise_label(text: str) -> str:
    """Normalise free text (e.g. from a cue list) the same way as token labels."""
    text = re.sub(r"\s+", " ", text.strip(" \t\n,;:.()[]\"'“”‘’"))
    if not text:
        return text
    parts = text.split(" ")
    out = []
    for i, w in enumerate(parts):
        keep = _gene_like(w) or any(c.isupper() for c in w[1:]) or (w[:1].isupper() and i > 0)
        out.append(w if keep else w.lower())
    out[-1] = singular(out[-1])
    return " ".join(out)


@lru_cache(maxsize=1 << 16)
def key(label: str) -> str:
    """Comparison key for de-duplication: lower case, alphanumerics only, singular words."""
    return " ".join(singular(w) for w in re.findall(r"[a-z0-9]+", label.lower()))
