"""The command line: a thin layer over the library. Exit codes: 0 ok, 1 findings, 2 errors.

Results go to stdout; progress and diagnostics to stderr. Every error is one line, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import IO, Optional

import typer
from rich.console import Console

from .errors import PolicyKGError

app = typer.Typer(
    name="policykg",
    help="Policy-as-code knowledge graph of Chinese enterprise-support policy (青政发〔2012〕46号 and the "
    "documents it implements). 政策知识图谱。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

StoreOption = typer.Option(None, "--store", help="Store folder (default: $POLICYKG_STORE or the user data folder).")
EndpointOption = typer.Option(None, "--endpoint", help="Run against this SPARQL 1.1 endpoint instead of the embedded "
                              "store, e.g. http://127.0.0.1:7878/query (see docs/external-store.md).")


class QueryFormat(str, Enum):
    json = "json"
    csv = "csv"
    tsv = "tsv"
    table = "table"


class IngestFormat(str, Enum):
    turtle = "turtle"
    json = "json"


def _progress_store(store: Optional[Path]):  # type: ignore[no-untyped-def]
    """Open the store, building it (with a progress display on stderr) if missing or stale."""
    from .build import is_stale, open_store
    from .store import default_store_path

    root = store or default_store_path()
    if is_stale(root):
        with err.status("building the store (构建知识库)…") as status:
            return open_store(root, progress=lambda msg: status.update(f"building: {msg}"))
    return open_store(root, rebuild_if_stale=False)


def _read_store(store: Optional[Path], endpoint: Optional[str]):  # type: ignore[no-untyped-def]
    """The store a read command uses: the SPARQL endpoint given with --endpoint, else the embedded store."""
    if endpoint is None:
        return _progress_store(store)
    from .remote import open_read_store

    return open_read_store(store, endpoint)


@app.command()
def build(store: Optional[Path] = StoreOption,
          no_reason: bool = typer.Option(False, "--no-reason", help="Skip the OWL reasoner (HermiT, needs Java): "
                                         "faster, for development; the store is then neither checked for "
                                         "consistency nor given graph/reasoned.")) -> None:
    """Build the store: ontology, data, ingested texts, size standard, shapes, inferences, OWL reasoning.

    An inconsistent corpus is never published: the reasoner's explanation goes to stderr, the previous
    version stays live, exit 2.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .build import build as do_build
    from .build import sources
    from .reasoning import InconsistentCorpus, render_text
    from .store import default_store_path

    root = store or default_store_path()
    total = len(sources()) + (1 if no_reason else 2)
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            task = progress.add_task("building", total=total)

            def step(msg: str) -> None:
                progress.update(task, description=msg, advance=1)

            manifest = do_build(root, progress=step, reason=not no_reason)
    except InconsistentCorpus as e:
        sys.stderr.write(render_text(e.report, e.where))
        raise
    err.print(f"built {root}: {manifest.triples} triples in {len(manifest.graphs)} graphs, {manifest.seconds:.1f} s")
    for graph, n in sorted(manifest.graphs.items()):
        typer.echo(f"{n:>7}  {graph}")
    typer.echo(f"{manifest.triples:>7}  total")


@app.command()
def validate(store: Optional[Path] = StoreOption,
             fmt: str = typer.Option("text", "--format", help="text | json | turtle (the SHACL report)"),
             reasoner: bool = typer.Option(False, "--reasoner",
                                           help="Also check OWL consistency of the whole store with HermiT (needs Java).")) -> None:
    """Check the corpus against the integrity shapes (shapes/corpus.ttl). Exit 0 conforms, 1 violations."""
    from .shapes import data_graph, validate_store

    if fmt not in ("text", "json", "turtle"):
        raise PolicyKGError(f"unknown --format {fmt!r} (text, json, turtle)")
    s = _progress_store(store)
    consistent = True
    if reasoner:
        from .reasoning import check_consistency

        owl = check_consistency(data_graph(s))
        consistent = owl.consistent
        classes = f" unsatisfiable: {', '.join(owl.inconsistent_classes)}" if owl.inconsistent_classes else ""
        err.print(f"{owl.reasoner}: {'consistent (一致)' if owl.consistent else 'INCONSISTENT (不一致)'}"
                  f"{classes} ({owl.seconds:.1f} s)", markup=False)
    report = validate_store(s)
    if fmt == "turtle":
        typer.echo(report.report_graph.serialize(format="turtle"))
    elif fmt == "json":
        typer.echo(json.dumps({"conforms": report.conforms, "results": [r.__dict__ for r in report.results]},
                              ensure_ascii=False, indent=1))
    else:
        for r in report.results:
            where = f" {r.path}" if r.path else ""
            value = f" = {r.value}" if r.value else ""
            typer.echo(f"{r.severity}: {r.focus}{where}{value}: {r.message} [{r.shape}]")
        typer.echo("conforms (符合)" if report.conforms else f"{len(report.violations)} violations (违反约束)")
    raise typer.Exit(EXIT_OK if report.conforms and consistent else EXIT_FINDINGS)


