"""The annual assessment query: each unit's year record, from the read models, and its scores."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from marketplace.aggregates.assessment import KpiScore, YearRecord, score
from marketplace.aggregates.inspection import finding_status
from marketplace.aggregates.organisation import Level
from marketplace.aggregates.report import Quarter
from marketplace.handlers import reports
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.projections import inspection_findings, report_facts
from marketplace.projections.store import RowReader


@dataclass(frozen=True)
class UnitAssessment:
    unit_id: str
    level: str
    kpis: list[KpiScore]
    total: Decimal | None


async def year_record(
    svc: Services,
    facts: RowReader,
    findings: RowReader,
    unit_id: str,
    year: int,
    on: date,
) -> YearRecord:
    """The unit's subtree's record for the year, as of the day `on`."""
    units = await asyncio.to_thread(reports.subtree, svc, unit_id)
    start = datetime.combine(date(year, 1, 1), time(), svc.zone)
    end = datetime.combine(date(year + 1, 1, 1), time(), svc.zone)
    totals = await report_facts.totals(facts, units, start, end)

    def count(metric: str) -> int:
        return totals.get(metric, (0, Decimal(0)))[0]

    due = [
        f
        for f in await inspection_findings.due_between(
            findings, units, date(year, 1, 1), date(year + 1, 1, 1)
        )
        # Due: rectified, or past its deadline; one still open before it is not judged yet.
        if finding_status(bool(f["rectified"]), date.fromisoformat(f["rectify_by"]), on) != "open"
    ]
    reports_due, reports_submitted = 0, 0
    if chart(svc).get(unit_id).level is Level.PLATFORM:  # the secondary enterprises report
        ended = [q for n in range(1, 5) if (q := Quarter(year, n)).next_first_day <= on]
        found = [await asyncio.to_thread(reports.submitted, svc, unit_id, q) for q in ended]
        reports_due, reports_submitted = len(ended), sum(r is not None for r in found)
    return YearRecord(
        tenders_for_catalog_items=count("tenders_compliant") + count("tenders_exception_filed"),
        tenders_compliant=count("tenders_compliant"),
        contracts_as_supplier=count("sold"),
        incidents_against=count("incidents_against"),
        findings_due=len(due),
        findings_rectified_on_time=sum(bool(f["rectified"] and not f["late"]) for f in due),
        reports_due=reports_due,
        reports_submitted=reports_submitted,
        disputes_raised=count("disputes_raised"),
        disputes_closed=count("disputes_closed"),
    )


async def annual(
    svc: Services, models: ReadModels, units: list[str], year: int
) -> list[UnitAssessment]:
    """Each of `units` (already authorised, see `reports.assessed_units`) scored for the year,
    up to today for the running year."""
    facts = await models.reader(report_facts.PROJECTION.name)
    findings = await models.reader(inspection_findings.PROJECTION.name)
    on = svc.today()
    org = chart(svc)
    assessed = []
    for unit in units:
        kpis, total = score(await year_record(svc, facts, findings, unit, year, on))
        assessed.append(UnitAssessment(unit, org.get(unit).level.value, kpis, total))
    return assessed
