"""Issue 14 in a real browser, the administrator's desk: requests to buy outside the group
decided on `/approvals`, the need showing the decision, and the catalog search page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import Pages, need_json, post_need


def ask_outside(demo: Server, unit: str, title: str) -> tuple[str, str]:
    need_id = post_need(demo, unit, title)
    body = {"ground": "not_available_internally", "justification": f"{title}: none inside."}
    answer = demo.client(demo.token(unit, "unit_operator")).post(
        f"/v1/needs/{need_id}/external-sourcing", json=body
    )
    assert answer.status_code == 201, answer.text
    return need_id, str(answer.json()["request_id"])


def test_the_platform_admin_decides_requests_and_searches_the_catalog(
    demo: Server, pages: Pages
) -> None:
    approved_need, to_approve = ask_outside(demo, "COAL-02", "Desk steam to approve")
    rejected_need, to_reject = ask_outside(demo, "COAL-03", "Desk steam to reject")

    admin = pages.signed_in("COAL", "platform_admin")  # lands on /approvals
    approving = admin.locator(f'article[id="request-{to_approve}"]')
    rejecting = admin.locator(f'article[id="request-{to_reject}"]')
    expect(approving).to_contain_text("Desk steam to approve: none inside.")
    expect(rejecting).to_contain_text("COAL-03")
    approving.get_by_role("button", name="Approve").click()
    admin.wait_for_url("**/approvals")
    expect(approving).to_have_count(0)  # decided: no longer awaiting
    rejecting.get_by_label("Reason for rejecting").fill("HEAT-02 has spare steam this month.")
    rejecting.get_by_role("button", name="Reject").click()
    expect(rejecting).to_have_count(0)
    pages.shot(admin, "approvals-decided")
    [approval] = need_json(demo, "COAL-02", approved_need)["external_sourcing"]
    assert approval["status"] == "approved"
    [rejection] = need_json(demo, "COAL-03", rejected_need)["external_sourcing"]
    assert (rejection["status"], rejection["reason"]) == (
        "rejected",
        "HEAT-02 has spare steam this month.",
    )

    admin.get_by_label("Status").select_option("approved")
    admin.get_by_role("button", name="Filter").click()
    admin.get_by_role("link", name="Desk steam to approve").click()
    admin.wait_for_url(f"**/needs/{approved_need}")
    expect(admin.locator("#external-requests")).to_contain_text("approved")
    pages.shot(admin, "need-approved-outside")

    admin.locator("summary", has_text="Trading").click()  # the header's desk menu
    admin.get_by_role("link", name="Catalog").click()
    admin.wait_for_url("**/catalog")
    admin.get_by_label("Item code or name").fill("steam-lp")
    admin.get_by_role("button", name="Search").click()
    hits = admin.locator("#catalog-hits")
    expect(hits).to_contain_text("HEAT-02")
    expect(hits).to_contain_text("PWR-01")
    expect(hits).to_contain_text("Heat (steam, hot water)")
    pages.shot(admin, "catalog-search")
