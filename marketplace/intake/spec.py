"""The commands' part of `schemas/asyncapi.yaml`: commands, replies and dead letters.

Written by faststream from a broker that only describes (it never connects): a subscriber of
`marketplace.commands` whose message is one of the commands of `command_table` (read from the
API app's own routes, so the document cannot drift from the intake), a publisher of the
replies (`envelope.Reply`) and one of the dead letters. `events.schemagen` adds them to the
events' document and splits the commands' union into one message per command.
"""

from __future__ import annotations

import typing
from datetime import datetime
from typing import Annotated, Any, Literal

from faststream.kafka import KafkaBroker
from pydantic import BaseModel, ConfigDict, Field, create_model

from marketplace.intake.commands import Command
from marketplace.intake.consumer import IntakeTopics
from marketplace.intake.envelope import REPLY_TYPE, Reply

TOPICS = IntakeTopics.with_prefix("")
# Fixed, so that the generator writes the same bytes from anywhere.
MODULE = "marketplace.intake.spec"
MAX_COMMAND_ID = 200  # the `Idempotency-Key`'s limit (api/idempotency.py)


class CommandEnvelope(BaseModel):
    """A command as an ERP sends it: a CloudEvents 1.0 structured JSON envelope."""

    model_config = ConfigDict(title="CommandEnvelope")

    specversion: Literal["1.0"]
    id: str = Field(
        min_length=1,
        max_length=MAX_COMMAND_ID,
        description="The command id, its `Idempotency-Key`: a command sent again with the same "
        "id has one effect and gets the same reply. No control characters.",
    )
    source: str = Field(
        min_length=1, description="Who sends it, e.g. `erp/COAL-01`.", examples=["erp/COAL-01"]
    )
    type: str
    subject: str | None = Field(default=None, description="Free; replies use the command id.")
    time: datetime | None = Field(default=None, description="When it was sent (RFC 3339).")
    datacontenttype: Literal["application/json"] | None = None
    data: Any


def envelope_model(command: Command) -> type[CommandEnvelope]:
    """The whole message of one command: `type` fixed, `data` the route's body plus path ids."""
    doc = f"`{command.method} {command.path}` as a command: `data` is the body"
    doc += f" plus {', '.join(f'`{p}`' for p in command.path_ids)}." if command.path_ids else "."
    return create_model(
        _camel(command.name) + "Message",
        __base__=CommandEnvelope,
        __doc__=doc,
        __module__=MODULE,
        __cls_kwargs__={"title": command.type},
        type=(_const(command.type), Field(description="The command type.")),
        data=(command.model, Field(description="The HTTP body plus the route's path ids.")),
    )


def commands_message(commands: dict[str, Command]) -> Any:
    """One of the commands' envelopes, told apart by `type`."""
    models = tuple(envelope_model(commands[name]) for name in sorted(commands))
    return Annotated[typing.Union[models], Field(discriminator="type")]  # noqa: UP007


def describe_intake(broker: KafkaBroker, commands: dict[str, Command]) -> None:
    """Declare on `broker` the channels of the intake: what it takes, what it sends."""

    async def take(command: Any) -> None:  # pragma: no cover  (never called: it describes)
        """Each command is answered on the replies' topic."""

    take.__annotations__ = {"command": commands_message(commands), "return": None}
    broker.subscriber(
        TOPICS.commands,
        title=TOPICS.commands,
        description=COMMANDS_DESCRIPTION,
        include_in_schema=True,
    )(take)
    broker.publisher(
        TOPICS.replies,
        title=TOPICS.replies,
        description=REPLIES_DESCRIPTION,
        schema=reply_model(),
    )
    broker.publisher(
        TOPICS.dead_letters,
        title=TOPICS.dead_letters,
        description=DEAD_LETTERS_DESCRIPTION,
        schema=bytes,
    )


def reply_model() -> type[Reply]:
    """The reply envelope, titled by its type (as the events' envelopes are)."""
    return create_model(
        "CommandReply",
        __base__=Reply,
        __doc__=Reply.__doc__,
        __module__=MODULE,
        __cls_kwargs__={"title": REPLY_TYPE},
    )


COMMANDS_DESCRIPTION = (
    'Every write of the HTTP API as a command (CONTRACT.md "Commands over Kafka"): a '
    "CloudEvents 1.0 structured JSON envelope whose `type` is `marketplace.command.<name>.v1` "
    "and whose `data` is the HTTP body plus the route's path ids (`need_id`, `contract_id`, "
    "...). Header `authorization: Bearer tok_...` as over HTTP; key the target aggregate's id "
    "(or the acting unit's for a command that creates one): one key's commands are applied in "
    "order. Each command is answered on `marketplace.command-replies`; the `id` is the "
    "idempotency key, so a redelivered command has one effect and the same reply."
)
REPLIES_DESCRIPTION = (
    "The answer to each command, keyed like it: `data` is `{command_id, status, body}` where "
    "`status` and `body` are exactly what the HTTP API answers to the same request (its error "
    "model included: an unknown type is `422 unknown_command`, a missing or revoked token "
    "`401`). A message that names no `id` gets no reply."
)
DEAD_LETTERS_DESCRIPTION = (
    "A copy of each message that is at fault itself (unparseable, an unknown type, not a valid "
    "command, a missing or revoked token, too large), as it came, with the reason in header "
    "`error`; its other headers are kept, save `authorization`. A refusal of the market's "
    "rules (a 409) is an answer, not a dead letter."
)

# How the messages travel (the events' `KAFKA_HEADERS` has the structured-mode header).
CONTENT_TYPE_HEADER = {
    "type": "string",
    "description": "`application/cloudevents+json` (structured mode); optional on a command.",
}
COMMAND_HEADERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "authorization": {
            "type": "string",
            "pattern": "^Bearer ",
            "description": "`Bearer <token>`, as over HTTP; a missing or revoked token gets "
            "a `401` reply and a dead letter.",
        },
        "content-type": CONTENT_TYPE_HEADER,
    },
    "required": ["authorization"],
}
DEAD_LETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {
            "type": "string",
            "description": "Why, on one line: `<status> <code>` of the reply (e.g. `422 "
            "invalid_request`, `401 unauthenticated`) or `unparseable: ...`.",
            "examples": ["422 unknown_command: 'marketplace.command.buy.v1'"],
        },
    },
    "required": ["error"],
}
COMMAND_KEY = {
    "type": "string",
    "description": "The target aggregate's id (the acting unit's id for a command that creates "
    "one): one key's commands are applied in order.",
}
REPLY_KEY = {"type": "string", "description": "The command's key, else its id."}


def _const(value: str) -> Any:
    """The type whose only value is `value` (a JSON Schema `const`)."""
    return Literal[value]


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


__all__ = [
    "COMMAND_HEADERS",
    "COMMAND_KEY",
    "DEAD_LETTER_HEADERS",
    "REPLY_KEY",
    "TOPICS",
    "CommandEnvelope",
    "commands_message",
    "describe_intake",
    "envelope_model",
    "reply_model",
]
