"""Build the store: ontology + curated data + ingested texts + the size standard + shapes + inferences.

One named graph per source (see :func:`graph_for`); the build is atomic (see :mod:`policykg.store`).
A store is *stale* when any source file (or the code that reads them) changed since it was built;
:func:`open_store` rebuilds stale or missing stores, so any command builds the store on first use.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, XSD

from . import __version__, resources
from .errors import LoadError, StoreError

if TYPE_CHECKING:
    from .reasoning import Corpus, ReasoningReport
from .namespaces import GRAPH, PK, PREFIXES
from .store import (BuildInProgress, EmbeddedStore, Manifest, StoreWriter, default_store_path, live_version,
                    wait_for_build)

#: the graph holding what the build infers (class closure, article kinds)
INFERRED_GRAPH = str(GRAPH["inferred"])
#: the graph holding what the OWL reasoner (HermiT) entails beyond the other graphs (see docs/reasoning.md)
REASONED_GRAPH = str(GRAPH["reasoned"])
#: seconds a failing build spends explaining an inconsistency (`policykg reason` can be given more)
EXPLAIN_SECONDS = 30.0
SIZE_STANDARD_FILE = "size-thresholds.json"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Source:
    """One input of the build and the named graph it goes to."""

    path: Path
    graph: str
    kind: str  # ontology | data | text | standard | shapes


def graph_for(kind: str, path: Path, base: Path) -> str:
    """The named graph of a source file: ``GRAPH/{kind}/{path relative to its folder, no suffix}``."""
    rel = path.relative_to(base).with_suffix("").as_posix()
    return str(GRAPH[f"{kind}/{rel}"])


def sources() -> list[Source]:
    """Every source file of the build, in load order."""
    out: list[Source] = []
    for kind, folder in (("ontology", resources.ontology_dir()), ("data", resources.data_dir()),
                         ("shapes", resources.shapes_dir())):
        for path in sorted(folder.rglob("*.ttl")):
            out.append(Source(path, graph_for(kind, path, folder), kind))
    src = resources.sources_dir()
    for path in sorted(src.glob("*.txt")):
        out.append(Source(path, graph_for("text", path, src), "text"))
    standard = src / SIZE_STANDARD_FILE
    out.append(Source(standard, graph_for("standard", standard, src), "standard"))
    return out


def _code_files() -> list[Path]:
    """The package's own files whose change can change what a build produces."""
    pkg = Path(__file__).parent
    return sorted([*pkg.glob("*.py"), *(pkg / "ingest").glob("*.py")])


def fingerprint(srcs: list[Source] | None = None) -> dict[str, str]:
    """sha256 of every source and code file, keyed by a stable relative name."""
    srcs = sources() if srcs is None else srcs
    home = resources.home()
    out: dict[str, str] = {}
    for path in [s.path for s in srcs] + _code_files():
        try:
            key = path.relative_to(home).as_posix()
        except ValueError:
            key = f"policykg/{path.relative_to(Path(__file__).parent).as_posix()}"
        try:
            out[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        except FileNotFoundError:
            out[key] = "missing"
    return out


def _policy_texts(registry_graph: Graph) -> dict[str, URIRef]:
    """Which text files are policy documents to ingest: ``pk:sourceFile`` in the registry."""
    out: dict[str, URIRef] = {}
    for doc, _, name in registry_graph.triples((None, PK.sourceFile, None)):
        out[str(name)] = URIRef(str(doc))
    return out


def _turtle_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise LoadError(f"cannot read: {e}", location=str(path)) from e


def _check_turtle(path: Path, data: bytes) -> None:
    """Parse with pyoxigraph first so a bad file is reported with its line and column."""
    try:
        for _ in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=None):
            pass
    except SyntaxError as e:
        raise LoadError(f"invalid Turtle: {e}", location=str(path)) from e


def _rdflib_graph(path: Path) -> Graph:
    g = Graph()
    try:
        g.parse(path, format="turtle")
    except Exception as e:  # rdflib raises many kinds; all mean the file is unusable
        raise LoadError(f"invalid Turtle: {e}", location=str(path)) from e
    return g


