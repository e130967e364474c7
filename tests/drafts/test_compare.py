"""The value comparisons of a draft with the corpus (drafts/matching.py, drafts/compare.py): matching by
meaning, conflicts and which value prevails, higher-level limits as data and SHACL, overlaps and the
non-cumulation rule they point at."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from policykg.drafts import Finding, check, load_draft
from policykg.drafts.compare import CHECKS, compare_draft, corpus
from policykg.drafts.load import DraftArticle
from policykg.drafts.matching import THRESHOLD, Corpus, Cue, article_families, draft_figures, match_draft
from policykg.eligibility.compiled import compile_shapes, validate_graph
from policykg.namespaces import DOC, ID, PK
from policykg.remote import RemoteStore
from policykg.store import EmbeddedStore
from tests.data import FIXTURES, ROOT, SOURCE_46

DRAFTS = FIXTURES / "drafts"
M46 = str(DOC["qingzhengfa-2012-46/measure/"])
VALUE_KINDS = ("conflict", "exceeds-ceiling", "overlap")


@pytest.fixture(scope="module")
def c(store: EmbeddedStore) -> Corpus:
    return corpus(store)


def _draft(tmp_path: Path, *articles: str, date_line: str = "本意见自2013年7月1日起施行。",
           number: str = "青政发〔2013〕99号", name: str = "d.txt") -> Path:
    lines = ["关于支持小微企业发展的若干意见", f"编号 {number}", "各区、市人民政府,市政府各部门,市直各单位:",
             "为支持小微企业发展,提出如下意见。"]
    numerals = "一二三四五六七八九十"
    lines += [f"({numerals[i]}){text}" for i, text in enumerate(articles)]
    lines.append(date_line)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _mine(path: Path, store: EmbeddedStore, as_of: date | None = None) -> list[Finding]:
    return [f for f in check(path, store, as_of=as_of).findings if f.kind in VALUE_KINDS]


def _matches(c: Corpus, text: str, on: date = date(2013, 7, 1)) -> list[tuple[str, list[str]]]:
    """(surface, matched corpus figure slugs) of every figure of one article text."""
    article = DraftArticle("https://example.org/draft/article/1", "1", "(一)", text, 1)
    live = [f for f in c.figures if f.measure.in_force(on)]
    from policykg.drafts.matching import match_figure

    out = []
    for d in draft_figures(article, c.lexicon, title="关于支持小微企业发展的若干意见"):
        m = match_figure(d, live, c.lexicon)
        out.append((d.surface, sorted(f.iri.removeprefix(M46) for f in m.figures) if m else []))
    return out


# ------------------------------------------------------------------------------------------ lexicon

def test_every_cue_parses_into_non_empty_groups(store: EmbeddedStore) -> None:
    rows = list(store.query("SELECT ?c ?cue WHERE { ?c <%s> ?cue }" % PK.cue))
    assert len(rows) > 150
    for r in rows:
        cue = Cue.parse(r["cue"].value)
        assert cue.groups and all(g and all(t for t in g) for g in cue.groups), r["cue"].value
        assert r["cue"].language == "zh"


def test_the_cue_syntax() -> None:
    assert Cue.parse("展会|参展+补贴|补助").groups == (("展会", "参展"), ("补贴", "补助"))
    assert Cue.parse("每次（日）销售额").groups == (("每次(日)销售额",),)  # full-width forms folded


def test_every_figure_of_46_read_from_its_own_text_matches_itself(store: EmbeddedStore, c: Corpus) -> None:
    """46号 read as a draft: each of its curated figures is found, with its value, and nothing else is."""
    on = date(2013, 1, 1)
    matching = match_draft(load_draft(SOURCE_46), c, on)
    own = {f.iri for f in c.figures if f.measure.document and f.measure.document.id_local == "青政发〔2012〕46号"
           and f.measure.in_force(on)}
    found, wrong = set(), []
    for m in matching.matches:
        right = [f for f in m.figures if f.measure.article == m.draft.article and f.base_value == m.draft.base_value]
        found |= {f.iri for f in right}
        if not right:
            wrong.append((m.draft.article, m.draft.surface, [f.iri for f in m.figures]))
    assert len(own) >= 60
    assert own - found == set()
    assert wrong == []


def test_every_benefit_family_is_found_in_its_own_article(c: Corpus) -> None:
    draft = load_draft(SOURCE_46)
    found: dict[str, set[str]] = {}
    for a in draft.articles:
        for sf in article_families(a, c.lexicon, title=draft.title):
            for fam in sf.families:
                found.setdefault(fam, set()).add(a.number)
    families = {(m.article, m.family) for m in c.measures.values() if m.family and m.is_benefit
                and m.document and m.document.id_local == "青政发〔2012〕46号"}
    assert len(families) > 80
    assert [x for x in families if x[0] not in found.get(x[1], set())] == []


# ----------------------------------------------------------------------------------------- matching

@pytest.mark.parametrize(("text", "expected"), [
    # the corpus: 将增值税起征点提高到最高标准,即……增值税起征点统一为月销售额20000元
    ("月销售额不超过3万元的小规模纳税人,暂免征收增值税。", [("3万元", ["4-vat-threshold/monthly-sales"])]),
    ("对增值税小规模纳税人中月销售收入不超过2.5万元的,免征增值税。", [("2.5万元", ["4-vat-threshold/monthly-sales"])]),
    # business tax, not VAT: the tax kind of the sentence decides
    ("对月营业额不足3万元的个体工商户和小微企业,免征营业税。", [("3万元", ["4-business-tax-threshold/monthly-turnover"])]),
    ("按次纳税的,每次(日)销售额1000元以下的,免征增值税。", [("1000元", ["4-vat-threshold/per-transaction-sales"])]),
    # both the industrial and the other-enterprise threshold of 第五条 are 30万元: both meant
    ("年度应纳税所得额在50万元以下的小型微利企业,其所得按20%的税率缴纳企业所得税。",
     [("50万元", ["5-reduced-rate/industrial-taxable-income", "5-reduced-rate/other-taxable-income"]),
      ("20%", ["5-reduced-rate/rate"])]),
    # the halving words tell the 60000元 figure apart from the 30万元 one
    ("小型微利企业年应纳税所得额低于10万元(含10万元)的,其所得减按50%计入应纳税所得额,按20%的税率缴纳企业所得税。",
     [("10万元", ["5-half-income/taxable-income"]), ("10万元", ["5-half-income/taxable-income"]),
      ("50%", ["5-half-income/income-inclusion"]), ("20%", ["5-half-income/rate"])]),
    # the beneficiary tells the two reduced rates apart
    ("经认定的高新技术企业,减按12%的税率缴纳企业所得税。", [("12%", ["6-high-tech-reduced-rate/rate"])]),
    # qualifiers: industrial vs other enterprises
    ("其他企业,从业人数不超过100人,资产总额不超过2000万元。",
     [("100人", ["5-reduced-rate/other-employees"]), ("2000万元", ["5-reduced-rate/other-assets"])]),
    ("小微企业因遇特殊困难无法按期缴纳税款的,可以依法申请延期缴纳,延期期限最长为6个月。",
     [("6个月", ["7-tax-deferral/deferral-period"])]),
    ("小微企业在一个纳税年度内转让技术取得的所得,不超过800万元的部分免征企业所得税。",
     [("800万元", ["8-tech-transfer-exemption/exempt-income"])]),
    ("企业申请办理登记许可事项,材料齐全的,登记机关应当在5个工作日内办结。",
     [("5个工作日", ["16-registration-time-limit/time-limit"])]),
    ("小微企业以融资租赁方式融资的,财政按其实际融资额的3%给予补助。", [("3%", ["30-finance-lease-subsidy/rate"])]),
    # a range: each end is read against the bound on its side
    ("对小型、微型企业的产品给予6%—12%的价格扣除。",
     [("6%", ["3-price-deduction/minimum-deduction"]), ("12%", ["3-price-deduction/maximum-deduction"])]),
])
def test_paraphrases_match_the_corpus_figure(c: Corpus, text: str, expected: list[tuple[str, list[str]]]) -> None:
    assert _matches(c, text) == expected


@pytest.mark.parametrize("text", [
    # new measures whose figures resemble corpus figures but set none of them
    "对首次获得银行贷款的小微企业,按贷款实际利息的30%给予贴息,单户企业贴息金额每年不超过20万元。",
    "设立小微企业数字化转型服务券,按服务费用的50%给予补助,每家企业每年最高不超过10万元。",
    "对年纳税额超过100万元的小微企业,给予一次性奖励5万元。",
    "建立小微企业名录,每半年更新一次。",
])
def test_new_measures_match_no_corpus_figure(c: Corpus, text: str) -> None:
    assert all(figures == [] for _, figures in _matches(c, text))


def test_a_figure_of_an_expired_measure_is_not_matched(c: Corpus) -> None:
    text = "对小微企业新招用毕业年度高校毕业生,签订1年以上劳动合同的,给予2年的社会保险补贴。"
    assert _matches(c, text, date(2014, 6, 30))[-1] == ("2年", ["21-graduate-social-insurance-subsidy/subsidy-period"])
    assert _matches(c, text, date(2015, 1, 1))[-1] == ("2年", [])  # 政策执行至2014年底


def test_the_threshold_needs_more_than_the_object(c: Corpus) -> None:
    """An object and a beneficiary alone (score 2.25) do not make a match; a tax kind or family does."""
    assert THRESHOLD == 3.0
    assert _matches(c, "小微企业按实际融资额的3%给予支持。") == [("3%", [])]
    assert _matches(c, "小微企业通过融资租赁方式融资的,按实际融资额的3%给予补助。")[0][1] == ["30-finance-lease-subsidy/rate"]


# -------------------------------------------------------------------------------------- conflict

def test_a_later_rule_of_the_same_level_prevails_as_a_warning(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _draft(tmp_path, "企业申请办理登记许可事项,登记机关应当在5个工作日内办结。(市工商局负责)")
    [f] = _mine(path, store)
    assert (f.kind, f.severity, f.article) == ("conflict", "warning", "1")
    assert f.details["prevails"] == "draft" and f.details["rule"] == ["lex posterior"]
    assert f.details["draft_value"] == Decimal(5) and f.details["corpus_value"] == Decimal(7)
    assert f.details["more_favourable"] == "draft"  # a shorter time limit favours the applicant
    assert f.related[0].document == "青政发〔2012〕46号" and f.related[0].article == "16"
    assert "第十六条" in f.message and "7个工作日" in f.message


def test_a_broken_higher_level_limit_makes_the_corpus_prevail(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _draft(tmp_path, "各部门预留本部门年度政府采购项目预算总额的20%以上,专门面向中小企业采购。(市财政局负责)")
    conflict, ceiling = _mine(path, store)
    assert (conflict.kind, conflict.severity) == ("conflict", "violation")
    assert conflict.details["prevails"] == "corpus" and conflict.details["rule"] == ["lex superior"]
    assert conflict.details["limits"] == [str(ID["limit/procurement-sme-share-minimum"])]
    assert (ceiling.kind, ceiling.severity) == ("exceeds-ceiling", "violation")
    assert ceiling.related[0].document == "财库〔2011〕181号"
    assert ceiling.details["limit_value"] == Decimal(30) and ceiling.details["comparator"] == ">="


def test_an_earlier_local_rule_yields_to_46_by_article_62(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _draft(tmp_path, "小微企业通过融资租赁方式融资的,按其实际融资额的1%给予补助。(市财政局负责)",
                  date_line="本意见自2012年7月1日起施行。", number="青政发〔2012〕20号")
    [f] = _mine(path, store, as_of=date(2013, 1, 1))
    assert (f.kind, f.severity) == ("conflict", "violation")
    assert f.details["prevails"] == "corpus" and f.details["rule"] == ["lex posterior", "第六十二条"]
    assert f.related[-1].article == "62" and f.related[-1].iri == M46 + "62-this-opinion-prevails"


def _turtle_draft(tmp_path: Path, passed_by: str, text: str) -> Path:
    path = tmp_path / "national.ttl"
    path.write_text(f"""
