"""Fixtures of the explorer's unit tests: the real app (SPARQL endpoint + explorer routes) over the
session's built store, with an in-process executor that runs each job exactly as a worker process does
(:func:`policykg.server.worker.run`), driven through httpx's ASGI transport on one event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from policykg.server.app import ROUTE_PROVIDERS, create_app
from policykg.server.executor import QueryJob, QueryOutcome
from policykg.server.settings import Settings
from policykg.server.worker import graphs, run
from policykg.store import EmbeddedStore

PROVIDERS = ROUTE_PROVIDERS  # the explorer as served, with the endpoint and the JSON API it links to
#: what a browser sends
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class InProcessExecutor:
    """A QueryExecutor over an open pyoxigraph store, in this process (no wall-clock limit)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.jobs: list[QueryJob] = []

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def named_graphs(self) -> tuple[str, ...]:
        return graphs(self.store)

    async def execute(self, job: QueryJob) -> QueryOutcome:
        self.jobs.append(job)
        return run(self.store, job)


class Client:
    """Synchronous requests to an ASGI app on one private event loop."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://explorer.test")

    def get(self, path: str, accept: str = BROWSER, **kw: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.get(path, headers={"accept": accept}, **kw))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


def make_client(store: ox.Store, settings: Settings | None = None) -> tuple[Client, InProcessExecutor]:
    executor = InProcessExecutor(store)
    app = create_app(settings or Settings(), executor=executor, providers=PROVIDERS)
    return Client(app), executor


@pytest.fixture(scope="session")
def ox_store(store_path: Path) -> ox.Store:
    return EmbeddedStore(store_path).ox


@pytest.fixture(scope="session")
def client(ox_store: ox.Store) -> Iterator[Client]:
    c, _ = make_client(ox_store)
    yield c
    c.close()
