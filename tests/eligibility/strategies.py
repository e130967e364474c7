"""Enterprise profiles for property-based tests of the eligibility shapes, and what the engine builds from them.

Profiles are drawn as the mappings a user would give (JSON values, sometimes numeric strings) and go through
the real reader (:func:`profile_from_mapping`). Every numeric key takes, among random values, the values
where some condition flips: each threshold of the eligibility shapes on that key (``sh:minInclusive``,
``sh:maxInclusive``, ``sh:minExclusive``, ``sh:maxExclusive``) and, for employees, revenue and assets, each
threshold of the size standard (工信部联企业〔2011〕300号, through :func:`sizes.default_standard`); each ±1, and
±0.01 for money. Optional keys are sometimes missing; all 16 industries; beneficiary kinds are subsets of
:func:`party_kinds`, attestations subsets of :func:`conditions` (often nearly all of them, so that many
benefits are within reach and their thresholds decide).

The same value space is drawn two ways: :func:`profiles` (a hypothesis strategy) and :func:`random_profile`
(a ``random.Random``, for fixed seeded batches).

:func:`record` and :func:`rdf` build what the engine builds from a profile: the record of the compiled fast
path and the RDF pyshacl sees, both with the derived size class (``pk:profileSizeClass``, record field
``size_class``, value the IRI of the class of :func:`sizes.classify`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Protocol, TypeVar, get_type_hints

from hypothesis import strategies as st
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import SH

from policykg.eligibility.profiles import (
    COMPANY_FORMS, INDUSTRIES, KEYS, PROPERTIES, REQUIRED, Profile, conditions, party_kinds, profile_from_mapping,
)
from policykg.eligibility.sizes import classify, default_standard
from policykg.namespaces import INDUSTRY, PARTY, PK, SIZE

from ..data import ROOT

PKE = Namespace("https://w3id.org/policykg/shapes/eligibility#")
SHAPES_FILE = ROOT / "shapes" / "eligibility" / "qingzhengfa-2012-46.ttl"
#: the record field of every predicate the shapes test: the input keys and the derived size class
FIELD_OF: dict[URIRef, str] = {**{prop: key for key, prop in PROPERTIES.items()}, PK.profileSizeClass: "size_class"}
#: the range constraints of SHACL Core
RANGES: tuple[URIRef, ...] = (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive)

T = TypeVar("T")


@cache
def shapes() -> Graph:
    """The eligibility shapes of 青政发〔2012〕46号 as shipped."""
    return Graph().parse(SHAPES_FILE, format="turtle")


@cache
def eligibility_shapes() -> tuple[URIRef, ...]:
    """The node shape of every benefit (the objects of ``pk:eligibilityShape``), sorted."""
    found = {s for s in shapes().objects(None, PK.eligibilityShape) if isinstance(s, URIRef)}
    return tuple(sorted(found))


# ------------------------------------------------------------------------------------ what the engine builds

#: a small retail enterprise, the base of hand-written profiles
BASE: dict[str, object] = {"name": "P", "industry": "retail", "employees": 10, "annual_revenue": 1_000_000,
                           "total_assets": 500_000}
#: in the changes given to :func:`profile_with`: drop this key
DROP = object()


def profile_with(changes: Mapping[str, object], base: Mapping[str, object] = BASE) -> Profile:
    """The profile ``base`` with ``changes`` (a value :data:`DROP` removes the key), read by the real reader."""
    data = {k: v for k, v in {**base, **changes}.items() if v is not DROP}
    return profile_from_mapping(data, location="$")


def size_class(profile: Profile) -> str:
    """The size class the engine derives: 'large', 'medium', 'small' or 'micro'."""
    return classify(profile.industry, employees=profile.employees, annual_revenue=profile.annual_revenue,
                    total_assets=profile.total_assets).size_class


def record(profile: Profile) -> dict[str, object]:
    """The record the engine builds: IRIs for concepts, plus the derived size class."""
    out = profile.to_record()
    out["industry"] = str(INDUSTRY[profile.industry])
    out["beneficiary_kind"] = tuple(str(PARTY[k]) for k in profile.beneficiary_kind)
    out["size_class"] = str(SIZE[size_class(profile)])
    return out


def rdf(profile: Profile, node: URIRef) -> Graph:
    """The profile in the profile vocabulary, plus the derived ``pk:profileSizeClass``."""
    graph = profile.to_rdf(node)
    graph.add((node, PK.profileSizeClass, SIZE[size_class(profile)]))
    return graph


# ------------------------------------------------------------------------------------ the value space

def _numeric_keys() -> dict[str, type]:
    """Profile keys holding numbers: key -> int (head counts, months) or Decimal (money)."""
    hints = get_type_hints(Profile)
    out: dict[str, type] = {}
    for key in KEYS:
        hint = hints[key]
        for kind in (int, Decimal):
            if hint is kind or hint == kind | None:
                out[key] = kind
    return out


NUMERIC: dict[str, type] = _numeric_keys()


@cache
def thresholds() -> dict[str, tuple[Decimal, ...]]:
    """key -> the values where a condition on it flips: the range bounds of the shapes, and the size standard's."""
    found: dict[str, set[Decimal]] = {key: set() for key in NUMERIC}
    g = shapes()
    for predicate in RANGES:
        for shape, bound in g.subject_objects(predicate):
            path = g.value(shape, SH.path)
            key = FIELD_OF[path]  # type: ignore[index]
            found[key].add(Decimal(str(bound)))
    for rules in default_standard().industries:
        for rule in (rules.sme, rules.medium, rules.small, rules.micro):
            for t in rule.thresholds:
                found[t.indicator].add(t.base_value)
    return {key: tuple(sorted(values)) for key, values in found.items()}


