"""Any SPARQL 1.1 endpoint as a read store, and ``push``: the built store into one.

:class:`RemoteStore` has the ``query`` signature of :class:`policykg.store.EmbeddedStore` and returns
pyoxigraph's own result objects (``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``), so everything
that only calls ``store.query`` (the named queries, the result serialisers, the eligibility engine) runs
unchanged against Oxigraph server, Fuseki, GraphDB, Virtuoso or any other SPARQL 1.1 endpoint.
Requests go through SPARQLWrapper (SPARQL 1.1 Protocol, POST form); SELECT / ASK results are asked for
as SPARQL JSON (XML accepted), CONSTRUCT / DESCRIBE as N-Triples (Turtle, RDF/XML accepted), and parsed
with ``pyoxigraph.parse_query_results`` / ``pyoxigraph.parse``.

Parameters. The embedded store binds query parameters with pyoxigraph's substitutions (RDF-dev SEP-0007:
the variable is replaced by the term before evaluation, and a SELECT query still returns it as a column).
An endpoint has no such feature, so :func:`substitute` gives the same semantics by rewriting the query
text: it tokenises the query (strings, IRIs and comments are never touched) and writes the term, in
SPARQL syntax, in place of each occurrence of the variable — ``(term AS ?v)`` where the variable is
projected, ``(term)`` in GROUP BY / ORDER BY, ``true`` for ``BOUND(?v)``, nothing in the projection of a
subquery (whose other, local variables keep their own scope). Assigning a parameter (``BIND(… AS ?v)``,
``(… AS ?v)``, ``VALUES ?v``) is refused, as SEP-0007 says. Before anything is sent, pyoxigraph parses
the query (the same SyntaxError as the embedded store, the same "not in the projection" error) and the
rewritten text (a value that cannot be written there is a QueryParameterError). A trailing VALUES clause
would not do: it is joined after GROUP BY, so aggregates would count the wrong solutions.

``push`` copies every named graph of a built store with the SPARQL 1.1 Graph Store HTTP Protocol (one
PUT per graph, N-Triples), removes policykg graphs the store no longer has, and checks that the
endpoint's default graph is the union of its named graphs (what the named queries expect).
"""

from __future__ import annotations

import ast
import base64
import math
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pyoxigraph as ox
from SPARQLWrapper import POST, SPARQLWrapper, URLENCODED
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from . import __version__
from .errors import ConfigError, QueryError, QueryParameterError, QueryTimeout, StoreError
from .namespaces import GRAPH, XSD

if TYPE_CHECKING:
    from .store import EmbeddedStore, ReadableStore

USER_AGENT = f"policykg/{__version__}"
#: seconds to wait for an answer (POLICYKG_ENDPOINT_TIMEOUT overrides it on the command line)
DEFAULT_TIMEOUT = 60.0

_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_XSD_STRING = str(XSD.string)
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


# --------------------------------------------------------------------------------------------------
# Tokens and parameter substitution

class Token(NamedTuple):
    kind: str  # ws comment string iri var bnode pname word number lang punct
    text: str
    start: int


_TOKEN = re.compile(r"""
  (?P<ws>\s+)
| (?P<comment>\#[^\n\r]*)
| (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
            |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
| (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
| (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)
| (?P<bnode>_:[\w\-.]*)
| (?P<pname>(?:[^\W\d_][\w\-.]*)?:(?:[\w\-:%]|\\[_~.\-!$&'()*+,;=/?\#@%]|\.(?=[\w\-:%\\]))*)
| (?P<word>[A-Za-z][\w]*)
| (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
| (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
| (?P<punct>\^\^|&&|\|\||<=|>=|!=|.)
""", re.X | re.S)


def tokenize(sparql: str) -> list[Token]:
    """Split a query into tokens by longest match, as the SPARQL grammar does (19.8)."""
    out: list[Token] = []
    pos = 0
    while pos < len(sparql):
        m = _TOKEN.match(sparql, pos)
        assert m is not None and m.lastgroup is not None  # the last alternative matches any character
        out.append(Token(m.lastgroup, m.group(), pos))
        pos = m.end()
    return out


