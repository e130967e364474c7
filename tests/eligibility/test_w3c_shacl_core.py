"""The W3C SHACL Core test suite (../shared/w3c/shacl-core) run against the compiled evaluator.

One generated test per manifest entry. Each compares conformance and the multiset of validation
results — focus node, path, value, source shape, constraint component, severity — with the
expected ``sh:ValidationReport`` (messages and details are not compared, as in the suite's own
rules). Blank nodes are compared by structure: a blank node stands for the sorted description of
its properties in the graph it comes from; paths are compared as parsed path objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path as FilePath

import pytest
import rdflib
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from policykg.eligibility.compiled import Path, compile_shapes, parse_path, validate_graph
from tests.data import ROOT

SUITE = ROOT / "tests" / "w3c" / "shacl-core"  # vendored copy of ../shared/w3c (W3C test-suite licence)
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

#: expected failures, keyed by test IRI (relative to the suite folder), with the reason [rdflib MARK_DICT]
XFAIL: dict[str, str] = {}


@dataclass(frozen=True)
class Entry:
    iri: str
    file: FilePath
    graph: Graph
    node: Node


def _parse(file: FilePath) -> Graph:
    """Parse with rdflib's literal normalisation off: RDF terms are lexical ("1"^^xsd:boolean is not
    "true"^^xsd:boolean, uniqueLang-002), and rdflib would otherwise rewrite them while parsing."""
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        return Graph().parse(file, format="turtle", publicID=file.as_uri())
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def _load(file: FilePath, cache: dict[FilePath, Graph]) -> Graph:
    if file not in cache:
        cache[file] = _parse(file)
    return cache[file]


def _entries() -> Iterator[Entry]:
    cache: dict[FilePath, Graph] = {}
    todo = [SUITE / "manifest.ttl"]
    while todo:
        file = todo.pop(0)
        g = _load(file, cache)
        manifest = URIRef(file.as_uri())
        for include in g.objects(manifest, MF.include):
            todo.append(FilePath(str(include).removeprefix("file://")))
        for head in g.objects(manifest, MF.entries):
            for node in g.items(head):
                yield Entry(str(node).removeprefix(SUITE.as_uri() + "/"), file, g, node)


ENTRIES = sorted(_entries(), key=lambda e: e.iri)


def _canon(g: Graph, term: Node | None, depth: int = 0) -> object:
    """A blank node as the sorted description of its properties (to depth 4); other terms as themselves."""
    if not isinstance(term, BNode):
        return term
    if depth > 4:
        return "_:"
    return ("_:", tuple(sorted((str(p), repr(_canon(g, o, depth + 1))) for p, o in g.predicate_objects(term))))


def _expected(entry: Entry) -> tuple[bool, Counter[tuple[object, ...]]]:
    g = entry.graph
    report = g.value(entry.node, MF.result)
    assert report is not None and (report, RDF.type, SH.ValidationReport) in g, "not a report"
    conforms = g.value(report, SH.conforms)
    assert isinstance(conforms, Literal)
    results: Counter[tuple[object, ...]] = Counter()
    for r in g.objects(report, SH.result):
        path_node = g.value(r, SH.resultPath)
        path: Path | None = parse_path(g, path_node) if path_node is not None else None
        results[(_canon(g, g.value(r, SH.focusNode)), path, _canon(g, g.value(r, SH.value)),
                 _canon(g, g.value(r, SH.sourceShape)), g.value(r, SH.sourceConstraintComponent),
                 g.value(r, SH.resultSeverity))] += 1
    return bool(conforms.value), results


def _graph_of(entry: Entry, role: URIRef) -> Graph:
    action = entry.graph.value(entry.node, MF.action)
    target = entry.graph.value(action, role)
    assert isinstance(target, URIRef)
    file = FilePath(str(target).removeprefix("file://"))
    if file == entry.file:
        return entry.graph  # `<>`: the manifest file itself (its blank nodes are the report's)
    return _parse(file)


@pytest.mark.parametrize(
    "entry",
    [pytest.param(e, id=e.iri, marks=[pytest.mark.xfail(reason=XFAIL[e.iri], strict=True)] if e.iri in XFAIL else [])
     for e in ENTRIES],
)
def test_w3c_shacl_core(entry: Entry) -> None:
    assert (entry.node, RDF.type, SHT.Validate) in entry.graph
    data = _graph_of(entry, SHT.dataGraph)
    shapes = _graph_of(entry, SHT.shapesGraph)
    results = validate_graph(compile_shapes(shapes), data)
    actual: Counter[tuple[object, ...]] = Counter(
        (_canon(data, r.focus), r.path, _canon(data, r.value if isinstance(r.value, Node) else None),
         _canon(shapes, r.source_shape), r.component, r.severity)
        for r in results)
    conforms, expected = _expected(entry)
    assert (not results) == conforms
    assert actual == expected


def test_the_whole_suite_is_collected() -> None:
    assert len(ENTRIES) == 98
