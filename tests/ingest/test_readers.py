"""The small readers one by one: numerals, IRIs, registry keys, responsibility, quantities, dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from policykg.ingest import Registry, TemporalKind
from policykg.ingest.agencies import parse_responsibility
from policykg.ingest.iris import document_slug, title_slug
from policykg.ingest.numerals import chinese_to_int, fold_width
from policykg.ingest.quantities import find_quantities
from policykg.ingest.registry import normalise_agency, normalise_id_local
from policykg.ingest.temporal import find_temporals, parse_date
from policykg.namespaces import AGENCY


@pytest.mark.parametrize(("text", "value"), [("一", 1), ("十", 10), ("二十五", 25), ("六十二", 62), ("一百零三", 103), ("两", 2), ("１２", 12)])
def test_chinese_to_int(text: str, value: int) -> None:
    assert chinese_to_int(text) == value


def test_chinese_to_int_refuses_words() -> None:
    with pytest.raises(ValueError):
        chinese_to_int("企业")


def test_fold_width_keeps_length() -> None:
    s = "（一）２０１２年，１．５％　"
    assert len(fold_width(s)) == len(s)


@pytest.mark.parametrize(
    ("number", "slug"),
    [("青政发〔2012〕46号", "qingzhengfa-2012-46"), ("工信部联企业〔2011〕300号", "gongxinbulianqiye-2011-300"),
     ("财会〔2011〕17号", "caikuai-2011-17"), ("鲁财发〔2013〕7号", "鲁财发-2013-7")],
)
def test_document_slug(number: str, slug: str) -> None:
    assert document_slug(number) == slug


def test_title_slug_is_sha1_prefix() -> None:
    assert title_slug("小企业会计准则") == "title-" + __import__("hashlib").sha1("小企业会计准则".encode()).hexdigest()[:12]


@pytest.mark.parametrize("written", ["国发〔2012〕14号", "国发[2012]14号", "国发［2012］14号", "国发(2012)14号", "国发（２０１２）１４号"])
def test_document_number_brackets(written: str) -> None:
    assert normalise_id_local(written) == "国发〔2012〕14号"


def test_agency_keys() -> None:
    assert normalise_agency("青岛市财政局") == normalise_agency("市财政局") == normalise_agency(" 市 财政局 ")
    assert normalise_agency("青岛银监局") == "青岛银监局"


def test_responsibility_variants(registry: Registry) -> None:
    r = parse_responsibility("加强服务。(市财政局,市物价局;各有关部门负责)", registry)
    assert r is not None and r.others_share
    assert r.agencies == (str(AGENCY["finance-bureau"]), str(AGENCY["price-bureau"]))
    r2 = parse_responsibility("加强服务。（责任单位：市统计局）", registry)
    assert r2 is not None and r2.agencies == (str(AGENCY["statistics-bureau"]),)
    assert parse_responsibility("加强服务(暂执行至2014年底)。", registry) is None
    unknown = parse_responsibility("加强服务。(市大数据局负责)", registry)
    assert unknown is not None and unknown.agencies == () and unknown.unresolved[0].name == "市大数据局"


def test_quantity_range_without_first_unit() -> None:
    q = find_quantities("给予6—10%的扣除", exclude=[])
    assert [(m.surface_text, m.value, m.unit) for m in q] == [("6", Decimal(6), "percent"), ("10%", Decimal(10), "percent")]


def test_quantity_context_and_thousands() -> None:
    (q,) = find_quantities("资产总额不超过1,000万元,从业人员", exclude=[])
    assert q.base_value == Decimal(10_000_000) and q.context == "资产总额不超过1,000万元"


def test_ordinals_are_not_quantities() -> None:
    assert find_quantities("按第3项规定执行,总第260期", exclude=[]) == []


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("至2015年", TemporalKind.UNTIL, date(2015, 12, 31)),
        ("执行至2014年6月", TemporalKind.UNTIL, date(2014, 6, 30)),
        ("2016年底前完成", TemporalKind.BEFORE, date(2016, 12, 31)),
        ("于2013年3月1日公布", TemporalKind.ON, date(2013, 3, 1)),
        ("从2013年起", TemporalKind.FROM, date(2013, 1, 1)),
    ],
)
def test_dates(text: str, kind: TemporalKind, value: date) -> None:
    (t,) = find_temporals(text)
    assert (t.kind, t.date) == (kind, value)


def test_a_bare_year_is_no_date() -> None:
    assert find_temporals("2013年全市新认定平台") == []


def test_hours_and_parse_date() -> None:
    (t,) = find_temporals("在24小时内办结")
    assert (t.kind, t.duration, t.duration_unit) == (TemporalKind.WITHIN, "PT24H", "hour")
    assert parse_date("二〇一二年十一月八日") == date(2012, 11, 8)
    assert parse_date("2012年2月30日") is None
