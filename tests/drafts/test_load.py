"""Reading drafts: the draft's own IRIs never coincide with the corpus's; Turtle parts reach their document."""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef

from policykg.drafts import load_draft
from policykg.namespaces import DOC, DRAFT, ELI, PK
from tests.data import FIXTURES, SOURCE_46

DRAFTS = FIXTURES / "drafts"


def test_a_draft_with_a_corpus_number_gets_draft_iris_and_cites_the_corpus() -> None:
    draft = load_draft(DRAFTS / "structure-empty.txt")  # 编号 青政发〔2012〕19号, a corpus document's number
    assert draft.document_number == "青政发〔2012〕19号"
    assert draft.iri.startswith(str(DRAFT))
    own = {str(s) for s in draft.graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(DOC))}
    assert own == set(), "the draft's own resources must not use corpus IRIs"
    assert all(a.iri.startswith(draft.iri + "/article/") for a in draft.articles)


def test_46_read_as_a_draft_is_renamed_whole_but_keeps_its_citations() -> None:
    draft = load_draft(SOURCE_46)
    corpus_46 = URIRef(str(DOC["qingzhengfa-2012-46"]))
    assert (corpus_46, None, None) not in draft.graph and (None, None, corpus_46) not in draft.graph
    cited = {str(o) for o in draft.graph.objects(None, ELI.cites)}
    assert str(DOC["guofa-2012-14"]) in cited
    assert len(draft.articles) == 62 and draft.date is not None


def test_the_same_text_gets_the_same_iris(tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_bytes((DRAFTS / "clean-services.txt").read_bytes())
    assert load_draft(copy).iri == load_draft(DRAFTS / "clean-services.txt").iri


def test_turtle_parts_linked_by_is_part_of_reach_their_document(tmp_path: Path) -> None:
    path = tmp_path / "parts.ttl"
    path.write_text("""@prefix pk: <https://w3id.org/policykg/ontology#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
<urn:x:d> a pk:PolicyDocument ; eli:title "关于测试的意见"@zh .
<urn:x:c1> a pk:Chapter ; eli:number "1" ; eli:is_part_of <urn:x:d> .
<urn:x:a1> a pk:Article ; eli:number "1" ; pk:text "甲乙丙丁。"@zh ; eli:is_part_of <urn:x:c1> .
""", encoding="utf-8")
    draft = load_draft(path)
    assert [a.number for a in draft.articles] == ["1"]
    assert (URIRef("urn:x:a1"), PK.document, URIRef("urn:x:d")) in draft.graph
    assert path.read_text(encoding="utf-8").count("pk:document") == 0  # the file is not touched
