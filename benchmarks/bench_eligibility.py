"""Benchmark: batch eligibility (issue 3, item 9) — the compiled evaluator end to end vs pySHACL.

Every profile is judged against the whole benefit set (the 86 eligibility shapes of
``shapes/eligibility/qingzhengfa-2012-46.ttl``, read from the store as the engine reads them), side by
side in one run, on the same generated profiles:

* **compiled, end to end** as ``policykg eligibility batch.csv --format csv`` does it: CSV in
  (:func:`read_profiles`) → :func:`batch.write_csv` with :meth:`Engine.from_store` → CSV out, to a file;
  the generated evaluator (``eligibility/fast.py``) decides the shapes. Also timed stage by stage in a
  second pass (reading and checking the CSV, :meth:`Engine.summarise`, writing the row), which gives the
  decision-only rate;
* **explained** (:meth:`Engine.decide`, what JSON lines carry), alone and end to end to JSON lines, on
  the first ``--explained-sample`` profiles (it is far slower);
* **pySHACL**, the reference, on the first ``--pyshacl-sample`` profiles (the generator is prefix-stable,
  so they are the same profiles at every size): each batch of ``--pyshacl-batch`` profiles becomes one
  rdflib data graph (:meth:`Profile.to_rdf` plus the facts the engine derives: ``pk:profileSizeClass``
  and, from ``established_on``, ``pk:monthsSinceEstablishment``), validated with ``pyshacl.validate``
  against a copy of the store's shapes graph in which every eligibility shape targets every profile of
  the batch (``sh:targetNode``; the shapes have no targets). Its time covers building the graphs,
  validating and reading the verdicts out of the report — not reading the CSV, validity dates,
  valuation or non-cumulation, which the compiled end-to-end time does include;
* **agreement**: on the pySHACL sample, the compiled verdict of every (profile, shape) pair must equal
  pySHACL's (a pySHACL result counts against the eligibility shape its ``sh:sourceShape`` is reachable
  from). Any disagreement is printed and the exit code is 1.

Peak memory (``VmHWM``) of the CSV-in/CSV-out run is measured in a fresh process per size
(``--memory-sizes``), so peaks do not carry over: streaming means it does not grow with the batch.

Profiles are generated with a seed before anything is timed, prefix-stable (the first n profiles of a
larger batch are the smaller batch): a realistic spread over the 16 industries, sizes (mostly micro and
small), incomes, flags, beneficiary kinds and attestations; dates of establishment before the as-of
date. The process is pinned to one CPU (``os.sched_setaffinity``; by default the less busy one over a
second) and the load average is reported with the figures: the machine is shared.

    .venv/bin/python benchmarks/bench_eligibility.py --sizes 1000,100000 --repeat 3

Prints a table, the ratios and whether the targets of issue 3 are met (compiled end to end >= 100 x
pySHACL and >= 20,000 profiles/s on one core); ``--json`` prints one JSON object instead.
It also times the stages of the path one by one (reading, size class, record, evaluator, valuation,
non-cumulation, the row, writing) on the first ``--breakdown`` profiles, checking each result against
:meth:`Engine.summarise`.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from policykg.build import open_store
from policykg.eligibility.batch import CSV_COLUMNS, csv_line, summary_row, write_csv, write_jsonl
from policykg.eligibility.catalogue import SIZE_CLASS_FIELD
from policykg.eligibility.engine import Engine, Summary
from policykg.eligibility.profiles import (
    COMPANY_FORMS, CONDITION, INDUSTRIES, KEYS, PROPERTIES, Profile, conditions, party_kinds, read_profiles,
)
from policykg.namespaces import PK

TARGET_RATE = 20_000  # profiles per second, end to end, one core (issue 3 item 9)
TARGET_RATIO = 100  # x pySHACL's throughput
EX = Namespace("https://example.org/policykg-bench/profile/")

# ------------------------------------------------------------------------------------------ generated profiles

#: share of each industry (percent); all 16 contract codes
INDUSTRY_WEIGHTS: dict[str, int] = {
    "industrial": 24, "wholesale": 12, "retail": 12, "other": 8, "software_it_services": 7, "construction": 6,
    "leasing_business_services": 6, "agriculture": 5, "transport": 4, "catering": 4, "real_estate_development": 3,
    "accommodation": 2, "property_management": 2, "information_transmission": 2, "warehousing": 2, "postal": 1,
}
#: employee bands (low, high, share): mostly micro and small enterprises, as in a real register
BANDS: tuple[tuple[int, int, int], ...] = ((1, 20, 55), (10, 100, 30), (80, 1000, 11), (300, 5000, 4))
#: beneficiary kinds given besides (or instead of) the default, enterprise
KIND_WEIGHTS: dict[str, int] = {
    "enterprise": 20, "sme": 12, "small-micro-enterprise": 12, "high-tech-sme": 6, "small-low-profit-enterprise": 6,
    "employer": 8, "individual-business": 6, "foreign-invested-enterprise": 5, "import-export-enterprise": 5,
    "startup-small-micro-enterprise": 4, "seed-stage-enterprise": 3, "guarantee-institution": 3,
    "microcredit-company": 2, "financial-institution": 2, "venture-capital-enterprise": 2,
    "ic-design-small-micro-enterprise": 1, "high-growth-tech-small-micro-enterprise": 1, "banking-institution": 1,
}
FIRM_WORDS = ("海纳", "恒信", "瑞丰", "华泰", "鑫源", "嘉禾", "正阳", "万通")
TRADE_WORDS = ("机械", "科技", "商贸", "电子", "食品", "物流", "建设", "软件", "餐饮", "融资担保")
FORM_WEIGHTS: dict[str, int] = {"domestic": 60, "one-person": 15, "individual-business": 10, "foreign-invested": 8,
                                "other": 7}


class ProfileGenerator:
    """Profiles as CSV rows (strings, as a spreadsheet export has them), deterministic from a seed."""

    def __init__(self, seed: int, as_of: date) -> None:
        assert set(INDUSTRY_WEIGHTS) == set(INDUSTRIES), "every industry of the contract, and only those"
        assert set(FORM_WEIGHTS) == set(COMPANY_FORMS)
        assert set(KIND_WEIGHTS) <= party_kinds()
        self.rng = random.Random(seed)
        self.conditions = sorted(c.removeprefix(CONDITION) for c in conditions())
        self.industries, self.industry_weights = list(INDUSTRY_WEIGHTS), list(INDUSTRY_WEIGHTS.values())
        self.kinds, self.kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        self.forms, self.form_weights = list(FORM_WEIGHTS), list(FORM_WEIGHTS.values())
        self.first_day = date(1995, 1, 1)
        self.days = (as_of - self.first_day).days + 1  # established on or before the as-of date

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def log_uniform(self, low: float, high: float) -> float:
        return math.exp(self.rng.uniform(math.log(low), math.log(high)))

    def money(self, amount: float) -> str:
        return str(int(amount)) if self.chance(0.6) else f"{amount:.2f}"

    def flag(self, p_true: float, p_missing: float) -> str:
        """A yes/no cell as people write them: mostly true/false, some 1/0 and 是/否; sometimes empty."""
        if self.chance(p_missing):
            return ""
        value = self.chance(p_true / (1 - p_missing))
        style = self.rng.random()
        if style < 0.8:
            return "true" if value else "false"
        if style < 0.9:
            return "1" if value else "0"
        return "是" if value else "否"

    def row(self, i: int) -> list[str]:
        """Profile ``i``: the cells of the columns KEYS ("" for a key not given)."""
        r = self.rng
        out = dict.fromkeys(KEYS, "")
        out["name"] = (f"Qingdao Harbour Trading Co., Ltd. No. {i}" if self.chance(0.1)
                       else f"青岛{r.choice(FIRM_WORDS)}{r.choice(TRADE_WORDS)}有限公司{i:06d}")
        out["industry"] = r.choices(self.industries, self.industry_weights)[0]
        low, high, _ = r.choices(BANDS, [b[2] for b in BANDS])[0]
        employees = int(self.log_uniform(low, high + 1))
        revenue = employees * self.log_uniform(50_000, 3_000_000)
        out["employees"] = str(employees)
        out["annual_revenue"] = self.money(revenue)
        out["total_assets"] = self.money(revenue * self.log_uniform(0.2, 3))
        if self.chance(0.85):
            out["annual_taxable_income"] = self.money(revenue * r.uniform(0, 0.12))
        out["high_tech_certified"] = self.flag(0.08, 0.30)
        out["restricted_industry"] = self.flag(0.04, 0.25)
        kinds: list[str] = []
        if self.chance(0.25):
            kinds = list(dict.fromkeys(r.choices(self.kinds, self.kind_weights, k=r.randint(1, 2))))
            out["beneficiary_kind"] = ";".join(kinds)
        if self.chance(0.55):
            out["established_on"] = (self.first_day + timedelta(days=r.randrange(self.days))).isoformat()
        elif self.chance(0.15):
            out["months_since_establishment"] = str(r.randint(0, 240))
        if self.chance(0.40):
            out["monthly_sales"] = self.money(revenue / 12 * r.uniform(0.5, 1.5))
        if self.chance(0.25):
            out["monthly_turnover"] = self.money(revenue / 12 * r.uniform(0.5, 1.5))
        if self.chance(0.45):
            out["registered_capital"] = str(int(self.log_uniform(30_000, 50_000_000)))
        if self.chance(0.60):
            out["company_form"] = r.choices(self.forms, self.form_weights)[0]
        if self.chance(0.30):
            out["graduates_hired"] = str(r.randint(0, min(employees, 30)))
        if self.chance(0.12):
            out["graduates_trained"] = str(r.randint(0, 50))
        if self.chance(0.15):
            out["hard_to_employ_hired"] = str(r.randint(0, min(employees, 10)))
        if self.chance(0.25):
            out["rd_expenses_expensed"] = self.money(revenue * r.uniform(0, 0.08))
        if self.chance(0.10):
            out["rd_expenses_capitalised"] = self.money(revenue * r.uniform(0, 0.04))
        if self.chance(0.06):
            out["technology_transfer_income"] = self.money(self.log_uniform(10_000, 10_000_000))
        if self.chance(0.06):
            out["technology_service_income"] = self.money(self.log_uniform(10_000, 10_000_000))
        if "guarantee-institution" in kinds or self.chance(0.01):
            volume = self.log_uniform(1_000_000, 2_000_000_000)
            out["guarantee_business_volume"] = self.money(volume)
            if self.chance(0.7):
                out["guarantee_business_growth"] = self.money(volume * r.uniform(0, 0.5))
        if self.chance(0.05):
            out["financial_leasing_amount"] = self.money(self.log_uniform(100_000, 50_000_000))
        u = r.random()  # attestations: none (35%), a few (50%), many (15%)
        if u >= 0.35:
            out["attests"] = "|".join(r.sample(self.conditions, r.randint(1, 3) if u < 0.85 else r.randint(4, 12)))
        return list(out.values())


def write_profiles(path: Path, n: int, seed: int, as_of: date) -> None:
    """``n`` generated profiles as a CSV file with every key as a column (one line per row)."""
    gen = ProfileGenerator(seed, as_of)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(KEYS)
        for i in range(n):
            w.writerow(gen.row(i))


def head_of(src: Path, dst: Path, n: int) -> Path:
    """``dst``: the header and the first ``n`` rows of ``src`` (a generated CSV: one line per row)."""
    with src.open("rb") as f, dst.open("wb") as out:
        out.writelines(itertools.islice(f, n + 1))
    return dst


# ------------------------------------------------------------------------------------------ the machine

def busy_cpus(allowed: Sequence[int], seconds: float = 1.0) -> dict[int, float]:
    """The busy share of each allowed CPU over ``seconds`` (from /proc/stat; empty where unknown)."""
    def sample() -> dict[int, tuple[int, int]]:
        out: dict[int, tuple[int, int]] = {}
        try:
            lines = Path("/proc/stat").read_text().splitlines()
        except OSError:
            return out
        for line in lines:
            name, *fields = line.split()
            if name.startswith("cpu") and name[3:].isdigit():
                values = [int(x) for x in fields]
                out[int(name[3:])] = (sum(values), values[3] + (values[4] if len(values) > 4 else 0))
        return out

    a = sample()
    time.sleep(seconds)
    b = sample()
    return {c: 1 - (b[c][1] - a[c][1]) / max(1, b[c][0] - a[c][0]) for c in allowed if c in a and c in b}


def pin(cpu: int | None) -> str:
    """Pin this process (and the processes it starts) to one CPU; says what was done."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (os.sched_setaffinity is not available here)"
    allowed = sorted(os.sched_getaffinity(0))
    how = "as asked"
    if cpu is None:
        busy = busy_cpus(allowed)
        cpu = min(busy, key=lambda c: busy[c]) if busy else allowed[-1]
        how = "the less busy over 1 s: " + ", ".join(f"cpu{c} {b:.0%} busy" for c, b in sorted(busy.items()))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to cpu{cpu} of {len(allowed)} ({how})"


