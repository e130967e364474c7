"""Batches of profiles: streamed in, decided, streamed out (CSV, JSON lines, a JSON array).

Nothing is accumulated: each profile is read, decided and written before the next is read, so memory
stays flat however long the batch. CSV rows are the fast path (:meth:`Engine.summarise`); JSON lines and
JSON carry the whole decision of the public contract (:meth:`Engine.decide`).
"""

from __future__ import annotations

import json
from itertools import chain
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import IO

from .engine import Decision, Engine, Summary
from .profiles import Profile

__all__ = ["CSV_COLUMNS", "csv_line", "summary_row", "write_csv", "write_json", "write_jsonl"]

#: the columns of ``--format csv``: one row per profile, in input order
CSV_COLUMNS: tuple[str, ...] = ("name", "size_class", "granted_count", "granted", "articles", "excluded",
                                "total_value", "values_complete")


_ZERO = Decimal(0)


def _money(amount: Decimal) -> str:
    return format(amount.quantize(Decimal("0.01")), "f")


def summary_row(s: Summary) -> list[str]:
    """The CSV row of one summary: granted benefits (slugs) and their articles joined with ``|``."""
    granted = s.granted
    complete = True
    total = _ZERO
    for b, v in granted:
        if v is not None:
            total += v
        elif b.method:
            complete = False
    return [
        s.profile.name,
        s.size_class,
        str(len(granted)),
        "|".join([b.slug for b, _ in granted]),
        "|".join([b.article or "" for b, _ in granted]),
        "|".join([b.slug for b in s.excluded]),
        _money(total),
        "true" if complete else "false",
    ]


def _cell(text: str) -> str:
    """A CSV field as ``csv.writer`` (QUOTE_MINIMAL) writes it, and quoted when it holds a carriage return too."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def csv_line(row: Iterable[str]) -> str:
    r'''One CSV line (``\n``-terminated) of string fields, quoted where needed.

    The same text as ``csv.writer(out, lineterminator="\n").writerow(row)`` for string fields, several times
    faster on the long ``granted`` / ``articles`` cells of a batch; a field holding a carriage return is
    quoted too (``csv.writer`` with that line terminator leaves it bare on Python 3.11, and a reader then
    splits the row there).

    >>> csv_line(["a", 'say "hi"', "x,y", ""])
    'a,"say ""hi""","x,y",\n'
    '''
    return ",".join(map(_cell, row)) + "\n"


def write_csv(engine: Engine, profiles: Iterable[Profile], as_of: date, out: IO[str],
              progress: Callable[[int], None] | None = None, *, every: int = 1000) -> int:
    """Decide and write one CSV row per profile; returns the number of profiles."""
    write, summarise = out.write, engine.summarise
    write(csv_line(CSV_COLUMNS))
    return _each(profiles, lambda p: write(csv_line(summary_row(summarise(p, as_of)))), progress, every=every)


def write_jsonl(engine: Engine, profiles: Iterable[Profile], as_of: date, out: IO[str],
                progress: Callable[[int], None] | None = None) -> int:
    """Decide and write one contract JSON object per line; returns the number of profiles."""
    def one(p: Profile) -> None:
        out.write(json.dumps(engine.decide(p, as_of).to_json(), ensure_ascii=False))
        out.write("\n")
    return _each(profiles, one, progress)


def write_json(engine: Engine, profiles: Iterable[Profile], as_of: date, out: IO[str],
               progress: Callable[[int], None] | None = None, *, indent: int | None = 2) -> int:
    """One profile: its contract JSON object; several: a JSON array of them (streamed)."""
    it = iter(profiles)
    first = next(it, None)
    if first is None:
        out.write("[]\n")
        return 0
    second = next(it, None)
    if second is None:
        out.write(json.dumps(engine.decide(first, as_of).to_json(), ensure_ascii=False, indent=indent) + "\n")
        if progress:
            progress(1)
        return 1
    out.write("[\n")
    separator = ""

    def one(p: Profile) -> None:
        nonlocal separator
        out.write(separator + json.dumps(engine.decide(p, as_of).to_json(), ensure_ascii=False))
        separator = ",\n"

    n = _each(chain((first, second), it), one, progress, every=100)
    out.write("\n]\n")
    return n


def _each(profiles: Iterable[Profile], action: Callable[[Profile], object],
          progress: Callable[[int], None] | None, *, every: int = 1000) -> int:
    """``action`` on each profile in turn, telling ``progress`` how many are done every ``every`` profiles
    and at the end; returns the number of profiles."""
    n = 0
    for p in profiles:
        action(p)
        n += 1
        if progress is not None and n % every == 0:
            progress(every)
    if progress is not None and n % every:
        progress(n % every)
    return n


def decisions(engine: Engine, profiles: Iterable[Profile], as_of: date) -> Iterator[Decision]:
    """The decisions of a stream of profiles, one at a time."""
    for p in profiles:
        yield engine.decide(p, as_of)
