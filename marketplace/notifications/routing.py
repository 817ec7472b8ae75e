"""Who is notified of a public event: recipients from the event and its subject's earlier parties.

Pure: `route` reads the event, the parties earlier events of the same subject named, and the
unit directory; it returns the recipients, the parties after the event and, for a unit event,
the unit's new facts. The recipients are those CONTRACT.md "Notifications" names, and only
units that may read the event by the API (see marketplace/handlers: a supplier reads its own
offers only, a tender's invitees read it, a contract's parties (and its pricing mediator) read
it, a dispute's parties and, from mediation on, its mediator; anyone with lists reads the
group's meetings and their minutes, a unit its action items, a platform its meeting requests and
HQ all of them, a visit's units the visit).

Where one act emits several events, each recipient gets the one written for it: an award
reaches the winner through `offer.awarded`, each losing supplier through its own
`offer.not_awarded` (never `need.awarded`, which names the winner and its amount), and both
parties through `contract.created`; invitees hear of a tender through `tender.launched`.

Whole events go out as webhook bodies, so three payloads say a little more than the API shows
their recipient (see the notes beside the rules): `need.posted` carries the budget, which
`GET /v1/needs/{id}` shows the demand side only; `tender.bid_received` names the bidder, where
`GET /v1/tenders/{id}` shows the demand unit only the count before opening; `offer.not_awarded`
names the winning offer's id. Texts (texts.py) never say any of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.wire import payload_of

Party = tuple[str, str]  # (role, unit id)
Parties = frozenset[Party]

DEFAULT_LANGUAGE = "zh-CN"
LANGUAGE_CHANGED = "marketplace.unit.language_changed.v1"


@dataclass(frozen=True)
class UnitFacts:
    """What routing and texts need of a unit: its place in the chart and its language."""

    unit_id: str
    parent_id: str | None
    level: str
    language: str  # "zh-CN" | "en"


@dataclass(frozen=True)
class Routed:
    recipients: tuple[str, ...]  # unit ids, sorted, unique
    parties: Parties  # (role, unit_id) of event.subject after the event
    unit: UnitFacts | None  # a unit event's new facts for the directory, else None


Units = Mapping[str, UnitFacts]
# What an event tells of its subject's parties (added to those earlier events named).
Learn = Callable[[Any], Iterable[Party]]
# Who is notified, from the payload, the parties after the event and the directory.
Notify = Callable[[Any, Parties, Units], Iterable[str]]


def having(parties: Parties, *roles: str) -> set[str]:
    """The units that have one of `roles` among `parties`."""
    return {unit for role, unit in parties if role in roles}


def _to(*roles: str) -> Notify:
    return lambda _payload, parties, _units: having(parties, *roles)


def approver_of(demand_unit_id: str, units: Units) -> str | None:
    """Who decides on the demand unit's buying outside the group: the sector platform above
    it (its platform admin approves), else the group (HQ), as handlers/external_sourcing
    allows. None when the directory does not know the unit."""
    if demand_unit_id not in units:
        return None
    if units[demand_unit_id].level == "group":
        return demand_unit_id
    parent = units[demand_unit_id].parent_id
    group = None
    while parent is not None and parent in units:
        facts = units[parent]
        if facts.level == "platform":
            return facts.unit_id
        group, parent = facts.unit_id, facts.parent_id
    return group


def _approver(_payload: Any, parties: Parties, units: Units) -> Iterable[str]:
    found = (approver_of(demand, units) for demand in having(parties, "demand"))
    return {unit for unit in found if unit is not None}


def group_above(unit_id: str, units: Units) -> str | None:
    """The group (HQ) unit at the top of `unit_id`'s chart; None when the directory does not
    know the unit or its line stops short of the group."""
    current = units.get(unit_id)
    while current is not None and current.level != "group":
        current = units.get(current.parent_id) if current.parent_id is not None else None
    return current.unit_id if current is not None else None


def _group(_payload: Any, parties: Parties, units: Units) -> Iterable[str]:
    """HQ answers a platform's meeting request."""
    found = (group_above(platform, units) for platform in having(parties, "requester"))
    return {unit for unit in found if unit is not None}


