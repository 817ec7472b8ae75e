"""Exchange visits over HTTP: planned by a platform admin, held with leads, a need posted from
a lead and awarded, the visit's page following lead → need → contract, the lists by reach and
HQ's sector pairs; refusals (403, 404, 409, 422)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit, offer_body, steam_need
from tests.e2e.test_units_api import error_of

SOON = (datetime.now(UTC) + timedelta(days=7)).isoformat()


def admin(demo: Server, platform: str) -> httpx.Client:
    return demo.client(demo.token(platform, "platform_admin"))


def visit(host: str, visitors: list[str], **kw: Any) -> dict[str, Any]:
    return {
        "host_unit_id": host,
        "visitor_unit_ids": visitors,
        "planned_for": SOON,
        "topic": "Process steam",
    } | kw


def test_a_visit_from_plan_to_contract(demo: Server) -> None:
    coal = admin(demo, "COAL")
    planned = coal.post("/v1/exchange-visits", json=visit("HEAT-02", ["COAL-01", "COAL-02"]))
    assert planned.status_code == 201, planned.text
    visit_id = planned.json()["visit_id"]
    seen = as_unit(demo, "HEAT-02").get(f"/v1/exchange-visits/{visit_id}")
    assert seen.status_code == 200, seen.text
    assert (seen.json()["status"], seen.json()["leads"]) == ("planned", [])
    assert seen.json()["sectors"]["HEAT-02"] == "heat"

    leads = [{"item_code": "STEAM-LP", "text": "COAL-01 buys steam."}, {"text": "A drill."}]
    held = admin(demo, "HEAT").post(
        f"/v1/exchange-visits/{visit_id}/held", json={"outcome": "Fits.", "leads": leads}
    )
    assert held.status_code == 200, held.text
    made = held.json()["leads"]
    assert [(lead["item_code"], lead["text"]) for lead in made] == [
        ("STEAM-LP", "COAL-01 buys steam."),
        (None, "A drill."),
    ]
    lead_id = made[0]["lead_id"]
    error_of(
        coal.post(f"/v1/exchange-visits/{visit_id}/held", json={"outcome": "Again."}),
        409,
        "visit_already_held",
    )
    error_of(
        coal.post(f"/v1/exchange-visits/{visit_id}/cancel", json={"reason": "Late."}),
        409,
        "visit_already_held",
    )

    buyer = as_unit(demo, "COAL-01")
    posted = buyer.post("/v1/needs", json=steam_need(lead_id=lead_id))
    assert posted.status_code == 201, posted.text
    need_id = posted.json()["id"]
    assert posted.json()["lead_id"] == lead_id
    offer = as_unit(demo, "HEAT-02").post(
        f"/v1/needs/{need_id}/offers", json=offer_body("HEAT-02", "183.00")
    )
    assert offer.status_code == 201, offer.text
    awarded = buyer.post(f"/v1/needs/{need_id}/award", json={"offer_id": offer.json()["offer_id"]})
    assert awarded.status_code == 201, awarded.text
    contract_id = awarded.json()["contract_id"]

    page = as_unit(demo, "COAL-02").get(f"/v1/exchange-visits/{visit_id}").json()
    first, second = page["leads"]
    assert [(n["need_id"], [c["contract_id"] for c in n["contracts"]]) for n in first["needs"]] == [
        (need_id, [contract_id])
    ]
    assert second["needs"] == []
    listed = as_unit(demo, "COAL-01").get("/v1/exchange-visits").json()["items"]
    assert (visit_id, "held", 2) in {(v["id"], v["status"], v["lead_count"]) for v in listed}


def test_refusals(demo: Server) -> None:
    coal = admin(demo, "COAL")
    operator = as_unit(demo, "COAL-01")
    error_of(operator.post("/v1/exchange-visits", json=visit("COAL-01", ["PWR-01"])),
             403, "forbidden")  # fmt: skip
    error_of(admin(demo, "ENG").post("/v1/exchange-visits", json=visit("COAL-01", ["PWR-01"])),
             403, "forbidden")  # fmt: skip
    error_of(coal.post("/v1/exchange-visits", json=visit("COAL-01", [])), 422, "invalid_request")
    error_of(coal.post("/v1/exchange-visits", json=visit("COAL-01", ["PWR-01"], topic="")),
             422, "invalid_request")  # fmt: skip
    error_of(coal.post("/v1/exchange-visits", json=visit("COAL-01", ["NOPE-9"])), 404, "not_found")
    error_of(
        coal.post("/v1/exchange-visits", json=visit("COAL-01", ["COAL-01", "PWR-01"])),
        409,
        "host_among_visitors",
    )
    error_of(
        as_unit(demo, "COAL-01").post("/v1/needs", json=steam_need(lead_id="vis_nope-L1")),
        409,
        "unknown_lead",
    )
    planned = coal.post("/v1/exchange-visits", json=visit("COAL-03", ["SVC-01"])).json()
    visit_id = planned["visit_id"]
    error_of(
        as_unit(demo, "COAL-01").post("/v1/needs", json=steam_need(lead_id=f"{visit_id}-L1")),
        409,
        "unknown_lead",
    )  # a planned visit has no leads yet
    error_of(admin(demo, "PWR").post(f"/v1/exchange-visits/{visit_id}/cancel",
                                     json={"reason": "No."}), 403, "forbidden")  # fmt: skip
    error_of(as_unit(demo, "PWR-01").get(f"/v1/exchange-visits/{visit_id}"), 403, "forbidden")
    error_of(demo.client().get("/v1/exchange-visits/nope"), 401, "unauthenticated")
    error_of(demo.admin.get("/v1/exchange-visits/nope"), 404, "not_found")
    cancelled = admin(demo, "SVC").post(
        f"/v1/exchange-visits/{visit_id}/cancel", json={"reason": "Outage."}
    )
    assert cancelled.json()["status"] == "cancelled", cancelled.text
    error_of(
        coal.post(f"/v1/exchange-visits/{visit_id}/held", json={"outcome": "x"}),
        409,
        "visit_cancelled",
    )
    bi = demo.client(demo.token("HQ", "bi_reader"))
    error_of(bi.get("/v1/exchange-visits"), 403, "forbidden")
    error_of(coal.get("/v1/exchange-visits", params={"unit_id": "PWR-01"}), 403, "forbidden")
    error_of(coal.get("/v1/exchange-visits/sector-pairs", params={"year": 2027}), 403, "forbidden")
    error_of(bi.get("/v1/exchange-visits/sector-pairs"), 422, "invalid_request")
    error_of(coal.get("/v1/exchange-visits", params={"from": "soon"}), 422, "invalid_request")


def test_the_demo_visits_lists_and_sector_pairs(demo: Server) -> None:
    hq = demo.admin
    every = hq.get("/v1/exchange-visits", params={"limit": 1})
    assert every.status_code == 200, every.text
    pages, cursor = every.json()["items"], every.json()["next_cursor"]
    while cursor:
        more = hq.get("/v1/exchange-visits", params={"limit": 1, "cursor": cursor}).json()
        pages, cursor = pages + more["items"], more["next_cursor"]
    demo_held = [v for v in pages if v["host_unit_id"] in ("COAL-01", "SVC-03")]
    assert {v["status"] for v in demo_held} == {"held"}
    methanol = next(v for v in demo_held if v["host_unit_id"] == "COAL-01")
    page = hq.get(f"/v1/exchange-visits/{methanol['id']}").json()
    (need,) = page["leads"][0]["needs"]
    assert need["demand_unit_id"] == "PWR-02" and len(need["contracts"]) == 1

    year = datetime.fromisoformat(methanol["planned_for"]).year
    start = datetime(year, 1, 1).date().isoformat()
    within = hq.get("/v1/exchange-visits", params={"from": start, "unit_id": "PWR-02"}).json()
    assert methanol["id"] in {v["id"] for v in within["items"]}
    before = hq.get("/v1/exchange-visits", params={"to": start, "unit_id": "PWR-02"}).json()
    assert methanol["id"] not in {v["id"] for v in before["items"]}
    for role in ("bi_reader", "auditor"):
        reader = demo.client(demo.token("HQ", role))
        pairs = reader.get("/v1/exchange-visits/sector-pairs", params={"year": year})
        assert pairs.status_code == 200, pairs.text
        found = {(p["host_sector"], p["visitor_sector"]): p for p in pairs.json()["pairs"]}
        assert found[("coal_chemical", "power")]["held_visits"] >= 1
        assert found[("services", "heat")]["cross_sector"] is True
        crosses = [p["cross_sector"] for p in pairs.json()["pairs"]]
        assert crosses == sorted(crosses, reverse=True)  # cross-sector pairs first
    platform = admin(demo, "ENG").get("/v1/exchange-visits").json()["items"]
    assert {v["host_unit_id"] for v in platform} == {"ENG-01"}  # its own planned visit only
