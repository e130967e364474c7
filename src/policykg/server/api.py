"""The JSON API under ``/api/``: eligibility (and draft checking) over HTTP, with an OpenAPI description.

The same JSON as the command line: ``POST /api/eligibility`` answers with the contract object of
``policykg eligibility`` for one profile, a JSON array of them for an array or JSON lines, or the CSV
rows of ``--format csv`` for a CSV body with ``Accept: text/csv``. Errors are the server's one JSON
error shape (4xx for bad input, with the location of the bad key).

The engine reads its catalogue through the server's query executor (the same worker pool, limits and
checks as ``/sparql``; the provider never opens the store), once, on the first request; decisions run
in a thread so the event loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
from datetime import date
from collections.abc import Callable
from typing import Any, TypeVar

import pyoxigraph as ox

from .. import __version__
from ..errors import PolicyKGError
from ..eligibility.batch import write_csv
from ..eligibility.engine import Engine
from ..eligibility.profiles import INDUSTRIES, KINDS, REQUIRED, Profile, profile_from_mapping
from .app import ServerContext, endpoint
from .executor import QueryJob
from .http import HTTPError, Request, Response

__all__ = ["MAX_PROFILES", "openapi", "routes"]

#: the most profiles one request may carry (a larger batch belongs on the command line)
MAX_PROFILES = 10_000
_STATE = __name__
T = TypeVar("T")


class _ExecutorStore:
    """``query()`` like the embedded store, through the server's executor (called from a worker thread)."""

    def __init__(self, ctx: ServerContext, loop: asyncio.AbstractEventLoop) -> None:
        self.ctx = ctx
        self.loop = loop

    def query(self, sparql: str, **_: Any) -> Any:
        job = QueryJob(sparql, select_format="json", graph_format="ntriples", max_rows=None)
        outcome = asyncio.run_coroutine_threadsafe(self.ctx.executor.execute(job), self.loop).result()
        if outcome.form == "graph":
            return [q.triple if isinstance(q, ox.Quad) else q
                    for q in ox.parse(outcome.body, format=ox.RdfFormat.N_TRIPLES)]
        return ox.parse_query_results(outcome.body, format=ox.QueryResultsFormat.JSON)


async def _read_once(ctx: ServerContext, key: str, read: Callable[[Any], T]) -> T:
    """``read(store)`` through the executor, in a thread, once per server: the first request reads, the
    ones arriving meanwhile wait for it, later ones get what it read."""
    state = ctx.state.setdefault(_STATE, {})
    async with state.setdefault(f"{key}-lock", asyncio.Lock()):
        if key not in state:
            store = _ExecutorStore(ctx, asyncio.get_running_loop())
            state[key] = await asyncio.to_thread(read, store)
    return state[key]  # type: ignore[no-any-return]


async def _engine(ctx: ServerContext) -> Engine:
    """The eligibility engine over the store, read once."""
    try:
        return await _read_once(ctx, "engine", Engine.from_store)
    except PolicyKGError as e:
        raise HTTPError(503, "store", f"the eligibility catalogue cannot be read: {e}") from e


def _json(data: object, status: int = 200) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json")


def _as_of(request: Request) -> date:
    values = [v for k, v in request.query_params() if k == "as_of"]
    if not values:
        return date.today()
    try:
        return date.fromisoformat(values[-1])
    except ValueError:
        raise HTTPError(400, "bad-parameter", f"as_of {values[-1]!r} is not a date (YYYY-MM-DD)",
                        "as_of 不是日期(YYYY-MM-DD)") from None


def _text(request: Request) -> str:
    try:
        return request.body.decode(request.charset or "utf-8")
    except (UnicodeDecodeError, LookupError):
        raise HTTPError(400, "bad-body", "the body is not UTF-8 text", "请求体不是 UTF-8 文本") from None


