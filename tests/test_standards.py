"""The size standard of 工信部联企业〔2011〕300号 as RDF, read from size-thresholds.json."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import URIRef

from policykg.errors import LoadError
from policykg.namespaces import INDICATOR, INDUSTRY, PK, SIZE
from policykg.standards import ARTICLE_4, INDUSTRY_CODES, size_standard_graph
from tests.data import ROOT

TABLE = ROOT / "data" / "sources" / "size-thresholds.json"


def _threshold(g, industry: str, size_class: str, indicator: str) -> tuple[str, Decimal]:  # type: ignore[no-untyped-def]
    rule = next(r for r in g.subjects(PK.industry, INDUSTRY[industry]) if (r, PK.sizeClass, SIZE[size_class]) in g)
    t = next(t for t in g.objects(rule, PK.hasThreshold) if (t, PK.indicator, INDICATOR[indicator]) in g)
    return str(g.value(t, PK.comparator)), g.value(t, PK.value).toPython()


def test_every_industry_has_four_rules_pointing_to_article_4() -> None:
    g = size_standard_graph(TABLE)
    assert len(INDUSTRY_CODES) == 16
    for code in INDUSTRY_CODES:
        rules = set(g.subjects(PK.industry, INDUSTRY[code]))
        assert {g.value(r, PK.sizeClass) for r in rules} == {SIZE.sme, SIZE.medium, SIZE.small, SIZE.micro}
        assert all(g.value(r, PK.sourceArticle) == ARTICLE_4 for r in rules)


@pytest.mark.parametrize(("industry", "size_class", "indicator", "comparator", "value"), [
    # 工业: 从业人员1000人以下或营业收入40000万元以下的为中小微型企业
    ("industrial", "sme", "employees", "<", Decimal(1000)),
    ("industrial", "sme", "revenue", "<", Decimal(40000)),
    # 其中,从业人员20人及以上,且营业收入300万元及以上的为小型企业
    ("industrial", "small", "employees", ">=", Decimal(20)),
    ("industrial", "small", "revenue", ">=", Decimal(300)),
    # 零售业 微型: 从业人员10人以下或营业收入100万元以下
    ("retail", "micro", "employees", "<", Decimal(10)),
    ("retail", "micro", "revenue", "<", Decimal(100)),
    # 租赁和商务服务业 中型: 从业人员100人及以上,且资产总额8000万元及以上
    ("leasing_business_services", "medium", "assets", ">=", Decimal(8000)),
    # 房地产开发经营 中小微型: 营业收入200000万元以下或资产总额10000万元以下
    ("real_estate_development", "sme", "assets", "<", Decimal(10000)),
    # 其他未列明行业 小型: 从业人员10人及以上
    ("other", "small", "employees", ">=", Decimal(10)),
])
def test_thresholds_as_the_standard_words_them(industry: str, size_class: str, indicator: str,
                                                comparator: str, value: Decimal) -> None:
    g = size_standard_graph(TABLE)
    assert _threshold(g, industry, size_class, indicator) == (comparator, value)


def test_money_thresholds_are_normalised_to_yuan() -> None:
    g = size_standard_graph(TABLE)
    t = URIRef(f"{ARTICLE_4.rsplit('/article/', 1)[0]}/rule/industrial/sme/revenue")
    assert g.value(t, PK.baseValue).toPython() == Decimal(400_000_000)


def test_bad_table_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "t.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(LoadError, match="not valid JSON"):
        size_standard_graph(broken)
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    data["industries"][3]["small_if_all_at_least"]["X"] = -5
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LoadError) as e:
        size_standard_graph(broken)
    assert e.value.location == f"{broken}:$.industries[3].small_if_all_at_least.X"
