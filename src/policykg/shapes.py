"""The pyshacl boundary: run SHACL shapes over rdflib graphs, return plain dataclasses.

Non-conformance is a result (``ValidationReport.conforms`` is False), never an exception;
:class:`~policykg.errors.ValidationFailure` means validation could not run. pyshacl is given rdflib
graphs (not a pyoxigraph store: it was found ~60x slower and wrong that way, see design.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from . import resources
from .errors import LoadError, ValidationFailure
from .namespaces import GRAPH, PREFIXES
from .store import EmbeddedStore


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL validation result."""

    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str  # Violation | Warning | Info
    shape: str
    constraint: str


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    results: tuple[ValidationResult, ...]
    report_graph: Graph

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == "Violation")


def load_shapes(*names: str) -> Graph:
    """Parse shape files from ``shapes/`` (e.g. ``load_shapes("corpus")``).

    Raises:
        LoadError: a shape file is missing or malformed.
    """
    g = Graph()
    for name in names:
        path = resources.shapes_dir() / f"{name}.ttl"
        try:
            g.parse(path, format="turtle")
        except FileNotFoundError as e:
            raise LoadError("no such shapes file", location=str(path)) from e
        except Exception as e:  # rdflib parser errors come in many classes
            raise LoadError(f"invalid Turtle: {e}", location=str(path)) from e
    return g


def data_graph(store: EmbeddedStore) -> Graph:
    """Everything in the store except the shapes graphs, as one rdflib graph."""
    shapes_prefix = str(GRAPH["shapes/"])
    quads = store.ox.quads_for_pattern(None, None, None, None)
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads
               if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(shapes_prefix)))
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    g = Graph()
    g.parse(data=data, format="nt")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


def _label(g: Graph, node: object) -> str | None:
    if node is None:
        return None
    return str(node)


def validate(data: Graph, shapes: Graph) -> ValidationReport:
    """Validate ``data`` against ``shapes`` with pyshacl (SHACL core + SHACL-SPARQL).

    Raises:
        ValidationFailure: pyshacl could not run (e.g. malformed shapes).
    """
    import pyshacl

    try:
        conforms, report, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
            abort_on_first=False,
        )
    except Exception as e:  # pyshacl raises ReportableRuntimeError, ConstraintLoadError, …
        raise ValidationFailure(f"SHACL validation could not run: {str(e).splitlines()[0]}") from e
    assert isinstance(report, Graph)
    results = []
    for r in report.subjects(predicate=None, object=SH.ValidationResult):
        def one(p: URIRef) -> object:
            return report.value(r, p)

        severity = str(one(SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        messages = sorted(str(m) for m in report.objects(r, SH.resultMessage))
        zh = [m for m in report.objects(r, SH.resultMessage) if getattr(m, "language", None) == "zh"]
        en = [m for m in report.objects(r, SH.resultMessage) if getattr(m, "language", None) == "en"]
        message = " / ".join(str(x) for x in (zh[:1] + en[:1])) or (messages[0] if messages else "")
        results.append(ValidationResult(
            focus=str(one(SH.focusNode)), path=_label(report, one(SH.resultPath)),
            value=_label(report, one(SH.value)), message=message, severity=severity,
            shape=str(one(SH.sourceShape)), constraint=str(one(SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
        ))
    results.sort(key=lambda r: (r.shape, r.focus, r.path or "", r.value or ""))
    return ValidationReport(conforms=bool(conforms), results=tuple(results), report_graph=report)


def validate_store(store: EmbeddedStore, *, shapes: tuple[str, ...] = ("corpus",)) -> ValidationReport:
    """Run the integrity shapes over the built store."""
    return validate(data_graph(store), load_shapes(*shapes))


def validate_file(path: Path, *, shapes: tuple[str, ...] = ("corpus",)) -> ValidationReport:
    """Run shapes over one Turtle file (used by tests and the draft checker)."""
    g = Graph()
    try:
        g.parse(path, format="turtle")
    except Exception as e:
        raise LoadError(f"invalid Turtle: {e}", location=str(path)) from e
    return validate(g, load_shapes(*shapes))
