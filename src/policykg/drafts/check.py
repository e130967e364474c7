"""Orchestration: run every check over a draft and gather the findings into a :class:`DraftReport`.

A *check* is a function ``(Draft, Context) -> Iterable[Finding]``. :data:`CHECKS` lists them in the
order their findings are produced: structure (shapes/draft.ttl), references, then the value
comparisons of :mod:`policykg.drafts.compare` (conflict, exceeds-ceiling, overlap) when that module
provides them (its ``CHECKS`` list). The draft is only ever read: the store is queried, never written.

Exit semantics (``policykg draft check``): 0 when the report conforms (no violation), 1 when it has
violations, 2 when the input is unusable (a :class:`~policykg.errors.LoadError` before any check).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from ..ingest import Registry
from ..namespaces import ELI, ORG, PK
from .load import Draft, load_draft
from .model import DraftReport, Finding, sort_key
from .references import check_references
from .structure import check_structure

if TYPE_CHECKING:
    from ..eligibility.engine import Engine
    from ..store import ReadableStore

__all__ = ["CHECKS", "Check", "Context", "all_checks", "check", "check_draft", "corpus_registry", "exit_code"]

_REGISTRY_QUERY = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT DISTINCT ?s ?t ?p ?o WHERE {
  VALUES ?t { %(types)s }
  ?s rdf:type ?t .
  VALUES ?p { %(predicates)s }
  ?s ?p ?o .
}
"""


def corpus_registry(store: ReadableStore) -> Registry:
    """The registry of agencies and documents the store knows (what a draft may name and cite).

    Read by SPARQL, so it works over the embedded store and an external endpoint alike.

    Raises:
        StoreError / QueryError: the store cannot be queried.
    """
    types = (ORG.Organization, PK.GovernmentAgency, PK.AgencyCollective, ELI.LegalResource, PK.PolicyDocument)
    predicates = (SKOS.prefLabel, SKOS.altLabel, ELI.id_local, ELI.title, ELI.title_alternative)
    sparql = _REGISTRY_QUERY % {
        "types": " ".join(f"<{t}>" for t in types),
        "predicates": " ".join(f"<{p}>" for p in predicates),
    }
    graph = Graph()
    for row in store.query(sparql):
        s, t, p, o = (row[k] for k in ("s", "t", "p", "o"))
        subject = URIRef(s.value)
        graph.add((subject, RDF.type, URIRef(t.value)))
        language = getattr(o, "language", None)
        graph.add((subject, URIRef(p.value), Literal(o.value, lang=language) if language else Literal(o.value)))
    # unresolved citations the corpus texts make are typed eli:LegalResource too: they are not known documents
    for row in store.query("SELECT DISTINCT ?s WHERE { ?s a <%s> }" % PK.UnresolvedDocument):
        graph.remove((URIRef(row["s"].value), None, None))
    return Registry.from_graph(graph)


@dataclass(frozen=True)
class Context:
    """What every check may use. ``engine`` and ``registry`` are built on first use."""

    #: the corpus: :class:`policykg.store.ReadableStore` (embedded or remote; only ``query``)
    store: ReadableStore
    #: --as-of, else the draft's date, else today
    as_of: date

    @cached_property
    def engine(self) -> Engine:
        """The eligibility engine over the store (catalogue of benefits, non-cumulation groups)."""
        from ..eligibility.engine import Engine

        return Engine.from_store(self.store)

    @cached_property
    def registry(self) -> Registry:
        """Agencies and documents the corpus knows (see :func:`corpus_registry`)."""
        return corpus_registry(self.store)


Check = Callable[[Draft, Context], Iterable[Finding]]


def _value_checks() -> list[Check]:
    """The checks of drafts/compare.py (conflict, exceeds-ceiling, overlap), if it provides them."""
    try:
        module: Any = importlib.import_module(".compare", __package__)
    except ModuleNotFoundError as e:
        if e.name == f"{__package__}.compare":
            return []
        raise
    return list(getattr(module, "CHECKS", ()))


#: the checks of this package; :func:`all_checks` adds those of drafts/compare.py
CHECKS: list[Check] = [check_structure, check_references]


def all_checks() -> list[Check]:
    """Structure, references, then the value comparisons."""
    return [*CHECKS, *_value_checks()]


def check_draft(draft: Draft, store: ReadableStore, *, as_of: date | None = None,
                checks: Iterable[Check] | None = None, registry: Registry | None = None,
                engine: Engine | None = None) -> DraftReport:
    """Run ``checks`` (default: :func:`all_checks`) over a loaded draft.

    ``registry`` and ``engine`` are the corpus registry and the eligibility engine if the caller already
    has them (a server checking many drafts); else they are read from the store when a check needs them.

    Raises:
        StoreError / QueryError: the store cannot be queried.
    """
    when = as_of or draft.date or date.today()
    context = Context(store=store, as_of=when)
    if registry is not None:
        context.__dict__["registry"] = registry  # seed the cached properties
    if engine is not None:
        context.__dict__["engine"] = engine
    findings: list[Finding] = []
    seen: set[tuple[object, ...]] = set()
    for one in checks if checks is not None else all_checks():
        for finding in one(draft, context):
            key = (finding.kind, finding.severity, finding.article, finding.message)
            if key not in seen:
                seen.add(key)
                findings.append(finding)
    findings.sort(key=sort_key)
    return DraftReport(
        path=str(draft.path), title=draft.title, document_number=draft.document_number, as_of=when,
        findings=tuple(findings), articles=tuple((a.number, a.text) for a in draft.articles),
    )


def check(path: Path, store: ReadableStore, *, as_of: date | None = None) -> DraftReport:
    """Read the draft at ``path`` and check it against the corpus in ``store``.

    Raises:
        LoadError: the draft is unusable (see :func:`policykg.drafts.load.load_draft`).
        StoreError / QueryError: the store cannot be queried.
    """
    registry = corpus_registry(store)
    draft = load_draft(path, registry=registry)
    return check_draft(draft, store, as_of=as_of, registry=registry)


def exit_code(report: DraftReport) -> int:
    """0 when the report conforms, 1 when it has violations."""
    return 0 if report.conforms else 1
