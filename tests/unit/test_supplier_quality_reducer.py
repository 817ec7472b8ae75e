"""The supplier-quality reducer: per supplier, contracts and incidents by kind and severity,
open ones going down as they are resolved; a late delivery counts as a delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from marketplace.handlers import contracts
from marketplace.projections import supplier_quality
from marketplace.projections.memory import table_rows
from tests.unit.handlers.steps import awarded, signed
from tests.unit.handlers.world import World, demo_market, operator

LATE = datetime(2027, 3, 25, tzinfo=UTC)  # after the offer's 2027-03-20


def test_contracts_incidents_open_by_kind_and_by_severity() -> None:
    world = demo_market(World())
    contract = signed(world)
    awarded(world)  # a second contract with the same supplier, never active
    now = world.svc.clock()
    wet = world.given(
        lambda s: contracts.record_incident(
            s, operator("COAL-01"), contract.id, "product_quality", "major", "Wet", now
        )
    )
    world.given(
        lambda s: contracts.record_incident(
            s, operator("COAL-01"), contract.id, "management", "minor", "Papers", now
        )
    )
    world.given(lambda s: contracts.resolve_incident(s, operator("PWR-01"), wet.id, "Dried"))
    world.at(LATE + timedelta(days=1)).given(
        lambda s: contracts.deliver(
            s, operator("PWR-01"), contract.id, Decimal(10), Decimal(1800), LATE
        )
    )
    [row] = table_rows(world.rows(supplier_quality.PROJECTION), supplier_quality.SUPPLIERS.name)
    assert row == {
        "supplier_unit_id": "PWR-01",
        "contracts": 2,
        "incidents": 3,
        "open": 2,
        "management": 1,
        "product_quality": 1,
        "delivery_delay": 1,
        "minor": 2,
        "major": 1,
        "critical": 0,
    }


def test_a_supplier_without_contracts_has_no_row() -> None:
    world = demo_market(World())
    assert world.rows(supplier_quality.PROJECTION) == {}
