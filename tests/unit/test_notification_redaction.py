"""A notification's CloudEvent leaves out what its recipients may not read by the API."""

from __future__ import annotations

import json
from typing import get_args, get_origin

from pydantic import BaseModel

from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.notifications.redaction import HIDDEN, redacted, redacted_body
from tests.unit.notification_events import (
    BUDGET,
    POOL_BUDGET,
    SHARE_BUDGETS,
    bid_received,
    need_posted,
    offer_submitted,
    pool_launched,
)


def test_every_hidden_path_names_a_field_of_its_type() -> None:
    """A renamed field would silently stay in the bodies: every path must resolve."""
    for name, paths in HIDDEN.items():
        for path in paths:
            model: type[BaseModel] = PUBLIC_TYPES[name].payload
            *parents, leaf = path.split(".")
            for part in parents:
                annotation = model.model_fields[part].annotation
                if get_origin(annotation) is list:  # a path through a list reaches each item
                    (annotation,) = get_args(annotation)
                assert isinstance(annotation, type) and issubclass(annotation, BaseModel), path
                model = annotation
            assert leaf in model.model_fields, f"{name}: {path}"


def test_a_matched_supplier_gets_the_need_without_its_budget() -> None:
    posted = need_posted()
    assert BUDGET in json.dumps(posted.data)
    body = redacted_body(posted.to_bytes().decode(), posted.type)
    assert BUDGET not in body.decode()
    sent = json.loads(body)
    assert "budget_amount" not in sent["data"]["spec"]
    assert sent["data"]["spec"]["item_code"] == posted.data["spec"]["item_code"]
    assert sent["id"] == posted.id and sent["type"] == posted.type


def test_the_demand_unit_learns_a_bid_came_not_whose() -> None:
    received = bid_received("PWR-02", 2)
    sent = redacted(received).data
    assert set(sent) == {"internal"}
    assert received.data["bidder"] == "PWR-02"  # the stored event itself is untouched


def test_other_types_go_as_they_are() -> None:
    submitted = offer_submitted("off_1", "PWR-02")
    assert redacted(submitted) is submitted


def test_a_body_of_a_type_that_hides_nothing_is_the_stored_json() -> None:
    raw = offer_submitted("off_2", "PWR-02").to_bytes().decode()
    assert redacted_body(raw, "marketplace.offer.submitted.v1") == raw.encode()


def test_a_pools_members_get_its_launch_without_anyones_budget() -> None:
    """A member reads its own budget on the pool's page, never the others' nor their total."""
    launched = pool_launched()
    sent = json.loads(redacted_body(launched.to_bytes().decode(), launched.type))["data"]
    assert "budget_amount" not in sent
    assert sent["shares"] == [{"unit_id": unit, "quantity": "100"} for unit in SHARE_BUDGETS]
    assert sent["need_id"] == "need-9" and sent["total_quantity"] == "300"
    assert POOL_BUDGET in json.dumps(launched.data)  # the stored event itself is untouched
    assert redacted(launched).data == sent
