"""A real server (uvicorn on a socket) over the demo group, for the `Idempotency-Key` tests."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from marketplace.bootstrap import build_api, build_services
from marketplace.demo import seed_demo
from marketplace.handlers.ports import Services
from marketplace.settings import Settings
from tests.conftest import POSTGRES_URL, drop_schemas, require_postgres

ADMIN_TOKEN = "idempotency-bootstrap-admin-token"
NEED = {
    "demand_unit_id": "COAL-02",
    "title": "Steam for the urea line",
    "category": "product",
    "subcategory": "heat",
    "item_code": "STEAM-LP",
    "quantity": "500",
    "uom": "t",
    "required_by": (datetime.now(UTC) + timedelta(days=60)).date().isoformat(),
    "budget_amount": "95000.00",
    "business_type": "regular",
    "sourcing": "direct",
}
NEED_POSTED = "Need.Posted"


@dataclass
class Served:
    """A real server over the demo group, its services and its tokens."""

    url: str
    svc: Services
    settings: Settings
    tokens: dict[tuple[str, str], str]

    def client(self, unit: str = "COAL-02", role: str = "unit_operator") -> httpx.Client:
        token = ADMIN_TOKEN if role == "admin" else self.tokens[(unit, role)]
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def mark(self) -> int:
        return self.svc.store.head()

    def topics_since(self, mark: int) -> list[str]:
        return [n.topic for n in self.svc.store.read(mark, 10_000)]

    def posted_since(self, mark: int) -> int:
        return sum(topic.endswith(NEED_POSTED) for topic in self.topics_since(mark))


@contextmanager
def uvicorn_on_a_socket(app: FastAPI) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(600):  # the lifespan builds the read models first
        if server.started or not thread.is_alive():
            break
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@contextmanager
def serving_the_demo(backend: str, data_dir: Path) -> Iterator[Served]:
    """A real server (uvicorn on a socket) over the demo group on `backend`."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "admin_token": ADMIN_TOKEN,
        "idempotency_wait_seconds": 20,
    }
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        values |= {"database_url": POSTGRES_URL, "database_schema": schema}
    settings = Settings(**values)
    svc = build_services(settings)
    try:
        tokens = {(t.unit_id, str(r)): t.token for t in seed_demo(svc) for r in t.roles}
        with uvicorn_on_a_socket(build_api(settings, svc)) as url:
            yield Served(url, svc, settings, tokens)
    finally:
        svc.store.close()
        if schema:
            drop_schemas(schema)


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"k-{uuid.uuid4()}"}
