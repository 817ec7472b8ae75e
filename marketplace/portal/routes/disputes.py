"""`/disputes`: the unit's disputes and those it mediates, raising one, and one dispute's page with
mediation, withdrawal, settlement and the mediator's decision (the API's `/v1/disputes` bodies
and handlers)."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from marketplace.aggregates.base import RecordNotFound
from marketplace.api.routes.disputes import DecisionIn, DisputeIn, SettlementIn
from marketplace.api.schemas import PartyIn
from marketplace.handlers import disputes, lists
from marketplace.handlers.errors import Forbidden, NotFound
from marketplace.portal import dispute_page
from marketplace.portal.dispute_page import KINDS, STATUSES, SUBJECT_TYPES, word
from marketplace.portal.i18n import N_
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
from marketplace.portal.wording import field_errors, validated
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
FIELDS = ("subject_type", "subject_id", "against_unit_id", "kind", "claim")
NO_SUBJECT = N_("No such subject, or your unit may not see it.")
NOT_PARTIES = N_("Your unit and the unit you dispute with must both be parties to the subject.")
M = TypeVar("M", bound=BaseModel)


@router.get("/disputes")
async def disputes_list(viewer: SignedIn, request: Request) -> Response:
    """The disputes the signed-in unit is a party to or mediates (the API's list of one unit)."""
    principal = viewer.signed_in
    status = query(request, "status")
    if status not in (None, *STATUSES):
        status = None
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    found = await lists.disputes(
        viewer.svc, principal, viewer.runtime, principal.unit_id, status, page
    )
    return viewer.render(
        "disputes/list.html",
        found=found,
        chosen=status,
        statuses=STATUSES,
        word=lambda code: word(code, viewer._),
    )


@router.get("/disputes/new")
async def new_dispute(viewer: SignedIn, request: Request) -> Response:
    values = {n: query(request, n) or "" for n in FIELDS}
    return _form(viewer, values)


def _form(
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    return viewer.render(
        "disputes/new.html",
        status,
        values=values,
        errors=errors or {},
        refused=refused,
        subject_types=[(s, word(s, viewer._)) for s in SUBJECT_TYPES],
        kinds=[(k, word(k, viewer._)) for k in KINDS],
        subject_link=dispute_page.subject_link(values["subject_type"], values["subject_id"]),
        word=lambda code: word(code, viewer._),
    )


@router.post("/disputes")
async def post_dispute(viewer: SignedIn, form: CheckedForm) -> Response:
    values = text_fields(form, *FIELDS)
    try:
        body = DisputeIn.model_validate(typed(values))
    except ValidationError as invalid:
        return _form(viewer, values, field_errors(invalid, viewer._, FIELDS), status=422)
    try:
        raised = await attempt(
            viewer,
            disputes.raise_dispute,
            viewer.svc,
            viewer.signed_in,
            body.raiser_unit_id,
            body.subject_type,
            body.subject_id,
            body.against_unit_id,
            body.kind,
            body.claim,
        )
    except (NotFound, RecordNotFound):  # a subject typed wrong: said beside it, as the API's 404
        return _form(viewer, values, {"subject_id": viewer._(NO_SUBJECT)}, status=404)
    except Forbidden:  # as the API's 403, but the claim as typed is kept
        return _form(viewer, values, refused=viewer._(NOT_PARTIES), status=403)
    if isinstance(raised, Refusal):
        return _form(viewer, values, refused=raised.sentence, status=409)
    return RedirectResponse(f"/disputes/{raised.id}", status_code=303)


@router.get("/disputes/{dispute_id}")
async def dispute(viewer: SignedIn, dispute_id: str) -> Response:
    return await dispute_page.render(viewer, dispute_id)


def _validated(model: type[M], values: dict[str, str], viewer: Viewer) -> M | dict[str, str]:
    """The form as the API's body, or its field errors."""
    return validated(model, typed(values), viewer._, tuple(values))


async def _answer(
    viewer: Viewer, dispute_id: str, done: object, values: dict[str, Any], form: str
) -> Response:
    if isinstance(done, Refusal):
        return await dispute_page.render(
            viewer, dispute_id, 409, values, refused=done.sentence, form=form
        )
    return RedirectResponse(f"/disputes/{dispute_id}", status_code=303)


@router.post("/disputes/{dispute_id}/mediation")
async def mediation(viewer: SignedIn, dispute_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "party_unit_id")
    body = _validated(PartyIn, values, viewer)
    if isinstance(body, dict):
        return await dispute_page.render(viewer, dispute_id, 422, values, body, form="mediation")
    done = await attempt(
        viewer, disputes.request_mediation, viewer.svc, viewer.signed_in, dispute_id,
        body.party_unit_id,
    )  # fmt: skip
    return await _answer(viewer, dispute_id, done, values, "mediation")


@router.post("/disputes/{dispute_id}/withdraw")
async def withdraw(viewer: SignedIn, dispute_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "party_unit_id")
    body = _validated(PartyIn, values, viewer)
    if isinstance(body, dict):
        return await dispute_page.render(viewer, dispute_id, 422, values, body, form="withdraw")
    done = await attempt(
        viewer, disputes.withdraw, viewer.svc, viewer.signed_in, dispute_id, body.party_unit_id
    )
    return await _answer(viewer, dispute_id, done, values, "withdraw")


@router.post("/disputes/{dispute_id}/resolve")
async def resolve(viewer: SignedIn, dispute_id: str, form: CheckedForm) -> Response:
    """The mediator's decision (form "decide", field `decision`) or a party's settlement (form
    "settle", field `settlement`), as the API's one `resolve` takes either body."""
    if "decision" in form:
        values = text_fields(form, "decision")
        decision = _validated(DecisionIn, values, viewer)
        if isinstance(decision, dict):
            return await dispute_page.render(
                viewer, dispute_id, 422, values, decision, form="decide"
            )
        done: object = await attempt(
            viewer, disputes.resolve, viewer.svc, viewer.signed_in, dispute_id, decision.decision
        )
        return await _answer(viewer, dispute_id, done, values, "decide")
    values = text_fields(form, "settlement", "party_unit_id")
    settlement = _validated(SettlementIn, values, viewer)
    if isinstance(settlement, dict):
        return await dispute_page.render(viewer, dispute_id, 422, values, settlement, form="settle")
    done = await attempt(
        viewer, disputes.settle, viewer.svc, viewer.signed_in, dispute_id,
        settlement.settlement, settlement.party_unit_id,
    )  # fmt: skip
    return await _answer(viewer, dispute_id, done, values, "settle")
