"""A draft's quantified provisions matched to the figures of the corpus by meaning, not wording.

A draft sets figures ("月销售额不超过3万元的小规模纳税人,暂免征收增值税"); the corpus has figures too
(青政发〔2012〕46号 第四条: "增值税起征点统一为月销售额20000元"). Two figures are *the same parameter*
when they measure the same thing for the same tax and beneficiary, whatever the words. Everything this
module knows about meaning is data, read from the store by SPARQL (so it works over an external
endpoint too):

- the cue lexicons (``pk:cue``, data/lexicon/aspects.ttl and cues.ttl): words that signal a measured
  object (月销售额, 税率, 从业人数 …), a comparator (不超过, 以上 …), a qualifier (工业企业 / 其他企业), a tax
  kind, a beneficiary kind and a benefit family;
- what each corpus figure measures (``pk:measuredObject``, ``pk:qualifier``; data/lexicon/figures.ttl), with
  the tax kinds, beneficiaries and family of its measure, its unit, comparator and validity.

A draft figure is read in its scopes: the *clause* around the number (up to , ; 。) for the measured
object and comparator, the *segment* (up to ; : 。) for qualifiers, the *sentence* (up to 。) for tax
kinds, beneficiaries and benefit families (falling back to the whole article, and for beneficiaries to
the draft's title). A corpus figure is a candidate when its base unit is the draft figure's and its
measured object is among the objects of the clause; it is scored (docs/drafts.md, "Matching"):

============================  =========================================================
measured object               +2 named in the clause, +1.5 named earlier in the sentence
tax kind                      +1 shared; a different stated tax kind rules it out
qualifier                     +1 shared; a different stated qualifier rules it out; none stated -0.5
benefit family                +1 when a cue of the measure's family occurs in the sentence
beneficiary                   +0.25 related (same, broader or narrower)
comparator                    +0.25 same direction; opposite direction -1
============================  =========================================================

A match needs :data:`THRESHOLD` (3): the object and at least one of tax kind, qualifier or family. The
best corpus figures are the match: an object of the clause before one named earlier, then the highest
score, then the object nearest the number; ties are kept
("年应纳税所得额不超过50万元" is both the industrial and the other-enterprise threshold of 第五条). Figures
of measures not in force on the as-of date take no part.

>>> Cue.parse("展会|参展+补贴|补助").groups
(('展会', '参展'), ('补贴', '补助'))
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..eligibility.catalogue import Catalogue, DocumentInfo, GroupInfo, article_citation, document_series
from ..errors import LoadError
from ..ingest.numerals import fold_width
from ..ingest.quantities import find_quantities
from ..ingest.references import number_spans
from ..ingest.temporal import date_spans
from ..namespaces import SCHEME, SPARQL_PROLOGUE, local_name

if TYPE_CHECKING:
    from ..store import ReadableStore
    from .load import Draft, DraftArticle

__all__ = [
    "THRESHOLD", "Corpus", "CorpusFigure", "show_value", "show_value_en", "Cue", "DraftFigure", "Lexicon",
    "LimitInfo", "Match", "MeasureInfo", "Matching", "PrecedenceRule", "article_families", "draft_figures",
    "draft_level", "match_draft",
]

#: the score a corpus figure needs to be matched (docs/drafts.md, "Matching")
THRESHOLD = 3.0

_CLAUSE = ",;。\n"
_SEGMENT = ";:。\n"
_SENTENCE = "。\n"
#: distance added to an object named before the clause of the figure (a weaker reading)
_FALLBACK = 1000
_RANGE_JOIN = re.compile(r"^\s*(?:%|元|万元|亿元|人|个月|年|日|天)?\s*(?:—|–|-|~|～|至|到)+\s*$")

_KIND_OF_SCHEME = {
    str(SCHEME["measured-objects"]): "object",
    str(SCHEME["comparators"]): "comparator",
    str(SCHEME["quantity-qualifiers"]): "qualifier",
    str(SCHEME["tax-kinds"]): "tax",
    str(SCHEME["party-kinds"]): "party",
    str(SCHEME["benefit-families"]): "family",
}
_DIRECTION = {"<=": -1, "<": -1, ">=": 1, ">": 1}


def _rows(store: ReadableStore, sparql: str) -> list[Any]:
    try:
        return list(store.query(SPARQL_PROLOGUE + sparql))
    except SyntaxError as e:  # a defect of this module, said in one line
        raise LoadError(f"a draft-matching query is malformed: {e}") from e


def _v(term: Any) -> str | None:
    return None if term is None else str(term.value)


def _date(term: Any) -> date | None:
    if term is None:
        return None
    try:
        return date.fromisoformat(str(term.value)[:10])
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------- cues

@dataclass(frozen=True)
class Cue:
    """One ``pk:cue`` literal: groups that must all occur, synonyms within a group."""

    groups: tuple[tuple[str, ...], ...]

    @classmethod
    def parse(cls, text: str) -> Cue:
        groups = tuple(tuple(fold_width(t).strip() for t in g.split("|") if t.strip()) for g in text.split("+"))
        return cls(tuple(g for g in groups if g))

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(t for g in self.groups for t in g)


@dataclass(frozen=True)
class Occurrence:
    """A term of a cue found in a text (after overlap resolution: the longest term wins)."""

    term: str
    start: int
    end: int
    #: the kinds it was resolved among: "word" (objects, tax kinds, beneficiaries), "comparator", "qualifier"
    group: str = "word"


def _group(kind: str) -> str:
    return kind if kind in ("comparator", "qualifier", "family") else "word"


@dataclass(frozen=True)
class Hit:
    """A concept whose cue occurs in a scope; ``start``/``end`` span the occurrences used."""

    concept: str
    start: int
    end: int
    #: how many groups the cue has (a more specific cue wins among comparators)
    groups: int


def _all(text: str, term: str) -> Iterator[int]:
    start = text.find(term)
    while start >= 0:
        yield start
        start = text.find(term, start + 1)


def _occurrences(text: str, terms: Iterable[str], group: str = "word") -> list[Occurrence]:
    """Every occurrence of the terms in ``text``; an occurrence overlapping a longer one is dropped."""
    found = [Occurrence(term, i, i + len(term), group) for term in set(terms) for i in _all(text, term)]
    found.sort(key=lambda o: (-(o.end - o.start), o.start))
    kept: list[Occurrence] = []
    for o in found:
        if not any(o.start < k.end and k.start < o.end for k in kept):
            kept.append(o)
    kept.sort(key=lambda o: o.start)
    return kept


# ---------------------------------------------------------------------------------------- lexicon

@dataclass(frozen=True)
class Concept:
    iri: str
    kind: str  # object | comparator | qualifier | tax | party | family
    cues: tuple[Cue, ...]
    label_zh: str | None
    label_en: str | None
    notation: str | None = None
    more_favourable: str | None = None


_LEXICON = """
SELECT ?concept ?scheme ?cue ?notation ?fav ?zh ?en WHERE {
  ?concept pk:cue ?cue ; skos:inScheme ?scheme .
  OPTIONAL { ?concept skos:notation ?notation }
  OPTIONAL { ?concept pk:moreFavourable ?fav }
  OPTIONAL { ?concept skos:prefLabel ?zh FILTER(lang(?zh) = "zh") }
  OPTIONAL { ?concept skos:prefLabel ?en FILTER(lang(?en) = "en") }
}
"""
_OBJECTS = """
SELECT ?concept ?fav ?zh ?en WHERE {
  ?concept skos:inScheme scheme:measured-objects .
  OPTIONAL { ?concept pk:moreFavourable ?fav }
  OPTIONAL { ?concept skos:prefLabel ?zh FILTER(lang(?zh) = "zh") }
  OPTIONAL { ?concept skos:prefLabel ?en FILTER(lang(?en) = "en") }
}
"""
_BROADER = """
SELECT ?narrower ?broader WHERE { ?narrower skos:inScheme scheme:party-kinds ; skos:broader+ ?broader . }
"""


@dataclass(frozen=True)
class Lexicon:
    """The cue lexicons of the store: concepts by kind, and the beneficiary hierarchy."""

    concepts: Mapping[str, Concept]
    #: party kind -> every broader party kind (transitively)
    broader: Mapping[str, frozenset[str]]

    @classmethod
    def from_store(cls, store: ReadableStore) -> Lexicon:
        """Read the lexicons.

        Raises:
            LoadError: the store has no cue lexicon (data/lexicon/ not built in).
        """
        rows: dict[str, dict[str, Any]] = {}
        for r in _rows(store, _LEXICON):
            kind = _KIND_OF_SCHEME.get(r["scheme"].value)
            if kind is None:
                continue
            entry = rows.setdefault(r["concept"].value, {"kind": kind, "cues": set(), "notation": _v(r["notation"]),
                                                         "fav": _v(r["fav"]), "zh": _v(r["zh"]), "en": _v(r["en"])})
            entry["cues"].add(r["cue"].value)
        if not rows:
            raise LoadError("the store has no cue lexicon (pk:cue, data/lexicon/); run `policykg build`")
        for r in _rows(store, _OBJECTS):  # objects without cues still have labels and a favourable way
            rows.setdefault(r["concept"].value, {"kind": "object", "cues": set(), "notation": None,
                                                 "fav": _v(r["fav"]), "zh": _v(r["zh"]), "en": _v(r["en"])})
        concepts = {
            iri: Concept(iri, e["kind"], tuple(Cue.parse(c) for c in sorted(e["cues"])), e["zh"], e["en"],
                         e["notation"], e["fav"])
            for iri, e in rows.items()
        }
        broader: dict[str, set[str]] = defaultdict(set)
        for r in _rows(store, _BROADER):
            broader[r["narrower"].value].add(r["broader"].value)
        return cls(concepts, {k: frozenset(v) for k, v in broader.items()})

    def of_kind(self, kind: str) -> list[Concept]:
        return [c for c in self.concepts.values() if c.kind == kind]

    def label(self, iri: str | None) -> str | None:
        c = self.concepts.get(iri or "")
        return c.label_zh if c else None

    def related_parties(self, a: str, b: str) -> bool:
        """Same beneficiary kind, or one broader than the other."""
        return a == b or b in self.broader.get(a, frozenset()) or a in self.broader.get(b, frozenset())

    def hits(self, text: str, kinds: Sequence[str], occurrences: Sequence[Occurrence] | None = None, *,
             lo: int = 0, hi: int | None = None, anchor: int | None = None) -> list[Hit]:
        """Concepts of ``kinds`` whose cue occurs in ``text[lo:hi]`` (``text`` folded).

        ``occurrences`` are the term occurrences of the text after overlap resolution (computed over
        all kinds at once, so that 企业 inside 企业所得税 or 工业企业 is not read as a beneficiary). A cue of
        one group gives a hit per occurrence; a cue of several groups gives one hit, made of the
        occurrences of each group nearest ``anchor`` (else the first ones)."""
        if occurrences is not None:
            occ = list(occurrences)
        elif tuple(kinds) == ("family",):  # the cues of each family stand on their own: no overlap resolution
            occ = [Occurrence(t, i, i + len(t), "family") for t in {t for c in self.of_kind("family")
                                                                     for cue in c.cues for t in cue.terms}
                   for i in _all(text, t)]
        else:
            occ = self.occurrences(text, kinds)
        top = len(text) if hi is None else hi
        by_term: dict[tuple[str, str], list[Occurrence]] = defaultdict(list)
        for o in occ:
            if lo <= o.start and o.end <= top:
                by_term[(o.group, o.term)].append(o)
        out: list[Hit] = []
        for concept in self.concepts.values():
            if concept.kind not in kinds:
                continue
            g = _group(concept.kind)
            for cue in concept.cues:
                if len(cue.groups) == 1:
                    out.extend(Hit(concept.iri, o.start, o.end, 1) for t in cue.groups[0]
                               for o in by_term.get((g, t), ()))
                    continue
                spans: list[Occurrence] = []
                for group in cue.groups:
                    found = [o for t in group for o in by_term.get((g, t), ())]
                    if not found:
                        break
                    spans.append(min(found, key=lambda o: (abs(o.start - anchor) if anchor is not None else 0,
                                                            o.start)))
                else:
                    out.append(Hit(concept.iri, min(x.start for x in spans), max(x.end for x in spans),
                                   len(cue.groups)))
        return out

    def occurrences(self, text: str, kinds: Sequence[str] = ("object", "comparator", "qualifier", "tax", "party")
                    ) -> list[Occurrence]:
        """Term occurrences after overlap resolution; comparator and qualifier words are resolved apart
        from the others (个月内 and 内缴付 overlap in 3个月内缴付, 减按50%计入 and 计入应纳税所得额 in
        减按50%计入应纳税所得额, and both are meant)."""
        def terms(ks: Sequence[str]) -> list[str]:
            return [t for c in self.concepts.values() if c.kind in ks for cue in c.cues for t in cue.terms]

        apart = ("comparator", "qualifier")
        out = _occurrences(text, terms([k for k in kinds if k not in apart]))
        for k in apart:
            if k in kinds:
                out += _occurrences(text, terms((k,)), k)
        return sorted(out, key=lambda o: o.start)


# ----------------------------------------------------------------------------------------- corpus

#: a 第六十二条-style rule of a document: (rule IRI, article number, zh label)
PrecedenceRule = tuple[str, str | None, str | None]


@dataclass(frozen=True)
class MeasureInfo:
    iri: str
    label_zh: str | None
    label_en: str | None
    document: DocumentInfo | None
    article: str | None
    article_iri: str | None
    family: str | None
    beneficiaries: tuple[str, ...]
    tax_kinds: tuple[str, ...]
    valid_from: date | None
    valid_until: date | None
    groups: tuple[str, ...]
    is_benefit: bool

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_until is None or on <= self.valid_until)

    @property
    def citation(self) -> str:
        return article_citation(self.document.name if self.document else None, self.article)


@dataclass(frozen=True)
class CorpusFigure:
    """A figure of the corpus with what it measures."""

    iri: str
    measure: MeasureInfo
    object: str
    qualifiers: tuple[str, ...]
    value: Decimal | None
    unit: str | None
    base_value: Decimal
    base_unit: str | None
    role: str | None
    comparator: str | None
    applies_to_zh: str | None
    applies_to_en: str | None

    @property
    def shown(self) -> str:
        """The figure as the corpus writes it: "20000元", "30万元", "20%"."""
        return show_value(self.value if self.value is not None else self.base_value,
                          self.unit or self.base_unit)


@dataclass(frozen=True)
class LimitInfo:
    """A limit a higher-level rule sets (data/ceilings/), with the shape that checks it."""

    iri: str
    label_zh: str | None
    label_en: str | None
    comparator: str
    base_value: Decimal
    base_unit: str | None
    value: Decimal | None
    unit: str | None
    figures: tuple[str, ...]
    document: DocumentInfo | None
    article: str | None
    article_iri: str | None
    note: str | None
    shape: str | None

    @property
    def shown(self) -> str:
        return show_value(self.value if self.value is not None else self.base_value, self.unit or self.base_unit)


_UNIT_TEXT = {"yuan": "元", "ten-thousand-yuan": "万元", "hundred-million-yuan": "亿元", "percent": "%",
              "person": "人", "month": "个月", "year": "年", "day": "日", "working-day": "个工作日", "hour": "小时",
              "item": "项", "enterprise": "家", "square-metre": "平方米", "ten-thousand-square-metre": "万平方米"}


def _number(value: Decimal, spec: str = "f") -> str:
    """The number without exponent or trailing zeros ("30", "1.5"); ``spec`` ",f" groups the thousands."""
    return format(value.normalize(), spec)


def show_value(value: Decimal, unit: str | None) -> str:
    """ "20000元", "1.5%", "30万元".

    >>> show_value(Decimal("30.0"), "ten-thousand-yuan"), show_value(Decimal("1.50"), "percent")
    ('30万元', '1.5%')
    """
    return f"{_number(value)}{_UNIT_TEXT.get(unit or '', unit or '')}"


_UNIT_EN = {"yuan": "yuan", "ten-thousand-yuan": "× 10,000 yuan", "hundred-million-yuan": "× 100 million yuan",
            "percent": "%", "person": "persons", "month": "months", "year": "years", "day": "days",
            "working-day": "working days", "hour": "hours", "item": "items", "enterprise": "enterprises",
            "square-metre": "m²", "ten-thousand-square-metre": "× 10,000 m²"}


def show_value_en(value: Decimal, unit: str | None) -> str:
    """ "20,000 yuan", "1.5%", "3 months" (base units read better in English).

    >>> show_value_en(Decimal("300000"), "yuan"), show_value_en(Decimal("1.50"), "percent")
    ('300,000 yuan', '1.5%')
    """
    number = _number(value, ",f")
    u = _UNIT_EN.get(unit or "", unit or "")
    return f"{number}{u}" if u == "%" else f"{number} {u}".strip()


_RULES = """
SELECT ?doc ?rule ?type ?number ?label WHERE {
  VALUES ?type { pk:PrecedenceRule pk:HigherLevelPrecedenceRule pk:MostFavourableRule }
  ?rule a ?type ; pk:sourceArticle ?article .
  ?article eli:number ?number ; eli:is_part_of+ ?doc .
  ?doc a eli:LegalResource FILTER NOT EXISTS { ?doc eli:is_part_of ?whole }
  OPTIONAL { ?rule rdfs:label ?label FILTER(lang(?label) = "zh") }
}
"""
_MEASURES = """
SELECT ?measure ?zh ?en ?article ?number ?doc ?srcDoc ?from ?until ?family ?benefit WHERE {
  { ?measure pk:hasQuantity ?q . ?q pk:measuredObject ?o } UNION { ?measure pk:benefitFamily ?f }
  OPTIONAL { ?measure rdfs:label ?zh FILTER(lang(?zh) = "zh") }
  OPTIONAL { ?measure rdfs:label ?en FILTER(lang(?en) = "en") }
  OPTIONAL { ?measure pk:sourceArticle ?article . ?article eli:number ?number ; eli:is_part_of+ ?doc .
             ?doc a eli:LegalResource FILTER NOT EXISTS { ?doc eli:is_part_of ?whole } }
  OPTIONAL { ?measure pk:sourceDocument ?srcDoc }
  OPTIONAL { ?measure pk:validFrom ?from }
  OPTIONAL { ?measure pk:validUntil ?until }
  OPTIONAL { ?measure pk:benefitFamily ?family }
  BIND(EXISTS { ?measure a/rdfs:subClassOf* pk:Benefit } AS ?benefit)
}
"""
_MEASURE_LINKS = """
SELECT ?measure ?p ?o WHERE {
  VALUES ?p { pk:beneficiary pk:taxKind }
  { ?measure pk:hasQuantity ?q . ?q pk:measuredObject ?x } UNION { ?measure pk:benefitFamily ?f }
  ?measure ?p ?o .
}
"""
_FIGURES = """
SELECT ?q ?measure ?object ?value ?unit ?base ?baseUnit ?role ?cmp ?zh ?en WHERE {
  ?measure pk:hasQuantity ?q . ?q pk:measuredObject ?object ; pk:baseValue ?base .
  OPTIONAL { ?q pk:value ?value } OPTIONAL { ?q pk:unit ?unit } OPTIONAL { ?q pk:baseUnit ?baseUnit }
  OPTIONAL { ?q pk:role ?role } OPTIONAL { ?q pk:comparator ?cmp }
  OPTIONAL { ?q pk:appliesTo ?zh FILTER(lang(?zh) = "zh") }
  OPTIONAL { ?q pk:appliesTo ?en FILTER(lang(?en) = "en") }
}
"""
_QUALIFIERS = "SELECT ?q ?qual WHERE { ?m pk:hasQuantity ?q . ?q pk:qualifier ?qual }"
_LIMITS = """
SELECT ?limit ?zh ?en ?cmp ?base ?baseUnit ?value ?unit ?figure ?number ?article ?doc ?srcDoc ?srcNumber ?note ?shape
WHERE {
  ?limit a pk:HigherLevelLimit ; pk:comparator ?cmp ; pk:baseValue ?base ; pk:limitedQuantity ?figure .
  OPTIONAL { ?limit rdfs:label ?zh FILTER(lang(?zh) = "zh") }
  OPTIONAL { ?limit rdfs:label ?en FILTER(lang(?en) = "en") }
  OPTIONAL { ?limit pk:baseUnit ?baseUnit } OPTIONAL { ?limit pk:value ?value } OPTIONAL { ?limit pk:unit ?unit }
  OPTIONAL { ?limit pk:sourceArticle ?article . ?article eli:number ?number ; eli:is_part_of+ ?doc .
             ?doc a eli:LegalResource FILTER NOT EXISTS { ?doc eli:is_part_of ?whole } }
  OPTIONAL { ?limit pk:sourceDocument ?srcDoc }
  OPTIONAL { ?limit pk:sourceArticleNumber ?srcNumber }
  OPTIONAL { ?limit pk:sourceNote ?note }
  OPTIONAL { ?limit pk:limitShape ?shape }
}
"""
_AGENCY_LEVELS = "SELECT ?agency ?rank WHERE { ?agency pk:administrativeLevel ?lv . ?lv skos:notation ?rank }"

_RULE_KIND = {"PrecedenceRule": "precedence", "HigherLevelPrecedenceRule": "higher-level",
              "MostFavourableRule": "most-favourable"}


@dataclass(frozen=True)
class Corpus:
    """What the comparisons need from the store: documents, measures, figures, groups, limits.

    Documents and non-cumulation groups are the eligibility catalogue's
    (:class:`policykg.eligibility.catalogue.Catalogue`), read there once."""

    lexicon: Lexicon
    #: the documents the corpus holds (not those it only cites), by IRI
    documents: Mapping[str, DocumentInfo]
    measures: Mapping[str, MeasureInfo]
    figures: tuple[CorpusFigure, ...]
    groups: Mapping[str, GroupInfo]
    limits: tuple[LimitInfo, ...]
    agency_levels: Mapping[str, int]
    #: document IRI -> its 第六十二条-style rules by kind ("precedence" | "higher-level" | "most-favourable")
    rules: Mapping[str, Mapping[str, PrecedenceRule]]

    @classmethod
    def from_store(cls, store: ReadableStore, catalogue: Catalogue | None = None) -> Corpus:
        """Read everything once; ``catalogue`` is the store's eligibility catalogue if the caller has it.

        Raises:
            LoadError: the store lacks the cue lexicons or the eligibility catalogue.
        """
        lexicon = Lexicon.from_store(store)
        if catalogue is None:
            catalogue = Catalogue.from_store(store)
        rules: dict[str, dict[str, PrecedenceRule]] = defaultdict(dict)
        for r in _rows(store, _RULES):
            kind = _RULE_KIND[local_name(r["type"].value)]
            rules[r["doc"].value].setdefault(kind, (r["rule"].value, _v(r["number"]), _v(r["label"])))
        docs = {iri: d for iri, d in catalogue.documents.items() if d.resolved}
        groups = {g.iri: g for g in catalogue.groups}
        member_of: dict[str, list[str]] = defaultdict(list)
        for group in groups.values():
            for member in group.members:
                member_of[member.iri].append(group.iri)
        links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for r in _rows(store, _MEASURE_LINKS):
            links[r["measure"].value][local_name(r["p"].value)].add(r["o"].value)
        measures: dict[str, MeasureInfo] = {}
        for r in _rows(store, _MEASURES):
            iri = r["measure"].value
            if iri in measures:
                continue
            doc = docs.get(_v(r["doc"]) or _v(r["srcDoc"]) or "")
            start = _date(r["from"]) or (doc.in_force or doc.date_document if doc else None)
            end = _date(r["until"]) or (doc.no_longer_in_force if doc else None)
            measures[iri] = MeasureInfo(
                iri, _v(r["zh"]), _v(r["en"]), doc, _v(r["number"]), _v(r["article"]), _v(r["family"]),
                tuple(sorted(links[iri]["beneficiary"])), tuple(sorted(links[iri]["taxKind"])), start, end,
                tuple(sorted(member_of.get(iri, ()))), r["benefit"] is not None and r["benefit"].value == "true")
        qualifiers: dict[str, set[str]] = defaultdict(set)
        for r in _rows(store, _QUALIFIERS):
            qualifiers[r["q"].value].add(r["qual"].value)
        figures: list[CorpusFigure] = []
        seen: set[str] = set()
        for r in _rows(store, _FIGURES):
            iri = r["q"].value
            measure = measures.get(r["measure"].value)
            if iri in seen or measure is None:
                continue
            seen.add(iri)
            figures.append(CorpusFigure(
                iri, measure, r["object"].value, tuple(sorted(qualifiers.get(iri, ()))),
                Decimal(r["value"].value) if r["value"] is not None else None,
                local_name(r["unit"].value) if r["unit"] is not None else None, Decimal(r["base"].value),
                local_name(r["baseUnit"].value) if r["baseUnit"] is not None else None,
                local_name(r["role"].value) if r["role"] is not None else None, _v(r["cmp"]), _v(r["zh"]), _v(r["en"])))
        figures.sort(key=lambda f: f.iri)
        limit_rows: dict[str, dict[str, Any]] = {}
        for r in _rows(store, _LIMITS):
            lim = limit_rows.setdefault(r["limit"].value, {"row": r, "figures": set()})
            lim["figures"].add(r["figure"].value)
        limits: list[LimitInfo] = []
        for iri, lim in sorted(limit_rows.items()):
            r = lim["row"]
            doc = docs.get(_v(r["doc"]) or _v(r["srcDoc"]) or "")
            limits.append(LimitInfo(
                iri, _v(r["zh"]), _v(r["en"]), r["cmp"].value, Decimal(r["base"].value),
                local_name(r["baseUnit"].value) if r["baseUnit"] is not None else None,
                Decimal(r["value"].value) if r["value"] is not None else None,
                local_name(r["unit"].value) if r["unit"] is not None else None, tuple(sorted(lim["figures"])), doc,
                _v(r["number"]) or _v(r["srcNumber"]), _v(r["article"]), _v(r["note"]), _v(r["shape"])))
        levels = {r["agency"].value: int(r["rank"].value) for r in _rows(store, _AGENCY_LEVELS)}
        return cls(lexicon, docs, measures, tuple(figures), groups, tuple(limits), levels, dict(rules))

    def rule(self, document: DocumentInfo | None, kind: str) -> PrecedenceRule | None:
        """The 第六十二条-style rule of ``kind`` that ``document`` states, if any."""
        return self.rules.get(document.iri, {}).get(kind) if document is not None else None

    def family_measures(self, family: str) -> list[MeasureInfo]:
        return [m for m in self.measures.values() if m.family == family and m.is_benefit]

    def limits_of(self, figure: str) -> list[LimitInfo]:
        return [lim for lim in self.limits if figure in lim.figures]


# ------------------------------------------------------------------------------------------ draft

@dataclass(frozen=True)
class DraftFigure:
    """A figure of a draft article, with what its scopes say."""

    article: str
    article_iri: str
    ordinal: int
    surface: str
    value: Decimal
    unit: str
    base_value: Decimal
    base_unit: str
    start: int
    end: int
    clause: str
    #: (object IRI, distance to the number) nearest first
    objects: tuple[tuple[str, int], ...]
    comparator: str | None
    qualifiers: tuple[str, ...]
    tax_kinds: tuple[str, ...]
    parties: tuple[str, ...]
    families: tuple[str, ...]
    #: "lower" / "upper" when the figure is one end of a range (6%—10%)
    range_end: str | None = None

    @property
    def shown(self) -> str:
        return show_value(self.value, self.unit)


def _bounds(text: str, start: int, end: int, breaks: str) -> tuple[int, int]:
    left = max(text.rfind(ch, 0, start) for ch in breaks) + 1
    rights = [i for i in (text.find(ch, end) for ch in breaks) if i >= 0]
    return left, (min(rights) if rights else len(text))


def _locate(folded: str, surfaces: Sequence[str], exclude: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Positions of the mentions, in order (each searched after the previous one, never inside a
    文号 or a date, never inside a longer number)."""
    out: list[tuple[int, int]] = []
    cursor = 0
    for surface in surfaces:
        s = fold_width(surface)
        found = -1
        number = re.match(r"[\d.,]+|[一二两三四五六七八九十百千零〇]+", s)
        for needle in (s, number.group(0) if number else ""):
            if not needle:
                continue
            i = folded.find(needle, cursor)
            while i >= 0 and (any(a <= i < b for a, b in exclude) or (i > 0 and folded[i - 1] in "0123456789.")):
                i = folded.find(needle, i + 1)
            if i >= 0:
                found, s = i, needle
                break
        if found < 0:
            found = cursor
        out.append((found, found + len(s)))
        cursor = found + len(s)
    return out


