"""`marketplace` commands: serve the API, load the organisation, manage tokens."""

from __future__ import annotations

import os
import secrets
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from marketplace import __version__
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.cli.audit import audit_app
from marketplace.cli.backup import backup_command, restore_command
from marketplace.cli.catalog import catalog_app
from marketplace.cli.projections import projections_app
from marketplace.cli.relay import relay_app
from marketplace.cli.session import kafka_settings, open_services, store_session
from marketplace.cli.subscriptions import subscriptions_app
from marketplace.cli.topics import topics_app
from marketplace.handlers.auth import Principal
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services
from marketplace.handlers.tokens import (
    IssuedToken,
    IssueToken,
    issue_token_as,
    list_tokens,
    revoke_token_as,
)
from marketplace.handlers.unit_import import import_units
from marketplace.handlers.units import list_units
from marketplace.heap import settle_after_start_up
from marketplace.inputs import find_control_character
from marketplace.log import configure_logging
from marketplace.private_files import secure_data_dir
from marketplace.settings import Settings

app = typer.Typer(
    help="Internal-market platform of an energy group.",
    no_args_is_help=True,
    add_completion=False,
)
units_app = typer.Typer(help="Organisation chart: import and list units.", no_args_is_help=True)
tokens_app = typer.Typer(help="Access tokens: issue, list and revoke.", no_args_is_help=True)
app.add_typer(units_app, name="units")
app.add_typer(tokens_app, name="tokens")
app.add_typer(catalog_app, name="catalog")
app.add_typer(projections_app, name="projections")
app.add_typer(audit_app, name="audit")
app.add_typer(subscriptions_app, name="subscriptions")
app.add_typer(relay_app, name="relay")
app.add_typer(topics_app, name="topics")
app.command("backup")(backup_command)
app.command("restore")(restore_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"marketplace {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Internal-market platform of an energy group."""
    # Logs go to stderr as JSON from the first line on: stdout is for what commands print
    # (a CSV export, tokens), so nothing else may land there.
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.embedded:
        # A store made by an older version may have world-readable files; new ones are
        # created private where they are made.
        secure_data_dir(settings.data_dir)


def _cli_actor(svc: Services) -> Actor:
    """The CLI runs with direct store access, as HQ: events name it as token `cli`."""
    org = load_organisation(svc)
    return Actor(unit_id=org.group_id if org else None, token_id="cli")


def _print_tokens(issued: list[IssuedToken]) -> None:
    typer.echo("Tokens (shown once; only their hashes are stored):")
    for t in issued:
        typer.echo(f"  {t.unit_id:<10} {','.join(t.roles):<16} {t.token}")


@app.command()
def serve(
    demo: Annotated[
        bool, typer.Option(help="On an empty store, create the demo energy group and tokens.")
    ] = False,
    host: Annotated[str | None, typer.Option(help="Bind address [MARKETPLACE_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [MARKETPLACE_PORT].")] = None,
    all_in_one: Annotated[
        bool,
        typer.Option(
            "--all-in-one",
            help="Also run the Kafka relay, projection workers, notifier and command intake.",
        ),
    ] = False,
    api_workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="API processes sharing the port [MARKETPLACE_API_WORKERS].",
        ),
    ] = None,
) -> None:
    """Start the HTTP API (embedded SQLite store unless MARKETPLACE_DATABASE_URL is set)."""
    from marketplace.bootstrap import (
        build_api,
        build_intake,
        build_notify_process,
        build_projection_workers,
        build_relay,
    )
    from marketplace.cli.api_worker import FACTORY
    from marketplace.demo import seed_demo
    from marketplace.metrics.process import ProcessMetrics
    from marketplace.runtime import serve_all_in_one, serve_api, serve_api_workers

    settings = Settings()
    settings = settings.model_copy(
        update={
            "host": host or settings.host,
            "port": port or settings.port,
            "api_workers": api_workers or settings.api_workers,
        }
    )
    configure_logging(settings.log_level, settings.log_format)
    if all_in_one and not settings.kafka_bootstrap:
        typer.echo("error: --all-in-one needs MARKETPLACE_KAFKA_BOOTSTRAP.", err=True)
        raise typer.Exit(2)
    if all_in_one and settings.api_workers > 1:
        typer.echo(
            "error: --all-in-one is one process; beside `serve --workers N` run "
            "`marketplace relay` and `marketplace project`.",
            err=True,
        )
        raise typer.Exit(2)
    generated = None
    if settings.admin_token is None and settings.embedded:
        generated = secrets.token_urlsafe(32)
    svc = open_services(settings, generated)
    if generated:
        _explain_bootstrap_token(generated)
    elif settings.admin_token is None:
        typer.echo("No MARKETPLACE_ADMIN_TOKEN set: only issued tokens are accepted.", err=True)
    if demo:
        if svc.store.head() == 0:
            _print_tokens(seed_demo(svc))
        else:
            typer.echo("--demo: the store is not empty, so no demo data was added.")
    typer.echo(f"Portal: http://{settings.host}:{settings.port}/ (sign in with a unit's token)")
    typer.echo(f"API docs: http://{settings.host}:{settings.port}/docs")  # the banner's last line
    sys.stdout.flush()
    listen = (settings.host, settings.port, settings.max_header_bytes)
    if settings.api_workers > 1:
        svc.store.close()  # each worker process opens its own
        if generated:  # the workers read their settings from the environment
            os.environ["MARKETPLACE_ADMIN_TOKEN"] = generated
        # `--host`/`--port` too: a worker decides from its bind whether /metrics is open.
        os.environ["MARKETPLACE_HOST"], os.environ["MARKETPLACE_PORT"] = listen[0], str(listen[1])
        serve_api_workers(FACTORY, *listen, settings.api_workers)
        return
    metrics = ProcessMetrics()  # every part of this process, served at the API's /metrics
    app_ = build_api(settings, svc, metrics)
    settle_after_start_up()
    try:
        if all_in_one:
            relay = build_relay(settings, svc.store, metrics)
            serve_all_in_one(
                app_,
                *listen,
                relay,
                build_projection_workers(settings),
                build_notify_process(settings, svc, metrics),
                lambda ready: build_intake(
                    settings, svc, app_, own_lifespan=False, app_ready=ready, metrics=metrics
                ),
            )
        else:
            serve_api(app_, *listen)
    finally:
        svc.store.close()