def _profiles(request: Request) -> tuple[list[Profile], bool, bool]:
    """The profiles of a request body, whether it was a batch, and whether it was CSV.

    Raises:
        HTTPError: 415 for a media type other than JSON, JSON lines or CSV; 400 for bad input.
    """
    media = request.content_type
    text = _text(request)
    try:
        if media in ("application/json", ""):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as e:
                raise HTTPError(400, "bad-json", f"invalid JSON: {e.msg}", "JSON 格式错误",
                                position=(e.lineno, e.colno)) from None
            if isinstance(data, list):
                _cap(len(data))
                return [profile_from_mapping(d, location=f"$[{i}]") for i, d in enumerate(data)], True, False
            return [profile_from_mapping(data, location="$")], False, False
        if media in ("application/x-ndjson", "application/jsonl", "application/json-lines"):
            out = []
            for number, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    try:
                        data = json.loads(line)
                    except json.JSONDecodeError as e:
                        raise HTTPError(400, "bad-json", f"line {number}: invalid JSON: {e.msg}", "JSON 格式错误",
                                        position=(number, e.colno)) from None
                    out.append(profile_from_mapping(data, location=f"line {number}"))
                    _cap(len(out))
            return out, True, False
        if media == "text/csv":
            rows = csv.DictReader(io.StringIO(text))
            out = []
            for row in rows:
                out.append(profile_from_mapping({k.strip(): v for k, v in row.items() if k is not None},
                                                location=f"line {rows.line_num}"))
                _cap(len(out))
            return out, True, True
    except PolicyKGError as e:
        raise HTTPError(400, e.code, str(e)) from None
    raise HTTPError(415, "unsupported-media-type",
                    f"send a profile as application/json (an object or an array), application/x-ndjson or "
                    f"text/csv, not {media or 'no content type'}", "不支持的请求体类型")


def _cap(n: int) -> None:
    if n > MAX_PROFILES:
        raise HTTPError(413, "too-many-profiles", f"at most {MAX_PROFILES} profiles per request; use "
                        "`policykg eligibility` for larger batches", f"每次请求最多 {MAX_PROFILES} 个企业画像")


async def eligibility(request: Request, ctx: ServerContext) -> Response:
    """POST /api/eligibility[?as_of=YYYY-MM-DD]: the decisions of ``policykg eligibility``."""
    as_of = _as_of(request)
    profiles, batch, is_csv = _profiles(request)
    engine = await _engine(ctx)
    wants_csv = "text/csv" in request.header("accept")

    def decide() -> Response:
        try:
            if wants_csv:
                out = io.StringIO()
                write_csv(engine, profiles, as_of, out)
                return Response(200, out.getvalue().encode("utf-8"), "text/csv; charset=utf-8")
            decisions = [engine.decide(p, as_of).to_json() for p in profiles]
        except PolicyKGError as e:
            raise HTTPError(400, e.code, str(e)) from None
        return _json(decisions if batch else decisions[0])

    del is_csv  # the answer's form follows Accept (CSV rows) and the body (one object or a batch)
    return await asyncio.to_thread(decide)


async def _registry(ctx: ServerContext) -> Any:
    """The corpus registry of agencies and documents (what a draft may name and cite), read once."""
    from ..drafts import corpus_registry

    return await _read_once(ctx, "registry", corpus_registry)


#: draft media types -> the suffix the draft reader goes by
DRAFT_TYPES = {"text/plain": ".txt", "text/turtle": ".ttl", "application/x-turtle": ".ttl"}


async def check_draft_text(ctx: ServerContext, text: str, suffix: str, as_of: date | None,
                           name: str = "draft") -> Any:
    """Check a draft given as text (``suffix`` ``.txt`` or ``.ttl``) against the corpus; a DraftReport.

    The draft is written to a private temporary folder for the reader and removed afterwards; it never
    reaches the store. Unusable drafts are a 400 with the reader's one-line message.
    """
    import tempfile
    from pathlib import Path

    from ..drafts import check_draft, load_draft

    engine = await _engine(ctx)
    registry = await _registry(ctx)
    store = _ExecutorStore(ctx, asyncio.get_running_loop())
    safe = "".join(ch for ch in name if ch.isalnum() or ch in "-_.") or "draft"

    def run() -> Any:
        with tempfile.TemporaryDirectory(prefix="policykg-draft-") as folder:
            path = Path(folder) / f"{safe.removesuffix(suffix)}{suffix}"
            path.write_text(text, encoding="utf-8")
            try:
                draft = load_draft(path, registry=registry)
                report = check_draft(draft, store, as_of=as_of, registry=registry, engine=engine)
            except PolicyKGError as e:
                message = str(e).replace(str(path), path.name)
                raise HTTPError(400, e.code, message, "草案无法读取") from None
        return dataclasses.replace(report, path=path.name)

    return await asyncio.to_thread(run)


