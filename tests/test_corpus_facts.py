"""Facts of 青政发〔2012〕46号, read straight from its text, answered by the named queries on the store.

The expected values are computed here from the source text with plain regular expressions
(independently of the ingester), or pinned from reading the text.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest

from policykg.queries import QueryRegistry, run
from policykg.store import EmbeddedStore
from tests.data import SOURCE_46

TEXT = SOURCE_46.read_text(encoding="utf-8")
#: article number (1-based, in order of appearance) -> the agencies its trailing parenthetical names
ARTICLES = re.findall(r"^\s*[(（]([一二三四五六七八九十]+)[)）](.*)$", TEXT, re.M)
REGISTRY = QueryRegistry()


def q(store: EmbeddedStore, name: str, **params: str) -> list[dict[str, str | None]]:
    return run(store, REGISTRY.get(name), params=params).records()


def agencies_named(line: str) -> list[str]:
    m = re.search(r"[(（]([^()（）]*)负责[)）]\s*$", line)
    # "市经济信息化委等部门" names 市经济信息化委 and says others share the duty
    return [re.sub(r"等(有关)?\S*部门$", "", a.strip()) for a in m.group(1).split("、")] if m else []


def test_text_has_62_articles_in_8_chapters() -> None:
    assert len(ARTICLES) == 62
    assert len(re.findall(r"^\s*[一二三四五六七八]、", TEXT, re.M)) == 8


def test_outline(store: EmbeddedStore) -> None:
    rows = q(store, "document/outline")
    assert [r["number"] for r in rows] == [str(i) for i in range(1, 63)]
    chapters = {r["chapter_number"]: r["chapter_title"] for r in rows}
    assert len(chapters) == 8
    assert chapters["3"] == "加大对小微企业融资支持力度"
    assert chapters["8"] == "强化对小微企业的公共服务"


def test_articles_naming_the_finance_bureau(store: EmbeddedStore) -> None:
    expected = [str(i) for i, (_, line) in enumerate(ARTICLES, 1) if "市财政局" in agencies_named(line)]
    assert len(expected) == 19
    rows = q(store, "agencies/articles_by_agency", agency="市财政局")
    assert [r["number"] for r in rows] == expected


def test_workload_ranking_matches_the_text(store: EmbeddedStore) -> None:
    counts = Counter(a for _, line in ARTICLES for a in agencies_named(line))
    rows = q(store, "agencies/workload")
    top = rows[0]
    assert (top["agency"], int(top["articles"] or 0)) == ("市经济信息化委", counts["市经济信息化委"]) == ("市经济信息化委", 28)
    for r in rows:
        assert int(r["articles"] or 0) == counts[r["agency"] or ""], r


def test_co_responsibility_of_the_two_tax_bureaus(store: EmbeddedStore) -> None:
    both = [str(i) for i, (_, line) in enumerate(ARTICLES, 1)
            if {"市国税局", "市地税局"} <= set(agencies_named(line))]
    rows = [r for r in q(store, "agencies/co_responsibility")
            if {r["agency_a"], r["agency_b"]} == {"市国税局", "市地税局"}]
    assert len(rows) == 1
    assert rows[0]["articles"] is not None
    assert sorted(rows[0]["articles"].split(","), key=int) == both
    assert int(rows[0]["shared"] or 0) == len(both) == 8


def test_citations(store: EmbeddedStore) -> None:
    rows = q(store, "citations/direct")
    got = {(r["article_number"] or "preamble", r["cited_number"] or r["cited_title"]) for r in rows}
    assert got == {
        ("preamble", "国发〔2012〕14号"), ("3", "财库〔2011〕181号"), ("27", "青政字〔2012〕58号"),
        ("41", "青政发〔2012〕19号"), ("48", "小企业会计准则"), ("50", "青发〔2008〕19号"),
    }
    assert all(r["resolved"] == "true" for r in rows)


def test_transitive_citations_include_every_direct_one(store: EmbeddedStore) -> None:
    rows = q(store, "citations/transitive")
    assert {r["cited_number"] for r in rows if r["cited_number"]} >= {
        "国发〔2012〕14号", "财库〔2011〕181号", "青政字〔2012〕58号", "青政发〔2012〕19号", "青发〔2008〕19号"}


def test_what_46_takes_from_the_national_documents(store: EmbeddedStore) -> None:
    rows = q(store, "citations/transposition")
    pairs = {(r["national_number"], r["article"]) for r in rows}
    assert {("财库〔2011〕181号", "3"), ("国发〔2012〕14号", "4"), ("国发〔2012〕14号", "5"),
            ("国发〔2012〕14号", "13"), ("国发〔2012〕14号", "15")} <= pairs


def test_every_article_has_its_measures_modelled(store: EmbeddedStore) -> None:
    rows = q(store, "document/article_kinds")
    assert len(rows) == 62
    for r in rows:
        assert r["kind"], f"article {r['number']} is not classified"
        if r["kind"] != "rule article":
            assert int(r["benefits"] or 0) + int(r["duties"] or 0) >= 1, r
    kinds = {r["number"]: r["kind"] for r in rows}
    assert kinds["62"] == "rule article"
    assert kinds["5"] == "benefit article"     # tax rates for 小型微利企业
    assert kinds["57"] == "duty article"       # 统计监测


@pytest.mark.parametrize(("start", "end", "articles"), [
    ("2014-01-01", "2015-12-31", ["15", "15", "21", "5", "12"]),   # 暂执行至2014年底 / 政策执行至2014年底 / 至2015年底
    ("2014-01-01", "2014-12-31", ["15", "15", "21"]),
    ("2016-01-01", "2030-12-31", []),
])
def test_measures_expiring(store: EmbeddedStore, start: str, end: str, articles: list[str]) -> None:
    rows = [r for r in q(store, "measures/expiring", start=start, end=end) if r["document"] == "青政发〔2012〕46号"]
    assert [r["article"] for r in rows] == articles


def test_measures_in_force_respect_validity(store: EmbeddedStore) -> None:
    def measures(day: str) -> set[str]:
        return {r["measure"] or "" for r in q(store, "measures/in_force", as_of=day)}

    half_income = "https://w3id.org/policykg/id/doc/qingzhengfa-2012-46/measure/5-half-income"
    fee_suspension = "https://w3id.org/policykg/id/doc/qingzhengfa-2012-46/measure/15-suspend-four-fees"
    assert half_income in measures("2015-12-31") and half_income not in measures("2016-01-01")
    assert fee_suspension in measures("2014-12-31") and fee_suspension not in measures("2015-01-01")
    # before the document date (2012-11-08) only measures with an earlier explicit start are in force
    early = measures("2012-08-01")
    assert fee_suspension in early and half_income not in early


def test_quantified_parameters_of_article_24(store: EmbeddedStore) -> None:
    rows = [r for r in q(store, "measures/parameters") if r["article"] == "24"]
    values = {(Decimal(r["value"] or "0"), r["unit"].rsplit("/", 1)[1] if r["unit"] else None) for r in rows}
    assert {(Decimal("1.5"), "percent"), (Decimal("1"), "percent"), (Decimal("50"), "percent"),
            (Decimal("300"), "ten-thousand-yuan")} <= values
    cap = next(r for r in rows if r["value"] and Decimal(r["value"]) == 300)
    assert Decimal(cap["base_value"] or "0") == Decimal(3_000_000)
    assert cap["comparator"] == "<="


def test_benefits_by_beneficiary_follow_narrower_kinds(store: EmbeddedStore) -> None:
    smes = q(store, "benefits/by_beneficiary", beneficiary="party:sme")
    articles = {r["article"] for r in smes}
    assert "6" in articles       # high-tech SMEs are SMEs (skos:broader)
    assert "30" in articles      # small and micro enterprises are SMEs


def test_benefits_by_kind(store: EmbeddedStore) -> None:
    tax = q(store, "benefits/by_kind", kind="pk:TaxBenefit")
    assert {"4", "5", "6", "8", "9", "40"} <= {r["article"] for r in tax}
    rates = q(store, "benefits/by_kind", kind="pk:TaxRateReduction")
    assert {r["article"] for r in rates} >= {"5", "6"}


def test_non_cumulation_group_of_the_income_tax_rates(store: EmbeddedStore) -> None:
    rows = [r for r in q(store, "benefits/non_cumulation_groups") if r["group"] and r["group"].endswith("corporate-income-tax-rate")]
    assert sorted(r["member_article"] for r in rows) == ["5", "5", "6"]
    assert {r["rule_article"] for r in rows} == {"62"}
    assert {r["strategy"] for r in rows} == {"https://w3id.org/policykg/id/resolution-strategy/most-favourable-by-value"}


def test_same_family_pairs_include_the_income_tax_rates(store: EmbeddedStore) -> None:
    rows = q(store, "benefits/same_family")
    assert any(r["article_a"] in ("5", "6") and r["article_b"] in ("5", "6") and r["article_a"] != r["article_b"]
               for r in rows)


def test_size_thresholds_cover_16_industries(store: EmbeddedStore) -> None:
    rows = q(store, "enterprise/size_thresholds")
    assert len({r["industry"] for r in rows}) == 16
    retail_micro = {(r["indicator"].rsplit("/", 1)[1], r["comparator"], r["value"]) for r in rows
                    if r["industry"] and r["industry"].endswith("/retail") and r["size_class"] == "micro"}
    assert retail_micro == {("employees", "<", "10"), ("revenue", "<", "100")}


def test_full_text_search(store: EmbeddedStore) -> None:
    expected = [str(i) for i, (_, line) in enumerate(ARTICLES, 1) if "融资租赁" in line]
    assert [r["number"] for r in q(store, "search/articles", q="融资租赁")] == expected == ["30"]
