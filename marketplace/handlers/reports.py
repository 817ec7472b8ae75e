"""Use cases of quarterly reports: who reads a unit's report, its live figures, its submission."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.contract import TradeForm
from marketplace.aggregates.organisation import Level
from marketplace.aggregates.report import Quarter, QuarterlyReport, figures_of
from marketplace.handlers.auth import Principal, acts_for, require_acts_for, require_role
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.projections import meeting_list, report_facts, trade_volume


def subtree(svc: Services, unit_id: str) -> list[str]:
    """The unit and every unit under it in today's chart (404 for an unknown unit)."""
    org = chart(svc)
    org.get(unit_id)
    return sorted(u for u in org.units if org.is_within(u, unit_id))


def require_reader(svc: Services, principal: Principal, unit_id: str) -> None:
    """The unit's own side and its superiors, auditors and BI readers read its reports."""
    if principal.has(Role.AUDITOR, Role.BI_READER) or acts_for(principal, unit_id, chart(svc)):
        return
    raise Forbidden("This token cannot read that unit's reports.", {"unit_id": unit_id})


def submitted(svc: Services, unit_id: str, quarter: Quarter) -> QuarterlyReport | None:
    return svc.store.get(QuarterlyReport.id_for(unit_id, quarter), QuarterlyReport)


def submit_report(
    svc: Services,
    principal: Principal,
    unit_id: str,
    quarter: Quarter,
    units: list[str],
    figures: dict[str, Any],
) -> QuarterlyReport:
    """A platform admin (or HQ) freezes the unit's figures for an ended quarter, once."""
    require_role(principal, Role.PLATFORM_ADMIN, Role.HQ_ADMIN)
    require_acts_for(principal, unit_id, chart(svc))

    def attempt() -> QuarterlyReport:
        if submitted(svc, unit_id, quarter) is not None:
            raise DomainError(
                "report_already_submitted",
                f"The {quarter} report of {unit_id} was submitted already; it never changes.",
                {"unit_id": unit_id, "quarter": str(quarter)},
            )
        report = QuarterlyReport.submit(
            unit_id, quarter, units, figures, svc.today(), principal.actor, svc.clock()
        )
        svc.store.save(report)  # a concurrent submission makes this retry, then refuse
        return report

    return svc.retrying(attempt)


def assessed_units(svc: Services, principal: Principal, unit_id: str | None) -> list[str]:
    """The units whose annual assessment the token reads, in id order: every platform and
    enterprise for HQ, auditors and BI readers, else those it acts for; `unit_id` narrows to
    one of them (403 when it is not)."""
    org = chart(svc)
    assessed = sorted(u.id for u in org.units.values() if u.level is not Level.GROUP)
    if not principal.has(Role.HQ_ADMIN, Role.AUDITOR, Role.BI_READER):
        assessed = [u for u in assessed if acts_for(principal, u, org)]
        if not assessed:
            raise Forbidden("This token cannot read assessments.")
    if unit_id is None:
        return assessed
    if unit_id not in assessed:
        raise Forbidden("This token cannot read that unit's assessment.", {"unit_id": unit_id})
    return [unit_id]


@dataclass(frozen=True)
class LiveReport:
    """A unit's subtree's figures for a quarter, [start, end) in the group's zone, from the
    read model; `submitted`: the frozen report, once there is one."""

    unit_id: str
    quarter: Quarter
    start: datetime
    end: datetime
    units: list[str]
    figures: dict[str, Any]
    submitted: QuarterlyReport | None = None


async def live_report(
    svc: Services, models: ReadModels, unit_id: str, quarter: Quarter
) -> LiveReport:
    """The live figures, without the submitted report."""
    units = await asyncio.to_thread(subtree, svc, unit_id)
    start, end = quarter.bounds(svc.zone)
    reader = await models.reader(report_facts.PROJECTION.name)
    figures = figures_of(await report_facts.totals(reader, units, start, end))
    figures |= await trade_form_figures(models, units, start, end)
    figures |= await coordination_figures(svc, models, units, start, end)
    return LiveReport(unit_id, quarter, start, end, units, figures)


async def trade_form_figures(
    models: ReadModels, units: list[str], start: datetime, end: datetime
) -> dict[str, Any]:
    """The units' internal trade in [start, end) by how it came about (one-off awards, framework
    call-offs, joint-procurement shares, resource bookings): contracts activated and their
    amount, each contract once whichever of its parties are the units."""
    reader = await models.reader(trade_volume.PROJECTION.name)
    found = {
        r["key"]: r for r in await trade_volume.volume(reader, "trade_form", start, end, units)
    }
    return {
        "trade_forms": {
            form.value: {
                "contracts": found.get(form.value, {}).get("contracts", 0),
                "amount": found.get(form.value, {}).get("amount", "0.00"),
            }
            for form in TradeForm
        }
    }


async def coordination_figures(
    svc: Services, models: ReadModels, units: list[str], start: datetime, end: datetime
) -> dict[str, Any]:
    """The units' work-meeting follow-up in [start, end): their action items as they stood at
    the end (now, while the quarter runs) and the meeting requests filed (paper 3.4.2③)."""
    reader = await models.reader(meeting_list.PROJECTION.name)
    until = max(start, min(end, svc.clock()))
    return {
        "action_items": await meeting_list.quarter_item_counts(
            reader, units, start, until, svc.zone
        ),
        "meeting_requests": await meeting_list.request_counts(reader, units, start, end),
    }


async def read_report(
    svc: Services, principal: Principal, models: ReadModels, unit_id: str, quarter: Quarter
) -> LiveReport:
    """The live figures and the submitted report, if any, for a reader of the unit's reports."""
    await asyncio.to_thread(require_reader, svc, principal, unit_id)
    live = await live_report(svc, models, unit_id, quarter)
    frozen = await asyncio.to_thread(submitted, svc, unit_id, quarter)
    return replace(live, submitted=frozen)


async def submit_live_report(
    svc: Services, principal: Principal, models: ReadModels, unit_id: str, quarter: Quarter
) -> LiveReport:
    """Freeze today's live figures as the unit's report for the (ended) quarter."""
    live = await live_report(svc, models, unit_id, quarter)
    frozen = await asyncio.to_thread(
        submit_report, svc, principal, unit_id, quarter, live.units, live.figures
    )
    return replace(live, submitted=frozen)
