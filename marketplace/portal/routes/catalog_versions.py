"""`/catalog/versions`: the catalog versions, and one version's page where a platform admin
submits its sector's entries — a CSV file all or nothing (`catalog_import.import_csv`, as
`marketplace catalog import` does) or one entry (the API's `EntryIn` and `submit_entries`)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from marketplace.handlers import catalog
from marketplace.handlers.catalog_csv import COLUMNS, CsvRejected
from marketplace.handlers.catalog_entry import EntryIn
from marketplace.handlers.catalog_import import import_csv
from marketplace.handlers.errors import NotFound
from marketplace.portal import catalog_version_page, csv_problems
from marketplace.portal.catalog_version_page import Shown
from marketplace.portal.i18n import N_
from marketplace.portal.need_page import typed
from marketplace.portal.routes.catalog_review import versions_page
from marketplace.portal.web import (
    CheckedForm,
    PageRoute,
    Refusal,
    SignedIn,
    attempt,
    query,
    text_fields,
)
from marketplace.portal.wording import field_errors

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ENTRY_FIELDS = tuple(COLUMNS)  # the form's fields are the CSV's columns
NO_FILE = N_("Choose a CSV file to upload.")
NOT_TEXT = N_("The file is not UTF-8 text: save it as CSV UTF-8.")
NO_SUCH_SUPPLIER = N_("No such unit.")


@router.get("/catalog/versions")
async def versions(viewer: SignedIn, request: Request) -> Response:
    """The versions from the catalog's read model; a version's id typed opens its page."""
    wanted = query(request, "id")
    if wanted:
        return RedirectResponse(f"/catalog/versions/{quote(wanted.strip(), safe='')}", 303)
    return await versions_page(viewer)  # HQ's has the form that opens a version


@router.get("/catalog/versions/{version_id}")
async def version(viewer: SignedIn, request: Request, version_id: str) -> Response:
    page = query(request, "page") or "1"
    which = Shown(query(request, "platform"), int(page) if page.isdigit() else 1)
    return await catalog_version_page.render(viewer, version_id, which=which)


@router.post("/catalog/versions/{version_id}/csv")
async def upload(viewer: SignedIn, version_id: str, form: CheckedForm) -> Response:
    """The file submitted all or nothing; refused, every wrong line is on the page again."""
    sent = form.get("file")
    data = await sent.read() if isinstance(sent, UploadFile) else b""
    if not data:
        errors = {"file": viewer._(NO_FILE)}
        return await catalog_version_page.render(viewer, version_id, 422, errors=errors, form="csv")
    try:
        text = data.decode("utf-8-sig")  # as `marketplace catalog import` reads a file
    except UnicodeDecodeError:
        errors = {"file": viewer._(NOT_TEXT)}
        return await catalog_version_page.render(viewer, version_id, 422, errors=errors, form="csv")
    try:
        done = await attempt(viewer, import_csv, viewer.svc, viewer.signed_in, version_id, text)
    except CsvRejected as rejected:
        found = csv_problems.problems(rejected.found, viewer._)
        return await catalog_version_page.render(
            viewer, version_id, 422, problems=found, form="csv"
        )
    if isinstance(done, Refusal):
        return await catalog_version_page.render(
            viewer, version_id, 409, refused=done.sentence, form="csv"
        )
    return _mine(viewer.signed_in.unit_id, version_id)


@router.post("/catalog/versions/{version_id}/entries")
async def add_entry(viewer: SignedIn, version_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *ENTRY_FIELDS)
    data: dict[str, Any] = typed(values)
    # Regions typed apart by commas or semicolons (full-width ones too), as the CSV's `;`.
    data["regions"] = [r for r in re.split(r"\s*[,;\uff0c\uff1b]\s*", values["regions"]) if r]
    try:
        body = EntryIn.model_validate(data)
    except ValidationError as invalid:
        # "subcategory" first: a message about it also holds the word "category".
        errors = field_errors(invalid, viewer._, ("subcategory", *ENTRY_FIELDS))
        return await catalog_version_page.render(
            viewer, version_id, 422, values=values, errors=errors, form="entry"
        )
    entry = body.submission()
    # The version first: a 404 for it is the page's; one from the submission is the supplier's.
    await run_in_threadpool(catalog.load_version, viewer.svc, version_id, reading=True)
    try:
        done = await attempt(
            viewer, catalog.submit_entries, viewer.svc, viewer.signed_in, version_id, [entry]
        )
    except NotFound:
        errors = {"supplier_unit_id": viewer._(NO_SUCH_SUPPLIER)}
        return await catalog_version_page.render(
            viewer, version_id, 404, values=values, errors=errors, form="entry"
        )
    if isinstance(done, Refusal):
        return await catalog_version_page.render(
            viewer, version_id, 409, values=values, refused=done.sentence, form="entry"
        )
    return _mine(viewer.signed_in.unit_id, version_id)


def _mine(platform_id: str | None, version_id: str) -> RedirectResponse:
    """Back to the version, showing the submitting platform's entries and their review."""
    mine = quote(platform_id or "", safe="")
    return RedirectResponse(f"/catalog/versions/{quote(version_id, safe='')}?platform={mine}", 303)
