"""The index of published catalog versions: keeps their effective periods apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, Immutable, MarketAggregate
from marketplace.aggregates.catalog import CatalogVersion

CATALOG_INDEX_ID = "catalog"


@dataclass(frozen=True)
class PublishedPeriod(Immutable):
    version_id: str
    period: str
    effective_from: date
    effective_to: date


class CatalogIndex(MarketAggregate):
    """Which versions are published for which periods: the boundary that keeps them apart.

    Publishing saves the version and this index together, so two versions whose effective
    periods overlap can never both be published, and "which version was in force on day D"
    has exactly one answer.
    """

    @event("Started")
    def __init__(self, id: str, actor: Actor, timestamp: datetime) -> None:
        self.published: dict[str, PublishedPeriod] = {}
        self.superseded: set[str] = set()

    def in_force_on(self, day: date) -> str | None:
        return next(
            (
                p.version_id
                for p in self.published.values()
                if p.effective_from <= day <= p.effective_to
            ),
            None,
        )

    def record_publication(
        self, version: CatalogVersion, actor: Actor, timestamp: datetime
    ) -> str | None:
        """Record the version as published; returns the id of the version it replaces."""
        for other in self.published.values():
            if version.effective_from <= other.effective_to and other.effective_from <= (
                version.effective_to
            ):
                raise DomainError(
                    "effective_period_overlap",
                    f"{version.period} ({version.effective_from} to {version.effective_to}) "
                    "overlaps "
                    f"published version {other.period} ({other.effective_from} to "
                    f"{other.effective_to}).",
                    {"overlapping_version_id": other.version_id},
                )
        earlier = [
            p
            for p in self.published.values()
            if p.effective_from < version.effective_from and p.version_id not in self.superseded
        ]
        replaces = max(earlier, key=lambda p: p.effective_from).version_id if earlier else None
        self._publication_recorded(
            version.id,
            version.period,
            version.effective_from,
            version.effective_to,
            replaces,
            actor,
            timestamp,
        )
        return replaces

    @event("PublicationRecorded")
    def _publication_recorded(
        self,
        version_id: str,
        period: str,
        effective_from: date,
        effective_to: date,
        replaces: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.published[version_id] = PublishedPeriod(
            version_id, period, effective_from, effective_to
        )
        if replaces:
            self.superseded.add(replaces)
