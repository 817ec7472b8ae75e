"""Composition root: builds the running system from settings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.handlers.auth import hash_secret
from marketplace.handlers.ports import Services
from marketplace.settings import Settings


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def store_location(settings: Settings) -> StoreLocation:
    if settings.database_url:
        return StoreLocation(
            postgres_url=settings.database_url, postgres_schema=settings.database_schema
        )
    return StoreLocation(sqlite_path=settings.sqlite_path)


def build_services(settings: Settings, admin_token: str | None = None) -> Services:
    """The handlers' dependencies. `admin_token` overrides the setting (a generated one)."""
    token = admin_token or (
        settings.admin_token.get_secret_value() if settings.admin_token else None
    )
    return Services(
        store=EventSourcingStore(store_location(settings)),
        clock=utc_now,
        new_id=new_id,
        admin_token_hash=hash_secret(token) if token else None,
    )
