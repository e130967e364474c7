"""`policykg serve` as a command: bad settings are one line and exit 2, a missing store is built first,
and the workers never outlive the server (stopped or killed)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import running_server, wait_until


def serve(*args: str, store: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policykg", "serve", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "POLICYKG_STORE": str(store)})


@pytest.mark.parametrize("args, message", [
    (["--port", "70000"], "port 70000 is not between 0 and 65535"),
    (["--port", "0", "--timeout", "0"], "timeout must be positive"),
    (["--port", "0", "--allow-update"], "--allow-update needs --update-token"),
    (["--port", "0", "--no-rebuild"], "no built store at"),
])
def test_bad_settings_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = serve(*args, store=tmp_path / "none")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert done.stderr.startswith("policykg: error: ")


def test_a_busy_port_is_one_line(store_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = serve("--port", str(port), "--no-rebuild", store=store_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"policykg: error: cannot listen on 127.0.0.1:{port}") and done.stderr.count("\n") == 1


def test_environment_settings_apply(store_path: Path) -> None:
    with running_server(store_path, env={"POLICYKG_MAX_ROWS": "3"}) as s:
        r = httpx.get(s.sparql, params={"query": "SELECT * { ?s ?p ?o } LIMIT 10"}, timeout=30)
        assert len(r.json()["results"]["bindings"]) == 3 and r.json()["truncated"] is True


def test_a_missing_store_is_built_first(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "policykg", "serve", "--port", "0"], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, "POLICYKG_STORE": str(tmp_path / "store")})
    try:
        assert proc.stderr is not None
        line = ""
        while not line.startswith("serving on "):
            line = proc.stderr.readline()
            assert line, "the server exited"
        url = line.split()[2]
        assert httpx.get(url + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30).json()["boolean"] is True
        assert (tmp_path / "store" / "CURRENT").is_file()
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_workers_never_outlive_the_server(store_path: Path, how: signal.Signals) -> None:
    with running_server(store_path, "--workers", "2") as s:
        assert wait_until(lambda: len(s.workers()) == 2)
        workers = s.workers()
        s.proc.send_signal(how)
        s.proc.wait(10)
        if how is not signal.SIGKILL:
            # graceful shutdown, then uvicorn re-raises the signal: SIGTERM ends the process by it,
            # Ctrl-C is the CLI's "interrupted" line and exit 130
            assert s.proc.returncode == {signal.SIGTERM: -signal.SIGTERM, signal.SIGINT: 130}[how]
            assert not any("Traceback" in line for line in s.stderr)
        # a killed server's workers see their stdin close and exit
        assert wait_until(lambda: not any(Path(f"/proc/{pid}").exists() and
                                          "zombie" not in _state(pid) for pid in workers), 10)


def _state(pid: int) -> str:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "zombie"
    return "zombie" if "\nState:\tZ" in text else "running"
