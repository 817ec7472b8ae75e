"""need.posted.v2: the stored event's class version and upcast, its two public forms in the
deprecation window, and who is told of it."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper

from marketplace.adapters.eventstore import ActorAsDict, DateAsISO
from marketplace.aggregates.need import DeliveryLocation, Need
from marketplace.events.public.needs import NEED_POSTED_V1, NEED_POSTED_V2, NeedPostedV2
from marketplace.events.public.payload import Deprecation
from marketplace.events.public.registry import (
    BY_DOMAIN_NAME,
    DEPRECATED_FORMS,
    PUBLIC_TYPES,
    check_forms,
)
from marketplace.events.wire import (
    as_subscribed,
    envelopes_of,
    payload_of,
    to_cloud_event,
    to_cloud_events,
)
from marketplace.notifications.outbox import Subscription
from marketplace.notifications.redaction import redacted, redacted_body
from tests.unit.test_event_schemas import validator_for
from tests.unit.test_need_rules import need

SITE = DeliveryLocation("Methanol plant, gate 3", "1 Chemical Park Road")


def transcoder() -> JSONTranscoder:
    """The store's transcodings (the application registers the same)."""
    made = JSONTranscoder()
    for transcoding in (ActorAsDict(), DateAsISO(), DatetimeAsISO(), DecimalAsStr()):
        made.register(transcoding)
    return made


def mapper() -> Mapper[str]:
    return Mapper(transcoder=transcoder())


def posted(**kw: Any) -> Any:
    return need(**kw).collect_events()[0]


def as_stored_before_v2(event: Any) -> Any:
    """The stored record of `event` as the release before v2 wrote it: no class version, no
    delivery location in the spec."""
    stored = mapper().to_stored_event(event)
    state = transcoder().decode(stored.state)
    assert state.pop("class_version") == 2
    del state["spec"]["delivery_location"]
    return dataclasses.replace(stored, state=transcoder().encode(state))


# ----- the stored event --------------------------------------------------------------------


def test_the_posted_event_is_stored_at_class_version_2() -> None:
    assert Need.Posted.class_version == 2
    stored = mapper().to_stored_event(posted(delivery_location=SITE))
    assert stored.topic == "marketplace.aggregates.need:Need.Posted"  # unchanged: old ones resolve
    state = transcoder().decode(stored.state)
    assert state["class_version"] == 2
    assert state["spec"]["delivery_location"] == {"site": SITE.site, "address": SITE.address}


def test_a_version_1_event_is_upcast_when_read_and_its_need_has_no_location() -> None:
    old = as_stored_before_v2(posted())
    event = mapper().to_domain_event(old)
    assert isinstance(event, Need.Posted)
    assert event.spec["delivery_location"] is None  # type: ignore[attr-defined]
    replayed = event.mutate(None)
    assert isinstance(replayed, Need)
    assert replayed.spec.delivery_location is None
    assert replayed.spec == need().spec


def test_a_version_2_event_round_trips_with_its_location() -> None:
    event = mapper().to_domain_event(mapper().to_stored_event(posted(delivery_location=SITE)))
    replayed = event.mutate(None)
    assert isinstance(replayed, Need)
    assert replayed.spec.delivery_location == SITE


def test_the_upcast_leaves_the_rest_of_the_state_as_it_was() -> None:
    state = transcoder().decode(as_stored_before_v2(posted()).state)
    before = copy.deepcopy(state)
    Need.Posted.upcast_v1_v2(state)  # type: ignore[attr-defined]
    assert state == before | {"spec": before["spec"] | {"delivery_location": None}}


# ----- its public forms ----------------------------------------------------------------------


def test_the_current_form_is_v2_and_v1_is_published_after_it_with_the_same_id() -> None:
    event = posted(delivery_location=SITE)
    current = to_cloud_event(event, 7)
    forms = to_cloud_events(event, 7)
    assert current is not None and current == forms[0]
    assert [f.type for f in forms] == [NEED_POSTED_V2, NEED_POSTED_V1]
    assert len({f.id for f in forms}) == 1
    assert {(f.subject, f.sequence, f.aggregateversion) for f in forms} == {("need-1", 7, 1)}
    for form in forms:
        validator_for(form.type).validate(form.model_dump(mode="json"))


def test_the_v1_form_is_v2_without_the_location() -> None:
    v2, v1 = to_cloud_events(posted(delivery_location=SITE), 1)
    location = v2.data["spec"].pop("delivery_location")
    assert location == {"site": SITE.site, "address": SITE.address}
    assert v2.data["spec"].pop("lead_id") is None  # an optional field added to v2 later
    assert v2.data["spec"].pop("pool_id") is None  # and another
    assert v1.data == v2.data


