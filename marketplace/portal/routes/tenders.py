"""Tenders in the portal: launching one from the need's page (the invitation checklist holds
every catalog supplier in force, an omission is filed), and the tender's own page `/tenders/{id}`:
sealed bids, opening after the deadline, the ranking and the award (the API's
`POST /v1/needs/{id}/tender` and `/v1/tenders/{id}/bids|open|award`, their bodies and handlers)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.aggregates.organisation import UnitNotFound
from marketplace.api.routes.needs import TenderIn
from marketplace.api.routes.tenders import BidIn, TenderAwardIn
from marketplace.handlers import tenders
from marketplace.portal import need_page, tender_page
from marketplace.portal.i18n import N_
from marketplace.portal.need_page import moment, typed
from marketplace.portal.web import (
    CheckedForm,
    PageRoute,
    Polling,
    Refusal,
    SignedIn,
    attempt,
    text_fields,
)
from marketplace.portal.wording import field_errors, refusal

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FIELDS = ("more_invitees", "bid_deadline", "internal_preference_margin_pct", "omission_filing")
FORM = "tender"
UNKNOWN_UNIT = N_("No such unit.")


@router.post("/needs/{need_id}/tender")
async def launch(viewer: SignedIn, need_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *FIELDS)
    checked = [v for v in form.getlist("invitees") if isinstance(v, str)]
    # Units typed apart by spaces, commas or semicolons (full-width ones too).
    more = [u for u in re.split(r"[\s,;\uff0c\uff1b]+", values["more_invitees"]) if u]
    data: dict[str, Any] = typed(values) | {"invitees": [*checked, *more]}
    data.pop("more_invitees", None)
    if "bid_deadline" in data:
        data["bid_deadline"] = moment(data["bid_deadline"], viewer)
    kept = values | {"invitees": checked}  # the checklist as ticked
    try:
        body = TenderIn.model_validate(data)
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, (*FIELDS, "invitees"))
        if "invitees" in errors:  # the typed units are the ones that can be wrong
            errors["more_invitees"] = errors.pop("invitees")
        return await need_page.render(viewer, need_id, 422, kept, errors, form=FORM)
    try:
        await run_in_threadpool(
            tenders.launch_tender,
            viewer.svc,
            viewer.signed_in,
            need_id,
            body.invitees,
            body.bid_deadline,
            body.evaluation,
            body.internal_preference_margin_pct,
            body.omission_filing,
        )
    except UnitNotFound:  # an invitee typed wrong: said beside the field, as the API's 404
        errors = {"more_invitees": viewer._(UNKNOWN_UNIT)}
        return await need_page.render(viewer, need_id, 404, kept, errors, form=FORM)
    except RecordNotFound:
        raise
    except DomainError as refused:
        sentence = refusal(refused, viewer._)
        return await need_page.render(viewer, need_id, 409, kept, refused=sentence, form=FORM)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)


BID_FIELDS = ("supplier_unit_id", "amount", "delivery_date")
EXTERNAL_FIELDS = ("external_supplier", "amount", "delivery_date")
AWARD_FIELDS = ("bid_id", "justification")


@router.get("/tenders/{tender_id}")
async def tender(viewer: SignedIn, tender_id: str) -> Response:
    return await tender_page.render(viewer, tender_id)


@router.get("/tenders/{tender_id}/bid-count")
async def bid_count(viewer: Polling, tender_id: str) -> Response:
    """How many sealed bids are in, for the open page to follow live (never an amount)."""
    view = await run_in_threadpool(tender_page.counted, viewer, tender_id)
    return viewer.render("tenders/_bid_count.html", tender=view)


@router.post("/tenders/{tender_id}/bids")
async def bid(viewer: SignedIn, tender_id: str, form: CheckedForm) -> Response:
    """A sealed bid: an invited supplier's own (form "bid"), or an external one recorded by the
    demand unit (form "external"); which one is the field the form sends."""
    external = "external_supplier" in form
    fields = EXTERNAL_FIELDS if external else BID_FIELDS
    which = "external" if external else "bid"
    values = text_fields(form, *fields)
    try:
        body = BidIn.model_validate(typed(values))
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, fields)
        return await tender_page.render(viewer, tender_id, 422, values, errors, form=which)
    done = await attempt(
        viewer,
        tenders.submit_bid,
        viewer.svc,
        viewer.signed_in,
        tender_id,
        body.supplier_unit_id,
        body.external_supplier,
        body.amount,
        body.delivery_date,
    )
    if isinstance(done, Refusal):
        return await tender_page.render(viewer, tender_id, 409, values, refused=done.sentence,
                                        form=which)  # fmt: skip
    return RedirectResponse(f"/tenders/{tender_id}", status_code=303)


@router.post("/tenders/{tender_id}/open")
async def open_bids(viewer: SignedIn, tender_id: str, _: CheckedForm) -> Response:
    done = await attempt(viewer, tenders.open_bids, viewer.svc, viewer.signed_in, tender_id)
    if isinstance(done, Refusal):
        return await tender_page.render(viewer, tender_id, 409, refused=done.sentence)
    return RedirectResponse(f"/tenders/{tender_id}", status_code=303)


@router.post("/tenders/{tender_id}/award")
async def award(viewer: SignedIn, tender_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *AWARD_FIELDS)
    try:
        body = TenderAwardIn.model_validate(typed(values))
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, AWARD_FIELDS)
        return await tender_page.render(viewer, tender_id, 422, values, errors, form="award")
    done = await attempt(
        viewer, tenders.award_tender, viewer.svc, viewer.signed_in, tender_id, body.bid_id,
        body.justification,
    )  # fmt: skip
    if isinstance(done, Refusal):
        return await tender_page.render(viewer, tender_id, 409, values, refused=done.sentence,
                                        form="award")  # fmt: skip
    return RedirectResponse(f"/tenders/{tender_id}", status_code=303)
