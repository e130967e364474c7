"""What a draft would change for enterprises: ``policykg draft impact DRAFT --profiles P.csv --as-of D``.

Interface (agreed with drafts/check.py and cli.py; docs/drafts.md, "Impact")::

    impact(draft: Draft, profiles: Iterable[Profile], *, store: ReadableStore, as_of: date,
           engine: Engine | None = None) -> ImpactReport

    ImpactReport.to_json() -> dict          # --format json
    ImpactReport.rows() -> list[dict]       # --format csv: one row per enterprise and changed benefit,
    CSV_COLUMNS                             #   columns in this order
    ImpactReport.to_text() -> str           # --format text

The body is being written (issue 5, helper H); the signature above is stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..eligibility.engine import Engine
    from ..eligibility.profiles import Profile
    from ..store import ReadableStore
    from .load import Draft

__all__ = ["CSV_COLUMNS", "ImpactReport", "impact"]

#: the columns of ``--format csv`` (ImpactReport.rows()), in order
CSV_COLUMNS: tuple[str, ...] = (
    "profile", "benefit", "label", "document", "article", "change", "value_before", "value_after", "delta",
    "because_article", "because",
)


class ImpactReport:
    """Placeholder type until the implementation lands (same module, same name)."""

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def rows(self) -> list[dict[str, object]]:
        raise NotImplementedError

    def to_text(self) -> str:
        raise NotImplementedError


def impact(draft: Draft, profiles: Iterable[Profile], *, store: ReadableStore, as_of: date,
           engine: Engine | None = None) -> ImpactReport:
    """The benefits each profile gains, loses or sees changed if ``draft`` is adopted, on ``as_of``."""
    raise NotImplementedError("draft impact is being implemented (issue 5)")
