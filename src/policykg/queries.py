"""The named-query library: ``queries/**/*.rq`` with a documented header, parameters bound as terms.

Header (comment lines at the top of the file)::

    # title: Articles an agency is responsible for
    # description: Every article naming the agency among its responsible agencies.
    # param: agency  zh  required  Chinese label of the agency, e.g. 市财政局
    # param: as_of   date  default=2013-06-30  the date to look at
    # returns: article number text

Parameter types: ``iri``, ``string``, ``zh`` (a Chinese-tagged string), ``integer``, ``decimal``,
``date``, ``boolean``. Values are turned into RDF terms and bound through pyoxigraph's
substitutions (RDF-dev SEP-0007) — never pasted into the query text. Because SEP-0007 substitutes
projected variables only, a SELECT query projects every parameter it declares.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .errors import QueryError, QueryNotFound, QueryParameterError
from .namespaces import PREFIXES
from .results import QueryResult, from_oxigraph
from .store import ReadableStore

PARAM_TYPES = ("iri", "string", "zh", "integer", "decimal", "date", "boolean")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_HEADER = re.compile(r"^#\s*(title|description|param|returns|example):\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s+(\S+)\s+(required|optional|default=\S+)\s*(.*)$")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool
    default: str | None
    doc: str


@dataclass(frozen=True)
class NamedQuery:
    """One .rq file of the library."""

    id: str
    path: Path
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    returns: str
    examples: tuple[str, ...]
    text: str

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def parse_header(path: Path, text: str, query_id: str) -> NamedQuery:
    """Read the header comments of a query file.

    Raises:
        QueryError: the header is missing a title or has a malformed param line (location file:line).
    """
    fields: dict[str, list[str]] = {"title": [], "description": [], "param": [], "returns": [], "example": []}
    params: list[Parameter] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "param":
            pm = _PARAM.match(value)
            if not pm or pm.group(2) not in PARAM_TYPES:
                raise QueryError(
                    f"malformed param line (expected: NAME TYPE required|optional|default=VALUE DOC, "
                    f"TYPE one of {', '.join(PARAM_TYPES)})",
                    location=f"{path}:{lineno}",
                )
            mode = pm.group(3)
            params.append(Parameter(
                name=pm.group(1), type=pm.group(2), required=mode == "required",
                default=mode[len("default="):] if mode.startswith("default=") else None, doc=pm.group(4),
            ))
        else:
            fields[key].append(value)
    if not fields["title"]:
        raise QueryError("query header has no '# title:' line", location=f"{path}:1")
    return NamedQuery(
        id=query_id, path=path, title=fields["title"][0], description=" ".join(fields["description"]),
        parameters=tuple(params), returns=" ".join(fields["returns"]), examples=tuple(fields["example"]),
        text=text,
    )


class QueryRegistry:
    """The named queries found under a folder (default: the shipped ``queries/``)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or resources.queries_dir()
        self._queries: dict[str, NamedQuery] = {}
        for path in sorted(self.folder.rglob("*.rq")):
            query_id = path.relative_to(self.folder).with_suffix("").as_posix()
            self._queries[query_id] = parse_header(path, path.read_text(encoding="utf-8"), query_id)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def get(self, name_or_file: str) -> NamedQuery:
        """A named query by id, or any .rq / .sparql file by path.

        Raises:
            QueryNotFound: no such query id or file.
        """
        if name_or_file in self._queries:
            return self._queries[name_or_file]
        path = Path(name_or_file)
        if path.suffix in (".rq", ".sparql") or path.is_file():
            if not path.is_file():
                raise QueryNotFound(f"no query file {name_or_file}")
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise QueryNotFound(f"cannot read query file {name_or_file}: {e}") from e
            if text.lstrip().startswith("#") and "# title:" in text:
                return parse_header(path, text, path.stem)
            return NamedQuery(id=path.stem, path=path, title=path.name, description="", parameters=(),
                              returns="", examples=(), text=text)
        close = [q for q in self._queries if name_or_file in q]
        hint = f"; did you mean {', '.join(close[:3])}?" if close else "; `policykg queries` lists them"
        raise QueryNotFound(f"no named query {name_or_file!r}{hint}")


def to_term(param: Parameter, raw: str) -> ox.NamedNode | ox.Literal:
    """Turn a parameter value given as text into an RDF term of the declared type.

    Raises:
        QueryParameterError: the value does not fit the type.
    """
    def bad(expected: str) -> QueryParameterError:
        return QueryParameterError(f"parameter {param.name}={raw!r} is not {expected}")

    if param.type == "iri":
        value = raw
        if ":" in raw and not re.match(r"^[a-z][a-z0-9+.-]*://", raw):
            prefix, _, local = raw.partition(":")
            if prefix in PREFIXES:
                value = PREFIXES[prefix] + local
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*$", value):
            raise bad("an IRI (or a prefixed name such as agency:finance-bureau)")
        return ox.NamedNode(value)
    if param.type == "string":
        return ox.Literal(raw)
    if param.type == "zh":
        return ox.Literal(raw, language="zh")
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw.strip()):
            raise bad("an integer")
        return ox.Literal(str(int(raw)), datatype=ox.NamedNode(_XSD + "integer"))
    if param.type == "decimal":
        try:
            value_d = Decimal(raw.strip())
        except InvalidOperation as e:
            raise bad("a decimal number") from e
        if not value_d.is_finite():
            raise bad("a finite decimal number")
        return ox.Literal(str(value_d), datatype=ox.NamedNode(_XSD + "decimal"))
    if param.type == "date":
        try:
            value_t = dt.date.today() if raw.strip() == "today" else dt.date.fromisoformat(raw.strip())
        except ValueError as e:
            raise bad("a date YYYY-MM-DD (or today)") from e
        return ox.Literal(value_t.isoformat(), datatype=ox.NamedNode(_XSD + "date"))
    if param.type == "boolean":
        if raw.strip().lower() not in ("true", "false"):
            raise bad("true or false")
        return ox.Literal(raw.strip().lower(), datatype=ox.NamedNode(_XSD + "boolean"))
    raise bad(f"of a known type ({param.type})")


