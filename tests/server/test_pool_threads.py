"""The worker pool runs several queries at once in each worker process (threads: pyoxigraph releases the
GIL while it evaluates), and keeps the wall-clock limit a guarantee: the worker of a runaway query is
killed, the runaway is answered 503, and the innocent queries that worker was running are retried once,
transparently, on another worker."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from policykg.server.executor import QueryJob
from policykg.server.http import HTTPError
from policykg.server.pool import WorkerPool
from policykg.server.settings import Settings

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FAST = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"


def count_query(n: int) -> str:
    """A query that runs for a while (n rows of a cross join, counted) and has a known answer."""
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT * {{ ?a ?b ?c . ?d ?e ?f }} LIMIT {n} }} }}"


def count_of(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_one_worker_answers_a_short_query_while_a_long_one_runs(store_path: Path) -> None:
    async def scenario() -> tuple[float, float, int]:
        pool = WorkerPool(Settings(store=store_path, timeout=30, workers=1, max_concurrent=4))
        await pool.start()
        try:
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            long = asyncio.ensure_future(pool.execute(QueryJob(count_query(6_000_000))))
            await asyncio.sleep(0.3)
            t1 = loop.time()
            fast = await pool.execute(QueryJob(FAST))
            fast_seconds = loop.time() - t1
            assert fast.rows == 3 and not long.done()
            outcome = await long
            return fast_seconds, loop.time() - t0, count_of(outcome.body)
        finally:
            await pool.close()

    assert WorkerPool(Settings(workers=1, max_concurrent=4)).capacity == 4
    fast_seconds, long_seconds, n = asyncio.run(scenario())
    assert n == 6_000_000
    # the short query did not wait for the long one (which runs for seconds) to finish
    assert fast_seconds < long_seconds / 2, (fast_seconds, long_seconds)


def test_innocent_queries_of_a_killed_worker_are_retried(store_path: Path) -> None:
    async def scenario() -> dict[str, object]:
        pool = WorkerPool(Settings(store=store_path, timeout=4, workers=1, max_concurrent=4))
        await pool.start()
        try:
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            runaway = asyncio.ensure_future(pool.execute(QueryJob(RUNAWAY)))
            await asyncio.sleep(3.4)
            # on the same worker (the only one), still running when the runaway reaches its limit
            innocent = asyncio.ensure_future(pool.execute(QueryJob(count_query(3_000_000))))
            results = await asyncio.gather(runaway, innocent, return_exceptions=True)
            after = await pool.execute(QueryJob("ASK {}"))
            return {"runaway": results[0], "runaway_seconds": loop.time() - t0, "innocent": results[1],
                    "killed": pool.killed, "retried": pool.retried, "after": after.body}
        finally:
            await pool.close()

    out = asyncio.run(scenario())
    error = out["runaway"]
    assert isinstance(error, HTTPError) and error.status == 503 and error.code == "timeout", error
    innocent = out["innocent"]
    assert not isinstance(innocent, BaseException), innocent
    assert count_of(innocent.body) == 3_000_000  # type: ignore[attr-defined]
    assert out["killed"] == 1 and out["retried"] == 1
    assert json.loads(out["after"])["boolean"] is True  # type: ignore[arg-type]


def test_a_query_past_its_own_limit_on_a_stopped_worker_is_not_retried(store_path: Path) -> None:
    """Two runaways on one worker: both are answered 503 timeout, neither is run again."""

    async def scenario() -> tuple[list[object], int, int]:
        pool = WorkerPool(Settings(store=store_path, timeout=2, workers=1, max_concurrent=4))
        await pool.start()
        try:
            jobs = [asyncio.ensure_future(pool.execute(QueryJob(RUNAWAY))) for _ in range(2)]
            results = await asyncio.gather(*jobs, return_exceptions=True)
            return list(results), pool.killed, pool.retried
        finally:
            await pool.close()

    t0 = time.monotonic()
    results, killed, retried = asyncio.run(scenario())
    assert all(isinstance(r, HTTPError) and r.code == "timeout" for r in results), results
    assert killed == 1 and retried == 0
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("workers, max_concurrent, capacity", [(4, 16, 4), (2, 3, 2), (16, 16, 1), (3, 16, 6)])
def test_capacity_spreads_the_concurrent_queries_over_the_workers(workers: int, max_concurrent: int,
                                                                   capacity: int) -> None:
    assert WorkerPool(Settings(workers=workers, max_concurrent=max_concurrent)).capacity == capacity
    # updates apply in order: one worker, one query at a time
    updating = Settings(workers=workers, max_concurrent=max_concurrent, allow_update=True, update_token="t")
    assert WorkerPool(updating).capacity == 1 and WorkerPool(updating).size == 1


def test_workers_die_with_the_server_even_mid_query(store_path: Path) -> None:
    """SIGKILL of the server while its workers are busy: no thread reads stdin to see it close, the
    kernel kills them (PR_SET_PDEATHSIG)."""
    import contextlib
    import os
    import signal
    import threading

    import httpx

    from .conftest import running_server, wait_until

    # one query at a time per worker: both busy, none reading its stdin
    with running_server(store_path, "--workers", "2", "--max-concurrent", "2", "--timeout", "60") as s:
        assert wait_until(lambda: len(s.workers()) == 2)
        workers = s.workers()
        def ask() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
                httpx.get(s.sparql, params={"query": RUNAWAY}, timeout=70)

        for _ in range(2):
            threading.Thread(target=ask, daemon=True).start()
        time.sleep(1.0)
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(10)

        def gone() -> bool:
            alive = set()
            for pid in workers:
                try:
                    os.kill(pid, 0)
                    state = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0]
                    if state != "Z":
                        alive.add(pid)
                except (ProcessLookupError, FileNotFoundError):
                    pass
            return not alive

        assert wait_until(gone, timeout=10), workers
