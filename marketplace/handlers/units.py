"""Use cases of the organisation chart: register, restructure, read units."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.organisation import (
    ORGANISATION_ID,
    Language,
    Level,
    Organisation,
    Unit,
    UnitNotFound,
)
from marketplace.handlers.auth import Principal, require_acts_for, require_role
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services


@dataclass(frozen=True)
class RegisterUnit:
    unit_id: str
    name: str
    level: Level
    parent_id: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class UpdateUnit:
    unit_id: str
    name: str | None = None
    parent_id: str | None = None
    sector: str | None = None
    active: bool | None = None
    language: Language | None = None

    @property
    def restructures(self) -> bool:
        """Whether it changes the chart (HQ's), not only the unit's notification language."""
        return any(v is not None for v in (self.name, self.parent_id, self.sector, self.active))


def organisation_for_update(svc: Services, actor: Actor) -> Organisation:
    """The chart to change; the first change of all establishes it."""
    org = svc.store.get(ORGANISATION_ID, Organisation)
    if org is None:
        org = Organisation(id=ORGANISATION_ID, actor=actor, timestamp=svc.clock())
    return org


def register_unit(svc: Services, principal: Principal, cmd: RegisterUnit) -> Unit:
    require_role(principal, Role.HQ_ADMIN)

    def attempt() -> Unit:
        org = organisation_for_update(svc, principal.actor)
        org.register_unit(
            cmd.unit_id,
            cmd.name,
            cmd.level,
            cmd.parent_id,
            cmd.sector,
            actor=principal.actor,
            timestamp=svc.clock(),
        )
        svc.store.save(org)
        return org.units[cmd.unit_id]

    return svc.retrying(attempt)


def update_unit(svc: Services, principal: Principal, cmd: UpdateUnit) -> Unit:
    """HQ restructures; a unit's notification language is set by whoever acts for the unit."""
    if cmd.restructures or cmd.language is None:
        require_role(principal, Role.HQ_ADMIN)

    def attempt() -> Unit:
        org = organisation_for_update(svc, principal.actor)
        if not cmd.restructures and cmd.language is not None:
            require_acts_for(principal, cmd.unit_id, org)
        org.update_unit(
            cmd.unit_id,
            principal.actor,
            svc.clock(),
            name=cmd.name,
            parent_id=cmd.parent_id,
            sector=cmd.sector,
            active=cmd.active,
            language=cmd.language,
        )
        if org.pending_events:
            svc.store.save(org)
        return org.units[cmd.unit_id]

    return svc.retrying(attempt)


def get_unit(svc: Services, unit_id: str) -> Unit:
    org = load_organisation(svc)
    if org is None:
        raise UnitNotFound(unit_id)
    return org.get(unit_id)


def list_units(
    svc: Services,
    *,
    parent_id: str | None = None,
    level: Level | None = None,
    sector: str | None = None,
    active: bool | None = None,
    within: str | None = None,
) -> list[Unit]:
    """Units in chart order (id), filtered; `within` keeps one unit's subtree."""
    org = load_organisation(svc)
    if org is None:
        return []
    units = sorted(org.units.values(), key=lambda u: u.id)
    return [
        u
        for u in units
        if (parent_id is None or u.parent_id == parent_id)
        and (level is None or u.level is level)
        and (sector is None or u.sector == sector)
        and (active is None or u.active is active)
        and (within is None or org.is_within(u.id, within))
    ]
