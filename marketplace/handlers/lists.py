"""Queries of what concerns a unit (needs, inbox, tenders, contracts, incidents, disputes,
external-sourcing requests)."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.handlers import needs
from marketplace.handlers.auth import Principal
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.handlers.reach import Reach, reach_of
from marketplace.projections import (
    contract_list,
    dispute_list,
    external_sourcing_list,
    inbox,
    incident_list,
    needs_board,
    tender_list,
)
from marketplace.projections.pages import Page, PageRequest


def _reach(svc: Services, principal: Principal) -> Reach:
    return reach_of(principal, chart(svc))


@dataclass(frozen=True)
class UnitPage:
    """A page of one unit's list, and the unit (the token's own when none was named)."""

    unit_id: str
    found: Page


async def unit_needs(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    demand_unit_id: str | None,
    status: str | None,
    page: PageRequest,
) -> UnitPage:
    """A demand unit's needs (see `needs.needs_list_unit` for who reads them)."""
    unit = needs.needs_list_unit(svc, principal, demand_unit_id)
    reader = await models.reader(needs_board.PROJECTION.name)
    return UnitPage(unit, await needs_board.needs_of(reader, unit, status, page))


async def inbox_items(
    svc: Services, principal: Principal, models: ReadModels, unit_id: str | None, page: PageRequest
) -> UnitPage:
    """What the unit can act on now (see `needs.inbox_unit` for who reads it)."""
    unit = needs.inbox_unit(svc, principal, unit_id)
    reader = await models.reader(inbox.PROJECTION.name)
    return UnitPage(unit, await inbox.actionable(reader, unit, svc.clock(), page))


async def inbox_count(
    svc: Services, principal: Principal, models: ReadModels, unit_id: str | None, up_to: int
) -> int:
    """How many needs the unit can act on now, counting at most `up_to` (a badge)."""
    unit = needs.inbox_unit(svc, principal, unit_id)
    reader = await models.reader(inbox.PROJECTION.name)
    return await inbox.count_actionable(reader, unit, svc.clock(), up_to)


@dataclass(frozen=True)
class TenderPage:
    """A page of tenders, and whether the viewing unit bid on each (`tender_id -> my_bid`)."""

    found: Page
    my_bids: dict[str, str]


async def tenders(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    invited_unit_id: str | None,
    status: str | None,
    page: PageRequest,
) -> TenderPage:
    """Tenders where a unit within reach (or `invited_unit_id`) is the demand unit or invited;
    the viewer is `invited_unit_id`, else the token's unit (never an amount)."""
    reach = _reach(svc, principal)
    reach.require(invited_unit_id, "invited_unit_id")
    reader = await models.reader(tender_list.PROJECTION.name)
    units = reach.narrowed(invited_unit_id)
    found = await tender_list.tenders_of(reader, units, invited_unit_id is not None, status, page)
    viewer = invited_unit_id or principal.unit_id
    ids = [str(r["tender_id"]) for r in found.items]
    bids = await tender_list.bids_of(reader, viewer, ids) if viewer else {}
    return TenderPage(found, bids)


async def contracts(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    unit_id: str | None,
    role: str | None,
    status: str | None,
    page: PageRequest,
) -> Page:
    """Contracts where the unit (default: any within reach) is a party."""
    reach = _reach(svc, principal)
    reach.require(unit_id, "unit_id")
    reader = await models.reader(contract_list.PROJECTION.name)
    return await contract_list.contracts_of(reader, reach.narrowed(unit_id), role, status, page)


async def incidents(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    supplier_unit_id: str | None,
    demand_unit_id: str | None,
    status: str | None,
    page: PageRequest,
    *,
    contract_id: str | None = None,
) -> Page:
    """Incidents where a unit within reach is a party. With both unit filters, one of them
    within reach is enough (a supplier asking about one customer); the rows still hold only
    incidents of units within reach. `contract_id`: only that contract's (its page)."""
    reach = _reach(svc, principal)
    named = [(f, u) for f, u in (("supplier_unit_id", supplier_unit_id),
                                 ("demand_unit_id", demand_unit_id)) if u is not None]  # fmt: skip
    if named and not any(reach.covers(u) for _, u in named):
        reach.require(named[0][1], named[0][0])
    reader = await models.reader(incident_list.PROJECTION.name)
    return await incident_list.incidents_of(
        reader, reach.units, supplier_unit_id, demand_unit_id, status, page,
        contract_id=contract_id,
    )  # fmt: skip


async def disputes(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    unit_id: str | None,
    status: str | None,
    page: PageRequest,
) -> Page:
    """Disputes where the unit (default: any within reach) is a party or the mediator unit."""
    reach = _reach(svc, principal)
    reach.require(unit_id, "unit_id")
    reader = await models.reader(dispute_list.PROJECTION.name)
    return await dispute_list.disputes_of(reader, reach.narrowed(unit_id), status, page)


async def external_sourcing_requests(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    unit_id: str | None,
    status: str | None,
    page: PageRequest,
) -> Page:
    """Requests to buy outside the group whose need's demand unit is the unit (default: any
    within reach): what a platform admin decides for its subtree."""
    reach = _reach(svc, principal)
    reach.require(unit_id, "unit_id")
    reader = await models.reader(external_sourcing_list.PROJECTION.name)
    units = reach.narrowed(unit_id)
    return await external_sourcing_list.requests_of(reader, units, status, page)
