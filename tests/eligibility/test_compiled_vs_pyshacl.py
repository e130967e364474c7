"""The compiled evaluator agrees with pyshacl, profile by profile (issue 3, item 8).

Random enterprise profiles — boundary values, missing fields, wrong types, repeated values — are
checked three ways against tests/fixtures/shapes/small_low_profit_eligibility.ttl: the record fast
path, :func:`validate_graph` over the equivalent RDF, and pyshacl over the same RDF (a batch of
profiles per graph). Verdicts and the failing (source shape, component) pairs must be identical.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from policykg.eligibility.compiled import RecordValidator, Result, compile_shapes, validate_graph
from policykg.errors import ValidationFailure
from policykg.namespaces import INDUSTRY
from policykg.shapes import validate as pyshacl_validate
from tests.data import FIXTURES

EX = Namespace("https://example.org/policykg-test#")
SHAPES_FILE = FIXTURES / "shapes" / "small_low_profit_eligibility.ttl"
SHAPES = Graph().parse(SHAPES_FILE, format="turtle")
COMPILED = compile_shapes(SHAPES)
FIELDS = {EX.employees: "employees", EX.totalAssets: "total_assets", EX.annualTaxableIncome: "taxable_income",
          EX.restrictedIndustry: "restricted", EX.industry: "industry", EX.annualRevenue: "revenue",
          EX.establishedOn: "established", EX.highTechCertified: "high_tech", EX.researchShare: "research_share"}
VALIDATORS: list[RecordValidator] = [COMPILED.record_validator(s, FIELDS) for s in (EX.SmallLowProfit, EX.HighTechRate)]

Key = tuple[str, str]  # (source shape, component local name)


def _key(shape: object, component: object) -> Key:
    return str(shape), str(component).rsplit("#", 1)[-1]


def _fast(record: dict[str, object]) -> set[Key]:
    return {_key(r.source_shape, r.component) for v in VALIDATORS for r in v(record)}


def _money(*bounds: int) -> st.SearchStrategy[object]:
    edges = [Decimal(b) + d for b in bounds for d in (Decimal("-0.01"), Decimal(0), Decimal("0.01"))]
    return st.one_of(
        st.sampled_from(edges), st.sampled_from([int(b) for b in bounds]),
        st.integers(-1, 2 * max(bounds)), st.decimals(-1, 2 * max(bounds), places=2, allow_nan=False),
        st.sampled_from([1e7, "100", True, -5]),
    )


def _optional(values: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.one_of(st.none(), values, values, values)


INDUSTRIES = [str(INDUSTRY[n]) for n in ("agriculture", "industrial", "industrial", "construction", "retail",
                                         "other", "real_estate_development")] + ["industrial", str(INDUSTRY.mining)]

PROFILE = st.fixed_dictionaries({
    "employees": _optional(st.one_of(
        st.sampled_from([-1, 0, 1, 79, 80, 81, 99, 100, 101, 499, 500, 501]), st.integers(-5, 700),
        st.sampled_from([Decimal(80), Decimal("80.5"), True, 80.0, "80"]),
        st.lists(st.sampled_from([50, 80, 120]), min_size=2, max_size=3))),
    "total_assets": _optional(_money(10_000_000, 30_000_000)),
    "taxable_income": _optional(_money(300_000)),
    "restricted": _optional(st.sampled_from([False, False, True, "false", 0, [False, True]])),
    "industry": _optional(st.sampled_from(INDUSTRIES)),
    "revenue": st.one_of(st.none(), _money(400_000_000)),
    "established": st.one_of(st.none(), st.dates(dt.date(2013, 6, 25), dt.date(2013, 7, 5)),
                             st.dates(dt.date(2000, 1, 1), dt.date(2020, 1, 1)),
                             st.sampled_from([dt.datetime(2012, 1, 1, 0, 0), "2012-01-01"])),
    "high_tech": _optional(st.sampled_from([True, False, "true", 1])),
    "research_share": st.one_of(st.none(), st.sampled_from([Decimal("0.03"), Decimal("0.0301"), Decimal(1),
                                                            Decimal("1.01"), 0, 1, 0.5, Decimal("0.2")])),
})


def _batch_graph(records: list[dict[str, object]]) -> Graph:
    g = Graph()
    for i, record in enumerate(records):
        focus = EX[f"p{i}"]
        g.add((focus, RDF.type, EX.Enterprise))
        for triple in VALIDATORS[0].to_triples(record, focus):
            g.add(triple)
    return g


def _by_focus(results: list[tuple[str, Key]]) -> dict[str, set[Key]]:
    grouped: dict[str, set[Key]] = defaultdict(set)
    for focus, key in results:
        grouped[focus].add(key)
    return grouped


NUMERIC_FIELDS = ("employees", "total_assets", "taxable_income", "revenue", "research_share")


def _boolean_in_numeric_field(record: dict[str, object]) -> bool:
    """pyshacl 0.40 compares an xsd:boolean with a number as Python does (True <= 500); SHACL, through
    SPARQL's operators, finds them incomparable, hence a violation — as the compiled evaluator does."""
    return any(type(v) is bool or (type(v) is list and any(type(x) is bool for x in v))
               for v in (record.get(f) for f in NUMERIC_FIELDS))


