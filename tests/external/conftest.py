"""Fixtures of the external-store tests: a real Oxigraph server, and a RemoteStore on it after `push`.

They live in tests/external/oxigraph_server.py; another test folder uses them by importing them into its
conftest.py: ``from tests.external.oxigraph_server import oxigraph_server, oxigraph_push_report,
oxigraph_remote_store``.
"""

from __future__ import annotations

from tests.external.oxigraph_server import oxigraph_push_report, oxigraph_remote_store, oxigraph_server

__all__ = ["oxigraph_push_report", "oxigraph_remote_store", "oxigraph_server"]