def _nearest(hits: Sequence[Hit], start: int, end: int) -> list[tuple[str, int]]:
    """(concept, distance) by distance to the number: before it counts as is, after it doubled."""
    best: dict[str, int] = {}
    for h in hits:
        d = start - h.end if h.end <= start else (2 * (h.start - end) + 1 if h.start >= end else 0)
        d = max(d, 0)
        if h.concept not in best or d < best[h.concept]:
            best[h.concept] = d
    return sorted(best.items(), key=lambda x: (x[1], x[0]))


def draft_figures(article: DraftArticle, lexicon: Lexicon, *, title: str | None = None) -> list[DraftFigure]:
    """The figures of one draft article read in their scopes.

    Raises:
        Nothing.
    """
    text = article.text
    folded = fold_width(text)
    excluded = number_spans(text) + date_spans(text)
    mentions = find_quantities(text, exclude=excluded)
    spans = _locate(folded, [m.surface_text for m in mentions], [(x.start, x.end) for x in excluded])
    occ = lexicon.occurrences(folded)
    title_parties: list[str] = []
    if title:
        title_parties = sorted({h.concept for h in lexicon.hits(fold_width(title), ("party",))})
    whole = lexicon.hits(folded, ("tax", "party"), occ)
    article_tax = sorted({h.concept for h in whole if lexicon.concepts[h.concept].kind == "tax"})
    article_parties = sorted({h.concept for h in whole if lexicon.concepts[h.concept].kind == "party"})
    families_of: dict[tuple[int, int], list[str]] = {}
    out: list[DraftFigure] = []
    for m, (start, end) in zip(mentions, spans):
        c_lo, c_hi = _bounds(folded, start, end, _CLAUSE)
        g_lo, g_hi = _bounds(folded, start, end, _SEGMENT)
        s_lo, s_hi = _bounds(folded, start, end, _SENTENCE)
        clause = lexicon.hits(folded, ("object", "comparator"), occ, lo=c_lo, hi=c_hi, anchor=start)
        objects = _nearest([h for h in clause if lexicon.concepts[h.concept].kind == "object"], start, end)
        # the object may be named earlier in the sentence (给予补助,最高不超过50万元): the nearest one before
        # the clause is a weaker reading (FALLBACK distance)
        before = lexicon.hits(folded, ("object",), occ, lo=s_lo, hi=c_lo, anchor=start)
        objects += [(c, d + _FALLBACK) for c, d in _nearest(before, start, end) if c not in dict(objects)][:1]
        comparators = [h for h in clause if lexicon.concepts[h.concept].kind == "comparator"]
        comparator = None
        if comparators:
            ranked = sorted(comparators, key=lambda h: (-h.groups, _nearest([h], start, end)[0][1]))
            comparator = lexicon.concepts[ranked[0].concept].notation
        quals = lexicon.hits(folded, ("qualifier",), occ, lo=g_lo, hi=g_hi, anchor=start)
        qualifiers = tuple(c for c, _ in _nearest(quals, start, end)[:1])
        sentence = lexicon.hits(folded, ("tax", "party"), occ, lo=s_lo, hi=s_hi)
        tax = sorted({h.concept for h in sentence if lexicon.concepts[h.concept].kind == "tax"}) or article_tax
        parties = (sorted({h.concept for h in sentence if lexicon.concepts[h.concept].kind == "party"})
                   or article_parties or title_parties)
        if (s_lo, s_hi) not in families_of:
            families_of[(s_lo, s_hi)] = sorted({h.concept for h in lexicon.hits(folded[s_lo:s_hi], ("family",))})
        out.append(DraftFigure(
            article.number, article.iri, m.ordinal, m.surface_text, m.value, m.unit, m.base_value, m.base_unit,
            start, end, folded[c_lo:c_hi].strip(), tuple(objects), comparator, qualifiers, tuple(tax),
            tuple(parties), tuple(families_of[(s_lo, s_hi)])))
    # ranges: 6%—10%, 6—10%, 3至5年
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.base_unit == b.base_unit and _RANGE_JOIN.match(folded[a.end:b.start]) and a.base_value <= b.base_value:
            out[i] = _replace(a, range_end="lower", comparator=a.comparator if a.comparator in (">=", ">") else ">=")
            out[i + 1] = _replace(b, range_end="upper", comparator="<=")
    return out


