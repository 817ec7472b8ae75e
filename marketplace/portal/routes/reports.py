"""`/reports`: a unit's quarterly report — the figures of `GET /v1/reports/quarterly` and, for a
platform admin once the quarter is over, its submission (`POST /v1/reports/quarterly/submit`),
with the API's bodies and handlers; for HQ without a unit, every platform's report status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.aggregates.organisation import Level
from marketplace.aggregates.report import Quarter, QuarterlyReport
from marketplace.api.routes.reports import SubmitIn
from marketplace.api.schemas import Strict
from marketplace.handlers import reports
from marketplace.handlers.auth import acts_for
from marketplace.handlers.organisation import chart
from marketplace.inputs import QuarterText
from marketplace.portal import decisions
from marketplace.portal.dashboard_page import TRADE_FORMS
from marketplace.portal.i18n import N_
from marketplace.portal.web import CheckedForm, PageRoute, SignedIn, Viewer, query, text_fields
from marketplace.portal.wording import field_errors, refusal

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FIELDS = ("unit_id", "quarter")
QUARTERS_SHOWN = 8  # the picker offers this many quarters back from the current one

# The figures' sections and rows, in the order of `figures_of` (marketplace/aggregates/report.py).
SECTIONS = {
    "internal_trade": N_("Internal trade of the units"),
    "tenders": N_("Tenders and invitation compliance"),
    "external_sourcing": N_("Buying outside the group"),
    "quality_incidents": N_("Quality incidents in the quarter"),
    "disputes": N_("Disputes"),
    "trade_forms": N_("Internal trade by trade form"),
    "action_items": N_("Action items of work meetings"),
    "meeting_requests": N_("Requests for ad-hoc meetings"),
}
ROWS = {
    "as_supplier": N_("the units as suppliers"),
    "as_buyer": N_("the units as buyers"),
    "contracts": N_("Contracts"),
    "amount": N_("Amount (CNY)"),
    "delivered_amount": N_("Delivered so far (CNY)"),
    "launched": N_("launched in the quarter"),
    "for_catalog_items": N_("for catalog items"),
    "compliant": N_("every catalog supplier invited"),
    "exception_filed": N_("omission filed"),
    "requested": N_("requests made"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "closed_external": N_("bought outside"),
    "against_suppliers": N_("against the units as suppliers"),
    "raised_as_buyer": N_("raised by the units as buyers"),
    "resolved": N_("resolved in the quarter"),
    "raised": N_("raised in the quarter"),
    "to_mediation": N_("taken to mediation"),
    "closed": N_("closed in the quarter"),
    **TRADE_FORMS,  # the trade forms' rows, named as the dashboard names them
    "open": N_("open, not yet due"),
    "overdue": N_("overdue"),
    "done": N_("done in the quarter"),
    "filed": N_("filed in the quarter"),
    "pending": N_("awaiting HQ's answer"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
}


def last_ended(today: date) -> Quarter:
    current = Quarter(today.year, (today.month - 1) // 3 + 1)
    return _before(current)


def _before(q: Quarter) -> Quarter:
    return Quarter(q.year - 1, 4) if q.number == 1 else Quarter(q.year, q.number - 1)


def _quarters(today: date) -> list[str]:
    """The current quarter and those before it, latest first, for the picker."""
    found = [Quarter(today.year, (today.month - 1) // 3 + 1)]
    while len(found) < QUARTERS_SHOWN:
        found.append(_before(found[-1]))
    return [str(q) for q in found]


def _units(viewer: Viewer) -> list[str]:
    """Units whose reports the picker offers: those the token acts for, all for a reader."""
    org, principal = chart(viewer.svc), viewer.signed_in
    reads_all = principal.has(Role.AUDITOR, Role.BI_READER)
    return sorted(u for u in org.units if reads_all or acts_for(principal, u, org))


@router.get("/reports")
async def report(viewer: SignedIn, request: Request) -> Response:
    principal = viewer.signed_in
    if principal.has(Role.HQ_ADMIN) and not query(request, "unit_id"):
        return await _overview(viewer, query(request, "quarter"))
    values = {
        "unit_id": query(request, "unit_id") or principal.unit_id or "",
        "quarter": query(request, "quarter") or str(last_ended(viewer.svc.today())),
    }
    return await _page(viewer, values)


@router.post("/reports/submit")
async def submit(viewer: SignedIn, form: CheckedForm) -> Response:
    values = text_fields(form, *FIELDS)
    try:
        body = SubmitIn.model_validate(values)
    except ValidationError as invalid:
        return await _page(viewer, values, 422, errors=field_errors(invalid, viewer._, FIELDS))
    try:
        await reports.submit_live_report(
            viewer.svc, viewer.signed_in, viewer.runtime, body.unit_id, Quarter.parse(body.quarter)
        )
    except RecordNotFound:
        raise
    except DomainError as refused:
        return await _page(viewer, values, 409, refused=refusal(refused, viewer._))
    asked = urlencode({"unit_id": body.unit_id, "quarter": body.quarter})
    return RedirectResponse(f"/reports?{asked}", 303)


class QuarterIn(Strict):
    """The overview's one question, checked as the API checks a quarter."""

    quarter: QuarterText


