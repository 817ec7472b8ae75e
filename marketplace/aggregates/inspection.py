"""Inspection findings against a unit (paper §3.4.1①): recorded by HQ with a rectification
deadline, rectified by the unit with evidence; a finding still open after its deadline is
overdue, and a rectification after it is recorded as late."""

from __future__ import annotations

from datetime import date, datetime

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate

ISSUES = ("no_synergy_system", "incomplete_rules", "not_following_plan", "prohibited_conduct")


def finding_status(rectified: bool, rectify_by: date, today: date) -> str:
    """`open`, `overdue` (open after its deadline) or `rectified`."""
    if rectified:
        return "rectified"
    return "overdue" if today > rectify_by else "open"


class InspectionFinding(MarketAggregate):
    @classmethod
    def record(
        cls,
        finding_id: str,
        unit_id: str,
        context: dict[str, str],
        issue: str,
        description: str,
        rectify_by: date,
        today: date,
        actor: Actor,
        timestamp: datetime,
    ) -> InspectionFinding:
        """`today` is the command's day in the group's time zone."""
        if issue not in ISSUES:
            raise DomainError("unknown_issue", f"Issues are {', '.join(ISSUES)}.", {"issue": issue})
        if rectify_by < today:
            raise DomainError(
                "rectify_by_in_past",
                "The rectification deadline cannot be before today.",
                {"rectify_by": rectify_by.isoformat(), "today": today.isoformat()},
            )
        return cls(
            id=finding_id,
            unit_id=unit_id,
            context=context,
            issue=issue,
            description=description,
            rectify_by=rectify_by,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Recorded")
    def __init__(
        self,
        id: str,
        unit_id: str,
        context: dict[str, str],
        issue: str,
        description: str,
        rectify_by: date,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.unit_id = unit_id
        self.context = context
        self.issue = issue
        self.description = description
        self.rectify_by = rectify_by
        self.recorded_at = timestamp
        self.rectified = False
        self.evidence: str | None = None
        self.rectified_at: datetime | None = None
        self.late: bool | None = None

    def status_on(self, today: date) -> str:
        return finding_status(self.rectified, self.rectify_by, today)

    def rectify(self, evidence: str, today: date, actor: Actor, timestamp: datetime) -> None:
        if self.rectified:
            raise DomainError("finding_rectified", f"Finding {self.id!r} is rectified already.")
        self._rectified(self.unit_id, evidence, today > self.rectify_by, actor, timestamp)

    @event("Rectified")
    def _rectified(
        self, unit_id: str, evidence: str, late: bool, actor: Actor, timestamp: datetime
    ) -> None:
        self.rectified = True
        self.evidence = evidence
        self.rectified_at = timestamp
        self.late = late
