"""Enterprise profiles: the vocabulary (ontology/profile.ttl), the input shape (shapes/profile.ttl) and the
streaming readers of policykg.eligibility.profiles — every error names the key and where it is."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD

from policykg.eligibility.profiles import (
    COMPANY_FORMS, CONDITION, INDUSTRIES, KEYS, PROPERTIES, REQUIRED, Profile, conditions, party_kinds,
    profile_from_mapping, read_profiles,
)
from policykg.errors import LoadError, PolicyKGError, ProfileError
from policykg.namespaces import INDUSTRY, PARTY, PK, SCHEME
from policykg.shapes import load_shapes, validate

from ..data import FIXTURES, ROOT

PROFILES = FIXTURES / "profiles"
GOOD: dict[str, object] = {"name": "A", "industry": "retail", "employees": 3, "annual_revenue": 1000,
                           "total_assets": 500}


def _read(path: Path) -> list[Profile]:
    return list(read_profiles(path))


def _error(path: Path) -> PolicyKGError:
    with pytest.raises(PolicyKGError) as info:
        _read(path)
    assert "\n" not in str(info.value)
    return info.value


# ------------------------------------------------------------------------------------------- vocabulary

@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes("profile")


def test_every_key_has_a_documented_property(ontology: Graph) -> None:
    module = Graph().parse(ROOT / "ontology" / "profile.ttl", format="turtle")
    assert (PK.EnterpriseProfile, RDF.type, OWL.Class) in module
    declared = {s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
                for s in module.subjects(RDF.type, kind)}
    # every input key, and the size class the engine derives (not an input key)
    assert declared == {PK.EnterpriseProfile, *PROPERTIES.values(), PK.profileSizeClass}
    assert PK.profileSizeClass not in PROPERTIES.values()
    assert module.value(PK.profileSizeClass, RDFS.domain) == PK.EnterpriseProfile
    for term in declared:
        for prop in (RDFS.label, SKOS.definition):
            assert {o.language for o in module.objects(term, prop)} == {"zh", "en"}, (term, prop)
    for key, prop in PROPERTIES.items():
        assert module.value(prop, RDFS.domain) == PK.EnterpriseProfile, key
        definition = str(module.value(prop, SKOS.definition))  # says which key and which article needs it
        assert f"输入键 {key}" in " ".join(str(o) for o in module.objects(prop, SKOS.definition)), key
        assert "条" in " ".join(str(o) for o in module.objects(prop, SKOS.definition)), definition
    # no clash with terms of the other modules
    others = Graph()
    for path in (ROOT / "ontology").glob("*.ttl"):
        if path.stem != "profile":
            others.parse(path, format="turtle")
    assert not {s for s in others.subjects(RDF.type, None)} & declared


def test_closed_lists_agree_with_the_ontology_and_the_shape(ontology: Graph, shapes: Graph) -> None:
    notations = {str(ontology.value(c, SKOS.notation)) for c in ontology.subjects(SKOS.inScheme, SCHEME.industries)}
    assert set(INDUSTRIES) == notations and len(INDUSTRIES) == 16
    parties = {str(c).removeprefix(str(PARTY)) for c in ontology.subjects(SKOS.inScheme, SCHEME["party-kinds"])}
    assert party_kinds() == parties

    def listed(path: URIRef) -> set[str]:
        shape = shapes.value(predicate=SH.path, object=path)
        items = shapes.value(shape, SH["in"])
        from rdflib.collection import Collection
        return {str(i) for i in Collection(shapes, items)}

    assert listed(PK.profileIndustry) == {str(INDUSTRY[i]) for i in INDUSTRIES}
    assert listed(PK.beneficiaryKind) == {str(PARTY[p]) for p in parties}
    assert listed(PK.companyForm) == set(COMPANY_FORMS)


def test_the_shape_follows_the_style(shapes: Graph) -> None:
    node = next(iter(shapes.subjects(SH.targetClass, PK.EnterpriseProfile)))
    props = list(shapes.objects(node, SH.property))
    assert {shapes.value(p, SH.path) for p in props} == set(PROPERTIES.values())
    for shape in [node, *props]:
        assert isinstance(shape, URIRef), shape
        assert {m.language for m in shapes.objects(shape, SH.message)} == {"zh", "en"}, shape
        assert shapes.value(shape, SH.severity) == SH.Violation, shape
        assert shapes.value(shape, RDFS.comment) is not None, shape
    required = {shapes.value(p, SH.path) for p in props if shapes.value(p, SH.minCount) is not None}
    assert required == {PROPERTIES[k] for k in REQUIRED}


# ------------------------------------------------------------------------------------------- good input

def test_a_json_object() -> None:
    [p] = _read(PROFILES / "valid_micro_industrial.json")
    assert p.name == "青岛示例精密机械有限公司" and p.industry == "industrial"
    assert p.employees == 18 and isinstance(p.employees, int)
    assert p.total_assets == Decimal("4500000.00") and p.annual_revenue == Decimal(2600000)
    assert p.high_tech_certified is False and p.restricted_industry is False
    assert p.established_on == date(2011, 9, 1) and p.company_form == "domestic"
    assert p.beneficiary_kind == ("enterprise",) and p.monthly_sales is None
    assert p.source == f"{PROFILES / 'valid_micro_industrial.json'}:$"
    record = p.to_record()
    assert list(record) == list(KEYS)
    assert record["graduates_hired"] == 2 and record["rd_expenses_expensed"] == Decimal(120000)


def test_a_jsonl_batch() -> None:
    profiles = _read(PROFILES / "batch_mixed.jsonl")
    assert [p.name for p in profiles] == ["Retail A", "Guarantor B", "Software C"]
    assert [p.line for p in profiles] == [1, 3, 4]
    assert profiles[1].beneficiary_kind == ("guarantee-institution",)
    assert profiles[2].annual_revenue == Decimal("9000000.5") and profiles[2].high_tech_certified is True


def test_a_csv_batch() -> None:
    profiles = _read(PROFILES / "batch_mixed.csv")
    assert [p.name for p in profiles] == ["Catering D", "Leasing E", "Farm F, Ltd"]
    assert [p.line for p in profiles] == [2, 3, 4]
    d, e, f = profiles
    assert (d.high_tech_certified, d.restricted_industry) == (False, False)
    assert (f.high_tech_certified, f.restricted_industry) == (True, True)
    assert e.annual_taxable_income is None and e.beneficiary_kind == ("enterprise", "venture-capital-enterprise")
    assert d.established_on == date(2012, 1, 15) and f.monthly_turnover == Decimal(19000)


def test_a_turtle_profile() -> None:
    [p] = _read(PROFILES / "seed_stage.ttl")
    assert p.name == "种子期科技公司" and p.industry == "software_it_services"
    assert p.employees == 6 and p.annual_revenue == Decimal("350000.0") and p.total_assets == Decimal(900000)
    assert p.established_on == date(2012, 3, 1) and p.months_since_establishment == 8
    assert p.high_tech_certified is False


def test_to_rdf_round_trips_through_the_turtle_reader(tmp_path: Path) -> None:
    [p] = _read(PROFILES / "valid_micro_industrial.json")
    node = URIRef("https://example.org/profile/1")
    graph = p.to_rdf(node)
    assert graph.value(node, PK.profileIndustry) == INDUSTRY.industrial
    assert graph.value(node, PK.totalAssets) == Literal("4500000.00", datatype=XSD.decimal)
    path = tmp_path / "round.ttl"
    graph.serialize(path, format="turtle")
    [back] = _read(path)
    assert back == p


def test_big_numbers_are_valid_decimals(shapes: Graph) -> None:
    p = profile_from_mapping({**GOOD, "annual_revenue": "1e9", "total_assets": 2.5e7}, location="$")
    assert p.annual_revenue == Decimal("1E+9")
    graph = p.to_rdf()
    assert {str(o) for o in graph.objects(None, PK.annualRevenue)} == {"1000000000"}
    assert validate(graph, shapes).conforms


# ------------------------------------------------------------------------------------------- bad input

def test_negative_head_count_in_a_json_list() -> None:
    e = _error(PROFILES / "bad_negative_employees.json")
    assert isinstance(e, ProfileError)
    assert e.location == f"{PROFILES / 'bad_negative_employees.json'}:$[3].employees"
    assert "must not be negative, got -4" in e.message


def test_duplicate_key_in_json() -> None:
    e = _error(PROFILES / "bad_duplicate_key.json")
    assert isinstance(e, ProfileError)
    assert e.location == f"{PROFILES / 'bad_duplicate_key.json'}:$.employees"
    assert e.message == "duplicate key 'employees'"


def test_unknown_industry_in_jsonl_lists_the_codes_and_suggests_one() -> None:
    e = _error(PROFILES / "bad_unknown_industry.jsonl")
    assert isinstance(e, ProfileError)
    assert e.location == f"{PROFILES / 'bad_unknown_industry.jsonl'}:2"
    assert e.message.startswith("industry: unknown industry 'industral'; did you mean 'industrial'?")
    assert all(code in e.message for code in INDUSTRIES)


def test_missing_required_value_in_csv_names_key_and_column() -> None:
    e = _error(PROFILES / "bad_missing_required.csv")
    assert isinstance(e, ProfileError)
    assert e.location == f"{PROFILES / 'bad_missing_required.csv'}:3"
    assert e.message.startswith("total_assets (column 5): required key 'total_assets' is given but empty")


def test_unknown_csv_column_suggests_the_closest_key() -> None:
    e = _error(PROFILES / "bad_unknown_column.csv")
    assert e.location == f"{PROFILES / 'bad_unknown_column.csv'}:1"
    assert e.message.startswith("column 3: unknown key 'employes'; did you mean 'employees'? (keys: name, industry")


def test_not_a_date_in_csv() -> None:
    e = _error(PROFILES / "bad_not_a_date.csv")
    assert e.location == f"{PROFILES / 'bad_not_a_date.csv'}:3"
    assert e.message == "established_on (column 6): not a date (YYYY-MM-DD): '2012-13-01'"


def test_turtle_profile_checked_with_the_shape() -> None:
    e = _error(PROFILES / "bad_negative_employees.ttl")
    assert isinstance(e, ProfileError)
    assert e.location == f"{PROFILES / 'bad_negative_employees.ttl'}:<https://example.org/profile/negative>"
    assert e.message == "employees: exactly one value, which must be a whole number, not negative (value -2)"


@pytest.mark.parametrize(("change", "key", "fragment"), [
    ({"employees": None}, "employees", "required key 'employees' is missing"),
    ({"employees": -1}, "employees", "must not be negative, got -1"),
    ({"employees": 2.5}, "employees", "must be a whole number, got 2.5"),
    ({"employees": "many"}, "employees", "not a number: 'many'"),
    ({"employees": True}, "employees", "expected a number, got a boolean"),
    ({"employees": [3]}, "employees", "expected a number, got a list"),
    ({"total_assets": {"value": 1}}, "total_assets", "expected a number, got an object"),
    ({"annual_revenue": "NaN"}, "annual_revenue", "not a finite number"),
    ({"annual_revenue": "1_000"}, "annual_revenue", "not a number: '1_000'"),
    ({"name": 7}, "name", "expected a string, got a number"),
    ({"name": "  "}, "name", "required key 'name' is given but empty"),
    ({"industry": "Retail"}, "industry", "did you mean 'retail'?"),
    ({"high_tech_certified": "maybe"}, "high_tech_certified", "not a boolean: 'maybe'"),
    ({"established_on": "2012/01/01"}, "established_on", "not a date (YYYY-MM-DD): '2012/01/01'"),
    ({"established_on": 20120101}, "established_on", "expected a date string (YYYY-MM-DD), got a number"),
    ({"company_form": "sole"}, "company_form", "unknown company form 'sole'"),
    ({"beneficiary_kind": ["guarantee-institutions"]}, "beneficiary_kind", "did you mean 'guarantee-institution'?"),
    ({"anual_revenue": 5}, "anual_revenue", "unknown key 'anual_revenue'; did you mean 'annual_revenue'?"),
])
def test_mapping_errors_name_the_key_and_its_path(change: dict[str, object], key: str, fragment: str) -> None:
    data = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(ProfileError) as info:
        profile_from_mapping(data, location="in.json:$[0]")
    assert info.value.location == f"in.json:$[0].{key}"
    assert fragment in info.value.message


def test_jsonl_location_names_the_key_in_the_message() -> None:
    with pytest.raises(ProfileError) as info:
        profile_from_mapping({**GOOD, "employees": -1}, location="batch.jsonl:7")
    assert info.value.location == "batch.jsonl:7" and info.value.message.startswith("employees: ")


@pytest.mark.parametrize(("name", "text", "kind", "location", "fragment"), [
    ("list.json", '[{"name": "x"}, 5]', ProfileError, ":$[0].industry", "required key 'industry' is missing"),
    ("scalar.json", '"a profile"', ProfileError, ":$", "expected a profile object or a list of them, got a string"),
    ("item.json", '[5]', ProfileError, ":$[0]", "expected a profile object, got a number"),
    ("broken.json", '{"name": "x",\n "employees": }', LoadError, ":2", "invalid JSON"),
    ("nan.json", '{"name": "x", "employees": NaN}', LoadError, "", "NaN is not a number in JSON"),
    ("lines.jsonl", '{"name": "x"\n', LoadError, ":1", "invalid JSON"),
    ("array.jsonl", '[1]\n', ProfileError, ":1", "expected a profile object, got a list"),
    ("cells.csv", "name,industry,employees,annual_revenue,total_assets\na,retail,1,1\n", ProfileError, ":2",
     "row has 4 cells, the header has 5"),
    ("dup.csv", "name,industry,employees,annual_revenue,total_assets,name\n", ProfileError, ":1",
     "column 6: duplicate key 'name'"),
    ("nocol.csv", "name,industry,employees,annual_revenue\n", ProfileError, ":1",
     "missing required column 'total_assets'"),
    ("empty.csv", "", ProfileError, ":1", "empty CSV file"),
    ("latin.csv", b"name,industry,employees,annual_revenue,total_assets\n\xe9,retail,1,1,1\n", LoadError, ":2",
     "not UTF-8"),
    ("none.ttl", "@prefix pk: <https://w3id.org/policykg/ontology#> .\n", ProfileError, "", "no pk:EnterpriseProfile"),
    ("bad.ttl", "this is not turtle", LoadError, "", "invalid Turtle"),
])
def test_file_errors(tmp_path: Path, name: str, text: str | bytes, kind: type[PolicyKGError], location: str,
                     fragment: str) -> None:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    e = _error(path)
    assert type(e) is kind, e
    assert e.location == f"{path}{location}", e
    assert fragment in e.message, e


def test_unsupported_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"use \.json, \.jsonl, \.csv or \.ttl"):
        read_profiles(tmp_path / "profiles.xml")
    with pytest.raises(LoadError, match="no such file"):
        read_profiles(tmp_path / "absent.csv")


@pytest.mark.parametrize(("drop", "add", "message"), [
    (PK.profileIndustry, None, "industry: required key 'industry' is missing"),
    (None, (PK.employees, Literal(7)), "employees: more than one value; at most one is allowed"),
    (PK.totalAssets, (PK.totalAssets, Literal(5)), "total_assets: exactly one value, which must be an amount in "
                                                    "yuan (xsd:decimal), not negative (value 5)"),
])
def test_turtle_shape_errors_name_the_key(tmp_path: Path, drop: URIRef | None,
                                          add: tuple[URIRef, Literal] | None, message: str) -> None:
    [p] = _read(PROFILES / "seed_stage.ttl")
    node = URIRef("https://example.org/profile/x")
    graph = p.to_rdf(node)
    if drop is not None:
        graph.remove((node, drop, None))
    if add is not None:
        graph.add((node, *add))
    path = tmp_path / "changed.ttl"
    graph.serialize(path, format="turtle")
    e = _error(path)
    assert e.location == f"{path}:<{node}>"
    assert e.message.startswith(message), e.message


def test_turtle_unknown_property_is_rejected_by_the_closed_shape(tmp_path: Path) -> None:
    [p] = _read(PROFILES / "seed_stage.ttl")
    node = URIRef("https://example.org/profile/x")
    graph = p.to_rdf(node)
    graph.add((node, PK.employeeCount, Literal(3)))
    path = tmp_path / "extra.ttl"
    graph.serialize(path, format="turtle")
    e = _error(path)
    assert e.location == f"{path}:<{node}>" and "unknown property" in e.message and "employeeCount" in e.message


# ------------------------------------------------------------------------------------------- streaming

def _big_csv(path: Path, rows: int, *, bad_last: bool) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("name,industry,employees,annual_revenue,total_assets,high_tech_certified\n")
        for i in range(rows):
            out.write(f"p{i},retail,{i % 300},{i * 1000},{i * 500},{'true' if i % 2 else 'false'}\n")
        if bad_last:
            out.write("last,retail,-1,1,1,true\n")


def test_csv_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    _big_csv(path, 200_000, bad_last=True)
    profiles = read_profiles(path)
    assert isinstance(profiles, Iterator)
    first = [next(profiles) for _ in range(3)]  # yielded before the bad last line is ever read
    assert [p.name for p in first] == ["p0", "p1", "p2"] and first[2].line == 4
    with pytest.raises(ProfileError) as info:
        for _ in profiles:
            pass
    assert info.value.location == f"{path}:200002"
    assert info.value.message.startswith("employees (column 3): must not be negative")


def test_jsonl_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(50_000):
            out.write(json.dumps({**GOOD, "name": f"p{i}"}) + "\n")
        out.write("{broken\n")
    profiles = read_profiles(path)
    assert next(profiles).name == "p0"
    with pytest.raises(LoadError) as info:
        list(profiles)
    assert info.value.location == f"{path}:50001"


# ------------------------------------------------------------------------------------------- Python == SHACL

def _raw_rdf(data: Mapping[str, object], node: URIRef) -> Graph:
    """A record's facts as RDF *without* the Python checks, as a careless producer would write them: JSON
    numbers as literals of the property's range (xsd:decimal for money), anything else as it comes."""
    module = Graph().parse(ROOT / "ontology" / "profile.ttl", format="turtle")
    graph = Graph()
    graph.add((node, RDF.type, PK.EnterpriseProfile))
    for key, value in data.items():
        prop = PROPERTIES.get(key, PK[key])
        values = value if isinstance(value, list) else [value]
        for v in values:
            if key == "industry":
                graph.add((node, prop, INDUSTRY[str(v)]))
            elif key == "beneficiary_kind":
                graph.add((node, prop, PARTY[str(v)]))
            elif key == "attests":
                graph.add((node, prop, URIRef(str(v)) if ":" in str(v) else URIRef(CONDITION + str(v))))
            elif key == "established_on":
                graph.add((node, prop, Literal(str(v), datatype=XSD.date)))
            elif module.value(prop, RDFS.range) == XSD.decimal and isinstance(v, (int, float)):
                graph.add((node, prop, Literal(Decimal(str(v)))))
            else:
                graph.add((node, prop, Literal(v)))
    return graph


