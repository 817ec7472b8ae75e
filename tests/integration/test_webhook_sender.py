"""Webhook posting against a real HTTP receiver: signed CloudEvents, and each kind of answer."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from standardwebhooks import Webhook

from marketplace.events.envelope import CloudEvent
from marketplace.notifications.webhook import Attempt, post_event
from tests.notify_receivers import WebhookReceiver

SECRET = "whsec_" + base64.b64encode(b"twenty-four random bytes").decode()
EVENT = CloudEvent(
    id="3f0c9a52-9d7e-5f4a-8a40-1c2d3e4f5a6b",
    type="marketplace.need.posted.v1",
    subject="need-42",
    time=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
    dataschema="urn:marketplace:schema:marketplace.need.posted.v1",
    sequence=42,
    aggregateversion=1,
    data={"need_id": "need-42", "item_name": "动力煤", "quantity": "500"},
)
BODY = EVENT.to_bytes()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def post(client: httpx.AsyncClient, url: str, time_limit: float = 10.0) -> Attempt:
    # Signed at the current time: the receiver's verifier refuses timestamps 5 minutes off.
    return await post_event(
        client, url, SECRET, EVENT.id, BODY, int(time.time()), time_limit=time_limit
    )


@pytest.mark.parametrize("status", [200, 202, 204])
async def test_a_2xx_answer_delivers_a_signed_cloudevent(
    client: httpx.AsyncClient, status: int
) -> None:
    async with WebhookReceiver() as receiver:
        receiver.answer(status)
        attempt = await post(client, receiver.url)
        (request,) = receiver.requests

    assert (attempt.status, attempt.error, attempt.outcome) == (status, None, "delivered")
    assert request.method == "POST" and request.body == BODY
    assert request.headers["content-type"] == "application/cloudevents+json"
    assert request.headers["webhook-id"] == EVENT.id
    verified = Webhook(SECRET).verify(request.body, request.headers)
    assert CloudEvent.model_validate(verified) == EVENT
    assert verified["data"]["item_name"] == "动力煤"


async def test_a_signature_under_another_secret_does_not_verify(client: httpx.AsyncClient) -> None:
    async with WebhookReceiver() as receiver:
        await post(client, receiver.url)
        (request,) = receiver.requests
    other = "whsec_" + base64.b64encode(b"another twenty-four byte").decode()
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(other).verify(request.body, request.headers)


@pytest.mark.parametrize("status", [500, 503, 429, 404, 400, 307])
async def test_any_other_answer_is_retried(client: httpx.AsyncClient, status: int) -> None:
    async with WebhookReceiver() as receiver:
        receiver.answer(status)
        attempt = await post(client, receiver.url)
        assert len(receiver.requests) == 1  # a redirect is not followed

    assert (attempt.status, attempt.error, attempt.outcome) == (status, f"HTTP {status}", "retry")


async def test_410_gone_says_the_endpoint_is_gone(client: httpx.AsyncClient) -> None:
    async with WebhookReceiver() as receiver:
        receiver.answer(410)
        attempt = await post(client, receiver.url)

    assert (attempt.status, attempt.error, attempt.outcome) == (410, None, "gone")


async def test_a_receiver_that_hangs_past_the_time_limit_is_retried(
    client: httpx.AsyncClient,
) -> None:
    async with WebhookReceiver() as receiver:
        receiver.hang()
        attempt = await post(client, receiver.url, time_limit=0.5)
        assert len(receiver.requests) == 1  # it reached the receiver, whose answer never came

    assert (attempt.status, attempt.outcome) == (None, "retry")
    assert attempt.error == "no answer within 0.5 s"


async def test_a_receiver_that_is_down_is_retried_and_gets_the_event_once_up_again(
    client: httpx.AsyncClient,
) -> None:
    async with WebhookReceiver() as receiver:
        # A receiver's own token in the URL must not reach the kept error text.
        url = receiver.url + "?token=erp-private-token"
        await receiver.go_down()
        down = await post(client, url)
        await receiver.come_up()
        up = await post(client, url)
        (request,) = receiver.requests

    assert (down.status, down.outcome) == (None, "retry")
    assert down.error and len(down.error) <= 160
    assert "erp-private-token" not in down.error and SECRET not in down.error
    assert up.outcome == "delivered"
    assert json.loads(request.body)["id"] == EVENT.id


async def test_a_stale_keep_alive_connection_after_a_restart_is_only_a_retry(
    client: httpx.AsyncClient,
) -> None:
    async with WebhookReceiver() as receiver:
        first = await post(client, receiver.url)
        await receiver.go_down()
        await receiver.come_up()
        attempts = [await post(client, receiver.url) for _ in range(2)]

    assert first.outcome == "delivered"
    assert attempts[-1].outcome == "delivered"  # an exception would have ended the test


async def test_an_answer_sequence_plays_out_one_status_per_request(
    client: httpx.AsyncClient,
) -> None:
    async with WebhookReceiver() as receiver:
        receiver.answer_next(500, 410)
        outcomes = [(await post(client, receiver.url)).outcome for _ in range(3)]
        assert len(receiver.requests) == 3

    assert outcomes == ["retry", "gone", "delivered"]


async def test_a_url_httpx_cannot_post_to_is_an_attempt_that_failed(
    client: httpx.AsyncClient,
) -> None:
    attempt = await post(client, "ftp://127.0.0.1/hook")

    assert (attempt.status, attempt.outcome) == (None, "retry")
    assert attempt.error is not None and attempt.error.startswith("UnsupportedProtocol")


async def test_a_2xx_status_delivers_even_when_the_answers_body_stalls(
    client: httpx.AsyncClient,
) -> None:
    async with WebhookReceiver() as receiver:
        receiver.stall_body()
        attempt = await post(client, receiver.url, time_limit=0.5)

    assert (attempt.status, attempt.error, attempt.outcome) == (200, None, "delivered")


async def test_deliveries_one_after_another_share_one_connection(
    client: httpx.AsyncClient,
) -> None:
    async with WebhookReceiver() as receiver:
        outcomes = [(await post(client, receiver.url)).outcome for _ in range(3)]
        peers = {request.peer for request in receiver.requests}

    assert outcomes == ["delivered"] * 3
    assert len(peers) == 1
