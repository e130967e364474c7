"""Golden reports and annotated quality of `policykg draft check` over tests/fixtures/drafts/.

Golden JSON reports (tests/fixtures/drafts/golden/NAME.json) are compared exactly. After an intended
change, regenerate them and review the diff:

    POLICYKG_UPDATE_GOLDEN=1 .venv/bin/pytest -q -p no:cacheprovider tests/drafts/test_golden.py

The hand-written annotations (NAME.expected.json) are the ground truth of benchmarks/draft_quality.py:
every expected finding must be found (recall 1.0), clean drafts get no violation, and the structure
and reference kinds raise nothing the annotations do not expect.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from typing import Any

import pytest

from policykg.drafts import check
from policykg.drafts.model import REFERENCE_KINDS, STRUCTURE_KINDS
from policykg.store import EmbeddedStore
from tests.data import FIXTURES, ROOT, SOURCE_46

DRAFTS = FIXTURES / "drafts"
GOLDEN = DRAFTS / "golden"


def _quality() -> Any:
    spec = importlib.util.spec_from_file_location("draft_quality", ROOT / "benchmarks" / "draft_quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["draft_quality"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


quality = _quality()
CASES = quality.cases(DRAFTS)


def test_there_are_enough_drafts_of_every_sort() -> None:
    kinds = {e["kind"] for c in CASES for e in c.expected}
    assert len(CASES) >= 8
    assert sum(1 for c in CASES if c.clean) >= 2
    assert sum(1 for c in CASES if len({e["kind"] for e in c.expected}) >= 3) >= 2, "drafts mixing kinds"
    assert set(STRUCTURE_KINDS) | set(REFERENCE_KINDS) <= kinds
    assert any(c.path.suffix == ".ttl" for c in CASES) and any(c.path.suffix == ".txt" for c in CASES)


def _report(case: Any, store: EmbeddedStore) -> dict[str, Any]:
    data = check(case.path, store, as_of=case.as_of).to_json()
    data["draft"]["path"] = case.path.name  # the golden file does not depend on where the checkout is
    return data


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_golden_report(case: Any, store: EmbeddedStore) -> None:
    report = _report(case, store)
    golden = GOLDEN / f"{case.path.stem}.json"
    text = json.dumps(report, ensure_ascii=False, indent=1) + "\n"
    if os.environ.get("POLICYKG_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"no golden report {golden.name}: run with POLICYKG_UPDATE_GOLDEN=1"
    assert json.loads(golden.read_text(encoding="utf-8")) == report


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_draft_has_a_date_so_reports_do_not_depend_on_today(case: Any, store: EmbeddedStore) -> None:
    from policykg.drafts import load_draft

    assert case.as_of is not None or load_draft(case.path).date is not None


@pytest.fixture(scope="module")
def results(store: EmbeddedStore) -> list[tuple[Any, list[dict[str, Any]]]]:
    return quality.run(store, DRAFTS)  # type: ignore[no-any-return]


def test_recall_is_complete(results: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    score = quality.score(results)
    assert score.missed == []
    assert score.total.recall == 1.0


def test_clean_drafts_get_no_violation(results: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    score = quality.score(results)
    assert score.false_violations_on_clean == []
    for case, found in results:
        if case.clean:
            assert all(f["severity"] != "violation" for f in found), case.name


def test_structure_and_reference_kinds_raise_no_unexpected_finding(results: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    mine = set(STRUCTURE_KINDS) | set(REFERENCE_KINDS)
    unexpected = [u for u in quality.score(results).unexpected if u[1] in mine]
    assert unexpected == []


def test_severities_and_suggestions_are_as_annotated(results: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    for case, found in results:
        for expected in case.expected:
            same = [f for f in found if (f["kind"], f["article"]) == (expected["kind"], expected["article"])]
            assert same, (case.name, expected)
            if "severity" in expected:
                assert expected["severity"] in {f["severity"] for f in same}, (case.name, expected)
            if "suggestion" in expected:
                assert expected["suggestion"] in {f["details"].get("suggestion") for f in same}, (case.name, expected)


def test_the_founding_document_itself_has_no_structure_or_reference_finding(store: EmbeddedStore) -> None:
    """青政发〔2012〕46号 (62 articles, 10 citations) read as a draft: a false-alarm control on real text."""
    report = check(SOURCE_46, store)
    mine = set(STRUCTURE_KINDS) | set(REFERENCE_KINDS)
    assert [f for f in report.findings if f.kind in mine] == []
    assert len(report.articles) == 62


def test_quality_script_prints_the_figures(store: EmbeddedStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert quality.main(["--store", str(store.root), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["drafts"] == len(CASES)
    assert figures["overall"]["recall"] == 1.0
    assert set(figures["per_kind"]) >= set(STRUCTURE_KINDS) | set(REFERENCE_KINDS)


def test_golden_files_have_drafts() -> None:
    stems = {c.path.stem for c in CASES}
    orphans = [p.name for p in GOLDEN.glob("*.json") if p.stem not in stems]
    assert orphans == [], "golden reports without a draft"


