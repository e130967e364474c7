"""A compiled SHACL Core evaluator: shapes parsed once, evaluated many times.

:func:`compile_shapes` reads a shapes graph once into an immutable tree of :class:`Shape` objects,
each holding one :class:`Constraint` object per SHACL Core constraint component
(https://www.w3.org/TR/shacl/#core-components). The same tree is evaluated two ways:

* :func:`validate_graph` over any RDF data graph — the semantics of the W3C recommendation, checked
  against the W3C SHACL Core test suite (``tests/eligibility/test_w3c_shacl_core.py``);
* :meth:`CompiledShapes.record_validator` over flat Python records (field name → native value or
  list of values), with every comparison value converted to a Python native and every regex compiled
  at compile time, so that evaluation is plain Python comparisons. It agrees with pyshacl on the
  RDF that :meth:`RecordValidator.to_triples` builds from the same record
  (``tests/eligibility/test_compiled_vs_pyshacl.py``).

Out of scope: SHACL-SPARQL (sh:sparql constraints and targets, SPARQL-based constraint components)
and sh:shapesGraph / owl:imports of the data graph; shapes using SHACL-SPARQL are reported as
malformed (:class:`~policykg.errors.ValidationFailure`) rather than silently ignored.

>>> from rdflib import Graph
>>> shapes = Graph().parse(format="turtle", data='''
... @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
... ex:S a sh:NodeShape ; sh:property [ sh:path ex:employees ; sh:maxInclusive 80 ] .''')
>>> check = compile_shapes(shapes).record_validator(
...     URIRef("http://example.org/S"), {URIRef("http://example.org/employees"): "employees"})
>>> check.conforms({"employees": 80}), [r.parameter for r in check({"employees": 81})]
(True, [80])
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import ClassVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ..errors import ValidationFailure

__all__ = [
    "AlternativePath", "CompiledShapes", "Constraint", "FieldSpec", "InversePath", "OneOrMorePath", "Path",
    "PredicatePath", "RecordValidator", "Result", "SequencePath", "Shape", "ZeroOrMorePath", "ZeroOrOnePath",
    "compile_shapes", "native_to_term", "parse_path", "validate_graph",
]

Triple = tuple[Node, Node, Node]
#: a record: field name -> native value, or a list / tuple of them (None or absent: no value)
Record = Mapping[str, object]

SPEC = "https://www.w3.org/TR/shacl/#core-components"

# --------------------------------------------------------------------------------------------- paths


def _short(term: Node) -> str:
    """A term for messages: ``sh:minCount`` for SHACL terms, N-Triples otherwise."""
    text = str(term)
    if isinstance(term, URIRef) and text.startswith(str(SH)):
        return "sh:" + text[len(str(SH)):]
    return term.n3()



class Path(ABC):
    """A SHACL property path (https://www.w3.org/TR/shacl/#property-paths); compares by structure."""

    @abstractmethod
    def values(self, g: Graph, node: Node) -> Iterator[Node]:
        """The nodes reached from ``node`` in ``g`` (with repetitions; callers deduplicate)."""

    @abstractmethod
    def inverse_values(self, g: Graph, node: Node) -> Iterator[Node]:
        """The nodes from which ``node`` is reached in ``g``."""

    def value_nodes(self, g: Graph, node: Node) -> list[Node]:
        """The value nodes of ``node``: distinct, in the order first reached."""
        return list(dict.fromkeys(self.values(g, node)))


@dataclass(frozen=True)
class PredicatePath(Path):
    predicate: URIRef

    def values(self, g: Graph, node: Node) -> Iterator[Node]:
        return g.objects(node, self.predicate)

    def inverse_values(self, g: Graph, node: Node) -> Iterator[Node]:
        return g.subjects(self.predicate, node)


@dataclass(frozen=True)
class InversePath(Path):
    path: Path

    def values(self, g: Graph, node: Node) -> Iterator[Node]:
        return self.path.inverse_values(g, node)

    def inverse_values(self, g: Graph, node: Node) -> Iterator[Node]:
        return self.path.values(g, node)


@dataclass(frozen=True)
class SequencePath(Path):
    paths: tuple[Path, ...]

    def values(self, g: Graph, node: Node) -> Iterator[Node]:
        current: Iterable[Node] = (node,)
        for p in self.paths:
            current = dict.fromkeys(v for n in current for v in p.values(g, n))
        return iter(current)

    def inverse_values(self, g: Graph, node: Node) -> Iterator[Node]:
        current: Iterable[Node] = (node,)
        for p in reversed(self.paths):
            current = dict.fromkeys(v for n in current for v in p.inverse_values(g, n))
        return iter(current)


@dataclass(frozen=True)
class AlternativePath(Path):
    paths: tuple[Path, ...]

    def values(self, g: Graph, node: Node) -> Iterator[Node]:
        return (v for p in self.paths for v in p.values(g, node))

    def inverse_values(self, g: Graph, node: Node) -> Iterator[Node]:
        return (v for p in self.paths for v in p.inverse_values(g, node))


def _closure(step: Callable[[Node], Iterable[Node]], node: Node, *, reflexive: bool) -> Iterator[Node]:
    seen: dict[Node, None] = {node: None} if reflexive else {}
    todo = [node]
    while todo:
        for v in step(todo.pop()):
            if v not in seen:
                seen[v] = None
                todo.append(v)
    return iter(seen)


@dataclass(frozen=True)
class ZeroOrMorePath(Path):
    path: Path

    def values(self, g: Graph, node: Node) -> Iterator[Node]:
        return _closure(lambda n: self.path.values(g, n), node, reflexive=True)

    def inverse_values(self, g: Graph, node: Node) -> Iterator[Node]:
        return _closure(lambda n: self.path.inverse_values(g, n), node, reflexive=True)


@dataclass(frozen=True)
class OneOrMorePath(Path):
    path: Path

    def values(self, g: Graph, node: Node) -> Iterator[Node]:
        return _closure(lambda n: self.path.values(g, n), node, reflexive=False)

    def inverse_values(self, g: Graph, node: Node) -> Iterator[Node]:
        return _closure(lambda n: self.path.inverse_values(g, n), node, reflexive=False)


@dataclass(frozen=True)
class ZeroOrOnePath(Path):
    path: Path

    def values(self, g: Graph, node: Node) -> Iterator[Node]:
        return iter(dict.fromkeys((node, *self.path.values(g, node))))

    def inverse_values(self, g: Graph, node: Node) -> Iterator[Node]:
        return iter(dict.fromkeys((node, *self.path.inverse_values(g, node))))


def _read_list(g: Graph, head: Node, what: str) -> list[Node]:
    """The members of the well-formed RDF list at ``head``.

    Raises:
        ValidationFailure: ``head`` is not a well-formed list.
    """
    members: list[Node] = []
    seen: set[Node] = set()
    node = head
    while node != RDF.nil:
        if node in seen or isinstance(node, Literal):
            raise ValidationFailure(f"{what}: not a well-formed RDF list", see=SPEC)
        seen.add(node)
        firsts = list(g.objects(node, RDF.first))
        rests = list(g.objects(node, RDF.rest))
        if len(firsts) != 1 or len(rests) != 1:
            raise ValidationFailure(f"{what}: not a well-formed RDF list", see=SPEC)
        members.append(firsts[0])
        node = rests[0]
    return members


_PATH_KINDS: tuple[tuple[URIRef, Callable[[Path], Path]], ...] = (
    (SH.inversePath, InversePath),
    (SH.zeroOrMorePath, ZeroOrMorePath),
    (SH.oneOrMorePath, OneOrMorePath),
    (SH.zeroOrOnePath, ZeroOrOnePath),
)


def parse_path(g: Graph, node: Node, *, shape: str = "path", _depth: int = 0) -> Path:
    """Parse the SHACL property path at ``node`` of ``g`` (a list is a sequence path).

    Raises:
        ValidationFailure: the path is malformed (the message names ``shape``).
    """
    if _depth > 64:
        raise ValidationFailure(f"shape {shape}: sh:path is cyclic", see=SPEC)
    if isinstance(node, URIRef):
        return PredicatePath(node)
    if not isinstance(node, BNode):
        raise ValidationFailure(f"shape {shape}: sh:path {node!r} is neither an IRI nor a path node", see=SPEC)
    if (node, RDF.first, None) in g:
        members = _read_list(g, node, f"shape {shape}: sh:path")
        if len(members) < 2:
            raise ValidationFailure(f"shape {shape}: a sequence path needs at least two members", see=SPEC)
        return SequencePath(tuple(parse_path(g, m, shape=shape, _depth=_depth + 1) for m in members))
    alternatives = list(g.objects(node, SH.alternativePath))
    if alternatives:
        if len(alternatives) != 1:
            raise ValidationFailure(f"shape {shape}: several sh:alternativePath values", see=SPEC)
        members = _read_list(g, alternatives[0], f"shape {shape}: sh:alternativePath")
        if len(members) < 2:
            raise ValidationFailure(f"shape {shape}: sh:alternativePath needs at least two members", see=SPEC)
        return AlternativePath(tuple(parse_path(g, m, shape=shape, _depth=_depth + 1) for m in members))
    for predicate, kind in _PATH_KINDS:
        inner = list(g.objects(node, predicate))
        if inner:
            if len(inner) != 1:
                raise ValidationFailure(f"shape {shape}: several {_short(predicate)} values", see=SPEC)
            return kind(parse_path(g, inner[0], shape=shape, _depth=_depth + 1))
    raise ValidationFailure(f"shape {shape}: sh:path blank node is not a SHACL path", see=SPEC)


# ------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Result:
    """One SHACL validation result (https://www.w3.org/TR/shacl/#results-validation-result).

    In record mode ``focus`` is None (the record is the focus node), ``value`` is the native value
    and ``field`` names the record field the path maps to. ``parameter`` is the constraint's
    parameter as a native (e.g. ``80`` for ``sh:maxInclusive 80``); it does not take part in equality.
    """

    focus: Node | None
    path: Path | None
    value: object
    source_shape: Node
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...] = ()
    field: str | None = None
    parameter: object = dc_field(default=None, compare=False)

    def message(self, lang: str = "en") -> str | None:
        """The ``sh:message`` in ``lang`` (or without a language tag), if the shape has one."""
        for m in self.messages:
            if m.language == lang:
                return str(m)
        for m in self.messages:
            if not m.language:
                return str(m)
        return None