def _replace(f: DraftFigure, **changes: object) -> DraftFigure:
    from dataclasses import replace

    return replace(f, **changes)  # type: ignore[arg-type]


# -------------------------------------------------------------------------------------- matching

@dataclass(frozen=True)
class Match:
    """A draft figure and the corpus figures it sets again (the best-scoring ones)."""

    draft: DraftFigure
    figures: tuple[CorpusFigure, ...]
    score: float
    #: the aspects that agreed, for the explanation: "object", "tax", "qualifier", "family", "beneficiary", "comparator"
    aspects: tuple[str, ...]

    @property
    def is_range(self) -> bool:
        """The corpus figures bound a range (a lower and an upper figure of one measure) the draft
        figure is read against as a whole (给予8%的扣除 against 6%—10%)."""
        dirs = {_DIRECTION.get(f.comparator or "", 0) for f in self.figures}
        return self.draft.range_end is None and dirs >= {-1, 1}


def score(d: DraftFigure, f: CorpusFigure, lexicon: Lexicon) -> tuple[float, int, tuple[str, ...]] | None:
    """The score of corpus figure ``f`` for draft figure ``d``, the distance of its object to the number
    (ties are broken by it) and the aspects that agreed; None when it is ruled out (another unit or
    object, a different stated tax kind or qualifier)."""
    if d.base_unit != f.base_unit:
        return None
    distance = dict(d.objects).get(f.object)
    if distance is None:
        return None
    total = 2.0 if distance < _FALLBACK else 1.5
    aspects = ["object"]
    if f.measure.tax_kinds:
        if set(d.tax_kinds) & set(f.measure.tax_kinds):
            total += 1
            aspects.append("tax")
        elif d.tax_kinds:
            return None
    if f.qualifiers:
        if set(d.qualifiers) & set(f.qualifiers):
            total += 1
            aspects.append("qualifier")
        elif d.qualifiers:
            return None
        else:  # the draft does not say what sets this figure apart (减按50%计入, 工业企业 …)
            total -= 0.5
    if f.measure.family and f.measure.family in d.families:
        total += 1
        aspects.append("family")
    if any(lexicon.related_parties(a, b) for a in d.parties for b in f.measure.beneficiaries):
        total += 0.25
        aspects.append("beneficiary")
    dd, fd = _DIRECTION.get(d.comparator or "", 0), _DIRECTION.get(f.comparator or "", 0)
    if dd and fd:
        if dd == fd:
            total += 0.25
            aspects.append("comparator")
        else:
            total -= 1
    return total, distance, tuple(aspects)


