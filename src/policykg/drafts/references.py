"""Reference checks: what the draft cites must exist in the corpus and be in force on the as-of date.

Citations are read by the ingester (text drafts: 文号, 《title》 or both, in the preamble and in each
article) or taken from ``eli:cites`` (Turtle drafts). Each is resolved against the corpus registry
(:func:`policykg.drafts.check.corpus_registry`) and, when known, against the validity facts of the
store.

dangling-reference
    *violation* — the 文号 and the 《title》 name different corpus documents; the 文号 is unknown but
    a corpus document of the same series and year, or a corpus title, is a near miss (the suggestion
    is given); a pinpointed article (…46号第七十条) that the cited document does not have.
    *warning* — a document the corpus does not know at all (it may exist outside the corpus).
expired-reference
    *violation* — the cited document is no longer in force on the as-of date
    (``eli:date_no_longer_in_force`` ≤ as-of, or ``pk:validUntil`` < as-of), or the provision the
    citing sentence invokes is: a measure of the cited document (or of the pinpointed article) whose
    ``pk:validUntil`` is before the as-of date and whose label the citing sentence matches best
    (character-bigram Dice ≥ :data:`MATCH_THRESHOLD`), or a pinpointed article all of whose measures
    have ended. *warning* — a pinpointed article some of whose measures have ended, when the sentence
    does not say which; or a cited document not yet in force on the as-of date.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import URIRef

from ..ingest.numerals import CHINESE_DIGITS, chinese_to_int, fold_width
from ..ingest.registry import normalise_id_local, normalise_title
from ..namespaces import ELI
from .load import Draft
from .model import VIOLATION, WARNING, Finding, Related

if TYPE_CHECKING:
    from .check import Context

__all__ = ["MATCH_THRESHOLD", "CitedReference", "check_references", "citations", "dice"]

#: least character-bigram Dice coefficient between a citing sentence and a measure label for the
#: sentence to be taken as invoking that measure (tuned on tests/fixtures/drafts; docs/drafts.md)
MATCH_THRESHOLD = 0.2

_PINPOINT = re.compile(
    rf"^\s*(?:文件|文)?\s*(?:中|的)?\s*(?:第\s*\(?\s*(?P<a>[0-9{CHINESE_DIGITS}]+)\s*\)?\s*[条项款]"
    rf"|\(\s*(?P<b>[0-9{CHINESE_DIGITS}]+)\s*\)\s*[条项款]?)"
)
_SENTENCE = re.compile(r"[^。;!?\n]+[。;!?]?")
_ID_PARTS = re.compile(r"^(?P<prefix>.+)〔(?P<year>\d{4})〕(?P<number>\d+)号$")
_SAFE_IRI = re.compile(r"^[^\s<>\"{}|^`\\]+$")

_DOCUMENT = """
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX pk: <https://w3id.org/policykg/ontology#>
SELECT ?d ?id ?title ?end ?until ?start ?from WHERE {
  OPTIONAL { ?d eli:id_local ?id }
  OPTIONAL { ?d eli:title ?title FILTER(LANG(?title) = "zh" || LANG(?title) = "") }
  OPTIONAL { ?d eli:date_no_longer_in_force ?end }
  OPTIONAL { ?d pk:validUntil ?until }
  OPTIONAL { ?d eli:first_date_entry_in_force ?start }
  OPTIONAL { ?d pk:validFrom ?from }
}"""
# the articles of a document (?d bound) or the document and number of an article (?a bound)
_ARTICLES = """
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX pk: <https://w3id.org/policykg/ontology#>
SELECT ?d ?a ?n WHERE { ?a a pk:Article ; pk:document ?d ; eli:number ?n . }"""
_MEASURES = """
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX pk: <https://w3id.org/policykg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?d ?m ?a ?n ?label ?from ?until ?said WHERE {
  ?m a pk:Measure .
  { ?m pk:sourceDocument ?d } UNION { ?m pk:sourceArticle ?a0 . ?a0 pk:document ?d }
  OPTIONAL { ?m pk:sourceArticle ?a . ?a eli:number ?n }
  OPTIONAL { ?m rdfs:label ?label FILTER(LANG(?label) = "zh") }
  OPTIONAL { ?m pk:validFrom ?from }
  OPTIONAL { ?m pk:validUntil ?until }
  OPTIONAL { ?m pk:validityText ?said }
}"""


@dataclass(frozen=True)
class CitedReference:
    """One citation of the draft, wherever it comes from."""

    #: the draft article citing, None for the title and preamble
    article: str | None
    #: the IRI the citation resolved to (a corpus IRI when resolved)
    iri: str
    id_local: str | None
    title: str | None
    #: the citation as written ("《…》(国发〔2012〕14号)"), or the IRI for Turtle drafts
    surface: str
    #: the sentence of the draft the citation occurs in (what it invokes)
    sentence: str
    #: a pinpointed article number of the cited document ("5"), if the text gives one
    pinpoint: str | None
    line: int | None


def _bigrams(text: str) -> set[str]:
    chars = [c for c in fold_width(text) if "\u4e00" <= c <= "\u9fff" or c.isalnum()]
    return {chars[i] + chars[i + 1] for i in range(len(chars) - 1)}


def dice(a: str, b: str) -> float:
    """The Dice coefficient of the character bigrams of two texts (CJK and alphanumerics only).

    >>> round(dice("小型微利企业减半征收企业所得税", "将小型微利企业减半征收企业所得税政策延长至2015年底"), 2)
    0.68
    """
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def _pinpoint(text: str, surface: str) -> str | None:
    at = fold_width(text).find(fold_width(surface))
    if at < 0:
        return None
    m = _PINPOINT.match(fold_width(text[at + len(surface):]))
    if m is None:
        return None
    try:
        return str(chinese_to_int(m["a"] or m["b"]))
    except ValueError:
        return None


def _sentence(text: str, surface: str) -> str:
    for m in _SENTENCE.finditer(text):
        if surface and surface in m.group(0):
            return m.group(0).replace(surface, " ").strip()
    return text


def citations(draft: Draft) -> list[CitedReference]:
    """Every citation of the draft: the document's own (title, preamble) first, then by article."""
    out: list[CitedReference] = []
    doc = draft.document
    if doc is not None:
        own_text = "\n".join(t for t in (doc.title, doc.preamble or "") if t)
        for c in doc.citations:
            out.append(CitedReference(None, c.iri, c.id_local, c.title, c.surface_text, _sentence(own_text, c.surface_text),
                                      _pinpoint(own_text, c.surface_text), c.line))
        for article in doc.articles:
            for c in article.citations:
                out.append(CitedReference(article.number, c.iri, c.id_local, c.title, c.surface_text,
                                          _sentence(article.text, c.surface_text), _pinpoint(article.text, c.surface_text),
                                          c.line))
        return out
    graph = draft.graph
    sources: list[tuple[str | None, URIRef, str]] = [(None, URIRef(draft.iri), "")]
    sources += [(a.number, URIRef(a.iri), a.text) for a in draft.articles]
    for number, node, text in sources:
        for cited in sorted(graph.objects(node, ELI.cites), key=str):
            if not isinstance(cited, URIRef):
                continue
            id_local = graph.value(cited, ELI.id_local)
            title = graph.value(cited, ELI.title)
            out.append(CitedReference(
                number, str(cited), normalise_id_local(str(id_local)) if id_local is not None else None,
                str(title) if title is not None else None, str(cited), text, None, None))
    return out


