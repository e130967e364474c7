"""Facts of 青政发〔2012〕46号 read straight from data/sources/qingdao-2012-46.txt."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from policykg.ingest import Article, IngestedDocument, TemporalKind
from policykg.namespaces import AGENCY, DOC
from tests.data import DOC_46, SOURCE_46


def art(doc: IngestedDocument, number: str) -> Article:
    return next(a for a in doc.articles if a.number == number)


def agencies(doc: IngestedDocument, number: str) -> list[str]:
    r = art(doc, number).responsibility
    assert r is not None
    return [iri.removeprefix(str(AGENCY)) for iri in r.agencies]


def test_document_metadata(doc46: IngestedDocument) -> None:
    assert doc46.iri == DOC_46
    assert doc46.title == "关于贯彻落实国发〔2012〕14号文件进一步支持小型微型企业健康发展的意见"
    assert doc46.title_line == 20
    assert doc46.id_local == "青政发〔2012〕46号"
    assert doc46.date_document == date(2012, 11, 8)
    assert doc46.gazette_issue == "2012年第19期"
    assert doc46.gazette_cumulative_issue == 260
    assert doc46.addressee == "各区、市人民政府,市政府各部门,市直各单位"
    assert doc46.preamble is not None and doc46.preamble.startswith("为贯彻落实《国务院关于")
    assert doc46.entry_into_force_text == "本意见自发布之日起实施"
    assert doc46.first_date_entry_in_force is None  # "自发布之日起" names no date


def test_eight_chapters_with_titles(doc46: IngestedDocument) -> None:
    assert [c.number for c in doc46.chapters] == [str(n) for n in range(1, 9)]
    titles = [c.title for c in doc46.chapters]
    assert titles[0] == "加大对小微企业的财税支持力度"
    assert titles[2] == "加大对小微企业融资支持力度"
    assert titles[7] == "强化对小微企业的公共服务"
    assert [c.number_label for c in doc46.chapters][:2] == ["一、", "二、"]
    assert doc46.chapters[2].source_line == 52


def test_sixty_two_articles_numbered_contiguously(doc46: IngestedDocument) -> None:
    assert [a.number for a in doc46.articles] == [str(n) for n in range(1, 63)]
    assert [a.ordinal for a in doc46.articles] == list(range(1, 63))
    assert doc46.numbering_issues == ()
    assert doc46.numbering_scope == "document"
    assert art(doc46, "5").number_label == "(五)"
    assert art(doc46, "62").number_label == "(六十二)"
    assert art(doc46, "1").source_line == 29
    assert art(doc46, "62").source_line == 97


def test_articles_belong_to_their_chapters(doc46: IngestedDocument) -> None:
    per_chapter = {c.number: [a.number for a in doc46.articles if a.chapter == c.number] for c in doc46.chapters}
    assert per_chapter["1"] == [str(n) for n in range(1, 14)]
    assert per_chapter["3"][0] == "23" and per_chapter["3"][-1] == "36"
    assert per_chapter["8"] == [str(n) for n in range(54, 63)]


def test_article_text_is_exact(doc46: IngestedDocument) -> None:
    lines = SOURCE_46.read_text(encoding="utf-8").splitlines()
    for a in doc46.articles:
        written = lines[a.source_line - 1].strip()
        assert written == a.number_label + a.text
    assert art(doc46, "6").text == "被认定为“高新技术企业”的中小企业,减按15%的税率征收企业所得税。(市国税局、市地税局负责)"


def test_responsible_agencies(doc46: IngestedDocument) -> None:
    assert agencies(doc46, "2") == [
        "economy-and-informatization-commission",
        "development-and-reform-commission",
        "science-and-technology-bureau",
        "financial-affairs-office",
        "finance-bureau",
    ]
    assert agencies(doc46, "50") == ["economy-and-informatization-commission"]
    assert art(doc46, "50").responsibility.others_share  # type: ignore[union-attr]
    assert agencies(doc46, "25") == ["district-governments"]
    assert art(doc46, "25").responsibility.others_share  # type: ignore[union-attr]
    assert agencies(doc46, "18")[-1] == "fire-bureau"  # "…市公安消防局等有关前置许可审批部门负责"
    assert art(doc46, "18").responsibility.others_share  # type: ignore[union-attr]
    assert not art(doc46, "2").responsibility.others_share  # type: ignore[union-attr]
    assert art(doc46, "4").responsibility.text == "市国税局、市地税局负责"  # type: ignore[union-attr]
    assert art(doc46, "62").responsibility is None


def test_every_agency_of_46_is_in_the_registry(doc46: IngestedDocument) -> None:
    unresolved = [u.name for a in doc46.articles if a.responsibility for u in a.responsibility.unresolved]
    assert unresolved == []


def test_articles_naming_the_finance_bureau(doc46: IngestedDocument) -> None:
    # counted by reading the text: 19 trailing parentheticals name 市财政局
    finance = str(AGENCY["finance-bureau"])
    named = [a.number for a in doc46.articles if a.responsibility and finance in a.responsibility.agencies]
    assert len(named) == 19
    text = SOURCE_46.read_text(encoding="utf-8")
    assert len(re.findall(r"\([^()]*市财政局[^()]*负责\)", text)) == 19
    assert named[:4] == ["1", "2", "3", "13"]


def test_preamble_citations_belong_to_the_document(doc46: IngestedDocument) -> None:
    guofa = str(DOC["guofa-2012-14"])
    assert [c.iri for c in doc46.citations] == [guofa]
    assert doc46.citations[0].id_local == "国发〔2012〕14号"
    assert doc46.citations[0].title == "国务院关于进一步支持小型微型企业健康发展的意见"
    assert doc46.citations[0].surface_text.endswith("(国发〔2012〕14号)")
    assert doc46.transposes == (guofa,)


@pytest.mark.parametrize(
    ("number", "cited"),
    [
        ("3", ["caiku-2011-181"]),
        ("27", ["qingzhengzi-2012-58"]),
        ("41", ["qingzhengfa-2012-19"]),
        ("48", ["small-enterprise-accounting-standards"]),
    ],
)
def test_article_citations(doc46: IngestedDocument, number: str, cited: list[str]) -> None:
    assert [c.iri.removeprefix(str(DOC)) for c in art(doc46, number).citations] == cited
    assert all(c.resolved for c in art(doc46, number).citations)


def test_article_50_cites_the_notice_and_its_nested_title(doc46: IngestedDocument) -> None:
    outer, nested = art(doc46, "50").citations
    assert outer.iri == str(DOC["qingfa-2008-19"]) and outer.resolved
    assert outer.id_local == "青发〔2008〕19号"
    assert outer.title == "关于印发〈青岛市引进高层次优秀人才来青创新创业发展的办法〉的通知"
    assert nested.title == "青岛市引进高层次优秀人才来青创新创业发展的办法"
    assert nested.id_local is None and not nested.resolved
    assert nested.iri.startswith(str(DOC["title-"]))


def test_a_catalogue_to_be_compiled_is_not_a_citation(doc46: IngestedDocument) -> None:
    # (十四) 编制《青岛市涉企行政事业性和经营服务性收费目录》: a document still to be written
    assert art(doc46, "14").citations == ()


def test_no_article_cites_by_digits_of_dates(doc46: IngestedDocument) -> None:
    cited = {c.id_local for a in doc46.articles for c in a.citations if c.id_local}
    assert cited == {"财库〔2011〕181号", "青政字〔2012〕58号", "青政发〔2012〕19号", "青发〔2008〕19号"}


def test_deadlines(doc46: IngestedDocument) -> None:
    def kinds(number: str) -> list[tuple[TemporalKind, str]]:
        return [(t.kind, str(t.date or t.duration)) for t in art(doc46, number).temporals]

    assert kinds("5") == [(TemporalKind.UNTIL, "2015-12-31")]
    assert kinds("15") == [(TemporalKind.FROM, "2012-07-01"), (TemporalKind.UNTIL, "2014-12-31")]
    assert (TemporalKind.AFTER, "2011-12-01") in kinds("21")
    assert kinds("21")[0] == (TemporalKind.AFTER, "2011-12-01")
    assert kinds("21")[-1] == (TemporalKind.UNTIL, "2014-12-31")
    assert kinds("7") == [(TemporalKind.WITHIN, "P3M")]
    assert kinds("11") == [(TemporalKind.AT_LEAST, "P2Y")]
    assert kinds("12") == [(TemporalKind.WITHIN, "P3Y"), (TemporalKind.UNTIL, "2015-12-31")]
    assert art(doc46, "12").temporals[1].surface_text == "至2015年底前"
    sixteen = art(doc46, "16").temporals
    assert [(t.duration, t.duration_unit) for t in sixteen] == [("P7D", "working-day"), ("P3D", "working-day")]
    assert art(doc46, "5").temporals[0].surface_text == "至2015年底"


def test_quantities_of_article_4(doc46: IngestedDocument) -> None:
    q = art(doc46, "4").quantities
    assert [m.surface_text for m in q] == ["20000元", "500元", "20000元", "500元"]
    assert all(m.unit == "yuan" and m.base_unit == "yuan" for m in q)
    assert [m.ordinal for m in q] == [1, 2, 3, 4]
    assert q[1].context == "为每次(日)销售额500元"


def test_quantities_of_article_24(doc46: IngestedDocument) -> None:
    q = art(doc46, "24").quantities
    assert [(m.value, m.unit) for m in q] == [
        (Decimal("1.5"), "percent"),
        (Decimal("1"), "percent"),
        (Decimal("50"), "percent"),
        (Decimal("300"), "ten-thousand-yuan"),
    ]
    assert q[3].base_value == Decimal(3_000_000) and q[3].base_unit == "yuan"


def test_ranges_and_chinese_numerals(doc46: IngestedDocument) -> None:
    assert [m.surface_text for m in art(doc46, "3").quantities] == ["30%", "60%", "6%", "10%"]
    three_years = art(doc46, "12").quantities[0]
    assert (three_years.surface_text, three_years.value, three_years.base_value, three_years.base_unit) == (
        "三年", Decimal(3), Decimal(36), "month",
    )
    area = art(doc46, "53").quantities[-1]
    assert (area.unit, area.base_value, area.base_unit) == ("ten-thousand-square-metre", Decimal(12_000_000), "square-metre")
    assert [m.surface_text for m in art(doc46, "27").quantities] == ["3亿元", "5%"]
    assert art(doc46, "27").quantities[0].base_value == Decimal(300_000_000)


def test_no_quantity_from_numbers_in_document_numbers_or_dates(doc46: IngestedDocument) -> None:
    surfaces = {m.surface_text for a in doc46.articles for m in a.quantities}
    assert not any(s.startswith(("2011", "2012", "2014", "2015")) for s in surfaces)
    assert art(doc46, "15").quantities[0].surface_text == "4项"
    # (三十七) “百家…”、“千家…”、“万家…” are names of programmes, not counts
    assert art(doc46, "37").quantities == ()
    # (十七) "一人有限公司" is a kind of company, not one person
    assert "一人" not in {m.surface_text for m in art(doc46, "17").quantities}
