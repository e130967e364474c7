"""The command line contract: outputs, exit codes 0/1/2, one-line errors without tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policykg.store import EmbeddedStore
from tests.clirun import cli
from tests.data import ROOT, SOURCE_46


def test_query_json_is_w3c_sparql_results(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, monkeypatch, "query", "agencies/articles_by_agency", "--param", "agency=市财政局",
                         "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["head"]["vars"][:2] == ["agency", "agency_iri"]
    rows = doc["results"]["bindings"]
    assert rows and all(r["agency"] == {"type": "literal", "value": "市财政局", "xml:lang": "zh"} for r in rows)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "table"])
def test_query_formats(capsys, monkeypatch, built, fmt: str) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "query", "document/outline", "--format", fmt)
    assert code == 0
    assert "加大对小微企业的财税支持力度" in out
    if fmt == "csv":
        assert out.splitlines()[0] == "doc,chapter_number,chapter_title,article,number,agencies"
        assert len(out.splitlines()) == 63


def test_describe_prints_turtle(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "query", "search/describe", "--param", "resource=agency:finance-bureau")
    assert code == 0
    assert "市财政局" in out and "@prefix" in out


@pytest.mark.parametrize(("args", "message"), [
    (["query", "no/such/query"], "no named query 'no/such/query'"),
    (["query", "measures/expiring"], "needs --param start"),
    (["query", "measures/expiring", "--param", "start=tomorrow", "--param", "end=2015-01-01"], "is not a date"),
    (["query", "document/outline", "--param", "nonsense"], "should be NAME=VALUE"),
    (["query", "document/outline", "--format", "xml"], "'xml' is not one of"),
    (["ingest", "/no/such/file.txt"], "/no/such/file.txt"),
])
def test_bad_input_is_one_line_exit_2(capsys, monkeypatch, built, args, message) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, monkeypatch, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bad_sparql_file(capsys, monkeypatch, built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "q.rq"
    f.write_text("SELECT * WHERE { ?s ?p }", encoding="utf-8")
    code, _, err = cli(capsys, monkeypatch, "query", str(f))
    assert code == 2
    assert f"{f}:1:" in err and "SPARQL syntax error" in err


def test_validate_conforms(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "validate")
    assert code == 0, out
    assert out.strip().endswith("conforms (符合)")


@pytest.mark.reasoner
def test_validate_with_reasoner(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, monkeypatch, "validate", "--reasoner")
    assert code == 0, err
    assert "HermiT (owlready2" in err and "): consistent (一致)" in err


def test_ingest_json_and_turtle(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "ingest", str(SOURCE_46), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert len(doc["articles"]) == 62
    code, out, _ = cli(capsys, monkeypatch, "ingest", str(SOURCE_46))
    assert code == 0
    assert "青政发〔2012〕46号" in out and "eli:LegalResource" in out


def test_queries_lists_the_library(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "queries", "--format", "json")
    assert code == 0
    ids = [q["id"] for q in json.loads(out)]
    assert "document/outline" in ids and len(ids) >= 15


def test_docs_queries_page_is_current(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "queries", "--format", "markdown")
    assert code == 0
    assert (ROOT / "docs" / "queries.md").read_text(encoding="utf-8") == out, \
        "regenerate: policykg queries --format markdown > docs/queries.md"


def test_installed_console_script_end_to_end(tmp_path: Path, store: EmbeddedStore) -> None:
    """The console script as installed, in a real process: a query and its exit code."""
    exe = shutil.which("policykg", path=str(Path(sys.executable).parent))
    assert exe, "the console script is installed next to the interpreter"
    env = {**os.environ, "POLICYKG_STORE": str(store.root)}
    proc = subprocess.run([exe, "query", "document/article", "--param", "number=62", "--format", "csv"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "按从优原则执行,不重复享受" in proc.stdout
    proc = subprocess.run([exe, "query", "nope"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("policykg: error:")


def test_every_command_is_documented_in_the_readme() -> None:
    from policykg.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    assert len(names) >= 5
    # sub-apps (`policykg draft check`, `policykg draft impact`): one section per command of the group
    for group in app.registered_groups:
        assert group.name and group.typer_instance is not None
        subcommands = [c.name or (c.callback.__name__ if c.callback else "")
                       for c in group.typer_instance.registered_commands]
        assert subcommands, f"the command group {group.name} has no command"
        names += [f"{group.name} {sub}" for sub in subcommands]
    for name in names:
        assert f"### `policykg {name}" in readme, f"README has no section for `policykg {name}`"
