"""Generate the public events' schemas in `schemas/`: a JSON Schema per public type, AsyncAPI."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from pydantic import ConfigDict, Field, create_model

from marketplace.events.envelope import SCHEMA_URN, STRUCTURED_CONTENT_TYPE, CloudEvent
from marketplace.events.public.payload import PublicType
from marketplace.events.public.registry import PUBLIC_TYPES, TOPICS
from marketplace.intake import spec as intake_spec
from marketplace.intake.commands import Command

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_FILE = "asyncapi.yaml"
DOCUMENT_VERSION = "1"
# Fixed, so that `python -m` (where __name__ is "__main__") generates the same bytes.
MODULE = "marketplace.events.schemagen"


class WireEvent(CloudEvent):
    """A public event as it travels; `data` is the payload its `type` names."""

    model_config = ConfigDict(title="CloudEvent")
    # Without defaults so that schemas require them: every event on the bus carries them.
    specversion: Literal["1.0"]
    source: Literal["marketplace"]
    datacontenttype: Literal["application/json"]


def const(value: str) -> Any:
    """The type whose only value is `value` (a JSON Schema `const`)."""
    return Literal[value]


def envelope_model(kind: PublicType) -> type[WireEvent]:
    """The whole envelope of one public type: `type` and `dataschema` fixed, `data` its payload."""
    return create_model(
        kind.payload.__name__ + "Event",
        __base__=WireEvent,
        __doc__=kind.payload.__doc__,
        __module__=MODULE,
        __cls_kwargs__={"title": kind.name},
        type=(const(kind.name), Field(description="The public event type.")),
        dataschema=(const(SCHEMA_URN + kind.name), Field(description="This schema's `$id`.")),
        data=(kind.payload, ...),
    )


def open_for_extension(schema: Any) -> Any:
    """Drop `additionalProperties: false` everywhere.

    Our models refuse unknown fields when we produce events, but a type may gain optional
    fields within its version: a consumer validating with this file must accept them.
    """
    if isinstance(schema, dict):
        return {
            key: open_for_extension(value)
            for key, value in schema.items()
            if not (key == "additionalProperties" and value is False)
        }
    if isinstance(schema, list):
        return [open_for_extension(item) for item in schema]
    return schema


def event_schema(kind: PublicType) -> dict[str, Any]:
    """The JSON Schema of one public type's CloudEvent, identified by its `dataschema`."""
    schema = open_for_extension(envelope_model(kind).model_json_schema())
    if kind.deprecated is not None:
        schema["deprecated"] = True
        schema["description"] = f"{schema.get('description', '')}\n\n{deprecation_note(kind)}"
    return {**schema, "$schema": JSON_SCHEMA_DIALECT, "$id": SCHEMA_URN + kind.name}


def deprecation_note(kind: PublicType) -> str:
    assert kind.deprecated is not None
    return (
        f"Deprecated: superseded by `{kind.deprecated.superseded_by}`, published beside it "
        f"(same `id`) until release {kind.deprecated.until}."
    )


def kinds_on(topic: str) -> list[PublicType]:
    return [kind for kind in PUBLIC_TYPES.values() if kind.topic == topic]


def topic_message(kinds: list[PublicType]) -> Any:
    """The message model of a topic: one of its types' envelopes, told apart by `type`."""
    if not kinds:
        return WireEvent
    models = tuple(envelope_model(kind) for kind in kinds)
    if len(models) == 1:
        return models[0]
    return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007


def topic_description(topic: str, kinds: list[PublicType]) -> str:
    if not kinds:
        return (
            f"No public event types on `{topic}` yet; the topic exists so consumers can "
            "subscribe early. Its events will be CloudEvents like every other."
        )
    lines = [
        f"- `{kind.name}`: {kind.payload.__doc__}"
        + ("" if kind.deprecated is None else f" {deprecation_note(kind)}")
        for kind in kinds
    ]
    head = f"Events of `{topic}`, keyed by aggregate id (order per key is kept):"
    return "\n".join([head, *lines])


def bus_broker(commands: dict[str, Command] | None = None) -> KafkaBroker:
    """A broker declaring one publisher per topic, and the command intake's channels when
    given its `commands`; it only describes, it never connects."""
    broker = KafkaBroker(
        "localhost:9092",
        description="The group's Kafka cluster (`MARKETPLACE_KAFKA_BOOTSTRAP`).",
    )
    for topic in TOPICS:
        kinds = kinds_on(topic)
        description = topic_description(topic, kinds)
        broker.publisher(topic, title=topic, description=description, schema=topic_message(kinds))
    if commands is not None:
        intake_spec.describe_intake(broker, commands)
    return broker


