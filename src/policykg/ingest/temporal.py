"""Dates and deadlines (pk:TemporalMention).

| wording | kind | value |
|---|---|---|
| 至2015年底 / 至2015年底前 / 暂执行至2014年底 | until | 2015-12-31 |
| 自2012年7月1日起 | from | 2012-07-01 |
| 2011年12月1日后 | after | 2011-12-01 |
| 2015年底前 (no 至) | before | 2015-12-31 |
| 3个月内 / 7个工作日内 / 三年内 | within | P3M / P7D (unit working-day) / P3Y |
| 2年以上 / 1年(含)以上 | at-least | P2Y / P1Y |
| 不超过1年 / 不得超过1年 | at-most | P1Y |
| a plain date with a day | on | the date |

A year without a month means its last day for until/after (至2015年 = 2015-12-31) and its first
day for from/before; a month without a day likewise. 年底/年末 is 12-31, 年初 01-01. Working days
have no ISO 8601 designator: the duration is written in days ("P7D") and ``duration_unit`` says
"working-day" (pk:unit unit:working-day in RDF). A plain year with no qualifier is not a date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from .model import Span, TemporalKind, TemporalMention
from .numerals import chinese_to_int, fold_width
from .text import clause_at

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

DATE = (
    r"(?:(?P<y>(?:19|20)\d{2})\s*年(?:\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*[日号])?)?"
    r"|(?P<cy>[〇零一二三四五六七八九]{4})年(?:(?P<cm>[一二三四五六七八九十]{1,3})月(?:(?P<cd>[一二三四五六七八九十]{1,3})日)?)?)"
    r"(?P<edge>底|末|初)?"
)
_DATE = re.compile(DATE)
_ISO_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})(?!\d)")
_DAY_MONTH = re.compile(r"(?<!\d)\d{1,2}\s*月\s*\d{1,2}\s*[日号]")

NUM = r"(?P<num>\d+(?:\.\d+)?|(?<![零〇一二两三四五六七八九十百千万第])[一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*)"
UNIT = r"(?P<unit>个工作日|工作日|个月|年|日|天|小时)"

_PATTERNS: tuple[tuple[TemporalKind, re.Pattern[str]], ...] = (
    (TemporalKind.UNTIL, re.compile(r"(?<![达做提])(?:至|到|截至|截止)\s*" + DATE + r"\s*(?:前|止|为止)?")),
    (TemporalKind.FROM, re.compile(r"(?:自|从|于)?\s*" + DATE + r"\s*(?:起|开始)")),
    (TemporalKind.AFTER, re.compile(DATE + r"\s*(?:以后|之后|后)")),
    (TemporalKind.BEFORE, re.compile(DATE + r"\s*(?:以前|之前|前)")),
    (TemporalKind.AT_MOST, re.compile(r"(?:不得超过|不超过|最长|最多)\s*" + NUM + r"\s*" + UNIT)),
    (TemporalKind.WITHIN, re.compile(NUM + r"\s*" + UNIT + r"\s*(?:之内|以内|内)")),
    (TemporalKind.AT_LEAST, re.compile(NUM + r"\s*" + UNIT + r"\s*(?:\(含\))?\s*(?:及)?以上")),
    (TemporalKind.ON, re.compile(DATE)),
)

#: unit written → (ISO 8601 designator, unit slug)
_DURATION_UNITS: dict[str, tuple[str, str]] = {
    "年": ("Y", "year"),
    "个月": ("M", "month"),
    "日": ("D", "day"),
    "天": ("D", "day"),
    "个工作日": ("D", "working-day"),
    "工作日": ("D", "working-day"),
    "小时": ("H", "hour"),
}


@dataclass(frozen=True)
class _Found:
    kind: TemporalKind
    span: Span
    date: date | None = None
    duration: str | None = None
    duration_unit: str | None = None


def _cn_year(text: str) -> int:
    return int("".join(str(_CN_DIGIT[ch]) for ch in text))


def _parts(m: re.Match[str]) -> tuple[int, int | None, int | None, str | None]:
    if m.group("y"):
        year = int(m.group("y"))
        month = int(m.group("m")) if m.group("m") else None
        day = int(m.group("d")) if m.group("d") else None
    else:
        year = _cn_year(m.group("cy"))
        month = chinese_to_int(m.group("cm")) if m.group("cm") else None
        day = chinese_to_int(m.group("cd")) if m.group("cd") else None
    return year, month, day, m.group("edge")


def _date_of(m: re.Match[str], kind: TemporalKind) -> date | None:
    """The day a date expression means for this kind of mention (None if it is no real date)."""
    year, month, day, edge = _parts(m)
    late = edge in ("底", "末") or (edge is None and kind in (TemporalKind.UNTIL, TemporalKind.AFTER))
    try:
        if month is None:
            if edge is None and kind is TemporalKind.ON:
                return None
            return date(year, 12, 31) if late else date(year, 1, 1)
        if day is None:
            if edge is None and kind is TemporalKind.ON:
                return None
            return date(year, month, calendar.monthrange(year, month)[1]) if late else date(year, month, 1)
        return date(year, month, day)
    except ValueError:
        return None


def _duration(m: re.Match[str]) -> tuple[str, str] | None:
    number = m.group("num")
    if not number[0].isdigit():
        try:
            number = str(chinese_to_int(number))
        except ValueError:
            return None
    if "." in number:
        return None  # "1.5年": left to the quantity reader rather than a fractional ISO duration
    designator, unit = _DURATION_UNITS[m.group("unit")]
    prefix = "PT" if designator == "H" else "P"
    return f"{prefix}{number}{designator}", unit


def _candidates(folded: str) -> list[_Found]:
    out: list[_Found] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            span = Span(m.start(), m.end())
            if kind in (TemporalKind.WITHIN, TemporalKind.AT_LEAST, TemporalKind.AT_MOST):
                found = _duration(m)
                if found is not None:
                    out.append(_Found(kind, span, duration=found[0], duration_unit=found[1]))
            else:
                when = _date_of(m, kind)
                if when is not None:
                    out.append(_Found(kind, span, date=when))
    return out


def date_spans(text: str) -> list[Span]:
    """Spans of every date-like expression (2012年7月1日, 2015年底, 7月1日, 2012-11-08).

    Raises:
        Nothing.
    """
    folded = fold_width(text)
    spans = [Span(m.start(), m.end()) for m in _DATE.finditer(folded)]
    spans += [Span(m.start(), m.end()) for m in _ISO_DATE.finditer(folded)]
    spans += [Span(m.start(), m.end()) for m in _DAY_MONTH.finditer(folded)]
    return spans


def parse_date(text: str) -> date | None:
    """A date written as 2012-11-08, 2012年11月8日, 2012.11.08 or 二〇一二年十一月八日, or None.

    >>> parse_date("2012年11月8日"), parse_date("2012-11-08"), parse_date("2012年")
    (datetime.date(2012, 11, 8), datetime.date(2012, 11, 8), None)

    Raises:
        Nothing: impossible dates (2012-13-40) give None.
    """
    folded = fold_width(text).strip()
    m = _ISO_DATE.fullmatch(folded)
    if m is not None:
        try:
            return date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            return None
    m2 = _DATE.fullmatch(folded)
    if m2 is None:
        return None
    year, month, day, edge = _parts(m2)
    if month is None or day is None or edge is not None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_temporals(text: str) -> list[TemporalMention]:
    """Every date or deadline in ``text``, in text order, without overlaps.

    Where expressions overlap the earlier-starting, then the longer one wins (至2015年底前 is one
    until, not an until and a before).

    Raises:
        Nothing.
    """
    folded = fold_width(text)
    chosen: list[_Found] = []
    for found in sorted(_candidates(folded), key=lambda f: (f.span.start, -(f.span.end - f.span.start))):
        if not any(found.span.overlaps(c.span) for c in chosen):
            chosen.append(found)
    chosen.sort(key=lambda f: f.span.start)
    return [
        TemporalMention(
            ordinal=k,
            kind=f.kind,
            surface_text=text[f.span.start : f.span.end].strip(),
            context=clause_at(text, f.span),
            date=f.date,
            duration=f.duration,
            duration_unit=f.duration_unit,
        )
        for k, f in enumerate(chosen, start=1)
    ]
