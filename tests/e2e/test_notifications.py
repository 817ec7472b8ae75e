"""Issue 16 end to end: a supplier that subscribed a webhook learns of every need it was matched
to, through a `kill -9` of the process that notifies, with nothing lost; in-app as well; and
with a broker, from `marketplace notify` as a Kafka consumer group."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import require_broker
from tests.e2e.conftest import Server, service_env, start_server, tails, worker
from tests.e2e.test_event_bus import bus_env
from tests.notify_receivers import WebhookReceiver

SUPPLIER, BUYER = "HEAT-02", "COAL-01"
REQUIRED_BY = (date.today() + timedelta(days=30)).isoformat()


def need_body(title: str) -> dict[str, Any]:
    return {
        "demand_unit_id": BUYER,
        "title": title,
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "10",
        "uom": "t",
        "required_by": REQUIRED_BY,
        "budget_amount": "1000.00",
        "business_type": "regular",
        "sourcing": "direct",
    }


def subscribe(server: Server, url: str) -> dict[str, Any]:
    with server.client(server.token(SUPPLIER, "unit_operator")) as client:
        answer = client.post(
            "/v1/subscriptions",
            json={
                "unit_id": SUPPLIER,
                "channel": "webhook",
                "endpoint": url,
                "event_types": ["marketplace.need.posted.v1"],
            },
        )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    assert created["secret"].startswith("whsec_")
    return created


class Poster:
    """Posts needs from a thread until told to stop; keeps the ids the service acknowledged."""

    def __init__(self, server: Server) -> None:
        self.url = server.url
        self.token = server.token(BUYER, "unit_operator")
        self.acked: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=5) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                try:
                    answer = client.post("/v1/needs", json=need_body(f"Steam {n}"))
                except httpx.TransportError:
                    continue  # the server is down: the need was not acknowledged
                if answer.status_code == 201:
                    self.acked.append(answer.json()["id"])


async def wait_for_subjects(
    receiver: WebhookReceiver, wanted: set[str], timeout: float = 60
) -> list[str]:
    """The subjects received (in order, duplicates kept) once all `wanted` came."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        subjects = [json.loads(r.body)["subject"] for r in receiver.requests]
        if wanted <= set(subjects):
            return subjects
        missing = len(wanted - set(subjects))
        assert asyncio.get_running_loop().time() < deadline, f"{missing} needs never notified"
        await asyncio.sleep(0.1)


def _says(log: Path, text: str) -> bool:
    return log.exists() and text in log.read_text(errors="replace")


async def wait_for_line(log: Path, text: str, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(_says, log, text):
        assert asyncio.get_running_loop().time() < deadline, f"{log.name} never said {text}"
        await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_kill_9_of_the_notifying_process_in_a_burst_loses_no_notification(
    tmp_path: Path,
) -> None:
    env = service_env(tmp_path, "sqlite", None, MARKETPLACE_NOTIFY_POLL_INTERVAL="0.05")
    server = start_server(env, "--demo")
    tokens = server.tokens
    async with WebhookReceiver() as receiver:
        try:
            subscribe(server, receiver.url)
            poster = Poster(server)
            poster.thread.start()
            await receiver.wait_for(20, timeout=60)  # in the middle of the burst
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
            server = start_server(env)  # the same store: it goes on where it stopped
            server.tokens.update(tokens)
            poster.stop.set()
            poster.thread.join(timeout=10)
            again = Poster(server)
            again.thread.start()
            await asyncio.sleep(1.0)
            again.stop.set()
            again.thread.join(timeout=10)
            acked = set(poster.acked) | set(again.acked)
            subjects = await wait_for_subjects(receiver, acked)
        finally:
            server.stop()
    counts = Counter(subjects)
    duplicates = sum(n - 1 for n in counts.values())
    print(f"\n{len(acked)} needs acknowledged, {len(subjects)} webhooks, {duplicates} duplicates")
    assert max(counts.values()) <= 3, counts.most_common(3)
    # In order per subscription: the first time each need arrives follows the posting order.
    firsts = list(dict.fromkeys(s for s in subjects if s in acked))
    order = {s: i for i, s in enumerate(poster.acked + again.acked)}
    assert firsts == sorted(firsts, key=order.__getitem__)


async def test_in_app_notifications_list_mark_read_and_stay_with_their_unit(
    tmp_path: Path,
) -> None:
    env = service_env(tmp_path, "sqlite", None)
    server = start_server(env, "--demo")
    try:
        supplier = server.client(server.token(SUPPLIER, "unit_operator"))
        buyer = server.client(server.token(BUYER, "unit_operator"))
        need = buyer.post("/v1/needs", json=need_body("Steam for the winter"))
        assert need.status_code == 201, need.text
        listed = supplier.get("/v1/notifications", params={"unread": "true"}).json()["items"]
        [notice] = [n for n in listed if n["subject"] == need.json()["id"]]
        assert notice["event_type"] == "marketplace.need.posted.v2"
        assert notice["title"] and notice["read"] is False
        assert buyer.post(f"/v1/notifications/{notice['id']}/read").status_code == 404
        assert supplier.post(f"/v1/notifications/{notice['id']}/read").status_code == 204
        unread = supplier.get("/v1/notifications", params={"unread": "true"}).json()["items"]
        assert notice["id"] not in [n["id"] for n in unread]
        assert supplier.get("/v1/notifications/unread-count").json()["unread"] == len(unread)
    finally:
        server.stop()


@pytest.mark.broker
async def test_marketplace_notify_is_a_kafka_consumer_group_that_sends_webhooks(
    tmp_path: Path,
) -> None:
    require_broker()
    _, env = bus_env(tmp_path)
    env |= {"MARKETPLACE_NOTIFY_POLL_INTERVAL": "0.05"}
    server = start_server(env, "--demo")
    relay = worker(env, "relay", tmp_path / "relay.log")
    notify = worker(env, "notify", tmp_path / "notify.log")
    try:
        # It notifies of what is stored after its first start: wait for that start.
        await wait_for_line(tmp_path / "notify.log", "notifier_started")
        async with WebhookReceiver() as receiver:
            subscribe(server, receiver.url)
            with server.client(server.token(BUYER, "unit_operator")) as buyer:
                ids = [
                    buyer.post("/v1/needs", json=need_body(f"Steam {i}")).json()["id"]
                    for i in range(3)
                ]
            try:
                subjects = await wait_for_subjects(receiver, set(ids), timeout=120)
            except AssertionError as failed:
                raise AssertionError(
                    f"{failed}{tails(tmp_path / 'relay.log', tmp_path / 'notify.log')}"
                ) from None
        # Kafka keeps order per aggregate, not across: each need once at least, all of them.
        assert set(subjects) == set(ids)
    finally:
        for process in (notify, relay):
            process.terminate()
            process.wait(timeout=20)
        server.stop()
