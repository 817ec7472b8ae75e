"""A contract's life over HTTP: award → sign → deliver → incident → dispute → mediation by the
right unit → resolution; special-task pricing decided by the superior; the projections."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit, offer_body, steam_need
from tests.e2e.test_units_api import error_of

# Deliveries and incidents are reported after the fact: an hour ago.
DONE = (datetime.now(UTC) - timedelta(hours=1)).isoformat()


def contract(
    demo: Server, demand: str, supplier: str, price: str, delivery: str | None = None, **need: Any
) -> str:
    buyer, seller = as_unit(demo, demand), as_unit(demo, supplier)
    need_id = buyer.post("/v1/needs", json=steam_need(demand, **need)).json()["id"]
    offer = offer_body(supplier, price) | ({"delivery_date": delivery} if delivery else {})
    offer_id = seller.post(f"/v1/needs/{need_id}/offers", json=offer).json()["offer_id"]
    awarded = buyer.post(f"/v1/needs/{need_id}/award", json={"offer_id": offer_id})
    assert awarded.status_code == 201, awarded.text
    return str(awarded.json()["contract_id"])


def sign_both(demo: Server, contract_id: str, demand: str, supplier: str) -> httpx.Response:
    assert as_unit(demo, supplier).post(f"/v1/contracts/{contract_id}/sign").status_code == 200
    return as_unit(demo, demand).post(f"/v1/contracts/{contract_id}/sign")


def test_award_sign_deliver_incident_dispute_mediation(demo: Server) -> None:
    coal, power = as_unit(demo, "COAL-01"), as_unit(demo, "PWR-01")
    contract_id = contract(demo, "COAL-01", "PWR-01", "180.00")
    error_of(as_unit(demo, "HEAT-02").post(f"/v1/contracts/{contract_id}/sign"), 403, "forbidden")
    error_of(
        power.post(
            f"/v1/contracts/{contract_id}/deliveries",
            json={"quantity": "1", "amount": "180.00", "delivered_at": DONE},
        ),
        409,
        "contract_status",
    )
    signed = sign_both(demo, contract_id, "COAL-01", "PWR-01")
    assert signed.json()["status"] == "active"
    error_of(coal.post(f"/v1/contracts/{contract_id}/sign"), 409, "contract_status")
    error_of(
        power.post(
            f"/v1/contracts/{contract_id}/deliveries",
            json={"quantity": "1201", "amount": "1", "delivered_at": DONE},
        ),
        409,
        "over_delivery",
    )
    delivered = power.post(
        f"/v1/contracts/{contract_id}/deliveries",
        json={"quantity": "600", "amount": "108000.00", "delivered_at": DONE},
    )
    assert delivered.status_code == 201 and delivered.json()["incident_id"] is None
    assert delivered.json()["contract"]["delivered_amount"] == "108000.00"
    incident = coal.post(
        f"/v1/contracts/{contract_id}/quality-incidents",
        json={
            "kind": "product_quality",
            "severity": "major",
            "description": "wet steam",
            "occurred_at": DONE,
        },
    )
    assert incident.status_code == 201
    error_of(
        power.post(
            f"/v1/contracts/{contract_id}/quality-incidents",
            json={
                "kind": "management",
                "severity": "minor",
                "description": "x",
                "occurred_at": DONE,
            },
        ),
        403,
        "forbidden",
    )
    dispute = coal.post(
        f"/v1/quality-incidents/{incident.json()['incident_id']}/dispute",
        json={"claim": "wet steam damaged the reformer"},
    ).json()
    dispute_id = dispute["dispute_id"]
    assert dispute["status"] == "negotiating"
    # Before mediation nobody decides: the rule's code, as the README names it.
    hq = demo.client(demo.token("HQ", "hq_admin"))
    early = hq.post(f"/v1/disputes/{dispute_id}/resolve", json={"decision": "x"})
    error_of(early, 409, "not_the_mediator")
    mediated = power.post(f"/v1/disputes/{dispute_id}/mediation").json()
    assert (mediated["mediator_unit_id"], mediated["mediator_rule"]) == ("HQ", "different_sectors")
    error_of(as_unit(demo, "SVC-01").get(f"/v1/disputes/{dispute_id}"), 403, "forbidden")
    coal_admin = demo.client(demo.token("COAL", "platform_admin"))
    refused = coal_admin.post(f"/v1/disputes/{dispute_id}/resolve", json={"decision": "x"})
    error_of(refused, 403, "forbidden")
    assert refused.json()["error"]["details"] == {
        "rule": "not_the_mediator",
        "mediator_unit_id": "HQ",
    }
    resolved = demo.client(demo.token("HQ", "hq_admin")).post(
        f"/v1/disputes/{dispute_id}/resolve", json={"decision": "PWR-01 refunds 5%"}
    )
    assert resolved.json()["status"] == "resolved"

    bi = demo.client(demo.token("HQ", "bi_reader"))
    volume = {
        r["key"]: r
        for r in bi.get("/v1/projections/trade-volume", params={"group_by": "supply_unit"}).json()[
            "items"
        ]
    }
    assert at_least(volume["PWR-01"]["amount"], "216000.00")
    quality = bi.get(
        "/v1/projections/supplier-quality", params={"supplier_unit_id": "PWR-01"}
    ).json()["items"][0]
    assert quality["by_kind"]["product_quality"] >= 1 and quality["contracts"] >= 1
    error_of(coal.get("/v1/projections/trade-volume"), 403, "forbidden")


def at_least(value: str, floor: str) -> bool:
    from decimal import Decimal

    return Decimal(value) >= Decimal(floor)


def test_a_same_sector_dispute_goes_to_the_platform(demo: Server) -> None:
    contract_id = contract(demo, "PWR-02", "PWR-01", "181.00")
    sign_both(demo, contract_id, "PWR-02", "PWR-01")
    raised = as_unit(demo, "PWR-02").post(
        "/v1/disputes",
        json={
            "subject_type": "contract",
            "subject_id": contract_id,
            "against_unit_id": "PWR-01",
            "kind": "delivery",
            "claim": "late",
        },
    )
    assert raised.status_code == 201, raised.text
    dispute_id = raised.json()["dispute_id"]
    error_of(
        as_unit(demo, "PWR-02").post(
            "/v1/disputes",
            json={
                "subject_type": "contract",
                "subject_id": contract_id,
                "against_unit_id": "HEAT-02",
                "kind": "other",
                "claim": "x",
            },
        ),
        403,
        "forbidden",
    )
    mediated = as_unit(demo, "PWR-01").post(f"/v1/disputes/{dispute_id}/mediation").json()
    assert (mediated["mediator_unit_id"], mediated["mediator_rule"]) == (
        "PWR",
        "lowest_common_superior",
    )
    error_of(
        demo.client(demo.token("HQ", "hq_admin")).post(
            f"/v1/disputes/{dispute_id}/resolve", json={"decision": "x"}
        ),
        403,
        "forbidden",
    )
    done = demo.client(demo.token("PWR", "platform_admin")).post(
        f"/v1/disputes/{dispute_id}/resolve", json={"decision": "deliver by Friday"}
    )
    assert done.json()["status"] == "resolved"


def test_special_task_price_escalation_is_decided_by_the_superior(demo: Server) -> None:
    hq = demo.client(demo.token("HQ", "hq_admin"))
    directive = hq.post(
        "/v1/directives",
        json={
            "demand_unit_id": "HEAT-01",
            "supply_unit_id": "PWR-01",
            "item_code": "STEAM-LP",
            "quantity": "1200",
            "rationale": "winter emergency",
        },
    ).json()
    contract_id = contract(
        demo,
        "HEAT-01",
        "PWR-01",
        "180.00",
        business_type="special_task",
        directive_id=directive["id"],
    )
    heat, power = as_unit(demo, "HEAT-01"), as_unit(demo, "PWR-01")
    assert heat.get(f"/v1/contracts/{contract_id}").json()["status"] == "pricing"
    proposed = power.post(
        f"/v1/contracts/{contract_id}/price-proposals", json={"amount": "230000.00"}
    )
    assert proposed.status_code == 200
    error_of(
        heat.post(f"/v1/contracts/{contract_id}/price-agreement", json={"amount": "200000.00"}),
        409,
        "no_such_proposal",
    )
    assert heat.post(f"/v1/contracts/{contract_id}/pricing-escalation").status_code == 200
    error_of(
        demo.client(demo.token("HEAT", "platform_admin")).post(
            f"/v1/contracts/{contract_id}/price-decision", json={"amount": "1"}
        ),
        403,
        "forbidden",
    )
    decided = hq.post(
        f"/v1/contracts/{contract_id}/price-decision", json={"amount": "215000.00"}
    ).json()
    assert (decided["status"], decided["amount"]) == ("awaiting_signatures", "215000.00")
    assert sign_both(demo, contract_id, "HEAT-01", "PWR-01").json()["status"] == "active"

    regular = contract(demo, "COAL-02", "HEAT-02", "184.00")
    error_of(
        hq.post(f"/v1/contracts/{regular}/price-decision", json={"amount": "1"}), 403, "forbidden"
    )


def test_a_late_delivery_records_a_delay_incident_by_itself(demo: Server) -> None:
    due = (date.today() - timedelta(days=3)).isoformat()
    contract_id = contract(demo, "COAL-02", "HEAT-02", "184.00", delivery=due)
    sign_both(demo, contract_id, "COAL-02", "HEAT-02")
    late = as_unit(demo, "HEAT-02").post(
        f"/v1/contracts/{contract_id}/deliveries",
        json={"quantity": "1200", "amount": "220800.00", "delivered_at": DONE},
    )
    assert late.json()["incident_id"]
    resolved = as_unit(demo, "COAL-02").post(
        f"/v1/quality-incidents/{late.json()['incident_id']}/resolve",
        json={"resolution": "discount agreed"},
    )
    assert resolved.json()["status"] == "resolved"
    completed = as_unit(demo, "COAL-02").post(f"/v1/contracts/{contract_id}/complete")
    assert completed.json()["status"] == "completed"


def test_the_demo_shows_contracts_incidents_and_a_dispute(demo: Server) -> None:
    bi = demo.client(demo.token("HQ", "bi_reader"))
    volume = bi.get("/v1/projections/trade-volume", params={"group_by": "sector"}).json()
    assert {r["key"] for r in volume["items"]} >= {"heat", "coal_chemical"}
    quality = {
        r["supplier_unit_id"]: r for r in bi.get("/v1/projections/supplier-quality").json()["items"]
    }
    assert quality["HEAT-02"]["open"] >= 1 and quality["COAL-01"]["incidents"] >= 1