class ReasonFormat(str, Enum):
    text = "text"
    json = "json"


class ReasonerName(str, Enum):
    hermit = "hermit"
    pellet = "pellet"


@app.command()
def reason(store: Optional[Path] = StoreOption,
           fmt: ReasonFormat = typer.Option(ReasonFormat.text, "--format", help="text | json"),
           reasoner: ReasonerName = typer.Option(ReasonerName.hermit, "--reasoner", help="hermit (default) | pellet "
                                                 "(owlready2's Pellet: consistency and unsatisfiable classes only)."),
           explain_seconds: float = typer.Option(60.0, "--explain-seconds", min=1.0, help="Time budget for finding a "
                                                 "minimal explanation of an inconsistency.")) -> None:
    """OWL 2 DL reasoning over the store with HermiT: consistency, unsatisfiable classes and why, inferences.
    本体推理:一致性检查与解释。Exit 0 consistent, 1 inconsistent (or unsatisfiable classes), 2 errors."""
    from .build import REASONED_GRAPH, corpus_of, is_stale, open_store, source_name
    from .reasoning import InconsistentCorpus, ReasoningReport, render_text, report_json
    from .reasoning import reason as do_reason
    from .store import default_store_path

    root = store or default_store_path()
    built: list[ReasoningReport] = []  # a build this command runs reasons already
    try:
        if is_stale(root):
            with err.status("building the store (构建知识库)…") as status:
                s = open_store(root, progress=lambda msg: status.update(f"building: {msg}"),
                               explain_seconds=explain_seconds, reasoned=built.append)
        else:
            s = open_store(root, rebuild_if_stale=False)
    except InconsistentCorpus as e:  # the build refused to publish it: its report says why
        report = e.report
    else:
        if REASONED_GRAPH not in s.manifest.graphs:
            err.print("note: this store was built with --no-reason: it has no graph/reasoned (run `policykg build`)",
                      markup=False)
        if built and reasoner is ReasonerName.hermit:
            report = built[-1]
        else:
            report = do_reason(corpus_of(s.ox), reasoner=reasoner.value, budget=explain_seconds)
    if fmt is ReasonFormat.json:
        doc = report_json(report, source_name)
        doc["graph"] = REASONED_GRAPH
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        typer.echo(render_text(report, source_name, inferred_graph=REASONED_GRAPH), nl=False)
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FINDINGS)


@app.command("queries")
def list_queries(fmt: str = typer.Option("text", "--format", help="text | json | markdown")) -> None:
    """List the named queries with their documentation and parameters."""
    from .queries import QueryRegistry, library_markdown

    registry = QueryRegistry()
    if fmt not in ("text", "json", "markdown"):
        raise PolicyKGError(f"unknown --format {fmt!r} (text, json, markdown)")
    if fmt == "markdown":
        typer.echo(library_markdown(registry), nl=False)
        return
    if fmt == "json":
        typer.echo(json.dumps([
            {"id": q.id, "title": q.title, "description": q.description, "returns": q.returns,
             "parameters": [p.__dict__ for p in q.parameters]} for q in registry
        ], ensure_ascii=False, indent=1))
        return
    for q in registry:
        typer.echo(f"{q.id}\n    {q.title}")
        if q.description:
            typer.echo(f"    {q.description}")
        for p in q.parameters:
            mode = "required" if p.required else (f"default {p.default}" if p.default else "optional")
            typer.echo(f"    --param {p.name}=<{p.type}>  ({mode}) {p.doc}")
        typer.echo("")


