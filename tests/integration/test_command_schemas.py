"""`schemas/asyncapi.yaml` describes the commands the intake takes and the replies it gives:
one message per command of the app, each schema the command's own model, and real commands
and the intake's real replies (its handling code run in-process) valid against them."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError

from marketplace.events.schemagen import ASYNCAPI_FILE, SCHEMAS_DIR, open_for_extension
from marketplace.intake.consumer import _one_line
from marketplace.intake.envelope import REPLY_TYPE, reply_to
from marketplace.intake.handling import Outcome
from tests.e2e.test_needs_api import offer_body, steam_need
from tests.integration.test_command_intake import World, served_world

COMMANDS, REPLIES, DEAD_LETTERS = (
    "marketplace.commands",
    "marketplace.command-replies",
    "marketplace.commands.dlq",
)
REPLY_MESSAGE, DEAD_LETTER_MESSAGE = f"{REPLIES}:Message", f"{DEAD_LETTERS}:Message"


@cache
def document() -> dict[str, Any]:
    text = (SCHEMAS_DIR / ASYNCAPI_FILE).read_text("utf-8")
    loaded: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


def message(name: str) -> dict[str, Any]:
    found: dict[str, Any] = document()["components"]["messages"][name]
    return found


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """`schema` checked with the whole document around it, so that its `$ref`s resolve."""
    return Draft202012Validator({**document(), **schema})


def payload_validator(message_name: str) -> Draft202012Validator:
    return validator(message(message_name)["payload"])


def inline(schema: Any, definitions: dict[str, Any]) -> Any:
    """`schema` with every `$ref` replaced by what it names (last path part in `definitions`)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            named = definitions[schema["$ref"].rsplit("/", 1)[1]]
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return inline({**named, **rest}, definitions)
        return {k: inline(v, definitions) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [inline(item, definitions) for item in schema]
    return schema


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with served_world(tmp_path) as found:
        yield found


def test_the_commands_channel_has_one_message_per_command_of_the_app(world: World) -> None:
    reply = inline(message(REPLY_MESSAGE)["payload"], document()["components"]["schemas"])
    assert reply["properties"]["type"]["const"] == REPLY_TYPE
    assert set(reply["properties"]["data"]["required"]) == {"command_id", "status", "body"}
    channel = document()["channels"][COMMANDS]
    assert set(channel["messages"]) == set(world.commands)
    operation = document()["operations"][COMMANDS]
    assert operation["action"] == "receive"  # the intake takes them
    assert document()["operations"][REPLIES]["action"] == "send"
    assert document()["operations"][DEAD_LETTERS]["action"] == "send"
    for name, command in world.commands.items():
        assert channel["messages"][name] == {"$ref": f"#/components/messages/{command.type}"}
        described = message(command.type)
        assert described["name"] == command.type
        assert described["headers"]["required"] == ["authorization"]
        schema = inline(described["payload"], document()["components"]["schemas"])
        assert schema["properties"]["type"]["const"] == command.type
        assert {"specversion", "id", "source", "type", "data"} <= set(schema["required"])


def test_each_commands_data_schema_is_its_models_own(world: World) -> None:
    """No schema of one model stands in for another's of the same name in the document."""
    components = document()["components"]["schemas"]
    for command in world.commands.values():
        envelope = inline(message(command.type)["payload"], components)
        described = envelope["properties"]["data"]
        own = command.json_schema()
        expected = open_for_extension(inline(own, own.get("$defs", {})))
        described = {k: v for k, v in described.items() if k not in {"description", "title"}}
        expected = {k: v for k, v in expected.items() if k not in {"description", "title"}}
        assert described == expected, command.name


async def send(world: World, name: str, data: Any, unit: str | None) -> tuple[dict, Outcome]:
    envelope = {
        "specversion": "1.0",
        "id": f"erp-{uuid.uuid4().hex}",
        "source": "erp/COAL-01",
        "type": f"marketplace.command.{name}.v1",
        "datacontenttype": "application/json",
        "data": data,
    }
    result = await world.send(name, data, unit, envelope["id"])
    return envelope, result


def reply_of(result: Outcome) -> dict[str, Any]:
    """The reply the intake publishes for `result` (as `consumer._Handler` writes it)."""
    assert result.command_id is not None and result.answer is not None
    reply = reply_to(
        result.command_id,
        result.answer.status,
        result.answer.body,
        reply_id=f"reply_{uuid.uuid4().hex}",
        time=datetime.now(UTC),
    )
    parsed: dict[str, Any] = json.loads(reply.to_bytes())
    return parsed


async def test_real_commands_and_their_replies_validate(world: World) -> None:
    replies = payload_validator(REPLY_MESSAGE)
    sent: list[tuple[dict[str, Any], Outcome]] = []

    posted = await send(world, "post_need", steam_need("COAL-01"), "COAL-01")
    sent.append(posted)
    need_id = posted[1].answer.body["id"]  # type: ignore[union-attr]
    offer = offer_body("HEAT-02", "181.00") | {"need_id": need_id}
    offered = await send(world, "submit_offer", offer, "HEAT-02")
    sent.append(offered)
    offer_id = offered[1].answer.body["offer_id"]  # type: ignore[union-attr]
    awarded = await send(world, "award_need", {"need_id": need_id, "offer_id": offer_id}, "COAL-01")
    sent.append(awarded)
    contract_id = awarded[1].answer.body["contract_id"]  # type: ignore[union-attr]
    for unit in ("HEAT-02", "COAL-01", "COAL-01"):  # the third is refused: 409
        sent.append(await send(world, "sign_contract", {"contract_id": contract_id}, unit))
    sent.append(await send(world, "post_need", steam_need("COAL-01"), None))  # 401

    statuses = [result.answer.status for _, result in sent if result.answer is not None]
    assert statuses == [201, 201, 201, 200, 200, 409, 401]
    for envelope, result in sent:
        payload_validator(envelope["type"]).validate(envelope)
        replies.validate(reply_of(result))


async def test_a_command_its_schema_refuses_gets_a_422_reply_that_validates(world: World) -> None:
    money_as_number = steam_need("COAL-01", budget_amount=5)
    envelope, result = await send(world, "post_need", money_as_number, "COAL-01")
    with pytest.raises(ValidationError):
        payload_validator(envelope["type"]).validate(envelope)
    assert result.answer is not None and result.answer.status == 422
    payload_validator(REPLY_MESSAGE).validate(reply_of(result))
    _, unknown = await send(world, "buy_everything", {}, "COAL-01")
    assert unknown.answer is not None and unknown.answer.code == "unknown_command"
    payload_validator(REPLY_MESSAGE).validate(reply_of(unknown))
    for dead in (result, unknown):  # the dead letter's header, as the consumer writes it
        assert dead.dead_letter is not None
        validator(message(DEAD_LETTER_MESSAGE)["headers"]).validate(
            {"error": _one_line(dead.dead_letter)}
        )
    with pytest.raises(ValidationError):
        validator(message(DEAD_LETTER_MESSAGE)["headers"]).validate({"reason": "no error header"})


MUTATIONS = {
    "another command's type": lambda e: {**e, "type": "marketplace.command.post_need.v1"},
    "no contract_id": lambda e: {**e, "data": {}},
    "no id": lambda e: {k: v for k, v in e.items() if k != "id"},
    "an id over 200 characters": lambda e: {**e, "id": "x" * 201},
    "not CloudEvents 1.0": lambda e: {**e, "specversion": "0.3"},
}


@pytest.mark.parametrize("mutation", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_a_mutated_command_fails_its_schema(mutation: Any) -> None:
    envelope = {
        "specversion": "1.0",
        "id": "erp-1",
        "source": "erp/COAL-01",
        "type": "marketplace.command.sign_contract.v1",
        "data": {"contract_id": "contract_1"},
    }
    schema = payload_validator("marketplace.command.sign_contract.v1")
    schema.validate(envelope)
    with pytest.raises(ValidationError):
        schema.validate(mutation(envelope))


REPLY_MUTATIONS = {
    "no status": lambda r: {**r, "data": {k: v for k, v in r["data"].items() if k != "status"}},
    "status as text": lambda r: {**r, "data": {**r["data"], "status": "201"}},
    "another type": lambda r: {**r, "type": "marketplace.command.answer.v1"},
    "no command_id": lambda r: {**r, "data": {"status": 201, "body": None}},
}


@pytest.mark.parametrize("mutation", REPLY_MUTATIONS.values(), ids=REPLY_MUTATIONS.keys())
def test_a_mutated_reply_fails_the_reply_schema(mutation: Any) -> None:
    moment = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    reply = json.loads(reply_to("c-1", 201, {"id": "n"}, reply_id="r-1", time=moment).to_bytes())
    schema = payload_validator(REPLY_MESSAGE)
    schema.validate(reply)
    with pytest.raises(ValidationError):
        schema.validate(mutation(reply))
