"""The YAML eligibility cases cover what issue 3 (item 10) asks, and their reader and checker are strict.

Coverage, measured against the catalogue read from the store (so a new benefit, group or validity date
in the graph fails here until cases are written for it):

- every benefit with an eligibility shape is granted by some case (not an xfail one) and refused by some
  case with the reason checked (ineligible with its fields, excluded with the benefit it lost to,
  undecided with the missing figures, or out of its validity period); a benefit whose validity leaves no
  day to be granted on needs at least one case;
- every validity boundary of every benefit (its effective start and end, bounded by higher-level rules)
  is tested on the day itself (granted) and on the day beyond (refused for the date);
- every non-cumulation group with two or more shaped members has a case where two of them are eligible
  at once, and, where the group excludes among them, a case saying which one is excluded in whose favour;
- every optional profile figure a shape needs has a case where its absence leaves a benefit undecided.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from rdflib import URIRef
from rdflib.namespace import SH

from policykg.eligibility.catalogue import FIELD_OF, SIZE_CLASS_FIELD
from policykg.eligibility.compiled import (
    CountConstraint,
    HasValueConstraint,
    LogicalConstraint,
    PredicatePath,
    PropertyConstraint,
    Shape,
)
from policykg.eligibility.engine import Engine
from policykg.eligibility.profiles import MULTI_VALUED, REQUIRED, profile_from_mapping
from tests.eligibility.cases.casefile import Case, CaseFormatError, check, load, load_all

FOLDER = Path(__file__).parent
REFUSED = frozenset({"ineligible", "excluded", "undecided", "not_yet_in_force", "no_longer_in_force"})


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_all(FOLDER)


def _said(cases: list[Case], slug: str, what: frozenset[str] | set[str], *, xfail: bool = False) -> list[Case]:
    return [c for c in cases if (xfail or c.xfail is None) and c.mentions.get(slug, frozenset()) & what]


def _out_of_period(case: Case, slug: str, key: str) -> bool:
    """The case expects ``slug`` refused for the date alone (``key`` not_yet_in_force / no_longer_in_force)."""
    if slug in case.expect.get(key, ()):
        return True
    spec = case.expect.get("ineligible", {}).get(slug)
    return spec is not None and spec["fields"] == ["as_of"]


def test_there_are_cases(cases: list[Case]) -> None:
    assert len(cases) >= 200
    assert len({c.path.name for c in cases}) >= 8


def test_every_benefit_is_granted_by_a_case(cases: list[Case], case_engine_embedded: Engine) -> None:
    engine = case_engine_embedded
    validity = engine.in_force(date(2013, 6, 30)).validity
    missing = []
    for b in engine.catalogue.benefits:
        start, end = validity[b.iri]
        if start is not None and end is not None and end < start:  # never in force: some case must say so
            if not any(b.slug in c.mentions for c in cases):
                missing.append(f"{b.slug} (never in force) has no case at all")
        elif not _said(cases, b.slug, {"granted"}):
            missing.append(f"{b.slug} ({b.citation}) is granted by no case")
    assert not missing, "\n".join(missing)


def test_every_benefit_is_refused_with_a_reason_by_a_case(cases: list[Case], case_engine_embedded: Engine) -> None:
    missing = [f"{b.slug} ({b.citation}) is refused, with its reason, by no case"
               for b in case_engine_embedded.catalogue.benefits if not _said(cases, b.slug, REFUSED)]
    assert not missing, "\n".join(missing)


def test_every_validity_boundary_is_tested_on_both_sides(cases: list[Case], case_engine_embedded: Engine) -> None:
    validity = case_engine_embedded.in_force(date(2013, 6, 30)).validity
    missing = []
    boundaries = 0
    for b in case_engine_embedded.catalogue.benefits:
        start, end = validity[b.iri]
        for day, beyond, key in ((start, -1, "not_yet_in_force"), (end, 1, "no_longer_in_force")):
            if day is None:
                continue
            boundaries += 1
            other = day + timedelta(days=beyond)
            if not any(c.as_of == day for c in _said(cases, b.slug, {"granted"})):
                missing.append(f"{b.slug}: no case grants it on {day} (its {'first' if beyond < 0 else 'last'} day)")
            if not any(c.as_of == other and _out_of_period(c, b.slug, key) and c.xfail is None for c in cases):
                missing.append(f"{b.slug}: no case refuses it for the date on {other}")
    assert boundaries >= 86  # every benefit has a start (2012-11-08, or 2012-07-01 for 第十五条's suspensions)
    assert not missing, "\n".join(missing)


def test_every_group_with_shaped_members_has_cases(cases: list[Case], case_engine_embedded: Engine) -> None:
    catalogue = case_engine_embedded.catalogue
    shaped = {b.iri: b for b in catalogue.benefits}
    missing = []
    for g in catalogue.groups:
        members = [shaped[m.iri] for m in g.members if m.iri in shaped]
        if len(members) < 2:
            continue
        slugs = {b.slug for b in members}
        levels = {b.document.level if b.document else None for b in members}
        together = [c for c in cases if len(slugs & {s for s, w in c.mentions.items() if w & {"granted", "excluded"}}) >= 2]
        if not together:
            missing.append(f"group {g.slug}: no case where two of {sorted(slugs)} are eligible at once")
        if g.strategy != "higher-level-prevails" or len(levels) > 1:
            excluding = [c for c in together for s, spec in c.expect.get("excluded", {}).items()
                         if s in slugs and spec["in_favour_of"] in slugs]
            if not excluding:
                missing.append(f"group {g.slug} ({g.strategy}): no case says which member is excluded in whose favour")
    assert not missing, "\n".join(missing)


def _required_fields(shape: Shape, seen: set[int]) -> Iterator[str]:
    """The record fields a shape (and the shapes it reaches) requires a value of (sh:minCount, sh:hasValue)."""
    if id(shape) in seen:
        return
    seen.add(id(shape))
    if isinstance(shape.path, PredicatePath):
        name = FIELD_OF.get(shape.path.predicate)
        if name is not None and any((isinstance(c, CountConstraint) and c.component == SH.MinCountConstraintComponent
                                     and c.count >= 1) or isinstance(c, HasValueConstraint) for c in shape.constraints):
            yield name
    for c in shape.constraints:
        if isinstance(c, PropertyConstraint):
            yield from _required_fields(c.shape, seen)
        elif isinstance(c, LogicalConstraint):
            for s in c.shapes:
                yield from _required_fields(s, seen)


def test_every_optional_figure_has_an_undecided_case(cases: list[Case], case_engine_embedded: Engine) -> None:
    catalogue = case_engine_embedded.catalogue
    seen: set[int] = set()
    needed = {f for b in catalogue.benefits for f in _required_fields(catalogue.shapes[URIRef(b.shape)], seen)}
    optional = needed - set(REQUIRED) - MULTI_VALUED - {SIZE_CLASS_FIELD}
    assert {"annual_taxable_income", "restricted_industry", "monthly_sales", "company_form"} <= optional
    named = {f for c in cases if c.xfail is None for fields in c.expect.get("undecided", {}).values() for f in fields}
    assert not optional - named, f"no case leaves a benefit undecided for want of {sorted(optional - named)}"


# --------------------------------------------------------------------------------- reader and checker

def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


CASE = """cases:
  - name: one
    as_of: 2013-06-30
    profile: {name: A, industry: retail, employees: 20, annual_revenue: 2000000, total_assets: 1000000}
    expect: {granted: [3-directed-procurement]}
