"""The eligibility engine: which benefits an enterprise gets on a date, what they are worth, and why.

For one profile and an as-of date the engine

1. derives the facts the shapes use and the profile does not give: the size class of
   工信部联企业〔2011〕300号 (``size_class``) and, from ``established_on``, the whole months since
   establishment (``months_since_establishment``);
2. takes each benefit of the catalogue (:mod:`policykg.eligibility.catalogue`): a benefit not in force on
   the date (its validity, bounded by the higher-level rule it restates — 第六十二条: 国家和省有规定且有实施
   年限的,按国家和省的规定执行) is never granted; otherwise the profile is validated against the benefit's
   SHACL shape by the compiled evaluator (the shapes are the single source; pySHACL is the reference);
3. values each eligible benefit (:mod:`policykg.eligibility.valuation`);
4. applies the non-cumulation groups (第六十二条: 按从优原则执行,不重复享受): in each group an enterprise
   keeps one benefit — the most favourable by value, the one of the higher-level document, or the
   beneficiary's choice — and every other one is excluded in its favour, with the reason;
5. explains: the conditions met by each granted benefit with citations, and for each ineligible one the
   failed conditions with field, value, constraint, zh/en message and, for numeric thresholds, the
   smallest change that would qualify. A benefit whose only failures are missing figures is *undecided*
   ("cannot decide: missing X"), never refused.

:meth:`Engine.decide` gives the whole :class:`Decision` (the JSON of the public contract);
:meth:`Engine.summarise` is the fast path of batches: the same decisions, without explanations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import SH

from ..errors import ProfileError
from ..namespaces import INDUSTRY, PARTY, SIZE, local_name
from ..store import ReadableStore
from .catalogue import FIELD_OF, SIZE_CLASS_FIELD, BenefitInfo, Catalogue, GroupInfo, MemberInfo, Quantity, article_citation
from .compiled import (
    CountConstraint,
    HasValueConstraint,
    InConstraint,
    LogicalConstraint,
    PredicatePath,
    PropertyConstraint,
    QualifiedConstraint,
    RangeConstraint,
    Result,
    Shape,
)
from .fast import GeneratedEvaluator, generate
from .profiles import MULTI_VALUED, Profile
from .sizes import SizeDecision, SizeStandard
from .valuation import Valuation, value, valuer

__all__ = ["Change", "Decision", "Engine", "display_value", "Excluded", "Granted", "Ineligible", "Reason", "Summary", "months_between"]

_SIZE_PREFIX = str(SIZE)
_INDUSTRY_PREFIX = str(INDUSTRY)
_PARTY_PREFIX = str(PARTY)
_RANGE_OPS = {
    SH.MinInclusiveConstraintComponent: ">=", SH.MinExclusiveConstraintComponent: ">",
    SH.MaxInclusiveConstraintComponent: "<=", SH.MaxExclusiveConstraintComponent: "<",
}
_LOGICAL = (SH.OrConstraintComponent, SH.XoneConstraintComponent, SH.AndConstraintComponent,
            SH.NodeConstraintComponent, SH.NotConstraintComponent)
_COUNT_FIELDS = frozenset({"employees", "months_since_establishment", "graduates_hired", "graduates_trained",
                           "hard_to_employ_hired"})


def months_between(start: date, end: date) -> int:
    """The months from ``start`` to ``end``, a month begun counting whole: the smallest n such that
    ``end`` is at most n months after ``start``.

    So "成立时间在18个月以内" (第三十八条), read as ``months_between(established_on, as_of) <= 18``, holds up to
    and including the day 18 months after establishment, and not a day later.

    >>> months_between(date(2011, 12, 30), date(2013, 6, 30)), months_between(date(2011, 12, 29), date(2013, 6, 30))
    (18, 19)
    >>> months_between(date(2012, 1, 31), date(2012, 2, 29)), months_between(date(2013, 6, 30), date(2013, 6, 30))
    (1, 0)
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    # the date `months` months after start (clamped to the month's last day) must not be before end
    if _add_months(start, months) < end:
        months += 1
    return months


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - date.resolution).day
    return date(year, month, min(d.day, last))


# ------------------------------------------------------------------------------------------- results

@dataclass(frozen=True)
class Change:
    """The smallest change of one figure that would meet a numeric threshold."""

    field: str
    #: signed: -10 means ten fewer
    by: int | Decimal
    #: the nearest qualifying value
    to: int | Decimal
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class Reason:
    """One condition of a shape, met (``because``) or failed (``reasons``)."""

    field: str | None
    value: object
    #: e.g. "<= 80", ">= 1", "= false", "in (industrial)", "required"
    constraint: str
    message_zh: str
    message_en: str
    #: the IRI of the property shape (or node shape) the condition is
    shape: str | None
    #: the alternative (sh:or member) the condition belongs to, when the article offers alternatives
    alternative: str | None = None
    change: Change | None = None
    #: the profile does not give the figure (MinCount on an absent key)
    missing: bool = False


