"""Webhook notifications: a burst of matched needs to a local receiver, beside raw httpx posts.

Usage: python bench/notify_bench.py [--needs 10000] [--latency-needs 200] [--store sqlite|postgres]

1. Burst: `--needs` needs are posted (through the handlers, into a fresh embedded or PostgreSQL
   store with the demo group) for the demo's heat supplier, which subscribed a webhook; then the
   notifier starts and routes and sends them all to a local aiohttp receiver answering 204 at
   once. Notifications per second, from the notifier's start to the last webhook received.
2. Baseline, in the same run, twice (the faster counts): one httpx client posting the same
   bodies (the stored CloudEvents) with the same Standard
   Webhooks headers to the same receiver, one after another (the notifier sends one
   subscription's deliveries one after another too, to keep them in order). Ratio = 1 / 2.
3. Latency: with the notifier running, `--latency-needs` needs posted one every 20 ms; the time
   from the command's return to the webhook's arrival, p50 and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from aiohttp import web

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.need import NeedSpec
from marketplace.aggregates.subscription import Channel
from marketplace.bootstrap import (
    build_notifier,
    build_services,
    event_log_of,
    read_model_location,
)
from marketplace.demo import seed_demo
from marketplace.handlers import needs
from marketplace.handlers.auth import Principal
from marketplace.handlers.subscriptions import Subscribe, subscribe
from marketplace.notifications.webhook import headers
from marketplace.projections.location import open_store
from marketplace.projections.tables import ColumnType
from marketplace.settings import Settings

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class Receiver:
    """Answers 204 at once; notes when each webhook-id first arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.count = 0
        self.done = asyncio.Event()
        self.expect = 0

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.count += 1
        self.arrived.setdefault(request.headers["webhook-id"], time.perf_counter())
        if self.expect and len(self.arrived) >= self.expect:
            self.done.set()
        return web.Response(status=204)


def operator(unit: str) -> Principal:
    return Principal(token_id=f"tok_{unit}", unit_id=unit, roles=frozenset({Role.UNIT_OPERATOR}))


def spec(n: int) -> NeedSpec:
    return NeedSpec(
        demand_unit_id="COAL-01",
        title=f"Steam {n}",
        category="product",
        subcategory="heat",
        item_code="STEAM-LP",
        quantity=Decimal("10"),
        uom="t",
        required_by=date.today() + timedelta(days=30),
        budget_amount=Decimal("1000.00"),
        business_type="regular",
        sourcing="direct",
    )


async def main(args: argparse.Namespace) -> None:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/hook"
    with tempfile.TemporaryDirectory() as tmp:
        values: dict[str, object] = {
            "data_dir": Path(tmp),
            "admin_token": "bench-admin-token-long-enough-for-the-check",
            "notify_poll_interval": 0.05,
        }
        schema = None
        if args.store == "postgres":
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            values |= {"database_url": POSTGRES_URL, "database_schema": schema}
        settings = Settings(**values)  # type: ignore[arg-type]
        svc = build_services(settings)
        seed_demo(svc)
        subscribed = subscribe(
            svc,
            operator("HEAT-02"),
            Subscribe("HEAT-02", Channel.WEBHOOK, url, ["marketplace.need.posted.v1"]),
        )
        store = await open_store(read_model_location(settings))
        notifier = build_notifier(settings, svc, event_log_of(svc.store), kafka=False)(store)
        await notifier.prepare()  # it notifies of what comes after its first start
        started = time.perf_counter()
        for n in range(args.needs):
            needs.post_need(svc, operator("COAL-01"), spec(n))
        print(f"posted {args.needs} needs in {time.perf_counter() - started:.1f} s (setup)")
        receiver.expect = args.needs
        stop = asyncio.Event()
        begin = time.perf_counter()
        running = asyncio.create_task(notifier.run(stop))
        await asyncio.wait_for(receiver.done.wait(), timeout=3600)
        elapsed = time.perf_counter() - begin
        rate = args.needs / elapsed
        print(f"notifier: {args.needs} webhooks in {elapsed:.1f} s = {rate:.0f}/s")

        # The baseline: the same bodies (the stored CloudEvents), signed alike, one after
        # another with one client; twice, the faster counting (the ratio errs against us).
        rows = await store.fetch(
            "SELECT event FROM notify_items WHERE unit_id = $1 ORDER BY sequence LIMIT $2",
            ["HEAT-02", args.needs],
            {"event": ColumnType.TEXT},
        )
        bodies = [str(row["event"]).encode() for row in rows]
        secret = subscribed.secret or ""
        raw = 0.0
        async with httpx.AsyncClient(trust_env=False) as client:
            for round_ in (1, 2):
                raw_begin = time.perf_counter()
                for n, body in enumerate(bodies):
                    sent = await client.post(
                        url,
                        content=body,
                        headers=headers(secret, f"raw-{round_}-{n}", body, int(time.time())),
                    )
                    sent.raise_for_status()
                raw_elapsed = time.perf_counter() - raw_begin
                print(
                    f"raw httpx: {len(bodies)} posts in {raw_elapsed:.1f} s "
                    f"= {len(bodies) / raw_elapsed:.0f}/s"
                )
                raw = max(raw, len(bodies) / raw_elapsed)
        print(f"ratio notifier / raw (the faster): {rate / raw:.2f} (target >= 0.5)")

        # Latency from the command's return to the webhook's arrival.
        latencies = []
        for n in range(args.latency_needs):
            need = needs.post_need(svc, operator("COAL-01"), spec(args.needs + n))
            returned = time.perf_counter()
            event_id = _posted_event_id(str(need.id))
            while event_id not in receiver.arrived:
                await asyncio.sleep(0.002)
            latencies.append(receiver.arrived[event_id] - returned)
            await asyncio.sleep(0.02)
        latencies.sort()
        p50 = statistics.median(latencies) * 1000
        p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
        print(f"latency command -> webhook: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
        duplicates = receiver.count - len(receiver.arrived)
        print(f"webhooks received in all: {receiver.count} (duplicates: {duplicates})")
        stop.set()
        await asyncio.gather(running, return_exceptions=True)
        await store.close()
        svc.store.close()
    await runner.cleanup()


def _posted_event_id(need_id: str) -> str:
    from marketplace.events.envelope import event_id

    return event_id(need_id, 1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--latency-needs", type=int, default=200)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    asyncio.run(main(parser.parse_args()))
