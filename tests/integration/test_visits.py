"""Exchange visits on both stores: planned, held with leads, a need posted from a lead and
awarded, the trail lead → need → contract and the sector pairs in the read model; refusals
(403, 404, 409) that leave no trace."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.organisation import Level, UnitNotFound
from marketplace.aggregates.visit import ExchangeVisit
from marketplace.handlers import needs, units, visits
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.ports import Services
from marketplace.projections import visit_list
from marketplace.projections.pages import PageRequest
from marketplace.projections.store import ReadModelStore
from tests.integration.conftest import HQ_ADMIN
from tests.integration.projection_harness import replayed_into
from tests.integration.test_needs import market, operator, steam, terms  # noqa: F401

WHEN = datetime(2027, 3, 20, 9, tzinfo=UTC)


def admin(platform: str) -> Principal:
    return Principal(f"tok_{platform}", platform, frozenset({Role.PLATFORM_ADMIN}))


def held_visit(svc: Services) -> ExchangeVisit:
    """HEAT-02 (heat) hosts COAL-01 and COAL-02 (coal chemical); one lead on steam."""
    planned = visits.plan_visit(
        svc, admin("COAL"), "HEAT-02", ["COAL-01", "COAL-02"], WHEN, "Process steam"
    )
    return visits.record_held(
        svc,
        admin("HEAT"),
        planned.id,
        "Steam at 0.8 MPa fits the methanol plant.",
        [("STEAM-LP", "COAL-01 buys low-pressure steam."), (None, "Joint safety drill.")],
    )


def lead_needs_contract(svc: Services, lead_id: str) -> tuple[str, str]:
    """COAL-01 posts a need from the lead and awards it to HEAT-02: (need, contract)."""
    need = needs.post_need(svc, operator("COAL-01"), replace(steam(), lead_id=lead_id))
    offer = needs.submit_offer(svc, operator("HEAT-02"), need.id, "HEAT-02", terms("184.00"))
    return need.id, needs.award(svc, operator("COAL-01"), need.id, offer.id).id


@pytest.mark.both_stores
async def test_a_lead_becomes_a_need_and_a_contract(
    market: Services,  # noqa: F811
    tmp_path: Path,
) -> None:
    visit = held_visit(market)
    assert visit.sectors == {"HEAT-02": "heat", "COAL-01": "coal_chemical",
                             "COAL-02": "coal_chemical"}  # fmt: skip
    first, second = (lead.lead_id for lead in visit.leads)
    need_id, contract_id = lead_needs_contract(market, first)
    assert needs.load_need(market, need_id).spec.lead_id == first

    async def read(reader: ReadModelStore) -> dict[str, Any]:
        listed = await visit_list.visits_of(reader, {"COAL-02"}, None, None, PAGE)
        return {
            "trail": await visit_list.lead_trail(reader, visit.id),
            "pairs": await visit_list.sector_pairs(
                reader, datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
            ),
            "listed": [(r["visit_id"], r["status"], r["lead_count"]) for r in listed.items],
        }

    found = await replayed_into(market.store, tmp_path / "v.db", (visit_list.PROJECTION,), read)
    (only,) = found["trail"][first]
    assert (only["need_id"], only["demand_unit_id"]) == (need_id, "COAL-01")
    assert [c["contract_id"] for c in only["contracts"]] == [contract_id]
    assert second not in found["trail"]
    assert found["pairs"] == [
        {"host_sector": "heat", "visitor_sector": "coal_chemical", "cross_sector": True,
         "held_visits": 1}
    ]  # fmt: skip
    assert found["listed"] == [(visit.id, "held", 2)]


PAGE = PageRequest()


def refused(code: str, call: Any, *args: Any) -> None:
    with pytest.raises(DomainError) as info:
        call(*args)
    assert info.value.code == code


@pytest.mark.both_stores
def test_refusals_leave_no_trace(market: Services) -> None:  # noqa: F811
    before = market.store.head()
    plan = visits.plan_visit
    with pytest.raises(Forbidden):  # an operator does not plan visits
        plan(market, operator("COAL-01"), "COAL-01", ["PWR-01"], WHEN, "x")
    with pytest.raises(Forbidden):  # ENG's admin neither hosts nor visits
        plan(market, admin("ENG"), "COAL-01", ["PWR-01"], WHEN, "x")
    with pytest.raises(UnitNotFound):
        plan(market, HQ_ADMIN, "COAL-01", ["NOPE-9"], WHEN, "x")
    refused("host_among_visitors", plan, market, admin("COAL"), "COAL-01", ["COAL-01"], WHEN, "x")
    refused(
        "unknown_lead", needs.post_need, market, operator("COAL-01"),
        replace(steam(), lead_id="vis_9999-L1"),
    )  # fmt: skip
    assert market.store.head() == before


def test_a_need_from_a_lead_comes_from_a_unit_of_the_visit_or_under_one(
    market: Services,  # noqa: F811
) -> None:
    """HEAT-02 hosted COAL-01 and COAL-02: they, and a unit under one of them, post from its
    lead; PWR-01 (no part in it) and COAL, the visitors' platform above them, do not."""
    lead = held_visit(market).leads[0].lead_id
    units.register_unit(
        market, HQ_ADMIN, units.RegisterUnit("COAL-01-M", "Methanol plant", Level.ENTERPRISE,
                                             "COAL-01")
    )  # fmt: skip
    before = market.store.head()
    for outsider in ("PWR-01", "COAL"):
        with pytest.raises(DomainError) as info:
            needs.post_need(
                market, operator(outsider), replace(steam(), demand_unit_id=outsider, lead_id=lead)
            )
        assert info.value.code == "lead_not_of_unit"
        assert info.value.details == {"lead_id": lead, "demand_unit_id": outsider}
    assert market.store.head() == before
    for unit in ("HEAT-02", "COAL-02", "COAL-01-M"):
        posted = needs.post_need(
            market, operator(unit), replace(steam(), demand_unit_id=unit, lead_id=lead)
        )
        assert posted.spec.lead_id == lead


def test_an_inactive_unit_cannot_take_part(market: Services) -> None:  # noqa: F811
    units.update_unit(market, HQ_ADMIN, units.UpdateUnit("COAL-03", active=False))
    refused("unit_inactive", visits.plan_visit, market, HQ_ADMIN, "COAL-01", ["COAL-03"], WHEN, "x")


def test_held_once_cancelled_only_while_planned_and_leads_only_of_held_visits(
    market: Services,  # noqa: F811
) -> None:
    planned = visits.plan_visit(market, HQ_ADMIN, "PWR-01", ["SVC-03"], WHEN, "Overhauls")
    never_held = f"{planned.id}-L1"
    refused(
        "unknown_lead", needs.post_need, market, operator("COAL-01"),
        replace(steam(), lead_id=never_held),
    )  # fmt: skip
    with pytest.raises(Forbidden):  # COAL's admin has no unit in this visit
        visits.record_held(market, admin("COAL"), planned.id, "Done.", [])
    done = visits.record_held(market, admin("SVC"), planned.id, "Done.", [])
    assert done.leads == []
    refused(
        "visit_already_held", visits.record_held, market, admin("PWR"), planned.id, "Again.", []
    )
    refused("visit_already_held", visits.cancel, market, HQ_ADMIN, planned.id, "Late.")
    other = visits.plan_visit(market, admin("PWR"), "PWR-01", ["SVC-03"], WHEN, "Later")
    assert visits.cancel(market, admin("SVC"), other.id, "Outage.").status == "cancelled"
    refused("visit_cancelled", visits.record_held, market, HQ_ADMIN, other.id, "Done.", [])
