"""The value comparisons of a draft with the corpus: conflict, exceeds-ceiling, overlap.

:data:`CHECKS` is what drafts/check.py runs (each a ``Check``: ``(Draft, Context) -> Iterable[Finding]``);
all three share one reading of the draft (:func:`comparison`, cached per check run):

- **conflict** — a draft figure matched (drafts/matching.py) to a corpus figure in force on the as-of date
  with a different value. The finding says which value prevails and by which rule (docs/drafts.md,
  "Conflict"): *lex superior* (a higher-level rule: a limit of data/ceilings/ the draft value breaks, or a
  corpus document of a higher administrative level), *lex posterior* between rules of one level (the later
  prevails), and 第六十二条 of 46号 where it speaks: 以本意见为准 for earlier local rules, 按从优原则执行 when a
  national or provincial rule meets it. Severity ``violation`` when the corpus value prevails (the draft
  figure would not take effect), ``warning`` when the draft's would (it changes the corpus and must say so).
  A draft value inside a corpus range (给予8%的扣除 against 6%—10%) is no conflict.
- **exceeds-ceiling** — SHACL: the values the draft proposes for corpus figures (``F pk:proposedValue v``)
  validated against shapes/ceilings.ttl (read from the store's shapes graph) by the compiled SHACL Core
  evaluator (:mod:`policykg.eligibility.compiled`). One finding per draft figure and limit, ``violation``.
- **overlap** — a draft sentence granting an entitlement the corpus already grants (the cues of a benefit
  family, data/lexicon/cues.ttl; or a figure restating a corpus figure with the same value) to a related
  beneficiary (same, broader or narrower kind) and, where both say, the same tax: a ``warning`` pointing at
  the non-cumulation rule that will apply (the group of data/*/non-cumulation.ttl, else 第六十二条). A family
  or non-cumulation group the same article conflicts with (a figure of one of its measures) is reported as
  the conflict only.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH, XSD

from ..eligibility.catalogue import Catalogue, GroupInfo, article_citation
from ..eligibility.compiled import compile_shapes, validate_graph
from ..namespaces import GRAPH, PK
from .load import Draft
from .matching import (
    Corpus,
    CorpusFigure,
    DraftFigure,
    LimitInfo,
    Match,
    Matching,
    MeasureInfo,
    article_families,
    match_draft,
    show_value,
    show_value_en,
)
from .model import VIOLATION, WARNING, Finding, Related

if TYPE_CHECKING:
    from ..store import ReadableStore
    from .check import Check, Context

__all__ = ["CHECKS", "Comparison", "Conflict", "Precedence", "check_ceilings", "check_conflicts", "check_overlaps",
           "compare_draft", "comparison", "corpus", "precedence"]

LEX_SUPERIOR, LEX_POSTERIOR, ARTICLE_62 = "lex superior", "lex posterior", "第六十二条"
_LEVEL_ZH = {1: "国家", 2: "省", 3: "市", 4: "区(市)"}
_LEVEL_EN = {1: "national", 2: "provincial", 3: "municipal", 4: "district"}

_CEILING_SHAPES = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }" % GRAPH["shapes/ceilings"]


# ------------------------------------------------------------------------------------ shared state

_CORPORA: weakref.WeakKeyDictionary[Any, Corpus] = weakref.WeakKeyDictionary()
_COMPARISONS: weakref.WeakKeyDictionary[Any, tuple[Draft, Comparison]] = weakref.WeakKeyDictionary()


def corpus(store: ReadableStore, catalogue: Callable[[], Catalogue] | None = None) -> Corpus:
    """The corpus as the comparisons read it, once per store object.

    ``catalogue`` gives the store's eligibility catalogue (e.g. the engine's a check context already
    has); it is asked for only when the corpus is read. Without it the catalogue is read from the store.

    Raises:
        LoadError: the store lacks the cue lexicons (data/lexicon/) or the eligibility catalogue.
    """
    try:
        cached = _CORPORA.get(store)
    except TypeError:  # a store that cannot be weakly referenced
        return Corpus.from_store(store, catalogue() if catalogue else None)
    if cached is None:
        cached = _CORPORA[store] = Corpus.from_store(store, catalogue() if catalogue else None)
    return cached


@dataclass(frozen=True)
class Precedence:
    """Which value prevails between a draft figure and a corpus figure, and why."""

    prevails: str  # "corpus" | "draft"
    rules: tuple[str, ...]
    reason_zh: str
    reason_en: str
    #: "draft" | "corpus" | None: the value more favourable to the beneficiary
    more_favourable: str | None
    related: tuple[Related, ...] = ()


@dataclass(frozen=True)
class Conflict:
    draft: DraftFigure
    figures: tuple[CorpusFigure, ...]
    corpus_value: Decimal
    precedence: Precedence
    #: the limits the draft value breaks (those decide lex superior)
    broken: tuple[LimitInfo, ...]


@dataclass
class Comparison:
    """One reading of a draft against the corpus, shared by the three checks."""

    matching: Matching
    conflicts: list[Conflict] = field(default_factory=list)
    #: (draft article, measure IRI) of the agreements (a figure restated with the same value)
    agreements: list[tuple[DraftFigure, CorpusFigure]] = field(default_factory=list)
    #: (draft figure, limit, zh message, en message)
    ceilings: list[tuple[DraftFigure, LimitInfo, CorpusFigure, str, str]] = field(default_factory=list)

    @property
    def corpus(self) -> Corpus:
        return self.matching.corpus


def comparison(draft: Draft, context: Context) -> Comparison:
    """The comparison of ``draft`` in ``context`` (computed once per check run).

    Raises:
        LoadError: the store lacks the cue lexicons.
    """
    def catalogue() -> Catalogue:
        return context.engine.catalogue

    try:
        cached = _COMPARISONS.get(context)
    except TypeError:  # a context whose store cannot be hashed: no caching
        return compare_draft(draft, context.store, context.as_of, catalogue=catalogue)
    if cached is not None and cached[0] is draft:
        return cached[1]
    result = compare_draft(draft, context.store, context.as_of, catalogue=catalogue)
    _COMPARISONS[context] = (draft, result)
    return result


def compare_draft(draft: Draft, store: ReadableStore, as_of: date, *,
                  catalogue: Callable[[], Catalogue] | None = None) -> Comparison:
    """Match the draft's figures to the corpus in force on ``as_of``; find conflicts and broken limits.

    ``catalogue`` gives the store's eligibility catalogue if the caller has it (see :func:`corpus`).

    Raises:
        LoadError: the store lacks the cue lexicons or the eligibility catalogue.
        ValidationFailure: the ceiling shapes are malformed.
    """
    result = Comparison(match_draft(draft, corpus(store, catalogue), as_of))
    _conflicts(result)
    _ceilings(result, store)
    return result


# ---------------------------------------------------------------------------------------- rules

def _favourable(f: CorpusFigure, draft_value: Decimal, corpus_value: Decimal, corpus: Corpus) -> str | None:
    way = corpus.lexicon.concepts[f.object].more_favourable if f.object in corpus.lexicon.concepts else None
    if way not in ("higher", "lower") or draft_value == corpus_value:
        return None
    higher = "draft" if draft_value > corpus_value else "corpus"
    return higher if way == "higher" else ("corpus" if higher == "draft" else "draft")


def _limit_related(limit: LimitInfo) -> Related:
    doc = limit.document
    return Related(doc.name if doc else limit.iri, limit.article, limit.article_iri or limit.iri, limit.label_zh)


def _limit_source(limit: LimitInfo) -> str:
    doc = limit.document
    return article_citation(doc.name if doc else None, limit.article) if doc else (limit.note or limit.iri)


def _rule_related(m: MeasureInfo, kind: str, corpus: Corpus) -> tuple[Related, ...]:
    rule = corpus.rule(m.document, kind)
    if rule is None or m.document is None:
        return ()
    iri, number, label = rule
    return (Related(m.document.name, number, iri, label),)


def precedence(d: DraftFigure, f: CorpusFigure, corpus_value: Decimal, matching: Matching,
               broken: Iterable[LimitInfo] = ()) -> Precedence:
    """Which of the draft's value and the corpus figure's prevails (docs/drafts.md, "Conflict")."""
    c = matching.corpus
    fav = _favourable(f, d.base_value, corpus_value, c)
    broken = tuple(broken)
    m = f.measure
    cite = m.citation
    if broken:
        lim = broken[0]
        src = _limit_source(lim)
        return Precedence("corpus", (LEX_SUPERIOR,),
                          f"草案数值超出上位规定限值({lim.label_zh},{src}),按上位法优于下位法,以{cite}的规定为准",
                          f"the draft value breaks a limit set by a higher-level rule ({lim.label_en}, {src}): "
                          f"lex superior, {cite} prevails", fav, (_limit_related(lim),))
    corpus_level = m.document.level if m.document else None
    draft_level = matching.level
    if corpus_level is not None and draft_level is not None and corpus_level < draft_level:
        return Precedence("corpus", (LEX_SUPERIOR,),
                          f"{cite}为{_LEVEL_ZH.get(corpus_level, '上级')}规定,草案为{_LEVEL_ZH.get(draft_level, '下级')}规定,"
                          f"按上位法优于下位法,以{cite}为准",
                          f"{cite} is a {_LEVEL_EN.get(corpus_level, 'higher-level')} rule and the draft a "
                          f"{_LEVEL_EN.get(draft_level, 'lower-level')} one: lex superior, {cite} prevails", fav)
    if corpus_level is not None and draft_level is not None and corpus_level > draft_level:
        rule = _rule_related(m, "most-favourable", c)
        if rule and fav is not None:
            winner = fav
            zh_w = "草案" if winner == "draft" else cite
            return Precedence(winner, (ARTICLE_62, LEX_SUPERIOR),
                              f"草案为上级规定;按{m.document.name if m.document else ''}第六十二条“按从优原则执行,不重复享受”,"
                              f"以对企业更有利的{zh_w}为准",
                              f"the draft is a higher-level rule; by article 62 of {m.document.name if m.document else ''} "
                              f"(the most favourable applies, never both) the "
                              f"{'draft' if winner == 'draft' else cite} value, more favourable to enterprises, applies",
                              fav, rule)
        return Precedence("draft", (LEX_SUPERIOR,), f"草案为上级规定,按上位法优于下位法,以草案为准",
                          "the draft is a higher-level rule: lex superior, the draft prevails", fav)
    # same level (or a level that cannot be told): the later rule prevails
    corpus_date = m.document.date_document if m.document else None
    same = "同级" if corpus_level is not None and corpus_level == draft_level else ""
    if corpus_date is not None and matching.draft_date <= corpus_date:
        rule = _rule_related(m, "precedence", c)
        rules = (LEX_POSTERIOR, ARTICLE_62) if rule else (LEX_POSTERIOR,)
        extra = "(第六十二条:凡以往我市有关政策、规定与本意见不一致的,以本意见为准)" if rule else ""
        return Precedence("corpus", rules, f"{cite}晚于草案施行,按新法优于旧法,以{cite}为准{extra}",
                          f"{cite} is later than the draft: lex posterior, {cite} prevails"
                          f"{' (article 62: earlier local rules yield to it)' if rule else ''}", fav, rule)
    note_zh = "" if same else "(草案层级无法判定,按施行日期)"
    note_en = "" if same else " (the draft's level is unknown: by date)"
    return Precedence("draft", (LEX_POSTERIOR,),
                      f"{same}规定按新法优于旧法,草案施行后以草案为准;应在草案中明确修改或废止{cite}的相应规定{note_zh}",
                      f"lex posterior: once in force the later draft prevails; it should say that it amends {cite}{note_en}",
                      fav)


# -------------------------------------------------------------------------------------- conflict

def _range(figures: tuple[CorpusFigure, ...]) -> tuple[Decimal, Decimal]:
    lows = [f.base_value for f in figures if f.comparator in (">=", ">")]
    highs = [f.base_value for f in figures if f.comparator in ("<=", "<")]
    return min(lows), max(highs)


def _conflicts(result: Comparison) -> None:
    matching = result.matching
    for m in matching.matches:
        d = m.draft
        if m.is_range:
            low, high = _range(m.figures)
            if low <= d.base_value <= high:
                result.agreements.extend((d, f) for f in m.figures)
                continue
            crossed = [f for f in m.figures if (f.comparator in (">=", ">")) == (d.base_value < low)]
            by_value = {(f.measure.iri, f.base_value): f for f in crossed}
        else:
            by_value = {}
            for f in m.figures:
                if f.base_value == d.base_value:
                    result.agreements.append((d, f))
                else:
                    by_value.setdefault((f.measure.iri, f.base_value), f)
        for (measure, value), f in sorted(by_value.items(), key=lambda kv: kv[1].iri):
            same = tuple(x for x in m.figures if x.measure.iri == measure and x.base_value == value)
            broken = tuple(lim for x in same for lim in matching.corpus.limits_of(x.iri)
                           if not _within(d.base_value, lim))
            if any(c.draft.article_iri == d.article_iri and c.draft.base_value == d.base_value and c.figures == same
                   for c in result.conflicts):
                continue  # the same figure said twice: 低于10万元(含10万元)
            result.conflicts.append(Conflict(d, same, value, precedence(d, f, value, matching, broken), broken))


def _within(value: Decimal, limit: LimitInfo) -> bool:
    return {"<=": value <= limit.base_value, "<": value < limit.base_value, ">=": value >= limit.base_value,
            ">": value > limit.base_value}.get(limit.comparator, True)


def _label(figures: tuple[CorpusFigure, ...], corpus: Corpus) -> tuple[str, str]:
    """What the figures measure: the article's words for one figure, the measured object for several."""
    f = figures[0]
    obj = corpus.lexicon.concepts.get(f.object)
    if len(figures) == 1:
        return f.applies_to_zh or (obj.label_zh if obj else None) or f.iri, \
            f.applies_to_en or (obj.label_en if obj else None) or f.iri
    return (obj.label_zh if obj else None) or f.iri, (obj.label_en if obj else None) or f.iri


