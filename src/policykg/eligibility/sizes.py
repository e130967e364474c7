"""Size classes (工信部联企业〔2011〕300号): large, medium, small or micro, as the standard words them.

第四条 of 工信部联企业〔2011〕300号 lists, for each of 16 industry groups (items 1–16), up to three
indicators — 从业人员 (employees, persons), 营业收入 (operating revenue, 万元) and 资产总额 (total
assets, 万元) — and four sentences, e.g. for 工业 (item 2)::

    从业人员1000人以下或营业收入40000万元以下的为中小微型企业。其中,从业人员300人及以上,且营业收入
    2000万元及以上的为中型企业;从业人员20人及以上,且营业收入300万元及以上的为小型企业;从业人员20人以下
    或营业收入300万元以下的为微型企业。

The thresholds are not written here: :mod:`policykg.standards` turns the table
``data/sources/size-thresholds.json`` into ``pk:SizeClassRule`` nodes (one per industry and class:
``size:sme``, ``size:medium``, ``size:small``, ``size:micro``, with ``pk:combinator`` "any" for 或 and
"all" for 且) and their ``pk:SizeThreshold`` nodes (``pk:indicator``, ``pk:comparator`` "<" or ">=",
``pk:value`` as written, ``pk:baseValue`` in persons or yuan). :class:`SizeStandard` reads them back
with one SPARQL query, from the built store (:meth:`SizeStandard.from_store`) or from any rdflib graph
(:meth:`SizeStandard.from_graph`).

Semantics, exactly as the standard words them:

- "以下" is strictly below (``<``), "及以上" is at or above (``>=``);
- 中小微型 (SME) if ANY listed indicator is below the SME bound (或); otherwise **large**;
- an SME is **medium** if ALL listed indicators reach the medium minima (且), else **small** if ALL
  reach the small minima (且), else **micro** (any indicator below the small minimum, 或).

Revenue and assets are given in yuan (the profile contract), compared with ``pk:baseValue``
(万元 × 10,000); employees in persons. An industry only uses its listed indicators: the others are
ignored and may be ``None`` (but a negative or non-numeric value is rejected wherever it is).

Every :class:`SizeDecision` carries the thresholds tested, in the order of the procedure, each a
:class:`SizeReason` (indicator, value, comparator, threshold, met) with zh and en messages citing
工信部联企业〔2011〕300号第四条 and the item of the industry.

>>> from policykg.eligibility.sizes import classify
>>> classify("industrial", employees=20, annual_revenue=3_000_000, total_assets=None).size_class
'small'
>>> classify("industrial", employees=19, annual_revenue=3_000_000, total_assets=None).size_class
'micro'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from rdflib import Graph
from rdflib.query import ResultRow
from rdflib.term import Node

from ..errors import LoadError, MissingFact, ProfileError
from ..namespaces import INDICATOR, INDUSTRY, PK, SIZE, SKOS, UNIT
from ..resources import data_dir
from ..standards import INDUSTRY_CODES, size_standard_graph
from ..store import ReadableStore

#: the document the size classes come from
DOCUMENT_NUMBER = "工信部联企业〔2011〕300号"
#: the size classes, smallest first
SIZE_CLASSES: tuple[str, ...] = ("micro", "small", "medium", "large")
#: the profile fields that hold the indicators, in the order of the standard (X, Y, Z)
INDICATOR_FIELDS: tuple[str, ...] = ("employees", "annual_revenue", "total_assets")

_FIELD_OF_INDICATOR: dict[str, str] = {
    str(INDICATOR.employees): "employees",
    str(INDICATOR.revenue): "annual_revenue",
    str(INDICATOR.assets): "total_assets",
}
_FIELD_LABELS: dict[str, tuple[str, str]] = {
    "employees": ("从业人员", "employees"),
    "annual_revenue": ("营业收入", "operating revenue"),
    "total_assets": ("资产总额", "total assets"),
}
_UNIT_LABELS: dict[str, tuple[str, str]] = {
    str(UNIT.person): ("人", "persons"),
    str(UNIT["ten-thousand-yuan"]): ("万元", "× 10,000 yuan"),
}
_RULE_CLASSES: tuple[str, ...] = ("sme", "medium", "small", "micro")
_CLASS_LABELS: dict[str, tuple[str, str]] = {
    "large": ("大型企业", "large enterprise"),
    "medium": ("中型企业", "medium enterprise"),
    "small": ("小型企业", "small enterprise"),
    "micro": ("微型企业", "micro enterprise"),
    "sme": ("中小微型企业", "SME (medium, small or micro)"),
}
_COMPARATORS = ("<", ">=")
_COMBINATORS = ("any", "all")
_ZH_DIGITS = "〇一二三四五六七八九"

_VARIABLES = ("rule", "industry", "class", "combinator", "threshold", "indicator", "comparator", "value",
              "unit", "base", "item", "label")
_QUERY = f"""PREFIX pk: <{PK}>
PREFIX skos: <{SKOS}>
SELECT DISTINCT {" ".join("?" + v for v in _VARIABLES)}
WHERE {{
  ?rule a pk:SizeClassRule ; pk:industry ?industry ; pk:sizeClass ?class ; pk:combinator ?combinator ;
        pk:hasThreshold ?threshold .
  ?threshold pk:indicator ?indicator ; pk:comparator ?comparator ; pk:value ?value ; pk:unit ?unit ;
             pk:baseValue ?base .
  OPTIONAL {{ ?industry pk:itemNumber ?item }}
  OPTIONAL {{ ?industry skos:prefLabel ?label FILTER(lang(?label) = "zh") }}
}}
"""


@dataclass(frozen=True)
class SizeThreshold:
    """One threshold of a size-class rule: ``indicator comparator base_value``."""

    #: the profile field: "employees", "annual_revenue" or "total_assets"
    indicator: str
    #: "<" (以下) or ">=" (及以上)
    comparator: str
    #: the value as written in the standard (persons or 万元)
    value: Decimal
    #: the unit as written, in Chinese: "人" or "万元"
    unit_zh: str
    #: the value in base units (persons or yuan), which profiles are compared with
    base_value: Decimal
    #: the IRI of the pk:SizeThreshold node
    iri: str

    def holds(self, amount: int | Decimal) -> bool:
        """Whether ``amount`` (persons or yuan) satisfies this threshold."""
        if self.comparator == "<":
            return amount < self.base_value
        return amount >= self.base_value


@dataclass(frozen=True)
class SizeRule:
    """A size-class rule of one industry: its thresholds joined by 或 ("any") or 且 ("all")."""

    #: "sme", "medium", "small" or "micro"
    size_class: str
    #: "any" (或) or "all" (且)
    combinator: str
    #: in the order of INDICATOR_FIELDS
    thresholds: tuple[SizeThreshold, ...]
    #: the IRI of the pk:SizeClassRule node
    iri: str


@dataclass(frozen=True)
class IndustrySizeRules:
    """The four rules of one industry group (one item of 第四条)."""

    #: the contract's industry code, e.g. "industrial"
    industry: str
    #: the item number in 第四条 (1..16)
    item: int
    sme: SizeRule
    medium: SizeRule
    small: SizeRule
    micro: SizeRule
    #: the Chinese name of the industry when the graph has it (the ontology's skos:prefLabel)
    name_zh: str | None = field(default=None, compare=False)

    @property
    def indicators(self) -> tuple[str, ...]:
        """The profile fields this industry's rules use, in the order of INDICATOR_FIELDS."""
        used = {t.indicator for r in (self.sme, self.medium, self.small, self.micro) for t in r.thresholds}
        return tuple(f for f in INDICATOR_FIELDS if f in used)

    @property
    def reference(self) -> str:
        """The legal citation of this item, e.g. "工信部联企业〔2011〕300号第四条第(二)项"."""
        return f"{DOCUMENT_NUMBER}第四条第({_zh_number(self.item)})项"


