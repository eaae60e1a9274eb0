"""Extraction: the seed's facts, offsets that point at the evidence, nothing negated asserted, and the quality bar
on our corpus (scored with `kg.evaluate`, the same rule as `kg evaluate`)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

import kg.extract
from kg.evaluate import evaluate, match
from kg.extract.components import PIPE_NAMES
from kg.ingest import Document, read_source
from kg.records import Record

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "sacral-agenesis.txt"  # beside the checkout, not in the repository
UNSEEN = ROOT / "tests" / "fixtures" / "extract" / "unseen"
CORPORA = {
    "summaries": (ROOT / "data" / "summaries", ROOT / "data" / "gold"),
    "descriptions": (ROOT / "data" / "descriptions", ROOT / "data" / "descriptions" / "gold"),
    "unseen": (UNSEEN, UNSEEN / "gold"),
}


@cache
def corpus(name: str) -> tuple[tuple[Document, Record], ...]:
    folder, _gold = CORPORA[name]
    docs = [read_source(p) for p in sorted(folder.glob("*.txt"))]
    return tuple(zip(docs, kg.extract.extract_documents(docs), strict=True))


def labels(mentions) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.label for m in mentions]


def has(found: list[str], wanted: str) -> bool:
    return any(match(f, wanted) for f in found)


# ------------------------------------------------------------------------------------------------------ the seed


@pytest.mark.skipif(not SEED.exists(), reason=f"no seed summary at {SEED} (../shared/seeds is not in a fresh clone)")
def test_seed_expectations() -> None:
    record = kg.extract.extract(read_source(SEED))
    assert record.condition.label == "Sacral agenesis"
    assert record.id == "sacral-agenesis"
    assert has(labels(record.synonyms), "caudal regression syndrome")
    risks = labels(record.risk_factors)
    for wanted in ("maternal diabetes", "genetic predisposition", "maternal hyperglycemia", "vascular hypoperfusion"):
        assert has(risks, wanted), (wanted, risks)
    care = labels(record.treatment_areas)
    for wanted in ("multidisciplinary supportive care", "fetal surgery", "pediatric urology", "surgical management"):
        assert has(care, wanted), (wanted, care)
    for negated in ("gene therapy", "biologic cure", "single curative treatment"):
        assert not has(care + risks, negated), (negated, care, risks)
    assert not has(risks, "sacral agenesis") and not has(risks, "caudal regression syndrome")
    [figure] = record.prevalence
    assert (figure.low, figure.high, figure.population) == (2e-5, 4e-5, "live births")
    assert figure.text == "1 in 25,000 to 1 in 50,000 live births"
    assert record.last_updated == "2026-04-07"
    assert record.community_count == 12


# --------------------------------------------------------------------------------------------- offsets, negation


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_every_evidence_slices_the_original_text(name: str) -> None:
    for doc, record in corpus(name):
        evidences = [m.evidence for m in (*record.synonyms, *record.risk_factors, *record.treatment_areas)]
        evidences += [p.evidence for p in record.prevalence]
        assert evidences, doc.source
        for ev in evidences:
            assert doc.text[ev.start : ev.end] == ev.sentence, (doc.source, ev)
        for p in record.prevalence:
            assert p.text in p.evidence.sentence, (doc.source, p.text)


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_no_negated_item_is_ever_asserted(name: str) -> None:
    _folder, gold_dir = CORPORA[name]
    for doc, record in corpus(name):
        gold = json.loads((gold_dir / f"{Path(doc.source).stem}.json").read_text(encoding="utf-8"))
        found = labels(record.synonyms) + labels(record.risk_factors) + labels(record.treatment_areas)
        for bad in gold["must_not_extract"]:
            assert not has(found, bad), (doc.source, bad, [f for f in found if match(f, bad)])


def test_the_condition_is_never_its_own_risk_factor() -> None:
    for _doc, record in corpus("summaries"):
        names = [record.condition.label, *labels(record.synonyms)]
        for risk in labels(record.risk_factors):
            assert risk.casefold() not in {n.casefold() for n in names}, (record.source, risk)


# ------------------------------------------------------------------------------------------------ quality bars


def report(name: str):  # type: ignore[no-untyped-def]
    return evaluate(CORPORA[name][1], (record for _doc, record in corpus(name)))


def test_corpus_meets_the_bar() -> None:
    """The issue's bar on our corpus."""
    rep = report("summaries")
    assert not rep.gold_without_summary and not rep.summaries_without_gold
    assert rep.negation_errors() == 0
    assert rep.counts("synonyms").f1 >= 0.9
    assert rep.counts("treatment_areas").f1 >= 0.9
    assert rep.counts("risk_factors").f1 >= 0.9
    assert rep.counts("prevalence").f1 >= 0.95
    for what in ("condition", "last_updated", "community_count"):
        right, total = rep.exact(what)
        assert right == total, what


@pytest.mark.parametrize("name", ["descriptions", "unseen"])
def test_held_out_texts_generalise(name: str) -> None:
    """Texts the extractor was not tuned on: no negation errors, exact metadata, and sensible scores."""
    rep = report(name)
    assert rep.negation_errors() == 0
    for kind in ("synonyms", "risk_factors", "treatment_areas"):
        assert rep.counts(kind).f1 >= 0.7, (kind, rep.counts(kind).f1)
    assert rep.counts("prevalence").f1 >= 0.85
    for what in ("condition", "last_updated", "community_count"):
        right, total = rep.exact(what)
        assert right == total, what


