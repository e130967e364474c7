"""Benchmark: the named-query library over HTTP, `policykg serve` against `oxigraph serve-read-only`.

Three servers answer the same query texts over the same quads in the same run: `policykg serve` as it
runs by default (``pk``: its workers answer from a copy of the store in memory, ``--in-memory auto``),
`policykg serve --in-memory no` (``disk``: its workers read RocksDB, as oxigraph does — what the endpoint
itself adds, like for like) and oxigraph (``ox``). The store is built,
dumped as N-Quads and loaded with `oxigraph load`; oxigraph runs with --union-default-graph, which is
what policykg's default graph is). The client is the same for both: plain keep-alive HTTP/1.1
connections (http.client), Accept application/sparql-results+json for SELECT/ASK and
application/n-triples for CONSTRUCT/DESCRIBE, parameters written into the text (policykg.remote.substitute).

    .venv/bin/python benchmarks/bench_endpoint.py [--repeat 30] [--mix 20] [--workers 4]

Prints, per query, the median (p50) and p99 latency at concurrency 1 on each server and the ratios to
oxigraph; then p50 / p99 latency and throughput of the whole library as a mix at concurrency 1 and 16,
with the ratios to oxigraph (target: latency at most 1.5x). Checks that the servers return the same
number of result lines, so the comparison is of equal work.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from policykg.build import build
from policykg.queries import QueryRegistry, bind
from policykg.store import EmbeddedStore

SAMPLE = {"number": "5", "agency": "市财政局", "start": "2014-01-01", "end": "2015-12-31", "q": "担保",
          "resource": "agency:finance-bureau"}
JSON = "application/sparql-results+json"
NT = "application/n-triples"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection(urlsplit(url).hostname, urlsplit(url).port, timeout=2)
            c.request("GET", urlsplit(url).path + "?" + urlencode({"query": "ASK {}"}))
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def start_policykg(store: Path, workers: int, in_memory: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "policykg", "serve", "--port", "0", "--store", str(store),
                             "--no-rebuild", "--workers", str(workers), "--max-concurrent", "64",
                             "--in-memory", in_memory],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    if not line.startswith("serving on "):
        raise SystemExit(f"policykg serve did not start: {line}{proc.stderr.read()}")
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
    return proc, line.split()[2] + "sparql"


def start_oxigraph(location: Path, nquads: Path) -> tuple[subprocess.Popen[bytes], str]:
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    subprocess.run([oxigraph, "load", "--location", str(location), "--file", str(nquads)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    proc = subprocess.Popen([oxigraph, "serve-read-only", "--location", str(location), "--bind",
                             f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    wait_http(url)
    return proc, url


class Client:
    """One keep-alive connection."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.path = parts.path
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)

    def ask(self, query: str, accept: str) -> tuple[float, int]:
        body = urlencode({"query": query}).encode("utf-8")  # one packet with the headers
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        t = time.perf_counter()
        try:
            self.conn.request("POST", self.path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # the server closed the connection while it was idle (uvicorn's keep-alive timeout is 5 s,
            # and a client idles while the other server takes its round): reconnect, time the retry
            self.conn.close()
            t = time.perf_counter()
            self.conn.request("POST", self.path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - t
        if response.status != 200:
            raise SystemExit(f"{response.status}: {data[:300]!r}\n{query}")
        return elapsed, data.count(b"\n") if accept == NT else data.count(b'"type"')


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def library() -> list[tuple[str, str, str]]:
    """(id, text with parameters written in, Accept) for every named query."""
    from policykg.remote import substitute

    out = []
    for q in QueryRegistry():
        subs = bind(q, {p.name: SAMPLE[p.name] for p in q.parameters if p.required})
        projection = None
        result = ox.Store().query(q.text, substitutions=subs or None)
        if isinstance(result, ox.QuerySolutions):
            projection = [v.value for v in result.variables]
        text = substitute(q.text, {k.value: v for k, v in subs.items()}, projection) if subs else q.text
        accept = JSON if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)) else NT
        out.append((q.id, text, accept))
    return out


def one_round(clients: list[Client], queries: list[tuple[str, str, str]]) -> tuple[list[float], float]:
    """Every query once, spread over the clients (one thread each); (latencies, seconds)."""
    concurrency = len(clients)
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        for _, text, accept in queries[i::concurrency]:
            elapsed, _ = clients[i].ask(text, accept)
            with lock:
                latencies.append(elapsed)

    t = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    return latencies, time.perf_counter() - t


