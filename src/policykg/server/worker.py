"""A query worker process: ``python -m policykg.server.worker STORE [--in-memory auto|yes|no] [--threads N]``.

It opens the store read-only, and with ``--in-memory yes`` (or ``auto`` and a store of at most
:data:`policykg.store.AUTO_MEMORY_MAX_QUADS` quads) answers from a copy of it in memory — faster, and
what updates change when they are enabled (the store on disk is never written). It says which in its
``("ready", graphs, in_memory)`` frame, then answers ``(id, QueryJob)`` frames on
stdin with ``(id, status, payload, graphs)`` reply frames on stdout until stdin closes. Frames are a
4-byte big-endian length and a pickle; only the parent process (:mod:`policykg.server.pool`) talks to
it. Up to ``N`` queries are evaluated at once, each in its own thread: pyoxigraph releases the GIL
while it evaluates and serialises (measured in docs/endpoint.md), so the threads run in parallel and a
short query is not held up behind a long one. Replies go out in the order queries finish. The parent
kills a worker whose query runs past the wall-clock limit — pyoxigraph cannot be interrupted any other
way — and retries the other queries that worker was running on another worker.

Results are serialised here, in the format the client negotiated: pyoxigraph writes the result once
as TSV (SELECT) or N-Triples (CONSTRUCT/DESCRIBE) — one line per row — into a file that stops it past
the row cap (so a huge result never fills memory), and other formats are written by pyoxigraph from
that (lossless) text.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from .executor import QueryJob, QueryOutcome, Term

_HEADER = struct.Struct(">I")

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def read_frame(stream: BinaryIO) -> bytes | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


def write_frame(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _term(t: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if t.kind == "uri":
        return ox.NamedNode(t.value)
    if t.kind == "bnode":
        return ox.BlankNode(t.value)
    if t.language:
        return ox.Literal(t.value, language=t.language)
    return ox.Literal(t.value, datatype=ox.NamedNode(t.datatype) if t.datatype else None)


def open_store(root: Path, in_memory: str = "no") -> tuple[ox.Store, bool]:
    """The store to answer from, and whether it is a copy in memory (``in_memory``: auto, yes or no)."""
    from ..store import EmbeddedStore, use_memory_copy

    embedded = EmbeddedStore(root)
    if not use_memory_copy(in_memory, embedded.manifest.triples):
        return embedded.ox, False
    return embedded.memory_copy(), True


def graphs(store: ox.Store) -> tuple[str, ...]:
    return tuple(sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)))


class _Full(Exception):
    pass


class _Capped:
    """A file for pyoxigraph to serialise into that stops it (raises) past ``limit`` lines, so that a
    huge result never fills memory: only the first lines are kept."""

    def __init__(self, limit: int | None) -> None:
        self.parts: list[bytes] = []
        self.lines = 0
        self.limit = limit

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.lines += data.count(b"\n")
        if self.limit is not None and self.lines > self.limit:
            raise _Full
        return len(data)

    def flush(self) -> None:
        pass


def _serialize_capped(result: Any, fmt: Any, limit: int | None) -> tuple[bytes, bool]:
    """The first ``limit`` lines of the serialisation (all if None), and whether there were more."""
    out = _Capped(limit)
    try:
        result.serialize(out, format=fmt)
    except _Full:
        return _cut(b"".join(out.parts), limit), True  # type: ignore[arg-type]
    return b"".join(out.parts), False


def _cut(data: bytes, lines: int) -> bytes:
    """The first ``lines`` lines of ``data``."""
    end = -1
    for _ in range(lines):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return data
    return data[: end + 1]


def query_dataset(sparql: str) -> tuple[list[str], list[str]] | None:
    """The graphs of the query's own FROM and FROM NAMED clauses, or None when it has none (or the text
    cannot be read: the parser will say why)."""
    from .security import LexError, analyse

    try:
        datasets = analyse(sparql).datasets
    except LexError:
        return None
    default = [d.iri for d in datasets if d.clause == "FROM"]
    named = [d.iri for d in datasets if d.clause == "FROM NAMED"]
    return (default, named) if default or named else None


def run(store: ox.Store, job: QueryJob) -> QueryOutcome:
    """Evaluate one job; SyntaxError for a malformed query, OSError for a store failure."""
    if job.update:
        store.update(job.sparql, base_iri=job.base_iri)
        return QueryOutcome(form="update", media_type="", body=b"")
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graphs is not None or job.named_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in (job.default_graphs or ())]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in (job.named_graphs or ())]
    else:
        # the union default graph only when the query names no dataset itself: pyoxigraph's
        # use_default_graph_as_union would override the query's FROM / FROM NAMED
        union = job.union_default_graph
        kwargs["use_default_graph_as_union"] = not query_dataset(job.sparql) if union is None else union
    if job.substitutions:
        kwargs["substitutions"] = {ox.Variable(k): _term(v) for k, v in job.substitutions.items()}
    result = store.query(job.sparql, **kwargs)
    if isinstance(result, ox.QueryBoolean):
        fmt = RESULT_FORMATS[job.select_format]
        return QueryOutcome("ask", fmt.media_type, result.serialize(format=fmt) or b"", rows=1)
    if isinstance(result, ox.QuerySolutions):
        fmt = RESULT_FORMATS[job.select_format]
        # the header line, then one line per row
        tsv, truncated = _serialize_capped(result, ox.QueryResultsFormat.TSV,
                                           None if job.max_rows is None else job.max_rows + 1)
        rows = tsv.count(b"\n") - 1
        if fmt is ox.QueryResultsFormat.TSV:
            body = tsv
        else:
            parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
            assert isinstance(parsed, ox.QuerySolutions)
            body = parsed.serialize(format=fmt) or b""
        return QueryOutcome("select", fmt.media_type, body, rows=rows, truncated=truncated)
    rdf = RDF_FORMATS[job.graph_format]
    nt, truncated = _serialize_capped(result, ox.RdfFormat.N_TRIPLES, job.max_rows)
    return QueryOutcome("graph", rdf.media_type, graph_body(nt, rdf), rows=nt.count(b"\n"), truncated=truncated)


def graph_body(nt: bytes, rdf: ox.RdfFormat) -> bytes:
    """The (capped) N-Triples ``nt`` written in ``rdf``; Turtle and RDF/XML with policykg's prefixes."""
    if rdf is ox.RdfFormat.N_TRIPLES:
        return nt
    from ..namespaces import PREFIXES

    prefixes = PREFIXES if rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=rdf, prefixes=prefixes) or b""


