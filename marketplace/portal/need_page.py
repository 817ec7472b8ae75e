"""The page of one need (`/needs/{id}`), shared by the routes that show it and the forms on it
that answer with it again when refused."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.need import Ground
from marketplace.api.routes.needs import NeedOut
from marketplace.handlers import needs
from marketplace.handlers.auth import acts_for
from marketplace.handlers.organisation import chart
from marketplace.portal import catalog_lookup
from marketplace.portal.web import Viewer
from marketplace.portal.wording import label


def typed(values: dict[str, str]) -> dict[str, str]:
    """What was filled in: an empty field is a missing one, as in a JSON body without it."""
    return {k: v for k, v in values.items() if v.strip()}


def moment(value: str, viewer: Viewer) -> str:
    """A browser's `datetime-local` value as RFC 3339, in the group's time zone; other text
    goes to validation as typed."""
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        return value
    if local.tzinfo is None:
        local = local.replace(tzinfo=viewer.svc.zone)
    return local.isoformat()


def shown(viewer: Viewer, need_id: str) -> dict[str, Any]:
    """The need as the API shows it to this token, and what the page may offer to do."""
    svc, principal = viewer.svc, viewer.signed_in
    read = needs.read_need(svc, principal, need_id)
    view = NeedOut.of(read.need, read.offers, svc.clock(), read.demand_side)
    org = chart(svc)
    reference = {m["supplier_unit_id"]: m.get("reference_price") for m in view.matches}
    open_offers = [o for o in view.offers if o.status == "open"]
    offering = [
        m["supplier_unit_id"]
        for m in view.matches
        if acts_for(principal, m["supplier_unit_id"], org)
        and not any(o.supplier_unit_id == m["supplier_unit_id"] for o in open_offers)
    ]
    # The supplier's own open offers, which it may revise or withdraw while the need is open.
    revisable = [o for o in open_offers if acts_for(principal, o.supplier_unit_id, org)]
    return {
        "need": view,
        "reference": reference,
        "offering": offering if view.status == "open" else [],
        "revisable": revisable if view.status == "open" else [],
        # The demand side may act (award, buy outside, launch a tender) while the need is open.
        "demand_acts": view.status == "open" and acts_for(principal, view.demand_unit_id, org),
        "grounds": [(g.value, label(g.value, viewer._)) for g in Ground],
    }


async def render(
    viewer: Viewer,
    need_id: str,
    status: int = 200,
    values: Mapping[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    form: str | None = None,
) -> Response:
    """The need's page; after a refusal, with the `form` as typed and what was wrong with it
    (`form`: "offer", or the id of the offer being revised)."""
    facts = await run_in_threadpool(shown, viewer, need_id)
    view: NeedOut = facts["need"]
    checklist: list[str] = []
    if facts["demand_acts"] and view.sourcing == "tender":
        # Every catalog supplier in force now: the tender's rule is judged at launch.
        entries = await catalog_lookup.suppliers(viewer.svc, viewer.runtime, view.item_code)
        checklist = sorted({e["supplier_unit_id"] for e in entries} - {view.demand_unit_id})
    return viewer.render(
        "needs/detail.html",
        status,
        **facts,
        values=values or {},
        errors=errors or {},
        refused=refused,
        form=form,
        checklist=checklist,
    )
