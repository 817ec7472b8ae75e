"""An event decoded from the store carries its validated payload; a received one validates."""

from __future__ import annotations

from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.units import UnitRegisteredV1
from marketplace.events.wire import payload_of, to_cloud_event
from tests.unit.org_fixtures import ACTOR, T0


def test_the_payload_decoded_once_is_the_one_data_validates_to() -> None:
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    org.register_unit("HQ", "Group", Level.GROUP, None, None, actor=ACTOR, timestamp=T0)
    decoded = [to_cloud_event(e, n) for n, e in enumerate(org.collect_events(), 1)]
    (registered,) = [e for e in decoded if e is not None]
    carried = registered.validated_payload
    assert isinstance(carried, UnitRegisteredV1)
    assert payload_of(registered) is carried  # not validated again
    # Received as bytes (Kafka): the same payload, validated from `data`.
    received = CloudEvent.from_bytes(registered.to_bytes())
    assert received.validated_payload is None
    assert payload_of(received) == carried
    assert received == registered
