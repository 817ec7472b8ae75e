"""Read authorisation of lists and figures: whose needs, inbox and lists a caller reads, and
who reads the group's figures."""

from __future__ import annotations

from marketplace.handlers import analytics, needs
from marketplace.handlers.organisation import chart
from marketplace.handlers.reach import reach_of
from tests.unit.handlers.world import (
    AUDITOR,
    BI_READER,
    HQ_ADMIN,
    World,
    operator,
    platform_admin,
)


def test_whose_needs_a_token_lists(group: World) -> None:
    assert needs.needs_list_unit(group.svc, operator("COAL-01"), None) == "COAL-01"
    assert needs.needs_list_unit(group.svc, platform_admin("COAL"), "COAL-02") == "COAL-02"
    assert needs.needs_list_unit(group.svc, AUDITOR, "PWR-01") == "PWR-01"
    for caller, unit in ((operator("COAL-01"), "COAL-02"), (platform_admin("HEAT"), "COAL-01")):
        group.when(lambda s, p=caller, u=unit: needs.needs_list_unit(s, p, u)).refused("forbidden")


def test_only_those_acting_for_a_unit_read_its_inbox(group: World) -> None:
    assert needs.inbox_unit(group.svc, operator("HEAT-02"), None) == "HEAT-02"
    assert needs.inbox_unit(group.svc, HQ_ADMIN, "HEAT-02") == "HEAT-02"
    for caller in (AUDITOR, operator("HEAT-01")):
        group.when(lambda s, p=caller: needs.inbox_unit(s, p, "HEAT-02")).refused("forbidden")


def test_the_reach_of_each_role(group: World) -> None:
    org = chart(group.svc)
    assert reach_of(HQ_ADMIN, org).units is None
    assert reach_of(AUDITOR, org).units is None
    assert reach_of(operator("COAL-01"), org).units == {"COAL-01"}
    assert reach_of(platform_admin("COAL"), org).units == {"COAL", "COAL-01", "COAL-02", "COAL-03"}
    group.when(lambda s: reach_of(BI_READER, chart(s))).refused("forbidden")
    reach = reach_of(platform_admin("COAL"), org)
    assert reach.narrowed(None) == reach.units and reach.narrowed("COAL-02") == {"COAL-02"}
    group.when(lambda s: reach.require("HEAT-01", "unit_id")).refused("forbidden")


def test_group_figures_are_for_analysts_and_a_supplier_reads_its_own_quality(
    group: World,
) -> None:
    for analyst in (HQ_ADMIN, AUDITOR, BI_READER):
        analytics.require_analyst(analyst)
    group.when(lambda s: analytics.require_analyst(platform_admin("COAL"))).refused("forbidden")
    analytics.require_quality_reader(group.svc, operator("HEAT-02"), "HEAT-02")
    analytics.require_quality_reader(group.svc, platform_admin("HEAT"), "HEAT-02")
    for caller, supplier in ((operator("HEAT-02"), None), (operator("HEAT-01"), "HEAT-02")):
        group.when(
            lambda s, p=caller, u=supplier: analytics.require_quality_reader(s, p, u)
        ).refused("forbidden")
