"""The store is built atomically: a failed or killed build leaves the previous version usable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from policykg import build as build_mod
from policykg.errors import StoreError
from policykg.store import EmbeddedStore, live_version


def _count(path: Path) -> int:
    return EmbeddedStore(path).manifest.triples


def test_build_reports_graphs_and_triples(store: EmbeddedStore) -> None:
    m = store.manifest
    assert m.triples == sum(m.graphs.values()) > 5000
    kinds = {g.split("/graph/")[1].split("/")[0] for g in m.graphs}
    assert {"ontology", "data", "text", "standard", "shapes", "inferred"} <= kinds
    assert set(store.named_graphs()) == {g for g, n in m.graphs.items() if n > 0}


def test_failed_build_keeps_previous_version(tmp_path: Path) -> None:
    build_mod.build(tmp_path)
    before = live_version(tmp_path)
    triples = _count(tmp_path)

    def explode(msg: str) -> None:
        if msg == "inferences":
            raise RuntimeError("simulated failure half-way")

    with pytest.raises(RuntimeError):
        build_mod.build(tmp_path, progress=explode)
    assert live_version(tmp_path) == before
    assert _count(tmp_path) == triples
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("tmp-")]


def test_killed_build_keeps_previous_version(tmp_path: Path) -> None:
    build_mod.build(tmp_path)
    before = live_version(tmp_path)
    triples = _count(tmp_path)
    # a real process killed with SIGKILL in the middle of loading (no cleanup can run)
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from policykg.build import build\n"
        "def kill(msg):\n"
        "    if msg.startswith('ingest'):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "build(Path(sys.argv[1]), progress=kill)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert [p for p in tmp_path.iterdir() if p.name.startswith("tmp-")], "the killed build left its temp folder"
    assert live_version(tmp_path) == before
    assert _count(tmp_path) == triples
    # the next build cleans up what the killed one left
    build_mod.build(tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("tmp-")]
    assert _count(tmp_path) == triples


def test_open_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no built store"):
        EmbeddedStore(tmp_path / "nowhere")


def test_open_store_builds_on_first_use(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    assert build_mod.is_stale(root)
    store = build_mod.open_store(root)
    assert store.manifest.triples > 0
    assert not build_mod.is_stale(root)


def test_concurrent_build_is_refused(tmp_path: Path) -> None:
    from policykg.store import StoreWriter

    first = StoreWriter(tmp_path)
    try:
        with pytest.raises(StoreError, match="another build"):
            StoreWriter(tmp_path)
    finally:
        first.abort()
    StoreWriter(tmp_path).abort()  # the lock was released
    assert os.listdir(tmp_path) == [".lock"]


def test_commands_started_together_share_one_build(tmp_path: Path) -> None:
    """Two processes opening a missing store at once: one builds, the other waits and uses it."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from policykg.build import open_store\n"
        "print(open_store(Path(sys.argv[1])).manifest.triples)\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "s")], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    assert outs[0][0] == outs[1][0] and int(outs[0][0]) > 0