@app.command()
def query(
    name_or_file: str = typer.Argument(..., help="A named query (see `policykg queries`) or a .rq file."),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME=VALUE, repeatable."),
    fmt: QueryFormat = typer.Option(QueryFormat.table, "--format", help="json (W3C SPARQL JSON) | csv | tsv | table"),
    store: Optional[Path] = StoreOption,
    endpoint: Optional[str] = EndpointOption,
) -> None:
    """Run a named query (or a SPARQL file) and print its results."""
    from .errors import QueryParameterError
    from .queries import QueryRegistry, run
    from .results import ResultFormat, graph_to_turtle, serialize

    params: dict[str, str] = {}
    for item in param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise QueryParameterError(f"--param {item!r} should be NAME=VALUE")
        params[name.strip()] = value
    q = QueryRegistry().get(name_or_file)
    s = _read_store(store, endpoint)
    result = run(s, q, params=params)
    if result.kind == "graph":
        typer.echo(graph_to_turtle(result.triples), nl=False)
    else:
        typer.echo(serialize(result, ResultFormat.from_key(fmt.value)), nl=False)


@app.command()
def push(
    endpoint: str = typer.Option(..., "--endpoint", help="The query endpoint of the SPARQL store to fill, "
                                 "e.g. http://127.0.0.1:7878/query."),
    graph_store: Optional[str] = typer.Option(None, "--graph-store", help="Its Graph Store Protocol URL "
                                              "(default: derived from the endpoint; see docs/external-store.md)."),
    store: Optional[Path] = StoreOption,
    prune: bool = typer.Option(True, "--prune/--no-prune", help="Delete the policykg graphs the store no longer has."),
) -> None:
    """Load every named graph of the built store into a SPARQL store (Graph Store Protocol). 推送到外部 SPARQL 存储。

    Exit 0 pushed; 1 pushed, but the endpoint's default graph is not the union of its named graphs.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .remote import push as do_push
    from .remote import remote_from_env

    remote = remote_from_env(endpoint, graph_store_url=graph_store)
    s = _progress_store(store)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task("pushing (推送)", total=len(s.named_graphs()))

        def step(graph: str, done: int, total: int) -> None:
            progress.update(task, description=f"PUT {graph}", completed=done)

        report = do_push(s, remote, prune=prune, progress=step)
    for graph in report.removed:
        err.print(f"removed {graph} (not in the store; 已删除)", markup=False, soft_wrap=True)
    err.print(f"pushed {report.triples} triples in {len(report.graphs)} graphs to {report.graph_store} "
              f"in {report.seconds:.1f} s (已推送)", markup=False, soft_wrap=True)
    for graph, n in sorted(report.graphs.items()):
        typer.echo(f"{n:>7}  {graph}")
    typer.echo(f"{report.triples:>7}  total")
    if not report.union_default_graph:
        err.print(f"warning: 默认图不是命名图的并集 — the default graph of {report.endpoint} is not the union of its "
                  "named graphs, so the named queries will find nothing there; configure the store's union default "
                  "graph (docs/external-store.md)", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_FINDINGS)


class EligibilityFormat(str, Enum):
    json = "json"
    text = "text"
    csv = "csv"
    jsonl = "jsonl"


@app.command()
def eligibility(
    profile: Path = typer.Argument(..., help="A profile: .json (one object, or an array), .jsonl or .csv (a batch), .ttl."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Decide as of this date, YYYY-MM-DD (default: today)."),
    fmt: Optional[EligibilityFormat] = typer.Option(
        None, "--format", help="json | text | csv | jsonl (default: json for one profile, csv for a .csv batch, "
        "jsonl for a .jsonl batch)."),
    explain: bool = typer.Option(False, "--explain", help="Text: list the conditions met and failed, with the "
                                 "smallest change that would qualify (JSON always has them)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (atomically: the file appears "
                                          "whole or not at all) instead of stdout."),
    store: Optional[Path] = StoreOption,
    endpoint: Optional[str] = EndpointOption,
) -> None:
    """Which benefits an enterprise gets on a date, what they are worth, and why (企业可享受的优惠)."""
    import contextlib
    import tempfile
    from datetime import date

    from .eligibility.batch import write_csv, write_json, write_jsonl
    from .eligibility.engine import Engine
    from .eligibility.profiles import read_profiles
    from .errors import ProfileError

    when = date.today()
    if as_of is not None:
        try:
            when = date.fromisoformat(as_of)
        except ValueError:
            raise ProfileError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
    suffix = profile.suffix.lower()
    chosen = fmt or {".csv": EligibilityFormat.csv, ".jsonl": EligibilityFormat.jsonl}.get(suffix,
                                                                                         EligibilityFormat.json)
    profiles = read_profiles(profile)  # checks the suffix and that the file exists
    engine = Engine.from_store(_read_store(store, endpoint))
    batch = suffix in (".csv", ".jsonl")

    with contextlib.ExitStack() as stack:
        if output is not None:
            folder = output.resolve().parent
            if not folder.is_dir():
                raise ProfileError("no such folder for --output", location=str(output))
            handle = stack.enter_context(tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=folder, prefix=f".{output.name}.", suffix=".tmp", delete=False))
            temporary = Path(handle.name)
            stack.callback(lambda: temporary.unlink(missing_ok=True))
            out: IO[str] = handle
        else:
            out = sys.stdout
        progress = None
        if batch and chosen in (EligibilityFormat.csv, EligibilityFormat.jsonl, EligibilityFormat.json):
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            with open(profile, "rb") as f:
                total = max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) -
                            (1 if suffix == ".csv" else 0))
            bar = stack.enter_context(Progress(TextColumn("eligibility 资格判定"), BarColumn(), MofNCompleteColumn(),
                                               TimeRemainingColumn(), console=err, transient=False))
            task = bar.add_task("profiles", total=total or None)
            progress = lambda n: bar.advance(task, n)  # noqa: E731
        if chosen is EligibilityFormat.csv:
            write_csv(engine, profiles, when, out, progress)
        elif chosen is EligibilityFormat.jsonl:
            write_jsonl(engine, profiles, when, out, progress)
        elif chosen is EligibilityFormat.json:
            write_json(engine, profiles, when, out, progress)
        else:
            from .eligibility.report import render

            console = Console(file=out, highlight=False, soft_wrap=False, width=160 if output else None)
            for one in profiles:
                console.print(render(engine.decide(one, when), explain=explain))
                console.print()
        if output is not None:
            out.flush()
            os.fsync(out.fileno())
            out.close()
            os.replace(temporary, output)


@app.command()
def ingest(
    file: Path = typer.Argument(..., help="A policy text (UTF-8) in the style of 青政发〔2012〕46号."),
    fmt: IngestFormat = typer.Option(IngestFormat.turtle, "--format", help="turtle | json"),
) -> None:
    """Print what the ingester reads from a policy text, as Turtle or JSON."""
    from .ingest import ingest_file, to_graph, to_json
    from .namespaces import PREFIXES

    doc = ingest_file(file)
    if fmt is IngestFormat.json:
        typer.echo(json.dumps(to_json(doc), ensure_ascii=False, indent=1))
    else:
        g = to_graph(doc)
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns, replace=True)
        typer.echo(g.serialize(format="turtle"))


@app.command()
def serve(
    host: Optional[str] = typer.Option(None, "--host", help="Interface to bind [default: 127.0.0.1; $POLICYKG_HOST]."),
    port: Optional[int] = typer.Option(None, "--port", help="Port; 0 picks a free one [default: 8000; $POLICYKG_PORT]."),
    store: Optional[Path] = StoreOption,
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds per query, then it is killed [default: 10; $POLICYKG_QUERY_TIMEOUT]."),
    max_rows: Optional[int] = typer.Option(None, "--max-rows", help="Rows (triples) per result, more are cut [default: 10000; $POLICYKG_MAX_ROWS]."),
    max_body: Optional[int] = typer.Option(None, "--max-body", help="Bytes per request body [default: 1000000; $POLICYKG_MAX_BODY]."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Query worker processes; each runs its share of --max-concurrent queries at once [default: 4; $POLICYKG_WORKERS]."),
    max_concurrent: Optional[int] = typer.Option(None, "--max-concurrent", help="Queries running at once (spread over the workers), more get 503 [default: 16; $POLICYKG_MAX_CONCURRENT]."),
    in_memory: Optional[str] = typer.Option(None, "--in-memory", metavar="auto|yes|no", help="Each worker answers from a copy of the store in memory (2-9x faster queries; ~0.6 GB per million quads per worker): auto = yes up to 2 million quads [default: auto; $POLICYKG_IN_MEMORY]."),
    allow_update: bool = typer.Option(False, "--allow-update", help="Accept SPARQL Update (on an in-memory copy; the store on disk is never written). Needs --update-token."),
    update_token: Optional[str] = typer.Option(None, "--update-token", help="Bearer token updates must present [$POLICYKG_UPDATE_TOKEN]."),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request to stderr."),
    no_rebuild: bool = typer.Option(False, "--no-rebuild", help="Serve the store as it is built (never rebuild a stale one; a missing one is still an error)."),
    endpoint: Optional[str] = typer.Option(None, "--endpoint", help="Serve as a proxy to this SPARQL 1.1 endpoint instead of the embedded store, e.g. http://127.0.0.1:7878/query (same checks and limits; see docs/endpoint.md)."),
) -> None:
    """Serve the read-only SPARQL 1.1 endpoint at /sparql (see docs/endpoint.md). 启动 SPARQL 端点。"""
    from .server.run import serve as run_server
    from .server.settings import Settings

    settings = Settings.from_env().with_options(
        host=host, port=port, store=store, timeout=timeout, max_rows=max_rows, max_body=max_body, workers=workers,
        max_concurrent=max_concurrent, in_memory=in_memory, allow_update=allow_update or None,
        update_token=update_token)
    if endpoint is not None:
        from .errors import ConfigError
        from .server.proxy import ProxyExecutor

        if store is not None:
            raise ConfigError("give either --store or --endpoint, not both")
        run_server(settings, access_log=access_log, executor=ProxyExecutor.from_env(settings, endpoint))
        return
    if no_rebuild:
        from .store import EmbeddedStore

        EmbeddedStore(settings.store_path)  # a missing store is one line on stderr, not a worker failure
    else:
        _progress_store(settings.store_path)  # build (or rebuild) before the workers open it read-only
    run_server(settings, access_log=access_log)


draft_app = typer.Typer(
    name="draft", help="Check a policy draft against the corpus before it is issued; what it would change "
    "for enterprises (草案审查). See docs/drafts.md.", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False)
app.add_typer(draft_app, name="draft")


class DraftFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"


class ImpactFormat(str, Enum):
    json = "json"
    csv = "csv"
    text = "text"


def _as_of(value: Optional[str]):  # type: ignore[no-untyped-def]
    from datetime import date

    from .errors import ConfigError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--as-of {value!r} is not a date (YYYY-MM-DD)") from None


def _write_output(text: str, output: Optional[Path]) -> None:
    """``text`` to stdout, or to ``output`` atomically (the file appears whole or not at all)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    import tempfile

    from .errors import ConfigError

    folder = output.resolve().parent
    if not folder.is_dir():
        raise ConfigError("no such folder for --output", location=str(output))
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, prefix=f".{output.name}.", suffix=".tmp",
                                     delete=False) as handle:
        temporary = Path(handle.name)
        try:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    os.replace(temporary, output)


