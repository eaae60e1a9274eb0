"""The project's spaCy components. Each works on one sentence (a `Doc`) and writes its finds to `doc.spans[NAME]`,
with the normalised label in `span.kb_id_` and the category (or, for names, the role) in `span.label_`. (Span
extensions are keyed by character offsets and would be shared between groups, so they are not used for this.)

Order in the pipeline: rkg_clauses (negation scopes and clause kinds), then rkg_names, rkg_prevalence,
rkg_risk_factors, rkg_treatment_areas, rkg_community. A new entity kind is a new factory here, its data file in
`data/lexicons/`, and its tests; nothing else changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.extract import lexicon, negation
from kg.extract.phrases import grow_left, is_boundary, key, label_from_tokens, normalise_label, singular, trim_start
from kg.extract.prevalence import find_figures

for _name in ("rkg_negated", "rkg_clauses", "rkg_community", "rkg_figures"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


# ------------------------------------------------------------------------------------------------------- clauses

_CLAUSE_SPLIT = re.compile(r";|:|\s[—–]\s|,\s*(?:but|while|whereas|although|though|yet)\b|\b(?:but|whereas|although)\b")


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    causal: bool
    treatment: bool
    research: bool


def _any(names: str, text: str) -> bool:
    return any(p.search(text) for p in lexicon.patterns(names))


def clauses_of(text: str) -> list[Clause]:
    """Split a sentence into clauses and say which talk about causes, treatment, or research."""
    bounds = [0]
    for m in _CLAUSE_SPLIT.finditer(text):
        bounds.append(m.start())
    bounds.append(len(text))
    out = []
    for s, e in zip(bounds, bounds[1:], strict=False):
        piece = text[s:e]
        if not piece.strip():
            continue
        out.append(
            Clause(s, e, _any("risk-cues.txt", piece), _any("treatment-cues.txt", piece),
                   _any("research-cues.txt", piece))
        )
    return out


def clause_at(doc: Doc, char: int) -> Clause | None:
    for c in doc._.rkg_clauses or ():
        if c.start <= char < c.end:
            return c
    return None


@Language.factory("rkg_clauses")
def make_clauses(nlp: Language, name: str) -> ClausesComponent:
    return ClausesComponent()


class ClausesComponent:
    """Marks negation scopes and clause kinds, which the entity components consult."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.rkg_negated = negation.negated_ranges(doc.text)
        doc._.rkg_clauses = clauses_of(doc.text)
        return doc


def _negated(doc: Doc, start: int, end: int) -> bool:
    return negation.is_negated(doc._.rkg_negated or [], start, end)


def _add(doc: Doc, key_name: str, start_tok: int, end_tok: int, label: str, category: str | None = None,
         role: str | None = None) -> None:
    if end_tok <= start_tok or not label:
        return
    span = Span(doc, start_tok, end_tok, label=role or category or "", kb_id=label)
    if key_name not in doc.spans:
        doc.spans[key_name] = []
    doc.spans[key_name].append(span)


