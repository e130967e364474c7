"""What a benefit is worth to an enterprise, in yuan, where that follows from its profile.

The methods are the concepts of ``scheme:valuation-methods`` (ontology/schemes.ttl gives each formula in
words); which benefit is valued how, and on which profile figure, is data (``pk:valuationMethod``,
``pk:valuationBase`` in ``data/*/valuation.ttl``); the parameters are the benefit's own quantities by role
and, for taxes, the standard rate of the tax kind (``pk:StandardTaxRate``). Nothing here knows a benefit
by name.

A benefit without a method, or whose base figure the profile lacks, has no value: ``amount`` is None and
``reason`` says why (from ``pk:valuationNote`` where the data has one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .catalogue import BenefitInfo, Catalogue

__all__ = ["METHODS", "Valuation", "value", "valuer"]

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Valuation:
    """The amount of one benefit for one profile, or why there is none."""

    #: yuan, rounded to the fen; None when no amount follows from the profile
    amount: Decimal | None
    #: "exact", or "maximum" when the article sets an upper bound (不超过, 最高) rather than the amount
    basis: str | None
    #: how the amount was computed, e.g. "300000 × (25% − 20%)"
    formula: str | None
    reason_zh: str | None
    reason_en: str | None


def _none(zh: str, en: str) -> Valuation:
    return Valuation(None, None, None, zh, en)


def _fmt(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


class _Missing(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _quantity(b: BenefitInfo, role: str) -> tuple[Decimal, str | None]:
    q = b.quantity(role)
    if q is None:
        raise _Missing(f"数据缺少“{role}”数量", f"the data gives no {role} quantity for this benefit")
    return q.value, q.comparator


def _standard(b: BenefitInfo, rates: Mapping[str, tuple[Decimal, object]]) -> Decimal:
    for kind in b.tax_kinds:
        if kind in rates:
            return rates[kind][0]
    raise _Missing("知识图谱没有该税种的法定税率", f"the corpus has no standard rate for {', '.join(b.tax_kinds) or 'its tax'}")


def _tax_saved_at_reduced_rate(b: BenefitInfo, base: Decimal, rates: Mapping[str, tuple[Decimal, object]]) -> tuple[Decimal, str, Callable[[], str]]:
    std = _standard(b, rates)
    reduced, _ = _quantity(b, "reduced-rate")
    inclusion = b.quantity("rate")
    if inclusion is None:
        amount = base * (std - reduced) / _HUNDRED
        return amount, "exact", lambda: f"{_fmt(base)} × ({_fmt(std)}% − {_fmt(reduced)}%)"
    share = inclusion.value
    amount = base * std / _HUNDRED - base * share / _HUNDRED * reduced / _HUNDRED
    return amount, "exact", lambda: f"{_fmt(base)} × {_fmt(std)}% − {_fmt(base)} × {_fmt(share)}% × {_fmt(reduced)}%"


def _tax_exempt_up_to_threshold(b: BenefitInfo, base: Decimal, rates: Mapping[str, tuple[Decimal, object]]) -> tuple[Decimal, str, Callable[[], str]]:
    std = _standard(b, rates)
    threshold, _ = _quantity(b, "threshold")
    part = min(base, threshold)
    return part * std / _HUNDRED, "exact", lambda: f"min({_fmt(base)}, {_fmt(threshold)}) × {_fmt(std)}%"


def _tax_halved_above_threshold(b: BenefitInfo, base: Decimal, rates: Mapping[str, tuple[Decimal, object]]) -> tuple[Decimal, str, Callable[[], str]]:
    std = _standard(b, rates)
    threshold, _ = _quantity(b, "threshold")
    part = max(Decimal(0), base - threshold)
    return part * std / _HUNDRED / 2, "exact", lambda: f"({_fmt(base)} − {_fmt(threshold)}) × {_fmt(std)}% × 50%"


def _additional_deduction(b: BenefitInfo, base: Decimal, rates: Mapping[str, tuple[Decimal, object]]) -> tuple[Decimal, str, Callable[[], str]]:
    std = _standard(b, rates)
    rate, _ = _quantity(b, "deduction-rate")
    return base * rate / _HUNDRED * std / _HUNDRED, "exact", lambda: f"{_fmt(base)} × {_fmt(rate)}% × {_fmt(std)}%"


def _amortisation_uplift(b: BenefitInfo, base: Decimal, rates: Mapping[str, tuple[Decimal, object]]) -> tuple[Decimal, str, Callable[[], str]]:
    std = _standard(b, rates)
    rate, _ = _quantity(b, "deduction-rate")
    return (base * (rate - _HUNDRED) / _HUNDRED * std / _HUNDRED, "exact",
            lambda: f"{_fmt(base)} × ({_fmt(rate)}% − 100%) × {_fmt(std)}%")


def _rate_of_base(b: BenefitInfo, base: Decimal, rates: Mapping[str, tuple[Decimal, object]]) -> tuple[Decimal, str, Callable[[], str]]:
    rate, comparator = _quantity(b, "rate")
    amount = base * rate / _HUNDRED
    cap = b.quantity("cap")
    capped = cap is not None and amount > cap.value
    if cap is not None and capped:
        amount = cap.value

    def text() -> str:
        plain = f"{_fmt(base)} × {_fmt(rate)}%"
        return f"min({plain}, {_fmt(cap.value)})" if cap is not None and capped else plain
    return amount, "maximum" if comparator in ("<=", "<") else "exact", text


def _per_head(b: BenefitInfo, base: Decimal, rates: Mapping[str, tuple[Decimal, object]]) -> tuple[Decimal, str, Callable[[], str]]:
    per_head, comparator = _quantity(b, "per-head-cap")
    return base * per_head, "maximum" if comparator in ("<=", "<") else "exact", lambda: f"{_fmt(base)} × {_fmt(per_head)}"


#: method (local name of the concept) -> formula over (benefit, base figure, standard rates)
METHODS: dict[str, Callable[[BenefitInfo, Decimal, Mapping[str, tuple[Decimal, object]]], tuple[Decimal, str, Callable[[], str]]]] = {
    "tax-saved-at-reduced-rate": _tax_saved_at_reduced_rate,
    "tax-exempt-up-to-threshold": _tax_exempt_up_to_threshold,
    "tax-halved-above-threshold": _tax_halved_above_threshold,
    "additional-deduction": _additional_deduction,
    "amortisation-uplift": _amortisation_uplift,
    "rate-of-base": _rate_of_base,
    "per-head": _per_head,
}


def value(benefit: BenefitInfo, record: Mapping[str, object], catalogue: Catalogue) -> Valuation:
    """The amount of ``benefit`` for the profile ``record`` (the engine's record: profile keys + derived facts)."""
    if benefit.method is None:
        if benefit.note_zh or benefit.note_en:
            return _none(benefit.note_zh or benefit.note_en or "", benefit.note_en or benefit.note_zh or "")
        return _none("该优惠不是可由企业画像计算的金额(服务、便利或条文未定金额)",
                     "no amount follows from the profile (a service, a facilitation, or an amount the article does not set)")
    formula = METHODS.get(benefit.method)
    if formula is None:
        return _none(f"未知的估值方法 {benefit.method}", f"unknown valuation method {benefit.method}")
    assert benefit.base_field is not None
    raw = record.get(benefit.base_field)
    if raw is None:
        return _none(f"画像未提供 {benefit.base_field},无法计算金额",
                     f"the profile does not give {benefit.base_field}, so the amount cannot be computed")
    base = Decimal(raw) if not isinstance(raw, Decimal) else raw  # type: ignore[arg-type]
    try:
        amount, basis, text = formula(benefit, base, catalogue.standard_rates)
    except _Missing as e:
        return _none(e.zh, e.en)
    amount = max(Decimal(0), amount).quantize(_CENT, rounding=ROUND_HALF_UP)
    return Valuation(amount, basis, text(), None, None)


def valuer(benefit: BenefitInfo, catalogue: Catalogue) -> Callable[[Mapping[str, object]], Decimal | None]:
    """A function of a record giving the same amount as :func:`value` (or None), for batches.

    The parameters are looked up once; a test keeps it in agreement with :func:`value`.
    """
    formula = METHODS.get(benefit.method or "")
    if formula is None or benefit.base_field is None:
        return lambda record: None
    name = benefit.base_field
    rates = catalogue.standard_rates
    try:  # parameters missing from the data: no amount, as value() says
        formula(benefit, Decimal(0), rates)
    except _Missing:
        return lambda record: None
    zero = Decimal(0)

    def amount(record: Mapping[str, object]) -> Decimal | None:
        raw = record.get(name)
        if raw is None:
            return None
        base = raw if type(raw) is Decimal else Decimal(raw)  # type: ignore[arg-type]
        result = formula(benefit, base, rates)[0]
        return (result if result > zero else zero).quantize(_CENT, rounding=ROUND_HALF_UP)
    return amount