def _figure_related(f: CorpusFigure) -> Related:
    m = f.measure
    return Related(m.document.name if m.document else f.iri, m.article, f.iri, f.applies_to_zh or m.label_zh)


def check_conflicts(draft: Draft, context: Context) -> Iterator[Finding]:
    """Findings of kind ``conflict`` (docs/drafts.md, "Conflict").

    Raises:
        LoadError: the store lacks the cue lexicons.
    """
    result = comparison(draft, context)
    c = result.corpus
    for x in result.conflicts:
        d, f, p = x.draft, x.figures[0], x.precedence
        label_zh, label_en = _label(x.figures, c)
        corpus_shown = show_value(x.corpus_value if f.value is None or f.base_value != x.corpus_value
                                  else f.value, f.unit if f.base_value == x.corpus_value else f.base_unit)
        cite = f.measure.citation
        zh = (f"草案规定“{d.clause}”({d.shown}),与{cite}规定的{label_zh}{corpus_shown}不一致;{p.reason_zh}")
        en = (f"the draft sets {show_value_en(d.base_value, d.base_unit)} (“{d.clause}”) where {cite} sets "
              f"{show_value_en(x.corpus_value, f.base_unit)} for {label_en}; {p.reason_en}")
        details: dict[str, object] = {
            "parameter": f.object, "parameter_label": c.lexicon.label(f.object), "draft_value": d.base_value,
            "draft_text": d.surface, "corpus_value": x.corpus_value, "unit": f.base_unit,
            "corpus_figures": [g.iri for g in x.figures], "prevails": p.prevails, "rule": list(p.rules),
            "more_favourable": p.more_favourable, "draft_level": result.matching.level,
            "corpus_level": f.measure.document.level if f.measure.document else None,
        }
        if x.broken:
            details["limits"] = [lim.iri for lim in x.broken]
        related = tuple(dict.fromkeys(_figure_related(g) for g in x.figures)) + p.related
        yield Finding("conflict", VIOLATION if p.prevails == "corpus" else WARNING, d.article, zh, en, related,
                      details)


