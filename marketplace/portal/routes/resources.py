"""`/resources`: shared resources (paper §3.2.1④) — the list and listing one, a resource's page
with its calendar (free quantity stretch by stretch), booking a window, handing over, taking
back (a damage becomes an incident), cancelling, withdrawing (the API's `/v1/resources` bodies
and handlers)."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import UnitNotFound
from marketplace.aggregates.shared_resource import KINDS
from marketplace.api.routes.resources import (
    BookingIn,
    ConditionIn,
    ResourceIn,
    ResourceOut,
    ReturnIn,
)
from marketplace.api.schemas import ReasonIn, money, number
from marketplace.handlers import resources
from marketplace.handlers.errors import Forbidden, InvalidField
from marketplace.inputs import start_of
from marketplace.portal import resource_page as page
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
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
LIST_FIELDS = ("owner_unit_id", "kind", "name", "uom", "rate", "available_quantity")
BOOK_FIELDS = ("unit_id", "from", "to", "quantity")
RETURN_FIELDS = ("condition", "damaged", "damage", "severity")
UNKNOWN_UNIT = N_("No unit has this id.")
NOT_YOURS = N_("Your token does not act for this unit.")


async def _list(
    viewer: Viewer,
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    kind = query(request, "kind")
    kind = kind if kind in KINDS else None
    asked = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    found = await resources.resources(
        viewer.svc, viewer.signed_in, viewer.runtime, None, kind, asked
    )
    principal = viewer.signed_in
    defaults = {"owner_unit_id": principal.unit_id or "", "available_quantity": "1"}
    return viewer.render(
        "resources/list.html",
        status,
        found=found,
        chosen_kind=kind,
        kinds=page.choices(KINDS, viewer),
        uoms=page.choices(page.UOMS, viewer),
        may_list=principal.has(Role.UNIT_OPERATOR, Role.PLATFORM_ADMIN, Role.HQ_ADMIN),
        values=values if values is not None else defaults,
        errors=errors or {},
        refused=refused,
        word=lambda code: page.word(code, viewer),
        money=money,
        number=number,
    )


@router.get("/resources")
async def resources_list(viewer: SignedIn, request: Request) -> Response:
    return await _list(viewer, request)


@router.post("/resources")
async def list_resource(viewer: SignedIn, request: Request, form: CheckedForm) -> Response:
    values = text_fields(form, *LIST_FIELDS)
    checked = validated(ResourceIn, typed(values), viewer._, LIST_FIELDS)
    if isinstance(checked, dict):
        return await _list(viewer, request, values, checked, status=422)
    spec = resources.ResourceSpec(
        checked.owner_unit_id, checked.kind, checked.name, checked.uom, checked.rate,
        checked.available_quantity,
    )  # fmt: skip
    try:
        made = await attempt(viewer, resources.list_resource, viewer.svc, viewer.signed_in, spec)
    except UnitNotFound:
        errors = {"owner_unit_id": viewer._(UNKNOWN_UNIT)}
        return await _list(viewer, request, values, errors, status=404)
    except Forbidden:
        return await _list(viewer, request, values, refused=viewer._(NOT_YOURS), status=403)
    if isinstance(made, Refusal):
        return await _list(viewer, request, values, refused=made.sentence, status=409)
    return RedirectResponse(f"/resources/{made.id}", status_code=303)


async def _page(
    viewer: Viewer,
    resource_id: str,
    status: int = 200,
    *,
    shown_span: tuple[str | None, str | None] = (None, None),
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    form: str | None = None,
) -> Response:
    resource = resources.read_resource(viewer.svc, viewer.signed_in, resource_id)
    start, end = page.span(viewer, *shown_span)
    calendar = await resources.calendar(
        viewer.svc, viewer.signed_in, viewer.runtime, resource_id, start, end
    )
    defaults = {"unit_id": viewer.signed_in.unit_id or "", "quantity": "1"}
    return viewer.render(
        "resources/detail.html",
        status,
        resource=ResourceOut.of(resource),
        calendar=calendar,
        shown_from=start.date().isoformat(),
        shown_to=end.date().isoformat(),
        acts=page.acts(viewer, resource),
        may_book=page.may_book(viewer, resource),
        owns=page.owns(viewer, resource),
        moment_input="datetime-local" if resource.uom == "hour" else "date",
        severities=page.choices(page.SEVERITIES, viewer),
        values=values if values is not None else defaults,
        errors=errors or {},
        refused=refused,
        form=form,
        word=lambda code: page.word(code, viewer),
        number=number,
    )


@router.get("/resources/{resource_id}")
async def resource(viewer: SignedIn, request: Request, resource_id: str) -> Response:
    return await _page(
        viewer, resource_id, shown_span=(query(request, "from"), query(request, "to"))
    )


def _field_errors(refused: InvalidField, viewer: Viewer) -> dict[str, str]:
    """A handler's field refusals as the form's field errors, in the page's language."""
    found: dict[str, str] = {}
    for problem in refused.details if isinstance(refused.details, list) else []:
        sentence = page.FIELD_CHECKS.get(problem.get("type", ""))
        found[problem.get("field", "")] = viewer._(sentence) if sentence else problem["message"]
    return found


