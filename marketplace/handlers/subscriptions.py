"""Use cases of notification subscriptions: subscribe, list, remove; and the notifier's ports.

A webhook's signing secret (`whsec_` + base64 of 24 random bytes) is made here, returned once
and kept only sealed; `endpoint_of` unseals it for the sender that signs with it.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from typing import Literal

from marketplace.aggregates.subscription import (
    EVERY_TYPE,
    Channel,
    Subscription,
    SubscriptionRegistry,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.handlers.auth import Principal, require_acts_for
from marketplace.handlers.endpoints import checked_email, checked_webhook
from marketplace.handlers.errors import InvalidField, NotFound
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import EventStore, Sealer, Services
from marketplace.handlers.reach import reach_of
from marketplace.notifications.reminders import REMINDER_TYPES

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24


@dataclass(frozen=True)
class Subscribe:
    unit_id: str
    channel: Channel
    endpoint: str
    event_types: list[str]


@dataclass(frozen=True)
class Subscribed:
    """The new subscription, and its webhook secret: returned here once, kept only sealed."""

    subscription: Subscription
    secret: str | None


@dataclass(frozen=True)
class Endpoint:
    """Where the sender delivers one subscription's notifications, and how it signs them."""

    subscription_id: str
    unit_id: str
    channel: Literal["webhook", "email"]
    address: str
    secret: str | None
    active: bool


def subscribe(svc: Services, principal: Principal, cmd: Subscribe) -> Subscribed:
    """A unit subscribes for itself; its platform's admin or hq_admin may do it for it."""
    org = chart(svc)
    require_acts_for(principal, cmd.unit_id, org)
    unit = org.get(cmd.unit_id)
    event_types = checked_event_types(cmd.event_types)
    if cmd.channel is Channel.WEBHOOK:
        endpoint = checked_webhook(cmd.endpoint, svc.resolve)
        secret: str | None = new_webhook_secret(svc)
    else:
        endpoint, secret = checked_email(cmd.endpoint), None
    sealed = _sealer(svc).seal(secret) if secret is not None else None
    subscription_id = svc.new_id("sub")
    actor = principal.actor

    def attempt() -> Subscription:
        now = svc.clock()
        subscription = Subscription.create(
            subscription_id, unit, cmd.channel, endpoint, event_types, sealed, actor, now
        )
        registry = svc.store.get(SubscriptionRegistry.id_for(unit.id), SubscriptionRegistry)
        registry = registry or SubscriptionRegistry.open(unit.id, actor, now)
        registry.register(subscription_id, actor, now)
        svc.store.save(subscription, registry)  # both or neither
        return subscription

    return Subscribed(svc.retrying(attempt), secret)


def checked_event_types(event_types: list[str]) -> list[str]:
    """Known public types and deadline reminders' types, or `*` for all (a 422 naming the
    unknown ones)."""
    known = PUBLIC_TYPES.keys() | REMINDER_TYPES
    unknown = sorted({t for t in event_types if t != EVERY_TYPE and t not in known})
    if unknown:
        raise InvalidField(
            "event_types",
            f"Unknown event types: {', '.join(unknown)}. Name public types "
            '(schemas/, e.g. "marketplace.need.posted.v1"), deadline reminders\' types '
            '(e.g. "marketplace.reminder.bid_deadline.v1") or ["*"] for all.',
            "unknown_event_type",
        )
    return event_types


def new_webhook_secret(svc: Services) -> str:
    return SECRET_PREFIX + base64.b64encode(svc.new_secret(SECRET_BYTES)).decode()


def list_subscriptions(svc: Services, principal: Principal, unit_id: str) -> list[Subscription]:
    """A unit's subscriptions, oldest first, removed and disabled ones included: for those who
    act for the unit, and auditors. Never a secret."""
    org = chart(svc)
    org.get(unit_id)  # 404 for a unit that does not exist
    reach_of(principal, org).require(unit_id, "unit_id")
    registry = svc.store.view(SubscriptionRegistry.id_for(unit_id), SubscriptionRegistry)
    ids = registry.subscription_ids if registry else []
    found = [svc.store.view(s, Subscription) for s in ids]
    return [s for s in found if s is not None]


def remove_subscription(svc: Services, principal: Principal, subscription_id: str) -> None:
    """Stop a subscription (whoever may subscribe for its unit). Idempotent."""
    org = chart(svc)

    def attempt() -> None:
        subscription = svc.load(Subscription, subscription_id, "Subscription")
        require_acts_for(principal, subscription.unit_id, org)
        subscription.remove(principal.actor, svc.clock())
        if subscription.pending_events:
            svc.store.save(subscription)

    svc.retrying(attempt)


def get_subscription(svc: Services, principal: Principal, subscription_id: str) -> Subscription:
    """One subscription, for whoever may list its unit's."""
    subscription = svc.load(Subscription, subscription_id, "Subscription", reading=True)
    reach_of(principal, chart(svc)).require(subscription.unit_id, "unit_id")
    return subscription


# ----- the notifier's ports ----------------------------------------------------------------


async def endpoint_of(store: EventStore, sealer: Sealer, subscription_id: str) -> Endpoint:
    """Where and how to deliver for one subscription, its secret unsealed (NotFound if none)."""
    subscription = await asyncio.to_thread(store.view, subscription_id, Subscription)
    if subscription is None:
        raise NotFound(f"Subscription {subscription_id!r} does not exist.", {"id": subscription_id})
    sealed = subscription.sealed_secret
    channel: Literal["webhook", "email"] = (
        "webhook" if subscription.channel is Channel.WEBHOOK else "email"
    )
    return Endpoint(
        subscription_id=subscription.id,
        unit_id=subscription.unit_id,
        channel=channel,
        address=subscription.endpoint,
        secret=sealer.unseal(sealed) if sealed is not None else None,
        active=subscription.active,
    )


async def disable_subscription(svc: Services, subscription_id: str, reason: str) -> None:
    """The notifier stops a subscription whose endpoint is gone (410); once only."""

    def attempt() -> None:
        subscription = svc.load(Subscription, subscription_id, "Subscription")
        subscription.disable(reason, svc.clock())
        if subscription.pending_events:
            svc.store.save(subscription)

    await asyncio.to_thread(svc.retrying, attempt)


def _sealer(svc: Services) -> Sealer:
    if svc.sealer is None:
        raise RuntimeError("no sealer configured: webhook secrets cannot be kept")
    return svc.sealer
