"""Subscriptions: who may subscribe for whom, the secret shown once and kept sealed, removal,
and the notifier's ports (`endpoint_of`, `disable_subscription`)."""

from __future__ import annotations

import asyncio
import base64

import pytest

from marketplace.aggregates.organisation import Language, UnitNotFound
from marketplace.aggregates.subscription import Channel, Subscription, SubscriptionStatus
from marketplace.handlers import subscriptions, units
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import Forbidden, InvalidField, NotFound
from marketplace.handlers.subscriptions import Endpoint, Subscribe
from marketplace.notifications.reminders import REMINDER_TYPES
from tests.unit.handlers.world import (
    AUDITOR,
    BI_READER,
    HQ_ADMIN,
    World,
    operator,
    platform_admin,
)

HOOK = "http://127.0.0.1:9000/hooks"
POSTED = "marketplace.need.posted.v1"


def hook_for(unit: str, types: list[str] | None = None) -> Subscribe:
    return Subscribe(unit, Channel.WEBHOOK, HOOK, types or [POSTED])


def subscribe(world: World, who: Principal, cmd: Subscribe) -> subscriptions.Subscribed:
    return world.given(lambda s: subscriptions.subscribe(s, who, cmd))


def test_a_unit_subscribes_itself_and_gets_its_secret_once(group: World) -> None:
    group.svc.new_secret = lambda n: bytes(range(n))
    outcome = group.when(
        lambda s: subscriptions.subscribe(s, operator("PWR-01"), hook_for("PWR-01"))
    )
    made = outcome.appended(
        "Subscription.Created", "SubscriptionRegistry.Opened", "SubscriptionRegistry.Registered"
    )
    assert made.secret == "whsec_" + base64.b64encode(bytes(range(24))).decode()
    created = outcome.event("Subscription.Created", unit_id="PWR-01", endpoint=HOOK)
    assert created.sealed_secret != made.secret
    assert group.svc.sealer is not None
    assert group.svc.sealer.unseal(created.sealed_secret) == made.secret


def test_the_store_never_holds_the_plaintext_secret(group: World) -> None:
    made = subscribe(group, operator("PWR-01"), hook_for("PWR-01"))
    assert made.secret is not None
    states = [record.state for record in group.store.read(0, 10_000)]
    key = made.secret.removeprefix("whsec_").encode()
    assert states and not any(key in state for state in states)
    assert not any(made.secret.encode() in event.to_bytes() for event in group.published())


def test_an_email_subscription_has_no_secret(group: World) -> None:
    cmd = Subscribe("PWR-01", Channel.EMAIL, "Ops@PWR-01.example.com", ["*"])
    made = subscribe(group, operator("PWR-01"), cmd)
    assert made.secret is None
    assert made.subscription.endpoint == "Ops@pwr-01.example.com"
    assert made.subscription.sealed_secret is None


@pytest.mark.parametrize(
    ("who", "unit"),
    [
        (operator("PWR-01"), "PWR-01"),
        (platform_admin("PWR"), "PWR-02"),
        (platform_admin("PWR"), "PWR"),
        (HQ_ADMIN, "COAL-03"),
        (HQ_ADMIN, "HQ"),
    ],
)
def test_who_may_subscribe_for_a_unit(group: World, who: Principal, unit: str) -> None:
    made = subscribe(group, who, hook_for(unit))
    assert made.subscription.unit_id == unit


@pytest.mark.parametrize(
    ("who", "unit"),
    [
        (operator("PWR-01"), "PWR-02"),  # a sibling
        (operator("PWR-01"), "PWR"),  # its own superior
        (platform_admin("PWR"), "HEAT-01"),  # another platform's enterprise
        (platform_admin("PWR"), "HQ"),
        (AUDITOR, "PWR-01"),  # auditors read, never act
        (BI_READER, "PWR-01"),
    ],
)
def test_who_may_not_subscribe_for_a_unit(group: World, who: Principal, unit: str) -> None:
    group.when(lambda s: subscriptions.subscribe(s, who, hook_for(unit))).refused(
        "forbidden", Forbidden
    )


def test_bad_endpoints_and_types_are_refused_by_field(group: World) -> None:
    me = operator("PWR-01")
    cases = {
        "endpoint_link_local": hook_for("PWR-01"),
        "endpoint_not_https": Subscribe("PWR-01", Channel.WEBHOOK, "http://10.0.0.1/h", ["*"]),
        "email_invalid": Subscribe("PWR-01", Channel.EMAIL, "not an address", ["*"]),
        "unknown_event_type": hook_for("PWR-01", [POSTED, "marketplace.need.eaten.v1"]),
    }
    cases["endpoint_link_local"] = Subscribe(
        "PWR-01", Channel.WEBHOOK, "https://169.254.169.254/latest", ["*"]
    )
    for kind, cmd in cases.items():
        refused = group.when(lambda s, c=cmd: subscriptions.subscribe(s, me, c)).refused(
            "invalid_request", InvalidField
        )
        [detail] = refused.details
        assert detail["type"] == kind
        assert detail["field"] == ("event_types" if kind == "unknown_event_type" else "endpoint")


def test_a_unit_may_subscribe_to_its_deadline_reminders(group: World) -> None:
    reminders = sorted(REMINDER_TYPES)
    made = subscribe(group, operator("PWR-01"), hook_for("PWR-01", [POSTED, *reminders]))
    assert list(made.subscription.event_types) == [POSTED, *reminders]
    unknown = hook_for("PWR-01", ["marketplace.reminder.lunch_deadline.v1"])
    group.when(lambda s: subscriptions.subscribe(s, operator("PWR-01"), unknown)).refused(
        "invalid_request", InvalidField
    )


