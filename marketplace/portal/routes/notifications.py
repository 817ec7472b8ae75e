"""`/notifications`: the unit's in-app notification centre, newest first, each linked to its
subject's page, marked read one by one or all at once (the API's `/v1/notifications` handlers
over the same store, routed up to the log's head first when this process runs the notifier)."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from starlette.datastructures import FormData

from marketplace.aggregates.access_token import Role
from marketplace.api.deps import get_notifier_store
from marketplace.handlers import notifications
from marketplace.portal.web import (
    CheckedForm,
    PageRoute,
    SignedIn,
    Viewer,
    notices_badge,
    query,
    text_fields,
)
from marketplace.projections.pages import PageRequest
from marketplace.projections.store import ReadModelStore

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PATH = "/notifications"
PAGE = 20
# The portal page of an event's subject, by the aggregate its type names.
SUBJECT_PAGES = {
    "need": "/needs/{}",
    "tender": "/tenders/{}",
    "contract": "/contracts/{}",
    "dispute": "/disputes/{}",
    "inspection": "/findings/{}",
    "meeting": "/meetings/{}",
    "visit": "/visits/{}",
    "framework": "/frameworks/{}",
    "joint_procurement": "/joint-procurements/{}",
    "resource": "/resources/{}",
}
# Records without a page of their own whose list is where their recipient acts on them: an
# action item's owner marks it done there.
LIST_PAGES = {"action_item": "/action-items"}
# An event about a record without a page of its own (an offer, a quality incident, a meeting
# request) leads to the record it names: the award's contract, the incident's contract or
# dispute, the accepted request's meeting.
REFERRED_PAGES = {
    "dispute_id": "/disputes/{}",
    "contract_id": "/contracts/{}",
    "meeting_id": "/meetings/{}",
}
# Else to the list the record is on: a meeting request still to be answered, or declined.
FALLBACK_PAGES = {"meeting_request": "/meeting-requests"}
EXTERNAL_REQUESTED = "marketplace.need.external_sourcing_requested.v1"
APPROVALS = "/approvals"


def subject_link(item: dict[str, Any], desk: bool) -> str | None:
    """Where the notification leads: its subject's page, the list it is acted on in, the named
    record's, or (for the approver of an external-sourcing request with the approvals desk)
    the desk."""
    if item["event_type"] == EXTERNAL_REQUESTED and desk:
        return APPROVALS
    kind = str(item["event_type"]).split(".")[1]
    if kind in SUBJECT_PAGES:
        return SUBJECT_PAGES[kind].format(quote(str(item["subject"]), safe=""))
    if kind in LIST_PAGES:
        return LIST_PAGES[kind]
    refers: dict[str, str] = item.get("refers_to", {})
    for key, page in REFERRED_PAGES.items():
        if key in refers:
            return page.format(quote(refers[key], safe=""))
    return FALLBACK_PAGES.get(kind)


def plain(text: str) -> Markup:
    """Text for an element's content, escaped as content needs (`&`, `<`, `>`): a quote in a
    notification's text shows as typed, not as the `&#34;` an attribute needs."""
    return Markup(html.escape(text, quote=False))  # noqa: S704 - escaped on the line itself


def listing(unread: bool, cursor: str | None = None) -> str:
    """The list's address with its filter and page (what a mark leads back to)."""
    wanted = {"unread": "1"} if unread else {}
    wanted |= {"cursor": cursor} if cursor else {}
    return f"{PATH}?{urlencode(wanted)}" if wanted else PATH


async def _store(viewer: Viewer) -> ReadModelStore:
    """As the API gets it; the header's badge counted again from what it now holds."""
    store = await get_notifier_store(viewer.request)
    viewer.notices = await notices_badge(viewer.signed_in, store)
    return store


@router.get(PATH)
async def notification_centre(viewer: SignedIn, request: Request) -> Response:
    principal = viewer.signed_in
    unread = query(request, "unread") is not None
    cursor = query(request, "cursor")
    store = await _store(viewer)
    page = PageRequest(limit=PAGE, cursor=cursor)
    found = await notifications.notifications(principal, store, unread, page, viewer.language)
    desk = principal.has(Role.PLATFORM_ADMIN, Role.HQ_ADMIN)
    return viewer.render(
        "notifications/index.html",
        found=found,
        links={n["id"]: subject_link(n, desk) for n in found.items},
        unread=unread,
        cursor=cursor,
        older=found.next_cursor and listing(unread, found.next_cursor),
        plain=plain,
    )


def _back(form: FormData) -> str:
    values = text_fields(form, "unread", "cursor")
    return listing(bool(values["unread"]), values["cursor"] or None)


@router.post(PATH + "/read-all")
async def mark_all_read(viewer: SignedIn, form: CheckedForm) -> Response:
    store = await _store(viewer)
    await notifications.mark_all_read(viewer.svc, viewer.signed_in, store)
    return RedirectResponse(listing(text_fields(form, "unread")["unread"] != ""), 303)


@router.post(PATH + "/{notification_id}/read")
async def mark_read(viewer: SignedIn, notification_id: str, form: CheckedForm) -> Response:
    """One of the unit's notifications read; another unit's is the 404 page, as the API's 404."""
    store = await _store(viewer)
    await notifications.mark_read(viewer.svc, viewer.signed_in, store, notification_id)
    return RedirectResponse(_back(form), 303)