def answer(store: ox.Store, job: QueryJob) -> tuple[str, Any, tuple[str, ...] | None]:
    """``(status, payload, graphs)``: ``ok`` and the outcome (and the graphs after an update),
    ``syntax`` and the parser's message, or ``error`` and a one-line description."""
    try:
        outcome = run(store, job)
    except SyntaxError as e:
        return "syntax", str(e), None
    except Exception as e:  # evaluation errors (e.g. a store read failure): reported, not fatal
        return "error", f"{type(e).__name__}: {e}", None
    return "ok", outcome, graphs(store) if job.update else None


def die_with_parent() -> None:
    """On Linux, have the kernel kill this worker when the server process dies — even in the middle of a
    query, when no thread is reading stdin to see it close (PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # no prctl: stdin closing is the only signal, as elsewhere
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(0)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    die_with_parent()
    root = Path(args[0])
    in_memory = args[args.index("--in-memory") + 1] if "--in-memory" in args[1:] else "no"
    threads = int(args[args.index("--threads") + 1]) if "--threads" in args[1:] else 1
    # replies go to the original stdout; anything else printed goes to stderr
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    try:
        store, copied = open_store(root, in_memory)
    except Exception as e:  # the parent reports it (StoreError messages are one line)
        write_frame(out, ("failed", f"{type(e).__name__}: {e}"))
        return 1
    write_frame(out, ("ready", graphs(store), copied))
    reading, writing = threading.Lock(), threading.Lock()

    def serve() -> None:
        """Read a query, answer it, repeat. One thread at a time reads; the thread that read a query runs
        it (no hand-over between threads: each is one more wake-up on a busy machine)."""
        while True:
            with reading:
                frame = read_frame(inp)
            if frame is None:
                # stdin closed: the parent stopped (or died). Queries still running are abandoned, not
                # waited for, and the threads are not joined (one may be inside pyoxigraph).
                os._exit(0)
            job_id, job = pickle.loads(frame)
            reply = (job_id, *answer(store, job))
            try:
                with writing:
                    write_frame(out, reply)
            except OSError:  # the parent is gone
                os._exit(0)

    for _ in range(max(1, threads) - 1):
        threading.Thread(target=serve, daemon=True).start()
    serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