# --------------------------------------------------------------------------------- literal semantics

_NUMERIC_DATATYPES = frozenset({
    XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.long, XSD.int, XSD.short, XSD.byte,
    XSD.nonNegativeInteger, XSD.positiveInteger, XSD.nonPositiveInteger, XSD.negativeInteger,
    XSD.unsignedLong, XSD.unsignedInt, XSD.unsignedShort, XSD.unsignedByte,
})
#: integer datatypes derived from xsd:integer, with their value ranges (inclusive; None: unbounded)
_INTEGER_RANGES: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.integer: (None, None),
    XSD.long: (-2**63, 2**63 - 1), XSD.int: (-2**31, 2**31 - 1),
    XSD.short: (-2**15, 2**15 - 1), XSD.byte: (-2**7, 2**7 - 1),
    XSD.nonNegativeInteger: (0, None), XSD.positiveInteger: (1, None),
    XSD.nonPositiveInteger: (None, 0), XSD.negativeInteger: (None, -1),
    XSD.unsignedLong: (0, 2**64 - 1), XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1), XSD.unsignedByte: (0, 2**8 - 1),
}
_NUMBER_TYPES = frozenset({int, Decimal, float})
_LEXICAL_CHECKS: dict[URIRef, re.Pattern[str]] = {
    XSD.integer: re.compile(r"[+-]?[0-9]+"),
    XSD.decimal: re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"),
    XSD.boolean: re.compile(r"true|false|1|0"),
    XSD.date: re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?"),
}


def _ill_formed(lit: Literal) -> bool:
    """True when ``lit`` is not a valid lexical form of its datatype (as far as rdflib knows)."""
    if lit.ill_typed:
        return True
    dtype = lit.datatype
    if dtype is None:
        return False
    lexical = str(lit)
    if dtype in _INTEGER_RANGES:
        if not _LEXICAL_CHECKS[XSD.integer].fullmatch(lexical.strip()):
            return True
        low, high = _INTEGER_RANGES[dtype]
        value = int(lexical)
        return (low is not None and value < low) or (high is not None and value > high)
    check = _LEXICAL_CHECKS.get(dtype)
    return check is not None and not check.fullmatch(lexical.strip())


def _sort_key(term: Node) -> tuple[str, object] | None:
    """The comparison class and native value of a literal for sh:min*/max*/lessThan, or None."""
    if not isinstance(term, Literal) or term.language or _ill_formed(term):
        return None
    dtype = term.datatype
    if dtype is None or dtype == XSD.string:
        return ("string", str(term))
    value = term.value
    if dtype in _NUMERIC_DATATYPES and type(value) in _NUMBER_TYPES:
        return ("number", value)
    if dtype == XSD.boolean and type(value) is bool:
        return ("boolean", value)
    if dtype == XSD.date and type(value) is dt.date:
        return ("date", value)
    if dtype == XSD.dateTime and type(value) is dt.datetime:
        return ("dateTime", value)
    return None


def _compare(a: Node, b: Node) -> int | None:
    """-1, 0 or 1 comparing two literals as SPARQL's < and =; None when they are not comparable."""
    ka, kb = _sort_key(a), _sort_key(b)
    if ka is None or kb is None or ka[0] != kb[0]:
        return None
    return _compare_natives(ka[1], kb[1])


def _compare_natives(x: object, y: object) -> int | None:
    try:
        if x < y:  # type: ignore[operator]
            return -1
        if x == y:
            return 0
        if x > y:  # type: ignore[operator]
            return 1
    except TypeError:  # naive vs aware datetimes
        return None
    return None  # NaN


def _native_kind(v: object, *, iri: bool) -> str | None:
    """The comparison class of a native record value (the same classes as :func:`_sort_key`)."""
    t = type(v)
    if t in _NUMBER_TYPES:
        return "number"
    if t is str:
        return None if iri else "string"
    if t is bool:
        return "boolean"
    if t is dt.date:
        return "date"
    if t is dt.datetime:
        return "dateTime"
    return None


def native_to_term(value: object, *, datatype: URIRef | None = None, iri: bool = False) -> Node:
    """The RDF term for a native record value: the conversion the record fast path assumes.

    ``datatype`` is the field's declared ``sh:datatype``: an int in an ``xsd:decimal`` field becomes
    an ``xsd:decimal`` literal. Strings become IRIs in ``iri`` fields (and always for URIRef).

    >>> native_to_term(5, datatype=XSD.decimal).n3()
    '"5"^^<http://www.w3.org/2001/XMLSchema#decimal>'

    Raises:
        ValidationFailure: the value has a type with no RDF counterpart.
    """
    t = type(value)
    if isinstance(value, URIRef):
        return value
    if t is str:
        return URIRef(str(value)) if iri else Literal(str(value))
    if t is bool:
        return Literal(value)
    if t is int:
        assert isinstance(value, int)
        if datatype in _INTEGER_RANGES:
            low, high = _INTEGER_RANGES[datatype]
            if (low is None or value >= low) and (high is None or value <= high):
                return Literal(str(value), datatype=datatype)
        elif datatype in (XSD.decimal, XSD.double, XSD.float):
            return Literal(str(value), datatype=datatype)
        return Literal(str(value), datatype=XSD.integer)
    if t is Decimal:
        if datatype in (XSD.double, XSD.float):
            return Literal(value, datatype=datatype)
        return Literal(value, datatype=XSD.decimal)
    if t is float:
        return Literal(value, datatype=XSD.float if datatype == XSD.float else XSD.double)
    if t is dt.datetime:
        return Literal(value, datatype=XSD.dateTime)
    if t is dt.date:
        return Literal(value, datatype=XSD.date)
    raise ValidationFailure(f"no RDF term for a record value of type {t.__name__}: {value!r}")


