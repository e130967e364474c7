"""Size classes of 工信部联企业〔2011〕300号: boundaries of every industry, cases quoted from the text, errors.

The boundary tests read ``data/sources/size-thresholds.json`` directly (not through the graph) so they
check the whole path table → RDF → SPARQL → classify against the table itself.
"""

from __future__ import annotations

import doctest
import json
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal

from policykg.eligibility import SizeDecision, SizeStandard
from policykg.eligibility import sizes as sizes_module
from policykg.errors import LoadError, MissingFact, ProfileError
from policykg.namespaces import PK
from policykg.standards import INDUSTRY_CODES, size_standard_graph
from policykg.store import EmbeddedStore
from tests.data import ROOT

TABLE = ROOT / "data" / "sources" / "size-thresholds.json"
TEXT = ROOT / "data" / "sources" / "gongxinbu-2011-300.txt"
DATA: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))

#: the contract's codes for items 1..16 of 第四条 (written out here, checked against the package below)
CODES = ("agriculture", "industrial", "construction", "wholesale", "retail", "transport", "warehousing",
         "postal", "accommodation", "catering", "information_transmission", "software_it_services",
         "real_estate_development", "property_management", "leasing_business_services", "other")
FIELDS = {"X": "employees", "Y": "annual_revenue", "Z": "total_assets"}
#: persons for X; the table's 万元 in yuan for Y and Z
FACTOR = {"X": 1, "Y": 10_000, "Z": 10_000}
ORDER = ("micro", "small", "medium", "large")
RULE_OF_KEY = {"sme_if_any_below": "sme", "medium_if_all_at_least": "medium",
               "small_if_all_at_least": "small", "micro_if_any_below": "micro"}


@pytest.fixture(scope="module")
def standard() -> SizeStandard:
    return SizeStandard.from_graph(size_standard_graph(TABLE))


def _industry(code: str) -> dict[str, Any]:
    return next(i for i in DATA["industries"] if CODES[i["item"] - 1] == code)


def _base(industry: dict[str, Any], key: str, letter: str) -> int:
    return int(industry[key][letter]) * FACTOR[letter]


def _profile(values: dict[str, int]) -> dict[str, int | None]:
    profile: dict[str, int | None] = {"employees": None, "annual_revenue": None, "total_assets": None}
    for letter, value in values.items():
        profile[FIELDS[letter]] = value
    return profile


def test_codes_are_the_packages() -> None:
    assert CODES == INDUSTRY_CODES
    assert sorted(i["item"] for i in DATA["industries"]) == list(range(1, 17))


# --- boundaries: every threshold of every rule of every industry ----------------------------------

#: (rule key, what the others are set to, class at T, class one unit below T)
PLAN = {
    # 以下 … 或: at the SME bound (with the others at theirs) nothing is below → large; one below → SME,
    # and still at or above every medium minimum → medium
    "sme_if_any_below": ("sme_if_any_below", "large", "medium"),
    # 及以上 … 且: the others exactly at their medium minima; at T → medium, one below → small
    "medium_if_all_at_least": ("medium_if_all_at_least", "medium", "small"),
    # 及以上 … 且: the others exactly at their small minima; at T → small, one below → micro
    "small_if_all_at_least": ("small_if_all_at_least", "small", "micro"),
    # 以下 … 或: the micro bound equals the small minimum; at T not micro (small), one below → micro
    "micro_if_any_below": ("small_if_all_at_least", "small", "micro"),
}


def _boundary_cases() -> list[Any]:
    cases = []
    for industry in sorted(DATA["industries"], key=lambda i: i["item"]):
        code = CODES[industry["item"] - 1]
        for key in PLAN:
            for letter in sorted(industry[key]):
                raw = industry[key][letter]
                cases.append(pytest.param(code, key, letter, id=f"{code}-{RULE_OF_KEY[key]}-{FIELDS[letter]}-{raw}"))
    return cases


BOUNDARY_CASES = _boundary_cases()


def test_every_threshold_has_a_boundary_case() -> None:
    expected = sum(len(i[key]) for i in DATA["industries"] for key in PLAN)
    assert len(BOUNDARY_CASES) == expected >= 16 * 4


