"""Benchmark: build time, and the named-query library on the embedded store vs rdflib's own engine.

Both engines answer the same queries over the same triples in the same run, so the ratio is
meaningful on a shared, noisy machine; absolute times are printed for context only.

    .venv/bin/python benchmarks/bench_library.py [--repeat 5]

Prints one line per query (median ms for pyoxigraph on disk, pyoxigraph in memory — the copy that
``serve --in-memory`` answers from —, rdflib, and the rdflib / on-disk and rdflib / in-memory ratios), the
geometric means of those ratios, and of on-disk / in-memory time. Also checks both engines return the
same number of rows, so the comparison is of equal work.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef

from policykg.build import build
from policykg.queries import QueryRegistry, bind
from policykg.store import EmbeddedStore

SAMPLE = {"number": "5", "agency": "市财政局", "start": "2014-01-01", "end": "2015-12-31", "q": "担保",
          "resource": "agency:finance-bureau"}


def to_rdflib(term: ox.NamedNode | ox.Literal) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def timed(fn, repeat: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    times, n = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        n = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        manifest = build(Path(tmp) / "store")
        build_s = time.perf_counter() - t
        store = EmbeddedStore(Path(tmp) / "store")
        nquads = store.dump()

        t = time.perf_counter()
        mem = store.memory_copy()  # the copy `serve --in-memory` answers from
        mem_load = time.perf_counter() - t
        t = time.perf_counter()
        ds = Dataset(default_union=True)
        ds.parse(data=nquads, format="nquads")
        rdflib_load = time.perf_counter() - t
        print(f"build: {build_s:.2f} s, {manifest.triples} triples in {len(manifest.graphs)} graphs")
        print(f"copy the store into memory (EmbeddedStore.memory_copy) {mem_load * 1000:.0f} ms; load the built quads "
              f"into rdflib {rdflib_load * 1000:.0f} ms")
        print(f"{'query':38} {'disk ms':>8} {'mem ms':>8} {'rdflib ms':>10} {'rdflib/disk':>11} {'rdflib/mem':>10} rows")
        ratios, mem_ratios, disk_mem = [], [], []
        for q in QueryRegistry():
            params = {p.name: SAMPLE[p.name] for p in q.parameters if p.required}
            subs = bind(q, params)
            disk_ms, n1 = timed(lambda: _count(store.query(q.text, substitutions=subs or None)), args.repeat)
            mem_ms, _ = timed(lambda: _count(mem.query(q.text, substitutions=subs or None,
                                                        use_default_graph_as_union=True)), args.repeat)
            disk_mem.append(disk_ms / mem_ms)
            init = {v.value: to_rdflib(term) for v, term in subs.items()}
            try:
                rl_ms, n2 = timed(lambda: len(list(ds.query(q.text, initBindings=init))), max(1, args.repeat // 2))
            except Exception as e:  # rdflib's engine fails on some valid queries: report, don't compare
                print(f"{q.id:38} {disk_ms:8.2f} {mem_ms:8.2f} {'error':>10} {'-':>11} {'-':>10} {n1}  "
                      f"(rdflib: {type(e).__name__}: {str(e).splitlines()[0][:60]})")
                continue
            ratio = rl_ms / disk_ms if disk_ms else float("nan")
            if n1 == n2:
                ratios.append(ratio)
                mem_ratios.append(rl_ms / mem_ms)
                flag = ""
            else:
                flag = f"  (row counts differ: {n1} vs {n2}; left out of the mean)"
            print(f"{q.id:38} {disk_ms:8.2f} {mem_ms:8.2f} {rl_ms:10.2f} {ratio:11.1f} {rl_ms / mem_ms:10.1f} "
                  f"{n1}{flag}")

        def gm(values: list[float]) -> float:
            return math.exp(sum(math.log(r) for r in values if r > 0) / len(values))

        print(f"geometric mean of rdflib / embedded-store time over the {len(ratios)} queries both engines answered "
              f"alike: {gm(ratios):.1f} on disk, {gm(mem_ratios):.1f} in memory")
        print(f"geometric mean of on-disk / in-memory time over all {len(disk_mem)} queries: {gm(disk_mem):.1f}")
    return 0


def _count(result) -> int:  # type: ignore[no-untyped-def]
    if isinstance(result, ox.QueryBoolean):
        return 1
    return sum(1 for _ in result)


if __name__ == "__main__":
    sys.exit(main())
