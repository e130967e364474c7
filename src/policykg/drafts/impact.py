"""What a draft would change for enterprises: ``policykg draft impact DRAFT --profiles P.csv --as-of D``.

Interface (used by cli.py; docs/drafts.md, "Impact")::

    impact(draft: Draft, profiles: Iterable[Profile], *, store: ReadableStore, as_of: date,
           engine: Engine | None = None) -> ImpactReport

    ImpactReport.to_json() -> dict          # --format json
    ImpactReport.rows() -> list[dict]       # --format csv: one row per enterprise and changed benefit,
    CSV_COLUMNS                             #   columns in this order
    ImpactReport.to_text() -> str           # --format text

How. The draft is compared with the corpus (:mod:`policykg.drafts.compare`); every conflict whose draft
value would prevail (lex posterior, 第六十二条 — not one a higher-level rule overrides) is a change of a
corpus figure. A change is *applied* to a copy of the eligibility catalogue when the engine uses the
figure:

- as a bound of the benefit's eligibility shape (``sh:maxInclusive 300000`` of 第五条's taxable income
  becomes the draft's 500000): a modified copy of the shapes graph, compiled again;
- as a parameter of the benefit's valuation (the reduced rate, the exempt threshold, the deduction
  rate, the per-head cap: :data:`METHOD_ROLES`): a modified copy of the benefit's quantities.

Any other change is reported as *not modelled* (e.g. the tax-deferral period of 第七条, which no profile
figure decides, or a VAT threshold the shapes decide by attestation), and a change the corpus overrides as
*overridden*. A second :class:`~policykg.eligibility.engine.Engine` over the modified catalogue decides
every profile again (the fast path, :meth:`Engine.summarise`); the report lists, per enterprise, the
benefits gained, lost and changed in value, and the draft changes behind each. The store is never
modified; new measures of the draft (no corpus figure to change) are outside what the engine can value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from ..eligibility.catalogue import BenefitInfo, Catalogue, Quantity
from ..eligibility.compiled import compile_shapes
from ..eligibility.engine import Engine
from .compare import Comparison, Conflict, compare_draft
from .matching import show_value
from .model import json_value

if TYPE_CHECKING:
    from ..eligibility.profiles import Profile
    from ..store import ReadableStore
    from .load import Draft

__all__ = ["CSV_COLUMNS", "METHOD_ROLES", "BenefitChange", "CatalogueChange", "EnterpriseImpact", "ImpactReport",
           "impact", "modified_engine"]

#: the columns of ``--format csv`` (ImpactReport.rows()), in order
CSV_COLUMNS: tuple[str, ...] = (
    "profile", "benefit", "label", "document", "article", "change", "value_before", "value_after", "delta",
    "because_article", "because",
)

#: the quantity roles each valuation method of policykg.eligibility.valuation reads (by BenefitInfo.quantity)
METHOD_ROLES: Mapping[str, tuple[str, ...]] = {
    "tax-saved-at-reduced-rate": ("reduced-rate", "rate"),
    "tax-exempt-up-to-threshold": ("threshold",),
    "tax-halved-above-threshold": ("threshold",),
    "additional-deduction": ("deduction-rate",),
    "amortisation-uplift": ("deduction-rate",),
    "rate-of-base": ("rate", "cap"),
    "per-head": ("per-head-cap",),
}

_BOUNDS = {"<=": SH.maxInclusive, "<": SH.maxExclusive, ">=": SH.minInclusive, ">": SH.minExclusive}
APPLIED, NOT_MODELLED, OVERRIDDEN = "applied", "not-modelled", "overridden"


@dataclass(frozen=True)
class CatalogueChange:
    """One corpus figure the draft sets differently, and what became of it in the modified catalogue."""

    article: str
    figure: str
    #: what the figure measures, in the article's words ("工业企业年度应纳税所得额")
    figure_label: str | None
    parameter: str | None
    benefit: str
    benefit_label: str | None
    citation: str
    before: Decimal
    after: Decimal
    unit: str | None
    #: "applied" | "not-modelled" | "overridden"
    status: str
    #: what the engine uses the figure for: "eligibility" (a shape bound), "valuation"
    uses: tuple[str, ...]
    reason_zh: str
    reason_en: str

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article, "figure": self.figure, "figure_label": self.figure_label,
            "parameter": self.parameter, "benefit": self.benefit,
            "label": self.benefit_label, "citation": self.citation, "before": json_value(self.before),
            "after": json_value(self.after), "unit": self.unit, "status": self.status, "uses": list(self.uses),
            "reason": self.reason_zh, "reason_en": self.reason_en,
        }

    @property
    def short(self) -> str:
        return (f"{self.citation}{self.figure_label or ''} "
                f"{show_value(self.before, self.unit)}→{show_value(self.after, self.unit)}")


@dataclass(frozen=True)
class BenefitChange:
    """A benefit an enterprise gains, loses or gets at another value."""

    benefit: BenefitInfo
    #: "gained" | "lost" | "changed"
    change: str
    before: Decimal | None
    after: Decimal | None
    because: tuple[CatalogueChange, ...]

    @property
    def delta(self) -> Decimal | None:
        if self.change == "gained":
            return self.after
        if self.change == "lost":
            return -self.before if self.before is not None else None
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    def to_json(self) -> dict[str, Any]:
        b = self.benefit
        return {
            "benefit": b.iri, "label": b.label_zh, "label_en": b.label_en,
            "document": b.document.name if b.document else None, "article": b.article, "change": self.change,
            "value_before": json_value(self.before), "value_after": json_value(self.after),
            "delta": json_value(self.delta),
            "because": [{"article": c.article, "figure": c.figure, "before": json_value(c.before),
                         "after": json_value(c.after), "unit": c.unit} for c in self.because],
        }


@dataclass(frozen=True)
class EnterpriseImpact:
    profile: str
    size_class: str
    changes: tuple[BenefitChange, ...]
    total_before: Decimal
    total_after: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile, "size_class": self.size_class,
            "gained": [c.to_json() for c in self.changes if c.change == "gained"],
            "lost": [c.to_json() for c in self.changes if c.change == "lost"],
            "changed": [c.to_json() for c in self.changes if c.change == "changed"],
            "total_before": json_value(self.total_before), "total_after": json_value(self.total_after),
            "total_delta": json_value(self.total_after - self.total_before),
        }


@dataclass(frozen=True)
class ImpactReport:
    """The impact of one draft on a batch of enterprises, as of a date."""

    path: str
    title: str | None
    document_number: str | None
    as_of: date
    catalogue_changes: tuple[CatalogueChange, ...]
    enterprises: tuple[EnterpriseImpact, ...]

    def summary(self) -> dict[str, object]:
        affected = [e for e in self.enterprises if e.changes]
        return {
            "profiles": len(self.enterprises),
            "affected": len(affected),
            "gaining": sum(1 for e in self.enterprises if any(c.change == "gained" for c in e.changes)),
            "losing": sum(1 for e in self.enterprises if any(c.change == "lost" for c in e.changes)),
            "changed_value": sum(1 for e in self.enterprises if any(c.change == "changed" for c in e.changes)),
            "total_delta": json_value(sum((e.total_after - e.total_before for e in self.enterprises), Decimal(0))),
            "applied": sum(1 for c in self.catalogue_changes if c.status == APPLIED),
            "not_modelled": sum(1 for c in self.catalogue_changes if c.status == NOT_MODELLED),
            "overridden": sum(1 for c in self.catalogue_changes if c.status == OVERRIDDEN),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "draft": {"path": self.path, "title": self.title, "document_number": self.document_number,
                      "as_of": self.as_of.isoformat()},
            "summary": self.summary(),
            "changes": [c.to_json() for c in self.catalogue_changes],
            "enterprises": [e.to_json() for e in self.enterprises],
        }

    def rows(self) -> list[dict[str, object]]:
        """One row per enterprise and changed benefit (CSV_COLUMNS); unaffected enterprises have none."""
        out: list[dict[str, object]] = []
        for e in self.enterprises:
            for c in e.changes:
                b = c.benefit
                out.append({
                    "profile": e.profile, "benefit": b.iri, "label": b.label_zh,
                    "document": b.document.name if b.document else None, "article": b.article,
                    "change": c.change, "value_before": json_value(c.before), "value_after": json_value(c.after),
                    "delta": json_value(c.delta),
                    "because_article": "|".join(dict.fromkeys(x.article for x in c.because)),
                    "because": "|".join(x.short for x in c.because),
                })
        return out

    def to_text(self) -> str:
        """A plain-text report: the catalogue changes, then each affected enterprise."""
        s = self.summary()
        lines = [f"草案 {self.document_number or self.title or self.path}  as of {self.as_of.isoformat()}",
                 f"{s['profiles']} 家企业, {s['affected']} 家受影响 (gain {s['gaining']}, lose {s['losing']}, "
                 f"value changed {s['changed_value']}); 合计 {s['total_delta']} 元", "", "草案对语料数值的改变 / changes:"]
        for cc in self.catalogue_changes:
            lines.append(f"  第{cc.article}条  {cc.short}  [{cc.status}] {cc.reason_zh}")
        if not self.catalogue_changes:
            lines.append("  (无 / none)")
        for e in self.enterprises:
            if not e.changes:
                continue
            lines.append("")
            lines.append(f"{e.profile} ({e.size_class}): {show_value(e.total_before, 'yuan')} → "
                         f"{show_value(e.total_after, 'yuan')}")
            for c in e.changes:
                value = {"gained": f"+{_money(c.after)}", "lost": f"-{_money(c.before)}",
                         "changed": f"{_money(c.before)} → {_money(c.after)}"}[c.change]
                lines.append(f"  {c.change:<7} {c.benefit.citation} {c.benefit.label_zh}: {value}"
                             f"  (草案第{'、'.join(dict.fromkeys(x.article for x in c.because))}条)")
        return "\n".join(lines) + "\n"


def _money(v: Decimal | None) -> str:
    return "—" if v is None else show_value(v, "yuan")


# ------------------------------------------------------------------------------------ the catalogue

def _reachable(shapes: Graph, root: Node) -> list[Node]:
    """Property shapes of a node shape, through sh:property and the logical constraints."""
    out: list[Node] = []
    todo, seen = [root], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if (node, SH.path, None) in shapes:
            out.append(node)
        for p in (SH.property, SH.node):
            todo.extend(shapes.objects(node, p))
        for p in (SH["or"], SH["and"], SH.xone):
            for head in shapes.objects(node, p):
                todo.extend(shapes.items(head))
    return out


def _bound_shapes(shapes: Graph, benefit: BenefitInfo, value: Decimal, comparator: str | None) -> list[Node]:
    """The property shapes of the benefit whose bound is the corpus figure."""
    predicates = [_BOUNDS[comparator]] if comparator in _BOUNDS else list(_BOUNDS.values())
    out = []
    for node in _reachable(shapes, URIRef(benefit.shape)):
        for p in predicates:
            for bound in shapes.objects(node, p):
                if isinstance(bound, Literal) and _number(bound) == value:
                    out.append(node)
    return out


def _number(lit: Literal) -> Decimal | None:
    try:
        return Decimal(str(lit))
    except ArithmeticError:
        return None


def _reason(status: str, conflict: Conflict, uses: tuple[str, ...]) -> tuple[str, str]:
    if status == OVERRIDDEN:
        p = conflict.precedence
        return f"不生效:{p.reason_zh}", f"does not take effect: {p.reason_en}"
    if status == NOT_MODELLED:
        return ("未建模:该数值不是资格形状的界限,也不参与估值(资格由声明或其他条件判定)",
                "not modelled: the figure bounds no eligibility condition and enters no valuation")
    what_zh = "、".join({"eligibility": "资格条件", "valuation": "估值"}[u] for u in uses)
    return f"已应用于{what_zh}", f"applied to the {' and '.join(uses)}"


def modified_engine(engine: Engine, comparison: Comparison) -> tuple[Engine, tuple[CatalogueChange, ...]]:
    """A second engine over a copy of the catalogue with the draft's prevailing figures, and the changes.

    Raises:
        ValidationFailure: the modified shapes do not compile (a defect).
    """
    catalogue = engine.catalogue
    benefits = {b.iri: b for b in catalogue.benefits}
    shapes = Graph()
    for t in catalogue.shapes_graph:
        shapes.add(t)
    new_quantities: dict[str, dict[str, Decimal]] = {}
    changes: list[CatalogueChange] = []
    c = comparison.corpus
    for conflict in comparison.conflicts:
        for f in conflict.figures:
            b = benefits.get(f.measure.iri)
            label = b.label_zh if b else f.measure.label_zh
            after = conflict.draft.base_value
            uses: tuple[str, ...] = ()
            if conflict.precedence.prevails != "draft":
                status = OVERRIDDEN
            elif b is None:
                status = NOT_MODELLED
            else:
                used: list[str] = []
                nodes = _bound_shapes(catalogue.shapes_graph, b, f.base_value, f.comparator)
                for node in nodes:
                    for p in _BOUNDS.values():
                        for bound in list(shapes.objects(node, p)):
                            if isinstance(bound, Literal) and _number(bound) == f.base_value:
                                shapes.remove((node, p, bound))
                                shapes.add((node, p, Literal(after, datatype=XSD.decimal)))
                if nodes:
                    used.append("eligibility")
                roles = METHOD_ROLES.get(b.method or "", ())
                if any((q := b.quantity(r)) is not None and q.iri == f.iri for r in roles):
                    new_quantities.setdefault(b.iri, {})[f.iri] = after
                    used.append("valuation")
                status, uses = (APPLIED if used else NOT_MODELLED), tuple(used)
            zh, en = _reason(status, conflict, uses)
            changes.append(CatalogueChange(
                conflict.draft.article, f.iri, f.applies_to_zh, c.lexicon.label(f.object), f.measure.iri, label,
                f.measure.citation,
                f.base_value, after, f.base_unit, status, uses, zh, en))
    if not any(ch.status == APPLIED for ch in changes):
        return engine, tuple(changes)
    new_benefits = tuple(
        replace(b, quantities=tuple(replace(q, value=new_quantities[b.iri][q.iri])
                                    if q.iri in new_quantities.get(b.iri, {}) else q for q in b.quantities))
        if b.iri in new_quantities else b
        for b in catalogue.benefits)
    modified = Catalogue(new_benefits, catalogue.groups, catalogue.documents, catalogue.standard_rates,
                         compile_shapes(shapes), shapes)
    return Engine(modified, engine.standard), tuple(changes)


def impact(draft: Draft, profiles: Iterable[Profile], *, store: ReadableStore, as_of: date,
           engine: Engine | None = None) -> ImpactReport:
    """The benefits each profile gains, loses or sees changed if ``draft`` is adopted, on ``as_of``.

    Raises:
        LoadError: the store lacks the catalogue or the cue lexicons.
        ProfileError: a profile cannot be evaluated (as ``policykg eligibility``).
    """
    base = engine if engine is not None else Engine.from_store(store)
    comparison = compare_draft(draft, store, as_of, catalogue=lambda: base.catalogue)
    after_engine, changes = modified_engine(base, comparison)
    applied = [c for c in changes if c.status == APPLIED]
    groups_of = {b.iri: set(b.groups) for b in base.catalogue.benefits}
    enterprises: list[EnterpriseImpact] = []
    for profile in profiles:
        before = base.summarise(profile, as_of)
        after = after_engine.summarise(profile, as_of) if after_engine is not base else before
        b_map = {b.iri: (b, v) for b, v in before.granted}
        a_map = {b.iri: (b, v) for b, v in after.granted}
        found: list[BenefitChange] = []
        for iri in dict.fromkeys([*b_map, *a_map]):
            info = (a_map.get(iri) or b_map[iri])[0]
            vb = b_map[iri][1] if iri in b_map else None
            va = a_map[iri][1] if iri in a_map else None
            if iri in b_map and iri in a_map and vb == va:
                continue
            kind = "gained" if iri not in b_map else "lost" if iri not in a_map else "changed"
            related = groups_of.get(iri, set())
            because = tuple(c for c in applied if c.benefit == iri or groups_of.get(c.benefit, set()) & related)
            found.append(BenefitChange(info, kind, vb, va, because))
        enterprises.append(EnterpriseImpact(profile.name, after.size_class, tuple(found), before.total_value,
                                            after.total_value))
    return ImpactReport(str(draft.path), draft.title, draft.document_number, as_of, changes, tuple(enterprises))
