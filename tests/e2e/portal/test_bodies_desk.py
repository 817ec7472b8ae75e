"""Issue 18 in a real browser, the synergy bodies: HQ sees the leadership group and the demo's
working groups, is told beside the form why a lead outside the members is refused, sets up a
working group, revises and dissolves it; a unit reads the pages in Chinese and gets no form; no
serious accessibility violation on any of them."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import Pages, accessibility_violations

PAGE = "/working-groups"


def test_hq_sets_up_revises_and_dissolves_a_working_group(demo: Server, pages: Pages) -> None:
    hq = pages.signed_in("HQ", "hq_admin")
    hq.goto(PAGE)
    expect(hq.get_by_role("heading", name="Synergy leadership group")).to_be_visible()
    expect(hq.locator("#working-groups")).to_contain_text("煤电化协调工作组")
    pages.shot(hq, "working-groups-list")
    assert accessibility_violations(hq) == []

    hq.get_by_label("Name", exact=True).fill("Hydro and wind coordination")
    hq.get_by_label("power", exact=True).check()
    hq.get_by_label("Member units").fill("PWR-02 PWR-03")
    hq.get_by_label("Lead unit").fill("PWR")
    hq.get_by_role("button", name="Set up the working group").click()
    expect(hq.get_by_role("alert")).to_contain_text(
        "The lead unit must be one of the member units."
    )
    pages.shot(hq, "working-groups-refused")
    assert accessibility_violations(hq) == []

    hq.get_by_label("Lead unit").fill("PWR-02")
    hq.get_by_role("button", name="Set up the working group").click()
    hq.wait_for_url("**/working-groups/wg_*")
    expect(hq.locator("#group-lead")).to_have_text("PWR-02")
    where = hq.url
    pages.shot(hq, "working-group-detail")
    assert accessibility_violations(hq) == []

    hq.get_by_label("Member units").fill("PWR-02 PWR-03 PWR")
    hq.get_by_role("button", name="Save the changes").click()
    hq.wait_for_url(where)
    expect(hq.locator("#group-members")).to_have_text("PWR-02, PWR-03, PWR")
    hq.get_by_label("Reason for dissolving").fill("The spring flood dispatch plan is agreed.")
    hq.get_by_role("button", name="Dissolve").click()
    hq.wait_for_url(where)
    expect(hq.locator("#group-status")).to_have_text("dissolved")
    expect(hq.get_by_role("button", name="Save the changes")).to_have_count(0)
    assert accessibility_violations(hq) == []

    zh = pages.signed_in("PWR-03", "unit_operator", locale="zh-CN")
    zh.goto(f"{PAGE}?unit_id=PWR-03")
    expect(zh.get_by_role("heading", name="协同领导小组")).to_be_visible()
    expect(zh.locator("#working-groups")).to_contain_text("Hydro and wind coordination")
    expect(zh.get_by_role("button", name="设立工作组并保存")).to_have_count(0)
    pages.shot(zh, "working-groups-zh")
    assert accessibility_violations(zh) == []
    zh.goto(where)
    expect(zh.locator("#group-status")).to_have_text("已撤销")
    assert accessibility_violations(zh) == []
