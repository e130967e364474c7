"""Run the command line in-process, as a user's shell would, and capture what it says.

The store it reads is the session's, through the ``built`` fixture of tests/conftest.py.
"""

from __future__ import annotations

import sys

import pytest

from policykg.cli import main


def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """``policykg ARGS…``: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["policykg", *args])
    with pytest.raises(SystemExit) as e:
        main()
    out, err = capsys.readouterr()
    return int(e.value.code or 0), out, err
