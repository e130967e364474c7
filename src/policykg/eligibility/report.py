"""The text report of a decision, for people at a terminal (``policykg eligibility --format text``)."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from .engine import Decision, Reason, display_value

__all__ = ["render"]


def _yuan(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f}"


def _reason_line(r: Reason) -> Text:
    line = Text("  • ")
    line.append(r.message_zh or r.message_en)
    if r.field:
        value = display_value(r.value) if r.value not in (None, ()) else "—"
        line.append(f"  [{r.field} = {value}; {r.constraint}]", style="dim")
    if r.change is not None:
        line.append(f"  → {r.change.message_zh} / {r.change.message_en}", style="bold")
    return line


def render(decision: Decision, *, explain: bool = False) -> RenderableType:
    """The report: size class, granted benefits with values and end dates, exclusions, ineligible ones.

    With ``explain``, each granted benefit lists the conditions met and each ineligible one its failed
    conditions and the smallest change that would qualify; without, ineligible benefits are counted.
    """
    parts: list[RenderableType] = []
    head = Text()
    head.append(f"{decision.profile.name}", style="bold")
    head.append(f"  判定日期 as of {decision.as_of.isoformat()}  ")
    head.append(f"规模 size class: {decision.size_class}", style="bold")
    parts.append(head)
    parts.append(Text(decision.size.message_zh, style="dim"))

    granted = Table(title=f"可享受 granted ({len(decision.granted)}) — 合计 total {_yuan(decision.total_value)} 元",
                    title_justify="left", expand=False)
    for column in ("条 art.", "优惠 benefit", "金额 value (元)", "有效期至 until"):
        granted.add_column(column)
    for g in decision.granted:
        value = _yuan(g.valuation.amount)
        if g.valuation.basis == "maximum":
            value = f"≤ {value}"
        granted.add_row(g.benefit.article or "", g.benefit.label_zh or g.benefit.slug, value,
                        g.valid_until.isoformat() if g.valid_until else "—")
    parts.append(granted)
    if explain:
        for g in decision.granted:
            parts.append(Text(f"{g.benefit.citation} {g.benefit.slug}:", style="bold"))
            for r in g.because:
                parts.append(Text(f"  ✓ {r.message_zh}  [{r.field} = {display_value(r.value)}; {r.constraint}]"))
            if g.valuation.formula:
                parts.append(Text(f"  = {g.valuation.formula}", style="dim"))
            for zh, _ in g.notes:
                parts.append(Text(f"  ※ {zh}", style="dim"))

    if decision.excluded:
        parts.append(Text(f"不重复享受 excluded ({len(decision.excluded)})", style="bold"))
        for e in decision.excluded:
            parts.append(Text(f"  ✗ {e.benefit.citation} {e.benefit.slug}: {e.reason_zh}"))

    undecided = [i for i in decision.ineligible if i.undecided]
    refused = [i for i in decision.ineligible if not i.undecided]
    if undecided:
        parts.append(Text(f"无法判定 cannot decide ({len(undecided)}): 缺少 missing "
                          + ", ".join(sorted({m for i in undecided for m in i.missing})), style="bold"))
        if explain:
            for i in undecided:
                parts.append(Text(f"  ? {i.benefit.citation} {i.benefit.slug}: 缺少 {', '.join(i.missing)}"))
    parts.append(Text(f"不符合条件 not eligible ({len(refused)})"
                      + ("" if explain else " — use --explain for the reasons / 加 --explain 查看原因"), style="bold"))
    if explain:
        for i in refused:
            parts.append(Text(f"{i.benefit.citation} {i.benefit.slug}:", style="bold"))
            parts.extend(_reason_line(r) for r in i.reasons)
    return Group(*parts)