@draft_app.command("check")
def draft_check(
    draft: Path = typer.Argument(..., help="The draft: a policy text (.txt, UTF-8) in the style of 青政发〔2012〕46号, "
                                 "or Turtle (.ttl) in the corpus vocabulary."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Check validity as of this date, YYYY-MM-DD (default: "
                                        "the draft's entry into force or date, else today)."),
    fmt: DraftFormat = typer.Option(DraftFormat.text, "--format", help="text | json | html"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (atomically) instead of stdout."),
    store: Optional[Path] = StoreOption,
    endpoint: Optional[str] = EndpointOption,
) -> None:
    """Check a draft: structure, agencies, references, conflicts, overlaps, ceilings. Exit 0 no violation, 1
    violations, 2 unusable input. 检查政策草案。"""
    from .drafts.check import check_draft, corpus_registry, exit_code
    from .drafts.load import load_draft

    when = _as_of(as_of)
    if not draft.is_file():  # before opening (maybe building) the store
        load_draft(draft)
    corpus = _read_store(store, endpoint)
    registry = corpus_registry(corpus)
    report = check_draft(load_draft(draft, registry=registry), corpus, as_of=when, registry=registry)
    if fmt is DraftFormat.json:
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n"
    elif fmt is DraftFormat.html:
        from .drafts.report import to_html

        text = to_html(report)
    else:
        import io

        from .drafts.report import render

        buffer = io.StringIO()
        console = Console(file=buffer, highlight=False, soft_wrap=False, force_terminal=output is None and sys.stdout.isatty(),
                          width=120 if output is not None or not sys.stdout.isatty() else None)
        console.print(render(report))
        text = buffer.getvalue()
    _write_output(text, output)
    raise typer.Exit(exit_code(report))


@draft_app.command("impact")
def draft_impact(
    draft: Path = typer.Argument(..., help="The draft (.txt or .ttl), as for `policykg draft check`."),
    profiles: Path = typer.Option(..., "--profiles", help="Enterprise profiles: .csv, .jsonl, .json or .ttl "
                                  "(as for `policykg eligibility`)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Decide as of this date, YYYY-MM-DD (default: the "
                                        "draft's entry into force or date, else today)."),
    fmt: ImpactFormat = typer.Option(ImpactFormat.json, "--format", help="json | csv | text"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (atomically) instead of stdout."),
    store: Optional[Path] = StoreOption,
    endpoint: Optional[str] = EndpointOption,
) -> None:
    """Which enterprises gain, lose or change benefits (and by how much) if the draft is adopted. 草案影响评估。"""
    import csv
    import io
    from datetime import date

    from .drafts.check import corpus_registry
    from .drafts.impact import CSV_COLUMNS, impact
    from .drafts.load import load_draft
    from .eligibility.profiles import read_profiles

    when = _as_of(as_of)
    if not draft.is_file():
        load_draft(draft)
    if not profiles.is_file():
        list(read_profiles(profiles))  # the one-line error of a missing or unsupported profiles file
    corpus = _read_store(store, endpoint)
    loaded = load_draft(draft, registry=corpus_registry(corpus))
    result = impact(loaded, read_profiles(profiles), store=corpus, as_of=when or loaded.date or date.today())
    if fmt is ImpactFormat.json:
        text = json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n"
    elif fmt is ImpactFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(result.rows())
        text = buffer.getvalue()
    else:
        text = result.to_text()
    _write_output(text, output)


def _error_line(text: str) -> None:
    """One unwrapped line on stderr (newlines inside the message are folded)."""
    sys.stderr.write(" ".join(text.split("\n")) + "\n")
    sys.stderr.flush()


def main() -> None:
    """Console-script entry point: runs the app, mapping errors to one line and exit code 2."""
    try:
        # without standalone mode, click returns the code of a typer.Exit raised in a command
        code = app(standalone_mode=False)
    except PolicyKGError as e:
        _error_line(f"policykg: error: {e}")
        sys.exit(EXIT_ERROR)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _error_line("policykg: interrupted")
        sys.exit(130)
    except typer.TyperException as e:  # usage errors from the (vendored) click layer
        message = getattr(e, "format_message", lambda: str(e))()
        if type(e).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(message + "\n")
            sys.exit(EXIT_ERROR)
        _error_line(f"policykg: error: {message}")
        sys.exit(EXIT_ERROR)
    except Exception as e:
        if os.environ.get("POLICYKG_DEBUG"):
            raise
        _error_line(f"policykg: internal error: {type(e).__name__}: {e} (set POLICYKG_DEBUG=1 for the traceback)")
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