@dataclass(frozen=True)
class Granted:
    benefit: BenefitInfo
    valuation: Valuation
    valid_from: date | None
    valid_until: date | None
    because: tuple[Reason, ...] = ()
    #: how non-cumulation groups concern it (chosen over others, governed by a higher-level rule), zh/en
    notes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Excluded:
    benefit: BenefitInfo
    valuation: Valuation
    group: GroupInfo
    in_favour_of: BenefitInfo
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class Ineligible:
    benefit: BenefitInfo
    reasons: tuple[Reason, ...]

    @property
    def undecided(self) -> bool:
        """True when every failed condition is a missing figure: the engine cannot decide."""
        return bool(self.reasons) and all(r.missing for r in self.reasons)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.field for r in self.reasons if r.missing and r.field))


@dataclass(frozen=True)
class Decision:
    """Everything decided for one profile on one date."""

    profile: Profile
    as_of: date
    size: SizeDecision
    granted: tuple[Granted, ...]
    excluded: tuple[Excluded, ...]
    ineligible: tuple[Ineligible, ...]

    @property
    def size_class(self) -> str:
        return self.size.size_class

    @property
    def total_value(self) -> Decimal:
        """The sum of the amounts of the granted benefits that have one (yuan)."""
        return sum((g.valuation.amount for g in self.granted if g.valuation.amount is not None), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the public contract (``policykg eligibility``), with documented extensions."""
        return {
            "profile": self.profile.name,
            "as_of": self.as_of.isoformat(),
            "size_class": self.size_class,
            "size": {"industry": self.size.industry, "reference": self.size.reference,
                     "message": self.size.message_zh, "message_en": self.size.message_en},
            "granted": [_granted_json(g) for g in self.granted],
            "excluded": [_excluded_json(e) for e in self.excluded],
            "ineligible": [_ineligible_json(i) for i in self.ineligible],
            "total_value": _number(self.total_value),
            "values_complete": all(g.valuation.amount is not None for g in self.granted if g.benefit.method),
        }


@dataclass(frozen=True)
class Summary:
    """The fast-path outcome for one profile (batches): granted benefits with values, in catalogue order."""

    profile: Profile
    size_class: str
    granted: tuple[tuple[BenefitInfo, Decimal | None], ...]
    excluded: tuple[BenefitInfo, ...]

    @property
    def total_value(self) -> Decimal:
        return sum((v for _, v in self.granted if v is not None), Decimal(0))


# ------------------------------------------------------------------------------------------ JSON

def _number(v: object) -> object:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, Decimal):
        exponent = v.as_tuple().exponent
        integral = isinstance(exponent, int) and exponent >= 0 and abs(v) < 2**53
        return int(v) if integral else float(v)
    return v


def display_value(v: object) -> object:
    """A record value as shown to people and in JSON: concept IRIs by their local names, dates ISO."""
    return _json_value(v)


def _json_value(v: object) -> object:
    if isinstance(v, (tuple, list)):
        return [_json_value(x) for x in v]
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, str) and v.startswith("https://"):
        return local_name(v)
    return _number(v)


def _benefit_json(b: BenefitInfo) -> dict[str, Any]:
    return {"benefit": b.iri, "label": b.label_zh, "label_en": b.label_en,
            "document": b.document.name if b.document else None, "article": b.article, "citation": b.citation}


def _reason_json(r: Reason) -> dict[str, Any]:
    out: dict[str, Any] = {"field": r.field, "value": _json_value(r.value), "constraint": r.constraint,
                           "message": r.message_zh, "message_en": r.message_en}
    if r.missing:
        out["missing"] = True
    if r.alternative:
        out["alternative"] = r.alternative
    if r.change is not None:
        out["change"] = {"field": r.change.field, "by": _number(r.change.by), "to": _number(r.change.to),
                         "message": r.change.message_zh, "message_en": r.change.message_en}
    return out


def _granted_json(g: Granted) -> dict[str, Any]:
    out = _benefit_json(g.benefit)
    out.update({
        "value": _number(g.valuation.amount),
        "value_basis": g.valuation.basis,
        "value_formula": g.valuation.formula,
        "value_note": g.valuation.reason_zh, "value_note_en": g.valuation.reason_en,
        "valid_from": g.valid_from.isoformat() if g.valid_from else None,
        "valid_until": g.valid_until.isoformat() if g.valid_until else None,
        "because": [_reason_json(r) for r in g.because],
        "notes": [zh for zh, _ in g.notes], "notes_en": [en for _, en in g.notes],
    })
    return out


def _excluded_json(e: Excluded) -> dict[str, Any]:
    out = _benefit_json(e.benefit)
    out.update({"reason": e.reason_zh, "reason_en": e.reason_en, "in_favour_of": e.in_favour_of.iri,
                "group": e.group.iri, "strategy": e.group.strategy, "value": _number(e.valuation.amount)})
    return out


def _ineligible_json(i: Ineligible) -> dict[str, Any]:
    out = _benefit_json(i.benefit)
    out.update({"undecided": i.undecided, "missing": list(i.missing), "reasons": [_reason_json(r) for r in i.reasons]})
    return out


# ------------------------------------------------------------------------------------- describing

def _show(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v.normalize(), "f")
    if isinstance(v, str) and v.startswith("https://"):
        return local_name(v)
    if isinstance(v, Literal):
        return _show(v.toPython())
    if isinstance(v, URIRef):
        return local_name(str(v))
    return str(v)


def _members(node_shape: Shape) -> list[str]:
    return [_show(m) for c in node_shape.constraints if isinstance(c, InConstraint) for m in sorted(c.members, key=str)]


def _describe(c: object) -> str | None:
    """A constraint in a few characters, e.g. "<= 80"."""
    if isinstance(c, RangeConstraint):
        return f"{_RANGE_OPS[c.component]} {_show(c.bound)}"
    if isinstance(c, HasValueConstraint):
        return f"= {_show(c.value)}"
    if isinstance(c, InConstraint):
        return f"in ({', '.join(_show(m) for m in sorted(c.members, key=str))})"
    if isinstance(c, CountConstraint):
        if c.component == SH.MinCountConstraintComponent:
            return "required" if c.count == 1 else f">= {c.count} values"
        return f"<= {c.count} values"
    if isinstance(c, QualifiedConstraint):
        return f"at least {c.count} of ({', '.join(_members(c.shape))})"
    return None


def _describe_shape(shape: Shape) -> str:
    parts = [d for d in (_describe(c) for c in shape.constraints) if d]
    if len(parts) > 1 and "required" in parts:
        parts.remove("required")
    return " and ".join(parts) or "conforms"


def _step(field_name: str | None, value: object) -> Decimal:
    if field_name in _COUNT_FIELDS or isinstance(value, int):
        return Decimal(1)
    return Decimal("0.01")


def _change(field_name: str, value: object, op: str, bound: object) -> Change | None:
    """The smallest change of ``value`` that meets ``value op bound``."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    try:
        b = Decimal(str(bound))
    except (ArithmeticError, ValueError):
        return None
    v = Decimal(value)
    step = _step(field_name, value)
    on_grid = b % step == 0
    below, above = (b // step) * step, -((-b) // step) * step  # the grid points around the bound
    if op == "<=":
        to = b if on_grid else below
    elif op == "<":
        to = b - step if on_grid else below
    elif op == ">=":
        to = b if on_grid else above
    else:  # ">"
        to = b + step if on_grid else above
    by = to - v
    integral = isinstance(value, int)
    by_out: int | Decimal = int(by) if integral else by
    to_out: int | Decimal = int(to) if integral else to
    n = _show(abs(by))
    unit_zh = "人" if field_name == "employees" or field_name.endswith(("_hired", "_trained")) else (
        "个月" if field_name == "months_since_establishment" else "元")
    bound_text = _show(b)
    if by < 0:
        zh = f"{field_name} 须{_op_zh(op)}{bound_text}:需减少{n}{unit_zh}"
        en = f"{_op_en(op)} {bound_text}: {n} {'fewer' if integral else 'less'}"
    else:
        zh = f"{field_name} 须{_op_zh(op)}{bound_text}:需增加{n}{unit_zh}"
        en = f"{_op_en(op)} {bound_text}: {n} more"
    return Change(field_name, by_out, to_out, zh, en)


def _op_zh(op: str) -> str:
    return {"<=": "不超过", "<": "低于", ">=": "不低于", ">": "超过"}[op]


def _op_en(op: str) -> str:
    return {"<=": "at most", "<": "below", ">=": "at least", ">": "more than"}[op]


def _split(comment: str | None) -> tuple[str, str]:
    """A shape comment "第五条:“…” — article 5: …" as (zh, en)."""
    if not comment:
        return "", ""
    if " — " in comment:
        zh, en = comment.split(" — ", 1)
        return zh.strip(), en.strip()
    return comment, comment


# ------------------------------------------------------------------------------------------ engine

@dataclass
class _InForce:
    """The benefits in force on one date, with their effective validity and higher-level notes."""

    benefits: list[BenefitInfo]
    not_in_force: list[tuple[BenefitInfo, date | None, date | None]]
    validity: dict[str, tuple[date | None, date | None]]
    governed: dict[str, list[tuple[str, str]]]


@dataclass(frozen=True)
class _Plan:
    indexes: tuple[int, ...]
    valued: dict[int, Callable[[Mapping[str, object]], Decimal | None]]
    grouped: frozenset[int]


@dataclass(eq=False)
class Engine:
    """Decides eligibility over one catalogue and one size standard (both read from a store)."""

    catalogue: Catalogue
    standard: SizeStandard
    _in_force: dict[date, _InForce] = field(default_factory=dict, repr=False)
    _indexes: dict[date, tuple[int, ...]] = field(default_factory=dict, repr=False)
    _evaluator: GeneratedEvaluator | None = field(default=None, repr=False)
    _by_iri: dict[str, BenefitInfo] | None = field(default=None, repr=False)
    _plans: dict[date, _Plan] = field(default_factory=dict, repr=False)
    _contests: dict[frozenset[int], bool] = field(default_factory=dict, repr=False)
    _touched: dict[frozenset[str], tuple[int, ...]] = field(default_factory=dict, repr=False)
    _shared: dict[tuple[str, ...], dict[str, tuple[Decimal, ...]]] = field(default_factory=dict, repr=False)
    _iris: dict[object, object] = field(default_factory=dict, repr=False)
    _valuers: tuple[Callable[[Mapping[str, object]], Decimal | None], ...] | None = field(default=None, repr=False)
    _groups: tuple[dict[str, tuple[int, ...]], dict[str, int], dict[str, int]] | None = field(default=None, repr=False)

    @classmethod
    def from_store(cls, store: ReadableStore) -> Engine:
        """An engine over a built store (embedded or remote: anything with ``query``).

        Raises:
            LoadError: the store lacks the benefits, shapes or size standard.
        """
        return cls(Catalogue.from_store(store), SizeStandard.from_store(store))

    # -- facts --------------------------------------------------------------------------------

    def record(self, profile: Profile, as_of: date, size_class: str) -> dict[str, object]:
        """The record the shapes see: the profile's keys and the derived facts.

        Raises:
            ProfileError: ``established_on`` is after the as-of date.
        """
        record = profile.to_record()
        iris = self._iris
        industry = iris.get(profile.industry)
        if industry is None:
            industry = iris[profile.industry] = _INDUSTRY_PREFIX + profile.industry
        kinds = iris.get(profile.beneficiary_kind)
        if kinds is None:
            kinds = tuple(_PARTY_PREFIX + k for k in profile.beneficiary_kind)
            if len(iris) < 4096:  # the combinations of kinds a batch uses: few; never grows without bound
                iris[profile.beneficiary_kind] = kinds
        size = iris.get(("size", size_class))
        if size is None:
            size = iris[("size", size_class)] = _SIZE_PREFIX + size_class
        record["industry"] = industry
        record["beneficiary_kind"] = kinds
        record[SIZE_CLASS_FIELD] = size
        if profile.months_since_establishment is None and profile.established_on is not None:
            if profile.established_on > as_of:
                where = profile.source or "$"
                raise ProfileError(f"established_on {profile.established_on.isoformat()} is after the as-of date "
                                   f"{as_of.isoformat()} (成立日期晚于判定日期)", location=f"{where}.established_on")
            record["months_since_establishment"] = months_between(profile.established_on, as_of)
        return record

    def in_force(self, as_of: date) -> _InForce:
        """The benefits in force on ``as_of`` (cached per date)."""
        cached = self._in_force.get(as_of)
        if cached is not None:
            return cached
        groups = {g.iri: g for g in self.catalogue.groups}
        ok: list[BenefitInfo] = []
        out: list[tuple[BenefitInfo, date | None, date | None]] = []
        validity: dict[str, tuple[date | None, date | None]] = {}
        governed: dict[str, list[tuple[str, str]]] = {}
        for b in self.catalogue.benefits:
            start, end = b.valid_from, b.valid_until
            level = b.document.level if b.document else None
            for g_iri in b.groups:
                g = groups[g_iri]
                if g.strategy != "higher-level-prevails":
                    continue
                for m in g.members:
                    m_level = m.document.level if m.document else None
                    if m.iri == b.iri or m_level is None or level is None or m_level >= level:
                        continue
                    name = m.document.name if m.document else m.iri
                    period = ""
                    if m.valid_from and (start is None or m.valid_from > start):
                        start = m.valid_from
                    if m.valid_until and (end is None or m.valid_until < end):
                        end = m.valid_until
                    if m.valid_from or m.valid_until:
                        period = f"{m.valid_from.isoformat() if m.valid_from else ''}–{m.valid_until.isoformat() if m.valid_until else ''}"
                    governed.setdefault(b.iri, []).append((
                        f"按国家和省的规定执行(第六十二条):{name}“{m.label_zh or m.iri}”{('(实施期限 ' + period + ')') if period else ''}",
                        f"the higher-level rule applies (article 62): {name}, {m.label_en or m.label_zh or m.iri}"
                        f"{(' (period ' + period + ')') if period else ''}"))
            validity[b.iri] = (start, end)
            if (start is None or start <= as_of) and (end is None or as_of <= end):
                ok.append(b)
            else:
                out.append((b, start, end))
        result = _InForce(ok, out, validity, governed)
        self._in_force[as_of] = result
        return result

    # -- decisions ----------------------------------------------------------------------------

    def decide(self, profile: Profile, as_of: date) -> Decision:
        """The full decision for one profile on ``as_of``, with explanations.

        Raises:
            ProfileError: the profile cannot be evaluated (unknown industry, establishment after as_of).
        """
        size = self.standard.classify(profile.industry, employees=profile.employees,
                                      annual_revenue=profile.annual_revenue, total_assets=profile.total_assets)
        record = self.record(profile, as_of, size.size_class)
        period = self.in_force(as_of)
        ineligible: list[Ineligible] = []
        for b, start, end in period.not_in_force:
            ineligible.append(Ineligible(b, (self._validity_reason(as_of, start, end),)))
        candidates: dict[str, tuple[BenefitInfo, Valuation]] = {}
        verdicts = self.evaluator(record)
        for i in self.in_force_indexes(as_of):
            b = self.catalogue.benefits[i]
            if verdicts[i]:
                candidates[b.iri] = (b, value(b, record, self.catalogue))
            else:
                results = self.catalogue.validator(b)(record)
                ineligible.append(Ineligible(b, tuple(self._reasons(results, record))))
        losers = self._resolve({k: v[1].amount for k, v in candidates.items()})
        excluded = [self._excluded(candidates[loser][0], candidates[loser][1], group, candidates[winner][0],
                                   candidates[winner][1])
                    for loser, (winner, group) in losers.items()]
        granted: list[Granted] = []
        for iri, (b, valuation) in candidates.items():
            if iri in losers:
                continue
            notes = list(period.governed.get(iri, ()))
            for loser, (winner, group) in losers.items():
                if winner == iri:
                    lb = candidates[loser][0]
                    notes.append((f"{group.label_zh or group.slug}:优于{lb.citation}“{lb.label_zh}”",
                                  f"{group.label_en or group.slug}: chosen over {lb.citation} ({lb.label_en})"))
            start, end = period.validity[iri]
            granted.append(Granted(b, valuation, start, end, tuple(self._because(b, record)), tuple(notes)))
        order = {b.iri: i for i, b in enumerate(self.catalogue.benefits)}
        ineligible.sort(key=lambda i: order[i.benefit.iri])
        excluded.sort(key=lambda e: order[e.benefit.iri])
        return Decision(profile, as_of, size, tuple(granted), tuple(excluded), tuple(ineligible))

    def summarise(self, profile: Profile, as_of: date) -> Summary:
        """The fast path: granted benefits and values, and the excluded ones; no explanations.

        Conformance comes from one generated function over all the shapes
        (:mod:`policykg.eligibility.fast`); agrees with :meth:`decide` (a test keeps the two in step).

        Raises:
            ProfileError: the profile cannot be evaluated.
        """
        size_class = self.standard.size_class(profile.industry, profile.employees, profile.annual_revenue,
                                              profile.total_assets)
        record = self.record(profile, as_of, size_class)
        verdicts = self.evaluator(record)
        plan = self._plan(as_of)
        benefits = self.catalogue.benefits
        chosen = [i for i in plan.indexes if verdicts[i]]
        valued = plan.valued
        pairs = [(benefits[i], valued[i](record) if i in valued else None) for i in chosen]
        grouped = frozenset(i for i in chosen if i in plan.grouped)
        if len(grouped) < 2 or not self._contested(grouped):
            return Summary(profile, size_class, tuple(pairs), ())
        losers = self._resolve({b.iri: v for b, v in pairs})
        return Summary(profile, size_class, tuple(p for p in pairs if p[0].iri not in losers),
                       tuple(b for b, _ in pairs if b.iri in losers))

    def _plan(self, as_of: date) -> _Plan:
        """What the fast path needs for one date: the benefits in force, their valuers, the grouped ones."""
        plan = self._plans.get(as_of)
        if plan is None:
            members = {m.iri for g in self.catalogue.groups for m in g.members}
            benefits = self.catalogue.benefits
            plan = self._plans[as_of] = _Plan(
                self.in_force_indexes(as_of),
                {i: fn for i, fn in enumerate(self.valuers) if benefits[i].method},
                frozenset(i for i, b in enumerate(benefits) if b.iri in members))
        return plan

    def _contested(self, grouped: frozenset[int]) -> bool:
        """Whether some group has eligible members one of which may lose (cached per set of members)."""
        found = self._contests.get(grouped)
        if found is None:
            iris = {self.catalogue.benefits[i].iri for i in grouped}
            _, levels, _ = self._group_index()
            found = False
            for g in self.catalogue.groups:
                present = [m.iri for m in g.members if m.iri in iris]
                if len(present) < 2:
                    continue
                if g.strategy != "higher-level-prevails" or len({levels[m] for m in present}) > 1:
                    found = True
                    break
            self._contests[grouped] = found
        return found

    @property
    def evaluator(self) -> GeneratedEvaluator:
        """One generated function deciding every benefit's shape for a record (built once)."""
        if self._evaluator is None:
            c = self.catalogue
            self._evaluator = generate(c.shapes, [URIRef(b.shape) for b in c.benefits],
                                       [c.validator(b) for b in c.benefits], MULTI_VALUED)
        return self._evaluator

    @property
    def valuers(self) -> tuple[Callable[[Mapping[str, object]], Decimal | None], ...]:
        """One amount function per benefit, in catalogue order (:func:`valuation.valuer`)."""
        if self._valuers is None:
            self._valuers = tuple(valuer(b, self.catalogue) for b in self.catalogue.benefits)
        return self._valuers

    def in_force_indexes(self, as_of: date) -> tuple[int, ...]:
        """Indexes (in catalogue order) of the benefits in force on ``as_of``."""
        cached = self._indexes.get(as_of)
        if cached is None:
            live = {b.iri for b in self.in_force(as_of).benefits}
            cached = self._indexes[as_of] = tuple(i for i, b in enumerate(self.catalogue.benefits) if b.iri in live)
        return cached

    # -- non-cumulation -------------------------------------------------------------------------

    def _resolve(self, values: Mapping[str, Decimal | None]) -> dict[str, tuple[str, GroupInfo]]:
        """Loser IRI -> (winner IRI, group) over the eligible benefits and their values.

        Groups are taken in IRI order; a benefit excluded in one group takes no part in later ones. When
        amounts tie or are unknown, the figures all the members have (e.g. how long a subsidy is paid)
        decide, in the direction that favours the beneficiary (pk:moreFavourable, 第六十二条 按从优原则);
        then the benefit first in catalogue order (article, then IRI). What depends only on which benefits
        compete (the groups touched, the figures compared) is computed once per set and cached.
        """
        losers: dict[str, tuple[str, GroupInfo]] = {}
        groups_of, levels, order = self._group_index()
        key = frozenset(iri for iri in values if iri in groups_of)
        touched = self._touched.get(key)
        if touched is None:
            touched = self._touched[key] = tuple(sorted({g for iri in key for g in groups_of[iri]}))
        groups = self.catalogue.groups
        zero = Decimal(0)
        for gi in touched:
            g = groups[gi]
            members = tuple(m.iri for m in g.members if m.iri in values and m.iri not in losers)
            if len(members) < 2:
                continue
            figures = self._shared_figures(members)

            def by_value(iri: str) -> tuple[int, Decimal, tuple[Decimal, ...], int]:
                v = values[iri]
                return (0, zero, figures[iri], -order[iri]) if v is None else (1, v, figures[iri], -order[iri])

            if g.strategy == "higher-level-prevails":
                best = min(levels[m] for m in members)
                winner = max((m for m in members if levels[m] == best), key=by_value)
                for m in members:
                    if levels[m] > best:
                        losers[m] = (winner, g)
            else:  # most-favourable-by-value (the default), beneficiary-chooses, later-prevails: by value
                winner = max(members, key=by_value)
                for m in members:
                    if m != winner:
                        losers[m] = (winner, g)
        return losers

    def _shared_figures(self, members: tuple[str, ...]) -> dict[str, tuple[Decimal, ...]]:
        """For each member, its figures of the measured objects all the members have, signed so that larger
        favours the beneficiary more (cached per tuple of members)."""
        found = self._shared.get(members)
        if found is None:
            compared = sorted(set.intersection(*(self._figures(m) for m in members)))
            found = {}
            for iri in members:
                signed = []
                for measured in compared:
                    q = self._figure(iri, measured)
                    signed.append(Decimal(0) if q is None else (q.value if q.favourable == "higher" else -q.value))
                found[iri] = tuple(signed)
            self._shared[members] = found
        return found

    def _figures(self, iri: str) -> set[str]:
        """The measured objects of a benefit's figures that have a favourable direction."""
        b = self._benefit_by_iri().get(iri)
        return {q.measured for q in b.quantities if q.measured and q.favourable} if b else set()

    def _figure(self, iri: str, measured: str) -> Quantity | None:
        b = self._benefit_by_iri().get(iri)
        if b is None:
            return None
        return next((q for q in b.quantities if q.measured == measured and q.favourable), None)

    def _benefit_by_iri(self) -> dict[str, BenefitInfo]:
        if self._by_iri is None:
            self._by_iri = {b.iri: b for b in self.catalogue.benefits}
        return self._by_iri

    def _group_index(self) -> tuple[dict[str, tuple[int, ...]], dict[str, int], dict[str, int]]:
        """Benefit IRI -> indexes of its groups; benefit IRI -> level rank; benefit IRI -> catalogue order."""
        if self._groups is None:
            groups_of: dict[str, list[int]] = {}
            for gi, g in enumerate(self.catalogue.groups):
                for m in g.members:
                    groups_of.setdefault(m.iri, []).append(gi)
            levels = {b.iri: (b.document.level if b.document and b.document.level is not None else 99)
                      for b in self.catalogue.benefits}
            order = {b.iri: i for i, b in enumerate(self.catalogue.benefits)}
            self._groups = ({k: tuple(v) for k, v in groups_of.items()}, levels, order)
        return self._groups

    def _excluded(self, b: BenefitInfo, v: Valuation, g: GroupInfo, w: BenefitInfo, wv: Valuation) -> Excluded:
        group_zh, group_en = g.label_zh or g.slug, g.label_en or g.slug
        if g.strategy == "higher-level-prevails":
            zh = (f"与{w.citation}“{w.label_zh}”属同一权益({group_zh}),按国家和省的规定执行(第六十二条)")
            en = f"same entitlement as {w.citation} ({w.label_en}) ({group_en}): the higher-level rule applies (article 62)"
        else:
            if v.amount is not None and wv.amount is not None:
                cmp_zh = f"{_show(wv.amount)}元 ≥ {_show(v.amount)}元"
                cmp_en = f"{_show(wv.amount)} ≥ {_show(v.amount)} yuan"
            elif wv.amount is not None:
                cmp_zh, cmp_en = f"{_show(wv.amount)}元,本项金额无法计算", f"{_show(wv.amount)} yuan; this one has no computable amount"
            else:
                cmp_zh, cmp_en = self._figure_comparison(b, w)
            if g.strategy == "beneficiary-chooses":
                zh = f"与{w.citation}“{w.label_zh}”二者择一({group_zh}),由受益方选择;列出的是价值较高者({cmp_zh})"
                en = (f"an alternative to {w.citation} ({w.label_en}) ({group_en}): the beneficiary chooses one; "
                      f"the more valuable is shown ({cmp_en})")
            else:
                zh = f"与{w.citation}“{w.label_zh}”属同一权益({group_zh}),按从优原则执行,不重复享受({cmp_zh})"
                en = (f"same entitlement as {w.citation} ({w.label_en}) ({group_en}): the most favourable applies, "
                      f"never both (article 62; {cmp_en})")
        return Excluded(b, v, g, w, zh, en)

    def _figure_comparison(self, b: BenefitInfo, w: BenefitInfo) -> tuple[str, str]:
        """Why ``w`` beat ``b`` when neither has an amount: the first shared figure that differs."""
        for measured in sorted(self._figures(b.iri) & self._figures(w.iri)):
            qb, qw = self._figure(b.iri, measured), self._figure(w.iri, measured)
            if qb is None or qw is None or qb.value == qw.value:
                continue
            unit = qw.unit or ""
            return (f"金额均无法计算;以{qw.measured_zh or measured}比较,{_show(qw.value)}{unit} 优于 {_show(qb.value)}{unit}",
                    f"neither amount can be computed; by {qw.measured_en or measured}: {_show(qw.value)} {unit} "
                    f"is more favourable than {_show(qb.value)} {unit}")
        return "金额均无法计算,任选其一", "neither amount can be computed; either may be chosen"

    # -- explanations ---------------------------------------------------------------------------

    def _validity_reason(self, as_of: date, start: date | None, end: date | None) -> Reason:
        if start is not None and as_of < start:
            return Reason("as_of", as_of, f">= {start.isoformat()}", f"尚未施行:自{start.isoformat()}起实施",
                          f"not yet in force: applies from {start.isoformat()}", None)
        assert end is not None
        return Reason("as_of", as_of, f"<= {end.isoformat()}", f"已失效:实施至{end.isoformat()}",
                      f"no longer in force: applied until {end.isoformat()}", None)

    def _reasons(self, results: Iterable[Result], record: Mapping[str, object], alternative: str | None = None
                 ) -> list[Reason]:
        out: list[Reason] = []
        for r in results:
            if r.field is None and r.component in _LOGICAL:
                out.extend(self._alternatives(r, record))
            else:
                out.append(self._reason(r, record, alternative))
        return out

    def _alternatives(self, r: Result, record: Mapping[str, object]) -> list[Reason]:
        """The failed conditions of the closest alternative of an sh:or (or other logical) constraint."""
        shape = self.catalogue.shapes[r.source_shape]
        logical = next((c for c in shape.constraints if isinstance(c, LogicalConstraint) and c.component == r.component),
                       None)
        if logical is None or r.component != SH.OrConstraintComponent:
            zh, en = r.message("zh") or "", r.message("en") or ""
            return [Reason(None, None, _show(r.component), zh, en, str(r.source_shape))]
        best: list[Reason] | None = None
        for alt in logical.shapes:
            label = self.catalogue.comment(alt.node) or alt.name
            reasons = self._reasons(self.catalogue.validator(str(alt.node))(record), record, label)
            # the closest alternative: the fewest failures on what an enterprise is (its industry, kind,
            # form), then the fewest other failures that are not missing figures, then the fewest in all
            key = _closeness(reasons)
            if best is None or key < _closeness(best):
                best = reasons
        return best or []

    def _reason(self, r: Result, record: Mapping[str, object], alternative: str | None) -> Reason:
        shape = self.catalogue.shapes[r.source_shape]
        name = r.field
        value_ = r.value if r.value is not None else (record.get(name) if name else None)
        constraint = next((c for c in shape.constraints if c.component == r.component), None)
        text = _describe(constraint) if constraint is not None else None
        missing = (name is not None and record.get(name) in (None, ()) and (r.component == SH.MinCountConstraintComponent
                   or (r.component == SH.HasValueConstraintComponent and name not in MULTI_VALUED)))
        zh, en = r.message("zh") or "", r.message("en") or ""
        if missing:
            zh = f"无法判定:缺少 {name}({zh})"
            en = f"cannot decide: missing {name} ({en})"
        change = None
        if isinstance(constraint, RangeConstraint) and name is not None:
            change = _change(name, value_, _RANGE_OPS[constraint.component], constraint.bound.toPython())
        return Reason(name, value_, text or _show(r.component), zh, en, str(r.source_shape), alternative, change,
                      missing)

    def _because(self, b: BenefitInfo, record: Mapping[str, object]) -> list[Reason]:
        """The conditions a conforming record meets, walking the node shape (and the alternative it meets)."""
        return self._met(self.catalogue.shapes[URIRef(b.shape)], record, None, b)

    def _met(self, shape: Shape, record: Mapping[str, object], alternative: str | None, b: BenefitInfo) -> list[Reason]:
        out: list[Reason] = []
        for c in shape.constraints:
            if isinstance(c, PropertyConstraint) and isinstance(c.shape.path, PredicatePath):
                name = FIELD_OF.get(c.shape.path.predicate)
                zh, en = _split(self.catalogue.comment(c.shape.node))
                out.append(Reason(name, record.get(name) if name else None, _describe_shape(c.shape),
                                  zh or b.citation, en or b.citation, str(c.shape.node), alternative))
            elif isinstance(c, LogicalConstraint) and c.component == SH.OrConstraintComponent:
                for alt in c.shapes:
                    if self.catalogue.validator(str(alt.node)).conforms(record):
                        label = self.catalogue.comment(alt.node) or alt.name
                        out.extend(self._met(alt, record, label, b))
                        break
        return out


_CATEGORICAL = frozenset({"industry", "beneficiary_kind", "company_form", "size_class"})


def _closeness(reasons: list[Reason]) -> tuple[int, int, int]:
    categorical = sum(1 for r in reasons if r.field in _CATEGORICAL and not r.missing)
    return categorical, sum(1 for r in reasons if not r.missing), len(reasons)


def citation_of(member: MemberInfo) -> str:
    """The citation of a group member (a benefit or a provision known only as a fact)."""
    return article_citation(member.document.name if member.document else None, member.article)
