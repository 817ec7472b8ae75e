"""Issue 16: the notifier routes the event log into notifications and deliveries and sends them
to real receivers, in order per subscription, through outages, on a clock the test moves."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import structlog
from standardwebhooks.webhooks import Webhook

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.need import NeedSpec
from marketplace.aggregates.subscription import Channel
from marketplace.bootstrap import build_notifier, build_services, event_log_of, read_model_location
from marketplace.demo import seed_demo
from marketplace.handlers import needs, notifications
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.handlers.subscriptions import Subscribe, subscribe
from marketplace.notifications import notifier as notifier_module
from marketplace.notifications.notifier import Notifier
from marketplace.notifications.outbox import DELIVERIES
from marketplace.projections.location import open_store
from marketplace.projections.pages import PageRequest
from marketplace.projections.store import ReadModelStore
from marketplace.settings import Settings
from tests.conftest import drop_schemas, require_postgres
from tests.integration.api_app import settings_for
from tests.notify_receivers import WebhookReceiver

SUPPLIER = "HEAT-02"  # the demo's heat supplier: matched to a need for STEAM-LP
BUYER = "COAL-01"


class Clock:
    """Now, as the test says: retries that would wait minutes are made due by moving it."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def operator(unit: str) -> Principal:
    return Principal(token_id=f"tok_{unit}", unit_id=unit, roles=frozenset({Role.UNIT_OPERATOR}))


@dataclasses.dataclass
class World:
    svc: Services
    clock: Clock
    store: ReadModelStore
    notifier: Notifier
    settings: Settings | None = None  # to start another notifier on the same stores

    def post_need(self, title: str = "Steam") -> str:
        spec = NeedSpec(
            demand_unit_id=BUYER,
            title=title,
            category="product",
            subcategory="heat",
            item_code="STEAM-LP",
            quantity=Decimal("12.5"),
            uom="t",
            required_by=date.today() + timedelta(days=30),
            budget_amount=Decimal("2300.00"),
            business_type="regular",
            sourcing="direct",
        )
        return str(needs.post_need(self.svc, operator(BUYER), spec).id)

    def webhook(self, url: str, unit: str = SUPPLIER, types: list[str] | None = None) -> Any:
        cmd = Subscribe(unit, Channel.WEBHOOK, url, types or ["marketplace.need.posted.v1"])
        return subscribe(self.svc, operator(unit), cmd)

    async def deliveries(self, subscription_id: str) -> list[dict[str, Any]]:
        return await self.store.fetch(
            f"SELECT * FROM {DELIVERIES.name} WHERE subscription_id = $1 ORDER BY sequence",
            [subscription_id],
            DELIVERIES.types,
        )


@pytest.fixture
async def world(backend: str, tmp_path: Path) -> AsyncIterator[World]:
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
    settings = settings_for(tmp_path, schema, notify_poll_interval=0.05)
    clock = Clock()
    svc = dataclasses.replace(build_services(settings), clock=clock)
    seed_demo(svc)
    store = await open_store(read_model_location(settings))
    notifier = build_notifier(settings, svc, event_log_of(svc.store), kafka=False)(store)
    await notifier.prepare()  # notifying begins here: before the test's first event
    stop = asyncio.Event()
    running = asyncio.create_task(notifier.run(stop))
    try:
        yield World(svc, clock, store, notifier, settings)
    finally:
        stop.set()
        await asyncio.gather(running, return_exceptions=True)
        await store.close()
        svc.store.close()
        if schema:
            drop_schemas(schema)


