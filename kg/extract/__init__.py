"""Extract: turn a cleaned document into a `Record` with a spaCy pipeline of our own components.

    >>> import kg.extract
    >>> record = kg.extract.extract(open("data/summaries/wilson-disease.txt").read())

The pipeline is `spacy.blank("en")` plus the components in `kg.extract.components`; statistical models are not
needed. Each minable sentence (see `kg.ingest`) is one spaCy `Doc`, so every find maps back to the sentence's
offsets in the original file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING

from kg import _make_callable
from kg.ingest import Document, Segment, clean
from kg.records import Condition, Evidence, Mention, Prevalence, Record

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

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


def slugify(label: str) -> str:
    """A stable identifier from a label: lower-case ASCII letters, digits and hyphens ("Prader-Willi syndrome" ->
    "prader-willi-syndrome"); other scripts are kept as their code points so any name gives a valid IRI."""
    import unicodedata

    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode() or label
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not slug:
        slug = "-".join(f"u{ord(c):04x}" for c in label.strip()[:24]) or "unnamed"
    return slug[:80].strip("-")


def extract(text: str | Document, source: str = "-") -> Record:
    """One summary (raw text or an ingested Document) to its Record."""
    doc = text if isinstance(text, Document) else clean(source, text)
    return next(extract_documents([doc]))


def extract_documents(docs: Iterable[Document]) -> Iterator[Record]:
    """Records for documents, in order. Streams: memory stays flat however many documents come in."""
    pipeline = nlp()
    for document in docs:
        sentences = [piece for seg in document.sentences() for piece in _pieces(document, seg)]
        parsed = [_parse(pipeline, document.span(s)) for s in sentences]
        yield _assemble(document, sentences, parsed)


def _parse(pipeline: Language, text: str) -> Doc:
    """One sentence through the pipeline. The text rides along in `user_data`, because `Doc.text` rebuilds the
    string from its tokens on every call and the components ask for it often."""
    doc = pipeline.make_doc(text)
    doc.user_data["rkg_text"] = text
    for _name, component in pipeline.pipeline:
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


def _condition(document: Document, names: list[tuple[str, str, Evidence]]) -> tuple[str, Evidence | None]:
    """The preferred name: the name in the text that matches the file's title, else the subject of the first
    defining sentence when it looks like a condition's name, else the title if the text mentions it. A text that
    names no condition gets no invented one (not from the file name, not from its first noun)."""
    title = document.title
    if title:
        for _role, name, ev in names:
            if _names_match(name, title):
                return _display(name), ev
    for role, name, ev in names:
        if role == "SUBJECT" and _condition_like(name, ev.sentence):
            return _display(name), ev
    if title and _key(title) and _key(title) in _key(document.text[:200_000]):
        return _display(title), None
    raise _no_condition(document)


def _condition_like(name: str, sentence: str) -> bool:
    """A subject that names a condition: built on a disease word, or defined by its sentence ("X is a rare ...")."""
    from kg.extract.components import name_like

    if re.match(r"(?:the|a|an|this|these|that|it|its|our|we|they|i|you|he|she)\b", name, re.I):
        return False
    defined = re.search(
        r"\b(?:is|are|was)\s+(?:a|an|one)\b|\b(?:also|sometimes|often)\s+(?:known|called|referred)", sentence, re.I
    )
    return name_like(name) or bool(defined)


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


def _assemble(document: Document, sentences: list, parsed: list) -> Record:  # type: ignore[type-arg]
    names: list[tuple[str, str, Evidence]] = []
    spans: dict[str, list[tuple[str, str | None, Evidence, int, int]]] = {
        "rkg_risk_factors": [],
        "rkg_treatment_areas": [],
    }
    denied: dict[str, set[str]] = {"risk": set(), "treatment": set()}
    figures: list[tuple[object, Evidence]] = []
    community: int | None = None
    community_ev: Evidence | None = None
    first_seen = False
    genetic_before: tuple[int, bool] = (-1, False)  # (paragraph, did the previous sentence talk about genes)
    for seg, sdoc in zip(sentences, parsed, strict=True):
        ev = Evidence(sentence=document.span(seg), start=seg.start, end=seg.end)
        for span in sdoc.spans.get("rkg_names", []):
            # subjects only count in the opening sentences, where a summary defines its condition
            if span.label_.startswith("SUBJECT") and (first_seen or seg.paragraph > 0):
                continue
            names.append((span.label_, span.kb_id_, ev))
        first_seen = True
        for group in spans:
            for span in sdoc.spans.get(group, []):
                spans[group].append((span.kb_id_, span.label_ or None, ev, span.start_char, span.end_char))
        if genetic_before == (seg.paragraph, True):
            for span in sdoc.spans.get("rkg_genes_weak", []):
                if not sdoc.spans.get("rkg_denied") or span.kb_id_ not in {d.kb_id_ for d in sdoc.spans["rkg_denied"]}:
                    spans["rkg_risk_factors"].append((span.kb_id_, "genetic", ev, span.start_char, span.end_char))
        genetic_before = (seg.paragraph, bool(_GENETIC.search(sdoc.user_data["rkg_text"])))
        for span in sdoc.spans.get("rkg_denied", []):
            denied[span.label_].add(_key(span.kb_id_))
        for fig in sdoc._.rkg_figures or ():
            figures.append((fig, ev))
        if community is None and sdoc._.rkg_community is not None:
            community = sdoc._.rkg_community
            community_ev = ev
    label, cond_ev = _condition(document, names)
    synonyms = _synonyms(label, names)
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


def _synonyms(label: str, names: list[tuple[str, str, Evidence]]) -> list[Mention]:
    out: list[Mention] = []
    seen = {_key(label)}
    for _role, name, ev in names:
        k = _key(name)
        if not k or k in seen or (_names_match(name, label) and name.lower() == label.lower()):
            continue
        seen.add(k)
        out.append(Mention(label=re.sub(r"\s+", " ", name.strip(" \"'“”‘’")), evidence=ev))
    return out


def _mentions(
    found: list[tuple[str, str | None, Evidence, int, int]], name_keys: set[str], denied: set[str] = frozenset()
) -> list[Mention]:  # type: ignore[assignment]
    """De-duplicated mentions: nested spans in one sentence keep the longest; equal labels keep the first."""
    by_sentence: dict[int, list[tuple[str, str | None, Evidence, int, int]]] = {}
    for item in found:
        by_sentence.setdefault(item[2].start, []).append(item)
    kept: list[tuple[str, Evidence]] = []
    for start in sorted(by_sentence):
        items = sorted(by_sentence[start], key=lambda it: (-(it[4] - it[3]), it[3]))
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
        if k in name_keys and re.fullmatch(r"[A-Z][A-Z0-9]{1,9}", label) and f"{label} gene" in ev.sentence:
            # a gene that shares the condition's abbreviation ("variants in the NF1 gene")
            label, k = f"{label} gene variant", _key(f"{label} gene variant")
        if not k or k in seen or k in name_keys or _denied(k, denied):
            continue
        seen.add(k)
        out.append(Mention(label=label, evidence=ev))
    return out


def _denied(key: str, denied: set[str]) -> bool:
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


def _prevalence(figures: list[tuple[object, Evidence]]) -> list[Prevalence]:
    out: list[Prevalence] = []
    seen: set[tuple] = set()  # type: ignore[type-arg]
    for fig, ev in figures:
        sig = (fig.low, fig.high, fig.count, fig.population)  # type: ignore[attr-defined]
        if sig in seen:
            continue
        seen.add(sig)
        out.append(
            Prevalence(
                text=fig.text,
                low=fig.low,
                high=fig.high,
                population=fig.population,  # type: ignore[attr-defined]
                count=fig.count,
                area=fig.area,
                evidence=ev,  # type: ignore[attr-defined]
            )
        )
    return out


# `kg.extract(...)` calls this module's entry point (see kg/__init__.py)
_make_callable(__name__)