def bind(query: NamedQuery, params: dict[str, str]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """The substitutions for a query: given values, else defaults; checks names and required ones.

    Raises:
        QueryParameterError: an undeclared parameter, a missing required one, or a bad value.
    """
    declared = {p.name for p in query.parameters}
    unknown = sorted(set(params) - declared)
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise QueryParameterError(f"query {query.id} has no parameter {unknown[0]!r} (it takes: {known})")
    out: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
    for p in query.parameters:
        if p.name in params:
            out[ox.Variable(p.name)] = to_term(p, params[p.name])
        elif p.default is not None:
            out[ox.Variable(p.name)] = to_term(p, p.default)
        elif p.required:
            raise QueryParameterError(f"query {query.id} needs --param {p.name}=… ({p.type}: {p.doc})")
    return out


def syntax_error(exc: SyntaxError, query: NamedQuery) -> QueryError:
    """A pyoxigraph parse error as a one-line QueryError with file:line:column."""
    message = str(exc).split("\n")[0]
    m = re.match(r"error at (\d+):(\d+): (.*)", message)
    if m:
        where = f"{query.path}:{m.group(1)}:{m.group(2)}"
        detail = m.group(3)
        if len(detail) > 160:
            detail = detail[:160] + "…"
        return QueryError(f"SPARQL syntax error: {detail}", location=where)
    return QueryError(f"SPARQL syntax error: {message}", location=str(query.path))


def run(store: ReadableStore, query: NamedQuery, /, *, params: dict[str, str] | None = None) -> QueryResult:
    """Run a named query on the store with its parameters bound as terms.

    Raises:
        QueryParameterError, QueryError: bad parameters or malformed SPARQL.
    """
    substitutions = bind(query, params or {})
    try:
        raw = store.query(query.text, substitutions=substitutions or None)
        return from_oxigraph(raw)
    except SyntaxError as e:
        raise syntax_error(e, query) from e
    except (RuntimeError, ValueError) as e:
        raise QueryError(f"query {query.id} cannot be evaluated: {str(e).splitlines()[0]}") from e


def library_markdown(registry: QueryRegistry) -> str:
    """The query library as a Markdown page (docs/queries.md is generated with this)."""
    lines = [
        "# The query library",
        "",
        "Generated by `policykg queries --format markdown > docs/queries.md`; a test keeps it in step with",
        "`queries/`. Run any of them with `policykg query ID [--param NAME=VALUE …] [--format json|csv|tsv|table]`.",
        "Parameters are bound as RDF terms (pyoxigraph substitutions, RDF-dev SEP-0007), never pasted into the",
        "query text. SEP-0007 substitutes projected variables only, so a SELECT query projects every parameter it",
        "declares (a test checks it). Each file declares its own PREFIXes, so it runs unchanged on any SPARQL store.",
        "",
        "To add a query: drop a `.rq` file under `queries/` (the sub-folder is the id's namespace) with a header",
        "(`# title:`, `# description:`, `# param: NAME TYPE required|optional|default=VALUE DOC`, `# returns:`,",
        "`# example:`), then regenerate this page. Write it to answer alike on every store (the server's copy in",
        "memory iterates in another order than the store on disk, and so may any other SPARQL store): an `ORDER BY`",
        "that leaves no ties, and a `GROUP_CONCAT` fed by a subquery ordered by the values it joins (a test runs",
        "the library on disk and in memory and compares the rows in order).",
        "",
        "| id | title | parameters |",
        "|---|---|---|",
    ]
    for q in registry:
        params = ", ".join(f"`{p.name}` ({p.type}{', required' if p.required else ''})" for p in q.parameters) or "—"
        lines.append(f"| [`{q.id}`](#{q.id.replace('/', '')}) | {q.title} | {params} |")
    for q in registry:
        lines += ["", f"## {q.id}", "", f"**{q.title}.** {q.description}", ""]
        for p in q.parameters:
            mode = "required" if p.required else (f"default `{p.default}`" if p.default else "optional")
            lines.append(f"- `--param {p.name}=…` — {p.type}, {mode}: {p.doc}")
        if q.returns:
            lines.append(f"- returns: {q.returns}")
        for ex in q.examples:
            lines.append(f"- example: `{ex}`")
        lines.append(f"- file: `queries/{q.id}.rq`")
    return "\n".join(lines) + "\n"
