"""`/v1/action-items`: what a meeting's decisions ask of units, by a day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from marketplace.aggregates.meeting import ActionItem
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import Strict
from marketplace.handlers import meetings
from marketplace.inputs import Day, LongText, UnitId

router = APIRouter(prefix="/v1/action-items", tags=["meetings"])

STATUS_DOC = "open; overdue (not done, and today in the group's time zone is after due); done"


class DoneIn(Strict):
    evidence: LongText = Field(min_length=1, max_length=4000)


class ActionItemOut(BaseModel):
    id: str
    meeting_id: str
    owner_unit_id: str
    due: date
    text: str
    status: str = Field(description=STATUS_DOC, examples=["open", "overdue", "done"])
    done_at: datetime | None
    evidence: str | None

    @classmethod
    def of(cls, a: ActionItem, today: date) -> ActionItemOut:
        return cls(
            id=a.id,
            meeting_id=a.meeting_id,
            owner_unit_id=a.owner_unit_id,
            due=a.due,
            text=a.text,
            status=a.status_on(today),
            done_at=a.done_on,
            evidence=a.evidence,
        )


class ActionItemListItem(BaseModel):
    id: str
    meeting_id: str
    owner_unit_id: str
    due: date
    text: str
    status: str = Field(description=STATUS_DOC)
    done_at: datetime | None
    evidence: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ActionItemListItem:
        return cls.model_validate({**row, "id": row["action_item_id"]})


class ActionItemListOut(Paged):
    items: list[ActionItemListItem]


@router.post("/{action_item_id}/done", response_model=ActionItemOut)
def mark_done(
    action_item_id: str, body: DoneIn, svc: ServicesDep, principal: PrincipalDep
) -> ActionItemOut:
    """The owner unit (or its platform's admin, or HQ) marks the item done, with evidence."""
    item = meetings.mark_done(svc, principal, action_item_id, body.evidence)
    return ActionItemOut.of(item, svc.today())


@router.get("", response_model=ActionItemListOut)
async def list_action_items(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    owner_unit_id: Annotated[UnitId | None, Query()] = None,
    status: Annotated[Literal["open", "overdue", "done"] | None, Query(description=STATUS_DOC)] = (
        None
    ),
    due_from: Annotated[Day | None, Query(description="Due on or after this day.")] = None,
    due_to: Annotated[Day | None, Query(description="Due on or before this day.")] = None,
) -> ActionItemListOut:
    """Action items, earliest due first: a unit's own, a platform admin's subtree's, all for HQ
    and auditors."""
    found = await meetings.action_items(
        svc, principal, runtime, owner_unit_id, status, page, due_from, due_to
    )
    items = [ActionItemListItem.of(r) for r in found.items]
    return ActionItemListOut(items=items, next_cursor=found.next_cursor)