@dataclass(frozen=True)
class SizeReason:
    """One threshold tested for a decision: ``value comparator threshold`` and whether it holds."""

    #: the rule this test belongs to: "sme", "medium", "small" or "micro"
    rule: str
    #: the profile field: "employees", "annual_revenue" or "total_assets"
    indicator: str
    #: the profile's value (persons or yuan)
    value: int | Decimal
    #: "<" (以下) or ">=" (及以上)
    comparator: str
    #: the threshold in persons or yuan (pk:baseValue)
    threshold: Decimal
    #: whether ``value comparator threshold`` holds
    met: bool
    #: the threshold as the standard writes it, e.g. "300万元"
    threshold_as_written: str
    #: e.g. "工信部联企业〔2011〕300号第四条第(二)项"
    reference: str
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class SizeDecision:
    """The size class of an enterprise under 工信部联企业〔2011〕300号, with the tests that decided it."""

    #: "large", "medium", "small" or "micro"
    size_class: str
    #: the contract's industry code
    industry: str
    #: the item number of the industry in 第四条
    item: int
    #: the indicators the industry uses (profile field names)
    indicators: tuple[str, ...]
    #: the values used (None for an indicator the industry does not use)
    employees: int | None
    annual_revenue: Decimal | None
    total_assets: Decimal | None
    #: every threshold tested, in the order of the procedure (sme, medium, small, micro)
    reasons: tuple[SizeReason, ...]
    #: e.g. "工信部联企业〔2011〕300号第四条第(二)项"
    reference: str
    message_zh: str
    message_en: str

    @property
    def is_sme(self) -> bool:
        """Whether the enterprise is 中小微型 (medium, small or micro)."""
        return self.size_class != "large"


