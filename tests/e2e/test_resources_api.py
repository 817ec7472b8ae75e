"""Shared resources over HTTP on a running server: the demo's excavator listed and its damaged
return on record; a unit lists a facility by the hour, another books it (a contract for rate *
hours * quantity), an overlap is refused with what is free, the owner hands it over and takes it
back damaged (an incident against the booking unit), the calendar shows the rest; refusals
(401, 403, 404, 409, 422)."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit
from tests.e2e.test_units_api import error_of

WORKSHOP = {
    "owner_unit_id": "SVC-03",
    "kind": "facility",
    "name": "Valve test bench",
    "uom": "hour",
    "rate": "450.00",
    "available_quantity": "2",
}


def hours(unit: str, first: int, last: int, **more: Any) -> dict[str, Any]:
    """Hours of 3 March 2031 in Shanghai, [first, last)."""
    return {
        "unit_id": unit,
        "from": f"2031-03-03T{first:02d}:00:00+08:00",
        "to": f"2031-03-03T{last:02d}:00:00+08:00",
    } | more


def test_a_bench_booked_by_the_hour_from_listing_to_return(demo: Server) -> None:
    hq = demo.client(demo.token("HQ", "hq_admin"))
    demo_list = hq.get("/v1/resources", params={"owner_unit_id": "ENG-02"}).json()["items"]
    excavator = next(r for r in demo_list if r["kind"] == "equipment")
    shown = hq.get(f"/v1/resources/{excavator['id']}").json()
    assert [b["status"] for b in shown["bookings"]] == ["returned", "booked"]
    assert shown["bookings"][0]["damaged"] and shown["bookings"][0]["incident_id"]

    owner, heat, coal = as_unit(demo, "SVC-03"), as_unit(demo, "HEAT-02"), as_unit(demo, "COAL-02")
    listed = owner.post("/v1/resources", json=WORKSHOP)
    assert listed.status_code == 201, listed.text
    path = f"/v1/resources/{listed.json()['resource_id']}"
    first = heat.post(f"{path}/bookings", json=hours("HEAT-02", 8, 12, quantity=2))
    assert first.status_code == 201, first.text
    assert (first.json()["duration"], first.json()["amount"]) == (4, "3600.00")  # 450 * 4 * 2
    second = coal.post(f"{path}/bookings", json=hours("COAL-02", 12, 14))
    assert second.status_code == 201, second.text
    refused = error_of(
        coal.post(f"{path}/bookings", json=hours("COAL-02", 11, 13)), 409, "resource_unavailable"
    )
    assert [c["free"] for c in refused["details"]["conflicts"]] == ["0"]
    assert [f["free"] for f in refused["details"]["free"]] == ["0", "1"]

    booking = f"{path}/bookings/{first.json()['booking_id']}"
    error_of(heat.post(f"{booking}/handover", json={"condition": "x"}), 403, "forbidden")
    handed = owner.post(f"{booking}/handover", json={"condition": "Gauges calibrated."})
    assert handed.json()["status"] == "handed_over", handed.text
    back = owner.post(
        f"{booking}/return",
        json={"condition": "Seal torn.", "damaged": True, "damage": "Clamp seal torn."},
    )
    assert back.status_code == 200, back.text
    incident = heat.get(f"/v1/quality-incidents/{back.json()['incident_id']}").json()
    assert (incident["kind"], incident["severity"]) == ("damage", "minor")
    contract = heat.get(f"/v1/contracts/{first.json()['contract_id']}").json()
    assert (contract["status"], contract["trade_form"], contract["need_id"]) == (
        "completed",
        "resource",
        None,
    )

    calendar = coal.get(f"{path}/calendar", params={"from": "2031-03-03", "to": "2031-03-04"})
    assert calendar.status_code == 200, calendar.text
    assert [(s["booked"], s["free"]) for s in calendar.json()["stretches"]] == [
        ("0", "2"),
        ("2", "0"),
        ("1", "1"),
        ("0", "2"),
    ]
    error_of(demo.client().get(path), 401, "unauthenticated")
    error_of(hq.get("/v1/resources/res_nope"), 404, "not_found")
    error_of(owner.post(f"{path}/bookings", json=hours("HEAT-02", 9, 10)), 403, "forbidden")
    misaligned = hours("COAL-02", 16, 17) | {"to": "2031-03-03T17:30:00+08:00"}
    details = error_of(coal.post(f"{path}/bookings", json=misaligned), 422, "invalid_request")
    assert [d["field"] for d in details["details"]] == ["to"]
    withdrawn = owner.post(f"{path}/withdraw", json={"reason": "Moved to the main works."})
    assert withdrawn.json()["status"] == "withdrawn"
    error_of(
        coal.post(f"{path}/bookings", json=hours("COAL-02", 18, 19)), 409, "resource_withdrawn"
    )
