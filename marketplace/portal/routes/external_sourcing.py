"""Buying outside the group, from the need's page: the demand unit asks on one of the four
grounds (the API's `POST /v1/needs/{id}/external-sourcing`, its body and handler)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from marketplace.api.routes.needs import ExternalSourcingIn
from marketplace.handlers import external_sourcing
from marketplace.portal import need_page
from marketplace.portal.need_page import typed
from marketplace.portal.web import CheckedForm, PageRoute, Refusal, SignedIn, attempt, text_fields
from marketplace.portal.wording import field_errors

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FIELDS = ("ground", "justification", "quantity")
FORM = "external"


@router.post("/needs/{need_id}/external-sourcing")
async def request_external(viewer: SignedIn, need_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *FIELDS)
    try:
        body = ExternalSourcingIn.model_validate(typed(values))
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, FIELDS)
        return await need_page.render(viewer, need_id, 422, values, errors, form=FORM)
    done = await attempt(
        viewer,
        external_sourcing.request_external,
        viewer.svc,
        viewer.signed_in,
        need_id,
        body.ground,
        body.justification,
        body.quantity,
    )
    if isinstance(done, Refusal):
        return await need_page.render(
            viewer, need_id, 409, values, refused=done.sentence, form=FORM
        )
    return RedirectResponse(f"/needs/{need_id}", status_code=303)
