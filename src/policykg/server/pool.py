"""The embedded store's query executor: a small pool of worker processes that can be killed.

pyoxigraph's ``Store.query`` cannot be interrupted, so every query runs in a worker process
(:mod:`policykg.server.worker`) that opens the store read-only. A query past the wall-clock limit is
answered 503 and its worker is killed (SIGKILL) and replaced; the other workers keep answering.
At most ``max_concurrent`` queries run or wait for a worker; more are answered 503 with Retry-After.

With updates enabled there is exactly one worker and it holds an in-memory copy of the store
(the store on disk is never written); a worker killed by the time limit loses the updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import pickle
import sys
from typing import Any

from .executor import QueryJob, QueryOutcome
from .http import HTTPError
from .settings import Settings
from .worker import _HEADER

log = logging.getLogger("policykg.server")


class WorkerFailed(Exception):
    pass


class Worker:
    """One worker process and its pipes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def spawn(cls, settings: Settings) -> tuple[Worker, tuple[str, ...]]:
        args = [sys.executable, "-m", "policykg.server.worker", str(settings.store_path)]
        if settings.allow_update:
            args.append("--memory-copy")
        proc = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=None,
            limit=2**20)
        worker = cls(proc)
        try:
            reply = await worker._read()
        except WorkerFailed:
            worker.kill()
            raise
        if reply[0] != "ready":
            worker.kill()
            raise WorkerFailed(reply[1])
        return worker, reply[1]

    async def _read(self) -> Any:
        assert self.proc.stdout is not None
        try:
            header = await self.proc.stdout.readexactly(_HEADER.size)
            (size,) = _HEADER.unpack(header)
            return pickle.loads(await self.proc.stdout.readexactly(size))
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            raise WorkerFailed("the worker process exited") from e

    async def call(self, job: QueryJob) -> Any:
        assert self.proc.stdin is not None
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(_HEADER.pack(len(data)) + data)
            await self.proc.stdin.drain()
        except (ConnectionError, RuntimeError) as e:
            raise WorkerFailed("the worker process exited") from e
        return await self._read()

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None

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


class WorkerPool:
    """A :class:`~policykg.server.executor.QueryExecutor` over the embedded store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.size = 1 if settings.allow_update else settings.workers
        # last in, first out: at low concurrency the same (warm) worker answers, its caches hot
        self._idle: asyncio.Queue[Worker] = asyncio.LifoQueue()
        self._workers: set[Worker] = set()
        self._graphs: tuple[str, ...] = ()
        self._inflight = 0
        self._closing = False
        self._spawning: set[asyncio.Task[None]] = set()
        #: how many workers were killed by the time limit (for tests and logs)
        self.killed = 0

    def named_graphs(self) -> tuple[str, ...]:
        return self._graphs

    async def start(self) -> None:
        results = await asyncio.gather(*(Worker.spawn(self.settings) for _ in range(self.size)),
                                       return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        for r in results:
            if not isinstance(r, BaseException):
                worker, graphs = r
                self._graphs = graphs
                self._workers.add(worker)
                self._idle.put_nowait(worker)
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

    def _replace(self, worker: Worker) -> None:
        """Kill a worker and start another in the background."""
        worker.kill()
        self._workers.discard(worker)
        if self._closing:
            return

        async def respawn() -> None:
            try:
                new, graphs = await Worker.spawn(self.settings)
            except Exception as e:  # retried by the next replacement; logged for the operator
                log.error("could not start a query worker: %s", e)
                await asyncio.sleep(1)
                if not self._closing:
                    self._spawning.add(asyncio.ensure_future(respawn()))
                return
            if self._closing:
                await new.close()
                return
            self._graphs = graphs  # (a new memory copy starts from the store on disk again)
            self._workers.add(new)
            self._idle.put_nowait(new)

        task = asyncio.ensure_future(respawn())
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    async def execute(self, job: QueryJob) -> QueryOutcome:
        settings = self.settings
        if self._inflight >= settings.max_concurrent:
            raise HTTPError(503, "busy", f"{self._inflight} queries are running or waiting (the limit is "
                            f"{settings.max_concurrent}); retry shortly", headers={"Retry-After": "1"})
        self._inflight += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.timeout
        try:
            while True:
                try:
                    worker = await asyncio.wait_for(self._idle.get(), max(0.001, deadline - loop.time()))
                except asyncio.TimeoutError:
                    raise HTTPError(503, "busy", f"no query worker became free within {settings.timeout:g} s; "
                                    "retry shortly", headers={"Retry-After": str(math.ceil(settings.timeout))}) from None
                if worker.alive:
                    break
                self._replace(worker)  # died while idle (killed from outside): never hand it a query
            try:
                reply = await asyncio.wait_for(worker.call(job), max(0.001, deadline - loop.time()))
            except asyncio.TimeoutError:
                self.killed += 1
                self._replace(worker)
                raise HTTPError(503, "timeout", f"the query ran past the {settings.timeout:g} s limit and "
                                "was stopped", message_zh=f"查询超过 {settings.timeout:g} 秒的时限，已终止",
                                headers={"Retry-After": "1"}) from None
            except WorkerFailed:
                self._replace(worker)
                raise HTTPError(500, "internal", "internal server error") from None
            except BaseException:  # cancelled (client went away): the worker's state is unknown
                self._replace(worker)
                raise
            self._idle.put_nowait(worker)
        finally:
            self._inflight -= 1
        status = reply[0]
        if status == "ok":
            if reply[2] is not None:
                self._graphs = reply[2]
            return reply[1]  # type: ignore[no-any-return]
        if status == "syntax":
            raise syntax_error(reply[1])
        log.error("query failed in a worker: %s", reply[1])
        raise HTTPError(500, "internal", "internal server error")


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
