"""What each kind of page shows, as plain data for the templates (no HTML here).

:func:`describe` gathers what every resource page has (outgoing statements with blank nodes inline,
incoming links); the ``*_view`` functions add what a document, article, agency, measure, group,
concept, scheme, shape, ontology term or named graph page shows on top.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..namespaces import DCTERMS, ELI, ORG, PK, RDF, RDFS, SH, SKOS
from .data import Node, Queries, Row, Statement, distinct
from .index import Index, sort_by_order

_PK = str(PK)
_ELI = str(ELI)
_SKOS = str(SKOS)
_SH = str(SH)
TYPE = str(RDF.type)
#: longest list a page shows (an ontology class with more instances says how many it left out)
MAX_LIST = 1000


@dataclass
class Description:
    """A resource's statements: outgoing (its concise bounded description) and incoming links."""

    iri: str
    outgoing: list[Statement]
    incoming: list[Row]
    bnodes: dict[str, list[Statement]] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return bool(self.outgoing or self.incoming)

    def objects(self, prop: str) -> list[Node]:
        return distinct(s.object for s in self.outgoing if s.subject.value == self.iri and s.predicate.value == prop)

    def first(self, prop: str, lang: str | None = None) -> Node | None:
        for o in self.objects(prop):
            if lang is None or (o.lang or "").startswith(lang):
                return o
        return None

    def text(self, prop: str, lang: str) -> str | None:
        node = self.first(prop, lang)
        return node.value if node else None

    def subjects(self, prop: str) -> list[str]:
        """IRIs linking here with ``prop`` (blank nodes left out)."""
        return [r["s"].value for r in self.incoming if r["p"].value == prop and r["s"].is_iri]

    def grouped_outgoing(self, index: Index) -> list[tuple[str, list[Node]]]:
        """(predicate, objects) of the resource itself, rdf:type and labels first, then by predicate name."""
        by: dict[str, list[Node]] = defaultdict(list)
        for s in self.outgoing:
            if s.subject.value == self.iri and s.object not in by[s.predicate.value]:
                by[s.predicate.value].append(s.object)
        first = [TYPE, str(RDFS.label), str(SKOS.prefLabel), str(ELI.title)]
        keys = sorted(by, key=lambda p: (first.index(p) if p in first else len(first), index.label(p).first, p))
        return [(p, sorted(by[p], key=lambda n: (n.lang != "zh", n.kind, index.label(n.value).first if n.is_iri else n.value)))
                for p in keys]

    def grouped_incoming(self, index: Index) -> list[tuple[str, list[str], int]]:
        """(predicate, subject IRIs in order, number of blank-node subjects left out)."""
        by: dict[str, list[str]] = defaultdict(list)
        blank: dict[str, int] = defaultdict(int)
        for r in self.incoming:
            if r["s"].is_iri:
                by[r["p"].value].append(r["s"].value)
            else:
                blank[r["p"].value] += 1
        keys = sorted(set(by) | set(blank), key=lambda p: (index.label(p).first, p))
        return [(p, sort_by_order(index, by.get(p, [])), blank.get(p, 0)) for p in keys]


async def describe(queries: Queries, iri: str) -> Description:
    outgoing, incoming = await asyncio.gather(queries.graph("search/describe", resource=iri),
                                              queries.select("incoming", resource=iri))
    bnodes: dict[str, list[Statement]] = defaultdict(list)
    for s in outgoing:
        if s.subject.kind == "bnode":
            bnodes[s.subject.value].append(s)
    return Description(iri, outgoing, incoming, dict(bnodes))


# --- kinds ---------------------------------------------------------------------------------------------

def _iris(rows: Iterable[Row], key: str) -> list[str]:
    return [r[key].value for r in rows if key in r and r[key].is_iri]


