"""Issue 16, security: a webhook's host is checked again before every post, so a name re-pointed
after subscribing (DNS rebinding) to a link-local or metadata address is never called; the
refusal is recorded as a retried attempt, and deliveries resume once the name points back.

Where the name points is the test's resolver (the `Services.resolve` port, a real function the
test re-points); the post itself resolves `localhost` as the system does (127.0.0.1), where the
receiver listens."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from marketplace.projections.tables import ColumnType
from tests.integration.notifier_world import Dns, notifier_world
from tests.integration.test_notifier import World, until
from tests.notify_receivers import WebhookReceiver

HOST = "localhost"


@pytest.fixture
def dns() -> Dns:
    return Dns(**{HOST: ["127.0.0.1"]})


@pytest.fixture
async def world(backend: str, tmp_path: Path, dns: Dns) -> AsyncIterator[World]:
    async with notifier_world(backend, tmp_path, resolve=dns) as built:
        yield built


@pytest.mark.both_stores
@pytest.mark.parametrize(
    ("rebound", "named"),
    [
        (["169.254.169.254"], "169.254.169.254"),
        (["fe80::1%eth0"], "fe80::1"),
        (["::ffff:169.254.169.254"], "169.254.169.254"),  # IPv4-mapped: the same address
        (["127.0.0.1", "169.254.10.1"], "169.254.10.1"),  # one bad address is enough
    ],
)
async def test_a_name_re_pointed_to_link_local_is_refused_at_delivery_then_resumes(
    world: World, dns: Dns, rebound: list[str], named: str
) -> None:
    async with WebhookReceiver() as receiver:
        subscribed = world.webhook(f"http://{HOST}:{receiver.port}/hook")
        sub_id = subscribed.subscription.id
        first = world.post_need("before the rebinding")
        await receiver.wait_for(1)  # the name points at loopback: posted

        dns.names[HOST] = rebound
        dns.asked.clear()
        second = world.post_need("after the rebinding")
        [_, row] = await until(lambda: _attempted(world, sub_id, count=2, attempts=1))
        assert dns.asked == [HOST]  # asked again at delivery time
        # A retry, not dead: the name may be put right within the day of retries.
        assert row["status"] == "pending" and row["last_status"] is None
        assert "link-local" in row["last_error"] and named in row["last_error"]
        assert row["next_attempt_at"] > world.clock.now
        assert await _outcomes(world, row["delivery_id"]) == ["retry"]
        assert len(receiver.requests) == 1  # nothing was posted to the re-pointed name

        world.clock.advance(seconds=15)  # the first retry is due: refused again
        await until(lambda: _attempted(world, sub_id, count=2, attempts=2))
        assert len(receiver.requests) == 1

        dns.names[HOST] = ["127.0.0.1"]  # put right: the retry goes through
        world.clock.advance(minutes=10)
        got = await receiver.wait_for(2)
        assert [json.loads(r.body)["subject"] for r in got] == [first, second]
        rows = await until(lambda: _attempted(world, sub_id, count=2, attempts=3))
        assert rows[1]["status"] == "delivered"
        assert await _outcomes(world, rows[1]["delivery_id"]) == ["retry", "retry", "delivered"]


async def _attempted(
    world: World, subscription_id: str, *, count: int, attempts: int
) -> list[dict[str, Any]]:
    rows = await world.deliveries(subscription_id)
    return rows if len(rows) == count and rows[-1]["attempts"] >= attempts else []


async def _outcomes(world: World, delivery_id: str) -> list[str]:
    rows = await world.store.fetch(
        "SELECT outcome FROM notify_attempts WHERE delivery_id = $1 ORDER BY attempt",
        [delivery_id],
        {"outcome": ColumnType.TEXT},
    )
    return [str(r["outcome"]) for r in rows]
