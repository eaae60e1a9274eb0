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
# Sentences of cue literals and random bits in mixed case.
_TEXTS = st.lists(
    st.one_of(st.sampled_from(_WORDS), st.text(max_size=4)).map(
        lambda w: w.upper() if len(w) % 3 == 0 else w.capitalize() if len(w) % 3 == 1 else w
    ),
    max_size=25,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_generated_text_never_skips_a_match(text: str) -> None:
    for gate in GATES:
        if gate.regex.search(text) is not None:
            assert gate.may_match(text), (gate.regex.pattern[:60], text)


# ------------------------------------------------------------------------------------- case-folded twins


def _spans_and_groups(matches: object) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in matches]  # type: ignore[attr-defined]


def test_most_case_insensitive_patterns_have_a_twin() -> None:
    folding = [g for g in GATES if g.regex.flags & re.IGNORECASE]
    assert len([g for g in folding if g._twin is not None]) / len(folding) > 0.9


def test_twins_give_the_patterns_own_matches_on_every_corpus_sentence() -> None:
    """search and finditer through a gate (its twin on the folded text, then the pattern at the place found) give
    exactly the pattern's matches: same spans, same groups with the original letters, with and without pos and
    endpos."""
    sentences = _sentences()[::4]
    twins = [g for g in GATES if g._twin is not None]
    diffs = []
    for s in sentences:
        cut = len(s) // 3
        for g in twins:
            if not g.may_match(s):
                continue  # the gate skips this sentence before any twin runs (checked above)
            for args in ((), (cut,), (cut, 2 * cut)):
                expected = _spans_and_groups(g.regex.finditer(s, *args))
                if _spans_and_groups(g.finditer(s, *args)) != expected:
                    diffs.append(("finditer", g.regex.pattern[:50], s[:60], args))
                found, want = g.search(s, *args), g.regex.search(s, *args)
                if (found and (found.span(), found.groups())) != (want and (want.span(), want.groups())):
                    diffs.append(("search", g.regex.pattern[:50], s[:60], args))
    assert diffs == []


@pytest.mark.parametrize(
    "text",
    [
        "İs it CAUSED by a Variant?",
        "ıs ıt",
        "\u212aidney ſyndrome",
        "ΣΊΣΥΦΟΣ and Straße",
        "ǅemal NO cure",
        "MIXED Case",
    ],
)
def test_twins_agree_on_characters_that_fold_oddly(text: str) -> None:
    for pattern in (r"is\b", r"kidney", r"\bs\w+", r"[A-Z]+", r"[^a-z ]+", r"\bno\s+cure\b", r"(?P<w>\w+)\s+\w+"):
        gate = gated(pattern, re.I)
        assert gate._twin is not None, pattern
        assert _spans_and_groups(gate.finditer(text)) == _spans_and_groups(gate.regex.finditer(text)), (pattern, text)


@pytest.mark.parametrize(
    "pattern",
    [r"sjögren", r"AB(?-i:cd)", r"[À-ÿ]+"],  # a cased non-ASCII letter; a part with its own case flag; a cased range
)
def test_no_twin_where_it_could_differ(pattern: str) -> None:
    gate = gated(pattern, re.I)
    assert gate._twin is None
    assert gate.search("Sjögren and ABcd and Ärger") is not None  # the pattern itself still runs


@settings(max_examples=200, deadline=None)
@given(_TEXTS)
def test_twins_agree_on_generated_text(text: str) -> None:
    for gate in GATES:
        if gate._twin is not None:
            assert _spans_and_groups(gate.finditer(text)) == _spans_and_groups(gate.regex.finditer(text)), (
                gate.regex.pattern[:60],
                text,
            )
