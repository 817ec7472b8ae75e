"""What a notification's CloudEvent leaves out: fields its recipients may not read by the API.

Routing sends each of these types only to units on one side (see routing.py), and the API
shows them less than the event holds: a supplier matched to a need never sees its budget; the
demand unit sees how many bids a tender has before the opening, not whose; a losing offerer
learns that it lost, not which offer won; bidders see the award, not its justification; a
pool's member sees its own budget, not the others' nor their total.
The texts never name these fields either (tests/unit/test_notification_texts.py).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.wire import as_subscribed

# Dotted paths into `data`, by CloudEvents type; a path through a list reaches each item.
HIDDEN: dict[str, tuple[str, ...]] = {
    "marketplace.need.posted.v1": ("spec.budget_amount",),
    "marketplace.need.posted.v2": ("spec.budget_amount",),
    "marketplace.tender.bid_received.v1": ("bid_id", "bidder", "replaces", "actor"),
    "marketplace.offer.not_awarded.v1": ("awarded_offer_id",),
    "marketplace.tender.awarded.v1": ("justification",),
    "marketplace.joint_procurement.launched.v1": ("budget_amount", "shares.budget_amount"),
}


def redacted(event: CloudEvent) -> CloudEvent:
    """The event as a notification carries it: the same, less the HIDDEN fields of its type."""
    paths = HIDDEN.get(event.type)
    if not paths:
        return event
    data: dict[str, Any] = copy.deepcopy(event.data)
    _drop(data, paths)
    return event.model_copy(update={"data": data})


def redacted_body(raw: str, event_type: str, subscribed: Collection[str] = ("*",)) -> bytes:
    """A stored event's JSON as a webhook's body: as stored, unless its type hides fields, or
    in the form the subscription names (a deprecated type's subscriber gets that type in its
    deprecation window)."""
    if "*" not in subscribed and event_type not in subscribed:
        return redacted(as_subscribed(CloudEvent.from_bytes(raw.encode()), subscribed)).to_bytes()
    paths = HIDDEN.get(event_type)
    if not paths:
        return raw.encode()
    envelope = json.loads(raw)
    _drop(envelope["data"], paths)
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def _drop(data: dict[str, Any], paths: tuple[str, ...]) -> None:
    for path in paths:
        _drop_path(data, path.split("."))


def _drop_path(holder: Any, names: list[str]) -> None:
    if isinstance(holder, list):
        for item in holder:
            _drop_path(item, names)
    elif isinstance(holder, dict) and len(names) == 1:
        holder.pop(names[0], None)
    elif isinstance(holder, dict):
        _drop_path(holder.get(names[0]), names[1:])
