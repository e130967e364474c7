"""The owlready2 boundary: OWL 2 DL reasoning with HermiT — consistency, classification, the
inferences the build materialises, and explanations of an inconsistency.

Nothing else in policykg imports owlready2. HermiT is the reasoner owlready2 ships (its jar, and its
``JAVA_EXE`` / ``JAVA_MEMORY`` settings). We run HermiT's command line ourselves instead of
``owlready2.sync_reasoner_hermit`` for two reasons: the build materialises *every* entailed property
value (owlready2 keeps only the values asserted in neither direction and drops those implied by
sub-properties), and an explanation needs many small consistency checks, which HermiT runs in one
Java process when given several ontologies (it checks them in turn and stops at the first
inconsistent one). Pellet (``reasoner="pellet"``) runs through ``owlready2.sync_reasoner_pellet``.

HermiT accepts only the OWL 2 datatype map, which lacks ``xsd:date`` and ``xsd:duration``; before
handing a graph over, dates are rewritten as ``xsd:dateTime`` (midnight) and other datatypes outside
the map as ``xsd:string`` — in literals and in axioms alike — so datatype checking keeps working for
every property. The data keeps its ELI datatypes.

Unique names: OWL does not assume that two IRIs name two things, so a functional property with two
values would only make them the same. The corpus mints one IRI per thing (docs/ontology.md), so the
reasoner is told so where it matters: each value of a single-valued property is declared different
from the other things of its kind — the other concepts of its scheme, the other documents and
chapters, or the property's other values (``owl:AllDifferent``, generated from the input, never stored).

An explanation is a minimal set of asserted statements (axioms and facts, in their RDF form) that is
already inconsistent: removing any one of them makes the rest consistent. It is found by deletion-based
search, with HermiT deciding each candidate: first the individual whose neighbourhood (its statements,
the statements pointing to it, and its neighbours' types) is inconsistent with the ontology, then the
axioms (closest vocabulary first) with those facts fixed, then the facts with those axioms fixed, each
element found as the last of the smallest inconsistent prefix — within a time budget (a report says
when the budget ran out before the set was minimal). See docs/reasoning.md.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from .errors import OntologyError
from .namespaces import ELI, ID, PK, PREFIXES, SKOS

__all__ = [
    "ConsistencyReport", "Corpus", "Explanation", "InconsistentCorpus", "ReasoningReport", "Statement",
    "check_consistency", "load_graph", "realise", "reason", "render_text", "report_json",
]

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, str]
Source = Union[Graph, "Corpus", Iterable[Union[str, "os.PathLike[str]"]]]

HERMIT = "HermiT"
PELLET = "Pellet"
_HERMIT_MAIN = "org.semanticweb.HermiT.cli.CommandLine"
# short runs: the client compiler starts faster; output in UTF-8 whatever the locale
_JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dfile.encoding=UTF-8",
              "-Dsun.stdout.encoding=UTF-8", "-Dsun.stderr.encoding=UTF-8")
#: the individual a class is tested on when explaining why it is unsatisfiable (never stored)
WITNESS = ID["reasoning/witness"]

# the OWL 2 datatype map (OWL 2 Structural Specification, section 4)
_OWL2_DATATYPES: frozenset[URIRef] = frozenset(
    [RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal, OWL.real, OWL.rational, RDF.langString]
    + [
        XSD[name]
        for name in (
            "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger "
            "long int short byte unsignedLong unsignedInt unsignedShort unsignedByte double float "
            "string normalizedString token language Name NCName NMTOKEN boolean hexBinary "
            "base64Binary anyURI dateTime dateTimeStamp"
        ).split()
    ]
)
_RESERVED = tuple(str(ns) for ns in (OWL, RDF, RDFS, XSD))
# declarations: needed to read the other triples, never part of an explanation
_DECLARATION_TYPES = frozenset({OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                                OWL.AnnotationProperty, OWL.NamedIndividual, OWL.Ontology, RDFS.Datatype,
                                RDF.Property})
_ENTITY_TYPES = frozenset({OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDFS.Datatype,
                           OWL.AnnotationProperty, RDF.Property})
_ANNOTATIONS = frozenset({RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo,
                          OWL.deprecated, OWL.priorVersion, OWL.backwardCompatibleWith,
                          OWL.incompatibleWith, OWL.versionIRI, OWL.imports})


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------

class Corpus:
    """The triples to reason over, each with the named graphs (or files) it is stated in."""

    def __init__(self, quads: Iterable[Quad], *, derived: Iterable[str] = ()) -> None:
        self.where: dict[Triple, set[str]] = {}
        #: graphs whose triples the build derived from the others: an explanation prefers the others
        self.derived = frozenset(derived)
        for s, p, o, g in quads:
            self.where.setdefault((s, p, o), set()).add(g)

    @classmethod
    def of(cls, source: Source) -> Corpus:
        """A corpus from a Corpus, an rdflib Dataset (graph names kept), a Graph, or Turtle files.

        Raises:
            OntologyError: a file cannot be read or parsed.
        """
        if isinstance(source, Corpus):
            return source
        if isinstance(source, Dataset):
            return cls((s, p, o, str(getattr(c, "identifier", c) or ""))
                       for s, p, o, c in source.quads((None, None, None, None)))
        if isinstance(source, Graph):
            return cls((s, p, o, "") for s, p, o in source)
        quads: list[Quad] = []
        for path in source:
            p = Path(path)
            quads.extend((s, pr, o, str(p)) for s, pr, o in load_graph([p]))
        return cls(quads)

    def __len__(self) -> int:
        return len(self.where)

    def triples(self) -> Iterable[Triple]:
        return self.where.keys()


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


def _one_line(e: BaseException | str) -> str:
    text = " ".join(str(e).split())
    return (text[:300] + "…") if len(text) > 300 else (text or type(e).__name__)


# ---------------------------------------------------------------------------------------------
# N-Triples for HermiT (ASCII, datatypes mapped into the OWL 2 datatype map)
# ---------------------------------------------------------------------------------------------

# XML Schema datatypes outside the OWL 2 map (facets such as xsd:minInclusive are not datatypes)
_OTHER_XSD_DATATYPES: frozenset[URIRef] = frozenset(
    XSD[name] for name in "date time duration dayTimeDuration yearMonthDuration gYear gYearMonth gMonth gDay "
    "gMonthDay QName NOTATION ID IDREF IDREFS ENTITY ENTITIES NMTOKENS".split())


def _map_datatype(dt: URIRef) -> URIRef:
    if dt not in _OTHER_XSD_DATATYPES:
        return dt
    return XSD.dateTime if dt == XSD.date else XSD.string


def _hermit_term(term: Node) -> Node:
    if isinstance(term, Literal) and term.datatype is not None and term.datatype not in _OWL2_DATATYPES:
        if term.datatype == XSD.date and term.ill_typed is False:
            return Literal(f"{str(term)[:10]}T00:00:00", datatype=XSD.dateTime)
        if term.datatype == XSD.date:
            return Literal(str(term), datatype=XSD.dateTime)  # stays ill-typed: HermiT reports it
        return Literal(str(term), datatype=XSD.string)
    if isinstance(term, URIRef):
        return _map_datatype(term)
    return term


_NT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TO_ESCAPE = re.compile(r'[\\"\n\r\t]|[^\x20-\x7e]')


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    return _NT_ESCAPES.get(ch) or (f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")


def _escape(text: str) -> str:
    """N-Triples string escapes; everything outside printable ASCII as \\uXXXX (HermiT reads ASCII)."""
    return _TO_ESCAPE.sub(_escape_char, text)


class _Writer:
    """N-Triples lines for HermiT; blank nodes get stable labels."""

    def __init__(self) -> None:
        self._bnodes: dict[BNode, str] = {}

    def term(self, term: Node) -> str:
        term = _hermit_term(term)
        if isinstance(term, URIRef):
            return f"<{_escape(str(term))}>"
        if isinstance(term, BNode):
            label = self._bnodes.get(term)
            if label is None:
                label = self._bnodes[term] = f"b{len(self._bnodes)}"
            return f"_:{label}"
        if isinstance(term, Literal):
            text = f'"{_escape(str(term))}"'
            if term.language:
                return f"{text}@{term.language}"
            if term.datatype is not None:
                return f"{text}^^<{_escape(str(term.datatype))}>"
            return text
        raise OntologyError(f"cannot write {term!r} as N-Triples")

    def lines(self, triples: Iterable[Triple]) -> str:
        return "".join(f"{self.term(s)} {self.term(p)} {self.term(o)} .\n" for s, p, o in triples)


# ---------------------------------------------------------------------------------------------
# Statements: the corpus cut into axioms and facts
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Statement:
    """One axiom or fact in its RDF form: a triple plus the blank nodes its object uses (or an axiom on a
    blank node, such as ``owl:AllDisjointClasses``), with the graphs or files it is stated in.

    ``kind``: ``schema`` (about a class or property, or an axiom on a blank node), ``data`` (about an
    individual), or ``generated`` (unique names, see the module documentation).
    """

    triples: tuple[Triple, ...]
    sources: tuple[str, ...]
    kind: str
    about: Node
    note: str = ""
    #: stated only in graphs the build derived from the others (see Corpus.derived)
    derived: bool = False

    def iris(self) -> set[URIRef]:
        return {t for triple in self.triples for t in triple if isinstance(t, URIRef)}

    def text(self, *, limit: int = 8) -> str:
        """Compact Turtle, e.g. ``pk:Benefit owl:disjointWith pk:Duty .``"""
        return _render_statement(self, limit=limit)


def _statements(corpus: Corpus, *, derived: frozenset[str] = frozenset()) -> tuple[list[Triple], list[Statement]]:
    """The declarations (always given to HermiT) and the statements an explanation is made of.

    Annotations (labels, definitions …) are left out: they have no logical consequence.
    """
    triples = list(corpus.triples())
    entities = {s for s, p, o in triples if p == RDF.type and o in _ENTITY_TYPES}
    annotation = set(_ANNOTATIONS) | {s for s, p, o in triples if p == RDF.type and o == OWL.AnnotationProperty}
    by_subject: dict[Node, list[Triple]] = defaultdict(list)
    referenced: set[BNode] = set()
    for t in triples:
        by_subject[t[0]].append(t)
        if isinstance(t[2], BNode):
            referenced.add(t[2])

    def closure(node: Node, seen: set[BNode]) -> list[Triple]:
        out: list[Triple] = []
        if isinstance(node, BNode) and node not in seen:
            seen.add(node)
            for t in by_subject.get(node, ()):
                out.append(t)
                out.extend(closure(t[2], seen))
        return out

    declarations: list[Triple] = []
    statements: list[Statement] = []
    for t in triples:
        s, p, o = t
        if isinstance(s, BNode):
            continue
        if p == RDF.type and o in _DECLARATION_TYPES:
            declarations.append(t)
            continue
        if p in annotation:
            continue
        kind = "schema" if s in entities else "data"
        where = corpus.where[t]
        statements.append(Statement((t, *closure(o, set())), tuple(sorted(where)), kind, s,
                                    derived=bool(where) and where <= derived))
    for node in sorted((n for n in by_subject if isinstance(n, BNode) and n not in referenced), key=str):
        group = closure(node, set())
        sources = sorted({g for tr in group for g in corpus.where.get(tr, ())})
        statements.append(Statement(tuple(group), tuple(sources), "schema", node))
    statements.sort(key=lambda st: (st.kind != "schema", st.derived, str(st.sources), str(st.about),
                                    str(st.triples[0])))
    return declarations, statements


def _types_closure(triples: Iterable[Triple]) -> dict[Node, set[Node]]:
    """Asserted types of every subject, closed under the asserted rdfs:subClassOf."""
    supers: dict[Node, set[Node]] = defaultdict(set)
    types: dict[Node, set[Node]] = defaultdict(set)
    for s, p, o in triples:
        if p == RDFS.subClassOf and isinstance(o, URIRef):
            supers[s].add(o)
        elif p == RDF.type:
            types[s].add(o)

    def up(c: Node, seen: set[Node]) -> set[Node]:
        for sup in supers.get(c, ()):
            if sup not in seen:
                seen.add(sup)
                up(sup, seen)
        return seen

    cache: dict[Node, set[Node]] = {}
    out: dict[Node, set[Node]] = {}
    for s, ts in types.items():
        all_types: set[Node] = set()
        for t in ts:
            if t not in cache:
                cache[t] = up(t, {t})
            all_types |= cache[t]
        out[s] = all_types
    return out


_CARDINALITIES = frozenset({OWL.maxCardinality, OWL.cardinality, OWL.maxQualifiedCardinality,
                            OWL.qualifiedCardinality})


def _single_valued(triples: Sequence[Triple]) -> set[Node]:
    """Properties that take at most one value: functional, or under a max-1 cardinality."""
    rdf_type, functional, on_property = RDF.type, OWL.FunctionalProperty, OWL.onProperty
    out = {s for s, p, o in triples if p == rdf_type and o == functional}
    on: dict[Node, Node] = {s: o for s, p, o in triples if p == on_property}
    for s, p, o in triples:
        if p in _CARDINALITIES and isinstance(o, Literal) and str(o) in ("0", "1") and s in on:
            out.add(on[s])
    return out


def _unique_names(corpus: Corpus) -> list[Statement]:
    """owl:AllDifferent for the individuals a single-valued property could confuse: every value of such a
    property is declared different from the other things of its kind — the other concepts of its
    concept scheme, or the other documents and chapters, or else the property's other values."""
    triples = list(corpus.triples())
    single = _single_valued(triples)
    types = _types_closure(triples)
    schemes: dict[Node, set[URIRef]] = defaultdict(set)
    for s, p, o in triples:
        if p == SKOS.inScheme and isinstance(s, URIRef):
            schemes[o].add(s)
    in_scheme: dict[Node, list[Node]] = defaultdict(list)
    for scheme, members in schemes.items():
        for m in members:
            in_scheme[m].append(scheme)
    containers = {s for s, ts in types.items() if isinstance(s, URIRef) and ELI.LegalResource in ts
                  and not ts & {PK.Article, PK.UnresolvedDocument}}
    used_schemes: set[Node] = set()
    other: dict[Node, set[URIRef]] = defaultdict(set)
    documents = False
    for s, p, o in triples:
        if p not in single or not isinstance(o, URIRef) or _reserved(str(o)):
            continue
        if o in in_scheme:
            used_schemes.update(in_scheme[o])
        elif o in containers:
            documents = True
        else:
            other[p].add(o)
    groups: list[tuple[list[URIRef], str]] = []
    for scheme in sorted(used_schemes, key=str):
        groups.append((sorted(schemes[scheme]), f"the {len(schemes[scheme])} concepts of {short(scheme)}"))
    if documents:
        groups.append((sorted(containers), f"the {len(containers)} documents and chapters"))
    for prop in sorted(other, key=str):
        groups.append((sorted(other[prop]), f"the {len(other[prop])} values of {short(prop)}"))
    return [_all_different(members, f"unique names: {what} are pairwise different")
            for members, what in groups if len(members) > 1]


