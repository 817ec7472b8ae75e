"""The needs board reducer: a need's own events in, its one row out; no I/O."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marketplace.aggregates.need import Ground, Need
from marketplace.events.wire import to_cloud_event
from marketplace.projections import needs_board
from marketplace.projections.memory import fold, table_rows
from tests.unit.test_need_rules import ACTOR, T, need


def board(*needs: Need) -> list[dict[str, Any]]:
    changes = []
    for n in needs:
        for version, domain_event in enumerate(n.collect_events(), 1):
            event = to_cloud_event(domain_event, version)
            assert event is not None
            changes += needs_board.apply(event)
    return table_rows(fold(changes), needs_board.NEEDS.name)


def test_offers_an_external_part_and_the_award_show_on_the_row() -> None:
    n = need()
    for offer_id, supplier in (("o1", "HEAT-02"), ("o2", "PWR-01"), ("o3", "SVC-01")):
        n.record_offer(offer_id, supplier, ACTOR, T)
    n.record_withdrawal("o3", ACTOR, T)
    n.request_external(
        "need-1-x1", Ground.INSUFFICIENT_FOR_URGENT_NEED, "urgent", Decimal("200"), ACTOR, T
    )
    n.decide_external("need-1-x1", True, None, "COAL", ACTOR, T)
    n.close_external("Outside Steam Ltd", ACTOR, T)
    n.award("o2", "PWR-01", "con-1", Decimal("216000.00"), ACTOR, T)
    [row] = board(n)
    assert row["need_id"] == "need-1"
    assert row["demand_unit_id"] == "COAL-01"
    assert (row["status"], row["contract_id"]) == ("awarded", "con-1")
    assert (row["quantity"], row["open_quantity"]) == ("1200", "0")
    assert (row["matched_suppliers"], row["offers"]) == (2, 2)
    assert "budget_amount" not in row


def test_an_uncatalogued_need_bought_outside_whole_is_closed_external() -> None:
    n = need(matches=[])
    n.close_external("Outside Steam Ltd", ACTOR, T)
    [row] = board(n)
    assert (row["status"], row["open_quantity"], row["matched_suppliers"]) == (
        "closed_external",
        "0",
        0,
    )


def test_tendering_and_cancelled() -> None:
    tendered = need(sourcing="tender")
    tendered.start_tender("ten-1", ACTOR, T)
    cancelled = Need.post("need-2", tendered.spec, {}, None, [], ACTOR, T)
    cancelled.cancel("duplicate", ACTOR, T)
    assert [(r["need_id"], r["status"]) for r in board(tendered, cancelled)] == [
        ("need-1", "tendering"),
        ("need-2", "cancelled"),
    ]


def test_a_tender_won_inside_shows_its_contract_and_nothing_left_open() -> None:
    n = need(sourcing="tender", quantity=Decimal("12.50"))
    n.start_tender("ten-1", ACTOR, T)
    n.conclude_tender("ten-1", "PWR-01", True, Decimal("900.00"), "con-7", ACTOR, T)
    [row] = board(n)
    assert (row["status"], row["contract_id"]) == ("awarded", "con-7")
    assert (row["quantity"], row["open_quantity"]) == ("12.5", "0")
    assert n.open_quantity == 0 and n.contract_id == "con-7"


def test_a_tender_won_outside_closes_the_need_external() -> None:
    n = need(sourcing="tender")
    n.start_tender("ten-1", ACTOR, T)
    n.conclude_tender("ten-1", "ext:Outside Ltd", False, Decimal("900.00"), None, ACTOR, T)
    [row] = board(n)
    assert (row["status"], row["contract_id"], row["open_quantity"]) == (
        "closed_external",
        None,
        "0",
    )


def test_a_direct_award_leaves_nothing_open() -> None:
    n = need()
    n.record_offer("o1", "PWR-01", ACTOR, T)
    n.award("o1", "PWR-01", "con-1", Decimal("216000.00"), ACTOR, T)
    [row] = board(n)
    assert (row["status"], row["contract_id"], row["open_quantity"]) == ("awarded", "con-1", "0")
    assert n.open_quantity == 0
