"""What the endpoint refuses before a query reaches the store: updates (unless enabled), LOAD, SERVICE,
and datasets (FROM, FROM NAMED, USING, default-graph-uri, named-graph-uri) naming graphs the store does
not hold. pyoxigraph follows SERVICE over HTTP by default, so SERVICE must never reach it.

pyoxigraph has no parse-only API, so the request is read with a SPARQL *lexer*: the terminals of the
SPARQL 1.1 grammar (strings with their escapes, IRIs, prefixed names, variables, comments, keywords).
A keyword inside a string, an IRI, a comment or a prefixed name is not a keyword, exactly as for the
parser; a text the lexer cannot read is refused (it is malformed for the parser too). The codepoint
escapes of SPARQL 1.1 §19.2 (``\\u0053ERVICE``) are not processed by pyoxigraph, but the text is also
checked with them processed, so neither reading lets SERVICE or a foreign graph through.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .http import HTTPError

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})

_PN_CHARS_BASE = (
    "A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
    "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL = (f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})"
             f"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?")
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\\\"']"

_TOKENS = [
    ("ws", r"[ \t\r\n]+"),
    ("comment", r"#[^\r\n]*"),
    ("string", rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''"),
    ("string", rf'"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*"""'),
    ("string", rf"'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'"),
    ("string", rf'"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*"'),
    ("iri", rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>"),
    ("var", rf"[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"),
    ("bnode", rf"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
    ("pname", rf"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("number", r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"),
    ("word", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("punct", r"\^\^|<<\(|\)>>|<<|>>|\|\||&&|!=|<=|>=|[{}()\[\].,;*+\-/=<>!|^?]"),
]
_LEXER = re.compile("|".join(f"(?P<{kind}{i}>{rx})" for i, (kind, rx) in enumerate(_TOKENS)))
_KIND = {f"{kind}{i}": kind for i, (kind, _) in enumerate(_TOKENS)}
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Token(NamedTuple):
    """A token (a named tuple: a query has hundreds, and every request is read)."""

    kind: str
    text: str
    start: int

    @property
    def keyword(self) -> str | None:
        return self.text.upper() if self.kind == "word" else None


@dataclass(frozen=True)
class Dataset:
    """A graph named by a dataset clause of the text (FROM, FROM NAMED, USING, USING NAMED, WITH)."""

    clause: str
    iri: str
    offset: int


@dataclass
class Analysis:
    """What the lexer read from a query or update."""

    text: str
    tokens: list[Token]
    kind: str  # "query" | "update" | "unknown"
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE (queries)
    base: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)
    datasets: list[Dataset] = field(default_factory=list)
    service: list[int] = field(default_factory=list)  # offsets of SERVICE keywords
    load: list[int] = field(default_factory=list)  # offsets of LOAD keywords (updates)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


class LexError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def tokenize(text: str) -> list[Token]:
    """The SPARQL tokens of ``text`` (whitespace and comments dropped); LexError where none matches."""
    tokens: list[Token] = []
    pos = 0
    for m in _LEXER.finditer(text):  # finditer skips what no token matches: a gap is the error
        if m.start() != pos or m.end() == pos:
            break
        kind = _KIND[m.lastgroup]  # type: ignore[index]
        if kind != "ws" and kind != "comment":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    if pos < len(text):
        raise LexError(f"unexpected character {text[pos]!r}", pos)
    return tokens


def _iri_value(token: Token, analysis: Analysis) -> str | None:
    """The absolute IRI a token names (IRI or prefixed name), or None if it names none."""
    if token.kind == "iri":
        value = _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.text[1:-1])
        if analysis.base and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", value):
            from urllib.parse import urljoin

            return urljoin(analysis.base, value)
        return value
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        ns = analysis.prefixes.get(prefix)
        if ns is None:
            return None
        local = re.sub(r"\\(.)", r"\1", local)
        return ns + local
    return None


