"""The scorer behind `kg evaluate`: the lenient matching rule, one-to-one matching, negation errors,
prevalence tolerance, pairing gold files with records, and the command's output and exit status."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import kg.extract
from kg.cli import main
from kg.commands.evaluate import default_paths
from kg.errors import KgError
from kg.evaluate import (
    GoldError,
    evaluate,
    figure_matches,
    load_gold,
    match,
    population_matches,
    score,
    score_labels,
    score_prevalence,
    singular,
    tokens,
)
from kg.ingest import Document
from kg.link import normalise_label
from kg.records import Condition, Evidence, Mention, Prevalence, Record

FIXTURES = Path(__file__).parent / "fixtures" / "evaluate"
GOLD = FIXTURES / "gold"
EV = Evidence("A sentence.", 0, 11)


def mentions(*labels: str) -> tuple[Mention, ...]:
    return tuple(Mention(label, EV) for label in labels)


def fig(
    low: float | None = None,
    high: float | None = None,
    population: str | None = None,
    count: int | None = None,
    area: str | None = None,
    text: str = "",
) -> Prevalence:
    return Prevalence(text, low, high, population, count, area, EV)


def sacral(source: str = "summaries/sacral-agenesis.txt", **changes: object) -> Record:
    """A record that gets the seed annotation right; `changes` spoil parts of it."""
    fields = {
        "id": "sacral-agenesis",
        "source": source,
        "condition": Condition("Sacral agenesis"),
        "synonyms": mentions("caudal regression syndrome"),
        "risk_factors": mentions(
            "maternal diabetes", "genetic predispositions", "maternal hyperglycemia", "vascular hypoperfusion"
        ),
        "treatment_areas": mentions(
            "multidisciplinary supportive care",
            "fetal surgery",
            "pediatric urology",
            "surgical management",
            "precision medicine",  # acceptable: neither TP nor FP
        ),
        "prevalence": (fig(2e-5, 4e-5, "live births", text="1 in 25,000 to 1 in 50,000 live births"),),
        "last_updated": "2026-04-07",
        "community_count": 12,
    }
    fields.update(changes)
    return Record(**fields)


def orchid(source: str = "summaries/orchid-fever.txt") -> Record:
    return Record(
        id="orchid-fever",
        source=source,
        condition=Condition("orchid fever"),
        synonyms=mentions("greenhouse fever"),
        risk_factors=mentions("orchid pollen exposure", "autosomal dominant inheritance"),
        treatment_areas=mentions("antihistamines", "allergy clinic", "physical therapy"),
        prevalence=(fig(2.5e-5, 2.5e-5, "people"), fig(count=800, area="Portugal")),
        last_updated="2025-11-03",
    )


# ------------------------------------------------------------------------------------------ the lenient rule


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("caudal regression", "caudal regression syndrome"),  # the seed README's own example
        ("Caudal Regression Syndrome", "caudal regression syndrome"),  # case
        ("low-phenylalanine diet", "low phenylalanine diet"),  # punctuation
        ("Fabry's disease", "Fabry disease"),  # possessive
        ("genetic testing of relatives", "genetic testing relatives"),  # stop words
        ("the role of the CFTR gene", "CFTR gene"),
        ("genetic predispositions", "genetic predisposition"),  # plurals
        ("gene therapies", "gene therapy"),
        ("antibiotics", "antibiotic"),
        ("CFTR mutations", "CFTR mutation"),
        ("pancreatic enzyme replacement", "pancreatic enzyme replacement therapy"),
        ("fetal", "fetal spine surgery"),  # contained, two tokens longer
        ("enzyme replacement therapy", "enzyme replacement surgery"),  # Jaccard exactly 0.5
        ("Sjögren syndrome", "Sjogren syndrome"),  # accents
        ("high-calorie diet", "high calories diet"),
        ("hearing aids", "hearing aid"),
        ("viruses", "virus"),
        ("paediatric neurologists", "paediatric neurology"),  # a profession is the area of care it practises
        ("physiotherapist", "physiotherapy"),
        ("persons", "people"),
    ],
)
def test_match_accepts_lenient_variants_both_ways(a: str, b: str) -> None:
    assert match(a, b)
    assert match(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("gene therapy", "physical therapy"),  # Jaccard 1/3, neither contains the other
        ("fetal", "fetal spine repair surgery"),  # contained but three tokens longer
        ("genetics", "genetic predisposition"),  # -ics stays: the field is not the adjective
        ("maternal diabetes", "maternal obesity"),
        ("diabetes", "diabete"),
        ("", "surgery"),
        ("of the", "surgery"),
        ("neurologist", "neurosurgery"),
        ("dermatologist", "dermatitis"),
    ],
)
def test_match_rejects_different_things(a: str, b: str) -> None:
    assert not match(a, b)
    assert not match(b, a)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("therapies", "therapy"),
        ("mutations", "mutation"),
        ("processes", "process"),
        ("approaches", "approach"),
        ("diseases", "disease"),
        ("antibodies", "antibody"),
        ("diabetes", "diabetes"),
        ("mellitus", "mellitus"),
        ("fibrosis", "fibrosis"),
        ("dialysis", "dialysis"),
        ("genetics", "genetics"),
        ("orthopedics", "orthopedics"),
        ("clinics", "clinic"),  # ... but these -ics are count nouns
        ("antiemetics", "antiemetic"),
        ("autologous", "autologous"),
        ("stiffness", "stiffness"),
        ("pancreas", "pancreas"),
        ("CF".lower(), "cf"),
        # the project's shared singular: irregular plurals, invariant words and symbols from the link lexicons
        ("viruses", "virus"),
        ("diagnoses", "diagnosis"),
        ("sunglasses", "sunglasses"),
        ("aids", "aid"),
        ("n370s", "n370s"),  # a variant (N370S), not a plural
        ("calories", "calory"),  # both spellings meet
        ("calorie", "calory"),
        ("headaches", "headach"),
    ],
)
def test_singular_is_conservative(word: str, expected: str) -> None:
    assert singular(word) == expected


def test_tokens_drop_what_the_rule_ignores() -> None:
    assert tokens("The Interplay of Maternal Diabetes, and Genetic Predispositions!") == {
        "interplay",
        "maternal",
        "diabetes",
        "genetic",
        "predisposition",
    }


def test_labels_of_only_stop_words_match_only_themselves() -> None:
    assert match("of the", "Of the")
    assert not match("of the", "and")


_label = st.text(alphabet="abcdeSTX -,'()s", max_size=30)


@given(_label, _label)
def test_match_is_symmetric(a: str, b: str) -> None:
    assert match(a, b) == match(b, a)


@given(_label)
def test_match_is_reflexive(a: str) -> None:
    assert match(a, a)


# ----------------------------------------------------------------------------------- one-to-one and negation


def test_greedy_pairs_the_best_match_first() -> None:
    # "caudal regression" comes first and matches the required item too (Jaccard 2/3); the exact pair wins.
    result = score_labels(
        ["caudal regression", "caudal regression syndrome"],
        required=["caudal regression syndrome"],
        acceptable=["caudal regression"],
    )
    assert result.matched == [("caudal regression syndrome", "caudal regression syndrome")]
    assert result.ignored == [("caudal regression", "caudal regression")]
    assert (result.counts.tp, result.counts.fp, result.counts.fn) == (1, 0, 0)


def test_required_items_are_paired_before_acceptable_ones() -> None:
    # The gold lists the bare gene and a narrower wording as acceptable too: an exact acceptable match must not
    # leave the required item it also matches unfound.
    result = score_labels(
        ["TCOF1", "nebulised hypertonic saline"],
        required=["TCOF1 variant", "hypertonic saline"],
        acceptable=["TCOF1", "nebulised hypertonic saline"],
    )
    assert result.matched == [("TCOF1", "TCOF1 variant"), ("nebulised hypertonic saline", "hypertonic saline")]
    assert (result.counts.tp, result.counts.fp, result.counts.fn) == (2, 0, 0)


def test_two_wordings_of_one_graph_node_match_when_the_scorer_knows_the_nodes() -> None:
    # "new mutation" and "de novo mutation" share one word of four, so the word rule alone keeps them apart; the
    # graph makes them one node (kg.link), and so does the scorer of a record, for facts and for negations.
    node = partial(normalise_label, "risk_factor")
    assert score_labels(["de novo mutation"], ["new mutation"], []).missed == ["new mutation"]
    found = score_labels(["de novo mutation"], ["new mutation"], [], node=node)
    assert found.matched == [("de novo mutation", "new mutation")]
    denied = score_labels(["de novo mutation"], [], [], ["new mutation"], node=node)
    assert denied.negation == [("de novo mutation", "new mutation")]
    apart = score_labels(["de novo mutation"], ["maternal diabetes"], [], node=node)
    assert (apart.counts.tp, apart.counts.fp, apart.counts.fn) == (0, 1, 1)


_LABELS = st.sampled_from(["TCOF1", "TCOF1 variant", "gene variant", "hypertonic saline", "saline", "surgery"])


@settings(max_examples=300, deadline=None)  # the first example loads the singular's lexicons
@given(st.lists(_LABELS, max_size=5), st.lists(_LABELS, max_size=4), st.lists(_LABELS, max_size=4), _LABELS)
@example(["TCOF1"], ["TCOF1 variant"], [], "TCOF1")  # best-similarity-first gave the prediction to the extra
def test_an_acceptable_item_never_costs_a_required_match(
    predicted: list[str], required: list[str], acceptable: list[str], extra: str
) -> None:
    before = score_labels(predicted, required, acceptable).counts
    after = score_labels(predicted, required, [*acceptable, extra]).counts
    assert (after.tp, after.fn) == (before.tp, before.fn)
    assert after.fp <= before.fp


def test_matching_is_one_to_one() -> None:
    dup = score_labels(["fetal surgery", "Fetal surgeries"], required=["fetal surgery"], acceptable=[])
    assert (dup.counts.tp, dup.counts.fp) == (1, 1)  # a repeated prediction cannot score twice
    one = score_labels(["fetal surgery"], required=["fetal surgery", "fetal surgery program"], acceptable=[])
    assert one.missed == ["fetal surgery program"]  # nor can one prediction satisfy two required items


def test_acceptable_items_are_neither_right_nor_wrong() -> None:
    result = score_labels(["orthopedics", "astrology"], required=["pediatric urology"], acceptable=["orthopedics"])
    assert result.ignored == [("orthopedics", "orthopedics")]
    assert result.spurious == ["astrology"]
    assert result.missed == ["pediatric urology"]


def test_negation_error_is_a_false_positive_too() -> None:
    result = score_labels(
        ["gene therapy", "fetal surgery"],
        required=["fetal surgery"],
        acceptable=[],
        must_not=["biologic cure", "gene therapy"],
    )
    assert result.negation == [("gene therapy", "gene therapy")]
    assert result.spurious == ["gene therapy"]
    assert (result.counts.tp, result.counts.fp, result.counts.fn) == (1, 1, 0)


def test_a_prediction_matching_gold_is_not_a_negation_error() -> None:
    # Like alkaptonuria: "vitamin C" must not be extracted, but a listed acceptable item wins.
    result = score_labels(
        ["high-dose vitamin C supplement"],
        required=[],
        acceptable=["high-dose vitamin C supplement"],
        must_not=["vitamin C"],
    )
    assert result.negation == [] and result.spurious == []
    # A repeat of it is spurious (one-to-one), but it is still not a negation error.
    again = score_labels(
        ["high-dose vitamin C", "high dose vitamin C"],
        required=[],
        acceptable=["high-dose vitamin C"],
        must_not=["vitamin C"],
    )
    assert again.spurious == ["high dose vitamin C"] and again.negation == []


# ------------------------------------------------------------------------------------------------ prevalence


def test_prevalence_bounds_within_one_percent() -> None:
    gold = fig(2e-5, 4e-5, "live births")
    assert figure_matches(fig(2.019e-5, 3.97e-5, "live births"), gold)
    assert not figure_matches(fig(2.03e-5, 4e-5, "live births"), gold)  # low 1.5% off
    assert not figure_matches(fig(2e-5, None, "live births"), gold)
    assert figure_matches(fig(2e-5, None), fig(2e-5, None))  # "more than": no upper bound on either side
    assert figure_matches(fig(0.0, 1e-6), fig(0, 1e-6))  # "fewer than": 0 matches 0 ...
    assert not figure_matches(fig(1e-12, 1e-6), fig(0, 1e-6))  # ... and nothing else


def test_prevalence_counts_need_the_number_and_the_area() -> None:
    gold = fig(count=5000, area="United States", population="people")
    assert figure_matches(fig(count=5000, area="the United States"), gold)
    assert not figure_matches(fig(count=5001, area="United States"), gold)
    assert not figure_matches(fig(count=5000, area="Canada"), gold)
    assert not figure_matches(fig(5e-3, 5e-3, "people"), gold)


def test_population_normalisation() -> None:
    gold = fig(2e-5, 4e-5, "live births")
    assert population_matches(fig(2e-5, 4e-5, "births"), gold)
    assert not population_matches(fig(2e-5, 4e-5, "people"), gold)
    assert not population_matches(fig(2e-5, 4e-5, None), gold)  # a fraction of nothing is not normalised
    count = fig(count=800, area="Portugal", population="people")
    assert population_matches(fig(count=800, area="Portugal"), count)  # counts: the area carries the meaning


def test_prevalence_pairs_figures_one_to_one_preferring_the_right_population() -> None:
    gold = [fig(1e-4, 1e-4, "males"), fig(1e-4, 1e-4, "females")]
    result = score_prevalence([fig(1e-4, 1e-4, "females"), fig(1e-4, 1e-4, "males"), fig(1e-4, 1e-4)], gold)
    assert (result.counts.tp, result.counts.fp, result.counts.fn) == (2, 1, 0)
    assert result.normalised == 2


# -------------------------------------------------------------------------------------- documents and corpus


def test_a_faithful_record_scores_perfectly_against_the_seed() -> None:
    doc = score(json.loads((GOLD / "sacral-agenesis.json").read_text()), sacral())
    for kind in ("synonyms", "risk_factors", "treatment_areas"):
        counts = doc.types[kind].counts
        assert (counts.precision, counts.recall, counts.f1) == (1.0, 1.0, 1.0), kind
    assert doc.prevalence.counts.f1 == 1.0 and doc.prevalence.normalised == 1
    assert doc.condition_ok and doc.date_ok and doc.count_ok
    assert not doc.short


def test_a_flawed_record_says_exactly_what_is_wrong() -> None:
    record = sacral(
        condition=Condition("Sacral dysgenesis syndrome type two"),
        treatment_areas=mentions("multidisciplinary supportive care", "pediatric urology", "gene therapy", "yoga"),
        prevalence=(fig(2e-5, 4e-5, "people"), fig(count=3, area="Mars")),
        last_updated="2026-04-08",
        community_count=None,
    )
    doc = score(load_gold(GOLD / "sacral-agenesis.json"), record)
    treat = doc.types["treatment_areas"]
    assert treat.missed == ["fetal surgery", "surgical management"]
    assert treat.spurious == ["gene therapy", "yoga"]
    assert treat.negation == [("gene therapy", "gene therapy")]
    assert doc.prevalence.counts.tp == 1 and doc.prevalence.normalised == 0
    assert doc.prevalence.spurious == ["count 3 in Mars"]
    assert not doc.condition_ok and not doc.date_ok and not doc.count_ok
    assert doc.short


def test_evaluate_pairs_by_stem_and_reports_what_could_not_be_paired(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    shutil.copytree(GOLD, gold)
    (gold / "unwritten.json").write_text(json.dumps({"condition": "Unwritten disease"}))
    records = [sacral("x/sacral-agenesis.txt"), sacral("y/sacral-agenesis.txt"), orchid("-"), orchid()]
    report = evaluate(gold, records)
    assert [d.name for d in report.docs] == ["orchid-fever", "sacral-agenesis"]
    assert report.docs[1].source == "x/sacral-agenesis.txt"
    assert report.gold_without_summary == [str(gold / "unwritten.json")]
    assert [s for s, _ in report.summaries_without_gold] == ["y/sacral-agenesis.txt", "-"]
    assert report.failures(0.9) == ["1 gold file without a summary"]


def test_scores_are_micro_averaged_over_documents() -> None:
    # orchid: 3 required treatments, all found; sacral: 1 of 4 found -> recall 4/7 (macro would be 0.625)
    spoilt = sacral(treatment_areas=mentions("fetal surgery"))
    report = evaluate(GOLD, [orchid(), spoilt])
    counts = report.counts("treatment_areas")
    assert (counts.tp, counts.fp, counts.fn) == (4, 0, 3)
    assert counts.recall == pytest.approx(4 / 7)
    assert report.exact("last_updated") == (2, 2)
    assert [d.name for d in report.short] == ["sacral-agenesis"]
    assert report.failures(0.9) == [f"treatment_areas F1 {counts.f1:.3f} < 0.9"]
    assert report.failures(0.7) == []


def test_gold_errors_name_the_file_and_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"condition": "X",\n "synonyms": [}')
    with pytest.raises(GoldError, match=r"bad\.json: not valid JSON \(line 2"):
        load_gold(bad)
    bad.write_text(json.dumps({"synonyms": {"required": ["x"]}}))
    with pytest.raises(GoldError, match="`condition` must be"):
        load_gold(bad)
    bad.write_text(json.dumps({"condition": "X", "prevalence": [{"text": "rare", "low": "1 in 5"}]}))
    with pytest.raises(GoldError, match="prevalence `low` must be a number"):
        load_gold(bad)
    with pytest.raises(GoldError, match="not a folder"):
        evaluate(tmp_path / "missing", [])


# ----------------------------------------------------------------------------------------------- the command


def test_default_paths(tmp_path: Path) -> None:
    (tmp_path / "corpus" / "gold").mkdir(parents=True)
    (tmp_path / "corpus" / "summaries").mkdir()
    assert default_paths(tmp_path / "corpus" / "gold") == [str(tmp_path / "corpus" / "summaries")]
    (tmp_path / "descriptions" / "gold").mkdir(parents=True)
    (tmp_path / "descriptions" / "a.txt").write_text("A text.")
    assert default_paths(tmp_path / "descriptions" / "gold") == [str(tmp_path / "descriptions")]
    (tmp_path / "lonely" / "gold").mkdir(parents=True)
    with pytest.raises(KgError, match="pass the summary files"):
        default_paths(tmp_path / "lonely" / "gold")


@pytest.fixture
def builders(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[str], Record]]:
    """Stands in for the extractor: real documents in, hand-built records out (a test may swap a builder)."""
    built: dict[str, Callable[[str], Record]] = {"sacral-agenesis": sacral, "orchid-fever": orchid}

    def extract_documents(docs: Iterable[Document]) -> Iterator[Record]:
        for doc in docs:
            assert isinstance(doc, Document)
            yield built[Path(doc.source).stem](doc.source)

    monkeypatch.setattr(kg.extract, "extract_documents", extract_documents, raising=False)
    return built


@pytest.fixture
def corpus(tmp_path: Path, builders: dict) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "corpus")
    return tmp_path / "corpus"


def test_command_prints_the_table_and_passes_the_bar(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(corpus / "gold"), "--min-f1", "0.9"]) == 0
    out, err = capsys.readouterr()
    assert "2 document(s) scored" in out
    assert "treatment_areas   1.000  1.000  1.000     7     0     0    0" in out
    assert "fell short" not in out and err == ""


def test_command_lists_the_misses_and_fails_the_bar(
    corpus: Path, builders: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    (corpus / "summaries" / "orchid-fever.txt").unlink()  # its gold is left without a summary
    (corpus / "summaries" / "empty.txt").write_text("")
    builders["sacral-agenesis"] = lambda source: sacral(
        source, treatment_areas=mentions("fetal surgery", "gene therapy"), community_count=11
    )
    status = main(["evaluate", str(corpus / "gold"), str(corpus / "summaries"), "--min-f1", "0.9"])
    out, err = capsys.readouterr()
    assert status == 1
    assert "empty.txt: empty file" in err
    assert "negation error" in err and "gold file without a summary" in err
    assert "Documents that fell short (1):" in out
    assert "missed:   'multidisciplinary supportive care', 'pediatric urology', 'surgical management'" in out
    assert "NEGATION: 'gene therapy' matches must_not_extract 'gene therapy'" in out
    assert "community_count  expected 12, got 11" in out
    assert "orchid-fever.json" in out


def test_command_json(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(corpus / "gold"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["documents"] == 2
    assert report["types"]["synonyms"]["f1"] == 1.0
    assert report["prevalence"]["normalisation_accuracy"] == 1.0
    assert report["negation_errors"] == 0 and report["short"] == []


def test_command_rejects_a_bad_threshold(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(corpus / "gold"), "--min-f1", "90"]) == 64
    assert "outside 0..1" in capsys.readouterr().err


def test_command_fails_when_no_summary_matches_a_gold_file(
    corpus: Path, builders: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "moon-fever.txt").write_text((corpus / "summaries" / "sacral-agenesis.txt").read_text())
    builders["moon-fever"] = lambda source: sacral(source, id="moon-fever", condition=Condition("Moon fever"))
    assert main(["evaluate", str(corpus / "gold"), str(other)]) == 2
    err = capsys.readouterr().err
    assert "no summary matched a gold file" in err and len(err.strip().splitlines()) == 1
