"""Score extracted records against gold annotations (the scorer behind `kg evaluate`).

Gold files follow `../shared/seeds/sacral-agenesis.json`: per entity type a `required` list (what a curator
insists on) and an `acceptable` list (defensible extras), prevalence figures, `must_not_extract` (things the
text negates), `last_updated` and `community_count`. Labels are compared leniently (`match`) because an
extractor and a curator rarely cut a noun phrase identically; numbers get a small relative tolerance.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from kg import link
from kg.errors import KgError
from kg.records import Evidence, Prevalence, Record

ENTITY_TYPES = ("synonyms", "risk_factors", "treatment_areas")
REL_TOLERANCE = 0.01  # prevalence bounds may differ by 1% (rounding of "1 in 3,100" -> 3.22581e-4)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no meaning in a label: articles, prepositions, conjunctions, a few determiners.
STOP_WORDS = _words(
    "a an the of in on at to for from by with within without into onto via per versus vs and or nor as than "
    "its their his her this that these those which who whose is are was were be"
)
_POSSESSIVE = re.compile(r"['’]s\b")
_WORD = re.compile(r"[^\W_]+")


class GoldError(KgError):
    """A gold annotation file is missing, unreadable or not in the expected format."""


# -------------------------------------------------------------------------------------------------- matching


def singular(word: str) -> str:
    """Conservative singular: therapies -> therapy, mutations -> mutation; diabetes, fibrosis, genetics stay.

    The project's one singular (`kg.link.singular`: the extractor's rule with the link lexicons of invariant
    words and irregular plurals on top), after two spellings shared by a singular and its plural are made to
    meet, because this is only used to compare labels: calorie(s) -> calory, headache(s) -> headach (like
    approach(es) -> approach).
    """
    if len(word) <= 3:
        return word
    if word.endswith("ie"):
        return word[:-2] + "y"
    if word.endswith("che"):
        return word[:-1]
    if word.endswith("ches"):
        return word[:-2]
    return link.singular(word)


@lru_cache(maxsize=65536)
def tokens(label: str) -> frozenset[str]:
    """The words of a label that matter (case, accents, punctuation, stop words and plurals dropped)."""
    text = unicodedata.normalize("NFKD", label.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _POSSESSIVE.sub("", text).replace("'", "").replace("’", "")
    words = (singular(w) for w in _WORD.findall(text) if w not in STOP_WORDS)
    return frozenset(_SAME_WORD.get(w) or link.specialty_word(w) for w in words)


# Wordings of one concept that the lenient rule treats as the same word: "kidney transplant" is "kidney
# transplantation" (the extractor itself names the procedure "transplantation"), "persons" are "people". A
# profession is the area of care it practises ("neurologist" is "neurology"), as in the graph's nodes.
_SAME_WORD = {"transplantation": "transplant", "person": "people"}


def similarity(a: str, b: str) -> float:
    """Token Jaccard of two labels when they match under the lenient rule, else 0.0 (to rank candidates)."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:  # a label made only of stop words or punctuation: compare it as written
        return 1.0 if a.strip().casefold() == b.strip().casefold() else 0.0
    jaccard = len(ta & tb) / len(ta | tb)
    if jaccard >= 0.5:
        return jaccard
    contained = (ta <= tb or tb <= ta) and abs(len(ta) - len(tb)) <= 2
    return jaccard if contained else 0.0


def match(a: str, b: str) -> bool:
    """The lenient rule of the gold format: token Jaccard >= 0.5, or one side's tokens contain the other's and
    it is at most two tokens longer (after ignoring case, punctuation, stop words and plurals)."""
    return similarity(a, b) > 0.0


# ------------------------------------------------------------------------------------------------ gold files


@dataclass(frozen=True, slots=True)
class Gold:
    """A checked gold annotation, with optional keys filled in."""

    condition: str
    required: dict[str, list[str]]
    acceptable: dict[str, list[str]]
    prevalence: list[Prevalence]
    must_not_extract: list[str]
    last_updated: str | None
    community_count: int | None


