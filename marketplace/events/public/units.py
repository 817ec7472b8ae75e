"""The organisation chart's public events."""

from __future__ import annotations

from pydantic import Field

from marketplace.aggregates.organisation import Organisation
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

UNITS_TOPIC = "marketplace.units"


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


class UnitLanguageChangedV1(Payload):
    """A unit's notifications are now written in another language (zh-CN until changed)."""

    unit_id: str
    language: str = Field(description="zh-CN or en", examples=["en"])
    previous_language: str = Field(examples=["zh-CN"])
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(Organisation, "UnitRegistered"),
        "marketplace.unit.registered.v1",
        UNITS_TOPIC,
        UnitRegisteredV1,
    ),
    PublicType(
        domain_event(Organisation, "UnitRenamed"),
        "marketplace.unit.renamed.v1",
        UNITS_TOPIC,
        UnitRenamedV1,
    ),
    PublicType(
        domain_event(Organisation, "UnitMoved"),
        "marketplace.unit.moved.v1",
        UNITS_TOPIC,
        UnitMovedV1,
    ),
    PublicType(
        domain_event(Organisation, "UnitSectorChanged"),
        "marketplace.unit.sector_changed.v1",
        UNITS_TOPIC,
        UnitSectorChangedV1,
    ),
    PublicType(
        domain_event(Organisation, "UnitDeactivated"),
        "marketplace.unit.deactivated.v1",
        UNITS_TOPIC,
        UnitDeactivatedV1,
    ),
    PublicType(
        domain_event(Organisation, "UnitReactivated"),
        "marketplace.unit.reactivated.v1",
        UNITS_TOPIC,
        UnitReactivatedV1,
    ),
    PublicType(
        domain_event(Organisation, "UnitLanguageChanged"),
        "marketplace.unit.language_changed.v1",
        UNITS_TOPIC,
        UnitLanguageChangedV1,
    ),
)
