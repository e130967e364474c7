"""Benchmark: what OWL reasoning costs the build, and how long an explanation takes.

Side by side in one run, so the ratios hold on a shared machine (absolute times for context only):

- the build without the reasoner (``build(reason=False)``) vs the build with it;
- HermiT's consistency check alone (``-c``, what ``check_consistency`` runs) vs consistency +
  classification + types + property values (``-c -O -I -Y``, what the build materialises);
- the explanation of each axiom broken on purpose in tests/test_reasoning.py, vs one consistency check.

Wall time and the CPU time of the Java processes (children), median of ``--repeat`` runs.

    .venv/bin/python benchmarks/bench_reasoning.py [--repeat 3] [--explain]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import RDF, XSD

from policykg.build import INFERRED_GRAPH, build, corpus_of
from policykg.namespaces import AGENCY, DOC, ELI, PK, SIZE
from policykg.reasoning import Corpus, reason
from policykg.store import EmbeddedStore


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds of child processes."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def broken_cases() -> dict[str, tuple]:  # type: ignore[type-arg]
    doc46 = DOC["qingzhengfa-2012-46"]
    measure_ = DOC["qingzhengfa-2012-46/measure/5-reduced-rate"]
    article5 = DOC["qingzhengfa-2012-46/article/5"]
    return {
        "benefit-duty": (measure_, RDF.type, PK.Duty),
        "agency-document": (AGENCY["finance-bureau"], RDF.type, PK.PolicyDocument),
        "passed-by-document": (doc46, ELI.passed_by, DOC["guofa-2012-14"]),
        "beneficiary-agency": (measure_, PK.beneficiary, AGENCY["finance-bureau"]),
        "source-chapter": (measure_, PK.sourceArticle, DOC["qingzhengfa-2012-46/chapter/1"]),
        "two-documents": (article5, PK.document, DOC["guofa-2012-14"]),
        "two-numbers": (article5, ELI.number, Literal("6")),
        "two-size-classes": (DOC["gongxinbulianqiye-2011-300/rule/industrial/small"], PK.sizeClass, SIZE.micro),
        "two-chapters": (DOC["qingzhengfa-2012-46/chapter/2"], ELI.has_part, article5),
        "inside-an-article": (doc46, ELI.is_part_of, DOC["gongxinbulianqiye-2011-300/article/4"]),
        "two-dates": (DOC["caiku-2011-181"], ELI.date_document, Literal("2011-12-30", datatype=XSD.date)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--explain", action="store_true", help="also time the explanation of each broken axiom")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        n = [0]

        def fresh(reason_: bool) -> Callable[[], object]:
            def run() -> object:
                n[0] += 1
                return build(Path(tmp) / f"store-{n[0]}", reason=reason_)
            return run

        plain = measure(fresh(False), args.repeat)
        full = measure(fresh(True), args.repeat)
        store = EmbeddedStore(Path(tmp) / f"store-{n[0]}")
        corpus = corpus_of(store.ox)
        check = measure(lambda: reason(corpus, infer=False, explain=False), args.repeat)
        infer = measure(lambda: reason(corpus, explain=False), args.repeat)
        report = reason(corpus, explain=False)
        print(f"corpus read by the reasoner: {len(corpus)} triples; graph/reasoned: {len(report.inferred)} triples")
        print(f"{'step':52} {'wall s':>8} {'java cpu s':>11} {'ratio':>7}")
        print(f"{'build --no-reason (baseline)':52} {plain[0]:8.2f} {plain[1]:11.2f} {1:7.2f}")
        print(f"{'build (with HermiT)':52} {full[0]:8.2f} {full[1]:11.2f} {full[0] / plain[0]:7.2f}")
        print(f"{'HermiT consistency -c (baseline)':52} {check[0]:8.2f} {check[1]:11.2f} {1:7.2f}")
        print(f"{'HermiT -c -O -I -Y + entailments':52} {infer[0]:8.2f} {infer[1]:11.2f} {infer[0] / check[0]:7.2f}")
        if args.explain:
            quads = [(s, p, o, g) for (s, p, o), graphs in corpus.where.items() for g in graphs]
            for name, triple in broken_cases().items():
                broken = Corpus([*quads, (*triple, "broken")], derived=[INFERRED_GRAPH])
                t = time.perf_counter()
                r = reason(broken, infer=False, budget=300)
                wall = time.perf_counter() - t
                e = r.explanation
                assert e is not None and not r.consistent
                print(f"{'explain ' + name:52} {wall:8.2f} {'':>11} {wall / check[0]:7.2f}"
                      f"   {len(e.statements)} statements, {e.checks} checks, minimal={e.minimal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