BAD_RECORDS: dict[str, dict[str, object]] = {
    "missing name": {k: v for k, v in GOOD.items() if k != "name"},
    "missing employees": {k: v for k, v in GOOD.items() if k != "employees"},
    "missing total assets": {k: v for k, v in GOOD.items() if k != "total_assets"},
    "negative employees": {**GOOD, "employees": -1},
    "negative revenue": {**GOOD, "annual_revenue": -0.5},
    "negative taxable income": {**GOOD, "annual_taxable_income": -1.0},
    "fractional employees": {**GOOD, "employees": 2.5},
    "employees not a number": {**GOOD, "employees": "many"},
    "assets not a number": {**GOOD, "total_assets": "lots"},
    "unknown industry": {**GOOD, "industry": "mining"},
    "not a date": {**GOOD, "established_on": "2012-02-30"},
    "boolean not a boolean": {**GOOD, "high_tech_certified": "maybe"},
    "unknown company form": {**GOOD, "company_form": "sole"},
    "unknown party kind": {**GOOD, "beneficiary_kind": ["bank"]},
    "unknown key": {**GOOD, "employee_count": 3},
    "empty name": {**GOOD, "name": " "},
    "attests not a condition IRI": {**GOOD, "attests": ["https://example.org/condition/x/y"]},
    "attests not a slug": {**GOOD, "attests": ["special difficulty"]},
}
GOOD_RECORDS: dict[str, dict[str, object]] = {
    "minimal": GOOD,
    "zeros": {**GOOD, "employees": 0, "annual_revenue": 0, "total_assets": 0},
    "everything": {**GOOD, "annual_taxable_income": 10.5, "high_tech_certified": True, "restricted_industry": False,
                   "beneficiary_kind": ["guarantee-institution", "enterprise"], "established_on": "2012-02-29",
                   "months_since_establishment": 3, "monthly_sales": 19999.99, "monthly_turnover": 0.0,
                   "registered_capital": 500000, "company_form": "one-person", "graduates_hired": 1,
                   "graduates_trained": 0, "hard_to_employ_hired": 2, "rd_expenses_expensed": 1.0,
                   "rd_expenses_capitalised": 2.0, "technology_transfer_income": 3.0,
                   "technology_service_income": 4.0, "guarantee_business_volume": 5.0,
                   "guarantee_business_growth": 6.0, "financial_leasing_amount": 7.0,
                   "attests": ["7-tax-deferral/special-difficulty", CONDITION + "30-finance-lease-subsidy/reviewed-and-confirmed"]},
}


