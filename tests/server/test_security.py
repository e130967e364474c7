"""Secure defaults of the endpoint, against the real server process: nothing leaves the machine
(SERVICE, FROM, LOAD, protocol datasets), a runaway query is stopped while other requests are answered,
limits on rows, body and concurrency, CORS, the JSON error shape, generic 5xx bodies."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from .conftest import Server, running_server, wait_until

#: a cross join over all triples: never finishes on the corpus (13k³ solutions)
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FAST = "SELECT ?g { GRAPH ?g { } } LIMIT 1"


class Listener:
    """A loopback HTTP listener that records every connection (and answers like a SPARQL endpoint)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        body = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                                 b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


def test_pyoxigraph_itself_follows_service(listener: Listener) -> None:
    """The control: without the endpoint's checks, SERVICE reaches the listener (so the tests below can fail)."""
    list(ox.Store().query(f"SELECT * {{ SERVICE <{listener.url}sparql> {{ ?s ?p ?o }} }}"))
    assert wait_until(lambda: listener.connections >= 1, 5)


def _attacks(url: str) -> list[tuple[str, dict[str, str], str]]:
    """(query, extra protocol parameters, expected error code)"""
    svc = f"<{url}sparql>"
    return [
        (f"SELECT * {{ SERVICE {svc} {{ ?s ?p ?o }} }}", {}, "service-refused"),
        (f"select * {{ service silent {svc} {{ ?s ?p ?o }} }}", {}, "service-refused"),
        (f"PREFIX x: <{url}> SELECT * {{ SERVICE x:sparql {{ ?s ?p ?o }} }}", {}, "service-refused"),
        (f"SELECT * {{ VALUES ?e {{ {svc} }} SERVICE ?e {{ ?s ?p ?o }} }}", {}, "service-refused"),
        (f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE {svc} {{ ?s ?q ?r }} }} }} LIMIT 1", {}, "service-refused"),
        (f"SELECT * {{ {{ SELECT ?s {{ SERVICE {svc} {{ ?s ?p ?o }} }} }} }}", {}, "service-refused"),
        (f"ASK {{ FILTER EXISTS {{ SERVICE {svc} {{ ?s ?p ?o }} }} }}", {}, "service-refused"),
        (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE {svc} {{ ?s ?p ?o }} }}", {}, "service-refused"),
        (f"DESCRIBE ?s WHERE {{ SERVICE {svc} {{ ?s ?p ?o }} }}", {}, "service-refused"),
        # codepoint escapes (SPARQL 1.1 §19.2) are checked as well
        (f"SELECT * {{ \\u0053ERVICE {svc} {{ ?s ?p ?o }} }}", {}, "service-refused"),
        (f"SELECT * FROM <{url}g> {{ ?s ?p ?o }}", {}, "dataset-refused"),
        (f"SELECT * FROM NAMED <{url}g> {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}, "dataset-refused"),
        (f"BASE <{url}> SELECT * FROM <g> {{ ?s ?p ?o }}", {}, "dataset-refused"),
        (f"PREFIX x: <{url}> ASK FROM x:g {{ ?s ?p ?o }}", {}, "dataset-refused"),
        ("SELECT * { ?s ?p ?o }", {"default-graph-uri": f"{url}g"}, "dataset-refused"),
        ("SELECT * { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": f"{url}g"}, "dataset-refused"),
    ]


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_service_and_foreign_graphs_never_reach_a_listener(server: Server, listener: Listener, how: str) -> None:
    with server.client() as client:
        for query, extra, code in _attacks(listener.url):
            if how == "get":
                r = client.get("/sparql", params={"query": query, **extra})
            elif how == "form":
                r = client.post("/sparql", data={"query": query, **extra})
            else:
                r = client.post("/sparql", params=extra, content=query.encode(),
                                headers={"content-type": "application/sparql-query"})
            assert r.status_code == 403, (query, r.text)
            assert r.json()["error"]["code"] == code, (query, r.text)
    time.sleep(0.3)
    assert listener.connections == 0


def test_keywords_in_strings_iris_and_comments_are_not_refused(server: Server, listener: Listener) -> None:
    with server.client() as client:
        for query in (f'SELECT ?s {{ ?s ?p "SERVICE <{listener.url}> {{ }}" }}',
                      f"SELECT ?s {{ ?s <{listener.url}FROM> ?o }}",
                      f"SELECT * {{ ?s ?p ?o }} LIMIT 1 # SERVICE <{listener.url}>",
                      "PREFIX service: <http://example.org/> SELECT ?s { ?s service:from ?o }",
                      f"DESCRIBE <{listener.url}x>"):
            r = client.get("/sparql", params={"query": query})
            assert r.status_code == 200, (query, r.text)
    assert listener.connections == 0


