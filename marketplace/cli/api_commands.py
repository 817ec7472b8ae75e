"""The API app's commands for the schema generator (`python -m marketplace.events.schemagen`),
built here, at an edge, over a throwaway embedded store that is never started."""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from marketplace.bootstrap import build_api, build_services
from marketplace.intake.commands import Command, command_table
from marketplace.settings import Settings


@contextmanager
def api_commands() -> Iterator[dict[str, Command]]:
    """Every write of the API app as a command (`intake.commands.command_table`), by name."""
    quiet = logging.getLogger("marketplace")
    level = quiet.level
    with tempfile.TemporaryDirectory(prefix="marketplace-spec-") as data_dir:
        settings = Settings(
            data_dir=Path(data_dir),
            database_url=None,
            kafka_bootstrap=None,
            admin_token=None,
            seal_key=secrets.token_urlsafe(32),
        )
        svc = build_services(settings)
        try:
            quiet.setLevel(logging.WARNING)
            yield command_table(build_api(settings, svc))
        finally:
            quiet.setLevel(level)
            svc.store.close()
