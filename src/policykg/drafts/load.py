"""Read a draft: a policy text through the ingester, or a Turtle file as it is.

The draft becomes an rdflib graph of its own. A text draft's document, chapters, articles and
mentions are renamed under ``DRAFT/{sha1 of the file}`` so that they never share an IRI with the
corpus (a draft revising 青政发〔2012〕46号 would otherwise be minted the corpus document's IRI);
cited documents keep their corpus IRIs, which is how a reference points into the corpus. Nothing is
ever written to the store.

Unusable input is a :class:`~policykg.errors.LoadError` (exit code 2) with ``file:line``: a missing
file, a file that is not UTF-8, a text with no title or no article, Turtle that does not parse, a
Turtle file that describes no document or several.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from ..errors import LoadError
from ..ingest import IngestedDocument, Registry, ingest_text, to_graph
from ..namespaces import DRAFT, ELI, PK, PREFIXES

__all__ = ["TEXT_SUFFIXES", "TURTLE_SUFFIXES", "Draft", "DraftArticle", "load_draft"]

TEXT_SUFFIXES = (".txt", ".text")
TURTLE_SUFFIXES = (".ttl", ".turtle")


@dataclass(frozen=True)
class DraftArticle:
    """An article of the draft as the checks and reports see it (text or Turtle drafts alike)."""

    iri: str
    #: "3" (or "2.3" where numbering restarts in each chapter)
    number: str
    #: the label as written ("(三)", "第三条"), else the number
    label: str
    text: str
    #: 1-based source line of a text draft, None for Turtle
    line: int | None


@dataclass(frozen=True)
class Draft:
    """A draft as read, with its own RDF graph."""

    path: Path
    #: the text as read (None for Turtle drafts)
    text: str | None
    #: what the ingester read (None for Turtle drafts)
    document: IngestedDocument | None
    #: the draft's RDF: the ingester's graph (renamed, see the module doc) or the Turtle as given
    graph: Graph
    #: the draft document's IRI in ``graph``
    iri: str
    title: str | None
    document_number: str | None
    #: the draft's own date: its entry into force, else its document date, if it states one
    date: date | None
    articles: tuple[DraftArticle, ...]

    @property
    def is_text(self) -> bool:
        return self.document is not None

    def article_by_iri(self, iri: str) -> DraftArticle | None:
        return next((a for a in self.articles if a.iri == iri), None)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise LoadError("找不到草案文件 / no such draft file", location=str(path)) from None
    except IsADirectoryError:
        raise LoadError("草案路径是目录而不是文件 / the draft path is a folder, not a file", location=str(path)) from None
    except OSError as e:
        raise LoadError(f"无法读取草案文件 / cannot read the draft file: {e.strerror or e}", location=str(path)) from e


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise LoadError(f"草案不是有效的 UTF-8 编码(第 {e.start} 字节) / the draft is not valid UTF-8 "
                        f"(byte offset {e.start})", location=f"{path}:{line}") from None


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:12]


def _rename(graph: Graph, old: str, new: str) -> Graph:
    """``graph`` with every IRI equal to ``old`` or below ``old + "/"`` moved under ``new``."""
    below = old + "/"

    def move(term: object) -> object:
        if isinstance(term, URIRef):
            text = str(term)
            if text == old:
                return URIRef(new)
            if text.startswith(below):
                return URIRef(new + text[len(old):])
        return term

    out = Graph()
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace)
    out.bind("draft", str(DRAFT))
    for s, p, o in graph:
        out.add((move(s), p, move(o)))  # type: ignore[arg-type]
    return out


def _load_text(path: Path, data: bytes, registry: Registry | None) -> Draft:
    text = _decode(data, path)
    doc = ingest_text(text, source=str(path), registry=registry)
    iri = str(DRAFT[_digest(data)])
    graph = _rename(to_graph(doc), doc.iri, iri)
    articles = tuple(
        DraftArticle(iri=iri + a.iri[len(doc.iri):], number=a.number, label=a.number_label, text=a.text,
                     line=a.source_line)
        for a in doc.articles
    )
    return Draft(path=path, text=text, document=doc, graph=graph, iri=iri, title=doc.title,
                 document_number=doc.id_local, date=doc.first_date_entry_in_force or doc.date_document,
                 articles=articles)


def _parse_turtle(path: Path, text: str) -> Graph:
    # pyoxigraph first: its syntax errors name the line (rdflib's do not, reliably)
    try:
        for _ in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
            pass
    except SyntaxError as e:
        line = e.lineno or 1
        message = str(e.args[0] if e.args else e).splitlines()[0]
        raise LoadError(f"草案不是有效的 Turtle / invalid Turtle: {message}", location=f"{path}:{line}") from None
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except Exception as e:  # rdflib raises many classes; pyoxigraph accepted it, so this is rare
        line = int(getattr(e, "lines", 0)) + 1
        raise LoadError(f"草案不是有效的 Turtle / invalid Turtle: {str(e).splitlines()[0]}",
                        location=f"{path}:{line}") from None
    return graph


def _document_node(graph: Graph, path: Path) -> URIRef:
    """The one document the Turtle draft describes: a pk:PolicyDocument (not a cited one)."""
    candidates = {s for s in graph.subjects(RDF.type, PK.PolicyDocument) if isinstance(s, URIRef)}
    if not candidates:
        candidates = {s for s in graph.subjects(RDF.type, ELI.LegalResource) if isinstance(s, URIRef)}
    candidates = {c for c in candidates if (c, RDF.type, PK.UnresolvedDocument) not in graph}
    cited = {o for o in graph.objects(None, ELI.cites)} | {o for o in graph.objects(None, ELI.transposes)}
    own = {c for c in candidates if c not in cited} or candidates
    if len(own) != 1:
        found = ", ".join(sorted(str(c) for c in own)) or "none"
        raise LoadError("Turtle 草案须描述且仅描述一个文件(pk:PolicyDocument) / a Turtle draft must describe "
                        f"exactly one document (pk:PolicyDocument); found {found}", location=f"{path}:1")
    return next(iter(own))


def _zh(graph: Graph, node: URIRef, predicate: URIRef) -> str | None:
    values = sorted(graph.objects(node, predicate), key=lambda v: (getattr(v, "language", None) not in (None, "zh"), str(v)))
    return str(values[0]).strip() or None if values else None


def _date(graph: Graph, node: URIRef, predicate: URIRef) -> date | None:
    for value in graph.objects(node, predicate):
        if isinstance(value, Literal) and value.datatype == XSD.date and isinstance(value.toPython(), date):
            return value.toPython()  # type: ignore[no-any-return]
    return None


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 10**6 for p in number.split("."))


def turtle_articles(graph: Graph, document: URIRef) -> tuple[DraftArticle, ...]:
    """The articles of ``document`` in a Turtle draft: pk:Article nodes whose pk:document is the
    document (see :func:`_link_parts`), ordered by pk:ordinal, else by number."""
    found: set[URIRef] = set()
    for article in graph.subjects(RDF.type, PK.Article):
        if not isinstance(article, URIRef):
            continue
        if (article, PK.document, document) in graph:
            found.add(article)
    out = []
    for article in found:
        number = _zh(graph, article, ELI.number) or ""
        ordinal = graph.value(article, PK.ordinal)
        label = _zh(graph, article, PK.numberLabel) or number
        line = None
        out.append((
            (int(ordinal) if isinstance(ordinal, Literal) and str(ordinal).isdigit() else 10**6, _number_key(number), str(article)),
            DraftArticle(iri=str(article), number=number, label=label, text=_zh(graph, article, PK.text) or "", line=line),
        ))
    return tuple(a for _, a in sorted(out, key=lambda x: x[0]))


def _link_parts(graph: Graph, document: URIRef) -> None:
    """Give every article and chapter below ``document`` by eli:is_part_of its pk:document link
    (in the draft's graph in memory; the file is not touched)."""
    for cls in (PK.Article, PK.Chapter):
        for part in list(graph.subjects(RDF.type, cls)):
            if (part, PK.document, None) not in graph and document in set(graph.transitive_objects(part, ELI.is_part_of)):
                graph.add((part, PK.document, document))


def _load_turtle(path: Path, data: bytes) -> Draft:
    graph = _parse_turtle(path, _decode(data, path))
    node = _document_node(graph, path)
    _link_parts(graph, node)
    when = _date(graph, node, ELI.first_date_entry_in_force) or _date(graph, node, ELI.date_document)
    return Draft(path=path, text=None, document=None, graph=graph, iri=str(node), title=_zh(graph, node, ELI.title),
                 document_number=_zh(graph, node, ELI.id_local), date=when, articles=turtle_articles(graph, node))


def load_draft(path: Path, *, registry: Registry | None = None) -> Draft:
    """Read the draft at ``path``: ``.txt`` through the ingester, ``.ttl`` parsed as it is.

    ``registry`` resolves agencies and citations of a text draft (default: the shipped registry,
    data/agencies.ttl and data/documents.ttl); the checks resolve again against the store.

    Raises:
        LoadError: the file is missing, not UTF-8, has an unsupported suffix, is a text with no
            title or article (IngestError), or Turtle that does not parse or describes no document.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + TURTLE_SUFFIXES:
        raise LoadError(f"不支持的草案格式“{path.suffix or '(无后缀)'}” / unsupported draft format: use a policy text "
                        "(.txt) or Turtle (.ttl)", location=str(path))
    data = _read_bytes(path)
    if suffix in TURTLE_SUFFIXES:
        return _load_turtle(path, data)
    return _load_text(path, data, registry)
