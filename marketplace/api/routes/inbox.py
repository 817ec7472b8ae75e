"""`/v1/inbox`: the needs and tenders a supplier unit can act on now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.need_schemas import (
    InboxItem,
    InboxOut,
)
from marketplace.api.pages import PageDep
from marketplace.handlers import lists
from marketplace.inputs import UnitId

router = APIRouter(tags=["needs and offers"])


@router.get("/v1/inbox", response_model=InboxOut)
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