async def until(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll `check` (sync or async) until it is truthy; its value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = check()
        if asyncio.iscoroutine(found):
            found = await found
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


@pytest.mark.both_stores
async def test_a_matched_supplier_gets_the_need_signed_and_in_app(world: World) -> None:
    async with WebhookReceiver() as receiver:
        subscribed = world.webhook(receiver.url)
        need_id = world.post_need()
        [request] = await receiver.wait_for(1)
        event = json.loads(request.body)
        assert event["type"] == "marketplace.need.posted.v1"
        assert event["subject"] == need_id
        assert request.headers["webhook-id"] == event["id"]
        # The receiver checks the signature with the Standard Webhooks library itself.
        verified = Webhook(subscribed.secret).verify(request.body, dict(request.headers))
        assert verified["subject"] == need_id
        [delivery] = await until(lambda: _delivered(world, subscribed.subscription.id))
        assert delivery["attempts"] == 1
    page = await notifications.notifications(operator(SUPPLIER), world.store, False, PageRequest())
    assert [n["subject"] for n in page.items] == [need_id]
    assert page.items[0]["read"] is False
    # The buyer posted it: it is not notified of its own need.
    mine = await notifications.notifications(operator(BUYER), world.store, False, PageRequest())
    assert mine.items == []


async def _delivered(world: World, subscription_id: str) -> list[dict[str, Any]]:
    rows = await world.deliveries(subscription_id)
    return rows if rows and all(r["status"] == "delivered" for r in rows) else []


async def test_a_receiver_down_for_five_minutes_gets_every_event_afterwards_in_order(
    world: World,
) -> None:
    async with WebhookReceiver() as receiver:
        subscribed = world.webhook(receiver.url)
        await receiver.go_down()
        posted = [world.post_need(f"Steam {i}") for i in range(5)]
        first = await until(lambda: _attempted(world, subscribed.subscription.id))
        assert first["status"] == "pending" and first["last_error"]
        for _ in range(10):  # five minutes pass, in steps: the retries fail meanwhile
            world.clock.advance(seconds=30)
            await asyncio.sleep(0.15)
        await receiver.come_up()
        world.clock.advance(hours=1)  # past any retry the schedule made
        got = await receiver.wait_for(5)
        subjects = [json.loads(r.body)["subject"] for r in got]
        # At least once, in order: the first may come again, never out of order.
        assert list(dict.fromkeys(subjects)) == posted
        rows = await until(lambda: _delivered(world, subscribed.subscription.id))
        assert rows[0]["attempts"] >= 2


async def _attempted(world: World, subscription_id: str) -> dict[str, Any] | None:
    rows = await world.deliveries(subscription_id)
    return rows[0] if rows and rows[0]["attempts"] >= 1 else None


async def test_410_gone_disables_the_subscription_and_stops_its_deliveries(world: World) -> None:
    async with WebhookReceiver() as receiver:
        subscribed = world.webhook(receiver.url)
        receiver.answer(410)
        world.post_need("one")
        world.post_need("two")
        await receiver.wait_for(1)
        rows = await until(
            lambda: _all_status(world, subscribed.subscription.id, {"dead"}, count=2)
        )
        assert rows[0]["last_status"] == 410
        endpoint = await _endpoint(world, subscribed.subscription.id)
        assert endpoint.active is False
        world.post_need("three")  # no delivery for a disabled subscription
        await until(lambda: _routed_all(world))
        assert len(await world.deliveries(subscribed.subscription.id)) == 2
        assert len(receiver.requests) == 1


async def _endpoint(world: World, subscription_id: str) -> Any:
    from marketplace.handlers.subscriptions import endpoint_of

    return await endpoint_of(world.svc.store, world.svc.sealer, subscription_id)  # type: ignore[arg-type]


async def _routed_all(world: World) -> bool:
    head = await world.notifier.events.head()
    state = await world.store.state("notify")
    return state is not None and state.position >= head


async def _all_status(
    world: World, subscription_id: str, wanted: set[str], count: int
) -> list[dict[str, Any]]:
    rows = await world.deliveries(subscription_id)
    return rows if len(rows) == count and {r["status"] for r in rows} <= wanted else []


async def test_a_hanging_endpoint_does_not_hold_up_another_subscription(world: World) -> None:
    async with WebhookReceiver() as slow, WebhookReceiver() as quick:
        world.webhook(slow.url)
        world.webhook(quick.url)
        slow.hang()
        posted = [world.post_need(f"Steam {i}") for i in range(3)]
        # The slow one holds its first delivery (10 s timeout); the other gets all three.
        got = await quick.wait_for(3, timeout=5)
        assert [json.loads(r.body)["subject"] for r in got] == posted
        assert len(slow.requests) <= 1


@pytest.mark.both_stores
async def test_two_notifier_processes_send_each_subscription_in_order(world: World) -> None:
    """A second notifier over the same stores (as a second `marketplace notify` would be):
    the routing commits once per event, and a subscription is sent by one at a time."""
    assert world.settings is not None
    other_store = await open_store(read_model_location(world.settings))
    other = build_notifier(world.settings, world.svc, event_log_of(world.svc.store), kafka=False)(
        other_store
    )
    stop = asyncio.Event()
    running = asyncio.create_task(other.run(stop))
    try:
        async with WebhookReceiver() as receiver:
            world.webhook(receiver.url)
            posted = [world.post_need(f"Steam {i}") for i in range(30)]
            got = await receiver.wait_for(30)
            subjects = [json.loads(r.body)["subject"] for r in got]
            assert list(dict.fromkeys(subjects)) == posted
            await asyncio.sleep(0.3)  # time for any second sending to show
            assert len(receiver.requests) == 30
    finally:
        stop.set()
        await asyncio.gather(running, return_exceptions=True)
        await other_store.close()


async def test_a_long_catch_up_says_how_far_it_has_got(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first start over a long history routes every event before notifying what follows:
    # the log says where it is (here every page, not every 30 s).
    monkeypatch.setattr(notifier_module, "PROGRESS_EVERY", 0.0)
    config = settings_for(tmp_path)
    svc = build_services(config)
    seed_demo(svc)
    store = await open_store(read_model_location(config))
    try:
        notifier = build_notifier(config, svc, event_log_of(svc.store), kafka=False)(store)
        notifier.batch_size = 10
        await notifier.prepare()
        with structlog.testing.capture_logs() as logs:
            await notifier.refresh()
        said = [e for e in logs if e["event"] == "notifier_catching_up"]
        positions = [e["position"] for e in said]
        assert len(said) >= 2 and positions == sorted(set(positions))
        assert {e["head"] for e in said} == {svc.store.head()}
        assert (await store.state("notify")).position == svc.store.head()  # type: ignore[union-attr]
    finally:
        await store.close()
        svc.store.close()
