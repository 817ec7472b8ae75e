"""Run what `bootstrap` built: the API, the relay and the projection workers, alone or together."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from marketplace.adapters.kafka_topics import TopicSetupError
from marketplace.lead import LEAD_LOCK
from marketplace.metrics.process import MULTIPROCESS_DIR
from marketplace.notifications.notifier import NotifyProcess
from marketplace.projections.workers import ProjectionWorkers
from marketplace.relay.runner import RelayProcess
from marketplace.supervise import keep_running
from marketplace.worker_socket import QUEUE, bind, lead_lock_of

if TYPE_CHECKING:  # faststream is imported only where the intake runs
    from marketplace.intake.consumer import IntakeProcess
    from marketplace.metrics.server import MetricsServer

Worker = Callable[[asyncio.Event], Awaitable[None]]


def _server(app: FastAPI, host: str, port: int, max_header_bytes: int) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            # The hard cut on a request head, above the API's own JSON 414/431 (api/limits.py).
            h11_max_incomplete_event_size=4 * max_header_bytes,
        )
    )


def serve_api(app: FastAPI, host: str, port: int, max_header_bytes: int) -> None:
    asyncio.run(_server(app, host, port, max_header_bytes).serve())


def serve_api_workers(
    factory: str, host: str, port: int, max_header_bytes: int, workers: int
) -> None:
    """`workers` API processes on one port (uvicorn's supervisor: it restarts one that dies and
    stops them all on SIGINT/SIGTERM); each builds its app with `factory` (an import path) and
    listens on a socket of its own (see worker_socket).
    Their metrics go to files in a folder of this run, so /metrics, whichever process answers
    it, adds up all of them."""
    config = uvicorn.Config(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        h11_max_incomplete_event_size=4 * max_header_bytes,
        backlog=QUEUE,
    )
    try:
        sock = bind(host, port)
    except OSError as exc:
        sys.stderr.write(f"error: cannot listen on {host}:{port}: {exc}\n")
        raise SystemExit(STARTUP_FAILURE) from exc
    # The workers' lock file for their lead (see Lead), beside the supervisor's own claim.
    os.environ[LEAD_LOCK] = str(lead_lock_of(sock))
    made = None
    if not os.environ.get(MULTIPROCESS_DIR):
        made = os.environ[MULTIPROCESS_DIR] = tempfile.mkdtemp(prefix="marketplace-metrics-")
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
        del os.environ[LEAD_LOCK]
        if made is not None:
            del os.environ[MULTIPROCESS_DIR]
            shutil.rmtree(made, ignore_errors=True)


async def _all_in_one(server: uvicorn.Server, workers: dict[str, Worker]) -> None:
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(keep_running(name, _bound(run, stop), stop))
        for name, run in workers.items()
    ]

    def crashed(task: asyncio.Task[None]) -> None:
        # A worker that cannot go on must not leave the API serving as if all were well.
        if not task.cancelled() and task.exception() is not None:
            server.should_exit = True

    for task in tasks:
        task.add_done_callback(crashed)
    try:
        await server.serve()
    finally:
        stop.set()
        ended = await asyncio.gather(*tasks, return_exceptions=True)
    if any(isinstance(e, Exception) for e in ended):
        raise SystemExit(1)


def serve_all_in_one(
    app: FastAPI,
    host: str,
    port: int,
    max_header_bytes: int,
    relay: RelayProcess,
    workers: ProjectionWorkers,
    notifier: NotifyProcess,
    intake: Callable[[Callable[[], bool]], IntakeProcess] | None = None,
) -> None:
    """API, relay, projection workers, notifier and command intake in one process until
    SIGINT/SIGTERM (uvicorn's handlers); `intake` makes the intake once it is told how to
    know that the served app has started."""
    server = _server(app, host, port, max_header_bytes)
    parts: dict[str, Worker] = {
        "relay": relay.run,
        "projection_workers": workers.run,
        "notifier": notifier.run,
    }
    if intake is not None:
        parts["intake"] = intake(lambda: server.started).run
    asyncio.run(_all_in_one(server, parts))


def _bound(run: Worker, stop: asyncio.Event) -> Callable[[], Awaitable[None]]:
    return lambda: run(stop)


def run_in_foreground(name: str, run: Worker, metrics: MetricsServer | None = None) -> None:
    """One worker (the relay or the projection workers) until SIGINT/SIGTERM, with its
    /metrics when given (a port that cannot be bound ends the process at start)."""

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        serving = None
        if metrics is not None:
            try:
                await metrics.start()
            except OSError as exc:
                sys.stderr.write(
                    f"error: cannot serve /metrics on {metrics.host}:{metrics.port}: {exc}\n"
                )
                raise SystemExit(1) from exc
            serving = asyncio.create_task(metrics.run(stop))
        try:
            await keep_running(name, _bound(run, stop), stop)
        finally:
            stop.set()
            if serving is not None:
                await serving

    try:
        asyncio.run(_main())
    except TopicSetupError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(1) from exc
