"""What the ingester reads from a policy text: frozen dataclasses, no behaviour.

IRIs are plain strings (absolute); :mod:`policykg.ingest.rdf` and
:mod:`policykg.ingest.export` turn these objects into RDF and JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum


class TemporalKind(str, Enum):
    """Kinds of date or deadline expression (concepts of ``scheme:temporal-kinds``)."""

    UNTIL = "until"
    FROM = "from"
    AFTER = "after"
    BEFORE = "before"
    WITHIN = "within"
    AT_LEAST = "at-least"
    AT_MOST = "at-most"
    ON = "on"


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` of a text."""

    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        """True when the two ranges share at least one character."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class UnresolvedAgency:
    """A responsible body named in a text that the registry does not know."""

    name: str
    #: the closest known label (by edit distance), or None when nothing is close
    suggestion: str | None


@dataclass(frozen=True)
class Responsibility:
    """The trailing "(…负责)" parenthetical of an article."""

    #: the parenthetical as written, without the brackets: "市国税局、市地税局负责"
    text: str
    #: IRIs of the bodies the registry knows, in text order
    agencies: tuple[str, ...]
    unresolved: tuple[UnresolvedAgency, ...]
    #: true when the list ends in "等部门" / "等有关…部门" or names "各相关部门" etc.
    others_share: bool


@dataclass(frozen=True)
class Citation:
    """A reference to another document: a 文号, a 《title》, or both together."""

    iri: str
    #: the 文号 normalised to 〔〕 brackets ("国发〔2012〕14号"), if the text gives one
    id_local: str | None
    #: the title as quoted (without 《》), if the text gives one
    title: str | None
    #: the surface text as written
    surface_text: str
    #: true when the registry knows the document
    resolved: bool
    #: 1-based line of the source where the citation occurs
    line: int


@dataclass(frozen=True)
class QuantityMention:
    """A number with a unit in an article's text."""

    ordinal: int
    surface_text: str
    context: str
    value: Decimal
    #: unit slug in ``unit:`` ("ten-thousand-yuan")
    unit: str
    base_value: Decimal
    base_unit: str


@dataclass(frozen=True)
class TemporalMention:
    """A date or a deadline in an article's text."""

    ordinal: int
    kind: TemporalKind
    surface_text: str
    context: str
    #: the date meant (year-end = 12-31) for until/from/after/before/on
    date: date | None = None
    #: ISO 8601 duration ("P3M") for within/at-least/at-most
    duration: str | None = None
    #: unit slug the duration was written in ("month", "working-day"), with ``duration``
    duration_unit: str | None = None


@dataclass(frozen=True)
class NumberingIssue:
    """A gap, repeat or disorder in the numbering of chapters or articles."""

    #: "gap" | "repeat" | "out-of-order"
    kind: str
    #: "chapter" | "article"
    level: str
    line: int
    label: str
    expected: int
    found: int
    message: str


@dataclass(frozen=True)
class Chapter:
    """A chapter (一、… / 第一章 … / 第一部分 …)."""

    iri: str
    number: str
    number_label: str
    ordinal: int
    title: str | None
    source_line: int
    #: text between the heading and the first article, if any
    intro_text: str | None = None


@dataclass(frozen=True)
class Article:
    """An article ((一)… / 第一条 … / 1. …) with everything read from its text."""

    iri: str
    number: str
    number_label: str
    ordinal: int
    text: str
    source_line: int
    #: the number of the chapter it belongs to, None in a document without chapters
    chapter: str | None
    responsibility: Responsibility | None
    citations: tuple[Citation, ...]
    quantities: tuple[QuantityMention, ...]
    temporals: tuple[TemporalMention, ...]


@dataclass(frozen=True)
class IngestedDocument:
    """A policy document as read from its text."""

    iri: str
    source: str
    title: str
    title_line: int
    id_local: str | None
    date_document: date | None
    gazette_issue: str | None
    gazette_cumulative_issue: int | None
    addressee: str | None
    preamble: str | None
    #: citations of the preamble (and of the title), the document's own
    citations: tuple[Citation, ...]
    #: IRIs of the documents the preamble says it implements (贯彻落实/根据 …)
    transposes: tuple[str, ...]
    entry_into_force_text: str | None
    first_date_entry_in_force: date | None
    date_no_longer_in_force: date | None
    #: IRI of the issuing body when a signature line names a known one
    passed_by: str | None
    chapters: tuple[Chapter, ...]
    articles: tuple[Article, ...]
    numbering_issues: tuple[NumberingIssue, ...]
    #: "document" (articles numbered across chapters) or "chapter" (numbering restarts)
    numbering_scope: str = "document"
