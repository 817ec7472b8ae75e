"""The notification subscriptions' public events: who subscribed to what, never where nor how.

The endpoint and the webhook secret stay in the store: the notifier that needs them reads
them there (`handlers.subscriptions.endpoint_of`).
"""

from __future__ import annotations

from pydantic import Field

from marketplace.aggregates.subscription import Subscription
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

SUBSCRIPTIONS_TOPIC = "marketplace.subscriptions"


class SubscriptionCreatedV1(Payload):
    """A unit subscribed a webhook or an e-mail address to its notifications."""

    subscription_id: str = Field(examples=["sub_5f0c…"])
    unit_id: str = Field(examples=["PWR-01"])
    channel: str = Field(description="webhook or email", examples=["webhook"])
    event_types: list[str] = Field(
        description='The public event types it wants, or ["*"] for all of them.',
        examples=[["marketplace.need.posted.v1"]],
    )
    actor: ActorV1


class SubscriptionRemovedV1(Payload):
    """A unit (or a superior acting for it) removed a subscription."""

    subscription_id: str
    unit_id: str
    actor: ActorV1


class SubscriptionDisabledV1(Payload):
    """The notifier stopped a subscription whose endpoint is gone (it answered 410 Gone)."""

    subscription_id: str
    unit_id: str
    reason: str = Field(examples=["the endpoint answered 410 Gone"])


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(Subscription, "Created"),
        "marketplace.subscription.created.v1",
        SUBSCRIPTIONS_TOPIC,
        SubscriptionCreatedV1,
    ),
    PublicType(
        domain_event(Subscription, "Removed"),
        "marketplace.subscription.removed.v1",
        SUBSCRIPTIONS_TOPIC,
        SubscriptionRemovedV1,
    ),
    PublicType(
        domain_event(Subscription, "Disabled"),
        "marketplace.subscription.disabled.v1",
        SUBSCRIPTIONS_TOPIC,
        SubscriptionDisabledV1,
    ),
)