def _explain_bootstrap_token(token: str) -> None:
    typer.echo(
        f"Bootstrap hq_admin token (this run only): {token}\n"
        "  It acts as hq_admin for the whole group: use it to import units and issue tokens\n"
        "  (marketplace units import FILE.yaml; POST /v1/tokens). It is shown only here, is\n"
        "  kept nowhere, and a new one is made at each start. To keep one across restarts, set\n"
        "  MARKETPLACE_ADMIN_TOKEN=<a long random secret> before `marketplace serve`."
    )


@app.command()
def project() -> None:
    """Feed the read models from Kafka (one consumer group per projection)."""
    from marketplace.bootstrap import build_metrics_server, build_projection_workers
    from marketplace.metrics.process import ProcessMetrics
    from marketplace.runtime import run_in_foreground

    settings = kafka_settings()
    metrics = ProcessMetrics()
    workers = build_projection_workers(settings, metrics=metrics)
    settle_after_start_up()
    run_in_foreground("projection_workers", workers.run, build_metrics_server(settings, metrics))


@app.command()
def notify() -> None:
    """Send notifications (webhooks, e-mail) and keep the in-app ones: a Kafka consumer group
    of its own with MARKETPLACE_KAFKA_BOOTSTRAP (else it reads the event store itself)."""
    from marketplace.bootstrap import build_metrics_server, build_notify_process
    from marketplace.metrics.process import ProcessMetrics
    from marketplace.runtime import run_in_foreground

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    svc = open_services(settings, None)
    metrics = ProcessMetrics()
    process = build_notify_process(settings, svc, metrics)
    settle_after_start_up()
    try:
        run_in_foreground("notifier", process.run, build_metrics_server(settings, metrics, svc))
    finally:
        svc.store.close()


