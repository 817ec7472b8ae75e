"""A unit's subscription to its notifications: a webhook or an e-mail address, and which events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate
from marketplace.aggregates.organisation import Unit

# Who disables a subscription whose endpoint is gone: the notifier, acting for no unit.
SYSTEM = Actor(unit_id=None, token_id="system")
EVERY_TYPE = "*"


class Channel(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"  # by the unit (or a superior acting for it)
    DISABLED = "disabled"  # by the notifier, when the endpoint answered 410 Gone


class Subscription(MarketAggregate):
    """Where one unit's notifications go. A webhook's signing secret is held only sealed."""

    @classmethod
    def create(
        cls,
        subscription_id: str,
        unit: Unit,
        channel: Channel,
        endpoint: str,
        event_types: list[str],
        sealed_secret: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> Subscription:
        if not unit.active:
            raise DomainError(
                "unit_inactive",
                f"Unit {unit.id!r} is deactivated; it gets no new subscriptions.",
                {"unit_id": unit.id},
            )
        if (channel is Channel.WEBHOOK) != (sealed_secret is not None):
            # The handler makes the secret: a webhook without one, or an e-mail with one, is
            # a programming error, not a client's.
            raise ValueError("a webhook subscription has a sealed secret, an e-mail one none")
        # "*" covers every type: kept alone, the list reads as what it means.
        types = [EVERY_TYPE] if EVERY_TYPE in event_types else sorted(set(event_types))
        return cls(
            id=subscription_id,
            subscription_id=subscription_id,
            unit_id=unit.id,
            channel=channel.value,
            endpoint=endpoint,
            event_types=types,
            sealed_secret=sealed_secret,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Created")
    def __init__(
        self,
        id: str,
        subscription_id: str,
        unit_id: str,
        channel: str,
        endpoint: str,
        event_types: list[str],
        sealed_secret: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.unit_id = unit_id
        self.channel = Channel(channel)
        self.endpoint = endpoint
        self.event_types = tuple(event_types)
        self.sealed_secret = sealed_secret
        self.status = SubscriptionStatus.ACTIVE
        self.created_by = actor
        self.disabled_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.status is SubscriptionStatus.ACTIVE

    def wants(self, event_type: str) -> bool:
        """Whether events of `event_type` go to this subscription (while it is active)."""
        return EVERY_TYPE in self.event_types or event_type in self.event_types

    def remove(self, actor: Actor, timestamp: datetime) -> None:
        """Stop notifying; removing a removed or disabled one changes nothing (DELETE is
        idempotent)."""
        if self.active:
            self._removed(self.id, self.unit_id, actor, timestamp)

    def disable(self, reason: str, timestamp: datetime) -> None:
        """The notifier stops using an endpoint that is gone; only an active one changes."""
        if self.active:
            self._disabled(self.id, self.unit_id, reason, SYSTEM, timestamp)

    @event("Removed")
    def _removed(
        self, subscription_id: str, unit_id: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.status = SubscriptionStatus.REMOVED

    @event("Disabled")
    def _disabled(
        self, subscription_id: str, unit_id: str, reason: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.status = SubscriptionStatus.DISABLED
        self.disabled_reason = reason


class SubscriptionRegistry(MarketAggregate):
    """The ids of one unit's subscriptions, so they can be listed without a scan.

    Saved together with each subscription it registers (one transaction); internal, never
    published.
    """

    @staticmethod
    def id_for(unit_id: str) -> str:
        return f"subscriptions-of-{unit_id}"

    @classmethod
    def open(cls, unit_id: str, actor: Actor, timestamp: datetime) -> SubscriptionRegistry:
        return cls(id=cls.id_for(unit_id), unit_id=unit_id, actor=actor, timestamp=timestamp)

    @event("Opened")
    def __init__(self, id: str, unit_id: str, actor: Actor, timestamp: datetime) -> None:
        self.unit_id = unit_id
        self.subscription_ids: list[str] = []

    def register(self, subscription_id: str, actor: Actor, timestamp: datetime) -> None:
        if subscription_id not in self.subscription_ids:
            self._registered(subscription_id, actor, timestamp)

    @event("Registered")
    def _registered(self, subscription_id: str, actor: Actor, timestamp: datetime) -> None:
        self.subscription_ids.append(subscription_id)
