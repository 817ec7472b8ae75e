"""The trade-volume reducer: a contract's row from its award, its amount (in fen) once active,
its deliveries added, its end status; the parties' sectors as they were at the award."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from marketplace.aggregates.base import Actor
from marketplace.aggregates.contract import Contract, TradeForm
from marketplace.handlers import contracts, units
from marketplace.projections import trade_volume
from marketplace.projections.memory import table_rows
from tests.unit.handlers.steps import awarded, signed
from tests.unit.handlers.world import HQ_ADMIN, World, demo_market, operator

DELIVERED = datetime(2027, 3, 1, tzinfo=UTC)


def contract_rows(world: World) -> list[dict[str, object]]:
    return table_rows(world.rows(trade_volume.PROJECTION), trade_volume.CONTRACTS.name)


def test_an_awarded_contract_counts_nothing_until_active() -> None:
    world = demo_market(World())
    contract = awarded(world)
    [row] = contract_rows(world)
    assert row["contract_id"] == contract.id
    assert (row["status"], row["amount_minor"], row["activated_at"], row["month"]) == (
        "awaiting_signatures",
        0,
        None,
        None,
    )
    assert (row["demand_sector"], row["supply_sector"], row["category"]) == (
        "coal_chemical",
        "power",
        "product",
    )


def test_an_active_contract_counts_its_amount_and_deliveries_as_they_arrive() -> None:
    world = demo_market(World())
    contract = signed(world)
    world.at(DELIVERED)
    for quantity in ("100", "50"):
        world.given(
            lambda s, q=quantity: contracts.deliver(
                s, operator("PWR-01"), contract.id, Decimal(q), Decimal(q) * 180, DELIVERED
            )
        )
    [row] = contract_rows(world)
    # Whole fen (hundredths of a yuan), summed exactly in SQL.
    assert (row["status"], row["amount_minor"], row["month"]) == ("active", 21_600_000, "2027-01")
    assert row["delivered_minor"] == 2_700_000


def test_the_end_status_and_the_sectors_as_they_were() -> None:
    world = demo_market(World())
    done, ended = signed(world), signed(world)
    for unit in done.party_ids:
        world.given(lambda s, u=unit: contracts.complete(s, operator(u), done.id, None))
    world.given(lambda s: contracts.terminate(s, operator("COAL-01"), ended.id, "fire", None))
    world.given(
        lambda s: units.update_unit(
            s, HQ_ADMIN, units.UpdateUnit("PWR-01", parent_id="HEAT", sector="heat")
        )
    )
    rows = {r["contract_id"]: r for r in contract_rows(world)}
    assert (rows[done.id]["status"], rows[ended.id]["status"]) == ("completed", "terminated")
    assert {r["supply_sector"] for r in rows.values()} == {"power"}


def test_each_contract_keeps_its_trade_form_and_an_arranged_one_counts_at_once() -> None:
    world = demo_market(World())
    awarded(world)
    call_off = Contract.arrange(
        "con-call-off",
        "PWR-01",
        "COAL-01",
        "regular",
        "COAL-THERMAL",
        Decimal("300"),
        Decimal("612.50"),
        {"demand_sector": "power", "supply_sector": "coal_chemical"},
        Actor("COAL-01", "tok"),
        DELIVERED,
        trade_form=TradeForm.FRAMEWORK,
        source_id="fwk-1",
        category="product",
    )
    world.given(lambda s: s.store.save(call_off))
    rows = {r["contract_id"]: r for r in contract_rows(world)}
    assert [r["trade_form"] for r in rows.values() if r["contract_id"] != call_off.id] == [
        "one_off"
    ]
    framework = rows[call_off.id]
    assert (framework["trade_form"], framework["status"], framework["amount_minor"]) == (
        "framework",
        "active",
        18_375_000,
    )
