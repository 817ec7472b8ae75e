"""The group's organisation chart: HQ → sector platforms → enterprises, and its restructuring.

One aggregate holds the whole chart because its rules span units (exactly one group unit,
no cycles, a parent must exist and be active): saving it is the consistency boundary, and
its version serialises concurrent restructurings. A unit's history is the subsequence of
this aggregate's events that name it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from eventsourcing.domain import event

from marketplace.aggregates.base import (
    Actor,
    DomainError,
    Immutable,
    MarketAggregate,
    RecordNotFound,
    with_article,
)

ORGANISATION_ID = "organisation"


class Level(StrEnum):
    GROUP = "group"
    PLATFORM = "platform"
    ENTERPRISE = "enterprise"


# Which levels a unit of each level may hang under (MISSION.md "Organisation").
ALLOWED_PARENT_LEVELS: dict[Level, frozenset[Level]] = {
    Level.GROUP: frozenset(),
    Level.PLATFORM: frozenset({Level.GROUP}),
    Level.ENTERPRISE: frozenset({Level.PLATFORM, Level.ENTERPRISE}),
}

GROUP_SECTOR = "group"


class Language(StrEnum):
    """The language a unit's notifications are written in."""

    ZH_CN = "zh-CN"
    EN = "en"


@dataclass(frozen=True)
class Unit(Immutable):
    """One unit of the group as the chart knows it now."""

    id: str
    name: str
    level: Level
    parent_id: str | None
    sector: str
    active: bool = True
    # Until a unit changes it, its notifications are in Chinese (no event says so).
    language: Language = Language.ZH_CN


class UnitNotFound(RecordNotFound):
    """The command names a unit the chart does not have (the API's 404)."""

    def __init__(self, unit_id: str) -> None:
        super().__init__("not_found", f"Unit {unit_id!r} does not exist.", {"unit_id": unit_id})