# ------------------------------------------------------------------------------------------------------ the API


def test_public_api_accepts_text_or_document() -> None:
    text = (
        "Examplosis (EXP), also called example syndrome, is a rare disorder caused by mutations in the EXM1 gene. "
        "It affects about 1 in 100,000 people. Physical therapy and cardiology follow-up help."
    )
    from_text = kg.extract.extract(text, "examplosis.txt")
    from_doc = kg.extract.extract(read_source_text(text, "examplosis.txt"))
    assert from_text == from_doc
    assert from_text.source == "examplosis.txt"
    assert from_text.condition.label == "Examplosis"
    assert {"EXP", "example syndrome"} <= set(labels(from_text.synonyms))
    assert "EXM1" in labels(from_text.risk_factors)
    assert has(labels(from_text.treatment_areas), "physical therapy")
    assert [(p.low, p.population) for p in from_text.prevalence] == [(1e-5, "people")]
    assert from_text.last_updated is None and from_text.community_count is None


def read_source_text(text: str, source: str) -> Document:
    from kg.ingest import clean

    return clean(source, text)


def test_pipeline_is_built_once_from_our_components() -> None:
    assert kg.extract.nlp() is kg.extract.nlp()
    assert tuple(kg.extract.nlp().pipe_names) == PIPE_NAMES


def test_extract_documents_streams_in_order() -> None:
    docs = [read_source_text(f"Condition{i} syndrome is a rare disorder.", f"c{i}.txt") for i in range(3)]
    records = kg.extract.extract_documents(iter(docs))
    assert next(records).source == "c0.txt"
    assert [r.source for r in records] == ["c1.txt", "c2.txt"]


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("Prader-Willi syndrome", "prader-willi-syndrome"),
        ("Sjögren syndrome", "sjogren-syndrome"),
        ("  Alpha-1 antitrypsin deficiency ", "alpha-1-antitrypsin-deficiency"),
        ("Болезнь", "u0411-u043e-u043b-u0435-u0437-u043d-u044c"),
    ],
)
def test_slugify(label: str, slug: str) -> None:
    assert kg.extract.slugify(label) == slug


def test_output_is_deterministic() -> None:
    text = SEED.read_text(encoding="utf-8") if SEED.exists() else "Examplosis is a rare disease caused by smoking."
    assert kg.extract.extract(text, "s.txt").to_json() == kg.extract.extract(text, "s.txt").to_json()


# ----------------------------------------------------------------------------------------- condition detection

DETECTION = ROOT / "tests" / "fixtures" / "extract" / "detection"


@pytest.mark.parametrize(
    ("name", "condition"),
    [
        ("title-line.txt", "Examplosis"),  # a title line above the header
        ("html-page.txt", "Examplosis"),  # an HTML page with an <h1> title
        ("a.txt", "Examplosis"),  # a one-letter file name is not the condition ("a" in "is a rare")
        ("b.txt", "Синдром Зеда"),  # a name in a script other than Latin
        ("c.txt", "川崎病"),  # a name in a script without case
    ],
)
def test_the_condition_is_found_whatever_frames_the_summary(name: str, condition: str) -> None:
    record = kg.extract.extract(read_source(DETECTION / name))
    assert record.condition.label == condition
    assert record.risk_factors or record.treatment_areas  # the summary's facts are read, not lost


def test_a_title_line_adds_no_synonym_and_the_defining_sentence_still_gives_them() -> None:
    record = kg.extract.extract(read_source(DETECTION / "title-line.txt"))
    assert labels(record.synonyms) == ["example syndrome"]


def test_a_file_name_without_the_apostrophe_names_the_possessive(tmp_path: Path) -> None:
    # "examplars-disease.txt" for "Examplar's disease": file names drop the apostrophe
    path = tmp_path / "late-onset-examplars-disease.txt"
    path.write_text(
        "The late-onset Examplar's disease (LOED), in some books called adult Examplar's disease, is a rare "
        "inflammation sickness of the whole body. Rheumatologists treat it.\n",
        encoding="utf-8",
    )
    record = kg.extract.extract(read_source(path))
    assert record.condition.label == "Late-onset Examplar's disease"


@pytest.mark.parametrize(
    ("opening", "condition"),
    [
        # a narrative opening whose subject is not the condition: the file's name, as the paragraph writes it
        (
            "In this autumn newsletter three of our dads explain examplar hernia, which most of us call EH, for new "
            "families. In EH the diaphragm does not close before birth.",
            "Examplar hernia",
        ),
        (
            "When our daughter was six, one side of her body went weak, and that was the day we first heard the "
            "words examplar hernia. Nobody could give us a straight answer, and nobody really knows.",
            "Examplar hernia",
        ),
    ],
)
def test_the_file_name_written_in_the_opening_beats_a_subject_that_is_not_it(
    opening: str, condition: str, tmp_path: Path
) -> None:
    path = tmp_path / "examplar-hernia.txt"
    path.write_text(opening + " Surgeons repair the hole after birth.\n", encoding="utf-8")
    record = kg.extract.extract(read_source(path))
    assert record.condition.label == condition
    assert record.condition.evidence is not None and "examplar hernia" in record.condition.evidence.sentence
    # the clause about the condition, and a sentence that only has the word "us", are no other names of it
    assert not any(len(m.label.split()) > 5 or "answer" in m.label for m in record.synonyms), labels(record.synonyms)


