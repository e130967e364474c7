"""Browser tests: the real ``policykg serve`` process and Debian's headless chromium, driven over the
DevTools protocol. Skipped (with the reason) where chromium is not installed, unless
POLICYKG_REQUIRE_BROWSER=1 (CI sets it after installing chromium): then a missing browser fails."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import Server, running_server

from .cdp import Browser, Page


def chromium_binary() -> str | None:
    for name in (os.environ.get("POLICYKG_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    found = chromium_binary()
    if found is None:
        reason = ("no chromium on PATH (Debian: apt-get install chromium; or set POLICYKG_CHROMIUM); "
                  ".ci/run installs it and sets POLICYKG_REQUIRE_BROWSER=1")
        if os.environ.get("POLICYKG_REQUIRE_BROWSER") == "1":
            pytest.fail("POLICYKG_REQUIRE_BROWSER=1 but " + reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="session")
def explorer_server(store_path: Path) -> Iterator[Server]:
    with running_server(store_path) as s:
        yield s


@pytest.fixture(scope="session")
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    b = Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    p = browser.new_page()
    yield p
    p.close()


@pytest.fixture(scope="session")
def screenshots() -> Path | None:
    """Where to save screenshots of the tour (POLICYKG_SCREENSHOTS=DIR), else None."""
    folder = os.environ.get("POLICYKG_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path
