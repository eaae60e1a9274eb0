"""Negation scope: absent, negated, avoided or ineffective things are never asserted."""

from __future__ import annotations

import pytest

import kg.extract
from kg.extract.negation import is_negated, negated_ranges

LIST_TRIED = "Antiviral drugs, antibiotics such as doxycycline, and quinacrine have all been tried without benefit."


def negated(sentence: str, phrase: str) -> bool:
    start = sentence.index(phrase)
    return is_negated(negated_ranges(sentence), start, start + len(phrase))


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("There is no gene therapy or biologic cure for the condition.", "gene therapy"),
        ("There is no gene therapy or biologic cure for the condition.", "biologic cure"),
        ("There is no gene therapy, biologic cure or transplant option.", "transplant"),
        ("Antibiotics are not effective against it.", "Antibiotics"),
        ("Drugs that reactivate the silent copy are in trials, but none has been approved.", "Drugs"),
        (
            LIST_TRIED,
            "doxycycline",
        ),
        (
            LIST_TRIED,
            "Antiviral drugs",
        ),
        ("Vaccination does not cause it.", "Vaccination"),
        ("The condition is not caused by anything the parents did.", "anything the parents did"),
        ("Unlike types A and B, type C is not inherited through this gene.", "types A and B"),
        ("Gene therapy has shown promise in mice but is not available to patients.", "Gene therapy"),
        ("Patients are counselled to avoid fluoroquinolone antibiotics.", "fluoroquinolone antibiotics"),
        ("Extra vitamin D supplements are generally avoided.", "vitamin D supplements"),
        ("The combination drug was withdrawn from the market in 2024.", "combination drug"),
        ("Enzyme replacement therapy offers no benefit here.", "Enzyme replacement therapy"),
        ("Many children are first given antibiotics, but these do nothing for the disease.", "antibiotics"),
        ("Corticosteroids on their own do not help.", "Corticosteroids"),
        ("Vaccination has nothing to do with causing it.", "Vaccination"),
        ("It is entirely separate from type 2, which results from a different gene on chromosome 22.", "chromosome 22"),
    ],
)
def test_scope_covers_the_negated_item(sentence: str, phrase: str) -> None:
    assert negated(sentence, phrase)


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("There is no cure, and physiotherapy helps to keep joints mobile.", "physiotherapy"),
        ("There is no cure, but enzyme replacement therapy slows the disease.", "enzyme replacement therapy"),
        ("Antibiotics are not effective, whereas plasma exchange shortens the illness.", "plasma exchange"),
        ("It is not caused by vaccination; smoking raises the risk.", "smoking"),
        ("It affects no more than 1 in 100,000 people and is treated with chelation therapy.", "chelation therapy"),
        ("Not only neurology but also cardiology clinics follow patients.", "cardiology"),
    ],
)
def test_scope_stops_at_its_clause(sentence: str, phrase: str) -> None:
    assert not negated(sentence, phrase)


SUMMARY = (
    "Short answer · Medically reviewed summary · Last updated: 2026-01-10\n"
    "Examplosis, also known as example syndrome, is a rare inherited disorder of the joints. "
    "It is inherited in an autosomal recessive pattern and is caused by mutations in the EXM1 gene. "
    "Vaccination does not cause it, and it is not caused by anything the parents did.\n"
    "Physical therapy and occupational therapy help most children. There is no gene therapy or biologic cure, "
    "antibiotics are not effective, and several antioxidants have all been tried without clear benefit. "
    "Experimental drugs are being tested in trials, but none has been approved.\n"
)


def test_the_pipeline_asserts_nothing_negated() -> None:
    record = kg.extract.extract(SUMMARY, "examplosis.txt")
    labels = {m.label.lower() for m in (*record.risk_factors, *record.treatment_areas)}
    for bad in (
        "vaccination",
        "gene therapy",
        "biologic cure",
        "antibiotic",
        "antibiotics",
        "antioxidant",
        "antioxidants",
        "experimental drug",
    ):
        assert bad not in labels, labels
    assert {"physical therapy", "occupational therapy"} <= labels
    assert "autosomal recessive inheritance" in labels
    assert "EXM1" in {m.label for m in record.risk_factors}
