"""`policykg reason` and `policykg build` on the command line (consistent, inconsistent, --no-reason,
Pellet), and graph/reasoned through the SPARQL endpoint and the explorer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from policykg.build import REASONED_GRAPH
from policykg.store import EmbeddedStore, live_version
from tests.clirun import cli
from tests.data import DOC_46, ROOT
from tests.server.conftest import running_server

pytestmark = pytest.mark.reasoner

BROKEN = f"<{DOC_46}/measure/5-reduced-rate> a <https://w3id.org/policykg/ontology#Duty> .\n"


def test_reason_on_the_built_store(capsys, monkeypatch, store_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, monkeypatch, "reason", "--store", str(store_path), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["consistent"] is True and doc["ok"] is True and doc["unsatisfiable"] == []
    assert doc["explanation"] is None and doc["graph"] == REASONED_GRAPH
    # what it infers is what the build put into graph/reasoned
    assert doc["inferred"]["triples"] == EmbeddedStore(store_path).manifest.graphs[REASONED_GRAPH]
    assert doc["inferred"]["by_predicate"]["pk:citesTransitive"] > 0
    assert doc["reasoner"].startswith("HermiT")


def test_pellet_runs_or_says_why_not_in_one_line(capsys, monkeypatch, store_path: Path) -> None:  # type: ignore[no-untyped-def]
    """owlready2 0.50/0.51's Pellet needs Java 25 (docs/reasoning.md); with a Java it runs on, it agrees."""
    code, out, err = cli(capsys, monkeypatch, "reason", "--store", str(store_path), "--reasoner", "pellet")
    if code == 0:
        assert out.startswith("consistent (一致): Pellet")
    else:
        assert code == 2 and "Pellet" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_build_without_the_reasoner(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, monkeypatch, "build", "--store", str(tmp_path), "--no-reason")
    assert code == 0, err
    graphs = EmbeddedStore(tmp_path).manifest.graphs
    assert REASONED_GRAPH not in graphs and str(REASONED_GRAPH) not in out
    assert any(g.endswith("/graph/inferred") for g in graphs)


@pytest.fixture(scope="module")
def broken_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's sources with one measure typed as a duty too (data/broken.ttl)."""
    home = tmp_path_factory.mktemp("broken-home")
    for folder in ("ontology", "data", "queries", "shapes"):
        shutil.copytree(ROOT / folder, home / folder)
    (home / "data" / "broken.ttl").write_text(BROKEN, encoding="utf-8")
    return home


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POLICYKG_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "policykg", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_an_inconsistent_store_is_not_published(broken_home: Path, store_path: Path, tmp_path: Path) -> None:
    root = tmp_path / "store"
    shutil.copytree(store_path, root)
    before = live_version(root)
    done = _run(broken_home, "build", "--store", str(root))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("INCONSISTENT (不一致)")
    assert "← data/broken.ttl" in done.stderr and "← ontology/measures.ttl" in done.stderr
    assert "a minimal set" in done.stderr
    last = lines[-1]
    assert last.startswith("policykg: error: the corpus is inconsistent") and "not published" in last
    assert "a pk:Duty . [data/broken.ttl]" in last
    assert "Traceback" not in done.stderr
    # the previous version stays live, nothing half-written is left
    assert live_version(root) == before
    assert not [p for p in root.iterdir() if p.name.startswith("tmp-")]
    assert EmbeddedStore(root).manifest.graphs[REASONED_GRAPH] > 0


def test_reason_explains_an_inconsistent_corpus(broken_home: Path, tmp_path: Path) -> None:
    """On sources that do not build, `policykg reason` reports the build's reasoning: exit 1, not 2."""
    done = _run(broken_home, "reason", "--store", str(tmp_path / "store"), "--format", "json",
                "--explain-seconds", "300")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert doc["consistent"] is False and doc["explanation"]["minimal"] is True
    statements = doc["explanation"]["statements"]
    assert {"kind": "data", "sources": ["data/broken.ttl"]}.items() <= next(
        st for st in statements if st["turtle"].endswith("a pk:Duty .")).items()
    assert any(st["kind"] == "schema" and "pk:Duty" in st["turtle"] for st in statements)
    assert f"{DOC_46}/measure/5-reduced-rate" in doc["explanation"]["individuals"]


@pytest.fixture(scope="module")
def server(store_path: Path):  # type: ignore[no-untyped-def]
    with running_server(store_path) as s:
        yield s


def test_the_reasoned_graph_through_the_endpoint(server) -> None:  # type: ignore[no-untyped-def]
    query = f"""PREFIX pk: <https://w3id.org/policykg/ontology#>
        SELECT ?article WHERE {{ GRAPH <{REASONED_GRAPH}> {{ ?article a pk:SmallMicroEnterpriseBenefitArticle }} }}"""
    r = httpx.post(server.sparql, data={"query": query}, headers={"Accept": "application/sparql-results+json"},
                   timeout=30)
    assert r.status_code == 200, r.text
    articles = {b["article"]["value"] for b in r.json()["results"]["bindings"]}
    assert f"{DOC_46}/article/3" in articles and f"{DOC_46}/article/62" not in articles
    # without graph/reasoned the same question has no answer: the class is defined, never asserted
    without = query.replace(f"GRAPH <{REASONED_GRAPH}> {{ ?article a pk:SmallMicroEnterpriseBenefitArticle }}",
                            "GRAPH ?g { ?article a pk:SmallMicroEnterpriseBenefitArticle } "
                            f"FILTER(?g != <{REASONED_GRAPH}>)")
    r = httpx.post(server.sparql, data={"query": without}, headers={"Accept": "application/sparql-results+json"},
                   timeout=30)
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []
    # the service description lists it among the named graphs
    sd = httpx.get(server.sparql, headers={"Accept": "text/turtle"}, timeout=30)
    assert REASONED_GRAPH in sd.text


def test_the_explorer_shows_what_the_reasoner_finds(server) -> None:  # type: ignore[no-untyped-def]
    html = httpx.get(server.url + "id/doc/qingzhengfa-2012-46/article/3", headers={"Accept": "text/html"},
                     timeout=30).text
    assert "classes found by the reasoner" in html and "含小微企业优惠的条" in html
    html = httpx.get(server.url + "id/doc/qingzhengfa-2012-46", headers={"Accept": "text/html"}, timeout=30).text
    assert "贯彻国家文件的文件" in html  # pk:NationalDocumentImplementation
    assert "cites, in any article or through a chain" in html and "财库〔2011〕181号" in html