# ------------------------------------------------------------------------------------ shapes and ctx


@dataclass(frozen=True, eq=False)
class Shape:
    """A compiled shape: its node in the shapes graph, path (property shapes), targets, constraints."""

    node: Node
    path: Path | None
    severity: URIRef
    messages: tuple[Literal, ...]
    deactivated: bool
    target_nodes: tuple[Node, ...] = ()
    target_classes: tuple[Node, ...] = ()
    target_subjects_of: tuple[URIRef, ...] = ()
    target_objects_of: tuple[URIRef, ...] = ()
    #: filled in once by the compiler (shapes may refer to each other, even recursively)
    constraints: tuple[Constraint, ...] = ()

    @property
    def has_targets(self) -> bool:
        return bool(self.target_nodes or self.target_classes or self.target_subjects_of or self.target_objects_of)

    @property
    def name(self) -> str:
        return _short(self.node) if isinstance(self.node, (URIRef, Literal)) else f"_:{self.node}"


class _GraphContext:
    """What one :func:`validate_graph` run caches: superclasses, conformance of node to shape."""

    def __init__(self, data: Graph) -> None:
        self.data = data
        self._supers: dict[Node, frozenset[Node]] = {}
        self._conforms: dict[tuple[int, Node], bool] = {}
        self._active: set[tuple[int, Node]] = set()

    def superclasses(self, cls: Node) -> frozenset[Node]:
        found = self._supers.get(cls)
        if found is None:
            found = frozenset(_closure(lambda c: self.data.objects(c, RDFS.subClassOf), cls,
                                       reflexive=True))
            self._supers[cls] = found
        return found

    def is_instance(self, node: Node, cls: Node) -> bool:
        if isinstance(node, Literal):
            return False
        return any(cls in self.superclasses(t) for t in self.data.objects(node, RDF.type))

    def instances(self, cls: Node) -> Iterator[Node]:
        subclasses = _closure(lambda c: self.data.subjects(RDFS.subClassOf, c), cls, reflexive=True)
        return iter(dict.fromkeys(s for c in subclasses for s in self.data.subjects(RDF.type, c)))

    def validate(self, shape: Shape, focus: Node) -> list[Result]:
        if shape.deactivated:
            return []
        values = [focus] if shape.path is None else shape.path.value_nodes(self.data, focus)
        out: list[Result] = []
        for constraint in shape.constraints:
            out.extend(constraint.graph(self, shape, focus, values))
        return out

    def conforms(self, shape: Shape, node: Node) -> bool:
        key = (id(shape), node)
        known = self._conforms.get(key)
        if known is not None:
            return known
        if key in self._active:  # recursive shapes: undefined in SHACL; assume conformance
            return True
        self._active.add(key)
        try:
            ok = not self.validate(shape, node)
        finally:
            self._active.discard(key)
        self._conforms[key] = ok
        return ok


def _result(shape: Shape, focus: Node, value: object, component: URIRef, parameter: object = None,
            path: Path | None = None) -> Result:
    return Result(focus, path if path is not None else shape.path, value, shape.node, component, shape.severity,
                  shape.messages, None, parameter)


# ------------------------------------------------------------------------------------ record compile

#: a check over one native value
ValueTest = Callable[[object], bool]
#: appends the results of a shape over a record to the list
RecordRun = Callable[[Record, list[Result]], None]


@dataclass(frozen=True)
class FieldSpec:
    """How a record field stands for a predicate: its declared datatype and whether strings are IRIs."""

    name: str
    predicate: URIRef
    datatype: URIRef | None
    iri: bool

    def to_term(self, value: object) -> Node:
        """The RDF term of one native value of this field.

        Raises:
            ValidationFailure: the value has a type with no RDF counterpart.
        """
        return native_to_term(value, datatype=self.datatype, iri=self.iri)


class _Unsupported(Exception):
    """A constraint that cannot be evaluated over flat records."""


class _RecordCompiler:
    def __init__(self, compiled: CompiledShapes, fields: Mapping[URIRef, FieldSpec], root: Shape) -> None:
        self.compiled = compiled
        self.fields = fields
        self.root = root

    def field_of(self, shape: Shape) -> FieldSpec:
        if not isinstance(shape.path, PredicatePath):
            raise ValidationFailure(f"shape {shape.name}: record validation needs a single-predicate sh:path")
        spec = self.fields.get(shape.path.predicate)
        if spec is None:
            raise ValidationFailure(f"shape {shape.name}: no record field for {_short(shape.path.predicate)}")
        return spec

    def focus_shape(self, shape: Shape) -> RecordRun:
        """``shape`` applied to the record itself."""
        if shape.deactivated:
            return lambda record, out: None
        if shape.path is not None:
            return self.property_shape(shape)
        runs = [c.record_focus(self, shape) for c in shape.constraints]
        if len(runs) == 1:
            return runs[0]

        def run(record: Record, out: list[Result]) -> None:
            for r in runs:
                r(record, out)
        return run

    def property_shape(self, shape: Shape) -> RecordRun:
        spec = self.field_of(shape)
        name = spec.name
        count_runs: list[Callable[[Record, Sequence[object], list[Result]], None]] = []
        value_checks: list[tuple[ValueTest, URIRef, object]] = []
        for c in shape.constraints:
            test = c.record_value(self, shape, spec)
            if test is not None:
                value_checks.append((test, c.component, c.parameter))
            else:
                count_runs.append(c.record_values(self, shape, spec))
        path, node, severity, messages = shape.path, shape.node, shape.severity, shape.messages
        single = tuple(value_checks) if value_checks else None

        def run(record: Record, out: list[Result]) -> None:
            raw = record.get(name)
            values: Sequence[object] = () if raw is None else raw if type(raw) in (list, tuple) else (raw,)  # type: ignore[assignment]
            if single is not None:
                for v in values:
                    for test, component, parameter in single:
                        if not test(v):
                            out.append(Result(None, path, v, node, component, severity, messages, name, parameter))
            for count_run in count_runs:
                count_run(record, values, out)
        return run

    def value_shape(self, shape: Shape, spec: FieldSpec) -> ValueTest:
        """A test: does one value of field ``spec`` conform to ``shape``?"""
        if shape.deactivated:
            return lambda v: True
        if shape.path is not None:
            raise ValidationFailure(
                f"shape {shape.name}: a property shape on a field value cannot be evaluated over records")
        tests: list[ValueTest] = []
        for c in shape.constraints:
            test = c.record_value(self, shape, spec)
            if test is None:
                raise ValidationFailure(
                    f"shape {shape.name}: {_short(c.component)} on a field value cannot be evaluated over records")
            tests.append(test)
        if len(tests) == 1:
            return tests[0]
        return lambda v: all(t(v) for t in tests)

    def focus_test(self, shape: Shape) -> Callable[[Record], bool]:
        return _conformance(self.focus_shape(shape))


class _Failed(Exception):
    """Raised by :class:`_FirstFailure` to stop at the first result."""


class _FirstFailure(list[Result]):
    """A result list that stops evaluation at the first result (for conformance checks)."""

    def append(self, item: Result) -> None:
        raise _Failed

    def extend(self, items: Iterable[Result]) -> None:
        for _ in items:
            raise _Failed


