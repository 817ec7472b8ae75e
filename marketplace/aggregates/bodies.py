"""The group's synergy management bodies (paper §3.1.1-3.1.2): the synergy leadership group
(协同领导小组) with its office, and the coordination working groups (协调工作组), each with a
remit of sectors and catalog categories, member units and a lead unit among them.

Which units and sectors exist is the chart's to say: the handlers check that before a command
reaches these aggregates, which keep only the rules of their own state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate
from marketplace.aggregates.taxonomy import CATEGORIES

LEADERSHIP_GROUP_ID = "leadership-group"


def _distinct(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def check_composition(members: Sequence[str], lead_unit_id: str) -> None:
    if not members:
        raise DomainError("members_required", "A working group needs at least one member unit.")
    if lead_unit_id not in members:
        raise DomainError(
            "lead_not_a_member",
            f"The lead unit {lead_unit_id!r} must be one of the group's members.",
            {"lead_unit_id": lead_unit_id, "members": list(members)},
        )


def check_remit(sectors: Sequence[str], categories: Sequence[str]) -> None:
    if not sectors and not categories:
        raise DomainError(
            "remit_required", "A working group's remit names at least a sector or a category."
        )
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise DomainError(
            "unknown_category",
            f"Catalog categories are {', '.join(CATEGORIES)}.",
            {"categories": unknown},
        )


class WorkingGroup(MarketAggregate):
    """A coordination working group set up by HQ for one field of synergy."""

    @classmethod
    def form(
        cls,
        working_group_id: str,
        name: str,
        sectors: Sequence[str],
        categories: Sequence[str],
        members: Sequence[str],
        lead_unit_id: str,
        actor: Actor,
        timestamp: datetime,
    ) -> WorkingGroup:
        sectors, categories = _distinct(sectors), _distinct(categories)
        members = _distinct(members)
        check_remit(sectors, categories)
        check_composition(members, lead_unit_id)
        return cls(
            id=working_group_id,
            name=name,
            sectors=list(sectors),
            categories=list(categories),
            members=list(members),
            lead_unit_id=lead_unit_id,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Formed")
    def __init__(
        self,
        id: str,
        name: str,
        sectors: list[str],
        categories: list[str],
        members: list[str],
        lead_unit_id: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.name = name
        self.sectors = list(sectors)
        self.categories = list(categories)
        self.members = list(members)
        self.lead_unit_id = lead_unit_id
        self.formed_at = timestamp
        self.dissolved = False
        self.dissolved_at: datetime | None = None
        self.dissolution_reason: str | None = None

    @property
    def status(self) -> str:
        return "dissolved" if self.dissolved else "active"

    def check_not_dissolved(self) -> None:
        if self.dissolved:
            raise DomainError(
                "working_group_dissolved",
                f"Working group {self.id!r} is dissolved and cannot be changed.",
                {"working_group_id": self.id},
            )

    def revise(
        self,
        name: str | None,
        sectors: Sequence[str] | None,
        categories: Sequence[str] | None,
        members: Sequence[str] | None,
        lead_unit_id: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> bool:
        """Rename it, change its remit, members or lead; what is None stays. False (and no
        event) when nothing changes."""
        self.check_not_dissolved()
        new_sectors = list(_distinct(self.sectors if sectors is None else sectors))
        new_categories = list(_distinct(self.categories if categories is None else categories))
        new_members = list(_distinct(self.members if members is None else members))
        new_lead = self.lead_unit_id if lead_unit_id is None else lead_unit_id
        new_name = self.name if name is None else name
        check_remit(new_sectors, new_categories)
        check_composition(new_members, new_lead)
        after = (new_name, new_sectors, new_categories, new_members, new_lead)
        if after == (self.name, self.sectors, self.categories, self.members, self.lead_unit_id):
            return False
        self._revised(
            new_name,
            new_sectors,
            new_categories,
            new_members,
            new_lead,
            [u for u in self.members if u not in new_members],
            [s for s in self.sectors if s not in new_sectors],
            actor,
            timestamp,
        )
        return True

    @event("Revised")
    def _revised(
        self,
        name: str,
        sectors: list[str],
        categories: list[str],
        members: list[str],
        lead_unit_id: str,
        members_removed: list[str],
        sectors_removed: list[str],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.name = name
        self.sectors = list(sectors)
        self.categories = list(categories)
        self.members = list(members)
        self.lead_unit_id = lead_unit_id

    def dissolve(self, reason: str, actor: Actor, timestamp: datetime) -> None:
        self.check_not_dissolved()
        self._dissolved(reason, actor, timestamp)

    @event("Dissolved")
    def _dissolved(self, reason: str, actor: Actor, timestamp: datetime) -> None:
        self.dissolved = True
        self.dissolved_at = timestamp
        self.dissolution_reason = reason


class LeadershipGroup(MarketAggregate):
    """The group's one synergy leadership group: its member units and the unit serving as its
    office (领导小组办公室). Its id is fixed: there is one per group."""

    @classmethod
    def constitute(
        cls,
        group_unit_id: str,
        members: Sequence[str],
        office_unit_id: str,
        actor: Actor,
        timestamp: datetime,
    ) -> LeadershipGroup:
        members = _distinct(members)
        cls.check_members(members)
        return cls(
            id=LEADERSHIP_GROUP_ID,
            group_unit_id=group_unit_id,
            members=list(members),
            office_unit_id=office_unit_id,
            actor=actor,
            timestamp=timestamp,
        )

    @staticmethod
    def check_members(members: Sequence[str]) -> None:
        if not members:
            raise DomainError(
                "members_required", "The leadership group needs at least one member unit."
            )

    @event("Constituted")
    def __init__(
        self,
        id: str,
        group_unit_id: str,
        members: list[str],
        office_unit_id: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.group_unit_id = group_unit_id
        self.members = list(members)
        self.office_unit_id = office_unit_id
        self.constituted_at = timestamp

    def recompose(
        self, members: Sequence[str], office_unit_id: str, actor: Actor, timestamp: datetime
    ) -> bool:
        """Set its members and office; False (and no event) when they are so already."""
        new_members = list(_distinct(members))
        self.check_members(new_members)
        if (new_members, office_unit_id) == (self.members, self.office_unit_id):
            return False
        self._recomposed(new_members, office_unit_id, actor, timestamp)
        return True

    @event("Recomposed")
    def _recomposed(
        self, members: list[str], office_unit_id: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.members = list(members)
        self.office_unit_id = office_unit_id
