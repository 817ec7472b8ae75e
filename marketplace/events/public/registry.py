"""Every lookup on the public events, derived from the topic modules' rows."""

from __future__ import annotations

from marketplace.aggregates.organisation import Organisation
from marketplace.events.public import (
    bids,
    catalog,
    contracts,
    directives,
    disputes,
    inspections,
    needs,
    offers,
    reports,
    subscriptions,
    tenders,
    units,
)
from marketplace.events.public.payload import PublicType, domain_event

# In the order CONTRACT.md names the topics; the relay creates them all, so consumers can
# subscribe before the first event of a kind exists.
_TOPICS_AND_TYPES: tuple[tuple[str, tuple[PublicType, ...]], ...] = (
    (units.UNITS_TOPIC, units.TYPES),
    (catalog.CATALOG_TOPIC, catalog.TYPES),
    (needs.NEEDS_TOPIC, needs.TYPES),
    (offers.OFFERS_TOPIC, offers.TYPES),
    (tenders.TENDERS_TOPIC, tenders.TYPES),
    (bids.BIDS_TOPIC, bids.TYPES),
    (contracts.CONTRACTS_TOPIC, contracts.TYPES),
    (disputes.DISPUTES_TOPIC, disputes.TYPES),
    (directives.DIRECTIVES_TOPIC, directives.TYPES),
    (inspections.INSPECTIONS_TOPIC, inspections.TYPES),
    (reports.REPORTS_TOPIC, reports.TYPES),
    (subscriptions.SUBSCRIPTIONS_TOPIC, subscriptions.TYPES),
)
TOPICS: list[str] = [topic for topic, _ in _TOPICS_AND_TYPES]
# Every public type, keyed by its CloudEvents `type`, topic by topic.
PUBLIC_TYPES: dict[str, PublicType] = {
    row.name: row for _, rows in _TOPICS_AND_TYPES for row in rows
}
# Keyed by the domain event's qualified name, as the store names its class (`module:Class.Event`).
BY_DOMAIN_NAME: dict[str, PublicType] = {
    row.domain.__qualname__: row for row in PUBLIC_TYPES.values()
}
# Domain events of published aggregates that deliberately stay in the store.
INTERNAL: frozenset[type] = frozenset({domain_event(Organisation, "Established")})