def _bid_count_changed(payload: Any, parties: Parties, _units: Units) -> Iterable[str]:
    """A replacing bid leaves the count as it was."""
    return having(parties, "demand") if payload.replaces is None else ()


def _escalated(payload: Any, parties: Parties, _units: Units) -> Iterable[str]:
    """The superior that now decides the price reads the contract from here on."""
    return having(parties, "demand", "supply") | {payload.mediator_unit_id}


def _mediation(payload: Any, parties: Parties, _units: Units) -> Iterable[str]:
    return having(parties, "raiser", "respondent") | {payload.mediator_unit_id}


_CONTRACT = _to("demand", "supply")
_DISPUTE = _to("raiser", "respondent")
_VISIT = _to("host", "visitor")

NOTIFY: dict[str, Notify] = {
    # Carries `spec.budget_amount`, which the API shows the demand side only (see above).
    "marketplace.need.posted.v1": _to("matched"),
    "marketplace.need.posted.v2": _to("matched"),  # v1's successor: the same recipients
    "marketplace.need.offer_received.v1": _to("demand"),
    "marketplace.need.offer_withdrawn.v1": _to("demand"),
    "marketplace.need.external_sourcing_requested.v1": _approver,
    "marketplace.need.external_sourcing_approved.v1": _to("demand"),
    "marketplace.need.external_sourcing_rejected.v1": _to("demand"),
    "marketplace.offer.awarded.v1": _to("supplier"),
    "marketplace.offer.not_awarded.v1": _to("supplier"),
    "marketplace.tender.launched.v1": _to("invitee"),
    # Names the bidder; the API shows the demand unit only the count before opening.
    "marketplace.tender.bid_received.v1": _bid_count_changed,
    "marketplace.tender.awarded.v1": _to("bidder"),
    "marketplace.contract.created.v1": _CONTRACT,
    "marketplace.contract.signed.v1": _CONTRACT,
    "marketplace.contract.activated.v1": _CONTRACT,
    "marketplace.contract.price_proposed.v1": _CONTRACT,
    "marketplace.contract.pricing_escalated.v1": _escalated,
    "marketplace.contract.priced.v1": _CONTRACT,
    "marketplace.contract.delivered.v1": _CONTRACT,
    "marketplace.contract.completion_agreed.v1": _CONTRACT,
    "marketplace.contract.completed.v1": _CONTRACT,
    "marketplace.contract.terminated.v1": _CONTRACT,
    "marketplace.quality_incident.recorded.v1": _CONTRACT,
    "marketplace.quality_incident.resolved.v1": _CONTRACT,
    "marketplace.quality_incident.escalated.v1": _CONTRACT,
    "marketplace.dispute.raised.v1": _DISPUTE,
    "marketplace.dispute.mediation_requested.v1": _mediation,
    "marketplace.dispute.resolved.v1": _DISPUTE,
    "marketplace.dispute.settlement_stated.v1": _DISPUTE,
    "marketplace.dispute.settled.v1": _DISPUTE,
    "marketplace.dispute.withdrawn.v1": _DISPUTE,
    "marketplace.inspection.finding_recorded.v1": _to("unit"),
    "marketplace.inspection.finding_rectified.v1": _to("unit"),
    # An ad-hoc meeting invites the platform that asked for it (MeetingRequest.accept), so
    # its invitees include the requester.
    "marketplace.meeting.scheduled.v1": _to("invitee"),
    "marketplace.meeting.minutes_recorded.v1": _to("attendee"),
    "marketplace.action_item.assigned.v1": _to("owner"),
    "marketplace.meeting_request.filed.v1": _group,
    "marketplace.meeting_request.accepted.v1": _to("requester"),
    "marketplace.meeting_request.declined.v1": _to("requester"),
    "marketplace.visit.planned.v1": _VISIT,
    "marketplace.visit.held.v1": _VISIT,
}
# The event types anyone is notified of (for validating subscriptions).
ROUTED_TYPES: frozenset[str] = frozenset(NOTIFY)


