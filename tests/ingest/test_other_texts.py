"""The parser on texts other than 46号 (tests/fixtures/texts/), each with its own variations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from policykg.ingest import Article, IngestedDocument, Registry, TemporalKind, ingest_file, ingest_text
from policykg.namespaces import AGENCY, DOC


def art(doc: IngestedDocument, number: str) -> Article:
    return next(a for a in doc.articles if a.number == number)


def test_measures_with_di_chapters_and_di_articles(texts: Path, registry: Registry) -> None:
    doc = ingest_file(texts / "banfa_chapters_articles.txt", registry=registry)
    assert doc.iri == str(DOC["qingzhengbanfa-2013-5"])  # the bare 文号 line above the title
    assert doc.title == "青岛市小微企业创业扶持资金管理办法"
    assert doc.addressee == "各区、市人民政府，市政府各部门，市直各单位"
    assert [(c.number_label, c.title) for c in doc.chapters] == [
        ("第一章", "总则"), ("第二章", "支持方式"), ("第三章", "监督管理"),
    ]
    assert [a.number for a in doc.articles] == ["1", "2", "3", "4", "5", "6", "7"]
    assert art(doc, "3").number_label == "第三条"
    assert [a.chapter for a in doc.articles] == ["1", "1", "2", "2", "2", "3", "3"]
    # a continuation line belongs to the article above it
    assert art(doc, "3").text.splitlines()[1] == "补助资金于每年6月30日前拨付。（市财政局、各区市政府负责）"
    assert [a.removeprefix(str(AGENCY)) for a in art(doc, "3").responsibility.agencies] == [  # type: ignore[union-attr]
        "finance-bureau", "district-governments",
    ]
    assert art(doc, "4").responsibility.others_share  # type: ignore[union-attr]
    six = art(doc, "6").responsibility
    assert six is not None and six.others_share and len(six.agencies) == 2
    assert art(doc, "7").responsibility is None
    # the preamble's citations: one resolved by number, one by title; 根据 makes both transposed
    assert [c.iri.removeprefix(str(DOC)) for c in doc.citations] == [
        "qingzhengfa-2012-46", "small-enterprise-accounting-standards",
    ]
    assert len(doc.transposes) == 2
    # closing: entry into force inside the last article, signature and date after it
    assert doc.entry_into_force_text == "本办法自2013年4月1日起施行，有效期至2015年12月31日"
    assert doc.first_date_entry_in_force == date(2013, 4, 1)
    assert doc.date_no_longer_in_force == date(2015, 12, 31)
    assert doc.date_document == date(2013, 3, 1)
    assert doc.passed_by == str(AGENCY["qingdao-municipal-government"])
    assert [(t.kind, t.duration) for t in art(doc, "5").temporals] == [(TemporalKind.AT_MOST, "P3Y")]
    assert art(doc, "2").quantities[0].base_value == Decimal(50_000_000)


def test_draft_with_arabic_numbering(texts: Path, registry: Registry) -> None:
    doc = ingest_file(texts / "draft_arabic_numbering.txt", registry=registry)
    assert doc.title == "关于进一步优化小微企业融资环境的若干措施(征求意见稿)"
    assert doc.title_line == 5
    assert doc.id_local is None
    assert doc.iri.startswith(str(DOC["title-"]))
    assert [a.number for a in doc.articles] == ["1", "2", "3", "5"]
    assert [a.number_label for a in doc.articles] == ["1.", "2.", "3.", "5."]
    issue = doc.numbering_issues[0]
    assert (issue.kind, issue.level, issue.expected, issue.found, issue.line) == ("gap", "article", 4, 5, 12)
    assert "缺少" in issue.message and "missing" in issue.message
    # article 2 names no one
    assert art(doc, "2").responsibility is None
    # an unknown agency is kept with a suggestion, and no IRI is invented for it
    one = art(doc, "1").responsibility
    assert one is not None
    assert one.agencies == (str(AGENCY["finance-bureau"]),)
    assert [(u.name, u.suggestion) for u in one.unresolved] == [("市经信委", "市经济信息化委")]
    # an unknown reference with [] brackets
    (cited,) = doc.citations
    assert cited.id_local == "鲁政发〔2013〕7号" and not cited.resolved
    assert cited.iri == str(DOC["luzhengfa-2013-7"])
    assert doc.transposes == (cited.iri,)
    five = art(doc, "5")
    assert [m.surface_text for m in five.quantities] == ["1.5%", "2%", "1%"]
    assert [(t.kind, t.date) for t in five.temporals] == [(TemporalKind.AFTER, date(2013, 1, 1))]
    assert five.responsibility is not None and five.responsibility.others_share
    assert doc.first_date_entry_in_force == date(2013, 6, 1)
    assert doc.date_no_longer_in_force == date(2016, 12, 31)
    # the web-page residue is gone: nothing of it in the preamble or the last article
    assert doc.preamble is not None and "打印" not in doc.preamble
    assert "咨询相关单位" not in doc.articles[-1].text


def test_full_width_digits_and_square_brackets(texts: Path, registry: Registry) -> None:
    doc = ingest_file(texts / "fullwidth_square_brackets.txt", registry=registry)
    assert doc.id_local == "青政字〔2013〕12号"
    assert doc.iri == str(DOC["qingzhengzi-2013-12"])
    assert doc.date_document == date(2013, 3, 15)
    assert (doc.gazette_issue, doc.gazette_cumulative_issue) == ("2013年第5期", 272)
    assert [(c.number_label, c.title) for c in doc.chapters] == [("第一部分", "平台建设"), ("第二部分", "保障措施")]
    assert [a.number_label for a in doc.articles] == ["（一）", "（二）", "（三）", "（四）"]
    assert doc.citations[0].iri == str(DOC["qingzhengfa-2012-46"])
    assert doc.citations[0].id_local == "青政发〔2012〕46号"
    three = art(doc, "3")
    assert three.citations[0].id_local == "财库〔2011〕181号"  # written 财库(２０１１)１８１号
    assert three.citations[0].surface_text == "财库(２０１１)１８１号"
    # 青岛市财政局 is 市财政局 once the city prefix is read as 市
    assert three.responsibility is not None and three.responsibility.agencies == (str(AGENCY["finance-bureau"]),)
    one = art(doc, "1")
    assert [(m.surface_text, m.value) for m in one.quantities] == [("１０家", Decimal(10)), ("１００万元", Decimal(100))]
    assert "2013" not in {str(m.value) for m in one.quantities}
    four = art(doc, "4")
    assert [(t.kind, t.date or t.duration) for t in four.temporals] == [
        (TemporalKind.WITHIN, "P3M"), (TemporalKind.BEFORE, date(2013, 6, 30)),
    ]
    assert doc.entry_into_force_text == "本通知自印发之日起施行"


def test_articles_restarting_in_each_chapter_are_numbered_per_chapter(registry: Registry) -> None:
    text = "\n".join([
        "关于做好小微企业服务工作的通知",
        "一、减轻负担",
        "(一)免收登记费。(市工商局负责)",
        "(二)免收年检费。(市工商局负责)",
        "二、加强服务",
        "(一)建设服务平台。(市经济信息化委负责)",
    ])
    doc = ingest_text(text, registry=registry)
    assert doc.numbering_scope == "chapter"
    assert [a.number for a in doc.articles] == ["1.1", "1.2", "2.1"]
    assert len({a.iri for a in doc.articles}) == 3
    assert doc.numbering_issues == ()


def test_numbering_beyond_one_hundred(registry: Registry) -> None:
    import cn2an

    lines = ["关于扶持中小企业的若干规定"]
    for n in range(1, 104):
        lines.append(f"({cn2an.an2cn(n)})第{n}项扶持措施。(市财政局负责)")
    doc = ingest_text("\n".join(lines), registry=registry)
    assert [a.number for a in doc.articles][-4:] == ["100", "101", "102", "103"]
    assert doc.articles[-1].number_label == "(一百零三)"
    assert doc.numbering_issues == ()


def test_a_repeated_number_is_reported_and_keeps_distinct_iris(registry: Registry) -> None:
    text = "关于支持企业发展的意见\n第一条 甲。\n第二条 乙。\n第二条 丙。\n第三条 丁。"
    doc = ingest_text(text, registry=registry)
    assert [a.number for a in doc.articles] == ["1", "2", "2", "3"]
    assert len({a.iri for a in doc.articles}) == 4
    assert [(i.kind, i.line, i.found) for i in doc.numbering_issues] == [("repeat", 4, 2)]


def test_sub_items_stay_in_their_article(registry: Registry) -> None:
    text = "关于支持企业发展的办法\n第一条 支持方式包括:\n(一)贴息;\n(二)补助。\n第二条 本办法自2014年1月1日起施行。"
    doc = ingest_text(text, registry=registry)
    assert [a.number for a in doc.articles] == ["1", "2"]
    assert doc.articles[0].text == "支持方式包括:\n(一)贴息;\n(二)补助。"
    assert doc.entry_into_force_text == "本办法自2014年1月1日起施行"
    assert doc.first_date_entry_in_force == date(2014, 1, 1)
