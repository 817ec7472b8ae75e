"""Issue 18 in a real browser, the work meetings: HQ schedules the half year's regular meeting
and records its minutes with an action item whose due day has passed; the owner unit sees it
overdue and marks it done with evidence; a platform's admin asks for an ad-hoc meeting and HQ
accepts it; the pages in Chinese too; no serious accessibility violation on any of them."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import Pages, accessibility_violations

OWNER = "PWR-02"


def test_hq_holds_a_meeting_and_the_owner_closes_its_action_item(
    demo: Server, pages: Pages
) -> None:
    hq = pages.signed_in("HQ", "hq_admin")
    hq.goto("/meetings")
    expect(hq.get_by_role("heading", name="Work meetings")).to_be_visible()
    assert accessibility_violations(hq) == []
    hq.get_by_label("Half year (such as 2027H1)").fill("2029H1")
    hq.get_by_label("Held on (group time zone)").fill("2029-03-12T09:30")
    hq.get_by_label("Agenda, one point per line").fill("Trade by platform\nSpare parts")
    hq.get_by_label("Invited units, separated by spaces").fill("PWR HEAT")
    hq.get_by_role("button", name="Schedule the meeting").click()
    hq.wait_for_url(re.compile(r"/meetings/mtg_regular_2029H1$"))
    expect(hq.locator("#agenda li")).to_have_count(2)
    pages.shot(hq, "meeting-scheduled")
    assert accessibility_violations(hq) == []

    first = hq.locator("fieldset").first
    first.get_by_label("Decision 1: what was decided").fill("Share spare parts monthly.")
    first.get_by_label("Action item 1: owner unit").fill(OWNER)
    first.get_by_label("Action item 1: due day").fill("2020-01-31")
    first.get_by_label("Action item 1: what to do").fill("Send the hydro spare-parts list")
    hq.get_by_role("button", name="Record the minutes").click()
    expect(hq.locator("#minutes")).to_contain_text("Share spare parts monthly.")
    pages.shot(hq, "meeting-minutes")
    assert accessibility_violations(hq) == []

    owner = pages.signed_in(OWNER, "unit_operator")
    owner.goto("/action-items")
    row = owner.locator("#action-items tr", has_text="Send the hydro spare-parts list")
    expect(row).to_have_class(re.compile("overdue"))
    expect(row.locator("td.status")).to_have_text("overdue")
    pages.shot(owner, "action-items-overdue")
    assert accessibility_violations(owner) == []
    row.get_by_label("Evidence it is done").fill("List sent to HQ planning.")
    row.get_by_role("button", name="Mark done").click()
    done = owner.locator("#action-items tr", has_text="Send the hydro spare-parts list")
    expect(done.locator("td.status")).to_have_text("done")
    expect(done).to_contain_text("List sent to HQ planning.")
    pages.shot(owner, "action-items-done")


def test_a_platform_asks_for_an_ad_hoc_meeting_and_hq_accepts(demo: Server, pages: Pages) -> None:
    platform = pages.signed_in("HEAT", "platform_admin")
    platform.goto("/meeting-requests")
    assert accessibility_violations(platform) == []
    platform.get_by_label("The matter (one line)").fill("Steam for the winter peak")
    platform.get_by_label("The written report").fill("Demand is 20% above last winter's.")
    platform.get_by_role("button", name="Send the request").click()
    row = platform.locator("#meeting-requests tr", has_text="Steam for the winter peak")
    expect(row).to_contain_text("waiting for HQ")
    pages.shot(platform, "meeting-request-filed")
    assert accessibility_violations(platform) == []

    hq = pages.signed_in("HQ", "hq_admin")
    hq.goto("/meeting-requests?status=pending")
    pending = hq.locator("#meeting-requests tr", has_text="Steam for the winter peak")
    pages.shot(hq, "meeting-requests-pending")
    assert accessibility_violations(hq) == []
    pending.get_by_label("Meeting held on").fill("2029-11-05T14:00")
    pending.get_by_role("button", name="Accept").click()
    hq.wait_for_url(re.compile(r"/meetings/mtg_"))
    expect(hq.locator("#meeting-kind")).to_have_text("ad-hoc meeting")
    expect(hq.locator("#meeting-invitees")).to_have_text("HEAT")

    zh = pages.signed_in("HQ", "hq_admin", locale="zh-CN")
    for page, heading in (
        ("/meetings", "工作会议"),
        ("/meeting-requests", "会议申请"),
        ("/action-items", "会议待办事项"),
    ):
        zh.goto(page)
        expect(zh.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert accessibility_violations(zh) == []
    pages.shot(zh, "meetings-zh")