def mix(urls: dict[str, str], queries: list[tuple[str, str, str]], concurrency: int,
        rounds: int) -> dict[str, tuple[list[float], float]]:
    """The library ``rounds`` times at ``concurrency``, alternating the servers round by round (so both
    see the same machine load); per server (latencies, requests per second)."""
    clients = {name: [Client(url) for _ in range(concurrency)] for name, url in urls.items()}
    latencies: dict[str, list[float]] = {name: [] for name in urls}
    seconds = dict.fromkeys(urls, 0.0)
    for r in range(rounds):
        shuffled = queries[r % len(queries):] + queries[:r % len(queries)]
        for name in urls:
            lat, sec = one_round(clients[name], shuffled)
            latencies[name] += lat
            seconds[name] += sec
    return {name: (latencies[name], len(latencies[name]) / seconds[name]) for name in urls}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=30, help="requests per query at concurrency 1")
    ap.add_argument("--mix", type=int, default=20, help="rounds of the whole library in the mixed runs")
    ap.add_argument("--workers", type=int, default=4, help="policykg serve --workers (its default: 4)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        manifest = build(root / "store")
        nquads = root / "data.nq"
        nquads.write_bytes(EmbeddedStore(root / "store").dump(ox.RdfFormat.N_QUADS))
        # policykg as it serves by default (the store in memory: --in-memory auto), and reading RocksDB as
        # oxigraph does (--in-memory no): what the endpoint itself adds, like for like
        pk_proc, pk_url = start_policykg(root / "store", args.workers, "auto")
        disk_proc, disk_url = start_policykg(root / "store", args.workers, "no")
        ox_proc, ox_url = start_oxigraph(root / "oxigraph", nquads)
        try:
            queries = library()
            print(f"{manifest.triples} triples, {len(queries)} named queries; policykg serve --workers "
                  f"{args.workers} (pk: --in-memory auto, the default; disk: --in-memory no) vs oxigraph "
                  f"serve-read-only (ox) (cores: {os.cpu_count()})")
            clients = {"pk": Client(pk_url), "disk": Client(disk_url), "ox": Client(ox_url)}
            print(f"\nconcurrency 1, {args.repeat} requests per query (ms)")
            print(f"{'query':34} {'pk p50':>7} {'disk p50':>8} {'ox p50':>7} {'pk p99':>7} {'disk p99':>8} "
                  f"{'ox p99':>7} {'pk/ox':>6} {'disk/ox':>7} {'rows':>6}")
            ratios: dict[str, list[float]] = {"pk": [], "disk": []}
            for qid, text, accept in queries:
                counts = {}
                for _ in range(3):  # warm every server
                    for name, client in clients.items():
                        counts[name] = client.ask(text, accept)[1]
                if len(set(counts.values())) != 1:
                    raise SystemExit(f"{qid}: the servers answered different numbers of result lines: {counts}")
                times: dict[str, list[float]] = {name: [] for name in clients}
                for _ in range(args.repeat):  # interleaved, so all see the same machine load
                    for name, client in clients.items():
                        times[name].append(client.ask(text, accept)[0] * 1000)
                p50 = {name: statistics.median(t) for name, t in times.items()}
                for name in ratios:
                    ratios[name].append(p50[name] / p50["ox"])
                print(f"{qid:34} {p50['pk']:7.2f} {p50['disk']:8.2f} {p50['ox']:7.2f} "
                      f"{percentile(times['pk'], 99):7.2f} {percentile(times['disk'], 99):8.2f} "
                      f"{percentile(times['ox'], 99):7.2f} {p50['pk'] / p50['ox']:6.2f} {p50['disk'] / p50['ox']:7.2f} "
                      f"{counts['ox']:6d}")
            geo = {name: math.exp(sum(math.log(r) for r in rs) / len(rs)) for name, rs in ratios.items()}
            print(f"geometric mean of the p50 ratios: pk/ox {geo['pk']:.2f}x, disk/ox {geo['disk']:.2f}x")
            print(f"\nthe library as a mix, {args.mix} rounds (servers alternating round by round)")
            print(f"{'':16} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
            urls = {"pk": pk_url, "disk": disk_url, "ox": ox_url}
            for concurrency in (1, 16):
                runs = mix(urls, queries, concurrency, args.mix)
                summary = {}
                for name, (lat, rps) in runs.items():
                    p50_, p99_ = statistics.median(lat) * 1000, percentile(lat, 99) * 1000
                    summary[name] = (p50_, p99_, rps)
                    print(f"{name:5} c={concurrency:<3}     {p50_:8.2f} {p99_:8.2f} {rps:8.0f}")
                (b50, b99, br) = summary["ox"]
                for name in ("pk", "disk"):
                    a50, a99, ar = summary[name]
                    print(f"{name}/ox c={concurrency:<3}    {a50 / b50:7.2f}x {a99 / b99:7.2f}x {ar / br:7.2f}x")
        finally:
            for proc in (pk_proc, disk_proc, ox_proc):
                proc.terminate()
                proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
