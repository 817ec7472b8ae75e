"""The pure parts of `Idempotency-Key`: which keys are taken, what makes two requests the same,
which answers are kept, and the sealing of stored answers."""

from __future__ import annotations

import base64
import json

import pytest

from marketplace.adapters.idempotency_store import Answer
from marketplace.adapters.seal import AesGcmSealer, UnsealError
from marketplace.api.idempotency import _key_of, kept, request_fingerprint

SEALER = AesGcmSealer(bytes(range(32)))


def scope(method: str = "POST", path: str = "/v1/needs", query: bytes = b"") -> dict[str, object]:
    return {"method": method, "path": path, "query_string": query}


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ([b""], "Must not be empty."),
        ([b"k" * 201], "At most 200 characters (this one has 201)."),
        ([b"a\nb"], "Must not contain control characters."),
        ([b"a\x00"], "Must not contain control characters."),
        ([b"\xff\xfe"], "Not valid UTF-8."),
        ([b"a", b"b"], "Send one Idempotency-Key header, not 2."),
    ],
)
def test_refused_keys_say_why(values: list[bytes], problem: str) -> None:
    assert _key_of(values) == (None, problem)


@pytest.mark.parametrize("value", [b"k" * 200, b"order-42/retry", "订单-7".encode()])
def test_taken_keys(value: bytes) -> None:
    assert _key_of([value]) == (value.decode(), "")


def test_json_bodies_are_compared_as_parsed() -> None:
    one = request_fingerprint(scope(), b'{"a": 1, "b": "x"}')
    assert request_fingerprint(scope(), b'{"b":"x","a":1}') == one
    assert request_fingerprint(scope(), b'{"a": 2, "b": "x"}') != one


def test_method_path_query_and_raw_bodies_count() -> None:
    one = request_fingerprint(scope(), b"")
    assert request_fingerprint(scope("PATCH"), b"") != one
    assert request_fingerprint(scope(path="/v1/units"), b"") != one
    assert request_fingerprint(scope(query=b"x=1"), b"") != one
    assert request_fingerprint(scope(), b"not json") != request_fingerprint(scope(), b"not  json")
    # No shifting of bytes between the parts makes two requests one.
    assert request_fingerprint(scope(path="/v1/a", query=b"b"), b"") != request_fingerprint(
        scope(path="/v1/ab", query=b""), b""
    )


def answer(status: int, code: str | None = None) -> Answer:
    body = json.dumps({"error": {"code": code, "message": "m", "details": {}}}) if code else "{}"
    return Answer(status, [], body.encode())


def test_successes_and_refusals_are_kept_server_errors_and_retryable_conflicts_are_not() -> None:
    assert kept(answer(201))
    assert kept(answer(204))
    assert kept(answer(403, "forbidden"))
    assert kept(answer(409, "contract_status"))
    assert kept(answer(422, "invalid_request"))
    assert not kept(answer(409, "concurrent_modification"))
    assert not kept(answer(500, "internal_error"))
    assert not kept(answer(503, "store_unavailable"))


def test_sealed_bytes_open_only_in_their_place() -> None:
    sealed = SEALER.seal_bytes(b'{"token": "tok_1.secret"}' * 100, b"row-1")
    assert b"secret" not in sealed
    assert SEALER.unseal_bytes(sealed, b"row-1") == b'{"token": "tok_1.secret"}' * 100
    with pytest.raises(UnsealError):
        SEALER.unseal_bytes(sealed, b"row-2")
    with pytest.raises(UnsealError):
        AesGcmSealer(bytes(32)).unseal_bytes(sealed, b"row-1")
    # A bid token and a sealed value are not interchangeable.
    with pytest.raises(UnsealError):
        SEALER.unseal("v2." + base64.urlsafe_b64encode(sealed).decode())
