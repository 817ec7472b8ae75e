"""Portal sign-in sessions: one row per session in the read-model store, shared by every API
process (`serve --workers N`); a row keeps the token's id, never the token itself."""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from marketplace.projections.changes import Delete, Upsert, Value
from marketplace.projections.projection import Projection
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tables import Column, ColumnType, Table

SESSIONS = Table(
    "portal_sessions",
    columns=(
        Column("id_hash", ColumnType.TEXT),
        Column("token_id", ColumnType.TEXT),
        Column("csrf", ColumnType.TEXT),
        Column("created_at", ColumnType.TIMESTAMP),
        Column("last_seen", ColumnType.TIMESTAMP),
    ),
    key=("id_hash",),
    indexes=(("last_seen",),),
)
# Only to have the store create the table as it creates read models' tables; no events feed it.
REGISTRY = Projection("portal", 1, (), (SESSIONS,), apply=lambda _: [])
# A session's `last_seen` is written at most this often: a page view a second must not write a
# row a second, and the idle limit is counted in minutes.
TOUCH_EVERY = timedelta(seconds=30)
# Each sign-in removes up to this many sessions idle past the limit, so rows of browsers that
# never signed out do not pile up: the table stays about as large as the sessions in use.
SWEEP = 100
_COLUMNS = ", ".join(c.name for c in SESSIONS.columns)


def _hash(session_id: str) -> str:
    """The row's key: a leaked table does not hand out live cookies."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    """A signed-in browser: the token it signed in with and its CSRF token."""

    id: str
    token_id: str
    csrf: str
    last_seen: datetime


class SessionStore:
    """Starts, finds (ending those idle too long) and ends sessions."""

    def __init__(self, store: ReadModelStore, idle: timedelta) -> None:
        self.store = store
        self.idle = idle

    async def create_table(self) -> None:
        await self.store.create(REGISTRY)

    async def start(self, token_id: str, now: datetime) -> Session:
        session = Session(secrets.token_urlsafe(32), token_id, secrets.token_urlsafe(32), now)
        values: dict[str, Value] = {
            "token_id": token_id,
            "csrf": session.csrf,
            "created_at": now,
            "last_seen": now,
        }
        stale = await self.store.fetch(
            f"SELECT id_hash FROM portal_sessions WHERE last_seen < $1 LIMIT {SWEEP}",
            [now - self.idle],
            SESSIONS.types,
        )
        async with self.store.transaction() as tx:
            key = {"id_hash": _hash(session.id)}
            await tx.write(SESSIONS, Upsert(SESSIONS.name, key, values))
            for row in stale:
                await tx.write(SESSIONS, Delete(SESSIONS.name, {"id_hash": row["id_hash"]}))
        return session

    async def find(
        self, session_id: str, now: datetime, *, activity: bool = True
    ) -> Session | None:
        """The live session, or None; `activity`: a request of the user (not a background poll)
        that keeps it alive."""
        rows = await self.store.fetch(
            f"SELECT {_COLUMNS} FROM portal_sessions WHERE id_hash = $1",
            [_hash(session_id)],
            SESSIONS.types,
        )
        if not rows:
            return None
        row = rows[0]
        if now - row["last_seen"] > self.idle:
            await self.end(session_id)
            return None
        if activity and now - row["last_seen"] > TOUCH_EVERY:
            async with self.store.transaction() as tx:
                key = {"id_hash": row["id_hash"]}
                await tx.write(SESSIONS, Upsert(SESSIONS.name, key, {"last_seen": now}))
        return Session(session_id, row["token_id"], row["csrf"], row["last_seen"])

    async def end(self, session_id: str) -> None:
        async with self.store.transaction() as tx:
            await tx.write(SESSIONS, Delete(SESSIONS.name, {"id_hash": _hash(session_id)}))
