"""Issue 14 in a real browser, the contract desk: both parties sign, the supplier records a
delivery, the buyer raises a quality incident (a dispute one link away), an outsider is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import GROUP_ZONE, REQUIRED_BY, Pages, post_need


def awarded(demo: Server, buyer: str, supplier: str) -> str:
    """A contract through the API: the buyer's need, the supplier's offer, the award."""
    need_id = post_need(demo, buyer, "Steam under contract in the browser")
    valid = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    offer = {"supplier_unit_id": supplier, "unit_price": "185.00", "quantity": "500",
             "delivery_date": REQUIRED_BY, "valid_until": valid}  # fmt: skip
    offered = demo.client(demo.token(supplier, "unit_operator")).post(
        f"/v1/needs/{need_id}/offers", json=offer
    )
    assert offered.status_code == 201, offered.text
    award = {"offer_id": offered.json()["offer_id"]}
    answer = demo.client(demo.token(buyer, "unit_operator")).post(
        f"/v1/needs/{need_id}/award", json=award
    )
    assert answer.status_code == 201, answer.text
    contract_id: str = answer.json()["contract_id"]
    return contract_id


def a_minute_ago() -> str:
    return (datetime.now(GROUP_ZONE) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")


def test_parties_sign_deliver_and_raise_an_incident_an_outsider_is_refused(
    demo: Server, pages: Pages
) -> None:
    contract_id = awarded(demo, "COAL-02", "HEAT-02")
    page = f"/contracts/{contract_id}"

    buyer = pages.signed_in("COAL-02")
    buyer.goto("/contracts")
    row = buyer.locator(f'tr[data-contract="{contract_id}"]')
    expect(row).to_contain_text("HEAT-02")
    expect(row).to_contain_text("awaiting signatures")
    pages.shot(buyer, "buyer-contracts")
    row.get_by_role("link").click()
    buyer.wait_for_url(f"**{page}")
    buyer.get_by_role("button", name="Sign for COAL-02").click()
    expect(buyer.locator("#contract-signatures")).to_contain_text("COAL-02")
    pages.shot(buyer, "buyer-signed")

    supplier = pages.signed_in("HEAT-02")
    supplier.goto(page)
    supplier.get_by_role("button", name="Sign for HEAT-02").click()
    expect(supplier.locator("#contract-status")).to_have_text("active")
    pages.shot(supplier, "supplier-signed")
    supplier.get_by_label("Delivered quantity").fill("200")
    supplier.get_by_label("Delivered amount (CNY)").fill("37000.00")
    supplier.get_by_label("Delivered at").fill(a_minute_ago())
    supplier.get_by_role("button", name="Record the delivery").click()
    expect(supplier.locator("#deliveries")).to_contain_text("37000.00")
    expect(supplier.locator("#contract-delivered")).to_contain_text("200")
    pages.shot(supplier, "supplier-delivered")

    buyer.goto(page)
    buyer.get_by_label("Kind").select_option("product_quality")
    buyer.get_by_label("Severity").select_option("major")
    buyer.get_by_label("Description").fill("Wet steam at the urea line.")
    buyer.get_by_label("Occurred at").fill(a_minute_ago())
    buyer.get_by_role("button", name="Raise a quality incident").click()
    incident = buyer.locator("#incidents tbody tr").first
    expect(incident).to_contain_text("product quality")
    incident_id = incident.get_attribute("data-incident")
    dispute = incident.get_by_role("link", name="Open a dispute")
    expect(dispute).to_have_attribute(
        "href",
        f"/disputes/new?subject_type=quality_incident&subject_id={incident_id}"
        "&against_unit_id=HEAT-02",
    )
    expect(buyer.locator("#timeline")).to_contain_text("Both parties signed")
    pages.shot(buyer, "buyer-incident")

    outsider = pages.signed_in("PWR-01")
    refused = outsider.goto(page)
    assert refused is not None and refused.status == 403
    expect(outsider.locator("main")).not_to_contain_text("HEAT-02")
    pages.shot(outsider, "outsider-refused")
