"""The notifier's ports on each store, from a process of its own: `endpoint_of` reads a webhook's
secret unsealed with the shared seal key, `disable_subscription` stops it once for everyone."""

from __future__ import annotations

import asyncio
import os

import pytest

from marketplace.adapters.seal import AesGcmSealer
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.subscription import Channel
from marketplace.demo import organisation_yaml
from marketplace.handlers import subscriptions
from marketplace.handlers.auth import Principal
from marketplace.handlers.unit_import import import_units
from tests.integration.conftest import StoreFactory, services_on

pytestmark = pytest.mark.both_stores
KEY = os.urandom(32)
OPERATOR = Principal("tok_pwr01", "PWR-01", frozenset({Role.UNIT_OPERATOR}))


def test_the_notifier_reads_the_endpoint_and_disables_it_from_its_own_process(
    open_store: StoreFactory,
) -> None:
    api = services_on(open_store())
    api.sealer = AesGcmSealer(KEY)
    import_units(api, Actor(None, "cli"), organisation_yaml())
    hook = subscriptions.Subscribe("PWR-01", Channel.WEBHOOK, "http://[::1]:9/h", ["*"])
    made = subscriptions.subscribe(api, OPERATOR, hook)
    sub_id = made.subscription.id

    notifier = services_on(open_store())
    notifier.sealer = AesGcmSealer(KEY)
    found = asyncio.run(subscriptions.endpoint_of(notifier.store, notifier.sealer, sub_id))
    assert (found.address, found.secret, found.active) == ("http://[::1]:9/h", made.secret, True)

    reason = "the endpoint answered 410 Gone"
    asyncio.run(subscriptions.disable_subscription(notifier, sub_id, reason))
    head = notifier.store.head()
    asyncio.run(subscriptions.disable_subscription(notifier, sub_id, reason))
    assert notifier.store.head() == head  # once only
    [listed] = subscriptions.list_subscriptions(api, OPERATOR, "PWR-01")
    assert (listed.status.value, listed.disabled_reason) == ("disabled", reason)
    again = asyncio.run(subscriptions.endpoint_of(api.store, api.sealer, sub_id))
    assert not again.active
