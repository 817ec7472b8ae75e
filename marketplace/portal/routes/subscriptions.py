"""`/settings/subscriptions`: where a unit's notifications go (`/v1/subscriptions`): its webhooks
and e-mail addresses listed, one added (a webhook's secret shown on that answer only) or removed,
and the language of its notifications (`PATCH /v1/units/{id}`), with the API's bodies and
handlers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.organisation import Language
from marketplace.api.routes.subscriptions import SubscriptionIn, SubscriptionOut
from marketplace.api.routes.units import UnitPatch
from marketplace.handlers import subscriptions, units
from marketplace.handlers.auth import acts_for
from marketplace.handlers.errors import InvalidField
from marketplace.handlers.organisation import chart
from marketplace.handlers.subscriptions import Subscribed
from marketplace.portal.i18n import N_, Translator
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
from marketplace.portal.wording import FIELD_ERRORS, field_errors

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PATH = "/settings/subscriptions"
FIELDS = ("channel", "endpoint", "event_types")

WORDS = {
    "webhook": N_("webhook (HTTPS POST, signed)"),
    "email": N_("e-mail"),
    "active": N_("sending"),
    "removed": N_("removed"),
    "disabled": N_("stopped: the endpoint is gone"),
    "zh-CN": N_("Chinese"),
    "en": N_("English"),
}
# The handler's own checks (marketplace/handlers/endpoints.py), said beside the field.
CHECKS = {
    "endpoint_not_https": N_("A webhook must use https (plain http only to this host)."),
    "endpoint_link_local": N_(
        "This host is, or resolves to, a link-local or metadata address: not allowed."
    ),
    "endpoint_unresolvable": N_("This host name does not resolve."),
    "endpoint_credentials": N_("Put no user name or password in the address."),
    "endpoint_unspecified": N_("Name the receiver's host, not 0.0.0.0."),
    "url_invalid": N_("Enter an address such as https://erp.example.com/hooks."),
    "email_invalid": N_("Enter an e-mail address such as name@example.com."),
    "unknown_event_type": N_("Unknown event types; use * for all of them."),
}


def _field_errors(invalid: ValidationError, _: Translator) -> dict[str, str]:
    """Pydantic's errors beside their fields; no event type at all is a required field left
    empty (its error is a list's `too_short`)."""
    found = field_errors(invalid, _, FIELDS)
    for err in invalid.errors():
        where = err.get("loc", ())
        if where and err.get("type") == "too_short":
            found[str(where[0])] = _(FIELD_ERRORS["missing"])
    return found


def word(code: str, _: Translator) -> str:
    return _(WORDS[code]) if code in WORDS else code


def _facts(viewer: Viewer, unit_id: str) -> dict[str, Any]:
    """The unit's subscriptions (the handler checks the reach) and what the viewer may do."""
    svc, principal = viewer.svc, viewer.signed_in
    found = subscriptions.list_subscriptions(svc, principal, unit_id)
    org = chart(svc)
    mine = sorted(u for u in org.units if acts_for(principal, u, org) and org.units[u].active)
    return {
        "unit": org.get(unit_id),
        "items": [SubscriptionOut.of(s) for s in found],
        "may_act": acts_for(principal, unit_id, org),
        "units": mine,
    }


async def _page(
    viewer: Viewer,
    unit_id: str | None,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    made: Subscribed | None = None,
) -> Response:
    unit = unit_id or viewer.signed_in.unit_id or ""
    facts = await run_in_threadpool(_facts, viewer, unit)
    return viewer.render(
        "settings/subscriptions.html",
        status,
        **facts,
        values=values or {"channel": "webhook", "endpoint": "", "event_types": "*"},
        errors=errors or {},
        refused=refused,
        made=made,
        channels=[(c, word(c, viewer._)) for c in ("webhook", "email")],
        languages_of_units=[(lang.value, word(lang.value, viewer._)) for lang in Language],
        word=lambda code: word(code, viewer._),
    )


@router.get(PATH)
async def settings(viewer: SignedIn, request: Request) -> Response:
    return await _page(viewer, query(request, "unit_id"))


def _checked(refused: InvalidField, _: Translator) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in refused.details if isinstance(refused.details, list) else []:
        sentence = CHECKS.get(str(problem.get("type")), N_("This value is not valid."))
        found.setdefault(str(problem.get("field", "")), _(sentence))
    return found


@router.post(PATH)
async def subscribe(viewer: SignedIn, form: CheckedForm) -> Response:
    """A subscription for the unit; a webhook's secret is on this answer (201) only: never in
    the session, a URL or a cache."""
    values = text_fields(form, "unit_id", *FIELDS)
    unit_id = values["unit_id"] or viewer.signed_in.unit_id or ""
    types = [t for t in values["event_types"].replace(",", " ").split() if t]
    body = {"unit_id": unit_id, "channel": values["channel"], "endpoint": values["endpoint"]}
    try:
        checked = SubscriptionIn.model_validate(body | {"event_types": types})
    except ValidationError as invalid:
        return await _page(viewer, unit_id, 422, values, _field_errors(invalid, viewer._))
    command = subscriptions.Subscribe(
        checked.unit_id, checked.channel, checked.endpoint, checked.event_types
    )
    try:
        done = await attempt(viewer, subscriptions.subscribe, viewer.svc, viewer.signed_in, command)
    except InvalidField as refused:
        return await _page(viewer, unit_id, 422, values, _checked(refused, viewer._))
    if isinstance(done, Refusal):
        return await _page(viewer, unit_id, 409, values, refused=done.sentence)
    return await _page(viewer, unit_id, 201, made=done)


@router.post(PATH + "/{subscription_id}/remove")
async def remove(viewer: SignedIn, subscription_id: str, form: CheckedForm) -> Response:
    unit_id = text_fields(form, "unit_id")["unit_id"]
    await run_in_threadpool(
        subscriptions.remove_subscription, viewer.svc, viewer.signed_in, subscription_id
    )
    return RedirectResponse(f"{PATH}?unit_id={unit_id}" if unit_id else PATH, status_code=303)


@router.post(PATH + "/language")
async def language(viewer: SignedIn, form: CheckedForm) -> Response:
    values = text_fields(form, "unit_id", "language")
    unit_id = values["unit_id"] or viewer.signed_in.unit_id or ""
    try:
        patch = UnitPatch.model_validate({"language": values["language"]})
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, ("language",))
        return await _page(viewer, unit_id, 422, errors=errors)
    command = units.UpdateUnit(unit_id, language=patch.language)
    done = await attempt(viewer, units.update_unit, viewer.svc, viewer.signed_in, command)
    if isinstance(done, Refusal):
        return await _page(viewer, unit_id, 409, refused=done.sentence)
    return RedirectResponse(f"{PATH}?unit_id={unit_id}", status_code=303)