# no shrinking: each example is a pyshacl run; a failure prints the record that disagrees
@settings(max_examples=60, deadline=None, database=None,
          phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(PROFILE, min_size=40, max_size=120))
def test_record_path_graph_path_and_pyshacl_agree(records: list[dict[str, object]]) -> None:
    data = _batch_graph(records)
    compiled = _by_focus([(str(r.focus), _key(r.source_shape, r.component)) for r in validate_graph(COMPILED, data)])
    report = pyshacl_validate(data, SHAPES)
    reference = _by_focus([(r.focus, _key(r.shape, r.constraint)) for r in report.results])
    for i, record in enumerate(records):
        focus = str(EX[f"p{i}"])
        fast = _fast(record)
        assert fast == compiled.get(focus, set()), record
        if not _boolean_in_numeric_field(record):
            assert fast == reference.get(focus, set()), record


def test_a_boolean_is_not_comparable_with_a_number() -> None:
    """Where pyshacl 0.40 differs (see _boolean_in_numeric_field), SHACL's own semantics hold."""
    keys = _fast(_record(taxable_income=True))
    assert _key(EX.TaxableIncomeCeiling, "#MaxInclusiveConstraintComponent") in keys


def _record(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {"employees": 80, "total_assets": Decimal(10_000_000), "taxable_income": 300_000,
                               "restricted": False, "industry": str(INDUSTRY.other)}
    base.update(changes)
    return base


@pytest.mark.parametrize(("changes", "conforms"), [
    ({}, True),
    ({"employees": 81}, False),
    ({"employees": 100, "industry": str(INDUSTRY.industrial)}, True),
    ({"employees": 101, "industry": str(INDUSTRY.industrial)}, False),
    ({"total_assets": Decimal("10000000.01")}, False),
    ({"total_assets": 30_000_000, "industry": str(INDUSTRY.industrial)}, True),
    ({"taxable_income": Decimal("300000.01")}, False),
    ({"restricted": True}, False),
    ({"restricted": None}, False),
    ({"employees": True}, False),  # a bool is not an xsd:integer
    ({"employees": [80, 81]}, False),
    ({"revenue": 399_999_999}, True),
    ({"revenue": 400_000_000}, False),
    ({"established": dt.date(2013, 6, 30)}, True),
    ({"established": dt.date(2013, 7, 1)}, False),
    ({"established": dt.datetime(2012, 1, 1)}, False),  # a dateTime is not comparable with a date
])
def test_boundaries_of_the_small_low_profit_shape(changes: dict[str, object], conforms: bool) -> None:
    assert VALIDATORS[0].conforms(_record(**changes)) is conforms


def test_results_carry_field_value_parameter_and_messages() -> None:
    [result] = VALIDATORS[0](_record(taxable_income=Decimal("300001")))
    assert isinstance(result, Result)
    assert (result.field, result.value, result.parameter) == ("taxable_income", Decimal("300001"), 300000)
    assert result.source_shape == EX.TaxableIncomeCeiling
    assert result.message("zh") == "年应纳税所得额超过30万元"
    assert result.message("en") == "annual taxable income above 300,000 yuan"


def test_malformed_shapes_name_the_shape() -> None:
    g = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/policykg-test#> .
        ex:Bad a sh:NodeShape ; sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:minCount "one" ] .""")
    with pytest.raises(ValidationFailure, match="sh:minCount"):
        compile_shapes(g)
    g = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/policykg-test#> .
        ex:Bad a sh:NodeShape ; sh:targetNode ex:x ; sh:pattern "(" .""")
    with pytest.raises(ValidationFailure, match="Bad"):
        compile_shapes(g)


def test_constraints_that_need_a_graph_are_refused_for_records() -> None:
    g = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/policykg-test#> .
        ex:S a sh:NodeShape ; sh:property [ sh:path ex:owner ; sh:class ex:Person ] .""")
    with pytest.raises(ValidationFailure, match="sh:class|ClassConstraintComponent"):
        compile_shapes(g).record_validator(EX.S, {EX.owner: "owner"})
    with pytest.raises(ValidationFailure, match="no record field"):
        compile_shapes(g).record_validator(EX.S, {})
    with pytest.raises(ValidationFailure, match="no such shape"):
        compile_shapes(g).record_validator(URIRef(EX.Missing), {})
