"""The form on `/frameworks` that draws up a framework agreement: its fields as the API's
`FrameworkIn` (the schedule typed one period a line, `2027-01 300 612.50`), who sees it, and
what a refusal shows (field errors, the 403 of a token acting for neither party, a rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.framework import Framework
from marketplace.aggregates.organisation import UnitNotFound
from marketplace.api.framework_bodies import FrameworkIn
from marketplace.handlers import frameworks
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import Forbidden
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.need_page import typed
from marketplace.portal.web import Refusal, Viewer, attempt
from marketplace.portal.wording import FIELD_ERRORS, INVALID, field_errors

FIELDS = (
    "demand_unit_id", "supply_unit_id", "item_code", "uom", "from", "to",
    "shortfall_tolerance_pct", "business_type", "directive_id", "schedule",
)  # fmt: skip
BAD_LINE = N_("Each line: a period, a quantity and, if agreed, a unit price.")
ON_LINE = N_("Line {line}: {error}")
NEITHER_PARTY = N_("You may draw up an agreement only for a unit you act for, as one party.")
NO_UNIT = N_("No such unit.")


@dataclass(frozen=True)
class Drawing:
    """The draw-up form as typed, with what was wrong (shown beside the fields or above)."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    refused: str | None = None
    status: int = 200


def may_draw_up(principal: Principal) -> bool:
    """Who acts for some unit (the handler decides which): HQ, a platform admin, an operator."""
    if principal.has(Role.HQ_ADMIN):
        return True
    return principal.unit_id is not None and principal.has(Role.PLATFORM_ADMIN, Role.UNIT_OPERATOR)


def blank(viewer: Viewer) -> Drawing:
    """An empty form: the viewer's own unit as the demand unit, a regular agreement."""
    unit = viewer.signed_in.unit_id or ""
    return Drawing({"demand_unit_id": unit, "business_type": "regular"})


def parse(values: dict[str, str], _: Translator) -> tuple[FrameworkIn | None, dict[str, str]]:
    """The form as the API's body, or its errors; a schedule line's error names the line."""
    schedule: list[dict[str, str]] = []
    lines: list[int] = []  # the textarea's line number of each period
    errors: dict[str, str] = {}
    for number, line in enumerate(values.get("schedule", "").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) > 3 or len(parts) < 2:
            errors.setdefault("schedule", _(ON_LINE, line=number, error=_(BAD_LINE)))
            continue
        schedule.append(dict(zip(("period", "quantity", "unit_price"), parts, strict=False)))
        lines.append(number)
    body: dict[str, Any] = typed({k: v for k, v in values.items() if k != "schedule"})
    if schedule:
        body["schedule"] = schedule
    try:
        model = FrameworkIn.model_validate(body)
    except ValidationError as invalid:
        found = field_errors(invalid, _, FIELDS)
        for err in invalid.errors():
            loc = err.get("loc", ())
            if len(loc) > 1 and loc[0] == "schedule" and isinstance(loc[1], int):
                sentence = _(FIELD_ERRORS.get(str(err.get("type")), INVALID))
                found["schedule"] = _(ON_LINE, line=lines[loc[1]], error=sentence)
                break
        return None, {**found, **errors}
    return (None, errors) if errors else (model, {})


async def attempt_draw_up(
    viewer: Viewer, body: FrameworkIn, values: dict[str, str]
) -> Framework | Drawing:
    """The API's handler on the body: the new agreement, or the form again with why not."""
    try:
        done = await attempt(viewer, frameworks.draw_up, viewer.svc, viewer.signed_in, body.terms())
    except UnitNotFound as missing:  # the API's 404, said beside the unit typed wrong
        unit = missing.details.get("unit_id")
        wrong = [f for f in ("demand_unit_id", "supply_unit_id") if values.get(f) == unit]
        said = {f: viewer._(NO_UNIT) for f in wrong or ["demand_unit_id"]}
        return Drawing(values, said, None, 404)
    except Forbidden:  # the API's 403; the form as typed is kept
        return Drawing(values, {}, viewer._(NEITHER_PARTY), 403)
    if isinstance(done, Refusal):
        return Drawing(values, {}, done.sentence, 409)
    return done
