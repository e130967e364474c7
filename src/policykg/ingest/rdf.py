"""An :class:`IngestedDocument` as RDF, in the vocabulary of docs/ontology.md.

Agencies and known documents get no labels here: their labels live in the registry graphs
(data/agencies.ttl, data/documents.ttl). Cited documents the registry does not know are typed
``pk:UnresolvedDocument`` and carry the number and title as quoted.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from ..namespaces import ELI, PK, PREFIXES, TEMPORAL, UNIT
from .iris import quantity_iri, temporal_iri
from .model import Article, Chapter, Citation, IngestedDocument, QuantityMention, TemporalMention


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def _citation(g: Graph, citation: Citation) -> URIRef:
    node = URIRef(citation.iri)
    g.add((node, RDF.type, ELI.LegalResource))
    if not citation.resolved:
        g.add((node, RDF.type, PK.UnresolvedDocument))
        if citation.id_local is not None:
            g.add((node, ELI.id_local, Literal(citation.id_local)))
        if citation.title is not None:
            g.add((node, ELI.title, _zh(citation.title)))
    return node


def _document(g: Graph, doc: IngestedDocument) -> URIRef:
    node = URIRef(doc.iri)
    g.add((node, RDF.type, ELI.LegalResource))
    g.add((node, RDF.type, PK.PolicyDocument))
    g.add((node, ELI.title, _zh(doc.title)))
    optional = (
        (ELI.id_local, Literal(doc.id_local) if doc.id_local else None),
        (ELI.date_document, Literal(doc.date_document, datatype=XSD.date) if doc.date_document else None),
        (PK.gazetteIssue, Literal(doc.gazette_issue) if doc.gazette_issue else None),
        (
            PK.gazetteCumulativeIssue,
            Literal(doc.gazette_cumulative_issue, datatype=XSD.integer) if doc.gazette_cumulative_issue is not None else None,
        ),
        (PK.addressee, _zh(doc.addressee) if doc.addressee else None),
        (PK.entryIntoForceText, _zh(doc.entry_into_force_text) if doc.entry_into_force_text else None),
        (
            ELI.first_date_entry_in_force,
            Literal(doc.first_date_entry_in_force, datatype=XSD.date) if doc.first_date_entry_in_force else None,
        ),
        (
            ELI.date_no_longer_in_force,
            Literal(doc.date_no_longer_in_force, datatype=XSD.date) if doc.date_no_longer_in_force else None,
        ),
        (ELI.passed_by, URIRef(doc.passed_by) if doc.passed_by else None),
    )
    for predicate, value in optional:
        if value is not None:
            g.add((node, predicate, value))
    for citation in doc.citations:
        g.add((node, ELI.cites, _citation(g, citation)))
    for iri in doc.transposes:
        g.add((node, ELI.transposes, URIRef(iri)))
    return node


def _chapter(g: Graph, chapter: Chapter, doc: URIRef) -> URIRef:
    node = URIRef(chapter.iri)
    g.add((node, RDF.type, PK.Chapter))
    g.add((node, ELI.number, Literal(chapter.number)))
    g.add((node, PK.numberLabel, Literal(chapter.number_label)))
    g.add((node, PK.ordinal, Literal(chapter.ordinal, datatype=XSD.integer)))
    if chapter.title:
        g.add((node, ELI.title, _zh(chapter.title)))
    g.add((node, ELI.is_part_of, doc))
    g.add((doc, ELI.has_part, node))
    g.add((node, PK.document, doc))
    g.add((node, PK.sourceLine, Literal(chapter.source_line, datatype=XSD.integer)))
    return node


def _quantity(g: Graph, q: QuantityMention, article: URIRef) -> None:
    node = URIRef(quantity_iri(str(article), q.ordinal))
    g.add((node, RDF.type, PK.QuantityMention))
    g.add((node, PK.value, Literal(q.value, datatype=XSD.decimal)))
    g.add((node, PK.unit, UNIT[q.unit]))
    g.add((node, PK.baseValue, Literal(q.base_value, datatype=XSD.decimal)))
    g.add((node, PK.baseUnit, UNIT[q.base_unit]))
    g.add((node, PK.surfaceText, _zh(q.surface_text)))
    g.add((node, PK.context, _zh(q.context)))
    g.add((node, PK.sourceArticle, article))
    g.add((node, PK.ordinal, Literal(q.ordinal, datatype=XSD.integer)))


def _temporal(g: Graph, t: TemporalMention, article: URIRef) -> None:
    node = URIRef(temporal_iri(str(article), t.ordinal))
    g.add((node, RDF.type, PK.TemporalMention))
    g.add((node, PK.temporalKind, TEMPORAL[t.kind.value]))
    if t.date is not None:
        g.add((node, PK.date, Literal(t.date, datatype=XSD.date)))
    if t.duration is not None:
        g.add((node, PK.duration, Literal(t.duration, datatype=XSD.duration)))
    if t.duration_unit is not None:
        g.add((node, PK.unit, UNIT[t.duration_unit]))
    g.add((node, PK.surfaceText, _zh(t.surface_text)))
    g.add((node, PK.context, _zh(t.context)))
    g.add((node, PK.sourceArticle, article))
    g.add((node, PK.ordinal, Literal(t.ordinal, datatype=XSD.integer)))


def _article(g: Graph, article: Article, parent: URIRef, doc: URIRef) -> None:
    node = URIRef(article.iri)
    g.add((node, RDF.type, PK.Article))
    g.add((node, ELI.number, Literal(article.number)))
    g.add((node, PK.numberLabel, Literal(article.number_label)))
    g.add((node, PK.ordinal, Literal(article.ordinal, datatype=XSD.integer)))
    g.add((node, PK.text, _zh(article.text)))
    g.add((node, ELI.is_part_of, parent))
    g.add((parent, ELI.has_part, node))
    g.add((node, PK.document, doc))
    g.add((node, PK.sourceLine, Literal(article.source_line, datatype=XSD.integer)))
    if article.responsibility is not None:
        r = article.responsibility
        g.add((node, PK.responsibilityText, _zh(r.text)))
        g.add((node, PK.othersShareResponsibility, Literal(r.others_share, datatype=XSD.boolean)))
        for agency in r.agencies:
            g.add((node, ELI.responsibility_of_agent, URIRef(agency)))
        for unknown in r.unresolved:
            g.add((node, PK.unresolvedAgencyName, _zh(unknown.name)))
    for citation in article.citations:
        g.add((node, ELI.cites, _citation(g, citation)))
    for q in article.quantities:
        _quantity(g, q, node)
    for t in article.temporals:
        _temporal(g, t, node)


def to_graph(doc: IngestedDocument) -> Graph:
    """The RDF of an ingested document: document, chapters, articles, mentions, cited documents.

    Raises:
        Nothing.
    """
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    root = _document(g, doc)
    chapters = {c.number: _chapter(g, c, root) for c in doc.chapters}
    for article in doc.articles:
        parent = chapters.get(article.chapter, root) if article.chapter is not None else root
        _article(g, article, parent, root)
    return g
