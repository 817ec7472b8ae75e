"""`marketplace catalog import|export`: the catalog as the CSV document people circulate."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer

from marketplace.aggregates.access_token import Role
from marketplace.cli.session import store_session
from marketplace.handlers import catalog
from marketplace.handlers.auth import Principal
from marketplace.handlers.catalog_csv import CsvRejected, export_rows
from marketplace.handlers.catalog_import import import_csv as submit_csv

catalog_app = typer.Typer(
    help="Catalog versions: bulk submission and export as CSV.", no_args_is_help=True
)


@catalog_app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV of entries.")],
    version: Annotated[str, typer.Option("--version", help="Catalog version id.")],
    platform: Annotated[str, typer.Option(help="The submitting sector platform's unit id.")],
) -> None:
    """Submit a platform's entries from FILE.csv, all or nothing (every wrong line is named)."""
    principal = Principal("cli", platform, frozenset({Role.PLATFORM_ADMIN}))
    with store_session() as svc:
        try:
            ids = submit_csv(svc, principal, version, file.read_text("utf-8-sig"))
        except CsvRejected as exc:
            typer.echo("error: the file was rejected; nothing was submitted.", err=True)
            for problem in exc.problems:
                typer.echo(f"  - {problem}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(f"submitted {len(ids)} entries to {version} for review")


@catalog_app.command("export")
def export_csv(
    at: Annotated[str | None, typer.Option(help="Date or time (default now).")] = None,
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Write the catalog in force at a moment as CSV (approved entries only)."""
    with store_session() as svc:
        moment = _moment(at) if at else svc.clock()
        text = export_rows(catalog.version_in_force(svc, moment))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _moment(text: str) -> datetime:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(12), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (2027-03-01) or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
