"""Query results as plain data, and their serialisations (W3C SPARQL 1.1 JSON / CSV / TSV, tables).

Terms are pyoxigraph terms (NamedNode, BlankNode, Literal) whatever store produced them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Union

import pyoxigraph as ox

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class ResultFormat(Enum):
    """Formats for SELECT / ASK results."""

    JSON = ("json", "application/sparql-results+json")
    CSV = ("csv", "text/csv")
    TSV = ("tsv", "text/tab-separated-values")
    TABLE = ("table", "text/plain")

    def __init__(self, key: str, media_type: str) -> None:
        self.key = key
        self.media_type = media_type

    @classmethod
    def from_key(cls, key: str) -> ResultFormat:
        for fmt in cls:
            if fmt.key == key:
                return fmt
        raise ValueError(key)


@dataclass(frozen=True)
class QueryResult:
    """The result of one query: a table (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    kind: str  # "select" | "ask" | "graph"
    variables: tuple[str, ...] = ()
    rows: tuple[dict[str, Term], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()

    def column(self, name: str) -> list[str | None]:
        """The lexical values of one column (None where unbound)."""
        return [term_value(row.get(name)) for row in self.rows]

    def records(self) -> list[dict[str, str | None]]:
        """Rows as dicts of lexical values, for tests and simple consumers."""
        return [{v: term_value(row.get(v)) for v in self.variables} for row in self.rows]


def from_oxigraph(result: Any) -> QueryResult:
    """Convert what ``pyoxigraph.Store.query`` returned into a QueryResult."""
    if isinstance(result, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        rows = []
        for solution in result:
            row: dict[str, Term] = {}
            for name in variables:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return QueryResult(kind="select", variables=variables, rows=tuple(rows))
    return QueryResult(kind="graph", triples=tuple(result))


def term_value(term: Term | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.Triple):
        return f"<< {term_n3(term.subject)} {term_n3(term.predicate)} {term_n3(term.object)} >>"
    return str(term.value)


def term_n3(term: Term) -> str:
    """The term in Turtle / SPARQL syntax (pyoxigraph's str() does the escaping)."""
    return str(term)


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def to_json(result: QueryResult) -> dict[str, Any]:
    """The W3C SPARQL 1.1 Query Results JSON object."""
    if result.kind == "ask":
        return {"head": {}, "boolean": bool(result.boolean)}
    if result.kind != "select":
        raise ValueError("graph results are serialised as RDF, not as SPARQL results")
    return {
        "head": {"vars": list(result.variables)},
        "results": {"bindings": [{k: _json_term(v) for k, v in row.items()} for row in result.rows]},
    }


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term_value(term) or ""


_TSV_SHORT = {
    _XSD + "integer": re.compile(r"^[+-]?\d+$"),
    _XSD + "decimal": re.compile(r"^[+-]?\d*\.\d+$"),
    _XSD + "double": re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$"),
    _XSD + "boolean": re.compile(r"^(true|false)$"),
}


def _tsv_value(term: Term | None) -> str:
    """A term in Turtle syntax; numbers and booleans in their short form, as the W3C TSV note asks."""
    if term is None:
        return ""
    if isinstance(term, ox.Literal) and not term.language:
        short = _TSV_SHORT.get(term.datatype.value)
        if short is not None and short.match(term.value):
            return term.value
    text = term_n3(term)
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def serialize(result: QueryResult, fmt: ResultFormat) -> str:
    """Serialise a SELECT or ASK result (CSV/TSV per the W3C SPARQL 1.1 CSV/TSV note)."""
    if fmt is ResultFormat.JSON:
        return json.dumps(to_json(result), ensure_ascii=False, indent=1) + "\n"
    if result.kind == "ask":
        if fmt is ResultFormat.TABLE:
            return ("true" if result.boolean else "false") + "\n"
        return ("_askResult\r\n" if fmt is ResultFormat.CSV else "?_askResult\n") + (
            "true" if result.boolean else "false") + ("\r\n" if fmt is ResultFormat.CSV else "\n")
    if fmt is ResultFormat.CSV:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([_csv_value(row.get(v)) for v in result.variables])
        return buf.getvalue()
    if fmt is ResultFormat.TSV:
        lines = ["\t".join(f"?{v}" for v in result.variables)]
        lines += ["\t".join(_tsv_value(row.get(v)) for v in result.variables) for row in result.rows]
        return "\n".join(lines) + "\n"
    return render_table(result)


def render_table(result: QueryResult, *, width: int = 160) -> str:
    """A plain-text table for terminals, via rich (IRIs shortened with the known prefixes)."""
    from rich.console import Console
    from rich.table import Table

    from .namespaces import PREFIXES

    def short(term: Term | None) -> str:
        if term is None:
            return ""
        if isinstance(term, ox.NamedNode):
            best = ""
            for prefix, ns in PREFIXES.items():
                if term.value.startswith(ns) and len(ns) > len(best):
                    best, name = ns, prefix
            if best:
                return f"{name}:{term.value[len(best):]}"
            return term.value
        return term_value(term) or ""

    table = Table(show_lines=False, header_style="bold")
    for v in result.variables:
        table.add_column(v, overflow="fold")
    for row in result.rows:
        table.add_row(*(short(row.get(v)) for v in result.variables))
    buf = io.StringIO()
    Console(file=buf, width=width, force_terminal=False, color_system=None).print(table)
    return buf.getvalue() + f"({len(result.rows)} rows)\n"


def graph_to_turtle(triples: tuple[ox.Triple, ...]) -> str:
    """Serialise CONSTRUCT / DESCRIBE output as Turtle with the known prefixes."""
    from .namespaces import PREFIXES

    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    assert data is not None
    return data.decode("utf-8")
