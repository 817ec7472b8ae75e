"""`Idempotency-Key` over HTTP on each store, against a real server (uvicorn on a socket): a
retry replays the first answer with one effect, a reused key is refused, keys are per token,
refusals are kept, concurrent retries share one effect, rows expire after 24 h, and the stored
answers hold no secret in plaintext."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from marketplace.adapters.idempotency_store import Answer, Claimed, IdempotencyStore
from marketplace.api.idempotency import request_fingerprint
from tests.integration.idempotency_world import NEED, Served, key, serving_the_demo

pytestmark = pytest.mark.both_stores


@pytest.fixture(scope="module")
def served(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving_the_demo(backend, tmp_path_factory.mktemp("idempotency")) as served:
        yield served


def test_a_retry_gets_the_first_answer_and_has_one_effect(served: Served) -> None:
    mark = served.mark()
    headers = key()
    with served.client() as coal:
        first = coal.post("/v1/needs", json=NEED, headers=headers)
        again = coal.post("/v1/needs", json=NEED, headers=headers)
        # The same JSON with its keys in another order and other spacing is the same request.
        reordered = dict(reversed(list(NEED.items())))
        third = coal.post("/v1/needs", json=reordered, headers=headers)

    assert first.status_code == 201, first.text
    assert (again.status_code, again.json()) == (201, first.json())
    assert (third.status_code, third.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["content-type"] == first.headers["content-type"]
    assert served.posted_since(mark) == 1


def test_the_location_header_is_replayed(served: Served) -> None:
    headers = key()
    unit = {"id": f"U{uuid.uuid4().hex[:6]}", "name": "Unit", "level": "enterprise"}
    unit |= {"parent_id": "COAL", "sector": "coal_chemical"}
    with served.client(role="admin") as admin:
        first = admin.post("/v1/units", json=unit, headers=headers)
        again = admin.post("/v1/units", json=unit, headers=headers)

    assert first.status_code == 201, first.text
    assert again.headers["location"] == first.headers["location"] == f"/v1/units/{unit['id']}"
    assert again.json() == first.json()


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(served: Served) -> None:
    headers = key()
    with served.client() as coal:
        assert coal.post("/v1/needs", json=NEED, headers=headers).status_code == 201
        mark = served.mark()
        other = coal.post("/v1/needs", json=NEED | {"quantity": "501"}, headers=headers)
        elsewhere = coal.post("/v1/units", json=NEED, headers=headers)

    assert other.status_code == 422
    error = other.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["details"][0]["field"] == "Idempotency-Key"
    assert error["details"][0]["location"] == "header"
    assert elsewhere.json()["error"]["code"] == "idempotency_key_reused"
    assert served.topics_since(mark) == []


def test_another_tokens_same_key_is_another_request(served: Served) -> None:
    mark = served.mark()
    headers = key()
    with served.client() as coal, served.client(role="admin") as admin:
        mine = coal.post("/v1/needs", json=NEED, headers=headers)
        theirs = admin.post("/v1/needs", json=NEED, headers=headers)

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert "idempotent-replayed" not in theirs.headers
    assert served.posted_since(mark) == 2


@pytest.mark.parametrize(
    ("given", "problem"),
    [("k" * 201, "At most 200"), ("", "empty"), ("a\x7fb", "control characters")],
)
def test_a_key_too_long_empty_or_with_control_characters_is_refused(
    served: Served, given: str, problem: str
) -> None:
    mark = served.mark()
    with served.client() as coal:
        answer = coal.post("/v1/needs", json=NEED, headers={"Idempotency-Key": given})

    assert answer.status_code == 422
    detail = answer.json()["error"]["details"][0]
    assert (detail["field"], detail["location"]) == ("Idempotency-Key", "header")
    assert problem in detail["message"]
    assert served.topics_since(mark) == []


def test_a_key_of_200_characters_is_taken(served: Served) -> None:
    headers = {"Idempotency-Key": f"{uuid.uuid4()}".ljust(200, "x")}
    with served.client() as coal:
        first = coal.post("/v1/needs", json=NEED, headers=headers)
        again = coal.post("/v1/needs", json=NEED, headers=headers)
    assert first.status_code == 201
    assert again.json() == first.json()


def test_concurrent_requests_with_one_key_have_one_effect(served: Served) -> None:
    mark = served.mark()
    headers = key()
    barrier = threading.Barrier(8)

    def send(_: int) -> httpx.Response:
        with served.client() as coal:
            barrier.wait()
            return coal.post("/v1/needs", json=NEED, headers=headers)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))

    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum("idempotent-replayed" in a.headers for a in answers) == 7
    assert served.posted_since(mark) == 1


def test_a_retry_while_the_first_still_runs_waits_then_hears_in_progress(
    served: Served,
) -> None:
    """Another process holds the key (a row `in_progress`, as its claim leaves it): a retry
    waits for it within the bound, then is refused; once it answers, the retry replays it."""
    headers = key()
    token = served.tokens[("COAL-02", "unit_operator")]
    token_id = token.partition(".")[0]
    body = httpx.Request("POST", "http://x/v1/needs", json=NEED).content
    scope = {"method": "POST", "path": "/v1/needs", "query_string": b""}
    fingerprint = request_fingerprint(scope, body)
    other_process = IdempotencyStore.beside(served.svc)
    waiting = served.settings.idempotency_wait_seconds
    try:
        claim = other_process.claim(token_id, headers["Idempotency-Key"], fingerprint)
        assert isinstance(claim, Claimed)
        answers: list[httpx.Response] = []

        def retry() -> None:
            with served.client() as coal:
                answers.append(
                    coal.post(
                        "/v1/needs",
                        content=body,
                        headers=headers | {"content-type": "application/json"},
                    )
                )

        waiter = threading.Thread(target=retry)
        waiter.start()
        stored = Answer(201, [("content-type", "application/json")], b'{"id":"need_other"}')
        time.sleep(0.5)  # the retry is waiting by now (it waits up to `waiting` seconds)
        assert not answers, "the retry answered before the first request did"
        other_process.finish(token_id, headers["Idempotency-Key"], stored, claim.claimed_at)
        waiter.join(waiting + 10)
    finally:
        other_process.close()

    assert answers[0].status_code == 201
    assert answers[0].json() == {"id": "need_other"}
    assert answers[0].headers["idempotent-replayed"] == "true"


def test_a_key_expires_after_24_hours(served: Served) -> None:
    headers, untouched = key(), key()
    real_clock = served.svc.clock
    with served.client() as coal:
        first = coal.post("/v1/needs", json=NEED, headers=headers)
        assert coal.post("/v1/needs", json=NEED, headers=untouched).status_code == 201
        mark = served.mark()
        try:
            later = real_clock() + timedelta(hours=23, minutes=59)
            served.svc.clock = lambda: later
            within = coal.post("/v1/needs", json=NEED, headers=headers)
            after = real_clock() + timedelta(hours=24, seconds=1)
            served.svc.clock = lambda: after
            expired = coal.post("/v1/needs", json=NEED | {"quantity": "7"}, headers=headers)
            # Rows past 24 h are swept by later requests whatever their keys (every 10 min).
            sweeping = real_clock() + timedelta(hours=24, minutes=11)
            served.svc.clock = lambda: sweeping
            assert coal.post("/v1/needs", json=NEED, headers=key()).status_code == 201
            left = {row[1] for row in stored_rows(served)}
        finally:
            served.svc.clock = real_clock

    assert within.json() == first.json()
    assert expired.status_code == 201
    assert untouched["Idempotency-Key"] not in left
    assert headers["Idempotency-Key"] in left  # its second claim, 24 h after the first
    assert expired.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in expired.headers
    assert served.posted_since(mark) == 2


def test_a_refusal_is_kept_though_the_request_would_now_succeed(served: Served) -> None:
    parent, child = f"P{uuid.uuid4().hex[:6]}", f"C{uuid.uuid4().hex[:6]}"
    unit = {"id": child, "name": "Child", "level": "enterprise", "parent_id": parent}
    headers = key()
    with served.client(role="admin") as admin:
        refused = admin.post("/v1/units", json=unit, headers=headers)
        made = admin.post(
            "/v1/units",
            json={"id": parent, "name": "Parent", "level": "enterprise", "parent_id": "COAL"},
        )
        mark = served.mark()
        again = admin.post("/v1/units", json=unit, headers=headers)
        fresh = admin.post("/v1/units", json=unit, headers=key())

    assert refused.status_code == 409, refused.text
    assert made.status_code == 201, made.text
    assert (again.status_code, again.json()) == (409, refused.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert fresh.status_code == 201  # not the key's: another request
    assert len(served.topics_since(mark)) == 1


def test_a_missing_token_is_answered_401_whatever_the_key(served: Served) -> None:
    with httpx.Client(base_url=served.url) as anonymous:
        answer = anonymous.post("/v1/needs", json=NEED, headers={"Idempotency-Key": "k" * 300})
    assert answer.status_code == 401


def test_answers_carrying_secrets_are_not_stored_in_plaintext(served: Served) -> None:
    token_key, hook_key = key(), key()
    hook = {"unit_id": "COAL-02", "channel": "webhook"}
    hook |= {"endpoint": "http://127.0.0.1:9/hook", "event_types": ["*"]}
    with served.client(role="admin") as admin, served.client() as coal:
        body = {"unit_id": "COAL-02", "roles": ["unit_operator"], "label": "erp"}
        issued = admin.post("/v1/tokens", json=body, headers=token_key)
        issued_again = admin.post("/v1/tokens", json=body, headers=token_key)
        subscribed = coal.post("/v1/subscriptions", json=hook, headers=hook_key)
        subscribed_again = coal.post("/v1/subscriptions", json=hook, headers=hook_key)

    token, secret = issued.json()["token"], subscribed.json()["secret"]
    assert secret.startswith("whsec_")
    assert issued_again.json()["token"] == token  # replayed: unsealed for its caller
    assert subscribed_again.json()["secret"] == secret
    rows = stored_rows(served)
    assert {token_key["Idempotency-Key"], hook_key["Idempotency-Key"]} <= {r[1] for r in rows}
    dump = repr(rows)
    for plain in (token, token.partition(".")[2], secret, secret.removeprefix("whsec_")):
        assert plain not in dump


def stored_rows(served: Served) -> list[tuple[Any, ...]]:
    location = served.svc.store.location  # type: ignore[attr-defined]
    if location.postgres_url:
        with psycopg.connect(location.postgres_url) as conn:
            table = f'"{location.postgres_schema}".idempotency_keys'
            return [tuple(r) for r in conn.execute(f"SELECT * FROM {table}").fetchall()]
    with sqlite3.connect(Path(location.sqlite_path)) as conn:
        return list(conn.execute("SELECT * FROM idempotency_keys").fetchall())
