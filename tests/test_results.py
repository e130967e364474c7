"""Our SPARQL result serialisations agree with pyoxigraph's own (W3C JSON / CSV / TSV)."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest

from policykg.results import ResultFormat, from_oxigraph, serialize, to_json

DATA = """
@prefix ex: <http://example.org/> .
ex:a ex:label "市财政局"@zh , "Finance, \\"bureau\\"\\tTab"@en ; ex:n 42 ; ex:d "2015-12-31"^^<http://www.w3.org/2001/XMLSchema#date> .
ex:b ex:label "plain, with comma\\nand newline" .
_:x ex:p ex:a .
"""
QUERY = "SELECT ?s ?p ?o ?missing WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"


@pytest.fixture(scope="module")
def mem() -> ox.Store:
    s = ox.Store()
    s.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return s


def _ours(mem: ox.Store, fmt: ResultFormat) -> str:
    return serialize(from_oxigraph(mem.query(QUERY)), fmt)


def _theirs(mem: ox.Store, fmt: ox.QueryResultsFormat) -> bytes:
    out = mem.query(QUERY).serialize(format=fmt)
    assert out is not None
    return out


def test_json_matches_pyoxigraph(mem: ox.Store) -> None:
    ours = json.loads(_ours(mem, ResultFormat.JSON))
    theirs = json.loads(_theirs(mem, ox.QueryResultsFormat.JSON))
    # blank node labels are arbitrary: compare them by position only
    for doc in (ours, theirs):
        for row in doc["results"]["bindings"]:
            for cell in row.values():
                if cell["type"] == "bnode":
                    cell["value"] = "b"
    assert ours == theirs


def test_csv_matches_pyoxigraph(mem: ox.Store) -> None:
    ours = list(csv.reader(io.StringIO(_ours(mem, ResultFormat.CSV))))
    theirs = list(csv.reader(io.StringIO(_theirs(mem, ox.QueryResultsFormat.CSV).decode())))
    strip = lambda rows: [[("_" if c.startswith("_:") else c) for c in r] for r in rows]  # noqa: E731
    assert strip(ours) == strip(theirs)
    assert _ours(mem, ResultFormat.CSV).startswith("s,p,o,missing\r\n")


def test_tsv_matches_pyoxigraph(mem: ox.Store) -> None:
    ours = _ours(mem, ResultFormat.TSV).splitlines()
    theirs = _theirs(mem, ox.QueryResultsFormat.TSV).decode().splitlines()
    assert ours[0] == theirs[0] == "?s\t?p\t?o\t?missing"
    norm = lambda lines: sorted(l for l in lines if "_:" not in l)  # noqa: E731,E741
    assert norm(ours) == norm(theirs)


def test_ask_results(mem: ox.Store) -> None:
    r = from_oxigraph(mem.query("ASK { ?s ?p 42 }"))
    assert to_json(r) == {"head": {}, "boolean": True}
    assert serialize(r, ResultFormat.TABLE) == "true\n"


def test_table_shortens_known_namespaces() -> None:
    s = ox.Store()
    s.add(ox.Quad(ox.NamedNode("https://w3id.org/policykg/id/agency/finance-bureau"),
                  ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), ox.Literal("市财政局", language="zh")))
    text = serialize(from_oxigraph(s.query("SELECT ?s ?o { ?s ?p ?o }")), ResultFormat.TABLE)
    assert "agency:finance-bureau" in text and "市财政局" in text and "(1 rows)" in text
