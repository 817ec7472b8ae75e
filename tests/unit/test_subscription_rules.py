"""Subscriptions: created for an active unit, removed or disabled once, and what they publish."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.organisation import Language
from marketplace.aggregates.subscription import (
    SYSTEM,
    Channel,
    Subscription,
    SubscriptionStatus,
)
from marketplace.events.wire import envelope_bytes, to_cloud_event, to_envelope
from tests.unit.org_fixtures import ACTOR, T0, at, demo_chart

SEALED = "v2.sealed-secret-as-the-sealer-writes-it"
URL = "https://erp.example.com/hooks/marketplace"


def webhook(types: list[str] | None = None) -> Subscription:
    unit = demo_chart().units["PWR-01"]
    return Subscription.create(
        "sub_1", unit, Channel.WEBHOOK, URL, types or ["*"], SEALED, ACTOR, T0
    )


def subscription_cycle() -> list[Any]:
    """Every public subscription event: a webhook created and disabled, an e-mail removed."""
    hook = webhook(["marketplace.need.posted.v1"])
    hook.disable("the endpoint answered 410 Gone", at(1))
    unit = demo_chart().units["PWR-01"]
    mail = Subscription.create(
        "sub_2", unit, Channel.EMAIL, "ops@pwr-01.example.com", ["*"], None, ACTOR, at(2)
    )
    mail.remove(ACTOR, at(3))
    return [*hook.collect_events(), *mail.collect_events()]


def test_types_are_kept_sorted_once_and_a_star_stands_alone() -> None:
    assert webhook(["b.x.v1", "a.x.v1", "b.x.v1"]).event_types == ("a.x.v1", "b.x.v1")
    star = webhook(["a.x.v1", "*"])
    assert star.event_types == ("*",)
    assert star.wants("marketplace.need.posted.v1")
    narrow = webhook(["marketplace.need.posted.v1"])
    assert narrow.wants("marketplace.need.posted.v1")
    assert not narrow.wants("marketplace.need.awarded.v1")


def test_an_inactive_unit_gets_no_subscription() -> None:
    org = demo_chart()
    org.update_unit("HEAT-01", ACTOR, T0, active=False)
    with pytest.raises(DomainError) as info:
        Subscription.create(
            "sub_1", org.units["HEAT-01"], Channel.WEBHOOK, URL, ["*"], SEALED, ACTOR, T0
        )
    assert info.value.code == "unit_inactive"


def test_a_webhook_needs_a_secret_and_an_email_has_none() -> None:
    unit = demo_chart().units["PWR-01"]
    with pytest.raises(ValueError, match="sealed secret"):
        Subscription.create("s", unit, Channel.WEBHOOK, URL, ["*"], None, ACTOR, T0)
    with pytest.raises(ValueError, match="sealed secret"):
        Subscription.create("s", unit, Channel.EMAIL, "a@b.cn", ["*"], SEALED, ACTOR, T0)


def test_removing_or_disabling_happens_once_and_the_first_one_stays() -> None:
    hook = webhook()
    hook.remove(ACTOR, at(1))
    hook.remove(ACTOR, at(2))
    hook.disable("gone", at(3))
    assert [type(e).__name__ for e in hook.collect_events()] == ["Created", "Removed"]
    assert hook.status is SubscriptionStatus.REMOVED and not hook.active
    gone = webhook()
    gone.disable("the endpoint answered 410 Gone", at(1))
    gone.remove(ACTOR, at(2))
    events = gone.collect_events()
    assert [type(e).__name__ for e in events] == ["Created", "Disabled"]
    assert events[-1].actor == SYSTEM
    assert gone.disabled_reason == "the endpoint answered 410 Gone"


def test_the_public_events_carry_neither_endpoint_nor_secret() -> None:
    for i, domain_event in enumerate(subscription_cycle(), 1):
        event = to_cloud_event(domain_event, i)
        assert event is not None
        wire = envelope_bytes(to_envelope(domain_event, i) or {})
        assert b"sealed" not in wire and b"secret" not in wire
        assert b"example.com" not in wire and "endpoint" not in event.data
        assert event.data["subscription_id"] == event.subject
        assert event.data["unit_id"] == "PWR-01"


def test_the_created_event_says_who_subscribed_to_what() -> None:
    created = to_cloud_event(webhook(["marketplace.need.posted.v1"]).collect_events()[0], 1)
    assert created is not None
    assert created.type == "marketplace.subscription.created.v1"
    assert created.data == {
        "subscription_id": "sub_1",
        "unit_id": "PWR-01",
        "channel": "webhook",
        "event_types": ["marketplace.need.posted.v1"],
        "actor": {"unit_id": "HQ", "token_id": "tok_test"},
    }


def test_a_units_language_is_chinese_until_changed_and_a_no_change_is_no_event() -> None:
    org = demo_chart()
    assert org.units["PWR-01"].language is Language.ZH_CN
    org.update_unit("PWR-01", ACTOR, at(1), language=Language.ZH_CN)
    assert org.collect_events() == []
    org.update_unit("PWR-01", ACTOR, at(2), language=Language.EN)
    [changed] = org.collect_events()
    event = to_cloud_event(changed, 1)
    assert event is not None and event.type == "marketplace.unit.language_changed.v1"
    assert event.data == {
        "unit_id": "PWR-01",
        "language": "en",
        "previous_language": "zh-CN",
        "actor": {"unit_id": "HQ", "token_id": "tok_test"},
    }
    assert org.units["PWR-01"].language is Language.EN
