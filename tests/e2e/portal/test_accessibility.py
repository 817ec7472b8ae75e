"""Issue 14's accessibility check: axe-core (vendored, tests only) on every main page of the
portal, in English on a 1366 px screen and in Chinese on a 390 px phone, reports no serious or
critical violation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import REQUIRED_BY, Pages, accessibility_violations, post_need

# (unit, role, path): the path may name the set-up's records by {need}, {tender}.
MAIN_PAGES = (
    ("HEAT-02", "unit_operator", "/inbox"),
    ("HEAT-02", "unit_operator", "/notifications"),
    ("COAL-01", "unit_operator", "/needs"),
    ("COAL-01", "unit_operator", "/needs/new"),
    ("COAL-01", "unit_operator", "/needs/{need}"),  # the demand side: offers side by side
    ("HEAT-02", "unit_operator", "/needs/{need}"),  # the supplier's side: its own offer
    ("COAL-01", "unit_operator", "/needs/{tendered}"),  # the tender's checklist
    ("COAL-01", "unit_operator", "/tenders/{tender}"),  # the demand side: the bid count
    ("HEAT-02", "unit_operator", "/tenders/{tender}"),  # an invited supplier: its sealed bid
    ("COAL-01", "unit_operator", "/contracts"),
    ("COAL-01", "unit_operator", "/contracts/{contract}"),  # the buyer: sign, incident, timeline
    ("HEAT-02", "unit_operator", "/contracts/{contract}"),  # the supplier: sign, deliveries
    ("COAL-01", "unit_operator", "/disputes"),
    ("COAL-01", "unit_operator", "/disputes/new?subject_type=contract&subject_id={contract}"),
    ("COAL-01", "unit_operator", "/disputes/{dispute}"),
    ("COAL-01", "unit_operator", "/findings"),
    ("COAL-01", "unit_operator", "/findings/{finding}"),  # the unit reports it rectified
    ("COAL-01", "unit_operator", "/catalog?q=steam"),
    ("COAL", "platform_admin", "/approvals"),
    ("COAL", "platform_admin", "/catalog/versions"),
    ("COAL", "platform_admin", "/catalog/versions/{version}"),  # its entries' review states
    ("COAL", "platform_admin", "/reports"),
    ("HQ", "hq_admin", "/findings/new"),
    ("COAL-03", "unit_operator", "/frameworks"),
    ("COAL-03", "unit_operator", "/frameworks/{framework}"),  # the demo's: schedule, amendments
    ("ENG-01", "unit_operator", "/resources"),
    ("ENG-02", "unit_operator", "/resources/{resource}"),  # the owner: handover, withdraw
    ("HQ", "hq_admin", "/rules"),  # the rules in force, every version, both publish forms
    ("COAL-01", "unit_operator", "/needs/no-such-need"),  # the 404 page
    ("PWR-01", "unit_operator", "/contracts/{contract}"),  # the 403 page
)


@pytest.fixture(scope="module")
def records(demo: Server) -> dict[str, str]:
    """One record of each kind a main page shows, made through the API."""

    def call(unit: str, role: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = demo.client(demo.token(unit, role)).post(path, json=body)
        assert answer.status_code in (200, 201), answer.text
        found: dict[str, Any] = answer.json()
        return found

    week = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    need = post_need(demo, "COAL-01", "Steam for the accessibility check")
    offer = {"supplier_unit_id": "HEAT-02", "unit_price": "181.00", "quantity": "500",
             "delivery_date": REQUIRED_BY, "valid_until": week}  # fmt: skip
    call("HEAT-02", "unit_operator", f"/v1/needs/{need}/offers", offer)
    awarded = post_need(demo, "COAL-01", "Steam under contract for the check")
    offered = call("HEAT-02", "unit_operator", f"/v1/needs/{awarded}/offers", offer)
    award = {"offer_id": offered["offer_id"]}
    contract = call("COAL-01", "unit_operator", f"/v1/needs/{awarded}/award", award)
    dispute = {"subject_type": "contract", "subject_id": contract["contract_id"],
               "against_unit_id": "HEAT-02", "kind": "delivery", "claim": "Late."}  # fmt: skip
    disputed = call("COAL-01", "unit_operator", "/v1/disputes", dispute)
    outside = post_need(demo, "COAL-01", "Steam bought outside for the check")
    reason = {"ground": "not_available_internally", "justification": "None inside."}
    call("COAL-01", "unit_operator", f"/v1/needs/{outside}/external-sourcing", reason)
    finding = {"unit_id": "COAL-01", "issue": "incomplete_rules",
               "description": "No written synergy rules.", "rectify_by": REQUIRED_BY}  # fmt: skip
    found = call("HQ", "hq_admin", "/v1/inspections/findings", finding)
    tendered = post_need(demo, "COAL-01", "Tendered steam for the check", sourcing="tender")
    launched = post_need(demo, "COAL-01", "Steam out to tender for the check", sourcing="tender")
    tender = {"invitees": ["HEAT-02", "PWR-01"], "bid_deadline": week}
    bids = call("COAL-01", "unit_operator", f"/v1/needs/{launched}/tender", tender)
    in_force = demo.client(demo.token("COAL", "platform_admin")).get("/v1/catalog/in-force")
    assert in_force.status_code == 200, in_force.text
    frameworks = demo.client(demo.token("COAL-03", "unit_operator")).get("/v1/frameworks")
    hq = demo.client(demo.token("HQ", "hq_admin"))
    shared = hq.get("/v1/resources", params={"owner_unit_id": "ENG-02", "kind": "equipment"})
    return {
        "framework": frameworks.json()["items"][0]["id"],
        "need": need,
        "tendered": tendered,
        "tender": bids["tender_id"],
        "contract": contract["contract_id"],
        "dispute": disputed["dispute_id"],
        "finding": found["id"],
        "version": in_force.json()["id"],
        "resource": shared.json()["items"][0]["id"],  # the demo's excavator
    }


def check(pages: Pages, page: Page, path: str, name: str) -> list[str]:
    shown = page.goto(path)
    assert shown is not None
    expected = 404 if "no-such" in path else 403 if name.startswith("PWR-01") else 200
    assert shown.status == expected, f"{path} as {name}: {shown.status}"
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
        name = f"{unit}-{re.sub(r'[^A-Za-z0-9]+', '-', path.split('?')[0]).strip('-')}-{width}"
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
