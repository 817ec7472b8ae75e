"""The portal's browser tests' parts (their fixtures are in conftest.py): Debian's Chromium,
headless, driven by Playwright against `marketplace serve --demo` (one per test module); each
page visited is screenshot into the test's temp directory; posting a need over the API."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page

from tests.e2e.conftest import Server

CHROMIUM = os.environ.get("MARKETPLACE_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRED_BY = (date.today() + timedelta(days=30)).isoformat()
GROUP_ZONE = ZoneInfo("Asia/Shanghai")  # the demo server's MARKETPLACE_TIMEZONE (the default)
# Where each role lands after signing in (marketplace/portal/routes/auth.py `landing`).
LANDING = {
    "unit_operator": "inbox",
    "platform_admin": "approvals",
    "hq_admin": "approvals",
    "auditor": "dashboard",
    "bi_reader": "dashboard",
}
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# What the issue refuses; "moderate" and "minor" findings are reported by axe but not failed on.
BLOCKING = ("serious", "critical")


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as shown, one line each (rule,
    impact, the first elements). axe is evaluated through the DevTools protocol, which the
    pages' Content Security Policy does not govern, so the pages need no exception for it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text("utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in found
        if v["impact"] in BLOCKING
    ]


class Pages:
    """Browser tabs, each its own sign-in, with a screenshot of every page shown."""

    def __init__(self, browser: Browser, demo: Server, shots: Path) -> None:
        self.browser, self.demo, self.shots = browser, demo, shots
        self.count = 0
        self.console_errors: list[str] = []  # a blocked load (CSP) or a script error shows here

    def signed_in(
        self, unit: str, role: str = "unit_operator", locale: str = "en-US", width: int = 1366
    ) -> Page:
        context = self.browser.new_context(
            base_url=self.demo.url, locale=locale, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        page.on(
            "console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None
        )
        page.goto("/")
        page.get_by_label("Token" if locale.startswith("en") else "令牌").fill(
            self.demo.token(unit, role)
        )
        page.get_by_role("button", name="Sign in" if locale.startswith("en") else "登录").click()
        landing = LANDING[role]
        page.wait_for_url(f"**/{landing}")
        self.shot(page, f"{unit}-{landing}")
        return page

    def shot(self, page: Page, name: str) -> None:
        self.count += 1
        page.screenshot(path=self.shots / f"{self.count:02d}-{name}.png", full_page=True)


def post_need(demo: Server, unit: str, title: str, **changes: Any) -> str:
    body = {
        "demand_unit_id": unit,
        "title": title,
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "500",
        "uom": "t",
        "required_by": REQUIRED_BY,
        "budget_amount": "95000.00",
        "business_type": "regular",
        "sourcing": "direct",
    } | changes
    answer = demo.client(demo.token(unit, "unit_operator")).post("/v1/needs", json=body)
    assert answer.status_code == 201, answer.text
    need_id: str = answer.json()["id"]
    return need_id


def need_json(demo: Server, unit: str, need_id: str) -> dict[str, Any]:
    answer = demo.client(demo.token(unit, "unit_operator")).get(f"/v1/needs/{need_id}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found