def test_a_deactivated_unit_gets_no_subscription(group: World) -> None:
    group.given(lambda s: units.update_unit(s, HQ_ADMIN, units.UpdateUnit("SVC-03", active=False)))
    group.when(lambda s: subscriptions.subscribe(s, HQ_ADMIN, hook_for("SVC-03"))).refused(
        "unit_inactive"
    )


def test_lists_follow_the_reach_and_never_hold_a_secret(group: World) -> None:
    first = subscribe(group, operator("PWR-01"), hook_for("PWR-01")).subscription
    second = subscribe(group, platform_admin("PWR"), hook_for("PWR-01", ["*"])).subscription
    subscribe(group, operator("PWR-02"), hook_for("PWR-02"))
    for who in (operator("PWR-01"), platform_admin("PWR"), HQ_ADMIN, AUDITOR):
        listed = subscriptions.list_subscriptions(group.svc, who, "PWR-01")
        assert [s.id for s in listed] == [first.id, second.id]
    for who in (operator("PWR-02"), platform_admin("HEAT"), BI_READER):
        with pytest.raises(Forbidden):
            subscriptions.list_subscriptions(group.svc, who, "PWR-01")
    with pytest.raises(UnitNotFound):
        subscriptions.list_subscriptions(group.svc, HQ_ADMIN, "NOWHERE")
    assert subscriptions.list_subscriptions(group.svc, HQ_ADMIN, "COAL-01") == []


def test_removal_by_whoever_may_subscribe_once(group: World) -> None:
    made = subscribe(group, operator("PWR-01"), hook_for("PWR-01")).subscription
    for who in (operator("PWR-02"), platform_admin("HEAT"), AUDITOR):
        group.when(lambda s, p=who: subscriptions.remove_subscription(s, p, made.id)).refused(
            "forbidden", Forbidden
        )
    removed = group.when(
        lambda s: subscriptions.remove_subscription(s, platform_admin("PWR"), made.id)
    )
    removed.appended("Subscription.Removed")
    removed.event("Subscription.Removed", subscription_id=made.id, unit_id="PWR-01")
    group.when(lambda s: subscriptions.remove_subscription(s, HQ_ADMIN, made.id)).appended()
    group.when(lambda s: subscriptions.remove_subscription(s, HQ_ADMIN, "sub_nope")).refused(
        "not_found", NotFound
    )


def test_endpoint_of_unseals_the_secret_for_the_sender(group: World) -> None:
    made = subscribe(group, operator("PWR-01"), hook_for("PWR-01"))
    assert group.svc.sealer is not None
    found = asyncio.run(
        subscriptions.endpoint_of(group.store, group.svc.sealer, made.subscription.id)
    )
    assert found == Endpoint(made.subscription.id, "PWR-01", "webhook", HOOK, made.secret, True)
    mail = subscribe(
        group, operator("PWR-01"), Subscribe("PWR-01", Channel.EMAIL, "a@b.cn", ["*"])
    ).subscription
    found = asyncio.run(subscriptions.endpoint_of(group.store, group.svc.sealer, mail.id))
    assert (found.channel, found.address, found.secret, found.active) == (
        "email",
        "a@b.cn",
        None,
        True,
    )
    with pytest.raises(NotFound):
        asyncio.run(subscriptions.endpoint_of(group.store, group.svc.sealer, "sub_nope"))


def test_disable_subscription_stops_it_once_and_says_why(group: World) -> None:
    made = subscribe(group, operator("PWR-01"), hook_for("PWR-01")).subscription
    reason = "the endpoint answered 410 Gone"
    disabled = group.when(
        lambda s: asyncio.run(subscriptions.disable_subscription(s, made.id, reason))
    )
    disabled.appended("Subscription.Disabled")
    disabled.event("Subscription.Disabled", reason=reason, unit_id="PWR-01")
    again = group.when(lambda s: asyncio.run(subscriptions.disable_subscription(s, made.id, "x")))
    again.appended()
    stored = group.store.get(made.id, Subscription)
    assert stored is not None and stored.status is SubscriptionStatus.DISABLED
    assert group.svc.sealer is not None
    found = asyncio.run(subscriptions.endpoint_of(group.store, group.svc.sealer, made.id))
    assert not found.active


@pytest.mark.parametrize(
    "who", [operator("PWR-01"), platform_admin("PWR"), HQ_ADMIN], ids=lambda p: p.token_id
)
def test_whoever_acts_for_a_unit_sets_its_language(group: World, who: Principal) -> None:
    changed = group.when(
        lambda s: units.update_unit(s, who, units.UpdateUnit("PWR-01", language=Language.EN))
    )
    changed.appended("Organisation.UnitLanguageChanged")
    changed.event("Organisation.UnitLanguageChanged", language="en", previous_language="zh-CN")
    assert units.get_unit(group.svc, "PWR-01").language is Language.EN


@pytest.mark.parametrize(
    "who", [operator("PWR-02"), platform_admin("HEAT"), AUDITOR], ids=lambda p: p.token_id
)
def test_others_may_not_set_a_units_language(group: World, who: Principal) -> None:
    group.when(
        lambda s: units.update_unit(s, who, units.UpdateUnit("PWR-01", language=Language.EN))
    ).refused("forbidden", Forbidden)


def test_a_unit_may_not_restructure_itself_along_with_its_language(group: World) -> None:
    cmd = units.UpdateUnit("PWR-01", name="Mine now", language=Language.EN)
    group.when(lambda s: units.update_unit(s, operator("PWR-01"), cmd)).refused(
        "forbidden", Forbidden
    )
