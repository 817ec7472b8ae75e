"""Issue 18: the exchange visit pages over HTTP — planning, recording as held, cancelling —
through the API's bodies and handlers, refused as the API refuses (403, 404, 409, 422), nothing
changed by a refusal; a need posted from a lead keeps it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, unlabelled_fields
from tests.integration.test_portal_disputes import admin


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def plan_form(**changes: str) -> dict[str, str]:
    return {
        "host_unit_id": "COAL-01",
        "visitor_unit_ids": "PWR-01, PWR-02",
        "planned_for": "2027-05-10T09:00",
        "topic": "Methanol for start-ups",
    } | changes


def visit_json(api: InProcessApi, visit_id: str) -> dict:  # type: ignore[type-arg]
    answer = api.client.get(f"/v1/exchange-visits/{visit_id}", headers=api.auth())
    assert answer.status_code == 200, answer.text
    found: dict = answer.json()  # type: ignore[type-arg]
    return found


def test_plan_hold_and_refusals(api: InProcessApi) -> None:
    coal = admin(api, "COAL", "platform_admin")
    assert unlabelled_fields(coal.get("/visits").text) == []
    made = coal.submit("/visits", "/visits", plan_form())
    assert made.status_code == 303, made.text
    visit_id = made.headers["location"].rsplit("/", 1)[1]
    assert visit_json(api, visit_id)["visitor_unit_ids"] == ["PWR-01", "PWR-02"]

    assert coal.submit("/visits", "/visits", plan_form(topic="")).status_code == 422
    unknown = coal.submit("/visits", "/visits", plan_form(visitor_unit_ids="NOPE-9"))
    assert unknown.status_code == 404 and "No unit has this id." in unknown.text
    itself = coal.submit("/visits", "/visits", plan_form(visitor_unit_ids="COAL-01"))
    assert itself.status_code == 409 and "cannot also be one of the visitors" in itself.text
    eng = admin(api, "ENG", "platform_admin")
    assert eng.submit("/visits", "/visits", plan_form()).status_code == 403

    page = f"/visits/{visit_id}"
    assert unlabelled_fields(coal.get(page).text) == []
    empty = coal.submit(page, f"{page}/held", {"outcome": ""})
    assert empty.status_code == 422
    lead_without_text = {"outcome": "Good.", "lead_1_item_code": "METHANOL"}
    assert coal.submit(page, f"{page}/held", lead_without_text).status_code == 422
    assert visit_json(api, visit_id)["status"] == "planned"
    held = coal.submit(
        page, f"{page}/held",
        {"outcome": "Good.", "lead_1_item_code": "METHANOL", "lead_1_text": "PWR-02 buys."},
    )  # fmt: skip
    assert held.status_code == 303, held.text
    (lead,) = visit_json(api, visit_id)["leads"]
    shown = coal.get(page).text
    assert f"/needs/new?lead_id={lead['lead_id']}&amp;item_code=METHANOL" in shown
    assert "Record as held" not in shown  # held: nothing left to record

    form = coal.get(f"/needs/new?lead_id={lead['lead_id']}&item_code=METHANOL").text
    assert f'name="lead_id" value="{lead["lead_id"]}"' in form

    outsider = admin(api, "SVC", "platform_admin")
    assert outsider.get(page).status_code == 403
    bi = admin(api, "HQ", "bi_reader")
    assert bi.get("/visits").status_code == 403
    assert bi.get("/visits/sector-pairs").status_code == 200
    assert admin(api, "COAL-01", "unit_operator").get("/visits/sector-pairs").status_code == 403
    assert PortalUser(api).get(page).status_code == 303  # signed out: to the sign-in page


def test_cancel_only_while_planned(api: InProcessApi) -> None:
    hq = admin(api, "HQ", "hq_admin")
    made = hq.submit("/visits", "/visits", plan_form(host_unit_id="SVC-01"))
    page = made.headers["location"]
    assert hq.submit(page, f"{page}/cancel", {"reason": ""}).status_code == 422
    assert hq.submit(page, f"{page}/cancel", {"reason": "Outage."}).status_code == 303
    visit_id = page.rsplit("/", 1)[1]
    assert visit_json(api, visit_id)["status"] == "cancelled"
    assert "Cancel the visit" not in hq.get(page).text
