"""The lists' reducers: a tender's, a contract's, an incident's own events in, rows out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marketplace.aggregates.contract import Contract
from marketplace.aggregates.quality_incident import QualityIncident
from marketplace.aggregates.tender import Tender
from marketplace.events.envelope import CloudEvent
from marketplace.events.wire import to_cloud_event
from marketplace.projections import contract_list, incident_list, tender_list
from marketplace.projections.memory import Rows, fold, table_rows
from marketplace.projections.projection import Projection
from tests.unit.org_fixtures import ACTOR
from tests.unit.test_tender_rules import AFTER, T, launch, opened

Aggregate = Tender | Contract | QualityIncident


def published(*aggregates: Aggregate) -> list[CloudEvent]:
    events = []
    for aggregate in aggregates:
        for version, domain_event in enumerate(aggregate.collect_events(), 1):
            event = to_cloud_event(domain_event, version)
            assert event is not None
            events.append(event)
    return events


def folded(projection: Projection, *aggregates: Aggregate) -> Rows:
    return fold(change for event in published(*aggregates) for change in projection.apply(event))


def invitees(rows: Rows) -> dict[str, Any]:
    return {r["unit_id"]: r["my_bid"] for r in table_rows(rows, tender_list.INVITEES.name)}


def test_an_invitee_has_bid_or_not_and_a_replacement_counts_once() -> None:
    tender = launch(["HEAT-02", "PWR-01", "ENG-01"])
    tender.record_bid("b1", "HEAT-02", True, ACTOR, T)
    tender.record_bid("b2", "HEAT-02", True, ACTOR, T)  # replaces b1
    tender.record_bid("b3", "external:Outside Steam", False, ACTOR, T)
    rows = folded(tender_list.PROJECTION, tender)
    [row] = table_rows(rows, tender_list.TENDERS.name)
    assert (row["status"], row["bid_count"], row["demand_unit_id"]) == ("open", 2, "COAL-01")
    assert invitees(rows) == {"HEAT-02": "submitted", "PWR-01": "none", "ENG-01": "none"}


def test_no_amount_is_kept_even_once_the_bids_are_opened() -> None:
    tender = opened()
    tender.award("b-int", None, "con-1", ACTOR, AFTER)
    rows = folded(tender_list.PROJECTION, tender)
    [row] = table_rows(rows, tender_list.TENDERS.name)
    assert row["status"] == "awarded"
    columns = {c.name for t in tender_list.PROJECTION.tables for c in t.columns}
    assert not any("amount" in c or "price" in c or "rank" in c for c in columns)
    assert "103" not in repr(rows) and "100" not in repr(rows)


def contract() -> Contract:
    parties = {"demand_platform_id": "COAL", "supply_platform_id": "HEAT"}
    return Contract.award(
        "con-1", "need-1", "off-1", "COAL-01", "HEAT-02", "regular", "STEAM-LP",
        Decimal("1200"), Decimal("185.00"), parties, ACTOR, T,
    )  # fmt: skip


def test_a_contracts_row_follows_signatures_and_deliveries_and_skips_incidents() -> None:
    c = contract()
    c.sign("COAL-01", ACTOR, T)
    c.sign("HEAT-02", ACTOR, T)
    c.deliver(Decimal("200"), Decimal("37000.00"), T, ACTOR, T)
    c.deliver(Decimal("100"), Decimal("18500.00"), T, ACTOR, T)
    incident = QualityIncident.record(
        "inc-1", "con-1", "active",
        {"demand_unit_id": "COAL-01", "supply_unit_id": "HEAT-02"},
        "management", "minor", "Late papers.", T, False, ACTOR, T,
    )  # fmt: skip
    incident.resolve("Papers sent.", ACTOR, T)
    events = published(c, incident)
    rows = fold(change for e in events for change in contract_list.PROJECTION.apply(e))
    [row] = table_rows(rows, contract_list.CONTRACTS.name)
    assert (row["status"], row["amount"]) == ("active", Decimal("222000.00"))
    assert (row["delivered_quantity"], row["delivered_amount"]) == (
        Decimal("300"),
        Decimal("55500.00"),
    )
    incidents = fold(change for e in events for change in incident_list.PROJECTION.apply(e))
    [found] = table_rows(incidents, incident_list.INCIDENTS.name)
    assert (found["supplier_unit_id"], found["demand_unit_id"]) == ("HEAT-02", "COAL-01")
    assert (found["status"], found["automatic"]) == ("resolved", False)
