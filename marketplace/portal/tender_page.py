"""The page of one tender (`/tenders/{id}`), shared by the route that shows it and the forms on
it (bid, open, award) that answer with it again when refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from marketplace.api.routes.tenders import TenderOut
from marketplace.handlers import needs, tenders
from marketplace.handlers.auth import acts_for
from marketplace.handlers.organisation import chart
from marketplace.portal.web import Viewer
from marketplace.portal.wording import reason


def counted(viewer: Viewer, tender_id: str) -> TenderOut:
    """The tender as `GET /v1/tenders/{id}` shows it to this token (403 where the API refuses):
    what the bid count follows."""
    tender = tenders.load_tender(viewer.svc, tender_id, reading=True)
    tenders.may_read(viewer.svc, viewer.signed_in, tender)
    return TenderOut.of(tender)


def shown(viewer: Viewer, tender_id: str) -> dict[str, Any]:
    """The tender as `GET /v1/tenders/{id}` shows it to this token (403 where the API refuses),
    and what the page may offer to do. Before opening: how many bids, and whether the viewer's
    own invited units have bid; never an amount."""
    svc, principal = viewer.svc, viewer.signed_in
    tender = tenders.load_tender(svc, tender_id, reading=True)
    tenders.may_read(svc, principal, tender)
    view = TenderOut.of(tender)
    need = needs.read_need(svc, principal, tender.need_id).need
    org = chart(svc)
    mine = [u for u in view.invitees if acts_for(principal, u, org)]
    is_open = view.status == "open"
    past = svc.clock() > view.bid_deadline
    demand_acts = acts_for(principal, tender.demand_unit_id, org)
    names = {
        str(p["bid_id"]): str(p.get("supplier_unit_id") or p.get("external_supplier"))
        for p in view.ranking
    }
    return {
        "tender": view,
        "need": need,
        "demand_unit_id": tender.demand_unit_id,
        "mine": mine,
        # Whether each of the viewer's invited units has a bid in: yes or no, nothing more.
        "submitted": {u: u in tender.current_bids for u in mine},
        "bidding": mine if is_open and not past else [],
        "demand_acts": demand_acts,
        "external_bids": demand_acts and is_open and not past,
        "may_open": demand_acts and is_open and past,
        "may_award": demand_acts and view.status == "opened",
        "awarded_bid_id": tender.awarded_bid_id,
        "reasons": {
            str(p["bid_id"]): reason(str(p["reason"]), viewer._, names) for p in view.ranking
        },
        "names": names,
        "past": past,
    }


async def render(
    viewer: Viewer,
    tender_id: str,
    status: int = 200,
    values: Mapping[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    form: str | None = None,
) -> Response:
    """The tender's page; after a refusal, with the `form` ("bid", "external" or "award") as
    typed and what was wrong with it."""
    facts = await run_in_threadpool(shown, viewer, tender_id)
    return viewer.render(
        "tenders/detail.html",
        status,
        **facts,
        values=values or {},
        errors=errors or {},
        refused=refused,
        form=form,
    )
