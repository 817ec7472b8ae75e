"""Issue 19 in a real browser, the joint procurement desk: a platform admin opens a pool, a
plant joins with its share, the admin launches the need for the total; a plant reads the
demo's awarded pool in Chinese on a phone, with its contracts and what pooling saved. axe-core
finds nothing serious on the pages."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import REQUIRED_BY, Pages, accessibility_violations


def test_open_join_and_launch_a_pool(demo: Server, pages: Pages) -> None:
    lead = pages.signed_in("HEAT", "platform_admin")
    lead.goto("/joint-procurements")
    lead.get_by_label("Item code").fill("TRF-1250KVA")
    lead.get_by_label("Unit of measure").fill("pc")
    lead.get_by_label("Title").fill("Transformers for the heating stations")
    lead.get_by_label("Joining until").fill("2099-01-31T17:00")
    lead.get_by_label("Required by").fill(REQUIRED_BY)
    pages.shot(lead, "pool-form")
    assert accessibility_violations(lead) == []
    lead.get_by_role("button", name="Open the joint procurement").click()
    lead.wait_for_url(re.compile(r"/joint-procurements/jp_"))
    page = lead.url
    expect(lead.locator("#pool-status")).to_have_text("open")

    plant = pages.signed_in("HEAT-02")
    plant.goto(page)
    expect(plant.get_by_label("Member unit")).to_have_value("HEAT-02")
    plant.get_by_label("Quantity").fill("4")
    plant.get_by_label("Budget (CNY)").fill("390000.00")
    plant.get_by_role("button", name="Add the share").click()
    expect(plant.locator('tr[data-member="HEAT-02"]')).to_contain_text("390000.00")
    pages.shot(plant, "pool-joined")
    assert accessibility_violations(plant) == []

    lead.reload()
    lead.get_by_label("Sourcing").select_option("direct")
    lead.get_by_role("button", name="Launch").click()
    expect(lead.locator("#pool-status")).to_have_text("launched")
    expect(lead.locator("#pool-need")).to_be_visible()
    pages.shot(lead, "pool-launched")
    assert accessibility_violations(lead) == []


def test_a_plant_reads_the_awarded_pool_in_chinese_on_a_phone(demo: Server, pages: Pages) -> None:
    pools = demo.admin.get("/v1/joint-procurements", params={"status": "awarded"}).json()
    demo_pool = next(p for p in pools["items"] if p["member_count"] == 3)
    plant = pages.signed_in("PWR-02", locale="zh-CN", width=390)
    plant.goto("/joint-procurements")
    expect(plant.locator("h1")).to_have_text("联合采购")
    assert accessibility_violations(plant) == []
    plant.goto(f"/joint-procurements/{demo_pool['id']}")
    expect(plant.locator("#saving-title")).to_have_text("联合采购节约")
    expect(plant.locator('tr[data-member="PWR-02"]')).to_contain_text("262500.00")
    pages.shot(plant, "pool-awarded-zh")
    assert accessibility_violations(plant) == []
