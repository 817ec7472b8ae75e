"""`/health`: the event store, the read models and the broker, answered within two seconds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.api.deps import EventStoreDep, ProjectionsDep, SettingsDep
from marketplace.api.health_components import HealthComponents, needed_components
from marketplace.log import get_logger
from marketplace.projections.heartbeats import Heartbeat, read_heartbeats
from marketplace.projections.runtime import ProjectionRuntime, ProjectionStatus

router = APIRouter(prefix="/health", tags=["operations"])
log = get_logger(__name__)

# Each check has its own bound and they run side by side, so /health answers within about
# PROBE seconds even when the database hangs (and never waits for the request thread pool).
PROBE = 1.5
BROKER_PROBE = 1.0


class Health(BaseModel):
    status: Literal["ok", "degraded", "unavailable"] = Field(
        description="`degraded` (still 200): a component the deployment needs is missing, "
        "stale or failed (see `components`); `unavailable` (503): the event store cannot be "
        "reached."
    )
    event_store: Literal["ok", "unreachable"]
    event_store_backend: str
    broker: str = Field(examples=["ok", "unreachable", "not_configured"])
    components: HealthComponents = Field(default_factory=HealthComponents)


async def broker_status(bootstrap: str | None, seconds: float = BROKER_PROBE) -> str:
    """'ok' when any bootstrap server accepts a connection; 'not_configured' without one."""
    if not bootstrap:
        return "not_configured"
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(host or "localhost", int(port)), seconds
            )
        except (OSError, ValueError, TimeoutError):
            continue
        writer.close()
        return "ok"
    return "unreachable"


async def _head(store: EventSourcingStore) -> int | None:
    try:
        return await store.probe_head(PROBE)
    except Exception as exc:  # any driver error or timeout means "unreachable" to a monitor
        log.warning("event_store_unreachable", error=repr(exc))
        return None


async def _read_models(
    runtime: ProjectionRuntime,
) -> tuple[list[ProjectionStatus], list[Heartbeat]] | None:
    try:
        async with asyncio.timeout(PROBE):
            return await runtime.status(), await read_heartbeats(runtime.store)
    except Exception as exc:
        log.warning("read_models_unreachable", error=repr(exc))
        return None


@router.get("", response_model=Health, responses={503: {"model": Health}})
async def health(
    store: EventStoreDep, runtime: ProjectionsDep, settings: SettingsDep
) -> JSONResponse:
    """Liveness and dependencies; 503 when the event store cannot be reached, `degraded` when
    a component the deployment needs is missing, stale or failed (see `components`)."""
    head, found, broker = await asyncio.gather(
        _head(store),
        _read_models(runtime),
        broker_status(settings.kafka_bootstrap),
    )
    if head is None:
        body = Health(
            status="unavailable",
            event_store="unreachable",
            event_store_backend=store.backend,
            broker=broker,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    components = needed_components(runtime, found, settings, datetime.now(UTC))
    healthy = all(c.status == "ok" for c in (components.relay, components.projections) if c)
    body = Health(
        status="ok" if healthy else "degraded",
        event_store="ok",
        event_store_backend=store.backend,
        broker=broker,
        components=components,
    )
    # Only what this deployment needs: no relay without a broker.
    unneeded = {"components": {"relay"}} if components.relay is None else None
    return JSONResponse(body.model_dump(mode="json", exclude=unneeded), status_code=200)
