"""The eligibility engine: decisions as of a date, valuation, non-cumulation, explanations, fast paths.

The YAML cases (tests/eligibility/cases/) pin decisions benefit by benefit; this module tests the
engine's machinery: the generated evaluator and the valuers agree with the reference paths they
replace, the summary agrees with the full decision, and the explanations say what a user relies on.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykg.eligibility.engine import Engine, months_between
from policykg.eligibility.profiles import INDUSTRIES, Profile, profile_from_mapping
from policykg.eligibility.valuation import value, valuer
from policykg.errors import ProfileError
from policykg.store import EmbeddedStore

AS_OF = date(2013, 6, 30)


@pytest.fixture(scope="module")
def engine(store: EmbeddedStore) -> Engine:
    return Engine.from_store(store)


def make(**changes: object) -> Profile:
    data: dict[str, object] = {"name": "测试企业", "industry": "software_it_services", "employees": 60,
                               "annual_revenue": 8_000_000, "total_assets": 6_000_000,
                               "annual_taxable_income": 375_000, "high_tech_certified": True,
                               "restricted_industry": False}
    data.update(changes)
    return profile_from_mapping({k: v for k, v in data.items() if v is not None}, location="$")


def slugs(items: object) -> list[str]:
    return [x.benefit.slug for x in items]  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------------- the catalogue

def test_catalogue_has_every_shaped_benefit_with_citation_and_validity(engine: Engine) -> None:
    benefits = engine.catalogue.benefits
    assert len(benefits) == 86
    assert all(b.document is not None and b.document.name == "青政发〔2012〕46号" for b in benefits)
    half = engine.catalogue.benefit("5-half-income")
    assert half.citation == "青政发〔2012〕46号第五条"
    # the article's own end (至2015年底) and the document's entry into force (自发布之日起实施, 2012-11-08)
    assert (half.valid_from, half.valid_until) == (date(2012, 11, 8), date(2015, 12, 31))
    assert engine.catalogue.standard_rates["corporate-income-tax"][0] == Decimal(25)


def test_higher_level_rule_bounds_validity(engine: Engine) -> None:
    """第六十二条: 国家和省有规定且有实施年限的,按国家和省的规定执行 — the national period bounds the local benefit."""
    period = engine.in_force(AS_OF)
    start, end = period.validity[engine.catalogue.benefit("15-suspend-seven-fees").iri]
    assert end == date(2014, 12, 31)
    notes = period.governed[engine.catalogue.benefit("15-suspend-seven-fees").iri]
    assert any("国发〔2012〕14号" in zh for zh, _ in notes)


# ----------------------------------------------------------------------------------- decisions

def test_contract_json_shape(engine: Engine) -> None:
    doc = engine.decide(make(), AS_OF).to_json()
    assert set(doc) >= {"profile", "as_of", "size_class", "granted", "excluded", "ineligible"}
    assert doc["profile"] == "测试企业" and doc["as_of"] == "2013-06-30" and doc["size_class"] == "small"
    g = doc["granted"][0]
    assert set(g) >= {"benefit", "label", "document", "article", "value", "valid_from", "valid_until", "because"}
    i = doc["ineligible"][0]
    assert set(i) >= {"benefit", "document", "article", "reasons"}
    assert set(i["reasons"][0]) >= {"field", "value", "constraint", "message"}
    every = {x["benefit"] for key in ("granted", "excluded", "ineligible") for x in doc[key]}
    assert len(every) == 86  # each benefit is in exactly one list
    assert sum(len(doc[k]) for k in ("granted", "excluded", "ineligible")) == 86


def test_high_tech_rate_is_valued_against_the_standard_rate(engine: Engine) -> None:
    d = engine.decide(make(), AS_OF)
    g = {x.benefit.slug: x for x in d.granted}["6-high-tech-reduced-rate"]
    assert g.valuation.amount == Decimal("37500.00")  # 375000 × (25% − 15%)
    assert g.valuation.formula == "375000 × (25% − 15%)"


@pytest.mark.parametrize(("income", "winner"), [
    (60_000, "5-half-income"),           # 60000×25% − 60000×50%×20% = 9000 > 60000×10% = 6000
    (Decimal("60000.01"), "6-high-tech-reduced-rate"),  # the halving ends at 60000 (含60000元)
])
def test_most_favourable_choice_flips_at_the_halving_threshold(engine: Engine, income: object, winner: str) -> None:
    d = engine.decide(make(annual_taxable_income=income), AS_OF)
    granted = slugs(d.granted)
    cit = [s for s in granted if s in ("5-half-income", "5-reduced-rate", "6-high-tech-reduced-rate")]
    assert cit == [winner]
    excluded = {e.benefit.slug: e for e in d.excluded}
    assert excluded and all(e.in_favour_of.slug == winner for e in excluded.values())
    assert all("按从优原则执行,不重复享受" in e.reason_zh for e in excluded.values())


def test_nothing_is_granted_outside_its_validity(engine: Engine) -> None:
    profile = make(annual_taxable_income=50_000, high_tech_certified=False)
    on_last_day = slugs(engine.decide(profile, date(2015, 12, 31)).granted)
    after = engine.decide(profile, date(2016, 1, 1))
    assert "5-half-income" in on_last_day and "5-half-income" not in slugs(after.granted)
    reason = {i.benefit.slug: i for i in after.ineligible}["5-half-income"].reasons[0]
    assert (reason.field, reason.constraint) == ("as_of", "<= 2015-12-31")
    # before 46号 was issued (本意见自发布之日起实施) only what an article dates back itself applies:
    # 第十五条 自2012年7月1日起 … 暂停征收
    before = engine.decide(profile, date(2012, 11, 7))
    assert sorted(slugs(before.granted)) == ["15-suspend-four-fees", "15-suspend-seven-fees"]
    assert slugs(engine.decide(profile, date(2012, 6, 30)).granted) == []
    granted = {g.benefit.slug: g for g in engine.decide(profile, AS_OF).granted}
    assert granted["5-half-income"].valid_until == date(2015, 12, 31)


def test_failed_threshold_says_the_smallest_change(engine: Engine) -> None:
    d = engine.decide(make(employees=90, annual_taxable_income=100_000, high_tech_certified=False), AS_OF)
    reasons = {i.benefit.slug: i for i in d.ineligible}["5-reduced-rate"].reasons
    employees = [r for r in reasons if r.field == "employees"]
    assert employees and employees[0].constraint == "<= 80" and employees[0].value == 90
    assert employees[0].change is not None and employees[0].change.by == -10
    assert employees[0].change.message_en == "at most 80: 10 fewer"
    assert employees[0].alternative and "其他企业" in employees[0].alternative  # the closest alternative
    assert employees[0].message_zh.startswith("不满足第五条的条件")


def test_money_changes_are_in_fen_and_strict_bounds_are_respected(engine: Engine) -> None:
    d = engine.decide(make(monthly_sales=25_000), AS_OF)
    reasons = {i.benefit.slug: i for i in d.ineligible}["4-vat-threshold"].reasons
    sales = [r for r in reasons if r.field == "monthly_sales"][0]
    assert sales.constraint == "< 20000"  # 月销售额20000元 is the 起征点: below it, no VAT
    assert sales.change is not None and sales.change.to == Decimal("19999.99") and sales.change.by == Decimal("-5000.01")


def test_missing_figure_is_undecided_not_refused(engine: Engine) -> None:
    d = engine.decide(make(annual_taxable_income=None), AS_OF)
    half = {i.benefit.slug: i for i in d.ineligible}["5-half-income"]
    assert half.undecided and half.missing == ("annual_taxable_income",)
    assert "cannot decide: missing annual_taxable_income" in half.reasons[0].message_en
    doc = d.to_json()
    entry = next(i for i in doc["ineligible"] if i["benefit"].endswith("/5-half-income"))
    assert entry["undecided"] is True and entry["missing"] == ["annual_taxable_income"]


def test_months_since_establishment_is_derived_from_the_date(engine: Engine) -> None:
    """第三十八条: 种子期企业 成立时间在18个月以内."""
    seed = "38-seed-stage-project-support"
    young = engine.decide(make(established_on="2012-01-01"), AS_OF)  # 17 months and 29 days: 18 begun
    old = engine.decide(make(established_on="2011-12-30"), AS_OF)  # exactly 18 months on 2013-06-30
    assert months_between(date(2011, 12, 30), AS_OF) == 18
    for d in (young, old):
        assert not any(r.field == "months_since_establishment"
                       for i in d.ineligible if i.benefit.slug == seed for r in i.reasons)
    too_old = engine.decide(make(established_on="2011-12-29"), AS_OF)  # 18 months and a day: 19 begun
    reasons = {i.benefit.slug: i for i in too_old.ineligible}[seed].reasons
    assert any(r.field == "months_since_establishment" and r.value == 19 for r in reasons)


def test_established_after_the_as_of_date_is_an_error(engine: Engine) -> None:
    with pytest.raises(ProfileError, match="established_on 2014-01-01 is after the as-of date 2013-06-30"):
        engine.decide(make(established_on="2014-01-01"), AS_OF)


def test_because_cites_the_conditions_met(engine: Engine) -> None:
    d = engine.decide(make(annual_taxable_income=50_000, high_tech_certified=False), AS_OF)
    half = {g.benefit.slug: g for g in d.granted}["5-half-income"]
    fields = {r.field for r in half.because}
    assert {"annual_taxable_income", "restricted_industry"} <= fields
    assert all(r.message_zh.startswith("第五条") for r in half.because)
    assert any("国发〔2012〕14号" in zh for zh, _ in half.notes)  # governed by the national extension


# ----------------------------------------------------------------------------------- fast paths

_profiles = st.builds(
    lambda industry, employees, revenue, assets, income, tech, restricted, trained, rd, months, kinds, attests: {
        "name": "p", "industry": industry, "employees": employees, "annual_revenue": revenue,
        "total_assets": assets, "annual_taxable_income": income, "high_tech_certified": tech,
        "restricted_industry": restricted, "graduates_trained": trained, "rd_expenses_expensed": rd,
        "months_since_establishment": months, "beneficiary_kind": kinds, "attests": attests},
    st.sampled_from(INDUSTRIES),
    st.sampled_from([0, 7, 8, 10, 20, 79, 80, 81, 100, 101, 300, 1000]),
    st.sampled_from([0, 500_000, 3_000_000, 10_000_000, 20_000_000, 100_000_000, 400_000_000]),
    st.sampled_from([0, 1_000_000, 10_000_000, 30_000_000, 30_000_001, 120_000_000]),
    st.one_of(st.none(), st.sampled_from([0, 59_999, 60_000, Decimal("60000.01"), 300_000, 300_001])),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.integers(0, 50)),
    st.one_of(st.none(), st.integers(0, 10**6)),
    st.one_of(st.none(), st.integers(0, 40)),
    st.sampled_from([["enterprise"], ["employer"], ["guarantee-institution"], ["individual-business"],
                     ["financial-enterprise", "enterprise"]]),
    st.sampled_from([[], ["7-tax-deferral/special-difficulty"], ["8-tech-transfer-exemption/qualifying-income"]]),
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(_profiles, st.sampled_from([date(2012, 11, 7), date(2013, 6, 30), date(2014, 12, 31), date(2015, 1, 1),
                                   date(2016, 1, 1)]))
def test_summary_agrees_with_the_full_decision(engine: Engine, data: dict[str, object], as_of: date) -> None:
    profile = profile_from_mapping({k: v for k, v in data.items() if v is not None}, location="$")
    full = engine.decide(profile, as_of)
    fast = engine.summarise(profile, as_of)
    assert fast.size_class == full.size_class
    assert [(b.slug, v) for b, v in fast.granted] == [(g.benefit.slug, g.valuation.amount) for g in full.granted]
    assert sorted(b.slug for b in fast.excluded) == sorted(slugs(full.excluded))
    assert fast.total_value == full.total_value
    # the generated evaluator says the same as the record validators of every shape
    size = engine.standard.size_class(profile.industry, profile.employees, profile.annual_revenue,
                                      profile.total_assets)
    record = engine.record(profile, as_of, size)
    assert engine.evaluator(record) == [engine.catalogue.validator(b).conforms(record)
                                        for b in engine.catalogue.benefits]
    for b, fn in zip(engine.catalogue.benefits, engine.valuers):
        assert fn(record) == value(b, record, engine.catalogue).amount, b.slug


def test_generated_evaluator_falls_back_on_unexpected_record_shapes(engine: Engine) -> None:
    record = engine.record(make(), AS_OF, "small")
    record["employees"] = [60, 61]  # a list in a single-valued field: evaluated by the record validators
    assert engine.evaluator(record) == [engine.catalogue.validator(b).conforms(record)
                                        for b in engine.catalogue.benefits]
    assert engine.evaluator.fallbacks == ()  # every shape of the corpus is inlined
    assert "def evaluate(r):" in engine.evaluator.source


def test_valuer_of_a_benefit_without_method_is_none(engine: Engine) -> None:
    b = engine.catalogue.benefit("31-free-credit-rating")
    record = engine.record(make(), AS_OF, "small")
    assert valuer(b, engine.catalogue)(record) is None
    v = value(b, record, engine.catalogue)
    assert v.amount is None and v.reason_en