def build(store_path: Path | None = None, *, progress: Progress | None = None, reason: bool = True,
          explain_seconds: float = EXPLAIN_SECONDS,
          reasoned: Callable[[ReasoningReport], None] | None = None) -> Manifest:
    """Build the store at ``store_path`` (default: :func:`default_store_path`) and return its manifest.

    With ``reason`` (the default), HermiT checks the whole store for OWL consistency before it is
    published, and what it entails goes into ``graph/reasoned``; an inconsistent store is never published.
    ``reasoned`` is given the reasoner's report (consistent or not).

    Raises:
        LoadError: a source file is unreadable or malformed (location: file and line).
        InconsistentCorpus: the ontology and data are inconsistent or a class is unsatisfiable (an
            OntologyError; its ``report`` explains why). The previous version stays live.
        OntologyError: Java or HermiT cannot run (build with ``reason=False`` to skip reasoning).
        StoreError: the store cannot be written.
    """
    from .ingest import Registry, ingest_file, to_graph
    from .standards import size_standard_graph

    root = store_path or default_store_path()
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    srcs = sources()
    writer = StoreWriter(root)
    try:
        counts: dict[str, int] = {}
        registry_graph = Graph()
        for src in srcs:
            if src.kind in ("ontology", "data", "shapes"):
                say(f"{src.kind}: {src.path.name}")
                data = _turtle_bytes(src.path)
                _check_turtle(src.path, data)
                writer.load(data, ox.RdfFormat.TURTLE, src.graph)
                if src.kind == "data" and src.path.parent == resources.data_dir():
                    registry_graph += _rdflib_graph(src.path)
        registry = Registry.from_graph(registry_graph)
        texts = _policy_texts(registry_graph)
        for src in srcs:
            if src.kind == "text" and src.path.name in texts:
                say(f"ingest: {src.path.name}")
                doc = ingest_file(src.path, registry=registry)
                expected = texts[src.path.name]
                if URIRef(doc.iri) != expected:
                    raise LoadError(
                        f"the text reads as {doc.iri} but data/documents.ttl gives {expected} for it",
                        location=str(src.path),
                    )
                writer.load(to_graph(doc).serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES, src.graph)
            elif src.kind == "standard":
                say(f"standard: {src.path.name}")
                g = size_standard_graph(src.path)
                writer.load(g.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES, src.graph)
        say("inferences")
        _infer(writer)
        if reason:
            say("reasoning (HermiT)")
            _reason(writer, explain_seconds, reasoned)
            counts[REASONED_GRAPH] = writer.count(REASONED_GRAPH)
        for src in srcs:
            if src.kind != "text" or src.path.name in texts:
                counts[src.graph] = writer.count(src.graph)
        counts[INFERRED_GRAPH] = writer.count(INFERRED_GRAPH)
        manifest = Manifest(
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            seconds=round(time.perf_counter() - started, 3),
            sources=fingerprint(srcs),
            graphs=counts,
            triples=sum(counts.values()),
            policykg_version=__version__,
        )
        writer.commit(manifest)
        return manifest
    except BaseException:
        writer.abort()
        raise


_PREFIX_BLOCK = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())

#: rules materialised into the inferred graph (SPARQL CONSTRUCT over the union of all graphs)
INFERENCE_RULES: dict[str, str] = {
    # rdf:type closure over the class hierarchy, for clients that do no reasoning
    "type-closure": """
        CONSTRUCT { ?x a ?super } WHERE {
          ?x a ?c . ?c rdfs:subClassOf+ ?super .
          FILTER(isIRI(?super) && ?super != owl:Thing && ?super != ?c)
          FILTER NOT EXISTS { ?x a ?super }
        }""",
    # every article classified by the measures read from it
    "article-kind": """
        CONSTRUCT { ?a pk:articleKind ?kind } WHERE {
          { SELECT ?a (SUM(IF(?top = pk:Benefit, 1, 0)) AS ?b) (SUM(IF(?top = pk:Duty, 1, 0)) AS ?d)
                      (SUM(IF(?top = pk:Rule, 1, 0)) AS ?r)
            WHERE { ?m pk:sourceArticle ?a ; a ?c . ?c rdfs:subClassOf* ?top .
                    VALUES ?top { pk:Benefit pk:Duty pk:Rule } }
            GROUP BY ?a }
          BIND(IF(?r > 0, articlekind:rule, IF(?b > 0 && ?d > 0, articlekind:mixed,
               IF(?b > 0, articlekind:benefit, articlekind:duty))) AS ?kind)
        }""",
}


