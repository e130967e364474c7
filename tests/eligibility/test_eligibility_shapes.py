"""Eligibility shapes of 青政发〔2012〕46号 (shapes/eligibility/, issue 3 item 3; conventions in docs/eligibility.md).

(a) every enterprise or employer benefit has exactly one shape, every shape is linked from a benefit;
(b) every shape has zh and en messages, a severity and a comment, no targets, single-property paths, and
    every attestation it requires is a defined concept of scheme:conditions;
(c) the compiled record fast path accepts every shape, and for each benefit it agrees with pyshacl on a
    profile that qualifies and one that fails exactly one stated condition (table below);
(d) boundary tests at every numeric threshold of arts. 5, 6, 8, 17, 20, 24 and 30 (and 4, 38).

Profiles go through the real readers (:func:`profile_from_mapping`) and the real size standard
(:func:`policykg.eligibility.sizes.classify`), as the engine will: the size class is the derived fact
``pk:profileSizeClass`` (record field ``size_class``). pyshacl runs once over one graph holding every
profile, each shape given ``sh:targetNode`` for its profiles in a copy of the shapes graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from functools import cache

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS

from policykg.eligibility.compiled import RecordValidator, compile_shapes
from policykg.eligibility.profiles import CONDITION, Profile
from policykg.namespaces import DOC, PARTY, PK, SCHEME
from policykg.shapes import validate

from ..data import ROOT
from .strategies import DROP, FIELD_OF, PKE, shapes
from .strategies import profile_with as _profile
from .strategies import rdf as _rdf
from .strategies import record as _record

M = Namespace(str(DOC) + "qingzhengfa-2012-46/measure/")
EX = Namespace("https://example.org/policykg-test/profile/")

#: beneficiary kinds that are enterprises or employers: their benefits get a shape
ENTERPRISE_KINDS = frozenset({
    "enterprise", "sme", "small-micro-enterprise", "small-low-profit-enterprise", "high-tech-sme",
    "startup-small-micro-enterprise", "seed-stage-enterprise", "high-growth-tech-small-micro-enterprise",
    "ic-design-small-micro-enterprise", "individual-business", "large-enterprise", "foreign-invested-enterprise",
    "import-export-enterprise", "financial-enterprise", "venture-capital-enterprise", "employer",
    # judged: companies and institutions doing business, enterprises too
    "guarantee-institution", "municipal-guarantee-center", "financial-institution", "banking-institution",
    "rural-financial-institution", "microcredit-company", "mutual-aid-fund-operator",
})
#: beneficiary kinds that are not (persons, platforms, investors in parks, associations, agencies)
OTHER_KINDS = frozenset({
    "college-graduate", "green-channel-applicant", "hard-to-employ-person", "high-level-talent",
    "small-enterprise-manager", "sme-tech-service-platform", "national-sme-tech-service-demonstration-platform",
    "investment-financing-institution", "park-developer", "intermediary-service-institution",
    "industry-association", "government-agency",
})

@cache
def corpus() -> Graph:
    g = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        g.parse(path, format="turtle")
    for path in sorted((ROOT / "data" / "qingzhengfa-2012-46").glob("measures-*.ttl")):
        g.parse(path, format="turtle")
    return g


def benefits() -> dict[URIRef, set[str]]:
    """Every benefit of the measures files with the slugs of its beneficiary kinds."""
    g = corpus()
    classes = set(g.transitive_subjects(RDFS.subClassOf, PK.Benefit))
    out: dict[URIRef, set[str]] = {}
    for cls in classes:
        for b in g.subjects(RDF.type, cls):
            assert isinstance(b, URIRef)
            out[b] = {str(k).removeprefix(str(PARTY)) for k in g.objects(b, PK.beneficiary)}
    return out


def enterprise_benefits() -> set[URIRef]:
    return {b for b, kinds in benefits().items() if kinds & ENTERPRISE_KINDS}


def slug(benefit: URIRef) -> str:
    return str(benefit).removeprefix(str(M))


# ------------------------------------------------------------------------------------------- (a) coverage

def test_every_beneficiary_kind_is_judged() -> None:
    kinds = {k for ks in benefits().values() for k in ks}
    assert kinds <= ENTERPRISE_KINDS | OTHER_KINDS, kinds - ENTERPRISE_KINDS - OTHER_KINDS
    assert not ENTERPRISE_KINDS & OTHER_KINDS


def test_every_enterprise_benefit_has_exactly_one_shape_and_every_shape_a_benefit() -> None:
    s = shapes()
    wanted = enterprise_benefits()
    assert len(wanted) == 86
    for b in wanted:
        linked = list(s.objects(b, PK.eligibilityShape))
        assert linked == [PKE[slug(b)]], b
        assert (linked[0], RDF.type, SH.NodeShape) in s
    assert set(s.subjects(PK.eligibilityShape, None)) == wanted  # no shape for a non-enterprise benefit
    linked_shapes = set(s.objects(None, PK.eligibilityShape))
    referenced = {o for p in (SH.property, SH.node) for o in s.objects(None, p)}
    referenced |= {m for lst in s.objects(None, SH["or"]) for m in s.items(lst)}
    top = {n for n in s.subjects(RDF.type, SH.NodeShape) if n not in referenced and n != PKE[""]}
    assert top == linked_shapes


# ------------------------------------------------------------------------------------------- (b) style

def test_every_shape_has_messages_severity_and_comment() -> None:
    s = shapes()
    all_shapes = set(s.subjects(RDF.type, SH.NodeShape)) | set(s.subjects(RDF.type, SH.PropertyShape))
    assert len(all_shapes) > 200
    for shape in all_shapes:
        assert isinstance(shape, URIRef) and str(shape).startswith(str(PKE)), shape
        assert {m.language for m in s.objects(shape, SH.message)} == {"zh", "en"}, shape
        assert s.value(shape, SH.severity) == SH.Violation, shape
        assert {c.language for c in s.objects(shape, RDFS.comment)} >= {"en"}, shape
        path = s.value(shape, SH.path)
        assert path is None or isinstance(path, URIRef), shape  # single-property paths only
        assert path is None or path in FIELD_OF, (shape, path)
    for target in (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf):
        assert not set(s.subject_objects(target)), target
    for validity in (PK.validFrom, PK.validUntil):
        assert not set(s.subject_objects(validity)), validity
    for shape in s.objects(None, PK.eligibilityShape):  # property shapes named after their node shape
        for prop in s.objects(shape, SH.property):
            assert str(prop).startswith(f"{shape}-"), prop


def test_every_attestation_is_a_defined_condition_of_its_benefit() -> None:
    s = shapes()
    required = {(shape, s.value(shape, SH.hasValue)) for shape in s.subjects(SH.path, PK.attests)}
    assert required and all(isinstance(c, URIRef) for _, c in required)
    defined = set(s.subjects(SKOS.inScheme, SCHEME.conditions))
    assert {c for _, c in required} == defined
    for shape, concept in required:
        measure = str(shape).removeprefix(str(PKE)).split("-")
        assert str(concept).startswith(CONDITION)
        benefit_slug = str(concept).removeprefix(CONDITION).split("/")[0]
        assert "-".join(measure).startswith(benefit_slug), (shape, concept)
        assert (concept, RDF.type, SKOS.Concept) in s
        assert {label.language for label in s.objects(concept, SKOS.prefLabel)} == {"zh", "en"}, concept
        article = s.value(concept, PK.sourceArticle)
        assert article is not None and (M[benefit_slug], PK.sourceArticle, article) in corpus(), concept
    assert (SCHEME.conditions, RDF.type, SKOS.ConceptScheme) in s


# ------------------------------------------------------------------------------------------- profiles

MEDIUM: dict[str, object] = {"employees": 50, "annual_revenue": 5_000_000}  # retail: 50 人, 500万元
LARGE: dict[str, object] = {"employees": 300, "annual_revenue": 200_000_000}  # retail: 300 人, 20000万元


def att(measure: str, *conditions: str) -> dict[str, object]:
    return {"attests": [f"{measure}/{c}" for c in conditions]}


def kind(*kinds: str) -> dict[str, object]:
    return {"beneficiary_kind": list(kinds)}


def d(value: str) -> Decimal:
    return Decimal(value)


def pair(ok: Mapping[str, object], **fail: object) -> tuple[dict[str, object], dict[str, object]]:
    """A qualifying profile and the same profile with one stated condition broken."""
    broken = {**ok, **fail}
    return dict(ok), {k: v for k, v in broken.items() if v is not DROP}


SL_OTHER = {"restricted_industry": False, "annual_taxable_income": 300_000, "employees": 80,
            "total_assets": 10_000_000}
SL_INDUSTRIAL = {**SL_OTHER, "industry": "industrial", "employees": 100, "total_assets": 30_000_000}
TWO_EMPLOYER = {**att("21-hard-to-employ-job-subsidy", "in-qingdao", "hires-filed"), "hard_to_employ_hired": 2}

#: benefit slug -> (qualifying profile changes, failing profile changes): the failing one breaks one condition
CASES: dict[str, tuple[dict[str, object], dict[str, object]]] = {
    "3-directed-procurement": pair({}, **MEDIUM),
    "3-price-deduction": pair({}, **MEDIUM),
    "3-small-micro-reserved-share": pair({}, **MEDIUM),
    "3-sme-reserved-share": pair(MEDIUM, **LARGE),
    "4-vat-threshold": pair({"monthly_sales": d("19999.99")}, monthly_sales=20000),
    "4-business-tax-threshold": pair({"monthly_turnover": 15000}, monthly_turnover=20000),
    "5-reduced-rate": pair(SL_OTHER, employees=81),
    "5-half-income": pair({**SL_OTHER, "annual_taxable_income": 60000}, annual_taxable_income=d("60000.01")),
    "6-high-tech-reduced-rate": pair({"high_tech_certified": True}, high_tech_certified=DROP),
    "7-tax-deferral": pair(att("7-tax-deferral", "special-difficulty"), attests=DROP),
    "7-late-fee-waiver": pair(att("7-late-fee-waiver", "in-deferral-period"), attests=DROP),
    "7-property-land-tax-relief": pair(att("7-property-land-tax-relief", "genuine-difficulty"), **MEDIUM),
    "8-tech-transfer-exemption": pair({**att("8-tech-transfer-exemption", "qualifying-income"),
                                       "technology_transfer_income": 1}, technology_transfer_income=0),
    "8-tech-transfer-halving": pair({**att("8-tech-transfer-halving", "qualifying-income"),
                                     "technology_transfer_income": d("5000000.01")},
                                    technology_transfer_income=5_000_000),
    "9-tech-services-business-tax-exemption": pair({"technology_service_income": 1000}, **MEDIUM),
    "10-loan-contract-stamp-duty-exemption": pair(att("10-loan-contract-stamp-duty-exemption", "loan-contract"),
                                                  **MEDIUM),
    "10-loan-loss-reserve-deduction": pair({**kind("financial-enterprise"),
                                            **att("10-loan-loss-reserve-deduction", "loan-loss-reserve")},
                                           attests=DROP),
    "11-venture-capital-deduction": pair({**kind("venture-capital-enterprise"),
                                          **att("11-venture-capital-deduction", "equity-held-two-years")},
                                         beneficiary_kind=["enterprise"]),
    "12-guarantee-business-tax-exemption": pair(
        {**kind("guarantee-institution"),
         **att("12-guarantee-business-tax-exemption", "qualifying-institution", "within-three-years")},
        **att("12-guarantee-business-tax-exemption", "qualifying-institution")),
    "12-rural-finance-business-tax": pair({**kind("rural-financial-institution"),
                                           **att("12-rural-finance-business-tax", "qualifying-institution")},
                                          beneficiary_kind=["financial-institution"]),
    "15-reduce-service-fees": pair({}, **kind("sme-tech-service-platform")),
    "15-suspend-four-fees": pair(kind("guarantee-institution"), **kind("individual-business")),
    "15-suspend-seven-fees": pair(kind("small-micro-enterprise"), **kind("park-developer")),
    "16-registration-time-limit": pair({}, **kind("college-graduate")),
    "17-first-instalment-waiver": pair({"registered_capital": 500_000, "company_form": "domestic"},
                                       company_form="one-person"),
    "17-contribution-period-extension": pair(
        {**att("17-contribution-period-extension", "law-abiding", "temporary-fund-shortage"),
         "company_form": "domestic"}, company_form="foreign-invested"),
    "18-conversion-registration": pair({**kind("individual-business"),
                                        **att("18-conversion-registration", "qualifying-conversion")},
                                       beneficiary_kind=["enterprise"]),
    "18-conversion-fee-preference": pair({**kind("individual-business"),
                                          **att("18-conversion-fee-preference", "qualifying-conversion")},
                                         attests=DROP),
    "19-free-quality-training": pair(att("19-free-quality-training", "quality-inspection-business"),
                                     attests=DROP),
    "19-certification-fee-reduction": pair({}, **LARGE),
    "20-employer-training-subsidy": pair({"graduates_trained": 1}, graduates_trained=0),
    "21-graduate-social-insurance-subsidy": pair({"graduates_hired": 1}, **MEDIUM),
    "21-hard-to-employ-social-insurance-subsidy": pair(
        {**att("21-hard-to-employ-social-insurance-subsidy", "in-qingdao", "hires-filed"),
         **kind("employer"), "hard_to_employ_hired": 1}, hard_to_employ_hired=0),
    "21-hard-to-employ-job-subsidy": pair(TWO_EMPLOYER, **att("21-hard-to-employ-job-subsidy", "in-qingdao")),
    "22-incubator-graduate-award": pair(att("22-incubator-graduate-award", "graduate-founded-in-incubator"),
                                        **kind("college-graduate")),
    "24-risk-subsidy": pair({**kind("guarantee-institution"), "guarantee_business_volume": d("0.01")},
                            guarantee_business_volume=0),
    "24-small-micro-growth-subsidy": pair({**kind("municipal-guarantee-center"), "guarantee_business_growth": 1},
                                          guarantee_business_growth=DROP),
    "24-premium-subsidy": pair({**kind("guarantee-institution"),
                                **att("24-premium-subsidy", "fee-below-half-benchmark")}, attests=DROP),
    "24-re-guarantee": pair(kind("guarantee-institution"), **kind("enterprise")),
    "25-timely-mortgage-registration": pair(kind("municipal-guarantee-center"), **kind("financial-institution")),
    "26-turnover-fund-subsidy": pair({**MEDIUM, **att("26-turnover-fund-subsidy", "uses-low-fee-turnover-fund")},
                                     **LARGE),
    "27-risk-compensation-fund": pair(kind("banking-institution"), **kind("enterprise")),
    "27-credit-guarantee-deposit": pair({**kind("financial-institution"),
                                         **att("27-credit-guarantee-deposit", "small-micro-loans")}, attests=DROP),
    "27-raised-compensation-rate": pair({**kind("microcredit-company"),
                                         **att("27-raised-compensation-rate", "priority-field-credit-loans")},
                                        **kind("guarantee-institution")),
    "28-mutual-aid-fund-subsidy": pair({**kind("mutual-aid-fund-operator"),
                                        **att("28-mutual-aid-fund-subsidy", "independent-operator")}, attests=DROP),
    "30-finance-lease-subsidy": pair({**att("30-finance-lease-subsidy", "reviewed-and-confirmed"),
                                      "financial_leasing_amount": 100_000}, financial_leasing_amount=0),
    "31-free-credit-rating": pair({}, **MEDIUM),
    "32-counter-guarantee-fee-exemption": pair(att("32-counter-guarantee-fee-exemption", "collective-bond-issue"),
                                               **LARGE),
    "32-guarantee-center-capital": pair(kind("municipal-guarantee-center"), **kind("guarantee-institution")),
    "32-large-enterprise-counter-guarantee-subsidy": pair(
        {**LARGE, **att("32-large-enterprise-counter-guarantee-subsidy", "sme-share-above-half")}, **MEDIUM),
    "32-risk-mitigation-fund": pair(att("32-risk-mitigation-fund", "collective-bond-issue"), attests=DROP),
    "33-microcredit-conversion": pair({**kind("microcredit-company"),
                                       **att("33-microcredit-conversion", "qualifying-company")}, attests=DROP),
    "33-private-capital-village-banks": pair({}, **kind("park-developer")),
    "35-main-sponsor-share": pair(kind("microcredit-company"), **kind("enterprise")),
    "35-single-shareholder-cap": pair(kind("microcredit-company"), **kind("banking-institution")),
    "35-large-sponsor-cap-relaxation": pair(
        {**LARGE, **att("35-large-sponsor-cap-relaxation", "strong-reputable-well-run", "approved")},
        **att("35-large-sponsor-cap-relaxation", "approved")),
    "37-specialised-sophisticated-fund-support": pair(
        att("37-specialised-sophisticated-fund-support", "recognised-specialised-sophisticated"), attests=DROP),
    "37-priority-national-fund-application": pair(
        {**MEDIUM, **att("37-priority-national-fund-application", "recognised-specialised-sophisticated")},
        **LARGE),
    "38-high-growth-rolling-support": pair(kind("high-growth-tech-small-micro-enterprise"), **kind("enterprise")),
    "38-seed-stage-project-support": pair({**att("38-seed-stage-project-support", "tech-innovation-project"),
                                           "months_since_establishment": 18}, months_since_establishment=19),
    "39-technical-upgrading-interest-subsidy": pair(
        att("39-technical-upgrading-interest-subsidy", "upgrading-project-loan"), attests=DROP),
    "40-rd-super-deduction": pair({"rd_expenses_expensed": 200_000}, rd_expenses_expensed=0),
    "40-intangible-asset-amortisation": pair({"rd_expenses_capitalised": 1}, **LARGE),
    "42-export-credit-insurance": pair({}, **MEDIUM),
    "42-fta-tariff-guidance": pair({}, **kind("industry-association")),
    "43-market-development-subsidy": pair(att("43-market-development-subsidy", "attends-trade-fairs"), attests=DROP),
    "44-e-commerce-use-support": pair({"employees": 3}, **LARGE),
    "45-paperless-clearance": pair(kind("foreign-invested-enterprise"), **kind("government-agency")),
    "45-round-the-clock-clearance": pair({}, **MEDIUM),
    "45-advance-rulings": pair(kind("import-export-enterprise"), **kind("enterprise")),
    "45-preferential-origin-guidance": pair({}, **MEDIUM),
    "46-simplified-domestic-sales-approval": pair(kind("import-export-enterprise"), **kind("enterprise")),
    "46-classification-price-guidance": pair(kind("import-export-enterprise"), **kind("sme")),
    "46-sell-first-declare-later": pair({**kind("import-export-enterprise"),
                                         **att("46-sell-first-declare-later", "qualifying-enterprise")}, attests=DROP),
    "47-ic-design-processing-trade": pair({**kind("ic-design-small-micro-enterprise"),
                                           **att("47-ic-design-processing-trade", "qualifying-enterprise")}, **MEDIUM),
    "47-ic-chain-bonded-supervision": pair(att("47-ic-chain-bonded-supervision", "ic-chain-enterprise"),
                                           attests=DROP),
    "48-management-innovation-award": pair(att("48-management-innovation-award", "management-innovation"),
                                           attests=DROP),
    "48-management-consulting": pair({}, **MEDIUM),
    "49-licensing-pre-guidance": pair({}, **MEDIUM),
    "49-inspection-technical-support": pair({}, **LARGE),
    "50-startup-roving-classroom": pair(kind("startup-small-micro-enterprise"), **kind("enterprise")),
    "52-startup-rent-subsidy": pair({**kind("startup-small-micro-enterprise"),
                                     **att("52-startup-rent-subsidy", "in-municipal-park")}, attests=DROP),
    "55-large-instrument-sharing": pair({}, **MEDIUM),
    "55-ip-one-stop-service": pair({}, **MEDIUM),
    "56-purchased-intermediary-services": pair({}, **MEDIUM),
    "58-designated-contact-assistance": pair(att("58-designated-contact-assistance", "designated-contact"),
                                             attests=DROP),
}

# (benefit slug, profile changes, qualifies): at every numeric threshold and one unit beyond
BOUNDARIES: list[tuple[str, dict[str, object], bool]] = [
    # art. 5, 20% rate — industrial: ≤ 300000 yuan, ≤ 100 persons, ≤ 30000000 yuan; other: ≤ 80, ≤ 10000000
    ("5-reduced-rate", SL_INDUSTRIAL, True),
    ("5-reduced-rate", {**SL_INDUSTRIAL, "employees": 101}, False),
    ("5-reduced-rate", {**SL_INDUSTRIAL, "total_assets": d("30000000.01")}, False),
    ("5-reduced-rate", {**SL_INDUSTRIAL, "annual_taxable_income": d("300000.01")}, False),
    ("5-reduced-rate", {**SL_INDUSTRIAL, "restricted_industry": True}, False),
    ("5-reduced-rate", {**SL_INDUSTRIAL, "restricted_industry": DROP}, False),
    ("5-reduced-rate", {**SL_INDUSTRIAL, "annual_taxable_income": DROP}, False),
    ("5-reduced-rate", SL_OTHER, True),
    ("5-reduced-rate", {**SL_OTHER, "employees": 81}, False),
    ("5-reduced-rate", {**SL_OTHER, "total_assets": d("10000000.01")}, False),
    ("5-reduced-rate", {**SL_OTHER, "annual_taxable_income": d("300000.01")}, False),
    ("5-reduced-rate", {**SL_OTHER, "industry": "software_it_services", "employees": 100}, False),
    # art. 5, half income — ≤ 60000 yuan (低于60000元(含60000元)), and the 小型微利 limits
    ("5-half-income", {**SL_INDUSTRIAL, "annual_taxable_income": 60000}, True),
    ("5-half-income", {**SL_INDUSTRIAL, "annual_taxable_income": d("60000.01")}, False),
    ("5-half-income", {**SL_OTHER, "annual_taxable_income": 60000, "employees": 81}, False),
    # art. 6 — an SME (retail: below 300 persons or 20000万元) certified high-tech
    ("6-high-tech-reduced-rate", {"employees": 299, "annual_revenue": 200_000_000, "high_tech_certified": True}, True),
    ("6-high-tech-reduced-rate", {"employees": 300, "annual_revenue": 200_000_000, "high_tech_certified": True}, False),
    ("6-high-tech-reduced-rate", {"employees": 300, "annual_revenue": d("199999999.99"),
                                  "high_tech_certified": True}, True),
    ("6-high-tech-reduced-rate", {"high_tech_certified": False}, False),
    # art. 8 — the part ≤ 5000000 yuan exempt, the part above halved
    ("8-tech-transfer-exemption", {**att("8-tech-transfer-exemption", "qualifying-income"),
                                   "technology_transfer_income": 0}, False),
    ("8-tech-transfer-exemption", {**att("8-tech-transfer-exemption", "qualifying-income"),
                                   "technology_transfer_income": d("0.01")}, True),
    ("8-tech-transfer-exemption", {**att("8-tech-transfer-exemption", "qualifying-income"),
                                   "technology_transfer_income": 5_000_000}, True),
    ("8-tech-transfer-exemption", {**att("8-tech-transfer-exemption", "qualifying-income"),
                                   "technology_transfer_income": d("5000000.01")}, True),
    ("8-tech-transfer-exemption", {"technology_transfer_income": 100}, False),
    ("8-tech-transfer-halving", {**att("8-tech-transfer-halving", "qualifying-income"),
                                 "technology_transfer_income": 5_000_000}, False),
    ("8-tech-transfer-halving", {**att("8-tech-transfer-halving", "qualifying-income"),
                                 "technology_transfer_income": d("5000000.01")}, True),
    # art. 17 — registered capital 50万元以下 (≤ 500000 yuan), domestic company, not one-person
    ("17-first-instalment-waiver", {"registered_capital": 500_000, "company_form": "domestic"}, True),
    ("17-first-instalment-waiver", {"registered_capital": d("500000.01"), "company_form": "domestic"}, False),
    ("17-first-instalment-waiver", {"registered_capital": 0, "company_form": "domestic"}, True),
    ("17-first-instalment-waiver", {"company_form": "domestic"}, False),
    ("17-contribution-period-extension", {
        **att("17-contribution-period-extension", "law-abiding", "temporary-fund-shortage",
              "foreign-investment-approval"), "company_form": "foreign-invested"}, True),
    ("17-contribution-period-extension", {
        **att("17-contribution-period-extension", "law-abiding", "temporary-fund-shortage")}, False),
    # art. 20 — at least one graduate trained
    ("20-employer-training-subsidy", {"graduates_trained": 0}, False),
    ("20-employer-training-subsidy", {"graduates_trained": 1}, True),
    ("20-employer-training-subsidy", {"graduates_trained": 1, **kind("college-graduate")}, False),
    # art. 24 — some SME guarantee business; some growth of small and micro guarantee business
    ("24-risk-subsidy", {**kind("guarantee-institution"), "guarantee_business_volume": 0}, False),
    ("24-risk-subsidy", {**kind("guarantee-institution"), "guarantee_business_volume": d("0.01")}, True),
    ("24-small-micro-growth-subsidy", {**kind("guarantee-institution"), "guarantee_business_growth": 0}, False),
    ("24-small-micro-growth-subsidy", {**kind("guarantee-institution"), "guarantee_business_growth": d("0.01")},
     True),
    # art. 30 — some amount financed by leasing, reviewed and confirmed
    ("30-finance-lease-subsidy", {**att("30-finance-lease-subsidy", "reviewed-and-confirmed"),
                                  "financial_leasing_amount": 0}, False),
    ("30-finance-lease-subsidy", {**att("30-finance-lease-subsidy", "reviewed-and-confirmed"),
                                  "financial_leasing_amount": d("0.01")}, True),
    ("30-finance-lease-subsidy", {"financial_leasing_amount": 100}, False),
    ("30-finance-lease-subsidy", {**att("30-finance-lease-subsidy", "reviewed-and-confirmed"),
                                  "financial_leasing_amount": 100, **MEDIUM}, False),
    # art. 4 — below the threshold of 20000 yuan a month, or an attested per-transaction taxpayer
    ("4-vat-threshold", {"monthly_sales": 20000}, False),
    ("4-vat-threshold", {"monthly_sales": d("19999.99")}, True),
    ("4-vat-threshold", att("4-vat-threshold", "per-transaction-below-threshold"), True),
    ("4-vat-threshold", {}, False),
    ("4-business-tax-threshold", {"monthly_turnover": d("19999.99")}, True),
    ("4-business-tax-threshold", {"monthly_turnover": 20000}, False),
    # art. 38 — 成立时间在18个月以内
    ("38-seed-stage-project-support", {**att("38-seed-stage-project-support", "tech-innovation-project"),
                                       "months_since_establishment": 18}, True),
    ("38-seed-stage-project-support", {**att("38-seed-stage-project-support", "tech-innovation-project"),
                                       "months_since_establishment": 19}, False),
    # art. 9 and 10 — the other beneficiary of the article
    ("9-tech-services-business-tax-exemption", {**LARGE, **kind("sme-tech-service-platform"),
                                                "technology_service_income": 1}, True),
    ("9-tech-services-business-tax-exemption", {"technology_service_income": 0}, False),
    ("10-loan-contract-stamp-duty-exemption", {**LARGE, **kind("banking-institution"),
                                               **att("10-loan-contract-stamp-duty-exemption", "loan-contract")}, True),
]


@cache
def validators() -> dict[str, RecordValidator]:
    compiled = compile_shapes(shapes())
    return {slug(b): compiled.record_validator(PKE[slug(b)], FIELD_OF) for b in enterprise_benefits()}


Key = tuple[str, str]  # (source shape, constraint component local name)


def _fast(benefit: str, profile: Profile) -> set[Key]:
    return {(str(r.source_shape), str(r.component).rsplit("#", 1)[-1])
            for r in validators()[benefit](_record(profile))}


@cache
def _runs() -> tuple[tuple[tuple[str, str, Profile], ...], dict[str, set[Key]]]:
    """Every profile of CASES and BOUNDARIES in one data graph, validated by pyshacl in one run."""
    runs: list[tuple[str, str, Profile]] = []
    for benefit, (ok, fail) in sorted(CASES.items()):
        runs += [(benefit, f"{benefit}/ok", _profile(ok)), (benefit, f"{benefit}/fail", _profile(fail))]
    for i, (benefit, changes, _) in enumerate(BOUNDARIES):
        runs.append((benefit, f"boundary/{i}", _profile(changes)))
    data = Graph()
    targeted = Graph()
    targeted += shapes()
    for benefit, name, profile in runs:
        node = EX[name]
        data += _rdf(profile, node)
        targeted.add((PKE[benefit], SH.targetNode, node))
    report = validate(data, targeted)
    found: dict[str, set[Key]] = defaultdict(set)
    for r in report.results:
        found[str(r.focus)].add((str(r.shape), str(r.constraint).rsplit("#", 1)[-1]))
    return tuple(runs), dict(found)


# ------------------------------------------------------------------------------------------- (c) agreement

def test_the_compiled_record_path_accepts_every_shape() -> None:
    assert len(validators()) == 86


def test_every_benefit_has_a_case() -> None:
    assert set(CASES) == {slug(b) for b in enterprise_benefits()}


@pytest.mark.parametrize("benefit", sorted(CASES))
def test_pyshacl_and_the_record_path_agree_on_a_qualifying_and_a_failing_profile(benefit: str) -> None:
    runs, reference = _runs()
    for _, name, profile in (r for r in runs if r[1] in (f"{benefit}/ok", f"{benefit}/fail")):
        fast = _fast(benefit, profile)
        assert fast == reference.get(str(EX[name]), set()), name
        if name.endswith("/ok"):
            assert fast == set(), name
        else:  # one stated condition broken: one failing shape (a property shape or the shape's sh:or)
            assert len({shape for shape, _ in fast}) == 1, (name, fast)


# ------------------------------------------------------------------------------------------- (d) boundaries

@pytest.mark.parametrize(("index", "benefit", "changes", "qualifies"),
                         [(i, *case) for i, case in enumerate(BOUNDARIES)],
                         ids=[f"{b}-{i}" for i, (b, _, _) in enumerate(BOUNDARIES)])
def test_thresholds(index: int, benefit: str, changes: dict[str, object], qualifies: bool) -> None:
    runs, reference = _runs()
    profile = _profile(changes)
    fast = _fast(benefit, profile)
    assert fast == reference.get(str(EX[f"boundary/{index}"]), set())
    assert (fast == set()) is qualifies, fast


def test_results_name_field_value_and_threshold() -> None:
    [result] = validators()["5-reduced-rate"](_record(_profile({**SL_OTHER, "annual_taxable_income": 300001})))
    assert result.source_shape == PKE["5-reduced-rate-taxable-income"]
    assert (result.field, result.value, result.parameter) == ("annual_taxable_income", Decimal(300001), 300000)
    assert "30万元" in (result.message("zh") or "") and "300,000" in (result.message("en") or "")
    [missing] = validators()["7-tax-deferral"](_record(_profile({})))
    assert missing.field == "attests" and "7-tax-deferral/special-difficulty" in (missing.message("en") or "")
