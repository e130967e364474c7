"""``serve --in-memory``: query workers answering from a copy of the store in memory.

The copy must hold exactly what the store on disk holds (every named graph, the empty ones too: the
protocol's default-graph-uri / named-graph-uri may name them), and the named query library must give the
same answers through it. Only what SPARQL leaves open may differ: the order of rows an ORDER BY leaves
tied, and the order of the values GROUP_CONCAT joins (both follow the store's index order).
"""

from __future__ import annotations

import re
from collections import Counter
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

LIBRARY = list(QueryRegistry())


@pytest.fixture(scope="module")
def memory_server(store_path: Path) -> Iterator[Server]:
    with running_server(store_path, "--in-memory", "yes", "--workers", "2") as s:
        yield s


def test_the_startup_line_says_the_store_is_in_memory(memory_server: Server) -> None:
    assert any("(the store in memory)" in line for line in memory_server.stderr)


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


def _canonical(result: Any, text: str) -> Counter[tuple[str, ...]]:
    """Rows as a multiset, each value a GROUP_CONCAT of the query ``text`` may have joined as its sorted parts."""
    separators = re.findall(r'separator\s*=\s*"([^"]+)"', text)
    joined = re.compile("|".join(re.escape(s) for s in separators)) if separators else None

    def cell(term: Any) -> str:
        value = "" if term is None else str(term.value)
        return "\x00".join(sorted(joined.split(value))) if joined else value

    if result.kind == "graph":
        return Counter((str(t),) for t in result.triples)
    return Counter(tuple(cell(row.get(v)) for v in result.variables) for row in result.rows)


@pytest.mark.parametrize("query", LIBRARY, ids=[q.id for q in LIBRARY])
def test_named_queries_answer_the_same_from_memory(memory_server: Server, store: EmbeddedStore, query: Any) -> None:
    from policykg.remote import RemoteStore

    params = {p.name: SAMPLE[p.name] for p in query.parameters if p.required}
    local = run(store, query, params=params)
    remote = run(RemoteStore(memory_server.sparql), query, params=params)
    assert (remote.kind, remote.variables) == (local.kind, local.variables)
    assert _canonical(remote, query.text) == _canonical(local, query.text)
    assert local.kind == "ask" or _canonical(local, query.text), f"{query.id} answers nothing: the comparison would prove nothing"


def test_auto_copies_up_to_the_limit() -> None:
    assert use_memory_copy("auto", AUTO_MEMORY_MAX_QUADS) and not use_memory_copy("auto", AUTO_MEMORY_MAX_QUADS + 1)
    assert use_memory_copy("yes", 10 * AUTO_MEMORY_MAX_QUADS) and not use_memory_copy("no", 1)


def test_the_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({"POLICYKG_IN_MEMORY": "true"}).in_memory == "yes"
    assert Settings.from_env({"POLICYKG_IN_MEMORY": "Auto"}).in_memory == "auto"
    assert Settings.from_env({}).in_memory == "no"


def test_a_bad_value_is_one_line_and_exit_2(store_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = cli(capsys, monkeypatch, "serve", "--store", str(store_path), "--no-rebuild", "--port", "0",
                       "--in-memory", "sometimes")
    assert code == 2
    assert err.strip().count("\n") == 0 and "in_memory" in err and "sometimes" in err
    monkeypatch.setenv("POLICYKG_IN_MEMORY", "sometimes")
    code, _, err = cli(capsys, monkeypatch, "serve", "--store", str(store_path), "--no-rebuild", "--port", "0")
    assert code == 2 and err.strip().count("\n") == 0 and "POLICYKG_IN_MEMORY" in err