"""


@pytest.mark.parametrize(("text", "message"), [
    ("cases: []\n", "'cases' must be a non-empty list"),
    ("case:\n  - {}\n", "unknown top-level key(s) ['case']"),
    (CASE.replace("as_of: 2013-06-30", "as_of: 2013-06-31"), "cases.yaml:3: not a date: 2013-06-31"),
    (CASE.replace("as_of: 2013-06-30", "as_of: 30.6.2013"), "'as_of' must be a date"),
    (CASE.replace("expect: {", "expect: {{"), "cases.yaml:6: expected ',' or '}'"),
    (CASE.replace("granted:", "grantd:"), "unknown expect key(s) ['grantd']"),
    (CASE.replace("name: one", "name: one two"), "'name' must be a short id"),
    (CASE.replace("    expect:", "    expext: {}\n    expect:"), "unknown case key(s) ['expext']"),
    (CASE.replace("{granted: [3-directed-procurement]}", "{granted: [x], granted_exactly: [x]}\n    expect: {}"),
     "duplicate key 'expect'"),
    (CASE.replace("{granted: [3-directed-procurement]}", "{excluded: {5-reduced-rate: {group: g}}}"),
     "an exclusion names the benefit it lost to"),
    (CASE.replace("{granted: [3-directed-procurement]}", "{ineligible: {5-reduced-rate: {}}}"),
     "a refusal names the failed fields"),
    (CASE.replace("{granted: [3-directed-procurement]}", "{ineligible: {5-reduced-rate: {fields: [employees], change: {assets: 1}}}}"),
     "keyed by fields listed in 'fields'"),
    (CASE.replace("{granted: [3-directed-procurement]}", "{undecided: {5-reduced-rate: []}}"),
     "names the missing fields"),
    (CASE.replace("{granted: [3-directed-procurement]}", "{granted: [a], not_granted: [a]}"),
     "expected both granted and not granted: ['a']"),
    (CASE + CASE.removeprefix("cases:\n"), "duplicate case name 'one'"),
])
def test_the_reader_refuses_a_bad_case_file_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CaseFormatError) as raised:
        load(_write(tmp_path, text))
    assert message in str(raised.value)
    assert str(raised.value).startswith("cases.yaml")
    assert "\n" not in str(raised.value)


def test_the_reader_keeps_lines_anchors_and_merge_keys(tmp_path: Path) -> None:
    text = """templates:
  a: &a {name: A, industry: retail, employees: 20, annual_revenue: 2000000, total_assets: 1000000}
