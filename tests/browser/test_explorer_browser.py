"""The explorer in a real browser: pages render, links resolve, the network view draws, the query UI runs a
query — with no console errors (which include failed loads and Content-Security-Policy refusals)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.server.conftest import Server

from .cdp import Page

#: the Accept header chromium sends when following a link
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

PAGES = [
    ("/", "home"),
    ("/documents", "documents"),
    ("/id/doc/qingzhengfa-2012-46", "document"),
    ("/id/doc/qingzhengfa-2012-46/article/5", "article"),
    ("/id/agency/finance-bureau", "agency"),
    ("/id/doc/qingzhengfa-2012-46/measure/5-reduced-rate", "benefit"),
    ("/id/doc/qingzhengfa-2012-46/group/corporate-income-tax-rate", "group"),
    ("/id/party-kind/small-micro-enterprise", "concept"),
    ("/id/scheme/industries", "scheme"),
    ("/ontology", "ontology"),
    ("/search?q=%E6%8B%85%E4%BF%9D", "search"),
    ("/queries/document/outline", "named-query"),
]


def same_origin_links(page: Page, server: Server) -> set[str]:
    links = page.js("Array.from(document.querySelectorAll('a[href], link[href], script[src]'))"
                    ".map(e => e.href || e.src)")
    origin = urlsplit(server.url)
    return {link.split("#")[0] for link in links if urlsplit(link).netloc == origin.netloc}


def test_pages_render_and_their_links_resolve(page: Page, explorer_server: Server, screenshots: Path | None) -> None:
    checked: set[str] = set()
    with explorer_server.client(headers={"accept": BROWSER}) as http:
        for path, name in PAGES:
            page.goto(explorer_server.url.rstrip("/") + path)
            assert page.js("document.readyState") == "complete"
            h1 = page.js("document.querySelector('h1') && document.querySelector('h1').innerText")
            assert h1 and h1.strip(), path
            assert page.js("document.title").endswith("政策知识图谱 policykg"), path
            if screenshots is not None:
                page.screenshot(screenshots / f"{name}.png")
            for link in sorted(same_origin_links(page, explorer_server) - checked):
                checked.add(link)
                assert http.get(link).status_code == 200, f"{link} (on {path})"
    assert len(checked) > 300
    assert page.errors() == []
    # nothing was asked of any other host
    assert {urlsplit(u).netloc for u in page.requests() if u.startswith("http")} == {urlsplit(explorer_server.url).netloc}


def test_a_reader_follows_links_from_home_to_an_agency(page: Page, explorer_server: Server) -> None:
    page.goto(explorer_server.url)
    for selector, expected_path, heading in (
        ("main a[href='/id/doc/qingzhengfa-2012-46']", "/id/doc/qingzhengfa-2012-46", "青政发〔2012〕46号"),
        ("main a[href='/id/doc/qingzhengfa-2012-46/article/12']", "/id/doc/qingzhengfa-2012-46/article/12", "第十二条"),
        ("main dl.facts a[href='/id/agency/local-taxation-bureau']", "/id/agency/local-taxation-bureau", "市地税局"),
    ):
        page.mark()
        assert page.js(f"!!document.querySelector({selector!r})"), selector
        page.js(f"document.querySelector({selector!r}).click()")
        page.wait_navigation()
        assert page.js("location.pathname") == expected_path
        assert heading in page.js("document.querySelector('h1').innerText")
    assert page.js("document.querySelectorAll('#articles tbody tr').length") > 5
    assert page.errors() == []


def test_the_network_view_draws_citations_and_agencies(page: Page, explorer_server: Server,
                                                       screenshots: Path | None) -> None:
    page.goto(explorer_server.url + "network")
    nodes = page.wait_for("window.policykgNetwork && policykgNetwork.nodes().length")
    rows = page.js("document.querySelectorAll('#citations tbody tr').length")
    assert nodes >= 2 and page.js("policykgNetwork.edges().length") == rows
    assert page.js("!!document.querySelector('#network canvas')")
    page.js("document.querySelector(\".network-controls button[data-view='agencies']\").click()")
    page.wait_for("document.getElementById('network').dataset.view === 'agencies'")
    agency_edges = page.js("document.querySelectorAll('#agencies tbody tr').length")
    assert page.js("policykgNetwork.edges().length") == agency_edges > 10
    page.browser.pump(0.5)
    if screenshots is not None:
        page.screenshot(screenshots / "network.png")
    # a node links to its page
    target = page.js("policykgNetwork.nodes()[0].data('href')")
    assert target.startswith("/id/")
    assert page.errors() == []


def test_the_query_ui_runs_a_named_query(page: Page, explorer_server: Server, screenshots: Path | None) -> None:
    page.goto(explorer_server.url + "query")
    page.wait_for("!!(window.policykgYasgui && policykgYasgui.getTab())")
    options = page.js("document.querySelectorAll('#named-query option').length")
    assert options > 20
    page.js("var s = document.getElementById('named-query'); s.value = 'document/documents';"
            "s.dispatchEvent(new Event('change'))")
    page.wait_for("policykgYasgui.getTab().getName() === 'document/documents'")
    assert "eli:LegalResource" in page.js("policykgYasgui.getTab().getQuery()")
    page.js("policykgYasgui.getTab().query(); true")
    rows = page.wait_for("document.querySelectorAll('.tabPanel.active .yasr table tbody tr').length", timeout=30)
    assert rows >= 5
    text = page.js("document.querySelector('.tabPanel.active .yasr table').innerText")
    assert "青政发〔2012〕46号" in text
    # a query typed by hand, with a parameter set by the VALUES block of a named query
    page.js("var s = document.getElementById('named-query'); s.value = 'agencies/articles_by_agency';"
            "s.dispatchEvent(new Event('change'))")
    page.wait_for("policykgYasgui.getTab().getName() === 'agencies/articles_by_agency'")
    assert "VALUES ?agency" in page.js("policykgYasgui.getTab().getQuery()")
    page.js("policykgYasgui.getTab().query(); true")
    page.wait_for("document.querySelectorAll('.tabPanel.active .yasr table tbody tr').length > 3", timeout=30)
    if screenshots is not None:
        page.screenshot(screenshots / "query.png")
    assert page.errors() == []
    queried = [u for u in page.requests() if urlsplit(u).path == "/sparql"]
    assert len(queried) >= 2