async def draft_check(request: Request, ctx: ServerContext) -> Response:
    """POST /api/draft/check[?as_of=…&name=…]: the report of ``policykg draft check`` (JSON, or HTML)."""
    from ..drafts.report import to_html

    suffix = DRAFT_TYPES.get(request.content_type)
    if suffix is None:
        raise HTTPError(415, "unsupported-media-type", "send the draft as text/plain (a policy text) or "
                        f"text/turtle, not {request.content_type or 'no content type'}", "不支持的请求体类型")
    given = [v for k, v in request.query_params() if k == "as_of"]
    as_of = _as_of(request) if given else None
    name = next((v for k, v in request.query_params() if k == "name"), "draft")
    report = await check_draft_text(ctx, _text(request), suffix, as_of, name)
    fmt = next((v for k, v in request.query_params() if k == "format"), "")
    if fmt == "html" or (not fmt and "text/html" in request.header("accept")):
        return Response(200, to_html(report, base="/").encode("utf-8"), "text/html; charset=utf-8",
                        {"Content-Security-Policy": REPORT_CSP})
    return _json(report.to_json())


#: the standalone HTML report has its own stylesheet inline and no script
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'"


async def index(request: Request, ctx: ServerContext) -> Response:
    """GET /api/: what the API offers."""
    return _json({
        "name": "policykg JSON API",
        "version": __version__,
        "openapi": "/api/openapi.json",
        "endpoints": {
            "POST /api/eligibility": "eligibility of one profile (JSON object) or a batch (JSON array, JSON lines, CSV)",
            "POST /api/draft/check": "check a draft (text/plain policy text or text/turtle) against the corpus",
            "GET /api/openapi.json": "this API as OpenAPI 3.1",
            "GET|POST /sparql": "the SPARQL 1.1 Protocol endpoint",
        },
    })


async def openapi_document(request: Request, ctx: ServerContext) -> Response:
    return _json(openapi())


