"""Issue 14's accessibility check: axe-core (vendored, tests only) on every main page of the
portal, in English on a 1366 px screen and in Chinese on a 390 px phone, reports no serious or
critical violation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import REQUIRED_BY, Pages, accessibility_violations, post_need

# (unit, role, path): the path may name the set-up's records by {need}, {tender}.
MAIN_PAGES = (
    ("HEAT-02", "unit_operator", "/inbox"),
    ("COAL-01", "unit_operator", "/needs"),
    ("COAL-01", "unit_operator", "/needs/new"),
    ("COAL-01", "unit_operator", "/needs/{need}"),  # the demand side: offers side by side
    ("HEAT-02", "unit_operator", "/needs/{need}"),  # the supplier's side: its own offer
    ("COAL-01", "unit_operator", "/needs/{tendered}"),  # the tender's checklist
    ("COAL-01", "unit_operator", "/tenders/{tender}"),  # the demand side: the bid count
    ("HEAT-02", "unit_operator", "/tenders/{tender}"),  # an invited supplier: its sealed bid
    ("COAL-01", "unit_operator", "/needs/no-such-need"),  # the 404 page
)


@pytest.fixture(scope="module")
def records(demo: Server) -> dict[str, str]:
    need = post_need(demo, "COAL-01", "Steam for the accessibility check")
    offer = {
        "supplier_unit_id": "HEAT-02",
        "unit_price": "181.00",
        "quantity": "500",
        "delivery_date": REQUIRED_BY,
        "valid_until": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
    }
    supplier = demo.client(demo.token("HEAT-02", "unit_operator"))
    answer = supplier.post(f"/v1/needs/{need}/offers", json=offer)
    assert answer.status_code == 201, answer.text
    tendered = post_need(demo, "COAL-01", "Tendered steam for the check", sourcing="tender")
    launched = post_need(demo, "COAL-01", "Steam out to tender for the check", sourcing="tender")
    buyer = demo.client(demo.token("COAL-01", "unit_operator"))
    deadline = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    body = {"invitees": ["HEAT-02", "PWR-01"], "bid_deadline": deadline}
    answer = buyer.post(f"/v1/needs/{launched}/tender", json=body)
    assert answer.status_code == 201, answer.text
    return {"need": need, "tendered": tendered, "tender": answer.json()["tender_id"]}


def check(pages: Pages, page: Page, path: str, name: str) -> list[str]:
    page.goto(path)
    pages.shot(page, name)
    return [f"{path}: {line}" for line in accessibility_violations(page)]


@pytest.mark.parametrize(
    ("locale", "width"), [("en-US", 1366), ("zh-CN", 390)], ids=["en-1366", "zh-390"]
)
def test_no_main_page_has_a_serious_or_critical_violation(
    pages: Pages, records: dict[str, str], locale: str, width: int
) -> None:
    signed_out = pages.browser.new_context(
        base_url=pages.demo.url, locale=locale, viewport={"width": width, "height": 900}
    ).new_page()
    found = check(pages, signed_out, "/", f"signin-{width}")
    tabs: dict[tuple[str, str], Page] = {}
    for unit, role, path in MAIN_PAGES:
        if (unit, role) not in tabs:
            tabs[unit, role] = pages.signed_in(unit, role, locale, width)
        name = f"{unit}-{path.strip('/').replace('/', '-') or 'home'}-{width}"
        found += check(pages, tabs[unit, role], path.format(**records), name)
    assert found == []


def test_the_check_finds_what_it_is_for(pages: Pages) -> None:
    """An input without a label and an image without a text are critical: the check sees them."""
    page = pages.signed_in("COAL-01")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<input type="text" name="nameless"><img src="data:,">\')'
    )
    found = accessibility_violations(page)
    assert any(line.startswith("label (critical)") for line in found), found
    assert any(line.startswith("image-alt (critical)") for line in found), found
