"""Reports of a draft check for people: a rich renderable for the terminal, a standalone HTML page.

The HTML page shows the draft's articles with the findings about each next to it; related corpus
provisions link to the explorer's resource pages (``/id/doc/{slug}/article/{n}``; ``base`` prefixes
them when the explorer is mounted elsewhere or the page is read offline). Everything taken from
the draft or the corpus is escaped.
"""

from __future__ import annotations

from html import escape

from rich.console import Group
from rich.text import Text

from ..namespaces import BASE, DOC
from .model import INFO, VIOLATION, WARNING, DraftReport, Finding, Related

__all__ = ["corpus_link", "render", "to_html"]

_SEVERITY_ZH = {VIOLATION: "违规", WARNING: "警告", INFO: "提示"}
_STYLE = {VIOLATION: "bold red", WARNING: "yellow", INFO: "cyan"}
_KIND_ZH = {
    "title": "标题", "document-number": "文号", "numbering": "编号", "missing-agency": "缺少责任部门",
    "empty-article": "空条款", "unknown-agency": "未知部门", "dangling-reference": "引用不存在",
    "expired-reference": "引用已失效", "conflict": "冲突", "exceeds-ceiling": "超出上限", "overlap": "重复享受",
}


def corpus_link(related: Related, base: str = "") -> str | None:
    """The explorer path of a related corpus provision, or None when it is not a corpus IRI.

    >>> corpus_link(Related("青政发〔2012〕46号", "5", "https://w3id.org/policykg/id/doc/qingzhengfa-2012-46/measure/5-half-income"))
    '/id/doc/qingzhengfa-2012-46/article/5'
    """
    iri = related.iri
    if iri is None or not iri.startswith(BASE):
        return None
    if related.article and iri.startswith(str(DOC)):
        slug = iri[len(str(DOC)):].split("/", 1)[0]
        return f"{base}/id/doc/{slug}/article/{related.article}"
    return f"{base}/{iri[len(BASE):]}"


def _related_text(related: Related) -> str:
    where = related.document + (f" 第{related.article}条" if related.article else "")
    return where + (f"「{related.label}」" if related.label else "")


def render(report: DraftReport) -> Group:
    """The text report: the draft, a table of findings (article, severity, kind, message, related), totals."""
    head = Text()
    head.append(report.title or "(无标题 / no title)", style="bold")
    if report.document_number:
        head.append(f"  {report.document_number}")
    head.append(f"\n{report.path} · 审查日期 as of {report.as_of.isoformat()}", style="dim")
    parts: list[object] = [head, Text()]
    for f in report.findings:
        block = Text(overflow="fold")
        block.append("全文 document" if f.article is None else f"第{f.article}条 article {f.article}", style="bold")
        block.append("  ")
        block.append(f"{_SEVERITY_ZH[f.severity]} {f.severity}", style=_STYLE[f.severity])
        block.append(f"  {_KIND_ZH.get(f.kind, f.kind)} {f.kind}", style="dim")
        block.append(f"\n  {f.message}\n  {f.message_en}")
        for r in f.related:
            link = corpus_link(r)
            block.append(f"\n  → {_related_text(r)}" + (f"  {link}" if link else ""), style="dim")
        parts.append(block)
        parts.append(Text())
    counts = report.summary()
    verdict = Text()
    if report.conforms:
        verdict.append("通过:没有违规 / conforms: no violation", style="bold green")
    else:
        verdict.append(f"不通过:{counts[VIOLATION]} 项违规 / does not conform: {counts[VIOLATION]} violation(s)",
                       style="bold red")
    verdict.append(f"  ({counts[WARNING]} warning(s), {counts[INFO]} info)")
    parts.append(verdict)
    return Group(*parts)  # type: ignore[arg-type]


