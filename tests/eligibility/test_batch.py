"""Batch writers (eligibility/batch.py): one record per profile in input order, and progress that counts
every profile exactly once, in chunks no larger than asked."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date

import pytest

from policykg.eligibility.batch import CSV_COLUMNS, write_csv, write_json, write_jsonl
from policykg.eligibility.engine import Engine
from policykg.eligibility.profiles import Profile, profile_from_mapping
from policykg.store import EmbeddedStore

AS_OF = date(2013, 6, 30)
Writer = Callable[..., int]


@pytest.fixture(scope="module")
def engine(store: EmbeddedStore) -> Engine:
    return Engine.from_store(store)


def _profiles(count: int) -> list[Profile]:
    return [profile_from_mapping({"name": f"p{i}", "industry": "retail", "employees": 5 + i % 40,
                                  "annual_revenue": 900000 + 1000 * i, "total_assets": 300000},
                                 location=f"profile {i}") for i in range(count)]


def _names(writer: Writer, text: str) -> list[str]:
    if writer is write_csv:
        rows = list(csv.reader(io.StringIO(text)))
        assert tuple(rows[0]) == CSV_COLUMNS
        return [r[0] for r in rows[1:]]
    if writer is write_jsonl:
        return [json.loads(line)["profile"] for line in text.splitlines()]
    data = json.loads(text)
    return [d["profile"] for d in (data if isinstance(data, list) else [data])]


@pytest.mark.parametrize("writer", [write_csv, write_jsonl, write_json], ids=lambda w: w.__name__)
@pytest.mark.parametrize("count", [0, 1, 2, 7, 250])
def test_every_profile_is_written_and_counted_once(engine: Engine, writer: Writer, count: int) -> None:
    chunks: list[int] = []
    out = io.StringIO()
    profiles = _profiles(count)
    kwargs = {"every": 3} if writer is write_csv else {}
    assert writer(engine, iter(profiles), AS_OF, out, chunks.append, **kwargs) == count
    assert _names(writer, out.getvalue()) == [p.name for p in profiles]
    assert sum(chunks) == count
    largest = {write_csv: 3, write_jsonl: 1000, write_json: 100}[writer]
    assert all(0 < c <= largest for c in chunks)
    # chunks are full but for the last one
    assert all(c == largest for c in chunks[:-1])
