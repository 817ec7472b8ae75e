"""Work meetings (paper §3.4.2③): HQ holds one regular meeting each half year; a platform asks
in writing for an ad-hoc one, one matter per request; minutes record decisions whose action
items each have an owner unit and a due day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, Immutable, MarketAggregate

HALF_YEAR = re.compile(r"[0-9]{4}H[12]")
REGULAR = "regular"
AD_HOC = "ad_hoc"


def half_year_of(day: date) -> str:
    """The half year a day is in: `2027H1` for January to June."""
    return f"{day.year}H{1 if day.month <= 6 else 2}"


def regular_meeting_id(half_year: str) -> str:
    """The one regular meeting of a half year has this id: a second one is a second creation of
    the same aggregate, which the store refuses however close together the two requests come."""
    if not HALF_YEAR.fullmatch(half_year):
        raise ValueError(f"not a half year: {half_year!r}")
    return f"mtg_regular_{half_year}"


@dataclass(frozen=True)
class ActionItemSpec(Immutable):
    """An action item as the minutes give it: its id is made by the handler."""

    action_item_id: str
    owner_unit_id: str
    due: date
    text: str


@dataclass(frozen=True)
class DecisionSpec(Immutable):
    text: str
    action_items: tuple[ActionItemSpec, ...]


class Meeting(MarketAggregate):
    @classmethod
    def schedule_regular(
        cls,
        existing: Meeting | None,
        half_year: str,
        scheduled_for: datetime,
        agenda: list[str],
        invitees: list[str],
        working_group_id: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> Meeting:
        """The half year's regular meeting; refused when the half year has one (`existing`)."""
        if existing is not None:
            raise DomainError(
                "regular_meeting_exists",
                f"The regular meeting of {half_year} is scheduled already.",
                {"meeting_id": existing.id, "half_year": half_year},
            )
        return cls(
            id=regular_meeting_id(half_year),
            kind=REGULAR,
            half_year=half_year,
            scheduled_for=scheduled_for,
            agenda=agenda,
            invitees=invitees,
            working_group_id=working_group_id,
            request_id=None,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Scheduled")
    def __init__(
        self,
        id: str,
        kind: str,
        half_year: str,
        scheduled_for: datetime,
        agenda: list[str],
        invitees: list[str],
        working_group_id: str | None,
        request_id: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.kind = kind
        self.half_year = half_year
        self.scheduled_for = scheduled_for
        self.agenda = agenda
        self.invitees = invitees
        self.working_group_id = working_group_id
        self.request_id = request_id
        self.minutes: dict[str, object] | None = None

    def record_minutes(
        self,
        attendees: list[str],
        decisions: list[DecisionSpec],
        actor: Actor,
        timestamp: datetime,
    ) -> list[ActionItem]:
        """The minutes, once; each decision's action items become items of their own."""
        if self.minutes is not None:
            raise DomainError("minutes_recorded", f"Meeting {self.id!r} has its minutes.")
        self._minutes_recorded(
            attendees,
            [
                {
                    "text": d.text,
                    "action_items": [
                        {
                            "action_item_id": a.action_item_id,
                            "owner_unit_id": a.owner_unit_id,
                            "due": a.due.isoformat(),
                            "text": a.text,
                        }
                        for a in d.action_items
                    ],
                }
                for d in decisions
            ],
            actor,
            timestamp,
        )
        return [
            ActionItem(
                id=a.action_item_id,
                meeting_id=self.id,
                owner_unit_id=a.owner_unit_id,
                due=a.due,
                text=a.text,
                actor=actor,
                timestamp=timestamp,
            )
            for d in decisions
            for a in d.action_items
        ]

    @event("MinutesRecorded")
    def _minutes_recorded(
        self,
        attendees: list[str],
        decisions: list[dict[str, object]],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.minutes = {"attendees": attendees, "decisions": decisions}


class ActionItem(MarketAggregate):
    """One thing a decision asks of a unit, by a day (in the group's time zone)."""

    @event("Assigned")
    def __init__(
        self,
        id: str,
        meeting_id: str,
        owner_unit_id: str,
        due: date,
        text: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.meeting_id = meeting_id
        self.owner_unit_id = owner_unit_id
        self.due = due
        self.text = text
        self.done_on: datetime | None = None
        self.evidence: str | None = None

    def status_on(self, today: date) -> str:
        """`done`; else `overdue` once `today` is after the due day; else `open`."""
        if self.done_on is not None:
            return "done"
        return "overdue" if today > self.due else "open"

    def mark_done(self, evidence: str, actor: Actor, timestamp: datetime) -> None:
        if self.done_on is not None:
            raise DomainError("action_item_done", f"Action item {self.id!r} is done already.")
        self._done(evidence, actor, timestamp)

    @event("Done")
    def _done(self, evidence: str, actor: Actor, timestamp: datetime) -> None:
        self.done_on = timestamp
        self.evidence = evidence


class MeetingRequest(MarketAggregate):
    """A platform's written request for an ad-hoc meeting on one matter, with its report."""

    @classmethod
    def file(
        cls,
        request_id: str,
        platform_unit_id: str,
        matter: str,
        report: str,
        actor: Actor,
        timestamp: datetime,
    ) -> MeetingRequest:
        check_one_matter(matter)
        return cls(
            id=request_id,
            platform_unit_id=platform_unit_id,
            matter=matter,
            report=report,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Filed")
    def __init__(
        self,
        id: str,
        platform_unit_id: str,
        matter: str,
        report: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.platform_unit_id = platform_unit_id
        self.matter = matter
        self.report = report
        self.status = "pending"
        self.meeting_id: str | None = None
        self.reason: str | None = None

    def _pending(self) -> None:
        if self.status != "pending":
            raise DomainError(
                "request_answered",
                f"Meeting request {self.id!r} is {self.status} already.",
                {"status": self.status},
            )

    def accept(
        self,
        meeting_id: str,
        scheduled_for: datetime,
        half_year: str,
        actor: Actor,
        timestamp: datetime,
    ) -> Meeting:
        """Accepted: the ad-hoc meeting on the matter, with the requesting platform invited."""
        self._pending()
        self._accepted(meeting_id, scheduled_for, actor, timestamp)
        return Meeting(
            id=meeting_id,
            kind=AD_HOC,
            half_year=half_year,
            scheduled_for=scheduled_for,
            agenda=[self.matter],
            invitees=[self.platform_unit_id],
            working_group_id=None,
            request_id=self.id,
            actor=actor,
            timestamp=timestamp,
        )

    def decline(self, reason: str, actor: Actor, timestamp: datetime) -> None:
        self._pending()
        self._declined(reason, actor, timestamp)

    @event("Accepted")
    def _accepted(
        self, meeting_id: str, scheduled_for: datetime, actor: Actor, timestamp: datetime
    ) -> None:
        self.status = "accepted"
        self.meeting_id = meeting_id

    @event("Declined")
    def _declined(self, reason: str, actor: Actor, timestamp: datetime) -> None:
        self.status = "declined"
        self.reason = reason


MATTER_LIMIT = 200
# What joins several matters into one text: line breaks, or a numbered or bulleted list.
_SEVERAL = re.compile(r"[\r\n;\uff1b]|^\s*(?:[0-9]+[.、)]|[-*•])\s")


def check_one_matter(matter: str) -> None:
    """A request carries one matter: a short, non-empty text of one line, not a list."""
    text = matter.strip()
    if not text:
        raise DomainError("one_matter", "A meeting request names its matter.")
    if len(text) > MATTER_LIMIT or _SEVERAL.search(text):
        raise DomainError(
            "one_matter",
            f"A meeting request carries one matter: one line of at most {MATTER_LIMIT} "
            "characters, not a list (file one request per matter).",
        )