cases:
  - name: one
    as_of: 2013-06-30
    profile: *a
    expect: {granted: [3-directed-procurement]}

  - name: two
    as_of: 2013-07-01
    profile: {<<: *a, employees: 5}
    expect: {size_class: micro}
    xfail: because
"""
    one, two = load(_write(tmp_path, text))
    assert (one.line, two.line) == (4, 9)
    assert two.profile["employees"] == 5 and two.profile["industry"] == "retail"
    assert two.xfail == "because" and one.xfail is None
    assert one.mentions == {"3-directed-procurement": frozenset({"granted"})}


@pytest.fixture(scope="module")
def doc(case_engine_embedded: Engine) -> dict[str, Any]:
    """A real decision: a high-tech small enterprise with taxable income 60000.01 (6-high-tech wins)."""
    profile = profile_from_mapping({"name": "T", "industry": "software_it_services", "employees": 90,
                                    "annual_revenue": 3000000, "total_assets": 2000000, "restricted_industry": False,
                                    "high_tech_certified": True, "annual_taxable_income": "60000.01"}, location="$")
    return case_engine_embedded.decide(profile, date(2013, 6, 30)).to_json()


def test_the_checker_accepts_what_is_true(doc: dict[str, Any]) -> None:
    assert check(doc, {
        "size_class": "small", "granted": ["6-high-tech-reduced-rate"], "not_granted": ["5-reduced-rate"],
        "ineligible": {"5-reduced-rate": {"fields": ["employees"], "change": {"employees": -10},
                                          "change_to": {"employees": 80}, "constraint": {"employees": "<= 80"},
                                          "message_contains": "at most 80: 10 fewer"}},
        "undecided": {"4-vat-threshold": ["monthly_sales"]},
        "values": {"6-high-tech-reduced-rate": 6000, "3-directed-procurement": None},
        "valid_until": {"6-high-tech-reduced-rate": None}, "total_value": "6000.00",
    }) == []


@pytest.mark.parametrize(("expect", "mismatch"), [
    ({"size_class": "micro"}, "size class: expected micro, got small"),
    ({"granted": ["5-reduced-rate"]}, "5-reduced-rate: expected granted, but it is ineligible: employees=90 (<= 80)"),
    ({"granted": ["5-reduced-rat"]}, "5-reduced-rat: no such benefit in the decision"),
    ({"granted_exactly": ["6-high-tech-reduced-rate"]}, "3-directed-procurement: granted, but not in granted_exactly"),
    ({"not_granted": ["6-high-tech-reduced-rate"]}, "6-high-tech-reduced-rate: expected not granted"),
    ({"excluded": {"5-reduced-rate": {"in_favour_of": "5-half-income"}}}, "5-reduced-rate: expected excluded"),
    ({"ineligible": {"5-reduced-rate": {"fields": ["total_assets"]}}}, "expected refused on ['total_assets']"),
    ({"ineligible": {"5-reduced-rate": {"fields": ["employees"], "change": {"employees": -11}}}},
     "expected a smallest change of employees by -11, got [-10]"),
    ({"ineligible": {"5-reduced-rate": {"fields": ["employees"], "constraint": {"employees": "<= 100"}}}},
     "expected the failed constraint employees '<= 100'"),
    ({"ineligible": {"4-vat-threshold": {"fields": ["monthly_sales"]}}}, "4-vat-threshold: expected ineligible, but it is undecided"),
    ({"undecided": {"4-vat-threshold": ["monthly_turnover"]}}, "expected undecided for want of ['monthly_turnover']"),
    ({"values": {"6-high-tech-reduced-rate": 6000.01}}, "expected value 6000.01, got 6000.0"),
    ({"valid_until": {"6-high-tech-reduced-rate": date(2015, 12, 31)}}, "expected valid_until 2015-12-31, got None"),
    ({"notes": {"6-high-tech-reduced-rate": ["国发"]}}, "no note contains '国发'"),
    ({"total_value": 0}, "total value: expected 0, got 6000.0"),
    ({"not_yet_in_force": ["6-high-tech-reduced-rate"]}, "expected ineligible, but it is granted"),
    ({"no_longer_in_force": ["5-reduced-rate"]}, "expected no longer in force as the only reason"),
])
def test_the_checker_reports_each_mismatch(doc: dict[str, Any], expect: dict[str, Any], mismatch: str) -> None:
    found = check(doc, expect)
    assert len(found) >= 1 and any(mismatch in m for m in found), found