@dataclass(frozen=True)
class SizeStandard:
    """The size-class rules of 工信部联企业〔2011〕300号 for the 16 industries, read from the graph."""

    #: one entry per industry, in the order of the items of 第四条
    industries: tuple[IndustrySizeRules, ...]
    _by_code: dict[str, IndustrySizeRules] = field(init=False, repr=False, compare=False, hash=False)
    _fast: dict[str, Callable[[int, Decimal, Decimal], str]] = field(init=False, repr=False, compare=False,
                                                                     hash=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {r.industry: r for r in self.industries})

    @classmethod
    def from_store(cls, store: ReadableStore) -> SizeStandard:
        """Read the rules from a built store with one SPARQL query.

        Raises:
            LoadError: if the store does not hold complete, consistent rules for the 16 industries.
        """
        rows = []
        for solution in store.query(_QUERY):
            row: dict[str, str | None] = {}
            for name in _VARIABLES:
                term = solution[name]
                row[name] = None if term is None else str(term.value)
            rows.append(row)
        return cls._from_rows(rows, source=f"store {getattr(store, 'root', None) or getattr(store, 'endpoint', '')}")

    @classmethod
    def from_graph(cls, g: Graph) -> SizeStandard:
        """Read the rules from an rdflib graph (e.g. :func:`policykg.standards.size_standard_graph`).

        Raises:
            LoadError: if the graph does not hold complete, consistent rules for the 16 industries.
        """
        rows = []
        for result in g.query(_QUERY):
            if not isinstance(result, ResultRow):
                raise LoadError("the size-standard query returned no solutions", location="graph")
            row: dict[str, str | None] = {}
            for name in _VARIABLES:
                term: Node | None = result[name]
                row[name] = None if term is None else str(term)
            rows.append(row)
        return cls._from_rows(rows, source="graph")

    @classmethod
    def _from_rows(cls, rows: Iterable[Mapping[str, str | None]], *, source: str) -> SizeStandard:
        rules: dict[str, dict[str, dict[str, Any]]] = {}
        items: dict[str, int] = {}
        names: dict[str, str] = {}
        for row in rows:
            code = _local(row["industry"], str(INDUSTRY), source)
            if code not in INDUSTRY_CODES:
                raise LoadError(f"size rule {row['rule']} names industry {code!r}, not one of the contract's codes",
                                location=source)
            size_class = _local(row["class"], str(SIZE), source)
            if size_class not in _RULE_CLASSES:
                raise LoadError(f"size rule {row['rule']} has size class {size_class!r}", location=source)
            if row["item"] is not None:
                items[code] = int(row["item"])
            if row["label"] is not None:
                names[code] = row["label"]
            rule = rules.setdefault(code, {}).setdefault(size_class, {
                "iri": row["rule"], "combinator": row["combinator"], "thresholds": {}})
            if rule["iri"] != row["rule"] or rule["combinator"] != row["combinator"]:
                raise LoadError(f"{code} has more than one {size_class} rule or combinator", location=source)
            if row["combinator"] not in _COMBINATORS:
                raise LoadError(f"size rule {row['rule']} has combinator {row['combinator']!r}", location=source)
            threshold = _threshold(row, source)
            if rule["thresholds"].setdefault(threshold.indicator, threshold) != threshold:
                raise LoadError(f"size rule {row['rule']} has two {threshold.indicator} thresholds",
                                location=source)
        industries = []
        for number, code in enumerate(INDUSTRY_CODES, start=1):
            found = rules.get(code, {})
            missing = [c for c in _RULE_CLASSES if c not in found]
            if missing:
                raise LoadError(f"industry {code} has no size rule for {', '.join(missing)}", location=source)
            built = {c: SizeRule(size_class=c, combinator=str(found[c]["combinator"]), iri=str(found[c]["iri"]),
                                 thresholds=tuple(found[c]["thresholds"][f] for f in INDICATOR_FIELDS
                                                  if f in found[c]["thresholds"]))
                     for c in _RULE_CLASSES}
            entry = IndustrySizeRules(industry=code, item=items.get(code, number), sme=built["sme"],
                                      medium=built["medium"], small=built["small"], micro=built["micro"],
                                      name_zh=names.get(code))
            _check_shape(entry, source)
            industries.append(entry)
        return cls(industries=tuple(industries))

    @property
    def codes(self) -> tuple[str, ...]:
        """The industry codes, in the order of the items of 第四条."""
        return tuple(r.industry for r in self.industries)

    def rules(self, industry: str) -> IndustrySizeRules:
        """The rules of one industry.

        Raises:
            ProfileError: if ``industry`` is not one of the 16 contract codes.
        """
        try:
            return self._by_code[industry]
        except (KeyError, TypeError):
            raise ProfileError(f"industry {industry!r} is not one of: {', '.join(self.codes)}",
                               location="$.industry") from None

    def size_class(self, industry: str, employees: int, annual_revenue: Decimal, total_assets: Decimal) -> str:
        """The size class alone ("large" … "micro"), for values already checked by the profile reader.

        The fast path of batch eligibility: the same procedure as :meth:`classify` without the
        explanation, each industry's four rules generated once into straight-line comparisons (a test
        keeps the two in agreement).

        Raises:
            ProfileError: for an unknown industry.
        """
        fast = self._fast.get(industry)
        if fast is None:
            fast = self._fast[industry] = _generated_rules(self.rules(industry))
        return fast(employees, annual_revenue, total_assets)

    def classify(self, industry: str, *, employees: int | None,
                 annual_revenue: Decimal | int | float | None,
                 total_assets: Decimal | int | float | None) -> SizeDecision:
        """The size class of an enterprise: revenue and assets in yuan, employees in persons.

        Indicators the industry does not use are not compared and may be None; a value that is
        given must still be well formed (a negative head count is an error whatever the industry).

        Raises:
            ProfileError: for an unknown industry, a negative or non-numeric value.
            MissingFact: if an indicator the industry uses is None.
        """
        rules = self.rules(industry)
        given: dict[str, int | Decimal | None] = {
            "employees": _persons(employees),
            "annual_revenue": _yuan("annual_revenue", annual_revenue),
            "total_assets": _yuan("total_assets", total_assets),
        }
        needed = rules.indicators
        missing = [f for f in needed if given[f] is None]
        if missing:
            raise MissingFact(f"{industry} needs {_and(needed)}: {_and(missing)} missing",
                              location=f"$.{missing[0]}")
        values: dict[str, int | Decimal] = {f: v for f, v in given.items() if f in needed and v is not None}
        reasons: list[SizeReason] = []
        summary_zh: list[str] = []
        summary_en: list[str] = []

        def test(rule: SizeRule) -> bool:
            tested = [_reason(rules, rule, t, values[t.indicator]) for t in rule.thresholds]
            reasons.extend(tested)
            met = [r.met for r in tested]
            holds = any(met) if rule.combinator == "any" else all(met)
            # what explains the outcome: the thresholds met when the rule holds, else the ones not met
            phrases = [_phrases(t, values[t.indicator]) for t in rule.thresholds if t.holds(values[t.indicator]) == holds]
            test_zh, test_en = _CLASS_LABELS[rule.size_class]
            summary_zh.append(f"{'' if holds else '不'}符合{test_zh}标准({'、'.join(z for z, _ in phrases)})")
            summary_en.append(f"{'meets' if holds else 'fails'} the {test_en} test ({', '.join(e for _, e in phrases)})")
            return holds

        if not test(rules.sme):
            size_class = "large"
        elif test(rules.medium):
            size_class = "medium"
        elif test(rules.small):
            size_class = "small"
        else:
            test(rules.micro)
            size_class = "micro"
        zh, en = _CLASS_LABELS[size_class]
        name = f" {rules.name_zh}" if rules.name_zh else ""
        employees_value = values.get("employees")
        revenue_value = values.get("annual_revenue")
        assets_value = values.get("total_assets")
        return SizeDecision(
            size_class=size_class,
            industry=industry,
            item=rules.item,
            indicators=needed,
            employees=int(employees_value) if employees_value is not None else None,
            annual_revenue=Decimal(revenue_value) if revenue_value is not None else None,
            total_assets=Decimal(assets_value) if assets_value is not None else None,
            reasons=tuple(reasons),
            reference=rules.reference,
            message_zh=f"{zh}(依{rules.reference}{name}):" + ";".join(summary_zh) + "。",
            message_en=(f"{en} (article 4, item {rules.item} of {DOCUMENT_NUMBER}, {industry}): "
                        + "; ".join(summary_en) + "."),
        )