def _conformance(run: RecordRun) -> Callable[[Record], bool]:
    def test(record: Record) -> bool:
        try:
            run(record, _FirstFailure())
        except _Failed:
            return False
        return True
    return test


def _unsupported(shape: Shape, component: URIRef, where: str) -> ValidationFailure:
    return ValidationFailure(f"shape {shape.name}: {_short(component)} {where} cannot be evaluated over records")


# ------------------------------------------------------------------------------------- constraints


class Constraint(ABC):
    """One SHACL Core constraint component instance with its parameter values, already converted."""

    component: ClassVar[URIRef]
    #: the parameter as a native value (for explanations)
    parameter: object = None

    @abstractmethod
    def graph(self, ctx: _GraphContext, shape: Shape, focus: Node, values: list[Node]) -> Iterable[Result]:
        """The results of this constraint for ``focus`` and its value nodes in a data graph."""

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        """A test of one native value of a field, or None for constraints over all the values.

        Raises:
            ValidationFailure: the constraint cannot be evaluated over records.
        """
        return None

    def record_values(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec
                      ) -> Callable[[Record, Sequence[object], list[Result]], None]:
        """A check over all the values of a field (counts, pairs of fields).

        Raises:
            ValidationFailure: the constraint cannot be evaluated over records.
        """
        raise _unsupported(shape, self.component, "on a field")

    def record_focus(self, rc: _RecordCompiler, shape: Shape) -> RecordRun:
        """A check of a node shape with the record as focus node.

        Raises:
            ValidationFailure: the constraint cannot be evaluated over records.
        """
        raise _unsupported(shape, self.component, "on the record itself")


class _ValueConstraint(Constraint):
    """A constraint that tests each value node on its own."""

    @abstractmethod
    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        """True if one value node satisfies the constraint."""

    def graph(self, ctx: _GraphContext, shape: Shape, focus: Node, values: list[Node]) -> Iterable[Result]:
        return [_result(shape, focus, v, self.component, self.parameter) for v in values if not self.ok(ctx, v)]


@dataclass(frozen=True)
class ClassConstraint(_ValueConstraint):
    cls: Node
    component: ClassVar[URIRef] = SH.ClassConstraintComponent

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        return ctx.is_instance(value, self.cls)

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        raise _unsupported(shape, self.component, "(the types of field values are not in the record)")


def _datatype_test(datatype: URIRef, declared: URIRef | None, iri: bool) -> ValueTest:
    """A native test equivalent to sh:datatype over :func:`native_to_term` of the value."""
    if datatype == declared or declared is None:
        if datatype == XSD.string:
            return (lambda v: type(v) is str) if not iri else (lambda v: False)
        if datatype == XSD.boolean:
            return lambda v: type(v) is bool
        if datatype == XSD.date:
            return lambda v: type(v) is dt.date
        if datatype == XSD.dateTime:
            return lambda v: type(v) is dt.datetime
        if datatype == XSD.integer:
            return lambda v: type(v) is int
        if datatype == XSD.decimal:
            return (lambda v: type(v) in (Decimal, int)) if declared is not None else (lambda v: type(v) is Decimal)
        if datatype == XSD.double:
            return (lambda v: type(v) in (float, Decimal, int)) if declared is not None else (lambda v: type(v) is float)

    def generic(v: object) -> bool:
        try:
            term = native_to_term(v, datatype=declared, iri=iri)
        except ValidationFailure:
            return False
        return isinstance(term, Literal) and term.datatype == datatype and not _ill_formed(term)
    return generic


@dataclass(frozen=True)
class DatatypeConstraint(_ValueConstraint):
    datatype: URIRef
    component: ClassVar[URIRef] = SH.DatatypeConstraintComponent

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        if not isinstance(value, Literal):
            return False
        actual = RDF.langString if value.language else (value.datatype or XSD.string)
        return actual == self.datatype and not _ill_formed(value)

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        return _datatype_test(self.datatype, spec.datatype, spec.iri)


_NODE_KINDS: dict[URIRef, tuple[bool, bool, bool]] = {  # (IRI, blank node, literal) allowed
    SH.IRI: (True, False, False), SH.BlankNode: (False, True, False), SH.Literal: (False, False, True),
    SH.BlankNodeOrIRI: (True, True, False), SH.BlankNodeOrLiteral: (False, True, True),
    SH.IRIOrLiteral: (True, False, True),
}


@dataclass(frozen=True)
class NodeKindConstraint(_ValueConstraint):
    kind: URIRef
    component: ClassVar[URIRef] = SH.NodeKindConstraintComponent

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        iri, bnode, literal = _NODE_KINDS[self.kind]
        return (iri and isinstance(value, URIRef)) or (bnode and isinstance(value, BNode)) or (
            literal and isinstance(value, Literal))

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        iri_ok, _, literal_ok = _NODE_KINDS[self.kind]
        return lambda v: iri_ok if (isinstance(v, URIRef) or (spec.iri and type(v) is str)) else literal_ok


_RANGE_TESTS: dict[URIRef, Callable[[int], bool]] = {
    SH.MinExclusiveConstraintComponent: lambda c: c > 0,   # value > parameter
    SH.MinInclusiveConstraintComponent: lambda c: c >= 0,
    SH.MaxExclusiveConstraintComponent: lambda c: c < 0,
    SH.MaxInclusiveConstraintComponent: lambda c: c <= 0,
}


@dataclass(frozen=True)
class RangeConstraint(_ValueConstraint):
    """sh:minExclusive, sh:minInclusive, sh:maxExclusive, sh:maxInclusive."""

    bound: Literal
    which: URIRef
    component: URIRef  # type: ignore[misc]
    parameter: object = None

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        c = _compare(value, self.bound)
        return c is not None and _RANGE_TESTS[self.component](c)

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        key = _sort_key(self.bound)
        if key is None:
            return lambda v: False
        kind, b = key
        if spec.iri and kind == "string":
            return lambda v: False
        component = self.component
        if kind == "number":
            num = _NUMBER_TYPES
            if component == SH.MinExclusiveConstraintComponent:
                return lambda v: type(v) in num and v > b  # type: ignore[operator]
            if component == SH.MinInclusiveConstraintComponent:
                return lambda v: type(v) in num and v >= b  # type: ignore[operator]
            if component == SH.MaxExclusiveConstraintComponent:
                return lambda v: type(v) in num and v < b  # type: ignore[operator]
            return lambda v: type(v) in num and v <= b  # type: ignore[operator]
        accept = _RANGE_TESTS[component]

        def test(v: object) -> bool:
            if _native_kind(v, iri=spec.iri) != kind:
                return False
            c = _compare_natives(v, b)
            return c is not None and accept(c)
        return test


@dataclass(frozen=True)
class LengthConstraint(_ValueConstraint):
    """sh:minLength and sh:maxLength."""

    length: int
    component: URIRef  # type: ignore[misc]

    @property
    def parameter(self) -> object:  # type: ignore[override]
        return self.length

    def _ok_string(self, text: str) -> bool:
        if self.component == SH.MinLengthConstraintComponent:
            return len(text) >= self.length
        return len(text) <= self.length

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        return not isinstance(value, BNode) and self._ok_string(str(value))

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        if self.component == SH.MinLengthConstraintComponent:
            n = self.length
            fast: ValueTest = lambda v: len(v) >= n  # type: ignore[arg-type]  # noqa: E731
        else:
            n = self.length
            fast = lambda v: len(v) <= n  # type: ignore[arg-type]  # noqa: E731
        return lambda v: fast(v) if type(v) is str else self._ok_string(str(spec.to_term(v)))


_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "q": 0}


