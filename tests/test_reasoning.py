"""HermiT (through owlready2) finds the shipped ontology and data consistent, and the check can fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from policykg.errors import OntologyError
from policykg.namespaces import DOC, PK
from policykg.reasoning import ConsistencyReport, check_consistency

from .data import ROOT

pytestmark = pytest.mark.reasoner


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


def _with(corpus: Graph, *triples: tuple[URIRef, URIRef, object]) -> Graph:
    graph = Graph()
    for triple in corpus:
        graph.add(triple)
    for triple in triples:
        graph.add(triple)  # type: ignore[arg-type]
    return graph


def test_ontology_and_data_are_consistent() -> None:
    report = check_consistency(_sources())
    assert isinstance(report, ConsistencyReport)
    assert report.consistent, report
    assert report.inconsistent_classes == ()
    assert "HermiT" in report.reasoner
    assert report.seconds < 60


def test_a_benefit_that_is_also_a_duty_is_inconsistent(corpus: Graph) -> None:
    bad = URIRef(f"{DOC['qingzhengfa-2012-46']}/measure/0-test-both")
    report = check_consistency(_with(corpus, (bad, RDF.type, PK.Benefit), (bad, RDF.type, PK.Duty)))
    assert report.consistent is False


def test_a_second_document_date_is_inconsistent(corpus: Graph) -> None:
    """eli:date_document is functional; the xsd:date values reach HermiT as dates."""
    caiku = DOC["caiku-2011-181"]
    date = URIRef("http://data.europa.eu/eli/ontology#date_document")
    report = check_consistency(_with(corpus, (caiku, date, Literal("2011-12-30", datatype=XSD.date))))
    assert report.consistent is False


def test_a_value_that_is_not_a_number_is_inconsistent(corpus: Graph) -> None:
    quantity = URIRef(f"{DOC['caiku-2011-181']}/measure/price-deduction/minimum-deduction")
    report = check_consistency(_with(corpus, (quantity, PK.value, Literal("six"))))
    assert report.consistent is False


def test_an_unsatisfiable_class_is_reported() -> None:
    graph = Graph().parse(data="""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix pk: <https://w3id.org/policykg/ontology#> .
        pk:Benefit a owl:Class . pk:Duty a owl:Class ; owl:disjointWith pk:Benefit .
        pk:Impossible a owl:Class ; rdfs:subClassOf pk:Benefit , pk:Duty .
        """, format="turtle")
    report = check_consistency(graph)
    assert report.consistent is True
    assert report.inconsistent_classes == (str(PK.Impossible),)


def test_durations_are_accepted(corpus: Graph) -> None:
    """xsd:duration is outside the OWL 2 datatype map; the boundary maps it for HermiT."""
    mention = URIRef(f"{DOC['qingzhengfa-2012-46']}/article/16/temporal/1")
    report = check_consistency(_with(
        corpus,
        (mention, RDF.type, PK.TemporalMention),
        (mention, PK.duration, Literal("P3M", datatype=XSD.duration)),
    ))
    assert report.consistent is True


def test_unparseable_input_is_an_ontology_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle .", encoding="utf-8")
    with pytest.raises(OntologyError) as info:
        check_consistency([broken])
    assert "\n" not in str(info.value)


def test_the_whole_built_store_is_consistent(store) -> None:  # type: ignore[no-untyped-def]
    """Ontology + curated data + the ingested text + the size standard + inferences, as built."""
    from policykg.shapes import data_graph

    report = check_consistency(data_graph(store))
    assert report.consistent, report