def match_figure(d: DraftFigure, candidates: Sequence[CorpusFigure], lexicon: Lexicon) -> Match | None:
    """The best corpus figures at or above :data:`THRESHOLD` — highest score, then the object nearest
    the number; ties kept — or None."""
    scored: list[tuple[float, int, tuple[str, ...], CorpusFigure]] = []
    for f in candidates:
        s = score(d, f, lexicon)
        if s is not None and s[0] >= THRESHOLD:
            scored.append((s[0], s[1], s[2], f))
    if not scored:
        return None
    # an object named in the clause beats one named earlier in the sentence, then the score decides,
    # then the object nearest the number
    best = max((dist < _FALLBACK, s, -dist) for s, dist, _, _ in scored)
    top = [(a, f) for s, dist, a, f in scored if (dist < _FALLBACK, s, -dist) == best]
    return Match(d, tuple(f for _, f in top), best[1], top[0][0])


@dataclass(frozen=True)
class Matching:
    """Every match of one draft against the corpus in force on ``as_of``."""

    corpus: Corpus
    as_of: date
    figures: tuple[DraftFigure, ...]
    matches: tuple[Match, ...]
    #: the draft's administrative level rank (None unknown) and how it was found
    level: int | None
    level_basis: str | None
    #: the draft's own date (else the as-of date): lex posterior compares it with the corpus
    draft_date: date


