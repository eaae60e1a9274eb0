"""Extract: turn a cleaned document into a `Record` with a spaCy pipeline of our own components.

    >>> import kg.extract
    >>> record = kg.extract.extract(open("data/summaries/wilson-disease.txt").read())

The pipeline is `spacy.blank("en")` plus the components in `kg.extract.components`; statistical models are not
needed. Each minable sentence (see `kg.ingest`) is one spaCy `Doc`, so every find maps back to the sentence's
offsets in the original file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING

from kg import _make_callable
from kg.ingest import Document, Segment, SegmentKind, clean
from kg.records import Condition, Evidence, Mention, Prevalence, Record

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from kg.extract.prevalence import Figure

__all__ = ["extract", "extract_documents", "nlp", "slugify"]


@cache
def nlp() -> Language:
    """The extraction pipeline, built once per process."""
    import spacy

    from kg.extract import components

    pipeline = spacy.blank("en")
    for name in components.PIPE_NAMES:
        pipeline.add_pipe(name)
    return pipeline


# Latin letters that Unicode does not decompose into an ASCII letter and a mark.
_LATIN_LETTERS = {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}


def slugify(label: str) -> str:
    """A stable identifier from a label: lower-case ASCII letters, digits and hyphens ("Prader-Willi syndrome" ->
    "prader-willi-syndrome", "Sjögren–Larsson syndrome" -> "sjogren-larsson-syndrome"). Accents are dropped, Greek
    letters spelled out ("β-thalassemia" -> "beta-thalassemia", never the same as alpha), dashes and symbols separate
    words, and letters of other scripts become their code points, so any name gives a valid IRI; a label cut at 80
    characters keeps a hash of the whole, so long labels stay apart."""
    import hashlib
    import unicodedata

    out = []
    for ch in unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", label)):
        if unicodedata.combining(ch):
            continue
        low = ch.lower()
        if ch.isascii():
            out.append(ch)
        elif low in _LATIN_LETTERS:
            out.append(_LATIN_LETTERS[low])
        elif unicodedata.name(ch, "").startswith("GREEK") and "LETTER" in unicodedata.name(ch, ""):
            out.append("-" + unicodedata.name(ch).rsplit(" ", 1)[-1].lower() + "-")
        elif ch.isalnum():
            out.append(f"-u{ord(ch):04x}-")
        else:
            out.append("-")
    slug = re.sub(r"[^a-z0-9]+", "-", "".join(out).lower()).strip("-")
    if not slug:  # only punctuation or symbols: their code points
        slug = "-".join(f"u{ord(c):04x}" for c in label.strip()[:24]) or "unnamed"
    if len(slug) > 80:
        slug = slug[:71].rstrip("-") + "-" + hashlib.sha1(label.encode("utf-8")).hexdigest()[:8]
    return slug


def extract(text: str | Document, source: str = "-") -> Record:
    """One summary (raw text or an ingested Document) to its Record."""
    doc = text if isinstance(text, Document) else clean(source, text)
    return next(extract_documents([doc]))


def extract_documents(docs: Iterable[Document]) -> Iterator[Record]:
    """Records for documents, in order. Streams: memory stays flat however many documents come in."""
    pipeline = nlp()
    steps = [component for _name, component in pipeline.pipeline]  # `Language.pipeline` builds a new list per call
    for document in docs:
        sentences = [piece for seg in _minable(document) for piece in _pieces(document, seg)]
        names: list[str] = [document.title] if document.title and _usable_title(document.title) else []
        parsed = []
        care_before: tuple[int, bool] = (-1, False)  # (paragraph, did the previous sentence talk about care)
        for index, seg in enumerate(sentences):
            text = document.span(seg)
            # terse notes ("Refractory disease: IVIG, plasmapheresis.") lean on the sentence before for their topic
            context = {"names": names, "after_care": care_before == (seg.paragraph, True)}
            sdoc = _parse(pipeline, text, names, context, steps)
            spans = sdoc.spans
            clauses = sdoc.user_data.get("rkg_clauses") or ()
            care = any(c.treatment for c in clauses) or "rkg_treatment_areas" in spans
            care_before = (seg.paragraph, care)
            # names of the condition met so far (the file's title, the opening subject, its synonyms) tell later
            # sentences which side of "X has been linked to Y" is the condition
            if "rkg_names" in spans and len(names) < 24:
                for span in spans["rkg_names"]:
                    opening = index < 3 and _condition_like(span.kb_id_, text)
                    if opening or not span.label_.startswith("SUBJECT"):
                        names.append(span.kb_id_)
            parsed.append(sdoc)
        yield _assemble(document, sentences, parsed)


def _minable(document: Document) -> Iterator[Segment]:
    """The sentences to mine: the document's sentences, and list intros whose list was lost, which still say
    things ("Care is coordinated at a pediatric hepatology center, where the following are covered:")."""
    return (s for s in document.segments if s.kind in (SegmentKind.SENTENCE, SegmentKind.LIST_INTRO))


def _parse(
    pipeline: Language,
    text: str,
    names: list[str] | None = None,
    context: dict[str, object] | None = None,
    steps: list[Callable[[Doc], Doc]] | None = None,
) -> Doc:
    """One sentence through the pipeline (or through `steps`, its components listed once by the caller). The text
    rides along in `user_data`, because `Doc.text` rebuilds the string from its tokens on every call and the
    components ask for it often; so do the condition's names known so far (`rkg_condition_names`, shared and
    growing)."""
    doc = pipeline.make_doc(text)
    data = doc.user_data
    data["rkg_text"] = text
    data["rkg_condition_names"] = names if names is not None else []
    data["rkg_after_care"] = bool(context and context.get("after_care"))
    for component in steps if steps is not None else [c for _name, c in pipeline.pipeline]:
        doc = component(doc)
    return doc


MAX_SENTENCE_CHARS = 4000  # longer "sentences" (a line with no full stop) are read in pieces of about this size


def _pieces(document: Document, seg: Segment) -> list[Segment]:
    """A sentence, or an over-long run of text cut at spaces into pieces spaCy and our patterns handle quickly; each
    piece keeps its own offsets, so evidence still slices the original text."""
    if seg.end - seg.start <= MAX_SENTENCE_CHARS:
        return [seg]
    out = []
    start = seg.start
    text = document.text
    while start < seg.end:
        end = min(seg.end, start + MAX_SENTENCE_CHARS)
        if end < seg.end:
            cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, end)
            end = cut if cut > start else end
        while start < end and text[start].isspace():
            start += 1
        if end > start:
            out.append(Segment(start, end, seg.kind, seg.paragraph))
        start = end
    return out


# ------------------------------------------------------------------------------------------------------ assembly

_GENETIC = re.compile(r"\b(?:genes?|variants?|mutations?|alleles?)\b", re.I)


def _key(label: str) -> str:
    from kg.extract.phrases import key

    return key(label)


def _names_match(a: str, b: str) -> bool:
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    ka2 = re.sub(r"\b(?:s|disease|syndrome|disorder)\b", "", ka.replace("'", "")).split()
    kb2 = re.sub(r"\b(?:s|disease|syndrome|disorder)\b", "", kb.replace("'", "")).split()
    return ka == kb or (bool(ka2) and ka2 == kb2)


def _usable_title(title: str | None) -> bool:
    """A file name worth matching against the text: at least four letters or digits ("a.txt" gives "A", which
    would match inside "is a rare")."""
    return bool(title) and len(re.sub(r"[\W_]+", "", title or "")) >= 4


def _mentions_title(title: str, text: str) -> bool:
    """Does the text name the title as whole words ("Wilson disease" in "... Wilson disease is ...")?"""
    k = _no_possessive(_key(title))
    return bool(k) and f" {k} " in f" {_no_possessive(_key(text[:200_000]))} "


def _no_possessive(k: str) -> str:
    """A key without the "s" of a possessive: the key of "Still's" is "still s", that of the file name "stills" is
    "still"."""
    return k.replace(" s ", " ").removesuffix(" s")


_PLAIN_WORDS = frozenset({"rare", "summary", "notes", "page", "info", "information", "text", "file", "draft", "copy"})


def _distinctive(word: str) -> bool:
    """Can this word of a file name pick out a condition (not "rare", "disease" or "summary")?"""
    from kg.extract.components import is_disease_word

    return len(word) > 3 and word.lower() not in _PLAIN_WORDS and not is_disease_word(word) and not word.isdigit()


def _title_word(word: str) -> str:
    """A file name's word as a pattern; a final "s" may follow an apostrophe that file names drop ("stills" for
    "Still's")."""
    if len(word) > 3 and word[-1] in "sS":
        return re.escape(word[:-1]) + r"['’]?" + re.escape(word[-1])
    return re.escape(word)


def _title_mention(document: Document, title: str, sentences: list[Segment]) -> tuple[str, Evidence] | None:
    """The file's title as the first paragraph writes it ("moyamoya disease" for moyamoya-disease.txt), with its
    sentence as evidence; None when the first paragraph does not name it."""
    words = re.findall(r"[^\W_]+", title)
    if len(words) < 2 or not any(_distinctive(w) for w in words):
        return None  # "condition.txt", "rare-disease.txt": words any summary has, not a name
    pattern = re.compile(
        r"(?<![\w-])(?<!\ba\s)(?<!\ban\s)" + r"[\s'’-]+".join(map(_title_word, words)) + r"(?![\w-])", re.I
    )
    first = sentences[0].paragraph
    for seg in sentences:
        if seg.paragraph != first:
            break
        m = pattern.search(document.text, seg.start, seg.end)
        if m:
            return _display(m[0]), Evidence(sentence=document.span(seg), start=seg.start, end=seg.end)
    return None


def _condition(
    document: Document, names: list[tuple[str, str, Evidence]], sentences: list[Segment] | None = None
) -> tuple[str, Evidence | None]:
    """The preferred name: the name in the text that matches the file's title, else the title as the opening
    paragraph writes it, else the subject of the opening defining sentence when it looks like a condition's name,
    else a title line above the text, else the file's title if the text mentions it. A text that names no condition
    gets no invented one (not from a short or unmentioned file name, not from its first noun)."""
    title = document.title if _usable_title(document.title) else None
    if title:
        for _role, name, ev in names:
            if _names_match(name, title):
                return _display(name), ev
    if title and sentences:
        # the file's name, written out in the opening paragraph, beats a subject that is not it: "In this newsletter
        # three of our dads explain congenital diaphragmatic hernia" is a sentence about the condition, not its name
        found = _title_mention(document, title, sentences)
        if found is not None:
            return found
    for role, name, ev in names:
        if role == "SUBJECT" and _condition_like(name, ev.sentence):
            return _display(name), ev
    for role, name, ev in names:
        if role == "TITLE" and (_mentions_title(name, document.text[ev.end :]) or _name_like(name)):
            return _display(name), ev
    if title and _mentions_title(title, document.text):
        return _display(title), None
    raise _no_condition(document)


def _name_like(name: str) -> bool:
    from kg.extract.components import name_like

    return name_like(name)


def _title_line(sentence: str) -> str | None:
    """A title line above a summary ("Wilson disease", an HTML page's <h1>): short, no full stop, no verb."""
    text = sentence.strip()
    words = text.split()
    if not words or len(words) > 8 or len(text) > 80 or text[-1:] in ".!?:;,":
        return None
    if re.search(r"\b(?:is|are|was|were|has|have|can|may|will|does|do|affects?|causes?)\b", text, re.I):
        return None
    return text


def _condition_like(name: str, sentence: str) -> bool:
    """A subject that names a condition: built on a disease word, or defined by its sentence ("X is a rare ...")."""
    if re.match(r"(?:the|a|an|this|these|that|it|its|our|we|they|i|you|he|she|so|what|how|why|who)\b", name, re.I):
        return False
    defined = re.search(
        r"\b(?:is|are|was)\s+(?:a|an|one)\b|\b(?:also|sometimes|often)\s+(?:known|called|referred)", sentence, re.I
    )
    return _name_like(name) or bool(defined)


def _no_condition(document: Document) -> Exception:
    from kg.errors import InputError

    if document.title:
        return InputError(
            document.source,
            "no recognisable condition (no sentence defines one and the file name "
            "does not appear in the text); is this a summary of a condition?",
        )
    return InputError(document.source, "no recognisable condition (no defining sentence and no file name to use)")


def _display(name: str) -> str:
    name = re.sub(r"\s+", " ", name.strip(" \"'“”‘’"))
    return name[:1].upper() + name[1:]


def _assemble(document: Document, sentences: list[Segment], parsed: list[Doc]) -> Record:
    names: list[tuple[str, str, Evidence]] = []
    spans: dict[str, list[tuple[str, str | None, Evidence, int, int]]] = {
        "rkg_risk_factors": [],
        "rkg_treatment_areas": [],
    }
    denied: dict[str, set[str]] = {"risk": set(), "treatment": set()}
    figures: list[tuple[Figure, Evidence]] = []
    community: int | None = None
    community_ev: Evidence | None = None
    defined = False  # has an opening sentence defined the condition yet
    genetic_before: tuple[int, bool] = (-1, False)  # (paragraph, did the previous sentence talk about genes)
    for index, (seg, sdoc) in enumerate(zip(sentences, parsed, strict=True)):
        ev = Evidence(sentence=document.span(seg), start=seg.start, end=seg.end)
        found = sdoc.spans.get("rkg_names", [])
        # subjects count only in the opening sentence, or in the first defining one just after a title line
        subject = next((sp.kb_id_ for sp in found if sp.label_ == "SUBJECT"), None)
        opening = index == 0 or (
            not defined and index < 3 and subject is not None and _condition_like(subject, ev.sentence)
        )
        defined = defined or (opening and subject is not None and _condition_like(subject, ev.sentence))
        for span in found:
            if span.label_.startswith("SUBJECT") and not opening:
                continue
            names.append((span.label_, span.kb_id_, ev))
        if index == 0 and subject is None and (line := _title_line(ev.sentence)):
            names.append(("TITLE", line, ev))
        data = sdoc.user_data  # the components mirror their doc._ values here (each `sdoc._` builds an object)
        here = data.get("rkg_community")
        for group in spans:
            if here is not None:
                break  # "12 people have connected to swap tips on itch management": the community, not the care
            for span in sdoc.spans.get(group, []):
                spans[group].append((span.kb_id_, span.label_ or None, ev, span.start_char, span.end_char))
        if genetic_before == (seg.paragraph, True):
            for span in sdoc.spans.get("rkg_genes_weak", []):
                if not sdoc.spans.get("rkg_denied") or span.kb_id_ not in {d.kb_id_ for d in sdoc.spans["rkg_denied"]}:
                    spans["rkg_risk_factors"].append((span.kb_id_, "genetic", ev, span.start_char, span.end_char))
        genetic_before = (seg.paragraph, bool(_GENETIC.search(sdoc.user_data["rkg_text"])))
        for span in sdoc.spans.get("rkg_denied", []):
            denied[span.label_].add(_key(span.kb_id_))
        for fig in data.get("rkg_figures") or ():
            figures.append((fig, ev))
        if community is None and here is not None:
            community = here
            community_ev = ev
    label, cond_ev = _condition(document, names, sentences)
    named = {ev.start for role, _name, ev in names if role.startswith("SUBJECT")}  # the defining sentences
    synonyms = _synonyms(label, names + _named_beside(document, label, [s for s in sentences if s.start not in named]))
    name_keys = {_key(label)} | {_key(m.label) for m in synonyms}
    # something the summary denies anywhere ("vaccination has nothing to do with it") is asserted nowhere
    record_id = slugify(label)
    return Record(
        id=record_id,
        source=document.source,
        condition=Condition(label=label, evidence=cond_ev),
        synonyms=tuple(synonyms),
        risk_factors=tuple(_mentions(spans["rkg_risk_factors"], name_keys, denied["risk"])),
        treatment_areas=tuple(_mentions(spans["rkg_treatment_areas"], name_keys, denied["treatment"])),
        prevalence=tuple(_prevalence(figures)),
        last_updated=document.last_updated,
        community_count=community,
        community_evidence=community_ev,
    )


# A protein change written as letters around its position: N370S, V50M, Val30Met, p.Arg117His.
_VARIANT_NOTATION = re.compile(
    r"(?:p\.)?(?:[ACDEFGHIKLMNPQRSTVWY]\d{1,4}(?:[ACDEFGHIKLMNPQRSTVWY]|fs|del)|[A-Z][a-z]{2}\d{1,4}[A-Z][a-z]{2})"
)


# what follows the condition's name, wherever it stands: "(VWD)", ", which older leaflets call X or Y", ", also
# recorded as X"
_BESIDE_NAME = re.compile(
    r"\s*(?:\((?P<abbr>[A-Za-z][A-Za-z0-9-]{1,9})\))?"
    r"(?:,\s+(?:which\s+(?:[\w'’-]+\s+){0,4}?(?:call|calls|called|knew\s+as|know\s+as|knows\s+as|refer\s+to\s+as|"
    r"refers\s+to\s+as)|(?:also|sometimes|often|formerly)\s+(?:known\s+as|called|recorded\s+as|written\s+as|"
    r"listed\s+as|referred\s+to\s+as))\s+(?P<first>[^,;.()]{3,60}?)(?:\s+or\s+(?P<second>[^,;.()]{3,60}?))?(?=[,;.()]|$))?"
)


def _named_beside(document: Document, label: str, sentences: list[Segment]) -> list[tuple[str, str, Evidence]]:
    """Other names written beside the condition's own name outside the defining sentence: "diagnosed with von
    Willebrand disease (VWD), which her grandmother knew as pseudohaemophilia". An abbreviation must start with
    the name's first letter; a spelled-out name must look like a condition's name or share a word with it."""
    from kg.extract.components import is_abbreviation

    own = re.compile(r"(?<![\w-])" + re.escape(label) + r"(?![\w-])", re.I)
    words = {w for w in _key(label).split() if len(w) > 3}
    out: list[tuple[str, str, Evidence]] = []
    text = document.text
    for seg in sentences:
        for m in own.finditer(text, seg.start, seg.end):
            after = _BESIDE_NAME.match(text, m.end(), seg.end)
            if after is None:
                continue
            ev = Evidence(sentence=document.span(seg), start=seg.start, end=seg.end)
            abbr = after["abbr"]
            if abbr and is_abbreviation(abbr) and abbr[0].lower() == label[0].lower():
                out.append(("SYNONYM", abbr, ev))
            for group in ("first", "second"):
                name = (after[group] or "").strip()
                if re.search(r"\b(?:and|after|because|which|that|in|for|as|to)\b", name):
                    continue  # a clause, not a name: "SBLA syndrome after the sarcoma ... it tends to cause"
                if name and (_name_like(name) or words & set(_key(name).split())):
                    out.append(("SYNONYM", name, ev))
    return out


def _synonyms(label: str, names: list[tuple[str, str, Evidence]]) -> list[Mention]:
    out: list[Mention] = []
    seen_label = _key(label)
    seen = {seen_label}
    for role, name, ev in names:
        if role == "TITLE" and not _name_like(name):
            continue  # a page's heading ("Patient information") is not another name of the condition
        k = _key(re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.I))  # "The acromegaly is ..." names the condition
        if not k or k in seen or (_names_match(name, label) and name.lower() == label.lower()):
            continue
        if k.endswith(" " + seen_label) and len(name.split()) - len(label.split()) >= 3:
            # "In this newsletter our dads explain congenital diaphragmatic hernia": a clause ending in it (words
            # as written: "Spielmeyer-Vogt-Sjögren-Batten disease" is one more word than "Batten disease")
            continue
        if _VARIANT_NOTATION.fullmatch(name.strip()):
            continue  # "one change, often written N370S": a variant's name, not the condition's
        seen.add(k)
        out.append(Mention(label=re.sub(r"\s+", " ", name.strip(" \"'“”‘’")), evidence=ev))
    return out


