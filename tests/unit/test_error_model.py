"""The error model's last lines of defence: an unreachable database is a 503, never a 500."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import eventsourcing.persistence
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from marketplace.api.errors import install_error_handlers


def app_raising(exc: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    "exc",
    [
        eventsourcing.persistence.OperationalError("could not connect"),
        psycopg.OperationalError("connection refused"),
        asyncpg.PostgresConnectionError("terminated"),
        ConnectionRefusedError("refused"),
    ],
)
def test_an_unreachable_store_is_a_503_with_retry_after(exc: Exception) -> None:
    answer = app_raising(exc).get("/boom")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["error"]["code"] == "store_unavailable"


def test_anything_else_unexpected_is_a_500_without_details() -> None:
    answer = app_raising(ValueError("secret internals")).get("/boom")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "internal_error"
    assert "secret" not in answer.text