def _infer(writer: StoreWriter) -> None:
    target = ox.NamedNode(INFERRED_GRAPH)
    for name, rule in INFERENCE_RULES.items():
        try:
            result = writer.store.query(_PREFIX_BLOCK + rule, use_default_graph_as_union=True)
        except SyntaxError as e:  # a defect in the rule itself
            raise StoreError(f"inference rule {name} is malformed: {e}") from e
        if not isinstance(result, ox.QueryTriples):
            raise StoreError(f"inference rule {name} must be a CONSTRUCT query")
        triples = list(result)
        writer.store.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)


XSD_STRING = ox.NamedNode(str(XSD.string))


def corpus_of(store: ox.Store) -> Corpus:
    """What the reasoner reads from a store: every graph but the shapes and graph/reasoned (which it
    produces); the triples of graph/inferred are marked derived, so explanations prefer the sources."""
    from rdflib import BNode, Literal

    from .reasoning import Corpus

    shapes = str(GRAPH["shapes/"])

    def term(t: ox.NamedNode | ox.BlankNode | ox.Literal) -> URIRef | BNode | Literal:
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return BNode(t.value)
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype == XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value))

    quads = []
    for q in store.quads_for_pattern(None, None, None, None):
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        if graph.startswith(shapes) or graph == REASONED_GRAPH:
            continue
        quads.append((term(q.subject), term(q.predicate), term(q.object), graph))  # type: ignore[arg-type]
    return Corpus(quads, derived=[INFERRED_GRAPH])


def source_name(graph: str) -> str:
    """The file a named graph was loaded from, relative to the project (``ontology/measures.ttl``)."""
    home = resources.home()
    for src in sources():
        if src.graph == graph:
            try:
                return src.path.relative_to(home).as_posix()
            except ValueError:
                return src.path.as_posix()
    if graph == INFERRED_GRAPH:
        return "graph/inferred (built from the other graphs)"
    return graph


def _reason(writer: StoreWriter, explain_seconds: float, reasoned: Callable[[ReasoningReport], None] | None) -> None:
    """Check the store with HermiT; refuse an inconsistent one; materialise the entailments."""
    from .reasoning import InconsistentCorpus, reason

    report = reason(corpus_of(writer.store), budget=explain_seconds)
    if reasoned is not None:
        reasoned(report)
    if not report.ok:
        raise InconsistentCorpus(report, where=source_name,
                                 context=" — the store was not published (the previous version stays live); "
                                 "`policykg reason` explains it")
    target = ox.NamedNode(REASONED_GRAPH)
    writer.store.extend(ox.Quad(ox.NamedNode(str(s)), ox.NamedNode(str(p)), ox.NamedNode(str(o)), target)
                        for s, p, o in report.inferred)


def is_stale(root: Path) -> bool:
    """True if the store was never built or any source or code file changed since."""
    version = live_version(root)
    if version is None:
        return True
    try:
        store = EmbeddedStore(root)
    except StoreError:
        return True
    return store.manifest.sources != fingerprint()


def open_store(store_path: Path | None = None, *, progress: Progress | None = None,
               rebuild_if_stale: bool = True, explain_seconds: float = EXPLAIN_SECONDS,
               reasoned: Callable[[ReasoningReport], None] | None = None) -> EmbeddedStore:
    """Open the store, building it first if it is missing (or stale, unless told otherwise).

    Raises:
        StoreError / LoadError: the store cannot be built or opened.
        InconsistentCorpus: the build found the corpus inconsistent (see :func:`build`).
    """
    root = store_path or default_store_path()
    if live_version(root) is None or (rebuild_if_stale and is_stale(root)):
        try:
            build(root, progress=progress, explain_seconds=explain_seconds, reasoned=reasoned)
        except BuildInProgress:
            # another command is building this store right now: use what it builds
            wait_for_build(root)
            if live_version(root) is None:
                raise StoreError(f"the concurrent build of {root} did not finish; run `policykg build`") from None
    return EmbeddedStore(root)

