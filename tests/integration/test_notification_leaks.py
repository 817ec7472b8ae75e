"""Issue 16, security: the leak scan extended to what notifications carry. Every unit involved
subscribes to every event type by webhook (a real receiver each) and by e-mail (a real SMTP
server); then a sealed-bid tender and a need with two competing offers run their course, and
every in-app notification as the API shows it, webhook body and mail is searched:

- before the bids are opened, no sealed amount appears anywhere;
- a supplier never receives another supplier's offer event, nor its price;
- a need.posted sent to a supplier carries no budget_amount (the API shows it to the demand
  side only).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from marketplace.aggregates.need import NeedSpec
from marketplace.aggregates.subscription import Channel
from marketplace.handlers import needs, notifications, tenders
from marketplace.handlers.subscriptions import Subscribe, subscribe
from marketplace.notifications.outbox import DELIVERIES, DIGEST_WINDOW
from marketplace.projections.pages import PageRequest
from tests.integration.notifier_world import notifier_world
from tests.integration.test_notifier import World, operator, until
from tests.notify_receivers import MailReceiver, WebhookReceiver

BUYER = "COAL-01"
BIDDERS = {"HEAT-02": "987.63", "PWR-01": "964.29"}  # sealed amounts: unlike anything else
OFFERS = {"HEAT-01": "181.17", "HEAT-02": "176.43"}  # unit prices of two competing offers
BUDGET = "230017.00"
UNITS = (BUYER, "COAL", "HEAT-01", "HEAT-02", "PWR-01", "HEAT", "PWR", "HQ")
DEMAND_SIDE = {BUYER, "COAL", "HQ"}  # the buyer and those above it read its needs whole


@dataclass
class Inbox:
    """What one unit received: in-app events, webhook bodies, mail texts."""

    items: list[dict[str, Any]] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    mails: list[str] = field(default_factory=list)

    def events(self) -> list[dict[str, Any]]:
        return self.items + self.hooks

    def texts(self) -> list[str]:
        return [json.dumps(e) for e in self.events()] + self.mails


@dataclass
class Scene:
    world: World
    hooks: dict[str, WebhookReceiver]
    mail: MailReceiver

    async def settle(self) -> None:
        """Past every digest window, and every delivery made."""
        self.world.clock.advance(seconds=DIGEST_WINDOW.total_seconds() + 1)
        await until(lambda: _all_sent(self.world), timeout=30)

    async def inboxes(self) -> dict[str, Inbox]:
        found = {unit: Inbox() for unit in UNITS}
        # In-app: what GET /v1/notifications shows each unit (the notifier's own table keeps
        # the whole event, like the event store and the read models: it is not shown).
        for unit in UNITS:
            page = await notifications.notifications(
                operator(unit), self.world.store, False, PageRequest(limit=500)
            )
            found[unit].items = [
                {
                    "type": item["event_type"],
                    "subject": item["subject"],
                    "data": {"title": item["title"], "body": item["body"]},
                }
                for item in page.items
            ]
        for unit, receiver in self.hooks.items():
            found[unit].hooks = [json.loads(r.body) for r in receiver.requests]
        for received in self.mail.messages:
            [to] = received.rcpt_tos
            found[unit_of(to)].mails.append(mail_text(received.message))
        return found


def address_of(unit: str) -> str:
    return f"ops@{unit.lower()}.example.com"


def unit_of(address: str) -> str:
    return next(u for u in UNITS if address_of(u) == address)


def mail_text(message: EmailMessage) -> str:
    """Headers and every text part decoded (an encoded body would hide what it says)."""
    parts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(str(part.get_content()))  # type: ignore[attr-defined]
    return "\n".join(parts)


async def _all_sent(world: World) -> bool:
    head = await world.notifier.events.head()
    state = await world.store.state("notify")
    if state is None or state.position < head:
        return False
    rows = await world.store.fetch(
        f"SELECT status, last_error FROM {DELIVERIES.name} WHERE status <> 'delivered'",
        [],
        DELIVERIES.types,
    )
    assert all(r["status"] == "pending" for r in rows), rows  # nothing dead
    return not rows


@pytest.fixture
async def scene(tmp_path: Path) -> AsyncIterator[Scene]:
    async with AsyncExitStack() as stack:
        mail = await stack.enter_async_context(MailReceiver())
        world = await stack.enter_async_context(
            notifier_world("sqlite", tmp_path, smtp_url=mail.url)
        )
        hooks = {}
        for unit in UNITS:
            hooks[unit] = await stack.enter_async_context(WebhookReceiver())
            for channel, endpoint in (
                (Channel.WEBHOOK, hooks[unit].url),
                (Channel.EMAIL, address_of(unit)),
            ):
                subscribe(world.svc, operator(unit), Subscribe(unit, channel, endpoint, ["*"]))
        yield Scene(world, hooks, mail)


def spec(title: str, sourcing: str) -> NeedSpec:
    return NeedSpec(
        demand_unit_id=BUYER,
        title=title,
        category="product",
        subcategory="heat",
        item_code="STEAM-LP",
        quantity=Decimal("100"),
        uom="t",
        required_by=date.today() + timedelta(days=60),
        budget_amount=Decimal(BUDGET),
        business_type="regular",
        sourcing=sourcing,
    )


def containing(inbox: Inbox, words: Iterable[str]) -> list[str]:
    return [text for text in inbox.texts() for word in words if word in text]


async def test_no_sealed_amount_before_opening_and_no_offer_of_another_supplier(
    scene: Scene,
) -> None:
    svc, clock = scene.world.svc, scene.world.clock
    # A sealed-bid tender: launched, two internal bids, the deadline passes, opened, awarded.
    need = needs.post_need(svc, operator(BUYER), spec("Tendered steam", "tender"))
    tender = tenders.launch_tender(
        svc,
        operator(BUYER),
        need.id,
        sorted(BIDDERS),
        clock.now + timedelta(days=1),
        "lowest_price",
        Decimal("2"),
        None,
    )
    bids = {
        unit: tenders.submit_bid(
            svc, operator(unit), tender.id, unit, None, Decimal(amount), date.today()
        )
        for unit, amount in BIDDERS.items()
    }
    # A need with two competing offers, awarded to one of them.
    direct = needs.post_need(svc, operator(BUYER), spec("Direct steam", "direct"))
    offers = {
        unit: needs.submit_offer(
            svc,
            operator(unit),
            direct.id,
            unit,
            needs.OfferTerms(
                Decimal(price),
                Decimal("100"),
                date.today() + timedelta(days=50),
                clock.now + timedelta(days=20),
            ),
        )
        for unit, price in OFFERS.items()
    }
    await scene.settle()

    before = await scene.inboxes()
    assert before[BUYER].items and before["HEAT-02"].mails  # the scan has something to scan
    assert any(e["type"] == "marketplace.tender.bid_received.v1" for e in before[BUYER].items)
    for unit, inbox in before.items():
        assert containing(inbox, BIDDERS.values()) == [], f"a sealed amount reached {unit}"

    clock.advance(days=2)  # past the bid deadline
    tenders.open_bids(svc, operator(BUYER), tender.id)
    tenders.award_tender(svc, operator(BUYER), tender.id, bids["PWR-01"].id, None)
    needs.award(svc, operator(BUYER), direct.id, offers["HEAT-02"].id)
    await scene.settle()

    after = await scene.inboxes()
    # Once opened and awarded, amounts may be told: the scan sees them where they are.
    assert containing(after[BUYER], [BIDDERS["PWR-01"]])
    assert containing(after["HEAT-02"], [OFFERS["HEAT-02"]])  # its own price, in its contract
    assert any(e["type"] == "marketplace.offer.not_awarded.v1" for e in after["HEAT-01"].events())
    for supplier in OFFERS:
        inbox = after[supplier]
        others = {u: p for u, p in OFFERS.items() if u != supplier}
        for event in inbox.events():
            data = event.get("data") or {}
            named = {data.get("supplier_unit_id"), data.get("offerer"), data.get("bidder")}
            if event["type"].startswith(("marketplace.offer.", "marketplace.need.offer_")):
                assert not named & set(others), f"{supplier} got {event['type']} of another"
                offer_id = data.get("offer_id") or event["subject"]
                assert offer_id not in {offers[u].id for u in others} or (
                    event["type"] == "marketplace.offer.not_awarded.v1"
                ), f"{supplier} got another's offer event {event['type']}"
        assert containing(inbox, others.values()) == [], f"another's price reached {supplier}"


async def test_a_need_posted_to_suppliers_carries_no_budget(scene: Scene) -> None:
    needs.post_need(scene.world.svc, operator(BUYER), spec("Budgeted steam", "direct"))
    await scene.settle()
    inboxes = await scene.inboxes()
    told = {u for u, inbox in inboxes.items() if u not in DEMAND_SIDE and inbox.events()}
    assert "HEAT-02" in told  # the matched supplier heard of it, by every channel
    assert inboxes["HEAT-02"].hooks and inboxes["HEAT-02"].mails
    for unit in told:
        for channel, events in (("in-app", inboxes[unit].items), ("webhook", inboxes[unit].hooks)):
            for event in events:
                if event["type"] == "marketplace.need.posted.v1":
                    data = json.dumps(event["data"])
                    assert "budget_amount" not in data, f"{unit} got the budget ({channel})"
        assert containing(inboxes[unit], [BUDGET, "230017", "230,017"]) == [], unit
