"""`/health`: is the event store reachable, is the broker (when configured)?"""

from __future__ import annotations

import socket

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from marketplace.api.schemas import Health
from marketplace.handlers.ports import Services
from marketplace.log import get_logger

router = APIRouter(tags=["operations"])
log = get_logger(__name__)


def broker_status(bootstrap: str | None, timeout: float = 1.0) -> str:
    """'ok' when any bootstrap server accepts a connection; 'not_configured' without one."""
    if not bootstrap:
        return "not_configured"
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host or "localhost", int(port)), timeout=timeout):
                return "ok"
        except (OSError, ValueError):
            continue
    return "unreachable"


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(request: Request) -> JSONResponse:
    """Liveness and dependencies; 503 when the event store cannot be reached."""
    svc: Services = request.app.state.services
    try:
        svc.store.head()
        store = "ok"
    except Exception as exc:  # any driver error means "unreachable" to a monitor
        log.warning("event_store_unreachable", error=repr(exc))
        store = "unreachable"
    body = Health(
        status="ok" if store == "ok" else "unavailable",
        event_store=store,
        event_store_backend=svc.store.backend,
        broker=broker_status(request.app.state.settings.kafka_bootstrap),
    )
    return JSONResponse(body.model_dump(), status_code=200 if store == "ok" else 503)
