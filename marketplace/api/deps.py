"""Request-scoped dependencies: services, read models, settings, ledger, replays, principal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.access_token import Role
from marketplace.audit.chain import Ledger
from marketplace.audit.replays import Replays
from marketplace.handlers.auth import Principal, authenticate, require_role
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services
from marketplace.metrics.access import MetricsAccess
from marketplace.metrics.process import ProcessMetrics
from marketplace.notifications.notifier import Notifier
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.projections.store import ReadModelStore
from marketplace.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="A token from POST /v1/tokens.")
# Dependencies that only hand out what the app holds are `async def`: FastAPI runs a plain
# `def` dependency in its thread pool, and a hop there per dependency cost more than the
# request's own work. Those that read a store (the principal) stay in the pool.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_principal(
    request: Request,
    svc: Annotated[Services, Depends(get_services)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    bearer = credentials.credentials if credentials else None
    principal = authenticate(svc, load_organisation(svc), bearer)
    request.state.token_id = principal.token_id
    return principal


async def get_projections(request: Request) -> ProjectionRuntime:
    runtime: ProjectionRuntime = request.app.state.projections
    return runtime


READ_YOUR_WRITES_WAIT = 2.0  # seconds a notifications read waits for the notifier to route


async def get_notifier_store(request: Request) -> ReadModelStore:
    """The store holding notifications and deliveries; routed up to the log's head first
    when this process runs the notifier (read-your-writes, as for the read models)."""
    notifier: Notifier | None = request.app.state.notifier
    if notifier is not None:
        await notifier.refresh(within=READ_YOUR_WRITES_WAIT)
    runtime: ProjectionRuntime = request.app.state.projections
    return runtime.store


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_ledger(request: Request) -> Ledger:
    """The audit hash chain the app keeps extending."""
    ledger: Ledger = request.app.state.ledger
    return ledger


async def get_replays(request: Request) -> Replays:
    """The audit replays the app's lifespan runs."""
    replays: Replays = request.app.state.replays
    return replays


async def get_process_metrics(request: Request) -> ProcessMetrics:
    """This process's metrics (its other parts', in `serve --all-in-one`, too)."""
    metrics: ProcessMetrics = request.app.state.metrics
    return metrics


async def get_metrics_access(request: Request) -> MetricsAccess:
    """Who may read /metrics on this process's bind."""
    access: MetricsAccess = request.app.state.metrics_access
    return access


async def get_event_store(svc: Annotated[Services, Depends(get_services)]) -> EventSourcingStore:
    """The event store itself, for the audit and health reads the `EventStore` port lacks."""
    if not isinstance(svc.store, EventSourcingStore):
        raise TypeError(f"the API runs on an EventSourcingStore, not {type(svc.store).__name__}")
    return svc.store


ServicesDep = Annotated[Services, Depends(get_services)]
EventStoreDep = Annotated[EventSourcingStore, Depends(get_event_store)]
ProjectionsDep = Annotated[ProjectionRuntime, Depends(get_projections)]
NotifierStoreDep = Annotated[ReadModelStore, Depends(get_notifier_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LedgerDep = Annotated[Ledger, Depends(get_ledger)]
ReplaysDep = Annotated[Replays, Depends(get_replays)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
ProcessMetricsDep = Annotated[ProcessMetrics, Depends(get_process_metrics)]
MetricsAccessDep = Annotated[MetricsAccess, Depends(get_metrics_access)]


def with_role(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the principal, when it has one of `roles`; 403 otherwise.

    Dependencies run before the body's validation is reported, so a token that may never
    call the route hears 403 whatever it sent (the handler still checks its reach)."""

    async def principal_with_role(principal: PrincipalDep) -> Principal:
        require_role(principal, *roles)
        return principal

    return principal_with_role