def query_form(tokens: list[Token]) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first keyword after the prologue (None for anything else)."""
    for t in tokens:
        if t.kind == "word":
            word = t.text.upper()
            if word in ("PREFIX", "BASE"):
                continue
            return word if word in _FORMS else None
    return None


def _keyword(t: Token, *words: str) -> bool:
    return t.kind == "word" and t.text.upper() in words


def _position(sparql: str, offset: int) -> str:
    line = sparql.count("\n", 0, offset) + 1
    column = offset - (sparql.rfind("\n", 0, offset) + 1) + 1
    return f"{line}:{column}"


def sparql_term(term: Any) -> str:
    """A term in SPARQL syntax (an IRI or a literal; blank nodes and triple terms have no query syntax).

    Raises:
        QueryParameterError: the term is a blank node, a triple term or not a term.
    """
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        lexical = (term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                   .replace("\r", "\\r"))
        if term.language:
            return f'"{lexical}"@{term.language}'
        if term.datatype.value == _XSD_STRING:
            return f'"{lexical}"'
        return f'"{lexical}"^^<{term.datatype.value}>'
    kind = "a blank node" if isinstance(term, ox.BlankNode) else f"a {type(term).__name__}"
    raise QueryParameterError(f"{kind} cannot be sent to a SPARQL endpoint as a parameter value")


def _projection(sig: list[Token], start: int) -> tuple[bool, list[str], int]:
    """The SELECT clause starting at sig[start] (the SELECT keyword): (star, plain variables, item count)."""
    star, plain, items, depth = False, [], 0, 0
    for t in sig[start + 1:]:
        if depth == 0 and (t.text == "{" or _keyword(t, "WHERE", "FROM")):
            break
        if t.text == "(":
            if depth == 0:
                items += 1
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif depth == 0 and t.text == "*":
            star = True
        elif depth == 0 and t.kind == "var":
            plain.append(t.text[1:])
            items += 1
    return star, plain, items


@dataclass
class _Scope:
    closes_at: int  # brace depth whose closing "}" ends the scope
    active: frozenset[str]


def substitute(sparql: str, substitutions: Mapping[str, Any], projection: list[str] | None = None) -> str:
    """The query text with each parameter variable replaced by its term (SEP-0007 semantics).

    ``substitutions`` maps variable names (without ``?``) to pyoxigraph terms. ``projection`` is the
    variable list of the query's top-level ``SELECT *`` (in the embedded store's order), used to spell the
    projection out; without it a ``SELECT *`` query taking parameters is refused.

    Raises:
        QueryParameterError: a parameter is assigned in the query (BIND / AS / VALUES), is a blank node,
            or cannot be written where the query uses it.
    """
    terms = {name: sparql_term(term) for name, term in substitutions.items()}
    tokens = tokenize(sparql)
    out = [t.text for t in tokens]
    sig_index = [i for i, t in enumerate(tokens) if t.kind not in ("ws", "comment")]
    sig = [tokens[i] for i in sig_index]

    def fail(message: str, at: Token) -> QueryParameterError:
        return QueryParameterError(message, location=f"query {_position(sparql, at.start)}")

    def check_subquery_projection(at: Token) -> None:
        if not top_select and select_items and select_kept == 0:
            raise fail("a subquery projects only parameters; project another variable too", at)

    active: frozenset[str] = frozenset(terms)
    scopes: list[_Scope] = []
    braces = parens = 0
    clause: str | None = None  # select, group, order, describe, values
    clause_parens = 0
    top_select = False
    select_kept = select_items = 0
    skip_until = -1
    j = 0
    while j < len(sig):
        t = sig[j]
        if j <= skip_until:
            j += 1
            continue
        text, upper = t.text, t.text.upper() if t.kind == "word" else ""
        if text == "{":
            if clause == "select":
                check_subquery_projection(t)
            if clause in ("select", "describe"):
                clause = None
            nxt = sig[j + 1] if j + 1 < len(sig) else None
            braces += 1
            if nxt is not None and _keyword(nxt, "SELECT"):
                star, plain, _ = _projection(sig, j + 1)
                scopes.append(_Scope(braces, active))
                active = active if star else active & frozenset(plain)
        elif text == "}":
            if scopes and scopes[-1].closes_at == braces:
                active = scopes.pop().active
            braces -= 1
            clause = None
        elif text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif upper == "SELECT":
            clause, clause_parens, top_select = "select", parens, braces == 0
            star, plain, select_items = _projection(sig, j)
            select_kept = select_items
        elif upper in ("WHERE", "FROM"):
            if clause == "select":
                check_subquery_projection(t)
            clause = None
        elif upper in ("GROUP", "ORDER") and j + 1 < len(sig) and _keyword(sig[j + 1], "BY"):
            clause, clause_parens = upper.lower(), parens
            j += 2
            continue
        elif upper in ("HAVING", "LIMIT", "OFFSET"):
            clause = None
        elif upper == "DESCRIBE":
            clause, clause_parens = "describe", parens
        elif upper == "VALUES":
            k = j + 1
            while k < len(sig) and sig[k].text != "{":
                if sig[k].kind == "var" and sig[k].text[1:] in active:
                    raise fail(f"parameter {sig[k].text} cannot be bound: the query assigns it with VALUES", sig[k])
                k += 1
            j = k
            continue
        elif upper == "AS" and j + 1 < len(sig) and sig[j + 1].kind == "var":
            var = sig[j + 1]
            if var.text[1:] in active:
                raise fail(f"parameter {var.text} cannot be bound: the query assigns it with AS", var)
            j += 2
            continue
        elif (upper == "BOUND" and j + 3 < len(sig) and sig[j + 1].text == "(" and sig[j + 2].kind == "var"
              and sig[j + 3].text == ")" and sig[j + 2].text[1:] in active):
            for k in range(sig_index[j], sig_index[j + 3] + 1):
                out[k] = ""
            out[sig_index[j]] = "true"
            j += 4
            continue
        elif text == "*" and clause == "select" and parens == clause_parens and top_select:
            # spelled out in the embedded store's order, so that every store answers the same columns
            if projection:
                out[sig_index[j]] = " ".join(f"({terms[v]} AS ?{v})" if v in active else f"?{v}"
                                             for v in projection)
            elif active and projection is None:
                raise fail("SELECT * with parameters: list the projected variables", t)
        elif t.kind == "var" and text[1:] in active:
            term = terms[text[1:]]
            bare = parens == clause_parens
            if clause == "select" and bare:
                if top_select:
                    out[sig_index[j]] = f"({term} AS {text})"
                else:
                    out[sig_index[j]] = ""
                    select_kept -= 1
            elif clause in ("group", "order") and bare:
                out[sig_index[j]] = f"({term})"
            elif clause == "describe" and not term.startswith("<"):
                raise fail(f"parameter {text} is described, so its value must be an IRI", t)
            else:
                out[sig_index[j]] = term
        j += 1
    return "".join(out)


# --------------------------------------------------------------------------------------------------
# HTTP

def _first_line(body: bytes | str | None, limit: int = 200) -> str:
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if "<html" in text[:500].lower():
        m = re.search(r"<title>(.*?)</title>", text, re.S | re.I)
        text = m.group(1) if m else ""
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line[:limit] + ("…" if len(line) > limit else "")


def _network_reason(e: BaseException) -> str:
    reason: Any = e.reason if isinstance(e, urllib.error.URLError) else e
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(reason, socket.gaierror):
        return "unknown host"
    if isinstance(reason, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timed out"
    return str(getattr(reason, "strerror", None) or reason)


def _is_timeout(e: BaseException) -> bool:
    reason = e.reason if isinstance(e, urllib.error.URLError) else e
    return isinstance(reason, (TimeoutError, socket.timeout))


def _check_url(url: str, what: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{what} {url!r} is not an http(s) URL")
    return url


class _Response(NamedTuple):
    status: int
    headers: Message
    body: bytes


def derive_graph_store_url(endpoint: str, server: str | None) -> str | None:
    """The Graph Store Protocol URL of a store, from its query endpoint and its ``Server`` header.

    Oxigraph ``…/query`` or ``…/sparql`` → ``…/store``; Fuseki ``/ds/query`` → ``/ds/data``;
    GraphDB / RDF4J ``/repositories/ID`` → ``/repositories/ID/rdf-graphs/service``; Virtuoso ``/sparql`` →
    ``/sparql-graph-crud-auth``. None when the store cannot be told.

    >>> derive_graph_store_url("http://127.0.0.1:7878/query", "Oxigraph/0.5.13")
    'http://127.0.0.1:7878/store'
    >>> derive_graph_store_url("http://db:7200/repositories/policykg", None)
    'http://db:7200/repositories/policykg/rdf-graphs/service'
    """
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")
    product = (server or "").lower()
    new: str | None = None
    if re.fullmatch(r".*/repositories/[^/]+", path):
        new = path + "/rdf-graphs/service"
    elif "oxigraph" in product and last in ("query", "sparql"):
        new = f"{head}/store"
    elif ("fuseki" in product or "jena" in product) and last in ("query", "sparql"):
        new = f"{head}/data"
    elif "virtuoso" in product and last == "sparql":
        new = f"{head}/sparql-graph-crud-auth"
    if new is None:
        return None
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new, "", ""))


class RemoteStore:
    """A SPARQL 1.1 endpoint read like the embedded store (``query``), written with the Graph Store Protocol.

    Args:
        endpoint_url: the query endpoint, e.g. ``http://127.0.0.1:7878/query`` (Oxigraph server).
        graph_store_url: the Graph Store Protocol endpoint (for :func:`push`); derived when not given.
        timeout: seconds to wait for each answer.
        headers: extra HTTP headers sent with every request (e.g. an API key).
        auth: ``(user, password)`` for HTTP authentication; ``auth_scheme`` is ``basic`` or ``digest``.

    The endpoint must answer queries over the union of its named graphs (Oxigraph ``serve
    --union-default-graph``, Fuseki ``unionDefaultGraph``; see docs/external-store.md).

    Raises:
        ConfigError: a URL is not http(s), or the auth scheme is unknown.
    """

    def __init__(self, endpoint_url: str, *, graph_store_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 headers: Mapping[str, str] | None = None, auth: tuple[str, str] | None = None,
                 auth_scheme: str = "basic") -> None:
        self.endpoint = _check_url(endpoint_url, "SPARQL endpoint")
        self._graph_store = _check_url(graph_store_url, "graph store") if graph_store_url else None
        if not timeout > 0:
            raise ConfigError(f"timeout must be a positive number of seconds, not {timeout!r}")
        if auth_scheme not in ("basic", "digest"):
            raise ConfigError(f"unknown HTTP auth scheme {auth_scheme!r} (basic, digest)")
        self.timeout = float(timeout)
        self.headers = dict(headers or {})
        self.auth = auth
        self.auth_scheme = auth_scheme
        self._server: str | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    # ---- queries

    def query(self, sparql: str, *, substitutions: dict[ox.Variable, Any] | None = None,
              default_graph_as_union: bool = True) -> Any:
        """Run a SPARQL query on the endpoint; returns what ``pyoxigraph.Store.query`` would.

        Raises:
            SyntaxError: the query is malformed (pyoxigraph's message, as from the embedded store).
            RuntimeError: a substituted variable is not projected (as from the embedded store).
            QueryParameterError: a substitution cannot be written into the query text.
            QueryError: the endpoint rejected the query (HTTP 400).
            QueryTimeout: no answer within the timeout.
            StoreError: the endpoint cannot be reached, failed, or answered something that is not SPARQL.
        """
        if not default_graph_as_union:
            raise StoreError("a SPARQL endpoint answers over its own default graph; default_graph_as_union=False "
                             "is not supported (configure the endpoint's union default graph instead)",
                             location=self.endpoint)
        subs = {(k.value if isinstance(k, ox.Variable) else str(k)): v for k, v in (substitutions or {}).items()}
        tokens = tokenize(sparql)
        form = query_form(tokens)
        if form is None:
            ox.Store().query(sparql)  # pyoxigraph's own message for what is not a query (updates included)
            raise SyntaxError("error at 1:1: a query (SELECT, ASK, CONSTRUCT or DESCRIBE) was expected; "
                              "updates are not sent to a read store")
        # SERVICE would be followed by a local evaluation: parse checks happen at the endpoint instead
        local = not any(_keyword(t, "SERVICE") for t in tokens)
        projection: list[str] | None = None
        if local:
            # the embedded store's own checks (syntax, substituted variables in the projection), on an
            # empty in-memory store so that nothing is evaluated over data
            checked = ox.Store().query(sparql, substitutions=substitutions or None)
            if isinstance(checked, ox.QuerySolutions):
                projection = [v.value for v in checked.variables]
        text = sparql
        if subs or (form == "SELECT" and projection is not None and _top_level_star(tokens)):
            text = substitute(sparql, subs, projection)
            if local:
                try:
                    ox.Store().query(text)
                except SyntaxError as e:
                    raise QueryParameterError(
                        "the parameter values cannot be written into the query for a SPARQL endpoint "
                        f"({str(e).splitlines()[0]})") from e
        body, content_type = self._send(text, form, _RESULTS_ACCEPT if form in ("SELECT", "ASK") else _GRAPH_ACCEPT)
        if form in ("SELECT", "ASK"):
            return self._results(body, content_type, form)
        return self._triples(body, content_type)

    def _wrapper(self) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)
        wrapper.setTimeout(max(1, math.ceil(self.timeout)))
        if self.auth:
            wrapper.setHTTPAuth(self.auth_scheme.upper())
            wrapper.setCredentials(*self.auth)
        for name, value in self.headers.items():
            wrapper.addCustomHttpHeader(name, value)
        return wrapper

    def _send(self, text: str, form: str, accept: str) -> tuple[bytes, str]:
        wrapper = self._wrapper()
        wrapper.setQuery(text)
        # the form read by our tokeniser, not SPARQLWrapper's regular expression (which a word such as
        # "address" in a comment can fool into sending the query as an update)
        wrapper.queryType = form
        wrapper.addCustomHttpHeader("Accept", accept)
        started = time.monotonic()
        try:
            response = wrapper.query().response
            body = response.read()
            content_type = response.headers.get("Content-Type", "") or ""
        except SPARQLWrapperException as e:
            raise self._http_error(_wrapped_body(e), _status_of(e)) from None
        except urllib.error.HTTPError as e:
            raise self._http_error(e.read(), e.code) from None
        except (urllib.error.URLError, OSError) as e:
            if _is_timeout(e):
                raise QueryTimeout(f"no answer within {self.timeout:g} s "
                                   f"(after {time.monotonic() - started:.1f} s)", location=self.endpoint) from None
            raise StoreError(f"cannot reach the SPARQL endpoint: {_network_reason(e)}", location=self.endpoint) from None
        return body, content_type

    def _http_error(self, body: bytes | str | None, status: int | None) -> Exception:
        detail = _first_line(body)
        detail = f": {detail}" if detail else ""
        if status == 400:
            return QueryError(f"the endpoint rejected the query (HTTP 400){detail}", location=self.endpoint)
        if status in (401, 403):
            return StoreError(f"the endpoint refused access (HTTP {status}); set POLICYKG_ENDPOINT_USER and "
                              f"POLICYKG_ENDPOINT_PASSWORD{detail}", location=self.endpoint)
        if status == 404:
            return StoreError(f"no SPARQL endpoint at this URL (HTTP 404){detail}", location=self.endpoint)
        return StoreError(f"the endpoint failed (HTTP {status}){detail}", location=self.endpoint)

    def _not_sparql(self, content_type: str, body: bytes, expected: str) -> StoreError:
        snippet = _first_line(body, 80)
        return StoreError(f"the endpoint answered {content_type or 'without a Content-Type'}, not {expected}"
                          + (f" ({snippet})" if snippet else ""), location=self.endpoint)

    def _results(self, body: bytes, content_type: str, form: str) -> Any:
        fmt = ox.QueryResultsFormat.from_media_type(content_type) if content_type else None
        if fmt is None:
            raise self._not_sparql(content_type, body, "SPARQL results")
        try:
            checked = ox.parse_query_results(body, fmt)
            is_boolean = isinstance(checked, ox.QueryBoolean)
            if isinstance(checked, ox.QuerySolutions):
                for _ in checked:  # parsing is lazy: check all of it here, not in the caller's loop
                    pass
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"the endpoint answered malformed SPARQL results: {str(e).splitlines()[0]}",
                             location=self.endpoint) from None
        if is_boolean != (form == "ASK"):
            raise StoreError(f"the endpoint answered {'a boolean' if is_boolean else 'solutions'} to a {form} query",
                             location=self.endpoint)
        return ox.parse_query_results(body, fmt)

    def _triples(self, body: bytes, content_type: str) -> Any:
        media = content_type.split(";")[0].strip().lower()
        fmt = ox.RdfFormat.N_TRIPLES if media == "text/plain" else ox.RdfFormat.from_media_type(content_type)
        if fmt is None:
            raise self._not_sparql(content_type, body, "RDF")
        try:
            quads = [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                     for q in ox.parse(body, fmt, base_iri=self.endpoint)]
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"the endpoint answered malformed {fmt.name}: {str(e).splitlines()[0]}",
                             location=self.endpoint) from None
        # the triples as a genuine pyoxigraph QueryTriples (what Store.query returns for CONSTRUCT)
        graph = ox.Store()
        graph.extend(quads)
        return graph.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")

    # ---- the endpoint itself, and the Graph Store Protocol

    def _opener(self, url: str) -> urllib.request.OpenerDirector:
        handlers: list[urllib.request.BaseHandler] = []
        if self.auth and self.auth_scheme == "digest":
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, url, *self.auth)
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        return urllib.request.build_opener(*handlers)

    def _http(self, method: str, url: str, *, data: bytes | None = None, headers: Mapping[str, str] | None = None,
              ok: Iterable[int] = (200, 201, 204), what: str = "graph store") -> _Response:
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("User-Agent", USER_AGENT)
        if self.auth and self.auth_scheme == "basic":
            token = base64.b64encode(":".join(self.auth).encode("utf-8")).decode("ascii")
            request.add_header("Authorization", f"Basic {token}")
        for name, value in {**self.headers, **(headers or {})}.items():
            request.add_header(name, value)
        try:
            with self._opener(url).open(request, timeout=self.timeout) as response:
                result = _Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as e:
            result = _Response(e.code, e.headers, e.read())
        except (urllib.error.URLError, OSError) as e:
            if _is_timeout(e):
                raise QueryTimeout(f"no answer from the {what} within {self.timeout:g} s", location=url) from None
            raise StoreError(f"cannot reach the {what}: {_network_reason(e)}", location=url) from None
        if result.status not in ok:
            detail = _first_line(result.body)
            hint = "; set POLICYKG_ENDPOINT_USER and POLICYKG_ENDPOINT_PASSWORD" if result.status in (401, 403) else ""
            raise StoreError(f"{method} failed with HTTP {result.status}{hint}" + (f": {detail}" if detail else ""),
                             location=url)
        return result

    def server(self) -> str:
        """The endpoint's ``Server`` header ("" when it sends none), from a service-description request."""
        if self._server is None:
            response = self._http("GET", self.endpoint, headers={"Accept": "text/turtle, application/n-triples;q=0.9"},
                                  ok=range(200, 500), what="SPARQL endpoint")
            self._server = response.headers.get("Server", "") or ""
        return self._server

    @property
    def graph_store_url(self) -> str:
        """The Graph Store Protocol endpoint: as given, else derived from the query endpoint's URL and server.

        Raises:
            ConfigError: it cannot be derived (give ``graph_store_url`` / ``--graph-store``).
        """
        if self._graph_store is None:
            derived = derive_graph_store_url(self.endpoint, self.server())
            if derived is None:
                server = self.server() or "an unknown server"
                raise ConfigError(f"cannot tell the Graph Store Protocol URL of {self.endpoint} ({server}); "
                                  "give --graph-store URL", see="docs/external-store.md")
            self._graph_store = derived
        return self._graph_store

    def _graph_url(self, graph: str) -> str:
        base = self.graph_store_url
        joiner = "&" if urllib.parse.urlsplit(base).query else "?"
        return f"{base}{joiner}graph={urllib.parse.quote(graph, safe='')}"

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Replace the named graph ``graph`` with the N-Triples ``ntriples`` (Graph Store Protocol PUT)."""
        self._http("PUT", self._graph_url(graph), data=ntriples,
                   headers={"Content-Type": "application/n-triples; charset=utf-8"})

    def delete_graph(self, graph: str) -> None:
        """Remove the named graph ``graph`` (Graph Store Protocol DELETE; a missing graph is fine)."""
        self._http("DELETE", self._graph_url(graph), ok=(200, 202, 204, 404))

    def named_graphs(self, prefix: str = "") -> list[str]:
        """The endpoint's named graphs whose IRI starts with ``prefix``."""
        where = f"FILTER(STRSTARTS(STR(?g), {sparql_term(ox.Literal(prefix))}))" if prefix else ""
        text = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {where} }}"
        return sorted(s["g"].value for s in self.query(text) if isinstance(s["g"], ox.NamedNode))

    def contains(self, triple: ox.Triple, graph: str | None = None) -> bool:
        """Whether the endpoint's default graph (or the named graph ``graph``) holds ``triple``."""
        pattern = " ".join(sparql_term(t) for t in (triple.subject, triple.predicate, triple.object))
        text = f"ASK {{ GRAPH <{graph}> {{ {pattern} }} }}" if graph else f"ASK {{ {pattern} }}"
        return bool(self.query(text))


