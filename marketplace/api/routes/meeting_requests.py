"""`/v1/meeting-requests`: a platform asks HQ in writing for an ad-hoc work meeting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.meeting import MATTER_LIMIT, MeetingRequest, check_one_matter
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import Strict
from marketplace.handlers import meetings
from marketplace.inputs import LongText, Moment, ShortText

router = APIRouter(prefix="/v1/meeting-requests", tags=["meetings"])


def one_matter(value: str) -> str:
    try:
        check_one_matter(value)
    except DomainError as refused:
        raise PydanticCustomError("one_matter", refused.message) from None
    return value


Matter = Annotated[ShortText, Field(max_length=MATTER_LIMIT), AfterValidator(one_matter)]


class MeetingRequestIn(Strict):
    matter: Matter = Field(
        description="The one matter: a short text of one line (one request per matter).",
        examples=["Sharing the repair workshop's spare capacity across platforms"],
    )
    report: LongText = Field(min_length=1, max_length=20000)


class RequestCreated(BaseModel):
    request_id: str


class AcceptIn(Strict):
    scheduled_for: Moment


class DeclineIn(Strict):
    reason: LongText = Field(min_length=1, max_length=4000)


class MeetingCreated(BaseModel):
    meeting_id: str


class MeetingRequestOut(BaseModel):
    id: str
    platform_unit_id: str
    matter: str
    report: str
    status: str = Field(examples=["pending", "accepted", "declined"])
    meeting_id: str | None
    reason: str | None

    @classmethod
    def of(cls, r: MeetingRequest) -> MeetingRequestOut:
        return cls(
            id=r.id,
            platform_unit_id=r.platform_unit_id,
            matter=r.matter,
            report=r.report,
            status=r.status,
            meeting_id=r.meeting_id,
            reason=r.reason,
        )


class MeetingRequestListItem(BaseModel):
    id: str
    platform_unit_id: str
    matter: str
    status: str
    meeting_id: str | None
    filed_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> MeetingRequestListItem:
        return cls.model_validate({**row, "id": row["request_id"]})


class MeetingRequestListOut(Paged):
    items: list[MeetingRequestListItem]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RequestCreated)
def file_request(
    body: MeetingRequestIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, str]:
    """A platform's admin asks for an ad-hoc meeting on one matter, with its written report."""
    r = meetings.file_request(svc, principal, body.matter, body.report)
    return {"request_id": r.id}


@router.get("/{request_id}", response_model=MeetingRequestOut)
def get_request(request_id: str, svc: ServicesDep, principal: PrincipalDep) -> MeetingRequestOut:
    """A meeting request, for the requesting platform and HQ."""
    r = meetings.load_request(svc, request_id, reading=True)
    meetings.may_read_request(svc, principal, r)
    return MeetingRequestOut.of(r)


@router.post("/{request_id}/accept", response_model=MeetingCreated)
def accept(
    request_id: str, body: AcceptIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, str]:
    """HQ accepts: an ad-hoc meeting on the matter, the requesting platform invited."""
    m = meetings.accept_request(svc, principal, request_id, body.scheduled_for)
    return {"meeting_id": m.id}


@router.post("/{request_id}/decline", response_model=MeetingRequestOut)
def decline(
    request_id: str, body: DeclineIn, svc: ServicesDep, principal: PrincipalDep
) -> MeetingRequestOut:
    """HQ declines, saying why."""
    return MeetingRequestOut.of(meetings.decline_request(svc, principal, request_id, body.reason))


@router.get("", response_model=MeetingRequestListOut)
async def list_requests(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    status: Annotated[Literal["pending", "accepted", "declined"] | None, Query()] = None,
) -> MeetingRequestListOut:
    """Meeting requests, newest first: HQ and auditors see all, a platform admin its own."""
    found = await meetings.requests(svc, principal, runtime, status, page)
    items = [MeetingRequestListItem.of(r) for r in found.items]
    return MeetingRequestListOut(items=items, next_cursor=found.next_cursor)