class Organisation(MarketAggregate):
    """The organisation chart of the whole group."""

    VALUE_MAPS = ("units",)

    @event("Established")
    def __init__(self, id: str, actor: Actor, timestamp: datetime) -> None:
        self.units: dict[str, Unit] = {}

    # ----- queries -------------------------------------------------------------------------

    @property
    def group_id(self) -> str | None:
        return next((u.id for u in self.units.values() if u.level is Level.GROUP), None)

    def get(self, unit_id: str) -> Unit:
        try:
            return self.units[unit_id]
        except KeyError:
            raise UnitNotFound(unit_id) from None

    def ancestors(self, unit_id: str) -> list[str]:
        """The unit's superiors, nearest first, ending with the group unit."""
        chain: list[str] = []
        parent = self.get(unit_id).parent_id
        while parent is not None:
            chain.append(parent)
            parent = self.units[parent].parent_id
        return chain

    def is_within(self, unit_id: str, root_id: str) -> bool:
        """True when `unit_id` is `root_id` itself or anywhere below it."""
        return unit_id == root_id or root_id in self.ancestors(unit_id)

    def lowest_common_superior(self, a: str, b: str) -> str | None:
        """The nearest unit strictly above both `a` and `b` (the mediator of their disputes).

        Strictly above: a dispute between a platform and one of its own enterprises goes to
        the platform's superior, never to a party. None only when one of them is the group.
        """
        above_b = set(self.ancestors(b))
        return next((u for u in self.ancestors(a) if u in above_b), None)

    def mediator_for(self, a: str, b: str) -> tuple[str, str]:
        """Who mediates between `a` and `b`, and by which rule (paper §3.4.1②).

        The lowest common superior of the two; HQ mediates only disputes between different
        sectors. Where the parties share a sector but the group is the only unit above both
        (a platform and one of its own enterprises, or two platforms of one sector), HQ is
        still the mediator: no other unit stands above both parties.
        """
        superior = self.lowest_common_superior(a, b)
        group = self.group_id
        if superior is None or group is None:
            raise DomainError(
                "no_common_superior",
                "The group unit is party to it: there is no superior to mediate.",
            )
        cross_sector = self.get(a).sector != self.get(b).sector
        if cross_sector:
            return group, "different_sectors"
        if superior == group:
            return group, "only_common_superior"
        return superior, "lowest_common_superior"

    def platform_of(self, unit_id: str) -> str | None:
        """The sector platform a unit belongs to (itself for a platform; None for the group)."""
        for candidate in [unit_id, *self.ancestors(unit_id)]:
            if self.units[candidate].level is Level.PLATFORM:
                return candidate
        return None

    def context_of(self, unit_id: str, role: str) -> dict[str, str]:
        """What projections need to know of a party, as it is now (events carry it)."""
        return {
            f"{role}_unit_id": unit_id,
            f"{role}_platform_id": self.platform_of(unit_id) or "",
            f"{role}_sector": self.get(unit_id).sector,
        }

    def children(self, unit_id: str) -> list[Unit]:
        return [u for u in self.units.values() if u.parent_id == unit_id]

    # ----- commands ------------------------------------------------------------------------

    def register_unit(
        self,
        unit_id: str,
        name: str,
        level: Level,
        parent_id: str | None,
        sector: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self._check_id_is_free(unit_id)
        if level is Level.GROUP:
            self._check_can_be_group(parent_id)
            sector = sector or GROUP_SECTOR
        else:
            parent = self._check_parent(level, parent_id)
            sector = sector or parent.sector
        self._unit_registered(unit_id, name, level.value, parent_id, sector, actor, timestamp)

    def update_unit(
        self,
        unit_id: str,
        actor: Actor,
        timestamp: datetime,
        *,
        name: str | None = None,
        parent_id: str | None = None,
        sector: str | None = None,
        active: bool | None = None,
        language: Language | None = None,
    ) -> None:
        """Restructure one unit, or set its notification language; only what differs from now
        becomes an event.

        Rules are all checked before any event is triggered, so a refused update
        leaves nothing pending.
        """
        unit = self.get(unit_id)
        reactivating = active is True and not unit.active
        deactivating = active is False and unit.active
        moving = parent_id is not None and parent_id != unit.parent_id
        if moving:
            assert parent_id is not None
            self._check_move(unit, parent_id)
        if deactivating:
            self._check_can_deactivate(unit)
        if reactivating and unit.parent_id is not None and not moving:
            self._check_parent(unit.level, unit.parent_id)
        if name is not None and name != unit.name:
            self._unit_renamed(unit_id, name, unit.name, actor, timestamp)
        if moving:
            self._unit_moved(unit_id, parent_id, unit.parent_id, actor, timestamp)
        if sector is not None and sector != unit.sector:
            self._unit_sector_changed(unit_id, sector, unit.sector, actor, timestamp)
        if reactivating:
            self._unit_reactivated(unit_id, actor, timestamp)
        if deactivating:
            self._unit_deactivated(unit_id, actor, timestamp)
        if language is not None and language is not unit.language:
            self._unit_language_changed(
                unit_id, language.value, unit.language.value, actor, timestamp
            )

    # ----- rules ---------------------------------------------------------------------------

    def _check_id_is_free(self, unit_id: str) -> None:
        """Unit ids are unique regardless of case: `coal-01` beside `COAL-01` would be read as
        one unit by people and by case-insensitive systems downstream."""
        wanted = unit_id.casefold()
        taken = next((u for u in self.units if u.casefold() == wanted), None)
        if taken is not None:
            same = "" if taken == unit_id else f" as {taken!r} (ids are unique regardless of case)"
            raise DomainError(
                "unit_exists",
                f"Unit {unit_id!r} already exists{same}.",
                {"unit_id": unit_id, "existing_unit_id": taken},
            )

    def _check_can_be_group(self, parent_id: str | None) -> None:
        if self.group_id is not None:
            raise DomainError(
                "group_already_exists",
                f"The group unit {self.group_id!r} already exists; there is exactly one.",
                {"group_id": self.group_id},
            )
        if parent_id is not None:
            raise DomainError("group_cannot_have_parent", "The group unit has no parent.")

    def _check_parent(self, level: Level, parent_id: str | None) -> Unit:
        if parent_id is None:
            raise DomainError(
                "parent_required",
                f"{with_article(level.value).capitalize()} unit needs a parent_id.",
            )
        parent = self.units.get(parent_id)
        if parent is None:
            raise DomainError(
                "parent_not_found",
                f"Parent unit {parent_id!r} does not exist.",
                {"parent_id": parent_id},
            )
        if not parent.active:
            raise DomainError(
                "parent_inactive",
                f"Parent unit {parent_id!r} is deactivated.",
                {"parent_id": parent_id},
            )
        if parent.level not in ALLOWED_PARENT_LEVELS[level]:
            allowed = sorted(lv.value for lv in ALLOWED_PARENT_LEVELS[level])
            raise DomainError(
                "parent_level_not_allowed",
                f"{with_article(level.value).capitalize()} unit must hang under a unit of level "
                f"{' or '.join(allowed)}, "
                f"not under {parent.level.value} {parent_id!r}.",
                {"parent_id": parent_id, "allowed_parent_levels": allowed},
            )
        return parent

    def _check_move(self, unit: Unit, new_parent_id: str) -> None:
        if unit.level is Level.GROUP:
            raise DomainError("group_cannot_move", "The group unit has no parent to change.")
        self._check_parent(unit.level, new_parent_id)
        if self.is_within(new_parent_id, unit.id):
            raise DomainError(
                "cycle_not_allowed",
                f"Unit {unit.id!r} cannot move under {new_parent_id!r}, which is itself "
                "or one of its own subordinates.",
                {"unit_id": unit.id, "parent_id": new_parent_id},
            )

    def _check_can_deactivate(self, unit: Unit) -> None:
        if unit.level is Level.GROUP:
            raise DomainError("group_cannot_be_deactivated", "The group unit stays active.")
        active_children = sorted(c.id for c in self.children(unit.id) if c.active)
        if active_children:
            raise DomainError(
                "active_children_exist",
                f"Unit {unit.id!r} still has active subordinate units; move or deactivate "
                "them first.",
                {"active_children": active_children},
            )

    # ----- events (the bodies are the mutators replayed on load) ---------------------------

    @event("UnitRegistered")
    def _unit_registered(
        self,
        unit_id: str,
        name: str,
        level: str,
        parent_id: str | None,
        sector: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.units[unit_id] = Unit(unit_id, name, Level(level), parent_id, sector)

    @event("UnitRenamed")
    def _unit_renamed(
        self, unit_id: str, name: str, previous_name: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.units[unit_id] = replace(self.units[unit_id], name=name)

    @event("UnitMoved")
    def _unit_moved(
        self,
        unit_id: str,
        parent_id: str | None,
        previous_parent_id: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.units[unit_id] = replace(self.units[unit_id], parent_id=parent_id)

    @event("UnitSectorChanged")
    def _unit_sector_changed(
        self, unit_id: str, sector: str, previous_sector: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.units[unit_id] = replace(self.units[unit_id], sector=sector)

    @event("UnitDeactivated")
    def _unit_deactivated(self, unit_id: str, actor: Actor, timestamp: datetime) -> None:
        self.units[unit_id] = replace(self.units[unit_id], active=False)

    @event("UnitReactivated")
    def _unit_reactivated(self, unit_id: str, actor: Actor, timestamp: datetime) -> None:
        self.units[unit_id] = replace(self.units[unit_id], active=True)

    @event("UnitLanguageChanged")
    def _unit_language_changed(
        self, unit_id: str, language: str, previous_language: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.units[unit_id] = replace(self.units[unit_id], language=Language(language))