def asyncapi_document(commands: dict[str, Command]) -> dict[str, Any]:
    spec = AsyncAPI(
        bus_broker(commands),
        title="Energy group internal market: events and commands on the bus",
        version=DOCUMENT_VERSION,
        description=(
            "Every public event is a CloudEvents 1.0 JSON envelope. Delivery is at least once "
            "and in order per key; consumers deduplicate on `id`. A breaking change is a new "
            "`.vN` type; the JSON Schema of each type is `schemas/<type>.json`.\n\n"
            "An ERP sends every write of the HTTP API as a command on `marketplace.commands` "
            "(one message per command below) and reads the answers on "
            "`marketplace.command-replies`; bad messages are copied to "
            "`marketplace.commands.dlq`. One write has no command: a technical document "
            "(`POST /v1/catalog/entries/{entry_id}/documents`, up to 20 MB) does not fit a "
            "Kafka message (1 MB by default), so documents go over HTTP; their "
            "`marketplace.document.attached.v1` events are on the bus like any other."
        ),
        schema_version="3.0.0",
    )
    document: dict[str, Any] = open_for_extension(spec.to_specification().to_jsonable())
    return as_the_intake_speaks(as_the_relay_publishes(document), commands)


KAFKA_KEY = {
    "type": "string",
    "description": "The aggregate id, the event's `subject` (UTF-8): a key's events keep their "
    "order, on one partition.",
}
KAFKA_HEADERS = {
    "type": "object",
    "properties": {
        "content-type": {
            "const": STRUCTURED_CONTENT_TYPE,
            "description": "CloudEvents Kafka protocol binding, structured mode: the message "
            "value is the whole event.",
        }
    },
    "required": ["content-type"],
}


def as_the_relay_publishes(document: dict[str, Any]) -> dict[str, Any]:
    """Describe the messages as they travel: structured-mode CloudEvents keyed by aggregate id.

    faststream declares a `correlation_id` header that our messages do not carry: dropped.
    """
    document["defaultContentType"] = STRUCTURED_CONTENT_TYPE
    for topic in TOPICS:
        message = document["components"]["messages"][f"{topic}:Message"]
        message.pop("correlationId", None)
        message["contentType"] = STRUCTURED_CONTENT_TYPE
        # Copies: shared objects would come out as YAML anchors.
        message["headers"] = copy.deepcopy(KAFKA_HEADERS)
        message["bindings"] = {"kafka": {"bindingVersion": "0.4.0", "key": dict(KAFKA_KEY)}}
    return document


def as_the_intake_speaks(document: dict[str, Any], commands: dict[str, Command]) -> dict[str, Any]:
    """One message per command on `marketplace.commands` (faststream writes their union as one),
    and the headers and keys the intake reads and writes. The replies' `correlation_id`
    header is kept: the intake sets it to the command id."""
    topics = intake_spec.TOPICS
    channels, operations = document["channels"], document["operations"]
    messages, schemas = document["components"]["messages"], document["components"]["schemas"]
    union = messages.pop(f"{topics.commands}:SubscribeMessage")["payload"]["$ref"]
    refs = [one["$ref"] for one in schemas.pop(union.rsplit("/", 1)[1])["oneOf"]]
    ref_of = {schemas[ref.rsplit("/", 1)[1]]["title"]: ref for ref in refs}
    channel = channels[topics.commands]
    channel["messages"] = {}
    for name in sorted(commands):
        command = commands[name]
        messages[command.type] = {
            "name": command.type,
            "title": command.type,
            "summary": f"`{command.method} {command.path}` over Kafka.",
            "contentType": STRUCTURED_CONTENT_TYPE,
            "headers": copy.deepcopy(intake_spec.COMMAND_HEADERS),
            "payload": {"$ref": ref_of[command.type]},
            "bindings": {
                "kafka": {"bindingVersion": "0.4.0", "key": dict(intake_spec.COMMAND_KEY)}
            },
        }
        channel["messages"][name] = {"$ref": f"#/components/messages/{command.type}"}
    operations[topics.commands]["messages"] = [
        {"$ref": f"#/channels/{topics.commands}/messages/{name}"} for name in sorted(commands)
    ]
    reply = messages[f"{topics.replies}:Message"]
    reply["contentType"] = STRUCTURED_CONTENT_TYPE
    reply["headers"] = copy.deepcopy(KAFKA_HEADERS)
    reply["bindings"] = {"kafka": {"bindingVersion": "0.4.0", "key": dict(intake_spec.REPLY_KEY)}}
    dead = messages[f"{topics.dead_letters}:Message"]
    dead.pop("correlationId", None)
    dead["contentType"] = "application/octet-stream"
    dead["headers"] = copy.deepcopy(intake_spec.DEAD_LETTER_HEADERS)
    dead["bindings"] = {"kafka": {"bindingVersion": "0.4.0", "key": dict(intake_spec.REPLY_KEY)}}
    return document


def dump_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100)


def generate(out_dir: Path) -> list[Path]:
    """Write every schema file into `out_dir`; return their paths, sorted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    contents = {
        f"{name}.json": dump_json(event_schema(kind)) for name, kind in PUBLIC_TYPES.items()
    }
    from marketplace.cli.api_commands import api_commands  # builds the app: an edge

    with api_commands() as commands:
        contents[ASYNCAPI_FILE] = dump_yaml(asyncapi_document(commands))
    written = []
    for name, text in sorted(contents.items()):
        path = out_dir / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else SCHEMAS_DIR
    for path in generate(out_dir):
        print(path)


if __name__ == "__main__":
    main()
