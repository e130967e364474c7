"""The ASGI app: ``create_app(settings)`` collects routes from the providers in :data:`ROUTE_PROVIDERS`.

To mount a new front end (the explorer, the JSON API) add one line to :data:`ROUTE_PROVIDERS`: the
dotted name of a module with a function ``routes(ctx: ServerContext) -> list[starlette.routing.BaseRoute]``.
Routes are matched in provider order (the SPARQL endpoint first, catch-all pages last). A provider
runs queries through ``ctx.executor`` (the same worker pool, limits and security checks as /sparql)
or the helpers on :class:`ServerContext`; it never opens the store itself.

This is the only module of the package that knows Starlette.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .executor import QueryExecutor
from .http import HTTPError, Request, Response, error_response, generic_error
from .settings import Settings

#: modules that contribute routes, in matching order; each has ``routes(ctx) -> list[BaseRoute]``
ROUTE_PROVIDERS: tuple[str, ...] = (
    "policykg.server.sparql",      # /sparql: SPARQL 1.1 Protocol, service description
    "policykg.explorer.routes",    # /: HTML explorer (pages, /id/… dereferencing, search, query UI)
    "policykg.server.api",         # /api/: JSON API (eligibility; OpenAPI at /api/openapi.json)
)


@dataclass
class ServerContext:
    """What route providers get: the settings and the query executor (shared by every front end)."""

    settings: Settings
    executor: QueryExecutor
    #: free-form place for providers to keep state between requests (keyed by provider module name)
    state: dict[str, Any] = field(default_factory=dict)


RouteProvider = Callable[[ServerContext], Sequence[Any]]


def _provider(name: str) -> RouteProvider:
    module = importlib.import_module(name)
    return module.routes  # type: ignore[no-any-return]


# --- adapters between Starlette and the framework-free handlers -------------------------------------

Handler = Callable[[Request, ServerContext], Any]  # async (Request, ctx) -> Response


async def read_request(request: Any) -> Request:
    """A Starlette request as a :class:`~policykg.server.http.Request` (body already size-checked)."""
    body = await request.body()
    return Request(
        method=request.method,
        path=request.url.path,
        query_string=request.url.query,
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        base_url=str(request.base_url),
    )


def to_starlette(response: Response) -> Any:
    from starlette.responses import Response as StarletteResponse

    return StarletteResponse(content=response.body, status_code=response.status,
                             media_type=response.media_type, headers=dict(response.headers))


def endpoint(handler: Handler, ctx: ServerContext) -> Callable[[Any], Any]:
    """Wrap ``async handler(Request, ctx) -> Response`` as a Starlette endpoint."""

    async def run(request: Any) -> Any:
        try:
            response = await handler(await read_request(request), ctx)
        except HTTPError as e:
            response = e.response()
        return to_starlette(response)

    return run


# --- the app -----------------------------------------------------------------------------------------

def create_app(settings: Settings | None = None, *, executor: QueryExecutor | None = None,
               providers: Sequence[str] | None = None) -> Any:
    """The Starlette app: routes of every provider, CORS, body limit, JSON errors, worker pool lifespan.

    ``executor`` defaults to the embedded store's worker pool (:class:`policykg.server.pool.WorkerPool`);
    ``providers`` to :data:`ROUTE_PROVIDERS`.
    """
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware

    settings = settings or Settings.from_env()
    if executor is None:
        from .pool import WorkerPool

        executor = WorkerPool(settings)
    ctx = ServerContext(settings=settings, executor=executor)
    routes: list[Any] = []
    for name in providers if providers is not None else ROUTE_PROVIDERS:
        routes.extend(_provider(name)(ctx))

    async def http_exception(request: Any, exc: Any) -> Any:
        status = exc.status_code
        if status >= 500:
            return to_starlette(generic_error(status))
        code = {404: "not-found", 405: "method-not-allowed"}.get(status, "bad-request")
        headers = dict(exc.headers or {})
        return to_starlette(error_response(status, code, str(exc.detail), headers=headers))

    async def any_exception(request: Any, exc: Exception) -> Any:
        return to_starlette(generic_error(500))

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=False,
                       allow_methods=["GET", "POST"], allow_headers=["Accept", "Content-Type", "Authorization"],
                       expose_headers=list(EXPOSED_HEADERS), max_age=600),
            Middleware(BodyLimit, max_body=settings.max_body),
        ],
        exception_handlers={StarletteHTTPException: http_exception, Exception: any_exception},
    )
    return PolicyKGApp(app, ctx)


class PolicyKGApp:
    """The ASGI app: Starlette for HTTP, and a lifespan that starts and stops the query executor.

    ``state.ctx`` is the ServerContext; ``state.on_ready`` callbacks run once the executor is ready;
    a startup failure (a PolicyKGError, e.g. no store) is kept in ``state.startup_error`` and reported
    to the server as a failed startup without a traceback.
    """

    def __init__(self, starlette: Any, ctx: ServerContext) -> None:
        self.starlette = starlette
        self.ctx = ctx
        self.state = starlette.state
        self.state.ctx = ctx
        self.state.on_ready = []
        self.state.startup_error = None

    @property
    def routes(self) -> list[Any]:
        return self.starlette.routes  # type: ignore[no-any-return]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.starlette(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.ctx.executor.start()
                except Exception as e:
                    self.state.startup_error = e
                    await send({"type": "lifespan.startup.failed", "message": ""})
                    return
                for callback in self.state.on_ready:
                    callback()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.ctx.executor.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


#: response headers a browser script may read (CORS)
EXPOSED_HEADERS = ("PolicyKG-Rows", "PolicyKG-Truncated", "Retry-After")


class BodyLimit:
    """ASGI middleware: 413 (JSON error shape) when a body or query string is larger than ``max_body``."""

    def __init__(self, app: Any, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = len(scope.get("query_string", b"")) > self.max_body
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_large = too_large or int(value) > self.max_body
                except ValueError:
                    too_large = True
        if too_large:
            await self._reject(send)
            return
        received = 0

        async def limited_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._reject(send)

    async def _reject(self, send: Any) -> None:
        r = error_response(413, "body-too-large", f"the request is larger than {self.max_body} bytes")
        await send({"type": "http.response.start", "status": r.status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(r.body)).encode())]})
        await send({"type": "http.response.body", "body": r.body})


class _BodyTooLarge(Exception):
    pass
