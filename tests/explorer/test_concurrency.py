"""Pages ask several queries at once, but never take more of the executor's slots than there are workers."""

from __future__ import annotations

import asyncio

import pyoxigraph as ox

from policykg.server.executor import QueryJob, QueryOutcome
from policykg.server.settings import Settings

from .conftest import InProcessExecutor, make_client


class Counting(InProcessExecutor):
    def __init__(self, store: ox.Store) -> None:
        super().__init__(store)
        self.running = 0
        self.most = 0

    async def execute(self, job: QueryJob) -> QueryOutcome:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(0.002)  # let other requests interleave
            return await super().execute(job)
        finally:
            self.running -= 1


def test_concurrent_pages_stay_within_the_workers(ox_store: ox.Store) -> None:
    client, _ = make_client(ox_store, Settings(workers=2, max_concurrent=8))
    counting = Counting(ox_store)
    explorer = client.http._transport.app.ctx.state["policykg.explorer"]  # type: ignore[attr-defined]
    explorer.queries.executor = counting
    paths = ["/", "/id/doc/qingzhengfa-2012-46/article/5", "/id/agency/finance-bureau",
             "/id/doc/qingzhengfa-2012-46/measure/5-reduced-rate", "/network", "/search?q=担保"]

    async def load() -> list[int]:
        responses = await asyncio.gather(*(client.http.get(p, headers={"accept": "text/html"}) for p in paths * 2))
        return [r.status_code for r in responses]

    try:
        assert client.loop.run_until_complete(load()) == [200] * (2 * len(paths))
        assert 1 < counting.most <= 2
    finally:
        client.close()
