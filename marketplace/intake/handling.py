"""What one command message gets: a reply (HTTP's answer), a dead letter, or both.

Transport-free: the Kafka consumer (`intake.consumer`) reads the message, calls `outcome`,
publishes what it says and only then commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from marketplace.intake.commands import Command, command_name_of
from marketplace.intake.dispatch import Answer
from marketplace.intake.envelope import CommandMessage, error_body, read_command

INVALID_MESSAGE = "The request is not valid; see details."
# Replies that also copy the message to the dead-letter topic: the message itself is at fault
# (it does not authenticate, is too large, or is not a valid command), not the market's state.
DEAD_LETTER_STATUSES = frozenset({401, 413, 422})


class Runner(Protocol):
    async def run(
        self,
        command: Command,
        path_ids: dict[str, str],
        data: dict[str, Any],
        *,
        authorization: str | None,
        command_id: str,
    ) -> Answer: ...


@dataclass(frozen=True)
class Outcome:
    """The reply is `answer` to `command_id` (when the message names an id); `dead_letter` is
    the reason (header `error`) when the message is copied to the dead-letter topic too."""

    command_id: str | None
    answer: Answer | None
    dead_letter: str | None
    command: str | None = None  # the command's name, when it is one


async def outcome(
    value: bytes | None,
    authorization: str | None,
    commands: Mapping[str, Command],
    api: Runner,
) -> Outcome:
    """The reply and dead letter of one message; the command run when it is one."""
    message = read_command(value)
    if not isinstance(message, CommandMessage):
        return Outcome(message.id, None, message.reason)
    name = command_name_of(message.type or "")
    command = commands.get(name) if name else None
    if command is None:
        return _unknown(message)
    if not isinstance(message.data, dict):
        expected = "Expected a JSON object: the body plus the path ids."
        details = [_detail("data", expected, "dict_type")]
        return _invalid(message.id, command.name, details)
    try:
        path_ids = command.checked_path_ids(message.data)
    except ValidationError as exc:
        return _invalid(message.id, command.name, _path_details(exc))
    answer = await api.run(
        command, path_ids, message.data, authorization=authorization, command_id=message.id
    )
    dead = f"{answer.status} {answer.code}" if answer.status in DEAD_LETTER_STATUSES else None
    return Outcome(message.id, answer, dead, command.name)


def _unknown(message: CommandMessage) -> Outcome:
    said = repr(message.type) if message.type is not None else "no type"
    body = error_body(
        "unknown_command",
        f"No command has the type {said}; types are marketplace.command.<name>.v1.",
        {"type": message.type},
    )
    return Outcome(message.id, Answer(422, body), f"422 unknown_command: {said}")


def _invalid(command_id: str, name: str, details: list[dict[str, Any]]) -> Outcome:
    answer = Answer(422, error_body("invalid_request", INVALID_MESSAGE, details))
    return Outcome(command_id, answer, "422 invalid_request", name)


def _path_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        _detail(".".join(str(p) for p in err["loc"]), err["msg"], err["type"], "path")
        for err in exc.errors()
    ]


def _detail(field: str, message: str, kind: str, location: str = "body") -> dict[str, Any]:
    return {"field": field, "location": location, "message": message, "type": kind}
