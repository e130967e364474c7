"""The W3C SPARQL 1.1 Service Description tests (tests/w3c/service-description/manifest.ttl), and that
the description claims only what the endpoint does.

The manifest's three tests are described in prose only (names, no actions); they are encoded here with
their IRIs, following the test suite's own checks: a GET on the endpoint returns RDF (returns-rdf); the
description has ``?service sd:endpoint <the URL that was dereferenced>`` (has-endpoint-triple); and
the description conforms to the schema of the SD vocabulary (conforms-to-schema): every sd: term it
uses is defined by the recommendation, and subjects and objects have the types the domains and
ranges of §3 give (the table below, from https://www.w3.org/TR/sparql11-service-description/#vocab).
"""

from __future__ import annotations

import httpx
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from policykg.store import EmbeddedStore

from .conftest import W3C, Server

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
MANIFEST = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/service-description/manifest#"

#: SD vocabulary (§3): property -> (domain class, range class or "IRI" / "Literal")
PROPERTIES = {
    SD.endpoint: (SD.Service, "IRI"),
    SD.feature: (SD.Service, SD.Feature),
    SD.defaultEntailmentRegime: (SD.Service, SD.EntailmentRegime),
    SD.defaultSupportedEntailmentProfile: (SD.Service, SD.EntailmentProfile),
    SD.extensionFunction: (SD.Service, SD.Function),
    SD.extensionAggregate: (SD.Service, SD.Aggregate),
    SD.languageExtension: (SD.Service, SD.Feature),
    SD.supportedLanguage: (SD.Service, SD.Language),
    SD.propertyFeature: (SD.Service, SD.Feature),
    SD.defaultDataset: (SD.Service, SD.Dataset),
    SD.availableGraphs: (SD.Service, SD.GraphCollection),
    SD.resultFormat: (SD.Service, "IRI"),
    SD.inputFormat: (SD.Service, "IRI"),
    SD.defaultGraph: (SD.Dataset, SD.Graph),
    SD.namedGraph: (SD.GraphCollection, SD.NamedGraph),
    SD.name: (SD.NamedGraph, "IRI"),
    SD.graph: (SD.NamedGraph, SD.Graph),
    SD.entailmentRegime: (SD.NamedGraph, SD.EntailmentRegime),
    SD.supportedEntailmentProfile: (SD.NamedGraph, SD.EntailmentProfile),
}
CLASSES = {SD.Service, SD.Language, SD.Function, SD.Aggregate, SD.EntailmentRegime, SD.EntailmentProfile,
           SD.GraphCollection, SD.Dataset, SD.NamedGraph, SD.Feature, SD.Graph}
SUBCLASSES = {SD.Dataset: SD.GraphCollection, SD.Aggregate: SD.Function}
INSTANCES = {SD.SPARQL10Query: SD.Language, SD.SPARQL11Query: SD.Language, SD.SPARQL11Update: SD.Language,
             SD.DereferencesURIs: SD.Feature, SD.UnionDefaultGraph: SD.Feature, SD.RequiresDataset: SD.Feature,
             SD.EmptyGraphs: SD.Feature, SD.BasicFederatedQuery: SD.Feature}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
             "application/rdf+xml": "xml"}


def description(server: Server, accept: str = "text/turtle") -> Graph:
    r = httpx.get(server.sparql, headers={"accept": accept}, timeout=30)
    assert r.status_code == 200, r.text
    ctype = r.headers["content-type"].split(";")[0]
    return Graph().parse(data=r.content, format=RDF_TYPES[ctype], publicID=server.sparql)


def test_the_manifest_has_the_three_tests() -> None:
    g = Graph().parse(W3C / "service-description" / "manifest.ttl", format="turtle")
    names = {str(s).rsplit("#", 1)[1] for s in g.subjects(RDF.type, URIRef(
        "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#ServiceDescriptionTest"))}
    assert names == {"returns-rdf", "has-endpoint-triple", "conforms-to-schema"}


@pytest.mark.parametrize("accept", list(RDF_TYPES))
def test_returns_rdf(server: Server, accept: str) -> None:
    """<…/service-description/manifest#returns-rdf>: GET on the endpoint returns RDF (every RDF format)."""
    g = description(server, accept)
    assert (None, RDF.type, SD.Service) in g


