"""Issue 15 in a real browser, HQ's catalog review desk: HQ ticks and approves entries in bulk,
sees publication refused while one is pending, rejects it with a reason and publishes; the
platforms' quarterly reports overview. axe-core finds nothing serious on either page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import Pages, accessibility_violations


def entry(supplier: str, item: str, price: str) -> dict[str, str]:
    return {
        "supplier_unit_id": supplier,
        "category": "product" if supplier.startswith("HEAT") else "service",
        "subcategory": "heat" if supplier.startswith("HEAT") else "delivery",
        "item_code": item,
        "item_name": f"{item} for the review desk",
        "uom": "t",
        "reference_price": price,
    }


def version_with_entries(demo: Server) -> str:
    """A later half-year's version HQ opens over the API; HEAT submits two entries, SVC one."""
    hq = demo.client(demo.token("HQ", "hq_admin"))
    body = {
        "period": "2036H2",
        "effective_from": "2036-07-01",
        "effective_to": "2036-12-31",
        "submission_deadline": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
    }
    opened = hq.post("/v1/catalog/versions", json=body)
    assert opened.status_code == 201, opened.text
    version_id: str = opened.json()["id"]
    for platform, entries in (
        ("HEAT", [entry("HEAT-01", "HW-DESK", "46.00"), entry("HEAT-02", "STEAM-LP", "190.00")]),
        ("SVC", [entry("SVC-01", "FREIGHT-DESK", "0.40")]),
    ):
        sent = demo.client(demo.token(platform, "platform_admin")).post(
            f"/v1/catalog/versions/{version_id}/submissions", json={"entries": entries}
        )
        assert sent.status_code == 201, sent.text
    return version_id


def test_hq_reviews_and_publishes_a_catalog_version(demo: Server, pages: Pages) -> None:
    version_id = version_with_entries(demo)
    hq = pages.signed_in("HQ", "hq_admin", width=390)
    hq.goto(f"/catalog/versions/{version_id}")
    expect(hq.locator("#pending-count")).to_contain_text("Entries awaiting review: 3")
    expect(hq.locator('#queue-counts tr[data-group="HEAT/product"] td[data-count]')).to_have_text(
        "2"
    )
    expect(hq.locator("#diff-changed")).to_contain_text("190.00")
    pages.shot(hq, "review-desk")
    assert accessibility_violations(hq) == []

    hq.get_by_label("Tick HW-DESK of HEAT-01").check()
    hq.get_by_label("Tick STEAM-LP of HEAT-02").check()
    hq.get_by_role("button", name="Approve the ticked entries").click()
    expect(hq.locator("#pending-count")).to_contain_text("Entries awaiting review: 1")
    pages.shot(hq, "bulk-approved")

    hq.get_by_role("button", name="Publish the version").click()
    expect(hq.locator("#publish-refused")).to_contain_text(
        "Not published, entries still awaiting review: 1."
    )
    pages.shot(hq, "publish-refused")

    row = hq.locator('tr[data-item="FREIGHT-DESK"]')
    row.get_by_text("Reject…").click()
    row.get_by_label("Reason for rejecting FREIGHT-DESK").fill("Freight is not a catalog item")
    row.get_by_role("button", name="Reject the entry").click()
    expect(hq.locator("#queue-empty")).to_be_visible()

    hq.get_by_role("button", name="Publish the version").click()
    expect(hq.locator("#version-status")).to_have_text("published for its half-year")
    pages.shot(hq, "published")
    answer = demo.client(demo.token("HQ", "hq_admin")).get(f"/v1/catalog/versions/{version_id}")
    assert answer.json()["status"] == "published"

    hq.goto("/reports")
    expect(hq.locator("#report-statuses")).to_be_visible()
    expect(hq.locator('#report-statuses tr[data-unit="HEAT"]')).to_be_visible()
    pages.shot(hq, "reports-overview")
    assert accessibility_violations(hq) == []
