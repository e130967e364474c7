"""The registry of known agencies and documents (``data/agencies.ttl``, ``data/documents.ttl``).

Agencies are looked up by label: first exactly, then normalised (full/half width, whitespace, the
city prefix 青岛市 read as 市). Documents are looked up by 文号 (brackets normalised to 〔〕) and by
title (《》/〈〉 and whitespace ignored).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from .. import resources
from ..errors import LoadError
from ..namespaces import AGENCY, DOC, ELI, ORG, PK
from .numerals import fold_width

#: municipal prefixes read as "市" when matching agency names (青岛市财政局 = 市财政局)
CITY_PREFIXES: tuple[str, ...] = ("青岛市",)

_AGENCY_CLASSES = (ORG.Organization, PK.GovernmentAgency, PK.AgencyCollective)
_DOCUMENT_CLASSES = (ELI.LegalResource, PK.PolicyDocument)
_SPACE = re.compile(r"\s+")
_ID_BRACKETS = re.compile(r"[\[［(（【〔]\s*(\d{4})\s*[\]］)）】〕]")
_TITLE_MARKS = re.compile(r"[《》〈〉<>“”\"]")


def normalise_agency(name: str) -> str:
    """The key an agency name is matched by.

    >>> normalise_agency(" 青岛市 财政局"), normalise_agency("市财政局")
    ('市财政局', '市财政局')

    Raises:
        Nothing.
    """
    key = _SPACE.sub("", fold_width(name))
    for prefix in CITY_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return "市" + key[len(prefix):]
    return key


def normalise_id_local(number: str) -> str:
    """A 文号 with its year in 〔〕 and no whitespace.

    >>> normalise_id_local("财库[2011]181号"), normalise_id_local("国发（２０１２）１４号")
    ('财库〔2011〕181号', '国发〔2012〕14号')

    Raises:
        Nothing.
    """
    folded = _SPACE.sub("", fold_width(number))
    return _ID_BRACKETS.sub(lambda m: f"〔{m[1]}〕", folded)


def normalise_title(title: str) -> str:
    """The key a title is matched by: no whitespace, quotes or book-title marks, half width.

    Raises:
        Nothing.
    """
    return _TITLE_MARKS.sub("", _SPACE.sub("", fold_width(title)))


def _zh_labels(graph: Graph, subject: URIRef, predicates: Iterable[URIRef]) -> list[str]:
    out: list[str] = []
    for predicate in predicates:
        for obj in graph.objects(subject, predicate):
            if isinstance(obj, Literal) and (obj.language in (None, "zh") or str(obj.language).startswith("zh")):
                out.append(str(obj))
    return sorted(out)


def _subjects(graph: Graph, classes: Iterable[URIRef], namespace: str) -> list[URIRef]:
    found: set[URIRef] = set()
    for cls in classes:
        found.update(s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef))
    for s in graph.subjects():
        if isinstance(s, URIRef) and str(s).startswith(namespace):
            found.add(s)
    return sorted(found, key=str)


@dataclass(frozen=True)
class Registry:
    """Known agencies and documents, with lookups by name, number and title."""

    #: exact label → agency IRI
    agency_labels: Mapping[str, str] = field(default_factory=dict)
    #: normalised label → agency IRI
    agency_keys: Mapping[str, str] = field(default_factory=dict)
    #: normalised 文号 → document IRI
    document_numbers: Mapping[str, str] = field(default_factory=dict)
    #: normalised title → document IRI
    document_titles: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, graph: Graph) -> Registry:
        """Read agencies (skos:prefLabel / altLabel) and documents (eli:id_local, eli:title).

        Raises:
            Nothing: a graph without agencies or documents gives an empty registry.
        """
        labels: dict[str, str] = {}
        keys: dict[str, str] = {}
        for agency in _subjects(graph, _AGENCY_CLASSES, str(AGENCY)):
            for label in _zh_labels(graph, agency, (SKOS.prefLabel, SKOS.altLabel)):
                labels.setdefault(label, str(agency))
                keys.setdefault(normalise_agency(label), str(agency))
        numbers: dict[str, str] = {}
        titles: dict[str, str] = {}
        for doc in _subjects(graph, _DOCUMENT_CLASSES, str(DOC)):
            if "/" in str(doc)[len(str(DOC)):]:
                continue  # chapters, articles, measures
            for number in graph.objects(doc, ELI.id_local):
                numbers.setdefault(normalise_id_local(str(number)), str(doc))
            for title in _zh_labels(graph, doc, (ELI.title, ELI.title_alternative, SKOS.altLabel)):
                titles.setdefault(normalise_title(title), str(doc))
        return cls(
            agency_labels=MappingProxyType(labels),
            agency_keys=MappingProxyType(keys),
            document_numbers=MappingProxyType(numbers),
            document_titles=MappingProxyType(titles),
        )

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> Registry:
        """Read the registry from Turtle files.

        Raises:
            LoadError: a file is missing or is not valid Turtle.
        """
        graph = Graph()
        for path in paths:
            if not path.is_file():
                raise LoadError(f"找不到登记文件 / registry file not found: {path}", location=str(path))
            try:
                graph.parse(path, format="turtle")
            except Exception as e:  # rdflib raises many kinds; all mean the file is unusable
                raise LoadError(f"登记文件不是有效的 Turtle / invalid Turtle: {e}", location=str(path)) from e
        return cls.from_graph(graph)

    @classmethod
    def load_default(cls) -> Registry:
        """The shipped registry: ``data/agencies.ttl`` and ``data/documents.ttl``.

        Raises:
            LoadError: a file is missing or is not valid Turtle.
            ConfigError: the resource folders cannot be found.
        """
        folder = resources.data_dir()
        return cls.from_files([folder / "agencies.ttl", folder / "documents.ttl"])

    def agency(self, name: str) -> str | None:
        """The IRI of the agency called ``name``, or None.

        Raises:
            Nothing.
        """
        exact = self.agency_labels.get(name.strip())
        if exact is not None:
            return exact
        return self.agency_keys.get(normalise_agency(name))

    def suggest_agency(self, name: str) -> str | None:
        """The known label closest to ``name`` by edit distance (difflib ratio ≥ 0.5), or None.

        Raises:
            Nothing.
        """
        candidates = sorted(self.agency_labels)
        match = difflib.get_close_matches(name.strip(), candidates, n=1, cutoff=0.5)
        return match[0] if match else None

    def document_by_number(self, id_local: str) -> str | None:
        """The IRI of the document with this 文号, or None.

        Raises:
            Nothing.
        """
        return self.document_numbers.get(normalise_id_local(id_local))

    def document_by_title(self, title: str) -> str | None:
        """The IRI of the document with this title, or None.

        Raises:
            Nothing.
        """
        return self.document_titles.get(normalise_title(title))

    def known_prefixes(self) -> frozenset[str]:
        """The 文号 prefixes of the known documents ("青政发", "国发" …).

        Raises:
            Nothing.
        """
        out: set[str] = set()
        for number in self.document_numbers:
            head, sep, _ = number.partition("〔")
            if sep and head:
                out.add(head)
        return frozenset(out)
