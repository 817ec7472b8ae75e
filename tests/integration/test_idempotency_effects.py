"""A write that took effect is never run again under its `Idempotency-Key`: its saves mark the
key's row in the events' own transaction (adapters/idempotent_effects.py). On each store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from marketplace.adapters.eventstore import StoreLocation
from marketplace.adapters.idempotency_store import Claimed, IdempotencyStore
from marketplace.adapters.idempotent_effects import holding
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.need import Need
from marketplace.api.errors import install_error_handlers
from marketplace.api.idempotency import Idempotency, request_fingerprint
from marketplace.api.routes.needs import NeedIn
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.handlers import needs
from marketplace.handlers.auth import authenticate
from marketplace.handlers.organisation import load_organisation
from tests.integration.idempotency_world import NEED, Served, key, serving_the_demo

pytestmark = pytest.mark.both_stores

LOST = "idempotency_answer_lost"
NOW = datetime(2026, 12, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def served(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving_the_demo(backend, tmp_path_factory.mktemp("effects")) as served:
        yield served


def post_need_as_another_process(served: Served, idempotency_key: str) -> tuple[Need, str]:
    """Claim the key and post the need as the API would, but never keep the answer: what a
    process killed between its commit and its answer leaves. The need, and the claim's time."""
    token = served.tokens[("COAL-02", "unit_operator")]
    token_id = token.partition(".")[0]
    body = json.dumps(NEED).encode()
    scope = {"method": "POST", "path": "/v1/needs", "query_string": b""}
    dead = IdempotencyStore.beside(served.svc)
    try:
        claim = dead.claim(token_id, idempotency_key, request_fingerprint(scope, body))
        assert isinstance(claim, Claimed)
        principal = authenticate(served.svc, load_organisation(served.svc), token)
        with holding(dead.held(token_id, idempotency_key, claim)):
            need = needs.post_need(served.svc, principal, NeedIn(**NEED).spec())
    finally:
        dead.close()
    return need, claim.claimed_at


@contextmanager
def clock_past_the_lease(served: Served) -> Iterator[datetime]:
    real_clock = served.svc.clock
    later = real_clock() + timedelta(minutes=2, seconds=1)
    served.svc.clock = lambda: later
    try:
        yield later
    finally:
        served.svc.clock = real_clock


def test_a_write_that_took_effect_before_its_process_died_is_not_run_again(
    served: Served,
) -> None:
    headers = key()
    mark = served.mark()
    need, _ = post_need_as_another_process(served, headers["Idempotency-Key"])

    with served.client() as coal, clock_past_the_lease(served):
        retried = coal.post("/v1/needs", json=NEED, headers=headers)
        again = coal.post("/v1/needs", json=NEED, headers=headers)

    assert retried.status_code == 409, retried.text
    error = retried.json()["error"]
    assert error["code"] == LOST
    [record] = error["details"]["records"]
    assert (record["id"], record["version"]) == (need.id, need.version)
    assert record["type"] in PUBLIC_TYPES and record["type"].startswith("marketplace.need.posted")
    assert error["details"]["position"] == served.mark()
    assert (again.status_code, again.json()) == (409, retried.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert served.posted_since(mark) == 1  # the dead process's need, and no second one
    with served.client() as coal:
        assert coal.get(f"/v1/needs/{need.id}").status_code == 200


def test_a_request_that_lost_its_key_to_a_retry_stores_nothing(served: Served) -> None:
    """A request still running past its lease: a retry takes the key over and runs; the late
    request's save is then refused, so the two never both take effect."""
    token = served.tokens[("COAL-02", "unit_operator")]
    token_id = token.partition(".")[0]
    headers = key()
    body = json.dumps(NEED).encode()
    scope = {"method": "POST", "path": "/v1/needs", "query_string": b""}
    slow = IdempotencyStore.beside(served.svc)
    try:
        claim = slow.claim(token_id, headers["Idempotency-Key"], request_fingerprint(scope, body))
        assert isinstance(claim, Claimed)
        mark = served.mark()
        with served.client() as coal, clock_past_the_lease(served):
            retried = coal.post("/v1/needs", json=NEED, headers=headers)
        principal = authenticate(served.svc, load_organisation(served.svc), token)
        with (
            holding(slow.held(token_id, headers["Idempotency-Key"], claim)),
            pytest.raises(DomainError) as refused,
        ):
            needs.post_need(served.svc, principal, NeedIn(**NEED).spec())
    finally:
        slow.close()

    assert retried.status_code == 201, retried.text
    assert refused.value.code == "idempotency_key_in_progress"
    assert served.posted_since(mark) == 1


@pytest.fixture
def failing_after_saving(served: Served) -> Iterator[TestClient]:
    """An app whose one write saves a need and then fails (a 500), behind the middleware."""
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/v1/needs")
    def post_then_fail() -> None:
        token = served.tokens[("COAL-02", "unit_operator")]
        principal = authenticate(served.svc, load_organisation(served.svc), token)
        needs.post_need(served.svc, principal, NeedIn(**NEED).spec())
        raise RuntimeError("failed after saving")

    store = IdempotencyStore.beside(served.svc)
    app.add_middleware(Idempotency, store=store, services=served.svc, wait_seconds=1)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    finally:
        store.close()


def test_a_server_error_after_saving_is_not_run_again(
    served: Served, failing_after_saving: TestClient
) -> None:
    """A 5xx is not kept, so a retry runs again, unless the request had stored events: then
    the retry hears what it changed, and nothing is stored twice."""
    headers = key() | {"Authorization": f"Bearer {served.tokens[('COAL-02', 'unit_operator')]}"}
    mark = served.mark()
    first = failing_after_saving.post("/v1/needs", json=NEED, headers=headers)
    again = failing_after_saving.post("/v1/needs", json=NEED, headers=headers)
    third = failing_after_saving.post("/v1/needs", json=NEED, headers=headers)

    assert first.status_code == 500
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == LOST
    assert again.json()["error"]["details"]["records"][0]["version"] == 1
    assert (third.status_code, third.json()) == (409, again.json())
    assert served.posted_since(mark) == 1


class _NoSealing:
    def seal_bytes(self, data: bytes, context: bytes) -> bytes:
        raise AssertionError("not called")

    def unseal_bytes(self, sealed: bytes, context: bytes) -> bytes:
        raise AssertionError("not called")


def test_a_table_made_before_effects_were_recorded_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    with sqlite3.connect(path) as conn:  # the table as sessions before this one made it
        conn.execute(
            "CREATE TABLE idempotency_keys (token_id TEXT NOT NULL, key TEXT NOT NULL, "
            "request_hash TEXT NOT NULL, state TEXT NOT NULL, status INTEGER, headers TEXT, "
            "body TEXT, created_at TEXT NOT NULL, PRIMARY KEY (token_id, key))"
        )
        conn.execute(
            "INSERT INTO idempotency_keys VALUES ('t', 'k', 'h', 'in_progress', "
            "NULL, NULL, NULL, '2026-01-01T00:00:00.000000+00:00')"
        )
    stores = [
        IdempotencyStore(StoreLocation(sqlite_path=path), _NoSealing(), lambda: NOW)
        for _ in range(2)  # the second finds the column there
    ]
    for store in stores:
        store.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT key, effect FROM idempotency_keys").fetchall()
    assert rows == [("k", None)]
