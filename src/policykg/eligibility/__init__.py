"""Eligibility of enterprises for the benefits in the corpus (issue 3).

So far: the size classes of 工信部联企业〔2011〕300号 (:mod:`policykg.eligibility.sizes`).
"""

from __future__ import annotations

from .sizes import SizeDecision, SizeReason, SizeStandard, classify

__all__ = ["SizeDecision", "SizeReason", "SizeStandard", "classify"]
