"""The literal prefilter may skip a text only when its pattern cannot match there: on every sentence of our
corpora, on generated text, and on the odd characters that `re` folds to ASCII letters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract import causal, components, lexicon, negation, phrases, prevalence
from kg.extract.prefilter import Gate, gated, required_literals
from kg.ingest import expand_paths, read_source

ROOT = Path(__file__).resolve().parents[1]


def _all_gates() -> list[Gate]:
    gates = [v for m in (components, negation, causal, prevalence, phrases) for v in vars(m).values()]
    gates = [g for g in gates if isinstance(g, Gate)]
    for name in ("negation-cues.txt", "risk-directions.txt", "research-scopes.txt"):
        gates += [g for _d, g in lexicon.directed_patterns(name)]
    for name in (
        "synonym-cues.txt",
        "risk-cues.txt",
        "treatment-cues.txt",
        "research-cues.txt",
        "drug-stems.txt",
    ):
        gates += list(lexicon.patterns(name))
    return gates


GATES = _all_gates()


def _sentences() -> list[str]:
    out = []
    for folder in ("data/summaries", "data/descriptions", "data/dev"):
        if (ROOT / folder).is_dir():
            for path in expand_paths([str(ROOT / folder)]):
                doc = read_source(path)
                out += [doc.span(s) for s in doc.sentences()]
    return out


def test_most_extractor_patterns_have_a_filter() -> None:
    filtered = [g for g in GATES if g.literals]
    assert len(GATES) > 150
    assert len(filtered) / len(GATES) > 0.7


def test_no_pattern_is_skipped_on_a_corpus_sentence_it_matches() -> None:
    sentences = _sentences()
    assert len(sentences) > 500
    sample = sentences[::8]  # every eighth sentence of every corpus (running every pattern on all takes minutes)
    missed = [
        (g.regex.pattern[:50], s[:60])
        for s in sample
        for g in GATES
        if not g.may_match(s) and g.regex.search(s) is not None
    ]
    assert missed == []


def test_gate_answers_are_the_patterns_answers() -> None:
    gate = gated(r"\b(?:caused|triggered)\s+by\b", re.I)
    text = "It is often Caused by a new variant."
    assert gate.literals == frozenset({"caused", "triggered"})
    assert [m.span() for m in gate.finditer(text)] == [m.span() for m in gate.regex.finditer(text)]
    assert gate.search("Nothing here.") is None
    assert gate.pattern == gate.regex.pattern and gate.flags == gate.regex.flags


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        (r"\bno\b", re.I, {"no"}),
        (r"\b(?:is|are)\s+not\b", re.I, {"not"}),
        (r"caus(?:e|es|ed)\b", 0, {"cause", "causes", "caused"}),
        (r"risk(?=\s+of)", re.I, {"risk"}),  # the longest literal wins; lookaheads count too
        (r"(?=.*\bcure\b)x", re.I, {"cure"}),
        (r"\w+", 0, None),  # matches anything
        (r"(?:abc)?d", 0, None),  # only a single letter is certain
        (r"(?!never)\w{3}", re.I, None),  # a negative lookahead requires nothing
        (r"\d+\s*%", 0, {"%"}),  # punctuation is worth checking even alone
        (r"AB(?i:cd)", 0, {"AB"}),  # a case-insensitive part of a case-sensitive pattern is not used
    ],
)
def test_required_literals(pattern: str, flags: int, expected: set[str] | None) -> None:
    found = required_literals(re.compile(pattern, flags))
    assert (set(found) if found is not None else None) == expected


@pytest.mark.parametrize("text", ["İs it?", "ıs it?", "\u212aidney", "ſyndrome", "MIXED Case"])
def test_characters_re_folds_to_ascii_letters_are_not_skipped(text: str) -> None:
    for pattern in (r"is\b", r"kidney", r"syndrome", r"mixed\s+case"):
        gate = gated(pattern, re.I)
        if gate.regex.search(text):
            assert gate.may_match(text), (pattern, text)


_WORDS = sorted(
    {w for g in GATES for w in (g.literals or ())}
    | {"the", "a", "of", "and", "is", "not", "no", "by", "in", "to", "gene", "1", "000", "%", ",", "."}
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(_WORDS), st.text(max_size=4)).map(
            lambda w: w.upper() if len(w) % 3 == 0 else w.capitalize() if len(w) % 3 == 1 else w
        ),
        max_size=25,
    ).map(" ".join)
)
def test_generated_text_never_skips_a_match(text: str) -> None:
    for gate in GATES:
        if gate.regex.search(text) is not None:
            assert gate.may_match(text), (gate.regex.pattern[:60], text)
