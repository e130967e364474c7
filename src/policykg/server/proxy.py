"""``policykg serve --endpoint URL``: the endpoint as a proxy over any SPARQL 1.1 endpoint.

:class:`ProxyExecutor` is the second :class:`~policykg.server.executor.QueryExecutor`: the protocol
handler, the security checks (nothing refused locally reaches the upstream), content negotiation, the
explorer and the JSON API stay exactly as over the embedded store; only the evaluation moves to the
upstream store (Oxigraph server, Fuseki, GraphDB, Virtuoso …), asked over HTTP with httpx.

* **Wall-clock limit.** Each query has ``timeout`` seconds from the moment it is forwarded to its last
  byte; past it the connection is closed and the client gets ``504``. (What the upstream does with a
  query whose client went away is its own business: set its own query timeout too, see
  docs/external-store.md.)
* **Row cap.** SELECT results are asked for as TSV and CONSTRUCT / DESCRIBE results as N-Triples — one
  line per row or triple — so the answer is read only up to ``max_rows`` and the connection closed; an
  endpoint that answers in another SPARQL format (JSON, XML, Turtle, RDF/XML) is read whole, up to
  :data:`MAX_UPSTREAM_BYTES`. The result is then written in the negotiated format by pyoxigraph, as the
  worker processes do over the embedded store.
* **Errors.** A malformed query is ``400`` with the upstream's message; an upstream that cannot be
  reached, fails, or answers something that is not SPARQL is ``502``, one that does not answer in time
  ``504`` — both in the one JSON error shape with a generic message (details go to the server log).
* **Graphs.** The upstream's named graphs are read when the server starts (``SELECT DISTINCT ?g``) and
  again every :data:`GRAPH_REFRESH` seconds: FROM / FROM NAMED / default-graph-uri may name only them.
* Nothing is ever evaluated locally: pyoxigraph parses nothing a client sent (even on an empty store, a
  query of VALUES cross joins can run for minutes). Parameters of the explorer's named queries are
  written into the text with SEP-0007 semantics (:func:`policykg.remote.substitute`).
* The upstream must answer over the union of its named graphs, as for every ``--endpoint`` command
  (Oxigraph ``serve --union-default-graph``; see docs/external-store.md). Updates are never forwarded.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any
from urllib.parse import urljoin

import pyoxigraph as ox

from ..errors import ConfigError, QueryParameterError, StoreError
from ..remote import USER_AGENT, _first_line, _top_level_star, query_form, remote_from_env, substitute, tokenize
from .executor import QueryJob, QueryOutcome
from .http import GENERIC_5XX, HTTPError
from .pool import syntax_error
from .settings import Settings
from .worker import RDF_FORMATS, RESULT_FORMATS, _cut, _serialize_capped, _term, graph_body, query_dataset

log = logging.getLogger("policykg.server")

#: the most bytes read from an upstream answer that cannot be cut line by line (JSON, XML, Turtle …)
MAX_UPSTREAM_BYTES = 256 * 2**20
#: seconds between two readings of the upstream's named graphs
GRAPH_REFRESH = 60.0
#: what a query at start (the named graphs) may take at least, whatever the per-query limit
STARTUP_TIMEOUT = 60.0

_SELECT_ACCEPT = ("text/tab-separated-values, application/sparql-results+json;q=0.9, "
                  "application/sparql-results+xml;q=0.8")
_ASK_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_SCHEME = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]*:")
_POSITION = re.compile(r"error at (\d+):(\d+): ")


class _Failed(Exception):
    """The upstream failed: logged in full, answered 502 with a generic message."""


def _bad_gateway() -> HTTPError:
    return HTTPError(502, "bad-gateway", GENERIC_5XX[502], message_zh="上游 SPARQL 端点出错")


def _gateway_timeout(timeout: float) -> HTTPError:
    return HTTPError(504, "gateway-timeout", f"{GENERIC_5XX[504]} (the limit is {timeout:g} s)",
                     message_zh=f"上游 SPARQL 端点未在 {timeout:g} 秒内响应", headers={"Retry-After": "1"})


def _media(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


class ProxyExecutor:
    """A :class:`~policykg.server.executor.QueryExecutor` over the SPARQL endpoint ``upstream``.

    ``auth`` is ``(user, password)`` for HTTP ``basic`` or ``digest`` authentication (``auth_scheme``);
    ``headers`` are sent with every request. :meth:`from_env` reads them as every ``--endpoint`` command
    does (``POLICYKG_ENDPOINT_USER`` / ``_PASSWORD`` / ``_AUTH``).

    Raises:
        ConfigError: the URL is not http(s).
    """

    def __init__(self, settings: Settings, upstream: str, *, auth: tuple[str, str] | None = None,
                 auth_scheme: str = "basic", headers: dict[str, str] | None = None) -> None:
        from ..remote import _check_url

        self.settings = settings
        self.upstream = _check_url(upstream, "SPARQL endpoint")
        self.auth = auth
        self.auth_scheme = auth_scheme
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._client: Any = None
        self._graphs: tuple[str, ...] = ()
        self._inflight = 0
        self._refresher: asyncio.Task[None] | None = None

    @classmethod
    def from_env(cls, settings: Settings, upstream: str) -> ProxyExecutor:
        """With the credentials of the environment, as :func:`policykg.remote.remote_from_env` reads them.

        Raises:
            ConfigError: updates are enabled (a proxy never forwards them), or a value is unusable.
        """
        if settings.allow_update:
            raise ConfigError("--allow-update cannot be combined with --endpoint: the proxy is read-only")
        remote = remote_from_env(upstream)
        return cls(settings, remote.endpoint, auth=remote.auth, auth_scheme=remote.auth_scheme,
                   headers=remote.headers)

    def __repr__(self) -> str:
        return f"ProxyExecutor({self.upstream!r})"

    # ---- lifecycle

    async def start(self) -> None:
        """Open the connection pool and read the upstream's named graphs.

        Raises:
            StoreError: the upstream cannot be reached or does not answer a SPARQL query.
        """
        import httpx

        auth: Any = None
        if self.auth is not None:
            auth = httpx.DigestAuth(*self.auth) if self.auth_scheme == "digest" else httpx.BasicAuth(*self.auth)
        self._client = httpx.AsyncClient(
            auth=auth, headers=self.headers, follow_redirects=False, trust_env=False,
            timeout=httpx.Timeout(self.settings.timeout),
            limits=httpx.Limits(max_connections=self.settings.max_concurrent + 1,
                                max_keepalive_connections=self.settings.max_concurrent + 1))
        try:
            self._graphs = await self._read_graphs(max(self.settings.timeout, STARTUP_TIMEOUT))
        except (HTTPError, _Failed, TimeoutError) as e:
            await self.close()
            detail = (e.message if isinstance(e, HTTPError) else
                      "no answer in time" if isinstance(e, TimeoutError) else str(e))
            raise StoreError(f"the SPARQL endpoint does not answer queries: {detail}",
                             location=self.upstream) from None
        self._refresher = asyncio.ensure_future(self._refresh())

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def named_graphs(self) -> tuple[str, ...]:
        return self._graphs

    async def _read_graphs(self, timeout: float) -> tuple[str, ...]:
        async with asyncio.timeout(timeout):
            outcome = await self._forward(QueryJob(_GRAPHS_QUERY, select_format="tsv"), timeout=timeout)
        parsed = ox.parse_query_results(outcome.body, format=ox.QueryResultsFormat.TSV)
        if not isinstance(parsed, ox.QuerySolutions):
            raise _Failed("it answered a boolean to a SELECT query")
        return tuple(sorted({s["g"].value for s in parsed if isinstance(s["g"], ox.NamedNode)}))

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(GRAPH_REFRESH)
            try:
                self._graphs = await self._read_graphs(max(self.settings.timeout, STARTUP_TIMEOUT))
            except (HTTPError, _Failed, TimeoutError) as e:  # keep the last list; the next query will say more
                log.warning("could not read the named graphs of %s: %s", self.upstream, e)

    # ---- queries

    async def execute(self, job: QueryJob) -> QueryOutcome:
        settings = self.settings
        if job.update:
            raise HTTPError(403, "read-only", "this endpoint is a read-only proxy: SPARQL Update is not forwarded")
        if self._inflight >= settings.max_concurrent:
            raise HTTPError(503, "busy", f"{self._inflight} queries are running (the limit is "
                            f"{settings.max_concurrent}); retry shortly", headers={"Retry-After": "1"})
        self._inflight += 1
        try:
            async with asyncio.timeout(settings.timeout):
                return await self._forward(job, timeout=settings.timeout)
        except TimeoutError:
            log.warning("no answer from %s within %g s", self.upstream, settings.timeout)
            raise _gateway_timeout(settings.timeout) from None
        except _Failed as e:
            log.error("the upstream endpoint %s failed: %s", self.upstream, e)
            raise _bad_gateway() from None
        finally:
            self._inflight -= 1

    def _text(self, job: QueryJob, form: str, tokens: list[Any]) -> tuple[str, int]:
        """The text sent upstream (parameters written in, the base IRI declared) and how many characters
        were put before the client's first line."""
        text = job.sparql
        if job.substitutions:
            # only the server's own named queries carry substitutions (the explorer); a client's text never does
            subs = {name: _term(term) for name, term in job.substitutions.items()}
            projection = None
            if form == "SELECT" and _top_level_star(tokens):
                checked = ox.Store().query(text, substitutions={ox.Variable(k): v for k, v in subs.items()})
                if isinstance(checked, ox.QuerySolutions):
                    projection = [v.value for v in checked.variables]
            try:
                text = substitute(text, subs, projection)
            except QueryParameterError as e:
                raise HTTPError(400, "bad-request", str(e), message_zh="查询参数无效") from None
        offset = 0
        if job.base_iri and any(t.kind == "iri" and not _SCHEME.match(t.text) for t in tokens):
            # relative IRIs resolve against this endpoint's URL, as over the embedded store
            prefix = f"BASE <{job.base_iri}> "
            text, offset = prefix + text, len(prefix)
        return text, offset

    async def _forward(self, job: QueryJob, *, timeout: float) -> QueryOutcome:
        import httpx

        tokens = tokenize(job.sparql)
        form = query_form(tokens)
        if form is None:
            raise HTTPError(400, "malformed-query", "malformed SPARQL: a query (SELECT, ASK, CONSTRUCT or DESCRIBE) "
                            "was expected", message_zh="SPARQL 语法错误：应为查询（SELECT、ASK、CONSTRUCT 或 DESCRIBE）")
        text, offset = self._text(job, form, tokens)
        data: dict[str, Any] = {"query": text}
        if job.default_graphs is not None or job.named_graphs is not None:
            data["default-graph-uri"] = list(job.default_graphs or ())
            data["named-graph-uri"] = list(job.named_graphs or ())
        elif (own := query_dataset(job.sparql)) is not None:
            # the query's FROM / FROM NAMED sent as the protocol dataset too: a store answering over the union
            # of its graphs may ignore FROM (Oxigraph server with --union-default-graph does), never these
            base = job.base_iri or ""
            data["default-graph-uri"] = [urljoin(base, g) for g in own[0]]
            data["named-graph-uri"] = [urljoin(base, g) for g in own[1]]
        accept = {"SELECT": _SELECT_ACCEPT, "ASK": _ASK_ACCEPT}.get(form, _GRAPH_ACCEPT)
        limit = job.max_rows
        error: Exception | None = None  # raised after the stream is closed (HTTPError is frozen: no
        try:                            # traceback may be set on it inside an async context manager)
            async with self._client.stream("POST", self.upstream, data=data, headers={"Accept": accept},
                                           timeout=timeout) as response:
                media = _media(response.headers.get("content-type", ""))
                if response.status_code != 200:
                    error = self._status_error(response.status_code, await _read(response, 64 * 1024), offset)
                    raw, cut = b"", False
                elif form == "SELECT" and media == "text/tab-separated-values":
                    raw, cut = await _read_lines(response, None if limit is None else limit + 1)
                elif form in ("CONSTRUCT", "DESCRIBE") and media in ("application/n-triples", "text/plain"):
                    raw, cut = await _read_lines(response, limit)
                else:
                    raw, cut = await _read(response, MAX_UPSTREAM_BYTES), False
        except httpx.TimeoutException:
            raise TimeoutError from None
        except (httpx.TransportError, httpx.InvalidURL) as e:
            raise _Failed(f"cannot reach it: {type(e).__name__}: {e}") from None
        if error is not None:
            raise error
        # the result in the negotiated format: pyoxigraph's writers, off the event loop
        return await asyncio.to_thread(_convert, form, media, raw, cut, job)

    def _status_error(self, status: int, body: bytes, offset: int) -> Exception:
        if status == 400:
            message = _first_line(body, 400) or "the upstream endpoint refused the query"
            m = _POSITION.match(message)
            if m and offset and m.group(1) == "1":  # the BASE put before the client's first line
                message = f"error at 1:{max(1, int(m.group(2)) - offset)}: {message[m.end():]}"
            return syntax_error(message)
        return _Failed(f"HTTP {status}: {_first_line(body)}")


