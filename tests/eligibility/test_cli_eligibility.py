"""`policykg eligibility`: one profile (JSON/text), batches (CSV/JSON lines), errors, atomic output."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.clirun import cli

PROFILE = {"name": "青岛某科技有限公司", "industry": "software_it_services", "employees": 60,
           "annual_revenue": 8000000, "total_assets": 6000000, "annual_taxable_income": 375000,
           "high_tech_certified": True, "restricted_industry": False, "rd_expenses_expensed": 400000}
HEADER = "name,industry,employees,annual_revenue,total_assets,annual_taxable_income,high_tech_certified,restricted_industry\n"
ROWS = [
    "甲,industrial,50,20000000,20000000,50000,false,false\n",
    "乙,retail,5,900000,300000,,false,false\n",
    "丙,software_it_services,400,200000000,150000000,2000000,true,false\n",
]


def test_one_profile_json_is_the_contract(capsys, monkeypatch, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "eligibility", str(path), "--as-of", "2013-06-30")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["profile"], doc["as_of"], doc["size_class"]) == ("青岛某科技有限公司", "2013-06-30", "small")
    granted = {g["benefit"].rsplit("/", 1)[-1]: g for g in doc["granted"]}
    assert granted["6-high-tech-reduced-rate"]["value"] == 37500
    assert granted["6-high-tech-reduced-rate"]["document"] == "青政发〔2012〕46号"
    assert granted["6-high-tech-reduced-rate"]["article"] == "6"


def test_text_report_explains(capsys, monkeypatch, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(dict(PROFILE, employees=90, annual_taxable_income=100000, high_tech_certified=False),
                               ensure_ascii=False), encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "eligibility", str(path), "--as-of", "2013-06-30",
                         "--format", "text", "--explain")
    assert code == 0, err
    assert "规模 size class: medium" not in out  # 90 employees and 8M revenue: small in software services
    assert "5-reduced-rate" in out and "at most 80: 10 fewer" in out and "需减少10人" in out


def test_csv_batch_one_row_per_profile_in_input_order(capsys, monkeypatch, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "batch.csv"
    path.write_text(HEADER + "".join(ROWS), encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "eligibility", str(path), "--as-of", "2013-06-30")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in rows] == ["甲", "乙", "丙"]
    assert list(rows[0]) == ["name", "size_class", "granted_count", "granted", "articles", "excluded",
                             "total_value", "values_complete"]
    first = dict(zip(rows[0]["granted"].split("|"), rows[0]["articles"].split("|")))
    assert first["5-half-income"] == "5"  # industrial, 50 staff, 2000万 assets, income 5万: 减半
    assert "5-reduced-rate" in rows[0]["excluded"].split("|")
    assert rows[0]["total_value"] == "7500.00"  # 50000×25% − 50000×50%×20%
    assert rows[2]["size_class"] == "large" and "6-high-tech-reduced-rate" not in rows[2]["granted"]
    assert int(rows[1]["granted_count"]) == len(rows[1]["granted"].split("|"))


def test_jsonl_batch(capsys, monkeypatch, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(dict(PROFILE, name=f"n{i}"), ensure_ascii=False) for i in range(3)) + "\n",
                    encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "eligibility", str(path), "--as-of", "2013-06-30")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["profile"] for d in lines] == ["n0", "n1", "n2"]
    assert all({"granted", "excluded", "ineligible"} <= set(d) for d in lines)


def test_bad_row_stops_the_batch_and_leaves_no_output(capsys, monkeypatch, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "batch.csv"
    path.write_text(HEADER + ROWS[0] + "丁,industrial,-4,1,1,,false,false\n" + ROWS[1], encoding="utf-8")
    target = tmp_path / "out.csv"
    code, out, err = cli(capsys, monkeypatch, "eligibility", str(path), "--as-of", "2013-06-30", "-o", str(target))
    assert code == 2
    assert err.strip().splitlines()[-1] == f"policykg: error: {path}:3: employees (column 3): must not be negative, got -4"
    assert not target.exists() and list(tmp_path.glob(".out.csv.*")) == []  # nothing half-written


@pytest.mark.parametrize(("args", "message"), [
    (["--as-of", "2013-02-30"], "--as-of '2013-02-30' is not a date (YYYY-MM-DD)"),
    (["--format", "xml"], "'xml' is not one of"),
])
def test_bad_options_are_one_line_errors(capsys, monkeypatch, built, tmp_path, args, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "eligibility", str(path), *args)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_industry_names_the_key(capsys, monkeypatch, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(dict(PROFILE, industry="mining")), encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "eligibility", str(path))
    assert code == 2 and f"{path}:$.industry" in err and "mining" in err
