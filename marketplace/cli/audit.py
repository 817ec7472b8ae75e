"""`marketplace audit …`: verify the hash chain, replay the read models as of a moment."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.audit.chain import Ledger
from marketplace.audit.replay import replay_as_of
from marketplace.bootstrap import store_location
from marketplace.settings import Settings

audit_app = typer.Typer(
    help="Audit: verify the event store's hash chain, replay read models as of a moment.",
    no_args_is_help=True,
)
console = Console()


@audit_app.command("verify")
def verify_command() -> None:
    """Recompute the hash chain over every stored event; exit 1 at the first broken link."""
    settings = Settings().for_long_work()
    store = EventSourcingStore(store_location(settings))
    ledger = Ledger(store.location)
    try:
        recorder = store.application.recorder
        ledger.extend(recorder)
        result = ledger.verify(recorder)
    finally:
        ledger.close()
        store.close()
    if result.ok:
        console.print(f"ok: {result.events_checked} events checked, the chain holds")
        return
    broken = result.broken
    assert broken is not None
    typer.echo(
        f"BROKEN at position {broken.position} ({broken.aggregate_id} v{broken.version}): "
        f"{broken.problem}; {result.events_checked} events checked before it",
        err=True,
    )
    raise typer.Exit(1)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not an RFC 3339 time") from exc
    if moment.tzinfo is None:
        raise typer.BadParameter("give the time with its offset, e.g. 2027-03-31T23:59:59Z")
    return moment


@audit_app.command("replay")
def replay_command(
    as_of: Annotated[
        str, typer.Option("--as-of", help="RFC 3339 time with offset, e.g. 2027-03-31T23:59:59Z.")
    ],
) -> None:
    """Rebuild every read model from the events up to AS_OF into a schema/file of its own."""
    moment = _moment(as_of)
    where, position = asyncio.run(replay_as_of(Settings().for_long_work(), moment))
    console.print(f"read models as of {moment.isoformat()} (store read to position {position}):")
    console.print(where)