def _mentions(
    found: list[tuple[str, str | None, Evidence, int, int]],
    name_keys: set[str],
    denied: set[str] | frozenset[str] = frozenset(),
) -> list[Mention]:
    """De-duplicated mentions: nested spans in one sentence keep the longest; equal labels keep the first."""
    by_sentence: dict[int, list[tuple[str, str | None, Evidence, int, int]]] = {}
    for item in found:
        by_sentence.setdefault(item[2].start, []).append(item)
    kept: list[tuple[str, Evidence]] = []
    for start in sorted(by_sentence):
        # the longest span first; on one span, the fuller label ("hepatitis C infection" over "C infection")
        items = sorted(by_sentence[start], key=lambda it: (-(it[4] - it[3]), it[3], -len(it[0])))
        chosen: list[tuple[str, str | None, Evidence, int, int]] = []
        for it in items:
            if any(c[3] <= it[3] and it[4] <= c[4] for c in chosen):
                continue  # a sub-phrase of a longer find ("gene therapy" inside "micro-dystrophin gene therapy")
            chosen.append(it)
        for it in sorted(chosen, key=lambda it: it[3]):
            kept.append((it[0], it[2]))
    out: list[Mention] = []
    seen: set[str] = set()
    for label, ev in kept:
        k = _key(label)
        if k in name_keys and re.fullmatch(r"[A-Z][A-Z0-9]{1,9}", label) and _named_as_gene(label, ev.sentence):
            # a gene that shares the condition's abbreviation ("variants in the NF1 gene", "the faulty gene, CHM")
            label, k = f"{label} gene variant", _key(f"{label} gene variant")
        if not k or k in seen or k in name_keys or _denied(k, denied):
            continue
        if _subtype_name(k, label, ev.sentence, name_keys):
            continue
        seen.add(k)
        out.append(Mention(label=label, evidence=ev))
    # "dominant or recessive" beside "autosomal recessive inheritance": the broader label says nothing more
    return [m for m in out if not _broader_inheritance(m.label, seen)]


