"""Each request's id (X-Request-ID, taken or made) and its one access-log line."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace.adapters.request_reads import reads_of_one_request
from marketplace.log import get_logger
from marketplace.projections.read_lag import observing_read_lag

log = get_logger("marketplace.api")
# On a response that read a read model still catching up with the event store (an API started
# on a store whose read models are not built yet): how many events it had not applied.
READ_MODEL_LAG_HEADER = b"x-read-model-lag"
# Told of every request once answered: its scope (the route that matched), status, seconds.
Observer = Callable[[Scope, int, float], None]


class RequestContext:
    """A pure ASGI middleware (no task group or stream per request, unlike `@app.middleware`):
    binds the request id to the log context, returns it in `X-Request-ID` and logs the request
    with its status, duration and the token that made it. A response that read a read model
    still catching up says by how many events in `X-Read-Model-Lag`. Each aggregate is read
    from the event store once per request (`reads_of_one_request`). `observe` records it in
    the process's metrics."""

    def __init__(self, app: ASGIApp, observe: Observer | None = None) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        request_id = given.decode("latin-1") or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500  # unless a response starts: an error the server answers itself

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                if lag.events:
                    headers.append((READ_MODEL_LAG_HEADER, str(lag.events).encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            with observing_read_lag() as lag, reads_of_one_request():
                await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            if self.observe is not None:
                self.observe(scope, status, seconds)
            state: dict[str, Any] = scope.get("state") or {}
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round(seconds * 1000, 2),
                token_id=state.get("token_id"),
            )
