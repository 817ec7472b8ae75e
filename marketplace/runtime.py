"""Run the HTTP API alone or together with the relay (`serve --all-in-one`)."""

from __future__ import annotations

import asyncio

import uvicorn
from fastapi import FastAPI

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.relay.runner import run_relay
from marketplace.settings import Settings


def _server(app: FastAPI, settings: Settings) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None)
    )


def serve_api(app: FastAPI, settings: Settings) -> None:
    asyncio.run(_server(app, settings).serve())


async def _all_in_one(app: FastAPI, settings: Settings, store: EventSourcingStore) -> None:
    stop = asyncio.Event()
    relay = asyncio.create_task(run_relay(settings, stop, store=store))
    try:
        await _server(app, settings).serve()
    finally:
        stop.set()
        await relay


def serve_all_in_one(app: FastAPI, settings: Settings, store: EventSourcingStore) -> None:
    """API and relay in one process until SIGINT/SIGTERM (uvicorn's handlers stop both)."""
    asyncio.run(_all_in_one(app, settings, store))
