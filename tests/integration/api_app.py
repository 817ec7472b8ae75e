"""The API in-process (FastAPI's TestClient) on a real store, seeded with the demo group."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from marketplace.bootstrap import build_api, build_services
from marketplace.demo import seed_demo
from marketplace.handlers.ports import Services
from marketplace.settings import Settings
from tests.conftest import POSTGRES_URL

ADMIN_TOKEN = "in-process-bootstrap-admin-token"


@dataclass
class InProcessApi:
    """A served app and the demo tokens, as `(unit_id, role) -> token`."""

    client: TestClient
    svc: Services
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def auth(self, unit_id: str = "HQ", role: str = "hq_admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[(unit_id, role)]}"}

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def settings_for(data_dir: Path, pg_schema: str | None = None, **extra: object) -> Settings:
    """Settings of a test deployment: embedded under `data_dir`, or PostgreSQL in `pg_schema`."""
    values: dict[str, object] = {"data_dir": data_dir, "admin_token": ADMIN_TOKEN}
    if pg_schema:
        values |= {"database_url": POSTGRES_URL, "database_schema": pg_schema}
    return Settings(**(values | extra))  # type: ignore[arg-type]


@contextmanager
def serve_in_process(settings: Settings, *, demo: bool = True) -> Iterator[InProcessApi]:
    """The app with its lifespan running; 5xx answers come back as responses, not raised."""
    svc = build_services(settings)
    try:
        tokens = (
            {(t.unit_id, role.value): t.token for t in seed_demo(svc) for role in t.roles}
            if demo
            else {}
        )
        with TestClient(build_api(settings, svc), raise_server_exceptions=False) as client:
            yield InProcessApi(client, svc, tokens)
    finally:
        svc.store.close()