@pytest.mark.parametrize("name", ["rare-disease.txt", "condition-notes.txt", "summary-2026.txt"])
def test_a_file_name_of_plain_words_does_not_beat_the_defining_sentence(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text("Examplosis is a rare disease and condition, caused by smoking (summary 2026).\n", encoding="utf-8")
    assert kg.extract.extract(read_source(path)).condition.label == "Examplosis"


def test_a_short_file_name_is_never_invented_as_the_condition() -> None:
    from kg.errors import InputError

    with pytest.raises(InputError):
        kg.extract.extract("It is a rare thing that affects a few people.", "a.txt")


# ------------------------------------------------------------------------- junk labels found in the corpus graph


def test_no_junk_label_from_the_audit_comes_back() -> None:
    junk = {
        "polycythemia vera above",
        "linked maternal obesity",
        "missing covering",
        "care concentrate",
        "normal collagen antibodies",
        "pairing physical therapy",
        "earlier transplantation",
        "vemurafenib inhibitor",
        "MPS",
    }
    found = {m.label for _d, r in corpus("summaries") for m in (*r.synonyms, *r.risk_factors, *r.treatment_areas)}
    assert not junk & found


def test_subtype_names_and_the_own_abbreviation_are_not_genes() -> None:
    text = (
        "Examplosis (EXP) is a group of rare liver disorders caused by variants in genes such as ABCX1 "
        "(associated with EXP1) and ABCX2 (EXP2). EXP I is brought about by mutations in the ABCX3 gene."
    )
    risks = labels(kg.extract.extract(text, "examplosis.txt").risk_factors)
    assert {"ABCX1", "ABCX2", "ABCX3"} <= set(risks)
    assert not {"EXP1", "EXP2", "EXP"} & set(risks)


# --------------------------------------------------------------------------------- general phrasings of others


def _record(text: str):  # type: ignore[no-untyped-def]
    return kg.extract.extract("Examplosis is a rare inherited disease of the skin. " + text, "examplosis.txt")


def test_drugs_named_as_causes_are_risk_factors_not_treatments() -> None:
    record = _record(
        "Drug-induced disease is described with thiol-containing drugs, chiefly penicillamine and captopril; "
        "less often with other ACE inhibitors and rifampicin. Care is led by dermatology."
    )
    risks, care = labels(record.risk_factors), labels(record.treatment_areas)
    for drug in ("penicillamine", "captopril", "rifampicin", "ACE inhibitor"):
        assert has(risks, drug), (drug, risks)
        assert not has(care, drug), (drug, care)
    assert "dermatology" in care


@pytest.mark.parametrize(
    ("sentence", "wanted"),
    [
        ("Junctional forms are autosomal recessive and are linked to LAMA3.", "autosomal recessive inheritance"),
        ("Doctors call it autosomal recessive.", "autosomal recessive inheritance"),
        ("The disorder is caused by the m.3243A>G variant in the MT-TL1 gene.", "m.3243A>G"),
        ("The disorder is caused by the m.3243A>G variant in the MT-TL1 gene.", "MT-TL1"),
        ("It occurs more often in babies with trisomies 13 and 18.", "trisomy 18"),
        ("It happens when one of the two X chromosomes is missing.", "missing X chromosome"),
        ("It is caused by a persistent infection with the measles virus.", "measles virus infection"),
        ("HIV infection and pregnancy can both set off an attack.", "pregnancy"),
        ("Autoantibodies that block ADAMTS13 cause the acquired form.", "ADAMTS13 autoantibodies"),
        ("It results from the loss of a small piece of the short arm of chromosome 4.", "chromosome 4 short arm"),
        ("Endurance exercise is strongly linked to earlier onset.", "endurance exercise"),
        ("The risk is higher in people who carry HLA-DR15.", "HLA-DR15 allele"),
        ("Some cases arise from a balanced translocation carried by a parent.", "parental balanced translocation"),
        ("The chance rises as the mother gets older.", "advanced maternal age"),
        ("It is more common in people of northern European roots.", "northern European ancestry"),
        ("It is far more common in Old Order Amish communities.", "Old Order Amish community"),
        ("It is inherited (autosomal recessive).", "autosomal recessive inheritance"),
        ("Risk factors include e.g. smoking and obesity.", "smoking"),
        ("Thorotrast, an X-ray contrast agent, may be blamed in older patients.", "thorotrast"),
        ("Machinists cutting metal alloys are among those exposed.", "machinist"),
        # inheritance told without its name
        (
            "One altered copy is enough: an affected parent passes it to each child with a 50 percent chance.",
            "autosomal dominant inheritance",
        ),
        (
            "Children have received two non-working copies of GALC, one from their mother and one from their father.",
            "autosomal recessive inheritance",
        ),
        ("Both parents of an affected child are usually healthy carriers.", "autosomal recessive inheritance"),
        ("It comes from a faulty ABCD1 gene on the X chromosome.", "X-linked inheritance"),
        ("Boys have only one X chromosome, so a single faulty copy is enough.", "X-linked inheritance"),
        ("Only rarely does the gene change arise new in the person.", "de novo mutation"),
        # the same for both sexes: no sign of an X-linked pattern
        (
            "A parent with it passes the variant to each child with a one in two chance, boys and girls alike.",
            "autosomal dominant inheritance",
        ),
        (
            "Each offspring of an affected parent carries a one-in-two chance of inheriting the variant.",
            "autosomal dominant inheritance",
        ),
        ("It is an autosomal dominant vascular dysplasia.", "autosomal dominant inheritance"),
        ("It is an autosomal recessive metabolic myopathy.", "autosomal recessive inheritance"),
        # "have no affected relative" says what else they have; it does not deny the variant
        ("Some people carry a de novo variant and have no affected relative.", "de novo variant"),
    ],
)
def test_risk_factors_in_other_phrasings(sentence: str, wanted: str) -> None:
    risks = labels(_record(sentence).risk_factors)
    assert has(risks, wanted), risks


@pytest.mark.parametrize(
    ("sentence", "not_wanted"),
    [
        ("It may be suspected before birth because of excess amniotic fluid.", "excess amniotic fluid"),
        ("Treatment depends on features of the tumour such as MYCN amplification.", "MYCN amplification"),
        ("The phase 3 STAR trial of the drug was stopped.", "STAR"),
        ("That missing covering separates it from omphalocele, a condition with its own causes.", "missing covering"),
        ("Recessive JUP variants cause Naxos disease, a related disorder.", "recessive inheritance"),
        ("Asbestos is the dominant cause.", "dominant inheritance"),
        # one copy is enough in boys for an X-linked condition too
        ("Boys have only one X chromosome, so a single faulty copy is enough.", "autosomal dominant inheritance"),
        (
            "A parent who is a carrier has a 50% chance of passing on the carrier state.",
            "autosomal dominant inheritance",
        ),
        ("Symptoms often appear for the first time in adulthood, though the gene is inherited.", "de novo mutation"),
        # a report in front of the cause: the reporter is no cause
        ("The geneticist told us that one variant of a gene called RNF213 makes this far more likely.", "geneticist"),
        ("Genes on the X chromosome are also thought to play a part.", "X-linked inheritance"),
        # the effect is an ear discharge (seen in the condition), not the condition
        (
            "Hearing aids are preferred, since grommets often cause a long-running ear discharge in examplosis.",
            "grommet",
        ),
    ],
)
def test_things_that_are_not_causes(sentence: str, not_wanted: str) -> None:
    risks = labels(_record(sentence).risk_factors)
    assert not has(risks, not_wanted), risks


def test_a_told_pattern_gives_way_to_the_named_one() -> None:
    """ "The gene sits on the X chromosome" beside "X-linked recessive" adds no broader "X-linked inheritance"."""
    risks = labels(
        _record("The gene sits on the X chromosome, so it is inherited in an X-linked recessive manner.").risk_factors
    )
    assert "X-linked recessive inheritance" in risks and "X-linked inheritance" not in risks, risks


@pytest.mark.parametrize(
    ("sentence", "wanted"),
    [
        ("In 2024 a newer tablet, crinecerfont, was approved in the United States.", "crinecerfont"),
        ("Many experts prescribe celiprolol.", "celiprolol"),
        ("Caplacizumab, a nanobody that blocks clotting, is started on the first day.", "caplacizumab"),
        ("Babies receive a continuous infusion of prostaglandin E1 to keep the duct open.", "prostaglandin E1"),
        ("Cysteamine, taken by mouth every six hours, lowers cystine.", "cysteamine"),
        ("Antiarrhythmic drugs such as sotalol or amiodarone are added.", "amiodarone"),
        ("An implantable cardioverter-defibrillator is recommended.", "implantable cardioverter-defibrillator"),
        ("Care is best coordinated by a mitochondrial medicine service.", "mitochondrial medicine"),
        ("Supplementation with vitamins A, D, E and K is recommended.", "vitamin supplementation"),
        ("During episodes, intravenous L-arginine is given.", "intravenous L-arginine"),
        ("Seeing a genetic counselor is worth it.", "genetic counselor"),
        ("Some babies need only careful observation.", "observation"),
        ("Our neurologists start an anticonvulsant such as levetiracetam or oxcarbazepine.", "oxcarbazepine"),
        ("Stabilisers hold the protein together: tafamidis is licensed.", "tafamidis"),
        ("Retinal lesions are treated by laser photocoagulation or cryotherapy while small.", "laser photocoagulation"),
        ("Baseline upper endoscopy and colonoscopy are repeated every 3 years.", "upper endoscopy"),
        ("Hearing aids are preferred for glue ear.", "hearing aid"),
        ("For the pain of an attack, anti-inflammatory painkillers (NSAIDs) are helping.", "NSAID"),
        # a trial in the second clause of ", and" leaves the first clause's care alone
        (
            "Chest infections are treated early with antibiotics guided by sputum samples, and the macrolide "
            "azithromycin cut flare-ups in a clinical trial.",
            "antibiotic",
        ),
        # surveillance on a schedule is care
        ("Boys have a brain MRI scan every 6 to 12 months.", "brain MRI"),
        ("Breast: yearly MRI from 25, mammography added later.", "mammography"),
        # a modifier shared by two heads
        ("Relatives are offered genetic testing and counselling.", "genetic counselling"),
        ("Relatives are offered genetic testing and counselling.", "genetic testing"),
        ("In the late teens, orthodontists finish the job.", "orthodontist"),  # the graph's orthodontics
        ("Our dentist looks inside her mouth every six months.", "dentist"),
        # a measure kept in range
        (
            "Stroke prevention relies on aspirin, with blood pressure and cholesterol kept under control.",
            "blood pressure control",
        ),
        (
            "Stroke prevention relies on aspirin, with blood pressure and cholesterol kept under control.",
            "cholesterol control",
        ),
        ("Blood pressure is kept in the normal range, with other antihypertensives added.", "blood pressure control"),
        ("A hand surgeon rebuilt her thumb when she was two.", "hand surgeon"),
        ("In the late teens, jaw surgeons finish the job.", "jaw surgeon"),
        ("Maintenance usually means rituximab infusions every six months.", "rituximab"),  # the medicine, not its form
        ("Attacks are stopped with icatibant injected under the skin.", "icatibant"),  # INN stem -tibant
        ("Avoid aspirin and take ibuprofen instead.", "ibuprofen"),  # INN stem -profen, after a caution
        ("Avoid aspirin and take paracetamol instead.", "paracetamol"),
        ("Cataplexy may respond to clomipramine or modafinil.", "modafinil"),
        ("Allergists and immunologists increasingly offer long-term prophylaxis.", "allergist"),  # the graph's allergy
        ("Tom's son needed ECMO, the heart-lung bypass machine, for eleven days.", "ECMO"),
        (
            "Most babies are given medicines, usually inhaled nitric oxide and sometimes sildenafil.",
            "inhaled nitric oxide",
        ),
    ],
)
def test_treatments_in_other_phrasings(sentence: str, wanted: str) -> None:
    care = labels(_record(sentence).treatment_areas)
    assert has(care, wanted), care


@pytest.mark.parametrize(
    ("sentence", "not_wanted"),
    [
        ("Care concentrates on the family.", "care concentrate"),
        ("Safety measures guard against injury.", "measures guard"),
        ("A home programme tracks weight and oxygen levels daily.", "oxygen"),
        ("Newborn screening made earlier transplantation possible.", "earlier transplantation"),
        ("BRAF inhibitors such as vemurafenib and MEK inhibitors help.", "vemurafenib inhibitor"),
        ("Medical therapy is directed at the relief of pruritus.", "relief of pruritus"),
        ("At DiseaseMaps.org, 23 people are connected through a forum on itch management.", "itch management"),
        ("It was first described by the French neurologist Pierre Marie.", "neurologist"),
        ("The body produces too much growth hormone, and surgery removes the tumour.", "growth hormone"),
        ("Sun protection has to be planned like a military operation.", "military operation"),
        ("Referral to the clinic is through your GP or paediatrician.", "paediatrician"),
        ("Alongside these, the heart team fits pacemakers and prescribes diuretics.", "heart team fits pacemaker"),
        ("Baseline upper endoscopy is repeated every 3 years.", "baseline upper endoscopy"),
        ("Speech and language therapists stay with children through the toddler years.", "therapist"),
        # research in the part of the sentence that names it
        (
            "The big hope was gene therapy, with a working copy delivered by a harmless virus, and the early trials "
            "looked encouraging.",
            "gene therapy",
        ),
        (
            "Researchers are testing an inhaled blocker in trials, and gene therapy has so far only been tried on "
            "cells in the laboratory.",
            "gene therapy",
        ),
        ("Antibiotics, steroids, and the macrolide azithromycin are being tested in clinical trials.", "antibiotic"),
        ("This page was written by our information team and checked by clinicians.", "information team"),
        ("The diagnosis is confirmed by MRI.", "mri"),
        ("For the pain of an attack, anti-inflammatory painkillers (NSAIDs) are helping.", "nsaids"),
        ("Maintenance usually means rituximab infusions every six months.", "rituximab infusion"),
        ("Children receive enzyme infusions every week.", "enzyme"),  # not a medicine by name: the phrase stays
        ("To keep myelin healthy the body needs an enzyme called galactocerebrosidase.", "galactocerebrosidase"),
        ("Diagnosis uses a nasal nitric oxide test.", "nasal nitric oxide"),
    ],
)
def test_things_that_are_not_treatments(sentence: str, not_wanted: str) -> None:
    care = labels(_record(sentence).treatment_areas)
    assert not any(c.lower() == not_wanted for c in care), care


@pytest.mark.parametrize(
    ("sentence", "synonym"),
    [
        (
            "MELAS, the acronym for mitochondrial encephalomyopathy, lactic acidosis and stroke-like episodes, is rare",
            "mitochondrial encephalomyopathy, lactic acidosis and stroke-like episodes",
        ),
        ("Vascular examplosis (vEXS) is the most serious type.", "vEXS"),
        ("Turner syndrome, also known as monosomy X or 45,X, is a chromosomal condition.", "45,X"),
        (
            "Oesophageal atresia (OA; esophageal atresia, or EA, in American usage) is a birth defect.",
            "esophageal atresia",
        ),
        (
            "Neuromyelitis optica spectrum disorder, historically called simply neuromyelitis optica, is rare.",
            "neuromyelitis optica",
        ),
        (
            "Sturge-Weber syndrome (SWS), which some older textbooks call encephalotrigeminal angiomatosis, is rare.",
            "encephalotrigeminal angiomatosis",
        ),
        ("Alström syndrome (also spelled Alstrom syndrome, and shortened by some clinics to ALMS) is rare.", "ALMS"),
        (
            "Hereditary hemorrhagic telangiectasia (HHT), known eponymously as Osler-Weber-Rendu syndrome, is rare.",
            "Osler-Weber-Rendu syndrome",
        ),
        # a longer eponym that ends in the condition's name is a name, not a clause about it
        (
            "Batten disease, also known as Spielmeyer-Vogt-Sjögren-Batten disease, is a rare inherited condition.",
            "Spielmeyer-Vogt-Sjögren-Batten disease",
        ),
        (
            "Kartagener syndrome is a rare disease, and older papers use the name immotile cilia syndrome.",
            "immotile cilia syndrome",
        ),
    ],
)
def test_synonyms_in_other_phrasings(sentence: str, synonym: str) -> None:
    record = kg.extract.extract(sentence, "x.txt")
    assert synonym in labels(record.synonyms), labels(record.synonyms)


@pytest.mark.parametrize(
    ("sentence", "not_a_synonym"),
    [
        ("Cystinosis is inherited; doctors call it autosomal recessive.", "autosomal recessive"),
        ("Girls with Y material have a higher chance of a tumour called gonadoblastoma.", "gonadoblastoma"),
        ("The fault is an expanded stretch of DNA letters, known as a GAA repeat expansion.", "GAA repeat expansion"),
        (
            "Another condition is now recognised as a milder form of the same disorder.",
            "milder form of the same disorder",
        ),
        ("One particular change, often written N370S, is common in some families.", "N370S"),  # a variant
        ("The commonest change, Val30Met (now also written V50M), clusters in Portugal.", "V50M"),
        ("Nearly everyone starts on ursodeoxycholic acid, also called UDCA or ursodiol, every day.", "UDCA"),
    ],
)
def test_descriptions_are_not_synonyms(sentence: str, not_a_synonym: str) -> None:
    record = kg.extract.extract("Examplosis is a rare inherited disease. " + sentence, "examplosis.txt")
    assert not_a_synonym not in labels(record.synonyms)


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("Prader-Willi syndrome", "prader-willi-syndrome"),
        ("Sjögren–Larsson syndrome", "sjogren-larsson-syndrome"),  # an en dash separates words
        ("β-thalassemia", "beta-thalassemia"),
        ("α-thalassemia", "alpha-thalassemia"),  # never the same node as beta
        ("Strauß", "strauss"),
        ("Болезнь", "u0411-u043e-u043b-u0435-u0437-u043d-u044c"),
    ],
)
def test_slugs_keep_words_and_letters_apart(label: str, slug: str) -> None:
    from kg.extract import slugify

    assert slugify(label) == slug