# What stands around a gene symbol written as a gene: "the NF1 gene", "the faulty gene, CHM", "changes in TSC1 or
# TSC2". The symbol itself is replaced by a placeholder first (one fixed pattern, not one per symbol).
_AS_GENE = re.compile(
    r"\x00(?:\s+(?:or|and)\s+[A-Z0-9-]+)?\s+genes?\b|\bgenes?\W{1,3}(?:called\s+|named\s+)?\x00|"
    r"\b(?:mutations?|variants?|changes?|defects?|alterations?|faults?)\s+(?:in|of|affecting)\s+(?:the\s+|either\s+|"
    r"both\s+)?(?:[A-Z0-9-]+\s+(?:or|and)\s+)?\x00"
)
_BRACKETED = re.compile(r"\(\s*(?:associated\s+with\s+|causing\s+|called\s+|termed\s+|type\s+)?\x00")


def _marked(symbol: str, sentence: str) -> str:
    """The sentence with every whole-word occurrence of `symbol` replaced by a NUL placeholder."""
    out, pos = [], 0
    start = sentence.find(symbol)
    while start >= 0:
        end = start + len(symbol)
        before = sentence[start - 1] if start else " "
        after = sentence[end] if end < len(sentence) else " "
        if not (before.isalnum() or before in "-_") and not (after.isalnum() or after in "-_"):
            out += [sentence[pos:start], "\x00"]
            pos = end
        start = sentence.find(symbol, end)
    return "".join(out) + sentence[pos:] if out else sentence