def test_every_key_is_exercised() -> None:
    assert set(GOOD_RECORDS["everything"]) == set(KEYS)


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_python_and_shacl_both_reject(case: str, shapes: Graph) -> None:
    data = BAD_RECORDS[case]
    with pytest.raises(ProfileError):
        profile_from_mapping(data, location="$")
    report = validate(_raw_rdf(data, URIRef("https://example.org/profile/bad")), shapes)
    assert not report.conforms, case


@pytest.mark.parametrize("case", sorted(GOOD_RECORDS))
def test_python_and_shacl_both_accept(case: str, shapes: Graph) -> None:
    data = GOOD_RECORDS[case]
    profile = profile_from_mapping(data, location="$")
    node = URIRef("https://example.org/profile/good")
    raw = validate(_raw_rdf(data, node), shapes)
    assert raw.conforms, [r.message for r in raw.results]
    converted = validate(profile.to_rdf(node), shapes)
    assert converted.conforms, [r.message for r in converted.results]


def test_a_batch_graph_of_profiles_conforms(shapes: Graph) -> None:
    graph = Graph()
    for p in _read(PROFILES / "batch_mixed.csv") + _read(PROFILES / "batch_mixed.jsonl"):
        graph += p.to_rdf(BNode())
    assert validate(graph, shapes).conforms


