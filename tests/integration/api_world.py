"""An in-process API on an embedded SQLite store with the demo group loaded, and its tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from marketplace.bootstrap import build_api, build_services
from marketplace.demo import seed_demo
from marketplace.handlers.ports import Services
from marketplace.settings import Settings
from tests.conftest import POSTGRES_URL, drop_schemas, require_postgres

ADMIN_TOKEN = "api-world-bootstrap-admin-token"


@dataclass
class World:
    """The app, its services, a token per (unit, role) of the demo, and ids of what exists."""

    app: FastAPI
    svc: Services
    tokens: dict[tuple[str, str], str]
    ids: dict[str, str] = field(default_factory=dict)

    def token(self, unit_id: str, role: str) -> str:
        return self.tokens[(unit_id, role)]

    def head(self) -> int:
        return self.svc.store.head()


def demo_world(data_dir: Path, postgres_schema: str | None = None) -> World:
    """The demo group of `serve --demo` (chart, published catalog, needs, contracts, a dispute,
    findings) behind an app that is not started yet; on PostgreSQL when given a schema."""
    settings = Settings(data_dir=data_dir, admin_token=ADMIN_TOKEN)
    if postgres_schema:
        settings = settings.model_copy(
            update={"database_url": POSTGRES_URL, "database_schema": postgres_schema}
        )
    svc = build_services(settings)
    issued = seed_demo(svc)
    tokens = {(t.unit_id, str(r)): t.token for t in issued for r in t.roles}
    return World(build_api(settings, svc), svc, tokens)


@contextmanager
def served_demo(backend: str, data_dir: Path) -> Iterator[tuple[World, TestClient]]:
    """`demo_world` on `backend` (a PostgreSQL schema of its own, dropped after), started."""
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
    built = demo_world(data_dir, schema)
    try:
        with TestClient(built.app) as client:
            yield built, client
    finally:
        built.svc.store.close()
        if schema:
            drop_schemas(schema)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def created(client: TestClient, token: str, path: str, body: Any, key: str) -> str:
    """POST as `token` and return `key` of the answer, failing loudly on anything but 2xx."""
    answer = client.post(path, json=body, headers=bearer(token))
    assert answer.is_success, f"setting up the world: POST {path} → {answer.text}"
    value = answer.json()[key]
    assert isinstance(value, str)
    return value


def later(days: int) -> str:
    return (datetime.now(tz=UTC) + timedelta(days=days)).isoformat()
