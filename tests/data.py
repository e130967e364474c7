"""Paths of test fixtures and the shipped sources."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
SOURCE_46 = ROOT / "data" / "sources" / "qingdao-2012-46.txt"
DOC_46 = "https://w3id.org/policykg/id/doc/qingzhengfa-2012-46"