def test_long_labels_are_cut_but_stay_apart() -> None:
    from kg.extract import slugify

    a, b = slugify("x" * 100 + " one"), slugify("x" * 100 + " two")
    assert a != b and len(a) <= 80 and len(b) <= 80


@pytest.mark.parametrize(
    ("sentence", "wanted"),
    [
        ("It may follow a bad head injury or meningitis.", "head injury"),
        ("It may follow a bad head injury or meningitis.", "meningitis"),
        ("It can also follow certain medicines, such as dasatinib.", "dasatinib"),
        # the condition is the subject, so the other diseases are what it is linked to
        ("It is linked to autoimmune diseases such as systemic lupus erythematosus.", "systemic lupus erythematosus"),
        ("Being over 60 is the biggest predisposing factor.", "age over 60"),
        ("It mostly turns up in women past forty.", "female sex"),
        ("It mostly turns up in women past forty.", "age over forty"),
        ("Men are diagnosed about three times as often as women.", "male sex"),
        ("It is seen more often where the parents are relatives by blood.", "consanguinity"),
        ("Coeliac disease is the strongest pointer we know of.", "coeliac disease"),
        ("Having a brother or sister with it raises the odds.", "family history"),
        ("It mainly affects young men.", "male sex"),
        # other diseases named by a class, in the plural, and by a disease ending ("-iasis")
        ("It is tied to connective tissue diseases and to HIV.", "connective tissue disease"),
        ("It can follow congenital heart defects.", "congenital heart defect"),
        ("In the tropics it is linked to schistosomiasis.", "schistosomiasis"),
        ("It can follow appetite drugs, most famously the fenfluramine-type slimming pills.", "slimming pill"),
    ],
)
def test_causes_told_as_what_it_follows_and_whom_it_strikes(sentence: str, wanted: str) -> None:
    risks = labels(_record(sentence).risk_factors)
    assert has(risks, wanted), risks