def test_graphs_of_the_store_may_be_named(server: Server) -> None:
    with server.client() as client:
        graphs = [b["g"]["value"] for b in client.get("/sparql", params={
            "query": "SELECT DISTINCT ?g { GRAPH ?g { } } ORDER BY ?g"}).json()["results"]["bindings"]]
        g = next(x for x in graphs if x.endswith("/graph/data/documents"))
        r = client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{g}> {{ ?s ?p ?o }}"})
        assert r.status_code == 200 and int(r.json()["results"]["bindings"][0]["n"]["value"]) > 0
        r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "default-graph-uri": g})
        one = int(r.json()["results"]["bindings"][0]["n"]["value"])
        r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
        assert 0 < one < int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_load_never_reaches_a_listener_even_with_updates_enabled(store_path: Path, listener: Listener) -> None:
    with running_server(store_path, "--allow-update", "--update-token", "t") as s, s.client() as client:
        for update in (f"LOAD <{listener.url}data.ttl>", f"LOAD SILENT <{listener.url}d> INTO GRAPH <urn:g>",
                       f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"):
            r = client.post("/sparql", content=update, headers={
                "content-type": "application/sparql-update", "authorization": "Bearer t"})
            assert r.status_code == 403, r.text
    time.sleep(0.3)
    assert listener.connections == 0


def test_updates_are_refused(server: Server) -> None:
    with server.client() as client:
        for r in (client.post("/sparql", content="INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                              headers={"content-type": "application/sparql-update"}),
                  client.post("/sparql", data={"update": "CLEAR ALL"}),
                  client.post("/sparql", data={"query": "DELETE WHERE { ?s ?p ?o }"})):
            assert r.status_code == 403 and r.json()["error"]["code"] == "read-only", r.text
        r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert r.json()["boolean"] is True


@pytest.fixture(scope="module")
def limited(store_path: Path) -> Iterator[Server]:
    """Two workers, a 2 s wall-clock limit, 5 rows, 2000-byte bodies."""
    with running_server(store_path, "--timeout", "2", "--workers", "2", "--max-concurrent", "3",
                        "--max-rows", "5", "--max-body", "2000") as s:
        yield s


def test_a_runaway_query_is_stopped_while_others_are_answered(limited: Server) -> None:
    assert wait_until(lambda: len(limited.workers()) == 2)
    before = limited.workers()
    result: dict[str, object] = {}

    def runaway() -> None:
        t0 = time.monotonic()
        with limited.client() as c:
            r = c.get("/sparql", params={"query": RUNAWAY})
        result.update(status=r.status_code, body=r.json(), seconds=time.monotonic() - t0,
                      retry=r.headers.get("retry-after"))

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    answered = []
    with limited.client() as client:
        while thread.is_alive():
            t0 = time.monotonic()
            r = client.get("/sparql", params={"query": FAST})
            answered.append((r.status_code, time.monotonic() - t0))
            time.sleep(0.1)
    thread.join()
    assert result["status"] == 503, result
    assert result["body"]["error"]["code"] == "timeout"  # type: ignore[index]
    assert 1.9 <= result["seconds"] <= 6, result  # type: ignore[operator]
    assert len(answered) >= 5 and all(status == 200 and s < 1.5 for status, s in answered), answered
    # the worker that ran it was killed and replaced
    assert wait_until(lambda: len(limited.workers()) == 2 and limited.workers() != before)
    assert len(before - limited.workers()) == 1
    with limited.client() as client:
        assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_rows_are_capped_and_truncation_is_said(limited: Server) -> None:
    with limited.client() as client:
        r = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 100"})
        data = r.json()
        assert len(data["results"]["bindings"]) == 5
        assert data["truncated"] is True and data["max_rows"] == 5
        assert r.headers["policykg-truncated"] == "true; max-rows=5" and r.headers["policykg-rows"] == "5"
        r = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 100"}, headers={"accept": "text/csv"})
        assert len(r.text.strip().splitlines()) == 6 and r.headers["policykg-truncated"].startswith("true")
        r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 100"},
                       headers={"accept": "application/n-triples"})
        assert len(r.text.strip().splitlines()) == 5 and r.headers["policykg-truncated"].startswith("true")
        r = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 5"})
        assert "policykg-truncated" not in r.headers and "truncated" not in r.json()
        assert len(r.json()["results"]["bindings"]) == 5


def test_a_huge_result_is_cut_as_it_is_written(limited: Server) -> None:
    """13k x 13k rows: written whole they would take far longer than the 2 s limit (and gigabytes);
    the worker stops pyoxigraph's writer past the row cap, so the answer is quick and truncated."""
    with limited.client() as client:
        for query, accept in (("SELECT * { ?a ?b ?c . ?d ?e ?f }", "application/sparql-results+json"),
                              ("CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }", "application/n-triples")):
            r = client.get("/sparql", params={"query": query}, headers={"accept": accept})
            assert r.status_code == 200, r.text
            assert r.headers["policykg-truncated"] == "true; max-rows=5" and r.headers["policykg-rows"] == "5"


def test_request_bodies_are_capped(limited: Server) -> None:
    big = "SELECT * { ?s ?p ?o } #" + "x" * 3000
    with limited.client() as client:
        for r in (client.post("/sparql", content=big, headers={"content-type": "application/sparql-query"}),
                  client.post("/sparql", data={"query": big}),
                  client.get("/sparql", params={"query": big}),
                  # chunked, without Content-Length
                  client.post("/sparql", content=iter([big[:1000].encode(), big[1000:].encode()]),
                              headers={"content-type": "application/sparql-query"})):
            assert r.status_code == 413, r.text
            assert r.json()["error"]["code"] == "body-too-large"
        assert client.post("/sparql", content="ASK {}", headers={"content-type": "application/sparql-query"}
                           ).json()["boolean"] is True


def test_concurrent_queries_are_capped(store_path: Path) -> None:
    with running_server(store_path, "--timeout", "3", "--workers", "1", "--max-concurrent", "1") as s:
        thread = threading.Thread(target=lambda: httpx.get(s.sparql, params={"query": RUNAWAY}, timeout=30))
        thread.start()
        time.sleep(0.5)
        r = httpx.get(s.sparql, params={"query": FAST}, timeout=30)
        assert r.status_code == 503 and r.json()["error"]["code"] == "busy"
        assert int(r.headers["retry-after"]) >= 1
        thread.join()
        r = httpx.get(s.sparql, params={"query": FAST}, timeout=30)
        assert r.status_code == 200


def test_a_worker_killed_mid_query_gives_a_generic_500(store_path: Path) -> None:
    with running_server(store_path, "--timeout", "20", "--workers", "1") as s:
        assert wait_until(lambda: len(s.workers()) == 1)
        (worker,) = s.workers()
        out: dict[str, httpx.Response] = {}
        thread = threading.Thread(target=lambda: out.update(r=httpx.get(s.sparql, params={"query": RUNAWAY}, timeout=30)))
        thread.start()
        time.sleep(0.5)
        os.kill(worker, signal.SIGKILL)
        thread.join()
        r = out["r"]
        assert r.status_code == 500
        assert r.json() == {"error": {"status": 500, "code": "internal", "message": "internal server error",
                                      "message_zh": "服务器内部错误"}}
        # an idle worker that died is replaced before it is given a query
        assert wait_until(lambda: len(s.workers()) == 1 and s.workers() != {worker})
        (second,) = s.workers()
        os.kill(second, signal.SIGKILL)
        time.sleep(0.2)
        assert httpx.get(s.sparql, params={"query": "ASK {}"}, timeout=30).json()["boolean"] is True


def test_cors_without_credentials(server: Server) -> None:
    with server.client() as client:
        r = client.options("/sparql", headers={"origin": "https://yasgui.example", "access-control-request-method": "POST",
                                               "access-control-request-headers": "content-type"})
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "*"
        assert set(r.headers["access-control-allow-methods"].replace(" ", "").split(",")) == {"GET", "POST"}
        assert "access-control-allow-credentials" not in r.headers
        r = client.get("/sparql", params={"query": "ASK {}"}, headers={"origin": "https://yasgui.example"})
        assert r.headers["access-control-allow-origin"] == "*"
        assert "policykg-truncated" in r.headers["access-control-expose-headers"].lower()
        assert "access-control-allow-credentials" not in r.headers


def test_one_json_error_shape(server: Server) -> None:
    with server.client() as client:
        cases = [
            (client.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p \n}"}), 400, "malformed-query"),
            (client.get("/sparql", params={"query": "ASK {}"}, headers={"accept": "text/html"}), 406, "not-acceptable"),
            (client.post("/sparql", content="ASK {}", headers={"content-type": "text/plain"}), 415, "unsupported-media-type"),
            (client.put("/sparql", content="ASK {}"), 405, "method-not-allowed"),
            (client.get("/no/such/page"), 404, "not-found"),
            (client.post("/sparql", data={"default-graph-uri": "urn:x"}), 400, "missing-query"),
            (client.get("/sparql", params={"query": "ASK {}", "update": "CLEAR ALL"}), 400, "bad-request"),
        ]
        for r, status, code in cases:
            assert r.status_code == status, r.text
            assert r.headers["content-type"] == "application/json"
            error = r.json()["error"]
            assert (error["status"], error["code"]) == (status, code)
            assert error["message"] and error["message_zh"]
            assert "Traceback" not in r.text and "site-packages" not in r.text
        # the parser's own message and position
        malformed = cases[0][0].json()["error"]
        with pytest.raises(SyntaxError) as parser:
            ox.Store().query("SELECT * WHERE {\n  ?s ?p \n}")
        line, column = map(int, str(parser.value).split(" ")[2].rstrip(":").split(":"))
        assert line == 3 and malformed["position"] == {"line": line, "column": column}
        assert f"line 3, column {column}" in malformed["message"]


def test_bound_to_loopback_by_default(server: Server) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert json.loads(httpx.get(server.sparql, params={"query": "ASK {}"}).text)["boolean"] is True
