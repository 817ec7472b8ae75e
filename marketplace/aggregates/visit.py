"""Exchange visits (paper §3.4.2④): units of different sectors visit one another to find where
they can work together; a held visit records its outcome and the leads it found, and a need
posted from a lead names it (`lead_id`), so HQ sees which visits turned into trade."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, Immutable, MarketAggregate

_LEAD_SEPARATOR = "-L"


def lead_id_of(visit_id: str, n: int) -> str:
    """Lead ids name their visit, so a need naming a lead finds it without an index."""
    return f"{visit_id}{_LEAD_SEPARATOR}{n}"


def visit_of_lead(lead_id: str) -> str | None:
    """The visit a lead id names; None for an id no visit could have made."""
    visit_id, separator, n = lead_id.rpartition(_LEAD_SEPARATOR)
    return visit_id if separator and visit_id and n.isdigit() else None


@dataclass(frozen=True)
class Lead(Immutable):
    """A cooperation lead a visit found: what could be traded (`item_code` when known)."""

    lead_id: str
    item_code: str | None
    text: str


class ExchangeVisit(MarketAggregate):
    """A visit a host unit receives from visitor units: planned, then held (or cancelled)."""

    @classmethod
    def plan(
        cls,
        visit_id: str,
        host_unit_id: str,
        visitor_unit_ids: list[str],
        planned_for: datetime,
        topic: str,
        sectors: dict[str, str],
        actor: Actor,
        timestamp: datetime,
    ) -> ExchangeVisit:
        """`sectors`: each named unit's sector now (HQ counts visits per sector pair)."""
        visitors = sorted(set(visitor_unit_ids))
        if not visitors:
            raise DomainError("no_visitors", "A visit has at least one visitor unit.")
        if host_unit_id in visitors:
            raise DomainError(
                "host_among_visitors",
                f"The host unit {host_unit_id!r} cannot also be a visitor.",
                {"host_unit_id": host_unit_id},
            )
        return cls(
            id=visit_id,
            host_unit_id=host_unit_id,
            visitor_unit_ids=visitors,
            planned_for=planned_for,
            topic=topic,
            sectors=sectors,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Planned")
    def __init__(
        self,
        id: str,
        host_unit_id: str,
        visitor_unit_ids: list[str],
        planned_for: datetime,
        topic: str,
        sectors: dict[str, str],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.host_unit_id = host_unit_id
        self.visitor_unit_ids = list(visitor_unit_ids)
        self.planned_for = planned_for
        self.topic = topic
        self.sectors = dict(sectors)
        self.status = "planned"
        self.outcome: str | None = None
        self.leads: list[Lead] = []
        self.held_at: datetime | None = None
        self.cancel_reason: str | None = None

    # ----- queries -------------------------------------------------------------------------

    @property
    def units(self) -> list[str]:
        """The host first, then the visitors."""
        return [self.host_unit_id, *self.visitor_unit_ids]

    def lead(self, lead_id: str) -> Lead | None:
        return next((lead for lead in self.leads if lead.lead_id == lead_id), None)

    # ----- commands ------------------------------------------------------------------------

    def _planned(self) -> None:
        if self.status == "held":
            raise DomainError("visit_already_held", f"Visit {self.id!r} was held already.")
        if self.status == "cancelled":
            raise DomainError("visit_cancelled", f"Visit {self.id!r} was cancelled.")

    def record_held(
        self,
        outcome: str,
        leads: list[tuple[str | None, str]],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        """The visit took place: its outcome and the leads found (`(item_code, text)` each),
        numbered in the order given."""
        self._planned()
        made = [
            {"lead_id": lead_id_of(self.id, n), "item_code": item_code, "text": text}
            for n, (item_code, text) in enumerate(leads, start=1)
        ]
        host_sector = self.sectors[self.host_unit_id]
        visitor_sectors = sorted({self.sectors[u] for u in self.visitor_unit_ids})
        self._held(outcome, made, host_sector, visitor_sectors, self.planned_for, actor, timestamp)

    def cancel(self, reason: str, actor: Actor, timestamp: datetime) -> None:
        self._planned()
        self._cancelled(reason, actor, timestamp)

    @event("Held")
    def _held(
        self,
        outcome: str,
        leads: list[dict[str, Any]],
        host_sector: str,
        visitor_sectors: list[str],
        planned_for: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.status = "held"
        self.outcome = outcome
        self.leads = [Lead(**lead) for lead in leads]
        self.held_at = timestamp

    @event("Cancelled")
    def _cancelled(self, reason: str, actor: Actor, timestamp: datetime) -> None:
        self.status = "cancelled"
        self.cancel_reason = reason