def test_a_medicine_named_with_its_kind_is_its_name() -> None:
    risks = labels(_record("It can follow the leukaemia drug dasatinib or the antibiotic minocycline.").risk_factors)
    assert "dasatinib" in risks and "minocycline" in risks, risks


def test_a_genetic_head_alone_is_still_no_cause() -> None:
    risks = labels(_record("It can follow a genetic defect.").risk_factors)
    assert not has(risks, "genetic defect"), risks


def test_a_cause_of_the_subject_is_still_the_subject_when_the_object_names_the_disease() -> None:
    risks = labels(_record("Smoking is strongly linked to the disease.").risk_factors)
    assert has(risks, "smoking"), risks


@pytest.mark.parametrize(
    ("sentence", "wanted"),
    [
        ("Doctors prescribe macitentan or ambrisentan.", "macitentan"),
        ("Riociguat and selexipag are added later.", "riociguat"),
        ("Riociguat and selexipag are added later.", "selexipag"),
        ("Low blood pressure on standing is treated with midodrine or droxidopa.", "midodrine"),
        ("Low blood pressure on standing is treated with midodrine or droxidopa.", "droxidopa"),
        ("Stiffness may ease with levodopa.", "levodopa"),
        ("A pump delivers treprostinil under the skin.", "treprostinil"),
        # "like" after a plural is "such as", not a simile
        ("Doctors use PDE5 inhibitors like sildenafil.", "sildenafil"),
        ("Sleep apnoea is treated with CPAP at night.", "CPAP"),
        ("Swollen legs are helped by compression stockings.", "compression stocking"),
        ("Bladder problems are managed with intermittent self-catheterisation.", "self-catheterisation"),
        ("Her diabetes nurse checks the pump each month.", "diabetes nurse"),
        ("When the aorta widens, a cardiothoracic surgeon replaces the root.", "cardiothoracic surgeon"),
        ("Low blood sugar is treated with diazoxide.", "diazoxide"),
        ("In a crisis the ward gives carglumic acid to bring the ammonia down.", "carglumic acid"),
        ("The neurology team works with physiotherapy and pain medicine.", "pain medicine"),
        ("Strokes are prevented with an antiplatelet drug.", "antiplatelet drug"),
        ("He takes a standard anti-seizure medicine every night.", "anti-seizure medicine"),
        ("The port-wine stain is treated with pulsed dye laser in infancy.", "pulsed dye laser"),
        ("The aorta is checked by MR angiography every year.", "MR angiography"),
        # imaging grown over its modifiers
        ("Screening adds a yearly breast MRI and an abdominal ultrasound.", "breast MRI"),
        ("Screening adds a yearly breast MRI and an abdominal ultrasound.", "abdominal ultrasound"),
    ],
)
def test_treatments_named_by_stem_device_and_profession(sentence: str, wanted: str) -> None:
    care = labels(_record(sentence).treatment_areas)
    assert has(care, wanted), care