# -------------------------------------------------------------------------------- exceeds-ceiling

def _ceiling_shapes(store: ReadableStore) -> Graph:
    g = Graph()
    result = store.query(_CEILING_SHAPES)
    try:
        data = result.serialize(format=ox.RdfFormat.N_TRIPLES)
    except AttributeError:  # a store whose CONSTRUCT results are plain triples
        data = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
    g.parse(data=data, format="nt")
    return g


_SHAPES: weakref.WeakKeyDictionary[Any, tuple[Graph, Any]] = weakref.WeakKeyDictionary()


def _compiled(store: ReadableStore) -> tuple[Graph, Any]:
    try:
        cached = _SHAPES.get(store)
    except TypeError:
        g = _ceiling_shapes(store)
        return g, compile_shapes(g)
    if cached is None:
        g = _ceiling_shapes(store)
        cached = _SHAPES[store] = (g, compile_shapes(g))
    return cached


def _ceilings(result: Comparison, store: ReadableStore) -> None:
    """Validate the proposed values with shapes/ceilings.ttl (SHACL) and keep the results."""
    proposals: dict[tuple[str, Decimal], list[tuple[DraftFigure, CorpusFigure]]] = defaultdict(list)
    data = Graph()
    for m in result.matching.matches:
        for f in m.figures:
            proposals[(f.iri, m.draft.base_value)].append((m.draft, f))
            data.add((URIRef(f.iri), PK.proposedValue, Literal(m.draft.base_value, datatype=XSD.decimal)))
    if not proposals:
        return
    shapes, compiled = _compiled(store)
    parent = {str(p): str(n) for n, p in shapes.subject_objects(SH.property)}
    limits = {lim.shape: lim for lim in result.corpus.limits if lim.shape}
    seen: set[tuple[str, int, str]] = set()
    for r in sorted(validate_graph(compiled, data), key=lambda r: (str(r.focus), str(r.value))):
        node_shape = parent.get(str(r.source_shape), str(r.source_shape))
        limit = limits.get(node_shape)
        if limit is None or not isinstance(r.value, Literal):
            continue
        value = Decimal(str(r.value))
        for d, f in proposals.get((str(r.focus), value), ()):
            key = (d.article_iri, d.ordinal, limit.iri)
            if key in seen:
                continue
            seen.add(key)
            result.ceilings.append((d, limit, f, r.message("zh") or limit.label_zh or "", r.message("en") or
                                    limit.label_en or ""))