def _status_of(e: SPARQLWrapperException) -> int | None:
    from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, EndPointNotFound, QueryBadFormed, Unauthorized
    for cls, status in ((QueryBadFormed, 400), (Unauthorized, 401), (EndPointNotFound, 404),
                        (EndPointInternalError, 500)):
        if isinstance(e, cls):
            return status
    return 414 if type(e).__name__ == "URITooLong" else None


def _wrapped_body(e: SPARQLWrapperException) -> bytes | None:
    """The server's answer inside a SPARQLWrapper exception (which keeps only its repr in the message)."""
    _, sep, tail = str(e).partition("Response:\n")
    if not sep:
        return None
    try:
        body = ast.literal_eval(tail.strip())
    except (ValueError, SyntaxError):
        return tail.encode("utf-8")
    return body if isinstance(body, bytes) else str(body).encode("utf-8")


def _top_level_star(tokens: list[Token]) -> bool:
    sig = [t for t in tokens if t.kind not in ("ws", "comment")]
    for i, t in enumerate(sig):
        if _keyword(t, "SELECT"):
            star, _, _ = _projection(sig, i)
            return star
    return False


# --------------------------------------------------------------------------------------------------
# push

@dataclass(frozen=True)
class PushReport:
    """What :func:`push` did."""

    endpoint: str
    graph_store: str
    graphs: dict[str, int]  # triples per graph pushed
    removed: tuple[str, ...]  # policykg graphs on the endpoint that the store no longer has
    union_default_graph: bool  # whether the endpoint's default graph shows the pushed triples
    seconds: float

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def _probe(ntriples: bytes) -> ox.Triple | None:
    """A triple without blank nodes, to look for in the endpoint's default graph after the push."""
    for quad in ox.parse(ntriples, ox.RdfFormat.N_TRIPLES):
        if not isinstance(quad.subject, ox.BlankNode) and not isinstance(quad.object, ox.BlankNode):
            return ox.Triple(quad.subject, quad.predicate, quad.object)
    return None


