"""Packaging: a regular `pip install .` ships every resource file, and the code type-checks."""

from __future__ import annotations

import fnmatch
import hashlib
import tomllib
from pathlib import Path

import pytest

from tests.data import ROOT

RESOURCE_DIRS = ("ontology", "data", "queries", "shapes")


def test_every_resource_file_is_installed_in_the_mirrored_place() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files: dict[str, list[str]] = config["tool"]["setuptools"]["data-files"]
    missing = []
    for folder in RESOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            rel = path.relative_to(ROOT).as_posix()
            target = f"share/policykg/{path.parent.relative_to(ROOT).as_posix()}"
            if not any(fnmatch.fnmatch(rel, glob) for glob in data_files.get(target, [])):
                missing.append(rel)
    assert not missing, f"add to [tool.setuptools.data-files]: {missing}"


def test_sources_are_byte_for_byte_the_received_ones() -> None:
    """data/sources/SHA256SUMS records the hashes of the texts as received (../shared/corpus)."""
    sources = ROOT / "data" / "sources"
    lines = (sources / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert any(line.endswith("  qingdao-2012-46.txt") for line in lines)
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((sources / name).read_bytes()).hexdigest() == digest, name
    shared = ROOT.parent / "shared" / "corpus"
    for line in lines:  # where the shared corpus sits next to the checkout, compare with it too
        digest, name = line.split("  ", 1)
        if (shared / name).is_file():
            assert hashlib.sha256((shared / name).read_bytes()).hexdigest() == digest, name


def test_mypy_strict_on_the_package() -> None:
    api = pytest.importorskip("mypy.api")
    out, err, status = api.run(["--strict", "--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache"),
                                str(ROOT / "src" / "policykg")])
    assert status == 0, out + err
