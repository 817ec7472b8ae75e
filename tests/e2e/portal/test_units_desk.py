"""Issue 15 in a real browser, the organisation chart: HQ folds the tree, renames a unit and
issues a token it sees once; a BI reader gets no restructuring form and a 403 page on a post."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import Pages, accessibility_violations


def test_hq_restructures_a_unit_and_issues_a_token_a_bi_reader_only_reads(
    demo: Server, pages: Pages
) -> None:
    # A unit of its own, so the demo units other tests use stay as they are.
    body = {"id": "DESK-01", "name": "Desk Test Co.", "level": "enterprise", "parent_id": "SVC"}
    assert demo.admin.post("/v1/units", json=body).status_code == 201

    hq = pages.signed_in("HQ", "hq_admin")
    hq.locator("summary", has_text="Oversight").click()
    hq.get_by_role("link", name="Units").click()
    hq.wait_for_url("**/units")
    power = hq.get_by_text("Subordinate units of PWR (3)")
    expect(hq.locator('li[data-unit="PWR-01"]')).to_be_visible()
    power.click()  # folds PWR's enterprises away
    expect(hq.locator('li[data-unit="PWR-01"]')).to_be_hidden()
    power.focus()
    hq.keyboard.press("Enter")  # and out again, by keyboard
    expect(hq.locator('li[data-unit="PWR-01"]')).to_be_visible()
    expect(hq.locator('li[data-unit="DESK-01"]')).to_contain_text("Desk Test Co.")
    pages.shot(hq, "units-tree")
    assert accessibility_violations(hq) == []

    hq.locator('li[data-unit="DESK-01"]').get_by_role("link", name="DESK-01").click()
    hq.wait_for_url("**/units/DESK-01")
    hq.get_by_label("New name").fill("Desk Renamed Co.")
    hq.get_by_role("button", name="Rename").click()
    hq.wait_for_url("**/units/DESK-01")
    expect(hq.locator("#unit-name")).to_have_text("Desk Renamed Co.")
    assert demo.admin.get("/v1/units/DESK-01").json()["name"] == "Desk Renamed Co."

    hq.get_by_label("unit operator").check()
    hq.get_by_label("Label", exact=True).fill("Desk ERP link")
    hq.get_by_role("button", name="Issue the token").click()
    secret = hq.locator("#new-token")
    expect(secret).to_be_visible()
    token = secret.inner_text().strip()
    pages.shot(hq, "unit-token-issued")
    assert accessibility_violations(hq) == []
    assert demo.client(token).get("/v1/units/DESK-01").status_code == 200
    hq.goto("/units/DESK-01")
    expect(hq.locator("#unit-tokens")).to_contain_text("Desk ERP link")
    expect(hq.locator("#new-token")).to_have_count(0)
    assert token not in hq.content()
    pages.shot(hq, "unit-page")

    reader = pages.signed_in("HQ", "bi_reader")
    reader.goto("/units/DESK-01")
    expect(reader.locator("#unit-name")).to_have_text("Desk Renamed Co.")
    expect(reader.get_by_role("button", name="Rename")).to_have_count(0)
    expect(reader.locator("form[action^='/units/']")).to_have_count(0)
    pages.shot(reader, "unit-page-bi-reader")
    # A post made by hand (the page has no form): the 403 page, nothing changed.
    csrf = reader.locator("input[name=csrf]").first.get_attribute("value")
    answer = reader.request.post(
        "/units/DESK-01/name", form={"csrf": csrf or "", "name": "Taken over"}
    )
    assert answer.status == 403 and re.search(r"<html", answer.text())
    assert demo.admin.get("/v1/units/DESK-01").json()["name"] == "Desk Renamed Co."