def test_has_endpoint_triple(server: Server) -> None:
    """<…/service-description/manifest#has-endpoint-triple>: the sd:endpoint is the URL dereferenced."""
    g = description(server)
    services = set(g.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    assert (services.pop(), SD.endpoint, URIRef(server.sparql)) in g


def _types(g: Graph, node) -> set:  # type: ignore[no-untyped-def]
    types = set(g.objects(node, RDF.type))
    types |= {SUBCLASSES[t] for t in types if t in SUBCLASSES}
    if node in INSTANCES:
        types.add(INSTANCES[node])
    return types


def test_conforms_to_schema(server: Server) -> None:
    """<…/service-description/manifest#conforms-to-schema>: only SD terms, with their domains and ranges."""
    g = description(server)
    used = 0
    for s, p, o in g:
        if p == RDF.type and str(o).startswith(str(SD)):
            assert o in CLASSES, f"unknown SD class {o}"
        if not str(p).startswith(str(SD)):
            continue
        assert p in PROPERTIES, f"unknown SD property {p}"
        domain, range_ = PROPERTIES[p]
        assert domain in _types(g, s), f"{s} {p}: subject is not a {domain}"
        if range_ == "IRI":
            assert isinstance(o, URIRef)
        else:
            assert not isinstance(o, Literal) and range_ in _types(g, o), f"{p} {o}: not a {range_}"
        used += 1
    assert used >= 10


def test_claims_only_what_is_supported(server: Server, store: EmbeddedStore) -> None:
    g = description(server)
    service = next(g.subjects(RDF.type, SD.Service))
    # read-only: SPARQL 1.1 Query only; no federation, no dereferencing
    assert set(g.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert set(g.objects(service, SD.feature)) == {SD.UnionDefaultGraph}
    # every result format it claims is served
    claimed = set(g.objects(service, SD.resultFormat))
    media = {FORMATS.SPARQL_Results_JSON: "application/sparql-results+json",
             FORMATS.SPARQL_Results_XML: "application/sparql-results+xml",
             FORMATS.SPARQL_Results_CSV: "text/csv", FORMATS.SPARQL_Results_TSV: "text/tab-separated-values",
             FORMATS.Turtle: "text/turtle", FORMATS["N-Triples"]: "application/n-triples",
             FORMATS["JSON-LD"]: "application/ld+json", FORMATS.RDF_XML: "application/rdf+xml"}
    assert claimed == set(media)
    with httpx.Client(timeout=30) as client:
        for fmt, mt in media.items():
            query = "SELECT * { ?s ?p ?o } LIMIT 1" if "Results" in str(fmt) else \
                "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"
            r = client.get(server.sparql, params={"query": query}, headers={"accept": mt})
            assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == mt
        # sd:UnionDefaultGraph: the default graph is the union of the named graphs (a triple held by
        # two graphs matches twice, as in pyoxigraph's union default graph; DISTINCT counts triples)
        r = client.get(server.sparql, params={"query": "SELECT (COUNT(DISTINCT *) AS ?n) { ?s ?p ?o }"})
        default_count = int(r.json()["results"]["bindings"][0]["n"]["value"])
    # the named graphs are the store's, with their triple counts (VoID)
    dataset = g.value(service, SD.defaultDataset)
    named = {g.value(n, SD.name): g.value(g.value(n, SD.graph), VOID.triples) for n in g.objects(dataset, SD.namedGraph)}
    assert {str(k) for k in named} == set(store.named_graphs())
    assert {str(k): v.toPython() for k, v in named.items()} == store.manifest.graphs
    distinct = len({(q.subject, q.predicate, q.object) for q in store.quads()})
    assert default_count == distinct
    assert isinstance(dataset, BNode)


def test_update_is_claimed_only_when_enabled(store_path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import running_server

    with running_server(store_path, "--allow-update", "--update-token", "t", "--workers", "1") as s:
        g = description(s)
        service = next(g.subjects(RDF.type, SD.Service))
        assert set(g.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query, SD.SPARQL11Update}

