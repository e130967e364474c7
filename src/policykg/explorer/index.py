"""What the explorer knows about every resource without asking again: labels, types, numbers, parts.

Loaded once (a handful of queries, a few thousand rows) on the first request and kept for the life of
the server: the store is read-only. With ``--allow-update`` (an in-memory copy that updates change)
the index is reloaded for every page instead.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..ingest.numerals import int_to_chinese
from ..namespaces import BASE, DOC, ELI, ID, ORG, OWL, PK, PREFIXES, RDF, RDFS, SH, SKOS
from .data import Node, Queries

_PK = str(PK)
_ELI = str(ELI)
_SKOS = str(SKOS)

#: views of a resource, chosen from its types (first match wins)
KIND_BY_TYPE: tuple[tuple[str, str], ...] = (
    (_PK + "Article", "article"),
    (_PK + "Chapter", "chapter"),
    (_PK + "NonCumulationGroup", "group"),
    (_PK + "Benefit", "benefit"),
    (_PK + "Duty", "duty"),
    (_PK + "Rule", "rule"),
    (_PK + "Measure", "measure"),
    (_PK + "Quantity", "quantity"),
    (_PK + "QuantityMention", "mention"),
    (_PK + "TemporalMention", "mention"),
    (_PK + "SizeClassRule", "size-rule"),
    (_PK + "SizeThreshold", "size-rule"),
    (str(ORG.Organization), "agency"),
    (_ELI + "LegalResourceSubdivision", "subdivision"),
    (_ELI + "LegalResource", "document"),
    (_SKOS + "ConceptScheme", "scheme"),
    (_SKOS + "Concept", "concept"),
    (str(SH.NodeShape), "shape"),
    (str(SH.PropertyShape), "shape"),
    (str(OWL.Ontology), "ontology"),
    (str(OWL.Class), "class"),
    (str(RDFS.Class), "class"),
    (str(OWL.ObjectProperty), "property"),
    (str(OWL.DatatypeProperty), "property"),
    (str(OWL.AnnotationProperty), "property"),
    (str(RDF.Property), "property"),
)

#: how the kinds are named on pages (zh, en)
KIND_NAMES: dict[str, tuple[str, str]] = {
    "article": ("条款", "article"),
    "chapter": ("章", "chapter"),
    "group": ("不重复享受组", "non-cumulation group"),
    "benefit": ("优惠", "benefit"),
    "duty": ("职责", "duty"),
    "rule": ("规则", "rule"),
    "measure": ("措施", "measure"),
    "quantity": ("数量", "quantity"),
    "mention": ("文本提及", "text mention"),
    "size-rule": ("划型标准", "size-class rule"),
    "agency": ("部门", "agency"),
    "subdivision": ("部分", "subdivision"),
    "document": ("文件", "document"),
    "scheme": ("概念体系", "concept scheme"),
    "concept": ("概念", "concept"),
    "shape": ("SHACL 形状", "SHACL shape"),
    "ontology": ("本体", "ontology"),
    "class": ("类", "class"),
    "property": ("属性", "property"),
    "graph": ("命名图", "named graph"),
    "resource": ("资源", "resource"),
}


@dataclass(frozen=True)
class Label:
    """A resource's name in Chinese and English (either may be missing, never both)."""

    zh: str | None
    en: str | None

    @property
    def text(self) -> str:
        """Both names, zh first: "市财政局 · Qingdao Municipal Finance Bureau"."""
        if self.zh and self.en and self.zh != self.en:
            return f"{self.zh} · {self.en}"
        return self.zh or self.en or ""

    @property
    def first(self) -> str:
        return self.zh or self.en or ""


def curie(iri: str) -> str:
    """``pk:Article`` for a term of a known namespace (the longest matching prefix), else the IRI."""
    best = ""
    name = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, name = ns, prefix
    if best and iri[len(best):]:
        return f"{name}:{iri[len(best):]}"
    return iri


def is_local(iri: str) -> bool:
    """True for IRIs this server dereferences (everything under https://w3id.org/policykg/)."""
    return iri.startswith(BASE)


