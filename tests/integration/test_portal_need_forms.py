"""Issue 14: the forms on a need's page over HTTP — offer, revise, withdraw, award, buy
outside the group, launch a tender — each through the API's body and handler, refused as the
API refuses and nothing changed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import (
    REQUIRED_BY,
    api_needs,
    need_form,
    need_json,
    operator,
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def test_post_offer_and_award_through_the_pages(api: InProcessApi) -> None:
    buyer = operator(api, "COAL-01")
    posted = buyer.submit("/needs/new", "/needs", need_form(title="Steam for the awards"))
    assert posted.status_code == 303
    need_id = posted.headers["location"].rsplit("/", 1)[1]
    assert any(n["need_id"] == need_id for n in api_needs(api, "COAL-01"))
    supplier = operator(api, "HEAT-02")
    page = f"/needs/{need_id}"
    valid_until = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    offer = {
        "supplier_unit_id": "HEAT-02",
        "unit_price": "181.00",
        "quantity": "300",
        "delivery_date": REQUIRED_BY,
        "valid_until": valid_until,
    }
    bad = supplier.submit(page, f"{page}/offers", offer | {"unit_price": "abc"})
    assert bad.status_code == 422 and 'id="e-unit_price"' in bad.text and 'value="abc"' in bad.text
    assert supplier.submit(page, f"{page}/offers", offer).status_code == 303
    again = supplier.submit(page, f"{page}/offers", offer)  # the form is gone; the API's rule
    assert again.status_code == 409 and "already has an open offer" in again.text
    outsider = operator(api, "ENG-01")  # not a catalog supplier of steam: the handler refuses
    other = outsider.submit(page, f"{page}/offers", offer | {"supplier_unit_id": "HEAT-02"})
    assert other.status_code == 403
    shown = buyer.get(page)
    assert "181.00" in shown.text and "185.00" in shown.text  # the offer and its catalog price
    offer_id = api.client.get(
        f"/v1/needs/{need_id}", headers=api.auth("COAL-01", "unit_operator")
    ).json()["offers"][0]["offer_id"]
    assert supplier.submit(page, f"{page}/award", {"offer_id": offer_id}).status_code == 403
    awarded = buyer.submit(page, f"{page}/award", {"offer_id": offer_id})
    assert awarded.status_code == 303
    view = buyer.get(page).text
    assert 'id="need-contract"' in view and "awarded" in view
    twice = buyer.submit(page, f"{page}/award", {"offer_id": offer_id})
    assert twice.status_code == 409 and "already been awarded" in twice.text


def test_a_supplier_revises_and_withdraws_its_own_offer_only(api: InProcessApi) -> None:
    buyer = operator(api, "COAL-01")
    posted = buyer.submit("/needs/new", "/needs", need_form(title="Steam to revise"))
    need_id = posted.headers["location"].rsplit("/", 1)[1]
    page = f"/needs/{need_id}"
    valid_until = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    terms = {"unit_price": "190.00", "quantity": "300", "delivery_date": REQUIRED_BY,
             "valid_until": valid_until}  # fmt: skip
    supplier = operator(api, "PWR-01")
    made = supplier.submit(page, f"{page}/offers", terms | {"supplier_unit_id": "PWR-01"})
    assert made.status_code == 303

    def offer() -> dict[str, Any]:
        read = api.client.get(f"/v1/needs/{need_id}", headers=api.auth("PWR-01", "unit_operator"))
        found: dict[str, Any] = read.json()["offers"][0]
        return found

    offer_id = offer()["offer_id"]
    shown = supplier.get(page).text
    assert f"/offers/{offer_id}/revise" in shown and 'value="190.00"' in shown
    revise, withdraw = f"{page}/offers/{offer_id}/revise", f"{page}/offers/{offer_id}/withdraw"
    bad = supplier.submit(page, revise, terms | {"unit_price": "1.234"})
    assert bad.status_code == 422 and 'value="1.234"' in bad.text and "decimal places" in bad.text
    assert offer()["unit_price"] == "190.00"
    assert supplier.submit(page, revise, terms | {"unit_price": "176.00"}).status_code == 303
    assert offer()["unit_price"] == "176.00"
    rival = operator(api, "HEAT-02")  # another supplier of the need: not its offer
    assert rival.submit(page, revise, terms).status_code == 403
    assert rival.submit(page, withdraw, {}).status_code == 403
    other_need = api_needs(api, "COAL-01")[-1]["need_id"]
    elsewhere = f"/needs/{other_need}/offers/{offer_id}/withdraw"
    assert supplier.submit(page, elsewhere, {}).status_code == 404
    assert supplier.post(withdraw, {}).status_code == 403  # no CSRF token
    assert offer()["status"] == "open"
    assert supplier.submit(page, withdraw, {}).status_code == 303
    assert offer()["status"] == "withdrawn"
    again = supplier.submit(page, withdraw, {})
    assert again.status_code == 409 and "no longer open" in again.text


def test_the_demand_unit_asks_to_buy_outside_on_one_of_the_four_grounds(
    api: InProcessApi,
) -> None:
    buyer = operator(api, "COAL-01", "zh-CN")
    posted = buyer.submit("/needs/new", "/needs", need_form(title="Steam from outside"))
    need_id = posted.headers["location"].rsplit("/", 1)[1]
    page, action = f"/needs/{need_id}", f"/needs/{need_id}/external-sourcing"
    assert "1 · 内部市场无法提供" in buyer.get(page).text
    empty = buyer.submit(page, action, {"ground": "", "justification": "", "quantity": ""})
    assert empty.status_code == 422
    assert 'id="e-ground"' in empty.text and 'id="e-x-justification"' in empty.text
    assert "此项为必填项" in empty.text
    short = {
        "ground": "insufficient_for_urgent_need",
        "justification": "Urgent 紧急",
        "quantity": "",
    }
    refused = buyer.submit(page, action, short)
    assert refused.status_code == 409 and "依此理由须注明外部采购数量" in refused.text
    assert "Urgent 紧急</textarea>" in refused.text
    assert need_json(api, need_id)["external_sourcing"] == []
    supplier = operator(api, "HEAT-02")
    assert "/external-sourcing" not in supplier.get(page).text
    assert supplier.submit(page, action, short | {"quantity": "100"}).status_code == 403
    assert buyer.submit(page, action, short | {"quantity": "100"}).status_code == 303
    (request,) = need_json(api, need_id)["external_sourcing"]
    assert request["ground"] == "insufficient_for_urgent_need" and request["quantity"] == "100"
    assert "待审批" in buyer.get(page).text
    approved = api.client.post(
        f"/v1/external-sourcing/{request['request_id']}/approve",
        json={},
        headers=api.auth("COAL", "platform_admin"),
    )
    assert approved.status_code == 200, approved.text
    assert "已批准" in buyer.get(page).text


def test_a_tender_is_launched_with_the_checklist_of_catalog_suppliers(api: InProcessApi) -> None:
    buyer = operator(api, "COAL-01")
    direct = buyer.submit("/needs/new", "/needs", need_form(title="Steam bought directly"))
    where = direct.headers["location"]
    assert f'action="{where}/tender"' not in buyer.get(where).text  # a direct need has no tender
    posted = buyer.submit("/needs/new", "/needs", need_form(title="Steam by tender",
                                                            sourcing="tender"))  # fmt: skip
    need_id = posted.headers["location"].rsplit("/", 1)[1]
    page, action = f"/needs/{need_id}", f"/needs/{need_id}/tender"
    shown = buyer.get(page).text
    for unit in ("HEAT-02", "PWR-01"):  # every catalog supplier, ticked
        assert re.search(rf'id="f-invite-{unit}" name="invitees" value="{unit}"\s+checked', shown)
    deadline = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form = {"bid_deadline": deadline, "more_invitees": "", "internal_preference_margin_pct": "",
            "omission_filing": ""}  # fmt: skip
    missing = buyer.post(action, {"csrf": buyer.csrf(page), "invitees": "HEAT-02", **form})
    assert missing.status_code == 409 and "omission filed: PWR-01." in missing.text
    assert re.search(r'value="PWR-01"\s*>', missing.text)  # left unticked, as sent
    unknown = buyer.post(
        action,
        {
            "csrf": buyer.csrf(page),
            "invitees": ["HEAT-02", "PWR-01"],
            **form,
            "more_invitees": "NOPE-99",
        },
    )
    assert unknown.status_code == 404 and 'id="e-t-more_invitees"' in unknown.text
    assert 'value="NOPE-99"' in unknown.text
    bad = buyer.post(
        action,
        {
            "csrf": buyer.csrf(page),
            "invitees": ["HEAT-02", "PWR-01"],
            **form,
            "internal_preference_margin_pct": "abc",
            "bid_deadline": "",
        },
    )
    assert bad.status_code == 422
    assert (
        'id="e-t-internal_preference_margin_pct"' in bad.text
        and 'id="e-t-bid_deadline"' in bad.text
    )
    assert need_json(api, need_id)["tender_id"] is None
    typed = "ENG-01\uff0cSVC-01"  # a full-width comma, as a Chinese keyboard types it
    filed = {"more_invitees": typed, "omission_filing": "PWR-01 is overhauling"}
    launched = buyer.post(
        action, {"csrf": buyer.csrf(page), "invitees": "HEAT-02", **form, **filed}
    )
    assert launched.status_code == 303
    tender_id = need_json(api, need_id)["tender_id"]
    link = f'id="need-tender"><a href="/tenders/{tender_id}">{tender_id}</a>'
    assert tender_id and link in buyer.get(page).text
    tender = api.client.get(
        f"/v1/tenders/{tender_id}", headers=api.auth("COAL-01", "unit_operator")
    )
    assert sorted(tender.json()["invitees"]) == ["ENG-01", "HEAT-02", "SVC-01"]
    assert tender.json()["compliance"] == "exception_filed"


def test_a_need_posted_with_a_delivery_location_shows_it(api: InProcessApi) -> None:
    buyer = operator(api, "COAL-01")
    where = {"delivery_site": "Plant 2 coal yard", "delivery_address": "1 Mine Road, Ordos"}
    alone = {"delivery_address": "1 Mine Road, Ordos"}  # an address without its site
    refused = buyer.submit("/needs/new", "/needs", need_form(title="Coal, no site") | alone)
    assert refused.status_code == 422
    assert 'id="e-delivery_site"' in refused.text and "1 Mine Road" in refused.text
    posted = buyer.submit("/needs/new", "/needs", need_form(title="Coal to the yard") | where)
    assert posted.status_code == 303
    need_id = posted.headers["location"].rsplit("/", 1)[1]
    shown = buyer.get(f"/needs/{need_id}").text
    assert "Plant 2 coal yard · 1 Mine Road, Ordos" in shown
    stored = api.client.get(f"/v1/needs/{need_id}", headers=api.auth("COAL-01", "unit_operator"))
    assert stored.json()["delivery_location"] == {
        "site": "Plant 2 coal yard",
        "address": "1 Mine Road, Ordos",
    }
    listed = {n["need_id"]: n for n in api_needs(api, "COAL-01")}
    assert listed[need_id]["delivery_site"] == "Plant 2 coal yard"
    inbox = api.client.get("/v1/inbox", headers=api.auth("HEAT-02", "unit_operator")).json()
    assert {i["need_id"]: i.get("delivery_site") for i in inbox["items"]}.get(need_id) == (
        "Plant 2 coal yard"
    )
