"""Issue 16 in a real browser, the notification settings: a unit subscribes its ERP's webhook
and sees the signing secret once, subscribes an e-mail address, is told beside the field why a
metadata address is refused, removes the webhook and sets its notifications' language; the
page in Chinese too; no serious accessibility violation on any of them."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import Pages, accessibility_violations

PAGE = "/settings/subscriptions"


def test_a_unit_manages_where_its_notifications_go(demo: Server, pages: Pages) -> None:
    me = pages.signed_in("PWR-03", "unit_operator")
    me.goto(PAGE)
    expect(me.get_by_role("heading", name="Notification subscriptions")).to_be_visible()
    pages.shot(me, "subscriptions-empty")
    assert accessibility_violations(me) == []

    me.get_by_label("Endpoint").fill("https://169.254.169.254/latest/meta-data/")
    me.get_by_role("button", name="Subscribe").click()
    expect(me.locator("#e-endpoint")).to_contain_text("link-local")
    pages.shot(me, "subscriptions-refused")
    assert accessibility_violations(me) == []

    me.get_by_label("Endpoint").fill("http://127.0.0.1:9/erp/hooks")
    me.get_by_label("Event types").fill("marketplace.need.posted.v1 marketplace.need.awarded.v1")
    me.get_by_role("button", name="Subscribe").click()
    secret = me.locator("#new-secret")
    expect(secret).to_be_visible()
    shown = secret.inner_text().strip()
    assert shown.startswith("whsec_")
    pages.shot(me, "subscriptions-secret")
    assert accessibility_violations(me) == []

    me.get_by_label("Channel").select_option("email")
    me.get_by_label("Endpoint").fill("ops@pwr-03.example.com")
    me.get_by_label("Event types").fill("*")
    me.get_by_role("button", name="Subscribe").click()
    expect(me.locator("#new-subscription")).to_be_visible()
    expect(me.locator("#new-secret")).to_have_count(0)

    me.goto(PAGE)
    rows = me.locator("#subscriptions tbody tr")
    expect(rows).to_have_count(2)
    assert shown not in me.content()
    me.get_by_role("button", name="Remove http://127.0.0.1:9/erp/hooks").click()
    me.wait_for_url(f"**{PAGE}?unit_id=PWR-03")
    expect(rows.filter(has_text="127.0.0.1")).to_contain_text("removed")
    api = demo.client(demo.token("PWR-03", "unit_operator"))
    statuses = {s["channel"]: s["status"] for s in api.get("/v1/subscriptions").json()["items"]}
    assert statuses == {"webhook": "removed", "email": "active"}

    me.get_by_role("combobox", name="Language").select_option("en")
    me.get_by_role("button", name="Save the language").click()
    me.wait_for_url(f"**{PAGE}?unit_id=PWR-03")
    assert api.get("/v1/units/PWR-03").json()["language"] == "en"
    pages.shot(me, "subscriptions-list")
    assert accessibility_violations(me) == []

    zh = pages.signed_in("PWR-03", "unit_operator", locale="zh-CN")
    zh.goto(PAGE)
    expect(zh.get_by_role("heading", name="通知订阅")).to_be_visible()
    expect(zh.locator("#subscriptions")).to_contain_text("已移除")
    pages.shot(zh, "subscriptions-zh")
    assert accessibility_violations(zh) == []
