"""The explorer's page handlers: plain ``async (Request) -> Response`` methods of :class:`Explorer`.

Every page is read-only (GET / HEAD), rendered on the server by Jinja2 with autoescaping (values from
the data never reach the page unescaped), and works without JavaScript except the network view and
the query UI. Resource pages answer content negotiation: HTML for browsers, Turtle, JSON-LD,
N-Triples or RDF/XML for RDF clients (``Accept``, or ``?format=ttl|jsonld|nt|rdf``).
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
import pyoxigraph as ox
from markupsafe import Markup

from ..namespaces import BASE, ELI, ORG, PK, PREFIXES, RDFS, SKOS
from ..queries import NamedQuery, to_term
from ..server.formats import GRAPH_FORMATS, Format, negotiate
from ..server.http import HTTPError, Request, Response
from . import views
from .data import Node, Queries, parse_graph, parse_table
from .html import Html, candidates, excerpt, highlight, href, label_html
from .index import KIND_NAMES, Index, Label, curie, sort_by_order

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

HTML = Format("html", "text/html", ("application/xhtml+xml",))
#: representations of a resource, in the server's order of preference (a browser gets HTML; a client
#: asking for plain JSON gets JSON-LD)
RESOURCE_FORMATS = (HTML, *(Format(f.key, f.media_type, (*f.aliases, "application/json")) if f.key == "jsonld" else f
                            for f in GRAPH_FORMATS))
#: ?format= values (for links a browser can follow)
FORMAT_PARAM = {"html": "html", "ttl": "turtle", "turtle": "turtle", "nt": "ntriples", "ntriples": "ntriples",
                "jsonld": "jsonld", "json-ld": "jsonld", "rdf": "rdfxml", "xml": "rdfxml", "rdfxml": "rdfxml"}
_RDF_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
                "rdfxml": ox.RdfFormat.RDF_XML}
JSON_FORMAT = Format("json", "application/json")

#: headers of every HTML page: nothing loads from elsewhere, no inline script, no framing
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: longest search string accepted
MAX_SEARCH = 200

_PK = str(PK)
_ELI = str(ELI)


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    media_type: str


def load_static(root: Path = STATIC) -> dict[str, StaticFile]:
    """The files served under /static/: only scripts, styles, images and fonts (never LICENSE or notes)."""
    files = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in (".js", ".css", ".svg", ".png", ".ico", ".woff2", ".map"):
            continue
        media = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".map": "application/json"}.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        files[path.relative_to(root).as_posix()] = StaticFile(path.read_bytes(), media)
    return files


class Explorer:
    """The explorer of one server: its queries, cached index, templates and static files."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        settings = ctx.settings
        self.queries = Queries(ctx.executor, concurrency=min(settings.workers, max(1, settings.max_concurrent // 2)))
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                      undefined=jinja2.Undefined, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(kind_names=KIND_NAMES, curie=curie, href=href, label_html=label_html, Label=Label,
                                PK=_PK, ELI=_ELI, SKOS=str(SKOS), RDFS=str(RDFS))
        self.env.filters["zh_first"] = lambda nodes: sorted(nodes, key=lambda n: n.lang != "zh")
        self.env.globals["constraint_names"] = views.CONSTRAINTS
        self.env.globals["comparators"] = {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "=": "="}
        self.env.globals["vals"] = lambda props, local: list(props.get(_PK + local, ()))
        self.static = load_static()
        self._index: Index | None = None
        self._lock = asyncio.Lock()
        self._namespaces: set[str] | None = None

    # --- shared ---------------------------------------------------------------------------------------

    async def index(self) -> Index:
        if self.ctx.settings.allow_update:  # an updatable in-memory copy: never trust a cached index
            return await Index.load(self.queries)
        async with self._lock:
            if self._index is None:
                self._index = await Index.load(self.queries)
                self._namespaces = None
            return self._index

    def namespaces(self, index: Index) -> set[str]:
        """Hash namespaces under the base IRI (``…/ontology``, ``…/shapes/eligibility``)."""
        if self._namespaces is None or self.ctx.settings.allow_update:
            keys = set(index.labels) | set(index.types) | set(index.props)
            self._namespaces = {k.split("#", 1)[0] for k in keys if k.startswith(BASE) and "#" in k}
        return self._namespaces

    def render(self, template: str, index: Index | None, status: int = 200, **context: Any) -> Response:
        html = Html(index) if index is not None else None
        body = self.env.get_template(template).render(html=html, index=index, **context)
        return Response(status, body.encode("utf-8"), "text/html; charset=utf-8",
                        {**SECURITY_HEADERS, "Vary": "Accept"})

    def error_page(self, request: Request, error: HTTPError) -> Response:
        """An HTTPError as an HTML page for browsers, the JSON error shape for everyone else."""
        try:
            html = negotiate(request.header("accept"), (HTML, JSON_FORMAT)) is HTML
        except HTTPError:
            html = False
        if not html:
            return error.response()
        body = error.to_json()["error"]
        return self.render("error.html", self._index, status=error.status, error=body, path=request.path)

    # --- home and lists ---------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        index = await self.index()
        documents = await self.queries.select("document/documents")
        measures = index.instances(_PK + "Measure")
        by_class = Counter(t for m in measures for t in index.specific_types(m))
        article_kinds = Counter(index.value(a, _PK + "articleKind").value  # type: ignore[union-attr]
                                for a in index.instances(_PK + "Article") if index.value(a, _PK + "articleKind"))
        counts = {
            "documents": len([d for d in index.instances(_ELI + "LegalResource") if index.kind(d) == "document"]),
            "articles": len(index.instances(_PK + "Article")),
            "agencies": len(index.instances(str(ORG.Organization))),
            "benefits": len(index.instances(_PK + "Benefit")),
            "duties": len(index.instances(_PK + "Duty")),
            "rules": len(index.instances(_PK + "Rule")),
            "groups": len(index.instances(_PK + "NonCumulationGroup")),
            "concepts": len(index.instances(str(SKOS.Concept))),
            "schemes": len(index.instances(str(SKOS.ConceptScheme))),
            "triples": sum(index.graphs.values()),
            "graphs": len(index.graphs),
        }
        return self.render("home.html", index, counts=counts, documents=documents,
                           by_class=sorted(by_class.items(), key=lambda kv: (-kv[1], kv[0])),
                           article_kinds=sorted(article_kinds.items(), key=lambda kv: (-kv[1], kv[0])))

    async def documents(self, request: Request) -> Response:
        index = await self.index()
        rows = await self.queries.select("document/documents")
        return self.render("documents.html", index, rows=rows)

    async def agencies(self, request: Request) -> Response:
        index = await self.index()
        rows = await self.queries.select("agencies")
        return self.render("agencies.html", index, rows=rows)

    async def measures(self, request: Request) -> Response:
        index = await self.index()
        sections = []
        for cls, anchor in ((_PK + "Benefit", "benefits"), (_PK + "Duty", "duties"), (_PK + "Rule", "rules")):
            members = index.instances(cls)
            by_kind: dict[str, list[str]] = defaultdict(list)
            for m in members:
                for t in index.specific_types(m) or [cls]:
                    by_kind[t].append(m)
            sections.append({"cls": cls, "anchor": anchor, "count": len(members),
                             "kinds": [(k, sort_by_order(index, v)) for k, v in
                                       sorted(by_kind.items(), key=lambda kv: (-len(kv[1]), index.label(kv[0]).first))]})
        return self.render("measures.html", index, sections=sections)

    async def concepts(self, request: Request) -> Response:
        index = await self.index()
        rows = await self.queries.select("schemes")
        return self.render("concepts.html", index, rows=rows)

    async def groups(self, request: Request) -> Response:
        index = await self.index()
        rows = await self.queries.select("benefits/non_cumulation_groups")
        groups: dict[str, dict[str, Any]] = {}
        for r in rows:
            g = groups.setdefault(r["group"].value, {"iri": r["group"].value, "strategy": r["strategy"], "members": []})
            if r["member"].value not in g["members"]:
                g["members"].append(r["member"].value)
        return self.render("groups.html", index, groups=list(groups.values()))

    # --- resources -----------------------------------------------------------------------------------------

    def resource_format(self, request: Request) -> Format:
        wanted = [v for k, v in request.query_params() if k == "format"]
        if wanted:
            key = FORMAT_PARAM.get(wanted[0].lower())
            if key is None:
                raise HTTPError(400, "bad-request", f"format={wanted[0]!r}: use one of html, ttl, jsonld, nt, rdf",
                                message_zh="未知的格式")
            return next(f for f in RESOURCE_FORMATS if f.key == key)
        return negotiate(request.header("accept"), RESOURCE_FORMATS)

    async def resource(self, request: Request) -> Response:
        """Any IRI under the base: /id/…, /ontology[/Term], /shapes/…, /graph/…."""
        index = await self.index()
        rest = request.path.lstrip("/")
        namespaces = self.namespaces(index)
        iri = None
        mode = "resource"
        if rest.startswith("graph/") and BASE + rest in index.graphs:
            iri, mode = BASE + rest, "graph"
        elif BASE + rest in namespaces:
            iri, mode = BASE + rest, "namespace"
        else:
            for c in candidates(rest):
                if index.known(c):
                    iri = c
                    break
        if iri is None and rest.startswith("id/"):
            d = await views.describe(self.queries, BASE + rest)  # an IRI the index does not name
            if d.exists:
                iri = BASE + rest
        if iri is None:
            raise HTTPError(404, "not-found", f"no resource <{BASE}{rest}> in this knowledge graph",
                            message_zh="知识图谱中没有该资源")
        fmt = self.resource_format(request)
        if fmt.key != "html":
            return await self.rdf(iri, mode, fmt)
        links = {k: f"{request.path}?format={k}" for k in ("ttl", "jsonld", "nt", "rdf")}
        alternate = ", ".join(f'<{quote(request.path)}?format={k}>; rel="alternate"; type="{t}"'
                              for k, t in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                           ("nt", "application/n-triples")))
        if mode == "graph":
            rows = await self.queries.select("graph_subjects", g=iri)
            response = self.render("graph.html", index, iri=iri, subjects=sort_by_order(index, [r["s"].value for r in rows]),
                                   triples=index.graphs.get(iri, 0), links=links)
        elif mode == "namespace":
            graph = await self.queries.graph("namespace", ns=iri)
            terms = views.ontology_terms(index, graph, iri)
            own = iri if index.known(iri) else iri + "#"
            d = await views.describe(self.queries, own)
            response = self.render("namespace.html", index, iri=iri, own=own, d=d, terms=terms, links=links,
                                   shapes=_shape_benefits(index))
        else:
            d = await views.describe(self.queries, iri)
            kind = index.kind(iri)
            view = VIEWS.get(kind)
            extra = await view(self.queries, index, d) if view else {}
            response = self.render("resource.html", index, iri=iri, kind=kind, d=d, v=extra, links=links,
                                   label=index.label(iri), citation=index.citation(iri))
        return Response(response.status, response.body, response.media_type,
                        {**response.headers, "Link": alternate})

    async def rdf(self, iri: str, mode: str, fmt: Format) -> Response:
        """The concise bounded description of a resource (a namespace: of all its terms; a named graph:
        its content), without duplicate triples, in ``fmt``."""
        if mode == "graph":
            data = await self.queries.ntriples("graph", g=iri)
        elif mode == "namespace":
            data = await self.queries.ntriples("namespace", ns=iri)
        else:
            data = await self.queries.ntriples("search/describe", resource=iri)
        triples = list(dict.fromkeys(ox.parse(data, format=ox.RdfFormat.N_TRIPLES)))
        rdf_format = _RDF_FORMATS[fmt.key]
        text = data.decode("utf-8")
        used = {p: ns for p, ns in PREFIXES.items() if f"<{ns}" in text}  # only the prefixes the triples use
        prefixes = used if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        body = ox.serialize(triples, format=rdf_format, prefixes=prefixes) or b""
        return Response(200, body, fmt.content_type, {"Vary": "Accept", "Access-Control-Allow-Origin": "*"})

    # --- search -----------------------------------------------------------------------------------------------

    async def search(self, request: Request) -> Response:
        index = await self.index()
        q = next((v for k, v in request.query_params() if k == "q"), "").strip()
        if len(q) > MAX_SEARCH:
            raise HTTPError(400, "bad-request", f"the search text is longer than {MAX_SEARCH} characters",
                            message_zh=f"搜索内容超过 {MAX_SEARCH} 个字符")
        labels: list[Any] = []
        articles: list[Any] = []
        if q:
            label_rows, article_rows = await asyncio.gather(self.queries.select("search_labels", q=q),
                                                           self.queries.select("search/articles", q=q))
            by: dict[str, list[Node]] = defaultdict(list)
            for r in label_rows:
                if r["label"] not in by[r["s"].value]:
                    by[r["s"].value].append(r["label"])
            kinds: dict[str, list[tuple[str, list[Markup]]]] = defaultdict(list)
            for s in sort_by_order(index, by):
                kinds[index.kind(s)].append((s, [highlight(n.value, q) for n in by[s]]))
            labels = sorted(kinds.items(), key=lambda kv: list(KIND_NAMES).index(kv[0]) if kv[0] in KIND_NAMES else 99)
            articles = [(r["article"].value, highlight(excerpt(r["text"].value, q), q)) for r in article_rows]
        return self.render("search.html", index, q=q, labels=labels, articles=articles,
                           hits=sum(len(v) for _, v in labels) + len(articles))

    # --- drafts ------------------------------------------------------------------------------------------------

    async def drafts(self, request: Request) -> Response:
        """GET /drafts: a form to check a draft; POST /drafts: the HTML report of ``policykg draft check``."""
        from datetime import date

        from ..drafts.report import to_html
        from ..server.api import REPORT_CSP, check_draft_text

        if request.method != "POST":
            return self.render("drafts.html", await self.index(), text="", kind="txt", as_of="")
        form = dict(request.form_params())
        text = form.get("text", "")
        if not text.strip():
            raise HTTPError(400, "bad-request", "paste the text of a draft", message_zh="请粘贴草案文本")
        as_of = None
        if form.get("as_of"):
            try:
                as_of = date.fromisoformat(form["as_of"])
            except ValueError:
                raise HTTPError(400, "bad-parameter", f"as_of {form['as_of']!r} is not a date (YYYY-MM-DD)",
                                message_zh="检查日期格式错误") from None
        suffix = ".ttl" if form.get("kind") == "ttl" else ".txt"
        report = await check_draft_text(self.ctx, text, suffix, as_of)
        return Response(200, to_html(report, base="/").encode("utf-8"), "text/html; charset=utf-8",
                        {"Content-Security-Policy": REPORT_CSP, "X-Content-Type-Options": "nosniff"})

    # --- network -----------------------------------------------------------------------------------------------

    async def network_data(self) -> dict[str, Any]:
        index = await self.index()
        citations, agencies, workload = await asyncio.gather(
            self.queries.select("network_citations"), self.queries.select("network_agencies"),
            self.queries.select("agencies"))

        def node(iri: str, group: str, **extra: Any) -> dict[str, Any]:
            label = index.citation(iri)
            return {"data": {"id": iri, "label": label.zh or label.en or iri, "label_en": label.en or "",
                             "href": href(iri) or "", "kind": group, **extra}}

        cite_nodes: dict[str, dict[str, Any]] = {}
        cite_edges: list[dict[str, Any]] = []
        for r in citations:
            s, t, rel = r["source"].value, r["target"].value, r["relation"].value
            for x in (s, t):
                if x not in cite_nodes:
                    cite_nodes[x] = node(x, index.kind(x))
            cite_edges.append({"data": {"id": f"c{len(cite_edges)}", "source": s, "target": t,
                                        "relation": curie(rel), "label": index.label(rel).first}})
        counts = {r["agency"].value: r["articles"].as_int() for r in workload}
        agency_nodes: dict[str, dict[str, Any]] = {}
        agency_edges: list[dict[str, Any]] = []
        for r in agencies:
            a, b, shared = r["a"].value, r["b"].value, r["shared"].as_int()
            for x in (a, b):
                if x not in agency_nodes:
                    agency_nodes[x] = node(x, "agency", articles=counts.get(x, 0))
            agency_edges.append({"data": {"id": f"a{len(agency_edges)}", "source": a, "target": b, "weight": shared,
                                          "label": str(shared)}})
        return {"citations": {"nodes": list(cite_nodes.values()), "edges": cite_edges},
                "agencies": {"nodes": list(agency_nodes.values()), "edges": agency_edges}}

    async def network(self, request: Request) -> Response:
        index = await self.index()
        data = await self.network_data()
        return self.render("network.html", index, data=data)

    async def network_json(self, request: Request) -> Response:
        data = await self.network_data()
        return Response(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json",
                        {"Access-Control-Allow-Origin": "*"})

    # --- named queries and the query UI --------------------------------------------------------------------

    def library(self) -> list[NamedQuery]:
        return list(self.queries.library)

    async def query_ui(self, request: Request) -> Response:
        index = await self.index()
        config = {"endpoint": "/sparql", "queries": [
            {"id": q.id, "title": q.title, "description": q.description, "text": editor_text(q)}
            for q in self.library()]}
        return self.render("query.html", index, config=config, queries=self.library())

    async def queries_index(self, request: Request) -> Response:
        index = await self.index()
        return self.render("queries.html", index, queries=self.library())

    async def named_query(self, request: Request) -> Response:
        index = await self.index()
        name = request.path[len("/queries/"):]
        query = next((q for q in self.library() if q.id == name), None)  # ids only: never a file path
        if query is None:
            raise HTTPError(404, "not-found", f"no named query {name!r}", message_zh="没有该命名查询")
        given = {k: v for k, v in request.query_params() if query.parameter(k) is not None}
        values = {**example_values(query), **given}
        missing = [p.name for p in query.parameters if p.required and not values.get(p.name)]
        params = {k: v for k, v in values.items() if v != ""}
        table: tuple[list[str], list[Any]] | None = None
        triples = None
        truncated = False
        if not missing:
            outcome = await self.queries.run(query, params, self.ctx.settings.max_rows)
            truncated = outcome.truncated
            if outcome.form == "graph":
                triples = parse_graph(outcome.body)
            else:
                table = parse_table(outcome.body)
        return self.render("named_query.html", index, query=query, values=values, missing=missing, table=table,
                           triples=triples, truncated=truncated, max_rows=self.ctx.settings.max_rows,
                           sparql_link="/query")

    # --- static ----------------------------------------------------------------------------------------------

    async def static_file(self, request: Request) -> Response:
        name = request.path[len("/static/"):]
        f = self.static.get(name)
        if f is None:
            raise HTTPError(404, "not-found", f"no static file {name!r}")
        cache = "public, max-age=86400" if name.startswith("vendor/") else "no-cache"
        return Response(200, f.body, f.media_type, {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})


def _shape_benefits(index: Index) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for s, props in index.props.items():
        for shape in props.get(_PK + "eligibilityShape", []):
            out[shape.value].append(s)
    return out


def example_values(query: NamedQuery) -> dict[str, str]:
    """A value for each parameter: its default, else the one the query's ``# example:`` line uses."""
    values = {p.name: p.default for p in query.parameters if p.default is not None}
    for line in query.examples:
        for name, value in re.findall(r"--param\s+(\w+)=(\S+)", line):
            if query.parameter(name) is not None:
                values.setdefault(name, value)
    return {k: v for k, v in values.items() if v is not None}


def editor_text(query: NamedQuery) -> str:
    """The text of a library query for the query editor: runnable as shown, its parameters set by a
    VALUES block (from the defaults and examples of its header) the user edits."""
    values = example_values(query)
    terms = []
    for p in query.parameters:
        if p.name in values:
            try:
                terms.append((p.name, str(to_term(p, values[p.name]))))
            except Exception:
                continue
    if not terms:
        return query.text
    block = " ".join(f"VALUES ?{name} {{ {term} }}" for name, term in terms)
    comment = "# parameters: edit the VALUES below (参数：修改下面的 VALUES)\n"
    m = re.search(r"\bWHERE\s*\{", query.text)
    if m:
        return query.text[: m.end()] + "\n  " + comment.replace("\n", "\n  ") + block + "\n" + query.text[m.end():]
    if re.search(r"^\s*DESCRIBE\b", query.text, re.MULTILINE | re.IGNORECASE):
        return query.text.rstrip() + " WHERE {\n  " + comment + "  " + block + "\n}\n"
    return query.text


VIEWS: dict[str, Any] = {
    "document": views.document_view,
    "article": views.article_view,
    "chapter": views.chapter_view,
    "agency": views.agency_view,
    "benefit": views.measure_view,
    "duty": views.measure_view,
    "rule": views.measure_view,
    "measure": views.measure_view,
    "group": views.group_view,
    "concept": views.concept_view,
    "scheme": views.scheme_view,
    "shape": views.shape_view,
    "class": views.term_view,
    "property": views.term_view,
}


def query_string(params: Mapping[str, str]) -> str:
    return urlencode(params)
