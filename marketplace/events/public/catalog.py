"""The half-year catalog versions' public events."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from marketplace.aggregates.catalog import CatalogVersion
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

CATALOG_TOPIC = "marketplace.catalog"


class PriceBreakV1(Payload):
    """From `min_quantity` on, the entry's unit price is `unit_price`."""

    min_quantity: str = Field(description="Decimal string.")
    unit_price: str = Field(description="CNY per unit (decimal).")


class CatalogEntryV1(Payload):
    """One supplier's item as a sector platform submitted it."""

    entry_id: str
    platform_unit_id: str = Field(description="The submitting sector platform.")
    supplier_unit_id: str
    category: str = Field(description="product, engineering, service or resource")
    subcategory: str = Field(examples=["heat", "intangible/patent"])
    item_code: str
    item_name: str
    uom: str
    reference_price: str | None = Field(default=None, description="CNY per unit (decimal).")
    capacity: str | None = None
    regions: list[str] = Field(default_factory=list)
    price_breaks: list[PriceBreakV1] = Field(
        default_factory=list,
        description="Unit prices by quantity, ascending (`reference_price` below the first); "
        "absent when the entry has none (and from entries submitted before they existed).",
    )


class CatalogVersionOpenedV1(Payload):
    """HQ opened a half-year catalog version for the sector platforms' submissions."""

    period: str = Field(examples=["2027H1"])
    effective_from: date
    effective_to: date
    submission_deadline: datetime
    actor: ActorV1


class CatalogEntriesSubmittedV1(Payload):
    """A sector platform submitted entries for suppliers in its subtree; they await review."""

    platform_unit_id: str
    entries: list[CatalogEntryV1] = Field(
        description="A large submission comes as several of these events in a row, each under "
        "1 MB, stored together (all or nothing)."
    )
    actor: ActorV1


class CatalogEntryApprovedV1(Payload):
    """HQ approved an entry: it will be in the version when published."""

    entry_id: str
    actor: ActorV1


class CatalogEntryRejectedV1(Payload):
    """HQ rejected an entry, with its reason."""

    entry_id: str
    reason: str
    actor: ActorV1


class CatalogVersionPublishedV1(Payload):
    """The version is published with its approved entries, in force for its effective period."""

    period: str
    effective_from: date
    effective_to: date
    replaces: str | None = Field(description="The version this one supersedes, if any.")
    entry_count: int = Field(description="Approved entries in the version.")
    actor: ActorV1


class CatalogVersionSupersededV1(Payload):
    """A newer published version replaced this one (it stays answerable for its period)."""

    by_version_id: str
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(CatalogVersion, "Opened"),
        "marketplace.catalog_version.opened.v1",
        CATALOG_TOPIC,
        CatalogVersionOpenedV1,
    ),
    PublicType(
        domain_event(CatalogVersion, "EntriesSubmitted"),
        "marketplace.catalog_version.entries_submitted.v1",
        CATALOG_TOPIC,
        CatalogEntriesSubmittedV1,
    ),
    PublicType(
        domain_event(CatalogVersion, "EntryApproved"),
        "marketplace.catalog_version.entry_approved.v1",
        CATALOG_TOPIC,
        CatalogEntryApprovedV1,
    ),
    PublicType(
        domain_event(CatalogVersion, "EntryRejected"),
        "marketplace.catalog_version.entry_rejected.v1",
        CATALOG_TOPIC,
        CatalogEntryRejectedV1,
    ),
    PublicType(
        domain_event(CatalogVersion, "Published"),
        "marketplace.catalog_version.published.v1",
        CATALOG_TOPIC,
        CatalogVersionPublishedV1,
    ),
    PublicType(
        domain_event(CatalogVersion, "Superseded"),
        "marketplace.catalog_version.superseded.v1",
        CATALOG_TOPIC,
        CatalogVersionSupersededV1,
    ),
)
