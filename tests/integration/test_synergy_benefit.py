"""The synergy benefit and the arm's-length check over the in-process API, against a scenario
computed by hand: a tender with an external bid, a direct award at a price above the catalog's,
and a contract of an uncatalogued item (no reference). Written by the handlers, read over HTTP."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.need import NeedSpec
from marketplace.handlers import contracts, needs, rules, tenders
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from tests.integration.api_app import InProcessApi
from tests.integration.api_world import World, bearer, served_demo
from tests.integration.portal_client import PortalUser
from tests.integration.test_portal_dashboard import tables


def operator(unit: str) -> Principal:
    return Principal(f"tok_{unit}", unit, frozenset({Role.UNIT_OPERATOR}))


def need(svc: Services, item: str, quantity: str, sourcing: str) -> str:
    spec = NeedSpec(
        "COAL-01", f"{item} for the test", "product", "heat", item, Decimal(quantity), "t",
        svc.clock().date() + timedelta(days=20), Decimal("500000.00"), "regular", sourcing,
    )  # fmt: skip
    return needs.post_need(svc, operator("COAL-01"), spec).id


def signed(svc: Services, contract_id: str, supplier: str) -> str:
    contracts.sign(svc, operator(supplier), contract_id, None)
    contracts.sign(svc, operator("COAL-01"), contract_id, None)
    return contract_id


def direct(svc: Services, item: str, quantity: str, supplier: str, price: str) -> str:
    need_id = need(svc, item, quantity, "direct")
    now = svc.clock()
    terms = needs.OfferTerms(
        Decimal(price), Decimal(quantity), now.date() + timedelta(days=10), now + timedelta(days=5)
    )
    offer = needs.submit_offer(svc, operator(supplier), need_id, supplier, terms)
    return signed(svc, needs.award(svc, operator("COAL-01"), need_id, offer.id).id, supplier)


def tendered(svc: Services, clock: list[datetime]) -> str:
    """1,000 t of steam: HEAT-02 bids 180,000.00, an outside firm 190,000.00 (190.00 a t)."""
    need_id = need(svc, "STEAM-LP", "1000", "tender")
    deadline = clock[0] + timedelta(hours=1)
    tender = tenders.launch_tender(
        svc, operator("COAL-01"), need_id, ["HEAT-02", "PWR-01"], deadline, "lowest_price",
        Decimal("2"), None,
    )  # fmt: skip
    delivery = date.today() + timedelta(days=20)
    tenders.submit_bid(
        svc, operator("HEAT-02"), tender.id, "HEAT-02", None, Decimal("180000.00"), delivery
    )
    tenders.submit_bid(
        svc, operator("COAL-01"), tender.id, None, "Outside Steam", Decimal("190000.00"), delivery
    )
    clock[0] = deadline + timedelta(minutes=1)
    tenders.open_bids(svc, operator("COAL-01"), tender.id)
    ranked = tenders.load_tender(svc, tender.id).ranking
    internal = next(p["bid_id"] for p in ranked if p["internal"])
    _, contract = tenders.award_tender(svc, operator("COAL-01"), tender.id, internal, None)
    assert contract is not None
    return signed(svc, contract.id, "HEAT-02")


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[tuple[World, TestClient, dict[str, str], str]]:
    with served_demo("sqlite", tmp_path) as (built, client):
        clock = [datetime.now(tz=UTC) + timedelta(minutes=5)]
        built.svc.clock = lambda: clock[0]
        start = clock[0].isoformat()
        made = {
            "tender": tendered(built.svc, clock),
            # 100 t at 200.00 from HEAT-02, whose catalog entry says 185.00.
            "catalog": direct(built.svc, "STEAM-LP", "100", "HEAT-02", "200.00"),
            # An item no catalog lists: nothing to measure against.
            "none": direct(built.svc, "WELD-REPAIR-X", "10", "SVC-03", "50.00"),
        }
        yield built, client, made, start


def get(client: TestClient, world: World, path: str, **params: str) -> dict[str, Any]:
    answer = client.get(path, params=params, headers=bearer(world.token("HQ", "hq_admin")))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_benefit_and_exceptions_as_computed_by_hand(
    scenario: tuple[World, TestClient, dict[str, str], str],
) -> None:
    built, client, made, start = scenario
    in_force = rules.in_force_at(built.svc, built.svc.clock())
    demand_pct = in_force.benefit_split_demand_pct / 100
    # tender: 190.00 * 1000 - 180,000.00 = 10,000.00; catalog: 185.00 * 100 - 20,000.00 = -1,500.00
    benefit = Decimal("8500.00")
    demand = (Decimal("10000.00") * demand_pct).quantize(Decimal("0.01")) + (
        Decimal("-1500.00") * demand_pct
    ).quantize(Decimal("0.01"))
    by_unit = get(
        client, built, "/v1/projections/synergy-benefit", group_by="supply_unit", **{"from": start}
    )
    assert by_unit["totals"] == {
        "contracts": 2,
        "no_reference": 1,
        "benefit": f"{benefit:.2f}",
        "demand_share": f"{demand:.2f}",
        "supply_share": f"{benefit - demand:.2f}",
    }
    rows = {r["key"]: r for r in by_unit["items"]}
    assert rows["HEAT-02"]["contracts"] == 2 and rows["HEAT-02"]["benefit"] == "8500.00"
    assert rows["SVC-03"] == {
        "key": "SVC-03",
        "contracts": 0,
        "no_reference": 1,
        "benefit": "0.00",
        "demand_share": "0.00",
        "supply_share": "0.00",
    }
    month = get(client, built, "/v1/projections/synergy-benefit", group_by="month")
    assert sum(r["no_reference"] for r in month["items"]) == month["totals"]["no_reference"]

    found = get(client, built, "/v1/projections/arm-length-exceptions", **{"from": start})
    assert found["items"] == [
        {
            "contract_id": made["catalog"],
            "demand_unit_id": "COAL-01",
            "supply_unit_id": "HEAT-02",
            "category": "product",
            "activated_at": found["items"][0]["activated_at"],
            "reference_source": "catalog",
            "reference_unit_price": "185.00",
            "unit_price": "200.00",
            "quantity": "100",
            "tolerance_pct": str(in_force.arm_length_tolerance_pct),
            "excess_pct": "8.11",  # 15 / 185 = 8.108 %
        }
    ]


def test_the_contract_event_names_its_reference(
    scenario: tuple[World, TestClient, dict[str, str], str],
) -> None:
    built, _, made, _ = scenario
    tender = contracts.load_contract(built.svc, made["tender"])
    assert tender.reference == (Decimal(190), "external_bid")
    assert contracts.load_contract(built.svc, made["none"]).reference is None


def test_the_dashboard_lists_the_exceptions_and_their_csv(
    scenario: tuple[World, TestClient, dict[str, str], str],
) -> None:
    built, client, made, _ = scenario
    hq = PortalUser(InProcessApi(client, built.svc, built.tokens), language="en")
    assert hq.sign_in(built.token("HQ", "hq_admin")).status_code == 303
    today = built.svc.clock().astimezone(built.svc.zone)
    query = f"period=month&year={today.year}&month={today.month}"
    page = hq.get(f"/dashboard?{query}")
    assert page.status_code == 200, page.text
    shown = tables(page.text)["table-arm-length"]
    assert [(r[1], r[4], r[5], r[6], r[7]) for r in shown] == [
        (made["catalog"], "Catalog price", "185.00", "200.00", "8.11")
    ]
    listed = hq.get(f"/dashboard/arm-length.csv?{query}")
    assert listed.status_code == 200, listed.text
    rows = list(csv.DictReader(io.StringIO(listed.text)))
    api = get(client, built, "/v1/projections/arm-length-exceptions")["items"]
    assert [r["contract_id"] for r in rows] == [r["contract_id"] for r in api]
    assert rows[0] == {k: str(v) for k, v in api[0].items()} | {
        "activated_at": datetime.fromisoformat(api[0]["activated_at"]).isoformat()
    }
