"""An :class:`IngestedDocument` as a plain JSON-able dict (snake_case keys, IRIs as strings)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from .model import IngestedDocument


def _plain(value: Any) -> Any:
    """Dataclasses to dicts (field order), dates to ISO strings, decimals to numbers."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_json(doc: IngestedDocument) -> dict[str, Any]:
    """The document as a JSON-able dict, in a deterministic order.

    Raises:
        Nothing.
    """
    out = _plain(doc)
    assert isinstance(out, dict)
    return out
