"""Shared fixtures: one store built per test session, in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.build import build
from policykg.store import EmbeddedStore
# one Oxigraph server per session for every folder that compares with an external store
# (tests/external, the YAML eligibility cases): session fixtures defined here are shared
from tests.external.oxigraph_server import oxigraph_push_report, oxigraph_remote_store, oxigraph_server

__all__ = ["oxigraph_push_report", "oxigraph_remote_store", "oxigraph_server"]


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store")
    build(path)
    return path


@pytest.fixture(scope="session")
def store(store_path: Path) -> EmbeddedStore:
    return EmbeddedStore(store_path)


@pytest.fixture
def built(store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The session's store as the default store of the command line (``$POLICYKG_STORE``)."""
    monkeypatch.setenv("POLICYKG_STORE", str(store.root))
    return store.root


@pytest.fixture(autouse=True)
def _isolated_store(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test touches the user's real store: the default store lives in a temp folder."""
    monkeypatch.setenv("POLICYKG_STORE", str(tmp_path_factory.getbasetemp() / "default-store"))
