"""The lists' read models (tenders, contracts, incidents, disputes, external-sourcing requests,
working groups) against hand-computed rows:
replayed from scratch twice and fed from Kafka through the real relay, all alike; and no sealed
amount in them before the bids are opened."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from marketplace.adapters.seal import AesGcmSealer
from marketplace.aggregates.need import Ground
from marketplace.handlers import bodies, disputes, external_sourcing, needs, tenders
from marketplace.handlers.ports import Services
from marketplace.projections import (
    contract_list,
    dispute_list,
    external_sourcing_list,
    incident_list,
    tender_list,
    working_group_list,
)
from marketplace.projections.store import ReadModelStore
from tests.conftest import require_broker
from tests.integration.conftest import HQ_ADMIN
from tests.integration.projection_harness import relayed_into, replayed_into, rows
from tests.integration.test_contract_projections import write_scenario
from tests.integration.test_needs import market, operator, steam  # noqa: F401

LISTS = (
    tender_list.PROJECTION,
    contract_list.PROJECTION,
    incident_list.PROJECTION,
    dispute_list.PROJECTION,
    external_sourcing_list.PROJECTION,
    working_group_list.PROJECTION,
)
SEALED = ("91234.56", "90111.11", "95000.00", "88888.88")  # amounts that must not show early


def tender(svc: Services, invitees: list[str]) -> str:
    spec = steam()
    need = needs.post_need(
        svc, operator("COAL-01"), spec.__class__(**{**vars(spec), "sourcing": "tender"})
    )
    deadline = svc.clock() + timedelta(days=1)
    launched = tenders.launch_tender(
        svc, operator("COAL-01"), need.id, invitees, deadline, "lowest_price", Decimal(0), None
    )
    return launched.id


def bid(svc: Services, tender_id: str, unit: str | None, amount: str) -> str:
    who = unit or "COAL-01"
    made = tenders.submit_bid(
        svc, operator(who), tender_id, unit, None if unit else "Outside Steam Ltd",
        Decimal(amount), steam().required_by,
    )  # fmt: skip
    return made.id


def write_tenders(svc: Services) -> tuple[str, str]:
    """One tender still sealed (a bid replaced, an external bid, ENG-01 invited though not a
    catalog supplier, and silent), one opened and awarded."""
    svc.sealer = AesGcmSealer(os.urandom(32))
    sealed = tender(svc, ["HEAT-02", "PWR-01", "ENG-01"])
    bid(svc, sealed, "HEAT-02", SEALED[0])
    bid(svc, sealed, "HEAT-02", SEALED[1])  # replaces its first: still one bid
    bid(svc, sealed, "PWR-01", SEALED[2])
    bid(svc, sealed, None, SEALED[3])
    awarded = tender(svc, ["HEAT-02", "PWR-01"])
    winner = bid(svc, awarded, "PWR-01", "180000.00")
    launched = svc.clock()
    svc.clock = lambda: launched + timedelta(days=2)
    tenders.open_bids(svc, operator("COAL-01"), awarded)
    tenders.award_tender(svc, operator("COAL-01"), awarded, winner, None)
    svc.clock = lambda: launched
    return sealed, awarded


def write_disputes(svc: Services, contract_id: str) -> None:
    mediated = disputes.raise_dispute(
        svc, operator("COAL-01"), "COAL-01", "contract", contract_id, "PWR-01", "quality", "Wet."
    )
    disputes.request_mediation(svc, operator("PWR-01"), mediated.id)
    dropped = disputes.raise_dispute(
        svc, operator("COAL-01"), "COAL-01", "contract", contract_id, "PWR-01", "payment", "Late."
    )
    disputes.withdraw(svc, operator("COAL-01"), dropped.id)


def write_requests(svc: Services) -> None:
    """Three requests to buy steam outside: one waiting, one rejected, one approved and used."""
    made = []
    for ground in (Ground.NOT_AVAILABLE_INTERNALLY, Ground.BEYOND_INTERNAL_CAPABILITY, None):
        need = needs.post_need(svc, operator("COAL-01"), steam())
        chosen = ground or Ground.INSUFFICIENT_FOR_URGENT_NEED
        quantity = None if ground else Decimal("100")
        _, request = external_sourcing.request_external(
            svc, operator("COAL-01"), need.id, chosen, "Line down.", quantity
        )
        made.append((need.id, request))
    external_sourcing.decide_external(svc, HQ_ADMIN, made[1][1], False, "Ask PWR-01.")
    external_sourcing.decide_external(svc, HQ_ADMIN, made[2][1], True, None)
    external_sourcing.close_external(svc, operator("COAL-01"), made[2][0], "Outside Steam Ltd")


def write_working_groups(svc: Services) -> tuple[str, str]:
    """One working group formed and revised (a member and a sector leave), one dissolved."""
    form = bodies.FormWorkingGroup(
        "煤电化协调工作组",
        ["coal_chemical", "power"],
        ["product"],
        ["COAL", "PWR", "COAL-01"],
        "COAL",
    )
    revised = bodies.form_working_group(svc, HQ_ADMIN, form).id
    change = bodies.ReviseWorkingGroup(sectors=["power"], members=["COAL", "PWR", "PWR-01"])
    bodies.revise_working_group(svc, HQ_ADMIN, revised, change)
    form = bodies.FormWorkingGroup("工程与服务协调工作组", [], ["service"], ["ENG", "SVC"], "SVC")
    dissolved = bodies.form_working_group(svc, HQ_ADMIN, form).id
    bodies.dissolve_working_group(svc, HQ_ADMIN, dissolved, "Merged into the services group.")
    return revised, dissolved


async def everything(read_models: ReadModelStore) -> dict[str, list[dict[str, Any]]]:
    return {
        table.name: await rows(read_models, table)
        for projection in LISTS
        for table in projection.tables
    }


async def test_the_lists_replay_alike_and_equal_the_kafka_feed(
    market: Services,  # noqa: F811
    tmp_path: Path,
) -> None:
    require_broker()
    write_scenario(market)
    sealed, awarded = write_tenders(market)
    before_opening = await replayed_into(market.store, tmp_path / "s.db", LISTS, everything)
    assert not any(amount in repr(before_opening) for amount in SEALED)
    (contract,) = [
        c["contract_id"]
        for c in before_opening["contract_list_contracts"]
        if (c["demand_unit_id"], c["supply_unit_id"], c["status"])
        == ("COAL-01", "PWR-01", "active")
    ]
    write_disputes(market, contract)
    write_requests(market)
    revised, dissolved = write_working_groups(market)

    replayed = await replayed_into(market.store, tmp_path / "a.db", LISTS, everything)
    assert await replayed_into(market.store, tmp_path / "b.db", LISTS, everything) == replayed
    fed = await relayed_into(market, tmp_path / "k.db", LISTS, everything, replayed)
    assert fed == replayed

    by_tender = {r["tender_id"]: r for r in replayed["tender_list_tenders"]}
    assert (by_tender[sealed]["status"], by_tender[sealed]["bid_count"]) == ("open", 3)
    assert (by_tender[awarded]["status"], by_tender[awarded]["bid_count"]) == ("awarded", 1)
    bids = {(r["tender_id"], r["unit_id"]): r["my_bid"] for r in replayed["tender_list_invitees"]}
    assert {u: b for (t, u), b in bids.items() if t == sealed} == {
        "HEAT-02": "submitted",
        "PWR-01": "submitted",
        "ENG-01": "none",
    }
    contracts = replayed["contract_list_contracts"]
    assert sorted((c["supply_unit_id"], c["status"], c["delivered_amount"]) for c in contracts) == [
        ("HEAT-02", "completed", Decimal("220800.00")),
        ("HEAT-02", "terminated", Decimal("18400.00")),
        ("PWR-01", "active", Decimal("108000.00")),
        ("PWR-01", "awaiting_signatures", Decimal(0)),
        ("PWR-01", "awaiting_signatures", Decimal(0)),  # the tender's award
    ]
    incidents = {r["supplier_unit_id"]: r["status"] for r in replayed["incident_list_incidents"]}
    assert incidents == {"PWR-01": "open", "HEAT-02": "resolved"}
    assert sorted(
        (d["status"], d["mediator_unit_id"]) for d in replayed["dispute_list_disputes"]
    ) == [("in_mediation", "HQ"), ("withdrawn", None)]
    requests = replayed["external_sourcing_list_requests"]
    assert sorted((r["status"], r["quantity"], r["reason"]) for r in requests) == [
        ("rejected", None, "Ask PWR-01."),
        ("requested", None, None),
        ("used", "100", None),
    ]
    asked = {r["need_id"] for r in requests}
    needs_of = {r["need_id"]: r["demand_unit_id"] for r in replayed["external_sourcing_list_needs"]}
    assert {needs_of[n] for n in asked} == {"COAL-01"}
    groups = {g["working_group_id"]: g for g in replayed["working_group_list_groups"]}
    assert (groups[revised]["status"], groups[dissolved]["status"]) == ("active", "dissolved")
    links = sorted((r["kind"], r["value"]) for r in replayed["working_group_list_links"]
                   if r["working_group_id"] == revised)  # fmt: skip
    assert links == [
        ("member", "COAL"), ("member", "PWR"), ("member", "PWR-01"), ("sector", "power")
    ]  # fmt: skip