@dataclass
class Index:
    """Labels, types, structural statements and the class hierarchy of every resource."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    props: dict[str, dict[str, list[Node]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    #: class -> every superclass (transitive, excluding itself)
    ancestors: dict[str, set[str]] = field(default_factory=dict)
    #: named graph IRI -> triples
    graphs: dict[str, int] = field(default_factory=dict)

    @classmethod
    async def load(cls, queries: Queries) -> Index:
        labels, types, structure, graphs = await asyncio.gather(
            queries.select("labels"), queries.select("types"), queries.select("structure"), queries.select("graphs"))
        index = cls()
        preference = {str(SKOS.prefLabel): 0, str(ELI.title): 1, str(RDFS.label): 2}
        ranked: dict[tuple[str, str], tuple[int, str]] = {}
        for row in labels:
            s, p, label = row["s"].value, row["p"].value, row["label"]
            lang = (label.lang or "").split("-")[0].lower()
            if lang not in ("zh", "en"):
                lang = "en" if label.value.isascii() else "zh"
            key = (s, lang)
            rank = (preference.get(p, 9), label.value)
            if key not in ranked or rank < ranked[key]:
                ranked[key] = rank
        for (s, lang), (_, text) in ranked.items():
            index.labels.setdefault(s, {})[lang] = text
        for row in types:
            index.types[row["s"].value].add(row["type"].value)
        for row in structure:
            index.props[row["s"].value][row["p"].value].append(row["o"])
        for props in index.props.values():
            for values in props.values():
                values.sort()
        index.ancestors = _closure(index.props)
        index.graphs = {row["g"].value: row["triples"].as_int() for row in graphs}
        return index

    # --- facts ---------------------------------------------------------------------------------

    def value(self, iri: str, prop: str) -> Node | None:
        values = self.props.get(iri, {}).get(prop)
        return values[0] if values else None

    def values(self, iri: str, prop: str) -> list[Node]:
        return list(self.props.get(iri, {}).get(prop, ()))

    def known(self, iri: str) -> bool:
        return iri in self.types or iri in self.labels or iri in self.props or iri in self.graphs

    def is_a(self, iri: str, cls: str) -> bool:
        """True when ``iri`` has type ``cls`` or a subclass of it."""
        return any(t == cls or cls in self.ancestors.get(t, ()) for t in self.types.get(iri, ()))

    def instances(self, cls: str) -> list[str]:
        return sorted(i for i in self.types if self.is_a(i, cls))

    def kind(self, iri: str) -> str:
        if iri in self.graphs:
            return "graph"
        for cls, kind in KIND_BY_TYPE:
            if self.is_a(iri, cls):
                return kind
        return "resource"

    def specific_types(self, iri: str) -> list[str]:
        """The most specific classes of a resource (no other type of it is their subclass)."""
        types = self.types.get(iri, set())
        return sorted(t for t in types if not any(t in self.ancestors.get(o, ()) for o in types if o != t))

    def ordinal(self, iri: str) -> int:
        node = self.value(iri, _PK + "ordinal")
        if node is not None:
            return node.as_int(10**9)
        node = self.value(iri, _ELI + "number")
        return node.as_int(10**9) if node is not None else 10**9

    def document_of(self, iri: str) -> str | None:
        """The document an article, chapter, measure or quantity belongs to."""
        for _ in range(4):
            if self.kind(iri) == "document":
                return iri
            nxt = (self.value(iri, _PK + "document") or self.value(iri, _PK + "sourceArticle")
                   or self.value(iri, _PK + "sourceDocument") or self.value(iri, _ELI + "is_part_of"))
            if nxt is None:
                return None
            iri = nxt.value
        return None

    def article_of(self, iri: str) -> str | None:
        node = self.value(iri, _PK + "sourceArticle")
        return node.value if node else None

    # --- names ---------------------------------------------------------------------------------

    def label(self, iri: str) -> Label:
        """The name of a resource as pages show it."""
        kind = self.kind(iri)
        own = self.labels.get(iri, {})
        number = self.value(iri, _ELI + "number")
        if kind == "article" and number is not None:
            zh = f"第{int_to_chinese(int(number.value))}条" if number.value.isdigit() else f"第{number.value}条"
            return Label(zh, f"Article {number.value}")
        if kind == "chapter" and number is not None:
            n = number.value
            zh = f"第{int_to_chinese(int(n))}章" if n.isdigit() else f"第{n}章"
            title = own.get("zh")
            return Label(f"{zh} {title}" if title else zh, f"Chapter {n}" + (f" {own['en']}" if own.get("en") else ""))
        if kind == "document":
            id_local = self.value(iri, _ELI + "id_local")
            if id_local is not None:
                return Label(id_local.value, own.get("en"))
        if own:
            return Label(own.get("zh"), own.get("en"))
        applies = self.values(iri, _PK + "appliesTo")
        if applies:  # a quantity without a label: what it measures
            by_lang = {(n.lang or "").split("-")[0]: n.value for n in applies}
            if by_lang.get("zh") or by_lang.get("en"):
                return Label(by_lang.get("zh"), by_lang.get("en"))
        surface = self.value(iri, _PK + "surfaceText")
        if surface is not None:
            return Label(f"“{surface.value}”", None)
        return Label(None, self.fallback(iri))

    def fallback(self, iri: str) -> str:
        """A name from the IRI itself: a compact name for our own IRIs, the IRI for others."""
        if iri.startswith(str(DOC)):
            rest = iri[len(str(DOC)):]
            return rest if rest.count("/") < 3 else rest.rsplit("/", 1)[-1]
        if iri.startswith(str(ID)):
            return iri[len(str(ID)):]
        return curie(iri)

    def citation(self, iri: str) -> Label:
        """An article or chapter named with its document: "青政发〔2012〕46号第五条"."""
        own = self.label(iri)
        doc = self.document_of(iri)
        if doc is None or doc == iri or self.kind(iri) not in ("article", "chapter"):
            return own
        d = self.label(doc)
        return Label(f"{d.zh or d.en}{own.zh}" if own.zh else None,
                     f"{own.en}, {d.zh or d.en}" if own.en else None)


def _closure(props: dict[str, dict[str, list[Node]]]) -> dict[str, set[str]]:
    sub = str(RDFS.subClassOf)
    parents: dict[str, set[str]] = {s: {n.value for n in p.get(sub, ()) if n.is_iri} for s, p in props.items()}
    out: dict[str, set[str]] = {}

    def up(c: str, seen: set[str]) -> set[str]:
        if c in out:
            return out[c]
        acc: set[str] = set()
        for p in parents.get(c, ()):
            if p in seen:
                continue
            acc.add(p)
            acc |= up(p, seen | {p})
        out[c] = acc
        return acc

    for c in list(parents):
        up(c, {c})
    return out


def sort_by_order(index: Index, iris: Iterable[str]) -> list[str]:
    """Resources in document order (document, then ordinal / number), others by name."""
    def key(iri: str) -> tuple[str, int, str]:
        return (index.document_of(iri) or "~", index.ordinal(iri), index.label(iri).first)

    return sorted(set(iris), key=key)
