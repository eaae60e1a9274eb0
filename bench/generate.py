"""Write N synthetic summaries in the scraped format, for benchmarks (`python bench/generate.py 10000 OUT`).

Each summary describes an invented condition with a unique name (so record ids never collide) and is built from our
own templates and the extraction lexicons in `data/lexicons/` (risk factors, treatment areas, drugs), with the mess
of the scraped pages: a review-date header, a question heading glued to a paragraph, a duplicated paragraph, a list
intro that lost its list, a community count and a disclaimer; varied phrasing, prevalence forms and negations.

Document `i` depends only on the seed, `i` and the lexicon entries it draws (from a random stream of their own), so
the 1k corpus is the first 1k files of the 10k one and every run writes the same bytes; the manifest records a
fingerprint of the lexicons, and `ensure` regenerates a corpus when they changed. Files go into sub-folders of
1,000 (`00000/`, `00001/`, ...) to keep folders small.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEXICONS = ROOT / "data" / "lexicons"
PER_FOLDER = 1000
DEFAULT_SEED = 20261124

# ------------------------------------------------------------------------------------------------ vocabularies

# Syllables for invented eponyms: consonant-vowel(-consonant) pieces, so names read like surnames.
_ONSETS = [
    "b",
    "d",
    "f",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "w",
    "z",
    "br",
    "dr",
    "gr",
    "kr",
    "st",
    "th",
    "sh",
    "ch",
]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ou"]
_CODAS = ["", "", "", "n", "r", "l", "s", "m"]
_DISEASE_WORDS = [
    "syndrome",
    "syndrome",
    "disease",
    "disease",
    "disorder",
    "dysplasia",
    "dystrophy",
    "myopathy",
    "neuropathy",
    "atrophy",
    "deficiency",
    "anomaly",
    "encephalopathy",
]
_ORGANS = [
    "liver",
    "kidneys",
    "retina",
    "inner ear",
    "peripheral nerves",
    "skeletal muscle",
    "heart",
    "skin",
    "bone marrow",
    "cerebellum",
    "spinal cord",
    "lungs",
    "pancreas",
    "connective tissue",
    "small intestine",
]
_PROCESSES = [
    "a toxic metabolite builds up",
    "the tissue slowly scars",
    "cells fail to mature",
    "a structural protein is made in a faulty form",
    "the blood supply is interrupted during development",
    "an enzyme works at a fraction of its normal rate",
    "nerve fibres lose their insulating sheath",
    "abnormal deposits crowd out healthy cells",
]
_SIGNS = [
    "poor feeding",
    "low muscle tone",
    "recurrent infections",
    "delayed walking",
    "chronic fatigue",
    "joint stiffness",
    "hearing loss",
    "seizures",
    "short stature",
    "easy bruising",
    "breathlessness",
    "abdominal pain",
    "blurred vision",
    "learning difficulties",
]
_ONSET = [
    "in early infancy",
    "in the first years of life",
    "in late childhood",
    "in adolescence",
    "in young adults",
    "in middle age",
    "at any age",
]
_KINDS = [
    "metabolic",
    "neuromuscular",
    "developmental",
    "inherited",
    "inflammatory",
    "connective-tissue",
    "lysosomal storage",
    "skeletal",
    "vascular",
    "immune",
]
_AREAS = ["the United States", "Europe", "Japan", "Canada", "Australia", "the United Kingdom"]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_NEGATED_CAUSES = ["vaccines", "mobile phones", "food additives", "household cleaning products", "sports injuries"]
_NEGATED_TREATMENTS = ["antibiotics", "steroids", "vitamin megadoses", "herbal remedies", "detox diets"]
_DISCLAIMERS = [
    "Medical disclaimer: This summary is for general information only and does not replace advice from your own "
    "doctor; decisions about tests and treatment belong with a qualified health professional.",
    "Disclaimer: Everything above is general background, not individual medical guidance; please talk to a "
    "healthcare provider about any symptoms.",
    "This page is for informational purposes only and is not a substitute for professional medical advice, "
    "diagnosis or treatment.",
]
_LIST_INTROS = [
    "Key management options include:",
    "Specialists typically focus on:",
    "Recent breakthroughs emphasize:",
    "Care usually involves:",
]


def _read_terms(name: str) -> list[str]:
    """Column one of a lexicon file (comments and blank lines skipped), in file order."""
    out = []
    for line in (LEXICONS / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            out.append(line.split("\t")[0].strip())
    return out


class Lexicons:
    """The lexicon entries the templates draw on, read once."""

    FILES = ("risk-terms.tsv", "treatment-terms.tsv", "drugs.txt")

    def __init__(self) -> None:
        risk = [t for t in _read_terms("risk-terms.tsv") if "inheritance" not in t and "mutation" not in t]
        self.risk_factors = risk
        self.treatments = _read_terms("treatment-terms.tsv")
        self.drugs = _read_terms("drugs.txt")
        digest = hashlib.sha1()
        for name in self.FILES:
            digest.update((LEXICONS / name).read_bytes())
        self.fingerprint = digest.hexdigest()[:12]  # the corpus changes when these files do


# ------------------------------------------------------------------------------------------------------- names


def _syllable(n: int) -> str:
    onset = _ONSETS[n % len(_ONSETS)]
    n //= len(_ONSETS)
    vowel = _VOWELS[n % len(_VOWELS)]
    n //= len(_VOWELS)
    return onset + vowel + _CODAS[n % len(_CODAS)]


_SYLLABLES = sorted({_syllable(n) for n in range(len(_ONSETS) * len(_VOWELS) * len(_CODAS))})


def condition_name(i: int, seed: int = DEFAULT_SEED) -> str:
    """The unique name of condition `i`: an invented eponym (three syllables picked by the digits of a
    permutation of `i`, so distinct `i` give distinct eponyms) and a disease word."""
    k = len(_SYLLABLES)
    space = k**3
    # An affine permutation of [0, space): `a` is odd and not a multiple of 3 or 5, so coprime with `space`
    # whatever the syllable count's factors of 2, 3 and 5, and consecutive documents get unrelated names.
    a = 2_654_435_761 % space
    while a % 2 == 0 or a % 3 == 0 or a % 5 == 0:
        a += 1
    n = (a * i + seed) % space
    parts = [_SYLLABLES[n % k], _SYLLABLES[(n // k) % k], _SYLLABLES[n // (k * k)]]
    eponym = "".join(parts).capitalize()
    rnd = random.Random(f"{seed}:name:{i}")
    word = rnd.choice(_DISEASE_WORDS)
    return f"{eponym} {word}"


def slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def _gene(rnd: random.Random) -> str:
    letters = "".join(rnd.choice("ABCDEFGHKLMNPRSTVW") for _ in range(rnd.choice((3, 4))))
    return f"{letters}{rnd.randint(1, 19)}"


def _abbrev(name: str) -> str:
    return "".join(w[0] for w in name.replace("-", " ").split()).upper() + "S"


# ------------------------------------------------------------------------------------------------- prevalence


def _num(n: int) -> str:
    return f"{n:,}"


def _prevalence_sentence(rnd: random.Random, name: str) -> str:
    a = rnd.choice((2_000, 5_000, 10_000, 20_000, 25_000, 40_000, 50_000, 100_000, 250_000))
    form = rnd.randrange(8)
    if form == 0:
        return f"Surveys suggest that roughly 1 in {_num(a)} people is affected."
    if form == 1:
        return (
            f"Registries count between 1 in {_num(a)} and 1 in {_num(a * 2)} live births, with boys and girls "
            f"affected about equally."
        )
    if form == 2:
        return f"Rare-disease catalogues place {name} in the 1-9 per 100,000 people band."
    if form == 3:
        return "It is thought to affect fewer than 1 per 1,000,000 people worldwide."
    if form == 4:
        count = rnd.choice((300, 800, 1_500, 5_000, 12_000))
        return f"Approximately {_num(count)} people in {rnd.choice(_AREAS)} are living with the condition."
    if form == 5:
        return f"The estimated prevalence is {rnd.choice(('0.5', '1.2', '3'))} per 100,000 inhabitants."
    if form == 6:
        return f"About {rnd.choice(('0.01', '0.02', '0.05'))}% of the population carries a diagnosis."
    return f"More than 1 in {_num(a)} newborns is affected in some isolated communities."


# ------------------------------------------------------------------------------------------------- paragraphs


def _definition(rnd: random.Random, name: str) -> list[str]:
    kind = rnd.choice(_KINDS)
    organ = rnd.choice(_ORGANS)
    process = rnd.choice(_PROCESSES)
    s1 = rnd.choice(
        (
            f"{name} is a rare {kind} disorder in which {process} in the {organ}.",
            f"{name} ({_abbrev(name)}) is a rare {kind} condition affecting the {organ}, where {process}.",
            f"{name}, also known as {rnd.choice(_SYLLABLES).capitalize()}-{rnd.choice(_SYLLABLES)} {kind} disease, is "
            f"an uncommon disorder in which {process} in the {organ}.",
            f"{name}, sometimes called {kind} {organ.split()[-1]} syndrome, is a rare disorder in which {process}.",
        )
    )
    signs = rnd.sample(_SIGNS, 3)
    s2 = (
        f"Symptoms usually begin {rnd.choice(_ONSET)} and include {signs[0]}, {signs[1]} and {signs[2]}, "
        f"although their severity differs widely even within one family."
    )
    s3 = rnd.choice(
        (
            "Many people are diagnosed only after years of visits to different clinics.",
            "Because the early signs are common in childhood, the diagnosis is often delayed.",
            "Doctors confirm it with a combination of clinical examination, imaging and genetic testing.",
        )
    )
    s4 = rnd.choice(
        (
            f"Without treatment the condition tends to progress slowly, and problems in the {rnd.choice(_ORGANS)} "
            f"can appear later in life.",
            "The outlook varies: some people live independently into old age, while others need daily help.",
            f"Life expectancy is close to normal for many, although complications in the {rnd.choice(_ORGANS)} "
            f"can shorten it.",
        )
    )
    return [s1, s2, s3, s4]


def _causes(rnd: random.Random, name: str, lex: Lexicons, pick: random.Random) -> list[str]:
    gene = _gene(rnd)
    pattern = rnd.choice(("autosomal recessive", "autosomal dominant", "X-linked recessive"))
    out = [
        rnd.choice(
            (
                f"The condition follows an {pattern} pattern of inheritance and is caused by pathogenic "
                f"variants in the {gene} gene.",
                f"Most cases are caused by mutations in the {gene} gene, passed on in an {pattern} manner.",
                f"Changes in {gene} are responsible for most cases, and the disorder is inherited in an {pattern} way.",
            )
        )
    ]
    out.append(
        rnd.choice(
            (
                f"The {gene} protein normally helps cells of the {rnd.choice(_ORGANS)} handle waste, and "
                f"without enough of it {rnd.choice(_PROCESSES)}.",
                "Because the gene is needed for normal development, a faulty copy means that "
                f"{rnd.choice(_PROCESSES)}.",
                f"Genetic testing finds a change in {gene} in about {rnd.choice(('70', '80', '90'))} percent of people "
                f"with typical features.",
            )
        )
    )
    factors = pick.sample(lex.risk_factors, 2)
    out.append(
        rnd.choice(
            (
                f"Risk factors include {factors[0]} and {factors[1]}.",
                f"Studies have linked {factors[0]} to a higher risk, and {factors[1]} may also play a role.",
                f"Beyond genetics, {factors[0]} raises the risk of the condition.",
            )
        )
    )
    neg = rnd.choice(_NEGATED_CAUSES)
    out.append(
        rnd.choice(
            (
                f"{neg.capitalize()} do not cause {name}, despite what some websites claim.",
                f"{neg.capitalize()} have been studied and are not linked to the condition.",
                f"There is no evidence that {neg} play any part.",
                "It is not caused by anything the parents did before or during the pregnancy.",
            )
        )
    )
    return out


def _treatment(rnd: random.Random, name: str, lex: Lexicons, pick: random.Random) -> list[str]:
    areas = pick.sample(lex.treatments, 3)
    drugs = pick.sample(lex.drugs, 2)
    out = [
        rnd.choice(
            (
                f"There is no cure, so care focuses on {areas[0]} and {areas[1]}.",
                f"Treatment is supportive and usually combines {areas[0]}, {areas[1]} and {areas[2]}.",
                f"Management relies on {areas[0]}, with {areas[1]} for complications.",
            )
        ),
        rnd.choice(
            (
                f"Some patients take {drugs[0]} to ease symptoms, and {drugs[1]} is used during flare-ups.",
                f"Doctors may prescribe {drugs[0]}, while {drugs[1]} helps a smaller group.",
            )
        ),
        rnd.choice(
            (
                f"Follow-up is usually shared between {areas[2]} and a specialist clinic, with checks every six to "
                f"twelve months.",
                f"Regular reviews by {areas[2]} help to catch complications early.",
                "Physiotherapy and occupational therapy help many people keep their independence.",
            )
        ),
        f"{rnd.choice(_NEGATED_TREATMENTS).capitalize()} are not effective and should be avoided.",
        rnd.choice(
            (
                "Several gene therapy programmes have reached early clinical trials, but none has been approved.",
                "Researchers are testing new drugs in small trials, and results are not yet available.",
                "An experimental enzyme therapy is being studied in laboratory models.",
            )
        ),
    ]
    return out


def _header(rnd: random.Random) -> str | None:
    y, m, d = rnd.choice((2025, 2026)), rnd.randint(1, 12), rnd.randint(1, 28)
    form = rnd.randrange(4)
    if form == 0:
        return None
    if form == 1:
        date = f"{y}-{m:02d}-{d:02d}"
    elif form == 2:
        date = f"{d} {_MONTHS[m - 1]} {y}"
    else:
        date = f"{_MONTHS[m - 1]} {d}, {y}"
    return f"Short answer · Medically reviewed summary · Last updated: {date}"


def summary(i: int, seed: int = DEFAULT_SEED, lex: Lexicons | None = None) -> tuple[str, str]:
    """(file name, text) of synthetic summary `i`."""
    lex = lex or Lexicons()
    name = condition_name(i, seed)
    rnd = random.Random(f"{seed}:{i}")
    # lexicon entries are drawn from a stream of their own: editing a lexicon changes the terms drawn, not the rest
    pick = random.Random(f"{seed}:{i}:lexicons")
    definition = _definition(rnd, name)
    causes = _causes(rnd, name, lex, pick)
    prevalence = [_prevalence_sentence(rnd, name) for _ in range(rnd.choice((1, 1, 2)))]
    prevalence.append(
        rnd.choice(
            (
                "The condition is found in all ethnic groups, and men and women are affected about equally often.",
                "Because mild forms are easily missed, the true number of affected people may be higher.",
                "Figures differ between countries, partly because newborn screening is not offered everywhere.",
            )
        )
    )
    treatment = _treatment(rnd, name, lex, pick)
    heading = rnd.choice((f"What causes {name.lower()}?", f"How common is {name}?", f"How is {name} treated today?"))
    lines: list[str] = []
    header = _header(rnd)
    if header:
        lines.append(header)
    daily = [
        rnd.choice(
            (
                f"Living with {name} often means planning school, work and travel around regular appointments.",
                f"Families affected by {name} describe long journeys to reach the few centres that know it well.",
            )
        ),
        rnd.choice(
            (
                "Patient organisations run helplines, publish plain-language guides and fund small research grants.",
                "Support groups help people find others with the same diagnosis and share practical tips.",
            )
        ),
        rnd.choice(
            (
                "Natural history studies are collecting data that future treatment trials will need.",
                "A European registry now gathers anonymised records to understand how the condition changes over time.",
            )
        ),
    ]
    treatment = treatment + daily[:1]
    sections = [definition, causes + prevalence, treatment]
    body = [" ".join(sentences) for sentences in sections]
    # the scraped mess: a heading glued to the end of a paragraph and followed by the first sentence of the next
    # section; that paragraph then appears again on its own line
    d = rnd.randrange(2)
    lines.extend(body[:d])
    lines.append(f"{body[d]} {heading} {sections[d + 1][0]}")
    lines.extend(body[d:])
    lines[-1] = f"{lines[-1]} {rnd.choice(_LIST_INTROS)}"
    lines.append(" ".join(daily[1:]))
    lines.append(
        f"At DiseaseMaps.org, {rnd.randint(2, 400)} people with {name} have already connected to share "
        f"advice on daily life and finding experienced specialists."
    )
    lines.append(rnd.choice(_DISCLAIMERS))
    return f"{slug(name)}.txt", "\n".join(lines) + "\n"


def iter_summaries(n: int, seed: int = DEFAULT_SEED) -> Iterator[tuple[str, str, str]]:
    """(sub-folder, file name, text) for documents 0..n-1."""
    lex = Lexicons()
    for i in range(n):
        name, text = summary(i, seed, lex)
        yield f"{i // PER_FOLDER:05d}", name, text


def generate(n: int, out: Path, seed: int = DEFAULT_SEED) -> dict[str, object]:
    """Write the corpus into `out` (existing files of the same corpus are rewritten; nothing else is touched) and a
    `corpus.json` manifest; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    names: set[str] = set()
    words = chars = 0
    for folder, name, text in iter_summaries(n, seed):
        if name in names:
            raise SystemExit(f"generate: two documents would be named {name}; change the seed")
        names.add(name)
        (out / folder).mkdir(exist_ok=True)
        (out / folder / name).write_text(text, encoding="utf-8")
        words += len(text.split())
        chars += len(text)
    manifest = {
        "documents": n,
        "lexicons": Lexicons().fingerprint,
        "seed": seed,
        "words": words,
        "characters": chars,
        "seconds": round(time.perf_counter() - started, 2),
    }
    tmp = out / "corpus.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out / "corpus.json")
    return manifest


def ensure(n: int, out: Path, seed: int = DEFAULT_SEED) -> dict[str, object]:
    """The corpus of `n` documents in `out`, generated unless its manifest says it is already there."""
    try:
        manifest = json.loads((out / "corpus.json").read_text(encoding="utf-8"))
        same_lexicons = manifest.get("lexicons") == Lexicons().fingerprint
        if manifest.get("documents") == n and manifest.get("seed") == seed and same_lexicons:
            return dict(manifest)
    except (OSError, ValueError):
        pass
    return generate(n, out, seed)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", type=int, help="number of summaries (e.g. 1000, 10000, 100000)")
    p.add_argument("out", type=Path, help="output folder")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)
    if args.n < 1:
        p.error("n must be at least 1")
    manifest = generate(args.n, args.out, args.seed)
    print(json.dumps(manifest), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
