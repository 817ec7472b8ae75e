"""The store a CLI command works on: opened from the settings, refusals printed, closed after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from marketplace.adapters.seal_key import SealKeyError
from marketplace.aggregates.base import DomainError
from marketplace.bootstrap import build_services
from marketplace.handlers.errors import AppError
from marketplace.handlers.ports import Services
from marketplace.log import configure_logging
from marketplace.settings import Settings


def kafka_settings() -> Settings:
    """The settings of a command that needs the brokers, logging configured; exits 2 without
    MARKETPLACE_KAFKA_BOOTSTRAP."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    if not settings.kafka_bootstrap:
        typer.echo("error: set MARKETPLACE_KAFKA_BOOTSTRAP to the Kafka brokers.", err=True)
        raise typer.Exit(2)
    return settings


def open_services(settings: Settings, admin_token: str | None = None) -> Services:
    """The services on the configured store; a store that cannot be opened exits 2."""
    try:
        return build_services(settings, admin_token)
    except SealKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except Exception as exc:  # an unreachable database is a user-facing condition here
        typer.echo(f"error: cannot open the event store: {exc}", err=True)
        raise typer.Exit(2) from exc


@contextmanager
def store_session() -> Iterator[Services]:
    """Open the configured store for one command; refusals print and exit 1."""
    svc = open_services(Settings().for_long_work())
    try:
        yield svc
    except (AppError, DomainError) as exc:
        typer.echo(f"error: {exc.message}", err=True)
        if isinstance(exc.details, list):  # per-field problems (InvalidField)
            for problem in exc.details:
                typer.echo(f"  - {problem.get('field')}: {problem.get('message')}", err=True)
        raise typer.Exit(1) from exc
    finally:
        svc.store.close()
