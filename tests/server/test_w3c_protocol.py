"""The W3C SPARQL 1.1 Protocol test suite (tests/w3c/sparql11-protocol/manifest.ttl), generated from
the manifest and run against the real ``policykg serve`` process.

Every ``mf:ProtocolTest`` describes its HTTP requests and expected responses in RDF (``ht:Request``:
method, path, headers, body; ``ht:resp``: ``mf:expectedStatus`` classes, ``mf:expectedFormat``,
``mf:expectedBoolean``), so each request is sent exactly as described. The ``/sparql/`` path of the
manifest is the endpoint's own path.

The store behind the server holds the manifest's ``ut:graphData`` (data1-3.nt, each in the named graph
its label names). The manifest also names ``…/data0.rdf`` as default graph without giving data for it;
a server that dereferences graph IRIs would fetch it from the web, this one refuses graphs it does not
hold, so the store holds ``data0.rdf`` as an empty graph (what an unreachable document would give).

Two servers run the suite:

* the default, read-only endpoint: every query test passes as the manifest says; every update request
  is refused — ``403`` with the JSON error ``read-only`` (``4xx`` where the manifest expects a 4xx for
  another reason) — and the follow-up query of an update test then finds nothing was changed;
* the endpoint started with ``--allow-update --update-token T``: the update tests pass as the manifest
  says, the requests carrying ``Authorization: Bearer T`` (the manifest predates the token).

Expected failures are listed in :data:`EXPECTED_FAILURES` by test IRI, with the reason.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from policykg.store import Manifest, StoreWriter

from .conftest import W3C, Server, running_server

SUITE = W3C / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
TOKEN = "w3c-protocol-token"

#: test IRI -> reason; these are run as strict xfail (an unexpected pass fails the suite)
EXPECTED_FAILURES: dict[str, str] = {}


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    statuses: frozenset[str]  # "2xx", "3xx", "4xx", ...
    fmt: str | None  # "boolean" | "tabular" | "RDF"
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    iri: str
    name: str
    requests: tuple[HttpRequest, ...]
    graph_data: tuple[tuple[str, str], ...]  # (file, graph name)

    @property
    def id(self) -> str:
        return self.iri.rsplit("#", 1)[1]

    @property
    def is_update(self) -> bool:
        first = self.requests[0]
        ctype = dict(first.headers).get("content-type", "")
        return self.id.startswith(("update_", "bad_update")) or "sparql-update" in ctype or "update=" in (
            first.body or "") + first.path


def load_manifest() -> list[ProtocolTest]:
    g = Graph().parse(SUITE / "manifest.ttl", format="turtle", publicID=(SUITE / "manifest.ttl").as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(entry, MF.action)
        requests = []
        for req in Collection(g, g.value(action, HT.requests)):
            headers = []
            hlist = g.value(req, HT.headers)
            if hlist is not None:
                for h in Collection(g, hlist):
                    headers.append((str(g.value(h, HT.fieldName)).lower(), str(g.value(h, HT.fieldValue))))
            body = g.value(req, HT.body)
            resp = g.value(req, HT.resp)
            statuses = frozenset(str(s).rsplit("StatusCode", 1)[1] for s in g.objects(resp, MF.expectedStatus))
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            requests.append(HttpRequest(
                method=str(g.value(req, HT.methodName)),
                path=str(g.value(req, HT.absolutePath)),
                headers=tuple(headers),
                body=str(g.value(body, CNT.chars)) if body is not None else None,
                statuses=statuses,
                fmt=str(fmt) if fmt is not None else None,
                boolean=boolean.toPython() if boolean is not None else None,
            ))
        data = tuple(sorted((Path(str(g.value(d, UT.graph))).name, str(g.value(d, RDFS.label)))
                            for d in g.objects(entry, UT.graphData)))
        tests.append(ProtocolTest(str(entry), str(g.value(entry, MF.name)), tuple(requests), data))
    return tests


TESTS = load_manifest()
QUERY_TESTS = [t for t in TESTS if not t.is_update]
UPDATE_TESTS = [t for t in TESTS if t.is_update]
EMPTY_GRAPH = "http://kasei.us/2009/09/sparql/data/data0.rdf"


def test_the_manifest_is_read_whole() -> None:
    assert len(TESTS) == 34
    assert len(QUERY_TESTS) == 20 and len(UPDATE_TESTS) == 14
    assert all(t.requests and all(r.statuses for r in t.requests) for t in TESTS)


@pytest.fixture(scope="module")
def protocol_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding every ut:graphData of the manifest (and data0.rdf empty, see the module doc)."""
    root = tmp_path_factory.mktemp("protocol-store")
    graphs: dict[str, str] = {}
    for t in TESTS:
        for file, name in t.graph_data:
            graphs[name] = file
    writer = StoreWriter(root)
    counts = {}
    for name, file in sorted(graphs.items()):
        writer.load((SUITE / file).read_bytes(), ox.RdfFormat.N_TRIPLES, name)
        counts[name] = writer.count(name)
    writer.store.add_graph(ox.NamedNode(EMPTY_GRAPH))
    counts[EMPTY_GRAPH] = 0
    writer.commit(Manifest(built_at=time.strftime("%Y-%m-%dT%H:%M:%S"), seconds=0.0,
                           sources={f: "w3c" for f in graphs.values()}, graphs=counts,
                           triples=sum(counts.values()), policykg_version="test"))
    return root