def match_draft(draft: Draft, corpus: Corpus, as_of: date) -> Matching:
    """Read every figure of the draft and match it to the corpus figures in force on ``as_of``.

    Raises:
        Nothing.
    """
    live = [f for f in corpus.figures if f.measure.in_force(as_of)]
    figures: list[DraftFigure] = []
    matches: list[Match] = []
    for article in draft.articles:
        for d in draft_figures(article, corpus.lexicon, title=draft.title):
            figures.append(d)
            m = match_figure(d, live, corpus.lexicon)
            if m is not None:
                matches.append(m)
    level, basis = draft_level(draft, corpus)
    return Matching(corpus, as_of, tuple(figures), tuple(matches), level, basis, draft.date or as_of)


def draft_level(draft: Draft, corpus: Corpus) -> tuple[int | None, str | None]:
    """The administrative level of the draft: of the body that passes it (eli:passed_by, or a known
    signatory), else of the corpus documents of the same 文号 series (青政发 → 青岛市人民政府)."""
    from ..namespaces import ELI

    passed = [str(o) for o in draft.graph.objects(None, ELI.passed_by)]
    if draft.document is not None and draft.document.passed_by:
        passed.append(draft.document.passed_by)
    ranks = [corpus.agency_levels[a] for a in passed if a in corpus.agency_levels]
    if ranks:
        return min(ranks), "passed_by"
    series = document_series(draft.document_number)
    if series:
        same = [d.level for d in corpus.documents.values() if d.prefix == series and d.level is not None]
        if same:
            return min(same), f"series {series}"
    return None, None