def analyse(text: str) -> Analysis:
    """Read the prologue, the form and every dataset clause, SERVICE and LOAD of a query or update."""
    tokens = tokenize(text)
    analysis = Analysis(text=text, tokens=tokens, kind="unknown", form=None)
    i = 0
    # prologue: BASE <iri> | PREFIX pname: <iri>
    while i < len(tokens) and tokens[i].keyword in ("BASE", "PREFIX"):
        if tokens[i].keyword == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            analysis.base = _iri_value(tokens[i + 1], analysis)
            i += 2
        elif (tokens[i].keyword == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1].kind == "pname"
              and tokens[i + 1].text.endswith(":") and tokens[i + 2].kind == "iri"):
            analysis.prefixes[tokens[i + 1].text[:-1]] = _iri_value(tokens[i + 2], analysis) or ""
            i += 3
        else:
            break
    first = tokens[i].keyword if i < len(tokens) else None
    if first in QUERY_FORMS:
        analysis.kind, analysis.form = "query", first
    elif first in UPDATE_KEYWORDS or first in ("BASE", "PREFIX"):
        analysis.kind = "update"
    for j, token in enumerate(tokens):
        kw = token.keyword
        if kw is None:
            continue
        # an update may declare more prefixes between operations
        if kw == "PREFIX" and j + 2 < len(tokens) and tokens[j + 1].kind == "pname" and tokens[j + 2].kind == "iri":
            analysis.prefixes[tokens[j + 1].text[:-1]] = _iri_value(tokens[j + 2], analysis) or ""
        elif kw == "BASE" and j + 1 < len(tokens) and tokens[j + 1].kind == "iri":
            analysis.base = _iri_value(tokens[j + 1], analysis)
        elif kw == "SERVICE":
            analysis.service.append(token.start)
        elif kw == "LOAD":
            analysis.load.append(token.start)
        elif kw in ("FROM", "USING", "WITH"):
            k = j + 1
            clause = kw
            if kw != "WITH" and k < len(tokens) and tokens[k].keyword == "NAMED":
                clause, k = f"{kw} NAMED", k + 1
            if k < len(tokens):
                iri = _iri_value(tokens[k], analysis)
                if iri is not None:
                    analysis.datasets.append(Dataset(clause, iri, tokens[k].start))
                elif tokens[k].kind in ("iri", "pname"):
                    # an undeclared prefix: the parser will refuse it; never let it through unchecked
                    analysis.datasets.append(Dataset(clause, tokens[k].text, tokens[k].start))
    return analysis


def _unescaped(text: str) -> str:
    return _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


@dataclass(frozen=True)
class Checked:
    """A request that passed the checks: what it is and (for updates) the text to run."""

    kind: str  # "query" | "update"
    form: str | None
    text: str
    #: the query names its own dataset (FROM / FROM NAMED)
    own_dataset: bool = False


