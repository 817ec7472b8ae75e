"""`marketplace catalog import|export`: the catalog as the CSV document people circulate."""

from __future__ import annotations

import csv
import io
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.catalog import CatalogVersion
from marketplace.api.catalog_schemas import EntryIn
from marketplace.handlers import catalog
from marketplace.handlers.auth import Principal

catalog_app = typer.Typer(
    help="Catalog versions: bulk submission and export as CSV.", no_args_is_help=True
)

COLUMNS = [
    "supplier_unit_id",
    "category",
    "subcategory",
    "item_code",
    "item_name",
    "uom",
    "reference_price",
    "capacity",
    "regions",
]


class CsvRejected(Exception):
    """The CSV was refused as a whole; each problem names its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_entries(text: str) -> list[catalog.EntrySubmission]:
    """Rows of a submission CSV (header line first); every bad line is reported."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS[:6] if c not in (reader.fieldnames or [])]
    if missing:
        raise CsvRejected([f"line 1: missing columns {', '.join(missing)}"])
    problems, entries = [], []
    for line, row in enumerate(reader, start=2):
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k in COLUMNS}
        data = {k: v for k, v in data.items() if v not in ("", None)}
        data["regions"] = [r for r in str(data.get("regions", "")).split(";") if r]
        try:
            entry = EntryIn.model_validate(data)
        except ValidationError as exc:
            problems += [
                f"line {line}: {'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}"
                for e in exc.errors()
            ]
            continue
        entries.append(
            catalog.EntrySubmission(**{**entry.model_dump(), "regions": tuple(entry.regions)})
        )
    if problems:
        raise CsvRejected(problems)
    if not entries:
        raise CsvRejected(["the file has no entries"])
    return entries


def export_rows(version: CatalogVersion) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["version_id", "period", *COLUMNS, "entry_id"])
    for e in sorted(
        version.approved_entries(),
        key=lambda e: (e.category, e.subcategory, e.item_code, e.supplier_unit_id),
    ):
        writer.writerow(
            [
                version.id,
                version.period,
                e.supplier_unit_id,
                e.category,
                e.subcategory,
                e.item_code,
                e.item_name,
                e.uom,
                e.reference_price or "",
                e.capacity or "",
                ";".join(e.regions),
                e.entry_id,
            ]
        )
    return out.getvalue()


@catalog_app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV of entries.")],
    version: Annotated[str, typer.Option("--version", help="Catalog version id.")],
    platform: Annotated[str, typer.Option(help="The submitting sector platform's unit id.")],
) -> None:
    """Submit a platform's entries from FILE.csv, all or nothing (errors name the line)."""
    from marketplace.cli.main import store_session

    try:
        entries = parse_entries(file.read_text("utf-8-sig"))
    except CsvRejected as exc:
        typer.echo("error: the file was rejected; nothing was submitted.", err=True)
        for problem in exc.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(1) from exc
    principal = Principal("cli", platform, frozenset({Role.PLATFORM_ADMIN}))
    with store_session() as svc:
        try:
            ids = catalog.submit_entries(svc, principal, version, entries)
        except DomainError as exc:
            index = exc.details.get("index")
            where = f"line {index + 2}: " if isinstance(index, int) else ""
            typer.echo(f"error: {where}{exc.message} [{exc.code}] Nothing was submitted.", err=True)
            raise typer.Exit(1) from exc
    typer.echo(f"submitted {len(ids)} entries to {version} for review")


@catalog_app.command("export")
def export_csv(
    at: Annotated[str | None, typer.Option(help="Date or time (default now).")] = None,
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Write the catalog in force at a moment as CSV (approved entries only)."""
    from marketplace.cli.main import store_session

    with store_session() as svc:
        moment = _moment(at) if at else svc.clock()
        text = export_rows(catalog.version_in_force(svc, moment, svc.zone))
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
