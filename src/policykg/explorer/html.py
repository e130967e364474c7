"""Turning RDF terms into safe HTML: every value from the data is escaped, only http(s) IRIs become
links, and the IRIs the server dereferences link to their local page.

URL scheme: an IRI under ``https://w3id.org/policykg/`` is served at the same path on this server
(``…/id/doc/x`` → ``/id/doc/x``); a hash IRI ``…/ontology#Article`` has its own page at
``/ontology/Article`` (and an anchor ``#Article`` on ``/ontology``, where the IRI itself leads).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from markupsafe import Markup, escape

from ..namespaces import BASE, XSD
from .data import Node, Statement
from .index import Index, Label, curie

_SAFE = "/-._~!$&'()*+,;=:@"
_XSD = str(XSD)


def href(iri: str) -> str | None:
    """The local URL of an IRI this server dereferences, else None."""
    if not iri.startswith(BASE):
        return None
    rest = iri[len(BASE):]
    if "#" in rest:
        ns, frag = rest.split("#", 1)
        if not frag:
            return "/" + quote(ns, safe=_SAFE)
        return "/" + quote(ns, safe=_SAFE) + "/" + quote(frag, safe=_SAFE.replace("/", ""))
    return "/" + quote(rest, safe=_SAFE)


def candidates(path: str) -> list[str]:
    """The IRIs a local path may stand for, most likely first (see :func:`href`)."""
    rest = path.lstrip("/")
    out = [BASE + rest]
    if "/" in rest:
        head, last = rest.rsplit("/", 1)
        out.append(f"{BASE}{head}#{last}")
    out.append(BASE + rest + "#")
    return out


def is_web_iri(iri: str) -> bool:
    return bool(re.match(r"^https?://", iri, re.IGNORECASE))


def label_html(label: Label, *, cls: str = "") -> Markup:
    """A bilingual name, zh first: <span lang=zh>…</span> <span class=en lang=en>…</span>."""
    parts = []
    if label.zh:
        parts.append(Markup('<span lang="zh">{}</span>').format(label.zh))
    if label.en and label.en != label.zh:
        parts.append(Markup('<span class="en" lang="en">{}</span>').format(label.en))
    inner = Markup(" ").join(parts)
    return Markup('<span class="{}">{}</span>').format(cls, inner) if cls else inner


class Html:
    """HTML fragments for the templates, over the index's labels."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def link(self, iri: str, label: Label | None = None, *, cite: bool = False) -> Markup:
        """A link to a resource, named with its label (an article with its document when ``cite``)."""
        if label is None:
            label = self.index.citation(iri) if cite else self.index.label(iri)
        text = label_html(label)
        local = href(iri)
        if local is not None:
            return Markup('<a href="{}" title="{}">{}</a>').format(local, iri, text)
        if is_web_iri(iri):
            return Markup('<a class="external" href="{}" rel="nofollow">{}</a>').format(iri, text)
        return Markup('<span class="iri">{}</span>').format(text)

    def literal(self, node: Node) -> Markup:
        value = node.value
        if node.datatype == _XSD + "boolean":
            value = {"true": "是 true", "false": "否 false"}.get(value, value)
        if node.lang:
            return Markup('<span class="literal" lang="{}">{}</span>').format(node.lang, value)
        if node.datatype and node.datatype not in (_XSD + "string",):
            return Markup('<span class="literal" title="{}">{}</span>').format(curie(node.datatype), value)
        return Markup('<span class="literal">{}</span>').format(value)

    def term(self, node: Node, bnodes: Mapping[str, list[Statement]] | None = None, depth: int = 0) -> Markup:
        """Any term: a link, a literal, or a blank node shown inline (lists as lists)."""
        if node.is_iri:
            return self.link(node.value)
        if node.is_literal:
            return self.literal(node)
        if bnodes is None or depth > 6 or node.value not in bnodes:
            return Markup('<span class="bnode">[…]</span>')
        items = rdf_list(node, bnodes)
        if items is not None:
            inner = Markup("").join(Markup("<li>{}</li>").format(self.term(i, bnodes, depth + 1)) for i in items)
            return Markup('<ol class="rdf-list">{}</ol>').format(inner)
        rows = Markup("").join(
            Markup("<li>{} {}</li>").format(self.link(s.predicate.value), self.term(s.object, bnodes, depth + 1))
            for s in bnodes[node.value])
        return Markup('<ul class="bnode">{}</ul>').format(rows)

    def terms(self, nodes: Iterable[Node], sep: str = "、") -> Markup:
        return Markup(sep).join(self.term(n) for n in nodes)

    def kind_name(self, kind: str) -> Markup:
        from .index import KIND_NAMES

        zh, en = KIND_NAMES.get(kind, KIND_NAMES["resource"])
        return label_html(Label(zh, en))


def rdf_list(node: Node, bnodes: Mapping[str, list[Statement]]) -> list[Node] | None:
    """The members of an RDF list starting at a blank node, or None if it is not a well-formed list."""
    from ..namespaces import RDF

    first, rest, nil = str(RDF.first), str(RDF.rest), str(RDF.nil)
    items: list[Node] = []
    seen: set[str] = set()
    current = node
    while True:
        if current.is_iri and current.value == nil:
            return items
        if current.kind != "bnode" or current.value in seen or current.value not in bnodes:
            return None
        seen.add(current.value)
        props = {s.predicate.value: s.object for s in bnodes[current.value]}
        if set(props) != {first, rest}:
            return None
        items.append(props[first])
        current = props[rest]


def highlight(text: str, needle: str) -> Markup:
    """``text`` escaped, with every case-insensitive occurrence of ``needle`` in <mark>."""
    if not needle:
        return Markup(escape(text))
    out = []
    lower, n = text.lower(), needle.lower()
    i = 0
    while True:
        j = lower.find(n, i)
        if j < 0:
            out.append(escape(text[i:]))
            break
        out.append(escape(text[i:j]))
        out.append(Markup("<mark>{}</mark>").format(text[j:j + len(needle)]))
        i = j + len(needle)
    return Markup("").join(out)


def excerpt(text: str, needle: str, width: int = 60) -> str:
    """A window of ``text`` around the first occurrence of ``needle``."""
    j = text.lower().find(needle.lower()) if needle else -1
    if j < 0 or len(text) <= 2 * width + len(needle):
        return text if len(text) <= 2 * width + 40 else text[: 2 * width] + "…"
    start, end = max(0, j - width), min(len(text), j + len(needle) + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
