"""Every write of the OpenAPI document declares `Idempotency-Key` and replays its first answer
with no second effect; a retry of a request another process still runs is refused after the
bounded wait, and one left running by a dead process is taken over after the lease. In process
on SQLite (the store-specific behaviour is in test_idempotency.py)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from marketplace.adapters.idempotency_store import LEASE, Claimed, IdempotencyStore
from marketplace.api.idempotency import HEADER, request_fingerprint
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.idempotency_world import NEED
from tests.refusals import operations

WRITES = sorted(
    (method, template)
    for method, template, _ in operations()
    if method in {"post", "patch", "delete", "put"} and template.startswith("/v1/")
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    settings = settings_for(tmp_path_factory.mktemp("every-write"), idempotency_wait_seconds=0.2)
    with serve_in_process(settings) as served:
        yield served


def test_every_write_of_the_document_declares_the_header(api: InProcessApi) -> None:
    spec = api.client.get("/openapi.json").json()
    declared = {
        (method, path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if any(p["name"] == HEADER and p["in"] == "header" for p in operation.get("parameters", []))
    }
    assert len(WRITES) > 40
    assert set(WRITES) - declared == set()
    reads = {(m, p) for m, p in declared if m == "get"}
    assert reads == set()


@pytest.mark.parametrize(("method", "template"), WRITES, ids=[f"{m} {t}" for m, t in WRITES])
def test_every_write_replays_its_first_answer(
    api: InProcessApi, method: str, template: str
) -> None:
    """Whatever the first answer is (a success, a refusal, an invalid body), a retry with the
    key hears it again and changes nothing."""
    path = re.sub(r"\{[^}]+\}", "nothing-here", template)
    headers = api.admin | {HEADER: f"every-{uuid.uuid4()}"}
    body: dict[str, Any] | None = None if method == "delete" else {}
    first = api.client.request(method, path, json=body, headers=headers)
    head = api.svc.store.head()
    again = api.client.request(method, path, json=body, headers=headers)

    assert first.status_code < 500, first.text
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    assert api.svc.store.head() == head


def test_a_retry_of_a_request_still_running_elsewhere_is_refused_after_the_wait(
    api: InProcessApi,
) -> None:
    token_id = api.tokens[("COAL-02", "unit_operator")].partition(".")[0]
    key = f"running-{uuid.uuid4()}"
    body = json.dumps(NEED).encode()
    scope = {"method": "POST", "path": "/v1/needs", "query_string": b""}
    headers = api.auth("COAL-02", "unit_operator") | {HEADER: key}
    headers |= {"content-type": "application/json"}
    other_process = IdempotencyStore.beside(api.svc)
    try:
        claim = other_process.claim(token_id, key, request_fingerprint(scope, body))
        assert isinstance(claim, Claimed)
        head = api.svc.store.head()
        waited = api.client.post("/v1/needs", content=body, headers=headers)
        unchanged = api.svc.store.head()
        other_process.release(
            token_id, key, claim.claimed_at
        )  # its answer was a server error: not kept
        retried = api.client.post("/v1/needs", content=body, headers=headers)
    finally:
        other_process.close()

    assert waited.status_code == 409
    assert waited.json()["error"]["code"] == "idempotency_key_in_progress"
    assert waited.headers["retry-after"] == "1"
    assert unchanged == head
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers


def test_a_key_left_in_progress_by_a_dead_process_is_taken_over_after_the_lease(
    api: InProcessApi,
) -> None:
    """The process that claimed the key died before storing an answer: retries are refused
    while its lease runs, then the next one runs the request (README: Retries)."""
    token_id = api.tokens[("COAL-02", "unit_operator")].partition(".")[0]
    key = f"orphan-{uuid.uuid4()}"
    body = json.dumps(NEED).encode()
    scope = {"method": "POST", "path": "/v1/needs", "query_string": b""}
    headers = api.auth("COAL-02", "unit_operator") | {HEADER: key}
    headers |= {"content-type": "application/json"}
    dead_process = IdempotencyStore.beside(api.svc)
    real_clock = api.svc.clock
    try:
        assert isinstance(
            dead_process.claim(token_id, key, request_fingerprint(scope, body)), Claimed
        )
        dead_process.close()
        within = api.client.post("/v1/needs", content=body, headers=headers)
        later = real_clock() + LEASE + timedelta(seconds=1)
        api.svc.clock = lambda: later
        taken_over = api.client.post("/v1/needs", content=body, headers=headers)
        replayed = api.client.post("/v1/needs", content=body, headers=headers)
    finally:
        api.svc.clock = real_clock

    assert within.json()["error"]["code"] == "idempotency_key_in_progress"
    assert taken_over.status_code == 201, taken_over.text
    assert (replayed.status_code, replayed.json()) == (201, taken_over.json())
    assert replayed.headers["idempotent-replayed"] == "true"
