"""Command messages read, and replies written: CloudEvents 1.0 structured JSON on Kafka."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

REPLY_TYPE = "marketplace.command.reply.v1"


@dataclass(frozen=True)
class CommandMessage:
    """A command as its message says it: `type` and `data` still to be checked."""

    id: str
    type: str | None
    data: Any


@dataclass(frozen=True)
class Unreadable:
    """A message that is no command at all; `id` when it names one all the same."""

    reason: str
    id: str | None = None


def read_command(value: bytes | None) -> CommandMessage | Unreadable:
    """The command in a message value, or why there is none."""
    if value is None:
        return Unreadable("unparseable: the message has no value")
    try:
        envelope = json.loads(value)
    except UnicodeDecodeError:
        return Unreadable("unparseable: not UTF-8")
    except ValueError as exc:
        return Unreadable(f"unparseable: not JSON ({exc})")
    if not isinstance(envelope, dict):
        return Unreadable("unparseable: not a JSON object (a CloudEvent)")
    command_id = envelope.get("id")
    if not isinstance(command_id, str) or not command_id:
        return Unreadable("unparseable: no `id` (a non-empty string)")
    message_type = envelope.get("type")
    return CommandMessage(
        command_id,
        message_type if isinstance(message_type, str) else None,
        envelope.get("data", {}),
    )


class ReplyData(BaseModel):
    """What the HTTP API answers to the command: its status and JSON body (null for none)."""

    model_config = ConfigDict(extra="forbid")

    command_id: str = Field(description="The `id` of the command this answers.")
    status: int = Field(description="The HTTP status the same request gets.", examples=[201])
    body: Any = Field(description="The HTTP answer's JSON body (the error model included).")


class Reply(BaseModel):
    """A reply on `marketplace.command-replies`, keyed like its command."""

    model_config = ConfigDict(extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="This reply's own id.")
    source: Literal["marketplace"] = "marketplace"
    type: Literal["marketplace.command.reply.v1"] = "marketplace.command.reply.v1"
    subject: str = Field(description="The command id (as `data.command_id`).")
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: ReplyData

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), separators=(",", ":")).encode()


def reply_to(command_id: str, status: int, body: Any, *, reply_id: str, time: datetime) -> Reply:
    return Reply(
        id=reply_id,
        subject=command_id,
        time=time,
        data=ReplyData(command_id=command_id, status=status, body=body),
    )


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The API's error model (api/errors.py), for answers the intake gives itself."""
    return {"error": {"code": code, "message": message, "details": details or {}}}
