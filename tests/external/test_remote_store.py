"""policykg against a real external SPARQL store: the `oxigraph` server from PyPI, started on loopback.

The built store is pushed with the Graph Store Protocol; then the whole named-query library, with its
documented parameters, answers the same through RemoteStore as through the embedded store.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykg.errors import ConfigError, QueryError, QueryParameterError, QueryTimeout, StoreError
from policykg.namespaces import GRAPH
from policykg.queries import QueryRegistry, run
from policykg.remote import PushReport, RemoteStore, derive_graph_store_url, open_read_store, push
from policykg.results import from_oxigraph
from policykg.store import EmbeddedStore, ReadableStore
from tests.clirun import cli
from tests.external.compare import Case, comparable, library_cases
from tests.external.oxigraph_server import OxigraphServer, free_port, start_oxigraph
from tests.external.stub_endpoint import stub_endpoint

REGISTRY = QueryRegistry()


def gsp_graph(server: OxigraphServer, graph: str) -> list[str]:
    """A graph as the server holds it (Graph Store Protocol GET), canonicalised."""
    url = f"{server.graph_store}?graph={urllib.request.quote(graph, safe='')}"
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/n-triples"})) as r:
        return canonical(ox.parse(r.read(), ox.RdfFormat.N_TRIPLES))


def canonical(quads: Any) -> list[str]:
    dataset = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return sorted(str(q) for q in dataset)


# ---- push


def test_push_copies_every_graph(oxigraph_push_report: PushReport, oxigraph_server: OxigraphServer,
                                 store: EmbeddedStore) -> None:
    report = oxigraph_push_report
    assert report.graphs == store.manifest.graphs
    assert report.triples == store.manifest.triples > 10_000
    assert report.graph_store == oxigraph_server.graph_store  # derived from /query and "Server: Oxigraph"
    assert report.union_default_graph and report.removed == ()
    for graph in store.named_graphs():
        assert gsp_graph(oxigraph_server, graph) == canonical(store.quads(graph)), graph


def test_push_twice_gives_the_same_data_and_prunes_stale_graphs(oxigraph_remote_store: RemoteStore,
                                                                oxigraph_push_report: PushReport,
                                                                store: EmbeddedStore) -> None:
    remote = oxigraph_remote_store
    stale, foreign = str(GRAPH["test/renamed-source"]), "http://example.org/someone-else"
    triple = b"<http://example.org/s> <http://example.org/p> \"stale\" .\n"
    remote.put_graph(stale, triple)
    remote.put_graph(foreign, triple)
    try:
        again = push(store, remote)
        assert again.graphs == oxigraph_push_report.graphs
        assert again.removed == (stale,)
        assert remote.named_graphs(str(GRAPH)) == store.named_graphs()
        assert foreign in remote.named_graphs()  # graphs outside the policykg namespace are left alone
    finally:
        remote.delete_graph(foreign)
    [count] = remote.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(count["n"].value) == store.manifest.triples


def test_push_warns_when_the_default_graph_is_not_the_union(tmp_path: Path, store: EmbeddedStore,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    server = start_oxigraph(tmp_path / "plain", union_default_graph=False)
    try:
        monkeypatch.setenv("POLICYKG_STORE", str(store.root))
        code, out, err = cli(capsys, monkeypatch, "push", "--endpoint", server.endpoint)
        assert code == 1
        assert out.splitlines()[-1].split() == [str(store.manifest.triples), "total"]
        assert "not the union of its named graphs" in err and "docs/external-store.md" in err
        # the data is there, in its named graphs
        remote = RemoteStore(server.endpoint)
        assert remote.named_graphs() == store.named_graphs()
        assert not bool(remote.query("ASK { ?s ?p ?o }"))
    finally:
        server.stop()


def test_push_command(oxigraph_remote_store: RemoteStore, oxigraph_server: OxigraphServer, store: EmbeddedStore,
                      capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = cli(capsys, monkeypatch, "push", "--endpoint", oxigraph_server.endpoint,
                         "--graph-store", oxigraph_server.graph_store, "--store", str(store.root))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == len(store.manifest.graphs) + 1
    for line in lines[:-1]:
        n, graph = line.split()
        assert store.manifest.graphs[graph] == int(n)
    assert f"pushed {store.manifest.triples} triples in {len(store.manifest.graphs)} graphs to " \
           f"{oxigraph_server.graph_store}" in err
    assert "Traceback" not in err


# ---- the query library, embedded and remote


@pytest.mark.parametrize("case", library_cases(REGISTRY), ids=lambda c: c.id)
def test_library_answers_the_same(case: Case, store: EmbeddedStore, oxigraph_remote_store: RemoteStore) -> None:
    embedded = run(store, case.query, params=case.params)
    remote = run(oxigraph_remote_store, case.query, params=case.params)
    assert embedded.rows or embedded.triples or embedded.kind == "ask", "a documented example finds something"
    assert comparable(remote, case.query.text) == comparable(embedded, case.query.text)


@given(text=st.one_of(st.text(max_size=12), st.sampled_from(['"', "\\", "'''", "?q", "} UNION {", "\n", "担保"])))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_search_text_answers_the_same(text: str, store: EmbeddedStore,
                                          oxigraph_remote_store: RemoteStore) -> None:
    """Parameter values are data on both stores: quotes, backslashes and SPARQL in a value change nothing."""
    q = REGISTRY.get("search/articles")
    embedded = run(store, q, params={"q": text})
    remote = run(oxigraph_remote_store, q, params={"q": text})
    assert comparable(remote, q.text) == comparable(embedded, q.text)


@given(start=st.dates(), days=st.integers(min_value=0, max_value=4000))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_date_window_answers_the_same(start: Any, days: int, store: EmbeddedStore,
                                          oxigraph_remote_store: RemoteStore) -> None:
    import datetime as dt

    end = start + dt.timedelta(days=days) if start.year < 9000 else start
    q = REGISTRY.get("measures/expiring")
    params = {"start": start.isoformat(), "end": end.isoformat()}
    assert comparable(run(oxigraph_remote_store, q, params=params), q.text) == \
        comparable(run(store, q, params=params), q.text)


def test_results_are_pyoxigraph_objects(oxigraph_remote_store: RemoteStore) -> None:
    remote = oxigraph_remote_store
    assert isinstance(remote, ReadableStore)
    solutions = remote.query("SELECT ?s WHERE { ?s a ?c } LIMIT 3")
    assert isinstance(solutions, ox.QuerySolutions) and len(list(solutions)) == 3
    assert isinstance(remote.query("ASK { ?s a ?c }"), ox.QueryBoolean)
    triples = remote.query("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 3")
    assert isinstance(triples, ox.QueryTriples) and len(list(triples)) == 3
    assert from_oxigraph(remote.query("SELECT * WHERE { ?s a ?c } LIMIT 1")).variables == ("c", "s")


def test_select_star_columns_follow_the_embedded_store(store: EmbeddedStore,
                                                       oxigraph_remote_store: RemoteStore) -> None:
    sparql = "SELECT * WHERE { ?article <https://w3id.org/policykg/ontology#text> ?text ; ?p ?o } LIMIT 1"
    assert from_oxigraph(oxigraph_remote_store.query(sparql)).variables == \
        from_oxigraph(store.query(sparql)).variables


def test_updates_are_never_sent(oxigraph_remote_store: RemoteStore) -> None:
    before = list(oxigraph_remote_store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))[0]["n"]
    for update in ("INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }",
                   "# select\nPREFIX ex: <http://example.org/address#>\nDELETE WHERE { ?s ?p ?o }",
                   "CLEAR ALL"):
        with pytest.raises(SyntaxError):
            oxigraph_remote_store.query(update)
    after = list(oxigraph_remote_store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))[0]["n"]
    assert after == before


def test_same_errors_as_the_embedded_store(store: EmbeddedStore, oxigraph_remote_store: RemoteStore) -> None:
    for bad in ("SELECT * WHERE { ?s ?p }", "SELEC ?s WHERE { ?s ?p ?o }"):
        with pytest.raises(SyntaxError) as local:
            store.query(bad)
        with pytest.raises(SyntaxError) as remote:
            oxigraph_remote_store.query(bad)
        assert str(remote.value) == str(local.value)
    subs = {ox.Variable("x"): ox.Literal("1")}
    with pytest.raises(RuntimeError, match="projection"):
        oxigraph_remote_store.query("SELECT ?s WHERE { ?s ?p ?x }", substitutions=subs)
    with pytest.raises(StoreError, match="default_graph_as_union=False is not supported"):
        oxigraph_remote_store.query("ASK {}", default_graph_as_union=False)


def test_endpoint_syntax_errors_are_query_errors(oxigraph_server: OxigraphServer) -> None:
    """A query only the endpoint reads (SERVICE is not evaluated locally) and rejects: its message, one line."""
    remote = RemoteStore(oxigraph_server.endpoint)
    with pytest.raises(QueryError) as e:
        remote.query(f"SELECT * WHERE {{ SERVICE <{oxigraph_server.endpoint}> {{ ?s ?p }} }}")
    assert str(e.value).startswith(f"{oxigraph_server.endpoint}: the endpoint rejected the query (HTTP 400): error at")
    assert "\n" not in str(e.value)


# ---- the command line


def test_query_command_with_endpoint(store: EmbeddedStore, oxigraph_remote_store: RemoteStore,
                                     oxigraph_server: OxigraphServer, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for args in (["document/outline", "--format", "json"],
                 ["agencies/articles_by_agency", "--param", "agency=市财政局", "--format", "csv"],
                 ["search/describe", "--param", "resource=agency:finance-bureau"]):
        code, embedded, _ = cli(capsys, monkeypatch, "query", *args, "--store", str(store.root))
        assert code == 0
        code, remote, err = cli(capsys, monkeypatch, "query", *args, "--endpoint", oxigraph_server.endpoint)
        assert code == 0, err
        if args[0] == "search/describe":  # blank node labels differ; the triples do not
            assert len(remote.splitlines()) == len(embedded.splitlines()) and "市财政局" in remote
        else:
            assert remote == embedded
    doc = json.loads(cli(capsys, monkeypatch, "query", "document/outline", "--format", "json",
                         "--endpoint", oxigraph_server.endpoint)[1])
    assert len(doc["results"]["bindings"]) == 62


def test_store_and_endpoint_together_is_an_error(oxigraph_server: OxigraphServer, store: EmbeddedStore,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = cli(capsys, monkeypatch, "query", "document/outline", "--store", str(store.root),
                       "--endpoint", oxigraph_server.endpoint)
    assert code == 2 and err.strip() == "policykg: error: give either --store or --endpoint, not both"


@pytest.mark.parametrize(("path", "message"), [
    ("CLOSED", "cannot reach the SPARQL endpoint: connection refused"),
    ("/html", "the endpoint answered text/html; charset=utf-8, not SPARQL results (Welcome to nginx!)"),
    ("/fail", "the endpoint failed (HTTP 500): java.lang.OutOfMemoryError: Java heap space"),
    ("/forbidden", "the endpoint refused access (HTTP 403)"),
    ("/nowhere", "no SPARQL endpoint at this URL (HTTP 404)"),
])
def test_endpoint_failures_are_one_line_exit_2(path: str, message: str, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with stub_endpoint() as base:
        url = f"http://127.0.0.1:{free_port()}/query" if path == "CLOSED" else base + path
        code, out, err = cli(capsys, monkeypatch, "query", "document/outline", "--endpoint", url)
    assert code == 2 and out == ""
    assert err.startswith(f"policykg: error: {url}: {message}"), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# ---- RemoteStore errors, one line each, naming the endpoint


def test_failures_name_the_endpoint() -> None:
    with stub_endpoint() as base:
        cases: list[tuple[RemoteStore, str, type[Exception], str]] = [
            (RemoteStore(base + "/badjson"), "SELECT * {}", StoreError, "malformed SPARQL results"),
            (RemoteStore(base + "/boolean"), "SELECT * {}", StoreError, "answered a boolean to a SELECT query"),
            (RemoteStore(base + "/html"), "CONSTRUCT WHERE { ?s ?p ?o }", StoreError, "not RDF"),
            (RemoteStore(base + "/slow", timeout=1), "ASK {}", QueryTimeout, "no answer within 1 s"),
            (RemoteStore(base + "/reset"), "ASK {}", StoreError, "cannot reach the SPARQL endpoint"),
            (RemoteStore(base + "/auth"), "ASK {}", StoreError, "refused access (HTTP 401); set POLICYKG_ENDPOINT_USER"),
        ]
        for remote, sparql, error, message in cases:
            with pytest.raises(error) as e:
                remote.query(sparql)
            assert message in str(e.value), (remote, str(e.value))
            assert str(e.value).startswith(remote.endpoint + ": ") and "\n" not in str(e.value)


def test_credentials_and_graph_results() -> None:
    with stub_endpoint() as base:
        assert bool(RemoteStore(base + "/auth", auth=("reader", "s3cret")).query("ASK {}"))
        triples = list(RemoteStore(base + "/turtle").query("CONSTRUCT WHERE { ?s ?p ?o }"))
        assert len(triples) == 2 and any(isinstance(t.object, ox.BlankNode) for t in triples)


def test_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYKG_ENDPOINT_USER", "reader")
    monkeypatch.setenv("POLICYKG_ENDPOINT_PASSWORD", "s3cret")
    with stub_endpoint() as base:
        remote = open_read_store(endpoint=base + "/auth")
        assert isinstance(remote, RemoteStore) and bool(remote.query("ASK {}"))
    monkeypatch.setenv("POLICYKG_ENDPOINT_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="POLICYKG_ENDPOINT_TIMEOUT='soon'"):
        open_read_store(endpoint="http://127.0.0.1:1/query")


def test_open_read_store(store: EmbeddedStore) -> None:
    assert isinstance(open_read_store(store.root, rebuild_if_stale=False), EmbeddedStore)
    with pytest.raises(ConfigError, match="not both"):
        open_read_store(store.root, "http://127.0.0.1:1/query")
    with pytest.raises(ConfigError, match="is not an http"):
        open_read_store(endpoint="localhost:7878/query")


def test_parameters_that_cannot_be_sent() -> None:
    remote = RemoteStore("http://127.0.0.1:1/query")  # never reached: the checks come first
    with pytest.raises(QueryParameterError, match="blank node"):
        remote.query("SELECT ?x WHERE { ?s ?p ?x }", substitutions={ox.Variable("x"): ox.BlankNode()})
    with pytest.raises(QueryParameterError, match="cannot be written into the query"):
        remote.query("SELECT ?p WHERE { ?s ?p ?o }", substitutions={ox.Variable("p"): ox.Literal("not a predicate")})


# ---- the Graph Store Protocol URL


@pytest.mark.parametrize(("endpoint", "server", "expected"), [
    ("http://127.0.0.1:7878/query", "Oxigraph/0.5.13", "http://127.0.0.1:7878/store"),
    ("http://127.0.0.1:7878/sparql", "Oxigraph/0.5.13", "http://127.0.0.1:7878/store"),
    ("http://fuseki:3030/policykg/sparql", "Apache Jena Fuseki (5.2.0)", "http://fuseki:3030/policykg/data"),
    ("http://fuseki:3030/policykg/query", "Apache Jena Fuseki (4.10.0)", "http://fuseki:3030/policykg/data"),
    ("http://graphdb:7200/repositories/policykg", None, "http://graphdb:7200/repositories/policykg/rdf-graphs/service"),
    ("http://virtuoso:8890/sparql", "Virtuoso/07.20.3240 (Linux) x86_64-generic-linux-glibc25  VDB",
     "http://virtuoso:8890/sparql-graph-crud-auth"),
    ("http://somewhere/sparql", "nginx", None),
])
def test_graph_store_url_is_derived(endpoint: str, server: str | None, expected: str | None) -> None:
    assert derive_graph_store_url(endpoint, server) == expected


def test_unknown_store_needs_graph_store_option(store: EmbeddedStore, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with stub_endpoint() as base:
        code, _, err = cli(capsys, monkeypatch, "push", "--endpoint", base + "/sparql", "--store", str(store.root))
    assert code == 2
    assert "cannot tell the Graph Store Protocol URL" in err and "give --graph-store URL" in err
    assert len(err.strip().splitlines()) == 1
