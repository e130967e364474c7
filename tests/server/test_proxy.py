"""`policykg serve --endpoint URL`: the endpoint as a proxy over another SPARQL 1.1 store (the real
Oxigraph server of tests/external/oxigraph_server.py, holding the pushed store).

The library, the explorer and the JSON API answer as over the embedded store; what the endpoint
refuses never reaches the upstream (a recording pass-through between the proxy and Oxigraph shows what
arrives); the row cap and the wall-clock limit hold; an upstream that is down or slow is a 502 / 504
in the one JSON error shape.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pyoxigraph as ox
import pytest

from policykg.eligibility.engine import Engine
from policykg.eligibility.profiles import profile_from_mapping
from policykg.queries import QueryRegistry, run
from policykg.remote import RemoteStore
from policykg.server.executor import QueryJob
from policykg.server.proxy import ProxyExecutor, _convert
from policykg.server.settings import Settings
from policykg.store import EmbeddedStore
from tests.external.compare import Case, comparable, library_cases
from tests.external.oxigraph_server import OxigraphServer, start_oxigraph

from .conftest import Server, running_server, wait_until
from .test_api import PROFILE
from .test_security import Listener

REGISTRY = QueryRegistry()


@pytest.fixture(scope="module")
def proxy(store_path: Path, oxigraph_remote_store: RemoteStore) -> Iterator[Server]:
    """`policykg serve --endpoint` over the session's Oxigraph server (default settings)."""
    with running_server(store_path, "--endpoint", oxigraph_remote_store.endpoint) as s:
        yield s


# ---- a recording pass-through in front of Oxigraph ----------------------------------------------

@dataclass
class Recorder:
    """What reached the upstream: every query text (and update) forwarded to Oxigraph."""

    url: str
    queries: list[str] = field(default_factory=list)
    delay: float = 0.0  # seconds to wait before forwarding (a slow upstream)
    closed_early: int = 0  # answers the proxy stopped reading

    @property
    def endpoint(self) -> str:
        return self.url + "/query"


@contextmanager
def recording_upstream(target: str) -> Iterator[Recorder]:
    recorder = Recorder("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
            form = parse_qs(body.decode("utf-8"))
            recorder.queries += form.get("query", []) + form.get("update", [])
            if recorder.delay:
                time.sleep(recorder.delay)
            request = urllib.request.Request(target, data=body, method="POST", headers={
                "Content-Type": self.headers["Content-Type"], "Accept": self.headers.get("Accept", "*/*")})
            try:
                response = urllib.request.urlopen(request, timeout=30)
            except urllib.error.HTTPError as e:
                response = e
            # streamed as it comes (HTTP/1.0, the end of the body is the end of the connection), so that
            # the proxy can stop reading a long answer
            try:
                self.send_response(response.status)
                self.send_header("Content-Type", response.headers.get("Content-Type", "text/plain"))
                self.end_headers()
                while chunk := response.read(65536):
                    self.wfile.write(chunk)
            except OSError:  # the proxy closed the connection (row cap, time limit)
                recorder.closed_early += 1
            finally:
                response.close()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def recorded(store_path: Path, oxigraph_remote_store: RemoteStore) -> Iterator[tuple[Server, Recorder]]:
    """A proxy with a 2 s limit and 5 rows, over the recording pass-through to the session's Oxigraph."""
    with recording_upstream(oxigraph_remote_store.endpoint) as recorder, \
            running_server(store_path, "--endpoint", recorder.endpoint, "--timeout", "2", "--max-rows", "5") as s:
        yield s, recorder


# ---- answers as over the embedded store -----------------------------------------------------------

@pytest.mark.parametrize("case", library_cases(REGISTRY), ids=lambda c: c.id)
def test_named_query_library_through_the_proxy(case: Case, proxy: Server, store: EmbeddedStore) -> None:
    embedded = run(store, case.query, params=case.params)
    proxied = run(RemoteStore(proxy.sparql), case.query, params=case.params)
    assert embedded.rows or embedded.triples or embedded.kind == "ask"
    assert comparable(proxied, case.query.text) == comparable(embedded, case.query.text)


def test_every_result_format_through_the_proxy(proxy: Server, store: EmbeddedStore) -> None:
    select = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?a ?label WHERE { "
              "?a a <http://www.w3.org/ns/org#Organization> ; skos:prefLabel ?label } ORDER BY ?a ?label")
    expected = ox.parse_query_results(store.ox.query(select, use_default_graph_as_union=True)
                                      .serialize(format=ox.QueryResultsFormat.TSV), format=ox.QueryResultsFormat.TSV)
    expected_rows = [tuple(s) for s in expected]
    with proxy.client() as client:
        for media, fmt in (("application/sparql-results+json", ox.QueryResultsFormat.JSON),
                           ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
                           ("text/tab-separated-values", ox.QueryResultsFormat.TSV)):
            r = client.post("/sparql", data={"query": select}, headers={"accept": media})
            assert r.status_code == 200 and r.headers["content-type"].startswith(media), r.text
            assert [tuple(s) for s in ox.parse_query_results(r.content, format=fmt)] == expected_rows
            assert int(r.headers["policykg-rows"]) == len(expected_rows) > 20
        r = client.post("/sparql", data={"query": select}, headers={"accept": "text/csv"})
        assert len(r.text.strip().splitlines()) == len(expected_rows) + 1
        construct = "CONSTRUCT { ?a ?p ?o } WHERE { ?a a <http://www.w3.org/ns/org#Organization> ; ?p ?o }"
        truth = set(store.ox.query(construct, use_default_graph_as_union=True))
        for media, rdf in (("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                           ("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML)):
            r = client.post("/sparql", data={"query": construct}, headers={"accept": media})
            assert r.status_code == 200 and r.headers["content-type"].startswith(media), r.text
            assert {q.triple for q in ox.parse(r.content, format=rdf)} == truth
        r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"accept": "application/sparql-results+xml"})
        assert "<boolean>true</boolean>" in r.text


