"""Precision and recall of `policykg draft check` over the hand-annotated drafts of tests/fixtures/drafts/.

Each draft ``NAME.txt`` / ``NAME.ttl`` has an annotation ``NAME.expected.json`` written by hand from
reading the draft: the findings a careful reviewer expects, as (kind, article) pairs (article null
for the title, preamble or chapters), with the severity and, where one is due, the suggestion.
A found finding matches an expected one of the same kind and article (as multisets: two expected
numbering findings in article 5 need two found). Precision = matched / found, recall = matched /
expected, per kind and overall; a *false violation* is an unmatched finding of severity violation.
Drafts with no expected finding are the clean negative controls.

    .venv/bin/python benchmarks/draft_quality.py [--store PATH] [--json]

The store is the embedded one (``--store``, else $POLICYKG_STORE or the user data folder; built if
missing). tests/drafts/test_quality.py runs the same computation and asserts recall 1.0 and no false
violation on the clean drafts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "drafts"
SUFFIXES = (".txt", ".ttl")


@dataclass(frozen=True)
class Case:
    """One annotated draft."""

    path: Path
    note: str
    as_of: date | None
    expected: tuple[dict[str, Any], ...]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def clean(self) -> bool:
        return not self.expected


def cases(folder: Path = FIXTURES) -> list[Case]:
    """Every draft of ``folder`` with its annotation (a draft without one is an error)."""
    out = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES):
        annotation = path.with_name(path.stem + ".expected.json")
        if not annotation.is_file():
            raise SystemExit(f"{path}: no annotation {annotation.name}")
        data = json.loads(annotation.read_text(encoding="utf-8"))
        when = date.fromisoformat(data["as_of"]) if data.get("as_of") else None
        out.append(Case(path, data.get("note", ""), when, tuple(data["findings"])))
    return out


@dataclass
class Tally:
    matched: int = 0
    found: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0


@dataclass
class Score:
    per_kind: dict[str, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)
    #: (draft, kind, article, message) of findings no annotation expects
    unexpected: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    #: (draft, kind, article) of expected findings not found
    missed: list[tuple[str, str, str | None]] = field(default_factory=list)
    #: unexpected findings of severity violation on clean drafts
    false_violations_on_clean: list[tuple[str, str, str | None, str]] = field(default_factory=list)


def score(results: list[tuple[Case, list[dict[str, Any]]]]) -> Score:
    """Match found findings (contract JSON dicts) against the annotations."""
    out = Score()
    for case, found in results:
        want = Counter((e["kind"], e["article"]) for e in case.expected)
        got = Counter((f["kind"], f["article"]) for f in found)
        for kind in {k for k, _ in want} | {k for k, _ in got}:
            tally = out.per_kind.setdefault(kind, Tally())
            for key in {k for k in want | got if k[0] == kind}:
                m = min(want[key], got[key])
                tally.matched += m
                tally.found += got[key]
                tally.expected += want[key]
                out.total.matched += m
                out.total.found += got[key]
                out.total.expected += want[key]
                if want[key] > got[key]:
                    out.missed += [(case.name, key[0], key[1])] * (want[key] - got[key])
        spare = want.copy()
        for f in found:
            key = (f["kind"], f["article"])
            if spare[key] > 0:
                spare[key] -= 1
                continue
            item = (case.name, f["kind"], f["article"], f["message"])
            out.unexpected.append(item)
            if case.clean and f["severity"] == "violation":
                out.false_violations_on_clean.append(item)
    return out


def run(store: Any, folder: Path = FIXTURES) -> list[tuple[Case, list[dict[str, Any]]]]:
    """Check every annotated draft against ``store``; the findings as contract JSON."""
    from policykg.drafts import check

    return [(case, check(case.path, store, as_of=case.as_of).to_json()["findings"]) for case in cases(folder)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=None, help="store folder (built if missing)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    from policykg.build import open_store

    results = run(open_store(args.store))
    s = score(results)
    kinds = sorted(s.per_kind)
    if args.json:
        print(json.dumps({
            "drafts": len(results), "clean": sum(1 for c, _ in results if c.clean),
            "per_kind": {k: {"precision": s.per_kind[k].precision, "recall": s.per_kind[k].recall,
                             "matched": s.per_kind[k].matched, "found": s.per_kind[k].found,
                             "expected": s.per_kind[k].expected} for k in kinds},
            "overall": {"precision": s.total.precision, "recall": s.total.recall},
            "unexpected": s.unexpected, "missed": s.missed,
            "false_violations_on_clean": s.false_violations_on_clean,
        }, ensure_ascii=False, indent=1))
        return 0
    print(f"{len(results)} drafts ({sum(1 for c, _ in results if c.clean)} clean), "
          f"{s.total.expected} expected findings, {s.total.found} found")
    print(f"{'kind':<20} {'expected':>8} {'found':>6} {'matched':>7} {'precision':>9} {'recall':>6}")
    for k in kinds:
        t = s.per_kind[k]
        print(f"{k:<20} {t.expected:>8} {t.found:>6} {t.matched:>7} {t.precision:>9.2f} {t.recall:>6.2f}")
    t = s.total
    print(f"{'overall':<20} {t.expected:>8} {t.found:>6} {t.matched:>7} {t.precision:>9.2f} {t.recall:>6.2f}")
    print(f"false violations on clean drafts: {len(s.false_violations_on_clean)}")
    for name, kind, article, message in s.unexpected:
        print(f"  unexpected: {name} {kind} article={article}: {message}")
    for name, kind, article in s.missed:
        print(f"  missed:     {name} {kind} article={article}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