def push(store: EmbeddedStore, remote: RemoteStore, *, prune: bool = True,
         progress: Callable[[str, int, int], None] | None = None) -> PushReport:
    """Copy every named graph of a built store to an endpoint (Graph Store Protocol PUT, one per graph).

    Idempotent: a PUT replaces the graph, so pushing twice leaves the same data. With ``prune``, graphs
    under the policykg graph namespace that the store does not have are deleted, so that the endpoint
    holds exactly the store's graphs. ``progress(graph, done, total)`` is called before each graph.

    Raises:
        ConfigError: the Graph Store URL cannot be derived.
        StoreError, QueryTimeout: the endpoint cannot be reached or refuses the data.
    """
    started = time.monotonic()
    graphs = store.named_graphs()
    gsp = remote.graph_store_url
    pushed: dict[str, int] = {}
    probe: tuple[ox.Triple, str] | None = None
    for done, graph in enumerate(graphs):
        if progress:
            progress(graph, done, len(graphs))
        data = store.ox.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
        assert data is not None
        remote.put_graph(graph, data)
        pushed[graph] = data.count(b"\n")
        if probe is None:
            triple = _probe(data)
            probe = (triple, graph) if triple is not None else None
    removed: list[str] = []
    if prune:
        keep = set(graphs)
        for graph in remote.named_graphs(str(GRAPH)):
            if graph not in keep:
                remote.delete_graph(graph)
                removed.append(graph)
    union = True
    if probe is not None:
        triple, graph = probe
        if not remote.contains(triple, graph):
            raise StoreError(f"the pushed graph {graph} cannot be queried at the endpoint; is {remote.endpoint} "
                             f"the query endpoint of the store behind {gsp}?", location=remote.endpoint)
        union = remote.contains(triple)
    return PushReport(endpoint=remote.endpoint, graph_store=gsp, graphs=pushed, removed=tuple(removed),
                      union_default_graph=union, seconds=time.monotonic() - started)