def page_content(html: str, base_url: str) -> tuple[list[str], list[str]]:
    """The links and the words of a page, each sorted: what the page says, whatever order the store
    gave the rows that no ORDER BY fixes."""
    html = html.replace(base_url.rstrip("/"), "BASE")
    links = sorted(re.findall(r'href="([^"]*)"', html))
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    words = sorted(re.sub(r"<[^>]+>", " ", text).split())
    return links, words


def test_explorer_pages_through_the_proxy(proxy: Server, server: Server) -> None:
    """The explorer's pages read through the proxy say what the embedded server's pages say."""
    paths = ["/", "/id/doc/qingzhengfa-2012-46", "/id/doc/qingzhengfa-2012-46/article/5", "/id/agency/finance-bureau",
             "/search?q=担保", "/queries/agencies/workload", "/network"]
    with proxy.client() as p, server.client() as e:
        for path in paths:
            ours = p.get(path, headers={"accept": "text/html"})
            theirs = e.get(path, headers={"accept": "text/html"})
            assert ours.status_code == 200, (path, ours.text[:300])
            links, words = page_content(ours.text, proxy.url)
            assert len(links) > 5, path
            assert (links, words) == page_content(theirs.text, server.url), path
        turtle = p.get("/id/agency/finance-bureau", headers={"accept": "text/turtle"})
        assert turtle.status_code == 200 and "finance-bureau" in turtle.text


def test_eligibility_api_through_the_proxy(proxy: Server, store: EmbeddedStore) -> None:
    with proxy.client() as c:
        r = c.post("/api/eligibility", params={"as_of": "2013-06-30"}, json=PROFILE)
    assert r.status_code == 200, r.text
    expected = Engine.from_store(store).decide(profile_from_mapping(PROFILE, location="$"), date(2013, 6, 30))
    assert r.json() == json.loads(json.dumps(expected.to_json(), ensure_ascii=False))


def test_from_clauses_choose_the_graphs_through_the_proxy_and_embedded(proxy: Server, server: Server,
                                                                       store: EmbeddedStore) -> None:
    """FROM / FROM NAMED in the text choose the dataset, on both servers (Oxigraph server with
    --union-default-graph ignores FROM, and so did pyoxigraph with use_default_graph_as_union)."""
    graph = store.named_graphs()[0]
    queries = {f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}": store.manifest.graphs[graph],
               f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}":
                   store.manifest.graphs[graph],
               f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> WHERE {{ ?s ?p ?o }}": 0,
               "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }": store.manifest.triples}
    for s in (proxy, server):
        with s.client() as c:
            for query, expected in queries.items():
                r = c.get("/sparql", params={"query": query})
                assert r.status_code == 200, r.text
                assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == expected, (s.url, query)