def test_the_v2_payload_says_when_no_location_was_given() -> None:
    v2 = to_cloud_events(posted(), 1)[0]
    payload = payload_of(v2)
    assert isinstance(payload, NeedPostedV2)
    assert payload.spec.delivery_location is None
    assert "delivery_location" in v2.data["spec"]  # required in v2, null when not stated


def test_v1_is_deprecated_in_favour_of_v2_and_nothing_else_is() -> None:
    v1 = PUBLIC_TYPES[NEED_POSTED_V1]
    assert v1.deprecated is not None and v1.deprecated.superseded_by == NEED_POSTED_V2
    assert BY_DOMAIN_NAME["Need.Posted"].name == NEED_POSTED_V2
    assert {"Need.Posted": (v1,)} == DEPRECATED_FORMS
    attrs = vars(posted())
    forms = envelopes_of("Need.Posted", "need-1", 1, attrs, 1)
    assert [f["type"] for f in forms] == [NEED_POSTED_V2, NEED_POSTED_V1]
    assert envelopes_of("Need.Unknown", "need-1", 1, attrs, 1) == []


def test_a_domain_event_with_two_current_types_or_an_orphaned_old_one_is_refused() -> None:
    v1, v2 = PUBLIC_TYPES[NEED_POSTED_V1], PUBLIC_TYPES[NEED_POSTED_V2]
    check_forms([v2, v1])
    with pytest.raises(LookupError, match=r"two current types: \['Need.Posted'\]"):
        check_forms([v2, dataclasses.replace(v1, deprecated=None)])
    wrong = Deprecation(superseded_by="marketplace.need.posted.v3", until="0.2.x")
    with pytest.raises(LookupError, match=r"current type: \['marketplace.need.posted.v1'\]"):
        check_forms([v2, dataclasses.replace(v1, deprecated=wrong)])


# ----- who hears of it -------------------------------------------------------------------------


def subscription(*types: str) -> Subscription:
    return Subscription("sub-1", "HEAT-02", "webhook", frozenset(types), True, 0)


def test_a_subscription_to_v1_is_still_notified_of_a_need_posted_as_v2() -> None:
    v2, v1 = to_cloud_events(posted(delivery_location=SITE), 1)
    assert subscription(NEED_POSTED_V1).wants(v2)
    assert subscription(NEED_POSTED_V2).wants(v2)
    assert not subscription(NEED_POSTED_V2).wants(v1)
    assert not subscription("marketplace.need.cancelled.v1").wants(v2)


def test_a_v2_notification_hides_the_budget_as_v1_does() -> None:
    for form in to_cloud_events(posted(delivery_location=SITE), 1):
        shown = redacted(form).data["spec"]
        assert "budget_amount" not in shown, form.type
        assert shown["title"] == form.data["spec"]["title"]


def test_a_webhook_gets_the_form_its_subscription_names() -> None:
    v2, v1 = to_cloud_events(posted(delivery_location=SITE), 1)
    assert as_subscribed(v2, {NEED_POSTED_V2}) == v2
    assert as_subscribed(v2, {"*"}) == v2
    assert as_subscribed(v2, {NEED_POSTED_V1}) == v1
    assert as_subscribed(v2, {NEED_POSTED_V1, NEED_POSTED_V2}) == v2
    assert as_subscribed(v1, {NEED_POSTED_V1}) == v1
    body = json.loads(redacted_body(v2.to_bytes().decode(), v2.type, [NEED_POSTED_V1]))
    assert body["type"] == NEED_POSTED_V1
    assert body["dataschema"].endswith(NEED_POSTED_V1)
    assert "delivery_location" not in body["data"]["spec"]
    assert "budget_amount" not in body["data"]["spec"]


def test_a_snapshot_taken_before_v2_restores_a_need_without_location() -> None:
    """Needs with 100 events have snapshots; one taken by the release before v2 has a spec
    without the field, and restores with none."""
    taken = Need.Snapshot.take(need(delivery_location=SITE))
    state = copy.deepcopy(taken.state)
    topics = state["_snapshot_topics_"]
    index = next(i for i, (topic, _) in enumerate(topics) if topic.endswith(":NeedSpec"))
    names = topics[index][1]
    at = names.index("delivery_location")
    del names[at]
    del state["spec"][2 + at]  # [marker, class index, *values in the order of `names`]
    old = dataclasses.replace(taken, state=state)  # type: ignore[type-var]
    restored = old.mutate(None)
    assert isinstance(restored, Need)
    assert restored.spec.delivery_location is None
    assert restored.spec.title == need().spec.title
