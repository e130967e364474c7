"""Queries of the explorer, run through the server's query executor (the same worker pool, wall-clock
limit and read-only store as ``/sparql``).

Every query is a file of a :class:`~policykg.queries.QueryRegistry`: the shipped library under
``queries/`` (reused where it answers the question, e.g. ``document/outline``, ``search/articles``) or
the explorer's own under ``policykg/explorer/queries/``. Parameters are turned into RDF terms by
:func:`policykg.queries.bind` and travel as substitutions (SEP-0007) — never pasted into query text.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import QueryParameterError
from ..queries import NamedQuery, QueryRegistry, bind
from ..server.executor import QueryExecutor, QueryJob, QueryOutcome, Term
from ..server.http import HTTPError

QUERY_DIR = Path(__file__).resolve().parent / "queries"


@dataclass(frozen=True, order=True)
class Node:
    """An RDF term of a result: ``kind`` is ``uri``, ``literal`` or ``bnode``."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.kind == "uri"

    @property
    def is_literal(self) -> bool:
        return self.kind == "literal"

    def __str__(self) -> str:
        return self.value

    def as_int(self, default: int = 0) -> int:
        try:
            return int(self.value)
        except ValueError:
            return default

    @classmethod
    def iri(cls, value: str) -> Node:
        return cls("uri", value)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Node:
        kind = data["type"]
        if kind == "typed-literal":  # SPARQL JSON of some older servers
            kind = "literal"
        return cls(kind, data["value"], data.get("datatype"), data.get("xml:lang"))

    @classmethod
    def from_ox(cls, term: Any) -> Node:
        if isinstance(term, ox.NamedNode):
            return cls("uri", term.value)
        if isinstance(term, ox.BlankNode):
            return cls("bnode", term.value)
        if isinstance(term, ox.Literal):
            lang = term.language
            datatype = None if lang else term.datatype.value
            return cls("literal", term.value, datatype, lang)
        raise TypeError(f"not an RDF term: {term!r}")


Row = dict[str, Node]


@dataclass(frozen=True)
class Statement:
    subject: Node
    predicate: Node
    object: Node


def _term(value: ox.NamedNode | ox.Literal) -> Term:
    if isinstance(value, ox.NamedNode):
        return Term("uri", value.value)
    if value.language:
        return Term("literal", value.value, language=value.language)
    return Term("literal", value.value, datatype=value.datatype.value)


def substitutions(query: NamedQuery, params: Mapping[str, str]) -> dict[str, Term]:
    """The executor's substitutions for a named query (checked and typed by :func:`policykg.queries.bind`).

    Raises:
        HTTPError: 400 when a parameter is missing or does not fit its type.
    """
    try:
        bound = bind(query, dict(params))
    except QueryParameterError as e:
        raise HTTPError(400, "bad-request", str(e), message_zh="查询参数无效") from None
    return {var.value: _term(term) for var, term in bound.items()}


def parse_select(body: bytes) -> list[Row]:
    """Rows of a SPARQL 1.1 JSON result (an ASK result gives one row with ``boolean``)."""
    return parse_table(body)[1]


def parse_table(body: bytes) -> tuple[list[str], list[Row]]:
    """The variables and rows of a SPARQL 1.1 JSON result."""
    data = json.loads(body)
    if "boolean" in data:
        return ["boolean"], [{"boolean": Node("literal", "true" if data["boolean"] else "false")}]
    rows = [{k: Node.from_json(v) for k, v in b.items()} for b in data["results"]["bindings"]]
    return list(data.get("head", {}).get("vars", [])), rows


def parse_graph(body: bytes) -> list[Statement]:
    """The distinct triples of an N-Triples result, in the order first seen."""
    seen: set[Any] = set()
    out: list[Statement] = []
    for triple in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
        if triple in seen:
            continue
        seen.add(triple)
        out.append(Statement(Node.from_ox(triple.subject), Node.from_ox(triple.predicate), Node.from_ox(triple.object)))
    return out


class Queries:
    """The explorer's access to the store: named queries run through the executor.

    At most ``concurrency`` of the explorer's queries run at once (a page asks several at a time), so
    pages never take more of the executor's slots than there are workers and never make the endpoint
    answer ``503 busy`` to SPARQL clients on their own.
    """

    def __init__(self, executor: QueryExecutor, library: QueryRegistry | None = None, concurrency: int = 2) -> None:
        self.executor = executor
        self.library = library or QueryRegistry()
        self.own = QueryRegistry(QUERY_DIR)
        self._slots = asyncio.Semaphore(max(1, concurrency))

    async def _execute(self, job: QueryJob) -> QueryOutcome:
        async with self._slots:
            return await self.executor.execute(job)

    def named(self, name: str) -> NamedQuery:
        """An explorer query by file name, or a library query by id (``search/articles``)."""
        if "/" in name:
            return self.library.get(name)
        return self.own.get(name)

    async def select(self, name: str, **params: str) -> list[Row]:
        query = self.named(name)
        outcome = await self._execute(QueryJob(query.text, select_format="json",
                                                       substitutions=substitutions(query, params)))
        return parse_select(outcome.body)

    async def ntriples(self, name: str, **params: str) -> bytes:
        """A CONSTRUCT / DESCRIBE query's result as N-Triples."""
        query = self.named(name)
        outcome = await self._execute(QueryJob(query.text, graph_format="ntriples",
                                                       substitutions=substitutions(query, params)))
        return outcome.body

    async def graph(self, name: str, **params: str) -> list[Statement]:
        return parse_graph(await self.ntriples(name, **params))

    async def run(self, query: NamedQuery, params: Mapping[str, str], max_rows: int) -> QueryOutcome:
        """A library query as a user runs it: JSON (SELECT / ASK) or N-Triples, at most ``max_rows``."""
        return await self._execute(QueryJob(query.text, select_format="json", graph_format="ntriples",
                                                    substitutions=substitutions(query, params), max_rows=max_rows))


def distinct(values: Iterable[Node]) -> list[Node]:
    """Values in first-seen order without repeats."""
    seen: set[Node] = set()
    out = []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out