_ARGUMENTS = {"employees": "e", "annual_revenue": "r", "total_assets": "a"}


def _generated_rules(rules: IndustrySizeRules) -> Callable[[int, Decimal, Decimal], str]:
    """The four rules of one industry as one generated function of (employees, revenue, assets)."""
    constants: dict[str, object] = {}

    def test(rule: SizeRule) -> str:
        parts = []
        for t in rule.thresholds:
            name = f"K{len(constants)}"
            constants[name] = t.base_value
            parts.append(f"{_ARGUMENTS[t.indicator]} {'<' if t.comparator == '<' else '>='} {name}")
        return "(" + (" or " if rule.combinator == "any" else " and ").join(parts) + ")"

    source = (f"def size(e, r, a):\n"
              f"    if not {test(rules.sme)}: return 'large'\n"
              f"    if {test(rules.medium)}: return 'medium'\n"
              f"    if {test(rules.small)}: return 'small'\n"
              f"    return 'micro'\n")
    namespace: dict[str, Any] = dict(constants)
    exec(compile(source, f"<size rules of {rules.industry}>", "exec"), namespace)  # noqa: S102 - our own source
    return namespace["size"]  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def default_standard() -> SizeStandard:
    """The standard read from the shipped table (through :func:`policykg.standards.size_standard_graph`).

    Raises:
        LoadError: if the table cannot be read.
    """
    return SizeStandard.from_graph(size_standard_graph(data_dir() / "sources" / "size-thresholds.json"))


