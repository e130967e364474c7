"""A pytest plugin running the YAML eligibility cases of this folder (issue 3, item 10; issue 4).

pytest's "non-python tests" pattern: :func:`pytest_collect_file` turns every ``*.yaml`` file here into a
:class:`CaseFile`, which yields one item per case and store:

- ``{case}[embedded]`` decides the case with an :class:`~policykg.eligibility.engine.Engine` over the
  session's embedded store (the ``store`` fixture of tests/conftest.py) and checks the expectations;
- ``{case}[remote]`` decides it with an Engine over the Oxigraph server holding the same quads
  (``oxigraph_remote_store`` of tests/external/oxigraph_server.py), checks the expectations, and asserts
  that the decision's JSON is identical to the embedded one. Without the oxigraph binary the fixture
  skips these items (fails them under POLICYKG_REQUIRE_OXIGRAPH=1, as in CI), exactly as it does the
  tests of tests/external/.

The items are :class:`pytest.Function` subclasses (built with ``callobj``, the public constructor
arguments) rather than bare :class:`pytest.Item`, because a bare item cannot request fixtures; the engines
are session fixtures, built once per store. A failed expectation is reported by :meth:`CaseItem.repr_failure`
as the case's file and line, each mismatch on its own line, and a summary of the decision — no traceback.
A case with ``xfail: "reason"`` is marked ``xfail(strict=True, raises=CaseFailure)``: it must fail on its
expectations (an engine that starts to agree with the article makes it XPASS, which fails the run), and
any other error, or a remote decision that differs from the embedded one, still fails.

The format is in casefile.py and docs/eligibility.md; test_coverage.py checks that the cases cover every
benefit, every validity boundary and every non-cumulation group.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policykg.eligibility.engine import Engine
from policykg.eligibility.profiles import profile_from_mapping
from policykg.remote import RemoteStore
from policykg.store import EmbeddedStore
from tests.eligibility.cases.casefile import Case, CaseFormatError, check, describe, load


STORES = ("embedded", "remote")


@pytest.fixture(scope="session")
def case_engine_embedded(store: EmbeddedStore) -> Engine:
    """The engine over the session's embedded store (built once)."""
    return Engine.from_store(store)


@pytest.fixture(scope="session")
def case_engine_remote(oxigraph_remote_store: RemoteStore) -> Engine:
    """The engine over the Oxigraph server the session's store was pushed into (built once)."""
    return Engine.from_store(oxigraph_remote_store)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CaseFile | None:
    if file_path.suffix == ".yaml":
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    """A YAML file of eligibility cases."""

    def collect(self) -> Iterator[CaseItem]:
        try:
            cases = load(self.path)
        except CaseFormatError as e:
            raise self.CollectError(str(e)) from None
        for case in cases:
            for kind in STORES:
                item = CaseItem.from_parent(self, name=f"{case.name}[{kind}]", callobj=_CALLOBJ[kind], case=case,
                                            kind=kind)
                if case.xfail:
                    item.add_marker(pytest.mark.xfail(reason=case.xfail, strict=True, raises=CaseFailure))
                yield item


class CaseFailure(AssertionError):
    """The decision differs from what the case expects."""

    def __init__(self, case: Case, kind: str, mismatches: list[str], doc: dict[str, Any]) -> None:
        super().__init__("\n".join(mismatches))
        self.case, self.kind, self.mismatches, self.doc = case, kind, mismatches, doc


class StoreMismatch(AssertionError):
    """The remote store's decision differs from the embedded store's."""


# The fixtures an item uses are read from the signature of its callobj (never called: runtest decides).
def _embedded_case(case_engine_embedded: Engine) -> None:
    raise AssertionError("not called")


def _remote_case(case_engine_embedded: Engine, case_engine_remote: Engine) -> None:
    raise AssertionError("not called")


_CALLOBJ = {"embedded": _embedded_case, "remote": _remote_case}


def _decide(engine: Engine, case: Case) -> dict[str, Any]:
    profile = profile_from_mapping(case.profile, location=f"{case.where}.profile")
    return engine.decide(profile, case.as_of).to_json()


class CaseItem(pytest.Function):
    """One case against one store."""

    def __init__(self, *, case: Case, kind: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.kind = kind

    def runtest(self) -> None:
        case = self.case
        doc = _decide(self.funcargs[f"case_engine_{self.kind}"], case)  # type: ignore[arg-type]
        if self.kind == "remote":
            embedded = _decide(self.funcargs["case_engine_embedded"], case)  # type: ignore[arg-type]
            if doc != embedded:
                a = json.dumps(embedded, ensure_ascii=False, indent=1, sort_keys=True).splitlines()
                b = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).splitlines()
                first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                raise StoreMismatch(f"{case.where} ({case.name}): the remote store decides differently from the "
                                    f"embedded one; first difference at line {first + 1} of the JSON:\n"
                                    f"  embedded: {a[first] if first < len(a) else '<end>'}\n"
                                    f"  remote:   {b[first] if first < len(b) else '<end>'}")
        mismatches = check(doc, case.expect)
        if mismatches:
            raise CaseFailure(case, self.kind, mismatches, doc)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:  # type: ignore[override]
        err = excinfo.value
        if isinstance(err, CaseFailure):
            case = err.case
            lines = [f"case {case.name} ({case.path.name}, line {case.line}), as of {case.as_of.isoformat()}, "
                     f"{err.kind} store:"]
            lines += [f"  ✗ {m}" for m in err.mismatches]
            lines += ["decision:"] + [f"  {x}" for x in describe(err.doc).splitlines()]
            return "\n".join(lines)
        if isinstance(err, StoreMismatch):
            return str(err)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"{self.case.where} {self.case.name} [{self.kind}]"
