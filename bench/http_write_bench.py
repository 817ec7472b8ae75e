"""HTTP write throughput: 16 clients posting needs to `marketplace serve`, beside raw saves.

Usage: python bench/http_write_bench.py [--store sqlite|postgres] [--workers 1,2]
    [--clients 16] [--seconds 10]
For each worker count: a fresh store with the demo group, `marketplace serve --demo
--workers N`, then `--clients` keep-alive connections posting `POST /v1/needs` (each need
matched against the demo catalog) for `--seconds`; requests per second, p50 and p99. The
baseline, measured in the same run on the same kind of store: plain `eventsourcing` saves of a
one-event aggregate, one thread, no HTTP (the raw rate the issue compares with).
Beside them, the same clients sending the cheapest authenticated request (`GET
/v1/units/{id}`, one read-model row): the HTTP stack's own ceiling on the machine.
The clients are raw sockets with prebuilt requests, so they take little of the CPU they share
with the server on a small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TOKEN_LINE = re.compile(r"^\s+(\S+)\s+(\S+)\s+(tok_\S+)$")
ADMIN = "bench-admin-token-long-enough-for-the-check"


class Counter(Aggregate):
    @event("Created")
    def __init__(self, name: str) -> None:
        self.name = name


def raw_saves_per_second(env: dict[str, str], seconds: float) -> float:
    """One thread saving new one-event aggregates into the same kind of store."""
    with tempfile.TemporaryDirectory() as tmp:
        if "MARKETPLACE_DATABASE_URL" in env:
            schema = f"raw_{uuid.uuid4().hex[:8]}"
            app_env = {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": "test",
                "POSTGRES_HOST": "127.0.0.1",
                "POSTGRES_PORT": "5432",
                "POSTGRES_USER": "postgres",
                "POSTGRES_PASSWORD": "",
                "POSTGRES_SCHEMA": schema,
                "CREATE_TABLE": "y",
            }
            subprocess.run(["psql", POSTGRES_URL, "-qc", f"CREATE SCHEMA {schema}"], check=True)
        else:
            schema = ""
            app_env = {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(Path(tmp) / "raw.sqlite3"),
            }
        app = Application(env=app_env)
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            app.save(Counter(f"c{done}"))
            done += 1
        rate = done / (time.perf_counter() - started)
        app.close()
        if schema:
            subprocess.run(
                ["psql", POSTGRES_URL, "-qc", f"DROP SCHEMA {schema} CASCADE"], check=True
            )
        return rate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[str], int, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "marketplace", "serve", "--demo", "--workers", str(workers)],
        env=env | {"MARKETPLACE_PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None
    token = ""
    for line in server.stdout:
        match = TOKEN_LINE.match(line.rstrip("\n"))
        if match and (match[1], match[2]) == ("COAL-01", "unit_operator"):
            token = match[3]
        if line.startswith("API docs:"):
            break
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            break
        except OSError:
            time.sleep(0.1)
    return server, port, token


def need_request(port: int, token: str, n: int) -> bytes:
    body = json.dumps(
        {
            "demand_unit_id": "COAL-01",
            "title": f"Process steam {n}",
            "category": "product",
            "subcategory": "heat",
            "item_code": "STEAM-LP",
            "quantity": "1200",
            "uom": "t",
            "required_by": (date.today() + timedelta(days=60)).isoformat(),
            "budget_amount": "230000.00",
            "business_type": "regular",
            "sourcing": "direct",
        }
    ).encode()
    head = (
        f"POST /v1/needs HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


def unit_request(port: int, token: str, n: int) -> bytes:
    """The cheapest authenticated request: one unit from the directory read model."""
    return (
        f"GET /v1/units/COAL-01 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    ).encode()


Request = Callable[[int, str, int], bytes]


async def client(
    port: int, token: str, until: float, latencies: list[float], request: Request, expect: int
) -> int:
    """One keep-alive connection sending `request`s until `until`; the answers not `expect`."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    failures = 0
    n = 0
    while time.perf_counter() < until:
        n += 1
        sent = time.perf_counter()
        writer.write(request(port, token, n))
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - sent)
        failures += status != expect
    writer.close()
    return failures


async def load(
    port: int, token: str, clients: int, seconds: float, request: Request, expect: int
) -> tuple[float, list[float]]:
    warm = time.perf_counter() + 1
    await asyncio.gather(*(client(port, token, warm, [], request, expect) for _ in range(2)))
    latencies: list[float] = []
    started = time.perf_counter()
    until = started + seconds
    failed = await asyncio.gather(
        *(client(port, token, until, latencies, request, expect) for _ in range(clients))
    )
    elapsed = time.perf_counter() - started
    assert sum(failed) == 0, f"{sum(failed)} requests were not answered {expect}"
    return len(latencies) / elapsed, latencies


def environment(store: str, tmp: Path) -> tuple[dict[str, str], str | None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_")}
    env |= {
        "MARKETPLACE_DATA_DIR": str(tmp / "data"),
        "MARKETPLACE_ADMIN_TOKEN": ADMIN,
        "MARKETPLACE_LOG_LEVEL": "WARNING",
        "XDG_CONFIG_HOME": str(tmp / "config"),
    }
    if store == "postgres":
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        env |= {"MARKETPLACE_DATABASE_URL": POSTGRES_URL, "MARKETPLACE_DATABASE_SCHEMA": schema}
        return env, schema
    return env, None


def drop(schema: str | None) -> None:
    if schema:
        for name in (schema, f"{schema}_read_models"):
            subprocess.run(
                ["psql", POSTGRES_URL, "-qc", f"DROP SCHEMA IF EXISTS {name} CASCADE"],
                check=False,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", default="1")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env, schema = environment(args.store, Path(tmp))
        raw = raw_saves_per_second(env, args.seconds)
        drop(schema)
    print(f"{args.store}: raw eventsourcing saves (1 thread): {raw:,.0f}/s")
    for workers in (int(w) for w in args.workers.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            env, schema = environment(args.store, Path(tmp))
            server, port, token = start(env, workers)
            try:
                # The HTTP stack's own ceiling on this machine, then the writes.
                ceiling = asyncio.run(
                    load(port, token, args.clients, args.seconds / 2, unit_request, 200)
                )[0]
                rate, latencies = asyncio.run(
                    load(port, token, args.clients, args.seconds, need_request, 201)
                )
            finally:
                server.terminate()
                server.wait(30)
                drop(schema)
        cuts = statistics.quantiles(latencies, n=100)
        print(
            f"{args.store}, {workers} worker(s), {args.clients} clients: POST /v1/needs "
            f"{rate:,.0f}/s = {rate / raw:.3f} of raw; p50 {cuts[49] * 1000:.1f} ms, "
            f"p99 {cuts[98] * 1000:.1f} ms; GET /v1/units/COAL-01 {ceiling:,.0f}/s "
            f"= {ceiling / raw:.3f} of raw (writes at {rate / ceiling:.2f} of it)"
        )


if __name__ == "__main__":
    main()
