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
    log: Path | None = None  # its log lines

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


# Seconds a state may take to come: a project worker builds every read model and joins a
# consumer group per projection first, which on a loaded machine has taken over 60 s.
WAIT = 120


def worker(env: dict[str, str], command: str, log: Path) -> subprocess.Popen[bytes]:
    """`marketplace COMMAND`, its log lines (stderr) going to `log` (see `tails`)."""
    with log.open("wb") as sink:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "marketplace", command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )


def tails(*logs: Path, size: int = 3000) -> str:
    """The end of each log, for an assertion's message: what the workers said before a failure."""
    return "".join(
        f"\n--- {log.name} ends:\n{log.read_text(errors='replace')[-size:]}"
        for log in logs
        if log.exists()
    )


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
    beside the data directory, quoted when the server fails to start).

    Between `free_port()` and the server's bind another process (a concurrent test's server,
    an outgoing connection) may take the port: the server then exits with "address already
    in use" while the other one may answer /health. So a server counts as started only once
    its own process listens on the port, and one that lost the port is started again on
    another (once the banner came: the demo tokens it printed stay valid).
    """
    tokens: dict[tuple[str, str], str] = {}
    for _ in range(_ATTEMPTS):
        server = _start_once(env, args, log, tokens)
        if server is not None:
            return server
    pytest.fail(f"marketplace serve lost its port {_ATTEMPTS} times")


_ATTEMPTS = 3


def _start_once(
    env: dict[str, str],
    args: tuple[str, ...],
    log: Path | None,
    tokens: dict[tuple[str, str], str],
) -> Server | None:
    """The started server, or None when another process had taken its port."""
    port = free_port()
    env = env | {"MARKETPLACE_PORT": str(port)}
    if log is None:
        beside = Path(env["MARKETPLACE_DATA_DIR"]).parent
        beside.mkdir(parents=True, exist_ok=True)
        log = beside / f"serve-{port}.log"
    with log.open("a") as sink:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "marketplace", "serve", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, env, tokens, log=log)
    assert process.stdout is not None
    # The banner ends with the docs URL, printed before the server starts listening.
    for line in process.stdout:
        server.stdout.append(line.rstrip("\n"))
        if match := _TOKEN_LINE.match(line.rstrip("\n")):
            server.tokens[(match[1], match[2])] = match[3]
        if line.startswith("API docs:"):
            break
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text(errors="replace")[-3000:]
            if "address already in use" in said.lower():
                return None
            pytest.fail(
                f"marketplace serve exited with {process.returncode}: {server.stdout}\n"
                f"its log ends: {said}"
            )
        try:
            answered = httpx.get(f"{server.url}/health", timeout=1).status_code in (200, 503)
        except httpx.TransportError:
            answered = False
        if answered and listens(process.pid, port):
            return server
        time.sleep(0.1)
    server.stop()
    pytest.fail(f"marketplace serve did not answer /health within 60 s: {log.read_text()[-3000:]}")


def listens(pid: int, port: int) -> bool:
    """Whether process `pid` or one of its workers holds a socket listening on 127.0.0.1:`port`
    (read from /proc; True where there is no /proc to read)."""
    table = Path("/proc/net/tcp")
    if not table.exists():
        return True
    local = {f"0100007F:{port:04X}", f"00000000:{port:04X}"}  # 127.0.0.1, 0.0.0.0
    inodes = {
        fields[9]
        for line in table.read_text().splitlines()[1:]
        if (fields := line.split())[1] in local and fields[3] == "0A"  # 0A: LISTEN
    }
    try:
        # `serve --workers N`: its workers listen, each on a socket of its own.
        workers = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        held = {os.readlink(fd) for one in (pid, *workers) for fd in _fds(one)}
    except OSError:  # it exited meanwhile
        return False
    return any(f"socket:[{inode}]" in held for inode in inodes)


def _fds(pid: int | str) -> list[Path]:
    try:
        return list(Path(f"/proc/{pid}/fd").iterdir())
    except FileNotFoundError:  # a worker that ended meanwhile
        return []


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
