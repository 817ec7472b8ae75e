"""Mounting the portal on the API's app: its pages, its static files and its sessions."""

from __future__ import annotations

import inspect
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response

from marketplace.portal.routes import (
    approvals,
    audit,
    auth,
    catalog_review,
    catalog_search,
    catalog_versions,
    contracts,
    dashboard,
    deliveries,
    disputes,
    documents,
    external_sourcing,
    findings,
    frameworks,
    inbox,
    joint_procurements,
    meetings,
    needs,
    notifications,
    offers,
    reports,
    resources,
    rules,
    subscriptions,
    tenders,
    units,
    visits,
    working_groups,
)
from marketplace.portal.web import Portal, error_page

STATIC_DIR = Path(__file__).parent / "static"
ASSETS = "/assets"
# Paths of the API and its documents: their errors stay the API's JSON whoever asks.
API_PATHS = ("/v1/", "/health", "/docs", "/redoc", "/openapi", "/asyncapi", "/static/", "/metrics")


def install_portal(app: FastAPI, idle_minutes: int) -> Portal:
    """The pages on `app`; the returned portal is started by the app's lifespan."""
    portal = Portal(timedelta(minutes=idle_minutes))
    app.state.portal = portal
    app.mount(ASSETS, StaticFiles(directory=STATIC_DIR), name="portal-assets")
    for router in (
        auth.router,
        inbox.router,
        needs.router,
        offers.router,
        external_sourcing.router,
        tenders.router,
        contracts.router,
        disputes.router,
        meetings.router,
        findings.router,
        working_groups.router,
        rules.router,
        approvals.router,
        catalog_search.router,
        catalog_versions.router,
        catalog_review.router,
        documents.router,
        reports.router,
        units.router,
        audit.router,
        dashboard.router,
        subscriptions.router,
        deliveries.router,
        notifications.router,
        visits.router,
        frameworks.router,
        joint_procurements.router,
        resources.router,
    ):
        app.include_router(router)
    _pages_for_browsers(app)
    return portal


def _pages_for_browsers(app: FastAPI) -> None:
    """A browser asking for an address that is no page (a mistyped path, or a form's address
    opened directly: 404 or 405) gets the portal's 404 page, not the API's JSON."""
    api_answer = app.exception_handlers[HTTPException]

    async def answer(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        wants_page = "text/html" in request.headers.get("accept", "")
        if wants_page and exc.status_code in (404, 405) and not _api_path(request.url.path):
            page = error_page(request, 404)  # the text of a 404: no page at this address
            page.status_code = exc.status_code
            return page
        response = api_answer(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.exception_handlers[HTTPException] = answer


def _api_path(path: str) -> bool:
    return path.startswith(API_PATHS)