@app.command()
def intake() -> None:
    """Take commands from Kafka (`marketplace.commands`, MARKETPLACE_KAFKA_BOOTSTRAP), run each
    as the API would, and publish the answers on `marketplace.command-replies`."""
    from marketplace.bootstrap import build_api, build_intake, build_metrics_server
    from marketplace.metrics.process import ProcessMetrics
    from marketplace.runtime import run_in_foreground

    settings = kafka_settings()
    svc = open_services(settings, None)
    metrics = ProcessMetrics()
    api = build_api(settings, svc, metrics)
    process = build_intake(settings, svc, api, own_lifespan=True, metrics=metrics)
    settle_after_start_up()
    try:
        run_in_foreground("intake", process.run, build_metrics_server(settings, metrics, svc))
    finally:
        svc.store.close()


@units_app.command("import")
def units_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML file of units.")],
) -> None:
    """Load a whole organisation from FILE.yaml, all or nothing."""
    with store_session() as svc:
        result = import_units(svc, _cli_actor(svc), file.read_text("utf-8"))
    typer.echo(
        f"imported {file}: {len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged"
    )


@units_app.command("list")
def units_list() -> None:
    """Print the organisation chart as a table."""
    with store_session() as svc:
        for u in list_units(svc):
            state = "" if u.active else "  (inactive)"
            typer.echo(
                f"{u.id:<12} {u.level.value:<10} {u.parent_id or '-':<12} "
                f"{u.sector:<14} {u.name}{state}"
            )


def _checked_label(label: str) -> str:
    """The API's rule for a token's label: one line of at most 200 characters."""
    label = label.strip()
    if len(label) > 200:
        raise typer.BadParameter("at most 200 characters")
    if found := find_control_character(label, line_breaks=False):
        raise typer.BadParameter(f"no control characters (found U+{ord(found.group()):04X})")
    return label


@tokens_app.command("issue")
def tokens_issue(
    unit_id: Annotated[str, typer.Argument(help="The unit the token acts for.")],
    role: Annotated[list[Role], typer.Option("--role", "-r", help="Role; repeat for several.")],
    label: Annotated[
        str, typer.Option(help="What the token is for.", callback=_checked_label)
    ] = "",
    expires_at: Annotated[
        str | None,
        typer.Option(
            "--expires-at",
            help="When it stops working: RFC 3339 with offset, e.g. 2027-12-31T23:59:59Z "
            "(default: MARKETPLACE_TOKEN_MAX_LIFETIME_DAYS from now, or never).",
        ),
    ] = None,
) -> None:
    """Issue a token from the command line (e.g. the first hq_admin token in production)."""
    expiry = _moment(expires_at) if expires_at else None
    with store_session() as svc:
        cmd = IssueToken(unit_id, role, label, expiry)
        issued = issue_token_as(svc, _cli_actor(svc), cmd)
    _print_tokens([issued])
    typer.echo(f"expires_at: {issued.expires_at.isoformat() if issued.expires_at else 'never'}")
    typer.echo(f"token_id: {issued.token_id}")  # last: scripts take the id from the end


@tokens_app.command("list")
def tokens_list(
    unit_id: Annotated[str, typer.Argument(help="The unit whose tokens to list.")],
) -> None:
    """List a unit's tokens (id, roles, label, issued, expires, state); never a secret."""
    with store_session() as svc:
        actor = _cli_actor(svc)
        as_hq = Principal(actor.token_id, actor.unit_id, frozenset({Role.HQ_ADMIN}))
        found = list_tokens(svc, as_hq, unit_id)
        now = svc.clock()
    for t in found:
        if t.revoked_at:
            state = f"revoked {t.revoked_at.isoformat()}"
        else:
            state = "expired" if t.expired(now) else "active"
        roles = ",".join(sorted(t.roles))
        expires = f"expires {t.expires_at.isoformat()}" if t.expires_at else "never expires"
        typer.echo(
            f"{t.id}\t{roles}\t{t.label}\tissued {t.created_on.isoformat()}\t{expires}\t{state}"
        )


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise typer.BadParameter("give the time with its offset, e.g. 2027-12-31T23:59:59Z")
    return moment


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[str, typer.Argument(help="The token's id.")]) -> None:
    """Revoke a token by its id."""
    with store_session() as svc:
        revoke_token_as(svc, _cli_actor(svc), token_id)
    typer.echo(f"revoked {token_id}")
