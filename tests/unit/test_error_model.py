"""The error model's last lines of defence: an unreachable database is a 503, never a 500."""

from __future__ import annotations

import sqlite3

import asyncpg  # type: ignore[import-untyped]
import eventsourcing.persistence
import psycopg
import psycopg_pool
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from marketplace.adapters.outages import is_outage
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
        # Bounded waits running out: a pool, asyncpg's acquire or command timeout, a
        # statement timeout, a server shutting down, a SQLite file locked for too long.
        psycopg_pool.PoolTimeout("couldn't get a connection after 3.00 sec"),
        TimeoutError(),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        sqlite3.OperationalError("database is locked"),
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


def test_a_sqlite_error_that_no_wait_will_mend_is_not_an_outage() -> None:
    assert is_outage(sqlite3.OperationalError("database is locked"))
    assert not is_outage(sqlite3.OperationalError("no such table: directory_units"))
    answer = app_raising(sqlite3.OperationalError("no such column: x")).get("/boom")
    assert answer.status_code == 500