def _all_different(members: Sequence[URIRef], note: str) -> Statement:
    root = BNode()
    triples: list[Triple] = [(root, RDF.type, OWL.AllDifferent)]
    node: Node = BNode()
    triples.append((root, OWL.members, node))
    for i, member in enumerate(members):
        nxt: Node = BNode() if i < len(members) - 1 else RDF.nil
        triples += [(node, RDF.first, member), (node, RDF.rest, nxt)]
        node = nxt
    return Statement(tuple(triples), (), "generated", root, note)


# ---------------------------------------------------------------------------------------------
# Running HermiT
# ---------------------------------------------------------------------------------------------

def _hermit_command(*args: str) -> list[str]:
    import owlready2  # type: ignore[import-untyped]  # the only import of owlready2 in policykg

    home = Path(owlready2.__file__).parent / "hermit"
    memory = getattr(getattr(owlready2, "reasoning", None), "JAVA_MEMORY", 2000)
    classpath = os.pathsep.join([str(home), str(home / "HermiT.jar")])
    return [owlready2.JAVA_EXE, f"-Xmx{memory}M", *_JVM_FLAGS, "-cp", classpath, _HERMIT_MAIN, *args]


@dataclass
class _Run:
    returncode: int
    output: str

    @property
    def inconsistent(self) -> bool:
        return self.returncode != 0 and "InconsistentOntologyException" in self.output


