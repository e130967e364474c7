"""The ontology modules and the registries: parse, bilingual documentation, declared terms,
SKOS schemes, and agreement of our ELI / ORG declarations with the published vocabularies."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from policykg.namespaces import AGENCY, DOC, ELI, INDUSTRY, ORG, PK, SCHEME, SIZE

from .data import ROOT

ONTOLOGY = ROOT / "ontology"
DATA = ROOT / "data"
VOCAB = Path(__file__).parent / "fixtures" / "vocab"  # published ELI 1.2 and W3C ORG (see SOURCES.txt)
MODULES = ("core", "measures", "text", "enterprise", "schemes", "alignments", "profile", "profile-classes")
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def _data_files() -> list[Path]:
    files = {p for p in DATA.glob("*.ttl")} | {p for p in DATA.glob("**/*.ttl")}
    return sorted(files)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for name in MODULES:
        graph.parse(ONTOLOGY / f"{name}.ttl", format="turtle")
    return graph


@pytest.fixture(scope="module")
def everything(ontology: Graph) -> Graph:
    graph = Graph()
    for triple in ontology:
        graph.add(triple)
    for path in _data_files():
        graph.parse(path, format="turtle")
    return graph


@pytest.mark.parametrize("name", MODULES)
def test_module_parses(name: str) -> None:
    graph = Graph().parse(ONTOLOGY / f"{name}.ttl", format="turtle")
    assert len(graph) > 0


def test_only_the_spec_modules_exist() -> None:
    assert {p.stem for p in ONTOLOGY.glob("*.ttl")} == set(MODULES)


def test_header(ontology: Graph) -> None:
    header = URIRef(str(PK).rstrip("#"))
    assert (header, RDF.type, OWL.Ontology) in ontology
    titles = {t.language for t in ontology.objects(header, URIRef("http://purl.org/dc/terms/title"))}
    assert titles == {"zh", "en"}
    assert ontology.value(header, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(header, URIRef("http://purl.org/dc/terms/license")) is not None
    assert not list(ontology.objects(None, OWL.imports))


def _pk_terms(graph: Graph) -> set[URIRef]:
    return {
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in graph.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and s.startswith(PK)
    }


def test_every_pk_term_is_documented_in_zh_and_en(ontology: Graph) -> None:
    terms = _pk_terms(ontology)
    assert len(terms) > 100
    missing = []
    for term in sorted(terms):
        for prop in (RDFS.label, SKOS.definition):
            langs = {o.language for o in ontology.objects(term, prop) if isinstance(o, Literal)}
            if not {"zh", "en"} <= langs:
                missing.append(f"{term.removeprefix(str(PK))} {prop.n3(ontology.namespace_manager)}")
    assert not missing, missing


def test_spec_terms_are_declared(ontology: Graph) -> None:
    """A sample from every table of docs/ontology.md, with the OWL kind the spec implies."""
    expect = {
        OWL.Class: "PolicyDocument Chapter Article GovernmentAgency AgencyCollective DocumentType "
        "UnresolvedDocument Measure Benefit Duty Rule TaxThresholdRaise RentSubsidy Service "
        "LendingDuty MostFavourableRule Quantity NonCumulationGroup QuantityMention TemporalMention "
        "SizeClassRule SizeThreshold",
        OWL.ObjectProperty: "document sourceArticle beneficiary dutyBearer bearerKind hasQuantity "
        "restates taxKind eligibilityShape benefitFamily unit baseUnit role member "
        "resolutionStrategy articleKind temporalKind industry sizeClass hasThreshold indicator",
        OWL.DatatypeProperty: "numberLabel ordinal text sourceLine entryIntoForceText gazetteIssue "
        "gazetteCumulativeIssue addressee responsibilityText othersShareResponsibility sourceNote "
        "conditionText validFrom validUntil validityText value baseValue comparator appliesTo "
        "surfaceText context date duration combinator itemNumber",
    }
    for kind, names in expect.items():
        for name in names.split():
            assert (PK[name], RDF.type, kind) in ontology, f"pk:{name} is not a {kind}"
    for name in "document ordinal value baseValue unit validFrom validUntil".split():
        assert (PK[name], RDF.type, OWL.FunctionalProperty) in ontology, name
    assert ontology.value(PK.sourceArticle, RDFS.range) == PK.Article
    assert ontology.value(PK.value, RDFS.range) == XSD.decimal


def test_measure_hierarchy_and_disjointness(ontology: Graph) -> None:
    parent = {s: o for s, o in ontology.subject_objects(RDFS.subClassOf) if str(s).startswith(str(PK))}
    assert parent[PK.TrainingSubsidy] == PK.Subsidy
    assert parent[PK.Subsidy] == PK.FinancialSupport
    assert parent[PK.FinancialSupport] == PK.Benefit
    assert parent[PK.Benefit] == PK.Measure
    assert parent[PK.HigherLevelPrecedenceRule] == PK.Rule
    assert parent[PK.PolicyDocument] == ELI.LegalResource
    assert parent[PK.Article] == ELI.LegalResourceSubdivision
    assert parent[PK.GovernmentAgency] == ORG.Organization
    for a, b in ((PK.Benefit, PK.Duty), (PK.Benefit, PK.Rule), (PK.Duty, PK.Rule), (PK.Chapter, PK.Article)):
        assert (a, OWL.disjointWith, b) in ontology
    leaves = {s for s in parent if str(s).startswith(str(PK))} - set(parent.values())
    measures = set(ontology.transitive_subjects(RDFS.subClassOf, PK.Measure))
    assert len(measures & leaves) == 43  # 42 kinds of measure in the corpus + pk:StandardTaxRate


def test_external_kinds_match_the_published_vocabularies(ontology: Graph) -> None:
    published = Graph()
    published.parse(VOCAB / "eli-1.2.nt", format="nt")
    published.parse(VOCAB / "w3c-org.ttl", format="turtle")
    checked = 0
    for ns in (ELI, ORG):
        for kind in KINDS + (OWL.FunctionalProperty,):
            for term in ontology.subjects(RDF.type, kind):
                if isinstance(term, URIRef) and term.startswith(ns):
                    assert (term, RDF.type, kind) in published, f"{term} is not a {kind} in the published file"
                    checked += 1
    assert checked >= 20
    # the ELI terms the brief lists are all declared
    for name in ("LegalResource LegalResourceSubdivision is_part_of has_part cites transposes "
                 "responsibility_of_agent passed_by id_local number title date_document "
                 "first_date_entry_in_force date_no_longer_in_force type_document").split():
        assert any((ELI[name], RDF.type, k) in ontology for k in KINDS), name
    assert (ELI.has_part, OWL.inverseOf, ELI.is_part_of) in ontology
    assert (ORG.Organization, RDFS.subClassOf, ELI.Agent) in ontology


def test_every_concept_has_labels_and_a_scheme(ontology: Graph) -> None:
    concepts = set(ontology.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 100
    problems = []
    for concept in concepts:
        langs = [o.language for o in ontology.objects(concept, SKOS.prefLabel)]
        if sorted(langs) != ["en", "zh"]:
            problems.append(f"{concept}: prefLabel languages {langs}")
        schemes = set(ontology.objects(concept, SKOS.inScheme))
        if not schemes or not all((s, RDF.type, SKOS.ConceptScheme) in ontology for s in schemes):
            problems.append(f"{concept}: no declared scheme")
    assert not problems, problems
    for scheme in ontology.subjects(RDF.type, SKOS.ConceptScheme):
        assert {o.language for o in ontology.objects(scheme, SKOS.prefLabel)} == {"zh", "en"}


def test_schemes_follow_the_spec(ontology: Graph) -> None:
    def members(slug: str) -> set[str]:
        return {str(c).rsplit("/", 1)[1] for c in ontology.subjects(SKOS.inScheme, SCHEME[slug])}

    assert members("industries") == set(
        "agriculture industrial construction wholesale retail transport warehousing postal "
        "accommodation catering information_transmission software_it_services "
        "real_estate_development property_management leasing_business_services other".split()
    )
    assert members("size-classes") == {"large", "medium", "small", "micro", "sme"}
    assert len(members("party-kinds")) == 35
    assert len(members("units")) == 14 and len(members("quantity-roles")) == 16
    assert len(members("temporal-kinds")) == 8 and len(members("resolution-strategies")) == 4
    assert members("indicators") == {"employees", "revenue", "assets"}
    assert len(members("tax-kinds")) == 7 and members("article-kinds") == {"benefit", "duty", "mixed", "rule"}
    retail = INDUSTRY["retail"]
    assert ontology.value(retail, SKOS.notation) == Literal("retail")
    assert ontology.value(retail, PK.itemNumber).toPython() == 5
    assert Literal("零售业", lang="zh") in set(ontology.objects(retail, SKOS.prefLabel))
    assert (SIZE.micro, SKOS.broader, SIZE.sme) in ontology
    # concept IRIs are individuals, never classes
    assert not set(ontology.subjects(RDF.type, SKOS.Concept)) & set(ontology.subjects(RDF.type, OWL.Class))


def _declared(graph: Graph) -> set[URIRef]:
    return {s for kind in KINDS for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def test_no_undeclared_pk_terms(ontology: Graph) -> None:
    """Every pk: IRI used anywhere in ontology/ or data/ is declared in ontology/."""
    declared = _declared(ontology)
    undeclared: dict[str, set[str]] = {}
    for path in [ONTOLOGY / f"{m}.ttl" for m in MODULES] + _data_files():
        graph = Graph().parse(path, format="turtle")
        for triple in graph:
            for term in triple:
                if isinstance(term, URIRef) and term.startswith(PK) and term not in declared:
                    undeclared.setdefault(str(path.relative_to(ROOT)), set()).add(term.removeprefix(str(PK)))
    assert not undeclared, undeclared


def test_agency_registry(everything: Graph) -> None:
    agencies = set(everything.subjects(RDF.type, ORG.Organization))
    assert len({a for a in agencies if a.startswith(AGENCY)}) == 31  # 30 of the corpus texts + the NPC (tax law)
    for agency in agencies:
        langs = sorted(o.language for o in everything.objects(agency, SKOS.prefLabel))
        assert langs == ["en", "zh"], agency
    finance = AGENCY["finance-bureau"]
    assert Literal("市财政局", lang="zh") in set(everything.objects(finance, SKOS.prefLabel))
    assert everything.value(finance, ORG.subOrganizationOf) == AGENCY["qingdao-municipal-government"]
    assert Literal("市政府", lang="zh") in set(everything.objects(AGENCY["qingdao-municipal-government"], SKOS.altLabel))
    for branch in ("customs", "banking-regulatory-bureau", "pboc-qingdao-central-sub-branch"):
        assert everything.value(AGENCY[branch], ORG.subOrganizationOf) is None
    assert (AGENCY["district-governments"], RDF.type, PK.AgencyCollective) in everything


def test_document_registry(everything: Graph) -> None:
    def doc(slug: str) -> URIRef:
        return DOC[slug]

    caiku = doc("caiku-2011-181")
    assert everything.value(caiku, ELI.id_local) == Literal("财库〔2011〕181号")
    assert everything.value(caiku, ELI.title) == Literal("关于印发政府采购促进中小企业发展暂行办法的通知", lang="zh")
    assert set(everything.objects(caiku, ELI.passed_by)) == {
        AGENCY["ministry-of-finance"], AGENCY["ministry-of-industry-and-information-technology"]
    }
    assert everything.value(caiku, ELI.first_date_entry_in_force) == Literal("2012-01-01", datatype=XSD.date)
    assert everything.value(doc("guofa-2012-14"), ELI.date_document) == Literal("2012-04-19", datatype=XSD.date)
    assert set(everything.objects(doc("qingfa-2008-19"), ELI.passed_by)) == {
        AGENCY["qingdao-municipal-party-committee"], AGENCY["qingdao-municipal-government"]
    }
    # the size standard's issuers and date are unverified: not encoded
    std = doc("gongxinbulianqiye-2011-300")
    assert everything.value(std, ELI.passed_by) is None and everything.value(std, ELI.date_document) is None
    # every registered document is titled or numbered, and every fact has provenance
    registry = Graph().parse(DATA / "documents.ttl", format="turtle")
    for subject in set(registry.subjects(RDF.type, None)):
        assert (subject, PK.sourceNote, None) in registry or (subject, PK.sourceArticle, None) in registry, subject
    for document in registry.subjects(RDF.type, ELI.LegalResource):
        if document != doc("qingzhengfa-2012-46"):
            assert registry.value(document, ELI.title) is not None, document
    # the [V] figures of 181号 as quantities
    reservation = URIRef(f"{caiku}/measure/procurement-reservation")
    values = sorted(everything.value(q, PK.value).toPython() for q in everything.objects(reservation, PK.hasQuantity))
    assert values == [30, 60]
    deduction = URIRef(f"{caiku}/measure/price-deduction")
    assert (deduction, RDF.type, PK.PriceDeduction) in everything
    fees = URIRef(f"{doc('guofa-2012-14')}/measure/administrative-fee-exemption")
    assert everything.value(fees, PK.validUntil) == Literal("2014-12-31", datatype=XSD.date)


def test_concepts_used_in_data_are_defined(everything: Graph) -> None:
    """Objects of concept-valued properties are skos:Concepts of a scheme (catches slug typos)."""
    props = (PK.beneficiary, PK.bearerKind, PK.taxKind, PK.benefitFamily, PK.unit, PK.baseUnit,
             PK.role, PK.resolutionStrategy, PK.articleKind, PK.temporalKind, PK.industry,
             PK.sizeClass, PK.indicator)
    unknown = sorted(
        f"{p.removeprefix(str(PK))} {o}"
        for p in props
        for o in everything.objects(None, p)
        if (o, RDF.type, SKOS.Concept) not in everything or (o, SKOS.inScheme, None) not in everything
    )
    assert not unknown, unknown