@dataclass(frozen=True)
class PatternConstraint(_ValueConstraint):
    regex: re.Pattern[str]
    component: ClassVar[URIRef] = SH.PatternConstraintComponent

    @property
    def parameter(self) -> object:  # type: ignore[override]
        return self.regex.pattern

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        return not isinstance(value, BNode) and self.regex.search(str(value)) is not None

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        search = self.regex.search
        return lambda v: search(v if type(v) is str else str(spec.to_term(v))) is not None


def _lang_matches(tag: str, ranges: tuple[str, ...]) -> bool:
    tag = tag.lower()
    return any(r == "*" or tag == r or tag.startswith(r + "-") for r in ranges)


@dataclass(frozen=True)
class LanguageInConstraint(_ValueConstraint):
    ranges: tuple[str, ...]
    component: ClassVar[URIRef] = SH.LanguageInConstraintComponent

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        return isinstance(value, Literal) and bool(value.language) and _lang_matches(str(value.language), self.ranges)

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        return lambda v: False  # native values carry no language tag


@dataclass(frozen=True)
class InConstraint(_ValueConstraint):
    members: frozenset[Node]
    component: ClassVar[URIRef] = SH.InConstraintComponent

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        return value in self.members

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        return _term_membership(self.members, spec)


def _term_membership(members: frozenset[Node], spec: FieldSpec) -> ValueTest:
    """A test ``to_term(v) in members``, memoised on (type, value): the sets are small, the values repeat."""
    cache: dict[tuple[type, object], bool] = {}

    def test(v: object) -> bool:
        key = (type(v), v)
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable
            return False
        try:
            found = spec.to_term(v) in members
        except ValidationFailure:
            found = False
        if len(cache) < 65536:
            cache[key] = found
        return found
    return test


@dataclass(frozen=True)
class HasValueConstraint(Constraint):
    value: Node
    component: ClassVar[URIRef] = SH.HasValueConstraintComponent

    @property
    def parameter(self) -> object:  # type: ignore[override]
        return self.value.toPython() if isinstance(self.value, Literal) else str(self.value)

    def graph(self, ctx: _GraphContext, shape: Shape, focus: Node, values: list[Node]) -> Iterable[Result]:
        if self.value in values:
            return ()
        return (_result(shape, focus, None, self.component, self.parameter),)

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        if shape.path is not None:
            return None  # over all the values of the field
        return _term_membership(frozenset((self.value,)), spec)

    def record_values(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec
                      ) -> Callable[[Record, Sequence[object], list[Result]], None]:
        test = _term_membership(frozenset((self.value,)), spec)

        def run(record: Record, values: Sequence[object], out: list[Result]) -> None:
            if not any(test(v) for v in values):
                out.append(_record_result(shape, spec, None, self))
        return run


def _values(raw: object) -> Sequence[object]:
    """The values of a record field: none, one, or a list / tuple of them."""
    if raw is None:
        return ()
    if type(raw) in (list, tuple):
        return raw  # type: ignore[return-value]
    return (raw,)


def _record_result(shape: Shape, spec: FieldSpec | None, value: object, c: Constraint) -> Result:
    return Result(None, shape.path, value, shape.node, c.component, shape.severity, shape.messages,
                  spec.name if spec is not None else None, c.parameter)


@dataclass(frozen=True)
class CountConstraint(Constraint):
    """sh:minCount and sh:maxCount."""

    count: int
    component: URIRef  # type: ignore[misc]

    @property
    def parameter(self) -> object:  # type: ignore[override]
        return self.count

    def graph(self, ctx: _GraphContext, shape: Shape, focus: Node, values: list[Node]) -> Iterable[Result]:
        n = len(values)
        bad = n < self.count if self.component == SH.MinCountConstraintComponent else n > self.count
        return (_result(shape, focus, None, self.component, self.count),) if bad else ()

    def record_values(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec
                      ) -> Callable[[Record, Sequence[object], list[Result]], None]:
        n = self.count
        minimum = self.component == SH.MinCountConstraintComponent

        def run(record: Record, values: Sequence[object], out: list[Result]) -> None:
            k = len(values) if len(values) < 2 else len({(type(v), v) for v in values})
            if (k < n) if minimum else (k > n):
                out.append(_record_result(shape, spec, None, self))
        return run


@dataclass(frozen=True)
class UniqueLangConstraint(Constraint):
    component: ClassVar[URIRef] = SH.UniqueLangConstraintComponent

    def graph(self, ctx: _GraphContext, shape: Shape, focus: Node, values: list[Node]) -> Iterable[Result]:
        seen: dict[str, int] = {}
        for v in values:
            if isinstance(v, Literal) and v.language:
                seen[v.language.lower()] = seen.get(v.language.lower(), 0) + 1
        return [_result(shape, focus, None, self.component, lang) for lang, n in seen.items() if n > 1]

    def record_values(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec
                      ) -> Callable[[Record, Sequence[object], list[Result]], None]:
        return lambda record, values, out: None  # native values carry no language tag


@dataclass(frozen=True)
class PairConstraint(Constraint):
    """sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals."""

    predicate: URIRef
    component: URIRef  # type: ignore[misc]

    @property
    def parameter(self) -> object:  # type: ignore[override]
        return str(self.predicate)

    def graph(self, ctx: _GraphContext, shape: Shape, focus: Node, values: list[Node]) -> Iterable[Result]:
        others = list(dict.fromkeys(ctx.data.objects(focus, self.predicate)))
        c = self.component
        if c == SH.EqualsConstraintComponent:
            other_set, value_set = set(others), set(values)
            return [_result(shape, focus, v, c, self.parameter) for v in values if v not in other_set] + [
                _result(shape, focus, o, c, self.parameter) for o in others if o not in value_set]
        if c == SH.DisjointConstraintComponent:
            other_set = set(others)
            return [_result(shape, focus, v, c, self.parameter) for v in values if v in other_set]
        strict = c == SH.LessThanConstraintComponent
        out = []
        for v in values:
            for o in others:
                cmp = _compare(v, o)
                if cmp is None or cmp > 0 or (strict and cmp == 0):
                    out.append(_result(shape, focus, v, c, self.parameter))
        return out

    def record_values(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec
                      ) -> Callable[[Record, Sequence[object], list[Result]], None]:
        other = rc.fields.get(self.predicate)
        if other is None:
            raise ValidationFailure(f"shape {shape.name}: no record field for {_short(self.predicate)}")
        c = self.component
        name = other.name

        def others_of(record: Record) -> list[Node]:
            raw = record.get(name)
            vals = _values(raw)
            return list(dict.fromkeys(other.to_term(v) for v in vals))

        def run(record: Record, values: Sequence[object], out: list[Result]) -> None:
            terms = {spec.to_term(v): v for v in values}
            others = others_of(record)
            if c == SH.EqualsConstraintComponent:
                out.extend(_record_result(shape, spec, v, self) for t, v in terms.items() if t not in others)
                out.extend(_record_result(shape, spec, o.toPython() if isinstance(o, Literal) else str(o), self)
                           for o in others if o not in terms)
            elif c == SH.DisjointConstraintComponent:
                out.extend(_record_result(shape, spec, v, self) for t, v in terms.items() if t in others)
            else:
                strict = c == SH.LessThanConstraintComponent
                for t, v in terms.items():
                    for o in others:
                        cmp = _compare(t, o)
                        if cmp is None or cmp > 0 or (strict and cmp == 0):
                            out.append(_record_result(shape, spec, v, self))
        return run

    def record_focus(self, rc: _RecordCompiler, shape: Shape) -> RecordRun:
        if self.component in (SH.EqualsConstraintComponent, SH.DisjointConstraintComponent):
            # the record is not a value of any field
            other = rc.fields.get(self.predicate)
            if other is None:
                raise ValidationFailure(f"shape {shape.name}: no record field for {_short(self.predicate)}")
            name = other.name
            equals = self.component == SH.EqualsConstraintComponent

            def run(record: Record, out: list[Result]) -> None:
                raw = record.get(name)
                vals = _values(raw)
                if equals:
                    out.append(_record_result(shape, None, None, self))
                    out.extend(_record_result(shape, other, v, self) for v in vals)
            return run
        raise _unsupported(shape, self.component, "on the record itself")


