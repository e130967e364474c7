"""Numbers with units (pk:QuantityMention): 20000元, 1.5%, 300万元, 6%—10%, 三年.

Units and their normalisation (docs/ontology.md, "Units"):

| written | unit | base unit | factor |
|---|---|---|---|
| % | percent | percent | 1 |
| 元 / 万元 / 亿元 | yuan / ten-thousand-yuan / hundred-million-yuan | yuan | 1 / 10⁴ / 10⁸ |
| 人 | person | person | 1 |
| 个月 / 月 | month | month | 1 |
| 年 | year | month | 12 |
| 日 / 天 | day | day | 1 |
| 个工作日 | working-day | working-day | 1 |
| 小时 | hour | hour | 1 |
| 平方米 / 万平方米 | square-metre / ten-thousand-square-metre | square-metre | 1 / 10⁴ |
| 项 | item | item | 1 |
| 家 | enterprise | enterprise | 1 |

Numbers that are part of a 文号, a date, or an ordinal (第3条, 总第260期) are not quantities.
Chinese numerals count only with a unit of time or count (三年内 → 3 years); a lone 百/千/万 (百家
…工程) is a name, not a count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .model import QuantityMention, Span
from .numerals import chinese_to_int, fold_width
from .text import clause_at


@dataclass(frozen=True)
class Unit:
    """A unit as written, its concept slug, its base unit and the factor to it."""

    slug: str
    base: str
    factor: Decimal


UNITS: dict[str, Unit] = {
    "万平方米": Unit("ten-thousand-square-metre", "square-metre", Decimal(10000)),
    "平方米": Unit("square-metre", "square-metre", Decimal(1)),
    "个工作日": Unit("working-day", "working-day", Decimal(1)),
    "工作日": Unit("working-day", "working-day", Decimal(1)),
    "个月": Unit("month", "month", Decimal(1)),
    "万元": Unit("ten-thousand-yuan", "yuan", Decimal(10000)),
    "亿元": Unit("hundred-million-yuan", "yuan", Decimal(100000000)),
    "元": Unit("yuan", "yuan", Decimal(1)),
    "%": Unit("percent", "percent", Decimal(1)),
    "人": Unit("person", "person", Decimal(1)),
    "月": Unit("month", "month", Decimal(1)),
    "年": Unit("year", "month", Decimal(12)),
    "日": Unit("day", "day", Decimal(1)),
    "天": Unit("day", "day", Decimal(1)),
    "小时": Unit("hour", "hour", Decimal(1)),
    "项": Unit("item", "item", Decimal(1)),
    "家": Unit("enterprise", "enterprise", Decimal(1)),
}

_UNIT_ALT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_QUANTITY = re.compile(rf"(?<![\d.])(?P<num>{_ARABIC})\s*(?P<unit>{_UNIT_ALT})(?!份)")
_RANGE = re.compile(rf"(?<![\d.])(?P<num>{_ARABIC})\s*(?:—|-|~|至|到)+\s*(?:{_ARABIC})\s*(?P<unit>{_UNIT_ALT})")
_CHINESE = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千万第])(?P<num>[一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*)"
    r"(?P<unit>个工作日|个月|年|日|天|小时|项|家|人)(?!有限)"
)
_ORDINAL_BEFORE = ("第",)


@dataclass(frozen=True)
class _Found:
    span: Span
    number: str
    value: Decimal
    unit: str


def _ordinal(folded: str, start: int) -> bool:
    return any(folded[:start].rstrip().endswith(word) for word in _ORDINAL_BEFORE)


def _candidates(folded: str) -> list[_Found]:
    out: list[_Found] = []
    for m in _QUANTITY.finditer(folded):
        value = Decimal(m["num"].replace(",", ""))
        out.append(_Found(Span(m.start(), m.end()), m["num"], value, m["unit"]))
    for m in _RANGE.finditer(folded):
        # the lower bound of "6—10%" carries the unit of the upper bound
        value = Decimal(m["num"].replace(",", ""))
        out.append(_Found(Span(m.start("num"), m.end("num")), m["num"], value, m["unit"]))
    for m in _CHINESE.finditer(folded):
        try:
            value = Decimal(chinese_to_int(m["num"]))
        except ValueError:
            continue
        out.append(_Found(Span(m.start(), m.end()), m["num"], value, m["unit"]))
    return out


def find_quantities(text: str, *, exclude: list[Span]) -> list[QuantityMention]:
    """Every number with a unit in ``text``, in text order, outside the ``exclude`` spans.

    >>> [q.surface_text for q in find_quantities("月销售额20000元;按次纳税的为500元。", exclude=[])]
    ['20000元', '500元']

    Raises:
        Nothing.
    """
    folded = fold_width(text)
    chosen: list[_Found] = []
    for found in sorted(_candidates(folded), key=lambda f: (f.span.start, -(f.span.end - f.span.start))):
        if any(found.span.overlaps(x) for x in exclude) or _ordinal(folded, found.span.start):
            continue
        if any(found.span.overlaps(c.span) for c in chosen):
            continue
        chosen.append(found)
    chosen.sort(key=lambda f: f.span.start)
    out: list[QuantityMention] = []
    for k, f in enumerate(chosen, start=1):
        unit = UNITS[f.unit]
        out.append(
            QuantityMention(
                ordinal=k,
                surface_text=text[f.span.start : f.span.end].strip(),
                context=clause_at(text, f.span),
                value=f.value,
                unit=unit.slug,
                base_value=f.value * unit.factor,
                base_unit=unit.base,
            )
        )
    return out