def _rows(context: Context, sparql: str, **bindings: str) -> list[Any]:
    substitutions = {ox.Variable(k): ox.NamedNode(v) for k, v in bindings.items()}
    return list(context.store.query(sparql, substitutions=substitutions))


def _value(row: Any, name: str) -> Any:
    term = row[name]
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        value = term.value
        if term.datatype == ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"):
            try:
                return date.fromisoformat(value)
            except ValueError:
                return None
        return value
    return term.value


def _name(context: Context, iri: str) -> str:
    """How a finding names a corpus document: its 文号, else its title, else the IRI."""
    for number, known in context.registry.document_numbers.items():
        if known == iri:
            return number
    for title, known in context.registry.document_titles.items():
        if known == iri:
            return title
    return iri


def _near_number(context: Context, id_local: str) -> str | None:
    m = _ID_PARTS.match(id_local)
    if m is None:
        return None
    same_series = [n for n in context.registry.document_numbers
                   if (k := _ID_PARTS.match(n)) and k["prefix"] == m["prefix"] and k["year"] == m["year"]]
    return _unique_best(id_local, same_series)


def _near_title(context: Context, title: str) -> str | None:
    return _unique_best(normalise_title(title), list(context.registry.document_titles))


def _unique_best(text: str, candidates: list[str], cutoff: float = 0.8) -> str | None:
    """The candidate closest to ``text`` (difflib ratio ≥ ``cutoff``) when no other is as close.

    >>> _unique_best("青政发〔2012〕64号", ["青政发〔2012〕46号", "青政发〔2012〕19号"])
    '青政发〔2012〕46号'
    >>> _unique_best("青政发〔2012〕49号", ["青政发〔2012〕46号", "青政发〔2012〕19号"]) is None
    True
    """
    scored = sorted(((difflib.SequenceMatcher(None, text, c).ratio(), c) for c in candidates), reverse=True)
    if not scored or scored[0][0] < cutoff or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def _details(ref: CitedReference, **more: object) -> dict[str, object]:
    out: dict[str, object] = {"cited": ref.surface}
    if ref.line is not None:
        out["line"] = ref.line
    out.update({k: v for k, v in more.items() if v is not None})
    return out


