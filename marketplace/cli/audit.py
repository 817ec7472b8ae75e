"""`marketplace audit …`: verify the hash chain, replay the read models as of a moment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.access_token import Role
from marketplace.audit.chain import Ledger
from marketplace.audit.replay import replay_as_of
from marketplace.audit.replay_registry import ReplayRegistry, ReplayRow
from marketplace.audit.replays import Replays
from marketplace.bootstrap import event_sourcing_store, read_model_location, store_location
from marketplace.cli.session import store_session
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.projections.location import open_store
from marketplace.projections.pages import MAX_PAGE, PageRequest
from marketplace.settings import Settings

audit_app = typer.Typer(
    help="Audit: verify the event store's hash chain, replay read models as of a moment.",
    no_args_is_help=True,
)
replays_app = typer.Typer(
    help="Replays requested over the API (POST /v1/audit/replays): list and remove.",
    no_args_is_help=True,
)
audit_app.add_typer(replays_app, name="replays")
console = Console()
CLI_AUDITOR = Principal("cli", None, frozenset({Role.AUDITOR}))
T = TypeVar("T")


@audit_app.command("verify")
def verify_command() -> None:
    """Recompute the hash chain over every stored event; exit 1 at the first broken link."""
    settings = Settings().for_long_work()
    store = EventSourcingStore(store_location(settings))
    ledger = Ledger(store.location)
    try:
        ledger.extend(store)
        result = ledger.verify(store)
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
    settings = Settings().for_long_work()
    where, position = asyncio.run(
        replay_as_of(store_location(settings), read_model_location(settings), moment)
    )
    console.print(f"read models as of {moment.isoformat()} (store read to position {position}):")
    console.print(where)


def _on_replays(work: Callable[[Replays], Awaitable[T]]) -> T:
    """Run `work` on the API's replay registry (beside the configured live read models)."""
    settings = Settings().for_long_work()

    async def run(svc: Services) -> T:
        live = read_model_location(settings)
        store = await open_store(live)
        try:
            keep = timedelta(hours=settings.audit_replay_keep_hours)
            notifications = event_sourcing_store(svc.store)
            replays = Replays(svc, notifications, live, ReplayRegistry(store), keep)
            await replays.registry.create_table()
            return await work(replays)
        finally:
            await store.close()

    with store_session() as svc:
        return asyncio.run(run(svc))


@replays_app.command("list")
def replays_list() -> None:
    """Every replay, newest first: id, status, progress, as of, requested at, error."""

    async def every(replays: Replays) -> list[ReplayRow]:
        found, cursor = await replays.page(CLI_AUDITOR, PageRequest(limit=MAX_PAGE))
        while cursor:
            more, cursor = await replays.page(CLI_AUDITOR, PageRequest(MAX_PAGE, cursor))
            found += more
        return found

    for r in _on_replays(every):
        typer.echo(
            f"{r.id}\t{r.status}\t{int(r.progress * 100)}%\tas of {r.as_of.isoformat()}\t"
            f"requested {r.created_at.isoformat()}\t{r.error or ''}".rstrip()
        )


@replays_app.command("remove")
def replays_remove(replay_id: Annotated[str, typer.Argument(help="The replay's id.")]) -> None:
    """Remove a replay and its read models (a running one stops)."""

    async def remove(replays: Replays) -> None:
        await replays.remove(CLI_AUDITOR, replay_id)

    _on_replays(remove)
    typer.echo(f"removed {replay_id}")
