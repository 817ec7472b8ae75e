"""Inspections: HQ records a finding against a unit; the unit (or a superior) rectifies it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from marketplace.aggregates.inspection import InspectionFinding
from marketplace.handlers import inspections
from marketplace.handlers.errors import Forbidden
from tests.unit.handlers.world import (
    AUDITOR,
    BI_READER,
    HQ_ADMIN,
    Command,
    World,
    operator,
    platform_admin,
)

BY = date(2027, 1, 11)


def record(
    unit: str = "COAL-01", issue: str = "incomplete_rules", by: date = BY
) -> Command[InspectionFinding]:
    return lambda s: inspections.record_finding(s, HQ_ADMIN, unit, issue, "no rules", by)


def test_hq_records_a_finding_with_the_units_platform_and_sector(group: World) -> None:
    outcome = group.when(record())
    outcome.appended("InspectionFinding.Recorded")
    outcome.event(
        "InspectionFinding.Recorded",
        unit_id="COAL-01",
        issue="incomplete_rules",
        rectify_by=BY,
        context={"platform_id": "COAL", "sector": "coal_chemical"},
    )


def test_recording_refusals(group: World) -> None:
    by_platform = lambda s: inspections.record_finding(  # noqa: E731
        s, platform_admin("COAL"), "COAL-01", "incomplete_rules", "x", BY
    )
    group.when(by_platform).refused("forbidden", Forbidden)
    group.when(record("NOWHERE")).refused("not_found")
    group.when(record(issue="bad_mood")).refused("unknown_issue")
    group.when(record(by=date(2026, 12, 31))).refused("rectify_by_in_past")


def test_the_unit_or_its_platform_rectifies_once_late_or_not(group: World) -> None:
    finding = group.given(record())
    rectify = lambda p: lambda s: inspections.rectify_finding(s, p, finding.id, "rules written")  # noqa: E731
    group.when(rectify(operator("COAL-02"))).refused("forbidden")
    group.when(rectify(platform_admin("HEAT"))).refused("forbidden")
    outcome = group.when(rectify(platform_admin("COAL")))
    outcome.appended("InspectionFinding.Rectified")
    outcome.event("InspectionFinding.Rectified", unit_id="COAL-01", late=False)
    group.when(rectify(operator("COAL-01"))).refused("finding_rectified")
    late = group.given(record("COAL-02"))
    group.at(datetime(2027, 1, 12, tzinfo=UTC))
    group.when(
        lambda s: inspections.rectify_finding(s, operator("COAL-02"), late.id, "done")
    ).event("InspectionFinding.Rectified", late=True)


def test_who_reads_a_finding(group: World) -> None:
    finding = group.given(record())
    for reader in (HQ_ADMIN, AUDITOR, operator("COAL-01"), platform_admin("COAL")):
        assert inspections.read_finding(group.svc, reader, finding.id).id == finding.id
    for outsider in (operator("COAL-02"), platform_admin("HEAT"), BI_READER):
        group.when(lambda s, p=outsider: inspections.read_finding(s, p, finding.id)).refused(
            "forbidden"
        )


def test_the_scope_of_a_findings_list(group: World) -> None:
    scope = lambda p, unit=None: inspections.findings_scope(group.svc, p, unit)  # noqa: E731
    assert scope(HQ_ADMIN) == inspections.FindingsScope(None, None)
    assert scope(platform_admin("COAL")) == inspections.FindingsScope(None, "COAL")
    assert scope(operator("COAL-01")) == inspections.FindingsScope("COAL-01", None)
    assert scope(platform_admin("COAL"), "COAL-02") == inspections.FindingsScope("COAL-02", None)
    group.when(lambda s: inspections.findings_scope(s, operator("COAL-01"), "COAL-02")).refused(
        "forbidden"
    )
    group.when(lambda s: inspections.findings_scope(s, BI_READER, None)).refused("forbidden")