@pytest.mark.parametrize(("industry", "key", "letter"), BOUNDARY_CASES)
def test_boundary(standard: SizeStandard, industry: str, key: str, letter: str) -> None:
    table = _industry(industry)
    others_key, at_class, below_class = PLAN[key]
    threshold = _base(table, key, letter)
    others = {other: _base(table, others_key, other) for other in table["indicators"] if other != letter}
    # the table is shaped as the plan assumes (small ≤ medium ≤ SME bound for every indicator)
    for other in table["indicators"]:
        small, medium, sme = (_base(table, k, other) for k in ("small_if_all_at_least", "medium_if_all_at_least",
                                                               "sme_if_any_below"))
        assert small < medium < sme
        assert _base(table, "micro_if_any_below", other) == small

    for value, expected in ((threshold, at_class), (threshold - 1, below_class)):
        decision = standard.classify(industry, **_profile({**others, letter: value}))
        assert decision.size_class == expected, (value, decision.message_en)
        # the deciding threshold is among the reasons, with the comparator the standard words
        rule = RULE_OF_KEY[key]
        reason = [r for r in decision.reasons if r.rule == rule and r.indicator == FIELDS[letter]]
        if reason:
            (r,) = reason
            assert r.threshold == threshold
            assert r.comparator == ("<" if key.endswith("below") else ">=")
            assert r.met == (value < threshold if r.comparator == "<" else value >= threshold)
        else:  # only the micro rule is skipped: not tested when the enterprise is small
            assert rule == "micro" and decision.size_class == "small"


# --- cases quoted from the text of 第四条 -----------------------------------------------------------

QUOTED: list[tuple[str, str, dict[str, Any], str]] = [
    ("二）工业", "从业人员20人及以上，且营业收入300万元及以上的为小型企业",
     {"employees": 20, "annual_revenue": 3_000_000}, "small"),
    ("二）工业", "从业人员20人以下或营业收入300万元以下的为微型企业",
     {"employees": 19, "annual_revenue": 3_000_000}, "micro"),
    ("二）工业", "从业人员20人以下或营业收入300万元以下的为微型企业",
     {"employees": 500, "annual_revenue": 2_999_999}, "micro"),
    ("二）工业", "从业人员1000人以下或营业收入40000万元以下的为中小微型企业",
     {"employees": 1000, "annual_revenue": 400_000_000}, "large"),
    ("二）工业", "从业人员1000人以下或营业收入40000万元以下的为中小微型企业",
     {"employees": 5000, "annual_revenue": 399_999_999}, "medium"),
    ("二）工业", "从业人员300人及以上，且营业收入2000万元及以上的为中型企业",
     {"employees": 300, "annual_revenue": 20_000_000}, "medium"),
    ("二）工业", "从业人员300人及以上，且营业收入2000万元及以上的为中型企业",
     {"employees": 299, "annual_revenue": 20_000_000}, "small"),
    ("一）农、林、牧、渔业", "营业收入500万元及以上的为中型企业",
     {"annual_revenue": 5_000_000}, "medium"),
    ("一）农、林、牧、渔业", "营业收入50万元以下的为微型企业",
     {"annual_revenue": 499_999}, "micro"),
    ("一）农、林、牧、渔业", "营业收入20000万元以下的为中小微型企业",
     {"annual_revenue": 200_000_000}, "large"),
    ("三）建筑业", "营业收入300万元以下或资产总额300万元以下的为微型企业",
     {"annual_revenue": 100_000_000, "total_assets": 2_999_999}, "micro"),
    ("三）建筑业", "营业收入6000万元及以上，且资产总额5000万元及以上的为中型企业",
     {"annual_revenue": 60_000_000, "total_assets": 50_000_000}, "medium"),
    ("四）批发业", "从业人员5人及以上，且营业收入1000万元及以上的为小型企业",
     {"employees": 5, "annual_revenue": 10_000_000}, "small"),
    ("四）批发业", "从业人员200人以下或营业收入40000万元以下的为中小微型企业",
     {"employees": 200, "annual_revenue": 400_000_000}, "large"),
    ("五）零售业", "从业人员10人以下或营业收入100万元以下的为微型企业",
     {"employees": 9, "annual_revenue": 50_000_000}, "micro"),
    ("十二）软件和信息技术服务业", "从业人员10人及以上，且营业收入50万元及以上的为小型企业",
     {"employees": 10, "annual_revenue": 500_000}, "small"),
    ("十三）房地产开发经营", "营业收入200000万元以下或资产总额10000万元以下的为中小微型企业",
     {"annual_revenue": 3_000_000_000, "total_assets": 99_999_999}, "medium"),
    ("十三）房地产开发经营", "营业收入200000万元以下或资产总额10000万元以下的为中小微型企业",
     {"annual_revenue": 2_000_000_000, "total_assets": 100_000_000}, "large"),
    ("十五）租赁和商务服务业", "从业人员100人及以上，且资产总额8000万元及以上的为中型企业",
     {"employees": 100, "total_assets": 80_000_000}, "medium"),
    ("十五）租赁和商务服务业", "从业人员100人及以上，且资产总额8000万元及以上的为中型企业",
     {"employees": 100, "total_assets": 79_999_999}, "small"),
    ("（十六）其他未列明行业", "从业人员10人及以上的为小型企业", {"employees": 10}, "small"),
    ("（十六）其他未列明行业", "从业人员10人及以上的为小型企业", {"employees": 9}, "micro"),
    ("（十六）其他未列明行业", "从业人员300人以下的为中小微型企业", {"employees": 300}, "large"),
]
_ITEM_OF_HEAD = {"二）工业": "industrial", "一）农、林、牧、渔业": "agriculture", "三）建筑业": "construction",
                 "四）批发业": "wholesale", "五）零售业": "retail", "十二）软件和信息技术服务业": "software_it_services",
                 "十三）房地产开发经营": "real_estate_development",
                 "十五）租赁和商务服务业": "leasing_business_services", "（十六）其他未列明行业": "other"}


