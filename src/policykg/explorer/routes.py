"""Mounts the explorer into ``policykg serve`` (one line of ``ROUTE_PROVIDERS`` in server/app.py).

=======================  ===================================================================
path                     page
=======================  ===================================================================
/                        the corpus at a glance
/documents, /agencies,   lists
/measures, /concepts,
/groups
/id/…                    every IRI the corpus mints (https://w3id.org/policykg/id/…):
                         HTML, or Turtle / JSON-LD / N-Triples / RDF/XML by Accept or ?format=
/ontology[/Term]         the ontology (https://w3id.org/policykg/ontology#Term)
/shapes/…, /graph/…      SHACL shapes and named graphs under https://w3id.org/policykg/
/search?q=               full-text search over labels and article text
/drafts                  check a policy draft (form; the HTML report of ``policykg draft check``)
/network                 interactive graph of citations and agency co-responsibility
/query                   the SPARQL query UI (YASGUI) with the named queries
/queries[/ID]            the named queries, runnable with a form (no JavaScript)
/static/…                stylesheets, scripts and vendored libraries
=======================  ===================================================================
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..server.http import HTTPError, Request, Response
from .pages import Explorer

STATE_KEY = "policykg.explorer"

Page = Callable[[Request], Awaitable[Response]]


def explorer(ctx: Any) -> Explorer:
    """The explorer of a server context (one per app)."""
    found = ctx.state.get(STATE_KEY)
    if found is None:
        found = ctx.state[STATE_KEY] = Explorer(ctx)
    return found  # type: ignore[no-any-return]


def routes(ctx: Any) -> list[Any]:
    from starlette.routing import Route

    from ..server.app import endpoint

    ex = explorer(ctx)

    def page(method: Page) -> Any:
        async def handler(request: Request, _ctx: Any) -> Response:
            try:
                return await method(request)
            except HTTPError as e:
                return ex.error_page(request, e)

        return endpoint(handler, ctx)

    get = ["GET", "HEAD"]
    resource = page(ex.resource)
    return [
        Route("/", page(ex.home), methods=get),
        Route("/documents", page(ex.documents), methods=get),
        Route("/agencies", page(ex.agencies), methods=get),
        Route("/measures", page(ex.measures), methods=get),
        Route("/concepts", page(ex.concepts), methods=get),
        Route("/groups", page(ex.groups), methods=get),
        Route("/search", page(ex.search), methods=get),
        Route("/drafts", page(ex.drafts), methods=[*get, "POST"]),
        Route("/network", page(ex.network), methods=get),
        Route("/network.json", page(ex.network_json), methods=get),
        Route("/query", page(ex.query_ui), methods=get),
        Route("/queries", page(ex.queries_index), methods=get),
        Route("/queries/{name:path}", page(ex.named_query), methods=get),
        Route("/static/{name:path}", page(ex.static_file), methods=get),
        Route("/id/{path:path}", resource, methods=get),
        Route("/ontology", resource, methods=get),
        Route("/ontology/{path:path}", resource, methods=get),
        Route("/shapes/{path:path}", resource, methods=get),
        Route("/graph/{path:path}", resource, methods=get),
    ]
