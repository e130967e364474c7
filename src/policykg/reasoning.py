"""The owlready2 boundary: OWL 2 DL consistency checking with HermiT.

Nothing else in policykg imports owlready2. The graph is written to a temporary N-Triples file,
loaded into a fresh owlready2 ``World`` (never the default world) and classified by HermiT.
HermiT accepts only the OWL 2 datatype map, which lacks ``xsd:date`` and ``xsd:duration``; before
handing the graph over, dates are rewritten as ``xsd:dateTime`` (midnight) and other datatypes
outside the map as ``xsd:string`` — in literals and in ``rdfs:range`` axioms alike — so datatype
checking keeps working for every property.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .errors import OntologyError

__all__ = ["ConsistencyReport", "check_consistency", "load_graph"]

_REASONER = "HermiT (owlready2)"

# the OWL 2 datatype map (OWL 2 Structural Specification, section 4)
_OWL2_DATATYPES: frozenset[URIRef] = frozenset(
    [RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal, OWL.real, OWL.rational]
    + [
        XSD[name]
        for name in (
            "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger "
            "long int short byte unsignedLong unsignedInt unsignedShort unsignedByte double float "
            "string normalizedString token language Name NCName NMTOKEN boolean hexBinary "
            "base64Binary anyURI dateTime dateTimeStamp"
        ).split()
    ]
    + [URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")]
)


@dataclass(frozen=True)
class ConsistencyReport:
    """The outcome of one consistency check.

    ``consistent`` is False when the ontology as a whole is inconsistent;
    ``inconsistent_classes`` lists the IRIs of unsatisfiable named classes (sorted).
    """

    consistent: bool
    inconsistent_classes: tuple[str, ...]
    reasoner: str
    seconds: float


def load_graph(paths: Iterable[str | os.PathLike[str]]) -> Graph:
    """Parse Turtle (or any rdflib-guessable format) files into one graph.

    Raises:
        OntologyError: if a file cannot be read or parsed.
    """
    graph = Graph()
    for path in paths:
        p = Path(path)
        try:
            graph.parse(p, format="turtle" if p.suffix == ".ttl" else None)
        except Exception as e:  # rdflib raises many unrelated types
            raise OntologyError(f"cannot parse: {_one_line(e)}", location=str(p)) from e
    return graph


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return (text[:300] + "…") if len(text) > 300 else (text or type(e).__name__)


def _map_datatype(dt: URIRef) -> URIRef:
    if dt in _OWL2_DATATYPES:
        return dt
    if dt == XSD.date:
        return XSD.dateTime
    return XSD.string


def _hermit_compatible(graph: Graph) -> Graph:
    """A copy of ``graph`` whose datatypes are all in the OWL 2 datatype map."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in _OWL2_DATATYPES:
            if o.datatype == XSD.date and o.ill_typed is False:
                o = Literal(f"{str(o)[:10]}T00:00:00", datatype=XSD.dateTime)
            elif o.datatype == XSD.date:
                o = Literal(str(o), datatype=XSD.dateTime)  # stays ill-typed: HermiT reports it
            else:
                o = Literal(str(o), datatype=XSD.string)
        elif p == RDFS.range and isinstance(o, URIRef) and str(o).startswith(str(XSD)):
            o = _map_datatype(o)
        out.add((s, p, o))
    return out


def check_consistency(
    graph_or_paths: Graph | Iterable[str | os.PathLike[str]],
    /,
) -> ConsistencyReport:
    """Check an rdflib graph (or Turtle files) for OWL 2 DL consistency with HermiT.

    Inconsistency is a result (``consistent=False``), never an exception. Java's output is
    captured, never printed.

    Raises:
        OntologyError: if the input cannot be parsed, owlready2 cannot load it, or Java/HermiT fails.
    """
    import owlready2  # type: ignore[import-untyped]  # the only import of owlready2 in policykg

    graph = graph_or_paths if isinstance(graph_or_paths, Graph) else load_graph(graph_or_paths)
    compatible = _hermit_compatible(graph)
    fd, name = tempfile.mkstemp(prefix="policykg-", suffix=".nt")
    os.close(fd)
    world = owlready2.World()
    start = time.perf_counter()
    try:
        compatible.serialize(destination=name, format="nt", encoding="utf-8")
        try:
            world.get_ontology(Path(name).as_uri()).load(format="ntriples")
        except Exception as e:
            raise OntologyError(f"owlready2 cannot load the ontology: {_one_line(e)}") from e
        consistent = True
        try:
            with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            consistent = False
        except owlready2.OwlReadyJavaError as e:
            lines = [ln for ln in str(e).splitlines() if "Exception" in ln] or [str(e)]
            raise OntologyError(f"HermiT failed: {_one_line(Exception(lines[0]))}") from e
        except (OSError, FileNotFoundError) as e:
            raise OntologyError(f"cannot run Java for HermiT: {_one_line(e)}") from e
        unsatisfiable: tuple[str, ...] = ()
        if consistent:
            unsatisfiable = tuple(
                sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)
            )
        return ConsistencyReport(
            consistent=consistent,
            inconsistent_classes=unsatisfiable,
            reasoner=_REASONER,
            seconds=round(time.perf_counter() - start, 3),
        )
    finally:
        with contextlib.suppress(Exception):
            world.close()
        with contextlib.suppress(OSError):
            os.unlink(name)
