"""policykg: a policy-as-code knowledge graph for Chinese enterprise-support policy."""

from __future__ import annotations

__version__ = "0.1.0"
