"""Use cases of exchange visits (paper §3.4.2④): plan, record as held with its leads, cancel;
the lists and the trail from each lead to the needs and contracts it led to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import Organisation
from marketplace.aggregates.visit import ExchangeVisit
from marketplace.handlers.auth import Principal, acts_for, require_role
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.organisation import active_unit, chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.handlers.reach import reach_of
from marketplace.projections import visit_list
from marketplace.projections.pages import Page, PageRequest

PLANNERS = (Role.HQ_ADMIN, Role.PLATFORM_ADMIN)
# Who counts visits per sector pair: HQ and those who read the group's figures.
PAIR_READERS = (Role.HQ_ADMIN, Role.AUDITOR, Role.BI_READER)


def load_visit(svc: Services, visit_id: str, *, reading: bool = False) -> ExchangeVisit:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(ExchangeVisit, visit_id, "Exchange visit", reading=reading)


def require_planner(principal: Principal, units: Sequence[str], org: Organisation) -> None:
    """HQ, or a platform admin whose subtree holds the host or one of the visitors: each
    sector's platform arranges its own side's exchanges (the paper: "各产业之间应自主建立
    对口交流工作机制")."""
    require_role(principal, *PLANNERS)
    if principal.has(Role.HQ_ADMIN):
        return
    if not any(acts_for(principal, u, org) for u in units):
        raise Forbidden(
            "A platform admin plans and records visits its own subtree hosts or makes.",
            {"unit_ids": list(units)},
        )


def plan_visit(
    svc: Services,
    principal: Principal,
    host_unit_id: str,
    visitor_unit_ids: list[str],
    planned_for: datetime,
    topic: str,
) -> ExchangeVisit:
    org = chart(svc)
    require_role(principal, *PLANNERS)
    units = [host_unit_id, *visitor_unit_ids]
    sectors = {u: org.get(u).sector for u in units}  # 404 for a unit that does not exist
    require_planner(principal, units, org)
    for unit_id in units:
        active_unit(org, unit_id)
    visit = ExchangeVisit.plan(
        svc.new_id("vis"),
        host_unit_id,
        visitor_unit_ids,
        planned_for,
        topic,
        sectors,
        principal.actor,
        svc.clock(),
    )
    svc.store.save(visit)
    return visit


def record_held(
    svc: Services,
    principal: Principal,
    visit_id: str,
    outcome: str,
    leads: list[tuple[str | None, str]],
) -> ExchangeVisit:
    """The visit took place: its outcome and leads (`(item_code, text)` each)."""

    def attempt() -> ExchangeVisit:
        visit = load_visit(svc, visit_id)
        require_planner(principal, visit.units, chart(svc))
        visit.record_held(outcome, leads, principal.actor, svc.clock())
        svc.store.save(visit)
        return visit

    return svc.retrying(attempt)


def cancel(svc: Services, principal: Principal, visit_id: str, reason: str) -> ExchangeVisit:
    def attempt() -> ExchangeVisit:
        visit = load_visit(svc, visit_id)
        require_planner(principal, visit.units, chart(svc))
        visit.cancel(reason, principal.actor, svc.clock())
        svc.store.save(visit)
        return visit

    return svc.retrying(attempt)


def may_read(svc: Services, principal: Principal, visit: ExchangeVisit) -> None:
    """Those whose lists reach the host or a visitor: its operators, their platform admins,
    HQ and auditors."""
    reach = reach_of(principal, chart(svc))
    if not any(reach.covers(u) for u in visit.units):
        raise Forbidden("Only the visit's units, their platforms, HQ and auditors see it.")


@dataclass(frozen=True)
class VisitView:
    """A visit, and per lead the needs posted from it with the contracts each became."""

    visit: ExchangeVisit
    trail: dict[str, list[dict[str, Any]]]


async def read_visit(
    svc: Services, principal: Principal, models: ReadModels, visit_id: str
) -> VisitView:
    visit = load_visit(svc, visit_id, reading=True)
    may_read(svc, principal, visit)
    reader = await models.reader(visit_list.PROJECTION.name)
    return VisitView(visit, await visit_list.lead_trail(reader, visit_id))


async def visits(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    unit_id: str | None,
    start: datetime | None,
    end: datetime | None,
    page: PageRequest,
) -> Page:
    """Visits the unit (default: any within reach) hosts or makes, the latest first."""
    reach = reach_of(principal, chart(svc))
    reach.require(unit_id, "unit_id")
    reader = await models.reader(visit_list.PROJECTION.name)
    return await visit_list.visits_of(reader, reach.narrowed(unit_id), start, end, page)


async def sector_pairs(
    svc: Services, principal: Principal, models: ReadModels, year: int
) -> list[dict[str, Any]]:
    """Held visits of the year (by the day planned, in the group's time zone) per sector pair."""
    require_role(principal, *PAIR_READERS)
    start = datetime(year, 1, 1, tzinfo=svc.zone)
    end = datetime(year + 1, 1, 1, tzinfo=svc.zone)
    reader = await models.reader(visit_list.PROJECTION.name)
    return await visit_list.sector_pairs(reader, start, end)