def _profile_schema() -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {
        "text": {"type": "string"},
        "industry": {"type": "string", "enum": list(INDUSTRIES)},
        "count": {"type": "integer", "minimum": 0},
        "money": {"oneOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": r"^\d+(\.\d+)?$"}],
                  "description": "yuan"},
        "bool": {"type": "boolean"},
        "date": {"type": "string", "format": "date"},
        "parties": {"type": "array", "items": {"type": "string"}, "description": "party kinds (slugs)"},
        "form": {"type": "string"},
        "conditions": {"type": "array", "items": {"type": "string"},
                       "description": "attestations: condition IRIs or slugs {measure-slug}/{condition}"},
    }
    return {"type": "object", "required": list(REQUIRED), "additionalProperties": False,
            "properties": {key: dict(kinds[kind].items()) for key, kind in KINDS.items()}}


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 description of ``/api/`` (and the contract JSON it returns)."""
    reason = {"type": "object", "required": ["field", "value", "constraint", "message"], "properties": {
        "field": {"type": ["string", "null"]}, "value": {}, "constraint": {"type": "string"},
        "message": {"type": "string"}, "message_en": {"type": "string"}, "missing": {"type": "boolean"},
        "alternative": {"type": "string"},
        "change": {"type": "object", "properties": {"field": {"type": "string"}, "by": {"type": "number"},
                                                    "to": {"type": "number"}, "message": {"type": "string"},
                                                    "message_en": {"type": "string"}}}}}
    benefit = {"benefit": {"type": "string", "format": "iri"}, "label": {"type": ["string", "null"]},
               "label_en": {"type": ["string", "null"]}, "document": {"type": ["string", "null"]},
               "article": {"type": ["string", "null"]}, "citation": {"type": "string"}}
    decision = {"type": "object", "required": ["profile", "as_of", "size_class", "granted", "excluded", "ineligible"],
                "properties": {
                    "profile": {"type": "string"}, "as_of": {"type": "string", "format": "date"},
                    "size_class": {"type": "string", "enum": ["large", "medium", "small", "micro"]},
                    "granted": {"type": "array", "items": {"type": "object", "properties": dict(benefit, **{
                        "value": {"type": ["number", "null"]}, "value_basis": {"type": ["string", "null"]},
                        "valid_from": {"type": ["string", "null"], "format": "date"},
                        "valid_until": {"type": ["string", "null"], "format": "date"},
                        "because": {"type": "array", "items": reason}})}},
                    "excluded": {"type": "array", "items": {"type": "object", "properties": dict(benefit, **{
                        "reason": {"type": "string"}, "in_favour_of": {"type": "string", "format": "iri"},
                        "group": {"type": "string", "format": "iri"}, "strategy": {"type": "string"},
                        "value": {"type": ["number", "null"]}})}},
                    "ineligible": {"type": "array", "items": {"type": "object", "properties": dict(benefit, **{
                        "undecided": {"type": "boolean"}, "missing": {"type": "array", "items": {"type": "string"}},
                        "reasons": {"type": "array", "items": reason}})}},
                    "total_value": {"type": "number"}, "values_complete": {"type": "boolean"}}}
    error = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "code", "message"],
        "properties": {"status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"},
                       "message_zh": {"type": "string"},
                       "position": {"type": "object", "properties": {"line": {"type": "integer"},
                                                                    "column": {"type": "integer"}}}}}}}
    related = {"type": "object", "properties": {"document": {"type": ["string", "null"]},
                                                "article": {"type": ["string", "null"]},
                                                "iri": {"type": ["string", "null"]}, "label": {"type": ["string", "null"]}}}
    draft_report = {"type": "object", "required": ["conforms", "findings"], "properties": {
        "conforms": {"type": "boolean"},
        "findings": {"type": "array", "items": {"type": "object", "required": ["kind", "severity", "article", "message"],
                                                "properties": {
                                                    "kind": {"type": "string"},
                                                    "severity": {"type": "string", "enum": ["violation", "warning", "info"]},
                                                    "article": {"type": ["string", "null"]}, "message": {"type": "string"},
                                                    "message_en": {"type": "string"}, "related": {"type": "array", "items": related},
                                                    "details": {"type": "object"}}}}}}
    errors = {str(s): {"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
              for s, d in ((400, "bad input (the message names the key and where it is)"),
                           (413, "body or batch too large"), (415, "unsupported body type"),
                           (503, "the store cannot be read or the server is busy"))}
    return {
        "openapi": "3.1.0",
        "info": {"title": "policykg JSON API", "version": __version__,
                 "description": "Eligibility of enterprises for the benefits of 青政发〔2012〕46号 (same JSON as "
                                "`policykg eligibility`). 企业优惠资格判定。"},
        "paths": {
            "/api/eligibility": {"post": {
                "summary": "Which benefits an enterprise gets on a date, what they are worth, and why",
                "parameters": [{"name": "as_of", "in": "query", "required": False,
                                "schema": {"type": "string", "format": "date"},
                                "description": "decide as of this date (default: today)"}],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"oneOf": [
                        {"$ref": "#/components/schemas/Profile"},
                        {"type": "array", "maxItems": MAX_PROFILES, "items": {"$ref": "#/components/schemas/Profile"}}]}},
                    "application/x-ndjson": {"schema": {"type": "string"}},
                    "text/csv": {"schema": {"type": "string"}}}},
                "responses": dict({"200": {"description": "one decision (a JSON object body) or a list of them; "
                                                          "CSV rows with Accept: text/csv",
                                           "content": {"application/json": {"schema": {"oneOf": [
                                               {"$ref": "#/components/schemas/Decision"},
                                               {"type": "array", "items": {"$ref": "#/components/schemas/Decision"}}]}},
                                               "text/csv": {"schema": {"type": "string"}}}}}, **errors)}},
            "/api/draft/check": {"post": {
                "summary": "Check a policy draft against the corpus (the JSON of `policykg draft check`)",
                "parameters": [
                    {"name": "as_of", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                     "description": "check as of this date (default: the draft's date, else today)"},
                    {"name": "name", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "a file name for the draft in the report"},
                    {"name": "format", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["json", "html"]}}],
                "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}},
                                                              "text/turtle": {"schema": {"type": "string"}}}},
                "responses": dict({"200": {"description": "the report: conforms and findings (or the HTML page)",
                                           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DraftReport"}},
                                                       "text/html": {"schema": {"type": "string"}}}}}, **errors)}},
            "/api/openapi.json": {"get": {"summary": "This description", "responses": {
                "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/api/": {"get": {"summary": "What the API offers", "responses": {
                "200": {"description": "an index", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": {"Profile": _profile_schema(), "Decision": decision, "Reason": reason,
                                   "DraftReport": draft_report, "Error": error}},
    }


def routes(ctx: ServerContext) -> list[Any]:
    """The routes of the JSON API (mounted by :data:`policykg.server.app.ROUTE_PROVIDERS`)."""
    from starlette.routing import Route

    return [
        Route("/api/", endpoint(index, ctx), methods=["GET"]),
        Route("/api/openapi.json", endpoint(openapi_document, ctx), methods=["GET"]),
        Route("/api/eligibility", endpoint(eligibility, ctx), methods=["POST"]),
        Route("/api/draft/check", endpoint(draft_check, ctx), methods=["POST"]),
    ]