def load() -> tuple[float, float, float]:
    return os.getloadavg()


def peak_rss_kib() -> int:
    """Peak resident set size of this process in KiB (VmHWM; getrusage where /proc is absent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ------------------------------------------------------------------------------------------ compiled side

def end_to_end(engine: Engine, csv_path: Path, as_of: date, out_path: Path) -> tuple[int, float, float]:
    """CSV in, CSV out, as ``policykg eligibility batch.csv --output out.csv`` does it.

    Returns (profiles, wall seconds, CPU seconds of this process): on a shared core the CPU time is what
    the run would take with the core to itself.
    """
    t, c = time.perf_counter(), time.process_time()
    with out_path.open("w", encoding="utf-8") as out:
        n = write_csv(engine, read_profiles(csv_path), as_of, out)
    return n, time.perf_counter() - t, time.process_time() - c


def staged(engine: Engine, csv_path: Path, as_of: date, out_path: Path) -> tuple[int, dict[str, float]]:
    """The work of write_csv with each stage timed: reading and checking, Engine.summarise, writing the row."""
    clock = time.perf_counter
    read = decide = write = 0.0
    n = 0
    with out_path.open("w", encoding="utf-8") as out:
        out.write(csv_line(CSV_COLUMNS))
        it = read_profiles(csv_path)
        while True:
            t0 = clock()
            p = next(it, None)
            t1 = clock()
            if p is None:
                read += t1 - t0
                break
            s = engine.summarise(p, as_of)
            t2 = clock()
            out.write(csv_line(summary_row(s)))
            t3 = clock()
            read += t1 - t0
            decide += t2 - t1
            write += t3 - t2
            n += 1
    return n, {"read": read, "summarise": decide, "write": write}


def explained(engine: Engine, csv_path: Path, as_of: date, limit: int) -> tuple[int, float, float]:
    """Engine.decide alone, and CSV in -> JSON lines out (write_jsonl), on the first ``limit`` profiles."""
    profiles = list(itertools.islice(read_profiles(csv_path), limit))
    t = time.perf_counter()
    for p in profiles:
        engine.decide(p, as_of)
    decide_s = time.perf_counter() - t
    t = time.perf_counter()
    write_jsonl(engine, itertools.islice(read_profiles(csv_path), limit), as_of, io.StringIO())
    jsonl_s = time.perf_counter() - t
    return len(profiles), decide_s, jsonl_s


def records(engine: Engine, profiles: Sequence[Profile], as_of: date) -> list[dict[str, object]]:
    """The records the engine evaluates (profile keys, concept IRIs, derived size class and months)."""
    out = []
    for p in profiles:
        size = engine.standard.size_class(p.industry, p.employees, p.annual_revenue, p.total_assets)
        out.append(engine.record(p, as_of, size))
    return out


def evaluator_only(engine: Engine, recs: Sequence[dict[str, object]], min_seconds: float = 0.3) -> float:
    """Seconds per record of the generated evaluator alone (all the shapes), looping over ``recs``."""
    evaluate = engine.evaluator
    loops, spent = 0, 0.0
    while spent < min_seconds:
        t = time.perf_counter()
        for r in recs:
            evaluate(r)
        spent += time.perf_counter() - t
        loops += 1
    return spent / (loops * len(recs))


# ------------------------------------------------------------------------------------------ pySHACL side

_SHAPE_PARAMETERS = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTS = (SH["or"], SH["and"], SH.xone)


def owners(g: Graph, tops: Iterable[URIRef]) -> dict[Node, URIRef]:
    """Every shape reachable from an eligibility shape -> that eligibility shape (each reachable from one)."""
    out: dict[Node, URIRef] = {}
    for top in tops:
        todo: list[Node] = [top]
        seen: set[Node] = set()
        while todo:
            shape = todo.pop()
            if shape in seen:
                continue
            seen.add(shape)
            if out.get(shape, top) != top:
                raise SystemExit(f"{shape} is reachable from {out[shape]} and from {top}: results are ambiguous")
            out[shape] = top
            for p in _SHAPE_PARAMETERS:
                todo.extend(g.objects(shape, p))
            for p in _SHAPE_LISTS:
                for lst in g.objects(shape, p):
                    todo.extend(g.items(lst))
    return out


def rdf_of(profile: Profile, record: dict[str, object], node: URIRef) -> Graph:
    """The profile as pySHACL sees it: ``to_rdf`` plus the facts the engine derives (size class, months)."""
    g = profile.to_rdf(node)
    g.add((node, PK.profileSizeClass, URIRef(str(record[SIZE_CLASS_FIELD]))))
    if profile.months_since_establishment is None and record.get("months_since_establishment") is not None:
        g.add((node, PROPERTIES["months_since_establishment"],
               Literal(str(record["months_since_establishment"]), datatype=XSD.integer)))
    return g


def pyshacl_verdicts(engine: Engine, profiles: Sequence[Profile], recs: Sequence[dict[str, object]],
                     batch: int) -> tuple[list[list[bool]], float, float]:
    """pySHACL's verdict per (profile, benefit shape in catalogue order); (verdicts, seconds, validating seconds)."""
    import pyshacl  # not in the memory runs

    shapes_graph = engine.catalogue.shapes_graph
    tops = [URIRef(b.shape) for b in engine.catalogue.benefits]
    index = {s: i for i, s in enumerate(tops)}
    owner = owners(shapes_graph, tops)
    verdicts: list[list[bool]] = []
    total = validating = 0.0
    for start in range(0, len(profiles), batch):
        t0 = time.perf_counter()
        nodes: dict[Node, int] = {}
        data = Graph()
        targeted = Graph()
        targeted += shapes_graph
        for i in range(start, min(start + batch, len(profiles))):
            node = EX[f"p{i}"]
            nodes[node] = i - start
            for triple in rdf_of(profiles[i], recs[i], node):
                data.add(triple)
            for shape in tops:
                targeted.add((shape, SH.targetNode, node))
        t1 = time.perf_counter()
        conforms, report, _ = pyshacl.validate(data, shacl_graph=targeted, inference="none", advanced=False,
                                               abort_on_first=False, allow_warnings=False)
        t2 = time.perf_counter()
        assert isinstance(report, Graph)
        found = [[True] * len(tops) for _ in nodes]
        for result in report.subjects(RDF.type, SH.ValidationResult):
            focus = report.value(result, SH.focusNode)
            source = report.value(result, SH.sourceShape)
            found[nodes[focus]][index[owner[source]]] = False  # type: ignore[index]
        verdicts.extend(found)
        total += time.perf_counter() - t0
        validating += t2 - t1
    return verdicts, total, validating