def parse_gold(data: Any, where: str = "gold") -> Gold:
    """Check a gold annotation (a decoded JSON object), so scoring never meets a half-formed one."""
    if isinstance(data, Gold):
        return data
    if not isinstance(data, dict):
        raise GoldError(f"{where}: expected a JSON object like ../shared/seeds/sacral-agenesis.json")

    def strings(value: Any, key: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise GoldError(f"{where}: `{key}` must be a list of strings")
        return list(value)

    condition = data.get("condition")
    if not isinstance(condition, str) or not condition.strip():
        raise GoldError(f"{where}: `condition` must be the condition's preferred name (a non-empty string)")
    required, acceptable = {}, {}
    for kind in ENTITY_TYPES:
        section = data.get(kind) or {}
        if not isinstance(section, dict):
            raise GoldError(f"{where}: `{kind}` must be an object with `required` and `acceptable` lists")
        required[kind] = strings(section.get("required"), f"{kind}.required")
        acceptable[kind] = strings(section.get("acceptable"), f"{kind}.acceptable")
    figures = data.get("prevalence") or []
    if not isinstance(figures, list) or not all(isinstance(f, dict) for f in figures):
        raise GoldError(f"{where}: `prevalence` must be a list of objects with low/high/population or count/area")
    count = data.get("community_count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise GoldError(f"{where}: `community_count` must be an integer or null")
    date = data.get("last_updated")
    if date is not None and not isinstance(date, str):
        raise GoldError(f"{where}: `last_updated` must be an ISO date string (YYYY-MM-DD) or null")
    return Gold(
        condition=condition,
        required=required,
        acceptable=acceptable,
        prevalence=[_gold_figure(where, f) for f in figures],
        must_not_extract=strings(data.get("must_not_extract"), "must_not_extract"),
        last_updated=date,
        community_count=count,
    )


def _gold_figure(where: str, fig: dict[str, Any]) -> Prevalence:
    def number(key: str) -> Any:
        value = fig.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise GoldError(f"{where}: prevalence `{key}` must be a number or null, not {value!r}")
        return value

    low, high, count = number("low"), number("high"), number("count")
    if low is None and high is None and count is None:
        raise GoldError(f"{where}: prevalence figure {fig.get('text')!r} has neither low/high nor count")
    return Prevalence(
        text=str(fig.get("text") or ""),
        low=low,
        high=high,
        population=fig.get("population"),
        count=None if count is None else int(count),
        area=fig.get("area"),
        evidence=_NO_EVIDENCE,
    )


_NO_EVIDENCE = Evidence("", 0, 0)


def load_gold(path: str | Path) -> Gold:
    """Read and check one gold file; errors name the file and what to fix."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GoldError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise GoldError(f"{p}: not UTF-8 text; save the gold file as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise GoldError(f"{p}: not valid JSON (line {exc.lineno}: {exc.msg}); fix the file") from None
    return parse_gold(data, str(p))


# --------------------------------------------------------------------------------------------------- scoring


@dataclass(frozen=True, slots=True)
class Counts:
    """True/false positives and false negatives, with the ratios derived from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0  # nothing claimed, nothing wrong

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass(slots=True)
class TypeScore:
    """One entity type in one document: which predictions hit, missed or were spurious, and why."""

    matched: list[tuple[str, str]] = field(default_factory=list)  # (predicted, required)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (predicted, acceptable): neither TP nor FP
    spurious: list[str] = field(default_factory=list)  # FP, including the negation errors
    missed: list[str] = field(default_factory=list)  # required items nothing matched (FN)
    negation: list[tuple[str, str]] = field(default_factory=list)  # (predicted, must_not_extract entry)

    @property
    def counts(self) -> Counts:
        return Counts(len(self.matched), len(self.spurious), len(self.missed))

    def to_json(self) -> dict[str, Any]:
        return {
            **self.counts.to_json(),
            "matched": [list(m) for m in self.matched],
            "ignored": [list(m) for m in self.ignored],
            "spurious": self.spurious,
            "missed": self.missed,
            "negation_errors": [list(m) for m in self.negation],
        }


@dataclass(slots=True)
class PrevalenceScore:
    """Prevalence figures of one document: matched pairs (and whether the population agrees), misses."""

    matched: list[tuple[str, str, bool]] = field(default_factory=list)  # (predicted, gold, population ok)
    spurious: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def counts(self) -> Counts:
        return Counts(len(self.matched), len(self.spurious), len(self.missed))

    @property
    def normalised(self) -> int:
        return sum(1 for *_, ok in self.matched if ok)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.counts.to_json(),
            "matched": [{"predicted": p, "gold": g, "population_ok": ok} for p, g, ok in self.matched],
            "spurious": self.spurious,
            "missed": self.missed,
        }


@dataclass(slots=True)
class DocScore:
    """Everything that was right and wrong about one summary's record."""

    name: str  # the gold file's stem
    source: str
    condition: tuple[str, str]  # (gold, predicted)
    condition_ok: bool
    types: dict[str, TypeScore]
    prevalence: PrevalenceScore
    last_updated: tuple[str | None, str | None]  # (gold, predicted)
    community_count: tuple[int | None, int | None]

    @property
    def date_ok(self) -> bool:
        return self.last_updated[0] == self.last_updated[1]

    @property
    def count_ok(self) -> bool:
        return self.community_count[0] == self.community_count[1]

    @property
    def short(self) -> bool:
        """True when anything is off, so the document is listed for a developer to look at."""
        prev = self.prevalence
        return (
            any(t.spurious or t.missed for t in self.types.values())
            or bool(prev.spurious or prev.missed)
            or prev.normalised < len(prev.matched)
            or not (self.condition_ok and self.date_ok and self.count_ok)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "short": self.short,
            "condition": {"gold": self.condition[0], "predicted": self.condition[1], "ok": self.condition_ok},
            **{kind: score.to_json() for kind, score in self.types.items()},
            "prevalence": self.prevalence.to_json(),
            "last_updated": {
                "gold": self.last_updated[0],
                "predicted": self.last_updated[1],
                "ok": self.date_ok,
            },
            "community_count": {
                "gold": self.community_count[0],
                "predicted": self.community_count[1],
                "ok": self.count_ok,
            },
        }


def score_labels(
    predicted: Sequence[str],
    required: Sequence[str],
    acceptable: Sequence[str],
    must_not: Sequence[str] = (),
    node: Callable[[str], str] | None = None,
) -> TypeScore:
    """One-to-one matching, best similarity first, the required items before the acceptable ones: a prediction
    paired with a required item is a TP, with an acceptable item is ignored, unpaired is an FP (and a negation
    error when it matches only must_not entries).

    Required items are paired first so that listing a wording as acceptable never costs a required item its
    match: with "TCOF1 variant" required and "TCOF1" acceptable, the prediction "TCOF1" finds the variant.

    With `node` (the graph's label of a wording, `kg.link.normalise_label`), two wordings that the graph makes one
    node also match ("Ashkenazi Jewish descent" is "Ashkenazi Jewish ancestry"), as a SPARQL user would count them.
    """

    def similar(a: str, b: str) -> float:
        return max(similarity(a, b), similarity(node(a), node(b))) if node else similarity(a, b)

    gold = [(g, True) for g in required] + [(g, False) for g in acceptable]
    pairs: dict[int, int] = {}  # predicted index -> gold index
    used: set[int] = set()
    for wanted in (True, False):
        candidates = sorted(
            (-sim, gi, pi)
            for pi, p in enumerate(predicted)
            if pi not in pairs
            for gi, (g, is_req) in enumerate(gold)
            if is_req is wanted and (sim := similar(p, g)) > 0.0
        )
        for _, gi, pi in candidates:
            if pi not in pairs and gi not in used:
                pairs[pi] = gi
                used.add(gi)
    result = TypeScore()
    for pi, p in enumerate(predicted):
        if pi in pairs:
            g, is_req = gold[pairs[pi]]
            (result.matched if is_req else result.ignored).append((p, g))
            continue
        result.spurious.append(p)
        if not any(similar(p, g) > 0.0 for g, _ in gold):
            bad = max(must_not, key=lambda m: similar(p, m), default=None)
            if bad is not None and similar(p, bad) > 0.0:
                result.negation.append((p, bad))
    result.missed = [g for gi, (g, is_req) in enumerate(gold) if is_req and gi not in used]
    return result


def _close(pred: float | None, gold: float | None) -> bool:
    if pred is None or gold is None:
        return pred is None and gold is None
    return math.isclose(pred, gold, rel_tol=REL_TOLERANCE, abs_tol=0.0)


def _label_equal(pred: str | None, gold: str | None) -> bool:
    if pred is None or gold is None:
        return pred is None and gold is None
    return match(pred, gold)


def figure_matches(pred: Prevalence, gold: Prevalence) -> bool:
    """Same figure: a count with the same number and a matching area, or a fraction whose bounds are each
    within 1% of the gold ones (a missing bound must be missing on both sides; 0 only matches 0)."""
    if gold.count is not None or pred.count is not None:
        return pred.count == gold.count and _label_equal(pred.area, gold.area)
    return _close(pred.low, gold.low) and _close(pred.high, gold.high)


def population_matches(pred: Prevalence, gold: Prevalence) -> bool:
    """Whether a matched figure was normalised to the right population. For a fraction, a gold population must
    be found; for a count (where the area carries the meaning) populations are only compared when both are
    given."""
    if gold.population is None:
        return True
    if pred.population is None:
        return gold.count is not None
    return match(pred.population, gold.population)


def describe_figure(fig: Prevalence) -> str:
    """A figure as the developer needs to see it: the text and what it was normalised to."""
    if fig.count is not None:
        norm = f"count {fig.count} in {fig.area or '?'}"
    else:
        low = "?" if fig.low is None else f"{fig.low:.6g}"
        high = "?" if fig.high is None else f"{fig.high:.6g}"
        norm = f"{low}..{high} of {fig.population or '?'}"
    return f"{fig.text!r} = {norm}" if fig.text else norm


def score_prevalence(predicted: Sequence[Prevalence], gold: Sequence[Prevalence]) -> PrevalenceScore:
    """One-to-one pairing of figures, preferring pairs whose population also matches."""
    candidates = sorted(
        (not population_matches(p, g), gi, pi)
        for pi, p in enumerate(predicted)
        for gi, g in enumerate(gold)
        if figure_matches(p, g)
    )
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, gi, pi in candidates:
        if pi not in pairs and gi not in used:
            pairs[pi] = gi
            used.add(gi)
    result = PrevalenceScore()
    for pi, p in enumerate(predicted):
        if pi in pairs:
            g = gold[pairs[pi]]
            result.matched.append((describe_figure(p), describe_figure(g), population_matches(p, g)))
        else:
            result.spurious.append(describe_figure(p))
    result.missed = [describe_figure(g) for gi, g in enumerate(gold) if gi not in used]
    return result


# The graph's node label of a risk factor or treatment area wording; synonyms are names and stay as written.
_NODE: dict[str, Callable[[str], str]] = {
    "risk_factors": partial(link.normalise_label, "risk_factor"),
    "treatment_areas": partial(link.normalise_label, "treatment_area"),
}


def score(gold: Gold | dict[str, Any], record: Record, name: str | None = None) -> DocScore:
    """Score one record against one gold annotation (a `Gold` or the decoded JSON of a gold file)."""
    g = parse_gold(gold, name or "gold")
    types = {
        kind: score_labels(
            [m.label for m in getattr(record, kind)],
            g.required[kind],
            g.acceptable[kind],
            g.must_not_extract,
            _NODE.get(kind),
        )
        for kind in ENTITY_TYPES
    }
    return DocScore(
        name=name or Path(record.source).stem,
        source=record.source,
        condition=(g.condition, record.condition.label),
        condition_ok=match(record.condition.label, g.condition),
        types=types,
        prevalence=score_prevalence(record.prevalence, g.prevalence),
        last_updated=(g.last_updated, record.last_updated),
        community_count=(g.community_count, record.community_count),
    )


# ---------------------------------------------------------------------------------------------------- report


@dataclass(slots=True)
class Report:
    """Scores of a corpus, micro-averaged over documents, plus anything that could not be paired."""

    docs: list[DocScore]
    gold_without_summary: list[str] = field(default_factory=list)  # gold files nothing was scored against
    summaries_without_gold: list[tuple[str, str]] = field(default_factory=list)  # (source, why not scored)

    def counts(self, kind: str) -> Counts:
        """Micro-averaged counts of an entity type, or of "prevalence"."""
        total = Counts()
        for d in self.docs:
            total += d.prevalence.counts if kind == "prevalence" else d.types[kind].counts
        return total

    def negation_errors(self, kind: str | None = None) -> int:
        kinds = ENTITY_TYPES if kind is None else (kind,)
        return sum(len(d.types[k].negation) for d in self.docs for k in kinds)

    @property
    def normalisation(self) -> tuple[int, int]:
        """(matched figures whose population also matches, gold figures)."""
        return (
            sum(d.prevalence.normalised for d in self.docs),
            sum(len(d.prevalence.matched) + len(d.prevalence.missed) for d in self.docs),
        )

    def exact(self, what: str) -> tuple[int, int]:
        """(documents right, documents) for "condition", "last_updated" or "community_count"."""
        attr = {"condition": "condition_ok", "last_updated": "date_ok", "community_count": "count_ok"}[what]
        return sum(1 for d in self.docs if getattr(d, attr)), len(self.docs)

    @property
    def short(self) -> list[DocScore]:
        return [d for d in self.docs if d.short]

    def failures(self, min_f1: float) -> list[str]:
        """Why the corpus misses the bar (empty when it meets it): an F1 below `min_f1` (entity types and
        prevalence), a negation error, or a gold file that was never scored."""
        why = [
            f"{kind} F1 {self.counts(kind).f1:.3f} < {min_f1:g}"
            for kind in (*ENTITY_TYPES, "prevalence")
            if self.counts(kind).f1 < min_f1
        ]
        if n := self.negation_errors():
            why.append(f"{n} negation error{'s' * (n != 1)}")
        if n := len(self.gold_without_summary):
            why.append(f"{n} gold file{'s' * (n != 1)} without a summary")
        return why

    def to_json(self) -> dict[str, Any]:
        def ratio(pair: tuple[int, int]) -> float:
            return round(pair[0] / pair[1], 4) if pair[1] else 1.0

        return {
            "documents": len(self.docs),
            "types": {
                kind: {**self.counts(kind).to_json(), "negation_errors": self.negation_errors(kind)}
                for kind in ENTITY_TYPES
            },
            "prevalence": {
                **self.counts("prevalence").to_json(),
                "normalisation_accuracy": ratio(self.normalisation),
                "normalised": self.normalisation[0],
                "gold_figures": self.normalisation[1],
            },
            "negation_errors": self.negation_errors(),
            "condition_accuracy": ratio(self.exact("condition")),
            "last_updated_accuracy": ratio(self.exact("last_updated")),
            "community_count_accuracy": ratio(self.exact("community_count")),
            "short": [d.name for d in self.short],
            "gold_without_summary": self.gold_without_summary,
            "summaries_without_gold": [{"source": s, "reason": why} for s, why in self.summaries_without_gold],
            "details": [d.to_json() for d in self.docs],
        }


def gold_files(gold_dir: str | Path) -> list[Path]:
    """The gold annotations of a folder (`<slug>.json`), sorted; an error when there are none."""
    folder = Path(gold_dir)
    if not folder.is_dir():
        raise GoldError(f"{folder}: not a folder; pass the folder of gold .json files (e.g. data/gold)")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise GoldError(f"{folder}: no gold .json files in this folder")
    return files


def evaluate(gold_dir: str | Path, records: Iterable[Record]) -> Report:
    """Pair each gold file with the record whose source has the same stem and score them all.

    Gold files without a record and records without a gold file are listed in the report, never dropped
    silently: a summary that failed to extract must not make the scores look better.
    """
    golds = {f.stem: (f, load_gold(f)) for f in gold_files(gold_dir)}  # every gold file is checked
    by_stem: dict[str, Record] = {}
    report = Report(docs=[])
    for record in records:
        stem = Path(record.source).stem
        if stem not in golds:
            report.summaries_without_gold.append((record.source, f"no gold file {stem}.json in {gold_dir}"))
        elif stem in by_stem:
            why = f"{stem}.json was already scored against {by_stem[stem].source}"
            report.summaries_without_gold.append((record.source, why))
        else:
            by_stem[stem] = record
    for stem, (path, gold) in golds.items():
        if stem in by_stem:
            report.docs.append(score(gold, by_stem[stem], stem))
        else:
            report.gold_without_summary.append(str(path))
    return report
