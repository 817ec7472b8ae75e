"""The paper's section 4 flow, computed by hand: the Coal Mining Co. (COAL-03) supplies thermal
coal to the Northern Thermal Power Plant (PWR-01) under a framework agreement for the first
quarter of 2031, month by month; February falls short. Checked: the agreement's figures per
period, the trade volume by trade form, the delivery_delay incident, the quarterly report.

    period   scheduled  price    called off       delivered     shortfall
    2031-01  3000 t     612.50   1800 + 1200      1800 + 1200   0
    2031-02  2800 t     612.50   2800             1500 + 1000   300 (10.71% > 5%: an incident)
    2031-03  3000 t     598.00   3000             2900          100 (3.33%: within tolerance)

February was scheduled at 3000 t and amended to 2800 by both parties in January (the mine's
maintenance); March was drawn up unpriced and priced at 598.00 in January after a first price
was rejected. Amounts: January 1800 x 612.50 = 1 102 500.00 and 1200 x 612.50 = 735 000.00,
February 2800 x 612.50 = 1 715 000.00, March 3000 x 598.00 = 1 794 000.00: four contracts,
5 346 500.00. Delivered: 1 837 500.00 + 2500 x 612.50 = 1 531 250.00 + 2900 x 598.00 =
1 734 200.00, in all 5 102 950.00.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.api_world import World, bearer, created, served_demo

PWR, COAL = "PWR-01", "COAL-03"
AGREEMENT = {
    "demand_unit_id": PWR,
    "supply_unit_id": COAL,
    "item_code": "THERMAL-COAL-5500",
    "uom": "t",
    "from": "2031-01-01",
    "to": "2031-03-31",
    "schedule": [
        {"period": "2031-01", "quantity": "3000", "unit_price": "612.50"},
        {"period": "2031-02", "quantity": "3000", "unit_price": "612.50"},
        {"period": "2031-03", "quantity": "3000"},
    ],
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, TestClient]]:
    with served_demo("sqlite", tmp_path_factory.mktemp("scenario")) as (built, client):
        yield built, client


class Parties:
    """The two parties' operators acting over the API, the clock set day by day."""

    def __init__(self, world: World, client: TestClient) -> None:
        self.world, self.client = world, client

    def on(self, day: str) -> None:
        moment = datetime.fromisoformat(f"{day}T02:00:00+00:00")  # 10:00 in Asia/Shanghai
        self.world.svc.clock = lambda: moment

    def post(self, unit: str, path: str, body: Any = None, status: int = 200) -> Any:
        token = self.world.token(unit, "unit_operator")
        answer = self.client.post(path, json=body, headers=bearer(token))
        assert answer.status_code == status, answer.text
        return answer.json()

    def call_off(self, framework: str, period: str, quantity: str) -> str:
        body = {"period": period, "quantity": quantity}
        made = self.post(PWR, f"/v1/frameworks/{framework}/call-offs", body, 201)
        return str(made["contract_id"])

    def deliver(self, contract: str, quantity: str, amount: str, day: str) -> None:
        self.on(day)
        body = {"quantity": quantity, "amount": amount, "delivered_at": f"{day}T01:00:00Z"}
        delivered = self.post(COAL, f"/v1/contracts/{contract}/deliveries", body, 201)
        assert delivered["incident_id"] is None  # on time: no late-delivery incident


