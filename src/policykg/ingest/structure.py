"""The layout of a policy text: header, title, metadata, addressee, preamble, chapters, articles, closing.

The reader works line by line on a width-folded copy of each line (same length as the original),
so labels and texts are cut from the text as written.

Header: web-page residue (HTML tags, 字体大小/打印 lines, list bullets) is skipped; metadata lines
(年度期数, 总期刊数, 成文日期, 编号/文号) are read wherever they occur before the body; the title is the
first substantive line that looks like one (关于…, or ending in 意见/办法/通知/规定 …); a line ending in
":" after the title is the addressee; other lines before the first marker form the preamble.

Body: the outermost marker style in the body numbers chapters (第一章 / 第一部分 / 一、) when a finer
style is present, and the next finer style numbers articles ((一) / 第一条 / 1. / 1、 / (1)); finer
styles still are sub-items and stay in the article's text, as do lines without a marker. Closing
lines (本意见自…起实施, a signature naming a known body, a date, "如果您对该文件有疑问…") end the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum

from ..errors import IngestError
from .numerals import chinese_to_int, fold_width
from .registry import Registry, normalise_id_local
from .temporal import parse_date

_CN = "零〇一二两三四五六七八九十百千"
_TAG = re.compile(r"<[^>]*>")
_BULLET = re.compile(r"^(?:[•·●▪◦\-*]|\d{1,2}[.、])\s+")
_BULLET_ONLY = re.compile(r"^(?:[•·●▪◦\-*]|\d{1,2}[.、])?\s*$")
_RESIDUE = re.compile(
    r"^(?:字体大小|字号|【?\s*大\s*中\s*小\s*】?|打印|打印本页|关闭|关闭窗口|分享到|返回顶部|收藏|【打印】|【关闭】)"
)
_TAIL_RESIDUE = re.compile(r"(?:如果您对该文件有疑问|网上咨询|打印本页|关闭窗口|【打印】|【关闭】|扫一扫)")
_DOC_TYPES = (
    "实施意见|若干意见|意见|暂行办法|实施办法|办法|通知|规定|决定|方案|实施细则|细则|若干措施|措施|条例|"
    "规划|纲要|公告|通告|批复|函|指引|计划"
)
_TITLE_END = re.compile(rf"(?:{_DOC_TYPES})(?:\s*\([^()]{{1,12}}\))?$")
_NUMBER_LINE = re.compile(r"^[\u4e00-\u9fff]{1,12}\s*[〔\[(【]\s*(?:19|20)\d{2}\s*[〕\])】]\s*\d{1,5}\s*号$")
_META = re.compile(
    r"^(?P<key>年度期数|总期刊数|成文日期|发文日期|印发日期|编号|文号|发文字号|发文编号|发文机关|发布机构|"
    r"发布日期|公布日期|索引号|主题分类|主题词|信息来源|来源)\s*[::]?\s*(?P<value>.*)$"
)
_CUMULATIVE = re.compile(r"^总?\s*第?\s*(\d+)\s*期$")
_CLOSING = re.compile(rf"^本(?:{_DOC_TYPES}).*(?:施行|实施|执行|生效|负责解释|有效期)")
_PUBLISH_NOTE = re.compile(r"^\(此件[^()]*\)$")


class Marker(IntEnum):
    """Numbering styles, outermost first."""

    DI_CHAPTER = 0  # 第一章 / 第一部分 / 第一篇
    CN_ENUM = 1  # 一、
    DI_ARTICLE = 2  # 第一条
    PAREN_CN = 3  # (一)
    ARABIC = 4  # 1. / 1、
    PAREN_ARABIC = 5  # (1)


_MARKERS: tuple[tuple[Marker, re.Pattern[str]], ...] = (
    (Marker.DI_CHAPTER, re.compile(rf"^(?P<label>第\s*(?P<num>[{_CN}\d]+)\s*(?:章|部分|篇))\s*(?P<rest>.*)$")),
    (Marker.DI_ARTICLE, re.compile(rf"^(?P<label>第\s*(?P<num>[{_CN}\d]+)\s*条)\s*(?P<rest>.*)$")),
    (Marker.CN_ENUM, re.compile(rf"^(?P<label>(?P<num>[{_CN}]+)\s*、)\s*(?P<rest>.*)$")),
    (Marker.PAREN_CN, re.compile(rf"^(?P<label>\(\s*(?P<num>[{_CN}]+)\s*\))\s*(?P<rest>.*)$")),
    (Marker.PAREN_ARABIC, re.compile(r"^(?P<label>\(\s*(?P<num>\d{1,3})\s*\))\s*(?P<rest>.*)$")),
    (Marker.ARABIC, re.compile(r"^(?P<label>(?P<num>\d{1,3})\s*(?:\.(?!\d)|、))\s*(?P<rest>.*)$")),
)


@dataclass(frozen=True)
class Numbered:
    """A line starting with a number marker."""

    kind: Marker
    label: str
    number: int
    rest: str


@dataclass(frozen=True)
class Line:
    """One line of the source: 1-based number, text as written (stripped), width-folded copy."""

    number: int
    text: str
    folded: str


@dataclass
class RawChapter:
    """A chapter heading and the lines between it and its first article."""

    label: str
    number: int
    title: str | None
    line: int
    intro: list[str] = field(default_factory=list)


@dataclass
class RawArticle:
    """An article: its marker line, number and text lines."""

    label: str
    number: int
    line: int
    lines: list[str]
    #: index into the chapters list, None without chapters
    chapter: int | None


@dataclass
class Layout:
    """What the structure reader found; turned into the model by :mod:`policykg.ingest.document`."""

    title: str = ""
    title_line: int = 0
    id_local: str | None = None
    id_local_line: int = 0
    date_document: date | None = None
    gazette_issue: str | None = None
    gazette_cumulative_issue: int | None = None
    issuer: str | None = None
    addressee: str | None = None
    preamble: list[Line] = field(default_factory=list)
    chapters: list[RawChapter] = field(default_factory=list)
    articles: list[RawArticle] = field(default_factory=list)
    closing: list[Line] = field(default_factory=list)


def read_marker(folded: str) -> Numbered | None:
    """The number marker a (stripped, width-folded) line starts with, or None.

    >>> m = read_marker("(六十二)凡以往…"); (m.kind.name, m.label, m.number, m.rest)
    ('PAREN_CN', '(六十二)', 62, '凡以往…')

    Raises:
        Nothing.
    """
    for kind, pattern in _MARKERS:
        m = pattern.match(folded)
        if m is None:
            continue
        try:
            number = chinese_to_int(m["num"].strip())
        except ValueError:
            continue
        return Numbered(kind=kind, label=m["label"], number=number, rest=m["rest"])
    return None


def split_lines(text: str) -> list[Line]:
    """The lines of ``text`` (1-based numbers), HTML tags removed, whitespace stripped.

    Raises:
        Nothing.
    """
    out: list[Line] = []
    for k, raw in enumerate(text.splitlines(), start=1):
        stripped = _TAG.sub("", raw).strip() if "<" in raw else raw.strip()
        out.append(Line(number=k, text=stripped, folded=fold_width(stripped)))
    return out


def _looks_like_title(folded: str) -> bool:
    if len(folded) > 120 or folded.endswith(("。", ":", ",", ";")) or "。" in folded:
        return False
    if not re.search(r"[\u4e00-\u9fff]", folded):
        return False
    return bool(_TITLE_END.search(folded))


def _is_addressee(folded: str) -> bool:
    return folded.endswith(":") and len(folded) <= 120 and "。" not in folded and read_marker(folded) is None


def _location(source: str, line: int) -> str:
    return f"{source}:{line}"


def _read_metadata(layout: Layout, line: Line, body: str, source: str, registry: Registry) -> bool:
    """Record a metadata line; False when the line is no metadata."""
    m = _META.match(body)
    if m is None:
        if _NUMBER_LINE.match(body) and layout.id_local is None:
            layout.id_local, layout.id_local_line = normalise_id_local(body), line.number
            return True
        return False
    key, value = m["key"], m["value"].strip()
    if not value:
        return True
    if key == "年度期数":
        layout.gazette_issue = re.sub(r"\s+", "", value)
    elif key == "总期刊数":
        c = _CUMULATIVE.match(value)
        if c is None:
            raise IngestError(f"总期刊数无法识别 / cannot read the cumulative issue {value!r}", location=_location(source, line.number))
        layout.gazette_cumulative_issue = int(c[1])
    elif key in ("成文日期", "发文日期", "印发日期"):
        when = parse_date(value)
        if when is None:
            raise IngestError(f"成文日期无法识别 / cannot read the date {value!r}", location=_location(source, line.number))
        layout.date_document = when
    elif key in ("编号", "文号", "发文字号", "发文编号"):
        if not _NUMBER_LINE.match(value):
            raise IngestError(
                f"文号格式不正确 / not a document number (expected XX〔2012〕46号): {value!r}",
                location=_location(source, line.number),
            )
        layout.id_local, layout.id_local_line = normalise_id_local(value), line.number
    elif key in ("发文机关", "发布机构"):
        layout.issuer = registry.agency(value) or layout.issuer
    return True


def _header_body(line: Line) -> str:
    """A header line without its list bullet ("1. 年度期数 …" → "年度期数 …")."""
    return _BULLET.sub("", line.folded).strip()


def _is_residue(folded: str) -> bool:
    if _BULLET_ONLY.match(folded) or _TAIL_RESIDUE.search(folded):
        return True
    return len(folded) <= 30 and bool(_RESIDUE.match(folded))


def _title_at(lines: list[Line], i: int) -> tuple[str, int] | None:
    """The title starting at line index ``i`` and how many lines it takes, or None."""
    here = lines[i]
    if _looks_like_title(here.folded):
        return here.text, 1
    if here.folded.startswith("关于") and len(here.folded) <= 60 and "。" not in here.folded:
        nxt = next((j for j in range(i + 1, len(lines)) if lines[j].text), None)
        if nxt is not None and _looks_like_title(here.folded + lines[nxt].folded):
            return here.text + lines[nxt].text, nxt - i + 1
    return None


def read_header(lines: list[Line], source: str, registry: Registry) -> tuple[Layout, int]:
    """Read everything before the body; return the layout and the index of the first body line.

    Raises:
        IngestError: no title is found, or a metadata line cannot be read.
    """
    layout = Layout()
    i, first_text = 0, 0
    while i < len(lines):
        line = lines[i]
        body = _header_body(line)
        if not line.text or _is_residue(line.folded) or _read_metadata(layout, line, body, source, registry):
            i += 1
            continue
        if not layout.title:
            first_text = first_text or line.number
            found = _title_at(lines, i)
            if found is not None:
                layout.title, layout.title_line = found[0], line.number
                i += found[1]
                continue
            if read_marker(line.folded) is not None and read_marker(body) is not None and body == line.folded:
                break  # the body begins and there was no title
            i += 1
            continue
        if layout.addressee is None and not layout.preamble and _is_addressee(body):
            layout.addressee = line.text[len(line.folded) - len(body) :].strip()[:-1].strip()
            i += 1
            continue
        if read_marker(line.folded) is not None:
            return layout, i
        layout.preamble.append(line)
        i += 1
    if not layout.title:
        raise IngestError(
            "未找到标题(如“关于…的意见”) / no title found (a line such as 关于…的意见 or …办法)",
            location=_location(source, first_text or 1),
        )
    return layout, i


def _styles(lines: list[Line]) -> tuple[Marker | None, Marker | None]:
    """The chapter and article marker styles of the body."""
    present = sorted({m.kind for line in lines if (m := read_marker(line.folded)) is not None})
    if not present:
        return None, None
    if present[0] in (Marker.DI_CHAPTER, Marker.CN_ENUM) and len(present) > 1:
        return present[0], present[1]
    return None, present[0]


def _is_closing(line: Line, registry: Registry, has_articles: bool) -> bool:
    if not has_articles:
        return False
    folded = line.folded
    if _CLOSING.match(folded) or _TAIL_RESIDUE.search(folded) or _PUBLISH_NOTE.match(folded):
        return True
    if len(folded) <= 30 and (registry.agency(folded) is not None or parse_date(folded) is not None):
        return True
    return False


def read_body(layout: Layout, lines: list[Line], start: int, source: str, registry: Registry) -> None:
    """Read chapters, articles and closing lines from ``lines[start:]`` into ``layout``.

    Raises:
        IngestError: no article is found.
    """
    body = [line for line in lines[start:] if line.text]
    chapter_style, article_style = _styles(body)
    closing = False
    for line in body:
        if closing or _is_closing(line, registry, bool(layout.articles)):
            closing = True
            if not _TAIL_RESIDUE.search(line.folded):
                layout.closing.append(line)
            continue
        marker = read_marker(line.folded)
        if marker is not None and marker.kind == chapter_style:
            rest = line.text[len(line.folded) - len(marker.rest) :].strip()
            label = line.text[: len(marker.label)]
            layout.chapters.append(RawChapter(label=label, number=marker.number, title=rest or None, line=line.number))
        elif marker is not None and marker.kind == article_style:
            rest = line.text[len(line.folded) - len(marker.rest) :].strip()
            label = line.text[: len(marker.label)]
            chapter = len(layout.chapters) - 1 if layout.chapters else None
            layout.articles.append(
                RawArticle(label=label, number=marker.number, line=line.number, lines=[rest] if rest else [], chapter=chapter)
            )
        elif layout.chapters and (not layout.articles or layout.articles[-1].chapter != len(layout.chapters) - 1):
            chapter_ = layout.chapters[-1]
            if chapter_.title is None and len(line.folded) <= 40 and "。" not in line.folded and not chapter_.intro:
                chapter_.title = line.text
            else:
                chapter_.intro.append(line.text)
        elif layout.articles:
            layout.articles[-1].lines.append(line.text)
        else:
            layout.preamble.append(line)
    if not layout.articles:
        raise IngestError(
            "未找到任何条款(如“(一)”“第一条”“1.”) / no article found (markers such as (一), 第一条, 1.)",
            location=_location(source, layout.title_line or 1),
        )
    for article in layout.articles:
        if not "".join(article.lines).strip():
            raise IngestError(
                f"条款编号“{article.label}”后没有正文 / the article marker {article.label} has no text",
                location=_location(source, article.line),
            )


def read_layout(text: str, source: str, registry: Registry) -> Layout:
    """Read the whole layout of a policy text.

    Raises:
        IngestError: no title, no article, an article without text, or an unreadable metadata line.
    """
    lines = split_lines(text)
    layout, start = read_header(lines, source, registry)
    read_body(layout, lines, start, source, registry)
    return layout
