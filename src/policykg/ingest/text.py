"""Small helpers on article text shared by the readers of quantities and dates."""

from __future__ import annotations

from .model import Span
from .numerals import fold_width

#: characters that end a clause (compared on width-folded text)
CLAUSE_BREAKS = ",;。\n"


def clause_at(text: str, span: Span) -> str:
    """The clause of ``text`` holding ``span``: delimited by , ; 。 or a line break.

    >>> clause_at("按次纳税的,为每次(日)销售额500元。将", Span(15, 19))
    '为每次(日)销售额500元'

    Raises:
        Nothing.
    """
    folded = fold_width(text)
    start = max(folded.rfind(ch, 0, span.start) for ch in CLAUSE_BREAKS) + 1
    ends = [i for i in (folded.find(ch, span.end) for ch in CLAUSE_BREAKS) if i >= 0]
    end = min(ends) if ends else len(text)
    return text[start:end].strip()
