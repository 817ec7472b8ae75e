"""kill -9 of the server in the middle of a write sent with an `Idempotency-Key`, aimed at either
side of the events' commit: killed before it, the retry runs the write; killed after it (the
answer not yet kept), the retry does not run it again and names what it changed. On PostgreSQL,
where a trigger of the test's own can hold the server at the exact statement."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import Server, service_env, start_server

pytestmark = pytest.mark.slow  # two servers started, one killed

LEASE_SECONDS = 2
TITLE = f"Crash-tested steam {uuid.uuid4().hex[:6]}"
NEED = {
    "demand_unit_id": "COAL-02",
    "title": TITLE,
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
# Which update of the key's row the trigger holds: the mark written with the events (inside
# their transaction, before the commit) or the answer kept after it.
WINDOWS = {
    "before_commit": "NEW.effect IS NOT NULL AND OLD.effect IS NULL",
    "after_commit": "NEW.state = 'done'",
}


def lock_of(schema: str) -> int:
    """The test's advisory lock: one per schema, so tests running together hold their own."""
    return int(uuid.uuid5(uuid.NAMESPACE_URL, schema).int % 2**31)


@contextmanager
def held_at(schema: str, condition: str) -> Iterator[psycopg.Connection[Any]]:
    """A trigger that makes the server's update of a key's row (under `condition`) wait for an
    advisory lock this connection holds; the trigger is dropped after."""
    lock = lock_of(schema)
    table = sql.Identifier(schema, "idempotency_keys")
    function = sql.Identifier(schema, "hold_key_updates")
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (lock,))
        conn.execute(
            sql.SQL(
                "CREATE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF {} THEN PERFORM pg_advisory_xact_lock({}); END IF; RETURN NEW; END $$"
            ).format(function, sql.SQL(condition), sql.Literal(lock))
        )
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER hold_key_updates BEFORE UPDATE ON {} "
                "FOR EACH ROW EXECUTE FUNCTION {}()"
            ).format(table, function)
        )
        try:
            yield conn
        finally:
            # The killed server's statement still waits in the trigger: a client's death is
            # noticed only when its backend next talks to it. DROP TRIGGER (which waits for that
            # statement's lock on the table) while this connection holds what the statement
            # waits for is a deadlock, and PostgreSQL cancels whichever of the two checks first,
            # a second (deadlock_timeout) after it began to wait: the server's statement when
            # the drop follows the kill at once, but the drop under load. Ended first, as the
            # server's own PostgreSQL ends it once it notices, the statement's transaction
            # rolls back (nothing of it was committed: the update and what followed it never
            # ran), and the drop waits for nothing.
            end_waiting_statements(conn, lock)
            conn.execute(sql.SQL("DROP TRIGGER hold_key_updates ON {}").format(table))
            conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))


def end_waiting_statements(conn: psycopg.Connection[Any], lock: int) -> None:
    """Terminate the backends waiting for `lock`, each waited for until it is gone."""
    waiting = conn.execute(
        "SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND classid = 0 AND objid = %s AND objsubid = 1",
        (lock,),
    ).fetchall()
    for (pid,) in waiting:
        # Waits (up to a minute) until the backend has exited and its locks are released.
        conn.execute("SELECT pg_terminate_backend(%s, 60000)", (pid,))
        left = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
        assert left.fetchone() == (0,), f"backend {pid} did not end"


def wait_for_a_waiting_update(
    conn: psycopg.Connection[Any], schema: str, seconds: float = 30
) -> None:
    """Until a server connection waits on this test's advisory lock (inside the held update)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND classid = 0 AND objid = %s AND objsubid = 1",
            (lock_of(schema),),
        ).fetchone()
        if row and row[0]:
            return
        time.sleep(0.05)
    pytest.fail("the server never reached the held update")


def needs_titled(server: Server, token: str) -> list[dict[str, Any]]:
    with server.client(token) as coal:
        listed = coal.get("/v1/needs", params={"limit": 200}).json()["items"]
    return [n for n in listed if n["title"] == TITLE]


@pytest.mark.parametrize("window", sorted(WINDOWS))
def test_kill_9_mid_write_then_a_retry_has_one_effect(
    tmp_path: Path, pg_schema: str, window: str
) -> None:
    env = service_env(
        tmp_path, "postgres", pg_schema, MARKETPLACE_IDEMPOTENCY_LEASE_SECONDS=str(LEASE_SECONDS)
    )
    first = start_server(env, "--demo")
    token = first.token("COAL-02", "unit_operator")
    headers = {"Idempotency-Key": f"crash-{uuid.uuid4()}", "Authorization": f"Bearer {token}"}
    sent: list[BaseException | httpx.Response] = []

    def send() -> None:
        try:
            sent.append(httpx.post(f"{first.url}/v1/needs", json=NEED, headers=headers, timeout=60))
        except httpx.TransportError as exc:  # the server died under it
            sent.append(exc)

    try:
        with held_at(pg_schema, WINDOWS[window]) as conn:
            writer = threading.Thread(target=send)
            writer.start()
            wait_for_a_waiting_update(conn, pg_schema)
            first.process.kill()
            first.process.wait(10)
            writer.join(30)
    finally:
        first.stop()
    assert sent and isinstance(sent[0], httpx.TransportError), "the write was answered"

    time.sleep(LEASE_SECONDS + 0.5)  # the dead process's lease runs out
    second = start_server(env)
    try:
        retried = httpx.post(f"{second.url}/v1/needs", json=NEED, headers=headers, timeout=30)
        again = httpx.post(f"{second.url}/v1/needs", json=NEED, headers=headers, timeout=30)
        stored = needs_titled(second, token)
    finally:
        second.stop()

    assert len(stored) == 1, stored  # one effect, whichever side of the commit the kill fell
    if window == "before_commit":
        assert retried.status_code == 201, retried.text
        assert retried.json()["id"] == stored[0]["need_id"]
    else:
        assert retried.status_code == 409, retried.text
        error = retried.json()["error"]
        assert error["code"] == "idempotency_answer_lost"
        assert [r["id"] for r in error["details"]["records"]] == [stored[0]["need_id"]]
    assert (again.status_code, again.json()) == (retried.status_code, retried.json())
    assert again.headers["idempotent-replayed"] == "true"