def check(
    text: str,
    *,
    operation: str,
    graphs: Collection[str],
    protocol_default: Sequence[str] = (),
    protocol_named: Sequence[str] = (),
    allow_update: bool = False,
) -> Checked:
    """Refuse what must never be evaluated; raise :class:`HTTPError` with the JSON error shape.

    ``operation`` is what the protocol request claims (``query`` or ``update``); ``graphs`` the
    store's named graphs; ``protocol_default`` / ``protocol_named`` the default-graph-uri /
    named-graph-uri (or using-graph-uri / using-named-graph-uri) parameters.
    """
    readings = [text]
    if _CODEPOINT.search(text):
        readings.append(_unescaped(text))
    analyses: list[Analysis] = []
    unreadable: tuple[str, LexError] | None = None
    for reading in readings:
        try:
            analyses.append(analyse(reading))
        except LexError as e:
            if reading is text:
                unreadable = (reading, e)
    # refusals first, from every reading the lexer could read
    _refuse(analyses, operation=operation, graphs=graphs, allow_update=allow_update)
    if unreadable is not None:
        reading, lex_error = unreadable
        line, column = position(reading, lex_error.offset)
        raise HTTPError(400, "malformed-query", f"cannot read the {operation}: {lex_error} at line {line}, "
                        f"column {column}",
                        message_zh=f"无法读取 SPARQL 文本：第 {line} 行第 {column} 列有非法字符",
                        position=(line, column))
    main = analyses[0]
    if operation == "query" and main.kind == "update":
        raise HTTPError(400, "malformed-query", "an update was sent as a query; send it as `update`",
                        message_zh="这是 SPARQL Update，不是查询")
    if operation == "query":
        for param, iris in (("default-graph-uri", protocol_default), ("named-graph-uri", protocol_named)):
            for iri in iris:
                if iri not in graphs:
                    raise HTTPError(403, "dataset-refused",
                                    f"{param}={iri}: the endpoint only queries its own graphs")
        return Checked("query", main.form, text,
                       own_dataset=any(d.clause in ("FROM", "FROM NAMED") for d in main.datasets))
    # an enabled update: USING / WITH may name new graphs of the in-memory copy (nothing is fetched)
    if (protocol_default or protocol_named) and any(
            d.clause in ("USING", "USING NAMED", "WITH") for d in main.datasets):
        raise HTTPError(400, "bad-request", "using-graph-uri / using-named-graph-uri cannot be combined "
                        "with USING or WITH in the update")
    rewritten = with_using(main, protocol_default, protocol_named) if (protocol_default or protocol_named) else text
    return Checked("update", None, rewritten)


def _refuse(analyses: Sequence[Analysis], *, operation: str, graphs: Collection[str], allow_update: bool) -> None:
    if not allow_update and (operation == "update" or any(a.kind == "update" for a in analyses)):
        raise HTTPError(403, "read-only", "this endpoint is read-only: SPARQL Update is not accepted")
    for a in analyses:
        if a.service:
            raise HTTPError(403, "service-refused", "SERVICE (federated query) is not allowed on this endpoint",
                            position=position(a.text, a.service[0]))
        if a.load:
            raise HTTPError(403, "forbidden", "LOAD is not allowed on this endpoint (it would fetch from the web)",
                            message_zh="不允许 LOAD（会从网络获取数据）", position=position(a.text, a.load[0]))
    if operation == "query":
        known = set(graphs)
        for a in analyses:
            for d in a.datasets:
                if d.clause.startswith("FROM") and d.iri not in known:
                    raise HTTPError(403, "dataset-refused",
                                    f"{d.clause} <{d.iri}>: the endpoint only queries its own graphs "
                                    f"(list them with SELECT DISTINCT ?g {{ GRAPH ?g {{}} }})",
                                    position=position(a.text, d.offset))


def with_using(analysis: Analysis, default: Sequence[str], named: Sequence[str]) -> str:
    """The update with the protocol's using-graph-uri / using-named-graph-uri as USING clauses of
    every DELETE/INSERT … WHERE operation (SPARQL 1.1 Protocol §2.2.3), inserted before its WHERE."""
    clauses = "".join(f"USING <{g}> " for g in default) + "".join(f"USING NAMED <{g}> " for g in named)
    tokens, text = analysis.tokens, analysis.text
    inserts: list[int] = []
    depth = 0
    in_modify = False
    for j, token in enumerate(tokens):
        kw = token.keyword
        if token.text in ("{", "(", "["):
            depth += 1
        elif token.text in ("}", ")", "]"):
            depth -= 1
        elif depth == 0 and token.text == ";":
            in_modify = False
        elif depth == 0 and kw in ("INSERT", "DELETE") and not in_modify:
            nxt = tokens[j + 1].keyword if j + 1 < len(tokens) else None
            in_modify = nxt not in ("DATA", "WHERE")
        elif depth == 0 and kw == "WHERE" and in_modify:
            inserts.append(token.start)
            in_modify = False
    for offset in reversed(inserts):
        text = text[:offset] + clauses + text[offset:]
    return text
