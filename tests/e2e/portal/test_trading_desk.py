"""Issue 14 in a real browser, the trading desk: the live inbox, offers and awards, tenders,
CSRF, the language switch, what another unit's need shows."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import GROUP_ZONE, REQUIRED_BY, Pages, need_json, post_need


def test_a_new_need_appears_live_the_supplier_offers_and_the_buyer_awards(
    demo: Server, pages: Pages
) -> None:
    supplier = pages.signed_in("HEAT-02")
    supplier.evaluate("window.keptAcrossUpdates = true")  # gone if the page were reloaded
    posted_at = time.monotonic()
    need_id = post_need(demo, "COAL-02", "Live steam for the browser test")
    row = supplier.locator(f'tr[data-need="{need_id}"]')
    expect(row).to_be_visible(timeout=5000)
    assert time.monotonic() - posted_at < 3.5  # within 2 s of the post, with slack for the load
    assert supplier.evaluate("window.keptAcrossUpdates") is True
    pages.shot(supplier, "supplier-inbox-live")

    row.get_by_role("link").click()
    supplier.wait_for_url(f"**/needs/{need_id}")
    assert supplier.locator("#need-budget").count() == 0  # the demand side's only
    supplier.get_by_label("Unit price (CNY)").fill("183.50")
    supplier.get_by_label("Quantity", exact=True).fill("500")
    supplier.get_by_label("Delivery date").fill(REQUIRED_BY)
    valid = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    supplier.get_by_label("Valid until").fill(valid)
    supplier.get_by_label("Unit price (CNY)").fill("abc")
    supplier.get_by_role("button", name="Send the offer").click()
    expect(supplier.locator("#e-unit_price")).to_be_visible()  # refused, the input kept
    assert supplier.get_by_label("Delivery date").input_value() == REQUIRED_BY
    pages.shot(supplier, "supplier-offer-invalid")
    supplier.get_by_label("Unit price (CNY)").fill("183.50")
    supplier.get_by_label("Valid until").fill(valid)
    supplier.get_by_role("button", name="Send the offer").click()
    expect(supplier.locator("table.compare")).to_contain_text("183.50")
    pages.shot(supplier, "supplier-offered")
    assert [o["unit_price"] for o in need_json(demo, "HEAT-02", need_id)["offers"]] == ["183.50"]

    buyer = pages.signed_in("COAL-02")
    buyer.goto(f"/needs/{need_id}")
    expect(buyer.locator("#need-budget")).to_have_text("95000.00")
    expect(buyer.locator("table.compare")).to_contain_text("183.50")
    expect(buyer.locator("table.compare")).to_contain_text("185.00")  # catalog reference price
    pages.shot(buyer, "buyer-compares")
    buyer.get_by_role("button", name="Award to HEAT-02").click()
    expect(buyer.locator("#need-contract")).to_be_visible()
    pages.shot(buyer, "buyer-awarded")
    assert need_json(demo, "COAL-02", need_id)["status"] == "awarded"
    buyer.goto("/needs?status=awarded")
    expect(buyer.locator(f'tr[data-need="{need_id}"]')).to_be_visible()
    pages.shot(buyer, "buyer-needs-board")


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    demo: Server, pages: Pages
) -> None:
    buyer = pages.signed_in("COAL-03")
    before = demo.client(demo.token("COAL-03", "unit_operator")).get("/v1/needs").json()["items"]
    buyer.goto("/needs/new")
    buyer.get_by_label("Item code or name").fill("process steam")  # found as one types
    buyer.get_by_role("link", name="STEAM-LP — Low-pressure process steam 0.8 MPa").click()
    expect(buyer.get_by_label("Item code", exact=True)).to_have_value("STEAM-LP")
    expect(buyer.locator("#suppliers-title + ul")).to_contain_text("HEAT-02")
    pages.shot(buyer, "new-need")
    buyer.get_by_label("Title").fill("Forged need")
    buyer.get_by_label("Quantity").fill("10")
    buyer.get_by_label("Required by").fill(REQUIRED_BY)
    buyer.get_by_label("Budget (CNY)").fill("1000.00")
    buyer.evaluate("document.querySelector('form[action=\"/needs\"] input[name=csrf]').remove()")
    buyer.get_by_role("button", name="Post the need").click()
    expect(buyer.get_by_role("heading", name="Not allowed")).to_be_visible()
    pages.shot(buyer, "csrf-refused")
    after = demo.client(demo.token("COAL-03", "unit_operator")).get("/v1/needs").json()["items"]
    assert after == before
    forged = buyer.request.post(f"{demo.url}/needs", form={"title": "Forged again"})
    assert forged.status == 403


def test_the_language_switch_shows_chinese_labels(demo: Server, pages: Pages) -> None:
    page = pages.signed_in("PWR-02")
    page.locator("summary", has_text="Trading").click()  # the header's desk menu
    expect(page.get_by_role("link", name="My needs")).to_be_visible()
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="待办")).to_be_visible()
    page.locator("summary", has_text=re.compile("^交易$")).click()
    expect(page.get_by_role("link", name="我的需求")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    pages.shot(page, "inbox-zh")
    page.goto("/needs/new")
    expect(page.get_by_label("物项编码或名称")).to_be_visible()
    pages.shot(page, "new-need-zh")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than it
    for path in ("/inbox", "/needs", "/needs/new?lookup=steam"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        pages.shot(page, f"phone-{path.strip('/').split('?')[0].replace('/', '-')}")


def test_another_units_need_shows_only_what_the_api_shows(demo: Server, pages: Pages) -> None:
    need_id = post_need(demo, "HEAT-01", "Steam the engineering unit may read")
    offer = {
        "supplier_unit_id": "PWR-01",
        "unit_price": "178.00",
        "quantity": "500",
        "delivery_date": REQUIRED_BY,
        "valid_until": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
    }
    offered = demo.client(demo.token("PWR-01", "unit_operator")).post(
        f"/v1/needs/{need_id}/offers", json=offer
    )
    assert offered.status_code == 201, offered.text
    as_api = need_json(demo, "ENG-02", need_id)
    assert as_api["budget_amount"] is None and as_api["offers"] == []
    page = pages.signed_in("ENG-02")
    page.goto(f"/needs/{need_id}")
    expect(page.get_by_role("heading", name="Steam the engineering unit may read")).to_be_visible()
    assert page.locator("#need-budget").count() == 0
    assert page.locator("[data-offer]").count() == 0
    assert page.get_by_text("178.00").count() == 0
    assert page.get_by_role("button", name="Send the offer").count() == 0
    pages.shot(page, "outsider-need")
    answer = httpx.get(f"{demo.url}/needs/{need_id}", follow_redirects=False)
    assert answer.status_code == 303  # signed out: the sign-in page


def test_a_tender_from_launch_to_sealed_bids_to_opening_and_award(
    demo: Server, pages: Pages
) -> None:
    need_id = post_need(demo, "COAL-01", "Steam tendered in the browser", sourcing="tender")
    heat, power = pages.signed_in("HEAT-02"), pages.signed_in("PWR-01")  # ready before launch
    buyer = pages.signed_in("COAL-01")
    buyer.goto(f"/needs/{need_id}")
    for unit in ("HEAT-02", "PWR-01"):  # the checklist: every catalog supplier, ticked
        expect(buyer.get_by_label(unit, exact=True)).to_be_checked()
    window = 10.0  # seconds to the deadline: room for two bids on a loaded machine
    deadline = datetime.now(GROUP_ZONE) + timedelta(seconds=window)
    closes = time.monotonic() + window
    buyer.get_by_label("Bid deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M:%S"))
    buyer.get_by_role("button", name="Launch the tender").click()
    buyer.locator("#need-tender a").click()
    buyer.wait_for_url("**/tenders/*")
    tender_path = "/tenders/" + buyer.url.rsplit("/", 1)[1]
    pages.shot(buyer, "tender-launched")

    for supplier, unit, amount in ((heat, "HEAT-02", "1010.59"), (power, "PWR-01", "1005.83")):
        row = supplier.locator(f'tr[data-need="{need_id}"]')
        expect(row).to_be_visible(timeout=5000)  # the invitation appears in the live inbox
        row.get_by_role("link", name="Open the tender").click()
        supplier.wait_for_url(f"**{tender_path}")
        supplier.get_by_label("Amount (CNY)").fill(amount)
        supplier.get_by_label("Delivery date").fill(REQUIRED_BY)
        supplier.get_by_role("button", name="Submit the sealed bid").click()
        expect(supplier.locator(f'#my-bids li[data-unit="{unit}"]')).to_contain_text(
            "your sealed bid is submitted"
        )
        assert supplier.get_by_text(amount).count() == 0  # sealed, even to its bidder
        pages.shot(supplier, f"{unit}-bid")

    # The demand unit's open page follows the count live (htmx polling), never an amount.
    expect(buyer.locator("#tender-bid-count")).to_have_text("2", timeout=6000)
    assert buyer.get_by_text("1005.83").count() == 0
    assert buyer.get_by_role("button", name="Open the bids").count() == 0  # not before
    pages.shot(buyer, "tender-sealed")
    time.sleep(max(0.0, closes - time.monotonic()) + 0.5)
    buyer.reload()
    buyer.get_by_role("button", name="Open the bids").click()
    ranking = buyer.locator("#ranking")
    expect(ranking.locator("tbody tr").first).to_contain_text("PWR-01")
    expect(ranking).to_contain_text("lowest amount")
    expect(ranking).to_contain_text("1010.59")
    pages.shot(buyer, "tender-opened")
    expect(buyer.get_by_label("Award to PWR-01")).to_be_checked()  # the first, chosen already
    buyer.get_by_role("button", name="Award the tender").click()
    expect(buyer.locator("#tender-status")).to_have_text("awarded")
    pages.shot(buyer, "tender-awarded")
    need = need_json(demo, "COAL-01", need_id)
    assert need["status"] == "awarded" and need["contract_id"]
