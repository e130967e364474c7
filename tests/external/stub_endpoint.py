"""A loopback HTTP server that misbehaves on purpose: the endpoints of the error tests.

Each path answers one way: ``/html`` a web page, ``/slow`` nothing for 5 s, ``/fail`` HTTP 500,
``/badjson`` SPARQL JSON that is not, ``/boolean`` an ASK answer to anything, ``/forbidden`` HTTP 403,
``/auth`` HTTP 401 unless Basic ``reader:s3cret`` is sent (then ASK true), ``/turtle`` a Turtle graph,
``/reset`` closes the connection without an answer. It records the requests it got.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ASK_TRUE = b'{"head":{},"boolean":true}'


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence the default stderr log
        pass

    def _answer(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0") or 0)
        self.rfile.read(length)
        self._route()

    def _route(self) -> None:
        path = self.path.split("?")[0]
        self.server.requests.append((self.command, path, dict(self.headers.items())))
        if path == "/html":
            self._answer(200, "text/html; charset=utf-8", b"<html><head><title>Welcome to nginx!</title></head></html>")
        elif path == "/slow":
            time.sleep(5)
            self._answer(200, "application/sparql-results+json", ASK_TRUE)
        elif path == "/fail":
            self._answer(500, "text/plain", b"java.lang.OutOfMemoryError: Java heap space\n\tat somewhere")
        elif path == "/badjson":
            self._answer(200, "application/sparql-results+json", b'{"head":{"vars":["s"]},"results":{"bindings":[{')
        elif path == "/boolean":
            self._answer(200, "application/sparql-results+json", ASK_TRUE)
        elif path == "/forbidden":
            self._answer(403, "text/plain", b"Forbidden")
        elif path == "/auth":
            expected = "Basic " + base64.b64encode(b"reader:s3cret").decode("ascii")
            if self.headers.get("Authorization") == expected:
                self._answer(200, "application/sparql-results+json", ASK_TRUE)
            else:
                self._answer(401, "text/plain", b"Unauthorized", {"WWW-Authenticate": 'Basic realm="sparql"'})
        elif path == "/turtle":
            self._answer(200, "text/turtle", b"@prefix ex: <http://example.org/> . ex:s ex:p [ ex:q 1 ] .")
        elif path == "/reset":
            self.close_connection = True
            self.connection.shutdown(2)
        else:
            self._answer(404, "text/plain", b"Not Found")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[tuple[str, str, dict[str, str]]]


@contextmanager
def stub_endpoint() -> Iterator[str]:
    """Run the stub on a free loopback port; yields its base URL (``http://127.0.0.1:PORT``)."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
