"""The notifier's tables, and how a batch of events becomes notifications and deliveries.

The notifier is fed like a projection (in-process from the log, or a Kafka consumer group),
so each batch commits with its position: an event is routed exactly once, even across a
crash. Its tables are not a read model to rebuild, though: a delivery's state comes from the
receivers' answers, not from events, so the notifier is never rebuilt (a rebuild would send
everything again). The routing itself is the pure `routing.route`; this module only loads
what it needs (the subject's parties, the directory of units, the subscriptions) and writes
what it says.
"""

# ruff: noqa: S608 - SQL is built only from fixed table names

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.registry import PUBLIC_TYPES, TOPICS
from marketplace.notifications.reminders import (
    Deadline,
    DeadlineChanges,
    action,
    deadline_changes,
    reminder_event,
)
from marketplace.notifications.routing import UnitFacts, route
from marketplace.notifications.texts import GROUP_ZONE
from marketplace.projections.changes import Delete, RowChange, Upsert
from marketplace.projections.projection import Projection
from marketplace.projections.sql import is_in
from marketplace.projections.store import ReadModelTransaction, RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT, INTEGER, BOOLEAN, TIMESTAMP = (
    ColumnType.TEXT,
    ColumnType.INTEGER,
    ColumnType.BOOLEAN,
    ColumnType.TIMESTAMP,
)
# Mails wait this long for more of the same unit's events, then go as one digest.
DIGEST_WINDOW = timedelta(seconds=60)

ITEMS = Table(
    "notify_items",
    columns=(
        Column("notification_id", TEXT),
        Column("unit_id", TEXT),
        Column("event_id", TEXT),
        Column("event_type", TEXT),
        Column("subject", TEXT),
        Column("sequence", INTEGER),
        Column("created_at", TIMESTAMP),
        Column("event", TEXT),
        Column("read_at", TIMESTAMP, nullable=True),
    ),
    key=("notification_id",),
    indexes=(("unit_id", "sequence"),),
)
DELIVERIES = Table(
    "notify_deliveries",
    columns=(
        Column("delivery_id", TEXT),
        Column("subscription_id", TEXT),
        Column("notification_id", TEXT),
        Column("event_id", TEXT),
        Column("sequence", INTEGER),
        Column("channel", TEXT),
        Column("status", TEXT),
        Column("attempts", INTEGER),
        Column("created_at", TIMESTAMP),
        Column("next_attempt_at", TIMESTAMP),
        Column("first_attempt_at", TIMESTAMP, nullable=True),
        Column("last_attempt_at", TIMESTAMP, nullable=True),
        Column("last_status", INTEGER, nullable=True),
        Column("last_error", TEXT, nullable=True),
    ),
    key=("delivery_id",),
    indexes=(("subscription_id", "status", "sequence"), ("status", "next_attempt_at")),
)
ATTEMPTS = Table(
    "notify_attempts",
    columns=(
        Column("delivery_id", TEXT),
        Column("attempt", INTEGER),
        Column("attempted_at", TIMESTAMP),
        Column("http_status", INTEGER, nullable=True),
        Column("error", TEXT, nullable=True),
        Column("outcome", TEXT),
    ),
    key=("delivery_id", "attempt"),
)
PARTIES = Table(
    "notify_parties",
    columns=(Column("subject", TEXT), Column("parties", TEXT)),
    key=("subject",),
)
UNITS = Table(
    "notify_units",
    columns=(
        Column("unit_id", TEXT),
        Column("parent_id", TEXT, nullable=True),
        Column("level", TEXT),
        Column("language", TEXT),
    ),
    key=("unit_id",),
)
SUBSCRIPTIONS = Table(
    "notify_subscriptions",
    columns=(
        Column("subscription_id", TEXT),
        Column("unit_id", TEXT),
        Column("channel", TEXT),
        Column("event_types", TEXT),
        Column("active", BOOLEAN),
        Column("created_sequence", INTEGER),
    ),
    key=("subscription_id",),
    indexes=(("unit_id",),),
)
# One row, `start`: the log position the notifier began at. Events at or before it still
# teach it parties, units and subscriptions, but notify nobody (a notifier added to a store
# with years of history does not send years of notifications).
START = Table(
    "notify_start",
    columns=(Column("name", TEXT), Column("sequence", INTEGER)),
    key=("name",),
)
# The deadlines reminders are due for (reminders.py), one per (kind, subject, unit): kept until
# cleared (the unit acted, the subject moved on); `reminded` once its reminder was made (or its
# time had passed when the notifier first looked), in the transaction that made it.
DEADLINES = Table(
    "notify_deadlines",
    columns=(
        Column("kind", TEXT),
        Column("subject", TEXT),
        Column("unit_id", TEXT),
        Column("due", TIMESTAMP),
        Column("facts", TEXT),
        Column("reminded", BOOLEAN),
    ),
    key=("kind", "subject", "unit_id"),
    indexes=(("reminded", "due"),),
)
LEASES = Table(
    "notify_leases",
    columns=(Column("subscription_id", TEXT), Column("holder", TEXT), Column("until", TIMESTAMP)),
    key=("subscription_id",),
)

