# ruff: noqa: RUF001 - Chinese texts use full-width punctuation
"""Issue 16: deadline reminders, a day before a bid, catalog submission or rectification
deadline, to the unit that must still act — in-app, by webhook and by e-mail, once, through a
restart — on real receivers and a clock the test moves."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.need import NeedSpec
from marketplace.aggregates.subscription import Channel
from marketplace.bootstrap import build_notifier, build_services, event_log_of, read_model_location
from marketplace.demo import seed_demo
from marketplace.handlers import catalog, inspections, needs, notifications, rules, tenders
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.handlers.subscriptions import Subscribe, Subscribed, subscribe
from marketplace.notifications.notifier import Notifier
from marketplace.notifications.outbox import DEADLINES, DELIVERIES, ITEMS
from marketplace.notifications.reminders import end_of_day
from marketplace.notifications.webhook import sign
from marketplace.projections.location import open_store
from marketplace.projections.pages import PageRequest
from marketplace.projections.store import ReadModelStore
from marketplace.settings import Settings
from tests.conftest import drop_schemas, require_postgres
from tests.integration.api_app import settings_for
from tests.integration.test_notifier import Clock, operator, until
from tests.notify_receivers import MailReceiver, WebhookReceiver

BID_REMINDER = "marketplace.reminder.bid_deadline.v1"
CATALOG_REMINDER = "marketplace.reminder.catalog_submission_deadline.v1"
RECTIFICATION_REMINDER = "marketplace.reminder.rectification_deadline.v1"
BUYER, WAITING, BIDDER = "COAL-01", "HEAT-02", "PWR-01"
HQ = Principal("tok_hq", "HQ", frozenset({Role.HQ_ADMIN}))


def platform_admin(unit: str) -> Principal:
    return Principal(f"tok_{unit}", unit, frozenset({Role.PLATFORM_ADMIN}))


@dataclasses.dataclass
class World:
    settings: Settings
    svc: Services
    clock: Clock
    store: ReadModelStore
    notifier: Notifier
    mail: MailReceiver

    def subscribe(self, unit: str, channel: Channel, endpoint: str, types: list[str]) -> Subscribed:
        return subscribe(self.svc, operator(unit), Subscribe(unit, channel, endpoint, types))

    def tender(self, deadline_in: timedelta) -> str:
        spec = NeedSpec(
            BUYER, "Steam", "product", "heat", "STEAM-LP", Decimal("1200"), "t",
            date.today() + timedelta(days=30), Decimal("230000.00"), "regular", "tender",
        )  # fmt: skip
        need = needs.post_need(self.svc, operator(BUYER), spec)
        launched = tenders.launch_tender(
            self.svc, operator(BUYER), need.id, [WAITING, BIDDER],
            self.clock.now + deadline_in, "lowest_price", Decimal("2"), None,
        )  # fmt: skip
        return str(launched.id)

    async def items(self, unit: str, event_type: str) -> list[dict[str, Any]]:
        return await self.store.fetch(
            f"SELECT * FROM {ITEMS.name} WHERE unit_id = $1 AND event_type = $2",
            [unit, event_type],
            ITEMS.types,
        )

    async def deliveries(self, subscription_id: str) -> list[dict[str, Any]]:
        return await self.store.fetch(
            f"SELECT * FROM {DELIVERIES.name} WHERE subscription_id = $1 ORDER BY sequence",
            [subscription_id],
            DELIVERIES.types,
        )

    async def deadlines(self, subject: str) -> list[dict[str, Any]]:
        return await self.store.fetch(
            f"SELECT * FROM {DEADLINES.name} WHERE subject = $1 ORDER BY unit_id",
            [subject],
            DEADLINES.types,
        )

    def fresh_notifier(self) -> Notifier:
        """Another notifier over the same store, as after a restart."""
        return build_notifier(self.settings, self.svc, event_log_of(self.svc.store), kafka=False)(
            self.store
        )


@pytest.fixture
async def world(backend: str, tmp_path: Path) -> AsyncIterator[World]:
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
    async with MailReceiver() as mail:
        settings = settings_for(tmp_path, schema, notify_poll_interval=0.05, smtp_url=mail.url)
        clock = Clock()
        svc = dataclasses.replace(build_services(settings), clock=clock)
        seed_demo(svc)
        store = await open_store(read_model_location(settings))
        notifier = build_notifier(settings, svc, event_log_of(svc.store), kafka=False)(store)
        await notifier.prepare()
        stop = asyncio.Event()
        running = asyncio.create_task(notifier.run(stop))
        try:
            yield World(settings, svc, clock, store, notifier, mail)
        finally:
            stop.set()
            await asyncio.gather(running, return_exceptions=True)
            await store.close()
            svc.store.close()
            if schema:
                drop_schemas(schema)


async def routed(world: World) -> None:
    """Everything stored so far is routed (deadlines included)."""
    await world.notifier.refresh()


@pytest.mark.both_stores
async def test_an_invitee_that_has_not_bid_is_reminded_once_a_day_before_the_deadline(
    world: World,
) -> None:
    async with WebhookReceiver() as waiting, WebhookReceiver() as bidder:
        hooked = world.subscribe(WAITING, Channel.WEBHOOK, waiting.url, [BID_REMINDER])
        other = world.subscribe(BIDDER, Channel.WEBHOOK, bidder.url, ["*"])
        tender_id = world.tender(deadline_in=timedelta(days=3))
        tenders.submit_bid(
            world.svc, operator(BIDDER), tender_id, BIDDER, None, Decimal("5"), date.today()
        )
        await routed(world)
        [held] = await world.deadlines(tender_id)  # the bidder's is gone
        assert (held["unit_id"], held["reminded"]) == (WAITING, False)
        assert await world.notifier.remind() == 0  # three days to go: not yet

        world.clock.advance(days=2, minutes=1)  # 23 h 59 min before the deadline
        [request] = await waiting.wait_for(1)
        reminder = json.loads(request.body)
        assert reminder["type"] == BID_REMINDER and reminder["subject"] == tender_id
        assert reminder["data"]["unit_id"] == WAITING and reminder["data"]["deadline"] == "bid"
        assert request.headers["webhook-id"] == reminder["id"]
        # Signed at the moved clock's time (the library's own check wants the real one).
        assert hooked.secret is not None
        signature = sign(
            hooked.secret, reminder["id"], int(request.headers["webhook-timestamp"]), request.body
        )
        assert request.headers["webhook-signature"] == signature
        [delivery] = await until(lambda: _delivered(world, hooked.subscription.id))
        assert delivery["attempts"] == 1

        # The bidder had acted: no reminder (it would have been made in the same transaction),
        # so its "*" subscription has the tender's own events only.
        assert await world.items(BIDDER, BID_REMINDER) == []
        mine = await world.store.fetch(
            f"SELECT notification_id, event_type FROM {ITEMS.name} WHERE unit_id = $1",
            [BIDDER],
            ITEMS.types,
        )
        assert "marketplace.tender.launched.v1" in {m["event_type"] for m in mine}
        sent = {d["notification_id"] for d in await world.deliveries(other.subscription.id)}
        assert sent == {m["notification_id"] for m in mine}

        page = await notifications.notifications(
            operator(WAITING), world.store, False, PageRequest()
        )
        assert page.items[0]["event_type"] == BID_REMINDER
        assert page.items[0]["title"] == f"投标即将截止：招标 {tender_id}"

        # Later rounds, and a restarted notifier, remind of it no more.
        world.clock.advance(hours=12)
        restarted = world.fresh_notifier()
        await restarted.prepare()
        assert await restarted.remind() == 0
        await restarted.refresh()
        assert len(await world.items(WAITING, BID_REMINDER)) == 1
        assert len(await world.deliveries(hooked.subscription.id)) == 1
        assert len(waiting.requests) == 1


async def _delivered(world: World, subscription_id: str) -> list[dict[str, Any]]:
    rows = await world.deliveries(subscription_id)
    return rows if rows and all(r["status"] == "delivered" for r in rows) else []


async def test_a_deadline_already_past_when_first_seen_is_not_reminded_of(world: World) -> None:
    tender_id = world.tender(deadline_in=timedelta(hours=30))  # not due for six hours
    await routed(world)
    assert await world.notifier.remind() == 0
    assert [r["reminded"] for r in await world.deadlines(tender_id)] == [False, False]
    world.clock.advance(hours=31)  # the notifier looks next after the deadline
    assert await world.notifier.remind() == 0
    rows = await world.deadlines(tender_id)
    assert [r["reminded"] for r in rows] == [True, True]
    assert await world.items(WAITING, BID_REMINDER) == []


async def test_a_finding_is_reminded_a_day_before_its_rectification_day_ends(
    world: World,
) -> None:
    day = world.svc.today() + timedelta(days=3)
    open_finding = inspections.record_finding(
        world.svc, HQ, WAITING, "incomplete_rules", "No written rules.", day
    )
    done = inspections.record_finding(
        world.svc, HQ, WAITING, "not_following_plan", "Bought outside.", day
    )
    inspections.rectify_finding(world.svc, operator(WAITING), done.id, "Back on plan.")
    await routed(world)
    due = end_of_day(day, world.svc.zone)
    [held] = await world.deadlines(open_finding.id)
    assert held["due"] == due
    assert await world.deadlines(done.id) == []

    world.clock.now = due - timedelta(hours=23)
    [item] = await until(lambda: world.items(WAITING, RECTIFICATION_REMINDER))
    assert item["subject"] == open_finding.id
    event = json.loads(item["event"])
    assert event["data"]["rectify_by"] == day.isoformat()
    assert event["data"]["issue"] == "incomplete_rules"


async def test_a_platform_that_has_not_submitted_is_reminded_of_the_catalog_deadline_by_mail(
    world: World,
) -> None:
    world.subscribe("PWR", Channel.EMAIL, "catalog@pwr.example", [CATALOG_REMINDER])
    deadline = world.clock.now + timedelta(days=2)
    version = catalog.open_version(
        world.svc,
        HQ,
        catalog.OpenVersion("2099H1", date(2099, 1, 1), date(2099, 6, 30), deadline),
    )
    entry = catalog.EntrySubmission("HEAT-02", "product", "heat", "STEAM-LP", "Steam", "t")
    catalog.submit_entries(world.svc, platform_admin("HEAT"), version.id, [entry])
    await routed(world)
    # Every sector platform of the demo's chart but HEAT, which submitted.
    assert [r["unit_id"] for r in await world.deadlines(version.id)] == [
        "COAL",
        "ENG",
        "PWR",
        "SVC",
    ]

    world.clock.advance(days=1, minutes=1)
    await until(lambda: world.items("PWR", CATALOG_REMINDER))
    world.clock.advance(seconds=61)  # the digest window
    [mail] = await world.mail.wait_for(1)
    assert mail.rcpt_tos == ["catalog@pwr.example"]
    body = mail.message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "2099H1" in text and version.id in text
    assert await world.items("HEAT", CATALOG_REMINDER) == []
    assert len(await world.items("COAL", CATALOG_REMINDER)) == 1


async def test_the_group_rules_reminder_lead_takes_precedence_over_the_setting(
    world: World,
) -> None:
    """Issue 20: a rules version in force that sets `reminder_lead_hours` decides the lead;
    the deployment's setting (24 h here) holds while none does."""
    tender_id = world.tender(deadline_in=timedelta(days=2))
    await routed(world)
    assert await world.notifier.remind() == 0  # two days to go, the setting's 24 h: not yet
    assert await world.items(WAITING, BID_REMINDER) == []
    change = rules.PublishRules(world.svc.today(), reminder_lead_hours=72)
    rules.publish_rules(world.svc, HQ, change)  # the notifier's next round reads it
    [reminded] = await until(lambda: world.items(WAITING, BID_REMINDER))
    assert reminded["subject"] == tender_id
