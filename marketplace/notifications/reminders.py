"""Deadline reminders: which deadlines an event sets or clears, and the reminder that is sent.

Pure. Three deadlines are reminded of, each to the unit that must act before it:
- a tender's bid deadline, to each invitee: set when the tender launches, cleared for an
  invitee when it bids (it has acted), and for all when the bids are opened or awarded;
- a catalog version's submission deadline, to each sector platform (platform admins submit
  their sector's entries, handlers/catalog.py): set when HQ opens the version, for the
  platforms in the directory then; cleared for a platform when it submits, and for all when
  the version is published;
- an inspection finding's rectification deadline, to the unit found at fault: the end of the
  `rectify_by` day in the group's time zone (a rectification that day is not late, see
  aggregates/inspection.py); cleared when the finding is rectified.

The notifier stores the deadlines (outbox.py) and, `lead` before each (24 h by default), sends
one reminder of a type of its own: a synthetic CloudEvent, not an event of the log, whose id
derives from the deadline, so a reminder made twice is the same reminder.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal

from marketplace.events.envelope import SCHEMA_URN, CloudEvent
from marketplace.events.wire import payload_of
from marketplace.notifications.routing import UnitFacts

BID = "bid"
CATALOG_SUBMISSION = "catalog_submission"
RECTIFICATION = "rectification"

REMINDER_TYPE: dict[str, str] = {
    BID: "marketplace.reminder.bid_deadline.v1",
    CATALOG_SUBMISSION: "marketplace.reminder.catalog_submission_deadline.v1",
    RECTIFICATION: "marketplace.reminder.rectification_deadline.v1",
}
KIND_OF: dict[str, str] = {kind_type: kind for kind, kind_type in REMINDER_TYPE.items()}
# The reminders' CloudEvents types (subscriptions may ask for them like any public type).
REMINDER_TYPES: frozenset[str] = frozenset(REMINDER_TYPE.values())
# What the reminder's `data` calls its subject, by kind.
SUBJECT_FIELD = {
    BID: "tender_id",
    CATALOG_SUBMISSION: "catalog_version_id",
    RECTIFICATION: "finding_id",
}
DEFAULT_LEAD = timedelta(hours=24)
_ID_NAMESPACE = uuid.UUID("2a7d0c52-9e51-4c1b-8f43-6b0f3f1f6e21")

TENDER_LAUNCHED = "marketplace.tender.launched.v1"
BID_RECEIVED = "marketplace.tender.bid_received.v1"
BIDS_OPENED = "marketplace.tender.bids_opened.v1"
TENDER_AWARDED = "marketplace.tender.awarded.v1"
CATALOG_OPENED = "marketplace.catalog_version.opened.v1"
ENTRIES_SUBMITTED = "marketplace.catalog_version.entries_submitted.v1"
CATALOG_PUBLISHED = "marketplace.catalog_version.published.v1"
FINDING_RECORDED = "marketplace.inspection.finding_recorded.v1"
FINDING_RECTIFIED = "marketplace.inspection.finding_rectified.v1"
# The event types that set or clear a deadline (the others need not be looked at).
DEADLINE_EVENTS = frozenset(
    {
        TENDER_LAUNCHED,
        BID_RECEIVED,
        BIDS_OPENED,
        TENDER_AWARDED,
        CATALOG_OPENED,
        ENTRIES_SUBMITTED,
        CATALOG_PUBLISHED,
        FINDING_RECORDED,
        FINDING_RECTIFIED,
    }
)


@dataclass(frozen=True)
class Deadline:
    """One unit's deadline on one subject, and the facts its reminder names."""

    kind: str  # BID, CATALOG_SUBMISSION or RECTIFICATION
    subject: str  # the tender, catalog version or finding id
    unit_id: str
    due: datetime
    facts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cleared:
    """The deadlines of `kind` on `subject` that no longer need a reminder: `unit_id`'s, or
    every unit's when None."""

    kind: str
    subject: str
    unit_id: str | None = None


@dataclass(frozen=True)
class DeadlineChanges:
    set: tuple[Deadline, ...] = ()
    cleared: tuple[Cleared, ...] = ()


NOTHING = DeadlineChanges()


def end_of_day(day: date, zone: tzinfo) -> datetime:
    """The first moment after `day` in `zone`: a day's deadline."""
    return datetime.combine(day + timedelta(days=1), time(), zone)


