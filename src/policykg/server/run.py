"""Running the app with uvicorn (what ``policykg serve`` does).

On startup, once the query workers are ready, one line goes to stderr that another process can parse::

    serving on http://127.0.0.1:8000/ (SPARQL endpoint http://127.0.0.1:8000/sparql) — press Ctrl-C to stop
"""

from __future__ import annotations

import logging
import socket
import sys
from ..errors import ConfigError
from .executor import QueryExecutor
from .settings import Settings

READY_PREFIX = "serving on "


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def check_bind(host: str, port: int) -> None:
    """ConfigError (one line) when the address cannot be listened on; uvicorn binds it afterwards.

    (uvicorn binds the socket itself: sockets it creates are TCP_NODELAY; a socket handed to it is not,
    and keep-alive responses then wait 40 ms for delayed ACKs.)
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as e:
            raise ConfigError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None


def serve(settings: Settings, *, access_log: bool = False, executor: QueryExecutor | None = None) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM stop the server and its workers).

    ``executor`` defaults to the embedded store's worker pool; ``serve --endpoint URL`` passes a
    :class:`policykg.server.proxy.ProxyExecutor`.
    """
    import uvicorn

    from .app import create_app

    check_bind(settings.host, settings.port)
    app = create_app(settings, executor=executor)
    upstream = getattr(executor, "upstream", None)

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.should_exit or not self.servers:
                return
            port = self.servers[0].sockets[0].getsockname()[1]
            url = base_url(settings.host, port)
            extra = ""
            if settings.allow_update:
                extra = " (updates enabled on an in-memory copy)"
            elif getattr(app.state.ctx.executor, "in_memory", False):
                extra = " (the store in memory)"
            if upstream:
                extra = f" (a proxy to {upstream})"
            sys.stderr.write(f"{READY_PREFIX}{url} (SPARQL endpoint {url}sparql){extra} — press Ctrl-C to stop\n")
            sys.stderr.flush()

    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="info" if access_log else "warning",
                            access_log=access_log, lifespan="on", server_header=False, timeout_graceful_shutdown=5)

    class QuietStartupFailure(logging.Filter):
        """A startup error of ours (no store, an upstream that does not answer) is reported as one line
        by the command; uvicorn's own "Application startup failed" line would be a second one."""

        def filter(self, record: logging.LogRecord) -> bool:
            return app.state.startup_error is None or "startup failed" not in record.getMessage()

    logging.getLogger("uvicorn.error").addFilter(QuietStartupFailure())
    try:
        Server(config).run()
    except SystemExit:  # uvicorn exits (status 3) when the startup fails
        if app.state.startup_error is None:
            raise
    if app.state.startup_error is not None:
        raise app.state.startup_error


def parse_ready_line(line: str) -> str | None:
    """The base URL in a startup line, or None if ``line`` is not one."""
    if not line.startswith(READY_PREFIX):
        return None
    rest = line[len(READY_PREFIX):].split()
    return rest[0] if rest else None
