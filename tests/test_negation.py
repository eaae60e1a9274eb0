"""Negation scope: absent, negated, avoided or ineffective things are never asserted."""

from __future__ import annotations

import pytest

import kg.extract
from kg.extract.negation import is_negated, negated_ranges, research_ranges

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
        (
            "Doxycycline with TUDCA, which several of us tried years ago, never became standard treatment.",
            "Doxycycline",
        ),
        (
            "Everolimus and celecoxib have been studied for polyp control; neither is used outside research.",
            "celecoxib",
        ),
        ("Painkillers such as ibuprofen can interact with methotrexate and strain the kidneys.", "ibuprofen"),
        ("Interferon was tried and had no effect.", "Interferon"),
        ("Attenuated androgens such as danazol were the mainstay but have largely been set aside.", "danazol"),
        ("Take care with: non-steroidal anti-inflammatory drugs, and anticoagulants.", "anticoagulants"),
        ("Be careful with aspirin.", "aspirin"),
        ("Doctors advise against aspirin.", "aspirin"),
        ("Gene therapy remains out of reach.", "Gene therapy"),
        ("Interferon was given up because of side effects.", "Interferon"),
        ("Interferon fell out of use in the 1990s.", "Interferon"),
        ("Irradiation is left out, because FA cells are extremely sensitive to alkylating drugs.", "alkylating drugs"),
        ("Steroids and IVIG have no effect.", "Steroids"),
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
        ("Please do not stop or change the colchicine without asking your doctor.", "colchicine"),  # keep taking it
        # "and have no ..." says what else the subject has, not that the thing before it fails
        ("Patients take colchicine every day and have no attacks.", "colchicine"),
        ("The tumour is highly sensitive to chemotherapy.", "chemotherapy"),  # the tumour, not the patient
        # a new verb of care after "and" ends what the cue denies
        ("Avoid aspirin and take paracetamol instead.", "paracetamol"),
        ("Doctors advise against aspirin and prescribe clopidogrel instead.", "clopidogrel"),
        ("Some people carry a de novo variant and have no affected relative.", "de novo variant"),
        ("Don't skip the daily colchicine.", "colchicine"),
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


# ------------------------------------------------------------------- phrasings of texts written by other people


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("Steroids were once tried but proved useless.", "Steroids"),
        ("Nusinersen has not been approved for adults.", "Nusinersen"),
        ("Antiepileptic drugs are not recommended.", "Antiepileptic drugs"),
        ("Sodium valproate should be avoided because it can impair mitochondrial function.", "Sodium valproate"),
        ("Medicines that contain oestrogen, such as the combined pill, are generally best avoided.", "Medicines"),
        ("The phase 3 trial of examogene missed its main goal, so that product never reached the market.", "examogene"),
        (
            "Idebenone, an antioxidant that many people once took, did not improve outcomes in controlled trials.",
            "Idebenone",
        ),
        (
            "Bone marrow transplantation was trialed in severe disease, but it carried a significant risk of death "
            "and is not a standard treatment.",
            "Bone marrow transplantation",
        ),
        (
            "A gene therapy, examogene, was developed for the variant, but its application for marketing "
            "authorisation in Europe was withdrawn in 2023 and it is not licensed.",
            "examogene",
        ),
        ("Topical mitomycin C has been tried for strictures, but its benefit has not been established.", "mitomycin"),
        ("Oxandrolone is hardly used any more.", "Oxandrolone"),
        ("Gene therapy and chaperones have been studied, but none has been established as standard care.", "Gene"),
    ],
)
def test_scope_covers_the_item_in_other_phrasings(sentence: str, phrase: str) -> None:
    assert negated(sentence, phrase)


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        # a treatment that helps but does not cure, or does not reach everywhere, is still a treatment
        ("Enzyme replacement therapy slows the disease but does not cure it.", "Enzyme replacement therapy"),
        ("Physiotherapy helps, but it does not stop progression.", "Physiotherapy"),
        ("Because cysteamine swallowed as a capsule does not reach the cornea, drops are used.", "cysteamine"),
        # not approved in one country: approved elsewhere, and used
        ("Idebenone is authorised in the European Union, although it is not approved in the United States.", "Ide"),
        # a negated verb phrase does not reach the list after the next comma
        ("If the mass cannot be taken out safely, radiation therapy or rituximab can shrink it.", "rituximab"),
        ("Oesophageal atresia is a defect in which the oesophagus, the tube that carries food, fails to form.", "Oes"),
    ],
)
def test_limited_claims_are_not_negations(sentence: str, phrase: str) -> None:
    assert not negated(sentence, phrase)


