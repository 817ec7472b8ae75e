"""Public event types: one pydantic payload model per type and version, and their topics.

A public type evolves only compatibly within a version (new optional fields); a breaking change
is a new `.vN` type beside the old one. Domain events that are not listed here (the chart's
establishment, access tokens) are internal and never leave the event store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActorV1(Payload):
    """Who acted: the unit the caller acted for and the token it used."""

    unit_id: str | None = Field(description="Unit the caller acted for.", examples=["HQ"])
    token_id: str = Field(description="Id of the token used (`cli`, `demo` for tools).")


class UnitRegisteredV1(Payload):
    """A unit joined the group's organisation chart."""

    unit_id: str = Field(examples=["PWR-01"])
    name: str = Field(examples=["Northern Thermal Power Plant"])
    level: str = Field(description="group, platform or enterprise", examples=["enterprise"])
    parent_id: str | None = Field(description="Superior unit; null for the group unit.")
    sector: str = Field(examples=["power"])
    actor: ActorV1


class UnitRenamedV1(Payload):
    """A unit got a new name."""

    unit_id: str
    name: str
    previous_name: str
    actor: ActorV1


class UnitMovedV1(Payload):
    """A unit was put under another superior unit (restructuring); its subtree moved with it."""

    unit_id: str
    parent_id: str
    previous_parent_id: str | None
    actor: ActorV1


class UnitSectorChangedV1(Payload):
    """A unit now belongs to another sector (板块)."""

    unit_id: str
    sector: str
    previous_sector: str
    actor: ActorV1


class UnitDeactivatedV1(Payload):
    """A unit stopped trading; its history stays."""

    unit_id: str
    actor: ActorV1


class UnitReactivatedV1(Payload):
    """A deactivated unit trades again."""

    unit_id: str
    actor: ActorV1


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
    entries: list[CatalogEntryV1]
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


@dataclass(frozen=True)
class EventType:
    """A public event type: its CloudEvents `type` (`name`), its topic and its payload model."""

    name: str
    topic: str
    payload: type[Payload]


UNITS_TOPIC = "marketplace.units"
CATALOG_TOPIC = "marketplace.catalog"

# Every public type, keyed by its CloudEvents `type`.
EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in [
        EventType("marketplace.unit.registered.v1", UNITS_TOPIC, UnitRegisteredV1),
        EventType("marketplace.unit.renamed.v1", UNITS_TOPIC, UnitRenamedV1),
        EventType("marketplace.unit.moved.v1", UNITS_TOPIC, UnitMovedV1),
        EventType("marketplace.unit.sector_changed.v1", UNITS_TOPIC, UnitSectorChangedV1),
        EventType("marketplace.unit.deactivated.v1", UNITS_TOPIC, UnitDeactivatedV1),
        EventType("marketplace.unit.reactivated.v1", UNITS_TOPIC, UnitReactivatedV1),
        EventType("marketplace.catalog_version.opened.v1", CATALOG_TOPIC, CatalogVersionOpenedV1),
        EventType(
            "marketplace.catalog_version.entries_submitted.v1",
            CATALOG_TOPIC,
            CatalogEntriesSubmittedV1,
        ),
        EventType(
            "marketplace.catalog_version.entry_approved.v1", CATALOG_TOPIC, CatalogEntryApprovedV1
        ),
        EventType(
            "marketplace.catalog_version.entry_rejected.v1", CATALOG_TOPIC, CatalogEntryRejectedV1
        ),
        EventType(
            "marketplace.catalog_version.published.v1", CATALOG_TOPIC, CatalogVersionPublishedV1
        ),
        EventType(
            "marketplace.catalog_version.superseded.v1", CATALOG_TOPIC, CatalogVersionSupersededV1
        ),
    ]
}

# The topics CONTRACT.md names; the relay creates them all, so consumers can subscribe before
# the first event of a kind exists.
TOPICS = [
    "marketplace.units",
    "marketplace.catalog",
    "marketplace.needs",
    "marketplace.offers",
    "marketplace.tenders",
    "marketplace.bids",
    "marketplace.contracts",
    "marketplace.disputes",
    "marketplace.directives",
    "marketplace.inspections",
    "marketplace.reports",
]