def classify(industry: str, *, employees: int | None, annual_revenue: Decimal | int | float | None,
             total_assets: Decimal | int | float | None, standard: SizeStandard | None = None) -> SizeDecision:
    """The size class of an enterprise (see :meth:`SizeStandard.classify`).

    ``standard`` defaults to :func:`default_standard`; pass ``SizeStandard.from_store(store)`` to
    read the rules from a built store.

    Raises:
        ProfileError: for an unknown industry, a negative or non-numeric value.
        MissingFact: if an indicator the industry uses is None.

    >>> d = classify("industrial", employees=1000, annual_revenue=400_000_000, total_assets=None)
    >>> d.size_class, d.reference
    ('large', '工信部联企业〔2011〕300号第四条第(二)项')
    """
    return (standard or default_standard()).classify(
        industry, employees=employees, annual_revenue=annual_revenue, total_assets=total_assets)


# --- helpers -------------------------------------------------------------------------------------


def _local(iri: str | None, namespace: str, source: str) -> str:
    if iri is None or not iri.startswith(namespace):
        raise LoadError(f"{iri!r} is not in {namespace}", location=source)
    return iri[len(namespace):]


def _threshold(row: Mapping[str, str | None], source: str) -> SizeThreshold:
    indicator = _FIELD_OF_INDICATOR.get(row["indicator"] or "")
    if indicator is None:
        raise LoadError(f"threshold {row['threshold']} has an unknown indicator {row['indicator']}", location=source)
    if row["comparator"] not in _COMPARATORS:
        raise LoadError(f"threshold {row['threshold']} has comparator {row['comparator']!r}", location=source)
    unit = _UNIT_LABELS.get(row["unit"] or "")
    if unit is None:
        raise LoadError(f"threshold {row['threshold']} has an unknown unit {row['unit']}", location=source)
    try:
        value, base = Decimal(row["value"] or ""), Decimal(row["base"] or "")
    except InvalidOperation:
        raise LoadError(f"threshold {row['threshold']} has a value that is not a decimal", location=source) from None
    return SizeThreshold(indicator=indicator, comparator=str(row["comparator"]), value=value, unit_zh=unit[0],
                         base_value=base, iri=str(row["threshold"]))


