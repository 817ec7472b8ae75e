"""Issue 16 in a real browser, the in-app notification centre: a supplier finds a need it was
matched to in /notifications from the header, follows it, marks it read and filters the unread;
another supplier does the same in Chinese and marks all read; a subscription's deliveries page
from the settings; no serious accessibility violation on any of them."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import Pages, accessibility_violations, post_need

PAGE = "/notifications"


def unread_badge(page: Page) -> int:
    text = page.locator("#notices-badge").inner_text().strip()
    return int(text) if text else 0


def test_a_supplier_reads_the_need_it_was_matched_to(demo: Server, pages: Pages) -> None:
    need = post_need(demo, "COAL-01", "Steam the suppliers hear of")
    me = pages.signed_in("HEAT-02")
    me.get_by_role("link", name="Notifications").click()
    me.wait_for_url(f"**{PAGE}")
    expect(me.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()
    notice = me.locator(f'li[data-subject="{need}"]')
    expect(notice).to_be_visible()
    expect(notice.get_by_role("link")).to_have_attribute("href", f"/needs/{need}")
    before = unread_badge(me)
    assert before >= 1
    pages.shot(me, "notifications")
    assert accessibility_violations(me) == []

    notice.get_by_role("button", name="Mark read").click()
    me.wait_for_url(f"**{PAGE}")
    expect(notice.get_by_role("button", name="Mark read")).to_have_count(0)
    assert unread_badge(me) == before - 1
    api = demo.client(demo.token("HEAT-02", "unit_operator"))
    [read] = [n for n in api.get("/v1/notifications").json()["items"] if n["subject"] == need]
    assert read["read"] is True

    me.get_by_label("Unread only").check()
    me.get_by_role("button", name="Filter").click()
    me.wait_for_url(f"**{PAGE}?unread=1")
    expect(me.locator(f'li[data-subject="{need}"]')).to_have_count(0)
    pages.shot(me, "notifications-unread")
    assert accessibility_violations(me) == []

    me.goto(PAGE)
    me.locator(f'li[data-subject="{need}"]').get_by_role("link").click()
    me.wait_for_url(f"**/needs/{need}")
    expect(me.get_by_role("heading", name="Steam the suppliers hear of")).to_be_visible()


def test_in_chinese_all_read_and_a_subscriptions_deliveries(demo: Server, pages: Pages) -> None:
    api = demo.client(demo.token("PWR-01", "unit_operator"))
    body = {"unit_id": "PWR-01", "channel": "webhook", "endpoint": "http://127.0.0.1:9/erp",
            "event_types": ["marketplace.need.posted.v1"]}  # fmt: skip
    made = api.post("/v1/subscriptions", json=body)
    assert made.status_code == 201, made.text
    need = post_need(demo, "COAL-01", "Steam heard of in Chinese")

    zh = pages.signed_in("PWR-01", locale="zh-CN")
    zh.goto(PAGE)
    expect(zh.get_by_role("heading", name="通知", exact=True)).to_be_visible()
    notice = zh.locator(f'li[data-subject="{need}"]')
    expect(notice.get_by_role("button", name="标为已读")).to_be_visible()
    pages.shot(zh, "notifications-zh")
    assert accessibility_violations(zh) == []
    zh.get_by_role("button", name="全部标为已读").click()
    zh.wait_for_url(f"**{PAGE}")
    expect(zh.get_by_role("button", name="标为已读")).to_have_count(0)
    assert api.get("/v1/notifications/unread-count").json()["unread"] == 0

    zh.get_by_role("link", name="通知订阅").click()
    zh.get_by_role("link", name="投递与尝试 · http://127.0.0.1:9/erp").click()
    zh.wait_for_url(f"**/settings/subscriptions/{made.json()['id']}/deliveries")
    expect(zh.get_by_role("heading", name="订阅的投递记录")).to_be_visible()
    expect(zh.locator("#deliveries tbody tr")).to_have_count(1)
    pages.shot(zh, "deliveries-zh")
    assert accessibility_violations(zh) == []
