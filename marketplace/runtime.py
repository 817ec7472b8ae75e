"""Run the API, the relay and the projection workers, alone or together (`--all-in-one`)."""

from __future__ import annotations

import asyncio
import signal

import uvicorn
from fastapi import FastAPI

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.projections.workers import run_projection_workers
from marketplace.relay.runner import run_relay
from marketplace.settings import Settings
from marketplace.supervise import keep_running


def _server(app: FastAPI, settings: Settings) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            # The hard cut on a request head, above the API's own JSON 414/431 (api/limits.py).
            h11_max_incomplete_event_size=4 * settings.max_header_bytes,
        )
    )


def serve_api(app: FastAPI, settings: Settings) -> None:
    asyncio.run(_server(app, settings).serve())


async def _all_in_one(app: FastAPI, settings: Settings, store: EventSourcingStore) -> None:
    stop = asyncio.Event()
    server = _server(app, settings)
    workers = [
        asyncio.create_task(
            keep_running("relay", lambda: run_relay(settings, stop, store=store), stop)
        ),
        asyncio.create_task(
            keep_running(
                "projection_workers", lambda: run_projection_workers(settings, stop=stop), stop
            )
        ),
    ]

    def crashed(task: asyncio.Task[None]) -> None:
        # A worker that cannot go on must not leave the API serving as if all were well.
        if not task.cancelled() and task.exception() is not None:
            server.should_exit = True

    for task in workers:
        task.add_done_callback(crashed)
    try:
        await server.serve()
    finally:
        stop.set()
        ended = await asyncio.gather(*workers, return_exceptions=True)
    if any(isinstance(e, Exception) for e in ended):
        raise SystemExit(1)


def run_workers(settings: Settings) -> None:
    """The projection workers in the foreground until SIGINT/SIGTERM."""

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await keep_running(
            "projection_workers", lambda: run_projection_workers(settings, stop=stop), stop
        )

    asyncio.run(_main())


def serve_all_in_one(app: FastAPI, settings: Settings, store: EventSourcingStore) -> None:
    """API, relay and workers in one process until SIGINT/SIGTERM (uvicorn's handlers)."""
    asyncio.run(_all_in_one(app, settings, store))
