"""Who may act for whom: operators for themselves, platform admins in their subtree, HQ anywhere."""

from __future__ import annotations

import pytest

from marketplace.aggregates.access_token import Role
from marketplace.handlers.auth import Principal, acts_for, lowest_common_superior
from tests.unit.org_fixtures import demo_chart


def principal(unit_id: str, *roles: Role) -> Principal:
    return Principal("tok_x", unit_id, frozenset(roles))


@pytest.mark.parametrize(
    ("who", "target", "allowed"),
    [
        (principal("HQ", Role.HQ_ADMIN), "HEAT-01", True),
        (principal("PWR", Role.PLATFORM_ADMIN), "PWR", True),
        (principal("PWR", Role.PLATFORM_ADMIN), "PWR-01A", True),
        (principal("PWR", Role.PLATFORM_ADMIN), "HEAT-01", False),
        (principal("PWR", Role.PLATFORM_ADMIN), "HQ", False),
        (principal("PWR-01", Role.UNIT_OPERATOR), "PWR-01", True),
        (principal("PWR-01", Role.UNIT_OPERATOR), "PWR-01A", False),
        (principal("PWR-01", Role.UNIT_OPERATOR), "PWR-02", False),
        (principal("HQ", Role.AUDITOR), "HQ", False),
        (principal("HQ", Role.BI_READER), "PWR-01", False),
        (principal("PWR", Role.PLATFORM_ADMIN), "NOPE", False),
    ],
)
def test_acts_for(who: Principal, target: str, allowed: bool) -> None:
    assert acts_for(who, target, demo_chart()) is allowed


def test_a_platform_admins_reach_follows_a_move() -> None:
    org = demo_chart()
    admin = principal("HEAT", Role.PLATFORM_ADMIN)
    assert not acts_for(admin, "PWR-01A", org)
    org.update_unit("PWR-01", admin.actor, org.modified_on, parent_id="HEAT")
    assert acts_for(admin, "PWR-01A", org)


def test_lowest_common_superior_is_exposed_for_mediation() -> None:
    assert lowest_common_superior(demo_chart(), "PWR-02", "HEAT-01") == "HQ"