@pytest.mark.parametrize(
    ("sentence", "not_wanted"),
    [
        ("Parents are given, if needed, a rescue medicine such as buccal midazolam.", "needed"),
        ("The plan was drawn up like a military campaign.", "military campaign"),
        ("The enzyme needs vitamin B12 to work.", "B12"),
        ("A skin biopsy is the main pointer to the diagnosis.", "skin biopsy"),
    ],
)
def test_not_care_and_not_genes(sentence: str, not_wanted: str) -> None:
    record = _record(sentence)
    found = labels(record.treatment_areas) + labels(record.risk_factors)
    assert not_wanted not in found, found


@pytest.mark.parametrize(
    ("text", "synonym"),
    [
        ("Louis-Bar disease, or LBD for short, is a rare inherited disorder.", "LBD"),
        (
            "Examplosis, which you may see written as Smith-Jones dysplasia, is a rare disease of the skin.",
            "Smith-Jones dysplasia",
        ),
        (
            "Examplosis (older clinic letters may say Smith-Jones syndrome) is a rare disease of the skin.",
            "Smith-Jones syndrome",
        ),
    ],
)
def test_synonyms_told_the_way_patients_meet_them(text: str, synonym: str) -> None:
    record = kg.extract.extract(text, "x.txt")
    assert synonym in labels(record.synonyms), labels(record.synonyms)


