"""`/meetings`, `/meeting-requests`, `/action-items`: the work meetings (paper §3.4.2③) — HQ
schedules the half year's regular meeting and records minutes; a platform asks for an ad-hoc
one and HQ answers; units mark their action items done (the API's bodies and handlers)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.meeting import HALF_YEAR
from marketplace.api.routes.action_items import DoneIn
from marketplace.api.routes.meeting_requests import AcceptIn, DeclineIn, MeetingRequestIn
from marketplace.api.routes.meetings import MeetingIn, MeetingOut, MinutesIn
from marketplace.handlers import meetings
from marketplace.handlers.errors import Forbidden, InvalidField
from marketplace.portal.i18n import N_
from marketplace.portal.need_page import moment, typed
from marketplace.portal.web import (
    CheckedForm,
    PageRoute,
    Refusal,
    SignedIn,
    Viewer,
    attempt,
    query,
    text_fields,
)
from marketplace.portal.wording import validated
from marketplace.projections.meeting_list import ITEM_STATUSES
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
DECISIONS, ITEMS = 3, 3  # rows of the minutes form; empty rows are left out
MEETING_FIELDS = ("half_year", "scheduled_for", "agenda", "invitees", "working_group_id")
REQUEST_STATUSES = ("pending", "accepted", "declined")
WORDS = {
    "regular": N_("regular meeting"),
    "ad_hoc": N_("ad-hoc meeting"),
    "pending": N_("waiting for HQ"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "open": N_("open"),
    "overdue": N_("overdue"),
    "done": N_("done"),
}
NOT_SCHEDULED = N_("The form has a mistake; see the fields below.")


def word(code: str, viewer: Viewer) -> str:
    return viewer._(WORDS[code]) if code in WORDS else code


def _is_hq(viewer: Viewer) -> bool:
    return viewer.signed_in.has(Role.HQ_ADMIN)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _units(text: str) -> list[str]:
    return [u for u in text.replace(",", " ").split() if u]


def _validated(model: type[BaseModel], body: dict[str, Any], viewer: Viewer) -> Any:
    return validated(model, body, viewer._, tuple(body))


# ----- meetings ------------------------------------------------------------------------------


@router.get("/meetings")
async def meetings_list(viewer: SignedIn, request: Request) -> Response:
    return await _meetings(viewer, request.query_params.get("half_year") or None)


async def _meetings(
    viewer: Viewer,
    half_year: str | None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    if half_year is not None and not HALF_YEAR.fullmatch(half_year):
        half_year = None
    page = PageRequest(limit=PAGE, cursor=None)
    found = await meetings.meetings(viewer.svc, viewer.signed_in, viewer.runtime, half_year, page)
    return viewer.render(
        "meetings/list.html",
        status,
        found=found,
        half_year=half_year or "",
        may_schedule=_is_hq(viewer),
        values=values or {},
        errors=errors or {},
        refused=refused,
        word=lambda code: word(code, viewer),
    )


@router.post("/meetings")
async def schedule(viewer: SignedIn, form: CheckedForm) -> Response:
    values = text_fields(form, *MEETING_FIELDS)
    body = typed(values) | {
        "kind": "regular",
        "agenda": _lines(values["agenda"]),
        "invitees": _units(values["invitees"]),
    }
    if values["scheduled_for"].strip():
        body["scheduled_for"] = moment(values["scheduled_for"], viewer)
    checked = _validated(MeetingIn, body, viewer)
    if isinstance(checked, dict):
        return await _meetings(viewer, None, values, checked, status=422)
    try:
        done = await attempt(
            viewer, meetings.schedule_regular, viewer.svc, viewer.signed_in, checked.half_year,
            checked.scheduled_for, checked.agenda, checked.invitees, checked.working_group_id,
        )  # fmt: skip
    except InvalidField:
        errors = {"invitees": viewer._(N_("Name units of the group, separated by spaces."))}
        return await _meetings(viewer, None, values, errors, status=422)
    if isinstance(done, Refusal):
        return await _meetings(viewer, None, values, refused=done.sentence, status=409)
    return RedirectResponse(f"/meetings/{done.id}", status_code=303)


def _minutes_fields() -> list[str]:
    names = ["attendees"]
    for d in range(DECISIONS):
        names.append(f"d{d}_text")
        for a in range(ITEMS):
            names += [f"d{d}_a{a}_owner", f"d{d}_a{a}_due", f"d{d}_a{a}_text"]
    return names


async def _meeting(
    viewer: Viewer,
    meeting_id: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    meetings.may_read_meeting(viewer.svc, viewer.signed_in)
    shown = MeetingOut.of(meetings.load_meeting(viewer.svc, meeting_id, reading=True))
    return viewer.render(
        "meetings/detail.html",
        status,
        meeting=shown,
        may_record=_is_hq(viewer) and shown.minutes is None,
        decisions=range(DECISIONS),
        items=range(ITEMS),
        values=values or {"attendees": " ".join(shown.invitees)},
        errors=errors or {},
        refused=refused,
        word=lambda code: word(code, viewer),
    )


@router.get("/meetings/{meeting_id}")
async def meeting(viewer: SignedIn, meeting_id: str) -> Response:
    return await _meeting(viewer, meeting_id)


@router.post("/meetings/{meeting_id}/minutes")
async def record_minutes(viewer: SignedIn, meeting_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *_minutes_fields())
    decisions = []
    for d in range(DECISIONS):
        items = [
            {"owner_unit_id": values[f"d{d}_a{a}_owner"].strip(),
             "due": values[f"d{d}_a{a}_due"].strip(), "text": values[f"d{d}_a{a}_text"].strip()}
            for a in range(ITEMS)
            if any(values[f"d{d}_a{a}_{n}"].strip() for n in ("owner", "due", "text"))
        ]  # fmt: skip
        if values[f"d{d}_text"].strip() or items:
            decisions.append({"text": values[f"d{d}_text"].strip(), "action_items": items})
    body = {"attendees": _units(values["attendees"]), "decisions": decisions}
    checked = _validated(MinutesIn, body, viewer)
    if isinstance(checked, dict):
        errors = {"": viewer._(NOT_SCHEDULED)} | checked
        return await _meeting(viewer, meeting_id, values, errors, status=422)
    given = [
        meetings.DecisionIn(
            d.text, [meetings.ItemIn(a.owner_unit_id, a.due, a.text) for a in d.action_items]
        )
        for d in checked.decisions
    ]
    try:
        done = await attempt(
            viewer, meetings.record_minutes, viewer.svc, viewer.signed_in, meeting_id,
            checked.attendees, given,
        )  # fmt: skip
    except InvalidField:
        errors = {"": viewer._(N_("Name units of the group, separated by spaces."))}
        return await _meeting(viewer, meeting_id, values, errors, status=422)
    if isinstance(done, Refusal):
        return await _meeting(viewer, meeting_id, values, refused=done.sentence, status=409)
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


# ----- meeting requests ----------------------------------------------------------------------


async def _requests(
    viewer: Viewer,
    status_filter: str | None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    page = PageRequest(limit=PAGE, cursor=None)
    found = await meetings.requests(
        viewer.svc, viewer.signed_in, viewer.runtime, status_filter, page
    )
    return viewer.render(
        "meetings/requests.html",
        status,
        found=found,
        chosen=status_filter,
        statuses=REQUEST_STATUSES,
        may_file=viewer.signed_in.has(Role.PLATFORM_ADMIN),
        may_answer=_is_hq(viewer),
        values=values or {},
        errors=errors or {},
        refused=refused,
        word=lambda code: word(code, viewer),
    )


@router.get("/meeting-requests")
async def requests_list(viewer: SignedIn, request: Request) -> Response:
    status = query(request, "status")
    return await _requests(viewer, status if status in REQUEST_STATUSES else None)


@router.post("/meeting-requests")
async def file_request(viewer: SignedIn, form: CheckedForm) -> Response:
    values = text_fields(form, "matter", "report")
    checked = _validated(MeetingRequestIn, typed(values), viewer)
    if isinstance(checked, dict):
        if "matter" in checked and values["matter"].strip():
            checked["matter"] = viewer._(
                N_("One matter per request: one line, not a list (file one request per matter).")
            )
        return await _requests(viewer, None, values, checked, status=422)
    try:
        done = await attempt(
            viewer, meetings.file_request, viewer.svc, viewer.signed_in, checked.matter,
            checked.report,
        )  # fmt: skip
    except Forbidden:
        refused = viewer._(N_("A platform's admin asks for an ad-hoc meeting, for its platform."))
        return await _requests(viewer, None, values, refused=refused, status=403)
    if isinstance(done, Refusal):
        return await _requests(viewer, None, values, refused=done.sentence, status=409)
    return RedirectResponse("/meeting-requests", status_code=303)


@router.post("/meeting-requests/{request_id}/accept")
async def accept(viewer: SignedIn, request_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "scheduled_for")
    body = {"scheduled_for": moment(values["scheduled_for"], viewer)} if values[
        "scheduled_for"
    ].strip() else {}  # fmt: skip
    checked = _validated(AcceptIn, body, viewer)
    if isinstance(checked, dict):
        refused = viewer._(N_("Say when the ad-hoc meeting is held."))
        return await _requests(viewer, None, refused=refused, status=422)
    done = await attempt(
        viewer, meetings.accept_request, viewer.svc, viewer.signed_in, request_id,
        checked.scheduled_for,
    )  # fmt: skip
    if isinstance(done, Refusal):
        return await _requests(viewer, None, refused=done.sentence, status=409)
    return RedirectResponse(f"/meetings/{done.id}", status_code=303)


@router.post("/meeting-requests/{request_id}/decline")
async def decline(viewer: SignedIn, request_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "reason")
    checked = _validated(DeclineIn, typed(values), viewer)
    if isinstance(checked, dict):
        refused = viewer._(N_("Say why the request is declined."))
        return await _requests(viewer, None, refused=refused, status=422)
    done = await attempt(
        viewer, meetings.decline_request, viewer.svc, viewer.signed_in, request_id,
        checked.reason,
    )  # fmt: skip
    if isinstance(done, Refusal):
        return await _requests(viewer, None, refused=done.sentence, status=409)
    return RedirectResponse("/meeting-requests", status_code=303)


# ----- action items --------------------------------------------------------------------------


async def _items(
    viewer: Viewer,
    status_filter: str | None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    page = PageRequest(limit=100, cursor=None)
    found = await meetings.action_items(
        viewer.svc, viewer.signed_in, viewer.runtime, None, status_filter, page
    )
    return viewer.render(
        "meetings/action_items.html",
        status,
        found=found,
        chosen=status_filter,
        statuses=ITEM_STATUSES,
        may_mark=not viewer.signed_in.has(Role.AUDITOR) or _is_hq(viewer),
        errors=errors or {},
        refused=refused,
        word=lambda code: word(code, viewer),
    )


@router.get("/action-items")
async def items_list(viewer: SignedIn, request: Request) -> Response:
    status = query(request, "status")
    return await _items(viewer, status if status in ITEM_STATUSES else None)


@router.post("/action-items/{action_item_id}/done")
async def mark_done(viewer: SignedIn, action_item_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "evidence")
    checked = _validated(DoneIn, typed(values), viewer)
    if isinstance(checked, dict):
        refused = viewer._(N_("Say what shows the item is done."))
        return await _items(viewer, None, refused=refused, status=422)
    try:
        done = await attempt(
            viewer, meetings.mark_done, viewer.svc, viewer.signed_in, action_item_id,
            checked.evidence,
        )  # fmt: skip
    except Forbidden:
        refused = viewer._(N_("Only the owner unit, its platform admin or HQ marks it done."))
        return await _items(viewer, None, refused=refused, status=403)
    if isinstance(done, Refusal):
        return await _items(viewer, None, refused=done.sentence, status=409)
    return RedirectResponse("/action-items", status_code=303)