# ------------------------------------------------------------------------------------------- attestations

DEFERRAL = CONDITION + "7-tax-deferral/special-difficulty"
LEASE = CONDITION + "30-finance-lease-subsidy/reviewed-and-confirmed"


def test_attests_are_the_conditions_of_the_eligibility_shapes() -> None:
    known = conditions()
    assert DEFERRAL in known and LEASE in known
    shapes = Graph().parse(ROOT / "shapes" / "eligibility" / "qingzhengfa-2012-46.ttl", format="turtle")
    assert known == {str(c) for c in shapes.subjects(SKOS.inScheme, SCHEME.conditions)}


@pytest.mark.parametrize("value", [
    ["7-tax-deferral/special-difficulty", LEASE],
    (DEFERRAL, " 30-finance-lease-subsidy/reviewed-and-confirmed "),
    "7-tax-deferral/special-difficulty|30-finance-lease-subsidy/reviewed-and-confirmed",
    [DEFERRAL, LEASE, "7-tax-deferral/special-difficulty"],  # repeated: kept once
])
def test_attests_slugs_and_iris_become_full_iris(value: object) -> None:
    profile = profile_from_mapping({**GOOD, "attests": value}, location="$")
    assert profile.attests == (DEFERRAL, LEASE)
    assert profile.to_record()["attests"] == (DEFERRAL, LEASE)
    node = URIRef("https://example.org/profile/a")
    graph = profile.to_rdf(node)
    assert set(graph.objects(node, PK.attests)) == {URIRef(DEFERRAL), URIRef(LEASE)}
    assert validate(graph, load_shapes("profile")).conforms


