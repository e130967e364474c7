"""The endpoint's framework-free parts, without a server: content negotiation, the SPARQL lexer behind
the refusals, settings, the update rewrite, and mounting a front end into create_app."""

from __future__ import annotations

import asyncio
import sys
import types
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from policykg.errors import ConfigError
from policykg.server.app import create_app, endpoint
from policykg.server.executor import QueryJob, QueryOutcome
from policykg.server.formats import GRAPH_FORMATS, SOLUTION_FORMATS, negotiate
from policykg.server.http import HTTPError, Request, Response
from policykg.server.security import LexError, analyse, check, tokenize, with_using
from policykg.server.settings import Settings


def key(accept: str | None, offered=SOLUTION_FORMATS) -> str:  # type: ignore[no-untyped-def]
    return negotiate(accept, offered).key


def test_negotiation_with_q_values() -> None:
    assert key(None) == "json" and key("") == "json" and key("*/*") == "json"
    assert key("text/csv") == "csv"
    assert key("text/csv;q=0.5, application/sparql-results+xml") == "xml"
    assert key("text/csv;q=0.5, application/sparql-results+xml;q=0.4") == "csv"
    # the more specific range wins: csv gets 0.1, XML (also served as text/xml) 0
    assert key("text/*;q=0.9, text/csv;q=0.1, text/xml;q=0") == "tsv"
    assert key("application/json") == "json"
    assert key("application/sparql-results+json;q=0, */*;q=0.1") == "xml"
    assert key("text/turtle, application/rdf+xml;q=0.9", GRAPH_FORMATS) == "turtle"
    assert key("application/rdf+xml, text/turtle;q=0.9", GRAPH_FORMATS) == "rdfxml"
    assert key("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", GRAPH_FORMATS) == "rdfxml"
    assert key("application/ld+json", GRAPH_FORMATS) == "jsonld"
    assert key("garbage, text/csv") == "csv"
    for accept in ("text/html", "application/sparql-results+json;q=0", "image/*"):
        with pytest.raises(HTTPError) as e:
            negotiate(accept, SOLUTION_FORMATS)
        assert e.value.status == 406
    with pytest.raises(HTTPError):
        negotiate("application/sparql-results+json", GRAPH_FORMATS)


def test_lexer_reads_the_terminals() -> None:
    text = ('PREFIX ex: <http://e/> SELECT ?s $o WHERE { ?s ex:p\\.q "a \\" SERVICE" ; ex:r """x\n"y" FROM""" ; '
            "ex:t 'it''s'@en-GB , _:b1 , 1.5e3 , -2 . # SERVICE <http://evil/>\n FILTER(?o<1&&?o>2) }")
    kinds = [t.kind for t in tokenize(text)]
    assert kinds.count("string") == 4 and kinds.count("comment") == 0
    assert [t.text for t in tokenize(text) if t.kind == "pname"] == ["ex:", "ex:p\\.q", "ex:r", "ex:t"]
    a = analyse(text)
    assert a.kind == "query" and a.form == "SELECT" and not a.service and not a.datasets
    with pytest.raises(LexError):
        tokenize('SELECT * { ?s ?p "unterminated }')


def test_analysis_finds_datasets_service_and_updates() -> None:
    a = analyse("BASE <http://b/> PREFIX x: <http://x/> SELECT * FROM <g> FROM NAMED x:h "
                "{ SERVICE SILENT ?e { } }")
    assert [(d.clause, d.iri) for d in a.datasets] == [("FROM", "http://b/g"), ("FROM NAMED", "http://x/h")]
    assert len(a.service) == 1
    assert analyse("prefix x: <http://x/> insert data { x:a x:b x:c }").kind == "update"
    assert analyse("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }").kind == "update"
    assert analyse("LOAD <http://x/>").load


def _refused(text: str, **kw: Any) -> tuple[int, str]:
    with pytest.raises(HTTPError) as e:
        check(text, operation=kw.pop("operation", "query"), graphs=kw.pop("graphs", ("urn:g",)), **kw)
    return e.value.status, e.value.code


