"""An ERP drives the buy path over Kafka (`marketplace intake` beside `marketplace serve`):
each reply is what HTTP answers, a redelivered command has one effect, bad messages are
answered and dead-lettered without stopping the intake."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import BROKER, require_broker
from tests.e2e.conftest import (
    ADMIN_TOKEN,
    WAIT,
    Server,
    free_port,
    run_cli,
    service_env,
    start_server,
    tails,
    worker,
)
from tests.e2e.erp_client import Erp, ReplyHold
from tests.e2e.test_needs_api import offer_body, steam_need
from tests.integration.test_command_schemas import REPLY_MESSAGE, payload_validator
from tests.kafka_support import PrivateBroker


@dataclass
class Platform:
    server: Server
    intake: subprocess.Popen[bytes]
    prefix: str
    log: Path

    def erp(self) -> Erp:
        return Erp(BROKER, self.prefix)

    def token(self, unit: str, role: str = "unit_operator") -> str:
        return self.server.token(unit, role)

    def over_http(
        self, method: str, path: str, body: Any, token: str, command_id: str
    ) -> tuple[int, Any]:
        """What HTTP answers to the same request with the command id as its key."""
        with self.server.client(token) as client:
            answered = client.request(
                method,
                path,
                json=body,
                headers={"Idempotency-Key": command_id},
            )
        return answered.status_code, answered.json() if answered.content else None


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """`serve --demo` (the embedded store) and `marketplace intake` beside it on one store."""
    require_broker()
    tmp = tmp_path_factory.mktemp("intake")
    server = start_server(service_env(tmp, "sqlite", None), "--demo")
    prefix = f"t{uuid.uuid4().hex[:10]}."
    env = {k: v for k, v in server.env.items() if k != "MARKETPLACE_PORT"} | {
        "MARKETPLACE_KAFKA_BOOTSTRAP": BROKER,
        "MARKETPLACE_KAFKA_TOPIC_PREFIX": prefix,
        "MARKETPLACE_KAFKA_PARTITIONS": "3",
        "MARKETPLACE_INTAKE_CONCURRENCY": "2",
    }
    log = tmp / "intake.log"
    intake = worker(env, "intake", log)
    yield Platform(server, intake, prefix, log)
    intake.terminate()
    intake.wait(timeout=20)
    server.stop()


def _still_running(platform: Platform) -> None:
    assert platform.intake.poll() is None, tails(platform.log)


async def test_the_buy_path_over_kafka_answers_as_http(platform: Platform) -> None:
    coal, heat = platform.token("COAL-01"), platform.token("HEAT-02")
    async with platform.erp() as erp:
        need = steam_need("COAL-01", title="Steam ordered by the ERP")
        posted_id = await erp.send("post_need", need, coal, key="COAL-01")
        posted = await erp.reply_to(posted_id)
        assert posted["status"] == 201, posted
        assert {m["supplier_unit_id"] for m in posted["body"]["matches"]} == {"HEAT-02", "PWR-01"}
        need_id = posted["body"]["id"]
        assert platform.over_http("POST", "/v1/needs", need, coal, posted_id) == (
            posted["status"],
            posted["body"],
        )

        offer = offer_body("HEAT-02", "182.00")
        offered_id = await erp.send("submit_offer", offer | {"need_id": need_id}, heat, key=need_id)
        offered = await erp.reply_to(offered_id)
        assert offered["status"] == 201, offered
        path = f"/v1/needs/{need_id}/offers"
        assert platform.over_http("POST", path, offer, heat, offered_id) == (
            offered["status"],
            offered["body"],
        )

        award = {"offer_id": offered["body"]["offer_id"]}
        awarded_id = await erp.send("award_need", award | {"need_id": need_id}, coal, key=need_id)
        awarded = await erp.reply_to(awarded_id)
        assert awarded["status"] == 201, awarded
        contract_id = awarded["body"]["contract_id"]
        path = f"/v1/needs/{need_id}/award"
        assert platform.over_http("POST", path, award, coal, awarded_id) == (
            awarded["status"],
            awarded["body"],
        )

        ids = {"contract_id": contract_id}
        first = await erp.reply_to(await erp.send("sign_contract", ids, heat, key=contract_id))
        assert first["status"] == 200 and first["body"]["status"] == "awaiting_signatures"
        second_id = await erp.send("sign_contract", ids, coal, key=contract_id)
        second = await erp.reply_to(second_id)
        assert second["status"] == 200 and second["body"]["status"] == "active", second
        path = f"/v1/contracts/{contract_id}/sign"
        assert platform.over_http("POST", path, None, coal, second_id) == (200, second["body"])
        # A refusal is an answer too: the rule's code, as HTTP gives it.
        again = await erp.reply_to(await erp.send("sign_contract", ids, coal, key=contract_id))
        assert (again["status"], again["body"]["error"]["code"]) == (409, "contract_status")
        # Each reply the broker carried fits the reply schema of `schemas/asyncapi.yaml`.
        carried = [r.event for r in erp.received if r.topic == erp.replies]
        assert len(carried) >= 6  # post, offer, award, three signatures
        for reply in carried:
            payload_validator(REPLY_MESSAGE).validate(reply)
    with platform.server.client(coal) as client:
        contract = client.get(f"/v1/contracts/{contract_id}").json()
    assert (contract["status"], contract["amount"]) == ("active", "218400.00")
    _still_running(platform)


async def test_a_redelivered_command_has_one_effect_and_the_same_reply(
    platform: Platform,
) -> None:
    coal, heat = platform.token("COAL-01"), platform.token("HEAT-02")
    async with platform.erp() as erp:
        posted = await erp.reply_to(
            await erp.send("post_need", steam_need("COAL-01"), coal, key="COAL-01")
        )
        need_id = posted["body"]["id"]
        offer = offer_body("HEAT-02", "183.00") | {"need_id": need_id}
        command_id = await erp.send("submit_offer", offer, heat, key=need_id)
        await erp.send("submit_offer", offer, heat, key=need_id, command_id=command_id)
        replies = await erp.replies_to(command_id, count=2)
    first, second = (r.event["data"] for r in replies)
    assert first == second and first["status"] == 201
    assert replies[0].key == replies[1].key == need_id.encode()  # keyed like the command
    assert replies[0].event["type"] == "marketplace.command.reply.v1"
    assert replies[0].headers["content-type"] == b"application/cloudevents+json"
    with platform.server.client(coal) as client:
        offers = client.get(f"/v1/needs/{need_id}").json()["offers"]
    assert [o["offer_id"] for o in offers] == [first["body"]["offer_id"]]


async def test_commands_for_one_aggregate_apply_in_the_order_sent(platform: Platform) -> None:
    coal, heat = platform.token("COAL-01"), platform.token("HEAT-02")
    async with platform.erp() as erp:
        posted = await erp.reply_to(
            await erp.send("post_need", steam_need("COAL-01"), coal, key="COAL-01")
        )
        need_id = posted["body"]["id"]
        offer = offer_body("HEAT-02", "190.00")
        offered = await erp.reply_to(
            await erp.send("submit_offer", offer | {"need_id": need_id}, heat, key=need_id)
        )
        offer_id = offered["body"]["offer_id"]
        terms = {k: v for k, v in offer.items() if k != "supplier_unit_id"}
        prices = [f"19{n}.00" for n in range(1, 6)]
        sent = [  # back to back, keyed by the offer: one partition, in this order
            await erp.send(
                "revise_offer", terms | {"unit_price": p, "offer_id": offer_id}, heat, key=offer_id
            )
            for p in prices
        ]
        sent.append(await erp.send("withdraw_offer", {"offer_id": offer_id}, heat, key=offer_id))
        replies = [await erp.reply_to(command_id) for command_id in sent]
    assert [(r["status"], r["body"]["unit_price"]) for r in replies[:-1]] == [
        (200, p) for p in prices
    ]
    assert (replies[-1]["status"], replies[-1]["body"]["status"]) == (200, "withdrawn")


async def test_a_poison_message_is_dead_lettered_and_the_next_command_still_runs(
    platform: Platform,
) -> None:
    coal = platform.token("COAL-01")
    poison = b'{"specversion": "1.0", "id": "half a command'
    async with platform.erp() as erp:
        await erp.send_raw(poison, coal, key="COAL-01")
        next_id = await erp.send("post_need", steam_need("COAL-01"), coal, key="COAL-01")
        assert (await erp.reply_to(next_id))["status"] == 201
        dead = await erp.dead_letter(poison)
    assert dead.headers["error"].startswith(b"unparseable")
    assert dead.key == b"COAL-01"
    assert "authorization" not in dead.headers  # a credential never lands in the dlq
    _still_running(platform)


async def test_an_unknown_command_gets_422_unknown_command(platform: Platform) -> None:
    async with platform.erp() as erp:
        command_id = await erp.send("buy_everything", {}, platform.token("COAL-01"), key="COAL-01")
        reply = await erp.reply_to(command_id)
    assert reply["status"] == 422
    assert reply["body"]["error"]["code"] == "unknown_command"


async def test_a_bad_or_revoked_token_gets_401_and_a_dead_letter(platform: Platform) -> None:
    with platform.server.admin as admin:
        issued = admin.post(
            "/v1/tokens", json={"unit_id": "COAL-01", "roles": ["unit_operator"], "label": "erp"}
        ).json()
        assert admin.delete(f"/v1/tokens/{issued['token_id']}").status_code in (200, 204)
    need = steam_need("COAL-01")
    async with platform.erp() as erp:
        for token in ("tok_made_up", issued["token"], None):
            command_id = await erp.send("post_need", need, token, key="COAL-01")
            reply = await erp.reply_to(command_id)
            assert reply["status"] == 401, reply
            assert reply["body"]["error"]["code"] == "unauthenticated"
            dead = await erp.dead_letter_of(command_id)
            assert dead.headers["error"] == b"401 unauthenticated"
            assert "authorization" not in dead.headers
    _still_running(platform)


@pytest.mark.slow
async def test_kill_9_between_handling_and_reply_then_restart(
    platform: Platform, tmp_path: Path
) -> None:
    """The intake handles commands, but the broker never acknowledges their replies (held
    back by a link in front of a broker of our own): killed there, and started again, it
    answers every command once in effect, with the answer of the first run."""
    broker = PrivateBroker(advertised_port=free_port())
    broker.start()
    prefix = f"k{uuid.uuid4().hex[:10]}."
    assert broker.advertised_port is not None
    link = ReplyHold(broker.advertised_port, broker.port, f"{prefix}marketplace.command-replies")
    env = {k: v for k, v in platform.server.env.items() if k != "MARKETPLACE_PORT"} | {
        "MARKETPLACE_KAFKA_BOOTSTRAP": broker.bootstrap,
        "MARKETPLACE_KAFKA_TOPIC_PREFIX": prefix,
        "MARKETPLACE_KAFKA_PARTITIONS": "2",
        "MARKETPLACE_INTAKE_CONCURRENCY": "2",
    }
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = worker(env, "intake", logs[0])
    second: subprocess.Popen[bytes] | None = None
    coal = platform.token("COAL-01")
    tag = uuid.uuid4().hex[:8]
    try:
        # Each wait here includes an intake's start (importing, creating its topics on a broker
        # started just before) or, the second time, also taking over the killed one's
        # partitions once its session has timed out: on a heavily loaded machine that took over
        # the 60 s a running intake is given to answer, so the waits are the e2e tests' WAIT.
        async with Erp(broker.bootstrap, prefix, timeout=WAIT) as erp:
            warm_up = await erp.send("post_need", steam_need("COAL-01"), coal, key="COAL-01")
            assert (await erp.reply_to(warm_up))["status"] == 201, tails(*logs)
            link.hold()
            sent = [
                await erp.send(
                    "post_need", steam_need("COAL-01", title=f"{tag} {n}"), coal, key=key
                )
                for n, key in enumerate(("COAL-01", "HEAT-02", "PWR-01"))
            ]
            assert await asyncio.to_thread(link.held.wait, WAIT), tails(*logs)
            first.kill()  # SIGKILL: no goodbye to the group, offsets uncommitted
            first.wait(timeout=10)
            link.release()
            second = worker(env, "intake", logs[1])
            try:
                replies = {command_id: await erp.replies_to(command_id) for command_id in sent}
            except AssertionError as exc:
                raise AssertionError(f"{exc}{tails(*logs)}") from None
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
        link.shutdown()
        broker.stop()
    need_ids = set()
    for answers in replies.values():
        bodies = {json.dumps(r.event["data"], sort_keys=True) for r in answers}
        assert len(bodies) == 1, answers  # any second reply repeats the first
        data = answers[0].event["data"]
        assert data["status"] == 201, data
        need_ids.add(data["body"]["id"])
    listed = await _listed_needs(platform, coal, need_ids)
    mine = [_need_id(n) for n in listed if n["title"].startswith(tag)]
    assert sorted(mine) == sorted(need_ids)  # one need per command, no second one


def _need_id(need: dict[str, Any]) -> str:
    return str(need.get("id") or need["need_id"])


async def _listed_needs(platform: Platform, token: str, wanted: set[str]) -> list[dict[str, Any]]:
    """COAL-01's needs once the read model shows `wanted` (it is fed after the store)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=platform.server.url, headers=headers) as client:
        for _ in range(300):
            answer = await client.get(
                "/v1/needs", params={"demand_unit_id": "COAL-01", "limit": 500}
            )
            listed: list[dict[str, Any]] = answer.json()["items"]
            if wanted <= {_need_id(n) for n in listed}:
                return listed
            await asyncio.sleep(0.1)
    raise AssertionError(f"needs {wanted} never listed")