class _Timeout(Exception):
    pass


def _run_hermit(args: Sequence[str], *, timeout: float | None = None) -> _Run:
    command = _hermit_command(*args)
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise _Timeout() from e
    except OSError as e:
        raise OntologyError(f"cannot run Java for HermiT ({command[0]}: {_one_line(e)}); install a Java runtime "
                            "(e.g. apt-get install default-jre-headless) or build with --no-reason") from e
    return _Run(done.returncode, done.stdout.decode("utf-8", errors="replace").replace("\r", ""))


def _java_failure(run: _Run) -> OntologyError:
    lines = [ln.strip() for ln in run.output.splitlines() if "Exception" in ln or "Error" in ln]
    first = lines[0] if lines else (run.output.strip().splitlines() or ["no output"])[-1]
    first = re.sub(r"^Exception in thread \"main\" ", "", first)
    return OntologyError(f"HermiT failed: {_one_line(first)}")


# HermiT's output (-c -O -I -Y): taxonomy axioms one per line, then "<p> (known instances: …)" lines
_AXIOM = re.compile(r"^(SubClassOf|EquivalentClasses|Type|SubObjectPropertyOf|EquivalentObjectProperties)\( (.*) \)$",
                    re.MULTILINE)
_EXPRESSION = re.compile(r"ObjectInverseOf\( <([^>]+)> \)|<([^>]+)>")
_INSTANCES = re.compile(r"^<([^>]+)> \(known instances:(.*?)\|\s*possible instances:", re.MULTILINE)
_PAIR = re.compile(r"\(<([^>]+)>, <([^>]+)>\)")

_PropExpr = tuple[str, bool]  # (property IRI, inverse?)


@dataclass
class _Classification:
    supers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    prop_supers: dict[_PropExpr, set[_PropExpr]] = field(default_factory=lambda: defaultdict(set))
    instances: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    unsatisfiable: set[str] = field(default_factory=set)


def _parse(output: str) -> _Classification:
    out = _Classification()
    nothing, thing = str(OWL.Nothing), str(OWL.Thing)
    for relation, body in _AXIOM.findall(output):
        if relation in ("SubObjectPropertyOf", "EquivalentObjectProperties"):
            exprs = [(a or b, bool(a)) for a, b in _EXPRESSION.findall(body)]
            if relation == "SubObjectPropertyOf" and len(exprs) == 2:
                out.prop_supers[exprs[0]].add(exprs[1])
            elif relation == "EquivalentObjectProperties":
                for x in exprs:
                    out.prop_supers[x].update(y for y in exprs if y != x)
            continue
        iris = re.findall(r"<([^>]+)>", body)
        if relation == "Type" and len(iris) == 2:
            out.types[iris[0]].add(iris[1])
        elif relation == "SubClassOf" and len(iris) == 2:
            out.supers[iris[0]].add(iris[1])
        elif relation == "EquivalentClasses":
            if nothing in iris:
                out.unsatisfiable.update(i for i in iris if i != nothing)
            else:
                for i in iris:
                    out.supers[i].update(j for j in iris if j != i)
    for prop, body in _INSTANCES.findall(output):
        out.instances[prop].update(_PAIR.findall(body))
    out.unsatisfiable.discard(thing)
    return out


def _reserved(iri: str) -> bool:
    return iri.startswith(_RESERVED)