@prefix pk: <https://w3id.org/policykg/ontology#> . @prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix agency: <https://w3id.org/policykg/id/agency/> .
<https://example.org/d> a pk:PolicyDocument ; eli:title "关于促进高校毕业生就业的通知"@zh ;
    eli:date_document "2013-08-01"^^xsd:date ; eli:passed_by agency:{passed_by} .
<https://example.org/d/1> a pk:Article ; pk:document <https://example.org/d> ; eli:number "1" ; pk:ordinal 1 ;
    pk:text "{text}"@zh .
""", encoding="utf-8")
    return path


@pytest.mark.parametrize(("per_head", "prevails", "favourable"), [("800", "draft", "draft"), ("500", "corpus", "corpus")])
def test_a_higher_level_draft_meets_article_62_most_favourable(tmp_path: Path, store: EmbeddedStore, per_head: str,
                                                               prevails: str, favourable: str) -> None:
    """第六十二条: 若国家和省出台优于本意见的新政策,按从优原则执行 — the more favourable value applies."""
    text = f"企业新招收毕业年度高校毕业生开展岗前培训的,按每人最高{per_head}元给予企业职业培训补贴。(人力资源社会保障部负责)"
    [f] = [f for f in _mine(_turtle_draft(tmp_path, "state-council", text), store) if f.kind == "conflict"]
    assert f.details["draft_level"] == 1 and f.details["corpus_level"] == 3
    assert f.details["prevails"] == prevails and f.details["more_favourable"] == favourable
    assert f.details["rule"] == ["第六十二条", "lex superior"]
    assert f.related[-1].iri == M46 + "62-most-favourable-no-duplication"


def test_a_value_inside_the_corpus_range_is_no_conflict(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _draft(tmp_path, "对小微企业产品的价格给予8%的扣除,用扣除后的价格参与评审。(市财政局负责)")
    assert [(f.kind, f.article) for f in _mine(path, store)] == [("overlap", "1")]


# ---------------------------------------------------------------------------------- exceeds-ceiling

def test_limits_as_data_and_as_shapes_agree(store: EmbeddedStore, c: Corpus) -> None:
    shapes = Graph().parse(ROOT / "shapes" / "ceilings.ttl")
    assert len(c.limits) == 10
    for limit in c.limits:
        assert limit.shape is not None
        node = URIRef(limit.shape)
        assert {str(t) for t in shapes.objects(node, SH.targetNode)} == set(limit.figures), limit.iri
        [prop] = list(shapes.objects(node, SH.property))
        assert shapes.value(prop, SH.path) == PK.proposedValue
        bound = {"<=": SH.maxInclusive, ">=": SH.minInclusive}[limit.comparator]
        assert Decimal(str(shapes.value(prop, bound))) == limit.base_value, limit.iri
        assert {m.language for m in shapes.objects(prop, SH.message)} == {"zh", "en"}
        # every limit traces to an article or a [V] line of a source summary
        assert limit.article_iri or (limit.note and "[V]" in limit.note), limit.iri


def test_limit_figures_are_corpus_figures_of_the_same_object(store: EmbeddedStore, c: Corpus) -> None:
    figures = {f.iri: f for f in c.figures}
    objects = {r["l"].value: r["o"].value for r in store.query(
        "SELECT ?l ?o WHERE { ?l a <%s> ; <%s> ?o }" % (PK.HigherLevelLimit, PK.measuredObject))}
    for limit in c.limits:
        for iri in limit.figures:
            assert figures[iri].object == objects[limit.iri]
            assert figures[iri].base_unit == limit.base_unit


@pytest.mark.parametrize(("value", "broken"), [("20000", False), ("20000.01", True), ("19999", False)])
def test_the_ceiling_is_inclusive(tmp_path: Path, store: EmbeddedStore, value: str, broken: bool) -> None:
    path = _draft(tmp_path, f"按期纳税的小规模纳税人,月销售额不超过{value}元的,暂免征收增值税。(市国税局负责)")
    kinds = {f.kind for f in _mine(path, store)}
    assert ("exceeds-ceiling" in kinds) is broken
    assert ("conflict" in kinds) is (value != "20000")


def test_the_compiled_evaluator_and_pyshacl_agree_on_proposed_values(store: EmbeddedStore) -> None:
    shapes = Graph().parse(ROOT / "shapes" / "ceilings.ttl")
    data = Graph()
    proposals = [("4-vat-threshold/monthly-sales", "30000"), ("4-vat-threshold/monthly-sales", "20000"),
                 ("3-price-deduction/maximum-deduction", "12"), ("3-price-deduction/minimum-deduction", "5"),
                 ("3-price-deduction/minimum-deduction", "6"), ("6-high-tech-reduced-rate/rate", "12"),
                 ("5-half-income/rate", "20")]
    for figure, value in proposals:
        data.add((URIRef(M46 + figure), PK.proposedValue, Literal(value, datatype=XSD.decimal)))
    ours = {(str(r.focus), str(r.value)) for r in validate_graph(compile_shapes(shapes), data)}
    _, report, _ = pyshacl_validate(data, shacl_graph=shapes)
    theirs = {(str(report.value(r, SH.focusNode)), str(report.value(r, SH.value)))
              for r in report.subjects(RDF.type, SH.ValidationResult)}
    assert ours == theirs
    assert ours == {(M46 + "4-vat-threshold/monthly-sales", "30000"), (M46 + "3-price-deduction/maximum-deduction", "12"),
                    (M46 + "3-price-deduction/minimum-deduction", "5"), (M46 + "6-high-tech-reduced-rate/rate", "12")}


# ------------------------------------------------------------------------------------------ overlap

def test_an_overlap_points_at_its_non_cumulation_group(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _draft(tmp_path, "按期纳税的小规模纳税人,月销售额不超过2万元的,暂免征收增值税。(市国税局负责)")
    [f] = _mine(path, store)
    assert (f.kind, f.severity) == ("overlap", "warning")
    groups = [r for r in f.related if "/group/" in (r.iri or "")]
    assert [g.iri for g in groups] == [str(DOC["qingzhengfa-2012-46/group/tax-thresholds"])]
    assert f.details["groups"] == [{"group": groups[0].iri, "strategy": "higher-level-prevails"}]
    assert "按国家和省的规定执行" in f.message


def test_an_overlap_without_a_group_points_at_article_62(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _draft(tmp_path, "鼓励小微企业参加国内外行业性专业展会,对其展位费给予补贴。(市商务局负责)")
    [f] = _mine(path, store)
    assert [r.article for r in f.related] == ["43", "62"]
    assert f.related[1].iri == M46 + "62-most-favourable-no-duplication"
    assert "第六十二条" in f.message


def test_an_unrelated_beneficiary_is_no_overlap(tmp_path: Path, store: EmbeddedStore) -> None:
    """第二十四条 subsidises guarantee institutions; a subsidy to borrowers for guarantee fees is another entitlement."""
    path = _draft(tmp_path, "对小微企业通过融资担保机构获得贷款的,按担保费的40%给予担保费补贴。(市财政局负责)")
    assert _mine(path, store) == []


def test_the_clean_drafts_get_no_value_finding(store: EmbeddedStore) -> None:
    for name in ("clean-new-measures.txt", "clean-services.txt", "clean-training.txt", "clean-turtle.ttl"):
        assert _mine(DRAFTS / name, store) == [], name


def test_checks_are_exposed_for_check_py() -> None:
    from policykg.drafts.check import all_checks

    assert [c.__name__ for c in CHECKS] == ["check_conflicts", "check_ceilings", "check_overlaps"]
    assert all(c in all_checks() for c in CHECKS)


def test_the_comparison_is_computed_once_per_check(store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import policykg.drafts.compare as compare

    calls = []
    real = compare.compare_draft
    monkeypatch.setattr(compare, "compare_draft", lambda *a, **k: calls.append(1) or real(*a, **k))
    check(DRAFTS / "mixed-values.txt", store)
    assert calls == [1]


def test_an_external_store_gives_the_same_value_findings(store: EmbeddedStore, oxigraph_remote_store: RemoteStore) -> None:
    for name in ("conflict-higher-level.txt", "overlap-restated.txt"):
        path = DRAFTS / name
        embedded = [f for f in check(path, store).to_json()["findings"] if f["kind"] in VALUE_KINDS]
        remote = [f for f in check(path, oxigraph_remote_store).to_json()["findings"] if f["kind"] in VALUE_KINDS]
        assert embedded and remote == embedded


def test_compare_draft_reads_the_store_only(store: EmbeddedStore) -> None:
    before = len(list(store.query("SELECT * WHERE { ?s ?p ?o }")))
    compare_draft(load_draft(DRAFTS / "conflict-higher-level.txt"), store, date(2013, 9, 1))
    assert len(list(store.query("SELECT * WHERE { ?s ?p ?o }"))) == before
