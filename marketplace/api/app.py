"""The FastAPI application: routers, error model, request ids and access logs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from marketplace import __version__
from marketplace.adapters.idempotency_store import IdempotencyStore
from marketplace.api.docs import install_docs
from marketplace.api.errors import install_error_handlers
from marketplace.api.idempotency import Idempotency, document_idempotency_key
from marketplace.api.limits import RequestLimits
from marketplace.api.openapi_errors import install_openapi
from marketplace.api.process_metrics import watch_api
from marketplace.api.request_context import RequestContext
from marketplace.api.routes import (
    action_items,
    assessments,
    audit,
    catalog,
    catalog_documents,
    contracts,
    deliveries,
    directives,
    disputes,
    documents,
    external_sourcing,
    frameworks,
    health,
    inbox,
    inspections,
    joint_procurements,
    leadership_group,
    meeting_requests,
    meetings,
    metrics,
    needs,
    offers,
    projections,
    quality_incidents,
    replays,
    reports,
    resources,
    rules,
    subscriptions,
    tenders,
    tokens,
    units,
    visits,
    working_groups,
)
from marketplace.api.routes import (
    notifications as notification_routes,
)
from marketplace.audit.chain import Ledger, keep_chained
from marketplace.audit.replays import replays_of
from marketplace.handlers.ports import NotificationLog, Services
from marketplace.lead import Lead
from marketplace.log import get_logger
from marketplace.metrics.access import MetricsAccess
from marketplace.metrics.http import HttpMetrics
from marketplace.metrics.process import ProcessMetrics
from marketplace.notifications.notifier import Notifier
from marketplace.notifications.outbox import NOTIFIER
from marketplace.portal.install import install_portal
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.projections.store import ReadModelStore
from marketplace.settings import Settings
from marketplace.supervise import keep_running

log = get_logger("marketplace.api")
LEAD_RETRY = 1.0  # seconds between a follower's tries to take the lead of its group of workers


async def led(lead: Lead, stop: asyncio.Event, run: Callable[[], Awaitable[None]]) -> None:
    """`run` once this process leads its group of workers (at once when it is alone)."""
    if await lead.wait(stop, LEAD_RETRY):
        await run()


def create_app(
    settings: Settings,
    services: Services,
    *,
    runtime: ProjectionRuntime,
    ledger: Ledger,
    notifications: NotificationLog,
    notifier: Callable[[ReadModelStore], Notifier] | None = None,
    process_metrics: ProcessMetrics,
    metrics_access: MetricsAccess,
    lead: Lead | None = None,
) -> FastAPI:
    """The API over parts built elsewhere (`bootstrap.build_api`); it starts and stops them.
    `process_metrics` are this process's (its other parts', in `serve --all-in-one`, too); in
    a group of workers, the chain and the notifier run in the `lead` alone."""
    lead = lead or Lead(None)
    keep_replays = timedelta(hours=settings.audit_replay_keep_hours)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        await runtime.store.create(NOTIFIER)  # read here even when another process notifies
        watch_api(process_metrics, services.store, ledger, runtime, settings)
        await portal.start(runtime)
        app.state.replays = replays_of(services, notifications, runtime, keep_replays)
        await app.state.replays.start()
        stop = asyncio.Event()
        chaining = asyncio.create_task(
            led(lead, stop, lambda: keep_chained(ledger, notifications, stop))
        )
        tasks = [chaining]
        if notifier is not None:  # embedded: the notifier runs in the API's process
            app.state.notifier = running = notifier(runtime.store)
            # Where notifying begins is fixed before the first request: a write answered
            # before would otherwise fall before that start and notify nobody.
            await running.prepare()

            async def notifying() -> None:
                await keep_running("notifier", lambda: running.run(stop), stop)

            tasks.append(asyncio.create_task(led(lead, stop, notifying)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await app.state.replays.stop()
            await runtime.stop()
            lead.close()
            ledger.close()
            idempotency.close()

    app = FastAPI(
        title="Energy group internal market",
        version=__version__,
        description="Needs, offers, tenders, contracts and disputes between the group's units.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.services = services
    app.state.projections = runtime
    app.state.ledger = ledger
    app.state.notifier = None
    app.state.metrics = process_metrics
    app.state.metrics_access = metrics_access
    install_error_handlers(app)
    lease = timedelta(seconds=settings.idempotency_lease_seconds)
    idempotency = IdempotencyStore.beside(services, lease=lease)
    app.add_middleware(
        Idempotency,
        store=idempotency,
        services=services,
        wait_seconds=settings.idempotency_wait_seconds,
    )
    app.add_middleware(RequestLimits, **settings.request_limits)
    # Outermost of ours: it logs and counts the refusals above too.
    app.add_middleware(RequestContext, observe=HttpMetrics(process_metrics).observe)
    install_openapi(app)
    document_idempotency_key(app)
    install_docs(app)
    for router in (
        health.router,
        metrics.router,
        units.router,
        tokens.router,
        catalog.router,
        catalog_documents.router,
        documents.router,
        needs.router,
        offers.router,
        external_sourcing.router,
        inbox.router,
        notification_routes.router,
        deliveries.router,
        directives.router,
        tenders.router,
        contracts.router,
        disputes.router,
        meetings.router,
        meeting_requests.router,
        action_items.router,
        quality_incidents.router,
        inspections.router,
        working_groups.router,
        leadership_group.router,
        projections.router,
        reports.router,
        assessments.router,
        rules.router,
        subscriptions.router,
        visits.router,
        frameworks.router,
        joint_procurements.router,
        resources.router,
        replays.router,  # before audit's `/{aggregate_id}/…`, which `replays/…` would match
        audit.router,
    ):
        app.include_router(router)
    portal = install_portal(app, settings.portal_session_idle_minutes)  # the HTML pages
    return app