def test_growths_known_as_something_are_still_not_synonyms() -> None:
    record = kg.extract.extract("Examplosis is a rare disease that causes growths known as hamartomas.", "x.txt")
    assert "hamartomas" not in labels(record.synonyms)


# ------------------------------------------------------------------------- dev6: names, causes and care in letters


@pytest.mark.parametrize(
    "opening",
    [
        "Dear all, many of you asked what examplosis is, so here is the long version.",
        "Hi, I'm 16 and I have examplosis, a rare inherited disease of the skin.",
        "Sir, I write about examplosis, which I have had for ten years.",
        # the kind of page is no name either
        "Discharge summary, Skin Unit. Diagnosis: examplosis, a rare inherited disease of the skin.",
    ],
)
def test_a_letters_salutation_is_no_name(opening: str) -> None:
    record = kg.extract.extract(opening + " Examplosis is a rare disease of the skin. Dermatologists treat it.")
    first = {s.label.split()[0].lower().strip(",") for s in record.synonyms}
    assert not first & {"dear", "hi", "sir", "discharge"}, record.synonyms


def test_other_names_beside_the_name_outside_the_defining_sentence() -> None:
    record = _record(
        "Last spring my niece was diagnosed with examplosis (EXS), which her grandfather knew as scaly-skin "
        "disease. The clinic letter says examplosis, also recorded as Examplar ichthyosis or EX disease."
    )
    names = labels(record.synonyms)
    assert "EXS" in names and "scaly-skin disease" in names, names
    assert "Examplar ichthyosis" in names, names


def test_an_abbreviation_must_start_like_the_name() -> None:
    record = _record("Last spring my niece was diagnosed with examplosis (MRI), after a scan.")
    assert "MRI" not in labels(record.synonyms)


