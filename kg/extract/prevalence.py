"""Prevalence figures: find them in a sentence and normalise each to a fraction range of a population.

"1 in 25,000 to 1 in 50,000 live births" -> low 2e-5, high 4e-5, population "live births"; "1-9 per 100,000" ->
1e-5..9e-5; "fewer than 1 per 1,000,000" -> 0..1e-6; "0.5 per 100,000"; "about 0.3%"; and absolute counts
("approximately 5,000 people in the United States" -> count 5000, area "United States"). Pure functions over text,
so they are easy to property-test; `rkg_prevalence` in `kg.extract.components` wraps them for spaCy.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from kg.extract.prefilter import gated

_WORD_NUM = {
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "hundred": 1e2, "hundred thousand": 1e5}

# A number: 25,000 / 25 000 / 25000 / 0.5 / one / a million / 1.5 million
_N = (
    r"(?:\d{1,3}(?:[,\u00a0\u202f\u2009 ]\d{3})+|\d+(?:\.\d+)?|one|a|an|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty"
    r"|seventy|eighty|ninety|hundred)"
    r"(?:\s+(?:hundred\s+thousand|thousand|million|billion|hundred))?"
)
_TO = r"\s*(?:-|–|—|to|and|or)\s*"
_POP_WORDS = (
    r"live[\s-]+births|births|newborns|newborn\s+babies|babies|infants|live-born\s+infants|pregnancies|deliveries|"
    r"people|persons|individuals|inhabitants|residents|adults|children|kids|boys|girls|males|females|men|women|"
    r"patients|population|cases|americans|europeans|deaths"
)
_POP = (
    r"(?P<pop>(?:(?:white|black|caucasian|hispanic|asian|european|african|male|female|young|older|adult|live|"
    r"the\s+general|general|liveborn|live-born|newborn)\s+)?(?:" + _POP_WORDS + r"))\b"
)
_APPROX = (
    r"(?:(?:an\s+)?estimated|approximately|approx\.|about|around|roughly|nearly|almost|some|close\s+to|as\s+many\s+as|"
    r"as\s+few\s+as|up\s+to|just\s+over|just\s+under|at\s+least|at\s+most|an\s+estimated|somewhere\s+between|"
    r"between|from|only|perhaps|possibly|probably)\s+"
)
# Hedges dropped from the front of a figure's text ("about 1 in 100,000" -> "1 in 100,000"); bounds ("fewer than",
# "between", "up to") are part of the figure and stay.
_HEDGE = gated(
    r"(?:(?:an\s+)?estimated|approximately|approx\.|about|around|roughly|nearly|almost|some|close\s+to|perhaps|"
    r"possibly|probably|only|from|ranging\s+from)\s+",
    re.I,
)
_LESS = r"(?P<less>fewer\s+than|less\s+than|under|below|no\s+more\s+than|at\s+most|up\s+to|<)\s*"
_MORE = r"(?P<more>more\s+than|greater\s+than|over|above|at\s+least|in\s+excess\s+of|>)\s*"

# 1 in A (to|and 1 in B) [POP]
_ONE_IN = gated(
    r"(?:" + _LESS + r"|" + _MORE + r"|" + _APPROX + r")?"
    r"(?P<num>" + _N + r")\s+(?:in|out\s+of|of\s+every|in\s+every|per)\s+(?:every\s+)?(?P<a>" + _N + r")"
    r"(?:"
    + _TO
    + r"(?:(?:"
    + _N
    + r")\s+(?:in|out\s+of|of\s+every|in\s+every|per)\s+(?:every\s+)?)?(?P<b>"
    + _N
    + r"))?"
    r"(?:\s+(?:" + _POP + r"))?",
    re.I,
)
# X(-Y) (cases) per A [POP]
_PER = gated(
    r"(?:" + _LESS + r"|" + _MORE + r"|" + _APPROX + r")?"
    r"(?P<x>" + _N + r")(?:" + _TO + r"(?P<y>" + _N + r"))?\s*(?:new\s+)?"
    r"(?:cases?|(?P<npop>people|persons|individuals|births|newborns)|patients|affected\s+(?:people|individuals|persons))?"
    r"\s*(?:/|per|for\s+every|in\s+every|(?:out\s+)?of\s+every|every)\s*"
    r"(?P<a>" + _N + r"|million)(?:\s+(?:" + _POP + r"))?",
    re.I,
)
# X% / X percent (of POP)
_PCT = gated(
    r"(?:" + _LESS + r"|" + _MORE + r"|" + _APPROX + r")?(?P<x>\d+(?:\.\d+)?)(?:" + _TO + r"(?P<y>\d+(?:\.\d+)?))?\s*"
    r"(?:%|percent\b|per\s+cent\b)(?:\s+of\s+(?:the\s+|all\s+)?" + _POP + r")?",
    re.I,
)
# N people in AREA
_COUNT = gated(
    r"(?:"
    + _LESS
    + r"|"
    + _MORE
    + r"|"
    + _APPROX
    + r")?(?P<n>\d{1,3}(?:[,\u00a0 ]\d{3})+|\d{3,}|\d+(?:\.\d+)?\s+(?:thousand|million))"
    r"\s+(?:(?:affected|diagnosed|living|known)\s+)?(?P<pop>people|persons|individuals|patients|children|adults|"
    r"americans|europeans|men|women|boys|girls|babies|families|cases)\b",
    re.I,
)
_AREA = gated(
    r"\b(?:[Ii]n|[Aa]cross|[Tt]hroughout|[Ww]ithin|of)\s+(?:the\s+)?(?P<area>(?:United\s+States|United\s+Kingdom|US|USA|UK|EU|"
    r"European\s+Union|Europe|North\s+America|South\s+America|Latin\s+America|Asia|Africa|Australia|Canada|Japan|"
    r"China|India|England|Scotland|Wales|Ireland|France|Germany|Italy|Spain|the\s+world|worldwide|[A-Z][a-z]+"
    r"(?:\s+[A-Z][a-z]+)?))\b"
)
# Who a share is taken of when it is a share of patients: "of cases", "of probands", "of people with ...".
_OF_PATIENTS = (
    r"cases|patients|probands|affected|those|people\s+with|children\s+with|individuals\s+with|families|carriers"
)
_NOT_PREVALENCE = gated(
    r"^\s*(?:chance|risk|odds|likelihood|probability|recurrence|of\s+(?:" + _OF_PATIENTS + r"|them|these))\b"
    r"|^\s*(?:are|is)\s+carriers"
    r"|^\s*(?:\w+\s+)?(?:carry|carries|carried)\s+(?:a|an|one|the|this|that)\b"  # "1 in 25 people carry a variant"
    # "1 to 2 in every 100 children with the disease have ...": a share of patients, not of a population
    r"|^\s*(?:with|who\s+(?:have|has|had|carry|develop)|affected\s+by)\b(?!\s+(?:\w+\s+){0,3}?(?:ancestry|descent|"
    r"origin|heritage|background)\b)"
    # "85 to 90 in every 100 affected children have the infantile form": a share of the patients
    r"|^\s*affected\s+(?:\w+\s+)?(?:have|has|had|develop|show|are|were)\b",
    re.I,
)
_CONTEXT = gated(
    r"prevalen|inciden|frequen|affect|occur|estimat|born|births|diagnos|live\s+with|living\s+with|have\s+(?:the|it|this)|"
    r"rate|common|rare|seen\s+in|found\s+in|appear|strik|develop|cases|population|worldwide|people",
    re.I,
)
_INCIDENCE = gated(r"\b(?:each|every|a|per)\s+year\b|\bannual(?:ly)?\b|\byearly\b|\bincidence\b", re.I)
_POP_NORMAL = {
    "population": "people",
    "the general population": "people",
    "general population": "people",
    "cases": None,
    "persons": "people",
    "live-born infants": "live births",
    "liveborn": "live births",
}


_ANY_NUMBER = gated(
    r"\d|\b(?:one|a|an|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|fifty)\s+(?:in|per|out\s+of|"
    r"of\s+every|in\s+every)\b|\b(?:thousand|million|billion|hundred)\b",
    re.I,
)


_EFFICACY = gated(
    r"\b(?:protects?|protected|efficacy|effective|respond|responds|survive|survives|recover|recovers)\b", re.I
)
_OF_THEM = gated(r"\s*of\s+(?:them|these)\b", re.I)
_WORLD = gated(r"worldwide|world|globally", re.I)
_context_cache: dict[str, bool] = {}


def _has_context(sentence: str) -> bool:
    """Does the sentence talk about frequency at all? Computed once per sentence, not once per figure."""
    if len(_context_cache) > 256:
        _context_cache.clear()
    if sentence not in _context_cache:
        _context_cache[sentence] = bool(_CONTEXT.search(sentence))
    return _context_cache[sentence]


@dataclass(frozen=True, slots=True)
class Figure:
    """A prevalence figure found at text[start:end]."""

    text: str
    start: int
    end: int
    low: float | None
    high: float | None
    population: str | None
    count: int | None = None
    area: str | None = None
    incidence: bool = False


def number(raw: str) -> float | None:
    """'25,000' -> 25000.0; 'one' -> 1.0; '1.5 million' -> 1.5e6; None if it is not a number."""
    raw = raw.strip().lower()
    m = re.fullmatch(r"(.+?)\s+(hundred\s+thousand|thousand|million|billion|hundred)", raw)
    scale = 1.0
    if m:
        raw, scale = m[1], _SCALE[re.sub(r"\s+", " ", m[2])]
    if raw in _WORD_NUM:
        return _WORD_NUM[raw] * scale
    digits = re.sub(r"[,\u00a0\u202f\u2009 ]", "", raw)
    if not re.fullmatch(r"\d+(?:\.\d+)?|\.\d+", digits):
        return None  # "nan", "inf", "1e400" and other things float() would accept are not figures
    value = float(digits) * scale
    return value if math.isfinite(value) else None


def _population(raw: str | None) -> str | None:
    if not raw:
        return None
    pop = re.sub(r"\s+", " ", raw.lower()).replace("live-births", "live births")
    if pop in _POP_NORMAL:
        return _POP_NORMAL[pop]
    return pop


# matched at a position of a long text, so a plain pattern (a prefilter would scan the whole text each time)
_FOLLOWING_POP = re.compile(r"\s*(?:of\s+(?:all\s+)?|,?\s*among\s+(?:all\s+)?)?" + _POP, re.I)


def _following_population(text: str, end: int) -> tuple[str | None, int]:
    """A population noun shortly after a figure ('... births in the US', '... of newborns')."""
    m = _FOLLOWING_POP.match(text, end)
    if m:
        # "about one in six hundred, among children": the population, but not part of the figure's text
        return _population(m["pop"]), (end if "," in text[end : m.start("pop")] else m.end())
    return None, end


def _bounds(low: float, high: float, less: str | None, more: str | None) -> tuple[float | None, float | None]:
    if low > high:
        low, high = high, low
    if less:
        return 0.0, high
    if more:
        return low, None
    return low, high


def _clip(x: float | None) -> float | None:
    if x is None:
        return None
    return min(max(x, 0.0), 1.0)


def _round(x: float | None) -> float | None:
    return None if x is None else float(f"{x:.6g}")


# A figure of the condition it is compared with: "it is rarer than Marfan syndrome, which affects about 1 in 5,000".
_ANOTHER_CONDITION = gated(
    r"\b(?:rarer|commoner|less\s+common|more\s+common|less\s+frequent|more\s+frequent|unlike|compared\s+(?:with|to))\s+"
    r"(?:than\s+)?(?:[\w'’-]+\s+){1,4}?(?:syndrome|disease|disorder|condition|anaemia|anemia|dystrophy)s?,?\s+"
    r"(?:which|that)\s+(?:\w+\s+){0,4}?$",
    re.I,
)


def find_figures(sentence: str) -> list[Figure]:
    """Every prevalence figure in one sentence, in text order, overlapping matches resolved longest-first."""
    found: list[Figure] = []
    if not _ANY_NUMBER.search(sentence):
        return found  # every figure has a number in digits or words; most sentences have none
    for m in _ONE_IN.finditer(sentence):
        fig = _one_in(sentence, m)
        if fig:
            found.append(fig)
    for m in _PER.finditer(sentence):
        fig = _per(sentence, m)
        if fig:
            found.append(fig)
    for m in _PCT.finditer(sentence):
        fig = _percent(sentence, m)
        if fig:
            found.append(fig)
    for m in _COUNT.finditer(sentence):
        fig = _count(sentence, m)
        if fig:
            found.append(fig)
    found = [f for f in found if not _someone_elses(sentence, f.start)]
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Figure] = []
    reach = -1  # sorted by start: a figure overlaps a kept one only if it starts before the furthest kept end
    for fig in found:
        if fig.start < reach:
            continue
        kept.append(fig)
        reach = fig.end
    incidence = bool(_INCIDENCE.search(sentence))
    out = []
    for i, f in enumerate(kept):
        if f.population is None and f.count is None and i > 0 and kept[i - 1].population:
            # "1 in 25,000 births, with estimates ranging from 1 in 15,000 to 1 in 40,000": same population
            f = Figure(f.text, f.start, f.end, f.low, f.high, kept[i - 1].population, f.count, f.area, f.incidence)
        hedge = _HEDGE.match(f.text)
        start = f.start + (hedge.end() if hedge else 0)
        out.append(
            Figure(
                sentence[start : f.end],
                start,
                f.end,
                f.low,
                f.high,
                f.population,
                f.count,
                f.area,
                incidence and f.count is None,
            )
        )
    return out


# What a figure counts when carriers of a change come just before it: "variants turn up in about 1 in 300 people",
# "is carried by roughly 3 to 4% of African Americans" (a carrier frequency, not how many have the condition)
_CARRIED_BEFORE = gated(
    r"\b(?:carried|harbou?red)\s+by\s+(?:\w+\s+)?$|\b(?:variants?|mutations?|alleles?|changes?|copies)\s+(?:\w+\s+)?"
    r"(?:turn(?:s|ed)?\s+up|(?:is|are|was|were)\s+(?:\w+\s+)?(?:found|present|seen|detected|carried))\s+(?:in|among|by)\s+"
    r"(?:\w+\s+)?$",
    re.I,
)


def _rejected(sentence: str, end: int) -> bool:
    return bool(_NOT_PREVALENCE.match(sentence[end : end + 40]))


# How common carriers are, said before the figures: "carriers are far more common: around 1 in 181 people in the US,
# and about 1 in 89 among ...", "the carrier frequency is 1 in 30" (the figures, up to the clause's end, are theirs).
_CARRIER_RATE = gated(
    r"\bcarriers?\s+(?:are|is)\s+(?:\w+\s+){0,3}?(?:common|frequent|widespread)\b[^.;]*$"
    r"|\bcarrier\s+(?:frequency|rate|prevalence)\b[^.;]*$",
    re.I,
)


def _someone_elses(sentence: str, start: int) -> bool:
    """Is the figure starting at `start` about someone else: carriers of a change ("variants turn up in about 1 in
    300 people", "carriers are far more common: around 1 in 181") or a condition it is compared with ("rarer than
    Marfan syndrome, which affects about 1 in 5,000")? Checked once for every kind of figure."""
    return bool(
        _CARRIED_BEFORE.search(sentence[max(0, start - 80) : start])
        or _CARRIER_RATE.search(sentence[max(0, start - 160) : start])
        or _ANOTHER_CONDITION.search(sentence[max(0, start - 120) : start])
    )


def _one_in(sentence: str, m: re.Match[str]) -> Figure | None:
    num = number(m["num"])
    a = number(m["a"])
    b = number(m["b"]) if m["b"] else None
    if not num or not a or num > a or a < 20:
        return None
    if sentence[max(0, m.start("num") - 1) : m.start("num")] == "-" or _EFFICACY.regex.search(
        sentence, max(0, m.start() - 50), m.start()
    ):
        return None  # "ninety-seven in every hundred" (a word cut in two); "protect about 97 in 100" (an efficacy)
    if _rejected(sentence, m.end()) and not (a >= 1000 and _OF_THEM.match(sentence, m.end())):
        return None  # "1 in 3 of them are carriers" is a share; "1 in 50,000 of them" is still a prevalence
    if m["num"].lower() in ("a", "an") and not re.search(r"\b(?:in|out of|per)\s", m[0]):
        return None
    pop, end = (_population(m["pop"]), m.end()) if m["pop"] else _following_population(sentence, m.end())
    hi_den, lo_den = a, (b if b else a)
    if b and b < 20 and a >= 1000:  # "1 in 10 to 20 thousand" style typo guard
        return None
    low, high = _bounds(num / max(hi_den, lo_den), num / min(hi_den, lo_den), m["less"], m["more"])
    return (
        Figure(
            sentence[m.start() : end].strip(),
            m.start(),
            m.start() + len(sentence[m.start() : end].rstrip()),
            _round(_clip(low)),
            _round(_clip(high)),
            pop,
        )
        if _has_context(sentence)
        else None
    )


def _per(sentence: str, m: re.Match[str]) -> Figure | None:
    x = number(m["x"])
    y = number(m["y"]) if m["y"] else None
    a = 1e6 if m["a"].lower() == "million" else number(m["a"])
    if x is None or not a or a < 100 or _rejected(sentence, m.end()):
        return None
    if y is not None and y < x:
        return None
    pop, end = (_population(m["pop"]), m.end()) if m["pop"] else _following_population(sentence, m.end())
    if pop is None and m["npop"]:
        pop = _population(m["npop"])  # "one to nine people in every million": the people are counted first
    low, high = _bounds(x / a, (y if y is not None else x) / a, m["less"], m["more"])
    if (high or low or 0) > 1:
        return None
    text = sentence[m.start() : end].rstrip()
    return Figure(text.strip(), m.start(), m.start() + len(text), _round(_clip(low)), _round(_clip(high)), pop)


def _percent(sentence: str, m: re.Match[str]) -> Figure | None:
    x = float(m["x"])
    y = float(m["y"]) if m["y"] else None
    if _rejected(sentence, m.end()) or x > 100 or (y is not None and (y > 100 or y < x)):
        return None
    before = sentence[max(0, m.start() - 60) : m.start()].lower()
    after = sentence[m.end() : m.end() + 60].lower()
    # "70 percent of cases result from ..." is a share of patients, not a prevalence.
    if re.match(
        r"\s*(?:of\s+(?:the\s+)?(?:" + _OF_PATIENTS + r"|deaths|tumou?rs))",
        after,
    ):
        return None
    if not (
        m["pop"]
        or re.search(
            r"prevalen|inciden|affects?|occurs?|frequency|population|of\s+(?:people|births|"
            r"newborns|adults|children)",
            before + " " + after,
        )
    ):
        return None
    if re.search(
        r"\b(?:chance|risk|odds|likelihood|probability|survival|mortality|respond|response)\b", before + after
    ):
        return None
    if m["pop"] and re.match(r"\s*(?:with|who\s+have|who\s+are|affected|diagnosed)\b", after):
        return None  # "10 percent of people with MG have a thymoma": a share of patients
    if re.search(r"(?:^|[.;]\s*)in\s+(?:\w+\s+)?$", before) and (
        m["pop"] or re.match(r"\s*(?:of\s+\w+\s*)?,|\s*of\s+(?:all\s+)?\w+", sentence[m.end() : m.end() + 80])
    ):
        return None  # "In 85 to 90 percent of people, OI stems from ...": a share of cases
    if m["pop"] and m["pop"].lower() in ("cases", "patients", "deaths"):
        return None
    pop = _population(m["pop"]) if m["pop"] else "people"
    low, high = _bounds(x / 100, (y if y is not None else x) / 100, m["less"], m["more"])
    text = sentence[m.start() : m.end()].rstrip()
    return Figure(text.strip(), m.start(), m.start() + len(text), _round(low), _round(high), pop)


def _count(sentence: str, m: re.Match[str]) -> Figure | None:
    n = number(m["n"])
    if n is None or n < 10 or n != int(n):
        return None
    after = sentence[m.end() : m.end() + 80]
    before = sentence[max(0, m.start() - 80) : m.start()]
    if (
        re.match(
            r"\s*(?:with|who|have|has|are|live|living|in|across|worldwide|affected|diagnosed|(?:each|every|a)\s+year)",
            after,
            re.I,
        )
        is None
    ):
        return None
    if re.search(r"\b(?:per|in|out\s+of)\s*$", before, re.I) or re.match(r"\s*per\b", after, re.I):
        return None
    yearly = re.match(r"\s*(?:each|every|a|per)\s+year\b", after, re.I)
    if yearly and not _AREA.search(before):
        return None  # "about 1,000 babies each year" counts only with a place it is counted in
    if re.search(
        r"DiseaseMaps|\.org\b|connected|joined|signed\s+up|enrolled|participants?|trial|forum|community",
        after + before,
        re.I,
    ):
        return None  # a community or study count, not how many people have the condition
    area = None
    for am in _AREA.finditer(sentence, max(0, m.start() - 120), min(len(sentence), m.end() + 120)):
        cand = re.sub(r"\s+", " ", am["area"])
        if cand.lower() in ("the world", "worldwide"):
            cand = "worldwide"
        if am.start() >= m.end() - 1 and am.start() - m.end() < 60:
            area = cand
            break
        if am.end() <= m.start() and m.start() - am.end() < 80:
            area = cand
    if area and area.upper() in ("US", "USA"):
        area = "United States"
    if area and area.upper() == "UK":
        area = "United Kingdom"
    if area is None and not _WORLD.search(sentence, max(0, m.start() - 200), m.end() + 200):
        return None
    end = m.end()
    tail = re.match(
        r"\s+(?:worldwide|globally|around\s+the\s+world|across\s+the\s+world)\b", sentence[end : end + 40], re.I
    )
    if tail:
        area, end = "worldwide", end + tail.end()
    elif area is None:
        area = "worldwide"
    pop = m["pop"].lower()
    pop = "people" if pop in ("persons", "individuals", "americans", "europeans", "cases") else pop
    text = sentence[m.start() : end].rstrip()
    return Figure(text.strip(), m.start(), m.start() + len(text), None, None, pop, int(n), area)


def orphanet_class(low: float | None, high: float | None) -> str | None:
    """The Orphanet prevalence class of a point estimate (the mean of the bounds): '1-9 / 100 000' and so on."""
    if low is None and high is None:
        return None
    value = high if low is None else low if high is None else (low + high) / 2
    if value is None:
        return None
    classes = [
        (1e-6, "<1 / 1 000 000"),
        (1e-5, "1-9 / 1 000 000"),
        (1e-4, "1-9 / 100 000"),
        (5e-4, "1-5 / 10 000"),
        (1e-3, "6-9 / 10 000"),
    ]
    for limit, name in classes:
        if value < limit:
            return name
    return ">1 / 1000"
