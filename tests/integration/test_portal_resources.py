"""Issue 19: the shared resource pages over HTTP — listing one, booking a window (a refused
overlap shown with the calendar of the window asked for), handing over, taking back damaged,
cancelling, withdrawing — through the API's bodies and handlers, refused as the API refuses
(403, 404, 409, 422), nothing changed by a refusal; both languages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, unlabelled_fields
from tests.integration.test_portal_disputes import admin


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def listing(**changes: str) -> dict[str, str]:
    return {
        "owner_unit_id": "ENG-02",
        "kind": "equipment",
        "name": "Pile driver",
        "uom": "day",
        "rate": "2500.00",
        "available_quantity": "1",
    } | changes


def resource_json(api: InProcessApi, resource_id: str) -> dict[str, Any]:
    answer = api.client.get(f"/v1/resources/{resource_id}", headers=api.auth())
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_list_book_hand_over_return_and_refusals(api: InProcessApi) -> None:
    owner = admin(api, "ENG-02", "unit_operator")
    assert unlabelled_fields(owner.get("/resources").text) == []
    assert owner.submit("/resources", "/resources", listing(rate="")).status_code == 422
    unknown = owner.submit("/resources", "/resources", listing(owner_unit_id="NOPE-9"))
    assert unknown.status_code == 404 and "No unit has this id." in unknown.text
    assert (
        owner.submit("/resources", "/resources", listing(owner_unit_id="ENG-01")).status_code == 403
    )
    made = owner.submit("/resources", "/resources", listing())
    assert made.status_code == 303, made.text
    page = made.headers["location"]
    resource_id = page.rsplit("/", 1)[1]
    assert "Pile driver" in owner.get("/resources?kind=equipment").text

    borrower = admin(api, "ENG-01", "unit_operator")
    shown = borrower.get(page).text
    assert unlabelled_fields(shown) == [] and "Book a window" in shown
    assert "Withdraw the resource" not in shown  # only the owner's side withdraws
    book = f"{page}/bookings"
    window = {"unit_id": "ENG-01", "from": "2031-07-01", "to": "2031-07-04", "quantity": "1"}
    misaligned = borrower.submit(page, book, window | {"from": "2031-07-01T09:00"})
    assert misaligned.status_code == 422 and "Book whole units of time" in misaligned.text
    assert borrower.submit(page, book, window | {"unit_id": "ENG-02"}).status_code == 403
    booked = borrower.submit(page, book, window)
    assert booked.status_code == 303, booked.text
    (b,) = resource_json(api, resource_id)["bookings"]
    assert (b["amount"], b["status"]) == ("7500.00", "booked")

    other = admin(api, "HEAT-01", "unit_operator")
    clash = other.submit(page, book, window | {"unit_id": "HEAT-01", "from": "2031-07-03"})
    assert clash.status_code == 409 and "too little is free" in clash.text
    assert 'value="2031-07-03"' in clash.text  # the calendar shows the window asked for
    assert len(resource_json(api, resource_id)["bookings"]) == 1

    booking = f"{page}/bookings/{b['booking_id']}"
    assert borrower.submit(page, f"{booking}/handover", {"condition": "x"}).status_code == 403
    assert owner.submit(page, f"{booking}/handover", {"condition": ""}).status_code == 422
    handed = owner.submit(page, f"{booking}/handover", {"condition": "Hammer checked."})
    assert handed.status_code == 303, handed.text
    no_damage_text = {"condition": "Bent.", "damaged": "on", "severity": "major"}
    assert owner.submit(page, f"{booking}/return", no_damage_text).status_code == 422
    back = owner.submit(page, f"{booking}/return", no_damage_text | {"damage": "Leader bent."})
    assert back.status_code == 303, back.text
    returned = resource_json(api, resource_id)["bookings"][0]
    assert (returned["status"], returned["damaged"]) == ("returned", True)
    again = owner.submit(page, f"{booking}/return", {"condition": "Again."})
    assert again.status_code == 409 and "not at that step" in again.text

    second = borrower.submit(page, book, window | {"from": "2031-08-01", "to": "2031-08-02"})
    assert second.status_code == 303
    later = resource_json(api, resource_id)["bookings"][1]["booking_id"]
    cancelled = borrower.submit(page, f"{page}/bookings/{later}/cancel", {"reason": "Rain."})
    assert cancelled.status_code == 303, cancelled.text
    assert owner.submit(page, f"{page}/withdraw", {"reason": ""}).status_code == 422
    assert owner.submit(page, f"{page}/withdraw", {"reason": "Sold."}).status_code == 303
    assert resource_json(api, resource_id)["status"] == "withdrawn"
    assert "Book a window" not in borrower.get(page).text

    chinese = admin(api, "ENG-01", "unit_operator", language="zh-CN").get(page).text
    assert "共享资源" in chinese and "已归还" in chinese
    assert PortalUser(api).get(page).status_code == 303  # signed out: to the sign-in page
    assert borrower.get("/resources/res_nope").status_code == 404
