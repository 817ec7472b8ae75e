"""A supplier's offer from the need's page: make it, revise it, withdraw it (the API's
`POST /v1/needs/{id}/offers` and `/v1/offers/{id}/revise|withdraw`, their bodies and handlers)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace.api.routes.needs import OfferIn
from marketplace.api.routes.offers import OfferRevisionIn
from marketplace.handlers import needs
from marketplace.handlers.errors import NotFound
from marketplace.portal import need_page
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
from marketplace.portal.wording import field_errors

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TERMS = ("unit_price", "quantity", "delivery_date", "valid_until")
OFFER_FIELDS = ("supplier_unit_id", *TERMS)


def _body(values: dict[str, str], viewer: Viewer) -> dict[str, Any]:
    data: dict[str, Any] = typed(values)
    if "valid_until" in data:
        data["valid_until"] = moment(data["valid_until"], viewer)
    return data


@router.post("/needs/{need_id}/offers")
async def offer(viewer: SignedIn, need_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *OFFER_FIELDS)
    try:
        body = OfferIn.model_validate(_body(values, viewer))
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, OFFER_FIELDS)
        return await need_page.render(viewer, need_id, 422, values, errors, form="offer")
    terms = needs.OfferTerms(body.unit_price, body.quantity, body.delivery_date, body.valid_until)
    done = await attempt(
        viewer,
        needs.submit_offer,
        viewer.svc,
        viewer.signed_in,
        need_id,
        body.supplier_unit_id,
        terms,
    )
    if isinstance(done, Refusal):
        return await need_page.render(
            viewer, need_id, 409, values, refused=done.sentence, form="offer"
        )
    return RedirectResponse(f"/needs/{need_id}", status_code=303)


def _own_offer(viewer: Viewer, need_id: str, offer_id: str) -> None:
    """The offer must be on this need (the page's address says which need it is)."""
    offer = needs.load_offer(viewer.svc, offer_id)
    if offer.need_id != need_id:
        raise NotFound(f"Offer {offer_id!r} is not on need {need_id!r}.")


@router.post("/needs/{need_id}/offers/{offer_id}/revise")
async def revise(viewer: SignedIn, need_id: str, offer_id: str, form: CheckedForm) -> Response:
    await run_in_threadpool(_own_offer, viewer, need_id, offer_id)
    values = text_fields(form, *TERMS)
    try:
        body = OfferRevisionIn.model_validate(_body(values, viewer))
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, TERMS)
        return await need_page.render(viewer, need_id, 422, values, errors, form=offer_id)
    terms = needs.OfferTerms(body.unit_price, body.quantity, body.delivery_date, body.valid_until)
    done = await attempt(viewer, needs.revise_offer, viewer.svc, viewer.signed_in, offer_id, terms)
    if isinstance(done, Refusal):
        return await need_page.render(
            viewer, need_id, 409, values, refused=done.sentence, form=offer_id
        )
    return RedirectResponse(f"/needs/{need_id}", status_code=303)


@router.post("/needs/{need_id}/offers/{offer_id}/withdraw")
async def withdraw(viewer: SignedIn, need_id: str, offer_id: str, _: CheckedForm) -> Response:
    await run_in_threadpool(_own_offer, viewer, need_id, offer_id)
    done = await attempt(viewer, needs.withdraw_offer, viewer.svc, viewer.signed_in, offer_id)
    if isinstance(done, Refusal):
        return await need_page.render(viewer, need_id, 409, refused=done.sentence)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)
