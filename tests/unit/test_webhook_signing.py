"""Standard Webhooks signing: the specification's test vector, its formula, and the headers."""

from __future__ import annotations

import base64
import hashlib
import hmac

from marketplace.notifications.webhook import headers, sign

# The specification's published example (standard-webhooks, libraries/*/tests).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

SECRET = "whsec_" + base64.b64encode(bytes(range(24))).decode()


def test_the_specification_test_vector_signs_alike() -> None:
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_the_signature_is_the_hmac_of_id_timestamp_and_body_under_the_decoded_secret() -> None:
    body = '{"id":"e1","data":{"名称":"煤"}}'.encode()
    expected = hmac.new(bytes(range(24)), b"e1.1700000000." + body, hashlib.sha256).digest()
    assert sign(SECRET, "e1", 1_700_000_000, body) == "v1," + base64.b64encode(expected).decode()


def test_each_signed_part_changes_the_signature() -> None:
    base = sign(SECRET, "e1", 1_700_000_000, b"{}")
    other_secret = "whsec_" + base64.b64encode(bytes(24)).decode()
    assert sign(other_secret, "e1", 1_700_000_000, b"{}") != base
    assert sign(SECRET, "e2", 1_700_000_000, b"{}") != base
    assert sign(SECRET, "e1", 1_700_000_001, b"{}") != base
    assert sign(SECRET, "e1", 1_700_000_000, b"{ }") != base


def test_the_headers_name_the_event_the_time_and_the_cloudevents_content_type() -> None:
    found = headers(SECRET, "e1", b"{}", 1_700_000_000)
    assert found == {
        "content-type": "application/cloudevents+json",
        "webhook-id": "e1",
        "webhook-timestamp": "1700000000",
        "webhook-signature": sign(SECRET, "e1", 1_700_000_000, b"{}"),
    }
