"""One process of `marketplace serve --workers N`: its app, built from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from marketplace.bootstrap import build_api, build_services
from marketplace.heap import settle_after_start_up
from marketplace.lead import Lead
from marketplace.log import configure_logging
from marketplace.settings import Settings

# uvicorn imports this in each worker process it starts (`factory=True`).
FACTORY = f"{__name__}:create_app"


def create_app() -> FastAPI:
    """The API on the configured store, as `serve` builds it in one process. The parent put
    the admin token (a generated one too) in the environment, so every worker accepts it."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    app = build_api(settings, build_services(settings), lead=Lead.from_environment())
    settle_after_start_up()
    return app
