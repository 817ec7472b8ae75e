"""`marketplace relay` (publish the event store to Kafka) and `relay republish` (history again)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import TYPE_CHECKING, Annotated

import typer
from aiokafka.errors import KafkaError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from marketplace.cli.session import kafka_settings
from marketplace.heap import settle_after_start_up
from marketplace.settings import Settings

if TYPE_CHECKING:
    from marketplace.adapters.eventstore import EventSourcingStore
    from marketplace.relay.position import PositionStore
    from marketplace.relay.publisher import KafkaPublisher
    from marketplace.relay.republish import Progress as RepublishProgress
    from marketplace.relay.republish import RepublishJob

relay_app = typer.Typer(
    help="Publish the event store to Kafka (MARKETPLACE_KAFKA_BOOTSTRAP), resuming where it "
    "stopped; `republish` sends a range of history again.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@relay_app.callback()
def relay(ctx: typer.Context) -> None:
    """Publish the event store to Kafka (MARKETPLACE_KAFKA_BOOTSTRAP), resuming where it stopped."""
    if ctx.invoked_subcommand is not None:
        return
    from marketplace.bootstrap import build_metrics_server, build_relay
    from marketplace.metrics.process import ProcessMetrics
    from marketplace.runtime import run_in_foreground

    settings = kafka_settings()
    metrics = ProcessMetrics()
    relay_process = build_relay(settings, metrics=metrics)
    settle_after_start_up()
    run_in_foreground("relay", relay_process.run, build_metrics_server(settings, metrics))


@relay_app.command("republish")
def republish_command(
    from_position: Annotated[
        int, typer.Option("--from-position", min=1, help="The first event-store position sent.")
    ],
    to_position: Annotated[
        int | None,
        typer.Option(
            "--to-position", min=1, help="The last position sent (default: the store's head)."
        ),
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option(help="Only this topic's events (its name without the prefix), else all."),
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(min=1, help="At most this many messages a second (spares the brokers)."),
    ] = None,
    restart: Annotated[
        bool, typer.Option(help="Start the range again instead of resuming it.")
    ] = False,
) -> None:
    """Send stored events again with their original CloudEvent ids (consumers deduplicate on
    `id`). The relay's own position never moves; an interrupted run resumes when started again
    with the same arguments."""
    from marketplace.events.public.registry import TOPICS

    settings = kafka_settings()
    if topic is not None and topic not in TOPICS:
        typer.echo(f"error: no topic {topic!r}; the topics are {', '.join(TOPICS)}.", err=True)
        raise typer.Exit(2)
    try:
        asyncio.run(_republish(settings, from_position, to_position, topic, rate, restart))
    except (KafkaError, OSError) as exc:
        typer.echo(
            f"error: the brokers did not take the messages ({exc!r}); run the same "
            "command again to resume.",
            err=True,
        )
        raise typer.Exit(1) from exc


async def _republish(
    settings: Settings,
    first: int,
    last: int | None,
    topic: str | None,
    rate: float | None,
    restart: bool,
) -> None:
    from marketplace.adapters.eventstore import EventSourcingStore
    from marketplace.bootstrap import store_location
    from marketplace.relay.position import open_positions
    from marketplace.relay.publisher import KafkaPublisher
    from marketplace.relay.republish import RepublishJob

    location = store_location(settings)
    store = EventSourcingStore(location)
    try:
        head = await asyncio.to_thread(store.head)
        last = min(last or head, head)
        if last < first:
            typer.echo(f"Nothing to send: the store's head is {head}.")
            return
        job = RepublishJob(first, last, topic, settings.kafka_topic_prefix, rate=rate)
        checkpoints = open_positions(location, job.checkpoint)
        try:
            if restart:
                await asyncio.to_thread(checkpoints.save, 0)
            reached = await asyncio.to_thread(checkpoints.load)
            if reached >= last:
                typer.echo(
                    f"Positions {first}-{last} were re-published already; --restart to "
                    "send them again."
                )
                return
            if reached >= first:
                typer.echo(f"Resuming after position {reached}.")
            publisher = KafkaPublisher(
                settings.kafka_bootstrap or "", compression=settings.kafka_compression
            )
            await publisher.start()
            try:
                done = await _with_progress(store, publisher, checkpoints, job, settings, reached)
            finally:
                await publisher.stop()
        finally:
            checkpoints.close()
    finally:
        store.close()
    if done.reached < job.last:
        typer.echo(
            f"Stopped after position {done.reached} ({done.sent} messages sent); run "
            "the same command again to resume."
        )
        raise typer.Exit(1)
    typer.echo(f"Re-published positions {first}-{job.last}: {done.sent} messages.")


async def _with_progress(
    store: EventSourcingStore,
    publisher: KafkaPublisher,
    checkpoints: PositionStore,
    job: RepublishJob,
    settings: Settings,
    reached: int,
) -> RepublishProgress:
    """The run under a progress bar over positions; Ctrl-C stops it after the batch in flight."""
    from marketplace.bootstrap import topic_settings
    from marketplace.relay.republish import republish

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):  # no signal handlers on some platforms
        loop.add_signal_handler(signal.SIGINT, stop.set)
    columns = (TextColumn("positions"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    start = max(reached, job.first - 1)
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(
            "republish", total=job.last - job.first + 1, completed=start - job.first + 1
        )
        return await republish(
            store,
            publisher,
            checkpoints,
            job,
            topic_settings(settings),
            stop,
            lambda p: bar.update(task, completed=p.reached - job.first + 1),
        )
