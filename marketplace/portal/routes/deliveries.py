"""`/settings/subscriptions/{id}/deliveries`: a subscription's deliveries in event order with
each attempt (time, HTTP status, error), filtered by status, and a dead or delivered one sent
again (the API's `GET /v1/subscriptions/{id}/deliveries` and `POST /v1/deliveries/{id}/redeliver`
handlers over the same store)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from marketplace.api.deps import get_notifier_store
from marketplace.api.routes.subscriptions import SubscriptionOut
from marketplace.handlers import notifications, subscriptions
from marketplace.handlers.auth import acts_for
from marketplace.handlers.organisation import chart
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.routes.notifications import plain
from marketplace.portal.routes.subscriptions import PATH as SETTINGS
from marketplace.portal.routes.subscriptions import word as subscription_word
from marketplace.portal.web import CheckedForm, PageRoute, SignedIn, Viewer, query, text_fields
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
STATUSES = ("pending", "delivered", "dead")
REDELIVERABLE = frozenset({"delivered", "dead"})
WORDS = {
    "pending": N_("pending: will be tried (again)"),
    "delivered": N_("delivered"),
    "dead": N_("dead: retries given up"),
    "retry": N_("failed: to be retried"),
    "gone": N_("gone (410): the subscription was stopped"),
}


def word(code: str, _: Translator) -> str:
    return _(WORDS[code]) if code in WORDS else subscription_word(code, _)


def deliveries_path(
    subscription_id: str, status: str | None = None, cursor: str | None = None
) -> str:
    wanted = {k: v for k, v in (("status", status), ("cursor", cursor)) if v}
    path = f"{SETTINGS}/{quote(subscription_id, safe='')}/deliveries"
    return f"{path}?{urlencode(wanted)}" if wanted else path


def _subscription(viewer: Viewer, subscription_id: str) -> dict[str, Any]:
    """The subscription shown above its deliveries (its reader's rule: 403 for another unit)
    and whether the viewer may send a delivery again."""
    svc, principal = viewer.svc, viewer.signed_in
    found = subscriptions.get_subscription(svc, principal, subscription_id)
    return {
        "subscription": SubscriptionOut.of(found),
        "may_act": acts_for(principal, found.unit_id, chart(svc)),
    }


@router.get(SETTINGS + "/{subscription_id}/deliveries")
async def deliveries(viewer: SignedIn, request: Request, subscription_id: str) -> Response:
    facts = await run_in_threadpool(_subscription, viewer, subscription_id)
    status = query(request, "status")
    if status not in (None, *STATUSES):
        status = None
    store = await get_notifier_store(request)
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    found = await notifications.deliveries(
        viewer.svc, viewer.signed_in, store, subscription_id, status, page
    )
    return viewer.render(
        "settings/deliveries.html",
        **facts,
        found=found.found,
        chosen=status,
        statuses=STATUSES,
        redeliverable=REDELIVERABLE,
        path=deliveries_path(subscription_id),
        older=found.found.next_cursor
        and deliveries_path(subscription_id, status, found.found.next_cursor),
        word=lambda code: word(code, viewer._),
        plain=plain,
    )


@router.post(SETTINGS + "/{subscription_id}/deliveries/{delivery_id}/redeliver")
async def redeliver(
    viewer: SignedIn, subscription_id: str, delivery_id: str, form: CheckedForm
) -> Response:
    """Sent again by the API's handler (who may: the subscription's unit, a platform admin
    above it, HQ; another's delivery is the 404 page, as the API's 404)."""
    store = await get_notifier_store(viewer.request)
    await notifications.redeliver(viewer.svc, viewer.signed_in, store, delivery_id)
    status = text_fields(form, "status")["status"]
    return RedirectResponse(
        deliveries_path(subscription_id, status if status in STATUSES else None), 303
    )
