"""The main path over HTTP: need → inbox → offers → award → contract; and buying outside."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_units_api import error_of

VALID = (datetime.now(UTC) + timedelta(days=10)).isoformat()
REQUIRED_BY = (date.today() + timedelta(days=30)).isoformat()


def steam_need(demand: str = "COAL-01", **kw: Any) -> dict[str, Any]:
    return {
        "demand_unit_id": demand,
        "title": "Process steam for methanol synthesis",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "1200",
        "uom": "t",
        "required_by": REQUIRED_BY,
        "budget_amount": "230000.00",
        "business_type": "regular",
        "sourcing": "direct",
    } | kw


def offer_body(supplier: str, price: str) -> dict[str, Any]:
    return {
        "supplier_unit_id": supplier,
        "unit_price": price,
        "quantity": "1200",
        "delivery_date": REQUIRED_BY,
        "valid_until": VALID,
    }


def as_unit(demo: Server, unit: str) -> httpx.Client:
    return demo.client(demo.token(unit, "unit_operator"))


@pytest.mark.both_stores
def test_from_need_to_contract(demo: Server) -> None:
    coal, heat, power = as_unit(demo, "COAL-01"), as_unit(demo, "HEAT-02"), as_unit(demo, "PWR-01")
    posted = coal.post("/v1/needs", json=steam_need())
    assert posted.status_code == 201, posted.text
    need = posted.json()
    assert need["status"] == "open"
    assert {m["supplier_unit_id"] for m in need["matches"]} == {"HEAT-02", "PWR-01"}
    need_id = need["id"]

    for supplier in (heat, power):
        inbox = supplier.get("/v1/inbox").json()["items"]
        assert inbox[0]["need_id"] == need_id and inbox[0]["offered"] is False
        assert "budget_amount" not in inbox[0]
    assert need_id not in {
        i["need_id"] for i in as_unit(demo, "SVC-01").get("/v1/inbox").json()["items"]
    }

    heat_offer = heat.post(f"/v1/needs/{need_id}/offers", json=offer_body("HEAT-02", "184.00"))
    power_offer = power.post(f"/v1/needs/{need_id}/offers", json=offer_body("PWR-01", "179.50"))
    assert heat_offer.status_code == power_offer.status_code == 201
    error_of(
        power.post(f"/v1/needs/{need_id}/offers", json=offer_body("PWR-01", "170")),
        409,
        "offer_exists",
    )
    assert power.get("/v1/inbox").json()["items"][0]["offered"] is True

    seen_by_heat = heat.get(f"/v1/needs/{need_id}").json()
    assert [o["supplier_unit_id"] for o in seen_by_heat["offers"]] == ["HEAT-02"]
    assert seen_by_heat["budget_amount"] is None
    seen_by_coal = coal.get(f"/v1/needs/{need_id}").json()
    assert sorted(o["unit_price"] for o in seen_by_coal["offers"]) == ["179.50", "184.00"]

    revised = heat.post(
        f"/v1/offers/{heat_offer.json()['offer_id']}/revise",
        json=offer_body("HEAT-02", "178.00") | {"supplier_unit_id": None},
    )
    assert revised.status_code == 422  # supplier is not a revisable field
    revised = heat.post(
        f"/v1/offers/{heat_offer.json()['offer_id']}/revise",
        json={k: v for k, v in offer_body("HEAT-02", "178.00").items() if k != "supplier_unit_id"},
    )
    assert revised.json()["unit_price"] == "178.00"

    error_of(
        heat.post(f"/v1/needs/{need_id}/award", json={"offer_id": power_offer.json()["offer_id"]}),
        403,
        "forbidden",
    )
    awarded = coal.post(
        f"/v1/needs/{need_id}/award", json={"offer_id": power_offer.json()["offer_id"]}
    )
    assert awarded.status_code == 201, awarded.text
    contract_id = awarded.json()["contract_id"]
    error_of(
        coal.post(f"/v1/needs/{need_id}/award", json={"offer_id": heat_offer.json()["offer_id"]}),
        409,
        "already_awarded",
    )

    contract = coal.get(f"/v1/contracts/{contract_id}").json()
    assert contract["status"] == "awaiting_signatures"
    assert contract["amount"] == "215400.00" and contract["supply_unit_id"] == "PWR-01"
    error_of(as_unit(demo, "SVC-01").get(f"/v1/contracts/{contract_id}"), 403, "forbidden")
    final = coal.get(f"/v1/needs/{need_id}").json()
    assert final["status"] == "awarded" and final["contract_id"] == contract_id
    assert {o["supplier_unit_id"]: o["status"] for o in final["offers"]} == {
        "PWR-01": "awarded",
        "HEAT-02": "not_awarded",
    }
    assert need_id not in {i["need_id"] for i in power.get("/v1/inbox").json()["items"]}
    error_of(
        heat.post(f"/v1/needs/{need_id}/offers", json=offer_body("HEAT-02", "1")),
        409,
        "need_not_open",
    )


def test_need_refusals(demo: Server) -> None:
    coal, power = as_unit(demo, "COAL-01"), as_unit(demo, "PWR-01")
    error_of(power.post("/v1/needs", json=steam_need("COAL-01")), 403, "forbidden")
    error_of(
        coal.post("/v1/needs", json=steam_need(business_type="special_task")),
        409,
        "directive_required",
    )
    details = error_of(
        coal.post("/v1/needs", json=steam_need(quantity="-1", subcategory="x")),
        422,
        "invalid_request",
    )["details"]
    assert {d["field"].split(".")[0] for d in details} >= {"quantity"}
    need_id = coal.post("/v1/needs", json=steam_need()).json()["id"]
    error_of(
        coal.post(f"/v1/needs/{need_id}/offers", json=offer_body("COAL-01", "1")),
        409,
        "self_supply",
    )
    offered = power.post(f"/v1/needs/{need_id}/offers", json=offer_body("PWR-01", "180")).json()
    assert power.post(f"/v1/offers/{offered['offer_id']}/withdraw").json()["status"] == "withdrawn"
    error_of(
        coal.post(f"/v1/needs/{need_id}/award", json={"offer_id": offered["offer_id"]}),
        409,
        "offer_not_available",
    )
    error_of(coal.get("/v1/needs/need_nope"), 404, "not_found")
    error_of(
        demo.client(demo.token("HQ", "bi_reader")).get(f"/v1/needs/{need_id}"), 403, "forbidden"
    )


def test_special_task_needs_a_directive_and_its_contract_starts_in_pricing(demo: Server) -> None:
    coal_admin = demo.client(demo.token("COAL", "platform_admin"))
    error_of(
        coal_admin.post(
            "/v1/directives",
            json={
                "demand_unit_id": "COAL-01",
                "supply_unit_id": "PWR-01",
                "item_code": "STEAM-LP",
                "quantity": "500",
                "rationale": "winter peak",
            },
        ),
        403,
        "forbidden",
    )
    directive = demo.client(demo.token("HQ", "hq_admin")).post(
        "/v1/directives",
        json={
            "demand_unit_id": "COAL-01",
            "supply_unit_id": "PWR-01",
            "item_code": "STEAM-LP",
            "quantity": "500",
            "rationale": "winter peak",
        },
    )
    assert directive.status_code == 201 and directive.json()["status"] == "approved"
    coal, power = as_unit(demo, "COAL-01"), as_unit(demo, "PWR-01")
    need_id = coal.post(
        "/v1/needs",
        json=steam_need(business_type="special_task", directive_id=directive.json()["id"]),
    ).json()["id"]
    offer_id = power.post(f"/v1/needs/{need_id}/offers", json=offer_body("PWR-01", "180")).json()[
        "offer_id"
    ]
    contract_id = coal.post(f"/v1/needs/{need_id}/award", json={"offer_id": offer_id}).json()[
        "contract_id"
    ]
    assert coal.get(f"/v1/contracts/{contract_id}").json()["status"] == "pricing"


def test_buying_outside_the_group(demo: Server) -> None:
    coal = as_unit(demo, "COAL-01")
    coal_admin = demo.client(demo.token("COAL", "platform_admin"))
    heat_admin = demo.client(demo.token("HEAT", "platform_admin"))
    need_id = coal.post("/v1/needs", json=steam_need()).json()["id"]
    error_of(
        coal.post(f"/v1/needs/{need_id}/close-external"), 409, "external_sourcing_not_approved"
    )
    for ground in (
        "not_available_internally",
        "beyond_internal_capability",
        "high_risk_or_special_equipment",
    ):
        made = coal.post(
            f"/v1/needs/{need_id}/external-sourcing",
            json={"ground": ground, "justification": "audit trail"},
        )
        assert made.status_code == 201 and made.json()["status"] == "requested"
        request_id = made.json()["request_id"]
        error_of(heat_admin.post(f"/v1/external-sourcing/{request_id}/approve"), 403, "forbidden")
        error_of(coal.post(f"/v1/external-sourcing/{request_id}/approve"), 403, "forbidden")
        rejected = coal_admin.post(
            f"/v1/external-sourcing/{request_id}/reject",
            json={"reason": "internal capacity exists"},
        )
        assert rejected.json()["status"] == "rejected"
    error_of(
        coal.post(f"/v1/needs/{need_id}/close-external"), 409, "external_sourcing_not_approved"
    )
    error_of(
        coal.post(
            f"/v1/needs/{need_id}/external-sourcing",
            json={"ground": "insufficient_for_urgent_need", "justification": "urgent"},
        ),
        409,
        "external_quantity_required",
    )
    partial = coal.post(
        f"/v1/needs/{need_id}/external-sourcing",
        json={
            "ground": "insufficient_for_urgent_need",
            "justification": "urgent",
            "quantity": "400",
        },
    )
    request_id = partial.json()["request_id"]
    assert coal_admin.post(f"/v1/external-sourcing/{request_id}/approve").json()["status"] == (
        "approved"
    )
    closed = coal.post(
        f"/v1/needs/{need_id}/close-external", json={"external_supplier": "Outside Steam Ltd"}
    ).json()
    assert closed["status"] == "open" and closed["open_quantity"] == "800"
    assert closed["external_purchases"][0]["quantity"] == "400"
    assert [r["status"] for r in closed["external_sourcing"]] == [
        "rejected",
        "rejected",
        "rejected",
        "used",
    ]
    error_of(coal.post("/v1/external-sourcing/need_nope-x1/approve"), 404, "not_found")

    uncatalogued = coal.post("/v1/needs", json=steam_need(item_code="SPECIAL-VALVE")).json()
    assert uncatalogued["matches"] == []
    done = coal.post(f"/v1/needs/{uncatalogued['id']}/close-external").json()
    assert done["status"] == "closed_external"


def test_the_demo_shows_open_needs_with_offers(demo: Server) -> None:
    inbox = as_unit(demo, "SVC-03").get("/v1/inbox").json()["items"]
    kits = [i for i in inbox if i["item_code"] == "PUMP-SEAL-KIT"]
    assert kits and kits[0]["offered"] is True
    assert any(
        i["item_code"] == "SAFETY-CERT" and not i["offered"]
        for i in as_unit(demo, "SVC-02").get("/v1/inbox").json()["items"]
    )


def test_a_demand_unit_lists_its_needs(demo: Server) -> None:
    coal, heat = as_unit(demo, "COAL-01"), as_unit(demo, "HEAT-02")
    first = coal.post("/v1/needs", json=steam_need(title="First")).json()
    second = coal.post("/v1/needs", json=steam_need(title="Second")).json()
    assert (
        heat.post(
            f"/v1/needs/{second['id']}/offers", json=offer_body("HEAT-02", "181.00")
        ).status_code
        == 201
    )
    listed = coal.get("/v1/needs")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["demand_unit_id"] == "COAL-01"
    items = {i["need_id"]: i for i in body["items"]}
    assert [i["need_id"] for i in body["items"]][:2] == [second["id"], first["id"]]  # newest first
    assert items[second["id"]]["offers"] == 1 and items[first["id"]]["offers"] == 0
    assert items[first["id"]]["matched_suppliers"] == 2
    assert all(i["demand_unit_id"] == "COAL-01" for i in body["items"])
    assert all("budget_amount" not in i for i in body["items"])

    coal.post(f"/v1/needs/{first['id']}/cancel", json={"reason": "duplicate"})
    cancelled = coal.get("/v1/needs", params={"status": "cancelled"}).json()["items"]
    open_ones = coal.get("/v1/needs", params={"status": "open"}).json()["items"]
    assert first["id"] in {i["need_id"] for i in cancelled}
    assert first["id"] not in {i["need_id"] for i in open_ones}
    assert second["id"] in {i["need_id"] for i in open_ones}

    # The unit's platform admin, HQ and auditors read it; another unit and BI readers do not.
    for role_of in (("COAL", "platform_admin"), ("HQ", "hq_admin"), ("HQ", "auditor")):
        reader = demo.client(demo.token(*role_of))
        seen = reader.get("/v1/needs", params={"demand_unit_id": "COAL-01"})
        assert seen.status_code == 200, (role_of, seen.text)
        assert second["id"] in {i["need_id"] for i in seen.json()["items"]}
    error_of(heat.get("/v1/needs", params={"demand_unit_id": "COAL-01"}), 403, "forbidden")
    error_of(
        demo.client(demo.token("HEAT", "platform_admin")).get(
            "/v1/needs", params={"demand_unit_id": "COAL-01"}
        ),
        403,
        "forbidden",
    )
    error_of(
        demo.client(demo.token("HQ", "bi_reader")).get(
            "/v1/needs", params={"demand_unit_id": "COAL-01"}
        ),
        403,
        "forbidden",
    )
    assert coal.get("/v1/needs", params={"status": "lost"}).status_code == 422
    assert coal.get("/v1/needs", params={"limit": 0}).status_code == 422


def test_the_needs_list_pages_with_a_cursor(demo: Server) -> None:
    coal = as_unit(demo, "COAL-01")
    posted = [
        coal.post("/v1/needs", json=steam_need(title=f"Lot {n}")).json()["id"] for n in range(5)
    ]
    everything = coal.get("/v1/needs", params={"limit": 500}).json()
    assert everything["next_cursor"] is None
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = coal.get("/v1/needs", params=params)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        seen += [i["need_id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    # Every need once, in the order of the whole list, the newest first.
    assert seen == [i["need_id"] for i in everything["items"]]
    assert seen[:5] == posted[::-1]
    default = coal.get("/v1/needs").json()
    assert len(default["items"]) == min(50, len(seen))

    for bad in ("not a cursor", "eyJ4Ijox", "W10"):
        error_of(coal.get("/v1/needs", params={"cursor": bad}), 422, "invalid_request")
    assert coal.get("/v1/needs", params={"limit": 501}).status_code == 422
