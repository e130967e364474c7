"""`policykg draft check --endpoint`: the same structure and reference findings from an external SPARQL
store (Oxigraph server, filled by push) as from the embedded store."""

from __future__ import annotations

import pytest

from policykg.drafts import check
from policykg.drafts.model import REFERENCE_KINDS, STRUCTURE_KINDS
from policykg.remote import RemoteStore
from policykg.store import EmbeddedStore
from tests.data import FIXTURES

MINE = set(STRUCTURE_KINDS) | set(REFERENCE_KINDS)


@pytest.mark.parametrize("name", ["references-dangling.txt", "references-expired.txt", "mixed-turtle.ttl",
                                  "structure-empty.txt", "clean-services.txt"])
def test_remote_store_gives_the_same_findings(name: str, store: EmbeddedStore, oxigraph_remote_store: RemoteStore) -> None:
    path = FIXTURES / "drafts" / name
    embedded = [f for f in check(path, store).to_json()["findings"] if f["kind"] in MINE]
    remote = [f for f in check(path, oxigraph_remote_store).to_json()["findings"] if f["kind"] in MINE]
    assert remote == embedded
    assert embedded or name.startswith("clean")
