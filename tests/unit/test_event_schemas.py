"""The published contract in `schemas/` is current, complete, and matches the events we emit."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError

from marketplace.aggregates.base import Actor
from marketplace.aggregates.catalog import CatalogEntry, CatalogVersion
from marketplace.aggregates.catalog_index import CATALOG_INDEX_ID, CatalogIndex
from marketplace.aggregates.organisation import ORGANISATION_ID, Language, Level, Organisation
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.registry import PUBLIC_TYPES, TOPICS
from marketplace.events.schemagen import ASYNCAPI_FILE, SCHEMAS_DIR, generate
from marketplace.events.wire import envelope_bytes, to_cloud_event, to_cloud_events, to_envelope
from tests.unit.org_fixtures import ACTOR, T0, at
from tests.unit.test_body_rules import bodies_cycle
from tests.unit.test_contract_rules import contract_cycle
from tests.unit.test_document_rules import document_cycle
from tests.unit.test_framework_rules import framework_cycle
from tests.unit.test_inspection_rules import inspection_cycle
from tests.unit.test_joint_procurement_rules import pool_cycle
from tests.unit.test_meeting_rules import meeting_cycle
from tests.unit.test_need_rules import market_cycle
from tests.unit.test_report_rules import report_cycle
from tests.unit.test_rules import rules_cycle
from tests.unit.test_shared_resource_rules import resource_cycle
from tests.unit.test_subscription_rules import subscription_cycle
from tests.unit.test_tender_rules import tender_cycle
from tests.unit.test_visit_rules import visit_cycle

REGENERATE = "run `python -m marketplace.events.schemagen` and commit `schemas/`"
TYPE_NAME = re.compile(r"^marketplace\.[a-z_]+\.[a-z_]+\.v[0-9]+$")
BOOTSTRAP = Actor(unit_id=None, token_id="bootstrap")
INTAKE_TOPICS = {"marketplace.commands", "marketplace.command-replies", "marketplace.commands.dlq"}


def schema_of(type_name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS_DIR / f"{type_name}.json").read_text("utf-8"))
    return schema


def validator_for(type_name: str) -> Draft202012Validator:
    schema = schema_of(type_name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def restructured_chart() -> list[CloudEvent]:
    """Every public unit event, from driving the real chart through its commands."""
    org = Organisation(id=ORGANISATION_ID, actor=BOOTSTRAP, timestamp=T0)
    org.register_unit("HQ", "Group HQ", Level.GROUP, None, None, actor=BOOTSTRAP, timestamp=at(1))
    for i, platform in enumerate(["PWR", "HEAT"], start=2):
        org.register_unit(platform, platform, Level.PLATFORM, "HQ", None, ACTOR, at(i))
    org.register_unit("PWR-01", "Plant", Level.ENTERPRISE, "PWR", None, ACTOR, at(4))
    org.update_unit("PWR-01", ACTOR, at(5), name="Northern Plant")
    org.update_unit("PWR-01", ACTOR, at(6), parent_id="HEAT")
    org.update_unit("PWR-01", ACTOR, at(7), sector="heat")
    org.update_unit("PWR-01", ACTOR, at(8), active=False)
    org.update_unit("PWR-01", ACTOR, at(9), active=True)
    org.update_unit("PWR-01", ACTOR, at(10), language=Language.EN)
    domain_events = [
        *org.collect_events(),
        *catalog_cycle(),
        *market_cycle(),
        *tender_cycle(),
        *contract_cycle(),
        *inspection_cycle(),
        *report_cycle(),
        *subscription_cycle(),
        *document_cycle(),
        *meeting_cycle(),
        *visit_cycle(),
        *bodies_cycle(),
        *framework_cycle(),
        *pool_cycle(),
        *resource_cycle(),
        *rules_cycle(),
    ]
    # Every form the relay publishes: a deprecated type's too, in its deprecation window.
    return [form for i, e in enumerate(domain_events, 1) for form in to_cloud_events(e, i)]


def catalog_cycle() -> list[Any]:
    """Every public catalog event: two versions, one replacing the other."""
    index = CatalogIndex(id=CATALOG_INDEX_ID, actor=ACTOR, timestamp=T0)
    events: list[Any] = []
    previous = None
    for period, start, end in [
        ("2027H1", date(2027, 1, 1), date(2027, 6, 30)),
        ("2027H2", date(2027, 7, 1), date(2027, 12, 31)),
    ]:
        version = CatalogVersion.open(f"cat-{period}", period, start, end, at(20), ACTOR, at(10))
        version.submit(
            "HEAT",
            [
                CatalogEntry(
                    "e1",
                    "HEAT",
                    "HEAT-01",
                    "product",
                    "heat",
                    "STEAM",
                    "Steam",
                    "t",
                    reference_price="185.50",
                    regions=("north",),
                ),
                CatalogEntry(
                    "e2",
                    "HEAT",
                    "HEAT-01",
                    "resource",
                    "intangible/patent",
                    "PAT-1",
                    "Boiler patent",
                    "licence",
                ),
            ],
            ACTOR,
            at(11),
        )
        version.approve_entry("e1", ACTOR, at(12))
        version.reject_entry("e2", "licence terms missing", ACTOR, at(12))
        replaces = index.record_publication(version, ACTOR, at(13))
        version.publish(replaces, ACTOR, at(13))
        if previous is not None:
            previous.supersede(version.id, ACTOR, at(13))
            events += previous.collect_events()
        events += version.collect_events()
        previous = version
    return events


def test_the_relays_fast_path_writes_what_the_validated_path_would() -> None:
    for event in restructured_chart():
        assert event.model_dump(mode="json")["data"]
    domain_events = (
        catalog_cycle()
        + market_cycle()
        + tender_cycle()
        + contract_cycle()
        + inspection_cycle()
        + report_cycle()
        + meeting_cycle()
        + framework_cycle()
    )
    for i, domain_event in enumerate(domain_events, 1):
        validated = to_cloud_event(domain_event, i)
        fast = to_envelope(domain_event, i)
        assert validated is not None and fast is not None
        assert json.loads(envelope_bytes(fast)) == validated.model_dump(mode="json")


# ----- the committed files are what the generator writes -----------------------------------


def test_committed_schemas_are_byte_for_byte_what_the_generator_writes(tmp_path: Path) -> None:
    """What a run writes is what was committed (written by another process, under another
    hash seed), and a second run in the same process writes the same bytes again."""
    first = {p.name: p.read_bytes() for p in generate(tmp_path / "a")}
    for name, written in first.items():
        committed = SCHEMAS_DIR / name
        assert committed.is_file(), f"schemas/{name} is missing: {REGENERATE}"
        assert committed.read_bytes() == written, f"schemas/{name} is out of date: {REGENERATE}"
    second = {p.name: p.read_bytes() for p in generate(tmp_path / "b")}
    assert second == first


def test_schemas_holds_no_file_for_a_type_that_is_gone() -> None:
    committed = {p.stem for p in SCHEMAS_DIR.glob("*.json")}
    stale = sorted(committed - PUBLIC_TYPES.keys())
    assert not stale, f"schemas/ holds {stale}, gone from PUBLIC_TYPES: delete, {REGENERATE}"


# ----- the contract is complete ----------------------------------------------------------


@pytest.mark.parametrize("type_name", sorted(PUBLIC_TYPES))
def test_every_type_has_a_well_named_schema_file_about_its_whole_envelope(type_name: str) -> None:
    assert TYPE_NAME.match(type_name), f"{type_name!r} is not marketplace.<aggregate>.<verb>.vN"
    schema = schema_of(type_name)
    assert schema["$id"] == f"urn:marketplace:schema:{type_name}"
    assert schema["title"] == type_name
    assert schema["properties"]["type"]["const"] == type_name
    assert {"specversion", "id", "type", "data", "sequence"} <= set(schema["required"])


def test_asyncapi_documents_every_topic_and_every_type() -> None:
    document = yaml.safe_load((SCHEMAS_DIR / ASYNCAPI_FILE).read_text("utf-8"))
    assert document["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(TOPICS) | INTAKE_TOPICS  # the events', and the commands'
    titles = {schema.get("title") for schema in document["components"]["schemas"].values()}
    assert set(PUBLIC_TYPES) <= titles


def test_asyncapi_describes_messages_as_the_relay_publishes_them() -> None:
    """Structured-mode CloudEvents keyed by aggregate id; no header the relay does not send."""
    document = yaml.safe_load((SCHEMAS_DIR / ASYNCAPI_FILE).read_text("utf-8"))
    assert document["defaultContentType"] == "application/cloudevents+json"
    messages = document["components"]["messages"]
    assert {f"{topic}:Message" for topic in TOPICS} <= set(messages)
    for message in (messages[f"{topic}:Message"] for topic in TOPICS):
        assert "correlationId" not in message
        assert message["contentType"] == "application/cloudevents+json"
        assert message["headers"]["properties"] == {
            "content-type": {"const": "application/cloudevents+json", "description": ANY}
        }
        key = message["bindings"]["kafka"]["key"]
        assert key["type"] == "string"
        assert "aggregate id" in key["description"]


# ----- what we emit validates, and what we must not emit does not ---------------------------


def test_the_chart_commands_produce_every_public_type() -> None:
    assert {event.type for event in restructured_chart()} == set(PUBLIC_TYPES)


@pytest.mark.parametrize("event", restructured_chart(), ids=lambda e: f"{e.sequence}-{e.type}")
def test_every_emitted_event_validates_against_its_schema_file(event: CloudEvent) -> None:
    validator_for(event.type).validate(event.model_dump(mode="json"))


def without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


MUTATIONS = {
    "data misses unit_id": lambda e: {**e, "data": without(e["data"], "unit_id")},
    "actor misses token_id": lambda e: {
        **e,
        "data": {**e["data"], "actor": without(e["data"]["actor"], "token_id")},
    },
    "type of another event": lambda e: {**e, "type": "marketplace.unit.renamed.v1"},
    "dataschema of another event": lambda e: {
        **e,
        "dataschema": "urn:marketplace:schema:marketplace.unit.renamed.v1",
    },
    "no sequence": lambda e: without(e, "sequence"),
    "sequence is text": lambda e: {**e, "sequence": "12"},
    "wrong specversion": lambda e: {**e, "specversion": "0.3"},
}


@pytest.mark.parametrize("mutation", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_a_mutated_event_fails_validation(mutation: Any) -> None:
    registered = restructured_chart()[0]
    assert registered.type == "marketplace.unit.registered.v1"
    validator = validator_for(registered.type)
    with pytest.raises(ValidationError):
        validator.validate(mutation(registered.model_dump(mode="json")))


def test_an_optional_field_added_later_in_the_version_is_accepted() -> None:
    """Types evolve compatibly within a version, so consumers' schemas must not refuse extras."""
    registered = restructured_chart()[0].model_dump(mode="json")
    newer = {**registered, "data": {**registered["data"], "added_in_a_later_release": 1}}
    validator_for(registered["type"]).validate(newer)


def test_no_bid_event_before_opening_carries_an_amount_or_its_ciphertext() -> None:
    for i, domain_event in enumerate(tender_cycle(), 1):
        event = to_cloud_event(domain_event, i)
        assert event is not None
        wire = envelope_bytes(to_envelope(domain_event, i) or {})
        after_opening = {
            "marketplace.tender.bids_opened.v1",
            "marketplace.tender.awarded.v1",
            "marketplace.need.tender_concluded.v1",
        }
        if event.type not in after_opening:
            assert b"103" not in wire and b"sealed-bytes" not in wire, event.type
