"""Which errors mean "a database cannot be reached right now" (retry later, 503), not a fault."""

from __future__ import annotations

import socket
import sqlite3

import asyncpg  # type: ignore[import-untyped]
import eventsourcing.persistence
import psycopg

# Connections refused or lost, pools and statements timing out (psycopg_pool.PoolTimeout and
# psycopg's QueryCanceled are OperationalErrors), a server shutting down, starting up or out of
# connections or disk. The `eventsourcing` library wraps psycopg's and sqlite3's errors.
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (
    eventsourcing.persistence.OperationalError,
    eventsourcing.persistence.InterfaceError,
    eventsourcing.persistence.ConnectionUnavailableError,
    psycopg.OperationalError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, statement timeout
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
    ConnectionError,
    TimeoutError,  # asyncio's too (pool acquire, asyncpg's command timeout)
    socket.gaierror,
)

# sqlite3.OperationalError also means "no such table": only these are waits for the file.
_SQLITE_BUSY = ("locked", "busy", "unable to open", "disk i/o")


def is_outage(exc: BaseException) -> bool:
    """True when `exc` says the store is unreachable or overloaded, so retrying may work."""
    if isinstance(exc, sqlite3.OperationalError):
        return any(words in str(exc).lower() for words in _SQLITE_BUSY)
    return isinstance(exc, STORE_UNAVAILABLE)