SUBSCRIPTION_CREATED = "marketplace.subscription.created.v1"
SUBSCRIPTION_REMOVED = "marketplace.subscription.removed.v1"
SUBSCRIPTION_DISABLED = "marketplace.subscription.disabled.v1"
SUBSCRIPTIONS_TOPIC = "marketplace.subscriptions"


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    unit_id: str
    channel: str
    event_types: frozenset[str]
    active: bool
    created_sequence: int  # it hears of events stored after it, whenever they arrive

    def wants(self, event: CloudEvent, since_any: bool = False) -> bool:
        """`since_any`: whatever the event's sequence (a reminder is made now, not stored
        before the subscription)."""
        return (
            self.active
            and (since_any or event.sequence > self.created_sequence)
            and (
                "*" in self.event_types
                or event.type in self.event_types
                or bool(PREDECESSORS.get(event.type, frozenset()) & self.event_types)
            )
        )


# A current type → the deprecated types it replaces: a subscription to an older type is still
# notified in the deprecation window (the notifier reads each event in its current type).
PREDECESSORS: dict[str, frozenset[str]] = {
    current: frozenset(
        k.name
        for k in PUBLIC_TYPES.values()
        if k.deprecated and k.deprecated.superseded_by == current
    )
    for current in {k.deprecated.superseded_by for k in PUBLIC_TYPES.values() if k.deprecated}
}


def _stable_id(prefix: str, *parts: str) -> str:
    """The same id for the same event and recipient on every feed and every run."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"{prefix}_{digest}"


def notification_id(event_id: str, unit_id: str) -> str:
    return _stable_id("ntf", event_id, unit_id)


def delivery_id(event_id: str, subscription_id: str) -> str:
    return _stable_id("dlv", event_id, subscription_id)


async def route_batch(
    tx: ReadModelTransaction, events: Sequence[CloudEvent], zone: tzinfo = GROUP_ZONE
) -> list[RowChange]:
    """The rows a batch of new events makes, in order: parties, units and subscriptions
    learnt, deadlines set and cleared (a finding's day ends in `zone`, the group's), and for
    each recipient after the start, a notification and one delivery per subscription of its
    unit that wants the event type."""
    start = await _start(tx)
    parties = await _parties(tx, {e.subject for e in events})
    deadlines = await _deadlines(tx, {e.subject for e in events})
    units = await _units(tx)
    subscriptions = await _subscriptions(tx)
    changes: list[RowChange] = []
    for event in events:
        if event.type.startswith("marketplace.subscription."):
            known = subscriptions.get(event.subject)
            learnt = _subscription_of(event, known)
            if learnt is not None:
                subscriptions[learnt.subscription_id] = learnt
                changes.append(_subscription_row(learnt))
                if known is None:  # events stored after it may have come first (Kafka)
                    changes.extend(await _caught_up(tx, learnt, changes))
            continue
        before = parties.get(event.subject, frozenset())
        routed = route(event, before, units)
        if routed.unit is not None:
            units[routed.unit.unit_id] = routed.unit
            changes.append(_unit_row(routed.unit))
        if routed.parties != before:
            parties[event.subject] = routed.parties
            changes.append(_parties_row(event.subject, routed.parties))
        changes.extend(_deadline_rows(deadline_changes(event, units, zone), deadlines))
        if event.sequence > start:
            changes.extend(_notify(event, routed.recipients, subscriptions))
    return changes


def _notify(
    event: CloudEvent,
    recipients: Iterable[str],
    subscriptions: Mapping[str, Subscription],
    since_any: bool = False,
) -> list[RowChange]:
    changes: list[RowChange] = []
    body = event.to_bytes().decode()
    for unit_id in recipients:
        nid = notification_id(event.id, unit_id)
        changes.append(
            Upsert(
                ITEMS.name,
                {"notification_id": nid},
                {
                    "unit_id": unit_id,
                    "event_id": event.id,
                    "event_type": event.type,
                    "subject": event.subject,
                    "sequence": event.sequence,
                    "created_at": event.time,
                    "event": body,
                    "read_at": None,
                },
            )
        )
        for subscription in subscriptions.values():  # a few per unit, a few hundred in all
            if subscription.unit_id == unit_id and subscription.wants(event, since_any):
                changes.append(_delivery(event, nid, subscription))
    return changes


async def _caught_up(
    tx: ReadModelTransaction, subscription: Subscription, pending: Sequence[RowChange]
) -> list[RowChange]:
    """Deliveries of the unit's notifications already routed that were stored after the
    subscription: a Kafka feed reads topics side by side, so a need posted after a
    subscription may be routed before it. In-process, the log's order leaves none."""
    rows = await tx.rows(
        f"SELECT event FROM {ITEMS.name} WHERE unit_id = $1 AND sequence > $2 ORDER BY sequence",
        [subscription.unit_id, subscription.created_sequence],
    )
    events = [CloudEvent.from_bytes(str(text).encode()) for (text,) in rows]
    # This batch's own rows are not in the table yet.
    for change in pending:
        if not isinstance(change, Upsert) or change.table != ITEMS.name:
            continue
        if change.values["unit_id"] == subscription.unit_id:
            events.append(CloudEvent.from_bytes(str(change.values["event"]).encode()))
    return [
        _delivery(event, notification_id(event.id, subscription.unit_id), subscription)
        for event in events
        if subscription.wants(event)
    ]


