"""`policykg draft check` as a command: exit codes 0/1/2, one-line errors with file:line, the contract
JSON, the HTML page, atomic -o, and the corpus untouched by a check."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from policykg.store import EmbeddedStore
from tests.clirun import cli
from tests.data import FIXTURES

DRAFTS = FIXTURES / "drafts"


def test_clean_draft_exits_0_and_json_has_the_contract_keys(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, monkeypatch, "draft", "check", str(DRAFTS / "clean-services.txt"), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data)[:2] == ["conforms", "findings"]
    assert data["conforms"] is True
    assert data["draft"] == {"path": str(DRAFTS / "clean-services.txt"), "title": "关于加强小微企业公共服务体系建设的意见(征求意见稿)",
                             "document_number": None, "as_of": "2013-03-01"}
    assert data["summary"]["violation"] == 0


def test_violations_exit_1_with_every_contract_field(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, monkeypatch, "draft", "check", str(DRAFTS / "references-expired.txt"), "--format", "json")
    assert code == 1, err
    data = json.loads(out)
    assert data["conforms"] is False
    first = data["findings"][0]
    assert list(first) == ["kind", "severity", "article", "message", "message_en", "related", "details"]
    assert first["kind"] == "expired-reference" and first["article"] == "1"
    assert first["related"][0]["document"] == "青政发〔2012〕46号" and first["related"][0]["article"] == "5"
    assert first["details"]["valid_until"] == "2015-12-31"


def test_as_of_changes_what_is_expired(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    """The same draft checked before the halving ended (2015-12-31) cites nothing expired."""
    code, out, err = cli(capsys, monkeypatch, "draft", "check", str(DRAFTS / "references-expired.txt"),
                         "--as-of", "2014-06-30", "--format", "json")
    assert code == 0, err
    assert [f for f in json.loads(out)["findings"] if f["kind"] == "expired-reference"] == []


def test_not_yet_in_force_reference_is_a_warning(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    """财库〔2011〕181号 took effect on 2012-01-01 ([V] in data/sources/caiku-2011-181.summary.txt)."""
    code, out, err = cli(capsys, monkeypatch, "draft", "check", str(DRAFTS / "references-expired.txt"),
                         "--as-of", "2011-12-30", "--format", "json")
    found = [(f["kind"], f["severity"], f["article"], f["details"].get("status")) for f in json.loads(out)["findings"]]
    assert ("expired-reference", "warning", "4", "not-yet-in-force") in found
    assert code == 0  # warnings only


def test_text_report_is_readable(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, monkeypatch, "draft", "check", str(DRAFTS / "structure-agencies.txt"))
    assert code == 1
    assert "市经信委" in out and "市经济信息化委" in out
    assert "missing-agency" in out and "第2条" in out
    assert "不通过:2 项违规 / does not conform: 2 violation(s)" in out


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links += [v or "" for k, v in attrs if k == "href"]
        if tag == "script":
            self.scripts += 1


def test_html_report_links_corpus_articles_and_escapes_the_draft(capsys, monkeypatch, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    draft = tmp_path / "hostile.ttl"  # Turtle goes in as written (the text ingester drops markup)
    draft.write_text("""@prefix pk: <https://w3id.org/policykg/ontology#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:x:d> a pk:PolicyDocument ; eli:title "关于<img src=x onerror=alert(2)>的意见"@zh ;
    eli:date_document "2016-03-01"^^xsd:date .
<urn:x:a1> a pk:Article ; pk:document <urn:x:d> ; eli:number "1" ; pk:ordinal 1 ;
    pk:text "<script>alert(1)</script>继续执行小型微利企业减半征收企业所得税政策。"@zh ;
    eli:cites <https://w3id.org/policykg/id/doc/qingzhengfa-2012-46/article/5> .
""", encoding="utf-8")
    page = tmp_path / "report.html"
    code, out, err = cli(capsys, monkeypatch, "draft", "check", str(draft), "--format", "html", "-o", str(page))
    assert code == 1, err
    html = page.read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(html)
    assert parser.scripts == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "/id/doc/qingzhengfa-2012-46/article/5" in parser.links
    assert 'id="article-1"' in html and "expired-reference" in html


def test_output_is_written_atomically_and_nothing_on_bad_input(capsys, monkeypatch, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "report.json"
    code, _, err = cli(capsys, monkeypatch, "draft", "check", str(tmp_path / "missing.txt"), "--format", "json",
                       "-o", str(target))
    assert code == 2 and not target.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content, suffix, where, what", [
    (None, ".txt", "missing.txt", "no such draft file"),
    (b"\xe5\x85\xb3\xe4\xba\x8e\n\xff\xfe bad", ".txt", "bad.txt:2", "not valid UTF-8"),
    ("各区、市人民政府:\n(一)减免收费。(市财政局负责)\n".encode(), ".txt", "bad.txt:1", "no title"),
    (b"@prefix pk: <https://w3id.org/policykg/ontology#> .\n\n<a> pk:text \"unterminated .\n", ".ttl", "bad.ttl:3",
     "invalid Turtle"),
    (b"@prefix pk: <https://w3id.org/policykg/ontology#> .\n<urn:x:a> a pk:Article .\n", ".ttl", "bad.ttl:1",
     "exactly one document"),
    (b"x", ".docx", "bad.docx", "unsupported draft format"),
])
def test_unusable_input_is_one_line_and_exit_2(capsys, monkeypatch, built, tmp_path, content, suffix, where, what) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / ("missing" + suffix if content is None else "bad" + suffix)
    if content is not None:
        path.write_bytes(content)
    code, out, err = cli(capsys, monkeypatch, "draft", "check", str(path))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert f"{tmp_path / where}" in lines[0] and what in lines[0]


def test_bad_as_of_is_exit_2(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(capsys, monkeypatch, "draft", "check", str(DRAFTS / "clean-services.txt"), "--as-of", "2013-13-01")
    assert code == 2 and "--as-of" in err and len(err.strip().splitlines()) == 1


def test_a_check_leaves_the_corpus_unchanged(capsys, monkeypatch, built) -> None:  # type: ignore[no-untyped-def]
    """Drafts that claim a corpus document's number, cite corpus articles by IRI, or read 46号 itself:
    the store's quads and manifest are the same after checking them."""
    before = EmbeddedStore(built)
    quads = sorted(str(q) for q in before.quads())
    manifest = (before.version / "manifest.json").read_bytes()
    version = before.version
    for name in ("structure-empty.txt", "mixed-turtle.ttl", "references-expired.txt"):
        cli(capsys, monkeypatch, "draft", "check", str(DRAFTS / name), "--format", "json")
    after = EmbeddedStore(built)
    assert after.version == version
    assert (after.version / "manifest.json").read_bytes() == manifest
    assert sorted(str(q) for q in after.quads()) == quads
