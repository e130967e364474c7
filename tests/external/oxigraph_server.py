"""A real Oxigraph server (the ``oxigraph`` package from PyPI) for tests: started on a free loopback port.

Fixtures (session-scoped; import them into a conftest.py to use them elsewhere)::

    oxigraph_server        an empty read-write server with --union-default-graph: .endpoint, .graph_store, .url
    oxigraph_remote_store  a RemoteStore on that server, after `push` of the session's built store

The binary is looked up next to the Python interpreter (the venv's bin/) and then on PATH. Without it
the fixtures skip, unless POLICYKG_REQUIRE_OXIGRAPH=1 (set by .ci/run), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from policykg.remote import PushReport, RemoteStore, push
from policykg.store import EmbeddedStore


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("oxigraph")


def _missing(reason: str) -> None:
    if os.environ.get("POLICYKG_REQUIRE_OXIGRAPH") == "1":
        pytest.fail(f"{reason} (POLICYKG_REQUIRE_OXIGRAPH=1)")
    pytest.skip(f"{reason}: pip install oxigraph (the test extra does)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class OxigraphServer:
    """A running ``oxigraph serve`` process."""

    process: subprocess.Popen[bytes]
    port: int
    location: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.url}/query"

    @property
    def graph_store(self) -> str:
        return f"{self.url}/store"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_oxigraph(location: Path, *, union_default_graph: bool = True, timeout: float = 30.0) -> OxigraphServer:
    """Start ``oxigraph serve`` (read-write) on a free loopback port and wait until it answers."""
    binary = oxigraph_binary()
    if binary is None:
        _missing("the oxigraph server binary is not installed")
        raise AssertionError("unreachable")
    location.mkdir(parents=True, exist_ok=True)
    log = location.parent / f"{location.name}.log"
    last_error = ""
    for _attempt in range(5):  # the port is free when chosen; another process may take it before the bind
        port = free_port()
        args = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
        if union_default_graph:
            args.append("--union-default-graph")
        with open(log, "ab") as out:
            process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        server = OxigraphServer(process, port, location, log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{server.endpoint}?query=ASK%7B%7D", timeout=2) as response:
                    if response.status == 200:
                        return server
            except (urllib.error.URLError, OSError) as e:
                last_error = str(e)
            time.sleep(0.05)
        server.stop()
        last_error = f"{last_error}; log: {log.read_text(errors='replace')[-500:]}"
    pytest.fail(f"oxigraph serve did not start: {last_error}")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """An empty Oxigraph server, read-write, with the union of the named graphs as default graph."""
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "data")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oxigraph_push_report(oxigraph_server: OxigraphServer, store: EmbeddedStore) -> PushReport:
    """The report of pushing the session's built store into :func:`oxigraph_server`."""
    return push(store, RemoteStore(oxigraph_server.endpoint))


@pytest.fixture(scope="session")
def oxigraph_remote_store(oxigraph_server: OxigraphServer, oxigraph_push_report: PushReport) -> RemoteStore:
    """A RemoteStore over the Oxigraph server holding the same quads as the session's ``store``."""
    return RemoteStore(oxigraph_server.endpoint)