def test_no_attests_by_default_and_no_size_class_in_record_or_rdf() -> None:
    profile = profile_from_mapping(GOOD, location="$")
    assert profile.attests == () and profile.to_record()["attests"] == ()
    assert "size_class" not in profile.to_record()
    graph = profile.to_rdf(URIRef("https://example.org/profile/a"))
    assert not set(graph.triples((None, PK.attests, None)))
    assert not set(graph.triples((None, PK.profileSizeClass, None)))


@pytest.mark.parametrize(("value", "fragment"), [
    (["7-tax-deferral/special-dificulty"], "unknown condition '7-tax-deferral/special-dificulty'; did you mean "
                                           "'7-tax-deferral/special-difficulty'?"),
    (["special difficulty"], "not a condition IRI or slug: 'special difficulty'"),
    (["https://example.org/condition/7-tax-deferral/special-difficulty"], "not a condition IRI or slug"),
    ([3], "expected a condition IRI or slug, got a number"),
    (5, "expected a list of condition IRIs or slugs, got a number"),
])
def test_bad_attests_name_the_key(value: object, fragment: str) -> None:
    with pytest.raises(ProfileError) as info:
        profile_from_mapping({**GOOD, "attests": value}, location="p.json:$")
    assert info.value.location == "p.json:$.attests"
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_attests_in_csv_and_turtle(tmp_path: Path) -> None:
    csv_path = tmp_path / "batch.csv"
    csv_path.write_text("name,industry,employees,annual_revenue,total_assets,attests\n"
                        "A,retail,3,1000,500,7-tax-deferral/special-difficulty|" + LEASE + "\n"
                        "B,retail,3,1000,500,\n"
                        "C,retail,3,1000,500,7-tax-deferral/nothing\n", encoding="utf-8")
    profiles = read_profiles(csv_path)
    assert next(profiles).attests == (DEFERRAL, LEASE)
    assert next(profiles).attests == ()
    with pytest.raises(ProfileError) as info:
        next(profiles)
    assert info.value.location == f"{csv_path}:4" and "attests (column 6): unknown condition" in str(info.value)
    node = URIRef("https://example.org/profile/a")
    ttl = tmp_path / "p.ttl"
    profile_from_mapping({**GOOD, "attests": [LEASE, DEFERRAL]}, location="$").to_rdf(node).serialize(
        ttl, format="turtle")
    [back] = _read(ttl)
    assert set(back.attests) == {DEFERRAL, LEASE}