def _delivery(event: CloudEvent, nid: str, subscription: Subscription) -> Upsert:
    due: datetime = event.time
    if subscription.channel == "email":
        due = event.time + DIGEST_WINDOW
    return Upsert(
        DELIVERIES.name,
        {"delivery_id": delivery_id(event.id, subscription.subscription_id)},
        {
            "subscription_id": subscription.subscription_id,
            "notification_id": nid,
            "event_id": event.id,
            "sequence": event.sequence,
            "channel": subscription.channel,
            "status": "pending",
            "attempts": 0,
            "created_at": event.time,
            "next_attempt_at": due,
            "first_attempt_at": None,
            "last_attempt_at": None,
            "last_status": None,
            "last_error": None,
        },
    )


def _deadline_rows(
    found: DeadlineChanges, known: dict[str, set[tuple[str, str]]]
) -> list[RowChange]:
    """The rows of the deadlines set and cleared; `known` (kind and unit by subject) follows."""
    changes: list[RowChange] = []
    for cleared in found.cleared:
        held = known.get(cleared.subject, set())
        for kind, unit in sorted(held):
            if kind == cleared.kind and cleared.unit_id in (None, unit):
                held.discard((kind, unit))
                changes.append(Delete(DEADLINES.name, _deadline_key(kind, cleared.subject, unit)))
    for deadline in found.set:
        known.setdefault(deadline.subject, set()).add((deadline.kind, deadline.unit_id))
        changes.append(
            Upsert(
                DEADLINES.name,
                _deadline_key(deadline.kind, deadline.subject, deadline.unit_id),
                {
                    "due": deadline.due,
                    "facts": json.dumps(dict(deadline.facts), sort_keys=True),
                    "reminded": False,
                },
            )
        )
    return changes


def _deadline_key(kind: str, subject: str, unit_id: str) -> dict[str, str]:
    return {"kind": kind, "subject": subject, "unit_id": unit_id}


async def reminders_due(reader: RowReader, now: datetime, lead: timedelta) -> bool:
    """Whether a deadline awaits its reminder (or its marking) at `now`: a cheap look
    without the lock `remind_due` takes."""
    rows = await reader.fetch(
        f"SELECT 1 AS due FROM {DEADLINES.name} WHERE reminded = $1 AND due <= $2 LIMIT 1",
        [False, now + lead],
        {"due": INTEGER},
    )
    return bool(rows)


async def remind_due(tx: ReadModelTransaction, now: datetime, lead: timedelta) -> int:
    """Make the reminders due at `now` (`lead` before their deadlines), in `tx`: for each, a
    notification of its unit and a delivery per subscription of the unit that wants its type,
    and the deadline marked reminded with them, so it is reminded of once whatever crashes.
    A deadline that passed before it was looked at is marked without a reminder. Holds the
    notifier's state lock, so routing (and another notifier) waits; its position sorts the
    reminders after what was routed. The number of reminders made."""
    state = await tx.lock_state(NOTIFIER)
    rows = await tx.rows(
        f"SELECT kind, subject, unit_id, due, facts FROM {DEADLINES.name} "
        "WHERE reminded = $1 AND due <= $2 ORDER BY due, kind, subject, unit_id",
        [False, now + lead],
    )
    if not rows:
        return 0
    subscriptions = await _subscriptions(tx)
    changes: list[RowChange] = []
    made = 0
    for kind, subject, unit_id, due, facts in rows:
        deadline = Deadline(
            str(kind), str(subject), str(unit_id), _moment(due), json.loads(str(facts))
        )
        key = _deadline_key(deadline.kind, deadline.subject, deadline.unit_id)
        changes.append(Upsert(DEADLINES.name, key, {"reminded": True}))
        if action(deadline.due, now, lead) != "remind":
            continue
        event = reminder_event(deadline, now, state.position)
        # Whenever the unit subscribed, a reminder is of what is still to come.
        changes.extend(_notify(event, [deadline.unit_id], subscriptions, since_any=True))
        made += 1
    for change in changes:
        await tx.write(NOTIFIER.table(change.table), change)
    return made