_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{padding:1rem 2rem;background:#fff;border-bottom:1px solid #ddd}
header h1{font-size:1.3rem;margin:0 0 .3rem}
.meta{color:#666;font-size:.9rem}
.verdict{font-weight:600;margin-top:.5rem}
.verdict.fail{color:#b00020}.verdict.pass{color:#1b7f3b}
main{padding:1rem 2rem}
.row{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem;border-bottom:1px solid #e5e5e5;padding:.6rem 0}
.article .num{font-weight:600;margin-right:.4rem}
.article p{margin:0;line-height:1.6;white-space:pre-wrap}
.finding{border-left:4px solid #999;background:#fff;padding:.4rem .6rem;margin-bottom:.5rem;font-size:.92rem}
.finding.violation{border-color:#b00020}.finding.warning{border-color:#c77c00}.finding.info{border-color:#1565c0}
.finding .tag{font-size:.75rem;text-transform:uppercase;letter-spacing:.03em;color:#555}
.finding .en{color:#555}
.finding ul{margin:.3rem 0 0 1rem;padding:0}
.ok{color:#1b7f3b;font-size:.85rem}
"""


def _finding_html(f: Finding, base: str) -> str:
    related = []
    for r in f.related:
        label = escape(_related_text(r))
        href = corpus_link(r, base)
        related.append(f'<li><a href="{escape(href, quote=True)}">{label}</a></li>' if href else f"<li>{label}</li>")
    suggestion = f.details.get("suggestion") if isinstance(f.details, dict) or hasattr(f.details, "get") else None
    extra = f'<div class="en">建议 suggestion: {escape(str(suggestion))}</div>' if suggestion else ""
    return (
        f'<div class="finding {escape(f.severity)}" data-kind="{escape(f.kind, quote=True)}">'
        f'<div class="tag">{escape(_SEVERITY_ZH[f.severity])} {escape(f.severity)} · '
        f'{escape(_KIND_ZH.get(f.kind, f.kind))} {escape(f.kind)}</div>'
        f'<div>{escape(f.message)}</div><div class="en">{escape(f.message_en)}</div>{extra}'
        + (f"<ul>{''.join(related)}</ul>" if related else "")
        + "</div>"
    )


def to_html(report: DraftReport, *, base: str = "") -> str:
    """A standalone HTML page: the draft's articles with the findings about each next to it.

    ``base`` prefixes the links to corpus pages (the explorer's root; "" when served by it).
    """
    counts = report.summary()
    verdict = ('<div class="verdict pass">通过:没有违规 / conforms: no violation</div>' if report.conforms else
               f'<div class="verdict fail">不通过:{counts[VIOLATION]} 项违规 / does not conform: '
               f'{counts[VIOLATION]} violation(s)</div>')
    title = report.title or "(无标题 / no title)"
    rows = []
    general = report.of_article(None)
    if general:
        rows.append('<section class="row" id="document"><div class="article"><span class="num">全文 Document</span>'
                    f'<p>{escape(title)}</p></div><div>{"".join(_finding_html(f, base) for f in general)}</div></section>')
    numbers = {n for n, _ in report.articles}
    for number, text in report.articles:
        found = report.of_article(number)
        side = "".join(_finding_html(f, base) for f in found) or '<div class="ok">无问题 no finding</div>'
        rows.append(
            f'<section class="row" id="article-{escape(number, quote=True)}"><div class="article">'
            f'<span class="num">第{escape(number)}条</span><p>{escape(text)}</p></div><div>{side}</div></section>')
    orphans = [f for f in report.findings if f.article is not None and f.article not in numbers]
    if orphans:
        rows.append('<section class="row"><div class="article"><span class="num">其他 Other</span></div>'
                    f'<div>{"".join(_finding_html(f, base) for f in orphans)}</div></section>')
    meta = " · ".join(escape(x) for x in (report.document_number or "", report.path,
                                           f"审查日期 as of {report.as_of.isoformat()}") if x)
    return (
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>草案审查 Draft check: {escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<header><h1>{escape(title)}</h1><div class="meta">{meta}</div>{verdict}'
        f'<div class="meta">{counts[VIOLATION]} violation(s) · {counts[WARNING]} warning(s) · {counts[INFO]} info</div>'
        f'</header><main>{"".join(rows)}</main></body></html>\n'
    )
