"""The `kg extract` record contract: exactly these keys, in this order, and a lossless JSON round trip."""

from __future__ import annotations

import json

from kg.records import RECORD_KEYS, Condition, Evidence, Mention, Prevalence, Record


def _record() -> Record:
    ev = Evidence(sentence="X, also known as Y, affects 1 in 10,000 people.", start=5, end=53)
    return Record(
        id="x",
        source="data/x.txt",
        condition=Condition(label="X", ids=("ORPHA:1",)),
        synonyms=(Mention("Y", ev),),
        risk_factors=(Mention("maternal diabetes", ev),),
        treatment_areas=(Mention("physical therapy", ev),),
        prevalence=(Prevalence("1 in 10,000 people", 1e-4, 1e-4, "people", None, None, ev),),
        last_updated="2026-04-07",
        community_count=12,
    )


def test_top_level_keys_are_exactly_the_contract() -> None:
    data = _record().to_json()
    assert tuple(data) == RECORD_KEYS
    assert RECORD_KEYS == (
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
    assert set(data["condition"]) == {"label", "ids"}
    assert set(data["synonyms"][0]) == {"label", "evidence"}
    assert set(data["synonyms"][0]["evidence"]) == {"sentence", "start", "end"}
    assert set(data["prevalence"][0]) == {"text", "low", "high", "population", "count", "area", "evidence"}


def test_json_round_trip_is_lossless() -> None:
    record = _record()
    again = Record.from_json(json.loads(json.dumps(record.to_json())))
    assert again.to_json() == record.to_json()
