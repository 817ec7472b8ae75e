"""Quarterly reports and assessments: who reads a unit's, and a report frozen by submission."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace.aggregates.report import Quarter, figures_of
from marketplace.handlers import reports
from tests.unit.handlers.world import (
    AUDITOR,
    BI_READER,
    HQ_ADMIN,
    World,
    operator,
    platform_admin,
)

Q1 = Quarter(2027, 1)


def test_a_report_is_submitted_once_after_its_quarter(group: World) -> None:
    figures = figures_of({})
    units = reports.subtree(group.svc, "COAL")
    assert units == ["COAL", "COAL-01", "COAL-02", "COAL-03"]
    submit = lambda p: lambda s: reports.submit_report(s, p, "COAL", Q1, units, figures)  # noqa: E731
    group.when(submit(HQ_ADMIN)).refused("quarter_not_ended")
    group.at(datetime(2027, 4, 2, tzinfo=UTC))
    outcome = group.when(submit(platform_admin("COAL")))
    report = outcome.appended("QuarterlyReport.Submitted")
    assert (report.unit_id, report.quarter, report.units) == ("COAL", "2027Q1", units)
    group.when(submit(HQ_ADMIN)).refused("report_already_submitted")
    stored = reports.submitted(group.svc, "COAL", Q1)
    assert stored is not None and stored.figures == figures
    assert reports.submitted(group.svc, "COAL", Quarter(2027, 2)) is None


def test_only_admins_over_the_unit_submit(group: World) -> None:
    group.at(datetime(2027, 4, 2, tzinfo=UTC))
    for caller in (operator("COAL"), platform_admin("HEAT"), AUDITOR):
        group.when(
            lambda s, p=caller: reports.submit_report(s, p, "COAL", Q1, ["COAL"], {})
        ).refused("forbidden")


def test_who_reads_a_units_reports(group: World) -> None:
    for reader in (HQ_ADMIN, AUDITOR, BI_READER, platform_admin("COAL"), operator("COAL-01")):
        reports.require_reader(group.svc, reader, "COAL-01")
    for outsider in (operator("COAL-02"), platform_admin("HEAT")):
        group.when(lambda s, p=outsider: reports.require_reader(s, p, "COAL-01")).refused(
            "forbidden"
        )
    group.when(lambda s: reports.subtree(s, "NOWHERE")).refused("not_found")


def test_the_assessed_units_a_token_reads(group: World) -> None:
    every = reports.assessed_units(group.svc, BI_READER, None)
    assert "HQ" not in every and {"COAL", "COAL-01", "SVC-03"} <= set(every)
    assert reports.assessed_units(group.svc, platform_admin("COAL"), None) == [
        "COAL", "COAL-01", "COAL-02", "COAL-03",
    ]  # fmt: skip
    assert reports.assessed_units(group.svc, operator("COAL-01"), "COAL-01") == ["COAL-01"]
    group.when(lambda s: reports.assessed_units(s, operator("COAL-01"), "COAL")).refused(
        "forbidden"
    )
