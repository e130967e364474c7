"""No XSS from the data: labels, texts and IRIs with markup are escaped; only http(s) IRIs become links."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from policykg.namespaces import ELI, GRAPH, ORG, PK, RDF, SKOS

from .conftest import Client, make_client

SCRIPT = "<script>alert('x')</script>"
AGENCY = ox.NamedNode("https://w3id.org/policykg/id/agency/finance-bureau")
ARTICLE = ox.NamedNode("https://w3id.org/policykg/id/doc/qingzhengfa-2012-46/article/12")
EVIL = ox.NamedNode("https://w3id.org/policykg/id/agency/evil'onmouseover=alert(1)&x")


@pytest.fixture(scope="module")
def hostile(ox_store: ox.Store) -> Iterator[Client]:
    """A copy of the store with markup in labels, texts, an attribute-breaking IRI and a javascript: link."""
    store = ox.Store()
    store.bulk_load(ox_store.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
    g = ox.NamedNode(str(GRAPH) + "data/hostile")

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        store.add(ox.Quad(s, ox.NamedNode(p), o, g))

    add(AGENCY, str(SKOS.prefLabel), ox.Literal(SCRIPT, language="zh"))
    add(AGENCY, str(SKOS.exactMatch), ox.NamedNode("javascript:alert(1)"))
    add(ARTICLE, str(PK.text), ox.Literal("<img src=x onerror=alert(2)>", language="zh"))
    add(ARTICLE, str(ELI.responsibility_of_agent), EVIL)
    add(EVIL, str(RDF.type), ox.NamedNode(str(ORG.Organization)))
    add(EVIL, str(SKOS.prefLabel), ox.Literal('"><b>bold</b>', language="en"))
    c, _ = make_client(store)
    yield c
    c.close()


@pytest.mark.parametrize("path", ["/", "/agencies", "/id/agency/finance-bureau", "/id/doc/qingzhengfa-2012-46/article/12",
                                  "/id/doc/qingzhengfa-2012-46", "/network", "/search?q=alert",
                                  "/queries/agencies/workload"])
def test_markup_in_the_data_is_escaped(hostile: Client, path: str) -> None:
    r = hostile.get(path)
    assert r.status_code == 200
    body = r.text
    assert SCRIPT not in body and "<img src=x" not in body and "<b>bold</b>" not in body
    assert 'href="javascript:' not in body.lower()
    assert "evil'onmouseover" not in body  # the IRI's quote is escaped wherever it is written


def test_escaped_values_are_still_shown(hostile: Client) -> None:
    body = hostile.get("/id/agency/finance-bureau").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body
    assert "javascript:alert(1)" in body  # shown as text, not as a link
    article = hostile.get("/id/doc/qingzhengfa-2012-46/article/12").text
    assert "&lt;img src=x onerror=alert(2)&gt;" in article
    assert "&#34;&gt;&lt;b&gt;bold&lt;/b&gt;" in article
    network = hostile.get("/network").text  # JSON in a script element cannot end it
    data = network.split('<script type="application/json" id="network-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data