def test_intake_without_a_broker_setting_refuses_to_start(tmp_path: Path) -> None:
    done = run_cli(service_env(tmp_path, "sqlite", None), "intake")
    assert done.returncode == 2
    assert "MARKETPLACE_KAFKA_BOOTSTRAP" in done.stderr


async def test_serve_all_in_one_takes_commands_too(tmp_path: Path) -> None:
    require_broker()
    prefix = f"a{uuid.uuid4().hex[:10]}."
    env = service_env(
        tmp_path,
        "sqlite",
        None,
        MARKETPLACE_KAFKA_BOOTSTRAP=BROKER,
        MARKETPLACE_KAFKA_TOPIC_PREFIX=prefix,
        MARKETPLACE_KAFKA_PARTITIONS="1",
    )
    server = start_server(env, "--all-in-one")
    try:
        group = {"id": "G", "name": "Group", "level": "group"}
        async with Erp(BROKER, prefix) as erp:
            command_id = await erp.send("register_unit", group, ADMIN_TOKEN, key="organisation")
            reply = await erp.reply_to(command_id)
        assert reply["status"] == 201, tails(*[p for p in [server.log] if p])
        with server.admin as admin:
            assert admin.get("/v1/units/G").json()["name"] == "Group"
    finally:
        server.stop()
