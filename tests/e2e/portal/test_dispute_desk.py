"""Issue 14 in a real browser, the dispute desk: a buyer raises a dispute about its contract and
asks for mediation; the platform that mediates decides it; both see it resolved."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import REQUIRED_BY, Pages, post_need

BUYER, SUPPLIER, MEDIATOR = "HEAT-01", "HEAT-02", "HEAT"  # one platform: it mediates


def signed_contract(demo: Server) -> str:
    """HEAT-01 buys steam from HEAT-02, both sign: set up through the API."""
    need_id = post_need(demo, BUYER, "Steam for the dispute desk", quantity="100",
                        budget_amount="19000.00")  # fmt: skip
    buyer = demo.client(demo.token(BUYER, "unit_operator"))
    supplier = demo.client(demo.token(SUPPLIER, "unit_operator"))
    offer = {"supplier_unit_id": SUPPLIER, "unit_price": "185.00", "quantity": "100"}
    offer |= {"delivery_date": REQUIRED_BY}
    offer |= {"valid_until": (datetime.now(UTC) + timedelta(days=7)).isoformat()}
    offered = supplier.post(f"/v1/needs/{need_id}/offers", json=offer)
    assert offered.status_code == 201, offered.text
    awarded = buyer.post(
        f"/v1/needs/{need_id}/award", json={"offer_id": offered.json()["offer_id"]}
    )
    assert awarded.status_code == 201, awarded.text
    contract_id: str = awarded.json()["contract_id"]
    for client in (supplier, buyer):
        assert client.post(f"/v1/contracts/{contract_id}/sign").is_success
    return contract_id


def test_the_buyer_raises_asks_for_mediation_and_the_platform_decides(
    demo: Server, pages: Pages
) -> None:
    contract_id = signed_contract(demo)
    buyer = pages.signed_in(BUYER)
    buyer.goto(
        f"/disputes/new?subject_type=contract&subject_id={contract_id}&against_unit_id={SUPPLIER}"
    )
    expect(buyer.locator("#dispute-subject a")).to_have_attribute(
        "href", f"/contracts/{contract_id}"
    )
    buyer.get_by_label("Kind of dispute").select_option("delivery")
    buyer.get_by_label("The claim").fill("Half the steam came a week late.")
    pages.shot(buyer, "buyer-new-dispute")
    buyer.get_by_role("button", name="Raise the dispute").click()
    buyer.wait_for_url(re.compile(r"/disputes/dsp_"))
    dispute_id = buyer.url.rsplit("/", 1)[1]
    expect(buyer.locator("#dispute-status")).to_have_text("negotiating")
    pages.shot(buyer, "buyer-dispute-raised")
    buyer.get_by_role("button", name="Ask for mediation").click()
    expect(buyer.locator("#dispute-status")).to_have_text("in mediation")
    expect(buyer.locator("#dispute-mediator")).to_contain_text(MEDIATOR)
    pages.shot(buyer, "buyer-in-mediation")

    mediator = pages.signed_in(MEDIATOR, "platform_admin")
    mediator.goto("/disputes?status=in_mediation")
    row = mediator.locator(f'tr[data-dispute="{dispute_id}"]')
    expect(row).to_contain_text("yours to decide")
    pages.shot(mediator, "mediator-disputes")
    row.get_by_role("link").click()
    mediator.wait_for_url(f"**/disputes/{dispute_id}")
    mediator.get_by_label("The mediator's decision").fill("HEAT-02 refunds 20% of the price.")
    mediator.get_by_role("button", name="Decide the dispute").click()
    expect(mediator.locator("#dispute-status")).to_have_text("decided by the mediator")
    pages.shot(mediator, "mediator-decided")

    buyer.reload()
    expect(buyer.locator("#dispute-status")).to_have_text("decided by the mediator")
    expect(buyer.locator("#dispute-outcome")).to_have_text("HEAT-02 refunds 20% of the price.")
    pages.shot(buyer, "buyer-sees-it-resolved")
    found = demo.client(demo.token(BUYER, "unit_operator")).get(f"/v1/disputes/{dispute_id}")
    assert (found.json()["status"], found.json()["mediator_unit_id"]) == ("resolved", MEDIATOR)
