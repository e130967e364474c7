"""Full-text search over labels and article text; the search text is a bound parameter."""

from __future__ import annotations

import pyoxigraph as ox

from policykg.explorer.html import href, highlight

from .conftest import Client


def article_hits(store: ox.Store, needle: str) -> set[str]:
    rows = store.query("PREFIX pk: <https://w3id.org/policykg/ontology#> SELECT ?a ?t WHERE { ?a a pk:Article ; pk:text ?t }",
                       use_default_graph_as_union=True)
    return {r["a"].value for r in rows if needle.lower() in r["t"].value.lower()}  # type: ignore[index,union-attr]


def section(page: str, marker: str) -> str:
    return page.split(marker, 1)[1].split("</section>", 1)[0] if marker in page else ""


def test_search_finds_articles_by_text_and_resources_by_label(client: Client, ox_store: ox.Store) -> None:
    page = client.get("/search", params={"q": "担保"}).text
    articles = section(page, 'id="article-hits"')
    expected = article_hits(ox_store, "担保")
    assert len(expected) >= 3
    for a in expected:
        assert f'href="{href(a)}"' in articles
    assert "<mark>担保</mark>" in articles
    assert "/id/benefit-family/collective-bond-counter-guarantee" in page  # a label hit
    english = client.get("/search", params={"q": "FINANCE BUREAU"}).text  # case-insensitive for Latin letters
    assert "/id/agency/finance-bureau" in english


def test_search_text_is_never_part_of_the_query(client: Client, ox_store: ox.Store) -> None:
    """Quotes, braces and SPARQL keywords are looked for literally (bound as a string, not pasted)."""
    for q in ['") } UNION { ?s ?p ?o } #', "'''", "\\", "}} SELECT * WHERE { ?s ?p ?o"]:
        r = client.get("/search", params={"q": q})
        assert r.status_code == 200, q
        assert '<p class="summary" id="hits">0 ' in r.text, q


def test_search_limits_and_empty_query(client: Client) -> None:
    assert client.get("/search").status_code == 200
    assert 'id="hits"' not in client.get("/search", params={"q": "  "}).text
    long = client.get("/search", params={"q": "长" * 201})
    assert long.status_code == 400 and "200" in long.text
    assert client.get("/search", params={"q": "长" * 201}, accept="application/json").json()["error"]["status"] == 400


def test_highlight_escapes_around_the_marks() -> None:
    assert str(highlight("a<b>担保</b>&c 担保", "担保")) == "a&lt;b&gt;<mark>担保</mark>&lt;/b&gt;&amp;c <mark>担保</mark>"
    assert str(highlight("x<y", "<")) == "x<mark>&lt;</mark>y"
