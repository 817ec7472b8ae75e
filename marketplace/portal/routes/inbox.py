"""`/inbox`: the needs the unit can act on now, refreshed in place every second."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from marketplace.handlers import lists
from marketplace.portal.web import PageRoute, Polling, SignedIn, Viewer, query
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 50


async def _items(viewer: Viewer, request: Request) -> lists.UnitPage:
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    return await lists.inbox_items(viewer.svc, viewer.signed_in, viewer.runtime, None, page)


@router.get("/inbox")
async def inbox(viewer: SignedIn, request: Request) -> Response:
    found = await _items(viewer, request)
    return viewer.render("inbox/index.html", inbox=found, first=query(request, "cursor") is None)


@router.get("/inbox/items")
async def inbox_items(viewer: Polling, request: Request) -> Response:
    """The list alone, and the header's badge out of band: what the open page polls for."""
    found = await _items(viewer, request)
    return viewer.render("inbox/_items.html", inbox=found, first=True, refresh=True)