# -------------------------------------------------------------------------------- article level

@dataclass(frozen=True)
class SentenceFamilies:
    """The benefit families a sentence of a draft article grants, with its beneficiaries and taxes."""

    article: str
    article_iri: str
    sentence: str
    families: tuple[str, ...]
    parties: tuple[str, ...]
    tax_kinds: tuple[str, ...]


def article_families(article: DraftArticle, lexicon: Lexicon, *, title: str | None = None
                     ) -> Iterator[SentenceFamilies]:
    """Each sentence of the article with the benefit families whose cues occur in it.

    Raises:
        Nothing.
    """
    folded = fold_width(article.text)
    occ = lexicon.occurrences(folded)
    article_parties = sorted({h.concept for h in lexicon.hits(folded, ("party",), occ)})
    title_parties = sorted({h.concept for h in lexicon.hits(fold_width(title), ("party",))}) if title else []
    start = 0
    for i in range(len(folded) + 1):
        if i == len(folded) or folded[i] in _SENTENCE:
            sentence = folded[start:i].strip()
            if sentence:
                families = sorted({h.concept for h in lexicon.hits(sentence, ("family",))})
                if families:
                    hits = lexicon.hits(folded, ("tax", "party"), occ, lo=start, hi=i)
                    parties = sorted({h.concept for h in hits if lexicon.concepts[h.concept].kind == "party"})
                    taxes = sorted({h.concept for h in hits if lexicon.concepts[h.concept].kind == "tax"})
                    yield SentenceFamilies(article.number, article.iri, sentence, tuple(families),
                                           tuple(parties or article_parties or title_parties), tuple(taxes))
            start = i + 1