@cache
def edges(key: str) -> tuple[Decimal | int, ...]:
    """The values of ``key`` at and next to each threshold (±1; ±0.01 for money), and 0; none negative."""
    kind = NUMERIC[key]
    steps = (Decimal(0), Decimal(1), Decimal(-1)) + ((Decimal("0.01"), Decimal("-0.01")) if kind is Decimal else ())
    values = {t + d for t in (Decimal(0), *thresholds()[key]) for d in steps}
    return tuple(kind(v) if kind is int else v for v in sorted(values) if v >= 0)


class Chooser(Protocol):
    """What drawing a profile needs: hypothesis's ``draw`` or a ``random.Random``."""

    def choice(self, options: Sequence[T]) -> T: ...

    def integer(self, low: int, high: int) -> int: ...


class _Random:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def choice(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)


class _Hypothesis:
    def __init__(self, draw: Callable[[st.SearchStrategy[object]], object]) -> None:
        self.draw = draw

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))  # type: ignore[return-value]

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))  # type: ignore[return-value]


NAMES = ("青岛海纳机械有限公司", "Qingdao Harbour Trading Co.", "P", "个体户 王")
DATES = (dt.date(2011, 1, 1), dt.date(2012, 6, 25), dt.date(2013, 2, 28), dt.date(2015, 12, 31))


_MODES = ("edge", "edge", "edge", "edge-string", "edge-normalized", "near", "far")
_OPTIONAL_MODES = ("missing", "missing", *_MODES)


def _number(c: Chooser, key: str) -> object:
    """A value of a numeric key as a user gives it (None: missing): at or next to a threshold, as a number or a
    numeric string, or random near the thresholds or anywhere."""
    kind = NUMERIC[key]
    mode = c.choice(_MODES if key in REQUIRED else _OPTIONAL_MODES)
    if mode == "missing":
        return None
    if mode.startswith("edge"):
        value = c.choice(edges(key))
        if mode == "edge-string":
            return str(value)
        if mode == "edge-normalized" and kind is Decimal:
            return Decimal(value).normalize()  # 3E+5, 1E+1: the same number written otherwise
        return value
    top = int(max(thresholds()[key], default=Decimal(0)))
    if kind is int:
        return c.integer(0, 2 * top + 10) if mode == "near" else c.integer(0, 100_000)
    cents = c.integer(0, 200 * top + 1000) if mode == "near" else c.integer(0, 10**14)
    return Decimal(cents) / 100


def _subset(c: Chooser, pool: Sequence[str], low: int, high: int) -> list[str]:
    return list(dict.fromkeys(c.choice(pool) for _ in range(c.integer(low, high))))


def _attests(c: Chooser) -> list[str] | None:
    every = sorted(conditions())
    mode = c.choice(("none", "few", "most", "most"))
    if mode == "none":
        return None
    if mode == "few":
        return _subset(c, every, 0, 4)
    left_out = set(_subset(c, every, 0, 4))
    return [x for x in every if x not in left_out]


def profile_mapping(c: Chooser) -> dict[str, object]:
    """One profile as a mapping of keys to JSON-like values (missing keys absent)."""
    data: dict[str, object] = {"name": c.choice(NAMES), "industry": c.choice(INDUSTRIES)}
    for key in NUMERIC:
        value = _number(c, key)
        if value is not None:
            data[key] = value
    for key in ("high_tech_certified", "restricted_industry"):
        flag = c.choice((True, False, None))
        if flag is not None:
            data[key] = flag
    kinds = _subset(c, sorted(party_kinds()), 0, 3)
    if kinds:  # else the default, enterprise
        data["beneficiary_kind"] = kinds
    if c.choice((True, False)):
        data["company_form"] = c.choice(COMPANY_FORMS)
    if c.choice((True, False)):
        data["established_on"] = c.choice(DATES).isoformat()
    attests = _attests(c)
    if attests is not None:
        data["attests"] = attests
    return data


@st.composite
def profiles(draw: Callable[[st.SearchStrategy[object]], object]) -> Profile:
    """A hypothesis strategy of profiles (read by :func:`profile_from_mapping`)."""
    return profile_from_mapping(profile_mapping(_Hypothesis(draw)), location="$")


def random_profile(rng: random.Random) -> Profile:
    """A profile from the same value space as :func:`profiles`, drawn with ``rng``."""
    return profile_from_mapping(profile_mapping(_Random(rng)), location="$")
