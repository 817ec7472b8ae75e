"""Exchange visits' rules (pure domain): planning, holding with numbered leads, cancelling,
lead ids that name their visit; and the read model's reducer on hand-made events."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.visit import ExchangeVisit, lead_id_of, visit_of_lead
from marketplace.events.public.visits import VisitHeldV1
from marketplace.events.wire import payload_of, to_cloud_event
from marketplace.projections import visit_list
from marketplace.projections.changes import Upsert
from tests.unit.org_fixtures import ACTOR, at

SECTORS = {"PWR-01": "power", "COAL-01": "coal_chemical", "COAL-02": "coal_chemical"}


def planned(visit_id: str = "vis_1", visitors: list[str] | None = None) -> ExchangeVisit:
    return ExchangeVisit.plan(
        visit_id,
        "PWR-01",
        visitors if visitors is not None else ["COAL-02", "COAL-01", "COAL-02"],
        at(60 * 24 * 30),
        "Methanol as a boiler start-up fuel",
        SECTORS,
        ACTOR,
        at(1),
    )


def visit_cycle() -> list[Any]:
    """Every public visit event: one visit held with two leads, one cancelled."""
    held = planned("vis_1")
    held.record_held(
        "Two leads.", [("METHANOL", "Start-up fuel."), (None, "Shared lab.")], ACTOR, at(2)
    )
    dropped = planned("vis_2")
    dropped.cancel("The plant is in outage.", ACTOR, at(3))
    return [*held.collect_events(), *dropped.collect_events()]


def test_visitors_are_kept_sorted_once() -> None:
    assert planned().visitor_unit_ids == ["COAL-01", "COAL-02"]
    assert planned().units == ["PWR-01", "COAL-01", "COAL-02"]


def test_the_host_cannot_visit_itself() -> None:
    with pytest.raises(DomainError) as info:
        planned(visitors=["COAL-01", "PWR-01"])
    assert info.value.code == "host_among_visitors"


def test_a_visit_has_a_visitor() -> None:
    with pytest.raises(DomainError) as info:
        planned(visitors=[])
    assert info.value.code == "no_visitors"


def test_held_leads_are_numbered_in_the_visits_name() -> None:
    visit = planned()
    visit.record_held("Good.", [("METHANOL", "Fuel."), (None, "Lab.")], ACTOR, at(2))
    assert [(lead.lead_id, lead.item_code) for lead in visit.leads] == [
        ("vis_1-L1", "METHANOL"),
        ("vis_1-L2", None),
    ]
    assert visit.status == "held" and visit.held_at == at(2)
    assert visit.lead("vis_1-L2") is not None and visit.lead("vis_1-L3") is None


def test_held_twice_or_after_cancelling_is_refused() -> None:
    visit = planned()
    visit.record_held("Good.", [], ACTOR, at(2))
    for act in (
        lambda: visit.record_held("Again.", [], ACTOR, at(3)),
        lambda: visit.cancel("Late.", ACTOR, at(3)),
    ):
        with pytest.raises(DomainError) as info:
            act()
        assert info.value.code == "visit_already_held"
    cancelled = planned()
    cancelled.cancel("Outage.", ACTOR, at(2))
    with pytest.raises(DomainError) as info:
        cancelled.record_held("Good.", [], ACTOR, at(3))
    assert info.value.code == "visit_cancelled"


def test_a_lead_id_names_its_visit() -> None:
    assert visit_of_lead(lead_id_of("vis_0007", 12)) == "vis_0007"
    assert visit_of_lead("vis-L-x") is None
    assert visit_of_lead("need_0001") is None
    assert visit_of_lead("-L1") is None


def test_the_held_event_carries_the_sector_pairs_it_counts_under() -> None:
    held = visit_cycle()[1]
    payload = payload_of(to_cloud_event(held, 2))
    assert isinstance(payload, VisitHeldV1)
    assert (payload.host_sector, payload.visitor_sectors) == ("power", ["coal_chemical"])


def test_the_reducer_lists_the_units_leads_and_sector_pairs() -> None:
    events = [to_cloud_event(e, i) for i, e in enumerate(visit_cycle(), 1)]
    changes = [c for e in events for c in visit_list.apply(e)]
    assert all(isinstance(c, Upsert) for c in changes)
    units = [
        (c.key["unit_id"], c.values["role"]) for c in changes if c.table == visit_list.UNITS.name
    ]
    assert units[:3] == [("PWR-01", "host"), ("COAL-01", "visitor"), ("COAL-02", "visitor")]
    leads = [c.key["lead_id"] for c in changes if c.table == visit_list.LEADS.name]
    assert leads == ["vis_1-L1", "vis_1-L2"]
    pairs = [c.key for c in changes if c.table == visit_list.SECTOR_PAIRS.name]
    assert pairs == [
        {"visit_id": "vis_1", "host_sector": "power", "visitor_sector": "coal_chemical"}
    ]
    statuses = [
        (c.key["visit_id"], c.values["status"])
        for c in changes
        if c.table == visit_list.VISITS.name and "status" in c.values
    ]
    assert statuses[-1] == ("vis_2", "cancelled")