# ------------------------------------------------------------------------------------------ memory

def memory_child(csv_path: Path, store: Path, as_of: date) -> int:
    """In a fresh process: the CSV-in/CSV-out run; prints the peaks (KiB) and the live objects as JSON.

    The objects the garbage collector tracks are counted before and after the batch: streaming means the
    batch leaves none behind, whatever its size.
    """
    import gc

    engine = Engine.from_store(open_store(store, rebuild_if_stale=False))
    engine.evaluator, engine.valuers, conditions(), party_kinds()  # noqa: B018 - one-time loads: in the setup peak
    with tempfile.TemporaryDirectory() as tmp:
        end_to_end(engine, head_of(csv_path, Path(tmp) / "warm.csv", 100), as_of, Path(tmp) / "warm-out.csv")
        gc.collect()
        objects = len(gc.get_objects())
        setup = peak_rss_kib()
        n, seconds, _ = end_to_end(engine, csv_path, as_of, Path(tmp) / "out.csv")
        gc.collect()
        left = len(gc.get_objects()) - objects
    print(json.dumps({"profiles": n, "seconds": seconds, "setup_peak_kib": setup, "peak_kib": peak_rss_kib(),
                      "objects_left": left}))
    return 0


def memory(csv_path: Path, store: Path, as_of: date) -> dict[str, Any]:
    """The peaks of a fresh process running CSV in -> CSV out over ``csv_path``."""
    done = subprocess.run([sys.executable, __file__, "--memory-child", str(csv_path), "--store", str(store),
                           "--as-of", as_of.isoformat()], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the memory run failed:\n{done.stderr}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------------------ breakdown

BREAKDOWN = ("read + check (profiles.read_csv)", "size class (SizeStandard.size_class)", "record (Engine.record)",
             "generated evaluator (fast.py)", "in force + valuation (valuers)", "non-cumulation (Engine._resolve)",
             "Summary object", "summary_row", "csv_line + write")


def breakdown(engine: Engine, csv_path: Path, as_of: date, limit: int, out_path: Path) -> tuple[int, dict[str, float]]:
    """Seconds in each stage of the CSV-in/CSV-out path over the first ``limit`` profiles.

    Engine.summarise is taken apart here step by step (size class, record, evaluator, valuers in force,
    non-cumulation, the Summary), so every result is checked against Engine.summarise itself (outside the
    clocks): the breakdown stops the benchmark if the engine's steps change. Nine clock reads per profile
    (some 0.05 us each) are spread over the stages.
    """
    clock = time.perf_counter_ns
    spent = [0] * len(BREAKDOWN)
    benefits, evaluate = engine.catalogue.benefits, engine.evaluator
    plan = engine._plan(as_of)
    indexes, valued, grouped_ones = plan.indexes, plan.valued, plan.grouped
    size_class, record, resolve, contested = engine.standard.size_class, engine.record, engine._resolve, engine._contested
    n = 0
    with out_path.open("w", encoding="utf-8") as out:
        it = itertools.islice(read_profiles(csv_path), limit)
        while True:
            t0 = clock()
            p = next(it, None)
            t1 = clock()
            if p is None:
                spent[0] += t1 - t0
                break
            size = size_class(p.industry, p.employees, p.annual_revenue, p.total_assets)
            t2 = clock()
            rec = record(p, as_of, size)
            t3 = clock()
            verdicts = evaluate(rec)
            t4 = clock()
            chosen = [i for i in indexes if verdicts[i]]
            pairs = [(benefits[i], valued[i](rec) if i in valued else None) for i in chosen]
            t5 = clock()
            grouped = frozenset(i for i in chosen if i in grouped_ones)
            losers = resolve({b.iri: v for b, v in pairs}) if len(grouped) > 1 and contested(grouped) else {}
            t6 = clock()
            if losers:
                s = Summary(p, size, tuple(x for x in pairs if x[0].iri not in losers),
                            tuple(b for b, _ in pairs if b.iri in losers))
            else:
                s = Summary(p, size, tuple(pairs), ())
            t7 = clock()
            row = summary_row(s)
            t8 = clock()
            out.write(csv_line(row))
            t9 = clock()
            for i, (a, b) in enumerate(((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6), (t6, t7), (t7, t8),
                                        (t8, t9))):
                spent[i] += b - a
            if s != engine.summarise(p, as_of):
                raise SystemExit(f"the breakdown's steps no longer give Engine.summarise's result (profile {p.source}): "
                                 "update breakdown() in benchmarks/bench_eligibility.py")
            n += 1
    return n, {name: ns / 1e9 for name, ns in zip(BREAKDOWN, spent)}


# ------------------------------------------------------------------------------------------ main

def _median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,100000", help="batch sizes (profiles), comma-separated")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    ap.add_argument("--as-of", default="2013-06-30", help="decision date (YYYY-MM-DD)")
    ap.add_argument("--store", type=Path, help="a built store (default: build one in a temporary folder)")
    ap.add_argument("--pyshacl-sample", type=int, default=500, help="profiles validated by pySHACL")
    ap.add_argument("--pyshacl-batch", type=int, default=100, help="profiles per pyshacl.validate call")
    ap.add_argument("--explained-sample", type=int, default=500, help="profiles for Engine.decide / JSON lines")
    ap.add_argument("--memory-sizes", default="1000,10000,100000",
                    help="batch sizes whose peak memory is measured, each in a fresh process ('' to skip)")
    ap.add_argument("--seed", type=int, default=20120046)
    ap.add_argument("--cpu", type=int, help="CPU to pin to (default: the less busy one over a second)")
    ap.add_argument("--breakdown", type=int, default=20_000,
                    help="profiles timed stage by stage inside Engine.summarise (0 to skip)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    as_of = date.fromisoformat(args.as_of)
    if args.memory_child:
        return memory_child(args.memory_child, args.store, as_of)

    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    memory_sizes = sorted({int(s) for s in args.memory_sizes.split(",") if s.strip()})
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else (lambda *a: print(*a, flush=True))
    result: dict[str, Any] = {"as_of": as_of.isoformat(), "seed": args.seed, "repeat": args.repeat,
                              "python": sys.version.split()[0], "load_start": load()}
    result["pinning"] = pin(args.cpu)
    say(f"{result['pinning']}; load average {_load(result['load_start'])}")

    with tempfile.TemporaryDirectory(prefix="bench-eligibility-") as tmp_name:
        tmp = Path(tmp_name)
        store_path = args.store or tmp / "store"
        t = time.perf_counter()
        store = open_store(store_path)
        store_s = time.perf_counter() - t
        t = time.perf_counter()
        engine = Engine.from_store(store)
        engine.evaluator, engine.valuers  # noqa: B018 - built on first use: not part of the per-profile time
        engine_s = time.perf_counter() - t
        t = time.perf_counter()
        conditions(), party_kinds()  # noqa: B018 - read from the shapes and schemes on the first profile using them
        vocabularies_s = time.perf_counter() - t
        n_shapes = len(engine.catalogue.benefits)
        result["store"] = {"path": str(args.store) if args.store else "(temporary)", "open_or_build_s": store_s}
        result["engine_setup_s"] = engine_s
        result["vocabularies_s"] = vocabularies_s
        result["shapes"] = n_shapes
        result["inlined_shapes"] = n_shapes - len(engine.evaluator.fallbacks)
        say(f"store {store_s:.2f} s; engine (catalogue by SPARQL, {n_shapes} shapes compiled, evaluator generated: "
            f"{result['inlined_shapes']} inlined) {engine_s:.2f} s; attestation and party-kind vocabularies "
            f"{vocabularies_s:.2f} s (once per process)")

        largest = max(sizes + memory_sizes + [args.pyshacl_sample, args.explained_sample])
        t = time.perf_counter()
        full = tmp / f"profiles-{largest}.csv"
        write_profiles(full, largest, args.seed, as_of)
        files: dict[int, Path] = {}
        for n in sorted(set(sizes + memory_sizes)):
            files[n] = full if n == largest else tmp / f"profiles-{n}.csv"
            if n != largest:
                head_of(full, files[n], n)
        say(f"generated {largest:,} profiles (seed {args.seed}) in {time.perf_counter() - t:.1f} s (not timed)")

        # the spread of what was generated, as the engine sees it
        sample = list(itertools.islice(read_profiles(full), max(args.pyshacl_sample, 2000)))
        classes: dict[str, int] = {}
        granted_counts: list[int] = []
        seen: set[str] = set()
        with_exclusion = 0
        for p in sample[:2000]:
            s = engine.summarise(p, as_of)
            classes[s.size_class] = classes.get(s.size_class, 0) + 1
            granted_counts.append(len(s.granted))
            seen.update(b.slug for b, _ in s.granted)
            with_exclusion += bool(s.excluded)
        spread = {"profiles": len(granted_counts), "size_class": classes,
                  "granted_median": statistics.median(granted_counts), "granted_min": min(granted_counts),
                  "granted_max": max(granted_counts), "benefits_granted_at_least_once": len(seen),
                  "profiles_with_an_exclusion": with_exclusion}
        result["spread"] = spread
        say(f"first {len(granted_counts):,} profiles: size classes "
            + ", ".join(f"{k} {v}" for k, v in sorted(classes.items()))
            + f"; benefits granted per profile median {spread['granted_median']} (min {spread['granted_min']}, "
              f"max {spread['granted_max']}); {len(seen)} of {n_shapes} benefits granted at least once; "
              f"{with_exclusion} profiles lose a benefit to non-cumulation")

        # -- compiled, per size
        out_csv = tmp / "out.csv"
        result["sizes"] = {}
        for n in sizes:
            say(f"\n{n:,} profiles: CSV in -> CSV out, {args.repeat} runs ...")
            load_before = load()
            runs, cpu_runs = [], []
            for _ in range(args.repeat):
                count, seconds, cpu = end_to_end(engine, files[n], as_of, out_csv)
                assert count == n, (count, n)
                runs.append(seconds)
                cpu_runs.append(cpu)
            stage_runs = [staged(engine, files[n], as_of, out_csv)[1] for _ in range(args.repeat)]
            stages = {k: _median([r[k] for r in stage_runs]) for k in stage_runs[0]}
            e2e, e2e_cpu = _median(runs), _median(cpu_runs)
            entry: dict[str, Any] = {"end_to_end_s": e2e, "end_to_end_runs_s": runs, "end_to_end_per_s": _rate(n, e2e),
                                     "end_to_end_cpu_s": e2e_cpu, "end_to_end_per_cpu_s": _rate(n, e2e_cpu),
                     "stages_s": stages, "decision_only_per_s": _rate(n, stages["summarise"]),
                     "load_before": load_before, "load_after": load()}
            result["sizes"][str(n)] = entry
            say(f"  end to end {e2e:.2f} s (runs {', '.join(f'{r:.2f}' for r in runs)}) = {entry['end_to_end_per_s']:,.0f} "
                f"profiles/s ({entry['end_to_end_per_cpu_s']:,.0f} per CPU second); stages: read+check {stages['read']:.2f} s, summarise {stages['summarise']:.2f} s, "
                f"write {stages['write']:.2f} s; load {_load(load_before)} -> {_load(entry['load_after'])}")

        # -- explained path
        k = min(args.explained_sample, largest)
        say(f"\nexplained path (Engine.decide, JSON lines) on the first {k:,} profiles ...")
        load_before = load()
        ex = [explained(engine, full, as_of, k) for _ in range(max(1, min(args.repeat, 3)))]
        decide_s, jsonl_s = _median([e[1] for e in ex]), _median([e[2] for e in ex])
        result["explained"] = {"profiles": k, "decide_s": decide_s, "decide_per_s": _rate(k, decide_s),
                               "jsonl_end_to_end_s": jsonl_s, "jsonl_end_to_end_per_s": _rate(k, jsonl_s),
                               "load_before": load_before, "load_after": load()}
        say(f"  Engine.decide {result['explained']['decide_per_s']:,.0f} profiles/s; CSV in -> JSON lines out "
            f"{result['explained']['jsonl_end_to_end_per_s']:,.0f} profiles/s")

        # -- pySHACL on the sample, and agreement
        m = min(args.pyshacl_sample, largest)
        profiles = sample[:m]
        recs = records(engine, profiles, as_of)
        say(f"\npySHACL on the first {m:,} profiles, batches of {args.pyshacl_batch} ...")
        load_before = load()
        reference, py_s, py_validate_s = pyshacl_verdicts(engine, profiles, recs, args.pyshacl_batch)
        ev_s = evaluator_only(engine, recs)
        compiled = [engine.evaluator(r) for r in recs]
        shapes = [b.slug for b in engine.catalogue.benefits]
        disagreements = [(profiles[i].name, shapes[j], compiled[i][j], reference[i][j])
                         for i in range(m) for j in range(n_shapes) if bool(compiled[i][j]) != reference[i][j]]
        pairs = m * n_shapes
        conforming = sum(v for row in reference for v in row)
        result["pyshacl"] = {"profiles": m, "batch": args.pyshacl_batch, "seconds": py_s,
                             "validate_seconds": py_validate_s, "per_s": _rate(m, py_s),
                             "validate_only_per_s": _rate(m, py_validate_s),
                             "load_before": load_before, "load_after": load()}
        result["evaluator_only_per_s"] = 1 / ev_s
        result["agreement"] = {"pairs": pairs, "conforming_pairs": conforming, "disagreements": len(disagreements),
                               "first": disagreements[:10]}
        say(f"  pySHACL {py_s:.1f} s = {result['pyshacl']['per_s']:.1f} profiles/s (validate alone "
            f"{result['pyshacl']['validate_only_per_s']:.1f}/s); generated evaluator alone {1 / ev_s:,.0f} profiles/s")
        say(f"  agreement: {pairs:,} (profile, shape) pairs compared ({conforming:,} conform), "
            f"{len(disagreements)} disagreements")
        for d in disagreements[:10]:
            say(f"    DISAGREE profile {d[0]!r} shape {d[1]}: compiled {d[2]}, pySHACL {d[3]}")

        # -- memory, a fresh process per size
        result["memory"] = {}
        if memory_sizes:
            say("\npeak memory of CSV in -> CSV out, a fresh process per size ...")
        for n in memory_sizes:
            mem = memory(files[n], store_path, as_of)
            result["memory"][str(n)] = mem
            say(f"  {n:>7,} profiles: peak {mem['peak_kib'] / 1024:.1f} MiB (after setup {mem['setup_peak_kib'] / 1024:.1f} "
                f"MiB, growth {(mem['peak_kib'] - mem['setup_peak_kib']) / 1024:.1f} MiB), objects left by the batch "
                f"{mem['objects_left']:+d}, {mem['profiles'] / mem['seconds']:,.0f} profiles/s")

        if args.breakdown:
            k = min(args.breakdown, largest)
            say(f"\nwhere the time goes: the first {k:,} profiles stage by stage ({args.repeat} runs) ...")
            runs_b = [breakdown(engine, full, as_of, k, out_csv)[1] for _ in range(args.repeat)]
            result["breakdown"] = {"profiles": k, "us_per_profile": {
                name: _median([r[name] for r in runs_b]) / k * 1e6 for name in BREAKDOWN}}

    result["load_end"] = load()
    py_rate = result["pyshacl"]["per_s"]
    for n, entry in result["sizes"].items():
        entry["ratio_vs_pyshacl"] = entry["end_to_end_per_s"] / py_rate
        entry["meets_rate_target"] = entry["end_to_end_per_s"] >= TARGET_RATE
        entry["meets_ratio_target"] = entry["ratio_vs_pyshacl"] >= TARGET_RATIO
    result["evaluator_ratio_vs_pyshacl"] = result["evaluator_only_per_s"] / py_rate
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        report(result)
    return 1 if disagreements else 0


def _load(avg: Sequence[float]) -> str:
    return " ".join(f"{x:.2f}" for x in avg)


def report(r: dict[str, Any]) -> None:
    py = r["pyshacl"]
    print(f"\n{r['shapes']} eligibility shapes, as of {r['as_of']}, Python {r['python']}, {r['pinning']}")
    print(f"pySHACL: {py['profiles']} profiles (a sample: all of them would take hours), batches of {py['batch']}, "
          f"load average {_load(py['load_before'])}")
    print(f"{'profiles':>9} {'CSV->CSV /s':>12} {'per CPU s':>10} {'decisions /s':>13} {'pySHACL /s':>11} {'ratio':>7} "
          f"{'>=20k/s':>8} {'>=100x':>7}  load average")
    for n, e in r["sizes"].items():
        print(f"{int(n):>9,} {e['end_to_end_per_s']:>12,.0f} {e['end_to_end_per_cpu_s']:>10,.0f} "
              f"{e['decision_only_per_s']:>13,.0f} {py['per_s']:>11.1f} "
              f"{e['ratio_vs_pyshacl']:>7,.0f} {'yes' if e['meets_rate_target'] else 'NO':>8} "
              f"{'yes' if e['meets_ratio_target'] else 'NO':>7}  {_load(e['load_before'])}")
    print("(CSV->CSV: wall clock, median of the runs, judged against the targets; per CPU s: the same runs by this "
          "process's CPU time,\n what one core to itself would do; ratio: CSV->CSV / pySHACL)")
    print(f"generated evaluator alone: {r['evaluator_only_per_s']:,.0f} profiles/s = "
          f"{r['evaluator_ratio_vs_pyshacl']:,.0f} x pySHACL (same {py['profiles']} profiles, all {r['shapes']} shapes)")
    ex = r["explained"]
    print(f"explained path ({ex['profiles']} profiles): Engine.decide {ex['decide_per_s']:,.0f} profiles/s, "
          f"CSV in -> JSON lines out {ex['jsonl_end_to_end_per_s']:,.0f} profiles/s")
    a = r["agreement"]
    print(f"agreement with pySHACL: {a['pairs']:,} (profile, shape) pairs, {a['disagreements']} disagreements")
    if r["memory"]:
        print("peak RSS of CSV in -> CSV out (fresh process per size): " + "; ".join(
            f"{int(n):,}: {m['peak_kib'] / 1024:.1f} MiB (+{(m['peak_kib'] - m['setup_peak_kib']) / 1024:.1f} over setup, "
            f"{m['objects_left']:+d} objects)" for n, m in r["memory"].items()))
    print(f"load average: start {_load(r['load_start'])}, end {_load(r['load_end'])}")
    if "breakdown" in r:
        b = r["breakdown"]["us_per_profile"]
        total = sum(b.values())
        print(f"where the time goes (us per profile, median of {r['repeat']} runs over {r['breakdown']['profiles']:,} "
              f"profiles; {total:.1f} us in all = {1e6 / total:,.0f} profiles/s):")
        for name, us in b.items():
            print(f"  {name:40} {us:6.1f}  {us / total:5.1%}")


if __name__ == "__main__":
    sys.exit(main())