def _moment(value: object) -> datetime:
    """A TIMESTAMP as the raw row holds it (SQLite: text; PostgreSQL: a datetime)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _subscription_of(event: CloudEvent, known: Subscription | None) -> Subscription | None:
    data = event.data
    if event.type == SUBSCRIPTION_CREATED:
        return Subscription(
            subscription_id=str(data["subscription_id"]),
            unit_id=str(data["unit_id"]),
            channel=str(data["channel"]),
            event_types=frozenset(str(t) for t in data["event_types"]),
            active=True,
            created_sequence=event.sequence,
        )
    if event.type in (SUBSCRIPTION_REMOVED, SUBSCRIPTION_DISABLED) and known is not None:
        return dataclasses.replace(known, active=False)
    return None


def _subscription_row(subscription: Subscription) -> Upsert:
    return Upsert(
        SUBSCRIPTIONS.name,
        {"subscription_id": subscription.subscription_id},
        {
            "unit_id": subscription.unit_id,
            "channel": subscription.channel,
            "event_types": json.dumps(sorted(subscription.event_types)),
            "active": subscription.active,
            "created_sequence": subscription.created_sequence,
        },
    )


def _unit_row(unit: UnitFacts) -> Upsert:
    return Upsert(
        UNITS.name,
        {"unit_id": unit.unit_id},
        {"parent_id": unit.parent_id, "level": unit.level, "language": unit.language},
    )


def _parties_row(subject: str, parties: frozenset[tuple[str, str]]) -> Upsert:
    return Upsert(PARTIES.name, {"subject": subject}, {"parties": json.dumps(sorted(parties))})


async def _start(tx: ReadModelTransaction) -> int:
    rows = await tx.rows(f"SELECT sequence FROM {START.name} WHERE name = 'start'", [])
    return int(rows[0][0]) if rows else 0


async def _parties(
    tx: ReadModelTransaction, subjects: set[str]
) -> dict[str, frozenset[tuple[str, str]]]:
    found: dict[str, frozenset[tuple[str, str]]] = {}
    wanted = sorted(subjects)
    for i in range(0, len(wanted), 500):
        params: list[object] = []
        clause = is_in("subject", wanted[i : i + 500], params)
        rows = await tx.rows(
            f"SELECT subject, parties FROM {PARTIES.name} WHERE {clause}",
            params,  # type: ignore[arg-type]
        )
        for subject, text in rows:
            found[str(subject)] = frozenset((str(r), str(u)) for r, u in json.loads(text))
    return found


async def _deadlines(
    tx: ReadModelTransaction, subjects: set[str]
) -> dict[str, set[tuple[str, str]]]:
    """The kinds and units of the deadlines held on `subjects`."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    wanted = sorted(subjects)
    for i in range(0, len(wanted), 500):
        params: list[object] = []
        clause = is_in("subject", wanted[i : i + 500], params)
        rows = await tx.rows(
            f"SELECT subject, kind, unit_id FROM {DEADLINES.name} WHERE {clause}",
            params,  # type: ignore[arg-type]
        )
        for subject, kind, unit in rows:
            found[str(subject)].add((str(kind), str(unit)))
    return found


async def _units(tx: ReadModelTransaction) -> dict[str, UnitFacts]:
    rows = await tx.rows(f"SELECT unit_id, parent_id, level, language FROM {UNITS.name}", [])
    return {
        str(u): UnitFacts(str(u), None if p is None else str(p), str(lv), str(lang))
        for u, p, lv, lang in rows
    }


async def _subscriptions(tx: ReadModelTransaction) -> dict[str, Subscription]:
    rows = await tx.rows(
        "SELECT subscription_id, unit_id, channel, event_types, active, created_sequence "
        f"FROM {SUBSCRIPTIONS.name}",
        [],
    )
    return {
        str(s): Subscription(str(s), str(u), str(c), frozenset(json.loads(t)), bool(a), int(n))
        for s, u, c, t, a, n in rows
    }


NOTIFIER = Projection(
    name="notify",
    version=1,
    topics=tuple(dict.fromkeys((*TOPICS, SUBSCRIPTIONS_TOPIC))),
    tables=(ITEMS, DELIVERIES, ATTEMPTS, PARTIES, UNITS, SUBSCRIPTIONS, START, LEASES, DEADLINES),
    apply=lambda event: [],
    batch=route_batch,
)