def deadline_changes(
    event: CloudEvent, units: Mapping[str, UnitFacts], zone: tzinfo
) -> DeadlineChanges:
    """The deadlines `event` sets or clears; `units` is the directory as of the event and
    `zone` the group's time zone (a finding's day ends there)."""
    if event.type not in DEADLINE_EVENTS:
        return NOTHING
    p: Any = payload_of(event)
    subject = event.subject
    if event.type == TENDER_LAUNCHED:
        facts = {"need_id": p.need_id, "item_code": p.item_code}
        return DeadlineChanges(
            set=tuple(
                Deadline(BID, subject, unit, p.bid_deadline, facts)
                for unit in sorted(set(p.invitees))
            )
        )
    if event.type == BID_RECEIVED:
        # An external bid names a company outside the group: no invitee's deadline.
        return (
            DeadlineChanges(cleared=(Cleared(BID, subject, p.bidder),)) if p.internal else NOTHING
        )
    if event.type in (BIDS_OPENED, TENDER_AWARDED):
        return DeadlineChanges(cleared=(Cleared(BID, subject),))
    if event.type == CATALOG_OPENED:
        platforms = sorted(u.unit_id for u in units.values() if u.level == "platform")
        facts = {"period": p.period}
        return DeadlineChanges(
            set=tuple(
                Deadline(CATALOG_SUBMISSION, subject, unit, p.submission_deadline, facts)
                for unit in platforms
            )
        )
    if event.type == ENTRIES_SUBMITTED:
        return DeadlineChanges(cleared=(Cleared(CATALOG_SUBMISSION, subject, p.platform_unit_id),))
    if event.type == CATALOG_PUBLISHED:
        return DeadlineChanges(cleared=(Cleared(CATALOG_SUBMISSION, subject),))
    if event.type == FINDING_RECORDED:
        facts = {"issue": p.issue, "rectify_by": p.rectify_by.isoformat()}
        due = end_of_day(p.rectify_by, zone)
        return DeadlineChanges(set=(Deadline(RECTIFICATION, subject, p.unit_id, due, facts),))
    return DeadlineChanges(cleared=(Cleared(RECTIFICATION, subject),))  # FINDING_RECTIFIED


Action = Literal["wait", "remind", "skip"]


def action(due: datetime, now: datetime, lead: timedelta) -> Action:
    """What a deadline not yet reminded of calls for at `now`: a reminder within `lead`
    before it, none once it has passed (a deadline first seen late is not reminded of)."""
    if now >= due:
        return "skip"
    return "remind" if now >= due - lead else "wait"


def reminder_id(deadline: Deadline) -> str:
    """The same id for the same deadline on every run (a receiver deduplicates on it)."""
    name = "\x1f".join((deadline.kind, deadline.subject, deadline.unit_id, _utc(deadline.due)))
    digest = hashlib.sha1(_ID_NAMESPACE.bytes + name.encode(), usedforsecurity=False).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def reminder_event(deadline: Deadline, now: datetime, sequence: int) -> CloudEvent:
    """The reminder of `deadline`, made at `now`; `sequence` sorts it among the routed events
    (the notifier's position: after what was routed before it). Not an aggregate's event:
    its `aggregateversion` is 0."""
    kind_type = REMINDER_TYPE[deadline.kind]
    return CloudEvent(
        id=reminder_id(deadline),
        type=kind_type,
        subject=deadline.subject,
        time=now,
        dataschema=SCHEMA_URN + kind_type,
        sequence=sequence,
        aggregateversion=0,
        data={
            "deadline": deadline.kind,
            SUBJECT_FIELD[deadline.kind]: deadline.subject,
            "unit_id": deadline.unit_id,
            "due": _utc(deadline.due),
            **deadline.facts,
        },
    )


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Reminder:
    """A reminder's data as texts read it (attribute access, like a payload)."""

    deadline: str
    subject: str
    unit_id: str
    due: datetime
    made_at: datetime  # the event's time: when the reminder was made
    facts: Mapping[str, str]

    def __getattr__(self, name: str) -> str:
        try:
            return self.facts[name]
        except KeyError:
            raise AttributeError(name) from None


def reminder_of(event: CloudEvent) -> Reminder:
    """A reminder event's data read back. KeyError for another type."""
    kind = KIND_OF[event.type]
    data = dict(event.data)
    facts = {
        k: str(v)
        for k, v in data.items()
        if k not in ("deadline", "unit_id", "due", SUBJECT_FIELD[kind])
    }
    due = datetime.fromisoformat(str(data["due"]))
    return Reminder(kind, event.subject, str(data["unit_id"]), due, event.time, facts)