# --------------------------------------------------------------------------------------------------
# opening a read store

def remote_from_env(endpoint: str, *, graph_store_url: str | None = None) -> RemoteStore:
    """A RemoteStore with credentials and timeout from the environment (used by the command line).

    ``POLICYKG_ENDPOINT_USER`` / ``POLICYKG_ENDPOINT_PASSWORD`` (HTTP auth), ``POLICYKG_ENDPOINT_AUTH``
    (``basic``, the default, or ``digest``), ``POLICYKG_ENDPOINT_TIMEOUT`` (seconds, default 60).

    Raises:
        ConfigError: a value is unusable.
    """
    user = os.environ.get("POLICYKG_ENDPOINT_USER")
    password = os.environ.get("POLICYKG_ENDPOINT_PASSWORD", "")
    raw_timeout = os.environ.get("POLICYKG_ENDPOINT_TIMEOUT", "")
    try:
        timeout = float(raw_timeout) if raw_timeout.strip() else DEFAULT_TIMEOUT
    except ValueError:
        raise ConfigError(f"POLICYKG_ENDPOINT_TIMEOUT={raw_timeout!r} is not a number of seconds") from None
    if not math.isfinite(timeout):
        raise ConfigError(f"POLICYKG_ENDPOINT_TIMEOUT={raw_timeout!r} is not a number of seconds")
    return RemoteStore(endpoint, graph_store_url=graph_store_url, timeout=timeout,
                       auth=(user, password) if user else None,
                       auth_scheme=os.environ.get("POLICYKG_ENDPOINT_AUTH", "basic").strip().lower() or "basic")


def open_read_store(store_path: Path | None = None, endpoint: str | None = None, *,
                    progress: Callable[[str], None] | None = None, rebuild_if_stale: bool = True) -> ReadableStore:
    """The store a read command uses: the SPARQL endpoint ``endpoint``, else the embedded store.

    The embedded store (``store_path``, else ``$POLICYKG_STORE`` or the user data folder) is built first
    when missing or stale, as :func:`policykg.build.open_store` does.

    Raises:
        ConfigError: both a store folder and an endpoint were given, or the endpoint URL is unusable.
        StoreError: the embedded store cannot be built or opened.
    """
    if endpoint is not None:
        if store_path is not None:
            raise ConfigError("give either --store or --endpoint, not both")
        return remote_from_env(endpoint)
    from .build import open_store

    return open_store(store_path, progress=progress, rebuild_if_stale=rebuild_if_stale)