def check_ceilings(draft: Draft, context: Context) -> Iterator[Finding]:
    """Findings of kind ``exceeds-ceiling``: SHACL (shapes/ceilings.ttl) over the draft's proposed values.

    Raises:
        LoadError: the store lacks the cue lexicons.
        ValidationFailure: the ceiling shapes are malformed.
    """
    result = comparison(draft, context)
    for d, limit, f, zh, en in result.ceilings:
        details: dict[str, object] = {
            "draft_value": d.base_value, "draft_text": d.surface, "limit_value": limit.base_value,
            "comparator": limit.comparator, "unit": limit.base_unit, "limit": limit.iri, "shape": limit.shape,
            "corpus_figure": f.iri, "parameter": f.object,
        }
        yield Finding("exceeds-ceiling", VIOLATION, d.article, f"草案规定“{d.clause}”({d.shown}):{zh}",
                      f"the draft sets {show_value_en(d.base_value, d.base_unit)} (“{d.clause}”): {en}",
                      (_limit_related(limit), _figure_related(f)), details)


# ----------------------------------------------------------------------------------------- overlap

def _group_related(g: GroupInfo) -> Related:
    return Related(g.document.name if g.document else g.iri, g.article, g.iri, g.label_zh)


def check_overlaps(draft: Draft, context: Context) -> Iterator[Finding]:
    """Findings of kind ``overlap`` (docs/drafts.md, "Overlap").

    Raises:
        LoadError: the store lacks the cue lexicons.
    """
    result = comparison(draft, context)
    c = result.corpus
    as_of = context.as_of
    # a conflict with a measure is the finding about its family and its non-cumulation groups in that article
    conflicting = {(x.draft.article_iri, f.measure.family or f.measure.iri) for x in result.conflicts for f in x.figures}
    conflicting |= {(x.draft.article_iri, g) for x in result.conflicts for f in x.figures for g in f.measure.groups}
    # article -> family -> (measures, the draft sentence)
    found: dict[str, dict[str, tuple[set[str], str]]] = defaultdict(dict)
    numbers: dict[str, str] = {}
    for article in draft.articles:
        numbers[article.iri] = article.number
        for sf in article_families(article, c.lexicon, title=draft.title):
            for family in sf.families:
                for m in c.family_measures(family):
                    if not m.in_force(as_of) or (article.iri, family) in conflicting or any(
                            (article.iri, g) in conflicting for g in m.groups):
                        continue
                    if sf.parties and m.beneficiaries and not any(
                            c.lexicon.related_parties(a, b) for a in sf.parties for b in m.beneficiaries):
                        continue
                    if sf.tax_kinds and m.tax_kinds and not set(sf.tax_kinds) & set(m.tax_kinds):
                        continue
                    entry = found[article.iri].setdefault(family, (set(), sf.sentence))
                    entry[0].add(m.iri)
    for d, f in result.agreements:  # a figure restated with the same value restates its measure
        m = f.measure
        if m.is_benefit and m.family and m.in_force(as_of) and (d.article_iri, m.family) not in conflicting \
                and not any((d.article_iri, g) in conflicting for g in m.groups):
            entry = found[d.article_iri].setdefault(m.family, (set(), d.clause))
            entry[0].add(m.iri)
    for article in draft.articles:
        for family, (measure_iris, sentence) in sorted(found.get(article.iri, {}).items()):
            measures = sorted((c.measures[i] for i in measure_iris), key=lambda m: (int(m.article or 0), m.iri))
            groups = sorted({g for m in measures for g in m.groups})
            related = [Related(m.document.name if m.document else m.iri, m.article, m.iri, m.label_zh)
                       for m in measures]
            related += [_group_related(c.groups[g]) for g in groups if g in c.groups]
            rules = [r for m in measures for r in _rule_related(m, "most-favourable", c)]
            if not groups and rules:
                related.append(rules[0])
            related = list(dict.fromkeys(related))
            fam = c.lexicon.concepts.get(family)
            fam_zh = fam.label_zh if fam and fam.label_zh else family
            fam_en = fam.label_en if fam and fam.label_en else family
            cites = "、".join(dict.fromkeys(m.citation for m in measures))
            if groups:
                g0 = c.groups[groups[0]]
                rule_zh = f"不重复享受组“{g0.label_zh}”({_strategy_zh(g0.strategy)})"
                rule_en = f"the non-cumulation group “{g0.label_en}” ({g0.strategy})"
            else:
                rule_zh = "第六十二条“按从优原则执行,不重复享受”"
                rule_en = "article 62 (the most favourable applies, never both)"
            zh = f"草案“{_short(sentence)}”给予的权益({fam_zh})已由{cites}给予;企业不重复享受,适用{rule_zh}"
            en = (f"the draft grants an entitlement ({fam_en}) that {cites} already grants; an enterprise gets it "
                  f"once, under {rule_en}")
            details: dict[str, object] = {
                "family": family, "family_label": fam_zh, "measures": [m.iri for m in measures],
                "groups": [{"group": g, "strategy": c.groups[g].strategy} for g in groups if g in c.groups],
                "rule": ARTICLE_62,
            }
            yield Finding("overlap", WARNING, numbers[article.iri], zh, en, tuple(related), details)


def _strategy_zh(strategy: str) -> str:
    return {"most-favourable-by-value": "按从优原则执行", "higher-level-prevails": "按国家和省的规定执行",
            "beneficiary-chooses": "由受益方选择其一"}.get(strategy, strategy)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


#: the checks drafts/check.py runs after structure and references, in this order
CHECKS: tuple[Check, ...] = (check_conflicts, check_ceilings, check_overlaps)
