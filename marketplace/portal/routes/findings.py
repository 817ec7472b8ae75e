"""`/findings`: HQ's inspection findings of the units within the token's reach, overdue ones
marked; one finding's page where its unit (or a superior) reports it rectified, and HQ's form
for a new one (the API's `/v1/inspections/findings` bodies and handlers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import UnitNotFound
from marketplace.api.routes.inspections import FindingIn, FindingOut, RectifiedIn
from marketplace.handlers import inspections
from marketplace.handlers.auth import acts_for
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.organisation import chart
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.need_page import typed
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
from marketplace.portal.wording import field_errors, label
from marketplace.projections.inspection_findings import Status
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
STATUSES = ("open", "overdue", "rectified")
ISSUES = ("no_synergy_system", "incomplete_rules", "not_following_plan", "prohibited_conduct")
FIELDS = ("unit_id", "issue", "description", "rectify_by")
UNKNOWN_UNIT = N_("No such unit.")

# The findings' codes as the API writes them ("open" is in wording.LABELS).
WORDS = {
    "overdue": N_("overdue: past its deadline"),
    "rectified": N_("reported rectified"),
    "no_synergy_system": N_("no synergy system in place"),
    "incomplete_rules": N_("incomplete internal rules"),
    "not_following_plan": N_("not following the plan"),
    "prohibited_conduct": N_("prohibited conduct"),
}


def word(code: str, _: Translator) -> str:
    return _(WORDS[code]) if code in WORDS else label(code, _)


def _units(viewer: Viewer) -> list[str]:
    """The units whose findings the token reads, to filter on (the handler's own test)."""
    svc, principal = viewer.svc, viewer.signed_in
    return sorted(u for u in chart(svc).units if inspections.may_read(svc, principal, u))


@router.get("/findings")
async def findings(viewer: SignedIn, request: Request) -> Response:
    principal = viewer.signed_in
    status = query(request, "status")
    if status not in (None, *STATUSES):
        status = None
    unit = query(request, "unit_id")
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    found = await inspections.list_findings(
        viewer.svc, principal, viewer.runtime, unit, cast(Status | None, status), page
    )
    units = await run_in_threadpool(_units, viewer)
    filters = "&".join(f"{k}={v}" for k, v in (("status", status), ("unit_id", unit)) if v)
    return viewer.render(
        "findings/list.html",
        found=found,
        chosen=status,
        unit=unit,
        units=units,
        statuses=STATUSES,
        filters=filters,
        may_record=principal.has(Role.HQ_ADMIN),
        word=lambda code: word(code, viewer._),
    )


def _record_form(
    viewer: Viewer,
    values: Mapping[str, str],
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    units = [("", "—"), *((u, u) for u in sorted(chart(viewer.svc).units))]
    return viewer.render(
        "findings/new.html",
        status,
        values=values,
        errors=errors or {},
        refused=refused,
        units=units,
        issues=[("", "—"), *((i, word(i, viewer._)) for i in ISSUES)],
    )


@router.get("/findings/new")
async def new_finding(viewer: SignedIn) -> Response:
    if not viewer.signed_in.has(Role.HQ_ADMIN):  # only HQ records: its form is not offered
        raise Forbidden("Only HQ records inspection findings.")
    return _record_form(viewer, dict.fromkeys(FIELDS, ""))


@router.post("/findings")
async def record(viewer: SignedIn, form: CheckedForm) -> Response:
    values = text_fields(form, *FIELDS)
    try:
        body = FindingIn.model_validate(typed(values))
    except ValidationError as invalid:
        return _record_form(viewer, values, field_errors(invalid, viewer._, FIELDS), status=422)
    try:
        done = await attempt(
            viewer, inspections.record_finding, viewer.svc, viewer.signed_in, body.unit_id,
            body.issue, body.description, body.rectify_by,
        )  # fmt: skip
    except UnitNotFound:  # as the API's 404, said beside the field
        return _record_form(viewer, values, {"unit_id": viewer._(UNKNOWN_UNIT)}, status=404)
    if isinstance(done, Refusal):
        return _record_form(viewer, values, refused=done.sentence, status=409)
    return RedirectResponse(f"/findings/{done.id}", status_code=303)


def _shown(viewer: Viewer, finding_id: str) -> dict[str, Any]:
    svc, principal = viewer.svc, viewer.signed_in
    finding = inspections.read_finding(svc, principal, finding_id)
    view = FindingOut.of(finding, svc.today())
    may_rectify = view.status != "rectified" and acts_for(principal, view.unit_id, chart(svc))
    return {"finding": view, "may_rectify": may_rectify}


async def _finding_page(
    viewer: Viewer,
    finding_id: str,
    status: int = 200,
    values: Mapping[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
) -> Response:
    facts = await run_in_threadpool(_shown, viewer, finding_id)
    return viewer.render(
        "findings/detail.html",
        status,
        **facts,
        values=values or {},
        errors=errors or {},
        refused=refused,
        word=lambda code: word(code, viewer._),
    )


@router.get("/findings/{finding_id}")
async def finding(viewer: SignedIn, finding_id: str) -> Response:
    return await _finding_page(viewer, finding_id)


@router.post("/findings/{finding_id}/rectified")
async def rectified(viewer: SignedIn, finding_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "evidence")
    try:
        body = RectifiedIn.model_validate(typed(values))
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, ("evidence",))
        return await _finding_page(viewer, finding_id, 422, values, errors)
    done = await attempt(
        viewer, inspections.rectify_finding, viewer.svc, viewer.signed_in, finding_id,
        body.evidence,
    )  # fmt: skip
    if isinstance(done, Refusal):
        return await _finding_page(viewer, finding_id, 409, values, refused=done.sentence)
    return RedirectResponse(f"/findings/{finding_id}", status_code=303)
