"""Plain records passed between pipeline stages, and the JSON contract of `kg extract`.

The JSON written by `Record.to_json` is what other tools read: its keys are documented in the README and pinned by
`tests/test_records.py`. Add fields only in a backwards-compatible way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact was read: the sentence, and its character offsets in the original (decoded) file text.

    `text[start:end] == sentence` always holds for the document the evidence came from.
    """

    sentence: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"sentence": self.sentence, "start": self.start, "end": self.end}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evidence:
        return cls(sentence=data["sentence"], start=int(data["start"]), end=int(data["end"]))


@dataclass(frozen=True, slots=True)
class Mention:
    """A synonym, risk factor or treatment area: a normalised label and the sentence it was read from."""

    label: str
    evidence: Evidence

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "evidence": self.evidence.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mention:
        return cls(label=data["label"], evidence=Evidence.from_json(data["evidence"]))


@dataclass(frozen=True, slots=True)
class Prevalence:
    """One prevalence figure. Fractions are of the `population` (1 in 25,000 live births -> 4e-5).

    A frequency has `low`/`high` (equal for a point estimate; `low` 0 for "fewer than"; `high` None for "more
    than"); an absolute number of people has `count` and `area` instead.
    """

    text: str
    low: float | None
    high: float | None
    population: str | None
    count: int | None
    area: str | None
    evidence: Evidence

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "low": self.low,
            "high": self.high,
            "population": self.population,
            "count": self.count,
            "area": self.area,
            "evidence": self.evidence.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prevalence:
        return cls(
            text=data["text"],
            low=data.get("low"),
            high=data.get("high"),
            population=data.get("population"),
            count=data.get("count"),
            area=data.get("area"),
            evidence=Evidence.from_json(data["evidence"]),
        )


@dataclass(frozen=True, slots=True)
class Condition:
    """The condition a summary is about, with the identifiers it was grounded to (CURIEs, e.g. ORPHA:3027)."""

    label: str
    ids: tuple[str, ...] = ()
    evidence: Evidence | None = None

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "ids": list(self.ids)}


RECORD_KEYS = (
    "id",
    "source",
    "condition",
    "synonyms",
    "risk_factors",
    "treatment_areas",
    "prevalence",
    "last_updated",
    "community_count",
)


@dataclass(frozen=True, slots=True)
class Record:
    """Everything extracted from one summary: the unit `kg extract` prints and `kg build` turns into RDF."""

    id: str
    source: str
    condition: Condition
    synonyms: tuple[Mention, ...] = ()
    risk_factors: tuple[Mention, ...] = ()
    treatment_areas: tuple[Mention, ...] = ()
    prevalence: tuple[Prevalence, ...] = ()
    last_updated: str | None = None
    community_count: int | None = None
    community_evidence: Evidence | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The `kg extract` JSON object: exactly the keys in RECORD_KEYS, in that order."""
        return {
            "id": self.id,
            "source": self.source,
            "condition": self.condition.to_json(),
            "synonyms": [m.to_json() for m in self.synonyms],
            "risk_factors": [m.to_json() for m in self.risk_factors],
            "treatment_areas": [m.to_json() for m in self.treatment_areas],
            "prevalence": [p.to_json() for p in self.prevalence],
            "last_updated": self.last_updated,
            "community_count": self.community_count,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        """Reads a `kg extract` line back, so JSON Lines can be fed to `kg build` or other tools."""
        cond = data["condition"]
        return cls(
            id=data["id"],
            source=data["source"],
            condition=Condition(label=cond["label"], ids=tuple(cond.get("ids", ()))),
            synonyms=tuple(Mention.from_json(m) for m in data.get("synonyms", ())),
            risk_factors=tuple(Mention.from_json(m) for m in data.get("risk_factors", ())),
            treatment_areas=tuple(Mention.from_json(m) for m in data.get("treatment_areas", ())),
            prevalence=tuple(Prevalence.from_json(p) for p in data.get("prevalence", ())),
            last_updated=data.get("last_updated"),
            community_count=data.get("community_count"),
        )
