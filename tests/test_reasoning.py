"""HermiT (through owlready2) finds the shipped ontology and data consistent; every axiom that matters,
broken on purpose in a copy of the built store, makes it inconsistent, and the explanation names the
statements involved (the broken fact, the axioms, the individuals); what HermiT entails is in graph/reasoned."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from policykg.build import INFERRED_GRAPH, REASONED_GRAPH, corpus_of
from policykg.errors import OntologyError
from policykg.namespaces import AGENCY, DOC, ELI, INDUSTRY, ORG, PARTY, PK, SIZE, SKOS
from policykg.reasoning import (ConsistencyReport, Corpus, Explanation, ReasoningReport, check_consistency, reason,
                                render_text, report_json)
from policykg.store import EmbeddedStore

from .data import ROOT

pytestmark = pytest.mark.reasoner

DOC46 = DOC["qingzhengfa-2012-46"]
MEASURE = URIRef(f"{DOC46}/measure/5-reduced-rate")
ARTICLE5 = URIRef(f"{DOC46}/article/5")
CHAPTER1, CHAPTER2 = URIRef(f"{DOC46}/chapter/1"), URIRef(f"{DOC46}/chapter/2")
GUOFA = DOC["guofa-2012-14"]


def _sources() -> list[Path]:
    data = ROOT / "data"
    files = set(data.glob("*.ttl")) | set(data.glob("**/*.ttl"))
    return sorted((ROOT / "ontology").glob("*.ttl")) + sorted(files)


@pytest.fixture(scope="module")
def corpus() -> Graph:
    graph = Graph()
    for path in _sources():
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def quads(store: EmbeddedStore) -> list[tuple]:  # type: ignore[type-arg]
    """The built store as the reasoner reads it (all graphs but the shapes and graph/reasoned)."""
    c = corpus_of(store.ox)
    return [(s, p, o, g) for (s, p, o), graphs in c.where.items() for g in graphs]


def _with(corpus: Graph, *triples: tuple[URIRef, URIRef, object]) -> Graph:
    graph = Graph()
    for triple in corpus:
        graph.add(triple)
    for triple in triples:
        graph.add(triple)  # type: ignore[arg-type]
    return graph


#: the axioms broken on purpose: a name and the triples added to a copy of the built store
BROKEN: dict[str, tuple[tuple[URIRef, URIRef, object], ...]] = {
    "benefit-duty": ((MEASURE, RDF.type, PK.Duty),),
    "agency-document": ((AGENCY["finance-bureau"], RDF.type, PK.PolicyDocument),),
    "passed-by-document": ((DOC46, ELI.passed_by, GUOFA),),
    "beneficiary-agency": ((MEASURE, PK.beneficiary, AGENCY["finance-bureau"]),),
    "source-chapter": ((MEASURE, PK.sourceArticle, CHAPTER1),),
    "two-documents": ((ARTICLE5, PK.document, GUOFA),),
    "two-numbers": ((ARTICLE5, ELI.number, Literal("6")),),
    "two-size-classes": ((DOC["gongxinbulianqiye-2011-300/rule/industrial/small"], PK.sizeClass, SIZE.micro),),
    "two-chapters": ((CHAPTER2, ELI.has_part, ARTICLE5),),
    "inside-an-article": ((DOC46, ELI.is_part_of, DOC["gongxinbulianqiye-2011-300/article/4"]),),
    "two-dates": ((DOC["caiku-2011-181"], ELI.date_document, Literal("2011-12-30", datatype=XSD.date)),),
}


@pytest.fixture(scope="module")
def explained(quads: list[tuple]) -> dict[str, ReasoningReport | BaseException]:  # type: ignore[type-arg]
    """Each broken copy reasoned over and explained, two at a time (each check is a Java process)."""
    from concurrent.futures import ThreadPoolExecutor

    def run(name: str) -> ReasoningReport | BaseException:
        extra = [(s, p, o, "test") for s, p, o in BROKEN[name]]
        try:
            return reason(Corpus([*quads, *extra], derived=[INFERRED_GRAPH]), infer=False, budget=180)
        except BaseException as e:  # reported by the test of that case
            return e

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(BROKEN, pool.map(run, BROKEN)))


def broken(explained: dict[str, ReasoningReport | BaseException], name: str) -> Explanation:
    """The copy is inconsistent, and the minimal explanation names each added triple."""
    report = explained[name]
    if isinstance(report, BaseException):
        raise report
    assert report.consistent is False
    assert not report.ok and report.inferred == ()
    e = report.explanation
    assert e is not None and e.minimal, e
    for t in BROKEN[name]:
        assert t in e.triples(), f"{t} is not in the explanation {[s.text() for s in e.statements]}"
    assert any(st.sources == ("test",) for st in e.facts())
    return e


def axiom(e: Explanation, *terms: URIRef) -> bool:
    """Some axiom of the explanation names all ``terms``."""
    return any(set(terms) <= st.iris() for st in e.axioms())


def different(e: Explanation, a: URIRef, b: URIRef) -> bool:
    """The explanation needs a and b to be different things (unique names)."""
    return any({a, b} <= st.iris() and (OWL.differentFrom in st.iris() or OWL.AllDifferent in st.iris())
               for st in e.axioms())


# ------------------------------------------------------------------------------------------------ consistency

def test_ontology_and_data_are_consistent() -> None:
    report = check_consistency(_sources())
    assert isinstance(report, ConsistencyReport)
    assert report.consistent, report
    assert report.inconsistent_classes == ()
    assert "HermiT" in report.reasoner


def test_the_whole_built_store_is_consistent(store: EmbeddedStore) -> None:
    """Ontology + curated data + the ingested text + the size standard + inferences, as built."""
    report = reason(corpus_of(store.ox), infer=False, explain=False)
    assert report.ok, render_text(report)
    assert report.seconds < 60
    assert render_text(report).startswith(f"consistent (一致): {report.reasoner}, {report.triples} triples")


def test_a_value_that_is_not_a_number_is_inconsistent(corpus: Graph) -> None:
    quantity = URIRef(f"{DOC['caiku-2011-181']}/measure/price-deduction/minimum-deduction")
    report = check_consistency(_with(corpus, (quantity, PK.value, Literal("six"))))
    assert report.consistent is False


def test_durations_are_accepted(corpus: Graph) -> None:
    """xsd:duration is outside the OWL 2 datatype map; the boundary maps it for HermiT."""
    mention = URIRef(f"{DOC46}/article/16/temporal/1")
    report = check_consistency(_with(
        corpus,
        (mention, RDF.type, PK.TemporalMention),
        (mention, PK.duration, Literal("P3M", datatype=XSD.duration)),
    ))
    assert report.consistent is True


def test_unparseable_input_is_an_ontology_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("this is not turtle .", encoding="utf-8")
    with pytest.raises(OntologyError) as info:
        check_consistency([bad])
    assert "\n" not in str(info.value)


def test_an_unknown_reasoner_is_an_error(corpus: Graph) -> None:
    with pytest.raises(OntologyError, match="unknown reasoner"):
        reason(corpus, reasoner="fact++")


# ---------------------------------------------------------------------- axioms broken on purpose, explained

def test_a_benefit_is_not_a_duty(explained) -> None:  # type: ignore[no-untyped-def]
    e = broken(explained, "benefit-duty")
    assert axiom(e, PK.Benefit, PK.Duty)  # owl:disjointWith, or the owl:AllDisjointClasses of the measure kinds
    assert MEASURE in e.individuals()
    # why it is a benefit: the curated data (its kind, or a property only benefits have), not the build's type closure
    assert any(MEASURE in st.iris() and INFERRED_GRAPH not in st.sources for st in e.facts() if st.sources != ("test",))


def test_an_agency_is_not_a_document(explained) -> None:  # type: ignore[no-untyped-def]
    finance = AGENCY["finance-bureau"]
    e = broken(explained, "agency-document")
    assert axiom(e, ELI.LegalResource, ORG.Organization) or axiom(e, ELI.LegalResource, ELI.Agent)
    assert finance in e.individuals()


def test_a_document_is_not_passed_by_a_document(explained) -> None:  # type: ignore[no-untyped-def]
    """The range of eli:passed_by (eli:Agent) is disjoint with eli:LegalResource."""
    e = broken(explained, "passed-by-document")
    assert axiom(e, ELI.passed_by, ELI.Agent)  # the range axiom
    assert axiom(e, ELI.Agent, ELI.LegalResource)  # the disjointness
    assert set(e.individuals()) >= {DOC46, GUOFA}


def test_a_beneficiary_is_a_concept_not_an_agency(explained) -> None:  # type: ignore[no-untyped-def]
    e = broken(explained, "beneficiary-agency")
    assert axiom(e, PK.beneficiary, SKOS.Concept)
    assert AGENCY["finance-bureau"] in e.individuals()


def test_a_measure_is_read_from_an_article_not_a_chapter(explained) -> None:  # type: ignore[no-untyped-def]
    e = broken(explained, "source-chapter")
    assert axiom(e, PK.sourceArticle, PK.Article)  # the range makes chapter 1 an article, and then either
    assert axiom(e, PK.Chapter, PK.Article) or (  # chapters and articles are disjoint, or
        axiom(e, PK.isPartOfTransitive, OWL.allValuesFrom, PK.Article)  # its articles are inside an article
        and any(CHAPTER1 == st.triples[0][2] for st in e.facts() if st.triples[0][1] == ELI.is_part_of))


def test_an_article_has_one_document(explained) -> None:  # type: ignore[no-untyped-def]
    """pk:document is functional; the documents are different things (unique names)."""
    e = broken(explained, "two-documents")
    assert axiom(e, PK.document, OWL.FunctionalProperty)
    assert different(e, DOC46, GUOFA)
    assert (ARTICLE5, PK.document, DOC46) in e.triples()


def test_an_article_has_one_number(explained) -> None:  # type: ignore[no-untyped-def]
    e = broken(explained, "two-numbers")
    assert axiom(e, ELI.number, OWL.maxCardinality)
    assert (ARTICLE5, ELI.number, Literal("5")) in e.triples()


def test_size_classes_are_pairwise_different(explained) -> None:  # type: ignore[no-untyped-def]
    """A size-class rule decides one size class (pk:sizeClass is functional); small is not micro."""
    rule = DOC["gongxinbulianqiye-2011-300/rule/industrial/small"]
    e = broken(explained, "two-size-classes")
    assert axiom(e, PK.sizeClass, OWL.FunctionalProperty)
    assert different(e, SIZE.small, SIZE.micro)
    assert (rule, PK.sizeClass, SIZE.small) in e.triples()


def test_has_part_is_the_inverse_of_is_part_of(explained) -> None:  # type: ignore[no-untyped-def]
    """Article 5 is in chapter 1; saying chapter 2 has it makes it part of two chapters."""
    e = broken(explained, "two-chapters")
    assert axiom(e, ELI.has_part, OWL.inverseOf, ELI.is_part_of)
    assert axiom(e, ELI.is_part_of, OWL.maxCardinality)
    assert different(e, CHAPTER1, CHAPTER2)


def test_part_of_is_transitive(explained) -> None:  # type: ignore[no-untyped-def]
    """46号 put inside article 4 of 300号: its chapters and articles are then inside an article."""
    article4 = DOC["gongxinbulianqiye-2011-300/article/4"]
    e = broken(explained, "inside-an-article")
    assert axiom(e, PK.isPartOfTransitive, OWL.TransitiveProperty)
    assert axiom(e, PK.isPartOfTransitive, OWL.allValuesFrom, PK.Article)  # nothing is inside an article
    assert axiom(e, ELI.is_part_of, RDFS.subPropertyOf) or axiom(e, PK.document, RDFS.subPropertyOf)
    assert article4 in e.individuals()


def test_a_document_has_one_date(explained) -> None:  # type: ignore[no-untyped-def]
    """eli:date_document is functional; the xsd:date values reach HermiT as dates."""
    e = broken(explained, "two-dates")
    assert axiom(e, ELI.date_document, OWL.FunctionalProperty)


# ------------------------------------------------------------------ explanations are minimal, on small inputs

EX = "https://w3id.org/policykg/id/test/"


def _small(turtle: str) -> Graph:
    return Graph().parse(data=f"""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix pk: <https://w3id.org/policykg/ontology#> .
        @prefix ex: <{EX}> .
        {turtle}""", format="turtle")


def test_the_explanation_is_exactly_the_minimal_set() -> None:
    graph = _small("""
        pk:A a owl:Class . pk:B a owl:Class . pk:C a owl:Class . pk:D a owl:Class . pk:E a owl:Class .
        pk:A owl:disjointWith pk:B . pk:C rdfs:subClassOf pk:B . pk:D rdfs:subClassOf pk:A .
        pk:E rdfs:subClassOf pk:D . pk:E owl:disjointWith pk:C .
        ex:x a pk:A , pk:C . ex:y a pk:D . ex:z a pk:E .
        """)
    report = reason(graph)
    assert not report.consistent and report.explanation is not None
    e = report.explanation
    assert e.minimal
    triples = {tr for st in e.statements for tr in st.triples}
    assert triples == {(PK.A, OWL.disjointWith, PK.B), (PK.C, RDFS.subClassOf, PK.B),
                       (URIRef(EX + "x"), RDF.type, PK.A), (URIRef(EX + "x"), RDF.type, PK.C)}
    assert e.individuals() == [URIRef(EX + "x")]
    text = render_text(report)
    assert "INCONSISTENT" in text and "id:test/x a pk:C ." in text and "pk:A owl:disjointWith pk:B ." in text
    assert "id:test/y" not in text


def test_an_inconsistent_ontology_is_explained_without_facts() -> None:
    """No individual is involved: a class that is one individual, and disjoint with everything."""
    graph = _small("""
        pk:A a owl:Class ; owl:equivalentClass [ a owl:Class ; owl:oneOf ( ex:a ) ] .
        pk:B a owl:Class ; owl:disjointWith owl:Thing .
        pk:A rdfs:subClassOf pk:B .
        pk:C a owl:Class ; rdfs:subClassOf pk:B .
        """)
    report = reason(graph)
    assert not report.consistent and report.explanation is not None and report.explanation.minimal
    assert report.explanation.facts() == []
    assert {tr[:2] for st in report.explanation.statements for tr in st.triples[:1]} == {
        (PK.A, OWL.equivalentClass), (PK.B, OWL.disjointWith), (PK.A, RDFS.subClassOf)}


def test_an_unsatisfiable_class_is_reported_and_explained() -> None:
    graph = _small("""
        pk:Benefit a owl:Class . pk:Duty a owl:Class ; owl:disjointWith pk:Benefit .
        pk:Measure a owl:Class . pk:Benefit rdfs:subClassOf pk:Measure .
        pk:Impossible a owl:Class ; rdfs:subClassOf pk:Benefit , pk:Duty .
        """)
    report = reason(graph)
    assert report.consistent is True and not report.ok
    assert report.unsatisfiable == (str(PK.Impossible),)
    (cls, e), = report.explanations
    assert cls == str(PK.Impossible) and e.minimal
    assert {tr for st in e.statements for tr in st.triples} == {
        (PK.Duty, OWL.disjointWith, PK.Benefit), (PK.Impossible, RDFS.subClassOf, PK.Benefit),
        (PK.Impossible, RDFS.subClassOf, PK.Duty)}
    assert check_consistency(graph).inconsistent_classes == (str(PK.Impossible),)


# ------------------------------------------------------------------------------------------------ inferences

def test_entailed_relations_through_inverses_chains_and_transitivity() -> None:
    x, c, d, y, z = (URIRef(EX + n) for n in "x c d y z".split())
    graph = _small("""
        @prefix eli: <http://data.europa.eu/eli/ontology#> .
        eli:is_part_of a owl:ObjectProperty . eli:has_part a owl:ObjectProperty ; owl:inverseOf eli:is_part_of .
        eli:cites a owl:ObjectProperty .
        pk:isPartOfTransitive a owl:ObjectProperty , owl:TransitiveProperty .
        eli:is_part_of rdfs:subPropertyOf pk:isPartOfTransitive .
        pk:hasPartTransitive a owl:ObjectProperty , owl:TransitiveProperty ; owl:inverseOf pk:isPartOfTransitive .
        pk:citesTransitive a owl:ObjectProperty , owl:TransitiveProperty ;
            owl:propertyChainAxiom ( pk:hasPartTransitive pk:citesTransitive ) .
        eli:cites rdfs:subPropertyOf pk:citesTransitive .
        pk:Cited a owl:Class . pk:Citing a owl:Class ;
            owl:equivalentClass [ a owl:Restriction ; owl:onProperty pk:citesTransitive ; owl:someValuesFrom pk:Cited ] .
        ex:x eli:is_part_of ex:c . ex:c eli:is_part_of ex:d . ex:x eli:cites ex:y . ex:y eli:cites ex:z .
        ex:z a pk:Cited .
        """)
    report = reason(graph)
    assert report.ok
    inferred = set(report.inferred)
    expected = {
        (c, ELI.has_part, x), (d, ELI.has_part, c),  # inverse
        (x, PK.isPartOfTransitive, d), (x, PK.isPartOfTransitive, c),  # transitive, and from a sub-property
        (d, PK.hasPartTransitive, x),
        (x, PK.citesTransitive, z), (x, PK.citesTransitive, y),
        (c, PK.citesTransitive, z), (d, PK.citesTransitive, y),  # a whole cites what its parts cite
        (x, RDF.type, PK.Citing), (d, RDF.type, PK.Citing), (y, RDF.type, PK.Citing),  # a defined class
    }
    assert expected <= inferred, expected - inferred
    assert not inferred & set(graph)  # only what the input does not state
    assert (z, RDF.type, PK.Citing) not in inferred


def test_the_build_materialises_the_reasoned_graph(store: EmbeddedStore) -> None:
    """graph/reasoned holds the defined-class memberships, inverse and transitive relations, and nothing
    another graph states already."""
    assert store.manifest.graphs[REASONED_GRAPH] > 500

    def ask(pattern: str) -> bool:
        return bool(store.query(f"""
            PREFIX pk: <{PK}> PREFIX eli: <{ELI}> PREFIX skos: <{SKOS}>
            ASK {{ GRAPH <{REASONED_GRAPH}> {{ {pattern} }} }}"""))

    # 第三条 reserves procurement for small and micro enterprises; 第四条's benefits are for small and micro
    # enterprises and individual businesses
    assert ask(f"<{DOC46}/article/3> a pk:SmallMicroEnterpriseBenefitArticle")
    assert ask(f"<{DOC46}/measure/3-small-micro-reserved-share> a pk:SmallMicroEnterpriseBenefit")
    assert not ask(f"<{DOC46}/article/62> a pk:SmallMicroEnterpriseBenefitArticle")
    # 46号 implements 国发〔2012〕14号, passed by the State Council
    assert ask(f"<{GUOFA}> a pk:NationalDocument . <{DOC46}> a pk:NationalDocumentImplementation")
    assert not ask(f"<{DOC46}> a pk:NationalDocument")
    # inverse, transitive, chain
    assert ask(f"<{PARTY['sme']}> skos:narrower <{PARTY['small-micro-enterprise']}>")
    assert ask(f"<{PARTY['seed-stage-enterprise']}> skos:broaderTransitive <{PARTY['enterprise']}>")
    assert ask(f"<{ARTICLE5}> pk:isPartOfTransitive <{DOC46}>")
    assert ask(f"<{DOC46}> pk:citesTransitive <{DOC['caiku-2011-181']}>")
    assert ask(f"<{ARTICLE5}> pk:sourceOf <{MEASURE}>")
    assert ask(f"<{INDUSTRY['industrial']}> ^skos:hasTopConcept ?scheme")
    # nothing twice
    assert not store.query(f"ASK {{ GRAPH <{REASONED_GRAPH}> {{ ?s ?p ?o }} GRAPH ?g {{ ?s ?p ?o }} "
                           f"FILTER(?g != <{REASONED_GRAPH}>) }}")


def test_report_json_is_plain_data(explained) -> None:  # type: ignore[no-untyped-def]
    import json

    report = explained["benefit-duty"]
    assert isinstance(report, ReasoningReport)
    doc = json.loads(json.dumps(report_json(report, lambda g: "data/x.ttl" if g == "test" else g)))
    assert doc["consistent"] is False and doc["ok"] is False
    statements = doc["explanation"]["statements"]
    assert any(st["sources"] == ["data/x.ttl"] and st["turtle"].endswith("a pk:Duty .") for st in statements)
    assert str(MEASURE) in doc["explanation"]["individuals"]
    assert doc["summary"].startswith("the corpus is inconsistent") and "\n" not in doc["summary"]
    assert "[data/x.ttl]" in doc["summary"]
