"""The report-facts reducer: one fact per reportable event with its unit (or its need's or
dispute's, through the lookup tables filled by their first events) and its amount."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from marketplace.aggregates.need import Ground
from marketplace.handlers import contracts, disputes, external_sourcing
from marketplace.projections import report_facts
from marketplace.projections.memory import Rows, fold, table_rows
from tests.unit.handlers.steps import launched, posted, signed, steam
from tests.unit.handlers.world import HQ_ADMIN, World, demo_market, operator

DELIVERED = datetime(2027, 3, 1, tzinfo=UTC)


def facts(rows: Rows) -> list[tuple[str, str | None, str | None, str | None, Decimal]]:
    """(metric, unit, need, dispute, amount) of every fact."""
    return sorted(
        (r["metric"], r["unit_id"], r["need_id"], r["dispute_id"], Decimal(r["amount"]))
        for r in table_rows(rows, report_facts.FACTS.name)
    )


def test_an_active_contract_its_deliveries_and_incidents_are_facts_of_both_units() -> None:
    world = demo_market(World())
    contract = signed(world)
    world.at(DELIVERED).given(
        lambda s: contracts.deliver(
            s, operator("PWR-01"), contract.id, Decimal(100), Decimal(18000), DELIVERED
        )
    )
    incident = world.given(
        lambda s: contracts.record_incident(
            s, operator("COAL-01"), contract.id, "management", "minor", "x", DELIVERED
        )
    )
    world.given(lambda s: contracts.resolve_incident(s, operator("PWR-01"), incident.id, "ok"))
    amount = Decimal("216000.00")
    assert facts(world.rows(report_facts.PROJECTION)) == [
        ("bought", "COAL-01", None, None, amount),
        ("delivered_bought", "COAL-01", None, None, Decimal(18000)),
        ("delivered_sold", "PWR-01", None, None, Decimal(18000)),
        ("incidents_against", "PWR-01", None, None, Decimal(0)),
        ("incidents_raised", "COAL-01", None, None, Decimal(0)),
        ("incidents_resolved", "PWR-01", None, None, Decimal(0)),
        ("sold", "PWR-01", None, None, amount),
    ]


def test_a_tender_counts_with_its_compliance_when_for_a_catalog_item() -> None:
    world = demo_market(World())
    launched(world)
    assert facts(world.rows(report_facts.PROJECTION)) == [
        ("tenders", "COAL-01", None, None, Decimal(0)),
        ("tenders_compliant", "COAL-01", None, None, Decimal(0)),
    ]


def test_external_sourcing_facts_name_their_need_whose_first_event_names_the_unit() -> None:
    world = demo_market(World())
    need = posted(world)
    _, request_id = world.given(
        lambda s: external_sourcing.request_external(
            s, operator("COAL-01"), need.id, Ground.NOT_AVAILABLE_INTERNALLY, "none", None
        )
    )
    world.given(lambda s: external_sourcing.decide_external(s, HQ_ADMIN, request_id, True, None))
    world.given(lambda s: external_sourcing.close_external(s, operator("COAL-01"), need.id, "X"))
    other = posted(world, steam(demand_unit_id="COAL-02"))
    _, rejected = world.given(
        lambda s: external_sourcing.request_external(
            s, operator("COAL-02"), other.id, Ground.NOT_AVAILABLE_INTERNALLY, "none", None
        )
    )
    world.given(lambda s: external_sourcing.decide_external(s, HQ_ADMIN, rejected, False, "no"))
    rows = world.rows(report_facts.PROJECTION)
    assert facts(rows) == [
        ("closed_external", None, need.id, None, Decimal(0)),
        ("external_approved", None, need.id, None, Decimal(0)),
        ("external_rejected", None, other.id, None, Decimal(0)),
        ("external_requested", None, need.id, None, Decimal(0)),
        ("external_requested", None, other.id, None, Decimal(0)),
    ]
    assert {
        r["need_id"]: r["demand_unit_id"] for r in table_rows(rows, report_facts.NEEDS.name)
    } == {
        need.id: "COAL-01",
        other.id: "COAL-02",
    }


def test_dispute_facts_name_the_dispute_whose_first_event_names_both_parties() -> None:
    world = demo_market(World())
    need = posted(world)
    raised = [
        world.given(
            lambda s: disputes.raise_dispute(
                s, operator("COAL-01"), "COAL-01", "need", need.id, "HEAT-02", "other", "x"
            )
        ).id
        for _ in range(2)
    ]
    world.given(lambda s: disputes.request_mediation(s, operator("COAL-01"), raised[0]))
    world.given(lambda s: disputes.withdraw(s, operator("COAL-01"), raised[1]))
    rows = world.rows(report_facts.PROJECTION)
    assert Counter((f[0], f[3]) for f in facts(rows)) == Counter(
        {
            ("disputes_raised", raised[0]): 1,
            ("disputes_raised", raised[1]): 1,
            ("disputes_to_mediation", raised[0]): 1,
            ("disputes_closed", raised[1]): 1,
        }
    )
    assert all(f[1] is None for f in facts(rows))  # a dispute's facts are found by its parties
    parties = {
        r["dispute_id"]: (r["raiser_unit_id"], r["against_unit_id"])
        for r in table_rows(rows, report_facts.DISPUTES.name)
    }
    assert parties == {d: ("COAL-01", "HEAT-02") for d in raised}


def test_a_fact_recorded_twice_is_one_row() -> None:
    world = demo_market(World())
    signed(world)
    events = world.published()
    once = fold(c for e in events for c in report_facts.apply(e))
    twice = fold(c for e in events + events for c in report_facts.apply(e))
    assert once == twice
    assert len(table_rows(once, report_facts.FACTS.name)) == 2  # sold, bought