async def _read(response: Any, limit: int) -> bytes:
    """The body, at most ``limit`` bytes (more is an upstream failure)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise _Failed(f"the answer is larger than {limit} bytes")
    return b"".join(parts)


async def _read_lines(response: Any, lines: int | None) -> tuple[bytes, bool]:
    """The first ``lines`` lines of a line-based body (all when None), and whether there were more;
    the rest is not read (the connection is closed)."""
    parts: list[bytes] = []
    seen = 0
    async for chunk in response.aiter_bytes():
        parts.append(chunk)
        seen += chunk.count(b"\n")
        if lines is not None and seen > lines:
            return _cut(b"".join(parts), lines), True
    data = b"".join(parts)
    if data and not data.endswith(b"\n"):
        data += b"\n"
    return data, False


def _convert(form: str, media: str, raw: bytes, cut: bool, job: QueryJob) -> QueryOutcome:
    """An upstream answer as the outcome the embedded store's workers give for the same query."""
    try:
        if form in ("SELECT", "ASK"):
            fmt_in = ox.QueryResultsFormat.from_media_type(media) if media else None
            if fmt_in is None:
                raise _Failed(f"it answered {media or 'no Content-Type'}, not SPARQL results")
            fmt = RESULT_FORMATS[job.select_format]
            parsed = ox.parse_query_results(raw, format=fmt_in)
            if isinstance(parsed, ox.QueryBoolean):
                if form != "ASK":
                    raise _Failed("it answered a boolean to a SELECT query")
                return QueryOutcome("ask", fmt.media_type, parsed.serialize(format=fmt) or b"", rows=1)
            if form != "SELECT":
                raise _Failed("it answered solutions to an ASK query")
            # as TSV, one line per row, so that the row cap is a line count (as in the workers)
            tsv, truncated = _serialize_capped(parsed, ox.QueryResultsFormat.TSV,
                                               None if job.max_rows is None else job.max_rows + 1)
            rows = tsv.count(b"\n") - 1
            body = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt) or b""
            return QueryOutcome("select", fmt.media_type, body, rows=rows, truncated=truncated or cut)
        fmt_rdf = ox.RdfFormat.N_TRIPLES if media == "text/plain" else ox.RdfFormat.from_media_type(media)
        if fmt_rdf is None:
            raise _Failed(f"it answered {media or 'no Content-Type'}, not RDF")
        rdf = RDF_FORMATS[job.graph_format]
        triples = (q.triple for q in ox.parse(raw, format=fmt_rdf, base_iri=job.base_iri))
        nt, truncated = _capped_ntriples(triples, job.max_rows)
        return QueryOutcome("graph", rdf.media_type, graph_body(nt, rdf), rows=nt.count(b"\n"),
                            truncated=truncated or cut)
    except (SyntaxError, ValueError, OSError) as e:
        raise _Failed(f"it answered malformed {media}: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None


def _capped_ntriples(triples: Any, limit: int | None) -> tuple[bytes, bool]:
    from .worker import _Capped, _Full

    out = _Capped(limit)
    try:
        ox.serialize(triples, out, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
    except _Full:
        return _cut(b"".join(out.parts), limit), True  # type: ignore[arg-type]
    return b"".join(out.parts), False

