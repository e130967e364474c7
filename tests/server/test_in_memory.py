"""``serve --in-memory``: query workers answering from a copy of the store in memory.

The copy must hold exactly what the store on disk holds (every named graph, the empty ones too: the
protocol's default-graph-uri / named-graph-uri may name them), and the named query library must give the
same answers from it, in the same order. The session's ``server`` fixture runs with the defaults (in
memory: tests/server/test_clients.py compares it with the embedded store); here is the other way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from policykg.queries import QueryRegistry, run
from policykg.server.settings import Settings
from policykg.store import AUTO_MEMORY_MAX_QUADS, EmbeddedStore, use_memory_copy

from ..clirun import cli
from ..test_queries import SAMPLE
from .conftest import Server, running_server
from .test_clients import _normal

LIBRARY = list(QueryRegistry())


@pytest.fixture(scope="module")
def disk_server(store_path: Path) -> Iterator[Server]:
    with running_server(store_path, "--in-memory", "no", "--workers", "2") as s:
        yield s


def test_the_startup_line_says_where_the_workers_read(server: Server, disk_server: Server) -> None:
    """The session's server runs with the defaults: the shipped store is small enough to copy."""
    assert any("(the store in memory)" in line for line in server.stderr)
    assert not any("in memory" in line for line in disk_server.stderr)


def test_the_copy_holds_every_graph_and_quad(store: EmbeddedStore) -> None:
    copy = store.memory_copy()
    assert sorted(g.value for g in copy.named_graphs()) == store.named_graphs()
    for graph, count in store.manifest.graphs.items():
        assert len(list(copy.quads_for_pattern(None, None, None, ox.NamedNode(graph)))) == count, graph
    assert set(copy.quads_for_pattern(None, None, None, None)) == set(store.quads())


def test_empty_named_graphs_are_copied(tmp_path: Path) -> None:
    """A named graph with no triple stays a graph of the copy (an endpoint may be asked for it)."""
    from policykg.store import Manifest, StoreWriter

    writer = StoreWriter(tmp_path)
    writer.store.add_graph(ox.NamedNode("https://example.org/empty"))
    writer.load(b'<https://example.org/s> <https://example.org/p> "1" .', ox.RdfFormat.N_TRIPLES,
                "https://example.org/full")
    writer.commit(Manifest(built_at="", seconds=0, sources={}, graphs={"https://example.org/full": 1}, triples=1,
                           policykg_version=""))
    copy = EmbeddedStore(tmp_path).memory_copy()
    assert sorted(g.value for g in copy.named_graphs()) == ["https://example.org/empty", "https://example.org/full"]


@pytest.mark.parametrize("query", LIBRARY, ids=[q.id for q in LIBRARY])
def test_named_queries_answer_alike_on_disk_and_in_memory(store: EmbeddedStore, query: Any) -> None:
    """Same rows in the same order: every ORDER BY is total and every GROUP_CONCAT joins sorted values, so the
    answer does not depend on a store's index order (the copy in memory iterates in another order than
    RocksDB, and so may any other SPARQL store)."""
    params = {p.name: SAMPLE[p.name] for p in query.parameters if p.required}
    on_disk = run(store, query, params=params)
    assert on_disk.kind == "ask" or _normal(on_disk), f"{query.id} answers nothing: the comparison would prove nothing"
    assert _normal(run(_Copy(store), query, params=params)) == _normal(on_disk)


class _Copy:
    """The store's memory copy behind the embedded store's query interface."""

    _copies: dict[Path, ox.Store] = {}

    def __init__(self, store: EmbeddedStore) -> None:
        if store.root not in self._copies:
            self._copies[store.root] = store.memory_copy()
        self.ox = self._copies[store.root]

    def query(self, sparql: str, *, substitutions: Any = None, default_graph_as_union: bool = True) -> Any:
        return self.ox.query(sparql, substitutions=substitutions, use_default_graph_as_union=default_graph_as_union)


@pytest.mark.parametrize("query", LIBRARY, ids=[q.id for q in LIBRARY])
def test_named_queries_through_a_server_on_disk(disk_server: Server, store: EmbeddedStore, query: Any) -> None:
    """``--in-memory no`` (the workers read RocksDB) answers as the embedded store does."""
    from policykg.remote import RemoteStore

    params = {p.name: SAMPLE[p.name] for p in query.parameters if p.required}
    local = run(store, query, params=params)
    remote = run(RemoteStore(disk_server.sparql), query, params=params)
    assert (remote.kind, remote.variables) == (local.kind, local.variables)
    assert _normal(remote) == _normal(local)


def test_auto_copies_up_to_the_limit() -> None:
    assert use_memory_copy("auto", AUTO_MEMORY_MAX_QUADS) and not use_memory_copy("auto", AUTO_MEMORY_MAX_QUADS + 1)
    assert use_memory_copy("yes", 10 * AUTO_MEMORY_MAX_QUADS) and not use_memory_copy("no", 1)


def test_the_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({"POLICYKG_IN_MEMORY": "true"}).in_memory == "yes"
    assert Settings.from_env({"POLICYKG_IN_MEMORY": "Auto"}).in_memory == "auto"
    assert Settings.from_env({}).in_memory == "auto"


def test_a_bad_value_is_one_line_and_exit_2(store_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = cli(capsys, monkeypatch, "serve", "--store", str(store_path), "--no-rebuild", "--port", "0",
                       "--in-memory", "sometimes")
    assert code == 2
    assert err.strip().count("\n") == 0 and "in_memory" in err and "sometimes" in err
    monkeypatch.setenv("POLICYKG_IN_MEMORY", "sometimes")
    code, _, err = cli(capsys, monkeypatch, "serve", "--store", str(store_path), "--no-rebuild", "--port", "0")
    assert code == 2 and err.strip().count("\n") == 0 and "POLICYKG_IN_MEMORY" in err
