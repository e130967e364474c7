"""Every page renders for every resource of the built store, and every link on every page resolves."""

from __future__ import annotations

import zlib
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pyoxigraph as ox
import pytest

from policykg.explorer.html import href
from policykg.namespaces import ELI, ORG, PK, SKOS

from .conftest import BROWSER, Client


class Links(HTMLParser):
    """Local links (a, link, script, form actions are not followed) of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        target = a.get("href") if tag in ("a", "link") else a.get("src") if tag == "script" else None
        if target and target.startswith("/") and not target.startswith("//"):
            self.links.append(target)


def links_of(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def followed(link: str) -> bool:
    """Every link, but of the four RDF download links every resource page has (?format=ttl|jsonld|nt|rdf),
    those of one page in eight (a fixed sample: they are 80% of all links and test_dereference checks the
    formats themselves)."""
    path, _, query = link.partition("?")
    return not query.startswith("format=") or zlib.crc32(path.encode()) % 8 == 0


@pytest.fixture(scope="module")
def crawl(client: Client) -> dict[str, int]:
    """Breadth-first over every local link from the home page: path -> status."""
    seen: dict[str, int] = {}
    queue = deque(["/"])
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        r = client.get(path)
        seen[path] = r.status_code
        if r.status_code == 200 and r.headers["content-type"].startswith("text/html"):
            for link in links_of(r.text).links:
                target = urldefrag(link)[0]
                if target not in seen and followed(target):
                    queue.append(target)
    return seen


def iris(store: ox.Store, cls: str) -> set[str]:
    rows = store.query(f"SELECT DISTINCT ?s WHERE {{ ?s a <{cls}> FILTER(isIRI(?s)) }}", use_default_graph_as_union=True)
    return {row["s"].value for row in rows}  # type: ignore[union-attr,index]


def test_every_link_resolves(crawl: dict[str, int]) -> None:
    broken = {p: s for p, s in crawl.items() if s != 200}
    assert not broken, f"{len(broken)} of {len(crawl)} links do not resolve: {sorted(broken.items())[:20]}"
    assert len(crawl) > 1000  # the crawl really went through the corpus
    assert sum("?format=" in p for p in crawl) > 400


@pytest.mark.parametrize("cls,what", [
    (str(ELI.LegalResource), "documents, chapters and articles"),
    (str(PK.Article), "articles"),
    (str(ORG.Organization), "agencies"),
    (str(PK.Benefit), "benefits"),
    (str(PK.Duty), "duties"),
    (str(PK.NonCumulationGroup), "non-cumulation groups"),
    (str(SKOS.Concept), "concepts"),
    (str(SKOS.ConceptScheme), "concept schemes"),
])
def test_every_resource_has_a_page_reached_by_links(crawl: dict[str, int], ox_store: ox.Store, cls: str,
                                                    what: str) -> None:
    expected = iris(ox_store, cls)
    assert expected, what
    pages = {href(i) for i in expected}
    missing = sorted(p for p in pages if crawl.get(p) != 200)  # type: ignore[arg-type]
    assert not missing, f"{what} without a page reached from the home page: {missing[:10]}"


def test_every_article_page_shows_its_text_and_agencies(client: Client, ox_store: ox.Store) -> None:
    rows = ox_store.query(
        "PREFIX pk: <https://w3id.org/policykg/ontology#> PREFIX eli: <http://data.europa.eu/eli/ontology#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?a ?text (GROUP_CONCAT(DISTINCT ?label; separator='|') AS ?agencies) WHERE { "
        "?a a pk:Article ; pk:text ?text . OPTIONAL { ?a eli:responsibility_of_agent/skos:prefLabel ?label "
        "FILTER(lang(?label) = 'zh') } } GROUP BY ?a ?text", use_default_graph_as_union=True)
    count = 0
    for row in rows:
        page = client.get(href(row["a"].value)).text  # type: ignore[index,union-attr,arg-type]
        assert row["text"].value in page  # type: ignore[index,union-attr]
        agencies = row["agencies"]  # type: ignore[index]
        for label in filter(None, agencies.value.split("|") if agencies is not None else []):  # type: ignore[union-attr]
            assert label in page
        count += 1
    assert count >= 60


def test_benefit_page_shows_the_conditions_of_its_shape(client: Client, ox_store: ox.Store) -> None:
    """The conditions come from the eligibility shape in the store: every property shape's message is shown."""
    rows = ox_store.query(
        "PREFIX pk: <https://w3id.org/policykg/ontology#> PREFIX sh: <http://www.w3.org/ns/shacl#> "
        "SELECT ?b ?msg WHERE { ?b pk:eligibilityShape ?s . ?s (sh:property|sh:or/(<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>*)/<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>)+ ?p . "
        "?p sh:message ?msg FILTER(lang(?msg) = 'zh') }", use_default_graph_as_union=True)
    by: dict[str, set[str]] = {}
    for row in rows:
        by.setdefault(row["b"].value, set()).add(row["msg"].value)  # type: ignore[index,union-attr]
    assert len(by) >= 80
    for benefit, messages in sorted(by.items())[:: max(1, len(by) // 12)]:
        page = client.get(href(benefit)).text  # type: ignore[arg-type]
        assert 'id="conditions"' in page
        for m in messages:
            assert m.replace('"', "&#34;") in page or m in page, (benefit, m)


def test_article_page_shows_overlaps_and_conflicts(client: Client) -> None:
    """第五条's reduced rates overlap 第六条 (most favourable); its halved income conflicts with the national
    rule of 国发〔2012〕14号, which prevails (第六十二条)."""
    page = client.get("/id/doc/qingzhengfa-2012-46/article/5").text
    overlaps = page.split('id="overlaps"')[1].split('id="conflicts"')[0]
    conflicts = page.split('id="conflicts"')[1].split("</section>")[0]
    assert "/id/doc/qingzhengfa-2012-46/group/corporate-income-tax-rate" in overlaps
    assert "/id/doc/qingzhengfa-2012-46/measure/6-high-tech-reduced-rate" in overlaps
    assert "/id/doc/guofa-2012-14/measure/cit-halving-extension" in conflicts
    assert "/id/resolution-strategy/higher-level-prevails" in conflicts
    assert "/id/doc/qingzhengfa-2012-46/article/62" in conflicts


def test_agency_page_lists_articles_and_co_responsible_agencies(client: Client, ox_store: ox.Store) -> None:
    agency = "https://w3id.org/policykg/id/agency/finance-bureau"
    rows = list(ox_store.query(
        "PREFIX eli: <http://data.europa.eu/eli/ontology#> SELECT DISTINCT ?a ?o WHERE { "
        f"?a eli:responsibility_of_agent <{agency}> . OPTIONAL {{ ?a eli:responsibility_of_agent ?o "
        f"FILTER(?o != <{agency}>) }} }}", use_default_graph_as_union=True))  # type: ignore[arg-type]
    articles = {r["a"].value for r in rows}  # type: ignore[index,union-attr]
    others = {r["o"].value for r in rows if r["o"] is not None}  # type: ignore[index,union-attr]
    page = client.get(href(agency)).text  # type: ignore[arg-type]
    section = page.split('id="articles"')[1].split('id="partners"')[0]
    partners = page.split('id="partners"')[1].split("</section>")[0]
    assert {href(a) for a in articles} == {link for link in links_of(section).links if "/article/" in link}
    assert {href(o) for o in others} == set(links_of(partners).links)


def test_pages_are_read_only(client: Client) -> None:
    for path in ("/", "/id/agency/finance-bureau", "/search", "/query"):
        r = client.loop.run_until_complete(client.http.post(path, content=b"x"))
        assert r.status_code == 405, path
        assert r.json()["error"]["code"] == "method-not-allowed"
