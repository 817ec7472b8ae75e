"""`/dashboard`: HQ's control room — the group's trade, invitation compliance and supplier quality
for a period and a unit's subtree, from the read models' queries of `/v1/projections/...`; each
figure's numbers as a table and as CSV (`/dashboard/{figure}.csv` with the same query)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.assessment import KPIS
from marketplace.aggregates.organisation import Organisation
from marketplace.handlers import analytics
from marketplace.handlers.errors import NotFound
from marketplace.handlers.organisation import chart
from marketplace.portal import decisions
from marketplace.portal.dashboard_page import (
    ASSESSMENT,
    FIGURES,
    PERIODS,
    SECTIONS,
    Chart,
    Link,
    Overdue,
    Period,
    PeriodInvalid,
    Scope,
    assessed_shown,
    period_of,
    picker_values,
    unit_choices,
)
from marketplace.portal.web import PageRoute, SignedIn, Viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PICKER = ("period", "year", "half", "quarter", "month", "from", "to", "unit_id")
SORTS = ("unit", *KPIS, "total")  # a KPI no shown unit's scheme weighs sorts by nothing


def _reach(viewer: Viewer, unit_id: str | None) -> tuple[Organisation, frozenset[str] | None]:
    """The chart and the units counted (None: the group); 403 outside the token's reach."""
    principal = viewer.signed_in
    units = analytics.figures_reach(viewer.svc, principal, unit_id)
    return chart(viewer.svc), units


def _asked(request: Request, viewer: Viewer) -> dict[str, str]:
    asked = {n: v for n in PICKER if isinstance(v := request.query_params.get(n), str)}
    return picker_values(asked, viewer.svc.today())


async def _scope(viewer: Viewer, values: dict[str, str], period: Period) -> Scope:
    org, units = await run_in_threadpool(_reach, viewer, values["unit_id"] or None)
    today, sort = viewer.svc.today(), viewer.request.query_params.get("sort", "")
    return Scope(
        viewer.runtime, viewer.svc.zone, period, units, org, viewer._, today,
        viewer.signed_in, viewer.svc, sort if sort in SORTS else "",
    )  # fmt: skip


@router.get("/dashboard")
async def dashboard(viewer: SignedIn, request: Request) -> Response:
    values = _asked(request, viewer)
    # The reach first: a token without figures gets its 403 whatever it asked for.
    org, own = await run_in_threadpool(_reach, viewer, None)
    errors: dict[str, str] = {}
    charts: dict[str, Chart] = {}
    status = 200
    try:
        period = period_of(values, viewer.svc.today())
    except PeriodInvalid as invalid:
        errors = {name: viewer._(text) for name, text in invalid.errors.items()}
        status = 422
    else:
        scope = await _scope(viewer, values, period)
        # The figures are independent reads: side by side, PostgreSQL answers them on the
        # pool's connections at once (SQLite's one connection takes them in turn anyway).
        names = [name for _, section in SECTIONS for name in section]
        found = await asyncio.gather(*(FIGURES[name](scope) for name in names))
        charts = dict(zip(names, found, strict=True))
    return viewer.render(
        "dashboard/page.html",
        status,
        values=values,
        errors=errors,
        periods=PERIODS,
        units=unit_choices(org, own),
        sections=SECTIONS,
        charts=charts,
        assessment_year=values["year"] if values["period"] != "custom" else values["from"][:4],
        **_helpers(values),
    )


def _helpers(values: dict[str, str]) -> dict[str, Any]:
    """What the figures' template needs beside them: the query to repeat, the cells' kinds."""
    return {
        "asked": urlencode({n: values[n] for n in PICKER if values[n]}),
        "drawing": _drawing,
        "is_link": lambda cell: isinstance(cell, Link),
        "is_overdue": lambda cell: isinstance(cell, Overdue),
    }


@router.get("/dashboard/assessment")
async def assessment(viewer: SignedIn, request: Request) -> Response:
    """The year's annual assessment of the units the dashboard's filter names (its own page:
    each unit is scored from its subtree's year, which takes longer than the figures)."""
    values = _asked(request, viewer)
    await run_in_threadpool(_reach, viewer, None)
    try:
        period = period_of(values, viewer.svc.today())
    except PeriodInvalid:
        return await dashboard(viewer, request)  # the picker says what is wrong
    scope = await _scope(viewer, values, period)
    found = await FIGURES[ASSESSMENT](scope)
    year = period.first.year
    decided = await decisions.of_units(viewer, await assessed_shown(scope), year)
    return viewer.render(
        "dashboard/assessment.html", chart=found, decisions=decided, year=year, **_helpers(values)
    )


def _drawing(figure: Chart) -> str:
    """The chart's data as JSON safe inside a `<script type="application/json">` block."""
    text = json.dumps(figure.drawing(), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@router.get("/dashboard/{figure}.csv")
async def figure_csv(figure: str, viewer: SignedIn, request: Request) -> Response:
    if figure not in FIGURES:
        raise NotFound(f"No figure {figure!r}.")
    values = _asked(request, viewer)
    await run_in_threadpool(_reach, viewer, None)
    try:
        period = period_of(values, viewer.svc.today())
    except PeriodInvalid:
        return Response("the period asked for is not valid\r\n", 422, media_type="text/plain")
    scope = replace(await _scope(viewer, values, period), whole=True)
    found = await FIGURES[figure](scope)
    name = f"{figure}-{period.first.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        found.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
