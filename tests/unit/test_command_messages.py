"""Command messages read and replies written (intake.envelope), and command types."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from marketplace.intake.commands import command_name_of
from marketplace.intake.dispatch import Answer
from marketplace.intake.envelope import CommandMessage, Unreadable, read_command, reply_to


def test_a_command_is_read_with_its_id_type_and_data() -> None:
    value = json.dumps(
        {"id": "c-1", "type": "marketplace.command.post_need.v1", "data": {"title": "x"}}
    ).encode()
    assert read_command(value) == CommandMessage(
        "c-1", "marketplace.command.post_need.v1", {"title": "x"}
    )
    assert read_command(b'{"id": "c-2"}') == CommandMessage("c-2", None, {})


@pytest.mark.parametrize(
    "value",
    [None, b"", b"{not json", b"\xff\xfe", b"[1]", b'"text"', b'{"type": "x"}', b'{"id": 7}'],
)
def test_what_is_no_command_says_why_and_names_no_id(value: bytes | None) -> None:
    read = read_command(value)
    assert isinstance(read, Unreadable) and read.id is None
    assert read.reason.startswith("unparseable")


def test_command_types_name_a_command_and_a_version() -> None:
    assert command_name_of("marketplace.command.sign_contract.v1") == "sign_contract"
    for other in ("marketplace.command..v1", "marketplace.command.sign_contract.v2", "x", ""):
        assert command_name_of(other) is None


def test_a_reply_is_a_cloudevent_with_the_http_answer() -> None:
    moment = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    reply = reply_to("c-1", 201, {"id": "need_1"}, reply_id="reply_1", time=moment)
    assert json.loads(reply.to_bytes()) == {
        "specversion": "1.0",
        "id": "reply_1",
        "source": "marketplace",
        "type": "marketplace.command.reply.v1",
        "subject": "c-1",
        "time": "2026-12-02T08:00:00Z",
        "datacontenttype": "application/json",
        "data": {"command_id": "c-1", "status": 201, "body": {"id": "need_1"}},
    }


def test_only_an_outage_or_a_first_run_still_going_is_retried_rather_than_answered() -> None:
    def error(status: int, code: str) -> Answer:
        return Answer(status, {"error": {"code": code, "message": "", "details": {}}})

    assert error(503, "store_unavailable").retry_later
    assert error(409, "idempotency_key_in_progress").retry_later
    assert not error(409, "concurrent_modification").retry_later
    assert not error(500, "internal_error").retry_later
    assert not Answer(204, None).retry_later
