"""The SPARQL 1.1 Protocol at ``/sparql``: query by GET, POST form and POST direct; update only when
enabled (with a token); a service description (and VoID) on a plain GET.

:func:`handle` is a plain async function from :class:`~policykg.server.http.Request` to
:class:`~policykg.server.http.Response`; :func:`routes` mounts it (``ROUTE_PROVIDERS`` in app.py).
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from .executor import QueryJob, QueryOutcome
from .formats import BOOLEAN_FORMATS, FORMATS, GRAPH_FORMATS, SOLUTION_FORMATS, Format, negotiate
from .http import HTTPError, Request, Response
from .security import check

PATH = "/sparql"
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

#: response headers: how many rows (or triples) were sent, and whether the row cap cut the result
ROWS_HEADER = "PolicyKG-Rows"
TRUNCATED_HEADER = "PolicyKG-Truncated"


def routes(ctx: Any) -> list[Any]:
    from starlette.routing import Route

    from .app import endpoint

    run = endpoint(handle, ctx)
    return [Route(PATH, run, methods=["GET", "POST"]), Route(PATH + "/", run, methods=["GET", "POST"])]


def endpoint_url(request: Request) -> str:
    return request.base_url.rstrip("/") + PATH


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HTTPError(400, "bad-request", f"the {what} is not valid UTF-8 (byte {e.start})",
                        message_zh="请求内容不是有效的 UTF-8") from None


def _params(request: Request) -> tuple[list[tuple[str, str]], str | None, str | None]:
    """Protocol parameters, the query text and the update text of a request."""
    params = request.query_params()
    query = update = None
    if request.method == "POST":
        ctype = request.content_type
        charset = request.charset
        if ctype in (QUERY_TYPE, UPDATE_TYPE, FORM) and charset not in (None, "utf-8", "utf8"):
            raise HTTPError(415, "unsupported-media-type",
                            f"charset={charset}: the protocol requires UTF-8", message_zh="只接受 UTF-8 编码")
        if ctype == FORM:
            text = _decode(request.body, "form body")
            from urllib.parse import parse_qsl

            params = params + parse_qsl(text, keep_blank_values=True)
        elif ctype == QUERY_TYPE:
            query = _decode(request.body, "query")
        elif ctype == UPDATE_TYPE:
            update = _decode(request.body, "update")
        else:
            shown = ctype or "none"
            raise HTTPError(415, "unsupported-media-type",
                            f"Content-Type {shown}: send {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}")
    queries = [v for k, v in params if k == "query"]
    updates = [v for k, v in params if k == "update"]
    if len(queries) + (query is not None) > 1:
        raise HTTPError(400, "bad-request", "more than one query in the request", message_zh="请求中有多个查询")
    if len(updates) + (update is not None) > 1:
        raise HTTPError(400, "bad-request", "more than one update in the request", message_zh="请求中有多个更新")
    if (queries or query is not None) and (updates or update is not None):
        raise HTTPError(400, "bad-request", "a request carries a query or an update, not both")
    if request.method == "GET" and updates:
        raise HTTPError(400, "bad-request", "an update must be sent by POST, never by GET",
                        message_zh="更新只能用 POST 发送")
    if query is None and queries:
        query = queries[0]
    if update is None and updates:
        update = updates[0]
    return params, query, update


def offered_formats(form: str | None) -> tuple[Format, ...]:
    if form in ("CONSTRUCT", "DESCRIBE"):
        return GRAPH_FORMATS
    if form == "ASK":
        return BOOLEAN_FORMATS
    return SOLUTION_FORMATS


async def handle(request: Request, ctx: Any) -> Response:
    """One request to /sparql."""
    params, query, update = _params(request)
    if query is None and update is None:
        if request.method == "GET" and not params:
            return service_description(request, ctx)
        raise HTTPError(400, "missing-query", "no query: send `query` (GET or POST form) or a "
                        f"{QUERY_TYPE} body; a GET without parameters returns the service description")
    settings = ctx.settings
    if update is not None:
        return await _update(request, ctx, params, update)
    assert query is not None
    if not query.strip():
        raise HTTPError(400, "missing-query", "the query is empty")
    default = [v for k, v in params if k == "default-graph-uri"]
    named = [v for k, v in params if k == "named-graph-uri"]
    checked = check(query, operation="query", graphs=ctx.executor.named_graphs(),
                    protocol_default=default, protocol_named=named, allow_update=settings.allow_update)
    fmt = negotiate(request.header("accept"), offered_formats(checked.form))
    job = QueryJob(
        sparql=query,
        select_format=fmt.key if fmt.key in ("json", "xml", "csv", "tsv") else "json",
        graph_format=fmt.key if fmt in GRAPH_FORMATS else "turtle",
        default_graphs=tuple(default) if default or named else None,
        named_graphs=tuple(named) if default or named else None,
        union_default_graph=not checked.own_dataset,  # read once, here (the worker need not read it again)
        base_iri=endpoint_url(request),
        max_rows=settings.max_rows,
    )
    outcome = await ctx.executor.execute(job)
    return result_response(outcome, settings.max_rows)


def result_response(outcome: QueryOutcome, max_rows: int) -> Response:
    """The HTTP response of a query result (row count and truncation in headers, and in JSON)."""
    fmt = next((f for f in FORMATS.values() if f.media_type == outcome.media_type), None)
    body = outcome.body
    headers = {"Vary": "Accept", ROWS_HEADER: str(outcome.rows)}
    if outcome.truncated:
        headers[TRUNCATED_HEADER] = f"true; max-rows={max_rows}"
        if outcome.media_type == FORMATS["json"].media_type:
            data = json.loads(body)
            data["truncated"] = True
            data["max_rows"] = max_rows
            body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(200, body, fmt.content_type if fmt else outcome.media_type, headers)


async def _update(request: Request, ctx: Any, params: list[tuple[str, str]], update: str) -> Response:
    settings = ctx.settings
    if not settings.allow_update:
        raise HTTPError(403, "read-only", "this endpoint is read-only: SPARQL Update is not accepted")
    token = request.header("authorization")
    scheme, _, value = token.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), (settings.update_token or "").encode()):
        raise HTTPError(401, "unauthorized", "updates need the update token: Authorization: Bearer <token>",
                        headers={"WWW-Authenticate": 'Bearer realm="policykg"'})
    default = [v for k, v in params if k == "using-graph-uri"]
    named = [v for k, v in params if k == "using-named-graph-uri"]
    checked = check(update, operation="update", graphs=ctx.executor.named_graphs(),
                    protocol_default=default, protocol_named=named, allow_update=True)
    await ctx.executor.execute(QueryJob(sparql=checked.text, update=True, base_iri=endpoint_url(request)))
    return Response(204)


# --- service description --------------------------------------------------------------------------

def service_description(request: Request, ctx: Any) -> Response:
    """The service description (SPARQL 1.1 Service Description) with a VoID description of the data,
    claiming only what the endpoint does."""
    import pyoxigraph as ox

    from ..namespaces import DCTERMS, FORMATS as F, ID, PK, RDF, SD, VOID

    fmt = negotiate(request.header("accept"), GRAPH_FORMATS)
    url = endpoint_url(request)
    service = ox.NamedNode(url)
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")

    def n(iri: Any) -> ox.NamedNode:
        return ox.NamedNode(str(iri))

    a = n(RDF.type)
    triples = [
        ox.Triple(service, a, n(SD.Service)),
        ox.Triple(service, n(SD.endpoint), service),
        ox.Triple(service, n(SD.supportedLanguage), n(SD.SPARQL11Query)),
        ox.Triple(service, n(SD.feature), n(SD.UnionDefaultGraph)),
        ox.Triple(service, n(SD.defaultDataset), dataset),
        ox.Triple(dataset, a, n(SD.Dataset)),
        ox.Triple(dataset, a, n(VOID.Dataset)),
        ox.Triple(dataset, n(VOID.sparqlEndpoint), service),
        ox.Triple(dataset, n(VOID.uriSpace), ox.Literal(str(ID))),
        ox.Triple(dataset, n(DCTERMS.title), ox.Literal("政策知识图谱 policykg", language="zh")),
        ox.Triple(dataset, n(DCTERMS.title), ox.Literal("policykg: a knowledge graph of Chinese enterprise-support "
                                                        "policy", language="en")),
        ox.Triple(dataset, n(SD.defaultGraph), default_graph),
        ox.Triple(default_graph, a, n(SD.Graph)),
    ]
    if ctx.settings.allow_update:
        triples.append(ox.Triple(service, n(SD.supportedLanguage), n(SD.SPARQL11Update)))
    for key in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(ox.Triple(service, n(SD.resultFormat), n(F[key])))
    triples.append(ox.Triple(dataset, n(VOID.vocabulary), n(PK)))
    counts = graph_counts(ctx) if not ctx.settings.allow_update else {}
    total = 0
    for i, graph in enumerate(ctx.executor.named_graphs()):
        node, g = ox.BlankNode(f"named{i}"), ox.BlankNode(f"graph{i}")
        triples += [
            ox.Triple(dataset, n(SD.namedGraph), node),
            ox.Triple(node, a, n(SD.NamedGraph)),
            ox.Triple(node, n(SD.name), ox.NamedNode(graph)),
            ox.Triple(node, n(SD.graph), g),
            ox.Triple(g, a, n(SD.Graph)),
        ]
        if graph in counts:
            triples.append(ox.Triple(g, n(VOID.triples), ox.Literal(str(counts[graph]), datatype=n(_xsd_integer()))))
            total += counts[graph]
    if counts:
        triples.append(ox.Triple(default_graph, n(VOID.triples), ox.Literal(str(total), datatype=n(_xsd_integer()))))
        triples.append(ox.Triple(dataset, n(VOID.triples), ox.Literal(str(total), datatype=n(_xsd_integer()))))
    rdf = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
           "rdfxml": ox.RdfFormat.RDF_XML}[fmt.key]
    prefixes = {"sd": str(SD), "void": str(VOID), "formats": str(F), "dcterms": str(DCTERMS)}
    body = ox.serialize(triples, format=rdf, prefixes=prefixes if rdf is not ox.RdfFormat.JSON_LD else None)
    return Response(200, body or b"", fmt.content_type, {"Vary": "Accept"})


def _xsd_integer() -> str:
    from ..namespaces import XSD

    return str(XSD.integer)


def graph_counts(ctx: Any) -> dict[str, int]:
    """Triples per named graph, from the manifest of the store the workers opened."""
    cached = ctx.state.get("policykg.server.sparql.counts")
    if cached is None and getattr(ctx.executor, "upstream", None):
        cached = ctx.state["policykg.server.sparql.counts"] = {}  # a proxy: no manifest of the upstream's data
    if cached is None:
        from ..store import MANIFEST, Manifest, live_version

        try:
            version = live_version(ctx.settings.store_path)
            assert version is not None
            cached = dict(Manifest.from_json(json.loads((version / MANIFEST).read_text("utf-8"))).graphs)
        except Exception:  # a proxy, or a store that went away: describe without counts
            cached = {}
        ctx.state["policykg.server.sparql.counts"] = cached
    return cached  # type: ignore[no-any-return]
