"""Enterprise profiles classified by OWL: the size classes of 工信部联企业〔2011〕300号 and the 小型微利企业 of
青政发〔2012〕46号 as defined classes with datatype restrictions, decided by HermiT.

``ontology/profile-classes.ttl`` declares the classes (``pk:LargeEnterpriseProfile`` …
``pk:MicroEnterpriseProfile``, ``pk:SMEProfile``, ``pk:SmallOrMicroEnterpriseProfile``,
``pk:SmallLowProfitEnterpriseProfile``) and defines the last three by hand. The definitions of the four size
classes are generated here (:func:`size_class_axioms`) from the size-class rules the eligibility engine reads
(:class:`~policykg.eligibility.sizes.SizeStandard`, itself read from ``data/sources/size-thresholds.json``):
for each class one ``owl:equivalentClass`` — ``pk:EnterpriseProfile`` and the union over the 16 industries of
``(pk:profileIndustry value industry:X)`` and the tests of the procedure of 第四条, each threshold a datatype
restriction (``xsd:integer`` for persons, ``xsd:decimal`` for yuan; "以下" ``xsd:maxExclusive``, "及以上"
``xsd:minInclusive``):

- large: every SME-bound indicator at or above its bound (not 中小微型);
- medium: one indicator below the SME bound (或), all at or above the medium minima (且);
- small: below the SME bound, one indicator below the medium minima, all at or above the small minima;
- micro: below the SME bound, below the medium minima, one indicator below the micro bound (或).

This is the procedure of :meth:`SizeStandard.classify` written as four mutually exclusive conditions
(``tests/eligibility/test_owl_crosscheck.py`` checks that HermiT's classes equal ``classify`` and the verdict
of the eligibility shape ``pke:5-reduced-rate``). The generated axioms are made when profiles are
classified (:func:`profile_tbox`); the store holds the declared classes (``graph/ontology/profile-classes``).

:func:`classify_profiles` loads the profile vocabulary, the profile classes and a batch of profiles into a
HermiT run (:func:`policykg.reasoning.realise`, groups of :data:`GROUP` profiles) and reads back the classes
each profile was put in. Open world:
a profile is put in a class only when its figures entail it; a missing figure leaves it out of the class and
out of its complement (a :class:`Profile` always has employees, revenue and assets, so its size class is
always decided; whether it is a 小型微利企业 needs the taxable income and the restricted-industry flag).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from .eligibility.profiles import Profile
from .eligibility.sizes import SIZE_CLASSES, SizeRule, SizeStandard, SizeThreshold
from .errors import OntologyError
from .namespaces import ID, INDUSTRY, PK
from .resources import ontology_dir
from .standards import size_standard_graph

__all__ = [
    "CLASS_OF_SIZE", "ProfileClasses", "ProfileClassification", "classify_profiles",
    "profile_tbox", "size_class_axioms", "size_class_graph",
]

#: the OWL class of each size class of 第四条
CLASS_OF_SIZE: dict[str, URIRef] = {
    "large": PK.LargeEnterpriseProfile,
    "medium": PK.MediumEnterpriseProfile,
    "small": PK.SmallEnterpriseProfile,
    "micro": PK.MicroEnterpriseProfile,
}
_SIZE_OF_CLASS: dict[str, str] = {str(iri): size for size, iri in CLASS_OF_SIZE.items()}
#: the ontology modules the profile classes need: the profile vocabulary and the classes themselves
MODULES: tuple[str, ...] = ("profile.ttl", "profile-classes.ttl")
_PROPERTY_OF_FIELD: dict[str, URIRef] = {
    "employees": PK.employees, "annual_revenue": PK.annualRevenue, "total_assets": PK.totalAssets,
}


# ------------------------------------------------------------------------------------------ the axioms

def size_class_axioms(standard: SizeStandard) -> Graph:
    """The definitions (``owl:equivalentClass``) of the four size-class profile classes, from ``standard``.

    Every branch is ``pk:EnterpriseProfile ⊓ (pk:profileIndustry value industry:X) ⊓ tests``; the tests
    follow the procedure of 第四条 (see the module documentation), each threshold of ``standard`` a datatype
    restriction on ``pk:employees`` (``xsd:integer``), ``pk:annualRevenue`` or ``pk:totalAssets``
    (``xsd:decimal``, yuan).
    """
    g = Graph()
    g.bind("pk", PK)
    g.bind("industry", INDUSTRY)
    branches: dict[str, list[Node]] = {size: [] for size in SIZE_CLASSES}
    for rules in standard.industries:
        # fresh nodes for every use: the OWL 2 RDF mapping forbids sharing a blank node between expressions
        tests = {
            "large": lambda: [_all(g, rules.sme, negate=True)],  # none below the SME bound
            "medium": lambda: [_any(g, rules.sme, negate=False), _all(g, rules.medium, negate=False)],
            "small": lambda: [_any(g, rules.sme, negate=False), _any(g, rules.medium, negate=True),
                              _all(g, rules.small, negate=False)],
            "micro": lambda: [_any(g, rules.sme, negate=False), _any(g, rules.medium, negate=True),
                              _any(g, rules.micro, negate=False)],
        }
        for size in SIZE_CLASSES:
            industry = _has_value(g, PK.profileIndustry, INDUSTRY[rules.industry])
            branches[size].append(_class(g, OWL.intersectionOf, [industry, *tests[size]()]))
    # unique names for the industries the branches test: without them a profile of one industry could be
    # the same as another's (OWL assumes nothing), and HermiT would try every branch of every profile
    industries = BNode()
    g.add((industries, RDF.type, OWL.AllDifferent))
    g.add((industries, OWL.members, _list(g, [INDUSTRY[rules.industry] for rules in standard.industries])))
    for size in SIZE_CLASSES:
        union = _class(g, OWL.unionOf, branches[size])
        g.add((CLASS_OF_SIZE[size], OWL.equivalentClass, _class(g, OWL.intersectionOf, [PK.EnterpriseProfile, union])))
    return g


def size_class_graph(path: Path) -> Graph:
    """:func:`size_class_axioms` of the size-threshold table at ``path`` (what the build stores).

    Raises:
        LoadError: if the table cannot be read or its rules are incomplete or inconsistent.
    """
    return size_class_axioms(SizeStandard.from_graph(size_standard_graph(path)))


def _list(g: Graph, items: Sequence[Node]) -> Node:
    head = BNode()
    Collection(g, head, list(items))
    return head


def _class(g: Graph, operator: URIRef, operands: Sequence[Node]) -> Node:
    """``operands[0]`` alone, or an anonymous class combining them with ``owl:intersectionOf`` / ``unionOf``."""
    if len(operands) == 1:
        return operands[0]
    node = BNode()
    g.add((node, RDF.type, OWL.Class))
    g.add((node, operator, _list(g, operands)))
    return node


def _has_value(g: Graph, prop: URIRef, value: Node) -> Node:
    node = BNode()
    g.add((node, RDF.type, OWL.Restriction))
    g.add((node, OWL.onProperty, prop))
    g.add((node, OWL.hasValue, value))
    return node


def _threshold(g: Graph, t: SizeThreshold, *, negate: bool) -> Node:
    """``prop some datatype[facet base_value]``; ``negate`` turns "<" into ">=" and back."""
    below = (t.comparator == "<") != negate
    if t.indicator == "employees":
        datatype, bound = XSD.integer, Literal(int(t.base_value), datatype=XSD.integer)
    else:
        datatype, bound = XSD.decimal, Literal(_decimal_text(t.base_value), datatype=XSD.decimal)
    facet = BNode()
    g.add((facet, XSD.maxExclusive if below else XSD.minInclusive, bound))
    restricted = BNode()
    g.add((restricted, RDF.type, RDFS.Datatype))
    g.add((restricted, OWL.onDatatype, datatype))
    g.add((restricted, OWL.withRestrictions, _list(g, [facet])))
    node = BNode()
    g.add((node, RDF.type, OWL.Restriction))
    g.add((node, OWL.onProperty, _PROPERTY_OF_FIELD[t.indicator]))
    g.add((node, OWL.someValuesFrom, restricted))
    return node


def _any(g: Graph, rule: SizeRule, *, negate: bool) -> Node:
    """One threshold of ``rule`` holds (or, negated, one fails)."""
    return _class(g, OWL.unionOf, [_threshold(g, t, negate=negate) for t in rule.thresholds])


def _all(g: Graph, rule: SizeRule, *, negate: bool) -> Node:
    """Every threshold of ``rule`` holds (or, negated, every one fails)."""
    return _class(g, OWL.intersectionOf, [_threshold(g, t, negate=negate) for t in rule.thresholds])


def _decimal_text(value: Decimal) -> str:
    """A valid xsd:decimal lexical form (no exponent): 4E+8 → 400000000."""
    return format(value, "f")


# ------------------------------------------------------------------------------------------ classifying

@dataclass(frozen=True)
class ProfileClasses:
    """The profile classes HermiT put one profile in."""

    #: "large", "medium", "small" or "micro"; None if the figures do not decide it
    size_class: str | None
    #: whether the profile is a pk:SmallLowProfitEnterpriseProfile (小型微利企业, 青政发〔2012〕46号 第五条)
    small_low_profit: bool
    #: the IRIs of every named class it was put in (with their superclasses), sorted
    classes: tuple[str, ...]


@dataclass(frozen=True)
class ProfileClassification:
    """The outcome of one HermiT run over a batch of profiles."""

    #: one entry per profile, in the order given
    profiles: tuple[ProfileClasses, ...]
    reasoner: str
    #: wall-clock seconds of loading and reasoning (Java's start included)
    seconds: float


def profile_tbox(standard: SizeStandard | None = None) -> Graph:
    """The axioms the profile classes need: ontology/profile.ttl, ontology/profile-classes.ttl and the
    size-class definitions generated from ``standard`` (default: the shipped table).

    Raises:
        LoadError: if the shipped table cannot be read.
        OntologyError: if an ontology module cannot be parsed.
    """
    from .eligibility.sizes import default_standard

    g = Graph()
    for name in MODULES:
        path = ontology_dir() / name
        try:
            g.parse(path, format="turtle")
        except Exception as e:  # rdflib raises many unrelated types
            raise OntologyError(f"cannot parse: {' '.join(str(e).split())[:300]}", location=str(path)) from e
    g += size_class_axioms(standard or default_standard())
    return g


#: profiles per ontology: each group of profiles is reasoned over on its own, all groups in one Java process
#: (:func:`policykg.reasoning.realise`). Profiles of one ontology share the industry individuals, so HermiT's
#: realisation of one ontology grows faster than linearly (200 profiles: 7 to 120 s here, by the order HermiT
#: happens to try); groups of 20 keep it at about 0.015 s a profile (184 boundary profiles in 2.7-3.0 s)
GROUP = 20


def classify_profiles(profiles: Iterable[Profile], *, standard: SizeStandard | None = None,
                      tbox: Graph | None = None, group: int = GROUP) -> ProfileClassification:
    """Classify ``profiles`` with HermiT: the size class and whether each is a 小型微利企业.

    ``tbox`` defaults to :func:`profile_tbox` of ``standard``. Each profile becomes an individual with the
    facts of :meth:`Profile.to_rdf`, reasoned over with ``group - 1`` others (open world: nothing about one
    profile follows from another's facts).

    Raises:
        OntologyError: if HermiT finds the profiles inconsistent with the classes, or Java/HermiT fails.
    """
    from .reasoning import realise

    axioms = tbox if tbox is not None else profile_tbox(standard)
    nodes: list[URIRef] = []
    groups: list[Graph] = []
    items = iter(profiles)
    while chunk := list(itertools.islice(items, max(1, group))):
        data = Graph()
        for profile in chunk:
            node = ID[f"profile/{len(nodes)}"]
            nodes.append(node)
            data += profile.to_rdf(node)
        groups.append(data)
    start = time.perf_counter()
    types, reasoner = realise(axioms, groups)
    out = []
    for node in nodes:
        found = {c for c in types.get(str(node), set()) if c.startswith(str(PK))}
        sizes = sorted(_SIZE_OF_CLASS[c] for c in found if c in _SIZE_OF_CLASS)
        if len(sizes) > 1:  # the classes are declared disjoint: HermiT would have said inconsistent
            raise OntologyError(f"{node} is in several size classes: {', '.join(sizes)}")
        out.append(ProfileClasses(size_class=sizes[0] if sizes else None,
                                  small_low_profit=str(PK.SmallLowProfitEnterpriseProfile) in found,
                                  classes=tuple(sorted(found))))
    return ProfileClassification(profiles=tuple(out), reasoner=reasoner,
                                 seconds=round(time.perf_counter() - start, 3))
