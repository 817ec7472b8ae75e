"""Quality incidents against a supplier (paper §3.4.1④): management, product quality, delivery
delay; recorded by the demand unit (or by a late delivery itself), resolved with a text. One
kind goes the other way: `damage` to a shared resource, raised by its owner (the contract's
supplier) against the unit that booked it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate

KINDS = ("management", "product_quality", "delivery_delay")
DAMAGE = "damage"  # against the demand unit: it damaged what it booked
SEVERITIES = ("minor", "major", "critical")


class QualityIncident(MarketAggregate):
    @classmethod
    def record(
        cls,
        incident_id: str,
        contract_id: str,
        contract_status: str,
        parties: dict[str, Any],
        kind: str,
        severity: str,
        description: str,
        occurred_at: datetime,
        automatic: bool,
        actor: Actor,
        timestamp: datetime,
    ) -> QualityIncident:
        if contract_status not in ("active", "completed"):
            raise DomainError(
                "contract_status",
                "Incidents are recorded against active or completed contracts.",
                {"status": contract_status},
            )
        return cls(
            id=incident_id,
            contract_id=contract_id,
            parties=parties,
            kind=kind,
            severity=severity,
            description=description,
            occurred_at=occurred_at,
            automatic=automatic,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Recorded")
    def __init__(
        self,
        id: str,
        contract_id: str,
        parties: dict[str, Any],
        kind: str,
        severity: str,
        description: str,
        occurred_at: datetime,
        automatic: bool,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.contract_id = contract_id
        self.parties = parties
        self.kind = kind
        self.severity = severity
        self.description = description
        self.occurred_at = occurred_at
        self.status = "open"
        self.resolution: str | None = None
        self.dispute_id: str | None = None

    @property
    def supply_unit_id(self) -> str:
        return str(self.parties["supply_unit_id"])

    @property
    def demand_unit_id(self) -> str:
        return str(self.parties["demand_unit_id"])

    @property
    def raiser_unit_id(self) -> str:
        """The party the incident is the complaint of."""
        return self.supply_unit_id if self.kind == DAMAGE else self.demand_unit_id

    @property
    def against_unit_id(self) -> str:
        return self.demand_unit_id if self.kind == DAMAGE else self.supply_unit_id

    def resolve(self, resolution: str, actor: Actor, timestamp: datetime) -> None:
        if self.status != "open":
            raise DomainError("incident_not_open", f"Incident {self.id!r} is {self.status}.")
        self._resolved(resolution, self.parties, self.kind, self.severity, actor, timestamp)

    def escalate(self, dispute_id: str, actor: Actor, timestamp: datetime) -> None:
        if self.status != "open":
            raise DomainError("incident_not_open", f"Incident {self.id!r} is {self.status}.")
        if self.dispute_id:
            raise DomainError("already_disputed", f"Dispute {self.dispute_id!r} exists already.")
        self._escalated(dispute_id, actor, timestamp)

    @event("Resolved")
    def _resolved(
        self,
        resolution: str,
        parties: dict[str, Any],
        kind: str,
        severity: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.status = "resolved"
        self.resolution = resolution

    @event("Escalated")
    def _escalated(self, dispute_id: str, actor: Actor, timestamp: datetime) -> None:
        self.dispute_id = dispute_id
