"""Integrity shapes (shapes/corpus.ttl): the shipped corpus conforms, and each shape catches its defect.

Each test mutates the built corpus in one way and checks that exactly the shape written for that
defect reports it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS, XSD

from policykg.namespaces import AGENCY, DOC, ELI, PK
from policykg.shapes import ValidationReport, data_graph, load_shapes, validate
from policykg.store import EmbeddedStore

SHAPES_NS = "https://w3id.org/policykg/shapes/corpus#"
DOC46 = DOC["qingzhengfa-2012-46"]
ART5 = URIRef(f"{DOC46}/article/5")
ART30 = URIRef(f"{DOC46}/article/30")
ART31 = URIRef(f"{DOC46}/article/31")
MEASURE5 = URIRef(f"{DOC46}/measure/5-half-income")  # a benefit with figures and a validity end


@pytest.fixture(scope="module")
def corpus(store: EmbeddedStore) -> Graph:
    return data_graph(store)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes("corpus")


def test_shipped_corpus_conforms(corpus: Graph, shapes: Graph) -> None:
    report = validate(corpus, shapes)
    assert report.conforms, "\n".join(f"{r.shape} {r.focus} {r.message}" for r in report.results[:10])


def _quantity(g: Graph) -> URIRef:
    return next(iter(sorted(g.objects(MEASURE5, PK.hasQuantity))))


def _drop(*triples: tuple) -> Callable[[Graph], None]:  # type: ignore[type-arg]
    def mutate(g: Graph) -> None:
        for t in triples:
            g.remove(t)
    return mutate


def _remove_article_30(g: Graph) -> None:
    for t in list(g.triples((ART30, None, None))):
        g.remove(t)
    for t in list(g.triples((None, None, ART30))):
        g.remove(t)


def _duplicate_number(g: Graph) -> None:
    g.set((ART31, ELI.number, Literal("30")))


def _only_generic_kind(g: Graph) -> None:
    for t in list(g.triples((MEASURE5, RDF.type, None))):
        g.remove(t)
    g.add((MEASURE5, RDF.type, PK.Benefit))
    g.add((MEASURE5, RDF.type, PK.Measure))


def _quantity_without_unit(g: Graph) -> None:
    g.remove((_quantity(g), PK.unit, None))


def _validity_disordered(g: Graph) -> None:
    g.add((MEASURE5, PK.validFrom, Literal("2016-01-01", datatype=XSD.date)))


def _validity_not_a_date(g: Graph) -> None:
    g.set((MEASURE5, PK.validUntil, Literal("2015年底")))


def _drop_lang(g: Graph, s: URIRef, p: URIRef, lang: str) -> None:
    for o in list(g.objects(s, p)):
        if getattr(o, "language", None) == lang:
            g.remove((s, p, o))


def _dangling_citation(g: Graph) -> None:
    g.add((ART5, ELI.cites, DOC["nowhere-2099-1"]))


MUTATIONS: dict[str, tuple[Callable[[Graph], None], str]] = {
    "article without number": (_drop((ART5, ELI.number, None)), "ArticleNumber"),
    "article number not Arabic": (lambda g: g.set((ART5, ELI.number, Literal("五"))), "ArticleNumber"),
    "article without document": (_drop((ART5, PK.document, None)), "ArticleDocument"),
    "article without ordinal": (_drop((ART5, PK.ordinal, None)), "ArticleOrdinal"),
    "article without text": (_drop((ART5, PK.text, None)), "ArticleTextShape"),
    "article text not tagged": (lambda g: g.set((ART5, PK.text, Literal("x"))), "ArticleTextValue"),
    "quantity value not decimal": (lambda g: g.set((_quantity(g), PK.value, Literal("三十"))), "QuantityValue"),
    "quantity without role": (lambda g: g.remove((_quantity(g), PK.role, None)), "QuantityRole"),
    "agency without zh label": (lambda g: _drop_lang(g, AGENCY["finance-bureau"], SKOS.prefLabel, "zh"),
                                "AgencyZhLabel"),
    "numbering gap": (_remove_article_30, "ContiguousNumbering"),
    "numbering repeat": (_duplicate_number, "ContiguousNumbering"),
    "measure without en label": (lambda g: _drop_lang(g, MEASURE5, RDFS.label, "en"), "MeasureShape"),
    "measure without source": (_drop((MEASURE5, PK.sourceArticle, None)), "MeasureShape"),
    "measure without specific kind": (_only_generic_kind, "MeasureKindShape"),
    "benefit without beneficiary": (_drop((MEASURE5, PK.beneficiary, None)), "BenefitShape"),
    "quantity without unit": (_quantity_without_unit, "QuantityShape"),
    "validity disordered": (_validity_disordered, "ValidFrom"),
    "validity not a date": (_validity_not_a_date, "ValidUntil"),
    "cited document missing": (_dangling_citation, "CitedDocumentShape"),
    "document with two dates": (lambda g: g.add((DOC46, ELI.date_document, Literal("2012-11-09", datatype=XSD.date))),
                                "DocumentShape"),
    "agency without en label": (lambda g: _drop_lang(g, AGENCY["finance-bureau"], SKOS.prefLabel, "en"),
                                "AgencyShape"),
}


def _shapes_hit(report: ValidationReport, shapes: Graph) -> set[str]:
    """Names of the shapes reporting, each with the node shape holding it (every shape has an IRI)."""
    out = set()
    for r in report.results:
        shape = URIRef(r.shape)
        for s in (shape, *shapes.subjects(SH.property, shape)):
            if str(s).startswith(SHAPES_NS):
                out.add(str(s)[len(SHAPES_NS):])
    return out


@pytest.mark.parametrize("case", list(MUTATIONS), ids=list(MUTATIONS))
def test_each_shape_catches_its_defect(case: str, corpus: Graph, shapes: Graph) -> None:
    mutate, expected = MUTATIONS[case]
    g = Graph()
    g += corpus
    mutate(g)
    report = validate(g, shapes)
    assert not report.conforms
    hit = _shapes_hit(report, shapes)
    assert expected in hit, hit
    assert all(r.message for r in report.results), "every result carries a message"