def test_named_graphs_come_from_the_upstream(proxy: Server, store: EmbeddedStore) -> None:
    with proxy.client() as c:
        description = c.get("/sparql", headers={"accept": "application/n-triples"})
    described = {q.object.value for q in ox.parse(description.content, format=ox.RdfFormat.N_TRIPLES)
                 if q.predicate.value.endswith("#name")}
    assert described == set(store.named_graphs())
    # no triple counts: they would come from a local manifest, not from the upstream's data
    assert "void#triples" not in description.text


# ---- nothing refused locally reaches the upstream -------------------------------------------------

def test_refused_requests_never_reach_the_upstream(recorded: tuple[Server, Recorder]) -> None:
    server, recorder = recorded
    listener = Listener()
    try:
        refused = [
            ("get", {"query": f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"}, 403),
            ("post", {"query": f"SELECT * WHERE {{ OPTIONAL {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }} }}"}, 403),
            ("post", {"query": f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}"}, 403),
            ("post", {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": listener.url}, 403),
            ("post", {"update": f"LOAD <{listener.url}>"}, 403),
            ("post", {"update": "DELETE WHERE { ?s ?p ?o }"}, 403),
            ("post", {"update": "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }"}, 403),
        ]
        before = list(recorder.queries)
        with server.client() as client:
            for method, params, status in refused:
                r = client.get("/sparql", params=params) if method == "get" else client.post("/sparql", data=params)
                assert r.status_code == status, (params, r.text)
                assert set(r.json()) == {"error"}
            r = client.post("/sparql", content="LOAD <%s>" % listener.url,
                            headers={"content-type": "application/sparql-update"})
            assert r.status_code == 403
            # a query that is accepted does reach it (the recorder sees what arrives)
            ok = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
            assert ok.json()["boolean"] is True
        arrived = recorder.queries[len(before):]
        assert arrived == ["ASK { ?s ?p ?o }"], arrived
        time.sleep(0.3)
        assert listener.connections == 0
    finally:
        listener.close()


def test_the_row_cap_holds_through_the_proxy(recorded: tuple[Server, Recorder]) -> None:
    """13k x 13k rows: the proxy reads the first lines of the answer and closes the connection."""
    server, recorder = recorded
    with server.client() as client:
        t0 = time.monotonic()
        r = client.get("/sparql", params={"query": "SELECT * { ?a ?b ?c . ?d ?e ?f }"})
        assert r.status_code == 200, r.text
        assert time.monotonic() - t0 < 2
        assert wait_until(lambda: recorder.closed_early >= 1)
        assert len(r.json()["results"]["bindings"]) == 5 and r.json()["truncated"] is True
        assert r.headers["policykg-truncated"] == "true; max-rows=5"
        r = client.get("/sparql", params={"query": "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }"},
                       headers={"accept": "application/n-triples"})
        assert len(r.text.strip().splitlines()) == 5 and r.headers["policykg-rows"] == "5"
        r = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 5"})
        assert "policykg-truncated" not in r.headers and len(r.json()["results"]["bindings"]) == 5


def test_malformed_queries_are_400_with_the_position(recorded: tuple[Server, Recorder], server: Server) -> None:
    proxy, _ = recorded
    query = "SELECT * WHERE { ?s ?p }"
    with proxy.client() as p, server.client() as e:
        ours = p.get("/sparql", params={"query": query})
        theirs = e.get("/sparql", params={"query": query})
        relative = p.get("/sparql", params={"query": "SELECT * WHERE { <a> ?p }"})
        embedded = e.get("/sparql", params={"query": "SELECT * WHERE { <a> ?p }"})
    assert ours.status_code == 400 and ours.json() == theirs.json(), ours.text
    # a relative IRI makes the proxy declare the base IRI before the query: positions are still the client's
    assert relative.status_code == 400 and relative.json() == embedded.json(), relative.text


def test_a_slow_upstream_is_504_and_a_down_one_502(store_path: Path, tmp_path: Path) -> None:
    upstream: OxigraphServer = start_oxigraph(tmp_path / "oxigraph")
    try:
        with recording_upstream(upstream.endpoint) as recorder, \
                running_server(store_path, "--endpoint", recorder.endpoint, "--timeout", "1") as s:
            with s.client() as client:
                assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
                recorder.delay = 3
                t0 = time.monotonic()
                slow = client.get("/sparql", params={"query": "ASK {}"})
                assert time.monotonic() - t0 < 2.5
                assert slow.status_code == 504, slow.text
                assert slow.json() == {"error": {"status": 504, "code": "gateway-timeout",
                                                 "message": "the upstream SPARQL endpoint did not answer in time "
                                                            "(the limit is 1 s)",
                                                 "message_zh": "上游 SPARQL 端点未在 1 秒内响应"}}
                recorder.delay = 0
                time.sleep(2.2)  # the slow request has left the recorder
                assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
                upstream.stop()
                for r in (client.get("/sparql", params={"query": "ASK {}"}),
                          client.post("/api/eligibility", params={"as_of": "2013-06-30"}, json=PROFILE)):
                    assert r.status_code in (502, 503), r.text
                down = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
                assert down.status_code == 502
                assert down.json() == {"error": {"status": 502, "code": "bad-gateway",
                                                 "message": "the upstream SPARQL endpoint failed",
                                                 "message_zh": "上游 SPARQL 端点出错"}}
                assert "Traceback" not in "".join(s.stderr)
    finally:
        upstream.stop()


def test_a_direct_upstream_that_is_down_is_502(store_path: Path, tmp_path: Path) -> None:
    upstream = start_oxigraph(tmp_path / "oxigraph")
    try:
        with running_server(store_path, "--endpoint", upstream.endpoint) as s:
            upstream.stop()
            r = httpx.get(s.sparql, params={"query": "ASK {}"}, timeout=30)
            assert r.status_code == 502 and r.json()["error"]["code"] == "bad-gateway"
    finally:
        upstream.stop()


# ---- the command --------------------------------------------------------------------------------

def serve(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policykg", "serve", "--port", "0", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "POLICYKG_STORE": str(store)})


def test_bad_proxy_settings_are_one_line(store_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    for args, message in (
        (["--endpoint", f"http://127.0.0.1:{closed}/query"], "the SPARQL endpoint does not answer queries"),
        (["--endpoint", "ftp://example.org/sparql"], "is not an http(s) URL"),
        (["--endpoint", "http://127.0.0.1:1/query", "--store", str(store_path)], "give either --store or --endpoint"),
        (["--endpoint", "http://127.0.0.1:1/query", "--allow-update", "--update-token", "t"],
         "--allow-update cannot be combined with --endpoint"),
    ):
        done = serve(*args, store=store_path)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("policykg: error: ") and done.stderr.count("\n") == 1, done.stderr
        assert message in done.stderr


# ---- results in other SPARQL formats are cut and converted too ----------------------------------

def test_answers_in_other_formats_are_capped_and_converted(store: EmbeddedStore) -> None:
    select = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 20"
    solutions = store.ox.query(select, use_default_graph_as_union=True)
    tsv = solutions.serialize(format=ox.QueryResultsFormat.TSV)
    rows = [tuple(s) for s in ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)]
    for fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML):
        raw = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt)
        outcome = _convert("SELECT", fmt.media_type, raw, False, QueryJob(select, select_format="csv", max_rows=7))
        assert outcome.rows == 7 and outcome.truncated and outcome.media_type.startswith("text/csv")
        assert [tuple(s) for s in ox.parse_query_results(
            _convert("SELECT", fmt.media_type, raw, False, QueryJob(select, select_format="tsv")).body,
            format=ox.QueryResultsFormat.TSV)] == rows
    construct = "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 30"
    turtle = ox.serialize(store.ox.query(construct, use_default_graph_as_union=True), format=ox.RdfFormat.TURTLE)
    outcome = _convert("CONSTRUCT", "text/turtle", turtle, False, QueryJob(construct, graph_format="ntriples", max_rows=4))
    assert outcome.rows == 4 and outcome.truncated
    from policykg.server.proxy import _Failed

    with pytest.raises(_Failed):
        _convert("SELECT", "text/html", b"<html></html>", False, QueryJob(select))
    with pytest.raises(_Failed):
        _convert("SELECT", "application/sparql-results+json", b'{"head":{},"boolean":true}', False, QueryJob(select))


def test_the_proxy_is_a_query_executor() -> None:
    executor = ProxyExecutor(Settings(), "http://127.0.0.1:7878/query")
    assert executor.named_graphs() == () and executor.upstream == "http://127.0.0.1:7878/query"
