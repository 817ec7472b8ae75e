"""Who is notified of a public event: recipients from the event and its subject's earlier parties.

Pure: `route` reads the event, the parties earlier events of the same subject named, and the
unit directory; it returns the recipients, the parties after the event and, for a unit event,
the unit's new facts. The recipients are those CONTRACT.md "Notifications" names, and only
units that may read the event by the API (see marketplace/handlers: a supplier reads its own
offers only, a tender's invitees read it, a contract's parties (and its pricing mediator) read
it, a dispute's parties and, from mediation on, its mediator; anyone with lists reads the
group's meetings and their minutes, a unit its action items, a platform its meeting requests and
HQ all of them, a visit's units the visit; a framework agreement's parties and the mediator of
an escalated amendment the agreement; the units within a pool's lead's reach, and its members,
the pool; every unit a shared resource).

The trade forms' rows tell the unit that must act or whose obligations changed, never the
actor's own unit (`_others`): it knows what it did. What their acts emit on
`marketplace.contracts` (a call-off's, a share's or a booking's contract, its termination,
delivery and completion) reaches both parties as any contract's. A pool's opening names no
units it invites, so it reaches nobody (who may join is on `/v1/joint-procurements`).

Where one act emits several events, each recipient gets the one written for it: an award
reaches the winner through `offer.awarded`, each losing supplier through its own
`offer.not_awarded` (never `need.awarded`, which names the winner and its amount), and both
parties through `contract.created`; invitees hear of a tender through `tender.launched`.

Whole events go out as webhook bodies, so four payloads say a little more than the API shows
their recipient (see the notes beside the rules; redaction.py leaves it out of the bodies):
`need.posted` carries the budget, which `GET /v1/needs/{id}` shows the demand side only;
`tender.bid_received` names the bidder, where `GET /v1/tenders/{id}` shows the demand unit only
the count before opening; `offer.not_awarded` names the winning offer's id;
`joint_procurement.launched` carries every member's budget and their total, where
`GET /v1/joint-procurements/{id}` shows a member its own. Texts (texts.py) never say any of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
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


def _others(notify: Notify) -> Notify:
    """`notify`'s units less the actor's own unit."""

    def without_actor(payload: Any, parties: Parties, units: Units) -> Iterable[str]:
        return set(notify(payload, parties, units)) - {payload.actor.unit_id}

    return without_actor


def _other_party(payload: Any, parties: Parties, _units: Units) -> set[str]:
    """The framework agreement's party that did not act (`party_unit_id`)."""
    return having(parties, "demand", "supply") - {payload.party_unit_id}


def _framework_signed(payload: Any, parties: Parties, units: Units) -> Iterable[str]:
    """The other party, to sign too; once it has signed, `framework.activated` tells it."""
    return {u for u in _other_party(payload, parties, units) if ("signed", u) not in parties}


def _amendment_escalated(payload: Any, parties: Parties, units: Units) -> Iterable[str]:
    """The superior that now decides the price reads the agreement from here on."""
    return _other_party(payload, parties, units) | {payload.mediator_unit_id}


def _period_closed(payload: Any, parties: Parties, _units: Units) -> Iterable[str]:
    """The supplier, when its shortfall was past the tolerance or the agreement is completed
    (a period closed within the tolerance asks nothing of it)."""
    breached = Decimal(payload.shortfall_pct) > Decimal(payload.tolerance_pct)
    return having(parties, "supply") if breached or payload.completed else ()


# A resource's parties name each booking: ("booking <id>", booking unit) when it is made,
# ("ended <id>", booking unit) when it is cancelled or returned.
BOOKING, ENDED = "booking ", "ended "


def _open_bookings(_payload: Any, parties: Parties, _units: Units) -> Iterable[str]:
    """The units whose bookings still stand (booked or handed over): a withdrawal keeps them."""
    ended = {role.removeprefix(ENDED) for role, _ in parties if role.startswith(ENDED)}
    return {
        unit
        for role, unit in parties
        if role.startswith(BOOKING) and role.removeprefix(BOOKING) not in ended
    }


def _booking_sides(payload: Any, parties: Parties, _units: Units) -> Iterable[str]:
    return having(parties, "owner") | {payload.unit_id}


_CONTRACT = _to("demand", "supply")
_DISPUTE = _to("raiser", "respondent")
_VISIT = _to("host", "visitor")
_FRAMEWORK = _to("demand", "supply")

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
    "marketplace.visit.cancelled.v1": _VISIT,
    # Framework agreements: the party that did not act (both, when a superior drew it up,
    # signed for them or decided a price; the mediator too, once a price is escalated to it);
    # the supplier of a period closed short past the tolerance, or of the agreement's last.
    "marketplace.framework.created.v1": _others(_FRAMEWORK),
    "marketplace.framework.signed.v1": _others(_framework_signed),
    "marketplace.framework.activated.v1": _others(_FRAMEWORK),
    "marketplace.framework.amendment_proposed.v1": _others(_other_party),
    "marketplace.framework.amendment_accepted.v1": _others(_other_party),
    "marketplace.framework.amendment_rejected.v1": _others(_other_party),
    "marketplace.framework.amendment_escalated.v1": _others(_amendment_escalated),
    "marketplace.framework.amendment_decided.v1": _others(_FRAMEWORK),
    "marketplace.framework.period_closed.v1": _others(_period_closed),
    # Joint procurement: the lead of each share's change, every member of the launch (whose
    # webhook body leaves out the budgets: redaction.py) and of a cancellation.
    "marketplace.joint_procurement.joined.v1": _others(_to("lead")),
    "marketplace.joint_procurement.withdrawn.v1": _others(_to("lead")),
    "marketplace.joint_procurement.launched.v1": _others(
        lambda p, _parties, _units: {share.unit_id for share in p.shares}
    ),
    "marketplace.joint_procurement.cancelled.v1": _others(
        lambda p, _parties, _units: set(p.members)
    ),
    # Shared resources: the owner of a booking, the other side of each step, the units whose
    # bookings stand when the owner withdraws the resource.
    "marketplace.resource.booked.v1": _others(lambda p, _parties, _units: {p.owner_unit_id}),
    "marketplace.resource.booking_cancelled.v1": _others(_booking_sides),
    "marketplace.resource.handed_over.v1": _others(lambda p, _parties, _units: {p.unit_id}),
    "marketplace.resource.returned.v1": _others(_booking_sides),
    "marketplace.resource.withdrawn.v1": _others(_open_bookings),
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
    "marketplace.framework.created.v1": lambda p: {
        ("demand", p.demand_unit_id),
        ("supply", p.supply_unit_id),
    },
    "marketplace.framework.signed.v1": lambda p: {("signed", p.party_unit_id)},
    "marketplace.joint_procurement.opened.v1": lambda p: {("lead", p.lead_unit_id)},
    "marketplace.resource.listed.v1": lambda p: {("owner", p.owner_unit_id)},
    "marketplace.resource.booked.v1": lambda p: {
        ("owner", p.owner_unit_id),
        (BOOKING + p.booking_id, p.unit_id),
    },
    "marketplace.resource.booking_cancelled.v1": lambda p: {(ENDED + p.booking_id, p.unit_id)},
    "marketplace.resource.returned.v1": lambda p: {(ENDED + p.booking_id, p.unit_id)},
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
