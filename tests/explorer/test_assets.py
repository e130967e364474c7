"""Vendored JavaScript is what SOURCE.md says it is, and every explorer file ships in the package."""

from __future__ import annotations

import fnmatch
import hashlib
import re
import tomllib
from pathlib import Path

from tests.data import ROOT

from .conftest import Client

EXPLORER = ROOT / "src" / "policykg" / "explorer"
VENDOR = EXPLORER / "static" / "vendor"


def test_vendored_files_match_their_recorded_hashes() -> None:
    note = (VENDOR / "SOURCE.md").read_text(encoding="utf-8")
    recorded = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", note, re.MULTILINE))
    assert set(recorded) == {"cytoscape/cytoscape.min.js", "cytoscape/LICENSE", "yasgui/yasgui.min.js",
                             "yasgui/yasgui.min.css", "yasgui/yasgui.min.js.LICENSE.txt", "yasgui/LICENSE.txt"}
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert "3.34.4" in (VENDOR / "cytoscape" / "cytoscape.min.js").read_text(encoding="utf-8")[-200:]


def test_static_files_are_served_and_nothing_else(client: Client) -> None:
    for path, media in (("/static/explorer.css", "text/css"), ("/static/vendor/cytoscape/cytoscape.min.js", "text/javascript"),
                        ("/static/vendor/yasgui/yasgui.min.css", "text/css"), ("/static/query.js", "text/javascript")):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), path
    for path in ("/static/vendor/SOURCE.md", "/static/vendor/update.sh", "/static/vendor/yasgui/LICENSE.txt",
                 "/static/../pages.py", "/static/%2e%2e/pages.py", "/static/nothing.js"):
        assert client.get(path).status_code == 404, path


def test_every_explorer_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["policykg"]
    package = ROOT / "src" / "policykg"
    missing = []
    for folder in ("templates", "static", "queries"):
        for path in (EXPLORER / folder).rglob("*"):
            if path.is_file():
                rel = path.relative_to(package).as_posix()
                if not any(fnmatch.fnmatch(rel, g) and rel.count("/") == g.count("/") for g in globs):
                    missing.append(rel)
    assert not missing, f"add to [tool.setuptools.package-data]: {missing}"


def test_templates_have_no_inline_script() -> None:
    """The pages' Content-Security-Policy allows scripts from /static only."""
    for path in (EXPLORER / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (path.name, tag)
        assert not re.search(r"\son[a-z]+=", text), path.name
