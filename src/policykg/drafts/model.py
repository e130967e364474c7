"""What a draft check finds: frozen dataclasses and the JSON of the public contract.

A :class:`DraftReport` holds :class:`Finding` objects, each pointing at the draft article it is about
and at the corpus provisions it relates to (:class:`Related`). ``to_json`` gives the JSON of
``policykg draft check --format json`` (docs/drafts.md): the contract keys first, then extras.

>>> f = Finding("numbering", VIOLATION, "4", "编号跳跃", "numbering gap")
>>> r = DraftReport(path="d.txt", title="关于…的意见", document_number=None, as_of=date(2013, 1, 1), findings=(f,))
>>> r.conforms, r.summary()
(False, {'violation': 1, 'warning': 0, 'info': 0})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

__all__ = [
    "INFO", "KINDS", "REFERENCE_KINDS", "SEVERITIES", "STRUCTURE_KINDS", "VALUE_KINDS", "VIOLATION", "WARNING",
    "DraftReport", "Finding", "Related", "json_value",
]

VIOLATION, WARNING, INFO = "violation", "warning", "info"
#: most serious first; the order findings of one article are listed in
SEVERITIES: tuple[str, ...] = (VIOLATION, WARNING, INFO)

#: checked by shapes/draft.ttl (SHACL) over the draft's RDF
STRUCTURE_KINDS: tuple[str, ...] = (
    "title", "document-number", "numbering", "missing-agency", "empty-article", "unknown-agency",
)
#: checked against the corpus registry and the documents' validity
REFERENCE_KINDS: tuple[str, ...] = ("dangling-reference", "expired-reference")
#: checked by comparing the draft's quantified provisions with the corpus (drafts/compare.py)
VALUE_KINDS: tuple[str, ...] = ("conflict", "exceeds-ceiling", "overlap")
KINDS: tuple[str, ...] = STRUCTURE_KINDS + REFERENCE_KINDS + VALUE_KINDS


def json_value(value: object) -> object:
    """A value as JSON can hold it: dates as ISO strings, decimals as numbers, tuples as lists.

    >>> json_value({"v": Decimal("0.5"), "d": date(2013, 1, 1), "t": (1, "a")})
    {'v': 0.5, 'd': '2013-01-01', 't': [1, 'a']}
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 10**15 else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


@dataclass(frozen=True)
class Related:
    """A corpus provision a finding points at."""

    #: the document's 文号 (eli:id_local), else its title: "青政发〔2012〕46号"
    document: str
    #: the article number in that document ("24"), None for the document as a whole
    article: str | None
    #: the corpus resource (article, measure, quantity or document)
    iri: str | None
    label: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"document": self.document, "article": self.article, "iri": self.iri, "label": self.label}


@dataclass(frozen=True)
class Finding:
    """One thing a drafter should look at."""

    #: one of :data:`KINDS`
    kind: str
    #: "violation" | "warning" | "info"
    severity: str
    #: the draft article number ("3"), None for document-level findings
    article: str | None
    #: zh message
    message: str
    message_en: str
    related: tuple[Related, ...] = ()
    #: kind-specific facts: draft_value, corpus_value, unit, parameter, prevails, rule, suggestion, line …
    details: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "article": self.article,
            "message": self.message,
            "message_en": self.message_en,
            "related": [r.to_json() for r in self.related],
            "details": json_value(dict(self.details)),
        }


def _article_key(article: str | None) -> tuple[int, ...]:
    """Sort key of an article number ("3", "2.4"); document-level findings (None) first."""
    if article is None:
        return ()
    parts: list[int] = []
    for part in article.split("."):
        parts.append(int(part) if part.isdigit() else 10**6)
    return tuple(parts)


def sort_key(f: Finding) -> tuple[Any, ...]:
    """Document-level findings first, then by article, severity, kind and message."""
    return (_article_key(f.article), SEVERITIES.index(f.severity), KINDS.index(f.kind), f.message)


@dataclass(frozen=True)
class DraftReport:
    """The result of checking one draft against the corpus."""

    path: str
    title: str | None
    document_number: str | None
    as_of: date
    findings: tuple[Finding, ...]
    #: the draft's article numbers and texts, in order (for the HTML report); not part of the JSON
    articles: tuple[tuple[str, str], ...] = ()

    @property
    def conforms(self) -> bool:
        """True when no finding is a violation."""
        return not any(f.severity == VIOLATION for f in self.findings)

    def summary(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    def of_article(self, article: str | None) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.article == article)

    def to_json(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "findings": [f.to_json() for f in self.findings],
            "draft": {
                "path": self.path,
                "title": self.title,
                "document_number": self.document_number,
                "as_of": self.as_of.isoformat(),
            },
            "summary": self.summary(),
        }
