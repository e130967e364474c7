"""Fixtures of the endpoint tests: the real ``policykg serve`` process on a free loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from policykg.server.run import parse_ready_line

W3C = Path(__file__).resolve().parent.parent / "w3c"


@dataclass
class Server:
    """A running ``policykg serve`` process."""

    url: str  # base URL, ends with /
    proc: subprocess.Popen[str]
    stderr: list[str] = field(default_factory=list)

    @property
    def sparql(self) -> str:
        return self.url + "sparql"

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kw)  # type: ignore[arg-type]

    def workers(self) -> set[int]:
        """Process ids of the server's child processes (its query workers)."""
        children: set[int] = set()
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            text = (task / "children").read_text()
            children |= {int(p) for p in text.split()}
        return children


@contextmanager
def running_server(store: Path, *args: str, env: dict[str, str] | None = None,
                   startup: float = 60.0) -> Iterator[Server]:
    """Start ``python -m policykg serve --port 0 --no-rebuild ARGS`` on ``store``; stop it afterwards."""
    environ = {**os.environ, "POLICYKG_STORE": str(store), **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "policykg", "serve", "--port", "0", "--no-rebuild", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environ)
    lines: list[str] = []
    ready = threading.Event()
    url: list[str] = []

    def drain() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            found = parse_ready_line(line)
            if found and not url:
                url.append(found)
                ready.set()
        ready.set()

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    try:
        if not ready.wait(startup) or not url:
            proc.kill()
            raise RuntimeError(f"policykg serve did not start: {''.join(lines)}")
        yield Server(url[0], proc, lines)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        thread.join(5)


@pytest.fixture(scope="session")
def server(store_path: Path) -> Iterator[Server]:
    """The endpoint over the session's built store, default settings."""
    with running_server(store_path) as s:
        yield s


def wait_until(predicate, timeout: float = 10.0, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
