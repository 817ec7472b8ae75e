"""Joint procurement over HTTP on a running demo: HQ pools transformers for three plants of three
sectors, they join (one replaces its share, one withdraws and comes back), HQ launches one need
for the total, awards it, and each plant signs its own contract; trade volume counts them as
`joint` per plant; the pool reports what pooling saved; refusals (403, 404, 409, 422)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit
from tests.e2e.test_units_api import error_of

DAY = timedelta(days=1)


def later(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def eventually(client: httpx.Client, path: str, check: Any) -> Any:
    """The answer once `check` holds: read models follow the store a moment later."""
    for _ in range(100):
        body = client.get(path).json()
        if check(body):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{path} never answered as expected: {body}")


def test_three_sectors_buy_transformers_together(demo: Server) -> None:
    hq = demo.client(demo.token("HQ", "hq_admin"))
    body = {"item_code": "TRF-1250KVA", "uom": "pc", "title": "Group transformer purchase",
            "join_until": later(7 * DAY), "required_by": later(60 * DAY)[:10]}  # fmt: skip
    opened = hq.post("/v1/joint-procurements", json=body)
    assert opened.status_code == 201, opened.text
    pool_id = opened.json()["id"]
    assert (opened.json()["lead_unit_id"], opened.json()["category"]) == ("HQ", "product")
    shares = f"/v1/joint-procurements/{pool_id}/shares"
    for unit, quantity, budget in (
        ("HEAT-01", "3", "290000.00"),
        ("COAL-01", "3", "290000.00"),
        ("HEAT-01", "5", "480000.00"),
        ("SVC-01", "2", "200000.00"),
    ):
        joined = as_unit(demo, unit).post(shares, json={"unit_id": unit, "quantity": quantity,
                                                        "budget_amount": budget})  # fmt: skip
        assert joined.status_code == 201, joined.text
    svc = as_unit(demo, "SVC-01")
    assert svc.delete(f"{shares}/SVC-01").status_code == 200
    error_of(svc.delete(f"{shares}/SVC-01"), 404, "not_found")
    error_of(svc.post(shares, json={"unit_id": "SVC-02", "quantity": "1",
                                    "budget_amount": "1.00"}), 403, "forbidden")  # fmt: skip
    back = svc.post(
        shares, json={"unit_id": "SVC-01", "quantity": "2", "budget_amount": "200000.00"}
    )
    assert back.status_code == 201 and back.json()["total_quantity"] == "10"
    error_of(svc.post(shares, json={"unit_id": "SVC-01", "quantity": -2}), 422, "invalid_request")
    error_of(hq.get("/v1/joint-procurements/jp_missing"), 404, "not_found")

    launched = hq.post(f"/v1/joint-procurements/{pool_id}/launch", json={"sourcing": "direct"})
    assert launched.status_code == 200, launched.text
    need_id = launched.json()["need_id"]
    error_of(hq.post(f"/v1/joint-procurements/{pool_id}/launch", json={"sourcing": "direct"}),
             409, "pool_launched")  # fmt: skip
    error_of(svc.delete(f"{shares}/SVC-01"), 409, "pool_launched")
    need = hq.get(f"/v1/needs/{need_id}").json()
    assert (need["demand_unit_id"], need["quantity"], need["budget_amount"], need["pool_id"]) == (
        "HQ", "10", "970000.00", pool_id)  # fmt: skip
    eng = as_unit(demo, "ENG-02")
    offer = {"supplier_unit_id": "ENG-02", "unit_price": "86500.00", "quantity": "10",
             "delivery_date": later(50 * DAY)[:10], "valid_until": later(10 * DAY)}  # fmt: skip
    made = eng.post(f"/v1/needs/{need_id}/offers", json=offer)
    assert made.status_code == 201, made.text
    award = hq.post(f"/v1/needs/{need_id}/award", json={"offer_id": made.json()["offer_id"]})
    assert award.status_code == 201, award.text

    pool = hq.get(f"/v1/joint-procurements/{pool_id}").json()
    assert [(s["unit_id"], s["quantity"], s["amount"]) for s in pool["shares"]] == [
        ("HEAT-01", "5", "432500.00"),  # its second share replaced the first, in its place
        ("COAL-01", "3", "259500.00"),
        ("SVC-01", "2", "173000.00"),  # withdrawn and back: last
    ]
    (saving,) = pool["savings"]  # alone: 5 at 92,000.00, 3 and 2 at 98,000.00; 10 at 88,000.00
    assert [(m["unit_id"], m["saving"]) for m in saving["members"]] == [
        ("HEAT-01", "20000.00"), ("COAL-01", "30000.00"), ("SVC-01", "20000.00")]  # fmt: skip
    assert saving["saving"] == "70000.00"
    for share in pool["shares"]:
        for signer in (share["unit_id"], "ENG-02"):
            signed = as_unit(demo, signer).post(
                f"/v1/contracts/{share['contract_id']}/sign", json={}
            )
            assert signed.status_code == 200, signed.text

    bi = demo.client(demo.token("HQ", "bi_reader"))
    joint = eventually(
        bi, "/v1/projections/trade-volume?group_by=trade_form",
        lambda b: any(r["key"] == "joint" and r["contracts"] >= 6 for r in b["items"]),
    )  # fmt: skip
    (row,) = [r for r in joint["items"] if r["key"] == "joint"]
    assert Decimal(row["amount"]) == Decimal("962500.00") + Decimal("865000.00")  # demo's + ours
    units = bi.get("/v1/projections/trade-volume?group_by=demand_unit").json()["items"]
    assert {r["key"]: r["amount"] for r in units if r["key"] in ("HEAT-01", "SVC-01")} == {
        "HEAT-01": "432500.00", "SVC-01": "173000.00"}  # fmt: skip
    listed = eventually(
        as_unit(demo, "COAL-01"), "/v1/joint-procurements?unit_id=COAL-01&status=awarded",
        lambda b: any(p["id"] == pool_id for p in b["items"]),
    )  # fmt: skip
    mine = next(p for p in listed["items"] if p["id"] == pool_id)
    assert mine["member_count"] == 3 and mine["unit_price"] == "86500.00"
