"""`serve --all-in-one`: a command's event reaches its Kafka topic as a CloudEvent."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import BROKER, require_broker
from tests.e2e.conftest import WAIT, service_env, start_server, tails, worker
from tests.kafka_support import consume


def bus_env(
    tmp_path: Path, backend: str = "sqlite", schema: str | None = None, poll: str = "0.05"
) -> tuple[str, dict[str, str]]:
    """A topic prefix of the test's own and the service's settings for the broker."""
    prefix = f"e2e{uuid.uuid4().hex[:8]}."
    env = service_env(
        tmp_path,
        backend,
        schema,
        MARKETPLACE_KAFKA_BOOTSTRAP=BROKER,
        MARKETPLACE_KAFKA_TOPIC_PREFIX=prefix,
        MARKETPLACE_RELAY_POLL_INTERVAL=poll,
    )
    return prefix, env


@pytest.mark.both_stores
def test_a_registered_unit_is_published_on_the_units_topic(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    require_broker()
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    prefix, env = bus_env(tmp_path, backend, schema)
    server = start_server(env, "--all-in-one")
    try:
        admin = server.admin
        assert (
            admin.post("/v1/units", json={"id": "G", "name": "Group", "level": "group"}).status_code
            == 201
        )
        created = admin.post(
            "/v1/units", json={"id": "P", "name": "Power", "level": "platform", "parent_id": "G"}
        )
        assert created.status_code == 201
        messages = asyncio.run(consume(BROKER, [prefix + "marketplace.units"], until_count=2))
        listed: list[str] = []
        for _ in range(150):  # the read model is fed from Kafka: eventually consistent
            listed = [u["id"] for u in admin.get("/v1/units").json()["items"]]
            if listed == ["G", "P"]:
                break
            time.sleep(0.1)
        assert listed == ["G", "P"]
        status = admin.get("/v1/projections/status").json()["items"]
        assert {s["feed"] for s in status} == {"kafka"}
    finally:
        server.stop()
    events = [json.loads(value) for _, _, _, value in messages]
    assert [e["data"]["unit_id"] for e in events] == ["G", "P"]
    assert {e["type"] for e in events} == {"marketplace.unit.registered.v1"}
    assert events[1]["data"]["parent_id"] == "G"
    assert events[1]["data"]["actor"] == {"unit_id": "G", "token_id": "bootstrap"}
    assert events[0]["sequence"] < events[1]["sequence"]
    assert all(key == b"organisation" for _, _, key, _ in messages)


def test_all_in_one_without_a_broker_setting_refuses_to_start(tmp_path: Path) -> None:
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "marketplace", "serve", "--all-in-one"],
        env=service_env(tmp_path, "sqlite", None),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "MARKETPLACE_KAFKA_BOOTSTRAP" in done.stderr


def test_needs_and_offers_travel_the_bus_and_feed_the_inbox(tmp_path: Path) -> None:
    require_broker()
    prefix, env = bus_env(tmp_path)
    server = start_server(env, "--all-in-one", "--demo")
    try:
        coal = server.client(server.token("COAL-01", "unit_operator"))
        heat = server.client(server.token("HEAT-02", "unit_operator"))
        need = coal.post(
            "/v1/needs",
            json={
                "demand_unit_id": "COAL-01",
                "title": "Steam",
                "category": "product",
                "subcategory": "heat",
                "item_code": "STEAM-LP",
                "quantity": "10",
                "uom": "t",
                "required_by": "2030-01-01",
                "budget_amount": "2000.00",
                "business_type": "regular",
                "sourcing": "direct",
            },
        ).json()
        seen: list[str] = []
        for _ in range(150):  # fed from Kafka: eventually consistent
            seen = [i["need_id"] for i in heat.get("/v1/inbox").json()["items"]]
            if need["id"] in seen:
                break
            time.sleep(0.1)
        assert need["id"] in seen
        offered = heat.post(
            f"/v1/needs/{need['id']}/offers",
            json={
                "supplier_unit_id": "HEAT-02",
                "unit_price": "180.00",
                "quantity": "10",
                "delivery_date": "2029-12-01",
                "valid_until": "2029-12-01T00:00:00Z",
            },
        )
        assert offered.status_code == 201
        wanted = {
            (need["id"], "marketplace.need.offer_received.v1"),
            (offered.json()["offer_id"], "marketplace.offer.submitted.v1"),
        }

        def ours_arrived(received: list[tuple[str, int, bytes, bytes]]) -> bool:
            # The demo's own traffic on these topics varies; wait for our events, not a count.
            types = {(e["subject"], e["type"]) for e in (json.loads(v) for *_, v in received)}
            return wanted <= types

        messages = asyncio.run(
            consume(
                BROKER,
                [prefix + "marketplace.needs", prefix + "marketplace.offers"],
                until=ours_arrived,
            )
        )
    finally:
        server.stop()
    ours = [
        json.loads(v)
        for _, _, _, v in messages
        if json.loads(v)["subject"] in (need["id"], offered.json()["offer_id"])
    ]
    assert [e["type"] for e in ours if e["subject"] == need["id"]] == [
        "marketplace.need.posted.v2",
        "marketplace.need.posted.v1",  # published beside v2 in its deprecation window
        "marketplace.need.offer_received.v1",
    ]
    submitted = next(e for e in ours if e["type"] == "marketplace.offer.submitted.v1")
    assert submitted["data"]["unit_price"] == "180.00"
    assert submitted["data"]["need_id"] == need["id"]


def test_no_amount_travels_the_bus_before_opening(tmp_path: Path) -> None:
    from tests.e2e.test_tenders_api import SECRET_AMOUNTS, run_until_sealed

    require_broker()
    prefix, env = bus_env(tmp_path)
    server = start_server(env, "--all-in-one", "--demo")
    topics = [
        prefix + t
        for t in (
            "marketplace.units",
            "marketplace.catalog",
            "marketplace.needs",
            "marketplace.offers",
            "marketplace.tenders",
            "marketplace.bids",
        )
    ]
    try:
        _, tender_id, deadline = run_until_sealed(server)
        head = int(server.admin.get("/v1/projections/status").json()["items"][0]["head"])

        def up_to_head(received: list[tuple[str, int, bytes, bytes]]) -> bool:
            return max((json.loads(v)["sequence"] for *_, v in received), default=0) >= head - 1

        sealed = asyncio.run(consume(BROKER, topics, until=up_to_head, timeout=60))
        assert up_to_head(sealed)
        assert sum(t.endswith("marketplace.bids") for t, *_ in sealed) == 4
        for topic, _, _, value in sealed:
            assert not any(a.encode() in value for a in SECRET_AMOUNTS), topic
        time.sleep(max(0.0, deadline - time.monotonic()) + 0.5)
        coal = server.client(server.token("COAL-01", "unit_operator"))
        assert coal.post(f"/v1/tenders/{tender_id}/open").status_code == 200

        def opened_arrived(received: list[tuple[str, int, bytes, bytes]]) -> bool:
            return any(b"marketplace.tender.bids_opened.v1" in v for *_, v in received)

        after = asyncio.run(
            consume(BROKER, [prefix + "marketplace.tenders"], until=opened_arrived, timeout=60)
        )
    finally:
        server.stop()
    opened = [
        json.loads(v)
        for *_, v in after
        if json.loads(v)["type"] == "marketplace.tender.bids_opened.v1"
    ]
    text = json.dumps(opened[0])
    replaced = SECRET_AMOUNTS[1]  # PWR-01's first bid: superseded, never revealed
    assert all(a in text for a in SECRET_AMOUNTS if a != replaced)
    assert replaced not in text


def test_the_production_topology_api_relay_and_workers_as_three_processes(
    tmp_path: Path, pg_schema: str
) -> None:
    """As docker-compose runs it: `serve`, `relay` and `project` apart, on PostgreSQL and Kafka;
    the relay is woken by the API's commits (NOTIFY), not by its poll."""
    require_broker()
    # A 30 s poll: only a commit's wake-up is fast enough.
    _, env = bus_env(tmp_path, "postgres", pg_schema, poll="30")
    server = start_server(env, "--demo", log=tmp_path / "serve.log")
    logs = [tmp_path / f"{command}.log" for command in ("relay", "project")]
    workers = [worker(env, log.stem, log) for log in logs]

    def listed_within(seconds: float, unit_id: str) -> list[str]:
        deadline = time.monotonic() + seconds
        while True:
            listed = [u["id"] for u in server.admin.get("/v1/units").json()["items"]]
            if unit_id in listed or time.monotonic() > deadline:
                return listed
            time.sleep(0.1)

    try:
        # The demo's chart arrives when the project worker has built the read models from the
        # store (a process start and a build of every read model: slow on a loaded machine).
        assert "HQ" in listed_within(WAIT, "HQ"), tails(tmp_path / "serve.log", *logs)
        created = server.admin.post(
            "/v1/units",
            json={"id": "PWR-09", "name": "Wind Farm", "level": "enterprise", "parent_id": "PWR"},
        )
        assert created.status_code == 201, created.text
        # ... and a new unit through the relay, Kafka and the worker's consumer.
        listed = listed_within(WAIT, "PWR-09")
        assert "PWR-09" in listed, tails(tmp_path / "serve.log", *logs)
        status = server.admin.get("/v1/projections/status").json()["items"]
        assert {s["feed"] for s in status} == {"kafka"}
        assert all(w.poll() is None for w in workers)  # both still running
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        server.stop()
