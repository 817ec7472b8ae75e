"""`/v1/inbox`: the needs and tenders a supplier unit can act on now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import NeedSummary
from marketplace.handlers import lists
from marketplace.inputs import UnitId

router = APIRouter(prefix="/v1/inbox", tags=["needs and offers"])


class InboxItem(NeedSummary):
    """A need the unit can act on now; it leaves the inbox once the unit can do nothing more."""

    status: str = Field(description="The need's status (`open`, or `tendering` for a bid).")
    actions: list[Literal["offer", "bid"]] = Field(
        description="`offer`: an open need the unit was matched to as a catalog supplier; "
        "`bid`: a tender of the need the unit is invited to, until its bid deadline."
    )
    offered: bool = Field(description="The unit has an open offer on the need.")
    tender_id: str | None = Field(description="The tender the unit is invited to, if any.")
    bid_deadline: datetime | None
    bid_submitted: bool = Field(
        description="The unit has bid in that tender (sealed: never the amount)."
    )


class InboxOut(Paged):
    unit_id: str
    items: list[InboxItem]


@router.get("", response_model=InboxOut)
async def get_inbox(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[UnitId | None, Query(description="Default: the token's unit.")] = None,
) -> InboxOut:
    """Needs the unit can act on now, newest first, each saying what it can do.

    `offer`: an open need it was matched to as a catalog supplier; `bid`: a tender it is
    invited to (catalog supplier or not), until the bid deadline. A need leaves the inbox
    once the unit can do nothing more on it (awarded, cancelled, bought outside, bids closed).
    """
    inbox = await lists.inbox_items(svc, principal, runtime, unit_id, page)
    items = [InboxItem.model_validate(r) for r in inbox.found.items]
    return InboxOut(unit_id=inbox.unit_id, items=items, next_cursor=inbox.found.next_cursor)
