"""Packaging: a regular `pip install .` ships every resource file, and the code type-checks."""

from __future__ import annotations

import fnmatch
import sys
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


def test_source_text_is_byte_for_byte_the_received_one() -> None:
    shared = ROOT.parent / "shared" / "corpus" / "qingdao-2012-46.txt"
    if not shared.is_file():
        pytest.skip("the shared corpus is not next to this checkout")
    assert (ROOT / "data" / "sources" / "qingdao-2012-46.txt").read_bytes() == shared.read_bytes()


def test_mypy_strict_on_the_package() -> None:
    api = pytest.importorskip("mypy.api")
    out, err, status = api.run(["--strict", "--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache"),
                                str(ROOT / "src" / "policykg")])
    assert status == 0, out + err
