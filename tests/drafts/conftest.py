"""The external Oxigraph server fixtures, for checking drafts against a remote store."""

from __future__ import annotations

from tests.external.oxigraph_server import oxigraph_push_report, oxigraph_remote_store, oxigraph_server

__all__ = ["oxigraph_push_report", "oxigraph_remote_store", "oxigraph_server"]