def _incident_parties(p: Any) -> Iterable[Party]:
    return {("demand", p.parties["demand_unit_id"]), ("supply", p.parties["supply_unit_id"])}


def _need_parties(p: Any) -> set[Party]:
    return {
        ("demand", p.spec.demand_unit_id),
        *{("matched", m.supplier_unit_id) for m in p.matches},
    }


LEARN: dict[str, Learn] = {
    "marketplace.need.posted.v1": _need_parties,
    "marketplace.need.posted.v2": _need_parties,
    "marketplace.need.offer_received.v1": lambda p: {("offerer", p.supplier_unit_id)},
    "marketplace.offer.submitted.v1": lambda p: {
        ("demand", p.demand_unit_id),
        ("supplier", p.supplier_unit_id),
    },
    "marketplace.tender.launched.v1": lambda p: {
        ("demand", p.demand["demand_unit_id"]),
        *{("invitee", unit) for unit in p.invitees},
    },
    # External bids name a company outside the group, not a unit.
    "marketplace.tender.bid_received.v1": lambda p: {("bidder", p.bidder)} if p.internal else (),
    "marketplace.bid.submitted.v1": lambda p: {("bidder", p.bidder)} if p.internal else (),
    "marketplace.contract.created.v1": lambda p: {
        ("demand", p.demand_unit_id),
        ("supply", p.supply_unit_id),
    },
    "marketplace.contract.pricing_escalated.v1": lambda p: {("mediator", p.mediator_unit_id)},
    "marketplace.quality_incident.recorded.v1": _incident_parties,
    "marketplace.quality_incident.resolved.v1": _incident_parties,
    "marketplace.dispute.raised.v1": lambda p: {
        ("raiser", p.raiser_unit_id),
        ("respondent", p.against_unit_id),
    },
    "marketplace.dispute.mediation_requested.v1": lambda p: {("mediator", p.mediator_unit_id)},
    "marketplace.inspection.finding_recorded.v1": lambda p: {("unit", p.unit_id)},
    "marketplace.inspection.finding_rectified.v1": lambda p: {("unit", p.unit_id)},
    "marketplace.meeting.scheduled.v1": lambda p: {("invitee", unit) for unit in p.invitees},
    "marketplace.meeting.minutes_recorded.v1": lambda p: {
        ("attendee", unit) for unit in p.attendees
    },
    "marketplace.action_item.assigned.v1": lambda p: {("owner", p.owner_unit_id)},
    "marketplace.meeting_request.filed.v1": lambda p: {("requester", p.platform_unit_id)},
    "marketplace.visit.planned.v1": lambda p: {
        ("host", p.host_unit_id),
        *{("visitor", unit) for unit in p.visitor_unit_ids},
    },
}


def unit_facts(event: CloudEvent, units: Units) -> UnitFacts | None:
    """A unit event's new facts for the directory; None when they do not change (a new name,
    sector or state is not a routing fact) or the unit is unknown."""
    data = event.data
    unit_id = str(data.get("unit_id", ""))
    known = units.get(unit_id)
    if event.type == "marketplace.unit.registered.v1":
        return UnitFacts(unit_id, data["parent_id"], data["level"], DEFAULT_LANGUAGE)
    if known is None:
        return None
    if event.type == "marketplace.unit.moved.v1":
        return replace(known, parent_id=data["parent_id"])
    if event.type == LANGUAGE_CHANGED:
        return replace(known, language=str(data["language"]))
    return None


def route(event: CloudEvent, parties: Parties, units: Units) -> Routed:
    """Who is notified of `event`, given what earlier events of its subject said (`parties`)
    and the unit directory (`units`)."""
    if event.type.startswith("marketplace.unit."):
        return Routed((), parties, unit_facts(event, units))
    learn, notify = LEARN.get(event.type), NOTIFY.get(event.type)
    if learn is None and notify is None:
        return Routed((), parties, None)
    payload = payload_of(event)
    after = parties | frozenset(learn(payload)) if learn else parties
    recipients = tuple(sorted(set(notify(payload, after, units)))) if notify else ()
    return Routed(recipients, after, None)
