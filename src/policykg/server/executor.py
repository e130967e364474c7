"""Query execution behind one interface, so the endpoint can run over the embedded store (a pool of
killable worker processes) or, later, proxy another SPARQL endpoint (``serve --endpoint URL``).

Everything above this module (protocol handling, content negotiation, security checks, the explorer)
talks to a :class:`QueryExecutor` only: ``await executor.execute(job)`` returns the serialised result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Term:
    """An RDF term as plain, picklable data (for substitutions crossing a process boundary)."""

    kind: str  # "uri" | "literal" | "bnode"
    value: str
    datatype: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class QueryJob:
    """One query (or update) to run, already checked by :mod:`policykg.server.security`.

    ``result_format`` is a key of :data:`policykg.server.formats.FORMATS` (``json``, ``xml``, ``csv``,
    ``tsv`` for SELECT/ASK; ``turtle``, ``ntriples``, ``jsonld``, ``rdfxml`` for CONSTRUCT/DESCRIBE);
    the handler picks one of each kind by content negotiation and the executor uses the one that
    matches the query form.
    """

    sparql: str
    select_format: str = "json"
    graph_format: str = "turtle"
    update: bool = False
    #: protocol dataset (default-graph-uri / named-graph-uri); None = the query's own or the store's
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    #: the default graph is the union of all named graphs unless the request names a dataset;
    #: None: unless the query text names one (FROM / FROM NAMED), which the executor then reads
    union_default_graph: bool | None = None
    base_iri: str | None = None
    substitutions: dict[str, Term] = field(default_factory=dict)
    max_rows: int | None = None


@dataclass(frozen=True)
class QueryOutcome:
    """A serialised result: ``body`` in ``media_type``; ``truncated`` when ``max_rows`` cut it."""

    form: str  # "select" | "ask" | "graph" | "update"
    media_type: str
    body: bytes
    rows: int = 0
    truncated: bool = False


class QueryExecutor(Protocol):
    """Runs checked queries. Raises :class:`policykg.server.http.HTTPError` (400 malformed, 503 timeout
    or busy, 502/504 upstream) — never anything else on a user's input."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def execute(self, job: QueryJob) -> QueryOutcome: ...

    def named_graphs(self) -> tuple[str, ...]:
        """The graphs of the store (FROM / FROM NAMED / default-graph-uri may name only these)."""
        ...