async def document_view(queries: Queries, index: Index, d: Description) -> dict[str, Any]:
    outline, kinds, rules, reasoned = await asyncio.gather(
        queries.select("document/outline", doc=d.iri), queries.select("document/article_kinds", doc=d.iri),
        queries.select("precedence", doc=d.iri), queries.select("reasoned_types", resource=d.iri))
    kind_of = {r["article"].value: r for r in kinds}
    chapters: list[dict[str, Any]] = []
    for r in outline:
        article = r["article"].value
        chapter = index.value(article, _ELI + "is_part_of")
        chapter_iri = chapter.value if chapter and index.kind(chapter.value) == "chapter" else None
        if not chapters or chapters[-1]["iri"] != chapter_iri:
            chapters.append({"iri": chapter_iri, "articles": []})
        k = kind_of.get(article, {})
        chapters[-1]["articles"].append({
            "iri": article, "agencies": r["agencies"].value if "agencies" in r else "",
            "kind": k["kind"].value if "kind" in k else None,
            "benefits": k["benefits"].as_int() if "benefits" in k else 0,
            "duties": k["duties"].as_int() if "duties" in k else 0,
        })
    return {
        "chapters": chapters,
        "articles": sum(len(c["articles"]) for c in chapters),
        "cited_by": sort_by_order(index, d.subjects(_ELI + "cites")),
        "transposed_by": d.subjects(_ELI + "transposes"),
        "restated_by": sort_by_order(index, d.subjects(_PK + "restates")),
        "measures": sort_by_order(index, d.subjects(_PK + "sourceDocument")),
        "passed": d.subjects(_ELI + "passed_by"),
        "rules": distinct(Node.iri(x) for x in _iris(rules, "rule")),
        "reasoned": _iris(reasoned, "type"),
        # what it cites anywhere (its preamble, its articles) and through the documents it cites (reasoner)
        "cites_all": sort_by_order(index, [o.value for o in d.objects(_PK + "citesTransitive") if o.is_iri]),
    }


async def article_view(queries: Queries, index: Index, d: Description) -> dict[str, Any]:
    doc = index.document_of(d.iri)
    sourced, groups, family, rules, reasoned = await asyncio.gather(
        queries.select("sourced", article=d.iri), queries.select("groups", source=d.iri),
        queries.select("family", source=d.iri),
        queries.select("precedence", doc=doc) if doc else _none(),
        queries.select("reasoned_types", resource=d.iri))
    things: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for r in sourced:
        things[r["x"].value][r["p"].value].append(r["o"])
    measures = [x for x in things if index.is_a(x, _PK + "Measure")]
    measure_views = [measure_summary(index, m, things) for m in sort_by_order(index, measures)]
    mentions = sorted((x for x in things if index.kind(x) == "mention"),
                      key=lambda x: (index.specific_types(x), index.ordinal(x)))
    conditions = sorted(x for x in things if index.kind(x) == "concept")
    siblings = [a for a in sort_by_order(index, index.instances(_PK + "Article")) if index.document_of(a) == doc]
    pos = siblings.index(d.iri) if d.iri in siblings else -1
    own_rules = {r["rule"].value for r in rules if r["article"].value == d.iri}
    return {
        "document": doc,
        "previous": siblings[pos - 1] if pos > 0 else None,
        "next": siblings[pos + 1] if 0 <= pos < len(siblings) - 1 else None,
        "measures": measure_views,
        "mentions": [{"iri": x, "props": things[x]} for x in mentions],
        "conditions": conditions,
        "cites": d.objects(_ELI + "cites"),
        "cited_by": sort_by_order(index, d.subjects(_ELI + "cites")),
        "restates": distinct(o for m in measure_views for o in m["restates"]),
        **overlaps(index, groups, family),
        "rules": [] if own_rules else distinct(Node.iri(x) for x in _iris(rules, "rule")),
        "reasoned": _iris(reasoned, "type"),
    }


async def _none() -> list[Row]:
    return []


def measure_summary(index: Index, m: str, things: dict[str, dict[str, list[Node]]]) -> dict[str, Any]:
    """A measure of an article page, from the statements of everything modelled from the article."""
    props = things.get(m, {})

    def values(p: str) -> list[Node]:
        return distinct(props.get(_PK + p, []))

    quantities = [{"iri": q.value, "props": things.get(q.value, {})} for q in values("hasQuantity")]
    return {
        "iri": m,
        "kinds": index.specific_types(m),
        "kind": index.kind(m),
        "beneficiaries": values("beneficiary"),
        "bearers": values("dutyBearer"),
        "conditions": sorted(values("conditionText"), key=lambda n: n.lang != "zh"),
        "quantities": quantities,
        "valid_from": values("validFrom"),
        "valid_until": values("validUntil"),
        "validity": sorted(values("validityText"), key=lambda n: n.lang != "zh"),
        "family": values("benefitFamily"),
        "shape": values("eligibilityShape"),
        "tax": values("taxKind"),
        "restates": values("restates"),
        "method": values("valuationMethod"),
    }


