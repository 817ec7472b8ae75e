"""Several API processes on one PostgreSQL store: what one process changes about who may do
what (a revocation, a restructuring) holds in the others from their next request."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import drop_schemas, require_postgres
from tests.e2e.conftest import Server, service_env, start_server

pytestmark = pytest.mark.postgres
CONNECTIONS = 32


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two `marketplace serve` processes on one schema (as `--workers 2` makes, on two ports)."""
    require_postgres()
    schema = f"mp_{os.getpid()}_{time.monotonic_ns() % 10**9}"
    env = service_env(tmp_path, "postgres", schema)
    first = start_server(env, "--demo")
    second = start_server(env)
    yield first, second
    first.stop()
    second.stop()
    drop_schemas(schema)


def _get(server: Server, token: str, path: str) -> httpx.Response:
    with server.client(token) as client:
        return client.get(path)


def test_a_revocation_in_one_process_holds_in_the_other_at_once(
    two_servers: tuple[Server, Server],
) -> None:
    first, second = two_servers
    with first.admin as admin:
        issued = admin.post(
            "/v1/tokens",
            json={"unit_id": "COAL-01", "roles": ["unit_operator"], "label": "two processes"},
        ).json()
    for server in (first, second):  # each process has authenticated it (and cached that)
        assert _get(server, issued["token"], "/v1/units/COAL-01").status_code == 200
    with first.admin as admin:
        assert admin.delete(f"/v1/tokens/{issued['token_id']}").status_code in (200, 204)
    assert _get(second, issued["token"], "/v1/units/COAL-01").status_code == 401
    assert _get(first, issued["token"], "/v1/units/COAL-01").status_code == 401


def test_a_restructuring_in_one_process_moves_the_reach_in_the_other_at_once(
    two_servers: tuple[Server, Server],
) -> None:
    first, second = two_servers
    coal_admin = first.token("COAL", "platform_admin")
    contracts_of = "/v1/contracts?unit_id=COAL-03"
    for server in (first, second):
        assert _get(server, coal_admin, contracts_of).status_code == 200
    with first.admin as admin:
        moved = admin.patch("/v1/units/COAL-03", json={"parent_id": "ENG"})
        assert moved.status_code == 200, moved.text
    refused = _get(second, coal_admin, contracts_of)
    assert refused.status_code == 403, refused.text
    eng_admin = first.token("ENG", "platform_admin")
    assert _get(second, eng_admin, contracts_of).status_code == 200


def test_serve_with_two_workers_answers_on_one_port(tmp_path: Path) -> None:
    require_postgres()
    schema = f"mw_{os.getpid()}_{time.monotonic_ns() % 10**9}"
    server = start_server(service_env(tmp_path, "postgres", schema), "--demo", "--workers", "2")
    try:
        operator = server.token("COAL-01", "unit_operator")
        # Connections opened at once are spread over both workers (each listens on a socket of
        # its own; with one shared, the first to wake took all of them).
        held = _connections_by_worker(server, CONNECTIONS)
        assert len(held) == 2, held
        assert min(held) >= CONNECTIONS // 5, held
        with httpx.Client(base_url=server.url, timeout=10) as client:
            answers = [
                client.get("/v1/units/COAL-01", headers={"Authorization": f"Bearer {operator}"})
                for _ in range(20)
            ]
            assert {a.status_code for a in answers} == {200}
            session = _portal_session(server.url, operator)
            assert _portal_inbox(server.url, session) == {200}  # whichever worker answered
            # The worker that leads the background work and the one that follows it both say
            # the read models keep up (each request on a new connection: either worker).
            fed = {
                httpx.get(f"{server.url}/health", timeout=10).json()["components"]["projections"][
                    "status"
                ]
                for _ in range(20)
            }
            assert fed == {"ok"}
            token_id = operator.partition(".")[0]  # a bearer token is `<token id>.<secret>`
            with server.admin as admin:
                assert admin.delete(f"/v1/tokens/{token_id}").status_code in (200, 204)
            after = [
                client.get("/v1/units/COAL-01", headers={"Authorization": f"Bearer {operator}"})
                for _ in range(20)
            ]
            assert {a.status_code for a in after} == {401}  # whichever worker answered
            assert _portal_inbox(server.url, session) == {303}  # its portal session ended
    finally:
        server.stop()
        drop_schemas(schema)


def _connections_by_worker(server: Server, how_many: int) -> list[int]:
    """Open `how_many` connections at once, each answered once; how many each worker holds."""
    host, port = server.url.removeprefix("http://").split(":")
    opened = [socket.create_connection((host, int(port)), timeout=10) for _ in range(how_many)]
    try:
        for conn in opened:
            conn.sendall(f"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        for conn in opened:
            assert conn.recv(100).startswith(b"HTTP/1.1 "), "no answer"
        ours = {conn.getsockname()[1] for conn in opened}
        # The server's ends of our connections (local port `port`, peer one of ours), by inode.
        inodes = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local, peer = fields[1], fields[2]
            if int(local.split(":")[1], 16) == int(port) and int(peer.split(":")[1], 16) in ours:
                inodes.add(fields[9])
        workers = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        held = []
        for pid in workers.read_text().split():
            fds = Path(f"/proc/{pid}/fd")
            sockets = {os.readlink(fd).removeprefix("socket:[").rstrip("]") for fd in fds.iterdir()}
            if found := len(sockets & inodes):
                held.append(found)
        return held
    finally:
        for conn in opened:
            conn.close()


def _portal_session(url: str, token: str) -> str:
    """A portal sign-in with `token`: the session cookie's value."""
    with httpx.Client(base_url=url, timeout=10) as browser:
        form = browser.get("/").text
        csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        signed_in = browser.post("/login", data={"csrf": csrf, "token": token})
        assert signed_in.status_code == 303, signed_in.text
        return signed_in.cookies["mp_session"]


def _portal_inbox(url: str, session: str) -> set[int]:
    """The statuses of 20 `/inbox` requests, each on a new connection, which the kernel hands
    to either worker."""
    return {
        httpx.get(
            f"{url}/inbox", cookies={"mp_session": session}, follow_redirects=False, timeout=10
        ).status_code
        for _ in range(20)
    }
