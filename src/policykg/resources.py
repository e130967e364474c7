"""Where the shipped ontology, data, queries and shapes are.

In a source checkout (or an editable install) they are the top-level folders of the repository;
a regular ``pip install .`` copies them to ``{sys.prefix}/share/policykg``. ``POLICYKG_HOME``
overrides both (a folder holding ``ontology/``, ``data/``, ``queries/``, ``shapes/``).
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

from .errors import ConfigError

_MARKERS = ("ontology", "data", "queries", "shapes")


def _is_home(path: Path) -> bool:
    return all((path / m).is_dir() for m in _MARKERS)


@lru_cache(maxsize=None)
def home() -> Path:
    """The folder holding ontology/, data/, queries/ and shapes/.

    Raises:
        ConfigError: if no such folder can be found.
    """
    env = os.environ.get("POLICYKG_HOME")
    if env:
        path = Path(env).expanduser().resolve()
        if not _is_home(path):
            raise ConfigError(f"POLICYKG_HOME={env} does not hold {', '.join(_MARKERS)}")
        return path
    here = Path(__file__).resolve()
    for parent in here.parents:
        if _is_home(parent) and (parent / "pyproject.toml").is_file():
            return parent
    shared = Path(sys.prefix) / "share" / "policykg"
    if _is_home(shared):
        return shared
    raise ConfigError(
        "cannot find the policykg resources (ontology/, data/, queries/, shapes/); "
        "set POLICYKG_HOME to a checkout of the repository"
    )


def ontology_dir() -> Path:
    return home() / "ontology"


def data_dir() -> Path:
    return home() / "data"


def queries_dir() -> Path:
    return home() / "queries"


def shapes_dir() -> Path:
    return home() / "shapes"


def sources_dir() -> Path:
    """Original texts, byte for byte."""
    return data_dir() / "sources"