def _named_as_gene(symbol: str, sentence: str) -> bool:
    """Is the symbol written as a gene here: "the NF1 gene", "the faulty gene, CHM", "changes in TSC1 or TSC2"?"""
    return symbol in sentence and _AS_GENE.search(_marked(symbol, sentence)) is not None


_SUBTYPE_SUFFIX = re.compile(r"(?:\s?(?:[0-9]{1,2}[a-z]?|[ivx]{1,4}|type\s+\w+)|[a-z])")


def _subtype_name(key: str, label: str, sentence: str, name_keys: set[str]) -> bool:
    """Is this label the condition's abbreviation cut from its type number ("MPS" from "MPS I"), or a type of the
    condition named in brackets after its gene ("ATP8B1 (associated with PFIC1, ...)")? A symbol that only extends
    the abbreviation is often a gene ("NPC1", "TSC2"), so that needs the brackets."""
    for name in name_keys:
        if not name or len(name) > 12:
            continue
        if name.startswith(key) and name != key and _SUBTYPE_SUFFIX.fullmatch(name[len(key) :]):
            return not _named_as_gene(label, sentence)
        if key.startswith(name) and key != name and _SUBTYPE_SUFFIX.fullmatch(key[len(name) :]):
            return _BRACKETED.search(_marked(label, sentence)) is not None
    return False


