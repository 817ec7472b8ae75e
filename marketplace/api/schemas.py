"""What several URL prefixes share: amounts and quantities as written, strict bodies, and the
few bodies more than one prefix takes or answers (each prefix's own live beside its routes)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.aggregates.offer import Offer
from marketplace.inputs import LongText, ShortText, UnitId


def money(value: Decimal) -> str:
    """An amount as the API writes it: a decimal string with two places."""
    return f"{value.quantize(Decimal('0.01'))}"


def number(value: Decimal) -> str:
    """A quantity as the API writes it: a decimal string without trailing zeros."""
    return format(value.normalize(), "f")


class Strict(BaseModel):
    # Unknown fields are refused: a misspelt optional field must not be silently ignored.
    # Texts and ids are stripped of surrounding spaces; numbers and times are not (see
    # marketplace/inputs.py: a padded number is refused).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PartyIn(Strict):
    """Which party the token acts for, on a contract or a dispute."""

    party_unit_id: UnitId | None = Field(
        default=None, description="Needed only when the token acts for both parties."
    )


class DeliveryLocationIn(Strict):
    """Where to deliver: a need's, and a joint procurement's for its need."""

    site: ShortText = Field(
        min_length=1, max_length=200, description="The site to deliver to.", examples=["Plant 2"]
    )
    address: ShortText | None = Field(
        default=None, min_length=1, max_length=300, description="Postal address for carriers."
    )


class ReasonIn(Strict):
    reason: LongText = Field(min_length=1, max_length=1000)


class OfferOut(BaseModel):
    offer_id: str
    need_id: str
    supplier_unit_id: str
    unit_price: str
    quantity: str
    delivery_date: date
    valid_until: datetime
    status: str

    @classmethod
    def of(cls, offer: Offer, now: datetime) -> OfferOut:
        return cls(
            offer_id=offer.id,
            need_id=offer.need_id,
            supplier_unit_id=offer.supplier_unit_id,
            unit_price=money(offer.unit_price),
            quantity=number(offer.quantity),
            delivery_date=offer.delivery_date,
            valid_until=offer.valid_until,
            status=offer.status_at(now).value,
        )


class NeedSummary(BaseModel):
    """A need as lists show it (never its budget)."""

    need_id: str
    demand_unit_id: str
    title: str
    category: str
    subcategory: str
    item_code: str
    quantity: str
    uom: str
    required_by: str
    business_type: str
    sourcing: str
    posted_at: datetime
    delivery_site: str | None = Field(
        default=None, description="Where to deliver, when the need says (its page has the address)."
    )


class DisputeCreated(BaseModel):
    dispute_id: str
    status: str = Field(examples=["negotiating"])


class ProjectionFailureOut(BaseModel):
    """Where and why a read model stopped (`/v1/projections/status`, `/health`)."""

    position: int | None = Field(description="The event store position of the failing event.")
    error: str
    failed_at: datetime


class DeliveryAttemptOut(BaseModel):
    attempt: int
    attempted_at: datetime
    http_status: int | None = Field(description="The receiver's answer; null when none came.")
    error: str | None
    outcome: str = Field(description="delivered, retry or gone")


class DeliveryOut(BaseModel):
    """One event's delivery to one subscription (shared by /v1/subscriptions and /v1/deliveries)."""

    id: str
    subscription_id: str
    event_id: str = Field(description="The CloudEvent's id: the webhook-id header.")
    notification_id: str
    channel: str
    status: str = Field(description="pending, delivered or dead")
    attempt_count: int
    next_attempt_at: datetime | None = Field(description="When pending: the next try.")
    created_at: datetime
    attempts: list[DeliveryAttemptOut]