def test_checks() -> None:
    assert check("SELECT * FROM <urn:g> { ?s ?p ?o }", operation="query", graphs=("urn:g",)).form == "SELECT"
    assert _refused("SELECT * FROM <urn:h> { }") == (403, "dataset-refused")
    assert _refused("SELECT * { }", protocol_named=["urn:h"]) == (403, "dataset-refused")
    assert _refused("SELECT * { SERVICE <urn:s> { } }") == (403, "service-refused")
    assert _refused("INSERT DATA { <a> <b> <c> }") == (403, "read-only")
    assert _refused("CLEAR ALL", operation="update") == (403, "read-only")
    assert _refused("LOAD <http://x/>", operation="update", allow_update=True) == (403, "forbidden")
    assert _refused("INSERT DATA { <a> <b> <c> }", allow_update=True) == (400, "malformed-query")
    assert _refused("SELECT * { ?s ?p 'x\n' }") == (400, "malformed-query")
    # a refusal wins over a lexing error: SERVICE written with codepoint escapes
    assert _refused("SELECT * { \\u0053ERVICE <urn:s> { } }") == (403, "service-refused")
    assert _refused("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", operation="update", allow_update=True,
                    protocol_default=["urn:g"]) == (400, "bad-request")


def test_protocol_dataset_of_an_update_becomes_using_clauses() -> None:
    text = ("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o } ; INSERT DATA { <urn:a> <urn:b> <urn:c> } ; "
            "INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }")
    out = with_using(analyse(text), ["urn:d"], ["urn:n"])
    assert out.count("} USING <urn:d> USING NAMED <urn:n> WHERE {") == 2
    store = ox.Store()
    store.update(out)  # still a valid update


@hsettings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_nothing_hides_in_a_string(value: str) -> None:
    """Whatever a string literal holds, the lexer sees one string, and the SERVICE after it."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    query = f'SELECT * {{ ?s ?p "{escaped}" SERVICE <urn:x> {{ }} }}'
    ox.Store().query(f'SELECT * {{ ?s ?p "{escaped}" }}')  # pyoxigraph reads it as one string too
    a = analyse(query)
    assert [t.kind for t in a.tokens].count("string") == 1
    assert len(a.service) == 1


def test_settings_from_environment_and_options() -> None:
    s = Settings.from_env({"POLICYKG_QUERY_TIMEOUT": "2.5", "POLICYKG_MAX_ROWS": "7", "POLICYKG_WORKERS": "3",
                           "POLICYKG_CORS_ORIGINS": "https://a.example, https://b.example"})
    assert (s.timeout, s.max_rows, s.workers, s.host, s.port) == (2.5, 7, 3, "127.0.0.1", 8000)
    assert s.cors_origins == ("https://a.example", "https://b.example")
    assert s.with_options(port=0, max_rows=None).port == 0 and s.with_options(max_rows=None).max_rows == 7
    for env in ({"POLICYKG_MAX_ROWS": "many"}, {"POLICYKG_QUERY_TIMEOUT": "-1"}, {"POLICYKG_PORT": "70000"},
                {"POLICYKG_ALLOW_UPDATE": "yes"}):
        with pytest.raises(ConfigError):
            Settings.from_env(env)


class FakeExecutor:
    """Records the jobs it gets; answers ASK true."""

    def __init__(self) -> None:
        self.jobs: list[QueryJob] = []

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def named_graphs(self) -> tuple[str, ...]:
        return ("urn:g",)

    async def execute(self, job: QueryJob) -> QueryOutcome:
        self.jobs.append(job)
        return QueryOutcome("ask", "application/sparql-results+json", b'{"head":{},"boolean":true}', rows=1)


def test_a_front_end_mounts_with_one_provider_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The interface the explorer and the JSON API use: a module with routes(ctx), listed in providers."""
    from starlette.routing import Route

    module = types.ModuleType("policykg_test_frontend")

    async def hello(request: Request, ctx: Any) -> Response:
        outcome = await ctx.executor.execute(QueryJob("ASK {}"))
        return Response(200, b"hello " + outcome.body, "text/plain")

    module.routes = lambda ctx: [Route("/hello", endpoint(hello, ctx))]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "policykg_test_frontend", module)
    fake = FakeExecutor()
    app = create_app(Settings(), executor=fake, providers=("policykg.server.sparql", "policykg_test_frontend"))

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return [await c.get("/hello"), await c.get("/sparql", params={"query": "ASK {}"}),
                    await c.get("/sparql", params={"query": "ASK FROM <urn:other> {}"})]

    hello_r, ask, refused = asyncio.run(go())
    assert hello_r.text == 'hello {"head":{},"boolean":true}'
    assert ask.json() == {"head": {}, "boolean": True}
    assert refused.status_code == 403 and len(fake.jobs) == 2
    assert fake.jobs[1].base_iri == "http://t/sparql" and fake.jobs[1].max_rows == 10_000
