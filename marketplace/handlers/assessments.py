"""The annual assessment query: each unit's year record, from the read models, and its scores.

A unit is scored from its subtree's year. All the units asked for are counted together, in one
pass over the year's rows: a few grouped queries give each unit's own counts (facts, findings),
and each count goes to every unit asked for that the counting unit is, or is under, in today's
chart — not one subtree's queries per unit, which took seconds in a group of thousands.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from marketplace.aggregates.assessment import KpiScore, YearRecord, score
from marketplace.aggregates.organisation import Level, Organisation
from marketplace.aggregates.report import Quarter
from marketplace.aggregates.rules import PlatformScheme
from marketplace.handlers import assessment_decisions, reports
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.handlers.rules import group_rules, scheme_for
from marketplace.projections import inspection_findings, meeting_list, report_facts
from marketplace.projections.store import RowReader

# The report facts the record counts.
METRICS = (
    "tenders_compliant",
    "tenders_exception_filed",
    "sold",
    "incidents_against",
    "disputes_raised",
    "disputes_closed",
)


@dataclass(frozen=True)
class UnitAssessment:
    """A unit's year scored by the weights of `rules_version` (HQ's version in force on the
    year's last day), or of its platform's own `platform_scheme` in force then; with HQ's
    rewards and penalties for the year (`decisions`, rows of the decision list)."""

    unit_id: str
    level: str
    kpis: list[KpiScore]
    total: Decimal | None
    rules_version: int = 0
    platform_scheme: PlatformScheme | None = None
    decisions: list[dict[str, Any]] = field(default_factory=list)


def _counted_for(org: Organisation, units: Iterable[str]) -> dict[str, list[str]]:
    """Each unit of the chart → those of `units` whose subtree holds it (itself, superiors)."""
    wanted = set(units)
    return {u: [a for a in (u, *org.ancestors(u)) if a in wanted] for u in org.units}


async def year_records(
    svc: Services,
    facts: RowReader,
    findings: RowReader,
    items: RowReader,
    units: Sequence[str],
    year: int,
    on: date,
) -> dict[str, YearRecord]:
    """Each of `units`' subtree's record for the year, as of the day `on` (404 for a unit the
    chart does not have)."""
    org = await asyncio.to_thread(chart, svc)
    for unit in units:
        org.get(unit)
    counted_for = _counted_for(org, units)
    start = datetime.combine(date(year, 1, 1), time(), svc.zone)
    end = datetime.combine(date(year + 1, 1, 1), time(), svc.zone)
    counts = {u: Counter[str]() for u in units}
    for fact in await report_facts.counts(facts, METRICS, start, end):
        if fact.unit_id is not None:
            for a in counted_for.get(fact.unit_id, ()):
                counts[a][fact.metric] += fact.facts
        else:  # a dispute's: once for a unit over both parties
            raiser = counted_for.get(fact.raiser_unit_id or "", [])
            for a in {*raiser, *counted_for.get(fact.against_unit_id or "", ())}:
                counts[a][fact.metric] += fact.facts
    for unit, due, on_time in await inspection_findings.due_counts_by_unit(
        findings, date(year, 1, 1), date(year + 1, 1, 1), on
    ):
        for a in counted_for.get(unit, ()):
            counts[a]["findings_due"] += due
            counts[a]["findings_on_time"] += on_time
    for unit, due, on_time in await meeting_list.on_time_counts_by_owner(
        items, date(year, 1, 1), date(year + 1, 1, 1), on, svc.zone
    ):
        for a in counted_for.get(unit, ()):
            counts[a]["items_due"] += due
            counts[a]["items_on_time"] += on_time
    platforms = [u for u in units if org.get(u).level is Level.PLATFORM]
    due_reports = await asyncio.to_thread(_reports_due, svc, platforms, year, on)
    records = {}
    for unit in units:
        c = counts[unit]
        reports_due, reports_submitted = due_reports.get(unit, (0, 0))
        records[unit] = YearRecord(
            tenders_for_catalog_items=c["tenders_compliant"] + c["tenders_exception_filed"],
            tenders_compliant=c["tenders_compliant"],
            contracts_as_supplier=c["sold"],
            incidents_against=c["incidents_against"],
            findings_due=c["findings_due"],
            findings_rectified_on_time=c["findings_on_time"],
            reports_due=reports_due,
            reports_submitted=reports_submitted,
            disputes_raised=c["disputes_raised"],
            disputes_closed=c["disputes_closed"],
            action_items_due=c["items_due"],
            action_items_on_time=c["items_on_time"],
        )
    return records


def _reports_due(
    svc: Services, platforms: Sequence[str], year: int, on: date
) -> dict[str, tuple[int, int]]:
    """Per platform: its quarterly reports of the year due by `on` (the quarters ended), and
    those submitted (the secondary enterprises report; the others are never due)."""
    ended = [q for n in range(1, 5) if (q := Quarter(year, n)).next_first_day <= on]
    return {
        p: (len(ended), sum(reports.submitted(svc, p, q) is not None for q in ended))
        for p in platforms
    }


async def year_record(
    svc: Services,
    facts: RowReader,
    findings: RowReader,
    items: RowReader,
    unit_id: str,
    year: int,
    on: date,
) -> YearRecord:
    """The unit's subtree's record for the year, as of the day `on`."""
    return (await year_records(svc, facts, findings, items, [unit_id], year, on))[unit_id]


async def annual(
    svc: Services, models: ReadModels, units: list[str], year: int
) -> list[UnitAssessment]:
    """Each of `units` (already authorised, see `reports.assessed_units`) scored for the year,
    up to today for the running year."""
    facts = await models.reader(report_facts.PROJECTION.name)
    findings = await models.reader(inspection_findings.PROJECTION.name)
    items = await models.reader(meeting_list.PROJECTION.name)
    records = await year_records(svc, facts, findings, items, units, year, svc.today())
    decided = await assessment_decisions.decisions_of(models, units, year=year)
    org = chart(svc)
    # The rules in force on the year's last day: a past year's never change (rules take effect
    # today or later), the running year's as HQ and the platforms schedule them for it.
    rules, last_day = group_rules(svc), date(year, 12, 31)
    assessed = []
    for unit in units:
        applied = scheme_for(rules, org, unit, last_day)
        kpis, total = score(records[unit], applied.weights)
        assessed.append(
            UnitAssessment(
                unit, org.get(unit).level.value, kpis, total, applied.rules_version,
                applied.platform_scheme, decided[unit],
            )
        )  # fmt: skip
    return assessed
