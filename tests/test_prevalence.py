"""Prevalence figures: every form the issue lists, normalised to a fraction range of a population."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract.prevalence import find_figures, number, orphanet_class


def one(sentence: str):
    figures = find_figures(sentence)
    assert len(figures) == 1, figures
    return figures[0]


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-12)


@pytest.mark.parametrize(
    ("sentence", "low", "high", "population"),
    [
        ("It occurs in approximately 1 in 25,000 to 1 in 50,000 live births.", 2e-5, 4e-5, "live births"),
        ("The disorder affects about 1 in 100,000 people.", 1e-5, 1e-5, "people"),
        ("Its prevalence is estimated at 1-9 per 100,000.", 1e-5, 9e-5, None),
        ("It is seen in fewer than 1 per 1,000,000 people.", 0.0, 1e-6, "people"),
        ("It affects between 1 in 5,000 and 1 in 10,000 males.", 1e-4, 2e-4, "males"),
        ("The estimated prevalence is 0.5 per 100,000.", 5e-6, 5e-6, None),
        ("It is diagnosed in roughly 1 in 30,000 newborns.", 1 / 30_000, 1 / 30_000, "newborns"),
        ("There are 2 to 3 cases per million people each year.", 2e-6, 3e-6, "people"),
        ("The condition affects around 0.3% of the population.", 0.003, 0.003, "people"),
        ("It is found in 1 in 10,000 to 20,000 births.", 5e-5, 1e-4, "births"),
        # carriers named earlier in the sentence do not make the figure theirs
        ("Parents are carriers, and the condition affects about 1 in 10,000 births.", 1e-4, 1e-4, "births"),
        ("It affects more than 1 in 2,000 people.", 5e-4, None, "people"),
        ("The disease affects one in 40,000 people.", 2.5e-5, 2.5e-5, "people"),
        ("In the United States it is now seen in about 4 to 5 per 10,000 births.", 4e-4, 5e-4, "births"),
        ("Its prevalence is around one to nine people in every million.", 1e-6, 9e-6, "people"),
        ("The disease affects 3 to 4% of African Americans.", 0.03, 0.04, "african americans"),
    ],
)
def test_frequency_forms(sentence: str, low: float, high: float | None, population: str | None) -> None:
    fig = one(sentence)
    assert close(fig.low, low) and close(fig.high, high), fig
    assert fig.population == population
    assert sentence[fig.start : fig.end] == fig.text


def test_absolute_count_with_area() -> None:
    fig = one("Approximately 5,000 people in the United States have the condition.")
    assert (fig.count, fig.area, fig.low, fig.high, fig.population) == (5000, "United States", None, None, "people")


def test_worldwide_count_keeps_its_area() -> None:
    fig = one("Only a few hundred cases are known, and more than 800 people worldwide have the diagnosis.")
    assert (fig.count, fig.area) == (800, "worldwide")
    assert fig.text == "more than 800 people worldwide"


def test_yearly_rates_are_marked_as_incidence() -> None:
    assert one("About 2 to 3 cases per million people are diagnosed each year.").incidence
    assert not one("It affects about 1 in 100,000 people.").incidence


@pytest.mark.parametrize(
    "sentence",
    [
        "Roughly 10 to 15 percent of people with MG have a thymoma.",
        "In roughly 85 to 90 percent of people, the condition stems from a dominant variant.",
        "Each child has a 1 in 4 chance of being affected.",
        "About 70 percent of cases result from a deletion.",
        "At DiseaseMaps.org, 12 people with the condition have already connected.",
        "Survival at 5 years is about 60%.",
        # the figure of the condition it is compared with
        "It seems to be rarer than Marfan syndrome, which affects around 1 in 5,000 people.",
        "Unlike Tay-Sachs disease, which is seen in about 1 in 3,600 births among some groups, it has no screening.",
    ],
)
def test_shares_risks_and_community_counts_are_not_prevalence(sentence: str) -> None:
    assert find_figures(sentence) == []


def test_duplicate_figures_in_a_sentence_do_not_overlap() -> None:
    figures = find_figures("It affects 1 in 25,000 to 1 in 50,000 live births, or 2 to 4 per 100,000 births.")
    assert [f.text for f in figures] == ["1 in 25,000 to 1 in 50,000 live births", "2 to 4 per 100,000 births"]


def test_number_words_and_scales() -> None:
    assert number("25,000") == 25_000
    assert number("one") == 1
    assert number("1.5 million") == 1_500_000
    assert number("many") is None
    for not_a_figure in ("nan", "inf", "-inf", "1e400", "infinity", ""):
        assert number(not_a_figure) is None, not_a_figure


@pytest.mark.parametrize("unit", ["1 in 25,000 ", "1 per 100,000 ", "0.5% ", "5,000 people in the United States "])
def test_a_long_run_of_figures_is_read_in_linear_time(unit: str, linear_growth: Callable[..., float]) -> None:
    def search(size: int) -> Callable[[], object]:
        sentence = unit * (size // len(unit))
        return lambda: find_figures(sentence)

    linear_growth(search, 5_000, 80_000, what=f"find_figures on a run of {unit!r}")


def test_orphanet_class() -> None:
    assert orphanet_class(2e-5, 4e-5) == "1-9 / 100 000"
    assert orphanet_class(None, None) is None
    assert orphanet_class(0.0, 1e-6) == "<1 / 1 000 000"


_FIGURE_WORDS = st.sampled_from(
    [
        "1",
        "in",
        "per",
        "to",
        "-",
        "and",
        "between",
        "fewer",
        "than",
        "more",
        "about",
        "25,000",
        "100,000",
        "0.5",
        "%",
        "percent",
        "of",
        "people",
        "live",
        "births",
        "million",
        "one",
        "a",
        "cases",
        "each",
        "year",
        "9",
        "1,000,000",
        "affects",
        "prevalence",
        "0",
        "00",
        "approximately",
        "worldwide",
        "in the United States",
        "males",
        ",",
        ".",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_FIGURE_WORDS, max_size=14).map(" ".join))
def test_figure_like_text_never_breaks_the_bounds(text: str) -> None:
    for fig in find_figures(text):
        if fig.count is None:
            assert fig.low is not None
            assert 0.0 <= fig.low <= 1.0
            if fig.high is not None:
                assert fig.low <= fig.high <= 1.0
        assert text[fig.start : fig.end] == fig.text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_any_text(text: str) -> None:
    for fig in find_figures(text):
        for value in (fig.low, fig.high):
            assert value is None or 0.0 <= value <= 1.0
        if fig.low is not None and fig.high is not None:
            assert fig.low <= fig.high


# ----------------------------------------------------------------------- figures written by other people


@pytest.mark.parametrize(
    ("sentence", "low", "high"),
    [
        ("It develops in roughly four to eleven of every hundred thousand measles cases.", 4e-5, 1.1e-4),
        ("A study of cases found a much higher risk, about one in six hundred, among children.", 1 / 600, 1 / 600),
        ("It is seen in about eighteen per million people.", 1.8e-5, 1.8e-5),
    ],
)
def test_numbers_written_as_words(sentence: str, low: float, high: float) -> None:
    fig = one(sentence)
    assert close(fig.low, low) and close(fig.high, high), fig


def test_a_population_after_a_comma_is_still_the_figures() -> None:
    fig = one("A study of cases found a higher risk, about one in six hundred, among children who caught measles.")
    assert fig.population == "children" and fig.text == "one in six hundred"


@pytest.mark.parametrize(
    ("sentence", "count", "area"),
    [
        ("In the United States, about 800 children are diagnosed with the disease each year.", 800, "United States"),
        (
            "It affects 1 in 4,000 live births; in the United States that means about 1,000 babies each year.",
            1000,
            "United States",
        ),
    ],
)
def test_yearly_counts_with_a_place(sentence: str, count: int, area: str) -> None:
    counts = [f for f in find_figures(sentence) if f.count is not None]
    assert [(f.count, f.area) for f in counts] == [(count, area)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Only about 1 to 2 in every 100 children with the disease have a family history of it.",  # share of patients
        "Two doses of the vaccine protect about ninety-seven in every hundred people.",  # an efficacy
        "Each child of a carrier has a 1 in 4 chance of being affected.",  # a recurrence risk
        "About 85 to 90 in every 100 affected children have the infantile form.",  # a share of the patients
        # carrier frequencies: how many carry a change, not how many have the condition
        "Cysteine-altering NOTCH3 variants turn up in about 1 in 300 people, most of whom stay well.",
        "Another variant, Val122Ile, is carried by roughly 3 to 4% of African Americans.",
        "About 1 in 25 people carry a CFTR variant.",
        "Roughly 20% of probands carry a de novo variant and have no affected relative.",  # a share of the patients
        # how common carriers are
        "Carriers are far more common: around 1 in 181 people in the US, and about 1 in 89 among Ashkenazi families.",
        "The carrier frequency is about 1 in 30 in this group.",
    ],
)
def test_figures_that_are_not_prevalence(sentence: str) -> None:
    assert find_figures(sentence) == []
