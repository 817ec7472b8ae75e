"""Run the API, the relay and the projection workers, alone or together (`--all-in-one`)."""

from __future__ import annotations

import asyncio
import signal

import uvicorn
from fastapi import FastAPI

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.projections.kafka_feed import run_projection_workers
from marketplace.relay.runner import run_relay
from marketplace.settings import Settings


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
    relay = asyncio.create_task(run_relay(settings, stop, store=store))
    workers = asyncio.create_task(run_projection_workers(settings, stop=stop))
    try:
        await _server(app, settings).serve()
    finally:
        stop.set()
        await asyncio.gather(relay, workers, return_exceptions=True)


def run_workers(settings: Settings) -> None:
    """The projection workers in the foreground until SIGINT/SIGTERM."""

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_projection_workers(settings, stop=stop)

    asyncio.run(_main())


def serve_all_in_one(app: FastAPI, settings: Settings, store: EventSourcingStore) -> None:
    """API, relay and workers in one process until SIGINT/SIGTERM (uvicorn's handlers)."""
    asyncio.run(_all_in_one(app, settings, store))
