"""Fixtures of the portal's browser tests: one Chromium per module, tabs with screenshots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import CHROMIUM, Pages


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium fonts-noto-cjk`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def pages(browser: Browser, demo: Server, tmp_path: Path) -> Iterator[Pages]:
    opened = Pages(browser, demo, tmp_path)
    yield opened
    for context in browser.contexts:
        context.close()
    assert opened.count > 0 and list(tmp_path.glob("*.png"))
    # Refused forms answer 403, 409, 413, 415 or 422 pages, unknown ids 404 pages: failed loads
    # to Chromium.
    expected = re.compile(r"status of (403|404|409|413|415|422) ")
    assert [e for e in opened.console_errors if not expected.search(e)] == []