def _resolve(ref: CitedReference, context: Context) -> tuple[str | None, Finding | None]:
    """The corpus document a citation names, and a dangling-reference finding if it names none
    (or two different ones)."""
    registry = context.registry
    by_number = registry.document_by_number(ref.id_local) if ref.id_local else None
    by_title = registry.document_by_title(ref.title) if ref.title else None
    if by_number and by_title and by_number != by_title:
        right = _name(context, by_title)
        return by_number, Finding(
            "dangling-reference", VIOLATION, ref.article,
            f"引用的文号“{ref.id_local}”与标题《{ref.title}》不符:该标题的文号是“{right}”",
            f"the cited number {ref.id_local} does not match the title 《{ref.title}》, whose number is {right}",
            (Related(right, None, by_title, ref.title), Related(_name(context, by_number), None, by_number)),
            _details(ref, suggestion=right))
    if ref.id_local and by_number is None and by_title is not None:
        right = _name(context, by_title)
        return by_title, Finding(
            "dangling-reference", VIOLATION, ref.article,
            f"引用的文号“{ref.id_local}”不存在:《{ref.title}》的文号是“{right}”",
            f"the cited number {ref.id_local} is unknown: 《{ref.title}》 is {right}",
            (Related(right, None, by_title, ref.title),), _details(ref, suggestion=right))
    known = by_number or by_title
    if known is None and ref.id_local is None and ref.title is None:
        # a Turtle draft citing by IRI: known when the registry has that IRI
        if ref.iri in set(registry.document_numbers.values()) | set(registry.document_titles.values()):
            known = ref.iri
    if known is not None:
        return known, None
    suggestion = (_near_number(context, ref.id_local) if ref.id_local else None) or (
        _near_title(context, ref.title) if ref.title else None)
    what = ref.id_local or (f"《{ref.title}》" if ref.title else ref.iri)
    if suggestion is not None:
        target = registry.document_by_number(suggestion) or registry.document_by_title(suggestion)
        return None, Finding(
            "dangling-reference", VIOLATION, ref.article,
            f"引用的文件“{what}”在语料中不存在,是否应为“{suggestion}”?",
            f"the cited document {what} is not in the corpus; did you mean {suggestion}?",
            (Related(_name(context, target), None, target),) if target else (), _details(ref, suggestion=suggestion))
    return None, Finding(
        "dangling-reference", WARNING, ref.article,
        f"引用的文件“{what}”不在语料中,无法核实其存在及效力",
        f"the cited document {what} is not in the corpus: its existence and validity cannot be checked",
        (), _details(ref))


def _document_validity(ref: CitedReference, iri: str, context: Context) -> Iterator[Finding]:
    rows = _rows(context, _DOCUMENT, d=iri)
    if not rows:
        return
    row = rows[0]
    name = _name(context, iri)
    end = _value(row, "end")
    until = _value(row, "until")
    start = _value(row, "start") or _value(row, "from")
    related = (Related(name, None, iri, _value(row, "title")),)
    as_of = context.as_of
    if (end is not None and end <= as_of) or (until is not None and until < as_of):
        last = until if until is not None and (end is None or until < end) else end
        yield Finding(
            "expired-reference", VIOLATION, ref.article,
            f"引用的“{name}”在 {as_of.isoformat()} 已失效(有效期至 {last.isoformat()})",
            f"the cited {name} is no longer in force on {as_of.isoformat()} (in force until {last.isoformat()})",
            related, _details(ref, status="expired", valid_until=until, no_longer_in_force=end))
    elif start is not None and start > as_of:
        yield Finding(
            "expired-reference", WARNING, ref.article,
            f"引用的“{name}”在 {as_of.isoformat()} 尚未施行(自 {start.isoformat()} 起施行)",
            f"the cited {name} is not yet in force on {as_of.isoformat()} (in force from {start.isoformat()})",
            related, _details(ref, status="not-yet-in-force", valid_from=start))


@dataclass(frozen=True)
class _Measure:
    iri: str
    article: str | None
    label: str
    valid_from: date | None
    valid_until: date | None
    said: str | None


def _measures(iri: str, context: Context) -> list[_Measure]:
    out: dict[str, _Measure] = {}
    for row in _rows(context, _MEASURES, d=iri):
        m = str(_value(row, "m"))
        if m in out:
            continue
        out[m] = _Measure(m, _value(row, "n"), _value(row, "label") or "", _value(row, "from"), _value(row, "until"),
                          _value(row, "said"))
    return sorted(out.values(), key=lambda x: x.iri)


def _score(sentence: str, measure: _Measure) -> float:
    """How well a citing sentence names a measure: its label, or the words of its validity clause."""
    return max(dice(sentence, measure.label), dice(sentence, measure.said) if measure.said else 0.0)