def _entailments(c: _Classification, asserted: set[Triple]) -> list[Triple]:
    """What HermiT derives and the corpus does not state: types (with every named superclass), class
    subsumptions, and object property values (through sub-properties, inverses, chains, transitivity)."""
    out: set[Triple] = set()

    def ancestors(cls: str, memo: dict[str, set[str]]) -> set[str]:
        if cls in memo:
            return memo[cls]
        memo[cls] = seen = {cls}
        stack = [cls]
        while stack:
            for sup in c.supers.get(stack.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    stack.append(sup)
        return seen

    memo: dict[str, set[str]] = {}
    for cls, sups in c.supers.items():
        if _reserved(cls) or cls in c.unsatisfiable:
            continue
        for sup in sups:
            if not _reserved(sup) and sup != cls:
                out.add((URIRef(cls), RDFS.subClassOf, URIRef(sup)))
    for ind, direct in c.types.items():
        all_types: set[str] = set()
        for t in direct:
            all_types |= ancestors(t, memo)
        for t in all_types:
            if not _reserved(t):
                out.add((URIRef(ind), RDF.type, URIRef(t)))

    # every property expression below each named property (the hierarchy is closed under inversion)
    edges: dict[_PropExpr, set[_PropExpr]] = defaultdict(set)
    for lower, highers in c.prop_supers.items():
        for higher in highers:
            edges[higher].add(lower)
            edges[(higher[0], not higher[1])].add((lower[0], not lower[1]))
    named = {p for p in c.instances if not _reserved(p)} | {e[0] for e in edges if not _reserved(e[0])}
    for prop in named:
        below: set[_PropExpr] = {(prop, False)}
        stack = [(prop, False)]
        while stack:
            for sub in edges.get(stack.pop(), ()):
                if sub not in below:
                    below.add(sub)
                    stack.append(sub)
        p = URIRef(prop)
        for name, inverse in below:
            for a, b in c.instances.get(name, ()):
                s, o = (b, a) if inverse else (a, b)
                out.add((URIRef(s), p, URIRef(o)))
    return sorted(t for t in out if t not in asserted)


# ---------------------------------------------------------------------------------------------
# Explanations
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Explanation:
    """Why the corpus is inconsistent (or a class unsatisfiable): asserted statements that are
    inconsistent together.

    ``minimal``: removing any one statement makes the rest consistent (each checked by HermiT); False when
    the time budget ran out first — the set is then inconsistent, but may hold more than is needed.
    """

    statements: tuple[Statement, ...]
    minimal: bool
    checks: int
    seconds: float

    def axioms(self) -> list[Statement]:
        return [s for s in self.statements if s.kind != "data"]

    def facts(self) -> list[Statement]:
        return [s for s in self.statements if s.kind == "data"]

    def triples(self) -> set[Triple]:
        return {t for s in self.statements for t in s.triples}

    def individuals(self) -> list[URIRef]:
        """The individuals the facts are about or point to (not classes, properties or datatypes)."""
        out: set[URIRef] = set()
        for st in self.facts():
            for s, p, o in st.triples:
                if isinstance(s, URIRef):
                    out.add(s)
                if isinstance(o, URIRef) and p != RDF.type:
                    out.add(o)
        for st in self.statements:
            if st.kind == "generated":
                out.update(o for s, p, o in st.triples if isinstance(o, URIRef) and p in (RDF.first, OWL.differentFrom))
                out.update(s for s, p, o in st.triples if isinstance(s, URIRef) and p == OWL.differentFrom)
        return sorted(out)


class _Prober:
    """Consistency checks of candidate statement sets, many per Java process.

    Each candidate file holds the candidate's statements and the declarations of the terms they use.
    """

    def __init__(self, folder: Path, statements: Sequence[Statement], texts: Sequence[str],
                 declarations: Mapping[URIRef, str], deadline: float) -> None:
        self.folder = folder
        self.statements = statements
        self.texts = texts
        self.declarations = declarations
        self.deadline = deadline
        self.checks = 0
        self._files = 0
        #: the smallest candidate known to be inconsistent (what an explanation falls back to)
        self.best: list[int] | None = None

    def _text(self, candidate: Sequence[int]) -> str:
        iris: set[URIRef] = set()
        for i in candidate:
            iris |= self.statements[i].iris()
        declared = "".join(self.declarations[t] for t in sorted(iris) if t in self.declarations)
        return declared + "".join(self.texts[i] for i in candidate)

    def first_inconsistent(self, candidates: Sequence[Sequence[int]]) -> int | None:
        """The index of the first candidate (a list of statement indices) HermiT finds inconsistent."""
        start = 0
        while start < len(candidates):
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout()
            paths = []
            for cand in candidates[start:]:
                self._files += 1
                path = self.folder / f"check-{self._files}.nt"
                path.write_text(self._text(cand), encoding="ascii")
                paths.append(path)
            try:
                run = _run_hermit(["-k", *(p.as_uri() for p in paths)], timeout=remaining)
            finally:
                for path in paths:
                    with contextlib.suppress(OSError):
                        path.unlink()
            passed = run.output.count("is satisfiable.")
            self.checks += min(passed + 1, len(paths))
            if run.returncode == 0:
                return None
            if run.inconsistent:
                found = start + passed
                if self.best is None or len(candidates[found]) <= len(self.best):
                    self.best = list(candidates[found])
                return found
            start += passed + 1  # HermiT could not read that candidate: take it as consistent
        return None

    def fails(self, candidate: Sequence[int]) -> bool:
        return self.first_inconsistent([candidate]) == 0


_FANOUT = 16


def _smallest_failing_prefix(prober: _Prober, fixed: list[int], items: list[int]) -> int:
    """The smallest k such that fixed + items[:k] is inconsistent (fixed + items must be)."""
    lo, hi = 0, len(items)
    while lo < hi:
        # a short window is tested whole (HermiT stops at the first inconsistent prefix), a long one sampled
        step = 1 if hi - lo <= 2 * _FANOUT else -(-(hi - lo) // _FANOUT)
        lengths = list(range(lo, hi, step))
        i = prober.first_inconsistent([fixed + items[:k] for k in lengths])
        if i is None:
            lo = lengths[-1] + 1
        else:
            hi = lengths[i]
            lo = lengths[i - 1] + 1 if i > 0 else lo
    return hi


def _minimise(prober: _Prober, fixed: list[int], items: list[int]) -> list[int]:
    """A minimal subset C of items with fixed + C inconsistent (fixed + items must be): each element is
    the last one of the smallest inconsistent prefix, so items early in the list are preferred."""
    core: list[int] = []
    remaining = list(items)
    while remaining:
        k = _smallest_failing_prefix(prober, fixed + core, remaining)
        prober.best = fixed + core + remaining[:k]
        if k == 0:
            break
        core.append(remaining[k - 1])
        remaining = remaining[: k - 1]
    return core


def _by_distance(statements: Sequence[Statement], schema: Sequence[int], data: Iterable[int]) -> list[int]:
    """The schema statements ordered by how far their vocabulary is from the data's: first those that
    name a term the data uses, then those that share a term with them, and so on (then the rest).
    Generated unique-name statements count only through the members in use."""
    signature: set[URIRef] = set()
    for i in data:
        signature |= {t for t in statements[i].iris() if not _reserved(str(t))}
    vocab = {i: {t for t in statements[i].iris() if not _reserved(str(t))} for i in schema}
    ordered: list[int] = []
    left = list(schema)
    while left:
        layer = [i for i in left if vocab[i] & signature]
        if not layer:
            break
        ordered += layer
        chosen = set(layer)
        left = [i for i in left if i not in chosen]
        for i in layer:
            if statements[i].kind != "generated":
                signature |= vocab[i]
    return ordered + left


def _by_vocabulary(statements: Sequence[Statement], facts: Sequence[int], axioms: Sequence[int],
                   witness: Sequence[int]) -> list[int]:
    """The facts whose property or class the axioms name first (the others can matter only through
    built-in vocabulary such as owl:sameAs or an ill-typed literal)."""
    vocabulary: set[URIRef] = set()
    for i in axioms:
        vocabulary |= {t for t in statements[i].iris() if not _reserved(str(t))}
    first: list[int] = []
    rest: list[int] = []
    for i in facts:
        if i in witness:
            continue
        s, p, o = statements[i].triples[0]
        (first if p in vocabulary or (p == RDF.type and o in vocabulary) else rest).append(i)
    return first + rest


def _explain(corpus: Corpus, *, budget: float, unsatisfiable: str | None = None) -> Explanation:
    """A minimal set of statements that is inconsistent (or makes ``unsatisfiable`` unsatisfiable).

    The facts first localised (an individual's neighbourhood), the ontology axioms are minimised with
    those facts fixed, then the facts with the axioms found fixed; the union is minimal.
    """
    started = time.monotonic()
    declared, statements = _statements(corpus, derived=corpus.derived)
    statements += _unique_names(corpus)
    witness: list[int] = []
    if unsatisfiable is not None:
        statements.append(Statement(((WITNESS, RDF.type, URIRef(unsatisfiable)),), (), "witness", WITNESS))
        witness = [len(statements) - 1]
    writer = _Writer()
    texts = [writer.lines(s.triples) for s in statements]
    declarations: dict[URIRef, str] = defaultdict(str)
    for t in declared:
        if isinstance(t[0], URIRef):
            declarations[t[0]] += writer.lines([t])
    schema = [i for i, s in enumerate(statements) if s.kind in ("schema", "generated")]
    data = [i for i, s in enumerate(statements) if s.kind == "data"]
    with tempfile.TemporaryDirectory(prefix="policykg-explain-") as folder:
        prober = _Prober(Path(folder), statements, texts, declarations, started + budget)
        minimal = True
        core: list[int] = []
        try:
            if unsatisfiable is not None:
                module = witness
                if not prober.fails(schema + module):
                    return Explanation((), False, prober.checks, round(time.monotonic() - started, 3))
            else:  # the ontology and the data are inconsistent: reason() found so
                # facts the build derived (the type closure) follow from the others: look without them first
                asserted = [i for i in data if not statements[i].derived]
                found = _neighbourhood(prober, statements, schema, asserted, _suspects(statements, asserted))
                module = data if found is None else found
            axioms = _minimise(prober, module, _by_distance(statements, schema, module))
            facts = _minimise(prober, axioms + witness, _by_vocabulary(statements, module, axioms, witness))
            core = _refine_unique_names(prober, statements, texts, axioms + facts)
        except _Timeout:
            minimal = False
            core = prober.best or []
        chosen = sorted(set(core) - set(witness), key=lambda i: (statements[i].kind == "data", i))
        return Explanation(tuple(statements[i] for i in chosen), minimal, prober.checks,
                           round(time.monotonic() - started, 3))


def _neighbourhood(prober: _Prober, statements: Sequence[Statement], schema: list[int],
                   data: list[int], suspects: Sequence[Node] = ()) -> list[int] | None:
    """The facts around one individual that are inconsistent with the ontology: its statements, the
    statements pointing to it, and the types of all its neighbours; [] if the ontology alone is
    inconsistent; the smallest group of individuals' facts found, or None, if no single one is."""
    by_subject: dict[Node, list[int]] = defaultdict(list)
    types_of: dict[Node, list[int]] = defaultdict(list)
    pointing: dict[Node, list[int]] = defaultdict(list)
    for i in data:
        st = statements[i]
        by_subject[st.about].append(i)
        s, p, o = st.triples[0]
        if p == RDF.type:
            types_of[s].append(i)
        elif isinstance(o, URIRef):
            pointing[o].append(i)

    def star(node: Node) -> list[int]:
        own = by_subject.get(node, []) + pointing.get(node, [])
        around = {statements[i].triples[0][2] for i in own} | {statements[i].about for i in own}
        out = set(own)
        for n in around:
            out.update(types_of.get(n, ()))
        return sorted(out)

    # the likely culprits first (HermiT checks the candidates in turn and stops at the first inconsistent
    # one): the suspects, then the individuals stated in the smallest sources (a new or short file)
    rank = {node: n for n, node in enumerate(suspects)}
    source_size: dict[str, int] = defaultdict(int)
    for i in data:
        for g in statements[i].sources:
            source_size[g] += 1
    smallest: dict[Node, int] = {}
    for i in data:
        st = statements[i]
        smallest[st.about] = min([smallest.get(st.about, len(data))] + [source_size[g] for g in st.sources])
    subjects = sorted(by_subject, key=lambda n: (rank.get(n, len(rank)), smallest.get(n, len(data)), str(n)))
    module: list[int] | None = None
    first = True
    while subjects:
        size = -(-len(subjects) // _FANOUT)
        buckets = [subjects[k:k + size] for k in range(0, len(subjects), size)]
        stars = [sorted({i for n in bucket for i in star(n)}) for bucket in buckets]
        if first:  # is the ontology alone inconsistent? Is one of the suspects, or of the first few?
            heads = list(dict.fromkeys([n for n in suspects[:_FANOUT] if n in by_subject] + subjects[:4]))
            buckets = [[]] + [[n] for n in heads] + buckets
            stars = [[]] + [star(n) for n in heads] + stars
        candidates = [schema + st for st in stars]
        hit = prober.first_inconsistent(candidates)
        if hit is None:
            return module  # the facts of several individuals clash: the smallest group found so far
        subjects, module = buckets[hit], stars[hit]
        if len(subjects) <= 1:
            return module
        first = False
    return module


def _suspects(statements: Sequence[Statement], data: Sequence[int]) -> list[Node]:
    """Individuals whose facts look wrong at a glance, to be checked first — an ordering only, HermiT
    decides: types (asserted, or implied by a domain or range) from classes declared disjoint, or two
    values (either direction of an inverse) of a single-valued property."""
    supers: dict[Node, set[Node]] = defaultdict(set)
    disjoint: set[frozenset[Node]] = set()
    domain: dict[Node, set[Node]] = defaultdict(set)
    range_: dict[Node, set[Node]] = defaultdict(set)
    inverse: dict[Node, set[Node]] = defaultdict(set)
    schema_triples: list[Triple] = []
    for st in statements:
        if st.kind != "schema":
            continue
        schema_triples.extend(st.triples)
        s, p, o = st.triples[0]
        if p == RDFS.subClassOf and isinstance(o, URIRef):
            supers[s].add(o)
        elif p == OWL.disjointWith:
            disjoint.add(frozenset((s, o)))
        elif p == RDFS.domain and isinstance(o, URIRef):
            domain[s].add(o)
        elif p == RDFS.range and isinstance(o, URIRef):
            range_[s].add(o)
        elif p == OWL.inverseOf:
            inverse[s].add(o)
            inverse[o].add(s)
        elif p == RDF.type and o == OWL.AllDisjointClasses:
            members = [m for _, pp, m in st.triples if pp == RDF.first]
            disjoint.update(frozenset((a, b)) for a in members for b in members if a != b)
    single = _single_valued(schema_triples)

    def up(c: Node) -> set[Node]:
        seen, stack = {c}, [c]
        while stack:
            for x in supers.get(stack.pop(), ()):
                if x not in seen:
                    seen.add(x)
                    stack.append(x)
        return seen

    types: dict[Node, set[Node]] = defaultdict(set)
    values: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
    for i in data:
        s, p, o = statements[i].triples[0]
        if p == RDF.type:
            types[s] |= up(o)
            continue
        for c in domain.get(p, ()):
            types[s] |= up(c)
        if isinstance(o, URIRef):
            for c in range_.get(p, ()):
                types[o] |= up(c)
            for q in inverse.get(p, ()):
                if q in single:
                    values[(o, q)].add(s)
        if p in single:
            values[(s, p)].add(o)
    out = [n for n, ts in types.items() if any(frozenset((a, b)) in disjoint for a in ts for b in ts if a != b)]
    out += [s for (s, _), vs in values.items() if len(vs) > 1]
    return list(dict.fromkeys(out))


def _refine_unique_names(prober: _Prober, statements: list[Statement], texts: list[str],
                         core: list[int]) -> list[int]:
    """Replace a generated owl:AllDifferent in the explanation by the owl:differentFrom pairs it needs."""
    for g in [i for i in core if statements[i].kind == "generated" and statements[i].note.startswith("unique")]:
        members = {o for s, p, o in statements[g].triples if p == RDF.first}
        used = sorted({t for i in core if i != g for t in statements[i].iris()} & members)
        pairs = []
        writer = _Writer()
        for a_i, a in enumerate(used):
            for b in used[a_i + 1:]:
                statements.append(Statement(((a, OWL.differentFrom, b),), (), "generated", a,
                                            "unique names (docs/reasoning.md)"))
                texts.append(writer.lines(statements[-1].triples))
                pairs.append(len(statements) - 1)
        rest = [i for i in core if i != g]
        if pairs and prober.fails(rest + pairs):
            core = rest + _minimise(prober, rest, pairs)
    return core


# ---------------------------------------------------------------------------------------------
# Reasoning
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReasoningReport:
    """The outcome of reasoning over a corpus.

    ``consistent`` is False when the ontology and data have no model; ``unsatisfiable`` lists the named
    classes that can have no member (sorted); ``inferred`` holds the triples HermiT entails that the
    corpus does not state (types, class subsumptions, object property values; only when asked for and
    consistent). ``explanation`` explains an inconsistency, ``explanations`` each unsatisfiable class.
    """

    consistent: bool
    unsatisfiable: tuple[str, ...]
    inferred: tuple[Triple, ...]
    reasoner: str
    seconds: float
    triples: int
    explanation: Explanation | None = None
    explanations: tuple[tuple[str, Explanation], ...] = ()

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable


class InconsistentCorpus(OntologyError):
    """The corpus is inconsistent or has unsatisfiable classes; ``report`` says why."""

    status = 400

    def __init__(self, report: ReasoningReport, *, context: str = "", where: Callable[[str], str] | None = None,
                 location: str | None = None) -> None:
        self.report = report
        self.where = where
        super().__init__(f"{summary(report, where)}{context}", location=location)


def reason(source: Source, *, reasoner: str = "hermit", infer: bool = True, explain: bool = True,
           budget: float = 60.0) -> ReasoningReport:
    """Reason over ontology + data with HermiT (or Pellet): consistency, unsatisfiable classes, inferences
    and, when the corpus is inconsistent, an explanation found within ``budget`` seconds.

    Inconsistency is a result, never an exception.

    Raises:
        OntologyError: the input cannot be parsed, Java cannot run, or the reasoner fails.
    """
    corpus = Corpus.of(source)
    if reasoner not in ("hermit", "pellet"):
        raise OntologyError(f"unknown reasoner {reasoner!r} (hermit, pellet)")
    started = time.monotonic()
    extra = _unique_names(corpus)
    writer = _Writer()
    text = writer.lines(corpus.triples()) + "".join(writer.lines(s.triples) for s in extra)
    if reasoner == "pellet":
        consistent, unsatisfiable, name = _pellet(text)
        inferred: list[Triple] = []
    else:
        with tempfile.TemporaryDirectory(prefix="policykg-reason-") as folder:
            path = Path(folder) / "corpus.nt"
            path.write_text(text, encoding="ascii")
            actions = ["-c", "-O", "-I", "-Y"] if infer else ["-c"]
            try:
                run = _run_hermit([*actions, path.as_uri()], timeout=max(60.0, 10 * budget))
            except _Timeout:
                raise OntologyError("HermiT took too long (no answer within the time limit)") from None
        if run.returncode != 0 and not run.inconsistent:
            raise _java_failure(run)
        consistent = not run.inconsistent
        classification = _parse(run.output) if consistent else _Classification()
        unsatisfiable = tuple(sorted(classification.unsatisfiable))
        inferred = _entailments(classification, set(corpus.triples())) if consistent and infer else []
        name = f"{HERMIT} (owlready2 {_owlready_version()})"
    seconds = round(time.monotonic() - started, 3)
    explanation = None
    explanations: list[tuple[str, Explanation]] = []
    if explain and not consistent:
        explanation = _explain(corpus, budget=budget)
    elif explain:
        deadline = time.monotonic() + budget
        for cls in unsatisfiable[:5]:
            explanations.append((cls, _explain(corpus, budget=max(1.0, deadline - time.monotonic()),
                                               unsatisfiable=cls)))
    return ReasoningReport(consistent, unsatisfiable, tuple(inferred), name, seconds, len(corpus),
                           explanation, tuple(explanations))


def _owlready_version() -> str:
    import owlready2

    return str(getattr(owlready2, "VERSION", "?"))


def _pellet(text: str) -> tuple[bool, tuple[str, ...], str]:
    import owlready2

    world = owlready2.World()
    with tempfile.TemporaryDirectory(prefix="policykg-pellet-") as folder:
        path = Path(folder) / "corpus.nt"
        path.write_text(text, encoding="ascii")
        try:
            world.get_ontology(path.as_uri()).load(format="ntriples")
        except Exception as e:
            raise OntologyError(f"owlready2 cannot load the ontology: {_one_line(e)}") from e
        consistent = True
        try:
            with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), \
                    contextlib.redirect_stderr(devnull):
                owlready2.sync_reasoner_pellet(world, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            consistent = False
        except owlready2.OwlReadyJavaError as e:
            lines = [ln for ln in str(e).splitlines() if "Exception" in ln or "Error" in ln] or [str(e)]
            first = re.sub(r"^Exception in thread \"main\" ", "", lines[0].strip())
            raise OntologyError(f"Pellet (owlready2 {_owlready_version()}) cannot run here: {_one_line(first)}; "
                                "use HermiT, the default reasoner") from e
        except OSError as e:
            raise OntologyError(f"cannot run Java for Pellet: {_one_line(e)}") from e
        unsatisfiable: tuple[str, ...] = ()
        if consistent:
            unsatisfiable = tuple(sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing))
        with contextlib.suppress(Exception):
            world.close()
    return consistent, unsatisfiable, f"{PELLET} (owlready2 {_owlready_version()})"


# ---------------------------------------------------------------------------------------------
# Compatibility: the consistency check of `policykg validate --reasoner`
# ---------------------------------------------------------------------------------------------

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


def check_consistency(graph_or_paths: Source, /) -> ConsistencyReport:
    """Check an rdflib graph (or Turtle files) for OWL 2 DL consistency with HermiT (no explanation).

    Raises:
        OntologyError: if the input cannot be parsed or Java/HermiT fails.
    """
    report = reason(graph_or_paths, infer=False, explain=False)
    return ConsistencyReport(report.consistent, report.unsatisfiable, report.reasoner, report.seconds)


def realise(tbox: Graph, groups: Sequence[Graph], *, timeout: float = 600.0) -> tuple[dict[str, set[str]], str]:
    """The named classes of the individuals of ``groups``: each group is reasoned over with ``tbox`` on its
    own (one ontology per group, so no group's facts bear on another's), all groups in one Java process.

    Returns every individual's named classes with their named superclasses (``owl:Thing`` left out), and
    the reasoner's name. Why groups: HermiT realises the individuals of one ontology with entailment tests
    over the whole ABox, and individuals that share a named individual (a concept, say) are one connected
    model, so one large ontology costs more than linear time; small groups in one process keep it linear.

    Raises:
        OntologyError: a group is inconsistent with ``tbox``, HermiT takes longer
            than ``timeout`` seconds, or Java/HermiT fails.
    """
    writer = _Writer()
    corpus = Corpus.of(tbox)
    base = writer.lines(corpus.triples()) + "".join(writer.lines(st.triples) for st in _unique_names(corpus))
    with tempfile.TemporaryDirectory(prefix="policykg-realise-") as folder:
        paths = []
        for n, group in enumerate(groups):
            path = Path(folder) / f"group-{n}.nt"
            path.write_text(base + writer.lines(group), encoding="ascii")
            paths.append(path.as_uri())
        if not paths:
            return {}, f"{HERMIT} (owlready2 {_owlready_version()})"
        try:
            run = _run_hermit(["-c", "-I", *paths], timeout=timeout)
        except _Timeout:
            raise OntologyError(f"HermiT took longer than {timeout:g} s to classify the individuals") from None
    if run.inconsistent:
        raise OntologyError("HermiT finds the individuals inconsistent with the ontology (个体与本体不一致)")
    if run.returncode != 0:
        raise _java_failure(run)
    classification = _parse(run.output)
    supers: dict[str, set[str]] = defaultdict(set)
    for cls, direct in classification.supers.items():
        todo = list(direct)
        while todo:
            up = todo.pop()
            if up not in supers[cls]:
                supers[cls].add(up)
                todo.extend(classification.supers.get(up, ()))
    thing = str(OWL.Thing)
    types: dict[str, set[str]] = {}
    for individual, direct in classification.types.items():
        found = set(direct)
        for cls in direct:
            found |= supers.get(cls, set())
        found.discard(thing)
        types[individual] = found
    return types, f"{HERMIT} (owlready2 {_owlready_version()})"


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

_NAMESPACES = sorted(((ns, prefix) for prefix, ns in PREFIXES.items()), key=lambda x: -len(x[0]))


def short(term: Node) -> str:
    """A term as it reads in Turtle with policykg's prefixes (``pk:Benefit``, ``"5"``)."""
    if isinstance(term, URIRef):
        text = str(term)
        if term == RDF.type:
            return "a"
        for ns, prefix in _NAMESPACES:
            if text.startswith(ns) and len(text) > len(ns):
                return f"{prefix}:{text[len(ns):]}"
        return f"<{text}>"
    if isinstance(term, Literal):
        body = '"' + str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if term.language:
            return f"{body}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{body}^^{short(term.datatype)}"
        return body
    return "[]"


def _render_statement(st: Statement, *, limit: int) -> str:
    if st.kind == "generated" and len(st.triples) > 1:
        members = [o for s, p, o in st.triples if p == RDF.first]
        shown = " ".join(short(m) for m in members[:limit]) + (" …" if len(members) > limit else "")
        return f"[] a owl:AllDifferent ; owl:members ( {shown} ) .  # {st.note}"
    by_subject: dict[Node, list[Triple]] = defaultdict(list)
    for t in sorted(st.triples, key=lambda t: t[1] != RDF.type):  # "a …" first
        by_subject[t[0]].append(t)

    def node(term: Node, depth: int) -> str:
        if not isinstance(term, BNode) or depth > 6:
            return short(term)
        props = by_subject.get(term, [])
        if any(p == RDF.first for _, p, _ in props):
            items: list[str] = []
            cur: Node = term
            while isinstance(cur, BNode) and len(items) < 200:
                first = next((o for _, p, o in by_subject.get(cur, []) if p == RDF.first), None)
                if first is None:
                    break
                items.append(node(first, depth + 1))
                cur = next((o for _, p, o in by_subject.get(cur, []) if p == RDF.rest), RDF.nil)
            if len(items) > limit:
                items = items[:limit] + ["…"]
            return "( " + " ".join(items) + " )"
        inner = " ; ".join(f"{short(p)} {node(o, depth + 1)}" for _, p, o in props
                           if not (p == RDF.type and o in (OWL.Restriction, OWL.Class)))
        return f"[ {inner} ]"

    if isinstance(st.about, BNode):
        body = " ; ".join(f"{short(p)} {node(o, 0)}" for _, p, o in by_subject.get(st.about, []))
        return f"[] {body} ."
    s, p, o = st.triples[0]
    text = f"{short(s)} {short(p)} {node(o, 0)} ."
    return f"{text}  # {st.note}" if st.note else text


def _where(st: Statement, where: Callable[[str], str] | None) -> str:
    if st.kind == "generated":
        return "generated (unique names)"
    names = [where(g) if where else g for g in st.sources if g]
    return ", ".join(dict.fromkeys(names))


def summary(report: ReasoningReport, where: Callable[[str], str] | None = None) -> str:
    """One line: what is wrong and where."""
    if report.consistent and not report.unsatisfiable:
        return f"consistent ({report.reasoner})"
    if not report.consistent:
        head = f"the corpus is inconsistent (OWL 2 DL, {report.reasoner})"
        expl = report.explanation
    else:
        head = f"unsatisfiable classes: {', '.join(short(URIRef(c)) for c in report.unsatisfiable)}"
        expl = report.explanations[0][1] if report.explanations else None
    if expl is None or not expl.statements:
        return head
    parts = []
    for st in expl.statements[:6]:
        place = _where(st, where)
        parts.append(st.text(limit=4) + (f" [{place}]" if place else ""))
    more = f"; … ({len(expl.statements) - 6} more)" if len(expl.statements) > 6 else ""
    return f"{head}: {'; '.join(parts)}{more}"


def render_text(report: ReasoningReport, where: Callable[[str], str] | None = None, *,
                inferred_graph: str | None = None) -> str:
    """The report for people: the verdict, then why (or what was inferred)."""
    lines: list[str] = []
    if report.consistent:
        lines.append(f"consistent (一致): {report.reasoner}, {report.triples} triples, {report.seconds:.1f} s")
    else:
        lines.append(f"INCONSISTENT (不一致): {report.reasoner} finds no model of the ontology and data "
                     f"({report.triples} triples, {report.seconds:.1f} s)")
    if report.unsatisfiable:
        lines.append(f"unsatisfiable classes (不可满足的类): {', '.join(short(URIRef(c)) for c in report.unsatisfiable)}")
    blocks: list[tuple[str, Explanation]] = []
    if report.explanation is not None:
        blocks.append(("why (原因)", report.explanation))
    for cls, expl in report.explanations:
        blocks.append((f"why {short(URIRef(cls))} can have no member (原因)", expl))
    for title, expl in blocks:
        how = ("a minimal set: without any one of them the rest is consistent" if expl.minimal else
               "the time budget ran out before the set was minimal")
        lines.append(f"{title}: these {len(expl.statements)} statements are inconsistent together "
                     f"({how}; {expl.checks} checks, {expl.seconds:.1f} s)")
        shown = expl.statements if expl.minimal else expl.facts()[:40]
        if not expl.minimal:
            lines.append(f"  (the {len(expl.axioms())} axioms of the ontology involved are not listed; "
                         "give --explain-seconds more for a minimal set)")
        for n, st in enumerate(shown, 1):
            place = _where(st, where)
            lines.append(f"  {n:>2}. {st.text()}" + (f"\n      ← {place}" if place else ""))
        if len(shown) < len(expl.facts()) and not expl.minimal:
            lines.append(f"  … and {len(expl.facts()) - len(shown)} more facts")
        individuals = expl.individuals()
        if individuals:
            lines.append("  individuals (个体): " + ", ".join(short(i) for i in individuals))
        axioms = [st.text(limit=4) for st in expl.axioms()]
        if axioms and expl.minimal:
            lines.append("  axioms (公理): " + " | ".join(axioms))
    if report.consistent and report.inferred:
        target = f" (graph {inferred_graph})" if inferred_graph else ""
        lines.append(f"inferred (推理所得): {len(report.inferred)} triples{target}")
        for pred, n in _by_predicate(report.inferred):
            lines.append(f"  {n:>7}  {pred}")
    return "\n".join(lines) + "\n"


def _by_predicate(triples: Iterable[Triple]) -> list[tuple[str, int]]:
    counts: dict[str, int] = defaultdict(int)
    for _, p, _ in triples:
        counts[short(p) if p != RDF.type else "rdf:type"] += 1
    return sorted(counts.items(), key=lambda x: (-x[1], x[0]))


def report_json(report: ReasoningReport, where: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The report as plain JSON data."""

    def expl(e: Explanation) -> dict[str, Any]:
        return {
            "minimal": e.minimal, "checks": e.checks, "seconds": e.seconds,
            "statements": [{"kind": st.kind, "turtle": st.text(limit=1000), "sources": [
                where(g) if where else g for g in st.sources if g], "note": st.note or None,
                "triples": [[_json_term(t) for t in tr] for tr in st.triples]} for st in e.statements],
            "individuals": [str(i) for i in e.individuals()],
        }

    return {
        "consistent": report.consistent,
        "ok": report.ok,
        "reasoner": report.reasoner,
        "seconds": report.seconds,
        "triples": report.triples,
        "unsatisfiable": list(report.unsatisfiable),
        "explanation": expl(report.explanation) if report.explanation else None,
        "unsatisfiable_explanations": {cls: expl(e) for cls, e in report.explanations},
        "inferred": {"triples": len(report.inferred), "by_predicate": dict(_by_predicate(report.inferred))},
        "summary": summary(report, where),
    }


def _json_term(term: Node) -> str:
    return short(term) if not isinstance(term, BNode) else f"_:{term}"


def merge_sources(sources: Mapping[str, str]) -> Callable[[str], str]:
    """A ``where`` function from a map of graph IRIs to file names (unknown graphs stay as they are)."""
    return lambda graph: sources.get(graph, graph)
