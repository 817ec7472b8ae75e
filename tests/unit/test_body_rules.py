"""The synergy bodies' rules: a working group's lead is one of its members, its remit names a
sector or a known catalog category, a dissolved group is never changed; the leadership group
is one, and recomposing it as it is changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from marketplace.aggregates.base import Actor, DomainError
from marketplace.aggregates.bodies import LEADERSHIP_GROUP_ID, LeadershipGroup, WorkingGroup

HQ = Actor("HQ", "tok_hq")
T = datetime(2027, 3, 1, 9, tzinfo=UTC)
LATER = T + timedelta(days=1)


def group(
    members: tuple[str, ...] = ("COAL", "PWR", "COAL-01"), lead: str = "COAL"
) -> WorkingGroup:
    return WorkingGroup.form(
        "wg-1", "煤电化协调工作组", ["coal_chemical", "power"], ["product"], members, lead, HQ, T
    )


def refused(code: str, act: Any) -> None:
    with pytest.raises(DomainError) as info:
        act()
    assert info.value.code == code


def test_a_working_group_is_formed_active_with_its_remit_and_members() -> None:
    g = group(("COAL", "PWR", "COAL"))  # a repeated member counts once
    assert (g.name, g.sectors, g.categories) == (
        "煤电化协调工作组",
        ["coal_chemical", "power"],
        ["product"],
    )
    assert (g.members, g.lead_unit_id, g.status) == (["COAL", "PWR"], "COAL", "active")


def test_the_lead_must_be_a_member() -> None:
    refused("lead_not_a_member", lambda: group(lead="ENG"))
    g = group()
    refused("lead_not_a_member", lambda: g.revise(None, None, None, None, "ENG", HQ, LATER))
    # dropping the lead from the members without naming a new one is refused too
    refused("lead_not_a_member", lambda: g.revise(None, None, None, ["PWR"], None, HQ, LATER))
    assert g.members == ["COAL", "PWR", "COAL-01"]


def test_a_remit_names_a_sector_or_a_known_category() -> None:
    refused(
        "remit_required",
        lambda: WorkingGroup.form("wg-2", "x", [], [], ["ENG"], "ENG", HQ, T),
    )
    refused(
        "unknown_category",
        lambda: WorkingGroup.form("wg-2", "x", [], ["software"], ["ENG"], "ENG", HQ, T),
    )
    refused(
        "members_required", lambda: WorkingGroup.form("wg-2", "x", ["power"], [], [], "", HQ, T)
    )
    g = WorkingGroup.form(
        "wg-2", "工程与服务协调工作组", [], ["engineering", "service"], ["ENG"], "ENG", HQ, T
    )
    assert g.sectors == []


def test_a_revision_records_the_state_after_and_what_left() -> None:
    g = group()
    g.collect_events()
    assert g.revise("煤电化工作组", ["power"], None, ["PWR", "COAL-01"], "PWR", HQ, LATER)
    (revised,) = g.collect_events()
    assert (revised.members_removed, revised.sectors_removed) == (["COAL"], ["coal_chemical"])
    assert (g.name, g.sectors, g.categories, g.lead_unit_id) == (
        "煤电化工作组",
        ["power"],
        ["product"],
        "PWR",
    )
    assert not g.revise("煤电化工作组", None, None, None, None, HQ, LATER)  # nothing changes
    assert g.collect_events() == []


def test_a_dissolved_group_cannot_be_changed_nor_dissolved_again() -> None:
    g = group()
    g.dissolve("The coal-to-power contracts are settled.", HQ, LATER)
    assert (g.status, g.dissolved_at, g.dissolution_reason) == (
        "dissolved",
        LATER,
        "The coal-to-power contracts are settled.",
    )
    refused("working_group_dissolved", lambda: g.revise("x", None, None, None, None, HQ, LATER))
    refused("working_group_dissolved", lambda: g.dissolve("again", HQ, LATER))


def test_the_leadership_group_is_one_and_recomposing_it_as_it_is_changes_nothing() -> None:
    lg = LeadershipGroup.constitute("HQ", ["HQ", "PWR", "PWR"], "HQ", HQ, T)
    assert (lg.id, lg.group_unit_id, lg.members, lg.office_unit_id) == (
        LEADERSHIP_GROUP_ID,
        "HQ",
        ["HQ", "PWR"],
        "HQ",
    )
    lg.collect_events()
    assert not lg.recompose(["HQ", "PWR"], "HQ", HQ, LATER)
    assert lg.recompose(["HQ", "PWR", "COAL"], "SVC", HQ, LATER)
    assert (lg.members, lg.office_unit_id) == (["HQ", "PWR", "COAL"], "SVC")
    refused("members_required", lambda: lg.recompose([], "SVC", HQ, LATER))
    refused("members_required", lambda: LeadershipGroup.constitute("HQ", [], "HQ", HQ, T))


def bodies_cycle() -> list[Any]:
    """Every public event of the synergy bodies."""
    g = group()
    g.revise(None, None, ["product", "service"], ["COAL", "PWR"], None, HQ, LATER)
    g.dissolve("Settled.", HQ, LATER)
    lg = LeadershipGroup.constitute("HQ", ["HQ", "PWR"], "HQ", HQ, T)
    lg.recompose(["HQ", "PWR", "COAL"], "HQ", HQ, LATER)
    return [*g.collect_events(), *lg.collect_events()]
