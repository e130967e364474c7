"""The named-query library: headers, parameters, and what the queries answer on the built store."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from policykg.errors import QueryError, QueryNotFound, QueryParameterError
from policykg.queries import QueryRegistry, bind, parse_header, run
from policykg.store import EmbeddedStore

REGISTRY = QueryRegistry()
QUERIES = list(REGISTRY)
IDS = [q.id for q in QUERIES]

#: values for required parameters when running every query
SAMPLE = {"number": "5", "agency": "市财政局", "start": "2014-01-01", "end": "2015-12-31", "q": "担保",
          "resource": "agency:finance-bureau"}


def test_library_has_the_promised_queries() -> None:
    assert len(QUERIES) >= 15
    for expected in ("document/outline", "document/article", "agencies/articles_by_agency", "agencies/workload",
                     "agencies/co_responsibility", "citations/direct", "citations/transitive",
                     "citations/transposition", "benefits/by_kind", "benefits/by_beneficiary",
                     "measures/parameters", "measures/in_force", "measures/expiring", "benefits/same_family",
                     "search/articles", "search/describe"):
        assert expected in IDS


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_header_and_parameters(query) -> None:  # type: ignore[no-untyped-def]
    assert query.title and query.description, "every query documents itself"
    text = query.text
    assert re.search(r"^\s*PREFIX", text, re.M) or "DESCRIBE" in text, "queries declare their prefixes"
    for p in query.parameters:
        assert f"?{p.name}" in text, f"declared parameter {p.name} is not used"
    # parses, and every parameter can be substituted (SEP-0007 needs SELECT to project it)
    subs = bind(query, {p.name: SAMPLE.get(p.name, p.default or "") for p in query.parameters
                        if p.required or p.default})
    empty = ox.Store()
    empty.query(text, substitutions=subs or None)
    if text.lstrip("#").find("SELECT") >= 0 and "DESCRIBE" not in text:
        select = re.search(r"SELECT(.*?)WHERE", text, re.S)
        assert select is not None
        for p in query.parameters:
            assert f"?{p.name}" in select.group(1), f"SELECT must project parameter {p.name}"


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_every_query_answers_on_the_store(query, store: EmbeddedStore) -> None:  # type: ignore[no-untyped-def]
    params = {p.name: SAMPLE[p.name] for p in query.parameters if p.required}
    result = run(store, query, params=params)
    if result.kind == "select":
        assert result.rows, f"{query.id} returned no rows"
    elif result.kind == "graph":
        assert result.triples


def test_unknown_query_suggests() -> None:
    with pytest.raises(QueryNotFound, match="did you mean agencies/workload"):
        REGISTRY.get("workload")


def test_parameter_errors() -> None:
    q = REGISTRY.get("measures/expiring")
    with pytest.raises(QueryParameterError, match="needs --param start"):
        bind(q, {})
    with pytest.raises(QueryParameterError, match="is not a date"):
        bind(q, {"start": "2014-13-01", "end": "2015-01-01"})
    with pytest.raises(QueryParameterError, match="has no parameter 'nope'"):
        bind(q, {"start": "2014-01-01", "end": "2015-01-01", "nope": "1"})


def test_parameters_are_bound_as_terms_not_text(store: EmbeddedStore) -> None:
    """A value full of SPARQL syntax is just a string to look for: nothing is injected."""
    q = REGISTRY.get("search/articles")
    evil = '") } } SELECT * WHERE { ?s ?p ?o } #'
    assert run(store, q, params={"q": evil}).rows == ()


def test_bad_sparql_file_names_line_and_column(tmp_path: Path, store: EmbeddedStore) -> None:
    f = tmp_path / "bad.rq"
    f.write_text("# title: broken\nSELECT ?s WHERE { ?s ?p ?o } LIMIT x\n", encoding="utf-8")
    with pytest.raises(QueryError) as e:
        run(store, REGISTRY.get(str(f)))
    assert e.value.location is not None and e.value.location.startswith(f"{f}:2:")


def test_malformed_param_header(tmp_path: Path) -> None:
    f = tmp_path / "h.rq"
    text = "# title: t\n# param: x  nonsense  required  doc\nSELECT ?x {}\n"
    with pytest.raises(QueryError) as e:
        parse_header(f, text, "h")
    assert e.value.location == f"{f}:2"
