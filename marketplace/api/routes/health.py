"""`/health`: the event store, the read models and the broker, answered within two seconds."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.api.answers import ProjectionFailureOut
from marketplace.log import get_logger
from marketplace.projections.runtime import ProjectionRuntime, ProjectionStatus

router = APIRouter(tags=["operations"])
log = get_logger(__name__)

# Each check has its own bound and they run side by side, so /health answers within about
# PROBE seconds even when the database hangs (and never waits for the request thread pool).
PROBE = 1.5
BROKER_PROBE = 1.0


class ProjectionsHealth(BaseModel):
    status: Literal["ok", "failed", "unknown"] = Field(
        description="`failed`: a read model cannot apply an event (see `failed`); `unknown`: "
        "the read models did not answer in time."
    )
    feed: Literal["in_process", "kafka"]
    lag: int | None = Field(description="The largest lag of a read model behind the store.")
    failed: dict[str, ProjectionFailureOut] = Field(
        default_factory=dict, description="Failed read models by name."
    )


class HealthComponents(BaseModel):
    projections: ProjectionsHealth | None = Field(
        default=None, description="Absent while the event store is unreachable."
    )


class Health(BaseModel):
    status: Literal["ok", "degraded", "unavailable"] = Field(
        description="`degraded` (still 200): a read model failed or did not answer; "
        "`unavailable` (503): the event store cannot be reached."
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


async def _projections(runtime: ProjectionRuntime) -> list[ProjectionStatus] | None:
    try:
        return await asyncio.wait_for(runtime.status(head=0), PROBE)
    except Exception as exc:
        log.warning("read_models_unreachable", error=repr(exc))
        return None


def _projections_health(
    runtime: ProjectionRuntime, found: list[ProjectionStatus] | None, head: int
) -> ProjectionsHealth:
    feed: Literal["in_process", "kafka"] = "in_process" if runtime.feed_in_process else "kafka"
    if found is None:
        return ProjectionsHealth(status="unknown", feed=feed, lag=None)
    failed = {
        s.name: ProjectionFailureOut.model_validate(s.failure, from_attributes=True)
        for s in found
        if s.failure is not None
    }
    return ProjectionsHealth(
        status="failed" if failed else "ok",
        feed=feed,
        lag=max((max(head - s.position, 0) for s in found), default=0),
        failed=failed,
    )


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(request: Request) -> JSONResponse:
    """Liveness and dependencies; 503 when the event store cannot be reached, `degraded` when
    a read model has failed (see `components.projections.failed`)."""
    store: EventSourcingStore = request.app.state.services.store
    runtime: ProjectionRuntime = request.app.state.projections
    head, found, broker = await asyncio.gather(
        _head(store),
        _projections(runtime),
        broker_status(request.app.state.settings.kafka_bootstrap),
    )
    if head is None:
        body = Health(
            status="unavailable",
            event_store="unreachable",
            event_store_backend=store.backend,
            broker=broker,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    projections = _projections_health(runtime, found, head)
    body = Health(
        status="ok" if projections.status == "ok" else "degraded",
        event_store="ok",
        event_store_backend=store.backend,
        broker=broker,
        components=HealthComponents(projections=projections),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200)