def _provision_validity(ref: CitedReference, iri: str, context: Context) -> Iterator[Finding]:
    """The measures the citing sentence invokes (of the pinpointed article, or of the whole document)."""
    name = _name(context, iri)
    as_of = context.as_of
    articles = {str(_value(r, "n")): str(_value(r, "a")) for r in _rows(context, _ARTICLES, d=iri)}
    if ref.pinpoint is not None and articles and ref.pinpoint not in articles:
        yield Finding(
            "dangling-reference", VIOLATION, ref.article,
            f"引用的“{name}”第 {ref.pinpoint} 条不存在(该文件共 {len(articles)} 条)",
            f"the cited {name} has no article {ref.pinpoint} (it has {len(articles)})",
            (Related(name, None, iri),), _details(ref, pinpoint=ref.pinpoint))
        return
    measures = _measures(iri, context)
    if ref.pinpoint is not None:
        measures = [m for m in measures if m.article == ref.pinpoint]
    if not measures:
        return
    scored = sorted(((_score(ref.sentence, m), m) for m in measures), key=lambda x: (-x[0], x[1].iri))
    best_score, best = scored[0]
    ended = [m for m in measures if m.valid_until is not None and m.valid_until < as_of]
    article_of = ref.pinpoint or best.article
    if best_score >= MATCH_THRESHOLD and best in ended:
        assert best.valid_until is not None
        phrase = best.said if best.said and dice(ref.sentence, best.said) >= dice(ref.sentence, best.label) else best.label
        yield Finding(
            "expired-reference", VIOLATION, ref.article,
            f"引用的“{name}”{('第 ' + article_of + ' 条') if article_of else ''}所定“{phrase}”已于 "
            f"{best.valid_until.isoformat()} 到期,在 {as_of.isoformat()} 不再有效",
            f"the provision of {name}{(' article ' + article_of) if article_of else ''} the draft invokes "
            f"(“{phrase}”) ended on {best.valid_until.isoformat()} and is not in force on {as_of.isoformat()}",
            (Related(name, best.article, best.iri, best.label),),
            _details(ref, status="expired", valid_until=best.valid_until, validity=best.said, match=round(best_score, 2)))
        return
    if ref.pinpoint is None or not ended:
        return
    if best_score >= MATCH_THRESHOLD and best not in ended:
        return  # the sentence invokes a measure of the article that is still in force
    last = max(m.valid_until for m in ended if m.valid_until is not None)
    whole = len(ended) == len(measures)
    related = tuple(Related(name, m.article, m.iri, m.label) for m in ended)
    if whole:
        yield Finding(
            "expired-reference", VIOLATION, ref.article,
            f"引用的“{name}”第 {ref.pinpoint} 条已于 {last.isoformat()} 全部到期",
            f"every provision of {name} article {ref.pinpoint} ended by {last.isoformat()}",
            related, _details(ref, status="expired", pinpoint=ref.pinpoint, valid_until=last))
    else:
        labels = "、".join(f"“{m.label}”" for m in ended)
        yield Finding(
            "expired-reference", WARNING, ref.article,
            f"引用的“{name}”第 {ref.pinpoint} 条中 {labels} 已到期,请核实所引内容仍然有效",
            f"part of {name} article {ref.pinpoint} has ended ({len(ended)} of {len(measures)} provisions); "
            f"check that what the draft invokes is still in force",
            related, _details(ref, status="partly-expired", pinpoint=ref.pinpoint, valid_until=last))


def _corpus_article(ref: CitedReference, context: Context) -> tuple[str, str] | None:
    """A Turtle draft citing a corpus article directly: (its document, its number)."""
    if not _SAFE_IRI.match(ref.iri):
        return None
    rows = _rows(context, _ARTICLES, a=ref.iri)
    return (str(_value(rows[0], "d")), str(_value(rows[0], "n"))) if rows else None


def check_references(draft: Draft, context: Context) -> Iterator[Finding]:
    """Findings of kinds dangling-reference and expired-reference.

    Raises:
        StoreError / QueryError: the store cannot be queried.
    """
    for ref in citations(draft):
        if not draft.is_text and ref.id_local is None and ref.title is None:
            found = _corpus_article(ref, context)
            if found is not None:
                ref = CitedReference(ref.article, found[0], None, None, ref.surface, ref.sentence, found[1], ref.line)
                iri: str | None = found[0]
                yield from _document_validity(ref, found[0], context)
                yield from _provision_validity(ref, found[0], context)
                continue
        iri, problem = _resolve(ref, context)
        if problem is not None:
            yield problem
        if iri is None or not _SAFE_IRI.match(iri):
            continue
        yield from _document_validity(ref, iri, context)
        yield from _provision_validity(ref, iri, context)
