"""HQ's rewards and penalties as pages show them (the unit's page, the quarterly report's
context, the dashboard's assessment page): the decision list's rows for the units whose
assessment the signed-in token reads (`GET /v1/assessments/annual`'s reach)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool

from marketplace.handlers import assessment_decisions, reports
from marketplace.handlers.errors import Forbidden
from marketplace.portal.web import Viewer

SHOWN = 20  # a unit's page and a report show the latest decisions only


def _reads(viewer: Viewer, unit_id: str) -> bool:
    try:
        reports.assessed_units(viewer.svc, viewer.signed_in, unit_id)
    except Forbidden:
        return False
    return True


async def of_unit(
    viewer: Viewer, unit_id: str, year: int | None = None
) -> list[dict[str, Any]] | None:
    """The unit's decisions (of `year`, or the latest of every year), or None when the token
    does not read the unit's assessment (the group unit is never assessed)."""
    if not await run_in_threadpool(_reads, viewer, unit_id):
        return None
    found = await assessment_decisions.decisions_of(viewer.runtime, [unit_id], year=year)
    return found[unit_id][:SHOWN]


async def of_units(viewer: Viewer, units: Sequence[str], year: int) -> list[dict[str, Any]]:
    """The year's decisions of `units` (already within the token's reach), the latest first."""
    found = await assessment_decisions.decisions_of(viewer.runtime, units, year=year)
    rows = [row for unit in units for row in found[unit]]
    return sorted(rows, key=lambda r: (r["recorded_at"], r["decision_id"]), reverse=True)
