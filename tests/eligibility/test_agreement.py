"""The compiled evaluator agrees with pyshacl on the real eligibility shapes (issue 3, item 8).

Generated enterprise profiles (``tests/eligibility/strategies.py``: every numeric key at and next to each
threshold of the shapes and of the size standard, and random; optional keys missing; all industries;
subsets of beneficiary kinds and of attestations) are judged against all 86 shapes of
``shapes/eligibility/qingzhengfa-2012-46.ttl`` twice:

* by the compiled record fast path (:meth:`CompiledShapes.record_validator`), on the record the engine
  builds (concept IRIs, the derived size class);
* by pyshacl, once per batch, over one rdflib graph holding every profile of the batch as its own node
  (:meth:`Profile.to_rdf` plus the derived ``pk:profileSizeClass``), each shape given ``sh:targetNode`` for
  every profile in a copy of the shapes graph (the shapes have no targets: the engine applies each shape
  to each profile).

For every (profile, shape) pair the verdicts must be identical, and so must the failing (source shape,
constraint component) pairs. A pyshacl result belongs to the pair of its ``sh:focusNode`` and of the
eligibility shape its ``sh:sourceShape`` is reachable from; every shape is reachable from exactly one
eligibility shape (checked), so this is well defined. Values (``sh:value``) are not compared: pyshacl
gives the focus node as the value of an ``sh:or`` result where the record path has no value node to give.

Three kinds of batches: hypothesis batches of 60-80 profiles (the most hypothesis generates in one
example), one seeded batch of random profiles from the same value space, and a boundary batch: each
qualifying hand-written profile of a benefit (``CASES`` and ``BOUNDARIES`` of test_eligibility_shapes.py)
moved onto each threshold of that benefit's shape and one step (1, or 0.01 yuan) either side.

A mutation check shows the comparison can fail: each threshold of the shapes, made exclusive where it was
inclusive and inclusive where it was exclusive, in a copy of the shapes given to the compiled side only, is
a disagreement on the boundary batch, whose verdicts flip on exactly its profiles at the bound. (Random
profiles seldom sit on a threshold with every other condition of the benefit met: the 工业企业 branch of
art. 5 needs five facts at once.)

pyshacl takes about 45-60 ms per profile for the 86 shapes (0.5 ms per pair, whatever the batch size:
batching saves nothing more), the compiled path well under 1 ms. The sizes below (802 generated, 400 seeded
and 100 boundary profiles: 111,972 pairs) keep this file under 90 s on one core;
``POLICYKG_AGREEMENT_SCALE=5`` multiplies the first two (4,006 generated and 2,000 seeded profiles, about
six minutes of CPU).
"""

from __future__ import annotations

import os
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import pyshacl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from policykg.eligibility.compiled import RecordValidator, compile_shapes
from policykg.eligibility.profiles import KEYS, Profile

from .strategies import (
    FIELD_OF, NUMERIC, RANGES, eligibility_shapes, profile_with, profiles, random_profile, rdf, record, shapes,
)
from .test_eligibility_shapes import BOUNDARIES, CASES

EX = Namespace("https://example.org/policykg-test/agreement/")
SCALE = max(1, int(os.environ.get("POLICYKG_AGREEMENT_SCALE", "1")))
#: hypothesis batches (each 60-80 profiles) and the size of the seeded batch
BATCHES = 12 * SCALE
SEEDED = 400 * SCALE
SEED = 20120046

Key = tuple[str, str]  # (source shape, constraint component local name)
#: what a side says about one profile: eligibility shape -> its failing (source shape, component) pairs
Verdicts = Mapping[URIRef, frozenset[Key]]


def _key(shape: Node, component: Node) -> Key:
    return str(shape), str(component).rsplit("#", 1)[-1]


# ------------------------------------------------------------------------------------------- the harness

#: the parameters whose values are shapes (SHACL Core), and those whose values are lists of shapes
_SHAPE_PARAMETERS = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTS = (SH["or"], SH["and"], SH.xone)


def _referenced(g: Graph, shape: Node) -> Iterable[Node]:
    for p in _SHAPE_PARAMETERS:
        yield from g.objects(shape, p)
    for p in _SHAPE_LISTS:
        for head in g.objects(shape, p):
            yield from g.items(head)


@cache
def owners() -> dict[Node, URIRef]:
    """Every shape reachable from an eligibility shape -> that eligibility shape.

    Raises:
        AssertionError: a shape is reachable from two eligibility shapes (a pyshacl result of it could
            not be told apart).
    """
    g = shapes()
    out: dict[Node, URIRef] = {}
    for top in eligibility_shapes():
        seen: set[Node] = set()
        todo: list[Node] = [top]
        while todo:
            shape = todo.pop()
            if shape in seen:
                continue
            seen.add(shape)
            assert out.get(shape, top) == top, f"{shape} is reachable from {out[shape]} and from {top}"
            out[shape] = top
            todo.extend(_referenced(g, shape))
    return out


