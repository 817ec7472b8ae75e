"""Use cases of the synergy management bodies (paper §3.1.1-3.1.2): HQ constitutes the
leadership group and forms, revises and dissolves the coordination working groups; any signed-in
token reads them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.bodies import LEADERSHIP_GROUP_ID, LeadershipGroup, WorkingGroup
from marketplace.aggregates.organisation import GROUP_SECTOR, Organisation
from marketplace.handlers.auth import Principal, require_role
from marketplace.handlers.errors import NotFound
from marketplace.handlers.organisation import active_unit, chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.projections import working_group_list
from marketplace.projections.pages import Page, PageRequest


def load_working_group(
    svc: Services, working_group_id: str, *, reading: bool = False
) -> WorkingGroup:
    """The working group, or NotFound (404); `reading`: the shared instance, never to change."""
    return svc.load(WorkingGroup, working_group_id, "Working group", reading=reading)


def working_group_exists(svc: Services, working_group_id: str) -> bool:
    """Whether a working group of that id was ever formed (dissolved ones too), for other
    use cases that name one (a meeting of a working group)."""
    return svc.store.view(working_group_id, WorkingGroup) is not None


def known_sectors(org: Organisation) -> set[str]:
    """The sectors of the chart's active units, the group's own left out: what a remit names."""
    return {u.sector for u in org.units.values() if u.active and u.sector != GROUP_SECTOR}


def check_units(org: Organisation, unit_ids: Sequence[str]) -> None:
    """Every unit exists (404 otherwise, as everywhere a body names a unit) and is active
    (`409 unit_inactive`)."""
    for unit_id in unit_ids:
        active_unit(org, unit_id)


def check_sectors(org: Organisation, sectors: Sequence[str]) -> None:
    known = known_sectors(org)
    unknown = [s for s in sectors if s not in known]
    if unknown:
        raise DomainError(
            "unknown_sector",
            f"No active unit of the group is in sector(s) {', '.join(unknown)}.",
            {"sectors": unknown, "known_sectors": sorted(known)},
        )


@dataclass(frozen=True)
class FormWorkingGroup:
    name: str
    sectors: list[str]
    categories: list[str]
    members: list[str]
    lead_unit_id: str


@dataclass(frozen=True)
class ReviseWorkingGroup:
    """What a revision changes; None: unchanged."""

    name: str | None = None
    sectors: list[str] | None = None
    categories: list[str] | None = None
    members: list[str] | None = None
    lead_unit_id: str | None = None


def form_working_group(svc: Services, principal: Principal, cmd: FormWorkingGroup) -> WorkingGroup:
    """HQ sets up a coordination working group with its remit, members and lead unit."""
    require_role(principal, Role.HQ_ADMIN)
    org = chart(svc)
    check_units(org, [*cmd.members, cmd.lead_unit_id])
    check_sectors(org, cmd.sectors)
    group = WorkingGroup.form(
        svc.new_id("wg"),
        cmd.name,
        cmd.sectors,
        cmd.categories,
        cmd.members,
        cmd.lead_unit_id,
        principal.actor,
        svc.clock(),
    )
    svc.store.save(group)
    return group


def revise_working_group(
    svc: Services, principal: Principal, working_group_id: str, cmd: ReviseWorkingGroup
) -> WorkingGroup:
    """HQ renames a working group or changes its remit, members or lead (not once dissolved)."""
    require_role(principal, Role.HQ_ADMIN)
    org = chart(svc)

    def attempt() -> WorkingGroup:
        group = load_working_group(svc, working_group_id)
        group.check_not_dissolved()
        added = [u for u in (cmd.members or []) if u not in group.members]
        lead = [cmd.lead_unit_id] if cmd.lead_unit_id not in (None, group.lead_unit_id) else []
        check_units(org, [*added, *lead])  # members already in may since have been deactivated
        check_sectors(org, [s for s in (cmd.sectors or []) if s not in group.sectors])
        changed = group.revise(
            cmd.name,
            cmd.sectors,
            cmd.categories,
            cmd.members,
            cmd.lead_unit_id,
            principal.actor,
            svc.clock(),
        )
        if changed:
            svc.store.save(group)
        return group

    return svc.retrying(attempt)


def dissolve_working_group(
    svc: Services, principal: Principal, working_group_id: str, reason: str
) -> WorkingGroup:
    """HQ dissolves a working group whose matter is settled."""
    require_role(principal, Role.HQ_ADMIN)

    def attempt() -> WorkingGroup:
        group = load_working_group(svc, working_group_id)
        group.dissolve(reason, principal.actor, svc.clock())
        svc.store.save(group)
        return group

    return svc.retrying(attempt)


def read_working_group(svc: Services, principal: Principal, working_group_id: str) -> WorkingGroup:
    """Any signed-in token reads the group's bodies: they are the group's own organisation."""
    return load_working_group(svc, working_group_id, reading=True)


async def list_working_groups(
    models: ReadModels,
    page: PageRequest,
    *,
    unit_id: str | None = None,
    sector: str | None = None,
    status: str | None = None,
) -> Page:
    """The working groups by name (read model), any signed-in token."""
    reader = await models.reader(working_group_list.PROJECTION.name)
    return await working_group_list.working_groups_page(
        reader, page, unit_id=unit_id, sector=sector, status=status
    )


def set_leadership_group(
    svc: Services, principal: Principal, members: list[str], office_unit_id: str
) -> tuple[LeadershipGroup, bool]:
    """HQ constitutes the group's leadership group, or sets its members and office anew.
    Answers the group and whether it was constituted by this command."""
    require_role(principal, Role.HQ_ADMIN)
    org = chart(svc)
    check_units(org, [*members, office_unit_id])
    group_unit_id = org.group_id
    if group_unit_id is None:
        raise NotFound("The organisation has no group unit yet.")

    def attempt() -> tuple[LeadershipGroup, bool]:
        found = svc.store.get(LEADERSHIP_GROUP_ID, LeadershipGroup)
        if found is None:
            made = LeadershipGroup.constitute(
                group_unit_id, members, office_unit_id, principal.actor, svc.clock()
            )
            svc.store.save(made)
            return made, True
        if found.recompose(members, office_unit_id, principal.actor, svc.clock()):
            svc.store.save(found)
        return found, False

    return svc.retrying(attempt)


def read_leadership_group(svc: Services, principal: Principal) -> LeadershipGroup:
    """The leadership group; 404 until HQ has constituted it."""
    return svc.load(LeadershipGroup, LEADERSHIP_GROUP_ID, "Leadership group", reading=True)
