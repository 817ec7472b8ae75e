"""Issue 19: the joint procurement pages over HTTP — opening a pool, joining, withdrawing,
launching — through the API's bodies and handlers, refused as the API refuses (403, 404, 409,
422), nothing changed by a refusal; the demo's awarded pool shows its contracts and saving,
in Chinese too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import unlabelled_fields
from tests.integration.test_portal_disputes import admin, until


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def pool_json(api: InProcessApi, pool_id: str) -> dict[str, Any]:
    answer = api.client.get(f"/v1/joint-procurements/{pool_id}", headers=api.auth())
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_open_join_withdraw_and_launch(api: InProcessApi) -> None:
    pwr = admin(api, "PWR", "platform_admin")
    assert unlabelled_fields(pwr.get("/joint-procurements").text) == []
    form = {"item_code": "TRF-1250KVA", "uom": "pc", "title": "Spares",
            "join_until": "2099-05-10T09:00"}  # fmt: skip
    pools = "/joint-procurements"
    assert pwr.submit(pools, pools, form | {"title": ""}).status_code == 422
    unlisted = pwr.submit(pools, pools, form | {"item_code": "NOPE"})
    assert unlisted.status_code == 422 and "not in the catalog in force" in unlisted.text
    past = pwr.submit(pools, pools, form | {"join_until": "2001-01-01T09:00"})
    assert past.status_code == 409 and "must be in the future" in past.text
    operator = admin(api, "PWR-02", "unit_operator")
    assert "Open a joint procurement" not in operator.get(pools).text
    made = pwr.submit(pools, pools, form)
    assert made.status_code == 303, made.text
    page = made.headers["location"]
    pool_id = page.rsplit("/", 1)[1]

    shown = operator.get(page).text
    assert unlabelled_fields(shown) == [] and 'value="PWR-02"' in shown  # its own unit, filled in
    share = {"unit_id": "PWR-02", "quantity": "3", "budget_amount": "300000.00"}
    assert operator.submit(page, f"{page}/shares", share | {"quantity": "0"}).status_code == 422
    other = operator.submit(page, f"{page}/shares", share | {"unit_id": "PWR-01"})
    assert other.status_code == 403 and "cannot act for that unit" in other.text
    unknown = operator.submit(page, f"{page}/shares", share | {"unit_id": "NOPE-1"})
    assert unknown.status_code == 404 and "No unit has this id." in unknown.text
    assert pool_json(api, pool_id)["shares"] == []
    assert operator.submit(page, f"{page}/shares", share).status_code == 303
    plant = admin(api, "PWR-01", "unit_operator")
    assert (
        plant.submit(
            page, f"{page}/shares", share | {"unit_id": "PWR-01", "quantity": "8"}
        ).status_code
        == 303
    )
    assert "Launch the joint procurement" not in operator.get(page).text
    assert operator.submit(page, f"{page}/shares/PWR-02/withdraw", {}).status_code == 303
    assert [s["unit_id"] for s in pool_json(api, pool_id)["shares"]] == ["PWR-01"]

    launch = pwr.get(page).text
    assert "Launch the joint procurement" in launch and unlabelled_fields(launch) == []
    assert pwr.submit(page, f"{page}/launch", {"sourcing": "direct"}).status_code == 422  # no day
    launched = pwr.submit(
        page, f"{page}/launch", {"sourcing": "direct", "required_by": "2099-06-01"}
    )
    assert launched.status_code == 303, launched.text
    pool = pool_json(api, pool_id)
    assert pool["status"] == "launched" and pool["need_id"]
    again = plant.submit(page, f"{page}/shares/PWR-01/withdraw", {})
    assert again.status_code == 409 and "shares are fixed" in again.text
    assert f'href="/needs/{pool["need_id"]}"' in pwr.get(page).text


def test_the_demo_pool_shows_its_contracts_and_saving(api: InProcessApi) -> None:
    plant = admin(api, "PWR-03", "unit_operator")
    assert until(lambda: "Distribution transformers" in plant.get("/joint-procurements").text)
    demo = next(
        p for p in api.client.get("/v1/joint-procurements", headers=api.auth()).json()["items"]
        if p["item_code"] == "TRF-1250KVA" and p["status"] == "awarded" and p["member_count"] == 3
    )  # fmt: skip
    page = plant.get(f"/joint-procurements/{demo['id']}").text
    for share in demo["shares"]:
        assert f'href="/contracts/{share["contract_id"]}"' in page
    assert "74000.00" in page and "What pooling saves" in page
    plant.language = "zh-CN"
    assert "联合采购节约" in plant.get(f"/joint-procurements/{demo['id']}").text
    assert (
        admin(api, "HEAT-01", "unit_operator").get(f"/joint-procurements/{demo['id']}").status_code
        == 403
    )
    assert admin(api, "HQ", "bi_reader").get("/joint-procurements").status_code == 403


def test_the_lead_calls_a_pool_off_from_its_page(api: InProcessApi) -> None:
    pwr = admin(api, "PWR", "platform_admin")
    form = {"item_code": "TRF-1250KVA", "uom": "pc", "title": "Called off",
            "join_until": "2099-05-10T09:00"}  # fmt: skip
    made = pwr.submit("/joint-procurements", "/joint-procurements", form)
    assert made.status_code == 303, made.text
    page = made.headers["location"]
    pool_id = page.rsplit("/", 1)[1]
    operator = admin(api, "PWR-02", "unit_operator")
    assert "Call the joint procurement off" not in operator.get(page).text  # only the lead's side
    refused = operator.submit(page, f"{page}/cancel", {"reason": "Mine."})
    assert refused.status_code == 403 and pool_json(api, pool_id)["status"] == "open"
    shown = pwr.get(page).text
    assert "Call the joint procurement off" in shown and unlabelled_fields(shown) == []
    empty = pwr.submit(page, f"{page}/cancel", {"reason": ""})
    assert empty.status_code == 422 and pool_json(api, pool_id)["status"] == "open"
    assert (
        pwr.submit(page, f"{page}/cancel", {"reason": "Each plant buys alone."}).status_code == 303
    )
    assert pool_json(api, pool_id)["status"] == "cancelled"
    assert "called off" in pwr.get(page).text
    again = pwr.submit(page, f"{page}/cancel", {"reason": "Again."})
    assert again.status_code == 409 and "was cancelled by its lead" in again.text
