"""`marketplace topics check|apply`: the broker's topics against the configured settings."""

from __future__ import annotations

import asyncio

import typer
from aiokafka.errors import IncompatibleBrokerVersion, KafkaError
from rich.console import Console
from rich.table import Table

from marketplace.adapters.kafka_topics import TopicSettings
from marketplace.adapters.topic_check import WHY_NOT, Difference, apply, check
from marketplace.cli.session import kafka_settings

topics_app = typer.Typer(
    help="Kafka topics: compare them with the MARKETPLACE_KAFKA_* settings, alter them.",
    no_args_is_help=True,
)
console = Console(width=160)


def platform_topics(prefix: str) -> list[str]:
    """Every topic the platform makes: the event topics and the command intake's."""
    from marketplace.events.public.registry import TOPICS
    from marketplace.intake.consumer import IntakeTopics

    intake = IntakeTopics.with_prefix(prefix)
    return [prefix + t for t in TOPICS] + [intake.commands, intake.replies, intake.dead_letters]


def _configured() -> tuple[str, list[str], TopicSettings]:
    from marketplace.bootstrap import topic_settings

    settings = kafka_settings()  # logs to stderr, not the table's stdout
    names = platform_topics(settings.kafka_topic_prefix)
    return settings.kafka_bootstrap or "", names, topic_settings(settings)


def _table(found: list[Difference]) -> Table:
    table = Table("topic", "setting", "expected", "found", "topics apply")
    for d in found:
        fix = "creates it" if d.setting == "exists" else "alters it"
        table.add_row(d.topic, d.setting, d.expected, d.found, fix if d.alterable else "cannot")
    return table


def _unreachable(bootstrap: str, exc: Exception) -> typer.Exit:
    typer.echo(f"error: the brokers at {bootstrap} did not answer ({exc!r}).", err=True)
    return typer.Exit(2)


@topics_app.command("check")
def check_command() -> None:
    """Print every way the platform's topics differ from the settings; exit 1 if any does."""
    bootstrap, names, settings = _configured()
    try:
        found = asyncio.run(check(bootstrap, names, settings))
    except (KafkaError, OSError) as exc:
        raise _unreachable(bootstrap, exc) from exc
    configs = ", ".join(f"{k}={v}" for k, v in settings.configs().items())
    expected = (
        f"{settings.partitions} partitions, replication factor {settings.replication_factor}, "
        f"{configs}"
    )
    if not found:
        console.print(f"All {len(names)} topics as configured: {expected}.")
        return
    console.print(_table(found))
    console.print(f"Expected of each: {expected}.")
    for setting in sorted({d.setting for d in found if not d.alterable}):
        console.print(f"{setting} cannot be altered in place: {WHY_NOT[setting]}.")
    raise typer.Exit(1)


@topics_app.command("apply")
def apply_command() -> None:
    """Create the missing topics and alter retention, cleanup policy and min ISR where they
    differ; say what cannot be altered (partitions, replication factor). Exit 1 if anything
    is left different."""
    bootstrap, names, settings = _configured()
    try:
        done = asyncio.run(apply(bootstrap, names, settings))
    except IncompatibleBrokerVersion as exc:
        typer.echo(
            f"error: the broker cannot alter topic configs (no AlterConfigs: {exc}); "
            "Apache Kafka can. Nothing was changed.",
            err=True,
        )
        raise typer.Exit(1) from exc
    except (KafkaError, OSError) as exc:
        raise _unreachable(bootstrap, exc) from exc
    for topic in done.created:
        console.print(f"created {topic}")
    for d in done.altered:
        console.print(f"altered {d.topic}: {d.setting} {d.found} -> {d.expected}")
    for topic, error in done.refused:
        console.print(f"refused {topic}: the broker answered {error}")
    for d in done.left:
        console.print(
            f"left {d.topic}: {d.setting} is {d.found}, not {d.expected} — {WHY_NOT[d.setting]}"
        )
    if not (done.created or done.altered or done.refused or done.left):
        console.print(f"All {len(names)} topics already as configured.")
    if done.refused or done.left:
        raise typer.Exit(1)
