"""The real service as a subprocess on a free port, driven over HTTP; on SQLite, and on
PostgreSQL too for `both_stores` tests (the `backend` parameter, tests/conftest.py)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL, drop_schemas

ADMIN_TOKEN = "e2e-bootstrap-admin-token"
_TOKEN_LINE = re.compile(r"^\s+(\S+)\s+(\S+)\s+(tok_\S+)$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running `marketplace serve` and what it printed."""

    url: str
    process: subprocess.Popen[str]
    env: dict[str, str]
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    stdout: list[str] = field(default_factory=list)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    @property
    def admin(self) -> httpx.Client:
        return self.client(ADMIN_TOKEN)

    def token(self, unit_id: str, role: str) -> str:
        return self.tokens[(unit_id, role)]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def service_env(tmp: Path, backend: str, schema: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_")}
    env |= {
        "MARKETPLACE_DATA_DIR": str(tmp / "data"),
        "MARKETPLACE_ADMIN_TOKEN": ADMIN_TOKEN,
        "XDG_CONFIG_HOME": str(tmp / "config"),  # the store's seal key, beside its data
    }
    if backend == "postgres":
        assert schema
        env |= {"MARKETPLACE_DATABASE_URL": POSTGRES_URL, "MARKETPLACE_DATABASE_SCHEMA": schema}
    return env | extra


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`marketplace ARGS` in a process of its own, with `env`; its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "marketplace", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def start_server(env: dict[str, str], *args: str, log: Path | None = None) -> Server:
    """`marketplace serve ARGS` on a free port; its log lines go to `log` (by default a file
    beside the data directory, quoted when the server fails to start)."""
    port = free_port()
    env = env | {"MARKETPLACE_PORT": str(port)}
    if log is None:
        beside = Path(env["MARKETPLACE_DATA_DIR"]).parent
        beside.mkdir(parents=True, exist_ok=True)
        log = beside / f"serve-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "marketplace", "serve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    server = Server(f"http://127.0.0.1:{port}", process, env)
    assert process.stdout is not None
    # The banner ends with the docs URL, printed before the server starts listening.
    for line in process.stdout:
        server.stdout.append(line.rstrip("\n"))
        if match := _TOKEN_LINE.match(line.rstrip("\n")):
            server.tokens[(match[1], match[2])] = match[3]
        if line.startswith("API docs:"):
            break
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"marketplace serve exited with {process.returncode}: {server.stdout}\n"
                f"its log ends: {log.read_text()[-3000:]}"
            )
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code in (200, 503):
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    pytest.fail("marketplace serve did not answer /health within 30 s")


@pytest.fixture(scope="module")
def demo(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One demo platform per test module and store; tests use distinct unit ids. The PostgreSQL
    one starts only in a module with a `both_stores` test (its smoke test over HTTP)."""
    from tests.conftest import require_postgres

    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"e2e_{os.getpid()}_{time.monotonic_ns() % 10**9}"
    server = start_server(service_env(tmp_path_factory.mktemp(backend), backend, schema), "--demo")
    yield server
    server.stop()
    if schema:
        drop_schemas(schema)
