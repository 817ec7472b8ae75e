"""A notifier running in the test's event loop on the demo group, for tests of what it sends:
the world of tests/integration/test_notifier.py, with settings (an SMTP server) and a resolver
(where host names point) of the test's choosing."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from marketplace.bootstrap import build_notifier, build_services, event_log_of, read_model_location
from marketplace.demo import seed_demo
from marketplace.metrics.process import ProcessMetrics
from marketplace.projections.location import open_store
from tests.conftest import drop_schemas, require_postgres
from tests.integration.api_app import settings_for
from tests.integration.test_notifier import Clock, World


class Dns:
    """A resolver the test re-points: a real function from a host name to its addresses now
    (`Services.resolve`'s port), as a name server under an attacker's control would answer."""

    def __init__(self, **names: list[str]) -> None:
        self.names = dict(names)
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        return list(self.names.get(host, []))


@asynccontextmanager
async def notifier_world(
    backend: str,
    tmp_path: Path,
    *,
    resolve: Callable[[str], list[str]] | None = None,
    metrics: ProcessMetrics | None = None,
    **settings: Any,
) -> AsyncIterator[World]:
    """The demo group, and its notifier running from the log's head as it is now."""
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
    config = settings_for(tmp_path, schema, notify_poll_interval=0.05, **settings)
    clock = Clock()
    svc = dataclasses.replace(build_services(config), clock=clock)
    if resolve is not None:
        svc = dataclasses.replace(svc, resolve=resolve)
    seed_demo(svc)
    store = await open_store(read_model_location(config))
    notifier = build_notifier(config, svc, event_log_of(svc.store), kafka=False, metrics=metrics)(
        store
    )
    await notifier.prepare()  # notifying begins here: before the test's first event
    stop = asyncio.Event()
    running = asyncio.create_task(notifier.run(stop))
    try:
        yield World(svc, clock, store, notifier)
    finally:
        stop.set()
        await asyncio.gather(running, return_exceptions=True)
        await store.close()
        svc.store.close()
        if schema:
            drop_schemas(schema)