def _when(value: str, viewer: Viewer) -> str:
    """A `date` input's day as it is (the API takes a day); a `datetime-local` as RFC 3339."""
    return moment(value, viewer) if "T" in value else value


@router.post("/resources/{resource_id}/bookings")
async def book(viewer: SignedIn, resource_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *BOOK_FIELDS)
    data: dict[str, Any] = typed(values)
    for bound in ("from", "to"):
        if bound in data:
            data[bound] = _when(data[bound], viewer)
    checked = validated(BookingIn, data, viewer._, BOOK_FIELDS)

    def again(status: int, **more: Any) -> Coroutine[Any, Any, Response]:
        # A refused window is shown in the calendar: the days it spans, free or not.
        days = (values["from"][:10] or None, values["to"][:10] or None)
        return _page(viewer, resource_id, status, shown_span=days, values=values, form="book",
                     **more)  # fmt: skip

    if isinstance(checked, dict):
        return await again(422, errors=checked)
    start, end = _moment(checked.from_, viewer), _moment(checked.to, viewer)
    try:
        made = await attempt(
            viewer, resources.book, viewer.svc, viewer.signed_in, resource_id, checked.unit_id,
            start, end, checked.quantity,
        )  # fmt: skip
    except InvalidField as wrong:
        return await again(422, errors=_field_errors(wrong, viewer))
    except UnitNotFound:
        return await again(404, errors={"unit_id": viewer._(UNKNOWN_UNIT)})
    except Forbidden:
        return await again(403, refused=viewer._(NOT_YOURS))
    if isinstance(made, Refusal):
        return await again(409, refused=made.sentence)
    return RedirectResponse(f"/resources/{resource_id}", status_code=303)


def _moment(value: Any, viewer: Viewer) -> datetime:
    found = start_of(value, viewer.svc.zone)
    assert found is not None
    return found


async def _act(
    viewer: Viewer, resource_id: str, form_name: str, values: dict[str, str], call: Any, *args: Any
) -> Response:
    """Run a booking's action; its refusal is shown beside its own form."""
    try:
        done = await attempt(viewer, call, viewer.svc, viewer.signed_in, resource_id, *args)
    except Forbidden:
        return await _page(viewer, resource_id, 403, values=values, refused=viewer._(NOT_YOURS),
                           form=form_name)  # fmt: skip
    if isinstance(done, Refusal):
        return await _page(viewer, resource_id, 409, values=values, refused=done.sentence,
                           form=form_name)  # fmt: skip
    return RedirectResponse(f"/resources/{resource_id}", status_code=303)


@router.post("/resources/{resource_id}/bookings/{booking_id}/handover")
async def handover(
    viewer: SignedIn, resource_id: str, booking_id: str, form: CheckedForm
) -> Response:
    values = text_fields(form, "condition")
    checked = validated(ConditionIn, typed(values), viewer._, ("condition",))
    name = f"handover-{booking_id}"
    if isinstance(checked, dict):
        return await _page(viewer, resource_id, 422, values=values, errors=checked, form=name)
    return await _act(
        viewer, resource_id, name, values, resources.hand_over, booking_id, checked.condition
    )


@router.post("/resources/{resource_id}/bookings/{booking_id}/return")
async def take_back(
    viewer: SignedIn, resource_id: str, booking_id: str, form: CheckedForm
) -> Response:
    values = text_fields(form, *RETURN_FIELDS)
    data: dict[str, Any] = typed(values)
    data["damaged"] = values["damaged"] == "on"
    checked = validated(ReturnIn, data, viewer._, RETURN_FIELDS)
    name = f"return-{booking_id}"
    if isinstance(checked, dict):
        return await _page(viewer, resource_id, 422, values=values, errors=checked, form=name)
    return await _act(
        viewer, resource_id, name, values, resources.take_back, booking_id, checked.condition,
        checked.damage, checked.severity,
    )  # fmt: skip


@router.post("/resources/{resource_id}/bookings/{booking_id}/cancel")
async def cancel(
    viewer: SignedIn, resource_id: str, booking_id: str, form: CheckedForm
) -> Response:
    values = text_fields(form, "reason")
    checked = validated(ReasonIn, typed(values), viewer._, ("reason",))
    name = f"cancel-{booking_id}"
    if isinstance(checked, dict):
        return await _page(viewer, resource_id, 422, values=values, errors=checked, form=name)
    return await _act(
        viewer, resource_id, name, values, resources.cancel_booking, booking_id, checked.reason
    )


@router.post("/resources/{resource_id}/withdraw")
async def withdraw(viewer: SignedIn, resource_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "reason")
    checked = validated(ReasonIn, typed(values), viewer._, ("reason",))
    if isinstance(checked, dict):
        return await _page(viewer, resource_id, 422, values=values, errors=checked, form="withdraw")
    return await _act(viewer, resource_id, "withdraw", values, resources.withdraw, checked.reason)