def _validators(g: Graph, only: Iterable[URIRef] | None = None) -> dict[URIRef, RecordValidator]:
    compiled = compile_shapes(g)
    return {s: compiled.record_validator(s, FIELD_OF) for s in (only or eligibility_shapes())}


@cache
def validators() -> dict[URIRef, RecordValidator]:
    """The compiled record validator of every eligibility shape, from the shapes as shipped."""
    return _validators(shapes())


def pyshacl_verdicts(batch: Sequence[Profile]) -> list[Verdicts]:
    """pyshacl's results for each profile of ``batch`` and each eligibility shape, from one pyshacl run."""
    data = Graph()
    targeted = Graph()
    targeted += shapes()
    nodes: dict[Node, int] = {}
    for i, profile in enumerate(batch):
        node = EX[f"p{i}"]
        nodes[node] = i
        data += rdf(profile, node)
        for shape in eligibility_shapes():
            targeted.add((shape, SH.targetNode, node))
    conforms, report, _ = pyshacl.validate(data, shacl_graph=targeted, inference="none", advanced=False,
                                           abort_on_first=False)
    assert isinstance(report, Graph)
    found: list[dict[URIRef, set[Key]]] = [defaultdict(set) for _ in batch]
    owner = owners()
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    for result in results:
        focus = report.value(result, SH.focusNode)
        source = report.value(result, SH.sourceShape)
        component = report.value(result, SH.sourceConstraintComponent)
        assert focus in nodes, f"pyshacl reported a result on {focus}, which is no profile of the batch"
        assert source in owner, f"pyshacl reported a result of {source}, which no eligibility shape reaches"
        assert component is not None
        found[nodes[focus]][owner[source]].add(_key(source, component))
    assert conforms == (not results)
    return [{shape: frozenset(keys) for shape, keys in verdicts.items()} for verdicts in found]


@dataclass(frozen=True)
class Disagreement:
    """One (profile, shape) pair on which the compiled evaluator and pyshacl differ."""

    profile: Profile
    shape: URIRef
    compiled_conforms: bool
    compiled: frozenset[Key]
    reference: frozenset[Key]

    def __str__(self) -> str:
        given = {k: v for k, v in ((k, getattr(self.profile, k)) for k in KEYS) if v not in (None, ())}
        rec = record(self.profile)

        def keys(found: frozenset[Key]) -> str:
            return "; ".join(f"{s.rsplit('#', 1)[-1]} {c}" for s, c in sorted(found)) or "-"

        return (f"shape {self.shape}\n"
                f"  profile {given}\n"
                f"  derived size_class {rec['size_class']}\n"
                f"  compiled: conforms={self.compiled_conforms}, results: {keys(self.compiled)}\n"
                f"  pyshacl:  conforms={not self.reference}, results: {keys(self.reference)}")


def disagreements(batch: Sequence[Profile], reference: Sequence[Verdicts],
                  checks: Mapping[URIRef, RecordValidator]) -> list[Disagreement]:
    """The (profile, shape) pairs of ``batch`` x ``checks`` where the compiled side and ``reference`` differ."""
    out: list[Disagreement] = []
    for profile, verdicts in zip(batch, reference, strict=True):
        rec = record(profile)
        for shape, check in checks.items():
            conforms = check.conforms(rec)
            found = frozenset(_key(r.source_shape, r.component) for r in check(rec))
            expected = verdicts.get(shape, frozenset())
            if conforms != (not expected) or found != expected or conforms != (not found):
                out.append(Disagreement(profile, shape, conforms, found, expected))
    return out


def _report(found: Sequence[Disagreement], pairs: int) -> str:
    shown = "\n\n".join(str(d) for d in found[:5])
    return f"{len(found)} of {pairs} (profile, shape) pairs disagree; the first {min(5, len(found))}:\n{shown}"


def assert_agreement(batch: Sequence[Profile], reference: Sequence[Verdicts] | None = None,
                     checks: Mapping[URIRef, RecordValidator] | None = None) -> int:
    """Assert the compiled evaluator and pyshacl agree on every (profile, shape) pair; the number of pairs.

    ``reference``: pyshacl's verdicts on ``batch`` (pyshacl is run when not given); ``checks``: the compiled
    validators of the shapes to compare (by default every eligibility shape, as shipped).
    """
    reference = pyshacl_verdicts(batch) if reference is None else reference
    checks = validators() if checks is None else checks
    found = disagreements(batch, reference, checks)
    pairs = len(batch) * len(checks)
    assert not found, _report(found, pairs)
    return pairs


# ------------------------------------------------------------------------------------------- the tests

def test_every_shape_belongs_to_one_eligibility_shape() -> None:
    owner = owners()
    assert len(eligibility_shapes()) == 86 == len(validators())
    property_shapes = set(shapes().subjects(RDF.type, SH.PropertyShape))
    assert property_shapes <= set(owner), property_shapes - set(owner)


