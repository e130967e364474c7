"""Every IRI namespace policykg uses. No IRI string literals elsewhere in the package."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD

BASE = "https://w3id.org/policykg/"

#: our own terms (classes, properties)
PK = Namespace(BASE + "ontology#")
#: resources the corpus mints
ID = Namespace(BASE + "id/")
#: documents, their chapters, articles, measures: ID/doc/{slug}/...
DOC = Namespace(BASE + "id/doc/")
AGENCY = Namespace(BASE + "id/agency/")
INDUSTRY = Namespace(BASE + "id/industry/")
SIZE = Namespace(BASE + "id/size-class/")
PARTY = Namespace(BASE + "id/party-kind/")
UNIT = Namespace(BASE + "id/unit/")
ROLE = Namespace(BASE + "id/quantity-role/")
TEMPORAL = Namespace(BASE + "id/temporal-kind/")
STRATEGY = Namespace(BASE + "id/resolution-strategy/")
INDICATOR = Namespace(BASE + "id/indicator/")
SCHEME = Namespace(BASE + "id/scheme/")
TAX_KIND = Namespace(BASE + "id/tax-kind/")
FAMILY = Namespace(BASE + "id/benefit-family/")
ARTICLE_KIND = Namespace(BASE + "id/article-kind/")
LEVEL = Namespace(BASE + "id/administrative-level/")
METHOD = Namespace(BASE + "id/valuation-method/")
#: named graphs, one per source: GRAPH/{kind}/{name}
GRAPH = Namespace(BASE + "graph/")
#: drafts being checked (never part of the corpus): DRAFT/{sha1 of the file, 12 hex}/article/{n} …
DRAFT = Namespace(BASE + "id/draft/")

ELI = Namespace("http://data.europa.eu/eli/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
QUDT_UNIT = Namespace("http://qudt.org/vocab/unit/")
#: the SPARQL endpoint's self-description: service description, VoID, W3C format IRIs
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

#: prefixes used when serialising and in the query library
PREFIXES: dict[str, str] = {
    "pk": str(PK),
    "id": str(ID),
    "doc": str(DOC),
    "agency": str(AGENCY),
    "industry": str(INDUSTRY),
    "size": str(SIZE),
    "party": str(PARTY),
    "unit": str(UNIT),
    "role": str(ROLE),
    "temporal": str(TEMPORAL),
    "strategy": str(STRATEGY),
    "indicator": str(INDICATOR),
    "scheme": str(SCHEME),
    "taxkind": str(TAX_KIND),
    "family": str(FAMILY),
    "articlekind": str(ARTICLE_KIND),
    "level": str(LEVEL),
    "method": str(METHOD),
    "eli": str(ELI),
    "org": str(ORG),
    "odrl": str(ODRL),
    "cpsv": str(CPSV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
}

#: the PREFIX lines of :data:`PREFIXES`, to put before a SPARQL query
SPARQL_PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def local_name(iri: str) -> str:
    """The last segment of an IRI, after its last ``/`` or ``#``.

    >>> local_name(str(ROLE["reduced-rate"])), local_name(str(PK.Benefit))
    ('reduced-rate', 'Benefit')
    """
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


__all__ = [
    "AGENCY", "ARTICLE_KIND", "BASE", "FAMILY", "TAX_KIND", "CPSV", "DCTERMS", "DOC", "DRAFT", "ELI", "GRAPH", "ID", "INDICATOR", "INDUSTRY", "LEVEL", "METHOD",
    "ODRL", "ORG", "OWL", "PARTY", "PK", "PREFIXES", "QUDT_UNIT", "RDF", "RDFS", "ROLE", "SCHEME",
    "SH", "SIZE", "SKOS", "SPARQL_PROLOGUE", "STRATEGY", "TEMPORAL", "UNIT", "XSD", "local_name",
]