def test_a_plain_ineffective_treatment_stays_negated() -> None:
    assert negated("Antibiotics do not cure it.", "Antibiotics")


def researched(sentence: str, phrase: str) -> bool:
    start = sentence.index(phrase)
    return is_negated(research_ranges(sentence), start, start + len(phrase))


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("Researchers are also testing gene therapies that deliver a working copy of the gene.", "gene therapies"),
        ("Giving dexamethasone in pregnancy is still regarded as experimental.", "dexamethasone"),
        ("Fetal valvuloplasty, a balloon procedure, is done at a few centres and remains investigational.", "Fetal"),
        ("Frataxin replacement and gene therapy are only available within clinical trials.", "Frataxin replacement"),
        ("The phase 3 trial of examogene missed its main goal in 2021.", "examogene"),
        ("Candidate drugs include tinlarebant and gildeuretinol.", "gildeuretinol"),
    ],
)
def test_research_scope_covers_research_only_treatments(sentence: str, phrase: str) -> None:
    assert researched(sentence, phrase)


def test_research_scope_leaves_current_care_alone() -> None:
    sentence = "Physiotherapy helps, and sirolimus was approved after a trial showed it slowed the decline."
    assert not researched(sentence, "Physiotherapy") and not researched(sentence, "sirolimus")


AUDIT = (
    "Examplosis is a rare inherited disorder caused by mutations in the EXM1 gene.\n"
    "Steroids were once tried but proved useless. Sodium valproate should be avoided. Nusinersen has not been "
    "approved for it. Researchers are testing a stem cell gene therapy in mice. Enzyme replacement therapy slows "
    "the disease but does not cure it, and physiotherapy helps.\n"
)


def test_the_pipeline_asserts_no_ineffective_avoided_or_research_treatment() -> None:
    record = kg.extract.extract(AUDIT, "examplosis.txt")
    labels = {m.label.lower() for m in record.treatment_areas}
    for bad in ("steroid", "steroids", "sodium valproate", "nusinersen", "stem cell gene therapy", "gene therapy"):
        assert bad not in labels, labels
    assert {"enzyme replacement therapy", "physiotherapy"} <= labels


