"""From text to :class:`IngestedDocument`: layout, then what is read from each part."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import IngestError
from .agencies import parse_responsibility
from .iris import article_iri, chapter_iri, document_iri, document_slug, title_slug
from .model import (
    Article,
    Chapter,
    Citation,
    IngestedDocument,
    NumberingIssue,
    TemporalKind,
)
from .quantities import find_quantities
from .references import find_citations, number_spans, transposes
from .registry import Registry
from .structure import Layout, RawArticle, RawChapter, read_layout
from .temporal import date_spans, find_temporals, parse_date

_ENTRY = re.compile(r"本(?:[\u4e00-\u9fff]{1,6})(?:自|从|于)[^。]*?(?:施行|实施|执行|生效)")
_SENTENCE_END = re.compile(r"[。\n]")


@dataclass(frozen=True)
class _Numbered:
    label: str
    number: int
    line: int


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise IngestError(
            f"文本不是有效的 UTF-8 编码(第 {e.start} 字节) / not valid UTF-8 at byte offset {e.start}",
            location=f"{source}:{line}",
        ) from e


def _numbering_issues(items: list[_Numbered], level: str) -> list[NumberingIssue]:
    """Gaps, repeats and disorder in a sequence that should run 1, 2, 3 …"""
    issues: list[NumberingIssue] = []
    expected, seen = 1, set[int]()
    zh = "章" if level == "chapter" else "条"
    for item in items:
        n = item.number
        if n > expected:
            missing = ", ".join(str(k) for k in range(expected, n))
            issues.append(NumberingIssue(
                "gap", level, item.line, item.label, expected, n,
                f"编号跳跃:缺少第 {missing} {zh} / numbering gap: {level} {missing} missing before {item.label}",
            ))
        elif n < expected:
            kind = "repeat" if n in seen else "out-of-order"
            zh_kind = "重复" if kind == "repeat" else "顺序错乱"
            issues.append(NumberingIssue(
                kind, level, item.line, item.label, expected, n,
                f"编号{zh_kind}:{item.label} 处应为第 {expected} {zh} / numbering {kind}: "
                f"{item.label} where {level} {expected} was expected",
            ))
        seen.add(n)
        expected = max(expected, n + 1)
    return issues


def _scope(layout: Layout) -> str:
    """"chapter" when article numbers restart at 1 in every chapter, else "document"."""
    firsts: dict[int, int] = {}
    for article in layout.articles:
        if article.chapter is not None:
            firsts.setdefault(article.chapter, article.number)
    if len(firsts) >= 2 and all(n == 1 for n in firsts.values()):
        return "chapter"
    return "document"


def _unique(iri: str, used: set[str]) -> str:
    candidate, k = iri, 2
    while candidate in used:
        candidate, k = f"{iri}-{k}", k + 1
    used.add(candidate)
    return candidate


def _document_iri(layout: Layout, registry: Registry) -> str:
    if layout.id_local is not None:
        known = registry.document_by_number(layout.id_local)
        return known or document_iri(document_slug(layout.id_local))
    return registry.document_by_title(layout.title) or document_iri(title_slug(layout.title))


def _chapters(layout: Layout, doc: str) -> list[Chapter]:
    used: set[str] = set()
    out: list[Chapter] = []
    for k, raw in enumerate(layout.chapters, start=1):
        out.append(_chapter(raw, k, doc, used))
    return out


def _chapter(raw: RawChapter, ordinal: int, doc: str, used: set[str]) -> Chapter:
    number = str(raw.number)
    return Chapter(
        iri=_unique(chapter_iri(doc, number), used),
        number=number,
        number_label=raw.label,
        ordinal=ordinal,
        title=raw.title,
        source_line=raw.line,
        intro_text="\n".join(raw.intro) or None,
    )


def _article(raw: RawArticle, ordinal: int, number: str, iri: str, chapter: str | None, registry: Registry) -> Article:
    text = "\n".join(raw.lines).strip()
    found = [f for f in find_citations(text, raw.line, registry)]
    exclude = [f.span for f in found] + number_spans(text) + date_spans(text)
    return Article(
        iri=iri,
        number=number,
        number_label=raw.label,
        ordinal=ordinal,
        text=text,
        source_line=raw.line,
        chapter=chapter,
        responsibility=parse_responsibility(text, registry),
        citations=tuple(f.citation for f in found),
        quantities=tuple(find_quantities(text, exclude=exclude)),
        temporals=tuple(find_temporals(text)),
    )


def _articles(layout: Layout, chapters: list[Chapter], doc: str, scope: str, registry: Registry) -> list[Article]:
    used: set[str] = set()
    out: list[Article] = []
    for k, raw in enumerate(layout.articles, start=1):
        chapter = chapters[raw.chapter] if raw.chapter is not None else None
        number = f"{chapter.number}.{raw.number}" if scope == "chapter" and chapter else str(raw.number)
        iri = _unique(article_iri(doc, number), used)
        out.append(_article(raw, k, number, iri, chapter.number if chapter else None, registry))
    return out


def _issues(layout: Layout, scope: str) -> list[NumberingIssue]:
    issues = _numbering_issues([_Numbered(c.label, c.number, c.line) for c in layout.chapters], "chapter")
    if scope == "chapter":
        for index in range(len(layout.chapters)):
            group = [a for a in layout.articles if a.chapter == index]
            issues += _numbering_issues([_Numbered(a.label, a.number, a.line) for a in group], "article")
    else:
        issues += _numbering_issues([_Numbered(a.label, a.number, a.line) for a in layout.articles], "article")
    return sorted(issues, key=lambda i: i.line)


def _own_citations(layout: Layout, doc: str, registry: Registry) -> tuple[list[Citation], list[str]]:
    """Citations of the title and preamble (the document's own) and those it transposes."""
    cites: list[Citation] = []
    trans: list[str] = []
    parts: list[tuple[str, int]] = []
    if layout.preamble:  # first, so that its fuller citations (with titles) are the ones kept
        parts.append(("\n".join(line.text for line in layout.preamble), layout.preamble[0].number))
    parts.append((layout.title, layout.title_line))
    for text, line in parts:
        found = [f for f in find_citations(text, line, registry) if f.citation.iri != doc]
        cites += [f.citation for f in found if all(c.iri != f.citation.iri for c in cites)]
        trans += [iri for iri in transposes(text, found) if iri not in trans]
    return cites, trans


def _sentences(texts: list[str]) -> list[str]:
    return [s.strip() for text in texts for s in _SENTENCE_END.split(text) if s.strip()]


def _entry_into_force(closing: list[str], last_article: str) -> tuple[str | None, date | None, date | None]:
    """The entry-into-force sentence, the date it names, and an explicit end of validity."""
    text: str | None = None
    start: date | None = None
    end: date | None = None
    for sentence in _sentences(closing) + _sentences([last_article]):
        if text is None and _ENTRY.search(sentence):
            text = sentence
            start = next((t.date for t in find_temporals(sentence) if t.kind in (TemporalKind.FROM, TemporalKind.ON)), None)
            end = end or next((t.date for t in find_temporals(sentence) if t.kind is TemporalKind.UNTIL), None)
        if end is None and "有效期" in sentence:
            end = next((t.date for t in find_temporals(sentence) if t.kind is TemporalKind.UNTIL), None)
    return text, start, end


def _signature(layout: Layout, registry: Registry) -> tuple[date | None, str | None]:
    when = layout.date_document
    issuer = layout.issuer
    for line in layout.closing:
        if when is None:
            when = parse_date(line.folded)
        if issuer is None and len(line.folded) <= 30:
            issuer = registry.agency(line.folded)
    return when, issuer


def ingest_text(text: str, *, source: str = "<text>", registry: Registry | None = None) -> IngestedDocument:
    """Read a policy text in the style of 青政发〔2012〕46号.

    Raises:
        IngestError: the text is empty, has no title or no article, has an article marker without
            text, or a metadata line cannot be read (location: ``source:line``).
        LoadError: the default registry (data/agencies.ttl, data/documents.ttl) cannot be read.
    """
    if registry is None:
        registry = Registry.load_default()
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise IngestError("文本为空 / the text is empty", location=f"{source}:1")
    layout = read_layout(text, source, registry)
    doc = _document_iri(layout, registry)
    scope = _scope(layout)
    chapters = _chapters(layout, doc)
    articles = _articles(layout, chapters, doc, scope, registry)
    cites, trans = _own_citations(layout, doc, registry)
    entry, first, last = _entry_into_force([line.text for line in layout.closing], articles[-1].text)
    when, issuer = _signature(layout, registry)
    return IngestedDocument(
        iri=doc,
        source=source,
        title=layout.title,
        title_line=layout.title_line,
        id_local=layout.id_local,
        date_document=when,
        gazette_issue=layout.gazette_issue,
        gazette_cumulative_issue=layout.gazette_cumulative_issue,
        addressee=layout.addressee,
        preamble="\n".join(line.text for line in layout.preamble) or None,
        citations=tuple(cites),
        transposes=tuple(trans),
        entry_into_force_text=entry,
        first_date_entry_in_force=first,
        date_no_longer_in_force=last,
        passed_by=issuer,
        chapters=tuple(chapters),
        articles=tuple(articles),
        numbering_issues=tuple(_issues(layout, scope)),
        numbering_scope=scope,
    )


def ingest_file(path: Path, *, registry: Registry | None = None) -> IngestedDocument:
    """Read a policy text file (UTF-8, an optional BOM).

    Raises:
        IngestError: the file cannot be read, is not UTF-8 (location: the line of the bad byte),
            or is malformed (see :func:`ingest_text`).
        LoadError: the default registry cannot be read.
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise IngestError(f"无法读取文件 / cannot read the file: {e.strerror or e}", location=source) from e
    return ingest_text(_decode(data, source), source=source, registry=registry)
