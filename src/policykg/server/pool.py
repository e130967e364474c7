"""The embedded store's query executor: a small pool of worker processes that can be killed.

pyoxigraph's ``Store.query`` cannot be interrupted, so every query runs in a worker process
(:mod:`policykg.server.worker`) that opens the store read-only. Each worker evaluates up to
``capacity`` queries at once in threads (pyoxigraph releases the GIL while it evaluates), where
``capacity`` is ``max_concurrent`` spread over the ``workers`` processes: every admitted query runs at
once, time-sliced by the operating system, instead of queueing first come, first served behind long
ones. A query is sent to the worker running the fewest (the first such, so that at low concurrency the
same warm worker answers).

The wall-clock limit stays a guarantee: a query past it is answered 503 and its worker is killed
(SIGKILL) and replaced; the other queries that worker was running are innocent and are sent once more,
transparently, to another worker, each with the full limit again. At most ``max_concurrent`` queries
run or wait for a worker; more are answered 503 with Retry-After.

Workers answer from a copy of the store in memory when ``--in-memory`` says so (by default, a store of
at most :data:`policykg.store.AUTO_MEMORY_MAX_QUADS` quads), otherwise from the store on disk, read-only.
With updates enabled there is exactly one worker, running one query at a time, and it always holds an
in-memory copy of the store (the store on disk is never written); a worker killed by the time limit
loses the updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import pickle
import sys
from collections.abc import Callable
from typing import Any

from .executor import QueryJob, QueryOutcome
from .http import HTTPError
from .settings import Settings
from .worker import _HEADER

log = logging.getLogger("policykg.server")


class WorkerFailed(Exception):
    """The worker process exited (or was killed from outside) while it had the query."""


class WorkerStopped(WorkerFailed):
    """The pool killed the worker to stop another query past the time limit: this query is innocent."""


class Worker:
    """One worker process, its pipes and the queries it is running (futures of their replies)."""

    def __init__(self, proc: asyncio.subprocess.Process, capacity: int) -> None:
        self.proc = proc
        self.capacity = capacity
        self.pending: dict[int, asyncio.Future[Any]] = {}
        #: killed by the pool to stop a query past the time limit
        self.stopped = False
        #: its reply stream ended (the process exited): it takes no more queries
        self.dead = False
        #: it answers from a copy of the store in memory (``--in-memory``)
        self.in_memory = False
        self._ids = itertools.count()
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def spawn(cls, settings: Settings, capacity: int,
                    on_exit: Callable[[Worker], None]) -> tuple[Worker, tuple[str, ...]]:
        args = [sys.executable, "-m", "policykg.server.worker", str(settings.store_path), "--threads", str(capacity),
                "--in-memory", "yes" if settings.allow_update else settings.in_memory]
        proc = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=None,
            limit=2**20)
        worker = cls(proc, capacity)
        try:
            reply = await worker._read()
        except WorkerFailed:
            worker.kill()
            raise
        if reply[0] != "ready":
            worker.kill()
            raise WorkerFailed(reply[1])
        worker.in_memory = bool(reply[2])
        worker._reader = asyncio.ensure_future(worker._replies(on_exit))
        return worker, reply[1]

    async def _read(self) -> Any:
        assert self.proc.stdout is not None
        try:
            header = await self.proc.stdout.readexactly(_HEADER.size)
            (size,) = _HEADER.unpack(header)
            return pickle.loads(await self.proc.stdout.readexactly(size))
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            raise WorkerFailed("the worker process exited") from e

    async def _replies(self, on_exit: Callable[[Worker], None]) -> None:
        """Hand each reply to the query waiting for it, until the process exits; then fail the rest."""
        try:
            while True:
                job_id, *reply = await self._read()
                future = self.pending.pop(job_id, None)
                if future is not None and not future.done():
                    future.set_result(tuple(reply))
        except WorkerFailed:
            pass
        finally:
            self.dead = True
            error = WorkerStopped if self.stopped else WorkerFailed
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(error("the worker process exited"))
            self.pending.clear()
            on_exit(self)

    @property
    def load(self) -> int:
        return len(self.pending)

    @property
    def usable(self) -> bool:
        return not (self.dead or self.stopped) and self.proc.returncode is None

    def submit(self, job: QueryJob) -> asyncio.Future[Any]:
        """Send a query (its slot is taken at once) and return the future of its reply."""
        if not self.usable:
            raise WorkerFailed("the worker process exited")
        assert self.proc.stdin is not None
        job_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        data = pickle.dumps((job_id, job), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(_HEADER.pack(len(data)) + data)
        except (ConnectionError, RuntimeError) as e:
            raise WorkerFailed("the worker process exited") from e
        self.pending[job_id] = future
        return future

    async def drain(self) -> None:
        assert self.proc.stdin is not None
        try:
            await self.proc.stdin.drain()
        except (ConnectionError, RuntimeError) as e:
            raise WorkerFailed("the worker process exited") from e

    def stop(self) -> None:
        """Kill it to stop a query past the time limit (its other queries will be retried elsewhere)."""
        self.stopped = True
        self.kill()

    def kill(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()

    async def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 2)
        except (asyncio.TimeoutError, ProcessLookupError):
            self.kill()
            await self.proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._reader, 2)


def _timeout(settings: Settings) -> HTTPError:
    return HTTPError(503, "timeout", f"the query ran past the {settings.timeout:g} s limit and was stopped",
                     message_zh=f"查询超过 {settings.timeout:g} 秒的时限，已终止", headers={"Retry-After": "1"})


class WorkerPool:
    """A :class:`~policykg.server.executor.QueryExecutor` over the embedded store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.size = 1 if settings.allow_update else settings.workers
        #: queries one worker runs at once: every admitted query runs (1 with updates: they apply in order)
        self.capacity = 1 if settings.allow_update else max(1, math.ceil(settings.max_concurrent / self.size))
        self._workers: list[Worker] = []  # in start order: ties go to the first (its caches are warm)
        self._available = asyncio.Event()  # set when a slot frees or a worker starts
        self._graphs: tuple[str, ...] = ()
        self._inflight = 0
        self._closing = False
        self._spawning: set[asyncio.Task[None]] = set()
        #: how many workers were killed by the time limit, and how many innocent queries were retried
        self.killed = 0
        self.retried = 0

    def named_graphs(self) -> tuple[str, ...]:
        return self._graphs

    @property
    def in_memory(self) -> bool:
        """The workers answer from copies of the store in memory (``serve --in-memory``)."""
        return any(w.in_memory for w in self._workers)

    async def start(self) -> None:
        results = await asyncio.gather(*(Worker.spawn(self.settings, self.capacity, self._exited)
                                         for _ in range(self.size)), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        for r in results:
            if not isinstance(r, BaseException):
                worker, graphs = r
                self._graphs = graphs
                self._workers.append(worker)
        self._available.set()
        if failures:
            await self.close()
            from ..errors import StoreError

            raise StoreError(f"the query workers could not open the store: {failures[0]}")

    async def close(self) -> None:
        self._closing = True
        for task in list(self._spawning):
            task.cancel()
        await asyncio.gather(*(w.close() for w in list(self._workers)), return_exceptions=True)
        self._workers.clear()

    def _exited(self, worker: Worker) -> None:
        """A worker's process ended (killed by the time limit, or from outside): start another."""
        if worker in self._workers:
            self._workers.remove(worker)
        worker.kill()
        if self._closing:
            return

        async def respawn() -> None:
            try:
                new, graphs = await Worker.spawn(self.settings, self.capacity, self._exited)
            except Exception as e:  # retried after a second; logged for the operator
                log.error("could not start a query worker: %s", e)
                await asyncio.sleep(1)
                if not self._closing:
                    task = asyncio.ensure_future(respawn())
                    self._spawning.add(task)
                    task.add_done_callback(self._spawning.discard)
                return
            if self._closing:
                await new.close()
                return
            self._graphs = graphs  # (a new memory copy starts from the store on disk again)
            self._workers.append(new)
            self._available.set()

        task = asyncio.ensure_future(respawn())
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    def _pick(self) -> Worker | None:
        """The usable worker running the fewest queries (the first of them), if one has a free slot."""
        best: Worker | None = None
        for worker in self._workers:
            if worker.usable and worker.load < worker.capacity and (best is None or worker.load < best.load):
                best = worker
        return best

    async def _acquire(self, deadline: float) -> Worker:
        loop = asyncio.get_running_loop()
        settings = self.settings
        while True:
            worker = self._pick()
            if worker is not None:
                return worker
            self._available.clear()
            try:
                await asyncio.wait_for(self._available.wait(), max(0.001, deadline - loop.time()))
            except asyncio.TimeoutError:
                raise HTTPError(503, "busy", f"no query worker became free within {settings.timeout:g} s; "
                                "retry shortly", headers={"Retry-After": str(math.ceil(settings.timeout))}) from None

    async def execute(self, job: QueryJob) -> QueryOutcome:
        settings = self.settings
        if self._inflight >= settings.max_concurrent:
            raise HTTPError(503, "busy", f"{self._inflight} queries are running or waiting (the limit is "
                            f"{settings.max_concurrent}); retry shortly", headers={"Retry-After": "1"})
        self._inflight += 1
        # the query runs to its end or its time limit even if the request is cancelled (a client gone):
        # its worker is shared, so the limit, not the cancellation, decides when it is killed
        task = asyncio.ensure_future(self._run(job))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return await asyncio.shield(task)

    async def _run(self, job: QueryJob) -> QueryOutcome:
        settings = self.settings
        loop = asyncio.get_running_loop()
        try:
            deadline = loop.time() + settings.timeout
            retried = False
            while True:
                worker = await self._acquire(deadline)
                try:
                    reply = await asyncio.wait_for(self._attempt(worker, job), max(0.001, deadline - loop.time()))
                except asyncio.TimeoutError:
                    if not worker.stopped:
                        self.killed += 1
                        log.warning("a query ran past the %g s limit: its worker is killed", settings.timeout)
                    worker.stop()
                    raise _timeout(settings) from None
                except WorkerStopped:
                    if loop.time() >= deadline:  # past its own limit too: not innocent
                        raise _timeout(settings) from None
                    if retried:
                        raise HTTPError(503, "unavailable", "the query was stopped twice with the workers "
                                        "that ran it (for other queries past the time limit); retry shortly",
                                        headers={"Retry-After": "1"}) from None
                    retried = True
                    self.retried += 1
                    deadline = loop.time() + settings.timeout  # a new run, with the whole limit
                    continue
                except WorkerFailed:
                    worker.kill()
                    raise HTTPError(500, "internal", "internal server error") from None
                break
        finally:
            self._inflight -= 1
            self._available.set()
        status = reply[0]
        if status == "ok":
            if reply[2] is not None:
                self._graphs = reply[2]
            return reply[1]  # type: ignore[no-any-return]
        if status == "syntax":
            raise syntax_error(reply[1])
        log.error("query failed in a worker: %s", reply[1])
        raise HTTPError(500, "internal", "internal server error")

    async def _attempt(self, worker: Worker, job: QueryJob) -> Any:
        future = worker.submit(job)
        try:
            await worker.drain()
            return await future
        finally:
            self._available.set()  # its slot is free again (or about to be, once the reply is read)


def syntax_error(message: str) -> HTTPError:
    """400 with the parser's message and position ('error at LINE:COL: ...')."""
    import re

    text = " ".join(message.split())
    m = re.match(r"error at (\d+):(\d+): (.*)$", text)
    position = (int(m.group(1)), int(m.group(2))) if m else None
    detail = m.group(3) if m else text
    if len(detail) > 300:
        detail = detail[:300].rsplit(",", 1)[0] + ", …"
    where = f" at line {position[0]}, column {position[1]}" if position else ""
    return HTTPError(400, "malformed-query", f"malformed SPARQL{where}: {detail}",
                     message_zh=f"SPARQL 语法错误{f'（第 {position[0]} 行第 {position[1]} 列）' if position else ''}",
                     position=position)
