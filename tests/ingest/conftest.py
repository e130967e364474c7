"""Fixtures of the ingester tests: a small registry (tests/fixtures/ingest_registry.ttl) and 46号."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.ingest import IngestedDocument, Registry, ingest_file
from tests.data import FIXTURES, SOURCE_46

REGISTRY_TTL = FIXTURES / "ingest_registry.ttl"
TEXTS = FIXTURES / "texts"


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.from_files([REGISTRY_TTL])


@pytest.fixture(scope="session")
def doc46(registry: Registry) -> IngestedDocument:
    return ingest_file(SOURCE_46, registry=registry)


@pytest.fixture(scope="session")
def texts() -> Path:
    return TEXTS
