"""`/v1/exchange-visits`: plan a visit between units, record it as held with its leads (or
cancel it), the lists, one visit's lead → need → contract trail, and HQ's sector pairs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from marketplace.aggregates.visit import ExchangeVisit
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import Strict
from marketplace.handlers import visits
from marketplace.inputs import ItemCode, LongText, Moment, ShortText, TimeOrDay, UnitId, start_of

router = APIRouter(prefix="/v1/exchange-visits", tags=["exchange visits"])


class VisitIn(Strict):
    host_unit_id: UnitId = Field(examples=["PWR-01"])
    visitor_unit_ids: list[UnitId] = Field(
        min_length=1, max_length=50, examples=[["COAL-01", "COAL-02"]]
    )
    planned_for: Moment
    topic: ShortText = Field(min_length=1, max_length=300)


class LeadIn(Strict):
    item_code: ItemCode | None = Field(default=None, examples=["METHANOL"])
    text: LongText = Field(min_length=1, max_length=2000)


class HeldIn(Strict):
    outcome: LongText = Field(min_length=1, max_length=4000)
    leads: list[LeadIn] = Field(default_factory=list, max_length=50)


class CancelIn(Strict):
    reason: LongText = Field(min_length=1, max_length=2000)


class VisitCreated(BaseModel):
    visit_id: str


class ContractRef(BaseModel):
    contract_id: str
    supply_unit_id: str
    awarded_at: datetime


class LeadNeedOut(BaseModel):
    need_id: str
    demand_unit_id: str
    title: str
    item_code: str
    posted_at: datetime
    contracts: list[ContractRef] = Field(description="The contracts the need became.")


class LeadOut(BaseModel):
    lead_id: str
    item_code: str | None
    text: str
    needs: list[LeadNeedOut] = Field(description="Needs posted naming this lead.")


class VisitOut(BaseModel):
    id: str
    status: str = Field(examples=["planned", "held", "cancelled"])
    host_unit_id: str
    visitor_unit_ids: list[str]
    planned_for: datetime
    topic: str
    sectors: dict[str, str] = Field(description="Each unit's sector when the visit was planned.")
    outcome: str | None
    held_at: datetime | None
    cancel_reason: str | None
    leads: list[LeadOut]

    @classmethod
    def of(cls, v: ExchangeVisit, trail: dict[str, list[dict[str, Any]]]) -> VisitOut:
        return cls(
            id=v.id,
            status=v.status,
            host_unit_id=v.host_unit_id,
            visitor_unit_ids=v.visitor_unit_ids,
            planned_for=v.planned_for,
            topic=v.topic,
            sectors=v.sectors,
            outcome=v.outcome,
            held_at=v.held_at,
            cancel_reason=v.cancel_reason,
            leads=[
                LeadOut(
                    lead_id=lead.lead_id,
                    item_code=lead.item_code,
                    text=lead.text,
                    needs=[LeadNeedOut.model_validate(n) for n in trail.get(lead.lead_id, [])],
                )
                for lead in v.leads
            ],
        )


class HeldOut(BaseModel):
    id: str
    status: str
    leads: list[LeadOut] = Field(description="The leads recorded, each with its new id.")


class VisitListItem(BaseModel):
    id: str
    host_unit_id: str
    visitor_unit_ids: list[str]
    topic: str
    status: str
    planned_for: datetime
    lead_count: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> VisitListItem:
        visitors = row["visitor_unit_ids"].split()
        return cls.model_validate({**row, "id": row["visit_id"], "visitor_unit_ids": visitors})


class VisitListOut(Paged):
    items: list[VisitListItem]


class SectorPairOut(BaseModel):
    host_sector: str
    visitor_sector: str
    cross_sector: bool = Field(description="True when the two sectors differ (listed first).")
    held_visits: int


class SectorPairsOut(BaseModel):
    year: int
    pairs: list[SectorPairOut]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=VisitCreated)
def plan_visit(body: VisitIn, svc: ServicesDep, principal: PrincipalDep) -> dict[str, str]:
    """Plan an exchange visit: visitor units go to a host unit (platform admin of one of the
    units' subtree, or hq_admin)."""
    v = visits.plan_visit(
        svc, principal, body.host_unit_id, body.visitor_unit_ids, body.planned_for, body.topic
    )
    return {"visit_id": v.id}


@router.get("/sector-pairs", response_model=SectorPairsOut)
async def sector_pairs(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    year: Annotated[int, Query(ge=1900, le=2200)],
) -> SectorPairsOut:
    """Held visits of the year (by the time planned, in the group's time zone) per (host
    sector, visitor sector) pair, pairs across sectors first. For HQ, auditors, BI readers."""
    pairs = await visits.sector_pairs(svc, principal, runtime, year)
    return SectorPairsOut(year=year, pairs=[SectorPairOut.model_validate(p) for p in pairs])


@router.get("/{visit_id}", response_model=VisitOut)
async def get_visit(
    visit_id: str, svc: ServicesDep, runtime: ProjectionsDep, principal: PrincipalDep
) -> VisitOut:
    """A visit with its leads and, per lead, the needs posted from it and their contracts."""
    view = await visits.read_visit(svc, principal, runtime, visit_id)
    return VisitOut.of(view.visit, view.trail)


@router.post("/{visit_id}/held", response_model=HeldOut)
def held(visit_id: str, body: HeldIn, svc: ServicesDep, principal: PrincipalDep) -> HeldOut:
    """Record the visit as held, with its outcome and leads; each lead gets an id."""
    leads = [(lead.item_code, lead.text) for lead in body.leads]
    v = visits.record_held(svc, principal, visit_id, body.outcome, leads)
    out = VisitOut.of(v, {})
    return HeldOut(id=v.id, status=v.status, leads=out.leads)


@router.post("/{visit_id}/cancel", response_model=VisitOut)
def cancel(visit_id: str, body: CancelIn, svc: ServicesDep, principal: PrincipalDep) -> VisitOut:
    """Call off a planned visit."""
    return VisitOut.of(visits.cancel(svc, principal, visit_id, body.reason), {})


@router.get("", response_model=VisitListOut)
async def list_visits(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[UnitId | None, Query(description="The host or a visitor.")] = None,
    from_: Annotated[TimeOrDay | None, Query(alias="from")] = None,
    to: Annotated[TimeOrDay | None, Query(description="Exclusive.")] = None,
) -> VisitListOut:
    """Visits planned for a time in [from, to), the latest first, that the unit (default: any
    within reach) hosts or makes. For the units' operators, their platform admins, HQ and
    auditors."""
    start, end = start_of(from_, svc.zone), start_of(to, svc.zone)
    found = await visits.visits(svc, principal, runtime, unit_id, start, end, page)
    items = [VisitListItem.of(r) for r in found.items]
    return VisitListOut(items=items, next_cursor=found.next_cursor)
