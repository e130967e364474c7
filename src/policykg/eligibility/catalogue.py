"""The benefits an enterprise may get, read from the store: shapes, validity, quantities, groups.

Everything the eligibility engine knows about the corpus comes from here, through SPARQL on a store
(:class:`policykg.store.EmbeddedStore` or any store with the same ``query`` method, e.g. a remote
SPARQL endpoint), so the graph stays the single source:

- one :class:`BenefitInfo` per benefit that has an eligibility shape (``pk:eligibilityShape``), with
  its document and article, validity (``pk:validFrom`` / ``pk:validUntil``, else the document's entry
  into force), quantities by role, valuation method and base, and the level of its document;
- the documents of the corpus (``eli:LegalResource`` wholes) with their dates and level, and the
  documents the corpus cites but does not hold (``pk:UnresolvedDocument``);
- the non-cumulation groups (``pk:NonCumulationGroup``) with their members, strategies and the article
  that states each group's rule;
- the standard tax rates (``pk:StandardTaxRate``) valuations are measured against;
- the eligibility shapes themselves (the named graphs ``graph/shapes/eligibility/…``), compiled once
  by :mod:`policykg.eligibility.compiled`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node
from rdflib.namespace import RDFS

from ..errors import LoadError
from ..ingest.numerals import int_to_chinese
from ..namespaces import GRAPH, PREFIXES, SPARQL_PROLOGUE, local_name
from ..store import ReadableStore
from .compiled import CompiledShapes, RecordValidator, compile_shapes
from .profiles import PROPERTIES

__all__ = ["BenefitInfo", "Catalogue", "DocumentInfo", "FIELD_OF", "GroupInfo", "MemberInfo", "Quantity",
           "SIZE_CLASS_FIELD", "article_citation", "document_series"]

#: the record field of the derived size class (docs/eligibility.md)
SIZE_CLASS_FIELD = "size_class"
#: predicate -> record field: the profile keys and the derived size class
FIELD_OF: dict[URIRef, str] = {prop: key for key, prop in PROPERTIES.items()}
FIELD_OF[URIRef(PREFIXES["pk"] + "profileSizeClass")] = SIZE_CLASS_FIELD


_BENEFITS = """
SELECT ?benefit ?shape ?doc ?article ?number ?validFrom ?validUntil ?method ?base ?family ?class WHERE {
  ?benefit pk:eligibilityShape ?shape .
  OPTIONAL { ?benefit pk:sourceArticle ?article . ?article eli:number ?number ;
             eli:is_part_of+ ?doc . ?doc a eli:LegalResource
             FILTER NOT EXISTS { ?doc eli:is_part_of ?whole } }
  OPTIONAL { ?benefit pk:validFrom ?validFrom }
  OPTIONAL { ?benefit pk:validUntil ?validUntil }
  OPTIONAL { ?benefit pk:valuationMethod ?method }
  OPTIONAL { ?benefit pk:valuationBase ?base }
  OPTIONAL { ?benefit pk:benefitFamily ?family }
  OPTIONAL { ?benefit a ?class . ?class rdfs:subClassOf* pk:Benefit .
             FILTER NOT EXISTS { ?benefit a ?sub . ?sub rdfs:subClassOf+ ?class . FILTER(?sub != ?class) } }
}
"""

# members of groups that have no shape (national measures) and the documents of every member
_MEMBERS = """
SELECT ?group ?strategy ?member ?doc ?article ?number ?validFrom ?validUntil WHERE {
  ?group a pk:NonCumulationGroup ; pk:member ?member ; pk:resolutionStrategy ?strategy .
  OPTIONAL { ?member pk:sourceArticle ?article . ?article eli:number ?number ;
             eli:is_part_of+ ?doc . ?doc a eli:LegalResource
             FILTER NOT EXISTS { ?doc eli:is_part_of ?whole } }
  OPTIONAL { ?member pk:sourceDocument ?doc }
  OPTIONAL { ?member pk:validFrom ?validFrom }
  OPTIONAL { ?member pk:validUntil ?validUntil }
}
"""

_LABELS = """
SELECT ?subject ?label WHERE {
  { ?subject a pk:NonCumulationGroup } UNION { ?g pk:member ?subject } UNION { ?subject pk:eligibilityShape ?s }
  UNION { ?subject a pk:StandardTaxRate }
  ?subject rdfs:label ?label .
}
"""

_NOTES = """
SELECT ?benefit ?note WHERE { ?benefit pk:eligibilityShape ?s ; pk:valuationNote ?note . }
"""

_QUANTITIES = """
SELECT ?benefit ?quantity ?role ?value ?unit ?comparator ?object ?favourable ?objectZh ?objectEn WHERE {
  ?benefit pk:eligibilityShape ?s ; pk:hasQuantity ?quantity .
  ?quantity pk:role ?role ; pk:baseValue ?value .
  OPTIONAL { ?quantity pk:baseUnit ?unit }
  OPTIONAL { ?quantity pk:comparator ?comparator }
  OPTIONAL { ?quantity pk:measuredObject ?object .
             OPTIONAL { ?object pk:moreFavourable ?favourable }
             OPTIONAL { ?object skos:prefLabel ?objectZh FILTER(lang(?objectZh) = "zh") }
             OPTIONAL { ?object skos:prefLabel ?objectEn FILTER(lang(?objectEn) = "en") } }
}
"""

_TAX_KINDS = """
SELECT ?measure ?kind WHERE {
  { ?measure pk:eligibilityShape ?s } UNION { ?measure a pk:StandardTaxRate }
  ?measure pk:taxKind ?kind .
}
"""

_STANDARD_RATES = """
SELECT ?rule ?kind ?value ?doc WHERE {
  ?rule a pk:StandardTaxRate ; pk:taxKind ?kind ; pk:hasQuantity ?q .
  ?q pk:role role:standard-rate ; pk:baseValue ?value .
  OPTIONAL { ?rule pk:sourceDocument ?doc }
}
"""

_DOCUMENTS = """
SELECT ?doc ?id ?title ?date ?inForce ?noLonger ?unresolved (MIN(xsd:integer(?rank)) AS ?level) WHERE {
  ?doc a eli:LegalResource .
  FILTER NOT EXISTS { ?doc eli:is_part_of ?whole }
  OPTIONAL { ?doc eli:id_local ?id }
  OPTIONAL { ?doc eli:title ?title FILTER(lang(?title) = "zh") }
  OPTIONAL { ?doc eli:date_document ?date }
  OPTIONAL { ?doc eli:first_date_entry_in_force ?inForce }
  OPTIONAL { ?doc eli:date_no_longer_in_force ?noLonger }
  OPTIONAL { ?doc eli:passed_by ?agency . ?agency pk:administrativeLevel ?lv . ?lv skos:notation ?rank }
  BIND(EXISTS { ?doc a pk:UnresolvedDocument } AS ?unresolved)
} GROUP BY ?doc ?id ?title ?date ?inForce ?noLonger ?unresolved
"""

# the article that states a group's rule (e.g. 第六十二条 of 46号)
_GROUP_ARTICLES = """
SELECT ?group ?article ?number ?doc WHERE {
  ?group a pk:NonCumulationGroup ; pk:sourceArticle ?article .
  ?article eli:number ?number ; eli:is_part_of+ ?doc .
  ?doc a eli:LegalResource FILTER NOT EXISTS { ?doc eli:is_part_of ?whole }
}
"""

_SHAPES = """
CONSTRUCT { ?s ?p ?o } WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER(STRSTARTS(STR(?g), "%s"))
}
""" % (str(GRAPH) + "shapes/eligibility/")


@dataclass(frozen=True)
class Quantity:
    """A figure of a benefit, in base units (yuan, persons, percent, …)."""

    iri: str
    role: str  # local name of the quantity role, e.g. "reduced-rate"
    value: Decimal
    unit: str | None  # local name of the base unit, e.g. "percent"
    comparator: str | None  # "<=", "<", ">=", ">", "=" or None
    #: what the figure measures (pk:measuredObject, data/lexicon/) and which way favours the beneficiary
    measured: str | None = None
    favourable: str | None = None  # "higher" | "lower" (pk:moreFavourable)
    measured_zh: str | None = None
    measured_en: str | None = None


@dataclass(frozen=True)
class DocumentInfo:
    """A whole document (``eli:LegalResource`` that is part of nothing)."""

    iri: str
    id_local: str | None
    title: str | None
    date_document: date | None
    in_force: date | None
    no_longer_in_force: date | None
    #: rank of the administrative level of the body that passed it (1 national … 4 district); None unknown
    level: int | None
    #: False for a document the corpus only cites (``pk:UnresolvedDocument``: number and title as quoted)
    resolved: bool = True

    @property
    def name(self) -> str:
        """The document number, else its title, else its IRI."""
        return self.id_local or self.title or self.iri

    @property
    def prefix(self) -> str | None:
        """The series of its 文号: "青政发" of "青政发〔2012〕46号"."""
        return document_series(self.id_local)


@dataclass(frozen=True)
class BenefitInfo:
    """A benefit with an eligibility shape, and what the engine needs to know about it."""

    iri: str
    slug: str
    shape: str
    label_zh: str | None
    label_en: str | None
    document: DocumentInfo | None
    article: str | None  # the article number, "5"
    article_iri: str | None
    #: the benefit's own validity, else its document's (entry into force / no longer in force)
    valid_from: date | None
    valid_until: date | None
    kind: str | None  # local name of its most specific class, e.g. "TaxRateReduction"
    family: str | None
    tax_kinds: tuple[str, ...]
    quantities: tuple[Quantity, ...]
    method: str | None  # local name of the valuation method
    base_field: str | None  # the record field the valuation is computed on
    note_zh: str | None
    note_en: str | None
    groups: tuple[str, ...] = ()

    @property
    def citation(self) -> str:
        """E.g. "青政发〔2012〕46号第五条"."""
        return article_citation(self.document.name if self.document else None, self.article)

    def quantity(self, role: str) -> Quantity | None:
        """The first quantity with ``role`` (by IRI order, which is stable)."""
        for q in self.quantities:
            if q.role == role:
                return q
        return None


@dataclass(frozen=True)
class MemberInfo:
    """A member of a non-cumulation group: a benefit with a shape, or a provision known only as a fact."""

    iri: str
    label_zh: str | None
    label_en: str | None
    document: DocumentInfo | None
    article: str | None
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True)
class GroupInfo:
    iri: str
    slug: str
    label_zh: str | None
    label_en: str | None
    strategy: str  # local name: most-favourable-by-value, higher-level-prevails, beneficiary-chooses, later-prevails
    members: tuple[MemberInfo, ...]
    #: the article the group's rule is stated in: its document, number ("62") and IRI
    document: DocumentInfo | None = None
    article: str | None = None
    article_iri: str | None = None


_SERIES = re.compile(r"^(\D+?)[〔\[(]")


def document_series(number: str | None) -> str | None:
    """The series of a 文号: "青政发" of "青政发〔2012〕46号"; None when it has none.

    >>> document_series("青政发〔2012〕46号"), document_series("46号")
    ('青政发', None)
    """
    m = _SERIES.match(number) if number else None
    return m.group(1) if m else None


def article_citation(document: str | None, article: str | None) -> str:
    """ "青政发〔2012〕46号第五条" from the document number and the article number "5"."""
    if article is None:
        return document or ""
    numeral = int_to_chinese(int(article)) if article.isdigit() else article
    return f"{document or ''}第{numeral}条"


def _value(term: Any) -> str | None:
    return None if term is None else str(term.value)


def _date(term: Any) -> date | None:
    if term is None:
        return None
    try:
        return date.fromisoformat(str(term.value))
    except ValueError:
        return None


def _rows(store: ReadableStore, sparql: str) -> Iterable[Any]:
    try:
        return list(store.query(SPARQL_PROLOGUE + sparql))
    except SyntaxError as e:  # a defect of this module, but say so in one line
        raise LoadError(f"the eligibility catalogue query is malformed: {e}") from e


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The benefits, groups, standard rates and compiled eligibility shapes of a store."""

    benefits: tuple[BenefitInfo, ...]
    groups: tuple[GroupInfo, ...]
    #: every whole document of the store by IRI, cited-only ones too (``DocumentInfo.resolved`` False)
    documents: Mapping[str, DocumentInfo]
    #: tax kind (local name) -> (standard rate in percent, the document that sets it)
    standard_rates: Mapping[str, tuple[Decimal, DocumentInfo | None]]
    shapes: CompiledShapes
    shapes_graph: Graph = field(repr=False)
    _validators: dict[str, RecordValidator] = field(default_factory=dict, repr=False)

    @classmethod
    def from_store(cls, store: ReadableStore) -> Catalogue:
        """Read the catalogue from a built store (embedded or remote).

        Raises:
            LoadError: the store holds no eligibility shapes, or a benefit's shape is missing.
        """
        docs: dict[str, DocumentInfo] = {}
        for r in _rows(store, _DOCUMENTS):
            level, unresolved = r["level"], r["unresolved"]
            docs[r["doc"].value] = DocumentInfo(
                r["doc"].value, _value(r["id"]), _value(r["title"]), _date(r["date"]), _date(r["inForce"]),
                _date(r["noLonger"]), int(level.value) if level is not None else None,
                unresolved is None or unresolved.value != "true")

        labels: dict[str, dict[str, str]] = defaultdict(dict)
        for r in _rows(store, _LABELS):
            labels[r["subject"].value].setdefault(r["label"].language or "", r["label"].value)
        notes: dict[str, dict[str, str]] = defaultdict(dict)
        for r in _rows(store, _NOTES):
            notes[r["benefit"].value][r["note"].language or ""] = r["note"].value
        quantities: dict[str, list[Quantity]] = defaultdict(list)
        for r in _rows(store, _QUANTITIES):
            quantities[r["benefit"].value].append(Quantity(
                r["quantity"].value, local_name(r["role"].value), Decimal(r["value"].value),
                local_name(r["unit"].value) if r["unit"] is not None else None, _value(r["comparator"]),
                _value(r["object"]), _value(r["favourable"]), _value(r["objectZh"]), _value(r["objectEn"])))
        tax_kinds: dict[str, set[str]] = defaultdict(set)
        for r in _rows(store, _TAX_KINDS):
            tax_kinds[r["measure"].value].add(local_name(r["kind"].value))

        rates: dict[str, tuple[Decimal, DocumentInfo | None]] = {}
        for r in _rows(store, _STANDARD_RATES):
            doc = docs.get(r["doc"].value) if r["doc"] is not None else None
            rates[local_name(r["kind"].value)] = (Decimal(r["value"].value), doc)

        group_rows: dict[str, dict[str, Any]] = {}
        for r in _rows(store, _MEMBERS):
            g = group_rows.setdefault(r["group"].value, {"strategy": local_name(r["strategy"].value), "members": {}})
            m = r["member"].value
            doc = docs.get(r["doc"].value) if r["doc"] is not None else None
            lab = labels.get(m, {})
            g["members"][m] = MemberInfo(m, lab.get("zh"), lab.get("en"), doc, _value(r["number"]),
                                         _date(r["validFrom"]), _date(r["validUntil"]))
        stated: dict[str, tuple[DocumentInfo | None, str, str]] = {}
        for r in _rows(store, _GROUP_ARTICLES):
            stated.setdefault(r["group"].value, (docs.get(r["doc"].value), r["number"].value, r["article"].value))
        groups = tuple(
            GroupInfo(iri, local_name(iri), labels.get(iri, {}).get("zh"), labels.get(iri, {}).get("en"),
                      row["strategy"], tuple(row["members"][k] for k in sorted(row["members"])),
                      *stated.get(iri, (None, None, None)))
            for iri, row in sorted(group_rows.items()))
        member_of: dict[str, list[str]] = defaultdict(list)
        for group in groups:
            for mem in group.members:
                member_of[mem.iri].append(group.iri)

        field_by_property = {str(p): f for p, f in FIELD_OF.items()}
        benefits: dict[str, BenefitInfo] = {}
        for r in _rows(store, _BENEFITS):
            iri = r["benefit"].value
            if iri in benefits:
                continue  # several most-specific classes would be a modelling error shown elsewhere
            doc = docs.get(r["doc"].value) if r["doc"] is not None else None
            valid_from = _date(r["validFrom"]) or (doc.in_force or doc.date_document if doc else None)
            valid_until = _date(r["validUntil"]) or (doc.no_longer_in_force if doc else None)
            lab = labels.get(iri, {})
            note = notes.get(iri, {})
            base = r["base"].value if r["base"] is not None else None
            benefits[iri] = BenefitInfo(
                iri=iri, slug=local_name(iri), shape=r["shape"].value, label_zh=lab.get("zh"), label_en=lab.get("en"),
                document=doc, article=_value(r["number"]), article_iri=_value(r["article"]),
                valid_from=valid_from, valid_until=valid_until,
                kind=local_name(r["class"].value) if r["class"] is not None else None,
                family=local_name(r["family"].value) if r["family"] is not None else None,
                tax_kinds=tuple(sorted(tax_kinds.get(iri, ()))),
                quantities=tuple(sorted(quantities.get(iri, ()), key=lambda q: q.iri)),
                method=local_name(r["method"].value) if r["method"] is not None else None,
                base_field=field_by_property.get(base) if base else None,
                note_zh=note.get("zh"), note_en=note.get("en"),
                groups=tuple(sorted(member_of.get(iri, ()))))
            if base and benefits[iri].base_field is None:
                raise LoadError(f"benefit {iri}: pk:valuationBase {base} is not a profile property")
        if not benefits:
            raise LoadError("the store has no benefit with an eligibility shape (pk:eligibilityShape); "
                            "run `policykg build`")

        shapes_graph = Graph()
        try:
            data = store.query(_SHAPES).serialize(format=ox.RdfFormat.N_TRIPLES)
        except AttributeError:  # a store whose CONSTRUCT results are plain triples
            data = ox.serialize(store.query(_SHAPES), format=ox.RdfFormat.N_TRIPLES)
        shapes_graph.parse(data=data, format="nt")
        compiled = compile_shapes(shapes_graph)
        ordered = sorted(benefits.values(), key=_benefit_order)
        for b in ordered:
            if URIRef(b.shape) not in compiled.shapes:
                raise LoadError(f"benefit {b.iri}: its eligibility shape {b.shape} is not in the shapes graphs")
        return cls(tuple(ordered), groups, docs, rates, compiled, shapes_graph)

    def validator(self, benefit: BenefitInfo | str) -> RecordValidator:
        """The compiled record validator of a benefit's shape (or of any shape IRI), built once."""
        shape = benefit.shape if isinstance(benefit, BenefitInfo) else benefit
        v = self._validators.get(shape)
        if v is None:
            v = self._validators[shape] = self.shapes.record_validator(URIRef(shape), FIELD_OF)
        return v

    def comment(self, shape: Node) -> str | None:
        """The rdfs:comment of a shape node (the condition quoted from its article)."""
        value = self.shapes_graph.value(shape, RDFS.comment)
        return None if value is None else str(value)

    def benefit(self, iri_or_slug: str) -> BenefitInfo:
        """A benefit by IRI or slug.

        Raises:
            KeyError: no such benefit.
        """
        for b in self.benefits:
            if b.iri == iri_or_slug or b.slug == iri_or_slug:
                return b
        raise KeyError(iri_or_slug)


def _benefit_order(b: BenefitInfo) -> tuple[int, str]:
    try:
        return (int(b.article or 0), b.iri)
    except ValueError:
        return (0, b.iri)
