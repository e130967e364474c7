"""Generated evaluators: many SHACL node shapes compiled into one Python function over records.

The record path of :mod:`policykg.eligibility.compiled` evaluates a shape through a tree of closures
and builds a :class:`~policykg.eligibility.compiled.Result` for every failure — right for explanations,
too slow for batches of 100,000 profiles against every benefit. This module generates the source of
one function that answers *does the record conform?* for each of a list of node shapes, with each
constraint inlined as a Python expression (``type(x) in NUM and x <= 80``), and ``exec``s it.

The semantics are those of the record path (and so of SHACL over the RDF the record stands for):
the same value conversions (:func:`~policykg.eligibility.compiled.native_to_term`), the same counts
of distinct values, the same handling of missing values. A node shape that uses a constraint this
generator does not inline is evaluated by the record validator instead, so every shape is supported;
a property-based test keeps generated, record and pySHACL verdicts identical.

Fields named in ``multi`` hold a tuple of strings (e.g. ``beneficiary_kind``, ``attests``); every other
field holds one value or None. A record that breaks this (a list in a single-valued field) is evaluated
by the record validators.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rdflib import Literal, URIRef
from rdflib.namespace import SH

from ..errors import ValidationFailure
from .compiled import (
    CompiledShapes,
    Constraint,
    CountConstraint,
    FieldSpec,
    HasValueConstraint,
    InConstraint,
    LogicalConstraint,
    NodeConstraint,
    NotConstraint,
    PredicatePath,
    PropertyConstraint,
    QualifiedConstraint,
    RangeConstraint,
    Record,
    RecordValidator,
    Shape,
    _sort_key,
    native_to_term,
)

__all__ = ["GeneratedEvaluator", "generate"]

_NUMBERS = (int, Decimal, float)
_RANGE_OPERATORS = {
    SH.MinExclusiveConstraintComponent: ">", SH.MinInclusiveConstraintComponent: ">=",
    SH.MaxExclusiveConstraintComponent: "<", SH.MaxInclusiveConstraintComponent: "<=",
}


class _Fallback(Exception):
    """The shape uses something the generator does not inline."""


@dataclass(eq=False)
class GeneratedEvaluator:
    """``evaluator(record)`` is a list of booleans: whether the record conforms to each shape, in order."""

    shapes: tuple[URIRef, ...]
    source: str
    #: indexes of the shapes evaluated by their record validators (not inlined)
    fallbacks: tuple[int, ...]
    _function: Callable[[Record], list[bool]]

    def __call__(self, record: Record) -> list[bool]:
        return self._function(record)


class _Generator:
    def __init__(self, compiled: CompiledShapes, specs: Mapping[URIRef, FieldSpec], multi: frozenset[str]) -> None:
        self.compiled = compiled
        self.specs = specs
        self.multi = multi
        self.constants: dict[str, object] = {}
        self.fields: dict[str, str] = {}  # field name -> local variable
        self.uses: dict[str, int] = {}  # property-shape expression -> times used

    def constant(self, value: object) -> str:
        for name, existing in self.constants.items():
            if type(existing) is type(value) and existing == value:
                return name
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    def local(self, field_name: str) -> str:
        var = self.fields.get(field_name)
        if var is None:
            var = self.fields[field_name] = f"f{len(self.fields)}"
        return var

    # -- value tests: an expression over the name `x` (one value) ---------------------------------

    def membership(self, members: Sequence[object], spec: FieldSpec, x: str) -> str:
        """``to_term(x) in members`` as an expression, when every member has one native form."""
        accepted: set[tuple[type, object]] = set()
        for m in members:
            if isinstance(m, URIRef):
                if spec.iri:
                    accepted.add((str, str(m)))
                continue  # no native string becomes an IRI in a literal field
            if not isinstance(m, Literal):
                continue  # blank nodes: no native value is one
            native = m.toPython()
            if native is m or isinstance(native, Literal):
                raise _Fallback("a literal with no native value")
            try:
                if native_to_term(native, datatype=spec.datatype, iri=spec.iri) != m:
                    raise _Fallback("a literal whose native value does not convert back to it")
            except ValidationFailure:
                raise _Fallback("a literal with no native value") from None
            # other natives could convert to the same literal (1 and Decimal(1) in an xsd:decimal field)
            if type(native) in _NUMBERS:
                raise _Fallback("numeric members")
            accepted.add((type(native), native))
        if not accepted:
            return "False"
        types = {t for t, _ in accepted}
        if len(types) == 1:
            (t,) = types
            return f"(type({x}) is {self.constant(t)} and {x} in {self.constant(frozenset(v for _, v in accepted))})"
        return f"((type({x}), {x}) in {self.constant(frozenset(accepted))})"

    def value_test(self, c: Constraint, spec: FieldSpec, x: str) -> str:
        if isinstance(c, RangeConstraint):
            key = _sort_key(c.bound)
            if key is None:
                return "False"
            kind, bound = key
            if kind == "string" and spec.iri:
                return "False"
            if kind != "number":
                raise _Fallback(f"a {kind} range")
            return f"(type({x}) in NUM and {x} {_RANGE_OPERATORS[c.component]} {self.constant(bound)})"
        if isinstance(c, InConstraint):
            return self.membership(sorted(c.members, key=str), spec, x)
        raise _Fallback(f"{c.component} on values")

    def str_members(self, shape: Shape, spec: FieldSpec) -> frozenset[str] | None:
        """The IRIs a value shape accepts when it is exactly one sh:in of IRIs on an IRI field, else None."""
        if shape.deactivated or shape.path is not None or len(shape.constraints) != 1 or not spec.iri:
            return None
        (c,) = shape.constraints
        if not isinstance(c, InConstraint) or not all(isinstance(m, URIRef) for m in c.members):
            return None
        return frozenset(str(m) for m in c.members)

    def value_shape_test(self, shape: Shape, spec: FieldSpec, x: str) -> str:
        """Does one value conform to a node shape (sh:qualifiedValueShape)?"""
        if shape.deactivated:
            return "True"
        if shape.path is not None:
            raise _Fallback("a property shape on values")
        tests = [self.value_test(c, spec, x) for c in shape.constraints]
        return "(" + " and ".join(tests) + ")" if tests else "True"

    # -- shapes -------------------------------------------------------------------------------------

    def property_shape(self, shape: Shape) -> str:
        if shape.deactivated:
            return "True"
        if not isinstance(shape.path, PredicatePath):
            raise _Fallback("a path that is not a predicate")
        spec = self.specs.get(shape.path.predicate)
        if spec is None:
            raise _Fallback(f"no field for {shape.path.predicate}")
        var = self.local(spec.name)
        multi = spec.name in self.multi
        value_tests: list[str] = []
        counts: list[str] = []
        for c in shape.constraints:
            if isinstance(c, CountConstraint):
                n = c.count
                # multi-valued fields hold tuples of str (the guard checks): distinct values = the set
                k = (f"len({var})" if n <= 1 else f"len(set({var}))") if multi else f"(0 if {var} is None else 1)"
                op = ">=" if c.component == SH.MinCountConstraintComponent else "<="
                if not multi and op == ">=" and n == 1:
                    counts.append(f"({var} is not None)")
                elif not multi and op == "<=" and n >= 1:
                    continue
                else:
                    counts.append(f"({k} {op} {n})")
            elif isinstance(c, HasValueConstraint):
                if multi and isinstance(c.value, URIRef) and spec.iri:
                    counts.append(f"({self.constant(str(c.value))} in {var})")
                elif multi:
                    counts.append(f"any({self.membership([c.value], spec, 'v')} for v in {var})")
                else:
                    counts.append(f"({var} is not None and {self.membership([c.value], spec, var)})")
            elif isinstance(c, QualifiedConstraint):
                if c.siblings:
                    raise _Fallback("sibling qualified shapes")
                test = self.value_shape_test(c.shape, spec, "v")
                n = c.count
                members = self.str_members(c.shape, spec)
                if multi and members is not None and n == 1 and c.component == SH.QualifiedMinCountConstraintComponent:
                    counts.append(f"(not {self.constant(members)}.isdisjoint({var}))")
                    continue
                if multi:
                    counted = f"len(set(v for v in {var} if {test}))"
                else:
                    counted = f"(1 if {var} is not None and {self.value_shape_test(c.shape, spec, var)} else 0)"
                op = ">=" if c.component == SH.QualifiedMinCountConstraintComponent else "<="
                counts.append(f"({counted} {op} {n})")
            else:
                value_tests.append(self.value_test(c, spec, "v" if multi else var))
        parts: list[str] = []
        required = f"({var} is not None)"
        if value_tests:
            joined = " and ".join(value_tests)
            if multi:
                parts.append(f"all({joined} for v in {var})")
            elif required in counts:  # a required single value: `x is not None and T` says both
                counts.remove(required)
                parts.append(f"({var} is not None and {joined})")
            else:
                parts.append(f"({var} is None or ({joined}))")
        parts.extend(counts)
        expression = "(" + " and ".join(parts) + ")" if parts else "True"
        self.uses[expression] = self.uses.get(expression, 0) + 1
        return expression

    def node_shape(self, shape: Shape, depth: int = 0) -> str:
        if depth > 16:
            raise _Fallback("shapes nested too deep (recursive shapes)")
        if shape.deactivated:
            return "True"
        if shape.path is not None:
            return self.property_shape(shape)
        parts: list[str] = []
        for c in shape.constraints:
            if isinstance(c, PropertyConstraint):
                parts.append(self.property_shape(c.shape))
            elif isinstance(c, LogicalConstraint):
                inner = [self.node_shape(s, depth + 1) for s in c.shapes]
                if c.component == SH.OrConstraintComponent:
                    parts.append("(" + " or ".join(inner) + ")" if inner else "False")
                elif c.component == SH.AndConstraintComponent:
                    parts.append("(" + " and ".join(inner) + ")" if inner else "True")
                else:  # xone
                    parts.append("((" + ") + (".join(inner) + ") == 1)" if inner else "False")
            elif isinstance(c, NotConstraint):
                parts.append(f"(not {self.node_shape(c.shape, depth + 1)})")
            elif isinstance(c, NodeConstraint):
                parts.append(self.node_shape(c.shape, depth + 1))
            else:
                raise _Fallback(f"{c.component} on the focus node")
        return "(" + " and ".join(parts) + ")" if parts else "True"


def generate(compiled: CompiledShapes, shapes: Sequence[URIRef], validators: Sequence[RecordValidator],
             multi: frozenset[str]) -> GeneratedEvaluator:
    """One function deciding conformance of a record to each of ``shapes``.

    ``validators`` are the record validators of the same shapes (built with the record fields of the
    engine): their field specs say how fields stand for predicates, and they evaluate the shapes the
    generator does not inline.
    """
    specs: dict[URIRef, FieldSpec] = {}
    for v in validators:
        for spec in v.fields:
            specs.setdefault(spec.predicate, spec)
    gen = _Generator(compiled, specs, multi)
    expressions: list[str] = []
    fallbacks: list[int] = []
    for i, node in enumerate(shapes):
        try:
            expressions.append(gen.node_shape(compiled[node]))
        except _Fallback:
            fallbacks.append(i)
            expressions.append(f"FB[{i}](r)")
    lines = ["def evaluate(r):", "    g = r.get"]
    for name, var in gen.fields.items():
        lines.append(f"    {var} = g({name!r})")
    scalar = [var for name, var in gen.fields.items() if name not in multi]
    many = [var for name, var in gen.fields.items() if name in multi]
    guard = [f"type({v}) in SEQ" for v in scalar] + [
        f"({v} is not None and (type({v}) is not tuple or not STRS.issuperset(map(type, {v}))))" for v in many]
    if guard:
        lines.append(f"    if {' or '.join(guard)}:")
        lines.append("        return SLOW(r)")
    for var in many:
        lines.append(f"    if {var} is None: {var} = ()")
    # a property-shape test used by several shapes is computed once (e.g. "a small or micro enterprise")
    shared = sorted((e for e, n in gen.uses.items() if n > 1), key=len, reverse=True)
    for k, e in enumerate(shared):
        lines.append(f"    s{k} = {e}")
        expressions = [x.replace(e, f"s{k}") for x in expressions]
    # every inlined expression is a bool already (comparisons, `in`, `not`, and/or of bools); the record
    # validators' conforms() of fallbacks too
    lines.append("    return [")
    for e in expressions:
        lines.append(f"        {e},")
    lines.append("    ]")
    source = "\n".join(lines) + "\n"
    conforms = [v.conforms for v in validators]
    namespace: dict[str, object] = dict(gen.constants)
    namespace.update({
        "NUM": frozenset(_NUMBERS), "SEQ": frozenset((list, tuple)), "STRS": frozenset((str,)),
        "FB": conforms, "SLOW": lambda r: [c(r) for c in conforms],
    })
    exec(compile(source, "<policykg generated evaluator>", "exec"), namespace)  # noqa: S102 - our own source
    function = namespace["evaluate"]
    assert callable(function)
    return GeneratedEvaluator(tuple(shapes), source, tuple(fallbacks), function)