@pytest.mark.parametrize(("head", "quote", "profile", "expected"), QUOTED,
                         ids=[f"{_ITEM_OF_HEAD[h]}-{c}-{'-'.join(map(str, p.values()))}" for h, _, p, c in QUOTED])
def test_cases_quoted_from_the_text(standard: SizeStandard, head: str, quote: str, profile: dict[str, Any],
                                    expected: str) -> None:
    line = next(li for li in TEXT.read_text(encoding="utf-8").splitlines() if li.startswith(head))
    assert quote in line.replace(" ", "")  # the quotation is the text's own wording
    full: dict[str, Any] = {"employees": None, "annual_revenue": None, "total_assets": None, **profile}
    decision = standard.classify(_ITEM_OF_HEAD[head], **full)
    assert decision.size_class == expected, decision.message_en


def test_decision_explains_itself(standard: SizeStandard) -> None:
    d = standard.classify("industrial", employees=19, annual_revenue=3_000_000, total_assets=123)
    assert isinstance(d, SizeDecision)
    assert (d.size_class, d.industry, d.item, d.indicators) == ("micro", "industrial", 2, ("employees", "annual_revenue"))
    assert (d.employees, d.annual_revenue, d.total_assets) == (19, Decimal(3_000_000), None)  # assets unused
    assert d.reference == "工信部联企业〔2011〕300号第四条第(二)项"
    assert [(r.rule, r.indicator, r.comparator, r.met) for r in d.reasons] == [
        ("sme", "employees", "<", True), ("sme", "annual_revenue", "<", True),
        ("medium", "employees", ">=", False), ("medium", "annual_revenue", ">=", False),
        ("small", "employees", ">=", False), ("small", "annual_revenue", ">=", True),
        ("micro", "employees", "<", True), ("micro", "annual_revenue", "<", False),
    ]
    micro = d.reasons[-2]
    assert (micro.value, micro.threshold, micro.threshold_as_written) == (19, Decimal(20), "20人")
    assert micro.message_zh.startswith("微型企业标准(或):从业人员19人在20人以下")
    assert "第四条第(二)项" in micro.message_zh
    assert "article 4, item 2 of 工信部联企业〔2011〕300号" in micro.message_en
    for r in d.reasons:
        assert "工信部联企业〔2011〕300号第四条第(二)项" in r.message_zh
        assert "article 4, item 2" in r.message_en
    revenue = d.reasons[1]
    assert revenue.threshold == Decimal(400_000_000) and revenue.threshold_as_written == "40000万元"
    assert d.message_zh.startswith("微型企业(依工信部联企业〔2011〕300号第四条第(二)项)")
    assert "不符合小型企业标准(从业人员19人未达到20人)" in d.message_zh
    assert d.message_en.startswith("micro enterprise (article 4, item 2 of 工信部联企业〔2011〕300号")


