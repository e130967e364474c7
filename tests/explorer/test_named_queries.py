"""The named queries in the explorer: forms that bind parameters, and the query UI's runnable texts."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from policykg.explorer.pages import editor_text, example_values
from policykg.queries import QueryRegistry, bind

from .conftest import Client

REGISTRY = QueryRegistry()


def rows(result: object) -> object:
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        return sorted(tuple(str(s[v]) for v in variables) for s in result)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    return sorted(str(t) for t in result)  # type: ignore[attr-defined]


@pytest.mark.parametrize("query", list(REGISTRY), ids=lambda q: q.id)
def test_editor_text_runs_as_the_bound_query(ox_store: ox.Store, query: object) -> None:
    """What the query UI preloads (parameters set by VALUES) answers exactly what the registry's bound query
    answers with the same values (blank-node labels aside)."""
    values = example_values(query)  # type: ignore[arg-type]
    text = editor_text(query)  # type: ignore[arg-type]
    bound = ox_store.query(query.text, substitutions=bind(query, values) or None,  # type: ignore[attr-defined,arg-type]
                           use_default_graph_as_union=True)
    shown = ox_store.query(text, use_default_graph_as_union=True)
    expected, got = rows(bound), rows(shown)
    if query.id == "search/describe":  # type: ignore[attr-defined]
        assert len(got) == len(expected)  # type: ignore[arg-type]
    else:
        assert got == expected


def test_every_named_query_has_a_page_that_runs_it(client: Client, ox_store: ox.Store) -> None:
    index = client.get("/queries").text
    for query in REGISTRY:
        assert f'href="/queries/{query.id}"' in index
        page = client.get(f"/queries/{query.id}")
        assert page.status_code == 200, query.id
        required = [p for p in query.parameters if p.required]
        if all(p.name in example_values(query) for p in required):
            assert 'id="rows"' in page.text, query.id


def test_form_parameters_are_bound(client: Client, ox_store: ox.Store) -> None:
    query = REGISTRY.get("agencies/articles_by_agency")
    expected = len(list(ox_store.query(query.text, substitutions=bind(query, {"agency": "市科技局"}),  # type: ignore[arg-type]
                                       use_default_graph_as_union=True)))
    page = client.get("/queries/agencies/articles_by_agency", params={"agency": "市科技局"}).text
    assert f'<p class="summary" id="rows">{expected} ' in page and expected > 0
    injected = client.get("/queries/agencies/articles_by_agency", params={"agency": '市科技局"@zh } ?x ?y ?z . {'}).text
    assert '<p class="summary" id="rows">0 ' in injected


def test_bad_parameters_are_a_400_that_says_which(client: Client) -> None:
    r = client.get("/queries/measures/expiring", params={"start": "not-a-date", "end": "2015-01-01"})
    assert r.status_code == 400 and "start" in r.text and "not-a-date" in r.text
    j = client.get("/queries/measures/expiring", params={"start": "x", "end": "y"}, accept="application/json")
    assert j.json()["error"]["code"] == "bad-request"
    assert client.get("/queries/no/such-query").status_code == 404
    assert client.get("/queries/../../etc/passwd").status_code == 404
    for path in ("/queries//etc/hostname", "/queries/%2Fetc%2Fhostname", "/queries/" + str(REGISTRY.folder / "search" / "articles.rq")):
        assert client.get(path).status_code == 404, path  # ids only, never a file


def test_query_ui_page_carries_the_library(client: Client) -> None:
    page = client.get("/query").text
    assert '<script src="/static/vendor/yasgui/yasgui.min.js"></script>' in page
    config = page.split('<script type="application/json" id="query-config">', 1)[1].split("</script>", 1)[0]
    import json

    data = json.loads(config)
    assert data["endpoint"] == "/sparql"
    assert [q["id"] for q in data["queries"]] == [q.id for q in REGISTRY]