def overlaps(index: Index, groups: list[Row], family: list[Row]) -> dict[str, Any]:
    """Overlapping provisions (non-cumulation groups) and conflicts with how they are resolved.

    A member of a group resolved by ``higher-level-prevails`` (or ``later-prevails``) conflicts with
    the other members and gives way; benefits of one family that no group resolves are listed as
    unresolved candidates.
    """
    by_group: dict[str, dict[str, Any]] = {}
    for r in groups:
        g = by_group.setdefault(r["group"].value, {
            "iri": r["group"].value, "strategy": r.get("strategy"), "rule": r.get("rule"),
            "measures": [], "others": []})
        if r["measure"] not in g["measures"]:
            g["measures"].append(r["measure"])
        other = r["other"]
        if other not in g["measures"] and other not in [o["iri"] for o in g["others"]]:
            g["others"].append({"iri": other, "article": r.get("other_article"), "document": r.get("other_document")})
    for g in by_group.values():  # a member of this article is not an "other"
        g["others"] = [o for o in g["others"] if o["iri"] not in g["measures"]]
    prevailing = ("higher-level-prevails", "later-prevails")
    conflicts = [g for g in by_group.values()
                 if g["strategy"] is not None and g["strategy"].value.rsplit("/", 1)[-1] in prevailing]
    unresolved = [{"measure": r["measure"], "other": r["other"], "family": r["family"]}
                  for r in family if r.get("grouped") and r["grouped"].value == "false"]
    return {"groups": list(by_group.values()), "conflicts": conflicts, "unresolved": unresolved}


async def agency_view(queries: Queries, index: Index, d: Description) -> dict[str, Any]:
    rows = await queries.select("agency_articles", agency=d.iri)
    articles: dict[str, list[str]] = {}
    partners: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        a = r["article"].value
        articles.setdefault(a, [])
        if "other" in r:
            articles[a].append(r["other"].value)
            partners[r["other"].value].add(a)
    return {
        "articles": [(a, distinct(Node.iri(o) for o in others)) for a, others in articles.items()],
        "partners": sorted(((p, len(arts)) for p, arts in partners.items()), key=lambda x: (-x[1], index.label(x[0]).first)),
        "duties": sort_by_order(index, d.subjects(_PK + "dutyBearer")),
        "benefits": sort_by_order(index, d.subjects(_PK + "beneficiary")),
        "passed": sort_by_order(index, d.subjects(_ELI + "passed_by")),
        "parents": d.objects(str(ORG.subOrganizationOf)),
        "children": sorted(d.subjects(str(ORG.subOrganizationOf)), key=lambda x: index.label(x).first),
    }


async def measure_view(queries: Queries, index: Index, d: Description) -> dict[str, Any]:
    shapes = d.objects(_PK + "eligibilityShape")
    article = index.article_of(d.iri)
    q_rows, groups, family = await asyncio.gather(
        queries.select("quantities", measure=d.iri), queries.select("groups", source=d.iri),
        queries.select("family", source=d.iri))
    article_d = await describe(queries, article) if article else None
    shape_graphs = await asyncio.gather(*(queries.graph("shape", shape=s.value) for s in shapes if s.is_iri))
    things: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for s in d.outgoing:
        if s.subject.value == d.iri:
            things[d.iri][s.predicate.value].append(s.object)
    for r in q_rows:
        things[r["q"].value][r["p"].value].append(r["o"])
    doc = index.document_of(d.iri)
    return {
        "summary": measure_summary(index, d.iri, things),
        "article": article,
        "article_text": article_d.first(_PK + "text", "zh") if article_d else None,
        "document": doc,
        "conditions": [shape_conditions(g, s.value) for s, g in zip([s for s in shapes if s.is_iri], shape_graphs)],
        "base": d.objects(_PK + "valuationBase"),
        "notes": sorted(d.objects(_PK + "valuationNote"), key=lambda n: n.lang != "zh"),
        "comment": sorted(d.objects(str(RDFS.comment)), key=lambda n: n.lang != "zh"),
        "source_note": d.objects(_PK + "sourceNote"),
        **overlaps(index, groups, family),
    }


# --- SHACL conditions -------------------------------------------------------------------------------

@dataclass
class Condition:
    """One property shape (or a logical combination) of an eligibility shape, ready to show."""

    iri: Node
    path: Node | None = None
    constraints: list[tuple[str, list[Node]]] = field(default_factory=list)
    messages: list[Node] = field(default_factory=list)
    comment: list[Node] = field(default_factory=list)
    any_of: list[Condition] = field(default_factory=list)
    all_of: list[Condition] = field(default_factory=list)
    none_of: list[Condition] = field(default_factory=list)
    qualified: Condition | None = None