def test_item_numbers_in_chinese(standard: SizeStandard) -> None:
    refs = {r.industry: r.reference for r in standard.industries}
    assert refs["agriculture"].endswith("第四条第(一)项")
    assert refs["catering"].endswith("第四条第(十)项")
    assert refs["software_it_services"].endswith("第四条第(十二)项")
    assert refs["other"].endswith("第四条第(十六)项")


def test_large_decision_only_tests_the_sme_bound(standard: SizeStandard) -> None:
    d = standard.classify("other", employees=300, annual_revenue=None, total_assets=None)
    assert d.size_class == "large" and not d.is_sme
    assert [(r.rule, r.met) for r in d.reasons] == [("sme", False)]


def test_money_as_decimal_int_or_float(standard: SizeStandard) -> None:
    for revenue in (3_000_000, Decimal("3000000"), Decimal("3000000.00"), 3_000_000.0):
        assert standard.classify("industrial", employees=20, annual_revenue=revenue,
                                 total_assets=None).size_class == "small"
    for revenue in (Decimal("2999999.99"), 2_999_999.5):
        assert standard.classify("industrial", employees=20, annual_revenue=revenue,
                                 total_assets=None).size_class == "micro"


def test_unused_indicators_are_ignored(standard: SizeStandard) -> None:
    a = standard.classify("agriculture", employees=None, annual_revenue=5_000_000, total_assets=None)
    b = standard.classify("agriculture", employees=100_000, annual_revenue=5_000_000, total_assets=10**12)
    assert a.size_class == b.size_class == "medium"
    assert b.employees is None and b.total_assets is None
    assert a.indicators == ("annual_revenue",)


def test_module_level_classify_uses_the_shipped_table() -> None:
    d = sizes_module.classify("retail", employees=10, annual_revenue=1_000_000, total_assets=None)
    assert d.size_class == "small"


def test_doctests() -> None:
    result = doctest.testmod(sizes_module)
    assert result.attempted >= 3 and result.failed == 0


# --- errors -----------------------------------------------------------------------------------------


def test_unknown_industry_names_the_field_and_the_codes(standard: SizeStandard) -> None:
    with pytest.raises(ProfileError) as e:
        standard.classify("mining", employees=1, annual_revenue=1, total_assets=1)
    assert e.value.location == "$.industry"
    assert "'mining'" in str(e.value)
    for code in CODES:
        assert code in str(e.value)


@pytest.mark.parametrize(("industry", "profile", "message"), [
    ("industrial", {"employees": 10, "annual_revenue": None}, "industrial needs employees and annual_revenue"),
    ("industrial", {"employees": None, "annual_revenue": 10}, "employees missing"),
    ("construction", {"annual_revenue": None, "total_assets": None},
     "construction needs annual_revenue and total_assets: annual_revenue and total_assets missing"),
    ("agriculture", {"annual_revenue": None}, "agriculture needs annual_revenue"),
    ("other", {"employees": None}, "other needs employees"),
])
def test_missing_indicator(standard: SizeStandard, industry: str, profile: dict[str, Any], message: str) -> None:
    full: dict[str, Any] = {"employees": None, "annual_revenue": None, "total_assets": None, **profile}
    with pytest.raises(MissingFact, match=message) as e:
        standard.classify(industry, **full)
    assert e.value.location is not None and e.value.location.startswith("$.")


@pytest.mark.parametrize(("field", "value"), [
    ("employees", -1), ("annual_revenue", -1), ("annual_revenue", Decimal("-0.01")), ("total_assets", -5.0),
    ("employees", True), ("employees", 2.5), ("employees", "20"), ("annual_revenue", math.nan),
    ("annual_revenue", math.inf), ("total_assets", Decimal("NaN")), ("annual_revenue", "300万元"),
])
def test_bad_values(standard: SizeStandard, field: str, value: Any) -> None:
    profile: dict[str, Any] = {"employees": 50, "annual_revenue": 10**7, "total_assets": 10**7, field: value}
    with pytest.raises(ProfileError) as e:
        standard.classify("construction", **profile)
    assert e.value.location == f"$.{field}"
    assert field in str(e.value)


def test_graph_without_rules_is_a_load_error() -> None:
    with pytest.raises(LoadError, match="industry agriculture has no size rule"):
        SizeStandard.from_graph(Graph())


