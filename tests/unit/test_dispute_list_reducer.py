"""The dispute-list reducer: both parties and the subject from the raise, the mediator once
asked for, and the status each later event leaves."""

from __future__ import annotations

from marketplace.handlers import disputes
from marketplace.projections import dispute_list
from marketplace.projections.memory import table_rows
from tests.unit.handlers.steps import awarded
from tests.unit.handlers.world import HQ_ADMIN, World, demo_market, operator


def test_a_dispute_row_follows_mediation_and_each_way_of_closing() -> None:
    world = demo_market(World())
    contract = awarded(world)
    made = []
    for _ in range(4):
        made.append(
            world.given(
                lambda s: disputes.raise_dispute(
                    s, operator("COAL-01"), "COAL-01", "contract", contract.id, "PWR-01",
                    "price", "Overcharged",
                )
            ).id
        )  # fmt: skip
    negotiating, resolved, settled, withdrawn = made
    world.given(lambda s: disputes.request_mediation(s, operator("PWR-01"), resolved))
    world.given(lambda s: disputes.resolve(s, HQ_ADMIN, resolved, "Refund"))
    for unit in ("COAL-01", "PWR-01"):
        world.given(lambda s, u=unit: disputes.settle(s, operator(u), settled, "Split"))
    world.given(lambda s: disputes.withdraw(s, operator("COAL-01"), withdrawn))
    found = {
        r["dispute_id"]: r
        for r in table_rows(world.rows(dispute_list.PROJECTION), dispute_list.DISPUTES.name)
    }
    assert {d: (found[d]["status"], found[d]["mediator_unit_id"]) for d in made} == {
        negotiating: ("negotiating", None),
        resolved: ("resolved", "HQ"),
        settled: ("settled", None),
        withdrawn: ("withdrawn", None),
    }
    closing = {d: found[d]["closed_at"] for d in made}
    assert closing[negotiating] is None
    assert all(closing[d] is not None and closing[d] >= found[d]["raised_at"] for d in made[1:])
    row = found[negotiating]
    assert (row["raiser_unit_id"], row["against_unit_id"], row["subject_type"], row["kind"]) == (
        "COAL-01",
        "PWR-01",
        "contract",
        "price",
    )
    assert row["subject_id"] == contract.id
