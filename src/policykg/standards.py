"""The SME size standard of 工信部联企业〔2011〕300号 as RDF, read from its machine-readable table.

The table (``data/sources/size-thresholds.json``, copied from the shared corpus) gives, for each of
the 16 industry groups of article 4, the SME upper bound ("以下", any indicator below), the medium
and small minima ("及以上" … "且", all indicators at or above) and the micro bound ("以下" … "或",
any indicator below). This module turns it into ``pk:SizeClassRule`` / ``pk:SizeThreshold`` nodes
that point back to article 4.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from .errors import LoadError
from .namespaces import DOC, ELI, INDICATOR, INDUSTRY, PK, SIZE, UNIT

#: the contract's industry codes, in the order of the items of article 4 (items 1..16)
INDUSTRY_CODES: tuple[str, ...] = (
    "agriculture", "industrial", "construction", "wholesale", "retail", "transport", "warehousing",
    "postal", "accommodation", "catering", "information_transmission", "software_it_services",
    "real_estate_development", "property_management", "leasing_business_services", "other",
)

DOCUMENT = DOC["gongxinbulianqiye-2011-300"]
ARTICLE_4 = URIRef(f"{DOCUMENT}/article/4")

_INDICATORS = {"X": ("employees", UNIT.person, 1), "Y": ("revenue", UNIT["ten-thousand-yuan"], 10000),
               "Z": ("assets", UNIT["ten-thousand-yuan"], 10000)}
# (json key, size class concept slug, combinator, comparator)
_RULES = (
    ("sme_if_any_below", "sme", "any", "<"),
    ("medium_if_all_at_least", "medium", "all", ">="),
    ("small_if_all_at_least", "small", "all", ">="),
    ("micro_if_any_below", "micro", "any", "<"),
)


def size_standard_graph(path: Path) -> Graph:
    """Read the size-threshold table and return it as RDF.

    Raises:
        LoadError: if the file is missing, not JSON, or not shaped as expected (the location is
            a JSON path).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise LoadError("file not found", location=str(path)) from e
    except ValueError as e:
        raise LoadError(f"not valid JSON: {e}", location=str(path)) from e
    g = Graph()
    g.add((ARTICLE_4, RDF.type, PK.Article))
    g.add((ARTICLE_4, ELI.number, Literal("4")))
    g.add((ARTICLE_4, PK.ordinal, Literal(4)))
    g.add((ARTICLE_4, PK.document, DOCUMENT))
    g.add((ARTICLE_4, PK.sourceNote, Literal(
        "第四条 (划型标准) is held as the table size-thresholds.json; its text is not in the corpus")))
    g.add((ARTICLE_4, ELI.is_part_of, DOCUMENT))
    g.add((DOCUMENT, ELI.has_part, ARTICLE_4))
    industries = _get(data, "industries", list, "$")
    if len(industries) != len(INDUSTRY_CODES):
        raise LoadError(f"expected {len(INDUSTRY_CODES)} industries, found {len(industries)}",
                        location=f"{path}:$.industries")
    for i, item in enumerate(industries):
        where = f"$.industries[{i}]"
        number = _get(item, "item", int, where)
        if not 1 <= number <= len(INDUSTRY_CODES):
            raise LoadError(f"item number {number} is not 1..16", location=f"{path}:{where}.item")
        code = INDUSTRY_CODES[number - 1]
        for key, size_class, combinator, comparator in _RULES:
            thresholds = _get(item, key, dict, where)
            _add_rule(g, code, size_class, combinator, comparator, thresholds, f"{path}:{where}.{key}")
    return g


def _get(obj: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise LoadError(f"missing key {key!r}", location=where)
    value = obj[key]
    if not isinstance(value, kind):
        raise LoadError(f"{key!r} should be {kind.__name__}", location=f"{where}.{key}")
    return value


def _add_rule(g: Graph, code: str, size_class: str, combinator: str, comparator: str,
              thresholds: dict[str, Any], where: str) -> None:
    rule = URIRef(f"{DOCUMENT}/rule/{code}/{size_class}")
    g.add((rule, RDF.type, PK.SizeClassRule))
    g.add((rule, PK.industry, INDUSTRY[code]))
    g.add((rule, PK.sizeClass, SIZE[size_class]))
    g.add((rule, PK.combinator, Literal(combinator)))
    g.add((rule, PK.sourceArticle, ARTICLE_4))
    g.add((rule, PK.sourceNote, Literal("size-thresholds.json (cross-checked against two independent pages)")))
    g.add((rule, RDFS.label, Literal(f"{code} {size_class}", lang="en")))
    for letter, raw in sorted(thresholds.items()):
        if letter not in _INDICATORS:
            raise LoadError(f"unknown indicator {letter!r} (expected X, Y or Z)", location=where)
        if not isinstance(raw, (int, float)) or isinstance(raw, bool) or raw < 0:
            raise LoadError(f"threshold {letter} should be a non-negative number", location=f"{where}.{letter}")
        name, unit, factor = _INDICATORS[letter]
        threshold = URIRef(f"{rule}/{name}")
        value = Decimal(str(raw))
        g.add((rule, PK.hasThreshold, threshold))
        g.add((threshold, RDF.type, PK.SizeThreshold))
        g.add((threshold, PK.indicator, INDICATOR[name]))
        g.add((threshold, PK.comparator, Literal(comparator)))
        g.add((threshold, PK.value, Literal(value, datatype=XSD.decimal)))
        g.add((threshold, PK.unit, unit))
        g.add((threshold, PK.baseValue, Literal(value * factor, datatype=XSD.decimal)))
        g.add((threshold, PK.baseUnit, UNIT.person if letter == "X" else UNIT.yuan))
        g.add((threshold, PK.sourceArticle, ARTICLE_4))