def test_the_research_cues_prefilter_never_hides_a_match() -> None:
    from pathlib import Path

    from kg.extract import lexicon
    from kg.ingest import expand_paths, read_source

    root = Path(__file__).resolve().parents[1]
    sentences = [
        doc.span(s)
        for folder in ("data/summaries", "data/dev")
        for doc in map(read_source, expand_paths([str(root / folder)]))
        for s in doc.sentences()
    ]
    table = lexicon.directed_set("research-scopes.txt")
    for sentence in sentences[::3]:
        wanted = [e for e in table.entries if e[1].regex.search(sentence)]
        assert all(e in table.candidates(sentence) for e in wanted), sentence


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("Iron tablets will not help, because the anaemia is not from a lack of iron.", "Iron tablets"),
        ("Enzyme infusions, which help in some other storage disorders, cannot reach the brain.", "Enzyme infusions"),
        ("Ordinary sunscreens filter little of the harmful light.", "Ordinary sunscreens"),
        ("The parents didn’t cause it by stress (diet, work, sleep).", "stress"),
    ],
)
def test_modal_asides_and_contractions_negate(sentence: str, phrase: str) -> None:
    assert negated(sentence, phrase)


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("If cabergoline does not work, pegvisomant is added.", "cabergoline"),
        ("When surgery and tablets are not enough, radiotherapy is offered.", "radiotherapy"),
        ("The best donor is a matched sibling who does not have the condition.", "matched sibling"),
        ("Dialysis is not recommended in infants under two, who receive a transplant.", "transplant"),
    ],
)
def test_conditions_and_the_people_a_denial_names_are_not_negations(sentence: str, phrase: str) -> None:
    assert not negated(sentence, phrase)


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("Plain antihistamines seldom bring any real relief from the itch.", "antihistamines"),
        ("He had two courses of antibiotics, and neither did a thing.", "antibiotics"),
        ("Vaccines given in infancy play no part in it.", "Vaccines"),
        ("Methotrexate was tried for a year and then stopped because of nausea.", "Methotrexate"),
        ("Interferon was tested and later set aside when the side effects mounted.", "Interferon"),
        ("Some anti-seizure drugs, such as phenytoin, can make the drop attacks worse.", "phenytoin"),
        ("Nobody offers a gene therapy for it yet.", "gene therapy"),
        ("The fits can follow lack of oxygen at birth, or a serious head injury.", "oxygen"),
        ("Whole-brain radiotherapy is only a last resort.", "radiotherapy"),
        ("She was put on the list for a liver transplant; the team cancelled it after the scan.", "liver transplant"),
        ("The planned splenectomy was called off.", "splenectomy"),
        # "that" after a preposition is a determiner: the operation is still the subject
        ("The operation used for that other disorder does not help these babies.", "operation"),
        ("Although the rash looks like an infection, antibiotics bring no profit here.", "antibiotics"),
        ("A neighbour swore by a juice cleanse, and none of that nonsense does anything.", "juice cleanse"),
        ("A tendon transfer, which suits milder cases, is ruled out for him.", "tendon transfer"),
        ("Stopping the steroid is planned, whereas giving a diuretic first can set off a dangerous fall.", "diuretic"),
        ("Surgery helps, but standard radiotherapy offers little.", "radiotherapy"),
        ("One kinase drug, examplinib, had its European licence for this use withdrawn.", "examplinib"),
        ("Baclofen tried for a fortnight, stopped for drowsiness.", "Baclofen"),
        ("Plasma exchange during relapses: evidence weak, not offered.", "Plasma exchange"),
        ("Alcohol has never been shown to bring it on.", "Alcohol"),
        ("Unlike in other palsies, steroid courses cannot bring the missing nerves back.", "steroid courses"),
        # a list that continues the object of a denied verb phrase
        ("It cannot be caught by kissing, shared cups or a public bath.", "shared cups"),
        ("It cannot be caught by kissing, shared cups or a public bath.", "public bath"),
        ("Barrier creams meant for nappy rash will not shift the scale.", "Barrier creams"),
        ("Azathioprine was dropped after a month.", "Azathioprine"),
        ("Before the diagnosis, exclude sarcoidosis and asbestosis.", "asbestosis"),
    ],
)
def test_denials_said_in_plain_words(sentence: str, phrase: str) -> None:
    assert negated(sentence, phrase)


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        # a clause of its own before a bare "and": the subject of the denial is not the list before it
        ("CT scans are swapped for MRI and radiotherapy is only a last resort.", "MRI"),
        # a comparison denied, not the things compared
        ("In other conditions losartan has not proved better than atenolol.", "atenolol"),
        ("In other conditions losartan has not proved better than atenolol.", "losartan"),
        ("Shop-bought cannabis oils are not the same as prescribed cannabidiol.", "cannabidiol"),
        # the danger is the sudden stop, so the medicine is in use
        ("Sudden withdrawal of clonazepam is dangerous, as it can provoke fits.", "clonazepam"),
        ("Never stop your hydrocortisone abruptly, even when you feel better.", "hydrocortisone"),
        # a lack names only its own phrase: the next item of a list of causes is not lacking
        ("The fits can follow lack of oxygen at birth, or a serious head injury.", "head injury"),
        # the medicine used instead of the dangerous one
        ("Stopping the steroid is planned, whereas giving a diuretic first can set off a dangerous fall.", "steroid"),
        ("Surgery helps, but standard radiotherapy offers little.", "Surgery"),
        # "it" after "as" is the conjunct just before, not the clause before the semicolon
        (
            "Crises are treated with captopril; starting it early is discouraged, as it has not been shown to help.",
            "captopril",
        ),
    ],
)
def test_what_sits_beside_a_denial_is_not_denied(sentence: str, phrase: str) -> None:
    assert not negated(sentence, phrase)


def test_no_better_than_a_placebo_still_denies() -> None:
    assert negated("Steroids were no better than a placebo.", "Steroids")


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("Efgartigimod is being assessed only within controlled trials.", "Efgartigimod"),
        ("Two gene therapies are so far only inside clinical studies.", "gene therapies"),
        ("A hospital group has been looking at whether metformin lowers the cancer risk.", "metformin"),
        ("A newer pill, examplisib, is still confined to trials.", "examplisib"),
    ],
)
def test_research_told_more_ways(sentence: str, phrase: str) -> None:
    assert researched(sentence, phrase)
