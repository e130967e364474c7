"""Read policy texts in the style of 青政发〔2012〕46号 into a model, RDF and JSON.

>>> from policykg.ingest import ingest_text, Registry
>>> doc = ingest_text("关于支持小微企业的意见\\n(一)减免收费。(市财政局负责)", registry=Registry())
>>> doc.title, doc.articles[0].number, doc.articles[0].responsibility.unresolved[0].name
('关于支持小微企业的意见', '1', '市财政局')
"""

from __future__ import annotations

from .document import ingest_file, ingest_text
from .export import to_json
from .model import (
    Article,
    Chapter,
    Citation,
    IngestedDocument,
    NumberingIssue,
    QuantityMention,
    Responsibility,
    TemporalKind,
    TemporalMention,
    UnresolvedAgency,
)
from .rdf import to_graph
from .registry import Registry

__all__ = [
    "Article",
    "Chapter",
    "Citation",
    "IngestedDocument",
    "NumberingIssue",
    "QuantityMention",
    "Registry",
    "Responsibility",
    "TemporalKind",
    "TemporalMention",
    "UnresolvedAgency",
    "ingest_file",
    "ingest_text",
    "to_graph",
    "to_json",
]
