"""`marketplace subscriptions add|list|remove`: where a unit's notifications go, from the shell."""

from __future__ import annotations

from typing import Annotated

import typer

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.subscription import EVERY_TYPE, Channel
from marketplace.cli.session import store_session
from marketplace.handlers import subscriptions
from marketplace.handlers.auth import Principal
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services

subscriptions_app = typer.Typer(
    help="Notification subscriptions: webhooks and e-mail addresses of units.",
    no_args_is_help=True,
)


def _as_hq(svc: Services) -> Principal:
    """The CLI works on the store directly, as HQ: its events name token `cli`."""
    org = load_organisation(svc)
    return Principal("cli", org.group_id if org else None, frozenset({Role.HQ_ADMIN}))


@subscriptions_app.command("add")
def add(
    unit_id: Annotated[str, typer.Argument(help="The unit whose notifications these are.")],
    channel: Annotated[Channel, typer.Option(help="webhook or email.")],
    endpoint: Annotated[
        str,
        typer.Option(help="An https URL (http only to loopback) or an e-mail address."),
    ],
    event_type: Annotated[
        list[str] | None,
        typer.Option(
            "--event-type",
            "-e",
            help="A public event type (marketplace.need.posted.v1); repeat for several. "
            "Default: every type (*).",
        ),
    ] = None,
) -> None:
    """Subscribe a unit's webhook or e-mail address; a webhook's secret is printed once."""
    cmd = subscriptions.Subscribe(unit_id, channel, endpoint.strip(), event_type or [EVERY_TYPE])
    with store_session() as svc:
        made = subscriptions.subscribe(svc, _as_hq(svc), cmd)
    if made.secret is not None:
        typer.echo("Signing secret (shown once; only sealed it is kept):")
        typer.echo(f"  {made.secret}")
    typer.echo(f"subscription_id: {made.subscription.id}")  # last: scripts take it from the end


@subscriptions_app.command("list")
def list_(
    unit_id: Annotated[str, typer.Argument(help="The unit whose subscriptions to list.")],
) -> None:
    """A unit's subscriptions (id, channel, status, event types, endpoint); never a secret."""
    with store_session() as svc:
        found = subscriptions.list_subscriptions(svc, _as_hq(svc), unit_id)
    for s in found:
        typer.echo(
            f"{s.id}\t{s.channel.value}\t{s.status.value}\t{','.join(s.event_types)}\t"
            f"{s.endpoint}\tcreated {s.created_on.isoformat()}"
        )


@subscriptions_app.command("remove")
def remove(
    subscription_id: Annotated[str, typer.Argument(help="The subscription's id.")],
) -> None:
    """Stop a subscription (removing a removed one changes nothing)."""
    with store_session() as svc:
        subscriptions.remove_subscription(svc, _as_hq(svc), subscription_id)
    typer.echo(f"removed {subscription_id}")
