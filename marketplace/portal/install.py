"""Mounting the portal on the API's app: its pages, its static files and its sessions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from marketplace.portal.routes import (
    approvals,
    auth,
    catalog_search,
    catalog_versions,
    contracts,
    disputes,
    external_sourcing,
    findings,
    inbox,
    needs,
    offers,
    reports,
    tenders,
)
from marketplace.portal.web import Portal

STATIC_DIR = Path(__file__).parent / "static"
ASSETS = "/assets"


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
        findings.router,
        approvals.router,
        catalog_search.router,
        catalog_versions.router,
        reports.router,
    ):
        app.include_router(router)
    return portal
