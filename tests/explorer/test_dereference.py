"""Every IRI the corpus mints dereferences: HTML for browsers, RDF by content negotiation, 404s that say so."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib

from policykg.explorer.html import candidates, href
from policykg.namespaces import PK, RDF, SKOS

from .conftest import BROWSER, Client

AGENCY = "https://w3id.org/policykg/id/agency/finance-bureau"
ARTICLE = "https://w3id.org/policykg/id/doc/qingzhengfa-2012-46/article/12"


def describe(store: ox.Store, iri: str) -> set[ox.Triple]:
    return set(store.query(f"DESCRIBE <{iri}>", use_default_graph_as_union=True))  # type: ignore[arg-type]


@pytest.mark.parametrize("accept,fmt,parse_as", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json", "json-ld"),
])
def test_content_negotiation_gives_the_concise_bounded_description(client: Client, ox_store: ox.Store, accept: str,
                                                                   fmt: str, parse_as: str) -> None:
    for iri in (AGENCY, ARTICLE):
        r = client.get(href(iri), accept=accept)  # type: ignore[arg-type]
        assert r.status_code == 200
        assert r.headers["content-type"].split(";")[0] == fmt
        assert "accept" in r.headers["vary"].lower()
        g = rdflib.Graph().parse(data=r.content, format=parse_as)
        expected = describe(ox_store, iri)
        assert len(g) == len(expected)  # the same triples, once each
        assert (rdflib.URIRef(iri), rdflib.RDF.type, None) in g
    g = rdflib.Graph().parse(data=client.get(href(AGENCY), accept="text/turtle").content, format="turtle")
    assert (rdflib.URIRef(AGENCY), SKOS.prefLabel, rdflib.Literal("市财政局", lang="zh")) in g


def test_a_browser_gets_html_and_alternates(client: Client) -> None:
    r = client.get(href(AGENCY), accept=BROWSER)  # type: ignore[arg-type]
    assert r.headers["content-type"].startswith("text/html")
    assert 'rel="alternate"' in r.headers["link"] and "text/turtle" in r.headers["link"]
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert client.get(href(AGENCY), accept="*/*").headers["content-type"].startswith("text/html")
    ttl = client.get(href(AGENCY) + "?format=ttl")  # type: ignore[operator]
    assert ttl.headers["content-type"].startswith("text/turtle")
    assert client.get(href(AGENCY) + "?format=jsonld").headers["content-type"] == "application/ld+json"  # type: ignore[operator]
    bad = client.get(href(AGENCY) + "?format=docx", accept="application/json")  # type: ignore[operator]
    assert bad.status_code == 400 and "format" in bad.json()["error"]["message"]


def test_nothing_acceptable_is_406(client: Client) -> None:
    r = client.get(href(AGENCY), accept="image/png")  # type: ignore[arg-type]
    assert r.status_code == 406
    assert r.json()["error"]["code"] == "not-acceptable"


@pytest.mark.parametrize("path", ["/id/agency/no-such-agency", "/id/doc/qingzhengfa-2012-46/article/999",
                                  "/ontology/NoSuchClass", "/graph/data/nothing", "/shapes/eligibility/none"])
def test_unknown_iris_are_404_html_for_browsers_json_for_clients(client: Client, path: str) -> None:
    html = client.get(path, accept=BROWSER)
    assert html.status_code == 404 and html.headers["content-type"].startswith("text/html")
    assert "知识图谱中没有该资源" in html.text and "no resource" in html.text
    for accept in ("application/json", "text/turtle"):
        r = client.get(path, accept=accept)
        assert r.status_code == 404 and r.headers["content-type"] == "application/json"
        error = r.json()["error"]
        assert error["code"] == "not-found" and error["status"] == 404 and error["message_zh"]


def test_hash_iris_dereference(client: Client, ox_store: ox.Store) -> None:
    """https://w3id.org/policykg/ontology#Article → /ontology (the document, with an anchor) and /ontology/Article."""
    assert href(str(PK.Article)) == "/ontology/Article"
    assert str(PK.Article) in candidates("/ontology/Article")
    page = client.get("/ontology")
    assert page.status_code == 200 and 'id="Article"' in page.text and 'id="sourceArticle"' in page.text
    ttl = rdflib.Graph().parse(data=client.get("/ontology", accept="text/turtle").content, format="turtle")
    assert (rdflib.URIRef(str(PK.Article)), RDF.type, rdflib.OWL.Class) in ttl
    assert (rdflib.URIRef(str(PK.sourceArticle)), RDF.type, None) in ttl
    term = client.get("/ontology/Article")
    assert term.status_code == 200 and "/id/doc/qingzhengfa-2012-46/article/5" in term.text  # its instances
    shape = "https://w3id.org/policykg/shapes/eligibility#9-tech-services-business-tax-exemption"
    assert client.get(href(shape)).status_code == 200  # type: ignore[arg-type]
    g = rdflib.Graph().parse(data=client.get(href(shape), accept="application/n-triples").content, format="nt")  # type: ignore[arg-type]
    assert len(g) == len(describe(ox_store, shape))


def test_named_graphs_dereference(client: Client, ox_store: ox.Store) -> None:
    graph = "https://w3id.org/policykg/graph/data/agencies"
    page = client.get("/graph/data/agencies")
    assert page.status_code == 200 and href(AGENCY) in page.text
    g = rdflib.Graph().parse(data=client.get("/graph/data/agencies", accept="text/turtle").content, format="turtle")
    count = next(iter(ox_store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")))
    assert len(g) == int(count["n"].value)  # type: ignore[index]


def test_json_ld_is_json(client: Client) -> None:
    data = json.loads(client.get(href(ARTICLE), accept="application/ld+json").content)  # type: ignore[arg-type]
    assert data
