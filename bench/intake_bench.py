"""Commands through Kafka (`marketplace intake`) beside the same commands over HTTP.

Usage: python bench/intake_bench.py [--commands 10000] [--clients 16] [--probe 200]
    [--concurrency N] [--partitions N] [--bootstrap 127.0.0.1:9092]
Needs the broker (infra/services.sh start). Each side gets a fresh embedded store with the demo
group (`marketplace serve --demo`, which also keeps the read models, in-process):

- Kafka: `marketplace intake` beside that server on its store, a fresh topic prefix; an ERP
  (plain aiokafka) produces `--commands` `post_need` commands at once, keyed by the posting
  unit (the demo's enterprises in turn, each with its own token), and reads the replies.
  Commands/s = commands ÷ (last reply consumed - first command produced); the round trip of
  each (command produced → its reply consumed) under that load, p50/p95. Then `--probe`
  commands one at a time: the round trip of a lone command, p50/p95.
- HTTP: the same bodies, `POST /v1/needs` from `--clients` keep-alive connections (raw sockets
  with prebuilt requests, as bench/http_write_bench.py), `--commands` in all; requests/s and
  each request's time, p50/p95: once with an `Idempotency-Key` each (what the intake does with
  the command id), once without (as bench/http_write_bench.py), each on a fresh store.

Every command must be answered 201 on both sides. Prints the Kafka ÷ HTTP ratio.
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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

TOKEN_LINE = re.compile(r"^\s+(\S+)\s+(\S+)\s+(tok_\S+)$")
ADMIN = "bench-admin-token-long-enough-for-the-check"
REQUIRED_BY = (date.today() + timedelta(days=60)).isoformat()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_")}
    return env | {
        "MARKETPLACE_DATA_DIR": str(tmp / "data"),
        "MARKETPLACE_ADMIN_TOKEN": ADMIN,
        "MARKETPLACE_LOG_LEVEL": "WARNING",
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "MARKETPLACE_PORT": str(free_port()),
    }


def serve_demo(env: dict[str, str]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """`marketplace serve --demo` on a fresh store; the enterprises' operator tokens by unit."""
    server = subprocess.Popen(
        [sys.executable, "-m", "marketplace", "serve", "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None
    tokens: dict[str, str] = {}
    for line in server.stdout:
        match = TOKEN_LINE.match(line.rstrip("\n"))
        if match and match[2] == "unit_operator":
            tokens[match[1]] = match[3]
        if line.startswith("API docs:"):
            break
    port = int(env["MARKETPLACE_PORT"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, tokens
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not listen")


def stop(process: subprocess.Popen[Any]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def need(unit: str, n: int) -> dict[str, Any]:
    return {
        "demand_unit_id": unit,
        "title": f"Process steam {n}",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "1200",
        "uom": "t",
        "required_by": REQUIRED_BY,
        "budget_amount": "230000.00",
        "business_type": "regular",
        "sourcing": "direct",
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def quantiles(seconds: list[float]) -> tuple[float, float]:
    """p50 and p95, in ms."""
    cuts = statistics.quantiles(seconds, n=100)
    return cuts[49] * 1000, cuts[94] * 1000


# ----- Kafka -----------------------------------------------------------------------------


class Erp:
    """Sends `post_need` commands and times each until its reply is consumed."""

    def __init__(self, bootstrap: str, prefix: str, tokens: dict[str, str]) -> None:
        self.bootstrap, self.tokens = bootstrap, tokens
        self.units = sorted(tokens)
        self.commands = f"{prefix}marketplace.commands"
        self.replies = f"{prefix}marketplace.command-replies"
        self.sent: dict[str, float] = {}
        self.answered: dict[str, tuple[float, int]] = {}
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
        self.consumer = AIOKafkaConsumer(
            self.replies,
            bootstrap_servers=bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=20,  # an idle fetch must not hide an arrival
        )

    async def start(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:  # the intake creates its topics when it starts
            deadline = time.monotonic() + 120
            while not {self.commands, self.replies} <= set(await admin.list_topics()):
                assert time.monotonic() < deadline, "the intake made no topics in 120 s"
                await asyncio.sleep(0.2)
        finally:
            await admin.close()
        await self.producer.start()
        await self.consumer.start()
        self.reading = asyncio.create_task(self._read())

    async def stop(self) -> None:
        self.reading.cancel()
        await self.producer.stop()
        await self.consumer.stop()

    async def _read(self) -> None:
        async for record in self.consumer:
            now = time.perf_counter()
            data = json.loads(record.value or b"{}")["data"]
            self.answered[data["command_id"]] = (now, data["status"])
            waiter = self.waiting.pop(data["command_id"], None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def _message(self, n: int) -> tuple[str, bytes, bytes, list[tuple[str, bytes]]]:
        unit = self.units[n % len(self.units)]
        command_id = f"bench-{uuid.uuid4().hex}"
        envelope = {
            "specversion": "1.0",
            "id": command_id,
            "source": f"erp/{unit}",
            "type": "marketplace.command.post_need.v1",
            "datacontenttype": "application/json",
            "data": need(unit, n),
        }
        headers = [
            ("content-type", b"application/cloudevents+json"),
            ("authorization", f"Bearer {self.tokens[unit]}".encode()),
        ]
        return command_id, unit.encode(), json.dumps(envelope).encode(), headers

    async def one(self, n: int) -> float:
        """One command alone: its round trip, in seconds."""
        command_id, key, value, headers = self._message(n)
        self.waiting[command_id] = asyncio.get_running_loop().create_future()
        self.sent[command_id] = time.perf_counter()
        await self.producer.send_and_wait(self.commands, value, key=key, headers=headers)
        await asyncio.wait_for(self.waiting[command_id], 120)
        return self.answered[command_id][0] - self.sent[command_id]

    async def batch(self, count: int, start: int) -> tuple[float, list[float], list[str]]:
        """`count` commands produced at once: commands/s, round trips, the ids not 201."""
        ids: list[str] = []
        pending: list[asyncio.Future[Any]] = []
        for n in range(start, start + count):
            command_id, key, value, headers = self._message(n)
            ids.append(command_id)
            self.sent[command_id] = time.perf_counter()
            pending.append(await self.producer.send(self.commands, value, key=key, headers=headers))
        await asyncio.gather(*pending)
        self.waiting = {i: asyncio.get_running_loop().create_future() for i in ids}
        for command_id in ids:
            if command_id in self.answered:
                self.waiting.pop(command_id).set_result(None)
        if self.waiting:
            await asyncio.wait_for(asyncio.gather(*self.waiting.values()), 3600)
        first = min(self.sent[i] for i in ids)
        last = max(self.answered[i][0] for i in ids)
        trips = [self.answered[i][0] - self.sent[i] for i in ids]
        failed = [i for i in ids if self.answered[i][1] != 201]
        return count / (last - first), trips, failed


async def over_kafka(
    bootstrap: str, prefix: str, tokens: dict[str, str], count: int, probe: int, pids: list[int]
) -> tuple[float, list[float], list[float], list[float]]:
    """Commands/s, round trips under load and alone, CPU-seconds of `pids` during the batch."""
    erp = Erp(bootstrap, prefix, tokens)
    await erp.start()
    try:
        for n in range(10):  # the consumer group's first join, the first fetches
            await erp.one(n)
        before = [cpu_seconds(pid) for pid in pids]
        rate, trips, failed = await erp.batch(count, 10)
        cpu = [cpu_seconds(pid) - b for pid, b in zip(pids, before, strict=True)]
        assert not failed, f"{len(failed)} commands were not answered 201"
        alone = [await erp.one(10 + count + n) for n in range(probe)]
        return rate, trips, alone, cpu
    finally:
        await erp.stop()


# ----- HTTP ------------------------------------------------------------------------------


def request(port: int, token: str, body: dict[str, Any], keyed: bool) -> bytes:
    raw = json.dumps(body).encode()
    key = f"Idempotency-Key: bench-{uuid.uuid4().hex}\r\n" if keyed else ""
    head = (
        f"POST /v1/needs HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n{key}"
        f"Content-Length: {len(raw)}\r\n\r\n"
    ).encode()
    return head + raw


async def http_client(port: int, requests: list[bytes], latencies: list[float]) -> int:
    """One keep-alive connection sending `requests` in turn; how many were not 201."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    failures = 0
    for prepared in requests:
        sent = time.perf_counter()
        writer.write(prepared)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - sent)
        failures += status != 201
    writer.close()
    return failures


async def over_http(
    port: int, tokens: dict[str, str], count: int, clients: int, keyed: bool
) -> tuple[float, list[float]]:
    units = sorted(tokens)

    def prepared(n: int) -> bytes:
        unit = units[n % len(units)]
        return request(port, tokens[unit], need(unit, n), keyed)

    await http_client(port, [prepared(n) for n in range(10)], [])  # warm
    shares = [[prepared(n) for n in range(10 + c, 10 + count, clients)] for c in range(clients)]
    latencies: list[float] = []
    started = time.perf_counter()
    failed = await asyncio.gather(*(http_client(port, s, latencies) for s in shares))
    elapsed = time.perf_counter() - started
    assert sum(failed) == 0, f"{sum(failed)} requests were not answered 201"
    return len(latencies) / elapsed, latencies


# ----- the run ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--probe", type=int, default=200)
    parser.add_argument(
        "--concurrency", type=int, help="MARKETPLACE_INTAKE_CONCURRENCY (default: the setting's)"
    )
    parser.add_argument(
        "--partitions", type=int, help="MARKETPLACE_KAFKA_PARTITIONS (default: the setting's)"
    )
    parser.add_argument("--bootstrap", default=os.environ.get("BENCH_KAFKA", "127.0.0.1:9092"))
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"{args.commands:,} post_need commands; load average {load:.1f} at the start")

    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp))
        server, tokens = serve_demo(env)
        prefix = f"bench{uuid.uuid4().hex[:8]}."
        intake_env = {k: v for k, v in env.items() if k != "MARKETPLACE_PORT"} | {
            "MARKETPLACE_KAFKA_BOOTSTRAP": args.bootstrap,
            "MARKETPLACE_KAFKA_TOPIC_PREFIX": prefix,
        }
        if args.concurrency:
            intake_env["MARKETPLACE_INTAKE_CONCURRENCY"] = str(args.concurrency)
        if args.partitions:
            intake_env["MARKETPLACE_KAFKA_PARTITIONS"] = str(args.partitions)
        intake = subprocess.Popen(
            [sys.executable, "-m", "marketplace", "intake"],
            env=intake_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            pids = [intake.pid, server.pid]
            rate, trips, alone, cpu = asyncio.run(
                over_kafka(args.bootstrap, prefix, tokens, args.commands, args.probe, pids)
            )
        finally:
            stop(intake)
            stop(server)
    loaded_p50, loaded_p95 = quantiles(trips)
    alone_p50, alone_p95 = quantiles(alone)
    print(
        f"Kafka (intake beside serve, {len(tokens)} units as keys, concurrency "
        f"{args.concurrency or 'default'}): {rate:,.0f} commands/s; "
        f"round trip under that load p50 {loaded_p50:,.0f} ms, p95 {loaded_p95:,.0f} ms; "
        f"one at a time ({args.probe}) p50 {alone_p50:.1f} ms, p95 {alone_p95:.1f} ms; "
        f"CPU during the batch: intake {cpu[0]:.1f} s, serve {cpu[1]:.1f} s"
    )

    http: dict[bool, float] = {}
    for keyed in (True, False):  # with the command's key, as the Kafka side; without
        with tempfile.TemporaryDirectory() as tmp:
            env = environment(Path(tmp))
            server, tokens = serve_demo(env)
            try:
                before = cpu_seconds(server.pid)
                http[keyed], latencies = asyncio.run(
                    over_http(
                        int(env["MARKETPLACE_PORT"]), tokens, args.commands, args.clients, keyed
                    )
                )
                used = cpu_seconds(server.pid) - before
            finally:
                stop(server)
        http_p50, http_p95 = quantiles(latencies)
        print(
            f"HTTP ({args.clients} clients, {'an' if keyed else 'no'} Idempotency-Key): "
            f"{http[keyed]:,.0f} requests/s; p50 {http_p50:.1f} ms, p95 {http_p95:.1f} ms; "
            f"CPU: serve {used:.1f} s"
        )
    print(
        f"Kafka ÷ HTTP: {rate / http[True]:.2f} (with the key), {rate / http[False]:.2f} (without)"
    )


if __name__ == "__main__":
    main()
