"""`/v1/notifications`: the in-app notification centre of the caller's unit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from marketplace.api.deps import NotifierStoreDep, PrincipalDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.handlers import notifications

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    id: str
    event_type: str = Field(examples=["marketplace.need.posted.v1"])
    subject: str = Field(description="The aggregate the event is about (a need, a contract…).")
    title: str = Field(description="In the unit's notification language (zh-CN by default).")
    body: str
    created_at: datetime = Field(description="When the event happened.")
    read: bool


class NotificationList(Paged):
    items: list[NotificationOut]


class UnreadCount(BaseModel):
    unread: int = Field(description="Counted up to `up_to`.")


@router.get("", response_model=NotificationList)
async def list_notifications(
    store: NotifierStoreDep,
    principal: PrincipalDep,
    page: PageDep,
    unread: Annotated[bool, Query(description="Only those not yet marked read.")] = False,
) -> NotificationList:
    """The caller's unit's notifications, newest first. Every unit an event concerns gets one,
    subscribed or not (see CONTRACT.md "Notifications" for who is notified of what)."""
    found = await notifications.notifications(principal, store, unread, page)
    return NotificationList(
        items=[NotificationOut.model_validate(r) for r in found.items],
        next_cursor=found.next_cursor,
    )


@router.get("/unread-count", response_model=UnreadCount)
async def unread_count(
    store: NotifierStoreDep,
    principal: PrincipalDep,
    up_to: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> UnreadCount:
    """How many of the unit's notifications are unread (a badge), counting at most `up_to`."""
    return UnreadCount(unread=await notifications.count_unread(principal, store, up_to))


@router.post("/read-all", status_code=status.HTTP_204_NO_CONTENT)
async def mark_all_read(svc: ServicesDep, store: NotifierStoreDep, principal: PrincipalDep) -> None:
    """Mark every unread notification of the caller's unit read: those routed up to this
    request (one arriving afterwards stays unread). A token of no unit answers 403."""
    await notifications.mark_all_read(svc, principal, store)


@router.post("/{notification_id}/read", status_code=status.HTTP_204_NO_CONTENT)
async def mark_read(
    svc: ServicesDep, store: NotifierStoreDep, principal: PrincipalDep, notification_id: str
) -> None:
    """Mark a notification of the caller's unit read; another unit's answers 404."""
    await notifications.mark_read(svc, principal, store, notification_id)
