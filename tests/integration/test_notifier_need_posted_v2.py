"""A webhook subscribed to need.posted.v1 still gets v1 in the deprecation window; one
subscribed to v2 gets v2 with the delivery location; each need posted reaches each once."""

from __future__ import annotations

import dataclasses
import json

import pytest

from marketplace.aggregates.need import DeliveryLocation, Need
from marketplace.events.public.needs import NEED_POSTED_V1, NEED_POSTED_V2
from marketplace.handlers import needs
from tests.integration.test_notifier import BUYER, World, operator, world
from tests.notify_receivers import WebhookReceiver

__all__ = ["world"]  # the fixture, shared with test_notifier.py
SITE = DeliveryLocation("Methanol plant, gate 3", "1 Chemical Park Road")


def post_need_with_location(world: World) -> str:
    template = world.svc.store.get(world.post_need("template"), Need).spec
    spec = dataclasses.replace(template, title="Steam to gate 3", delivery_location=SITE)
    return str(needs.post_need(world.svc, operator(BUYER), spec).id)


@pytest.mark.both_stores
async def test_each_subscriber_gets_the_form_it_named_once(world: World) -> None:
    async with WebhookReceiver() as old, WebhookReceiver() as new, WebhookReceiver() as both:
        subscribed = [
            world.webhook(old.url, types=[NEED_POSTED_V1]),
            world.webhook(new.url, types=[NEED_POSTED_V2]),
            world.webhook(both.url, types=[NEED_POSTED_V1, NEED_POSTED_V2]),
        ]
        need_id = post_need_with_location(world)
        [to_old] = [json.loads(r.body) for r in await old.wait_for(2)][1:]
        [to_new] = [json.loads(r.body) for r in await new.wait_for(2)][1:]
        to_both = [json.loads(r.body) for r in await both.wait_for(2)]
    assert to_old["subject"] == to_new["subject"] == need_id
    assert to_old["type"] == NEED_POSTED_V1
    assert "delivery_location" not in to_old["data"]["spec"]
    assert to_new["type"] == NEED_POSTED_V2
    assert to_new["data"]["spec"]["delivery_location"] == dataclasses.asdict(SITE)
    assert to_old["id"] == to_new["id"]
    assert [e["type"] for e in to_both] == [NEED_POSTED_V2, NEED_POSTED_V2]
    assert "budget_amount" not in to_new["data"]["spec"]
    for made in subscribed:  # one delivery per need posted: the template's and this one
        assert len(await world.deliveries(made.subscription.id)) == 2
