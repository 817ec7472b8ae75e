"""`marketplace backup FILE` and `marketplace restore FILE`: the embedded store, while it serves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marketplace.adapters.seal_key import SealKeyError, find_seal_key, key_check
from marketplace.backup.manifest import BackupError, Manifest
from marketplace.backup.restore import restore_backup
from marketplace.backup.snapshot import take_backup
from marketplace.settings import Settings

PG_DUMP = (
    "error: this deployment keeps its store in PostgreSQL: back it up with pg_dump "
    "(README, Runbook: Backups)."
)


def backup_command(
    file: Annotated[Path, typer.Argument(help="The archive to write (must not exist).")],
) -> None:
    """Archive the embedded store (events, audit chain, read models, documents) while it
    serves; the seal key is not in it (keep it apart)."""
    settings = _embedded()
    store_id_file = settings.data_dir / "store-id"
    store_id = store_id_file.read_text().strip() if store_id_file.is_file() else ""
    key, where = _seal_key(settings, store_id)
    try:
        manifest = take_backup(settings.data_dir, settings.documents_path, file, key)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    _describe(file, manifest)
    if key is None:
        typer.echo(f"warning: no seal key at {where}: the manifest cannot check one", err=True)
    typer.echo(f"The seal key is not in the archive: keep {where} apart from it.")


def restore_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A backup archive.")],
) -> None:
    """Restore an archive of `marketplace backup` into MARKETPLACE_DATA_DIR, which must be
    empty or new; its hash chain is verified first."""
    settings = _embedded()
    try:
        manifest = restore_backup(file, settings.data_dir, settings.documents_path)
    except (BackupError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    _describe(settings.data_dir, manifest)
    key, where = _seal_key(settings, manifest.store_id or "")
    if key is None:
        typer.echo(
            f"warning: the seal key is not at {where}: put the store's key there (or set "
            "MARKETPLACE_SEAL_KEY) before `marketplace serve`; its sealed bids open only with it.",
            err=True,
        )
    elif manifest.seal_key_check and key_check(key) != manifest.seal_key_check:
        typer.echo(
            f"warning: the seal key at {where} is not the one this store was backed up with.",
            err=True,
        )
    else:
        typer.echo(f"seal key: {where}")
    typer.echo("`marketplace serve` catches the read models up with the events at its start.")


def _embedded() -> Settings:
    settings = Settings().for_long_work()
    if not settings.embedded:
        typer.echo(PG_DUMP, err=True)
        raise typer.Exit(2)
    return settings


def _seal_key(settings: Settings, store_id: str) -> tuple[bytes | None, str]:
    configured = settings.seal_key.get_secret_value() if settings.seal_key else None
    if not configured and not store_id:
        return None, "the seal key file (the store has no id yet)"
    try:
        return find_seal_key(configured, settings.seal_key_file, store_id)
    except SealKeyError as exc:
        return None, str(exc)


def _describe(where: Path, manifest: Manifest) -> None:
    typer.echo(
        f"{where}: {manifest.head} events (store {manifest.store_id or '-'}), audit chain up to "
        f"{manifest.chain_position} ({manifest.chain_hash[:16]}…), {manifest.documents} "
        f"documents, read models {'included' if manifest.read_models else 'none'}; taken "
        f"{manifest.taken_at.isoformat(timespec='seconds')}"
    )
