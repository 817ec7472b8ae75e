"""What every public event row is made of: the payload base, the actor, the row itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import CanMutateAggregate
from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActorV1(Payload):
    """Who acted: the unit the caller acted for and the token it used."""

    unit_id: str | None = Field(description="Unit the caller acted for.", examples=["HQ"])
    token_id: str = Field(description="Id of the token used (`cli`, `demo` for tools).")


Shape = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Deprecation:
    """A public type kept for one deprecation window beside the type that replaces it."""

    superseded_by: str
    until: str  # the last release that still publishes it


@dataclass(frozen=True)
class PublicType:
    """One public event: the domain event it publishes, its CloudEvents `type` (`name`), its
    topic and its payload model. The payload takes the domain event's attributes of the same
    names (so the sealed bid amount, absent from its payload, never leaves the store).

    A domain event has one current public type, and while a newer version replaces an older
    one, also the older one (`deprecated`): the relay publishes both, the current one first.
    `shape` turns the current attributes into what an older payload holds."""

    domain: type
    name: str
    topic: str
    payload: type[Payload]
    deprecated: Deprecation | None = None
    shape: Shape | None = None


def domain_event(aggregate: type, name: str) -> type:
    """The domain event class `aggregate.<name>` (made by `@event`, so unknown to mypy);
    a misspelt name fails at import."""
    found = getattr(aggregate, name, None)
    if not (isinstance(found, type) and issubclass(found, CanMutateAggregate)):
        raise LookupError(f"{aggregate.__name__} has no domain event {name}")
    return found
