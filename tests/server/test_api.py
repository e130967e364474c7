"""The JSON API under /api/ on the real server process: the CLI's JSON, errors, OpenAPI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from policykg.eligibility.engine import Engine
from policykg.eligibility.profiles import KEYS, profile_from_mapping
from policykg.server.api import openapi, routes
from policykg.server.app import ServerContext
from policykg.server.settings import Settings
from policykg.store import EmbeddedStore

from tests.data import ROOT

from .conftest import Server

PROFILE = {"name": "青岛某科技有限公司", "industry": "software_it_services", "employees": 60,
           "annual_revenue": 8000000, "total_assets": 6000000, "annual_taxable_income": 375000,
           "high_tech_certified": True, "restricted_industry": False}


def test_one_profile_gives_the_cli_json(server: Server, store: EmbeddedStore) -> None:
    with server.client() as c:
        r = c.post("/api/eligibility", params={"as_of": "2013-06-30"}, json=PROFILE)
    assert r.status_code == 200, r.text
    expected = Engine.from_store(store).decide(profile_from_mapping(PROFILE, location="$"), date(2013, 6, 30))
    assert r.json() == json.loads(json.dumps(expected.to_json(), ensure_ascii=False))


def test_batches_json_array_jsonl_and_csv(server: Server) -> None:
    other = dict(PROFILE, name="乙", employees=5, annual_revenue=900000, total_assets=300000)
    with server.client() as c:
        array = c.post("/api/eligibility?as_of=2013-06-30", json=[PROFILE, other])
        lines = c.post("/api/eligibility?as_of=2013-06-30",
                       content="\n".join(json.dumps(p, ensure_ascii=False) for p in (PROFILE, other)).encode(),
                       headers={"content-type": "application/x-ndjson"})
        body = "name,industry,employees,annual_revenue,total_assets\n甲,industrial,50,20000000,20000000\n"
        rows = c.post("/api/eligibility?as_of=2013-06-30", content=body.encode(),
                      headers={"content-type": "text/csv", "accept": "text/csv"})
    assert [d["profile"] for d in array.json()] == ["青岛某科技有限公司", "乙"]
    assert lines.json() == array.json()
    assert rows.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(rows.text)))
    assert parsed[0]["name"] == "甲" and parsed[0]["size_class"] == "small"


def test_bad_input_is_a_4xx_json_error_naming_the_key(server: Server) -> None:
    with server.client() as c:
        bad = c.post("/api/eligibility", json=dict(PROFILE, employees=-1))
        date_ = c.post("/api/eligibility?as_of=2013-02-30", json=PROFILE)
        media = c.post("/api/eligibility", content=b"<x/>", headers={"content-type": "application/xml"})
        broken = c.post("/api/eligibility", content=b'{"name": ', headers={"content-type": "application/json"})
    assert bad.status_code == 400 and bad.json()["error"]["message"] == "$.employees: must not be negative, got -1"
    assert date_.status_code == 400 and "as_of" in date_.json()["error"]["message"]
    assert media.status_code == 415 and media.json()["error"]["code"] == "unsupported-media-type"
    assert broken.status_code == 400 and broken.json()["error"]["position"]["line"] == 1


def test_openapi_describes_every_route_and_every_profile_key(server: Server) -> None:
    with server.client() as c:
        doc = c.get("/api/openapi.json").json()
        index = c.get("/api/").json()
    assert doc == json.loads(json.dumps(openapi()))
    assert doc["openapi"].startswith("3.1")
    described = set(doc["paths"])
    mounted = {r.path for r in routes(ServerContext(settings=Settings(), executor=None))}  # type: ignore[arg-type]
    assert mounted == described
    assert set(doc["components"]["schemas"]["Profile"]["properties"]) == set(KEYS)
    assert index["openapi"] == "/api/openapi.json"


DRAFTS = ROOT / "tests" / "fixtures" / "drafts"


def test_draft_check_gives_the_cli_report(server: Server, store: EmbeddedStore) -> None:
    from policykg.drafts import check

    path = DRAFTS / "mixed-values.txt"
    with server.client() as c:
        r = c.post("/api/draft/check", params={"as_of": "2013-06-30", "name": path.name},
                   content=path.read_bytes(), headers={"content-type": "text/plain; charset=utf-8"})
        clean = c.post("/api/draft/check", content=(DRAFTS / "clean-services.txt").read_bytes(),
                       headers={"content-type": "text/plain"})
        html = c.post("/api/draft/check?format=html&as_of=2013-06-30", content=path.read_bytes(),
                      headers={"content-type": "text/plain"})
    assert r.status_code == 200, r.text
    expected = check(path, store, as_of=date(2013, 6, 30)).to_json()
    assert r.json()["findings"] == json.loads(json.dumps(expected["findings"], ensure_ascii=False))
    assert r.json()["conforms"] is False and any(f["kind"] == "exceeds-ceiling" for f in r.json()["findings"])
    assert clean.json()["conforms"] is True
    assert html.headers["content-type"].startswith("text/html") and "/id/doc/" in html.text


def test_draft_check_errors(server: Server) -> None:
    with server.client() as c:
        media = c.post("/api/draft/check", content=b"x", headers={"content-type": "application/pdf"})
        untitled = c.post("/api/draft/check", content="(一)没有标题的条文。".encode(),
                          headers={"content-type": "text/plain"})
    assert media.status_code == 415
    assert untitled.status_code == 400 and "draft.txt" in untitled.json()["error"]["message"]
    assert "/tmp" not in untitled.json()["error"]["message"]


def test_explorer_draft_form_and_report(server: Server) -> None:
    text = (DRAFTS / "structure-agencies.txt").read_text(encoding="utf-8")
    with server.client() as c:
        form = c.get("/drafts", headers={"accept": "text/html"})
        report = c.post("/drafts", data={"text": text, "kind": "txt", "as_of": "2013-06-30"})
        empty = c.post("/drafts", data={"text": " "}, headers={"accept": "text/html"})
    assert form.status_code == 200 and 'action="/drafts"' in form.text and 'name="text"' in form.text
    assert report.status_code == 200
    assert "unknown-agency" in report.text or "missing-agency" in report.text
    assert "<script" not in report.text
    assert empty.status_code == 400
