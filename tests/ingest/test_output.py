"""to_graph and to_json: Turtle that parses back, the vocabulary of docs/ontology.md, stable JSON."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.namespace import XSD as _XSD

from policykg.ingest import IngestedDocument, Registry, ingest_file, to_graph, to_json
from policykg.namespaces import AGENCY, DOC, ELI, PK, TEMPORAL, UNIT
from tests.data import DOC_46


def _reparsed(doc: IngestedDocument) -> Graph:
    g = Graph()
    g.parse(data=to_graph(doc).serialize(format="turtle"), format="turtle")
    return g


def test_turtle_round_trip_has_62_articles(doc46: IngestedDocument) -> None:
    g = _reparsed(doc46)
    assert len(set(g.subjects(RDF.type, PK.Article))) == 62
    assert len(set(g.subjects(RDF.type, PK.Chapter))) == 8
    assert len(g) == len(to_graph(doc46))


def test_document_triples(doc46: IngestedDocument) -> None:
    g = to_graph(doc46)
    d = URIRef(DOC_46)
    assert (d, RDF.type, ELI.LegalResource) in g and (d, RDF.type, PK.PolicyDocument) in g
    assert g.value(d, ELI.id_local) == Literal("青政发〔2012〕46号")
    assert g.value(d, ELI.date_document) == Literal("2012-11-08", datatype=_XSD.date)
    assert g.value(d, PK.gazetteIssue) == Literal("2012年第19期")
    assert g.value(d, PK.gazetteCumulativeIssue) == Literal(260, datatype=_XSD.integer)
    assert g.value(d, PK.entryIntoForceText) == Literal("本意见自发布之日起实施", lang="zh")
    assert g.value(d, ELI.transposes) == DOC["guofa-2012-14"]
    assert set(g.objects(d, ELI.cites)) == {DOC["guofa-2012-14"]}
    assert len(set(g.objects(d, ELI.has_part))) == 8


def test_chapter_and_article_triples(doc46: IngestedDocument) -> None:
    g = to_graph(doc46)
    chapter = URIRef(DOC_46 + "/chapter/3")
    assert g.value(chapter, ELI.title) == Literal("加大对小微企业融资支持力度", lang="zh")
    assert g.value(chapter, PK.numberLabel) == Literal("三、")
    assert g.value(chapter, PK.ordinal) == Literal(3, datatype=_XSD.integer)
    article = URIRef(DOC_46 + "/article/25")
    assert g.value(article, ELI.is_part_of) == chapter
    assert (chapter, ELI.has_part, article) in g
    assert g.value(article, PK.document) == URIRef(DOC_46)
    assert g.value(article, ELI.number) == Literal("25")
    assert g.value(article, PK.numberLabel) == Literal("(二十五)")
    assert g.value(article, PK.sourceLine) == Literal(55, datatype=_XSD.integer)
    assert set(g.objects(article, ELI.responsibility_of_agent)) == {AGENCY["district-governments"]}
    assert g.value(article, PK.othersShareResponsibility) == Literal(True)
    assert g.value(article, PK.responsibilityText) == Literal("各区市政府、各相关部门负责", lang="zh")
    assert g.value(article, PK.text).language == "zh"  # type: ignore[union-attr]
    assert g.value(URIRef(DOC_46 + "/article/62"), ELI.responsibility_of_agent) is None


def test_no_labels_for_agencies_and_known_documents(doc46: IngestedDocument) -> None:
    g = to_graph(doc46)
    assert not [s for s in g.subjects() if str(s).startswith(str(AGENCY))]
    assert g.value(DOC["caiku-2011-181"], ELI.title) is None
    assert (DOC["caiku-2011-181"], RDF.type, ELI.LegalResource) in g
    assert (DOC["caiku-2011-181"], RDF.type, PK.UnresolvedDocument) not in g


def test_mentions(doc46: IngestedDocument) -> None:
    g = to_graph(doc46)
    q = URIRef(DOC_46 + "/article/24/quantity/4")
    assert (q, RDF.type, PK.QuantityMention) in g
    assert g.value(q, PK.value) == Literal("300", datatype=_XSD.decimal)
    assert g.value(q, PK.unit) == UNIT["ten-thousand-yuan"]
    assert g.value(q, PK.baseValue) == Literal("3000000", datatype=_XSD.decimal)
    assert g.value(q, PK.baseUnit) == UNIT["yuan"]
    assert g.value(q, PK.surfaceText) == Literal("300万元", lang="zh")
    assert g.value(q, PK.sourceArticle) == URIRef(DOC_46 + "/article/24")
    t = URIRef(DOC_46 + "/article/15/temporal/1")
    assert g.value(t, PK.temporalKind) == TEMPORAL["from"]
    assert g.value(t, PK.date) == Literal("2012-07-01", datatype=_XSD.date)
    w = URIRef(DOC_46 + "/article/16/temporal/1")
    assert g.value(w, PK.duration) == Literal("P7D", datatype=_XSD.duration)
    assert g.value(w, PK.unit) == UNIT["working-day"]


def test_unresolved_things(texts: Path, registry: Registry) -> None:
    doc = ingest_file(texts / "draft_arabic_numbering.txt", registry=registry)
    g = _reparsed(doc)
    cited = DOC["luzhengfa-2013-7"]
    assert (cited, RDF.type, PK.UnresolvedDocument) in g
    assert g.value(cited, ELI.id_local) == Literal("鲁政发〔2013〕7号")
    assert g.value(cited, ELI.title) == Literal("山东省人民政府关于进一步扶持小微企业发展的意见", lang="zh")
    first = URIRef(doc.iri + "/article/1")
    assert g.value(first, PK.unresolvedAgencyName) == Literal("市经信委", lang="zh")
    assert set(g.objects(first, ELI.responsibility_of_agent)) == {AGENCY["finance-bureau"]}
    # without chapters, articles are parts of the document itself
    assert g.value(first, ELI.is_part_of) == URIRef(doc.iri)


def test_json_is_plain_and_stable(doc46: IngestedDocument, registry: Registry) -> None:
    data = to_json(doc46)
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    again = ingest_file(Path(doc46.source), registry=registry)
    assert json.dumps(to_json(again), ensure_ascii=False) == text
    assert data["id_local"] == "青政发〔2012〕46号"
    assert data["date_document"] == "2012-11-08"
    assert len(data["articles"]) == 62
    a24 = data["articles"][23]
    assert a24["quantities"][3]["base_value"] == 3000000
    assert a24["quantities"][0]["value"] == 1.5
    assert list(data)[:3] == ["iri", "source", "title"]
    assert data["articles"][14]["temporals"][0]["kind"] == "from"
