"""Draft checking: is a new policy draft well formed, are its references alive, does it contradict,
repeat or exceed what the corpus already says? (docs/drafts.md)

>>> from policykg.drafts import KINDS
>>> KINDS[:3]
('title', 'document-number', 'numbering')

:func:`check` reads a draft (a policy text through the ingester, or Turtle as it is) and returns a
:class:`DraftReport`; the corpus store is only queried, never written.
"""

from __future__ import annotations

from .check import CHECKS, Check, Context, all_checks, check, check_draft, corpus_registry, exit_code
from .load import Draft, DraftArticle, load_draft
from .model import INFO, KINDS, SEVERITIES, VIOLATION, WARNING, DraftReport, Finding, Related

__all__ = [
    "CHECKS", "INFO", "KINDS", "SEVERITIES", "VIOLATION", "WARNING", "Check", "Context", "Draft", "DraftArticle",
    "DraftReport", "Finding", "Related", "all_checks", "check", "check_draft", "corpus_registry", "exit_code",
    "load_draft",
]
