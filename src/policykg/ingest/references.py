"""Citations: 文号 (XX〔2012〕14号 with 〔〕, [], ［］, () or （） year brackets) and 《titles》.

A 《title》 followed by "(文号)" is one citation. Titles nested in a title with 〈〉 (关于印发〈…办法〉的
通知) are cited too: the outer document publishes the inner one. A title right after a verb of
drafting (编制《…目录》, 制定《…》) names a document still to be written and is not a citation.
Citations are resolved against the registry; unknown ones get IRIs by the slug rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .iris import PREFIX_PINYIN, document_iri, document_slug, title_slug
from .model import Citation, Span
from .numerals import fold_width
from .registry import Registry, normalise_id_local

_NUMBER = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,16})\s*[〔\[(【]\s*(?P<year>(?:19|20)\d{2})\s*[〕\])】]"
    r"\s*第?\s*(?P<num>\d{1,5})\s*号"
)
_LEADING_WORDS = (
    "贯彻落实", "认真贯彻", "关于", "贯彻", "落实", "根据", "按照", "依据", "依照", "遵照", "参照", "对照",
    "执行", "印发", "转发", "结合", "以及", "和", "及", "与", "同", "见", "即", "经", "由", "按", "将",
    "对", "为", "在", "是", "的", "等",
)
_DRAFTING_VERBS = ("研究制定", "编制", "制定", "起草", "修订", "修改", "出台", "印制", "制订")
_NESTED = re.compile(r"[〈<][^〈〉<>]+[〉>]")
_GAP_BEFORE_NUMBER = re.compile(r"^\s*\(?\s*$")
#: words before a citation that make the preamble's citation a transposition
TRANSPOSING_VERBS = ("贯彻落实", "贯彻", "落实", "根据", "依据", "按照")


@dataclass(frozen=True)
class FoundCitation:
    """A citation and where it occurs in the text it was read from."""

    citation: Citation
    span: Span


@dataclass(frozen=True)
class _Title:
    span: Span  # 《 … 》 included
    title: str
    nested: tuple[tuple[Span, str], ...]


def _prefix(run: str, start: int, folded: str, known: frozenset[str]) -> tuple[str, int]:
    """The 文号 prefix ending a run of CJK characters, and its start offset."""
    for k in sorted(known, key=len, reverse=True):
        if run.endswith(k):
            return k, start + len(run) - len(k)
    complete = start == 0 or not ("\u4e00" <= folded[start - 1] <= "\u9fff")
    if complete and len(run) <= 8:
        return run, start
    trimmed, offset = run, start
    changed = True
    while changed and len(trimmed) > 2:
        changed = False
        for word in _LEADING_WORDS:
            if trimmed.startswith(word) and len(trimmed) - len(word) >= 2:
                trimmed, offset, changed = trimmed[len(word):], offset + len(word), True
                break
    if len(trimmed) > 8:
        trimmed, offset = trimmed[-8:], offset + len(trimmed) - 8
    return trimmed, offset


def _titles(text: str, folded: str) -> list[_Title]:
    out: list[_Title] = []
    i = 0
    while True:
        s = folded.find("《", i)
        if s < 0:
            return out
        depth, e = 0, -1
        for j in range(s, len(folded)):
            if folded[j] == "《":
                depth += 1
            elif folded[j] == "》":
                depth -= 1
                if depth == 0:
                    e = j
                    break
        if e < 0:
            return out
        inner = text[s + 1 : e]
        nested = tuple(
            (Span(s + 1 + m.start(), s + 1 + m.end()), inner[m.start() + 1 : m.end() - 1].strip())
            for m in _NESTED.finditer(fold_width(inner))
        )
        out.append(_Title(span=Span(s, e + 1), title=inner.strip(), nested=nested))
        i = e + 1


def _drafted(folded: str, start: int) -> bool:
    before = folded[max(0, start - 4) : start]
    return any(before.endswith(verb) for verb in _DRAFTING_VERBS)


def _resolve(id_local: str | None, title: str | None, registry: Registry) -> tuple[str, bool]:
    if id_local is not None:
        iri = registry.document_by_number(id_local)
        if iri is not None:
            return iri, True
    if title is not None:
        iri = registry.document_by_title(title)
        if iri is not None:
            return iri, True
    if id_local is not None:
        return document_iri(document_slug(id_local)), False
    assert title is not None
    return document_iri(title_slug(title)), False


def find_citations(text: str, first_line: int, registry: Registry) -> list[FoundCitation]:
    """Every citation in ``text`` in text order, one per cited document.

    ``first_line`` is the source line of the first character; lines of ``text`` are separated
    by "\\n".

    Raises:
        Nothing.
    """
    folded = fold_width(text)
    known = frozenset(PREFIX_PINYIN) | registry.known_prefixes()
    titles = [t for t in _titles(text, folded) if t.title and not _drafted(folded, t.span.start)]
    raw: list[tuple[Span, str | None, str | None]] = []
    used_titles: set[int] = set()
    for m in _NUMBER.finditer(folded):
        prefix, p_start = _prefix(m["prefix"], m.start("prefix"), folded, known)
        number_span = Span(p_start, m.end())
        if any(t.span.start < number_span.start < t.span.end for t in titles):
            continue  # a number inside a quoted title belongs to the title
        id_local = normalise_id_local(f"{prefix}〔{m['year']}〕{int(m['num'])}号")
        paired = None
        for k, t in enumerate(titles):
            if k not in used_titles and t.span.end <= p_start and _GAP_BEFORE_NUMBER.match(folded[t.span.end : p_start]):
                paired = k
        if paired is not None:
            used_titles.add(paired)
            t = titles[paired]
            end = number_span.end
            if "(" in folded[t.span.end : p_start] and folded[end : end + 1] == ")":
                end += 1  # 《title》(文号): the closing bracket belongs to the citation
            raw.append((Span(t.span.start, end), id_local, t.title))
        else:
            raw.append((number_span, id_local, None))
    for k, t in enumerate(titles):
        if k not in used_titles:
            raw.append((t.span, None, t.title))
        for span, nested in t.nested:
            if nested:
                raw.append((span, None, nested))
    raw.sort(key=lambda r: (r[0].start, r[0].end))
    out: list[FoundCitation] = []
    seen: set[str] = set()
    for span, cited_number, cited_title in raw:
        iri, resolved = _resolve(cited_number, cited_title, registry)
        if iri in seen:
            continue
        seen.add(iri)
        citation = Citation(
            iri=iri,
            id_local=cited_number,
            title=cited_title,
            surface_text=text[span.start : span.end].strip(),
            resolved=resolved,
            line=first_line + text.count("\n", 0, span.start),
        )
        out.append(FoundCitation(citation=citation, span=span))
    return out


def number_spans(text: str) -> list[Span]:
    """Spans of every 文号 in ``text`` (so that its digits are not read as quantities).

    Raises:
        Nothing.
    """
    folded = fold_width(text)
    return [Span(m.start("prefix"), m.end()) for m in _NUMBER.finditer(folded)]


def transposes(text: str, found: list[FoundCitation]) -> list[str]:
    """IRIs of the citations that a transposing verb (贯彻落实, 根据 …) governs in ``text``.

    A citation is governed when the verb occurs before it in the same sentence.

    Raises:
        Nothing.
    """
    folded = fold_width(text)
    out: list[str] = []
    for f in found:
        start = max(folded.rfind(stop, 0, f.span.start) for stop in "。;\n")
        clause = folded[start + 1 : f.span.start]
        if any(verb in clause for verb in TRANSPOSING_VERBS) and f.citation.iri not in out:
            out.append(f.citation.iri)
    return out