@cache
def seeded_batch() -> tuple[tuple[Profile, ...], tuple[Verdicts, ...]]:
    """A fixed batch of random profiles and pyshacl's verdicts on it (one pyshacl run, shared by two tests)."""
    rng = random.Random(SEED)
    batch = tuple(random_profile(rng) for _ in range(SEEDED))
    return batch, tuple(pyshacl_verdicts(batch))


def test_seeded_batch_agrees() -> None:
    batch, reference = seeded_batch()
    assert assert_agreement(batch, reference) == SEEDED * 86
    # the batch is not trivial: both verdicts are frequent, and every shape is met and failed
    verdicts = [(shape, not v.get(shape)) for v in reference for shape in eligibility_shapes()]
    eligible = sum(ok for _, ok in verdicts)
    assert 0.1 < eligible / len(verdicts) < 0.9, eligible / len(verdicts)
    assert {shape for shape, ok in verdicts if ok} == set(eligibility_shapes())
    assert {shape for shape, ok in verdicts if not ok} == set(eligibility_shapes())


# no shrinking (each example is a pyshacl run): a failure prints the profiles and shapes that disagree
@settings(max_examples=BATCHES, deadline=None, derandomize=True, database=None,
          phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(st.lists(profiles(), min_size=60, max_size=80))
def test_generated_batches_agree(batch: list[Profile]) -> None:
    assert_agreement(batch)


def _threshold_mutations() -> list[tuple[Node, URIRef, Node]]:
    """Every range constraint of the shapes: (property shape, sh:min/max*clusive, bound)."""
    g = shapes()
    found = ((s, p, b) for p in RANGES for s, b in g.subject_objects(p))
    return sorted(found, key=lambda t: tuple(map(str, t)))


@cache
def boundary_batch() -> tuple[tuple[Profile, ...], tuple[Verdicts, ...]]:
    """Qualifying profiles moved onto each threshold and one step either side, and pyshacl's verdicts on them."""
    qualifying: dict[str, list[Mapping[str, object]]] = defaultdict(list)
    for benefit, (ok, _) in CASES.items():
        qualifying[benefit].append(ok)
    for benefit, moved, qualifies in BOUNDARIES:
        if qualifies:
            qualifying[benefit].append(moved)
    batch: dict[Profile, None] = {}
    g = shapes()
    for shape, _, bound in _threshold_mutations():
        benefit = str(owners()[shape]).rsplit("#", 1)[-1]
        key = FIELD_OF[g.value(shape, SH.path)]  # type: ignore[index]
        kind = NUMERIC[key]
        step = Decimal(1) if kind is int else Decimal("0.01")
        assert qualifying[benefit], f"no qualifying profile of {benefit} in test_eligibility_shapes.py"
        for changes in qualifying[benefit]:
            for value in (Decimal(str(bound)) + d for d in (-step, Decimal(0), step)):
                if value >= 0:
                    batch[profile_with({**changes, key: int(value) if kind is int else value})] = None
    profiles_ = tuple(batch)
    return profiles_, tuple(pyshacl_verdicts(profiles_))


def test_boundary_batch_agrees() -> None:
    batch, reference = boundary_batch()
    assert assert_agreement(batch, reference) == len(batch) * 86


_SWAP = {SH.minInclusive: SH.minExclusive, SH.minExclusive: SH.minInclusive,
         SH.maxInclusive: SH.maxExclusive, SH.maxExclusive: SH.maxInclusive}


@pytest.mark.parametrize(("shape", "predicate", "bound"), _threshold_mutations(),
                         ids=[f"{str(s).rsplit('#', 1)[-1]}-{str(p).rsplit('#', 1)[-1]}"
                              for s, p, _ in _threshold_mutations()])
def test_a_moved_threshold_is_a_disagreement(shape: Node, predicate: URIRef, bound: Node) -> None:
    """The harness fails when the compiled side reads one threshold otherwise (the value at the bound flips)."""
    mutated = Graph()
    mutated += shapes()
    mutated.remove((shape, predicate, bound))
    mutated.add((shape, _SWAP[predicate], bound))
    top = owners()[shape]
    batch, reference = boundary_batch()
    checks = _validators(mutated, [top])
    with pytest.raises(AssertionError) as failure:
        assert_agreement(batch, reference, checks)
    message = str(failure.value)  # names the shape, the profile and what each side found
    assert f"shape {top}\n" in message and "profile {'name': " in message, message
    assert "compiled: conforms=" in message and "pyshacl:  conforms=" in message, message
    found = disagreements(batch, reference, checks)
    key = FIELD_OF[shapes().value(shape, SH.path)]  # type: ignore[index]
    assert {d.shape for d in found} == {top}
    # the verdict flips exactly at the bound; beyond it the failing component differs (sh:maxExclusive, say)
    flipped = {getattr(d.profile, key) for d in found if d.compiled_conforms != (not d.reference)}
    assert flipped == {Decimal(str(bound))}, flipped