def test_coal_to_power_over_a_quarter_with_one_short_month(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    p = Parties(built, client)
    p.on("2030-12-15")
    framework = created(client, built.token(PWR, "unit_operator"), "/v1/frameworks", AGREEMENT,
                        "id")  # fmt: skip
    url = f"/v1/frameworks/{framework}"
    p.post(COAL, f"{url}/sign")
    assert p.post(PWR, f"{url}/sign")["status"] == "active"

    p.on("2031-01-03")
    january = [p.call_off(framework, "2031-01", "1800")]
    p.deliver(january[0], "1800", "1102500.00", "2031-01-10")
    p.on("2031-01-17")
    january.append(p.call_off(framework, "2031-01", "1200"))
    p.deliver(january[1], "1200", "735000.00", "2031-01-25")

    p.on("2031-01-20")
    maintenance = {"period": "2031-02", "quantity": "2800", "reason": "Longwall maintenance."}
    p.post(COAL, f"{url}/amendments", maintenance, 201)
    p.post(PWR, f"{url}/amendments/1/accept")
    low = {"period": "2031-03", "unit_price": "590.00", "reason": "The coal index fell."}
    p.post(PWR, f"{url}/amendments", low, 201)
    p.post(COAL, f"{url}/amendments/2/reject", {"reason": "Rail freight rose."})
    midway = {"period": "2031-03", "unit_price": "598.00", "reason": "Midway."}
    p.post(COAL, f"{url}/amendments", midway, 201)
    p.post(PWR, f"{url}/amendments/3/accept")

    p.on("2031-02-02")
    february = p.call_off(framework, "2031-02", "2800")
    p.deliver(february, "1500", "918750.00", "2031-02-10")
    p.deliver(february, "1000", "612500.00", "2031-02-24")

    p.on("2031-03-01")
    closed_january = p.post(PWR, f"{url}/periods/2031-01/close")
    assert closed_january["closure"]["incident_id"] is None
    closed_february = p.post(PWR, f"{url}/periods/2031-02/close")
    incident = closed_february["closure"]["incident_id"]
    assert closed_february["closure"] | {"closed_at": None} == {
        "delivered": "2500", "shortfall": "300", "shortfall_pct": "10.71",
        "incident_id": incident, "closed_at": None,
    }  # fmt: skip
    march = p.call_off(framework, "2031-03", "3000")
    p.deliver(march, "2900", "1734200.00", "2031-03-20")
    p.on("2031-04-01")
    assert p.post(PWR, f"{url}/periods/2031-03/close")["closure"]["incident_id"] is None

    shown = client.get(url, headers=bearer(built.token(COAL, "unit_operator"))).json()
    assert shown["status"] == "completed"
    assert [
        (x["period"], x["quantity"], x["unit_price"], x["called_off"], x["delivered"],
         x["shortfall"], x["shortfall_pct"], len(x["call_offs"]))
        for x in shown["periods"]
    ] == [
        ("2031-01", "3000", "612.50", "3000", "3000", "0", "0.00", 2),
        ("2031-02", "2800", "612.50", "2800", "2500", "300", "10.71", 1),
        ("2031-03", "3000", "598.00", "3000", "2900", "100", "3.33", 1),
    ]  # fmt: skip
    assert [(a["period"], a["status"], a["previous_quantity"], a["previous_unit_price"])
            for a in shown["amendments"]] == [
        ("2031-02", "accepted", "3000", "612.50"),
        ("2031-03", "rejected", "3000", None),
        ("2031-03", "accepted", "3000", None),
    ]  # fmt: skip

    hq = bearer(built.token("HQ", "hq_admin"))
    volume = client.get(
        "/v1/projections/trade-volume",
        params={"group_by": "trade_form", "from": "2031-01-01", "to": "2031-04-01"},
        headers=hq,
    ).json()["items"]
    assert volume == [
        {"key": "framework", "contracts": 4, "amount": "5346500.00",
         "delivered_amount": "5102950.00"},
    ]  # fmt: skip

    recorded = client.get(f"/v1/quality-incidents/{incident}", headers=hq).json()
    assert {k: recorded[k] for k in ("contract_id", "supplier_unit_id", "demand_unit_id", "kind",
                                     "severity", "status", "occurred_at")} == {
        "contract_id": february, "supplier_unit_id": COAL, "demand_unit_id": PWR,
        "kind": "delivery_delay", "severity": "major", "status": "open",
        "occurred_at": "2031-03-01T00:00:00+08:00",  # the end of February, group zone
    }  # fmt: skip
    assert "2500 of the 2800 t scheduled delivered" in recorded["description"]
    listed_incidents = client.get(
        "/v1/quality-incidents", params={"supplier_unit_id": COAL}, headers=hq
    ).json()["items"]
    assert incident in {i["incident_id"] for i in listed_incidents}

    report = client.get("/v1/reports/quarterly", params={"unit_id": "COAL", "quarter": "2031Q1"},
                        headers=hq).json()  # fmt: skip
    assert report["figures"]["trade_forms"]["framework"] == {"contracts": 4, "amount": "5346500.00"}
    listed = client.get("/v1/frameworks", params={"unit_id": COAL, "status": "completed"},
                        headers=hq).json()["items"]  # fmt: skip
    (row,) = [f for f in listed if f["id"] == framework]
    assert [
        (x["period"], x["called_off"], x["delivered"], x["closed"]) for x in row["periods"]
    ] == [
        ("2031-01", "3000", "3000", True),
        ("2031-02", "2800", "2500", True),
        ("2031-03", "3000", "2900", True),
    ]
