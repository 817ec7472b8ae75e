"""`/v1/meetings`: the half year's regular work meeting, ad-hoc ones, and their minutes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from marketplace.aggregates.meeting import Meeting
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import Strict
from marketplace.handlers import meetings
from marketplace.inputs import HALF_YEAR_PATTERN, Day, Identifier, LongText, Moment, UnitId

router = APIRouter(prefix="/v1/meetings", tags=["meetings"])

HalfYear = Annotated[str, Field(pattern=HALF_YEAR_PATTERN, examples=["2027H1"])]
AgendaPoint = Annotated[LongText, Field(min_length=1, max_length=1000)]


class MeetingIn(Strict):
    kind: Literal["regular"] = Field(
        description="Ad-hoc meetings come from accepted meeting requests."
    )
    half_year: HalfYear
    scheduled_for: Moment
    agenda: list[AgendaPoint] = Field(min_length=1, max_length=50)
    invitees: list[UnitId] = Field(min_length=1, max_length=500)
    working_group_id: Identifier | None = Field(
        default=None, description="The working group that prepares it (stored and shown only)."
    )


class MeetingCreated(BaseModel):
    meeting_id: str


class ActionItemIn(Strict):
    owner_unit_id: UnitId
    due: Day = Field(description="A day in the group's time zone; overdue after it.")
    text: LongText = Field(min_length=1, max_length=2000)


class MinutesDecisionIn(Strict):
    text: LongText = Field(min_length=1, max_length=4000)
    action_items: list[ActionItemIn] = Field(default_factory=list, max_length=100)


class MinutesIn(Strict):
    attendees: list[UnitId] = Field(min_length=1, max_length=500)
    decisions: list[MinutesDecisionIn] = Field(max_length=100)


class MinutesActionItemOut(BaseModel):
    action_item_id: str
    owner_unit_id: str
    due: date
    text: str


class MinutesDecisionOut(BaseModel):
    text: str
    action_items: list[MinutesActionItemOut]


class MinutesOut(BaseModel):
    attendees: list[str]
    decisions: list[MinutesDecisionOut]


class MeetingOut(BaseModel):
    id: str
    kind: str = Field(examples=["regular", "ad_hoc"])
    half_year: str
    scheduled_for: datetime
    agenda: list[str]
    invitees: list[str]
    working_group_id: str | None
    request_id: str | None = Field(description="The request an ad-hoc meeting answers.")
    minutes: MinutesOut | None

    @classmethod
    def of(cls, m: Meeting) -> MeetingOut:
        return cls(
            id=m.id,
            kind=m.kind,
            half_year=m.half_year,
            scheduled_for=m.scheduled_for,
            agenda=list(m.agenda),
            invitees=list(m.invitees),
            working_group_id=m.working_group_id,
            request_id=m.request_id,
            minutes=MinutesOut.model_validate(m.minutes) if m.minutes is not None else None,
        )


class MeetingListItem(BaseModel):
    id: str
    kind: str
    half_year: str
    scheduled_for: datetime
    request_id: str | None
    working_group_id: str | None
    minutes_recorded: bool

    @classmethod
    def of(cls, row: dict[str, Any]) -> MeetingListItem:
        return cls.model_validate(
            {
                **row,
                "id": row["meeting_id"],
                "minutes_recorded": row["minutes_recorded_at"] is not None,
            }
        )


class MeetingListOut(Paged):
    items: list[MeetingListItem]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MeetingCreated)
def schedule_meeting(body: MeetingIn, svc: ServicesDep, principal: PrincipalDep) -> dict[str, str]:
    """HQ schedules the half year's regular work meeting (one per half year)."""
    m = meetings.schedule_regular(
        svc,
        principal,
        body.half_year,
        body.scheduled_for,
        body.agenda,
        body.invitees,
        body.working_group_id,
    )
    return {"meeting_id": m.id}


@router.get("/{meeting_id}", response_model=MeetingOut)
def get_meeting(meeting_id: str, svc: ServicesDep, principal: PrincipalDep) -> MeetingOut:
    """A meeting with its minutes once recorded."""
    meetings.may_read_meeting(svc, principal)
    return MeetingOut.of(meetings.load_meeting(svc, meeting_id, reading=True))


@router.post("/{meeting_id}/minutes", response_model=MeetingOut)
def record_minutes(
    meeting_id: str, body: MinutesIn, svc: ServicesDep, principal: PrincipalDep
) -> MeetingOut:
    """HQ records the minutes (once): attendees, decisions and their action items."""
    decisions = [
        meetings.DecisionIn(
            d.text,
            [meetings.ItemIn(a.owner_unit_id, a.due, a.text) for a in d.action_items],
        )
        for d in body.decisions
    ]
    m = meetings.record_minutes(svc, principal, meeting_id, body.attendees, decisions)
    return MeetingOut.of(m)


@router.get("", response_model=MeetingListOut)
async def list_meetings(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    half_year: Annotated[HalfYear | None, Query()] = None,
) -> MeetingListOut:
    """Meetings, latest scheduled first, of one half year when given."""
    found = await meetings.meetings(svc, principal, runtime, half_year, page)
    items = [MeetingListItem.of(r) for r in found.items]
    return MeetingListOut(items=items, next_cursor=found.next_cursor)
