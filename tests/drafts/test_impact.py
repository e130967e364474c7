"""`policykg draft impact`: which enterprises gain, lose or change benefits if a draft is adopted — the
draft's prevailing figures applied to a copy of the eligibility catalogue, decided by a second engine."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import SH

from policykg.drafts import load_draft
from policykg.drafts.compare import compare_draft
from policykg.drafts.impact import CSV_COLUMNS, METHOD_ROLES, ImpactReport, impact, modified_engine
from policykg.eligibility.engine import Engine
from policykg.eligibility.profiles import profile_from_mapping, read_profiles
from policykg.eligibility.valuation import METHODS
from policykg.namespaces import DOC
from policykg.store import EmbeddedStore
from tests.clirun import cli
from tests.data import FIXTURES

DRAFTS = FIXTURES / "drafts"
PROFILES = DRAFTS / "impact-profiles.csv"
M46 = str(DOC["qingzhengfa-2012-46/measure/"])


@pytest.fixture(scope="module")
def engine(store: EmbeddedStore) -> Engine:
    return Engine.from_store(store)


def _impact(name: str, store: EmbeddedStore, engine: Engine, on: str, profiles: Path = PROFILES) -> ImpactReport:
    return impact(load_draft(DRAFTS / name), read_profiles(profiles), store=store, as_of=date.fromisoformat(on),
                  engine=engine)


def _by_profile(report: ImpactReport) -> dict[str, list[tuple[str, str, object, object]]]:
    return {e.profile: [(c.benefit.slug, c.change, c.before, c.after) for c in e.changes] for e in report.enterprises}


def test_raising_the_small_low_profit_threshold_widens_who_qualifies(store: EmbeddedStore, engine: Engine) -> None:
    report = _impact("conflict-thresholds.txt", store, engine, "2013-08-01")
    changes = _by_profile(report)
    # 450000 yuan of taxable income: above 46号's 30万元, within the draft's 50万元 — 450000 × (25% − 20%)
    assert changes["Retail 450k"] == [("5-reduced-rate", "gained", None, Decimal("22500"))]
    assert changes["Industrial 200k"] == []  # qualified before and after
    # the exempt part of technology-transfer income rises from 500万元 to 800万元: 7000000 × 25% instead of 5000000 × 25%
    assert changes["Software transfer 7M"] == [("8-tech-transfer-exemption", "changed", Decimal("1250000"),
                                                Decimal("1750000"))]
    assert report.summary()["gaining"] == 1 and report.summary()["changed_value"] == 1
    assert report.summary()["total_delta"] == 522500


def test_each_change_says_whether_it_was_applied(store: EmbeddedStore, engine: Engine) -> None:
    report = _impact("conflict-thresholds.txt", store, engine, "2013-08-01")
    status = [(c.article, c.figure.removeprefix(M46), c.status, c.uses) for c in report.catalogue_changes]
    assert status == [
        ("1", "5-reduced-rate/industrial-taxable-income", "applied", ("eligibility",)),
        ("1", "5-reduced-rate/other-taxable-income", "applied", ("eligibility",)),
        ("2", "7-tax-deferral/deferral-period", "not-modelled", ()),  # no profile figure decides it
        ("3", "8-tech-transfer-exemption/exempt-income", "applied", ("valuation",)),
        ("4", "16-registration-time-limit/time-limit", "not-modelled", ()),
    ]


def test_an_overridden_change_is_not_applied(store: EmbeddedStore, engine: Engine) -> None:
    """The per-transaction VAT threshold of 1000元 breaks the 最高标准 of 500元: it does not take effect."""
    report = _impact("mixed-values.txt", store, engine, "2014-01-01")
    [overridden] = [c for c in report.catalogue_changes if c.status == "overridden"]
    assert overridden.article == "2" and overridden.after == Decimal(1000)
    assert "上位法" in overridden.reason_zh
    changes = _by_profile(report)
    # halved income up to 10万元: 80000 × 25% − 80000 × 50% × 20% = 12000, more than the 20% rate's 4000 —
    # the group corporate-income-tax-rate keeps the most favourable (第六十二条)
    assert sorted(changes["Catering 80k"]) == [("5-half-income", "gained", None, Decimal("12000")),
                                              ("5-reduced-rate", "lost", Decimal("4000"), None)]
    assert changes["Trainer"] == [("20-employer-training-subsidy", "changed", Decimal("3000"), Decimal("4000"))]
    trainer = next(e for e in report.enterprises if e.profile == "Trainer")
    assert [c.article for c in trainer.changes[0].because] == ["4"]


@pytest.mark.parametrize(("income", "gains"), [("500000", True), ("500000.01", False), ("300000.01", True)])
def test_the_new_bound_is_the_drafts_exactly(store: EmbeddedStore, engine: Engine, income: str, gains: bool) -> None:
    profile = profile_from_mapping({"name": "P", "industry": "retail", "employees": 20, "annual_revenue": 5000000,
                                    "total_assets": 3000000, "annual_taxable_income": income,
                                    "restricted_industry": False}, location="$")
    report = impact(load_draft(DRAFTS / "conflict-thresholds.txt"), [profile], store=store, as_of=date(2013, 8, 1),
                    engine=engine)
    assert any(c.change == "gained" and c.benefit.slug == "5-reduced-rate" for c in report.enterprises[0].changes) is gains


def test_the_store_and_the_engine_are_left_unchanged(store: EmbeddedStore, engine: Engine) -> None:
    shape = URIRef(engine.catalogue.benefit("5-reduced-rate").shape)
    bound = URIRef(str(shape) + "-taxable-income")
    assert engine.catalogue.shapes_graph.value(bound, SH.maxInclusive).toPython() == 300000
    comparison = compare_draft(load_draft(DRAFTS / "conflict-thresholds.txt"), store, date(2013, 8, 1))
    modified, _ = modified_engine(engine, comparison)
    assert modified is not engine
    assert Decimal(str(modified.catalogue.shapes_graph.value(bound, SH.maxInclusive))) == 500000
    assert engine.catalogue.shapes_graph.value(bound, SH.maxInclusive).toPython() == 300000
    exempt = engine.catalogue.benefit("8-tech-transfer-exemption").quantity("threshold")
    assert exempt is not None and exempt.value == 5000000
    assert modified.catalogue.benefit("8-tech-transfer-exemption").quantity("threshold").value == 8000000  # type: ignore[union-attr]
    [row] = list(store.query("SELECT ?o WHERE { <%s> <%s> ?o }" % (bound, SH.maxInclusive)))
    assert row["o"].value == "300000"


def test_a_draft_that_changes_nothing_reuses_the_engine(store: EmbeddedStore, engine: Engine) -> None:
    comparison = compare_draft(load_draft(DRAFTS / "overlap-restated.txt"), store, date(2013, 10, 1))
    assert modified_engine(engine, comparison) == (engine, ())
    report = _impact("overlap-restated.txt", store, engine, "2013-10-01")
    assert report.catalogue_changes == () and all(e.changes == () for e in report.enterprises)
    assert report.summary()["affected"] == 0


def test_every_valuation_method_has_its_roles() -> None:
    assert set(METHOD_ROLES) == set(METHODS)


def test_json_and_csv_shapes(store: EmbeddedStore, engine: Engine) -> None:
    report = _impact("conflict-thresholds.txt", store, engine, "2013-08-01")
    data = report.to_json()
    assert list(data) == ["draft", "summary", "changes", "enterprises"]
    assert data["draft"]["document_number"] == "青政发〔2013〕21号" and data["draft"]["as_of"] == "2013-08-01"
    retail = next(e for e in data["enterprises"] if e["profile"] == "Retail 450k")
    assert retail["gained"][0]["benefit"] == M46 + "5-reduced-rate" and retail["gained"][0]["delta"] == 22500
    assert retail["gained"][0]["because"][0]["article"] == "1"
    rows = report.rows()
    assert [list(r) for r in rows] == [list(CSV_COLUMNS)] * len(rows)
    assert {(r["profile"], r["change"], r["delta"]) for r in rows} == {("Retail 450k", "gained", 22500),
                                                                       ("Software transfer 7M", "changed", 500000)}
    text = report.to_text()
    assert "Retail 450k" in text and "[not-modelled]" in text and "Industrial 200k" not in text


def test_the_command(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, built: Path,
                     tmp_path: Path) -> None:
    code, out, err = cli(capsys, monkeypatch, "draft", "impact", str(DRAFTS / "mixed-values.txt"), "--profiles",
                         str(PROFILES), "--as-of", "2014-01-01", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["profile"], r["change"], r["delta"]) for r in rows} == {
        ("Catering 80k", "gained", "12000"), ("Catering 80k", "lost", "-4000"), ("Trainer", "changed", "1000")}
    code, out, err = cli(capsys, monkeypatch, "draft", "impact", str(DRAFTS / "mixed-values.txt"), "--profiles",
                         str(PROFILES), "--as-of", "2014-01-01")
    assert code == 0 and json.loads(out)["summary"]["affected"] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("name,industry,employees,annual_revenue,total_assets\nx,mining,1,1,1\n", encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "draft", "impact", str(DRAFTS / "mixed-values.txt"), "--profiles",
                         str(bad), "--as-of", "2014-01-01")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "industry" in err
