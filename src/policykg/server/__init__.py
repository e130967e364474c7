"""The HTTP server of ``policykg serve``: a read-only SPARQL 1.1 endpoint (and, mounted into the same
app, the explorer and the JSON API).

Handlers are plain functions from :class:`~policykg.server.http.Request` to
:class:`~policykg.server.http.Response`; only :mod:`policykg.server.app` knows Starlette.
"""

from __future__ import annotations

from .settings import Settings

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    """The ASGI app (see :func:`policykg.server.app.create_app`)."""
    from .app import create_app as _create_app

    return _create_app(settings)
