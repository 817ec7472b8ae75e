"""Command-to-bus and command-to-read-model latency of `serve --all-in-one` on PostgreSQL.

Usage: python bench/pipeline_latency.py [--commands 30]
Needs PostgreSQL and the broker (infra/services.sh start). Starts the real service, registers
units over HTTP one at a time, and measures how long until each one's CloudEvent is on
`marketplace.units` and until `GET /v1/units` (fed from Kafka) lists it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer

ADMIN = "bench-admin-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def measure(args: argparse.Namespace) -> None:
    schema, prefix, port = (
        f"bench_lat_{uuid.uuid4().hex[:8]}",
        f"lat{uuid.uuid4().hex[:6]}.",
        free_port(),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_")} | {
        "MARKETPLACE_DATABASE_URL": args.database_url,
        "MARKETPLACE_DATABASE_SCHEMA": schema,
        "MARKETPLACE_KAFKA_BOOTSTRAP": args.bootstrap,
        "MARKETPLACE_KAFKA_TOPIC_PREFIX": prefix,
        "MARKETPLACE_ADMIN_TOKEN": ADMIN,
        "MARKETPLACE_PORT": str(port),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "marketplace", "serve", "--all-in-one"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=10,
    )
    consumer = AIOKafkaConsumer(
        prefix + "marketplace.units",
        bootstrap_servers=args.bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
        fetch_max_wait_ms=20,  # an idle fetch must not hide the arrival time
    )
    try:
        for _ in range(100):
            try:
                client.get("/health")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        warm_up = time.perf_counter()
        client.post("/v1/units", json={"id": "G", "name": "Group", "level": "group"})
        # The first event also waits for topic creation and the consumer groups' first join;
        # reported apart, so the figures below are the steady state.
        while "G" not in {u["id"] for u in client.get("/v1/units").json()["items"]}:
            await asyncio.sleep(0.01)
        print(
            f"first command → in GET /v1/units (topics, group joins): "
            f"{(time.perf_counter() - warm_up) * 1000:.0f} ms"
        )
        await consumer.start()
        answered, to_bus, to_model = [], [], []
        for i in range(args.commands):
            unit = f"E-{i:03d}"
            started = time.perf_counter()
            client.post(
                "/v1/units", json={"id": unit, "name": unit, "level": "platform", "parent_id": "G"}
            )
            answered.append((time.perf_counter() - started) * 1000)
            while True:
                batch = await consumer.getmany(timeout_ms=20)
                if any(unit.encode() in m.value for ms in batch.values() for m in ms):
                    to_bus.append((time.perf_counter() - started) * 1000)
                    break
            while unit not in {u["id"] for u in client.get("/v1/units").json()["items"]}:
                await asyncio.sleep(0.01)
            to_model.append((time.perf_counter() - started) * 1000)
        for name, samples in (
            ("answered (201)", answered),
            ("on the topic", to_bus),
            ("in GET /v1/units", to_model),
        ):
            ordered = sorted(samples)
            print(
                f"command → {name}: median {statistics.median(ordered):.0f} ms, "
                f"max {ordered[-1]:.0f} ms ({len(ordered)} commands)"
            )
    finally:
        await consumer.stop()
        server.terminate()
        server.wait(10)
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            for s in (schema, f"{schema}_read_models"):
                conn.execute(f'DROP SCHEMA IF EXISTS "{s}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=30)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