#: SHACL constraint parameters shown on a condition, with how they read (zh, en)
CONSTRAINTS: dict[str, tuple[str, str]] = {
    "minCount": ("至少", "at least (values)"),
    "maxCount": ("至多", "at most (values)"),
    "in": ("取值之一", "one of"),
    "hasValue": ("取值", "has value"),
    "minInclusive": ("≥", "≥"),
    "minExclusive": (">", ">"),
    "maxInclusive": ("≤", "≤"),
    "maxExclusive": ("<", "<"),
    "datatype": ("数据类型", "datatype"),
    "class": ("类", "class"),
    "nodeKind": ("节点类型", "node kind"),
    "pattern": ("模式", "pattern"),
    "minLength": ("最短", "minimum length"),
    "qualifiedMinCount": ("至少满足", "at least (qualified)"),
    "qualifiedMaxCount": ("至多满足", "at most (qualified)"),
    "lessThanOrEquals": ("不大于", "≤ the value of"),
}


def shape_conditions(graph: list[Statement], shape: str) -> Condition:
    """The conditions of a node shape from its closure (``shape.rq``): property shapes, sh:or / sh:and /
    sh:not alternatives and qualified value shapes, with their constraints and bilingual messages."""
    by: dict[Node, list[Statement]] = defaultdict(list)
    for s in graph:
        by[s.subject].append(s)

    def objs(node: Node, local: str) -> list[Node]:
        return [s.object for s in by.get(node, []) if s.predicate.value == _SH + local]

    def members(node: Node) -> list[Node]:
        out: list[Node] = []
        seen: set[Node] = set()
        while node.kind == "bnode" and node not in seen:
            seen.add(node)
            first = [s.object for s in by.get(node, []) if s.predicate.value == str(RDF.first)]
            rest = [s.object for s in by.get(node, []) if s.predicate.value == str(RDF.rest)]
            if not first or not rest:
                break
            out.append(first[0])
            node = rest[0]
        return out

    def build(node: Node, depth: int = 0) -> Condition:
        c = Condition(node)
        if depth > 8:
            return c
        paths = objs(node, "path")
        c.path = paths[0] if paths else None
        for local in CONSTRAINTS:
            values = objs(node, local)
            if local == "in":
                values = [m for v in values for m in members(v)]
            if values:
                c.constraints.append((local, values))
        c.messages = sorted(objs(node, "message"), key=lambda n: n.lang != "zh")
        c.comment = [s.object for s in by.get(node, []) if s.predicate.value == str(RDFS.comment)]
        for local, target in (("or", c.any_of), ("and", c.all_of), ("xone", c.any_of)):
            for lst in objs(node, local):
                target.extend(build(m, depth + 1) for m in members(lst))
        for n in objs(node, "not"):
            c.none_of.append(build(n, depth + 1))
        for q in objs(node, "qualifiedValueShape"):
            c.qualified = build(q, depth + 1)
        for p in objs(node, "property"):
            c.all_of.append(build(p, depth + 1))
        return c

    return build(Node.iri(shape))


async def shape_view(queries: Queries, index: Index, d: Description) -> dict[str, Any]:
    graph = await queries.graph("shape", shape=d.iri)
    return {"condition": shape_conditions(graph, d.iri),
            "benefits": sort_by_order(index, d.subjects(_PK + "eligibilityShape")),
            "parents": d.subjects(_SH + "property")}


async def group_view(queries: Queries, index: Index, d: Description) -> dict[str, Any]:
    members = [m.value for m in d.objects(_PK + "member") if m.is_iri]
    return {
        "members": sort_by_order(index, members),
        "strategy": d.objects(_PK + "resolutionStrategy"),
        "rule": d.objects(_PK + "sourceArticle"),
        "comment": sorted(d.objects(str(RDFS.comment)), key=lambda n: n.lang != "zh"),
    }