@dataclass(frozen=True)
class Status:
    """A platform's report for the quarter: submitted (when, by whom) or missing."""

    unit_id: str
    name: str
    submitted: QuarterlyReport | None


def _statuses(viewer: Viewer, quarter: Quarter) -> list[Status]:
    """Every platform's report, from the report store the API reads (one record a platform,
    looked up by its id: no figures are recomputed for the list)."""
    org = chart(viewer.svc)
    platforms = sorted(
        (u for u in org.units.values() if u.level is Level.PLATFORM), key=lambda u: u.id
    )
    return [Status(u.id, u.name, reports.submitted(viewer.svc, u.id, quarter)) for u in platforms]


async def _overview(viewer: Viewer, asked: str | None) -> Response:
    """HQ's view of a quarter: each platform's report submitted or missing (a wrong quarter
    is said beside the picker, with no list)."""
    today = viewer.svc.today()
    values = {"quarter": asked or str(last_ended(today))}
    try:
        quarter = QuarterIn.model_validate(values).quarter
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, ("quarter",))
        statuses, status = None, 422
    else:
        found = Quarter.parse(quarter)
        statuses = await run_in_threadpool(_statuses, viewer, found)
        errors, status = {}, 200
    return viewer.render(
        "reports/overview.html",
        status,
        values=values,
        errors=errors,
        quarters=_quarters(today),
        statuses=statuses,
        group=viewer.signed_in.unit_id,
    )


async def _page(
    viewer: Viewer,
    values: dict[str, str],
    status: int = 200,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
) -> Response:
    """The report of the unit and quarter asked for (403 outside the token's reach, 404 for an
    unknown unit); a picker that is wrong says so beside itself, with no figures."""
    facts: dict[str, Any] = {"live": None}
    errors = errors or {}
    if not errors:
        try:
            asked = SubmitIn.model_validate(values)
        except ValidationError as invalid:
            errors, status = field_errors(invalid, viewer._, FIELDS), 422
        else:
            facts = await _report(viewer, asked.unit_id, Quarter.parse(asked.quarter))
    units, quarters = await run_in_threadpool(_units, viewer), _quarters(viewer.svc.today())
    return viewer.render(
        "reports/quarterly.html",
        status,
        **facts,
        values=values,
        errors=errors,
        refused=refused,
        units=units,
        quarters=quarters,
        sections=SECTIONS,
        rows=ROWS,
        overview=viewer.signed_in.has(Role.HQ_ADMIN),  # HQ's way back to every platform's
    )


async def _report(viewer: Viewer, unit_id: str, quarter: Quarter) -> dict[str, Any]:
    svc, principal = viewer.svc, viewer.signed_in
    live = await reports.read_report(svc, principal, viewer.runtime, unit_id, quarter)
    ended = svc.today() >= quarter.next_first_day
    submits = principal.has(Role.PLATFORM_ADMIN, Role.HQ_ADMIN)
    decided = await decisions.of_unit(viewer, unit_id, quarter.year - 1)
    return {
        "decisions": decided,  # of the year before: the context of the unit's reporting
        "decisions_year": quarter.year - 1,
        "live": live,
        "frozen": live.submitted,
        "ended": ended,
        "may_submit": submits and ended and live.submitted is None,
        "submit_from": quarter.next_first_day,
        # The quarter's days, the last one included (the figures count [start, end)).
        "days": (quarter.first_day, quarter.next_first_day - timedelta(days=1)),
    }
