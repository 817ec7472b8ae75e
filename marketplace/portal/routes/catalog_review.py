"""HQ's catalog review desk: open a version, approve or reject entries one by one or in bulk,
publish — with the API's request models (`VersionIn`, `RejectIn`, `BulkApproveIn`,
`BulkRejectIn`) and the same handlers (`marketplace/handlers/catalog.py`), which refuse any
token but HQ's."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.api.routes.catalog import BulkApproveIn, BulkRejectIn, RejectIn, VersionIn
from marketplace.handlers import catalog
from marketplace.handlers.catalog_lists import catalog_versions
from marketplace.handlers.errors import InvalidField
from marketplace.portal import catalog_version_page
from marketplace.portal.catalog_review_page import reviews
from marketplace.portal.catalog_version_page import states
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.need_page import moment, typed
from marketplace.portal.web import (
    CheckedForm,
    PageRoute,
    Refusal,
    SignedIn,
    Viewer,
    attempt,
    text_fields,
)
from marketplace.portal.wording import RULES, field_errors, refusal

router = APIRouter(route_class=PageRoute, include_in_schema=False)
OPEN_FIELDS = ("period", "effective_from", "effective_to", "submission_deadline")
NONE_CHOSEN = N_("Tick at least one entry.")


async def versions_page(
    viewer: Viewer,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
) -> Response:
    """The list of versions; for HQ, with the form that opens a new one."""
    found = await catalog_versions(viewer.runtime)
    return viewer.render(
        "catalog/versions/index.html",
        status,
        versions=found,
        state=states(viewer),
        may_open=reviews(viewer),
        values=values or {},
        errors=errors or {},
        refused=refused,
    )


@router.post("/catalog/versions")
async def open_version(viewer: SignedIn, form: CheckedForm) -> Response:
    values = text_fields(form, *OPEN_FIELDS)
    data = typed(values)
    if "submission_deadline" in data:
        data["submission_deadline"] = moment(data["submission_deadline"], viewer)
    try:
        body = VersionIn.model_validate(data)
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, OPEN_FIELDS)
        return await versions_page(viewer, 422, values, errors)
    command = catalog.OpenVersion(
        body.period, body.effective_from, body.effective_to, body.submission_deadline
    )
    done = await attempt(viewer, catalog.open_version, viewer.svc, viewer.signed_in, command)
    if isinstance(done, Refusal):
        return await versions_page(viewer, 409, values, refused=done.sentence)
    return _back(done.id)


@router.post("/catalog/versions/{version_id}/entries/{entry_id}/approve")
async def approve(viewer: SignedIn, version_id: str, entry_id: str, form: CheckedForm) -> Response:
    done = await attempt(
        viewer, catalog.review_entry, viewer.svc, viewer.signed_in, version_id, entry_id, None
    )
    if isinstance(done, Refusal):
        return await _page(viewer, version_id, 409, refused=done.sentence, form="queue")
    return _back(version_id)


@router.post("/catalog/versions/{version_id}/entries/{entry_id}/reject")
async def reject(viewer: SignedIn, version_id: str, entry_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "reason")
    which = f"reject-{entry_id}"
    try:
        body = RejectIn.model_validate(typed(values))
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, ("reason",))
        return await _page(viewer, version_id, 422, values=values, errors=errors, form=which)
    done = await attempt(
        viewer,
        catalog.review_entry,
        viewer.svc,
        viewer.signed_in,
        version_id,
        entry_id,
        body.reason,
    )
    if isinstance(done, Refusal):
        return await _page(
            viewer, version_id, 409, values=values, refused=done.sentence, form=which
        )
    return _back(version_id)


@router.post("/catalog/versions/{version_id}/entries/approve")
async def approve_many(viewer: SignedIn, version_id: str, form: CheckedForm) -> Response:
    return await _bulk(viewer, version_id, form, rejecting=False)


@router.post("/catalog/versions/{version_id}/entries/reject")
async def reject_many(viewer: SignedIn, version_id: str, form: CheckedForm) -> Response:
    return await _bulk(viewer, version_id, form, rejecting=True)


async def _bulk(viewer: Viewer, version_id: str, form: FormData, *, rejecting: bool) -> Response:
    """The ticked entries approved, or rejected with the one reason, all or none."""
    ticked = [v for v in form.getlist("entry_ids") if isinstance(v, str) and v]
    values: dict[str, Any] = {**text_fields(form, "reason"), "entry_ids": ticked}
    data: dict[str, Any] = {"entry_ids": ticked}
    if rejecting:
        data |= typed(text_fields(form, "reason"))
    model = BulkRejectIn if rejecting else BulkApproveIn
    try:
        body = model.model_validate(data)
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, ("entry_ids", "reason"))
        if "entry_ids" in errors:
            errors["entry_ids"] = viewer._(NONE_CHOSEN)
        return await _page(viewer, version_id, 422, values=values, errors=errors, form="bulk")
    reason = body.reason if isinstance(body, BulkRejectIn) else None
    try:
        done = await attempt(
            viewer,
            catalog.review_entries,
            viewer.svc,
            viewer.signed_in,
            version_id,
            body.entry_ids,
            reason,
        )
    except InvalidField:  # an entry ticked twice: only a hand-made form does that
        errors = {"entry_ids": viewer._(NONE_CHOSEN)}
        return await _page(viewer, version_id, 422, values=values, errors=errors, form="bulk")
    if isinstance(done, Refusal):
        return await _page(
            viewer, version_id, 409, values=values, refused=done.sentence, form="bulk"
        )
    return _back(version_id)


@router.post("/catalog/versions/{version_id}/publish")
async def publish(viewer: SignedIn, version_id: str, form: CheckedForm) -> Response:
    try:
        await run_in_threadpool(catalog.publish_version, viewer.svc, viewer.signed_in, version_id)
    except RecordNotFound:
        raise
    except DomainError as refused:
        sentence = publish_refusal(refused, viewer._)
        return await _page(viewer, version_id, 409, refused=sentence, form="publish")
    return _back(version_id)


def publish_refusal(error: DomainError, _: Translator) -> str:
    """A refused publication as a sentence; pending entries are counted in it."""
    if error.code != "entries_pending_review":
        return refusal(error, _)
    facts = error.details if isinstance(error.details, dict) else {}
    return _(RULES[error.code], count=len(facts.get("pending_entry_ids", ())))


async def _page(viewer: Viewer, version_id: str, status: int, **shown: Any) -> Response:
    return await catalog_version_page.render(viewer, version_id, status, **shown)


def _back(version_id: str) -> RedirectResponse:
    return RedirectResponse(f"/catalog/versions/{quote(version_id, safe='')}#review", 303)