def test_graph_with_a_misworded_rule_is_a_load_error() -> None:
    g = size_standard_graph(TABLE)
    rule = next(r for r in g.subjects(PK.combinator, Literal("all")))
    g.set((rule, PK.combinator, Literal("any")))
    with pytest.raises(LoadError, match="should be all >="):
        SizeStandard.from_graph(g)


# --- the store and the graph agree -----------------------------------------------------------------


def test_from_store_and_from_graph_agree(store: EmbeddedStore, standard: SizeStandard) -> None:
    from_store = SizeStandard.from_store(store)
    assert from_store.codes == standard.codes == CODES
    for a, b in zip(from_store.industries, standard.industries, strict=True):
        assert a == b, a.industry
        assert a.item == CODES.index(a.industry) + 1
    assert from_store == standard
    # the store also has the ontology's industry names
    assert from_store.rules("industrial").name_zh == "工业"
    assert from_store.rules("other").name_zh is not None
    d = from_store.classify("industrial", employees=20, annual_revenue=3_000_000, total_assets=None)
    assert d.size_class == "small" and "第四条第(二)项 工业" in d.reasons[0].message_zh


# --- properties ------------------------------------------------------------------------------------


def _near_thresholds(letter: str) -> list[int]:
    points = {0}
    for industry in DATA["industries"]:
        for key in RULE_OF_KEY:
            if letter in industry[key]:
                base = int(industry[key][letter]) * FACTOR[letter]
                points.update({base - 1, base, base + 1})
    return sorted(points)


def _amount(letter: str) -> st.SearchStrategy[int]:
    top = 5_000 if letter == "X" else 3 * 10**9
    return st.one_of(st.sampled_from(_near_thresholds(letter)), st.integers(min_value=0, max_value=top))


@settings(max_examples=400, deadline=None)
@given(industry=st.sampled_from(CODES), x=_amount("X"), y=_amount("Y"), z=_amount("Z"),
       dx=st.sampled_from([0, 1]) | st.integers(0, 2_000), dy=st.sampled_from([0, 1]) | st.integers(0, 10**9),
       dz=st.sampled_from([0, 1]) | st.integers(0, 10**9))
def test_more_never_gives_a_smaller_class(standard: SizeStandard, industry: str, x: int, y: int, z: int,
                                          dx: int, dy: int, dz: int) -> None:
    small = standard.classify(industry, employees=x, annual_revenue=y, total_assets=z)
    big = standard.classify(industry, employees=x + dx, annual_revenue=y + dy, total_assets=z + dz)
    assert ORDER.index(big.size_class) >= ORDER.index(small.size_class)


def _oracle(industry: str, values: dict[str, int]) -> str:
    """The procedure of the table's "semantics", applied to the table itself."""
    table = _industry(industry)

    def holds(key: str, letter: str) -> bool:
        base = _base(table, key, letter)
        return values[letter] < base if key.endswith("below") else values[letter] >= base

    if not any(holds("sme_if_any_below", k) for k in table["sme_if_any_below"]):
        return "large"
    if all(holds("medium_if_all_at_least", k) for k in table["medium_if_all_at_least"]):
        return "medium"
    if all(holds("small_if_all_at_least", k) for k in table["small_if_all_at_least"]):
        return "small"
    assert any(holds("micro_if_any_below", k) for k in table["micro_if_any_below"])
    return "micro"


@settings(max_examples=400, deadline=None)
@given(industry=st.sampled_from(CODES), x=_amount("X"), y=_amount("Y"), z=_amount("Z"))
def test_agrees_with_the_table_read_directly(standard: SizeStandard, industry: str, x: int, y: int, z: int) -> None:
    decision = standard.classify(industry, employees=x, annual_revenue=y, total_assets=z)
    assert decision.size_class == _oracle(industry, {"X": x, "Y": y, "Z": z})


@settings(max_examples=600, deadline=None)
@given(industry=st.sampled_from(CODES), x=_amount("X"), y=_amount("Y"), z=_amount("Z"))
def test_fast_size_class_equals_the_explained_one(standard: SizeStandard, industry: str, x: int, y: int,
                                                  z: int) -> None:
    """The generated comparisons of the batch path decide as classify() does, at and around every threshold."""
    expected = standard.classify(industry, employees=x, annual_revenue=y, total_assets=z).size_class
    assert standard.size_class(industry, x, Decimal(y), Decimal(z)) == expected