@pytest.fixture(scope="module")
def read_only(protocol_store: Path):  # type: ignore[no-untyped-def]
    with running_server(protocol_store) as s:
        yield s


@pytest.fixture(scope="module")
def updatable(protocol_store: Path):  # type: ignore[no-untyped-def]
    with running_server(protocol_store, "--allow-update", "--update-token", TOKEN) as s:
        yield s


def send(server: Server, request: HttpRequest, *, token: str | None = None) -> httpx.Response:
    headers = dict(request.headers)
    if token:
        headers["authorization"] = f"Bearer {token}"
    with httpx.Client(timeout=30) as client:
        return client.request(request.method, server.url.rstrip("/") + request.path, headers=headers,
                              content=request.body.encode("utf-8") if request.body is not None else None)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def check_response(request: HttpRequest, response: httpx.Response) -> None:
    assert status_class(response.status_code) in request.statuses, (
        f"{request.method} {request.path}: {response.status_code} {response.text[:300]}")
    if response.status_code >= 400:
        error = response.json()["error"]  # every 4xx/5xx is the JSON error shape
        assert error["status"] == response.status_code and error["message"] and error["message_zh"]
    ctype = response.headers.get("content-type", "").split(";")[0].strip()
    if request.fmt in ("boolean", "tabular"):
        fmt = ox.QueryResultsFormat.from_media_type(ctype)
        allowed = {"boolean": ("application/sparql-results+xml", "application/sparql-results+json"),
                   "tabular": ("application/sparql-results+xml", "application/sparql-results+json",
                               "text/csv", "text/tab-separated-values")}[request.fmt]
        assert fmt is not None and ctype in allowed, ctype
        parsed = ox.parse_query_results(response.content, format=fmt)
        if request.fmt == "boolean":
            assert isinstance(parsed, ox.QueryBoolean)
            if request.boolean is not None:
                assert bool(parsed) is request.boolean
        else:
            assert isinstance(parsed, ox.QuerySolutions)
            assert list(parsed)
    elif request.fmt == "RDF":
        assert ctype in ("application/rdf+xml", "text/turtle", "application/n-triples"), ctype
        list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(ctype)))


def run(test: ProtocolTest, server: Server, *, token: str | None = None) -> None:
    if test.iri in EXPECTED_FAILURES:
        pytest.xfail(EXPECTED_FAILURES[test.iri])
    for request in test.requests:
        check_response(request, send(server, request, token=token))


@pytest.mark.parametrize("test", QUERY_TESTS, ids=[t.id for t in QUERY_TESTS])
def test_query(test: ProtocolTest, read_only: Server) -> None:
    run(test, read_only)


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=[t.id for t in UPDATE_TESTS])
def test_update_is_refused_by_the_read_only_endpoint(test: ProtocolTest, read_only: Server) -> None:
    first, *rest = test.requests
    response = send(read_only, first)
    assert 400 <= response.status_code < 500
    error = response.json()["error"]
    assert error["status"] == response.status_code
    if first.statuses <= {"2xx", "3xx"}:
        # a valid update: refused because the endpoint is read-only, whatever its content
        assert (response.status_code, error["code"]) == (403, "read-only"), response.text
    for request in rest:
        # the follow-up query finds that nothing was changed
        response = send(read_only, request)
        assert response.status_code == 200
        assert bool(ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)) is False


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=[t.id for t in UPDATE_TESTS])
def test_update_with_updates_enabled(test: ProtocolTest, updatable: Server) -> None:
    run(test, updatable, token=TOKEN)


def test_updates_need_the_token(updatable: Server) -> None:
    post = next(t for t in UPDATE_TESTS if t.id == "update_post_direct").requests[0]
    for token in (None, "wrong-token"):
        response = send(updatable, post, token=token)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_updates_change_only_the_in_memory_copy(protocol_store: Path, updatable: Server) -> None:
    """The enabled endpoint dropped every graph (the update tests do); the store on disk still has them."""
    from policykg.store import EmbeddedStore

    with httpx.Client(timeout=30) as client:
        r = client.post(updatable.sparql, content="DROP ALL", headers={
            "content-type": "application/sparql-update", "authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 204
        r = client.get(updatable.sparql, params={"query": "ASK { GRAPH ?g { ?s ?p ?o } }"})
        assert json.loads(r.text)["boolean"] is False
    store = EmbeddedStore(protocol_store)
    assert len(list(store.quads())) == 3


def test_expected_failures_name_real_tests() -> None:
    assert set(EXPECTED_FAILURES) <= {t.iri for t in TESTS}
