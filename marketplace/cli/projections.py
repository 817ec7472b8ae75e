"""`marketplace projections …`: rebuild read models from the event store, show their state."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from marketplace.bootstrap import build_projection_runtime, open_event_log, read_model_location
from marketplace.heap import collector_paused, settle_after_start_up
from marketplace.projections.event_log import EventLog
from marketplace.projections.failures import ProjectionFailed, failure_of, read_failures
from marketplace.projections.location import open_store
from marketplace.projections.projection import Projection
from marketplace.projections.rebuild import rebuild, rebuild_all
from marketplace.projections.registry import PROJECTIONS, by_name
from marketplace.projections.sharing import sample_types, share
from marketplace.projections.store import ReadModelStore
from marketplace.settings import Settings

projections_app = typer.Typer(
    help="Read models: rebuild them from the event store, show their state.",
    no_args_is_help=True,
)
console = Console()
# A rebuild command has the machine to itself: it holds more events than a server would
# (~1.7 GB at its peak per process on a 1M-event store; 100,000: ~1 GB and ~8% slower).
CLI_HOLD_EVENTS = 200_000


def _selected(name: str | None) -> list[Projection]:
    if name is None:
        return list(PROJECTIONS)
    try:
        return [by_name(name)]
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(2) from exc


@projections_app.command("rebuild")
def rebuild_command(
    name: Annotated[
        str | None, typer.Argument(help="The projection; all of them when left out.")
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="Processes sharing the projections (each reads the store once), e.g. one per "
            "core the database can spare.",
        ),
    ] = 1,
    hold: Annotated[
        int,
        typer.Option(
            min=1,
            help="Events held in memory (all projections of a process together, a few kB "
            "each) before each projection writes its rows: more is faster, since a row several "
            "events change is written once.",
        ),
    ] = CLI_HOLD_EVENTS,
) -> None:
    """Replay the event store into a fresh schema/file, then swap it in (reads go on meanwhile)."""
    selected = _selected(name)
    if jobs > 1 and len(selected) > 1:
        _rebuild_in_processes(_shared(selected, jobs), hold)
        return
    asyncio.run(_rebuild(Settings().for_long_work(), selected, hold))


def _shared(selected: list[Projection], jobs: int) -> list[list[Projection]]:
    """The projections in `jobs` groups, by how the store's events are mixed: projections
    reading the same types go together, so few events are decoded in more than one process."""
    events, close = open_event_log(Settings())
    try:
        weights = sample_types(events.notifications)
    finally:
        close()
    return share(selected, weights, jobs)


def _rebuild_in_processes(groups: list[list[Projection]], hold: int) -> None:
    """`rebuild` of each group in a process of its own; each process reads the store once,
    and only its projections' events."""
    spawn = multiprocessing.get_context("spawn")
    names = [[p.name for p in group] for group in groups]
    with (
        console.status(f"rebuilding in {len(groups)} processes"),
        ProcessPoolExecutor(len(groups), mp_context=spawn) as pool,
    ):
        results = list(pool.map(_rebuild_group, names, [hold] * len(names)))
    failed = {name: error for result in results for name, error in result.items()}
    for group in groups:
        for projection in group:
            if projection.name not in failed:
                console.print(f"rebuilt {projection.name}")
    for name, error in failed.items():
        typer.echo(f"error: {name} {error} (the old rows stay)", err=True)
    if failed:
        raise typer.Exit(1)


def _rebuild_group(names: list[str], hold: int) -> dict[str, str]:
    """In a child process: rebuild these projections; what failed, as messages."""
    settings = Settings().for_long_work()
    return asyncio.run(_rebuild_quietly(settings, [by_name(n) for n in names], hold))


@asynccontextmanager
async def _rebuilding(settings: Settings) -> AsyncIterator[tuple[EventLog, ReadModelStore]]:
    """The event log and the read models a rebuild works on, start-up's heap settled."""
    events, close_events = open_event_log(settings)
    store = await open_store(read_model_location(settings))
    settle_after_start_up()
    try:
        with collector_paused():
            yield events, store
    finally:
        await store.close()
        close_events()


async def _rebuild_quietly(
    settings: Settings, selected: list[Projection], hold: int
) -> dict[str, str]:
    async with _rebuilding(settings) as (events, store):
        failed = await rebuild_all(store, selected, events, hold=hold)
    return {name: str(exc) for name, exc in failed.items()}


async def _rebuild(settings: Settings, selected: list[Projection], hold: int) -> None:
    async with _rebuilding(settings) as (events, store):
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            if len(selected) == 1:
                await _rebuild_one(progress, store, events, selected[0], hold)
            else:
                await _rebuild_together(progress, store, events, selected, hold)
        for projection in selected:
            console.print(f"rebuilt {projection.name} in {store.where}")


async def _rebuild_one(
    progress: Progress, store: ReadModelStore, events: EventLog, projection: Projection, hold: int
) -> None:
    head = await events.head()
    task = progress.add_task(f"{projection.name} v{projection.version}", total=head)
    try:
        state = await rebuild(
            store,
            projection,
            events,
            on_progress=lambda at: progress.update(task, completed=at),
            hold=hold,
        )
    except ProjectionFailed as exc:
        progress.stop()
        typer.echo(f"error: {projection.name} {exc} (the old rows stay)", err=True)
        raise typer.Exit(1) from exc
    progress.update(task, total=max(head, state.position), completed=state.position)


async def _rebuild_together(
    progress: Progress,
    store: ReadModelStore,
    events: EventLog,
    selected: list[Projection],
    hold: int,
) -> None:
    """Every projection from one read of the event store; a failing one keeps its old rows,
    the others are swapped in."""
    head = await events.head()
    task = progress.add_task(f"{len(selected)} projections", total=head)
    failed = await rebuild_all(
        store,
        selected,
        events,
        on_progress=lambda at: progress.update(task, completed=at),
        hold=hold,
    )
    reached = max(head, await events.head())
    progress.update(task, total=reached, completed=reached)
    if failed:
        progress.stop()
        for projection in selected:
            if projection.name not in failed:
                console.print(f"rebuilt {projection.name} in {store.where}")
        for name, exc in failed.items():
            typer.echo(f"error: {name} {exc} (the old rows stay)", err=True)
        raise typer.Exit(1)


@projections_app.command("status")
def status_command() -> None:
    """Each projection's version, position, the event store's head and the lag."""
    asyncio.run(_status(Settings()))


async def _status(settings: Settings) -> None:
    events, close_events = open_event_log(settings)
    store = await open_store(read_model_location(settings))
    runtime = build_projection_runtime(settings, events, broker_timeout=3.0)
    runtime.use(store)
    try:
        table = Table("projection", "version", "stored", "position", "head", "lag")
        for status in await runtime.status():
            table.add_row(
                status.name,
                str(status.version),
                "not built" if status.stored_version is None else str(status.stored_version),
                str(status.position),
                str(status.head),
                "unknown" if status.lag is None else str(status.lag),
            )
        console.print(table)
        failures = await read_failures(store)
        for projection in PROJECTIONS:
            if (failure := failure_of(projection, failures)) is not None:
                console.print(
                    f"{projection.name} FAILED at position {failure.position} "
                    f"({failure.failed_at:%Y-%m-%d %H:%M:%S} UTC): {failure.error}\n"
                    f"  fix the cause, then: marketplace projections rebuild {projection.name}",
                    markup=False,
                )
        console.print(f"read models: {store.where}")
    finally:
        if runtime.broker is not None:
            await runtime.broker.close()
        await store.close()
        close_events()