def _char_to_tokens(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    span = doc.char_span(start, end, alignment_mode="expand")
    return (span.start, span.end) if span is not None and len(span) else None


# --------------------------------------------------------------------------------------------------------- names

_NAME_STOP = re.compile(
    r"\s*(?:,|;|:|\)|\(|\.(?:\s|$)|\s[—–]\s|$|\s+(?:(?:in|on|because|to|for|from|with|among|until)\s|and\s+(?=[a-z]))|\s+(?:is|are|was|were|has|have|refers|describes|remains|affects|"
    r"which|that|who|because|since|when|where|while|whose|instead\s+of|rather\s+than|as\s+opposed\s+to|in\s+(?:some|older|many|medical|the)|by\s+(?:some|many|older|"
    r"clinicians|doctors)|among|after|for\s+(?:short|its)|now|today|is\s+now|and\s+(?:is|are|was|listed|described|"
    r"sometimes|often|still|once|historically|called|known|termed)))",
    re.I,
)
_CONTRAST = re.compile(r"\s*,?\s*(?:instead\s+of|rather\s+than|as\s+opposed\s+to|in\s+contrast\s+to)\b", re.I)
_SUBJECT = re.compile(
    r"^(?P<name>[A-Z0-9][^,;:()]{1,90}?)\s*(?:\((?P<paren>[^()]{1,120})\)|(?=,|\s(?:is|are|was|were|refers|"
    r"describes|affects|causes|represents|comprises|occurs|belongs|happens|develops|arises|results)\b))"
)


def _split_names(text: str) -> list[str]:
    parts = re.split(r"\s*,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+(?=[A-Z])", text)
    parts = [re.sub(r"^(?:a|an|the)\s+", "", x.strip(" \"'“”‘’."), flags=re.I) for x in parts]
    return [p for p in parts if p]


def _plausible_name(name: str) -> bool:
    words = name.split()
    if not words or len(words) > 9 or len(name) > 80:
        return False
    if words[0].lower() in lexicon.words("np-boundaries.txt") and not words[0].isupper():
        return False
    return not re.search(r"\b(?:is|are|was|were|has|have|people|patients)\b", name)


_DISEASE_WORD = re.compile(
    r"(?:disease|syndrome|disorder|deficiency|atrophy|dystrophy|sclerosis|agenesis|anomaly|malformation|hernia|"
    r"atresia|arteritis|cancer|carcinoma|sarcoma|tumou?r|leukemia|lymphoma|regression|degeneration|lipidosis|"
    r"encephalopathy|imperfecta|progressiva|complex|condition|illness|fever|palsy|chorea|defect|paralysis|"
    r"dysplasia|myopathy|neuropathy|aciduria|emia|aemia|uria|pathy|plasia|trophy|osis|itis|oma|ism|ia|us)\b",
    re.I,
)


def name_like(name: str) -> bool:
    """Does this look like the name of a condition (not a drug, protein or test)? Acronyms and names built on
    a disease word qualify; so do single Latin-looking words ("anencephalus", "epiloia")."""
    if re.fullmatch(r"[A-Z][A-Za-z0-9-]{0,7}", name) and sum(c.isupper() for c in name) >= 2:
        return True
    if re.fullmatch(r"[A-Z][a-z]+-\d", name):  # "Alpha-1"
        return True
    words = name.split()
    return bool(_DISEASE_WORD.search(words[-1]) or (len(words) >= 2 and _DISEASE_WORD.search(name)))


@Language.factory("rkg_names")
def make_names(nlp: Language, name: str) -> NamesComponent:
    return NamesComponent()


class NamesComponent:
    """Names of the condition in a sentence: the subject of a defining sentence ("X is a rare ..."), names after
    synonym cues ("also known as Y", "formerly Z", "abbreviated A"), and abbreviations in brackets ("(PWS)")."""

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        found: list[tuple[int, int, str, str]] = []
        m = _SUBJECT.match(text)
        defining = bool(m and name_like(m["name"].strip()))
        if m:
            found.append((m.start("name"), m.end("name"), "SUBJECT", m["name"].strip()))
            if m["paren"]:
                self._parenthetical(text, m.start("paren"), m["paren"], found)
            alt = re.match(r",\s+or\s+([^,;()]{3,80}?),", text[m.end("name") :])
            if alt and defining and name_like(alt[1]):
                pos = m.end("name") + alt.start(1)
                found.append((pos, pos + len(alt[1]), "SYNONYM", alt[1]))
        for rx in lexicon.patterns("synonym-cues.txt"):
            for cue in rx.finditer(text):
                rest = text[cue.end() :]
                quoted = re.match(r"[\"“‘']([^\"”’']{2,80})[\"”’']", rest)
                if quoted:
                    found.append((cue.end() + 1, cue.end() + 1 + len(quoted[1]), "SYNONYM", quoted[1]))
                    continue
                stop = _NAME_STOP.search(rest)
                chunk = rest[: stop.start()] if stop else rest
                if stop and _CONTRAST.match(rest[stop.start() :]):
                    continue  # "doctors call it moyamoya syndrome instead of moyamoya disease": a different name
                offset = cue.end()
                before = text[max(0, cue.start() - 30) : cue.start()]
                if re.search(r"\b(?:protein|enzyme|molecule|substance|gene|test|procedure|drug|medicine|compound|"
                             r"antibody|device|cells?|hormone|scan|operation|surgery|therapy|treatment|fibre|fiber|"
                             r"mineral|illness|cattle|region|pathway|variant|allele|ones|lesions?|form|version|spots?|sign|feature|"
                             r"organism|bacteri\w+|virus|mutation|marker)\W*$", before, re.I):
                    continue
                if re.search(r"\b[A-Z][A-Za-z0-9]{1,9}\s*\((?:\s*[a-z]+)?\s*$", before):
                    continue  # "ACVRL1 (also called ALK1)": another name of a gene or variant
                for part in _split_names(chunk):
                    pos = text.find(part, offset)
                    if pos >= 0 and _plausible_name(part) and (defining or name_like(part)):
                        found.append((pos, pos + len(part), "SYNONYM", part))
        # "X (ABBR)" after any name found so far
        for s, e, _role, _name in list(found):
            after = re.match(r"\s*\((?P<p>[^()]{1,80})\)", text[e:])
            if after:
                self._parenthetical(text, e + after.start("p"), after["p"], found)
        for s, e, role, name_text in found:
            toks = _char_to_tokens(doc, s, e)
            if toks:
                _add(doc, "rkg_names", toks[0], toks[1], name_text.strip(), role=role)
        return doc

    @staticmethod
    def _parenthetical(text: str, start: int, inner: str, found: list[tuple[int, int, str, str]]) -> None:
        inner_stripped = inner.strip()
        cue = re.match(r"(?:also\s+|sometimes\s+|often\s+|formerly\s+|or\s+)?(?:known\s+as|called|termed|"
                       r"abbreviated(?:\s+as)?|written|a\.?k\.?a\.?|or|formerly)\s+", inner_stripped, re.I)
        body = inner_stripped[cue.end() :] if cue else inner_stripped
        for part in _split_names(body):
            if (cue or re.fullmatch(r"[A-Z][A-Za-z0-9-]{1,9}", part)) and _plausible_name(part):
                pos = text.find(part, start)
                if pos >= 0:
                    found.append((pos, pos + len(part), "ABBREV" if not cue else "SYNONYM", part))


# ---------------------------------------------------------------------------------------------------- prevalence

@Language.factory("rkg_prevalence")
def make_prevalence(nlp: Language, name: str) -> PrevalenceComponent:
    return PrevalenceComponent()


class PrevalenceComponent:
    """Prevalence figures, normalised by `kg.extract.prevalence`; the figure rides on `span._.rkg_figure`."""

    def __call__(self, doc: Doc) -> Doc:
        for fig in find_figures(doc.text):
            toks = _char_to_tokens(doc, fig.start, fig.end)
            if toks and not _negated(doc, fig.start, fig.end):
                _add(doc, "rkg_prevalence", toks[0], toks[1], fig.text)
                doc._.rkg_figures = [*(doc._.rkg_figures or []), fig]
        return doc


# -------------------------------------------------------------------------------------------- shared span finders

def _phrase_matcher(nlp: Language, terms: list[str]) -> PhraseMatcher:
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    variants = set()
    for term in terms:
        variants.add(term)
        if not term.endswith("s"):
            variants.add(term + "s")
        variants.add(singular(term))
    matcher.add("TERM", list(nlp.tokenizer.pipe(sorted(variants))))
    return matcher


_GENE_TOKEN = re.compile(r"^(?:[A-Z][A-Z0-9]{1,9}|[A-Z][A-Za-z]{0,3}\d+[A-Za-z0-9]*|[A-Z]\d+[A-Z])(?:-[A-Z0-9]+)?$")
_STRUCTURAL = {"deletion", "deletions", "duplication", "expansion", "expansions", "amplification", "repeat"}
_VARIANT_WORDS = {
    "mutation": "mutation", "mutations": "mutation", "variant": "variant", "variants": "variant",
    "change": "mutation", "changes": "mutation", "alteration": "mutation", "alterations": "mutation",
    "defect": "mutation", "defects": "mutation", "error": "mutation", "errors": "mutation",
    "deletion": "deletion", "deletions": "deletion", "duplication": "duplication", "expansion": "expansion",
    "expansions": "expansion", "fault": "mutation", "faults": "mutation", "copies": "variant", "copy": "variant",
}
_INHERITANCE = re.compile(
    r"\b(?P<kind>autosomal(?:[\s-]+(?:recessive|dominant|co-?dominant))|X-linked(?:[\s-]+(?:recessive|dominant))?|"
    r"Y-linked|mitochondrial|(?<!autosomal\s)(?:recessive|dominant))\b"
    r"(?=[^.;]{0,60}?\b(?:inherit\w*|pattern|manner|fashion|way|trait|mode|transmission|passed|condition|disorder|"
    r"disease)\b|\s+inheritance)",
    re.I,
)
_CHROMOSOME = re.compile(
    r"\b(?P<kind>micro)?(?:deletion|deletions|loss|duplication)\s+(?:of\s+(?:genetic\s+material\s+)?|on\s+|in\s+|from\s+|at\s+)"
    r"(?:the\s+|a\s+|one\s+|part\s+of\s+)?(?:(?P<parent>maternal(?:ly)?(?:\s+inherited)?|paternal(?:ly)?(?:\s+inherited)?|"
    r"father's|mother's)\s+)?(?:copy\s+of\s+)?(?:chromosome\s+(?P<chr>\d{1,2}|X|Y)(?P<band>[pq][\d.]+(?:-[pq]?[\d.]+)?)?"
    r"|(?P<band2>\d{1,2}[pq][\d.]+(?:-[pq]?[\d.]+)?))"
    r"|\b(?P<band3>\d{1,2}[pq][\d.]+(?:-[pq]?[\d.]+)?)\s+(?P<kind3>micro)?(?:deletion|duplication)",
    re.I,
)


def _grown_phrases(doc: Doc, heads: dict[str, str], *, need_modifier: set[str], limit: int = 4) -> Iterator[tuple[int, int, str]]:
    """(start, end, category) of phrases ending in a head word, grown left over modifiers."""
    for i, tok in enumerate(doc):
        cat = heads.get(tok.lower_)
        if cat is None:
            continue
        start = grow_left(doc, i, limit=limit)
        start = trim_start(doc, start, i + 1)
        if start == i and tok.lower_ in need_modifier:
            continue
        yield start, i + 1, cat


def _not_entity(label: str) -> bool:
    return key(label) in {key(p) for p in lexicon.phrases("not-entities.txt")}


# --------------------------------------------------------------------------------------------------- risk factors

_GENERIC_GENETIC_HEADS = {"variant", "variants", "mutation", "mutations", "defect", "deletion", "deletions",
                          "duplication", "expansion", "change", "changes"}
_SPECIFIC_GENETIC_MODIFIERS = {"de", "novo", "new", "spontaneous", "germline", "somatic", "imprinting", "founder",
                               "chromosomal", "chromosome", "mitochondrial", "susceptibility", "repeat",
                               "trinucleotide", "cag"}
_FACTOR_KINDS = {"genetic", "environmental", "maternal", "hormonal", "immune", "infectious", "dietary", "lifestyle",
                 "occupational", "paternal", "prenatal", "perinatal", "vascular", "epigenetic"}
_SEX = re.compile(
    r"\b(?P<a>boys|males|men|girls|females|women)\s+(?:are\s+|were\s+)?(?:affected\s+)?(?:about\s+|roughly\s+|"
    r"somewhat\s+|slightly\s+|a\s+little\s+|considerably\s+|far\s+|much\s+|nearly\s+|almost\s+)?"
    r"(?:more\s+(?:often|frequently|commonly)|outnumber|twice|three\s+times|[\w\s-]{0,20}times\s+as\s+(?:often|"
    r"many|likely)|predominate)"
    r"|\b(?P<b>male|female)\s+(?:predominance|preponderance|sex)\b"
    r"|\bmore\s+(?:common|frequent|often)\s+(?:in|among)\s+(?P<c>boys|males|men|girls|females|women)\b"
    r"|\b(?:with\s+)?(?P<d>girls|boys|women|men|females|males)\s+affected\s+(?:a\s+little\s+|slightly\s+|"
    r"somewhat\s+)?more\s+often",
    re.I,
)
_ANCESTRY = re.compile(
    r"\b(?:of|with)\s+(?P<who>(?:[A-Z][a-z]+(?:,\s+|\s+and\s+(?:other\s+)?|\s+or\s+|\s+))*[A-Z][a-z]+)\s+"
    r"(?P<kind>ancestry|descent|origin|heritage|background)\b"
)

@Language.factory("rkg_risk_factors")
def make_risk_factors(nlp: Language, name: str) -> RiskFactorsComponent:
    return RiskFactorsComponent(nlp)


_RISK_LIST_CUE = re.compile(
    r"\b(?:caused\s+by|results?\s+from|resulting\s+from|arises?\s+from|due\s+to|owing\s+to|linked\s+(?:to|with)|tied\s+to|"
    r"triggered\s+by|exposure\s+to|exposed\s+to|acquired\s+(?:through|from|via)|traced?\s+(?:back\s+)?to|"
    r"risk\s+factors?\s+(?:include|includes|are|is)|(?:raise|raises|increase|increases)\s+(?:the\s+)?(?:risk|odds|chance)\s+"
    r"(?:of\s+\w+\s+)?(?:include|includes|are)|interplay\s+(?:of|between)|role\s+of|such\s+as|including|"
    r"strongest\s+(?:known\s+)?(?:risk\s+factor|cause)\s+is|attributed\s+to|contaminated\s+with)\s+",
    re.I,
)


class RiskFactorsComponent:
    """Risk factors: causes and predispositions, only in clauses that talk about causes and are not negated.

    Finds lexicon phrases (maternal diabetes, consanguinity), phrases grown from head nouns (... inheritance,
    ... predisposition, ... exposure), gene variants ("mutations in the ATP7B gene" -> "ATP7B gene mutation"),
    inheritance patterns, chromosome changes, and items listed after causal cues ("caused by A, B or C").
    """

    def __init__(self, nlp: Language) -> None:
        self.terms = lexicon.table("risk-terms.tsv")
        self.heads = lexicon.table("risk-heads.tsv")
        self.matcher = _phrase_matcher(nlp, list(self.terms))
        self.not_genes = {w.upper() for w in lexicon.words("not-genes.txt")}

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        if not any(c.causal for c in doc._.rkg_clauses or ()):
            return doc
        cands: list[tuple[int, int, str, str | None]] = []  # token start, end, label, category
        for _mid, s, e in self.matcher(doc):
            cands.append((s, e, label_from_tokens(doc[s:e]), self.terms.get(doc[s:e].text.lower())
                          or self.terms.get(singular(doc[s:e].text.lower()), "other")))
        for s, e, cat in _grown_phrases(doc, self.heads, need_modifier=set(self.heads) - {"consanguinity", "smoking", "obesity", "hyperglycemia", "hyperglycaemia", "diabetes"}):
            head = doc[e - 1].lower_
            mods = {t.lower_ for t in doc[s : e - 1]}
            if head in _GENERIC_GENETIC_HEADS and not (mods & _SPECIFIC_GENETIC_MODIFIERS):
                continue  # "pathogenic variant", "identified variant": the gene finder names the gene instead
            if head in ("factor", "factors") and not (mods & _FACTOR_KINDS):
                continue  # "best-documented risk factor" is a phrase about a factor, not a factor
            cands.append((s, e, label_from_tokens(doc[s:e]), cat))
        cands.extend(self._groups(doc))
        cands.extend(self._genes(doc))
        for m in _INHERITANCE.finditer(text):
            toks = _char_to_tokens(doc, m.start("kind"), m.end("kind"))
            if toks:
                kind = re.sub(r"[\s-]+", " ", m["kind"].lower()).replace("x linked", "X-linked").replace(
                    "y linked", "Y-linked").replace("co dominant", "codominant")
                cands.append((toks[0], toks[1], f"{kind} inheritance", "genetic"))
        for m in _CHROMOSOME.finditer(text):
            cands.append(self._chromosome(doc, m))
        cands.extend(self._listed(doc))
        for s, e, label, cat in cands:
            if s is None or e <= s:
                continue
            cs, ce = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
            clause = clause_at(doc, cs)
            if clause is None or not clause.causal or _negated(doc, cs, ce) or _not_entity(label):
                continue
            if len(label) < 3 or not re.search(r"[A-Za-z]{3}", label):
                continue
            _add(doc, "rkg_risk_factors", s, e, label, cat)
        return doc

    def _genes(self, doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Gene symbols in a clause about variants: "mutations in the ATP7B gene" -> "ATP7B", "variants in GATA4,
        ZFPM2 and WT1" -> each, "SMN1 deletion" -> "SMN1 deletion", "LRP4 antibodies" -> "LRP4 antibodies".

        A point variant is labelled by the gene symbol alone: that is the node other graphs join on, whatever word
        ("mutation", "variant", "change") a summary used; structural changes keep their kind."""
        text = doc.text
        for i, tok in enumerate(doc):
            sym = tok.text
            if not _GENE_TOKEN.match(sym) or sym.upper() in self.not_genes or sym.isdigit():
                continue
            if not (re.search(r"\d", sym) or len(sym) >= 3) or re.fullmatch(r"[IVX]+", sym):
                continue
            clause = clause_at(doc, tok.idx)
            if clause is None:
                continue
            body = text[clause.start : clause.end].lower()
            nxt = doc[i + 1].lower_ if i + 1 < len(doc) else ""
            nxt2 = doc[i + 2].lower_ if i + 2 < len(doc) else ""
            if nxt in ("antibodies", "antibody", "autoantibodies"):
                yield i, i + 2, f"{sym} antibodies", "other"
                continue
            if not re.search(r"mutat|variant|change|alteration|defect|deletion|duplication|expansion|amplif|copies|"
                             r"copy|fault|gene\b|genes\b|allele|repeat", body):
                continue
            if nxt in _STRUCTURAL or (nxt == "gene" and nxt2 in _STRUCTURAL):
                kind = singular(nxt if nxt in _STRUCTURAL else nxt2)
                if kind == "repeat":
                    kind = "repeat expansion"
                yield i, i + 1, f"{sym} {kind}", "genetic"
                continue
            m = re.search(r"\b(CAG|CGG|GAA|CTG)\s+repeat", text[tok.idx : tok.idx + 40])
            if m:
                yield i, i + 1, f"{sym} {m[1]} repeat expansion", "genetic"
                continue
            yield i, i + 1, sym, "genetic"

    @staticmethod
    def _groups(doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Groups a summary says are affected more often: sex and ancestry ("boys outnumber girls" -> male sex)."""
        for m in _SEX.finditer(doc.text):
            who = (m["a"] or m["b"] or m["c"] or m["d"]).lower()
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                sex = "male sex" if who in ("boys", "males", "men", "male") else "female sex"
                yield toks[0], toks[1], sex, "other"
        for m in _ANCESTRY.finditer(doc.text):
            toks = _char_to_tokens(doc, m.start("who"), m.end("kind"))
            if toks:
                who = re.sub(r"^.*(?:,\s+|\s+and\s+(?:other\s+)?|\s+or\s+)", "", m["who"])
                yield toks[0], toks[1], f"{who} ancestry", "genetic"

    @staticmethod
    def _chromosome(doc: Doc, m: re.Match[str]) -> tuple[int, int, str, str | None]:
        toks = _char_to_tokens(doc, m.start(), m.end())
        if not toks:
            return (0, 0, "", None)
        kind = "microdeletion" if (m["kind"] or m["kind3"]) else ("duplication" if "duplication" in m[0].lower() else "deletion")
        parent = ""
        if m["parent"]:
            parent = "maternal " if m["parent"].lower().startswith("m") else "paternal "
        if m["band3"]:
            return (toks[0], toks[1], f"{m['band3']} {kind}", "genetic")
        where = f"chromosome {m['chr']}{m['band'] or ''}" if m["chr"] else m["band2"]
        return (toks[0], toks[1], f"{parent}{where} {kind}", "genetic")

    def _listed(self, doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Items listed after a causal cue, each cut to its minimal noun phrase."""
        text = doc.text
        for cue in _RISK_LIST_CUE.finditer(text):
            clause = clause_at(doc, cue.start())
            if clause is None or not clause.causal:
                continue
            end = clause.end
            segment_start = cue.end()
            for part in re.finditer(r"[^,]+", text[segment_start:end]):
                piece_start = segment_start + part.start()
                for item in re.split(r"\s+(?:and|or|as\s+well\s+as|and/or)\s+", part.group()):
                    pos = text.find(item, piece_start)
                    if pos < 0 or not item.strip():
                        continue
                    toks = _char_to_tokens(doc, pos, pos + len(item.rstrip()))
                    if not toks:
                        continue
                    s = trim_start(doc, toks[0], toks[1])
                    e = s
                    while e < toks[1] and not is_boundary(doc[e]) and e - s < 5:
                        e += 1
                    if e > s and not doc[s].like_num:
                        yield s, e, label_from_tokens(doc[s:e]), None
                    piece_start = pos + len(item)
                break_after = re.search(r"\b(?:is|are|was|were|has|have|can|may)\b", text[segment_start:end])
                if break_after and break_after.start() < part.end():
                    break


# ------------------------------------------------------------------------------------------------ treatment areas

_PROFESSION = re.compile(
    r"\b(?:(?P<mod>interventional|paediatric|pediatric|metabolic|specialist|neuromuscular|genetic|clinical|"
    r"respiratory|cardiac|orthopa?edic|thoracic|plastic|vascular)\s+)?"
    r"(?P<head>[a-z]+ologists?|[a-z]*(?:ician|iatrist|dietitian|dietician|therapist|surgeon)s?|specialists?|"
    r"counsell?ors?)\b",
    re.I,
)
_SPECIALTY = re.compile(r"\b(?:(?:paediatric|pediatric|interventional|thoracic|adult|clinical|medical)\s+)?[a-z]+ology\b", re.I)


@Language.factory("rkg_treatment_areas")
def make_treatment_areas(nlp: Language, name: str) -> TreatmentAreasComponent:
    return TreatmentAreasComponent(nlp)


class TreatmentAreasComponent:
    """Treatment areas: specialties (neurology), care models (multidisciplinary supportive care), interventions
    (enzyme replacement therapy, liver transplantation) and the medicines named for the condition.

    Never in a negated scope ("no gene therapy"), never in a clause about research only ("being tested in trials"),
    and never in a clause about causes unless it also talks about treatment.
    """

    def __init__(self, nlp: Language) -> None:
        self.terms = lexicon.table("treatment-terms.tsv")
        self.heads = lexicon.table("treatment-heads.tsv")
        self.drugs = lexicon.phrases("drugs.txt")
        self.matcher = _phrase_matcher(nlp, list(self.terms) + sorted(self.drugs))
        self.stems = re.compile("|".join(f"(?:{p.pattern})" for p in lexicon.patterns("drug-stems.txt")))
        self.not_specialty = {"biology", "pathophysiology", "physiology", "etiology", "aetiology", "epidemiology",
                              "technology", "methodology", "terminology", "morphology", "ideology", "histology",
                              "embryology", "ontology", "chronology", "apology", "virology", "pathology", "neurology research"}

    def __call__(self, doc: Doc) -> Doc:
        cands: list[tuple[int, int, str, str | None]] = []
        for _mid, s, e in self.matcher(doc):
            low = doc[s:e].text.lower()
            cat = self.terms.get(low) or self.terms.get(singular(low)) or "intervention"
            cands.append((s, e, label_from_tokens(doc[s:e]), cat))
        for s, e, cat in _grown_phrases(
            doc, self.heads, need_modifier=set(self.heads) - {"physiotherapy", "chemotherapy", "immunotherapy", "radiotherapy"},
            limit=3,
        ):
            cands.append((s, e, label_from_tokens(doc[s:e]), cat))
        cands.extend(self._drugs(doc))
        for m in _PROFESSION.finditer(doc.text):
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                cands.append((toks[0], toks[1], label_from_tokens(doc[toks[0]:toks[1]]), "specialty"))
        for m in _SPECIALTY.finditer(doc.text):
            if m[0].lower().split()[-1] in self.not_specialty:
                continue
            toks = _char_to_tokens(doc, m.start(), m.end())
            if toks:
                cands.append((toks[0], toks[1], label_from_tokens(doc[toks[0]:toks[1]]), "specialty"))
        for s, e, label, cat in cands:
            cs, ce = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
            clause = clause_at(doc, cs)
            if clause is None or _negated(doc, cs, ce) or _not_entity(label):
                continue
            if clause.research and not clause.treatment:
                continue
            if clause.research and re.search(r"\btrials?\b|being\s+(?:tested|studied)|under\s+investigation", doc.text[clause.start:clause.end], re.I):
                continue
            if clause.causal and not clause.treatment:
                continue
            if not clause.treatment and cat != "specialty":
                continue
            _add(doc, "rkg_treatment_areas", s, e, label, cat)
        return doc

    def _drugs(self, doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Medicine names recognised by their INN stem, with a trailing 'alfa'/'beta'/'acid' or a hyphenated
        combination kept whole ('elexacaftor-tezacaftor-ivacaftor')."""
        i = 0
        n = len(doc)
        while i < n:
            tok = doc[i]
            low = tok.lower_
            if len(low) >= 7 and low.isalpha() and self.stems.fullmatch(low) and low not in _NOT_DRUGS:
                s, e = i, i + 1
                while e + 1 < n and doc[e].text == "-" and not doc[e].whitespace_ and doc[e + 1].is_alpha:
                    e += 2
                if e < n and doc[e].lower_ in ("alfa", "alpha", "beta", "gamma", "pegol", "acid", "abeparvovec", "moxeparvovec", "choline"):
                    e += 1
                if s > 0 and doc[s - 1].lower_ in ("sodium", "zoledronic", "topical", "oral", "inhaled", "intravenous") and doc[s - 1].lower_ in ("sodium",):
                    s -= 1
                yield s, e, doc[s:e].text.lower() if not any(c.isupper() for c in doc[s:e].text[1:]) else doc[s:e].text, "intervention"
                i = e
                continue
            i += 1


_NOT_DRUGS = frozenset(
    """disease increase decrease release phase database purchase showcase release disease(s) cases increase
    example sample people ample temple simple triple example couple whereas because otherwise likewise
    expertise exercise premise promise surprise franchise disguise reverse diverse universe immense dense
    response sense expense defense defence license licence pulse false impulse purpose suppose propose oppose
    dispose expose close loose choose dose doses overdose glucose sucrose lactose fructose galactose
    enzyme enzymes hormone hormones protein proteins vaccine vaccines gene genes vitamin vitamins chromosome
    chromosomes syndrome syndromes genome genomes ribosome lysosome lysosomes nucleotide oligonucleotide
    peptide polypeptide nucleotides determine examine imagine machine routine medicine medicines discipline
    baseline guideline guidelines pipeline timeline outline online decline decline combine combined
    fibrillin dystrophin hamartin tuberin huntingtin elastin collagen insulin glycogen sphingomyelin
    phenylalanine tyrosine leucine isoleucine valine glycine cysteine methionine histidine arginine lysine
    alanine glutamine asparagine tryptophan homogentisic dopamine serotonin adrenaline noradrenaline
    acetylcholine histamine creatine creatinine bilirubin ammonia copper ceramide globotriaosylceramide
    glucocerebroside glucosylceramide glucocerebrosidase sphingomyelinase galactosidase glucosidase
    hyaluronidase elastase neutrophil antitrypsin chloride lipase amylase protease kinase phosphatase
    transferase reductase oxidase dehydrogenase hydroxylase synthase ligase helicase polymerase nuclease
    ataxia apnoea apnea anaemia anemia disease progressive aggressive extensive expensive intensive massive
    passive excessive sporadic spinal""".split()
)


# ---------------------------------------------------------------------------------------------- community count

_COMMUNITY = re.compile(
    r"\b(?P<n>\d[\d,]*)\s+(?:people|persons|individuals|patients|members|families|users|caregivers)\b[^.]{0,160}?"
    r"\b(?:have|has|are|were|had)\s+(?:already\s+|now\s+|so\s+far\s+)?(?:connected|joined|registered|signed\s+up|"
    r"gathered|shared|come\s+together)",
    re.I,
)


@Language.factory("rkg_community")
def make_community(nlp: Language, name: str) -> CommunityComponent:
    return CommunityComponent()


class CommunityComponent:
    """The community count ("At DiseaseMaps.org, 12 people with X have already connected")."""

    def __call__(self, doc: Doc) -> Doc:
        m = _COMMUNITY.search(doc.text)
        if m and not re.search(r"\b(?:trial|study|studies|registry)\b", doc.text[: m.start()], re.I):
            doc._.rkg_community = int(m["n"].replace(",", ""))
        return doc


PIPE_NAMES = ("rkg_clauses", "rkg_names", "rkg_prevalence", "rkg_risk_factors", "rkg_treatment_areas", "rkg_community")
