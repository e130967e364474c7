"""Structure checks: the draft's own RDF validated with shapes/draft.ttl, plus what needs the corpus.

The SHACL shapes (kinds title, document-number, numbering, missing-agency, empty-article,
unknown-agency; each shape names its kind with ``skos:notation``) run over the draft graph alone —
a text draft as the ingester reads it, a Turtle draft as written. Two structure facts need the
corpus and are checked here: a document number already used by a corpus document, and agencies of a
Turtle draft (``eli:responsibility_of_agent``) the corpus does not know. Every unknown agency gets
the closest known agency as a suggestion (``details.suggestion``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node
from rdflib.namespace import RDF, SH, SKOS

from ..ingest.registry import normalise_title
from ..namespaces import ELI, PK
from ..shapes import load_shapes, validate
from .load import Draft
from .model import INFO, VIOLATION, WARNING, Finding, Related

if TYPE_CHECKING:
    from .check import Context

__all__ = ["check_structure", "draft_shapes"]

_SEVERITY = {SH.Violation: VIOLATION, SH.Warning: WARNING, SH.Info: INFO}


@lru_cache(maxsize=1)
def draft_shapes() -> Graph:
    """shapes/draft.ttl, parsed once.

    Raises:
        LoadError: the file is missing or malformed.
    """
    return load_shapes("draft")


def _kind(shapes: Graph, report: Graph, result: Node) -> str | None:
    for predicate in (SH.sourceConstraint, SH.sourceShape):
        node = report.value(result, predicate)
        if node is not None:
            notation = shapes.value(node, SKOS.notation)
            if notation is not None:
                return str(notation)
    return None


def _template(message: str) -> re.Pattern[str]:
    """A regular expression matching the messages pyshacl makes from a template ({?var}, {$this})."""
    parts = re.split(r"\{[?$]\w+\}", message)
    return re.compile("(?s)" + "(.*)".join(re.escape(p) for p in parts))


def _messages(shapes: Graph, report: Graph, result: Node) -> tuple[str, str]:
    """The zh and en messages of a result. pyshacl drops the language tags when it fills in a
    template, so each message is matched back to the tagged template it was made from."""
    templates: list[tuple[str, re.Pattern[str]]] = []
    for predicate in (SH.sourceConstraint, SH.sourceShape):
        node = report.value(result, predicate)
        if node is None:
            continue
        for source in (shapes, report):  # anonymous constraints are copied into the report
            for template in source.objects(node, SH.message):
                language = getattr(template, "language", None)
                if language in ("zh", "en"):
                    templates.append((language, _template(str(template))))
    found = {"zh": "", "en": ""}
    for message in sorted(str(m) for m in report.objects(result, SH.resultMessage)):
        for language, pattern in templates:
            if not found[language] and pattern.fullmatch(message):
                found[language] = message
                break
    return found["zh"], found["en"]


def _shape_findings(draft: Draft, context: Context) -> Iterator[Finding]:
    shapes = draft_shapes()
    report = validate(draft.graph, shapes).report_graph
    for result in sorted(report.subjects(None, SH.ValidationResult), key=str):
        kind = _kind(shapes, report, result)
        if kind is None:  # a shape of draft.ttl without a kind would be a defect of the file
            continue
        raw_severity = report.value(result, SH.resultSeverity)
        severity = _SEVERITY.get(raw_severity, VIOLATION) if isinstance(raw_severity, URIRef) else VIOLATION
        zh, en = _messages(shapes, report, result)
        value = report.value(result, SH.value)
        # article and chapter rules report the offending article or chapter as sh:value (draft.ttl)
        subject = str(value) if isinstance(value, URIRef) else str(report.value(result, SH.focusNode))
        article = draft.article_by_iri(subject)
        details: dict[str, object] = {}
        source = report.value(result, SH.sourceShape)
        if isinstance(source, URIRef):
            details["shape"] = str(source).rsplit("#", 1)[-1]
        if article is not None and article.line is not None:
            details["line"] = article.line
        number = None if article is None else article.number
        if article is None and (URIRef(subject), RDF.type, PK.Chapter) in draft.graph:
            chapter = draft.graph.value(URIRef(subject), ELI.number)
            if chapter is not None:
                details["chapter"] = str(chapter)
            line = draft.graph.value(URIRef(subject), PK.sourceLine)
            if isinstance(line, Literal):
                details["line"] = int(line.toPython())
        if kind == "unknown-agency" and article is not None:
            names = sorted(str(n) for n in draft.graph.objects(URIRef(article.iri), PK.unresolvedAgencyName)
                           if en.endswith(f"“{n}”"))
            name = names[0] if names else ""
            details["name"] = name
            suggestion = context.registry.suggest_agency(name) if name else None
            details["suggestion"] = suggestion
            if suggestion:
                zh += f",是否应为“{suggestion}”?"
                en += f"; did you mean “{suggestion}”?"
        yield Finding(kind=kind, severity=severity, article=number, message=zh, message_en=en, details=details)


def _document_number(draft: Draft, context: Context) -> Iterator[Finding]:
    """A document number (文号) the corpus already gives to another document."""
    number = draft.document_number
    if not number:
        return
    known = context.registry.document_by_number(number)
    if known is None:
        return
    titles = [t for t, iri in context.registry.document_titles.items() if iri == known]
    if draft.title and normalise_title(draft.title) in titles:
        return  # the corpus document itself, checked again
    yield Finding(
        kind="document-number", severity=VIOLATION, article=None,
        message=f"文号“{number}”已被语料中的另一文件使用",
        message_en=f"the document number {number} is already used by another document of the corpus",
        related=(Related(document=number, article=None, iri=known, label=titles[0] if titles else None),),
        details={"document_number": number},
    )


def _turtle_agencies(draft: Draft, context: Context) -> Iterator[Finding]:
    """Agencies a Turtle draft names by IRI that the corpus does not know."""
    if draft.is_text:
        return
    known = set(context.registry.agency_labels.values()) | set(context.registry.agency_keys.values())
    for article in draft.articles:
        for agent in sorted(draft.graph.objects(URIRef(article.iri), ELI.responsibility_of_agent), key=str):
            if str(agent) in known:
                continue
            labels = [str(v) for v in draft.graph.objects(agent, SKOS.prefLabel)
                      if isinstance(v, Literal) and (v.language or "zh").startswith("zh")]
            name = labels[0] if labels else str(agent)
            suggestion = context.registry.suggest_agency(name) if labels else None
            zh, en = f"未知的责任部门“{name}”", f"unknown responsible agency “{name}”"
            if suggestion:
                zh += f",是否应为“{suggestion}”?"
                en += f"; did you mean “{suggestion}”?"
            yield Finding(kind="unknown-agency", severity=VIOLATION, article=article.number, message=zh, message_en=en,
                          details={"name": name, "iri": str(agent), "suggestion": suggestion})


def check_structure(draft: Draft, context: Context) -> Iterator[Finding]:
    """Findings of kinds title, document-number, numbering, missing-agency, empty-article, unknown-agency.

    Raises:
        ValidationFailure: pyshacl could not run.
    """
    yield from _shape_findings(draft, context)
    yield from _document_number(draft, context)
    yield from _turtle_agencies(draft, context)