async def concept_view(queries: Queries, index: Index, d: Description) -> dict[str, Any]:
    used: dict[str, list[str]] = defaultdict(list)
    skip = {_SKOS + "broader", _SKOS + "inScheme", _SKOS + "topConceptOf", _SKOS + "hasTopConcept"}
    for p, subjects, _ in d.grouped_incoming(index):
        if p not in skip and subjects:
            used[p] = subjects
    return {
        "definition": sorted(d.objects(_SKOS + "definition"), key=lambda n: n.lang != "zh"),
        "alt": d.objects(_SKOS + "altLabel"),
        "schemes": d.objects(_SKOS + "inScheme"),
        "broader": d.objects(_SKOS + "broader"),
        "narrower": sorted(d.subjects(_SKOS + "broader"), key=lambda x: index.label(x).first),
        "matches": d.objects(_SKOS + "exactMatch") + d.objects(_SKOS + "closeMatch"),
        "notation": d.objects(_SKOS + "notation"),
        "used": sorted(used.items(), key=lambda kv: index.label(kv[0]).first),
    }


async def scheme_view(queries: Queries, index: Index, d: Description) -> dict[str, Any]:
    rows = await queries.select("scheme_members", scheme=d.iri)
    concepts = distinct(Node.iri(r["concept"].value) for r in rows)
    broader: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if "broader" in r and r["broader"].is_iri:
            broader[r["concept"].value].append(r["broader"].value)
    members = {c.value for c in concepts}
    children: dict[str | None, list[str]] = defaultdict(list)
    for c in concepts:
        parents: list[str | None] = [b for b in broader.get(c.value, []) if b in members]
        for p in parents or [None]:
            children[p].append(c.value)

    def tree(parent: str | None, seen: frozenset[str]) -> list[dict[str, Any]]:
        out = []
        for c in sorted(children.get(parent, []), key=lambda x: (index.ordinal(x), index.label(x).first)):
            if c in seen:
                continue
            out.append({"iri": c, "children": tree(c, seen | {c})})
        return out

    return {"tree": tree(None, frozenset()), "count": len(concepts),
            "definition": sorted(d.objects(_SKOS + "definition") + d.objects(str(DCTERMS.description))
                                 + d.objects(str(RDFS.comment)), key=lambda n: n.lang != "zh")}


async def term_view(queries: Queries, index: Index, d: Description) -> dict[str, Any]:
    """An ontology class or property."""
    kind = index.kind(d.iri)
    instances = index.instances(d.iri) if kind == "class" else []
    return {
        "comment": sorted(d.objects(str(RDFS.comment)) + d.objects(_SKOS + "definition"), key=lambda n: n.lang != "zh"),
        "superclasses": d.objects(str(RDFS.subClassOf)),
        "subclasses": sorted(d.subjects(str(RDFS.subClassOf)), key=lambda x: index.label(x).first),
        "domain": d.objects(str(RDFS.domain)),
        "range": d.objects(str(RDFS.range)),
        "instances": sort_by_order(index, instances)[:MAX_LIST],
        "instance_count": len(instances),
    }


def ontology_terms(index: Index, graph: list[Statement], ns: str) -> dict[str, Any]:
    """The classes (as a tree) and properties of a hash namespace, with their comments."""
    comments: dict[str, list[Node]] = defaultdict(list)
    for s in graph:
        if s.predicate.value in (str(RDFS.comment), _SKOS + "definition") and s.subject.is_iri:
            comments[s.subject.value].append(s.object)
    terms = sorted({s.subject.value for s in graph if s.subject.is_iri and s.subject.value.startswith(ns + "#")})
    classes = [t for t in terms if index.kind(t) == "class"]
    properties = [t for t in terms if index.kind(t) == "property"]
    others = [t for t in terms if t not in classes and t not in properties]
    sub = str(RDFS.subClassOf)
    in_ns = set(classes)
    children: dict[str | None, list[str]] = defaultdict(list)
    for c in classes:
        supers: list[str | None] = [p.value for p in index.values(c, sub) if p.value in in_ns]
        for p in supers or [None]:
            children[p].append(c)

    def tree(parent: str | None, seen: frozenset[str]) -> list[dict[str, Any]]:
        return [{"iri": c, "children": tree(c, seen | {c})}
                for c in sorted(children.get(parent, []), key=lambda x: x.lower()) if c not in seen]

    return {"tree": tree(None, frozenset()), "properties": properties, "others": others,
            "comments": {k: sorted(v, key=lambda n: n.lang != "zh") for k, v in comments.items()},
            "term_count": len(terms)}




async def chapter_view(queries: Queries, index: Index, d: Description) -> dict[str, Any]:
    return {"document": index.document_of(d.iri), "articles": sort_by_order(index, d.subjects(_ELI + "is_part_of"))}
