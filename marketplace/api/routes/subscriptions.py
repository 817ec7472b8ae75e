"""`/v1/subscriptions`: where a unit's notifications go (webhooks, e-mail) and which events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from marketplace.aggregates.subscription import Channel, Subscription, SubscriptionStatus
from marketplace.api.deps import NotifierStoreDep, PrincipalDep, ServicesDep
from marketplace.api.pages import Paged, PageDep, page_of
from marketplace.api.schemas import DeliveryOut, Strict
from marketplace.handlers import notifications, subscriptions
from marketplace.handlers.errors import InvalidField
from marketplace.inputs import ShortText, UnitId

router = APIRouter(prefix="/v1/subscriptions", tags=["notifications"])

# Checked against the public types by the handler (a 422 naming the unknown ones).
EventType = Annotated[ShortText, Field(min_length=1, max_length=200)]


class SubscriptionIn(Strict):
    unit_id: UnitId = Field(description="The unit whose notifications these are.")
    channel: Channel
    endpoint: ShortText = Field(
        min_length=1,
        max_length=2000,
        description="webhook: an https URL (plain http only to loopback addresses; never a "
        "link-local or metadata address); email: an address.",
        examples=["https://erp.example.com/hooks/marketplace"],
    )
    event_types: list[EventType] = Field(
        min_length=1,
        max_length=200,
        description='Public event types (see schemas/), or ["*"] for every type.',
        examples=[["marketplace.need.posted.v1"]],
    )


class SubscriptionCreated(BaseModel):
    id: str
    secret: str | None = Field(
        description="webhook: the signing secret (`whsec_…`), shown only here and never again; "
        "email: null."
    )


class SubscriptionOut(BaseModel):
    """A subscription as listed: never its secret."""

    id: str
    unit_id: str
    channel: Channel
    endpoint: str
    event_types: list[str]
    status: SubscriptionStatus = Field(
        description="active; removed (by the unit); disabled (the endpoint answered 410 Gone)."
    )
    disabled_reason: str | None
    created_at: datetime
    created_by: dict[str, str | None] = Field(description="The unit and token that created it.")

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionOut:
        return cls(
            id=s.id,
            unit_id=s.unit_id,
            channel=s.channel,
            endpoint=s.endpoint,
            event_types=list(s.event_types),
            status=s.status,
            disabled_reason=s.disabled_reason,
            created_at=s.created_on,
            created_by={"unit_id": s.created_by.unit_id, "token_id": s.created_by.token_id},
        )


class SubscriptionList(Paged):
    unit_id: str
    items: list[SubscriptionOut]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated)
def subscribe(
    body: SubscriptionIn, svc: ServicesDep, principal: PrincipalDep, response: Response
) -> SubscriptionCreated:
    """Subscribe a unit's webhook or e-mail address (for one's own unit; a platform admin for
    its subtree; hq_admin for any). A webhook's secret is in this answer only."""
    made = subscriptions.subscribe(
        svc,
        principal,
        subscriptions.Subscribe(body.unit_id, body.channel, body.endpoint, body.event_types),
    )
    response.headers["Location"] = f"/v1/subscriptions/{made.subscription.id}"
    return SubscriptionCreated(id=made.subscription.id, secret=made.secret)


@router.get("", response_model=SubscriptionList)
def list_subscriptions(
    svc: ServicesDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[
        UnitId | None, Query(description="The unit whose subscriptions to list (default: own).")
    ] = None,
) -> SubscriptionList:
    """A unit's subscriptions, oldest first, with their endpoints and never a secret."""
    unit = unit_id or principal.unit_id
    if unit is None:
        raise InvalidField(
            "unit_id", "Name the unit whose subscriptions to list.", "missing", "query"
        )
    found = subscriptions.list_subscriptions(svc, principal, unit)  # few per unit: in memory
    on_page, next_cursor = page_of(f"subscriptions:{unit}", found, lambda s: s.id, page)
    return SubscriptionList(
        unit_id=unit, next_cursor=next_cursor, items=[SubscriptionOut.of(s) for s in on_page]
    )


@router.get("/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(
    subscription_id: str, svc: ServicesDep, principal: PrincipalDep
) -> SubscriptionOut:
    """One subscription (never its secret)."""
    return SubscriptionOut.of(subscriptions.get_subscription(svc, principal, subscription_id))


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_subscription(
    subscription_id: str, svc: ServicesDep, principal: PrincipalDep
) -> Response:
    """Stop a subscription (whoever may subscribe for its unit). Idempotent."""
    subscriptions.remove_subscription(svc, principal, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class DeliveryList(Paged):
    subscription_id: str
    items: list[DeliveryOut]


@router.get("/{subscription_id}/deliveries", response_model=DeliveryList)
async def list_deliveries(
    svc: ServicesDep,
    store: NotifierStoreDep,
    principal: PrincipalDep,
    subscription_id: str,
    page: PageDep,
    status: Annotated[
        Literal["pending", "delivered", "dead"] | None, Query(description="Only these.")
    ] = None,
) -> DeliveryList:
    """The subscription's deliveries in the order of their events, each with its attempts
    (time, HTTP status, error); redeliver one with `POST /v1/deliveries/{id}/redeliver`."""
    found = await notifications.deliveries(svc, principal, store, subscription_id, status, page)
    return DeliveryList(
        subscription_id=subscription_id,
        items=[DeliveryOut.model_validate(r) for r in found.found.items],
        next_cursor=found.found.next_cursor,
    )
