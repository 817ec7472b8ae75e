"""Issue 18 in a real browser, the exchange visits desk: a platform admin plans a visit across
sectors and records it as held with a lead; a visiting unit posts a need from the lead (the need
form keeps the lead); the visit's page shows the need; HQ sees the visits per sector pair.
axe-core finds nothing serious on the pages, in English and in Chinese."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import REQUIRED_BY, Pages, accessibility_violations

PLANNER, HOST, VISITOR = "COAL", "COAL-03", "PWR-03"


def test_plan_hold_and_post_a_need_from_a_lead(demo: Server, pages: Pages) -> None:
    admin = pages.signed_in(PLANNER, "platform_admin")
    admin.goto("/visits")
    expect(admin.locator("#visits")).to_be_visible()  # the demo's visits
    admin.get_by_label("Host unit").fill(HOST)
    admin.get_by_label("Visitor units").fill(HOST)
    admin.get_by_label("Planned for").fill("2027-06-01T09:30")
    admin.get_by_label("Visit topic").fill("Thermal coal for the wind farm's backup boiler")
    admin.get_by_role("button", name="Plan the visit").click()
    expect(admin.locator(".refused")).to_contain_text("cannot also be one of the visitors")
    pages.shot(admin, "visit-refused")
    admin.get_by_label("Visitor units").fill(VISITOR)
    admin.get_by_role("button", name="Plan the visit").click()
    admin.wait_for_url(re.compile(r"/visits/vis_"))
    visit_id = admin.url.rsplit("/", 1)[1]
    expect(admin.locator("#visit-status")).to_have_text("planned")
    pages.shot(admin, "visit-planned")
    assert accessibility_violations(admin) == []

    admin.get_by_label("Outcome of the visit").fill("The wind farm's boiler can burn 5500 coal.")
    admin.get_by_label("Item code (if known)").first.fill("THERMAL-COAL-5500")
    admin.get_by_label("What could be done together").first.fill("PWR-03 buys thermal coal.")
    admin.get_by_role("button", name="Record as held").click()
    expect(admin.locator("#visit-status")).to_have_text("held")
    lead = admin.locator("#leads li[data-lead]").first
    expect(lead).to_contain_text("PWR-03 buys thermal coal.")
    lead_id = lead.get_attribute("data-lead")
    assert lead_id == f"{visit_id}-L1"
    pages.shot(admin, "visit-held")
    assert accessibility_violations(admin) == []

    buyer = pages.signed_in(VISITOR)
    buyer.goto(f"/visits/{visit_id}")
    buyer.get_by_role("link", name="Post a need from this lead").click()
    buyer.wait_for_url(re.compile(r"/needs/new\?lead_id="))
    expect(buyer.locator("#from-lead")).to_contain_text(lead_id)
    expect(buyer.get_by_label("Item code", exact=True)).to_have_value("THERMAL-COAL-5500")
    buyer.get_by_label("Item code or name").fill("thermal coal")
    buyer.get_by_role("link", name=re.compile("THERMAL-COAL-5500")).click()
    expect(buyer.locator("#from-lead")).to_contain_text(lead_id)  # the lookup keeps the lead
    buyer.get_by_label("Title").fill("Thermal coal for the backup boiler")
    buyer.get_by_label("Quantity").fill("300")
    buyer.get_by_label("Required by").fill(REQUIRED_BY)
    buyer.get_by_label("Budget (CNY)").fill("240000.00")
    pages.shot(buyer, "need-from-lead")
    buyer.get_by_role("button", name="Post the need").click()
    buyer.wait_for_url(re.compile(r"/needs/need_"))
    need_id = buyer.url.rsplit("/", 1)[1]
    api = demo.client(demo.token(VISITOR, "unit_operator"))
    assert api.get(f"/v1/needs/{need_id}").json()["lead_id"] == lead_id

    buyer.goto(f"/visits/{visit_id}")
    expect(buyer.locator(f'li[data-need="{need_id}"]')).to_contain_text("no contract yet")
    pages.shot(buyer, "visit-with-its-need")
    assert accessibility_violations(buyer) == []


def test_hq_sees_visits_per_sector_pair_in_chinese(demo: Server, pages: Pages) -> None:
    listed = demo.admin.get("/v1/exchange-visits", params={"unit_id": "SVC-03"}).json()["items"]
    year = next(v for v in listed if v["status"] == "held")["planned_for"][:4]
    hq = pages.signed_in("HQ", "hq_admin", locale="zh-CN")
    hq.goto(f"/visits/sector-pairs?year={year}")
    expect(hq.locator('tr[data-pair="services/heat"]')).to_contain_text("跨板块")
    expect(hq.locator("h1")).to_have_text("各板块之间的交流互访")
    pages.shot(hq, "sector-pairs-zh")
    assert accessibility_violations(hq) == []
    hq.goto("/visits")
    expect(hq.locator("h1")).to_have_text("交流互访")
    pages.shot(hq, "visits-zh")
    assert accessibility_violations(hq) == []

    bi = pages.signed_in("HQ", "bi_reader")
    bi.goto(f"/visits/sector-pairs?year={year}")
    expect(bi.locator('tr[data-pair="coal_chemical/power"]')).to_be_visible()
    pages.shot(bi, "sector-pairs-bi")
