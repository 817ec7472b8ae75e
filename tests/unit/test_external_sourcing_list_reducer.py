"""The external-sourcing list reducer: the need from its posting, each request from its own
events, and the status, decider and reason each decision leaves."""

from __future__ import annotations

from decimal import Decimal

from marketplace.aggregates.need import Ground
from marketplace.handlers import external_sourcing as ext
from marketplace.projections import external_sourcing_list as listed
from marketplace.projections.memory import table_rows
from tests.unit.handlers.steps import posted, steam
from tests.unit.handlers.world import HQ_ADMIN, World, demo_market, operator, platform_admin

NONE_INSIDE = Ground.NOT_AVAILABLE_INTERNALLY
URGENT = Ground.INSUFFICIENT_FOR_URGENT_NEED


def test_a_request_row_follows_its_decision_and_its_use() -> None:
    world = demo_market(World())
    needs = [posted(world, steam(title=f"Steam {n}")) for n in range(4)]  # type: ignore[arg-type]

    def request(n: int, ground: Ground = NONE_INSIDE, quantity: str | None = None) -> str:
        qty = Decimal(quantity) if quantity else None
        _, made = world.given(
            lambda s: ext.request_external(
                s, operator("COAL-01"), needs[n].id, ground, f"Why {n}", qty
            )
        )
        return made

    waiting, used, rejected, approved = request(0, URGENT, "200.50"), *map(request, (1, 2, 3))
    world.given(lambda s: ext.decide_external(s, platform_admin("COAL"), used, True, None))
    world.given(lambda s: ext.close_external(s, operator("COAL-01"), needs[1].id, "Outside Co"))
    world.given(lambda s: ext.decide_external(s, HQ_ADMIN, rejected, False, "Ask HEAT-02 first"))
    world.given(lambda s: ext.decide_external(s, platform_admin("COAL"), approved, True, None))

    rows = world.rows(listed.PROJECTION)
    found = {r["request_id"]: r for r in table_rows(rows, listed.REQUESTS.name)}
    decided = {
        r: (found[r]["status"], found[r]["decided_by_unit_id"], found[r]["reason"])
        for r in (waiting, used, rejected, approved)
    }
    assert decided == {
        waiting: ("requested", None, None),
        used: ("used", "COAL", None),
        rejected: ("rejected", "HQ", "Ask HEAT-02 first"),
        approved: ("approved", "COAL", None),
    }
    row = found[waiting]
    assert (row["need_id"], row["ground"], row["justification"], row["quantity"]) == (
        needs[0].id,
        URGENT.value,
        "Why 0",
        "200.5",
    )
    assert row["requested_by_unit_id"] == "COAL-01" and row["decided_at"] is None
    assert found[approved]["decided_at"] > found[approved]["requested_at"]
    need_rows = {r["need_id"]: r for r in table_rows(rows, listed.NEEDS.name)}
    assert need_rows[needs[2].id] | {"need_id": None} == {
        "need_id": None,
        "demand_unit_id": "COAL-01",
        "title": "Steam 2",
        "item_code": "STEAM-LP",
        "need_quantity": "1200",
        "uom": "t",
    }


def test_events_of_other_topics_change_nothing() -> None:
    world = demo_market(World())
    assert table_rows(world.rows(listed.PROJECTION), listed.REQUESTS.name) == []