class _ShapeReference(Constraint):
    """A constraint referring to other shapes: graph checks by conformance of each value node."""

    def _focus_run(self, shape: Shape, passes: Callable[[Record], bool]) -> RecordRun:
        def run(record: Record, out: list[Result]) -> None:
            if not passes(record):
                out.append(_record_result(shape, None, None, self))
        return run


@dataclass(frozen=True)
class NotConstraint(_ShapeReference, _ValueConstraint):
    shape: Shape
    component: ClassVar[URIRef] = SH.NotConstraintComponent

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        return not ctx.conforms(self.shape, value)

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        inner = rc.value_shape(self.shape, spec)
        return lambda v: not inner(v)

    def record_focus(self, rc: _RecordCompiler, shape: Shape) -> RecordRun:
        inner = rc.focus_test(self.shape)
        return self._focus_run(shape, lambda r: not inner(r))


@dataclass(frozen=True)
class NodeConstraint(_ShapeReference, _ValueConstraint):
    shape: Shape
    component: ClassVar[URIRef] = SH.NodeConstraintComponent

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        return ctx.conforms(self.shape, value)

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        return rc.value_shape(self.shape, spec)

    def record_focus(self, rc: _RecordCompiler, shape: Shape) -> RecordRun:
        return self._focus_run(shape, rc.focus_test(self.shape))


@dataclass(frozen=True)
class LogicalConstraint(_ShapeReference, _ValueConstraint):
    """sh:and, sh:or, sh:xone over a list of shapes (duplicates kept: they count in sh:xone)."""

    shapes: tuple[Shape, ...]
    component: URIRef  # type: ignore[misc]

    def _decide(self, passed: Iterable[bool]) -> bool:
        if self.component == SH.AndConstraintComponent:
            return all(passed)
        if self.component == SH.OrConstraintComponent:
            return any(passed)
        return sum(passed) == 1

    def ok(self, ctx: _GraphContext, value: Node) -> bool:
        return self._decide(ctx.conforms(s, value) for s in self.shapes)

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        tests = [rc.value_shape(s, spec) for s in self.shapes]
        return lambda v: self._decide(t(v) for t in tests)

    def record_focus(self, rc: _RecordCompiler, shape: Shape) -> RecordRun:
        tests = [rc.focus_test(s) for s in self.shapes]
        return self._focus_run(shape, lambda r: self._decide(t(r) for t in tests))


@dataclass(frozen=True)
class PropertyConstraint(Constraint):
    shape: Shape
    component: ClassVar[URIRef] = SH.PropertyConstraintComponent

    def graph(self, ctx: _GraphContext, shape: Shape, focus: Node, values: list[Node]) -> Iterable[Result]:
        return [r for v in values for r in ctx.validate(self.shape, v)]

    def record_focus(self, rc: _RecordCompiler, shape: Shape) -> RecordRun:
        return rc.focus_shape(self.shape)


@dataclass(frozen=True)
class QualifiedConstraint(Constraint):
    """sh:qualifiedValueShape with sh:qualifiedMinCount or sh:qualifiedMaxCount (one instance each)."""

    shape: Shape
    count: int
    siblings: tuple[Shape, ...]
    component: URIRef  # type: ignore[misc]

    @property
    def parameter(self) -> object:  # type: ignore[override]
        return self.count

    def _bad(self, n: int) -> bool:
        return n < self.count if self.component == SH.QualifiedMinCountConstraintComponent else n > self.count

    def graph(self, ctx: _GraphContext, shape: Shape, focus: Node, values: list[Node]) -> Iterable[Result]:
        n = sum(1 for v in values if ctx.conforms(self.shape, v)
                and not any(ctx.conforms(s, v) for s in self.siblings))
        return (_result(shape, focus, None, self.component, self.count),) if self._bad(n) else ()

    def record_values(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec
                      ) -> Callable[[Record, Sequence[object], list[Result]], None]:
        test = rc.value_shape(self.shape, spec)
        siblings = [rc.value_shape(s, spec) for s in self.siblings]

        def run(record: Record, values: Sequence[object], out: list[Result]) -> None:
            distinct = list({(type(v), v): v for v in values}.values())
            n = sum(1 for v in distinct if test(v) and not any(s(v) for s in siblings))
            if self._bad(n):
                out.append(_record_result(shape, spec, None, self))
        return run


@dataclass(frozen=True)
class ClosedConstraint(Constraint):
    allowed: frozenset[URIRef]
    component: ClassVar[URIRef] = SH.ClosedConstraintComponent

    def graph(self, ctx: _GraphContext, shape: Shape, focus: Node, values: list[Node]) -> Iterable[Result]:
        out = []
        for v in values:
            if isinstance(v, Literal):
                continue
            for p, o in ctx.data.predicate_objects(v):
                if p not in self.allowed:
                    out.append(_result(shape, focus, o, self.component, None, PredicatePath(p)))  # type: ignore[arg-type]
        return out

    def record_value(self, rc: _RecordCompiler, shape: Shape, spec: FieldSpec) -> ValueTest | None:
        return lambda v: True  # field values have no properties in a record

    def record_focus(self, rc: _RecordCompiler, shape: Shape) -> RecordRun:
        extra = [f for p, f in rc.fields.items() if p not in self.allowed]

        def run(record: Record, out: list[Result]) -> None:
            for f in extra:
                raw = record.get(f.name)
                for v in _values(raw):
                    out.append(Result(None, PredicatePath(f.predicate), v, shape.node, self.component,
                                      shape.severity, shape.messages, f.name))
        return run


# ------------------------------------------------------------------------------------------- compile