@pytest.mark.parametrize(
    ("sentence", "wanted"),
    [
        ("Women are diagnosed somewhat more often than men.", "female sex"),
        # a diagnosis in another stretch of the sentence does not hide the family history
        ("Girls are diagnosed more often than boys, and having a sibling with it raises the odds.", "family history"),
        ("Working around silica or mould has been tied to higher rates.", "silica exposure"),
        ("Working around silica or mould has been tied to higher rates.", "mould exposure"),
        ("Sleep apnoea and PCOS both make it more likely.", "PCOS"),
        ("It turns up more often among Hutterites and Ashkenazi Jews.", "Hutterite ancestry"),
        ("It turns up more often among Hutterites and Ashkenazi Jews.", "Ashkenazi Jewish ancestry"),
        (
            "People whose families come from the Middle East or South Asia are more likely to carry it.",
            "South Asian ancestry",
        ),
        (
            "People whose families come from the Middle East or South Asia are more likely to carry it.",
            "Middle Eastern ancestry",
        ),
        # a link with no object at the end of its clause
        ("Valproate, thalidomide and alcohol have also been connected.", "thalidomide"),
        ("Working with benzene has been linked too.", "benzene exposure"),
        ("Babies exposed in the womb to warfarin are affected more often.", "warfarin"),
        ("About eight in ten patients are female.", "female sex"),
        ("Gaining weight in the last year pushes the odds up.", "gaining weight"),
        ("A late form can turn up in older adults alongside an underactive thyroid.", "underactive thyroid"),
        ("Coeliac disease and autoimmune thyroiditis are over-represented among patients.", "autoimmune thyroiditis"),
        ("It is commonest in families whose roots lie in sub-Saharan Africa or India.", "sub-Saharan African ancestry"),
        ("It is commonest in families whose roots lie in sub-Saharan Africa or India.", "Indian ancestry"),
        ("In a third of patients it travels alongside another illness, most often Crohn's disease.", "Crohn's disease"),
        ("Residents living with dementia or a past stroke develop it more often than others.", "dementia"),
        ("Residents living with dementia or a past stroke develop it more often than others.", "past stroke"),
        (
            "It may be switched on by a medicine, for example the antibiotics examplomycin or minocycline.",
            "examplomycin",
        ),
        ("Girls are affected more often than boys, and children of Nordic descent less often.", "female sex"),
        ("The majority of patients are current or former smokers.", "smoking"),
    ],
)
def test_causes_told_in_letters_and_leaflets(sentence: str, wanted: str) -> None:
    risks = labels(_record(sentence).risk_factors)
    assert wanted in risks, risks


def test_higher_rates_of_another_disease_are_not_the_condition() -> None:
    risks = labels(_record("Silica dust has been tied to higher rates of lung cancer.").risk_factors)
    assert not risks, risks


@pytest.mark.parametrize(
    ("sentence", "not_wanted"),
    [
        ("Please check with us before buying any remedy online.", "please check"),
        ("Next review will focus on the kidneys.", "next review"),
        ("Nearly everyone carries a change in the RET proto-oncogene.", "oncogene"),
    ],
)
def test_words_of_a_letter_are_not_care(sentence: str, not_wanted: str) -> None:
    care = [c.lower() for c in labels(_record(sentence).treatment_areas)]
    assert not_wanted not in care, care


def test_a_verb_before_the_care_is_not_part_of_it() -> None:
    care = labels(_record("At school age many families consider smile surgery.").treatment_areas)
    assert "smile surgery" in care, care


def test_like_after_a_kind_of_medicine_is_such_as() -> None:
    care = labels(_record("If needed, a steroid-sparing drug like mycophenolate is added.").treatment_areas)
    assert "mycophenolate" in care, care


def test_the_second_verb_of_a_denied_subject_does_not_reach_back_past_whereas() -> None:
    record = _record("Rituximab is approved, whereas abatacept failed in clinical studies and is not covered.")
    care = labels(record.treatment_areas)
    assert "rituximab" in care and "abatacept" not in care, care


@pytest.mark.parametrize(
    ("sentence", "wanted"),
    [
        # a dose after a name makes it a medicine, whatever the name looks like
        ("On discharge: examplisant started at 5 mg each morning.", "examplisant"),
        ("Calcium examplate in two divided doses for the cramps.", "calcium examplate"),
        ("The ophthalmologist tracks sight loss, and low-vision services adapt the home.", "low-vision service"),
    ],
)
def test_care_named_in_discharge_notes(sentence: str, wanted: str) -> None:
    care = labels(_record(sentence).treatment_areas)
    assert wanted in care, care


def test_a_dose_raised_names_no_medicine() -> None:
    assert labels(_record("The dose was raised to 36 mg over three weeks.").treatment_areas) == []


def test_a_share_of_patients_no_larger_than_half_names_no_sex() -> None:
    assert labels(_record("Two in five patients are male.").risk_factors) == []


def test_care_denied_for_one_use_only_is_kept_where_it_is_used() -> None:
    record = _record(
        "A kidney crisis is treated at once with an ACE inhibitor such as enalapril. Taking an ACE inhibitor ahead "
        "of time to prevent a crisis is discouraged, as it has not been shown to help."
    )
    care = labels(record.treatment_areas)
    assert "ACE inhibitor" in care and "enalapril" in care, care


def test_care_denied_outright_is_denied_everywhere() -> None:
    record = _record("Doctors once gave colchicine. Colchicine does not help and is not used.")
    assert "colchicine" not in labels(record.treatment_areas)


def test_a_diet_named_by_what_it_holds() -> None:
    care = labels(_record("The dietitian plans a diet poor in natural protein from the first weeks.").treatment_areas)
    assert "low-protein diet" in care, care


def test_a_people_affected_less_often_has_no_predisposition() -> None:
    risks = labels(
        _record("Girls are affected more often than boys, and children of Nordic descent less often.").risk_factors
    )
    assert "Nordic descent" not in risks, risks


def test_antibodies_against_a_counted_kind_of_protein_name_no_target() -> None:
    record = _record(
        "The immune system makes antibodies against two binding proteins, XB1 and XB2, that hold the layers."
    )
    assert not any("protein" in r for r in labels(record.risk_factors)), record.risk_factors
