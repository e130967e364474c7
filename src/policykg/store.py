"""The graph store: an embedded, on-disk pyoxigraph store with atomic rebuilds.

Layout of a store folder (``--store PATH``, ``POLICYKG_STORE``, or the user data folder)::

    PATH/
      CURRENT            name of the live version folder (replaced atomically)
      v-<stamp>/         a complete pyoxigraph store + manifest.json
      tmp-<stamp>/       a build in progress (removed when a later build starts)

A build writes a new version folder and only then replaces ``CURRENT``; a build killed half-way
leaves the previous version live. Readers open the version ``CURRENT`` names, read-only.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox
from platformdirs import user_data_dir

from .errors import StoreError

CURRENT = "CURRENT"
MANIFEST = "manifest.json"

#: ``serve --in-memory auto`` (the default) holds a copy of the store in memory in each query worker up
#: to this many quads (pyoxigraph's memory store takes about 0.6 GB per million quads)
AUTO_MEMORY_MAX_QUADS = 2_000_000
MEMORY_MODES = ("auto", "yes", "no")


def use_memory_copy(mode: str, quads: int) -> bool:
    """Whether ``serve --in-memory MODE`` holds a store of ``quads`` quads in memory."""
    return mode == "yes" or (mode == "auto" and quads <= AUTO_MEMORY_MAX_QUADS)


def default_store_path() -> Path:
    """The store folder used when none is given: ``POLICYKG_STORE`` or the user data folder."""
    env = os.environ.get("POLICYKG_STORE")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("policykg", appauthor=False)) / "store"


@dataclass(frozen=True)
class Manifest:
    """What a built store holds: its sources (with content hashes) and counts per graph."""

    built_at: str
    seconds: float
    sources: dict[str, str]
    graphs: dict[str, int]
    triples: int
    policykg_version: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "built_at": self.built_at,
            "seconds": self.seconds,
            "sources": self.sources,
            "graphs": self.graphs,
            "triples": self.triples,
            "policykg_version": self.policykg_version,
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            built_at=data["built_at"],
            seconds=float(data["seconds"]),
            sources=dict(data["sources"]),
            graphs={k: int(v) for k, v in data["graphs"].items()},
            triples=int(data["triples"]),
            policykg_version=data.get("policykg_version", ""),
            extra=dict(data.get("extra", {})),
        )


class BuildInProgress(StoreError):
    """Another process holds the build lock of this store."""


def wait_for_build(root: Path, *, timeout: float = 600.0) -> None:
    """Block until no build of the store at ``root`` is running (or raise StoreError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    with open(root / ".lock", "w") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise StoreError(f"a build of {root} has been running for more than {timeout:.0f} s") from None
                time.sleep(0.1)


class StoreWriter:
    """A new store version being built; :meth:`commit` makes it live atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the store folder {root}: {e}") from e
        self._lock = open(root / ".lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            self._lock.close()
            raise BuildInProgress(f"another build of {root} is running") from e
        _remove_stale_builds(root)
        stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.name = f"v-{stamp}"
        self.tmp = root / f"tmp-{stamp}"
        try:
            self.tmp.mkdir()
            self.store = ox.Store(str(self.tmp / "oxigraph"))
        except OSError as e:
            raise StoreError(f"cannot create a store in {self.tmp}: {e}") from e

    def load(self, data: bytes, fmt: ox.RdfFormat, graph: str) -> None:
        """Bulk-load serialised RDF into the named graph ``graph``."""
        try:
            self.store.bulk_load(data, format=fmt, to_graph=ox.NamedNode(graph))
        except (SyntaxError, ValueError, OSError) as e:
            raise StoreError(f"cannot load graph {graph}: {e}") from e

    def count(self, graph: str) -> int:
        result = self.store.query(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            substitutions=None,
            named_graphs=[ox.NamedNode(graph)],
        )
        for solution in result:  # type: ignore[union-attr]
            return int(solution["n"].value)
        return 0

    def commit(self, manifest: Manifest) -> Path:
        """Flush, write the manifest, and make this version the live one."""
        self.store.flush()
        self.store.optimize()
        del self.store
        _write_atomic(self.tmp / MANIFEST, json.dumps(manifest.to_json(), ensure_ascii=False, indent=1))
        final = self.root / self.name
        os.replace(self.tmp, final)
        # the previous version stays on disk until the next build, so that readers that opened
        # it before this commit can finish
        _write_atomic(self.root / CURRENT, self.name + "\n")
        self._unlock()
        return final

    def abort(self) -> None:
        """Throw the unfinished build away (the live version is untouched)."""
        try:
            del self.store
        except AttributeError:
            pass
        shutil.rmtree(self.tmp, ignore_errors=True)
        self._unlock()

    def _unlock(self) -> None:
        if not self._lock.closed:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _current_name(root: Path) -> str | None:
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def _remove_stale_builds(root: Path) -> None:
    """Remove unfinished builds (killed) and versions older than the live one."""
    live = _current_name(root)
    for child in root.iterdir():
        if child.name.startswith("tmp-") or (child.name.startswith("v-") and child.name != live):
            shutil.rmtree(child, ignore_errors=True)


def live_version(root: Path) -> Path | None:
    """The live version folder of a store, or None if the store has never been built."""
    name = _current_name(root)
    if name is None:
        return None
    path = root / name
    if not (path / MANIFEST).is_file():
        return None
    return path


@runtime_checkable
class ReadableStore(Protocol):
    """What readers of the graph rely on: SPARQL over the union of the named graphs, answered with
    pyoxigraph's result objects (QuerySolutions, QueryBoolean, QueryTriples). Satisfied by
    :class:`EmbeddedStore` and :class:`policykg.remote.RemoteStore` (any SPARQL 1.1 endpoint)."""

    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[ox.Variable, Any] | None = None,
        default_graph_as_union: bool = True,
    ) -> Any: ...


class EmbeddedStore:
    """A built store, opened read-only. Queries see the union of all named graphs by default."""

    def __init__(self, root: Path) -> None:
        self.root = root
        version = live_version(root)
        if version is None:
            raise StoreError(f"no built store at {root}; run `policykg build`")
        self.version = version
        try:
            self.manifest = Manifest.from_json(json.loads((version / MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as e:
            raise StoreError(f"the store manifest in {version} is unreadable: {e}") from e
        try:
            self.ox = ox.Store.read_only(str(version / "oxigraph"))
        except OSError as e:
            raise StoreError(f"cannot open the store at {version}: {e}") from e

    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[ox.Variable, Any] | None = None,
        default_graph_as_union: bool = True,
    ) -> Any:
        """Run a SPARQL query with pyoxigraph; raises SyntaxError for malformed queries."""
        return self.ox.query(
            sparql,
            substitutions=substitutions,
            use_default_graph_as_union=default_graph_as_union,
        )

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs())

    def memory_copy(self) -> ox.Store:
        """A copy of the store in pyoxigraph's in-memory store: queries run 2–9 times faster than on
        RocksDB (docs/endpoint.md), at the cost of memory (about 0.6 GB per million quads) and the copy
        (about 0.2 s for the shipped corpus, 9 s for a million quads). Updates to it never reach the disk."""
        copy = ox.Store()
        for graph in self.ox.named_graphs():  # empty named graphs too
            copy.add_graph(graph)
        copy.extend(self.ox.quads_for_pattern(None, None, None, None))
        return copy

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        target = ox.NamedNode(graph) if graph else None
        return iter(self.ox.quads_for_pattern(None, None, None, target))

    def dump(self, fmt: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> bytes:
        out = self.ox.dump(format=fmt)
        assert out is not None
        return out