def _check_shape(rules: IndustrySizeRules, source: str) -> None:
    """The shape the standard gives every item: SME "<" any, medium/small ">=" all, micro = not small."""
    expected = {"sme": ("any", "<"), "medium": ("all", ">="), "small": ("all", ">="), "micro": ("any", "<")}
    for rule in (rules.sme, rules.medium, rules.small, rules.micro):
        combinator, comparator = expected[rule.size_class]
        if not rule.thresholds:
            raise LoadError(f"{rules.industry} {rule.size_class} rule has no threshold", location=source)
        if rule.combinator != combinator or any(t.comparator != comparator for t in rule.thresholds):
            raise LoadError(f"{rules.industry} {rule.size_class} rule should be {combinator} {comparator}",
                            location=source)
    small = [(t.indicator, t.base_value) for t in rules.small.thresholds]
    micro = [(t.indicator, t.base_value) for t in rules.micro.thresholds]
    if small != micro:
        raise LoadError(f"{rules.industry}: the micro bounds differ from the small minima", location=source)


def _persons(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ProfileError("employees must be a whole number of persons, not a boolean", location="$.employees")
    if isinstance(value, int):
        number = value
    elif isinstance(value, (float, Decimal)) and math.isfinite(value) and value == int(value):
        number = int(value)
    else:
        raise ProfileError(f"employees must be a whole number of persons, got {value!r}", location="$.employees")
    if number < 0:
        raise ProfileError(f"employees must not be negative, got {number}", location="$.employees")
    return number


def _yuan(name: str, value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ProfileError(f"{name} must be an amount in yuan, not a boolean", location=f"$.{name}")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float) and math.isfinite(value):
        amount = Decimal(repr(value))
    elif isinstance(value, Decimal) and value.is_finite():
        amount = value
    else:
        raise ProfileError(f"{name} must be a finite amount in yuan, got {value!r}", location=f"$.{name}")
    if amount < 0:
        raise ProfileError(f"{name} must not be negative, got {amount}", location=f"$.{name}")
    return amount


def _phrases(t: SizeThreshold, value: int | Decimal) -> tuple[str, str]:
    """``value comparator threshold`` in words, zh and en, e.g. "从业人员19人未达到20人"."""
    met = t.holds(value)
    label_zh, label_en = _FIELD_LABELS[t.indicator]
    person = t.indicator == "employees"
    shown_zh = f"{_fmt(value)}{'人' if person else '元'}"
    shown_en = f"{_fmt(value)} {'persons' if person else 'yuan'}"
    written = f"{_fmt(t.value)}{t.unit_zh}"
    written_zh = written if person else f"{written}({_fmt(t.base_value)}元)"
    written_en = f"{_fmt(t.value)} persons" if person else f"{_fmt(t.value)}万元 ({_fmt(t.base_value)} yuan)"
    if t.comparator == "<":
        return (f"{label_zh}{shown_zh}{'在' if met else '不在'}{written_zh}以下",
                f"{label_en} {shown_en} {'is' if met else 'is not'} below {written_en}")
    return (f"{label_zh}{shown_zh}{'达到' if met else '未达到'}{written_zh}{'及以上' if met else ''}",
            f"{label_en} {shown_en} {'is' if met else 'is not'} at or above {written_en}")


def _reason(rules: IndustrySizeRules, rule: SizeRule, t: SizeThreshold, value: int | Decimal) -> SizeReason:
    phrase_zh, phrase_en = _phrases(t, value)
    test_zh, test_en = _CLASS_LABELS[rule.size_class]
    joiner_zh = "或" if rule.combinator == "any" else "且"
    name = f" {rules.name_zh}" if rules.name_zh else ""
    return SizeReason(
        rule=rule.size_class, indicator=t.indicator, value=value, comparator=t.comparator,
        threshold=t.base_value, met=t.holds(value), threshold_as_written=f"{_fmt(t.value)}{t.unit_zh}",
        reference=rules.reference,
        message_zh=f"{test_zh}标准({joiner_zh}):{phrase_zh}(依{rules.reference}{name})",
        message_en=(f"{test_en} test ({rule.combinator}): {phrase_en} "
                    f"(article 4, item {rules.item} of {DOCUMENT_NUMBER}, {rules.industry})"),
    )


def _fmt(number: int | Decimal) -> str:
    if isinstance(number, int) or number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _and(names: Iterable[str]) -> str:
    items = list(names)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _zh_number(n: int) -> str:
    """1 → 一, 10 → 十, 16 → 十六, 20 → 二十 (item numbers of 第四条)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = ("" if tens == 0 else ("十" if tens == 1 else _ZH_DIGITS[tens] + "十"))
    return text + (_ZH_DIGITS[ones] if ones else "")
