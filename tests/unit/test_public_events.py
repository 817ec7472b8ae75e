"""Every domain event of a published aggregate has a public row or is declared internal."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterable

from eventsourcing.domain import CanInitAggregate, CanMutateAggregate

from marketplace.events.public.payload import PublicType
from marketplace.events.public.registry import (
    BY_DOMAIN_NAME,
    DEPRECATED_FORMS,
    INTERNAL,
    PUBLIC_TYPES,
    TOPICS,
)


def aggregate_of(event_class: type) -> type:
    owner: type = getattr(
        sys.modules[event_class.__module__], event_class.__qualname__.split(".")[0]
    )
    return owner


def stored_events(aggregate: type) -> set[type]:
    """The aggregate's own domain event classes, without the library's generated bases."""
    nested = {
        value
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, CanMutateAggregate)
    }
    created = vars(aggregate).get("Created")
    # `Created` is only a base when `__init__` names its own creation event.
    other_creations = any(issubclass(c, CanInitAggregate) and c is not created for c in nested)
    return {
        c
        for c in nested
        if c is not vars(aggregate).get("Event") and not (c is created and other_creations)
    }


def without_row(rows: Iterable[PublicType], internal: Iterable[type]) -> list[str]:
    """Domain events of published aggregates that have no row and are not declared internal."""
    rows = list(rows)
    covered = {row.domain for row in rows} | set(internal)
    aggregates = {aggregate_of(row.domain) for row in rows}
    return sorted(
        event.__qualname__
        for aggregate in aggregates
        for event in stored_events(aggregate)
        if event not in covered
    )


def test_every_domain_event_of_a_published_aggregate_has_a_row() -> None:
    assert without_row(PUBLIC_TYPES.values(), INTERNAL) == []


def test_a_missing_row_is_reported() -> None:
    rows = [row for row in PUBLIC_TYPES.values() if row.name != "marketplace.need.cancelled.v1"]
    assert without_row(rows, INTERNAL) == ["Need.Cancelled"]
    internal = ["GroupRules.Started", "Organisation.Established"]
    assert without_row(PUBLIC_TYPES.values(), ()) == internal


def test_one_row_per_domain_event_and_topics_are_declared() -> None:
    deprecated = sum(len(rows) for rows in DEPRECATED_FORMS.values())
    assert len(BY_DOMAIN_NAME) + deprecated == len(PUBLIC_TYPES)
    assert {row.topic for row in PUBLIC_TYPES.values()} <= set(TOPICS)
    assert len(set(TOPICS)) == len(TOPICS)


def test_every_payload_field_is_an_attribute_of_its_domain_event() -> None:
    """The payload copies the domain event's attributes of the same names."""
    for row in PUBLIC_TYPES.values():
        attributes = {field.name for field in dataclasses.fields(row.domain)}
        missing = set(row.payload.model_fields) - attributes
        assert not missing, f"{row.name}: {row.domain.__qualname__} lacks {sorted(missing)}"
