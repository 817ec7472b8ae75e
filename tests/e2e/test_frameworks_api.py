"""A framework agreement over HTTP on a running server: drawn up by the demand unit, refused a
call-off before both signed, signed, called off (an active contract, trade form `framework`)
and delivered on, refused over the schedule; next month's price agreed late by an amendment;
the period's closing refused while it runs; the agreement's figures, the list and the trade
volume by trade form; the demo's own agreement with its short month closed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit
from tests.e2e.test_units_api import error_of


def months() -> tuple[str, str, str, str]:
    """This month and the next in the group's zone, and the agreement's first and last day."""
    first = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    last = (following + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return f"{first:%Y-%m}", f"{following:%Y-%m}", first.isoformat(), last.isoformat()


def test_a_framework_from_drawing_up_to_deliveries(demo: Server) -> None:
    this, following, first, last = months()
    plant, mine = as_unit(demo, "PWR-02"), as_unit(demo, "COAL-03")
    agreement = {
        "demand_unit_id": "PWR-02", "supply_unit_id": "COAL-03",
        "item_code": "THERMAL-COAL-5500", "uom": "t", "from": first, "to": last,
        "schedule": [{"period": this, "quantity": "500", "unit_price": "610.00"},
                     {"period": following, "quantity": "500"}],
    }  # fmt: skip
    drawn = plant.post("/v1/frameworks", json=agreement)
    assert drawn.status_code == 201, drawn.text
    url = f"/v1/frameworks/{drawn.json()['id']}"
    call_off = {"period": this, "quantity": "300"}
    error_of(plant.post(f"{url}/call-offs", json=call_off), 409, "framework_not_active")
    assert mine.post(f"{url}/sign").status_code == 200
    assert plant.post(f"{url}/sign").json()["status"] == "active"

    made = plant.post(f"{url}/call-offs", json=call_off)
    assert made.status_code == 201, made.text
    assert (made.json()["amount"], made.json()["remaining"]) == ("183000.00", "200")
    contract = made.json()["contract_id"]
    shown = mine.get(f"/v1/contracts/{contract}").json()
    assert (shown["status"], shown["trade_form"]) == ("active", "framework")
    error_of(plant.post(f"{url}/call-offs", json={"period": this, "quantity": "201"}), 409,
             "over_schedule")  # fmt: skip
    error_of(mine.post(f"{url}/call-offs", json=call_off), 403, "forbidden")
    delivered_at = datetime.now(ZoneInfo("UTC")).isoformat()
    delivery = {"quantity": "300", "amount": "183000.00", "delivered_at": delivered_at}
    assert mine.post(f"/v1/contracts/{contract}/deliveries", json=delivery).status_code == 201

    price = {"period": following, "unit_price": "605.00", "reason": "Agreed late."}
    assert mine.post(f"{url}/amendments", json=price).status_code == 201
    error_of(mine.post(f"{url}/amendments/1/accept"), 409, "own_amendment")
    assert plant.post(f"{url}/amendments/1/accept").json()["status"] == "accepted"
    error_of(plant.post(f"{url}/periods/{this}/close"), 409, "period_not_ended")

    figures = plant.get(url).json()
    assert [(p["period"], p["unit_price"], p["called_off"], p["delivered"], p["shortfall"])
            for p in figures["periods"]] == [
        (this, "610.00", "300", "300", "200"), (following, "605.00", "0", "0", "500")]  # fmt: skip
    listed = plant.get("/v1/frameworks", params={"unit_id": "PWR-02"}).json()["items"]
    assert [(p["called_off"], p["delivered"]) for p in listed[0]["periods"]] == [
        ("300", "300"), ("0", "0")]  # fmt: skip
    bi = demo.client(demo.token("HQ", "bi_reader"))
    forms = bi.get("/v1/projections/trade-volume", params={"group_by": "trade_form"}).json()
    framework = {r["key"]: r for r in forms["items"]}["framework"]
    assert framework["contracts"] >= 5  # the demo's four call-offs and this one

    # The demo's agreement: the month before last in full, last month short and closed.
    (demo_framework,) = [f for f in mine.get("/v1/frameworks").json()["items"]
                         if f["demand_unit_id"] == "PWR-01"]  # fmt: skip
    periods = demo_framework["periods"]
    assert [(p["delivered"], p["closed"]) for p in periods[:2]] == [("3000", True),
                                                                     ("2500", True)]  # fmt: skip
