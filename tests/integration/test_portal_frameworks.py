"""Issue 19: the framework agreement pages over HTTP — the list, an agreement's schedule, signing,
calling off, proposing and answering amendments, closing a period — through the API's bodies
and handlers, refused as the API refuses (403, 404, 409, 422), nothing changed by a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import unlabelled_fields
from tests.integration.test_portal_disputes import admin

AGREEMENT = {
    "demand_unit_id": "PWR-02",
    "supply_unit_id": "COAL-03",
    "item_code": "THERMAL-COAL-5500",
    "uom": "t",
    "from": "2033-01-01",
    "to": "2033-03-31",
    "schedule": [
        {"period": "2033-01", "quantity": "400", "unit_price": "610.00"},
        {"period": "2033-02", "quantity": "400"},
        {"period": "2033-03", "quantity": "400", "unit_price": "610.00"},
    ],
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        moment = datetime(2033, 1, 10, 2, tzinfo=UTC)  # sessions start and stay on this day
        served.svc.clock = lambda: moment
        yield served


def shown(api: InProcessApi, framework_id: str) -> dict[str, Any]:
    answer = api.client.get(f"/v1/frameworks/{framework_id}", headers=api.auth())
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_sign_call_off_amend_and_refusals(api: InProcessApi) -> None:
    made = api.client.post(
        "/v1/frameworks", json=AGREEMENT, headers=api.auth("PWR-02", "unit_operator")
    )
    framework_id = made.json()["id"]
    page = f"/frameworks/{framework_id}"
    plant = admin(api, "PWR-02", "unit_operator")
    mine = admin(api, "COAL-03", "unit_operator")
    listed = plant.get("/frameworks").text
    assert framework_id in listed and "0 called off, 0 delivered of 400 t" in listed
    assert unlabelled_fields(plant.get(page).text) == []

    assert mine.submit(page, f"{page}/sign", {}).status_code == 303
    assert "Call off" not in plant.get(page).text  # not active before both signed
    assert plant.submit(page, f"{page}/sign", {}).status_code == 303
    assert shown(api, framework_id)["status"] == "active"
    form = plant.get(page).text
    assert 'action="/frameworks/' + framework_id + '/call-offs"' in form
    assert unlabelled_fields(form) == []

    call = f"{page}/call-offs"
    assert plant.submit(page, call, {"period": "2033-01", "quantity": "0"}).status_code == 422
    over = plant.submit(page, call, {"period": "2033-01", "quantity": "401"})
    assert over.status_code == 409 and "more than what is left" in over.text
    assert mine.submit(page, call, {"period": "2033-01", "quantity": "10"}).status_code == 403
    assert shown(api, framework_id)["periods"][0]["called_off"] == "0"
    assert plant.submit(page, call, {"period": "2033-01", "quantity": "250"}).status_code == 303
    assert shown(api, framework_id)["periods"][0]["called_off"] == "250"

    amend = f"{page}/amendments"
    empty = plant.submit(page, amend, {"period": "2033-02", "reason": "Price?"})
    assert empty.status_code == 422 and "new unit price or both" in empty.text
    started = plant.submit(page, amend, {"period": "2033-01", "quantity": "300", "reason": "Less."})
    assert started.status_code == 409 and "Only a future period changes" in started.text
    price = {"period": "2033-02", "unit_price": "605.00", "reason": "Agreed late."}
    assert mine.submit(page, amend, price).status_code == 303
    assert "Accept for PWR-02" in plant.get(page).text
    assert "Accept for" not in mine.get(page).text  # its own proposal: the other party answers
    rejected = plant.submit(page, f"{amend}/1/reject", {"reason": ""})
    assert rejected.status_code == 422
    assert plant.submit(page, f"{amend}/1/accept", {}).status_code == 303
    assert shown(api, framework_id)["periods"][1]["unit_price"] == "605.00"
    history = plant.get(page).text
    assert "Agreed late." in history and "accepted" in history

    close = f"{page}/periods/2033-01/close"
    running = plant.submit(page, close, {})
    assert running.status_code == 409 and "has not ended yet" in running.text
    outsider = admin(api, "HEAT", "platform_admin")
    assert outsider.get(page).status_code == 403
    assert plant.get("/frameworks/fwk_nowhere").status_code == 404


def test_the_pages_in_chinese(api: InProcessApi) -> None:
    plant = admin(api, "PWR-01", "unit_operator", language="zh-CN")
    listed = plant.get("/frameworks").text
    assert "框架协议" in listed


DRAWN = {
    "demand_unit_id": "PWR-02",
    "supply_unit_id": "COAL-03",
    "item_code": "THERMAL-COAL-5500",
    "uom": "t",
    "from": "2034-01-01",
    "to": "2034-06-30",
    "shortfall_tolerance_pct": "",
    "business_type": "regular",
    "directive_id": "",
    "schedule": "2034-01 300 612.50\n\n2034-02 300\n2034Q2 900 600\n",
}


def drawn_up(api: InProcessApi) -> list[str]:
    """The agreements of 2034 the API lists (the ones this test draws up)."""
    listed = api.client.get("/v1/frameworks", headers=api.auth("HQ", "hq_admin")).json()
    return [f["id"] for f in listed["items"] if f["from"].startswith("2034")]


def test_drawing_up_an_agreement(api: InProcessApi) -> None:
    plant = admin(api, "PWR-02", "unit_operator")
    form = plant.get("/frameworks").text
    assert 'id="draw-up"' in form and unlabelled_fields(form) == []

    bad = {**DRAWN, "uom": "", "from": "2034-13-01", "schedule": "2034-01 300\n2034-02 -5"}
    shown_again = plant.submit("/frameworks", "/frameworks", bad)
    assert shown_again.status_code == 422
    assert 'id="e-d-uom"' in shown_again.text and 'id="e-d-from"' in shown_again.text
    assert "Line 2:" in shown_again.text and unlabelled_fields(shown_again.text) == []
    garbled = plant.submit("/frameworks", "/frameworks", {**DRAWN, "schedule": "2034-01"})
    assert garbled.status_code == 422 and "Line 1: Each line" in garbled.text
    backwards = plant.submit("/frameworks", "/frameworks", {**DRAWN, "to": "2033-12-31"})
    assert backwards.status_code == 409 and "cannot end before it starts" in backwards.text
    assert "2034-01 300 612.50" in backwards.text  # the form as typed
    nowhere = plant.submit("/frameworks", "/frameworks", {**DRAWN, "supply_unit_id": "NOPE"})
    assert nowhere.status_code == 404 and 'id="e-d-supply_unit_id"' in nowhere.text
    assert drawn_up(api) == []

    auditor = admin(api, "HQ", "auditor")
    assert 'id="draw-up"' not in auditor.get("/frameworks").text
    assert auditor.submit("/frameworks", "/frameworks", DRAWN).status_code == 403
    other = admin(api, "SVC-03", "unit_operator")
    refused = other.submit("/frameworks", "/frameworks", DRAWN)
    assert refused.status_code == 403 and "only for a unit you act for" in refused.text
    assert drawn_up(api) == []

    done = plant.submit("/frameworks", "/frameworks", DRAWN)
    assert done.status_code == 303
    [framework_id] = drawn_up(api)
    assert done.headers["location"] == f"/frameworks/{framework_id}"
    made = shown(api, framework_id)
    assert made["shortfall_tolerance_pct"] == "5" and made["status"] == "awaiting_signatures"
    assert [(p["period"], p["quantity"], p["unit_price"]) for p in made["periods"]] == [
        ("2034-01", "300", "612.50"),
        ("2034-02", "300", None),
        ("2034Q2", "900", "600.00"),
    ]
    assert "Sign for PWR-02" in plant.get(done.headers["location"]).text
