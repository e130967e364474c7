"""Real SPARQL clients against the real server process: SPARQLWrapper (every result format), rdflib's
SPARQLStore, and the whole named-query library through the endpoint, compared with the embedded store."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from policykg.queries import QueryRegistry, run
from policykg.results import QueryResult
from policykg.store import EmbeddedStore

from ..test_queries import SAMPLE
from .conftest import Server

PREFIXES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX pk: <https://w3id.org/policykg/ontology#>
"""
#: labels in two languages, typed numbers and IRIs: every kind of term a client has to read
SELECT = PREFIXES + """SELECT ?article ?number ?label ?ordinal WHERE {
  ?article eli:number ?number ; pk:ordinal ?ordinal .
  OPTIONAL { ?article skos:prefLabel ?label }
} ORDER BY ?article LIMIT 40"""
CONSTRUCT = PREFIXES + """CONSTRUCT { ?a skos:prefLabel ?l ; eli:number ?n ; pk:ordinal ?o } WHERE {
  ?a eli:number ?n ; pk:ordinal ?o OPTIONAL { ?a skos:prefLabel ?l } } LIMIT 200"""
ASK = PREFIXES + "ASK { ?a eli:number \"5\" }"


def _lexical(term: Any) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term.value)


def embedded_rows(store: EmbeddedStore, query: str) -> list[tuple[str | None, ...]]:
    result = store.query(query)
    names = [v.value for v in result.variables]
    return [tuple(_lexical(s[n]) for n in names) for s in result]


def test_sparqlwrapper_select_in_every_format(server: Server, store: EmbeddedStore) -> None:
    expected = embedded_rows(store, SELECT)
    assert len(expected) == 40
    for fmt in (JSON, XML, CSV, TSV):
        w = SPARQLWrapper(server.sparql)
        w.setQuery(SELECT)
        w.setReturnFormat(fmt)
        result = w.query()
        converted = result.convert()
        if fmt == JSON:
            assert result.info()["content-type"].startswith("application/sparql-results+json")
            names = converted["head"]["vars"]
            rows = [tuple(b[n]["value"] if n in b else None for n in names) for b in converted["results"]["bindings"]]
            # terms keep their types, datatypes and language tags
            ordinal = converted["results"]["bindings"][0]["ordinal"]
            assert ordinal["datatype"].endswith("#integer")
        elif fmt == XML:
            names = [v.getAttribute("name") for v in converted.getElementsByTagName("variable")]
            rows = []
            for r in converted.getElementsByTagName("result"):
                values = {b.getAttribute("name"): b.firstChild.firstChild.data  # type: ignore[union-attr]
                          for b in r.getElementsByTagName("binding")}
                rows.append(tuple(values.get(n) for n in names))
        elif fmt == CSV:
            table = list(csv.reader(io.StringIO(converted.decode("utf-8"))))
            names = table[0]
            rows = [tuple(v or None for v in row) for row in table[1:]]
        else:
            parsed = ox.parse_query_results(converted, format=ox.QueryResultsFormat.TSV)
            names = [v.value for v in parsed.variables]
            rows = [tuple(_lexical(s[n]) for n in names) for s in parsed]
        assert names == ["article", "number", "label", "ordinal"], fmt
        assert rows == expected, fmt


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(server: Server, fmt: str) -> None:
    w = SPARQLWrapper(server.sparql)
    w.setQuery(ASK)
    w.setReturnFormat(fmt)
    converted = w.query().convert()
    value = converted["boolean"] if fmt == JSON else converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    assert value is True


def _embedded_graph(store: EmbeddedStore, query: str) -> Graph:
    nt = ox.serialize(store.query(query), format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=nt, format="nt")


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, XML, JSONLD])
def test_sparqlwrapper_construct_in_every_format(server: Server, store: EmbeddedStore, fmt: str) -> None:
    expected = _embedded_graph(store, CONSTRUCT)
    assert len(expected) > 100
    w = SPARQLWrapper(server.sparql)
    w.setQuery(CONSTRUCT)
    w.setReturnFormat(fmt)
    result = w.query()
    converted = result.convert()
    if isinstance(converted, bytes):  # TURTLE / N3: the text as sent
        ctype = result.info()["content-type"].split(";")[0]
        converted = Graph().parse(data=converted, format={"text/turtle": "turtle",
                                                          "application/n-triples": "nt"}[ctype])
    assert isomorphic(converted, expected), fmt


