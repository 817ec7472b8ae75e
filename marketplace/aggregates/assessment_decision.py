"""HQ's rewards and penalties after the annual assessment (paper §3.4.3②): one decision per
unit and year, never edited. A correction is a new decision that names the one it replaces
(`supersedes`), which is then withdrawn as superseded; a decision made in error is withdrawn
with a reason. Both stay on record."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate

KINDS = ("reward", "penalty")


def check_year_ended(year: int, today: date) -> None:
    """Decisions follow the assessment of a whole year: only once it ended (in the group's
    time zone, whose day `today` is)."""
    if year >= today.year:
        raise DomainError(
            "year_not_ended",
            f"The year {year} is not over yet: its decisions are recorded after it.",
            {"year": year, "ends": date(year, 12, 31).isoformat()},
        )


class AssessmentDecision(MarketAggregate):
    """A reward or a penalty HQ decided for a unit's year."""

    @classmethod
    def record(
        cls,
        decision_id: str,
        year: int,
        unit_id: str,
        kind: str,
        amount: Decimal | None,
        reason: str,
        supersedes: str | None,
        today: date,
        actor: Actor,
        timestamp: datetime,
    ) -> AssessmentDecision:
        check_year_ended(year, today)
        if kind not in KINDS:
            raise DomainError("unknown_decision_kind", f"A decision is a {' or a '.join(KINDS)}.")
        return cls(
            id=decision_id,
            year=year,
            unit_id=unit_id,
            kind=kind,
            amount=None if amount is None else str(amount),
            reason=reason,
            supersedes=supersedes,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Recorded")
    def __init__(
        self,
        id: str,
        year: int,
        unit_id: str,
        kind: str,
        amount: str | None,
        reason: str,
        supersedes: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.year = year
        self.unit_id = unit_id
        self.kind = kind
        self.amount = None if amount is None else Decimal(amount)
        self.reason = reason
        self.supersedes = supersedes
        self.recorded_at = timestamp
        self.withdrawn = False
        self.superseded_by: str | None = None
        self.withdrawal_reason: str | None = None
        self.withdrawn_at: datetime | None = None

    @property
    def status(self) -> str:
        if self.superseded_by is not None:
            return "superseded"
        return "withdrawn" if self.withdrawn else "in_effect"

    def check_in_effect(self) -> None:
        if self.withdrawn:
            raise DomainError(
                "decision_not_in_effect",
                f"Decision {self.id!r} was {self.status} already.",
                {"decision_id": self.id, "status": self.status},
            )

    def check_replaceable_by(self, year: int, unit_id: str) -> None:
        """A correction is of the same unit's same year."""
        self.check_in_effect()
        if (self.year, self.unit_id) != (year, unit_id):
            raise DomainError(
                "decision_of_another_unit",
                f"Decision {self.id!r} is of {self.unit_id} for {self.year}: a correction is of "
                "the same unit and year.",
                {"decision_id": self.id, "unit_id": self.unit_id, "year": self.year},
            )

    def withdraw(
        self, reason: str, superseded_by: str | None, actor: Actor, timestamp: datetime
    ) -> None:
        self.check_in_effect()
        self._withdrawn(reason, superseded_by, actor, timestamp)

    @event("Withdrawn")
    def _withdrawn(
        self, reason: str, superseded_by: str | None, actor: Actor, timestamp: datetime
    ) -> None:
        self.withdrawn = True
        self.superseded_by = superseded_by
        self.withdrawal_reason = reason
        self.withdrawn_at = timestamp
