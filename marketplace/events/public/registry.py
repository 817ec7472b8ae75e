"""Every lookup on the public events, derived from the topic modules' rows."""

from __future__ import annotations

from collections.abc import Iterable

from marketplace.aggregates.organisation import Organisation
from marketplace.aggregates.rules import GroupRules
from marketplace.events.public import (
    bids,
    bodies,
    catalog,
    contracts,
    directives,
    disputes,
    documents,
    frameworks,
    inspections,
    joint_procurements,
    meetings,
    needs,
    offers,
    reports,
    resources,
    rules,
    subscriptions,
    tenders,
    units,
    visits,
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
    (documents.DOCUMENTS_TOPIC, documents.TYPES),
    # Work meetings and the synergy management bodies (leadership group, working groups).
    (meetings.MEETINGS_TOPIC, (*meetings.TYPES, *bodies.TYPES)),
    (visits.VISITS_TOPIC, visits.TYPES),
    # Trade forms (paper section 4): framework agreements and their call-offs.
    (frameworks.FRAMEWORKS_TOPIC, frameworks.TYPES),
    (joint_procurements.JOINT_PROCUREMENTS_TOPIC, joint_procurements.TYPES),
    # Trade forms (issue 19): shared resources and their bookings.
    (resources.RESOURCES_TOPIC, resources.TYPES),
    # The group's rules, platforms' assessment schemes, rewards and penalties (issue 20).
    (rules.RULES_TOPIC, rules.TYPES),
)
TOPICS: list[str] = [topic for topic, _ in _TOPICS_AND_TYPES]
# Every public type, keyed by its CloudEvents `type`, topic by topic.
PUBLIC_TYPES: dict[str, PublicType] = {
    row.name: row for _, rows in _TOPICS_AND_TYPES for row in rows
}
# Keyed by the domain event's qualified name, as the store names its class (`module:Class.Event`):
# its current public type, what read models and the in-process feed see.
BY_DOMAIN_NAME: dict[str, PublicType] = {
    row.domain.__qualname__: row for row in PUBLIC_TYPES.values() if row.deprecated is None
}


def stored_kind(stored_topic: str) -> PublicType | None:
    """The current public type of a stored event's class (`module:Class.Event`); None for an
    internal event."""
    return BY_DOMAIN_NAME.get(stored_topic.rpartition(":")[2])


# The older types a domain event is still published as in their deprecation window, after
# the current one (README, "Events"): the relay publishes every form, consumers pick one.
DEPRECATED_FORMS: dict[str, tuple[PublicType, ...]] = {}
for _row in PUBLIC_TYPES.values():
    if _row.deprecated is not None:
        _name = _row.domain.__qualname__
        DEPRECATED_FORMS[_name] = (*DEPRECATED_FORMS.get(_name, ()), _row)


def check_forms(rows: Iterable[PublicType]) -> None:
    """Each domain event has one current type; a deprecated one names that as its successor."""
    rows = list(rows)
    current = {row.domain.__qualname__: row.name for row in rows if row.deprecated is None}
    doubled = sorted(
        {
            row.domain.__qualname__
            for row in rows
            if row.deprecated is None and current[row.domain.__qualname__] != row.name
        }
    )
    orphans = sorted(
        row.name
        for row in rows
        if row.deprecated is not None
        and current.get(row.domain.__qualname__) != row.deprecated.superseded_by
    )
    if doubled or orphans:
        raise LookupError(
            f"domain events with two current types: {doubled}; deprecated types not "
            f"superseded by their domain event's current type: {orphans}"
        )


check_forms(PUBLIC_TYPES.values())
# Domain events of published aggregates that deliberately stay in the store.
INTERNAL: frozenset[type] = frozenset(
    {domain_event(Organisation, "Established"), domain_event(GroupRules, "Started")}
)