_SHAPE_REFERENCES = (SH.node, SH.property, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
_SPARQL = (SH.sparql, SH.target, SH.select, SH.ask)


class _Compiler:
    def __init__(self, g: Graph) -> None:
        self.g = g
        self.shapes: dict[Node, Shape] = {}

    def objects(self, node: Node, predicate: URIRef) -> list[Node]:
        """The values of ``predicate``, named nodes and literals in a stable order (whatever the order of
        the triples in the graph, e.g. a shapes graph read back from another store), blank nodes last."""
        return sorted(dict.fromkeys(self.g.objects(node, predicate)), key=lambda n: (isinstance(n, BNode), str(n)))

    def one(self, node: Node, predicate: URIRef, name: str) -> Node | None:
        values = self.objects(node, predicate)
        if len(values) > 1:
            raise ValidationFailure(f"shape {name}: several {_short(predicate)} values", see=SPEC)
        return values[0] if values else None

    def integer(self, node: Node, value: Node, predicate: URIRef, name: str) -> int:
        if not isinstance(value, Literal) or type(value.value) is not int or value.value < 0:
            raise ValidationFailure(f"shape {name}: {_short(predicate)} must be a non-negative integer, not {_short(value)}",
                                    see=SPEC)
        return value.value

    def boolean(self, node: Node, predicate: URIRef, name: str) -> bool:
        value = self.one(node, predicate, name)
        if value is None:
            return False
        if not isinstance(value, Literal) or value.datatype != XSD.boolean:
            raise ValidationFailure(f"shape {name}: {_short(predicate)} must be a boolean, not {_short(value)}", see=SPEC)
        return str(value) == "true"  # only the term true counts: "1"^^xsd:boolean does not (uniqueLang-002)

    def iri(self, value: Node, predicate: URIRef, name: str) -> URIRef:
        if not isinstance(value, URIRef):
            raise ValidationFailure(f"shape {name}: {_short(predicate)} must be an IRI, not {_short(value)}", see=SPEC)
        return value

    def name(self, node: Node) -> str:
        """The shape's IRI, or for a blank node shape the IRI of the shape it sits in."""
        if not isinstance(node, BNode):
            return _short(node)
        current: Node = node
        for _ in range(12):  # up through sh:property, sh:or ( … ) list cells, …
            parent = next(iter(self.g.subjects(None, current)), None)
            if parent is None:
                break
            if isinstance(parent, URIRef):
                return f"_:{node} (in {_short(parent)})"
            current = parent
        return f"_:{node}"

    def shape(self, node: Node) -> Shape:
        found = self.shapes.get(node)
        if found is not None:
            return found
        g = self.g
        name = self.name(node)
        if isinstance(node, Literal):
            raise ValidationFailure(f"shape {name}: a literal cannot be a shape", see=SPEC)
        for p in _SPARQL:
            if (node, p, None) in g:
                raise ValidationFailure(f"shape {name}: {_short(p)} is SHACL-SPARQL, not supported by the "
                                        "compiled evaluator (SHACL Core only)", see=SPEC)
        path_node = self.one(node, SH.path, name)
        path = parse_path(g, path_node, shape=name) if path_node is not None else None
        severity = self.one(node, SH.severity, name) or SH.Violation
        messages = tuple(m for m in self.objects(node, SH.message) if isinstance(m, Literal))
        classes = list(self.objects(node, SH.targetClass))
        if (node, RDF.type, RDFS.Class) in g and node not in classes:
            classes.append(node)  # implicit class target
        shape = Shape(
            node=node, path=path, severity=self.iri(severity, SH.severity, name), messages=messages,
            deactivated=self.boolean(node, SH.deactivated, name),
            target_nodes=tuple(self.objects(node, SH.targetNode)),
            target_classes=tuple(classes),
            target_subjects_of=tuple(self.iri(p, SH.targetSubjectsOf, name)
                                     for p in self.objects(node, SH.targetSubjectsOf)),
            target_objects_of=tuple(self.iri(p, SH.targetObjectsOf, name)
                                    for p in self.objects(node, SH.targetObjectsOf)),
        )
        self.shapes[node] = shape
        object.__setattr__(shape, "constraints", tuple(self.constraints(node, shape, name)))
        return shape

    def shape_list(self, node: Node, predicate: URIRef, name: str) -> Iterator[tuple[Node, list[Node]]]:
        for head in self.objects(node, predicate):
            yield head, _read_list(self.g, head, f"shape {name}: {_short(predicate)}")

    def constraints(self, node: Node, shape: Shape, name: str) -> Iterator[Constraint]:
        g = self.g
        for cls in self.objects(node, SH["class"]):
            yield ClassConstraint(cls)
        for datatype in self.objects(node, SH.datatype):
            yield DatatypeConstraint(self.iri(datatype, SH.datatype, name))
        for kind in self.objects(node, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise ValidationFailure(f"shape {name}: sh:nodeKind {_short(kind)} is not a node kind", see=SPEC)
            yield NodeKindConstraint(self.iri(kind, SH.nodeKind, name))
        for predicate, component in ((SH.minCount, SH.MinCountConstraintComponent),
                                     (SH.maxCount, SH.MaxCountConstraintComponent)):
            for value in self.objects(node, predicate):
                if shape.path is None:
                    raise ValidationFailure(f"shape {name}: {_short(predicate)} on a node shape", see=SPEC)
                yield CountConstraint(self.integer(node, value, predicate, name), component)
        for predicate, component in ((SH.minExclusive, SH.MinExclusiveConstraintComponent),
                                     (SH.minInclusive, SH.MinInclusiveConstraintComponent),
                                     (SH.maxExclusive, SH.MaxExclusiveConstraintComponent),
                                     (SH.maxInclusive, SH.MaxInclusiveConstraintComponent)):
            for value in self.objects(node, predicate):
                if not isinstance(value, Literal):
                    raise ValidationFailure(f"shape {name}: {_short(predicate)} must be a literal", see=SPEC)
                key = _sort_key(value)
                yield RangeConstraint(value, predicate, component, key[1] if key else value.toPython())
        for predicate, component in ((SH.minLength, SH.MinLengthConstraintComponent),
                                     (SH.maxLength, SH.MaxLengthConstraintComponent)):
            for value in self.objects(node, predicate):
                yield LengthConstraint(self.integer(node, value, predicate, name), component)
        flags_node = self.one(node, SH.flags, name)
        flags = 0
        if flags_node is not None:
            for ch in str(flags_node):
                if ch not in _FLAGS:
                    raise ValidationFailure(f"shape {name}: unknown sh:flags {str(flags_node)!r}", see=SPEC)
                flags |= _FLAGS[ch]
        for pattern in self.objects(node, SH.pattern):
            try:
                regex = re.compile(str(pattern), flags)
            except re.error as e:
                raise ValidationFailure(f"shape {name}: sh:pattern {str(pattern)!r} is not a regex: {e}",
                                        see=SPEC) from e
            yield PatternConstraint(regex)
        for head, members in self.shape_list(node, SH.languageIn, name):
            yield LanguageInConstraint(tuple(str(m).lower() for m in members))
        unique = self.one(node, SH.uniqueLang, name)
        if unique is not None and self.boolean(node, SH.uniqueLang, name):
            if shape.path is None:
                raise ValidationFailure(f"shape {name}: sh:uniqueLang on a node shape", see=SPEC)
            yield UniqueLangConstraint()
        for predicate, component in ((SH.equals, SH.EqualsConstraintComponent),
                                     (SH.disjoint, SH.DisjointConstraintComponent),
                                     (SH.lessThan, SH.LessThanConstraintComponent),
                                     (SH.lessThanOrEquals, SH.LessThanOrEqualsConstraintComponent)):
            for value in self.objects(node, predicate):
                if shape.path is None and component in (SH.LessThanConstraintComponent,
                                                        SH.LessThanOrEqualsConstraintComponent):
                    raise ValidationFailure(f"shape {name}: {_short(predicate)} on a node shape", see=SPEC)
                yield PairConstraint(self.iri(value, predicate, name), component)
        for value in self.objects(node, SH["not"]):
            yield NotConstraint(self.shape(value))
        for predicate, component in ((SH["and"], SH.AndConstraintComponent), (SH["or"], SH.OrConstraintComponent),
                                     (SH.xone, SH.XoneConstraintComponent)):
            for head, members in self.shape_list(node, predicate, name):
                yield LogicalConstraint(tuple(self.shape(m) for m in members), component)
        for value in self.objects(node, SH.node):
            yield NodeConstraint(self.shape(value))
        for value in self.objects(node, SH.property):
            yield PropertyConstraint(self.shape(value))
        for value in self.objects(node, SH.qualifiedValueShape):
            if shape.path is None:
                raise ValidationFailure(f"shape {name}: sh:qualifiedValueShape on a node shape", see=SPEC)
            qualified = self.shape(value)
            siblings: tuple[Shape, ...] = ()
            if self.boolean(node, SH.qualifiedValueShapesDisjoint, name):
                sibling_nodes = dict.fromkeys(
                    q for parent in g.subjects(SH.property, node) for sibling in g.objects(parent, SH.property)
                    for q in g.objects(sibling, SH.qualifiedValueShape) if q != value)
                siblings = tuple(self.shape(q) for q in sibling_nodes)
            counts = [(SH.qualifiedMinCount, SH.QualifiedMinCountConstraintComponent),
                      (SH.qualifiedMaxCount, SH.QualifiedMaxCountConstraintComponent)]
            found = False
            for predicate, component in counts:
                count = self.one(node, predicate, name)
                if count is not None:
                    found = True
                    yield QualifiedConstraint(qualified, self.integer(node, count, predicate, name), siblings,
                                              component)
            if not found:
                raise ValidationFailure(f"shape {name}: sh:qualifiedValueShape without a qualified count", see=SPEC)
        for value in self.objects(node, SH.hasValue):
            yield HasValueConstraint(value)
        for head, members in self.shape_list(node, SH["in"], name):
            yield InConstraint(frozenset(members))
        if self.boolean(node, SH.closed, name):
            allowed: set[URIRef] = set()
            for prop in self.objects(node, SH.property):
                for p in g.objects(prop, SH.path):
                    if isinstance(p, URIRef):
                        allowed.add(p)
            for _, members in self.shape_list(node, SH.ignoredProperties, name):
                allowed.update(m for m in members if isinstance(m, URIRef))
            yield ClosedConstraint(frozenset(allowed))


def _shape_nodes(g: Graph) -> Iterator[Node]:
    """The shapes to compile: declared shapes and every subject of a target."""
    yield from g.subjects(RDF.type, SH.NodeShape)
    yield from g.subjects(RDF.type, SH.PropertyShape)
    for p in (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf):
        yield from g.subjects(p, None)
    for cls in g.subjects(RDF.type, RDFS.Class):
        if any((cls, RDF.type, t) in g for t in (SH.NodeShape, SH.PropertyShape)):
            yield cls


@dataclass(frozen=True, eq=False)
class CompiledShapes:
    """A shapes graph compiled once: every shape by its node, and the shapes that have targets."""

    shapes: Mapping[Node, Shape]
    targeted: tuple[Shape, ...]

    def __getitem__(self, node: Node) -> Shape:
        return self.shapes[node]

    def record_validator(self, shape: Node, field_of: Mapping[URIRef, str]) -> RecordValidator:
        """A validator of flat records against the node shape ``shape``.

        ``field_of`` maps the predicate of every property shape reached from ``shape`` to a record
        field name. Each field's declared datatype is the one ``sh:datatype`` the property shapes of
        its predicate (anywhere in the shapes graph) agree on; its strings are IRIs when its shapes expect IRIs (sh:nodeKind sh:IRI, sh:class,
        or IRIs in sh:in / sh:hasValue).

        Raises:
            ValidationFailure: no such shape, or it uses constraints that need a graph
                (sh:class, nested property shapes on field values, non-predicate paths, ...).
        """
        root = self.shapes.get(shape)
        if root is None:
            raise ValidationFailure(f"shape {_short(shape)}: no such shape in the compiled shapes graph")
        specs = {p: _field_spec(p, name, self._property_shapes(p)) for p, name in field_of.items()}
        rc = _RecordCompiler(self, specs, root)
        return RecordValidator(root, tuple(specs.values()), rc.focus_shape(root))

    def _property_shapes(self, predicate: URIRef) -> list[Shape]:
        """The property shapes for ``predicate`` in the whole shapes graph (so that a field stands for
        the same RDF whichever shape checks it), and the node shapes their values are checked against."""
        found = [s for s in self.shapes.values()
                 if isinstance(s.path, PredicatePath) and s.path.predicate == predicate]
        value_shapes: list[Shape] = []
        todo = [r for s in found for r in _referenced(s) if r.path is None]
        seen: set[int] = set()
        while todo:  # the node shapes the values of the field are checked against
            s = todo.pop()
            if id(s) not in seen:
                seen.add(id(s))
                value_shapes.append(s)
                todo.extend(_referenced(s))
        return found + value_shapes


def _referenced(shape: Shape) -> Iterator[Shape]:
    for c in shape.constraints:
        if isinstance(c, (PropertyConstraint, NodeConstraint, NotConstraint, QualifiedConstraint)):
            yield c.shape
        if isinstance(c, QualifiedConstraint):
            yield from c.siblings
        elif isinstance(c, LogicalConstraint):
            yield from c.shapes


def _field_spec(predicate: URIRef, name: str, shapes: list[Shape]) -> FieldSpec:
    datatypes = {c.datatype for s in shapes for c in s.constraints if isinstance(c, DatatypeConstraint)}
    iri = False
    for s in shapes:
        for c in s.constraints:
            if isinstance(c, NodeKindConstraint) and c.kind == SH.IRI:
                iri = True
            elif isinstance(c, ClassConstraint):
                iri = True
            elif isinstance(c, InConstraint) and c.members and all(isinstance(m, URIRef) for m in c.members):
                iri = True
            elif isinstance(c, HasValueConstraint) and isinstance(c.value, URIRef):
                iri = True
    return FieldSpec(name, predicate, next(iter(datatypes)) if len(datatypes) == 1 else None, iri)


@dataclass(frozen=True, eq=False)
class RecordValidator:
    """Validates flat records against one compiled node shape; call it with a record.

    >>> from rdflib import Graph
    >>> shapes = Graph().parse(format="turtle", data='''
    ... @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
    ... ex:S a sh:NodeShape ; sh:property [ sh:path ex:n ; sh:minCount 1 ] .''')
    >>> v = compile_shapes(shapes).record_validator(URIRef("http://example.org/S"), {URIRef("http://example.org/n"): "n"})
    >>> [r.component.fragment for r in v({})]
    ['MinCountConstraintComponent']
    """

    shape: Shape
    fields: tuple[FieldSpec, ...]
    _run: RecordRun

    def __call__(self, record: Record) -> list[Result]:
        out: list[Result] = []
        self._run(record, out)
        return out

    def conforms(self, record: Record) -> bool:
        """True when the record conforms to the shape (stops at the first failed constraint)."""
        try:
            self._run(record, _FirstFailure())
        except _Failed:
            return False
        return True

    def to_triples(self, record: Record, focus: Node) -> Iterator[Triple]:
        """The RDF the record stands for, with ``focus`` as its node (what :func:`validate_graph` would see).

        Raises:
            ValidationFailure: a value has a type with no RDF counterpart.
        """
        for spec in self.fields:
            raw = record.get(spec.name)
            for v in _values(raw):
                yield focus, spec.predicate, spec.to_term(v)


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Compile a SHACL shapes graph (SHACL Core) into an immutable tree of constraint objects.

    Raises:
        ValidationFailure: a shape is malformed or uses SHACL-SPARQL (the message names the shape).
    """
    compiler = _Compiler(shapes)
    for node in dict.fromkeys(_shape_nodes(shapes)):
        compiler.shape(node)
    targeted = tuple(s for s in compiler.shapes.values() if s.has_targets)
    return CompiledShapes(dict(compiler.shapes), targeted)


def _focus_nodes(ctx: _GraphContext, shape: Shape) -> Iterator[Node]:
    data = ctx.data
    nodes: dict[Node, None] = dict.fromkeys(shape.target_nodes)
    for cls in shape.target_classes:
        nodes.update(dict.fromkeys(ctx.instances(cls)))
    for p in shape.target_subjects_of:
        nodes.update(dict.fromkeys(data.subjects(p, None)))
    for p in shape.target_objects_of:
        nodes.update(dict.fromkeys(data.objects(None, p)))
    return iter(nodes)


def validate_graph(compiled: CompiledShapes, data: Graph) -> list[Result]:
    """Validate an RDF data graph against compiled shapes; no results means the graph conforms.

    Raises:
        ValidationFailure: never for non-conformance; only if evaluation itself fails.
    """
    ctx = _GraphContext(data)
    out: list[Result] = []
    for shape in compiled.targeted:
        if shape.deactivated:
            continue
        for focus in _focus_nodes(ctx, shape):
            out.extend(ctx.validate(shape, focus))
    return out
