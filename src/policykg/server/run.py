"""Running the app with uvicorn (what ``policykg serve`` does).

On startup, once the query workers are ready, one line goes to stderr that another process can parse::

    serving on http://127.0.0.1:8000/ (SPARQL endpoint http://127.0.0.1:8000/sparql) — press Ctrl-C to stop
"""

from __future__ import annotations

import socket
import sys
from ..errors import ConfigError
from .settings import Settings

READY_PREFIX = "serving on "


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 picks a free port); ConfigError when the address cannot be used."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.listen(256)
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, *, access_log: bool = False) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM stop the server and its workers)."""
    import uvicorn

    from .app import create_app

    sock = bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    url = base_url(settings.host, port)
    app = create_app(settings)

    def ready() -> None:
        extra = " (updates enabled on an in-memory copy)" if settings.allow_update else ""
        sys.stderr.write(f"{READY_PREFIX}{url} (SPARQL endpoint {url}sparql){extra} — press Ctrl-C to stop\n")
        sys.stderr.flush()

    app.state.on_ready.append(ready)
    config = uvicorn.Config(app, log_level="info" if access_log else "warning", access_log=access_log,
                            lifespan="on", server_header=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if getattr(app.state, "startup_error", None) is not None:
        raise app.state.startup_error  # type: ignore[misc]


def parse_ready_line(line: str) -> str | None:
    """The base URL in a startup line, or None if ``line`` is not one."""
    if not line.startswith(READY_PREFIX):
        return None
    rest = line[len(READY_PREFIX):].split()
    return rest[0] if rest else None