def _broader_inheritance(label: str, keys: set[str]) -> bool:
    k = _key(label)
    if k == _key("X-linked inheritance"):  # "a gene on the X chromosome" beside "X-linked recessive inheritance"
        return any(o in keys for o in (_key("X-linked recessive inheritance"), _key("X-linked dominant inheritance")))
    return k in ("dominant inheritance", "recessive inheritance") and any(o != k and o.endswith(" " + k) for o in keys)


def _denied(key: str, denied: set[str] | frozenset[str]) -> bool:
    """Is this label something the summary denies elsewhere? "childhood vaccination" is blocked by a denied
    "vaccination", "eye gene therapy" by a denied "gene therapy" (every word of the denied label is in it)."""
    if key in denied:
        return True
    words = set(key.split())
    for d in denied:
        dw = set(d.split())
        if not dw or not dw <= words:
            continue
        # a denied phrase blocks its variants; a denied single word ("surgery") blocks only a short, unlisted
        # variant ("childhood vaccination"), never a named area such as "fetal surgery"
        if len(dw) > 1 or (len(words) <= 2 and key not in _known_terms()):
            return True
    return False


@cache
def _known_terms() -> frozenset[str]:
    from kg.extract import lexicon

    return frozenset(_key(t) for t in (*lexicon.table("treatment-terms.tsv"), *lexicon.table("risk-terms.tsv")))


def _prevalence(figures: list[tuple[Figure, Evidence]]) -> list[Prevalence]:
    out: list[Prevalence] = []
    seen: set[tuple[float | None, float | None, int | None, str | None]] = set()
    for fig, ev in figures:
        sig = (fig.low, fig.high, fig.count, fig.population)
        if sig in seen:
            continue
        seen.add(sig)
        out.append(
            Prevalence(
                text=fig.text,
                low=fig.low,
                high=fig.high,
                population=fig.population,
                count=fig.count,
                area=fig.area,
                evidence=ev,
            )
        )
    return out


# `kg.extract(...)` calls this module's entry point (see kg/__init__.py)
_make_callable(__name__)