def test_sparqlwrapper_describe(server: Server, store: EmbeddedStore) -> None:
    query = PREFIXES + "DESCRIBE ?a WHERE { ?a eli:number \"5\" ; pk:ordinal ?o } ORDER BY ?a LIMIT 1"
    w = SPARQLWrapper(server.sparql)
    w.setQuery(query)
    w.setReturnFormat(TURTLE)
    got = Graph().parse(data=w.query().convert(), format="turtle")
    assert len(got) > 3 and isomorphic(got, _embedded_graph(store, query))


def test_sparqlwrapper_post(server: Server, store: EmbeddedStore) -> None:
    from SPARQLWrapper import POST, POSTDIRECTLY, URLENCODED

    for request_method in (URLENCODED, POSTDIRECTLY):
        w = SPARQLWrapper(server.sparql)
        w.setMethod(POST)
        w.setRequestMethod(request_method)
        w.setQuery(SELECT)
        w.setReturnFormat(JSON)
        bindings = w.query().convert()["results"]["bindings"]
        assert [b["article"]["value"] for b in bindings] == [r[0] for r in embedded_rows(store, SELECT)]


def _rdflib_term(term: Any) -> Any:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value.endswith("#string"):  # rdflib reads simple literals without a datatype
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("return_format", ["xml", "json"])
def test_rdflib_sparqlstore(server: Server, store: EmbeddedStore, method: str, return_format: str) -> None:
    sparql_store = SPARQLStore(server.sparql, method=method, returnFormat=return_format)
    g = Graph(store=sparql_store)
    rows = [tuple(row) for row in g.query(SELECT)]
    result = store.query(SELECT)
    names = [v.value for v in result.variables]
    expected = [tuple(_rdflib_term(s[n]) if s[n] is not None else None for n in names) for s in result]
    assert rows == expected
    assert g.query(ASK).askAnswer is True
    if return_format == "xml":
        # rdflib asks "application/sparql-results+xml, application/rdf+xml": a CONSTRUCT answers RDF/XML
        # (with "json" it accepts SPARQL JSON results only, which a graph cannot be: 406, as it should)
        assert isomorphic(g.query(CONSTRUCT).graph, _embedded_graph(store, CONSTRUCT))
    # triple patterns (what rdflib sends for g.triples): one article's statements
    article = URIRef(expected[0][0])
    got = set(g.triples((article, None, None)))
    want = {(article, _rdflib_term(q.predicate), _rdflib_term(q.object))
            for q in store.ox.quads_for_pattern(ox.NamedNode(str(article)), None, None)}
    assert got == want and len(got) > 3


LIBRARY = list(QueryRegistry())


def _normal(result: QueryResult) -> Any:
    if result.kind == "ask":
        return result.boolean
    if result.kind == "graph":
        return Counter(str(t) for t in result.triples)
    return [tuple(_lexical(row.get(v)) for v in result.variables) for row in result.rows]


@pytest.mark.parametrize("query", LIBRARY, ids=[q.id for q in LIBRARY])
def test_named_query_library_through_the_endpoint(server: Server, store: EmbeddedStore, query: Any) -> None:
    """Every named query, with its sample parameters, gives the embedded store's answer over HTTP
    (through :class:`policykg.remote.RemoteStore`, which speaks the protocol with SPARQLWrapper)."""
    from policykg.remote import RemoteStore

    params = {p.name: SAMPLE[p.name] for p in query.parameters if p.required}
    local = run(store, query, params=params)
    remote = run(RemoteStore(server.sparql), query, params=params)
    assert remote.kind == local.kind
    assert remote.variables == local.variables
    got, want = _normal(remote), _normal(local)
    if local.kind == "select" and "ORDER BY" not in query.text.upper():
        got, want = Counter(got), Counter(want)
    assert got == want
    assert local.kind == "ask" or want, f"{query.id} answers nothing: the comparison would prove nothing"
