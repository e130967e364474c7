"""Comparing what two stores answer: W3C SPARQL JSON for tables, canonicalised datasets for graphs."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from policykg.queries import NamedQuery, QueryRegistry
from policykg.results import QueryResult, to_json

_ORDER_BY = re.compile(r"\bORDER\s+BY\b(.*)$", re.I | re.S)


@dataclass(frozen=True)
class Case:
    """One run of a named query: its id and parameters."""

    query: NamedQuery
    params: dict[str, str]

    @property
    def id(self) -> str:
        args = ",".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.query.id}[{args}]" if args else self.query.id


def _example_params(example: str) -> dict[str, str]:
    words = shlex.split(example)
    params: dict[str, str] = {}
    for flag, value in zip(words, words[1:]):
        if flag in ("--param", "-p"):
            name, _, val = value.partition("=")
            params[name] = val
    return params


def library_cases(registry: QueryRegistry | None = None) -> list[Case]:
    """Every named query with its documented examples: the ``# example:`` lines, each ``e.g. VALUE`` of a
    parameter's documentation, and the defaults alone where no parameter is required."""
    cases: dict[str, Case] = {}
    for q in registry or QueryRegistry():
        examples = [_example_params(e) for e in q.examples]
        required = {p.name for p in q.parameters if p.required}
        base = next((e for e in examples if required <= set(e)), None)
        runs = list(examples)
        if not required:
            runs.append({})
        for p in q.parameters:
            for m in re.finditer(r"e\.g\. (\S+)", p.doc):
                if base is not None or not required - {p.name}:
                    runs.append({**(base or {}), p.name: m.group(1).rstrip(".,;")})
        for params in runs:
            case = Case(q, params)
            cases.setdefault(case.id, case)
    return list(cases.values())


def order_keys(query_text: str, variables: tuple[str, ...]) -> list[str] | None:
    """The variables the query orders by (None when it has no ORDER BY)."""
    body = "\n".join(line for line in query_text.splitlines() if not line.lstrip().startswith("#"))
    m = _ORDER_BY.search(body)
    if m is None:
        return None
    return re.findall(r"[?$](\w+)", m.group(1))


def _row(binding: dict[str, Any]) -> str:
    # blank node labels are store-specific: compare their places, not their labels
    plain = {k: ({"type": "bnode"} if v.get("type") == "bnode" else v) for k, v in binding.items()}
    return json.dumps(plain, sort_keys=True, ensure_ascii=False)


def comparable(result: QueryResult, query_text: str) -> Any:
    """What must be equal between two stores: the W3C JSON results, rows sorted where SPARQL leaves the
    order open (no ORDER BY, or among rows tied on every ORDER BY key when all of them are projected;
    rows ordered by an unprojected variable must come in the same order), graphs canonicalised."""
    if result.kind == "graph":
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in result.triples)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return sorted(str(q) for q in dataset)
    doc = to_json(result)
    if result.kind == "ask":
        return doc
    bindings = doc["results"]["bindings"]
    keys = order_keys(query_text, result.variables)
    if keys is None:
        rows: list[Any] = sorted(_row(b) for b in bindings)
    elif not set(keys) <= set(result.variables):
        rows = [_row(b) for b in bindings]
    else:
        rows = []  # runs of rows tied on the ORDER BY keys, in order; each run as a sorted list
        for b in bindings:
            key = [_row({k: b[k]}) if k in b else None for k in keys]
            if rows and rows[-1][0] == key:
                rows[-1][1].append(_row(b))
            else:
                rows.append((key, [_row(b)]))
        rows = [(key, sorted(run)) for key, run in rows]
    return {"vars": doc["head"]["vars"], "rows": rows}
