"""Framework-free HTTP values: what a handler receives and returns, and the one JSON error shape.

Every 4xx/5xx the server sends has this body (``application/json``)::

    {"error": {"status": 400, "code": "malformed-query",
               "message": "...", "message_zh": "...",
               "position": {"line": 1, "column": 8}}}

``position`` only where the error points into the query; 5xx bodies are generic (no internals).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Request:
    """An HTTP request as plain data (header names lower-case)."""

    method: str
    path: str
    query_string: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    base_url: str = "http://127.0.0.1:8000/"

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def content_type(self) -> str:
        """The media type of the body without parameters, lower-case."""
        return self.header("content-type").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.header("content-type").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip('"').lower()
        return None

    def query_params(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query_string, keep_blank_values=True)

    def form_params(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)


@dataclass(frozen=True)
class Response:
    """An HTTP response as plain data."""

    status: int
    body: bytes = b""
    media_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def header_items(self) -> Iterable[tuple[str, str]]:
        return self.headers.items()


#: codes of the JSON error shape and their default Chinese message
ERROR_ZH = {
    "malformed-query": "SPARQL 查询语法错误",
    "missing-query": "缺少 query 参数",
    "bad-request": "请求无效",
    "not-acceptable": "没有可接受的结果格式",
    "unsupported-media-type": "不支持的请求内容类型",
    "method-not-allowed": "不允许的请求方法",
    "not-found": "未找到",
    "forbidden": "禁止的操作",
    "read-only": "只读端点：不接受 SPARQL Update",
    "unauthorized": "需要更新令牌",
    "service-refused": "不允许 SERVICE 联邦查询",
    "dataset-refused": "只能使用本库的命名图",
    "body-too-large": "请求体过大",
    "timeout": "查询超时，已终止",
    "busy": "服务器繁忙，请稍后重试",
    "internal": "服务器内部错误",
    "unavailable": "服务暂不可用",
}

#: generic messages for 5xx (never internals)
GENERIC_5XX = {
    500: "internal server error",
    502: "the upstream SPARQL endpoint failed",
    503: "the service is unavailable",
    504: "the upstream SPARQL endpoint did not answer in time",
}


@dataclass(frozen=True)
class HTTPError(Exception):
    """An error a handler returns as the JSON error shape."""

    status: int
    code: str
    message: str
    message_zh: str | None = None
    position: tuple[int, int] | None = None  # (line, column), 1-based
    headers: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh or ERROR_ZH.get(self.code, ERROR_ZH["bad-request"]),
        }
        if self.position is not None:
            body["position"] = {"line": self.position[0], "column": self.position[1]}
        return {"error": body}

    def response(self) -> Response:
        return Response(
            status=self.status,
            body=json.dumps(self.to_json(), ensure_ascii=False).encode("utf-8") + b"\n",
            media_type="application/json",
            headers=dict(self.headers),
        )


def error_response(status: int, code: str, message: str, **kw: Any) -> Response:
    """The JSON error shape as a Response."""
    return HTTPError(status, code, message, **kw).response()


def generic_error(status: int) -> Response:
    """A 5xx with a generic body: nothing about the internals leaks."""
    code = {503: "unavailable"}.get(status, "internal")
    return error_response(status, code, GENERIC_5XX.get(status, GENERIC_5XX[500]))
