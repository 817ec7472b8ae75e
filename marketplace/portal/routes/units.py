"""`/units`: the organisation chart as a tree (the directory read model of `GET /v1/units`), and
a unit's page where HQ restructures it (`PATCH /v1/units/{id}`: rename, move, change the sector,
deactivate or reactivate) and issues and revokes its tokens (`POST /v1/tokens`,
`DELETE /v1/tokens/{id}`), with the API's bodies and handlers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace.api.routes.tokens import TokenIn
from marketplace.api.routes.units import UnitPatch
from marketplace.handlers import tokens, units
from marketplace.handlers.errors import InvalidField, NotFound
from marketplace.portal import unit_page
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
from marketplace.portal.wording import FIELD_ERRORS, field_errors

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TOKEN_FIELDS = ("roles", "label", "expires_at")
NO_ROLE = N_("Choose at least one role.")
# The token handler's own checks of the expiry (marketplace/handlers/tokens.py).
EXPIRY_CHECKS = {
    "not_in_future": N_("Choose a moment in the future."),
    "beyond_max_lifetime": N_("This is later than the longest lifetime a token may have."),
}

# Pydantic's length errors of a ShortText (a validator before the length check) and of a list:
# said as its string's are.
LENGTHS = {"too_long": FIELD_ERRORS["string_too_long"], "too_short": FIELD_ERRORS["missing"]}


def _field_errors(
    invalid: ValidationError, _: Translator, fields: tuple[str, ...]
) -> dict[str, str]:
    found = field_errors(invalid, _, fields)
    for err in invalid.errors():
        where, kind = err.get("loc", ()), str(err.get("type"))
        if where and kind in LENGTHS:
            found[str(where[0])] = _(LENGTHS[kind])
    return found


@router.get("/units")
async def chart(viewer: SignedIn) -> Response:
    """Every unit of the directory, as a tree; any token reads it, as `GET /v1/units`."""
    roots = unit_page.tree(await unit_page.directory_rows(viewer))
    _ = viewer._
    return viewer.render(
        "units/tree.html",
        roots=roots,
        word=lambda code: unit_page.word(code, _),
        sector=lambda code: unit_page.sector(code, _),
    )


@router.get("/units/{unit_id}")
async def unit(viewer: SignedIn, unit_id: str) -> Response:
    return await unit_page.render(viewer, unit_id)


async def _restructure(
    viewer: Viewer, unit_id: str, form: str, values: dict[str, str], body: dict[str, Any]
) -> Response:
    """`body` through the API's `UnitPatch` and `update_unit`: 422 beside the field, 409 as a
    sentence (nothing changed), else back to the unit's page."""
    try:
        patch = UnitPatch.model_validate(body)
    except ValidationError as invalid:
        errors = _field_errors(invalid, viewer._, tuple(values))
        return await unit_page.render(viewer, unit_id, 422, values, errors, form=form)
    command = units.UpdateUnit(unit_id, patch.name, patch.parent_id, patch.sector, patch.active)
    done = await attempt(viewer, units.update_unit, viewer.svc, viewer.signed_in, command)
    if isinstance(done, Refusal):
        return await unit_page.render(
            viewer, unit_id, 409, values, refused=done.sentence, form=form
        )
    return RedirectResponse(f"/units/{unit_id}", status_code=303)


@router.post("/units/{unit_id}/name")
async def rename(viewer: SignedIn, unit_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "name")
    return await _restructure(viewer, unit_id, "name", values, values)


@router.post("/units/{unit_id}/parent")
async def move(viewer: SignedIn, unit_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "parent_id")
    return await _restructure(viewer, unit_id, "parent", values, values)


@router.post("/units/{unit_id}/sector")
async def change_sector(viewer: SignedIn, unit_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "sector")
    return await _restructure(viewer, unit_id, "sector", values, values)


@router.post("/units/{unit_id}/active")
async def activate(viewer: SignedIn, unit_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "active")
    return await _restructure(viewer, unit_id, "active", values, values)


def _expiry_errors(refused: InvalidField, _: Translator) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in refused.details if isinstance(refused.details, list) else []:
        sentence = EXPIRY_CHECKS.get(str(problem.get("type")), N_("This value is not valid."))
        found.setdefault(str(problem.get("field", "")), _(sentence))
    return found


@router.post("/units/{unit_id}/tokens")
async def issue(viewer: SignedIn, unit_id: str, form: CheckedForm) -> Response:
    """A token for the unit; its secret is on the answer itself (201), shown this once: never
    in the session, a URL or a cache."""
    roles = [r for r in form.getlist("roles") if isinstance(r, str)]
    values: dict[str, Any] = text_fields(form, "label", "expires_at") | {"roles": roles}
    typed_in = typed({"label": values["label"], "expires_at": values["expires_at"]})
    if "expires_at" in typed_in:
        typed_in["expires_at"] = moment(typed_in["expires_at"], viewer)
    try:
        body = TokenIn.model_validate({"unit_id": unit_id, "roles": roles} | typed_in)
    except ValidationError as invalid:
        errors = _field_errors(invalid, viewer._, TOKEN_FIELDS)
        if "roles" in errors and not roles:
            errors["roles"] = viewer._(NO_ROLE)
        return await unit_page.render(viewer, unit_id, 422, values, errors, form="token")
    command = tokens.IssueToken(body.unit_id, body.roles, body.label, body.expires_at)
    try:
        done = await attempt(viewer, tokens.issue_token, viewer.svc, viewer.signed_in, command)
    except InvalidField as checked:
        errors = _expiry_errors(checked, viewer._)
        return await unit_page.render(viewer, unit_id, 422, values, errors, form="token")
    if isinstance(done, Refusal):
        return await unit_page.render(
            viewer, unit_id, 409, values, refused=done.sentence, form="token"
        )
    return await unit_page.render(viewer, unit_id, 201, issued=done)


def _revoke(viewer: Viewer, unit_id: str, token_id: str) -> None:
    """Revoke one of the unit's tokens as listed to this token (`list_tokens`: HQ, auditors),
    then as `DELETE /v1/tokens/{id}` does (HQ)."""
    svc, principal = viewer.svc, viewer.signed_in
    if token_id not in {t.id for t in tokens.list_tokens(svc, principal, unit_id)}:
        raise NotFound(f"Token {token_id!r} is not one of {unit_id!r}'s.")
    tokens.revoke_token(svc, principal, token_id)


@router.post("/units/{unit_id}/tokens/{token_id}/revoke")
async def revoke(viewer: SignedIn, unit_id: str, token_id: str, form: CheckedForm) -> Response:
    await run_in_threadpool(_revoke, viewer, unit_id, token_id)
    return RedirectResponse(f"/units/{unit_id}", status_code=303)
