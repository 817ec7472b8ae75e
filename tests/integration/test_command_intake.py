"""Commands through the API app in-process (no broker): every write has its command, and a
command's answer is the HTTP answer, once per command id."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from marketplace.bootstrap import build_api, build_services
from marketplace.demo import seed_demo
from marketplace.intake.commands import (
    HTTP_ONLY,
    NAMES,
    Command,
    command_table,
    missing_commands,
)
from marketplace.intake.dispatch import InProcessApi
from marketplace.intake.handling import Outcome, outcome
from tests.e2e.test_needs_api import offer_body, steam_need
from tests.integration.api_app import settings_for

WRITES = {"post", "patch", "delete", "put"}


class World:
    def __init__(self, app: FastAPI, tokens: dict[tuple[str, str], str]) -> None:
        self.app, self.tokens = app, tokens
        self.commands = command_table(app)
        self.api = InProcessApi(app)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        )

    def bearer(self, unit: str, role: str = "unit_operator") -> str:
        return f"Bearer {self.tokens[(unit, role)]}"

    async def send(self, name: str, data: Any, unit: str | None, command_id: str) -> Outcome:
        envelope = {"specversion": "1.0", "id": command_id, "source": "erp", "data": data}
        envelope["type"] = f"marketplace.command.{name}.v1"
        value = json.dumps(envelope).encode()
        return await outcome(value, self.bearer(unit) if unit else None, self.commands, self.api)


@asynccontextmanager
async def served_world(tmp_path: Path) -> AsyncIterator[World]:
    """The demo group's app with its lifespan running, and the commands read off it."""
    settings = settings_for(tmp_path / "data")
    svc = build_services(settings)
    try:
        tokens = {(t.unit_id, r.value): t.token for t in seed_demo(svc) for r in t.roles}
        app = build_api(settings, svc)
        async with app.router.lifespan_context(app):
            found = World(app, tokens)
            yield found
            await found.api.close()
            await found.http.aclose()
    finally:
        svc.store.close()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with served_world(tmp_path) as found:
        yield found


def _spec_writes(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in WRITES and path.startswith("/v1/")
    }


async def test_every_write_of_the_openapi_document_has_a_command(world: World) -> None:
    covered = {(c.method, c.path) for c in world.commands.values()}
    # A write left out of the commands (HTTP_ONLY) says why: a document upload of up to 20 MB
    # does not fit a Kafka message; it must be a write of the app, and have no name.
    assert set(HTTP_ONLY) <= _spec_writes(world.app)
    assert set(HTTP_ONLY).isdisjoint(NAMES) and all(HTTP_ONLY.values())
    assert _spec_writes(world.app) - covered == set(HTTP_ONLY)
    assert missing_commands(world.app, world.commands) == []
    # Every write's name is chosen (not left to its function's name), and every name chosen
    # here names a route that exists (a renamed path is noticed).
    assert set(NAMES) | set(HTTP_ONLY) == _spec_writes(world.app)
    assert len(set(NAMES.values())) == len(NAMES)
    for name in world.commands:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
    for contract_name in ("post_need", "submit_offer", "revise_offer", "withdraw_offer"):
        assert contract_name in world.commands
    for contract_name in ("award_need", "launch_tender", "submit_bid", "sign_contract"):
        assert contract_name in world.commands
    for contract_name in ("record_delivery", "raise_quality_incident", "open_dispute"):
        assert contract_name in world.commands


def test_a_command_model_is_the_route_body_plus_its_path_ids(world: World) -> None:
    offer: Command = world.commands["submit_offer"]
    schema = offer.json_schema()
    assert {"need_id", "supplier_unit_id", "unit_price"} <= set(schema["properties"])
    assert "need_id" in schema["required"]
    sign = world.commands["sign_contract"].json_schema()  # a body that may be left out
    assert "contract_id" in json.dumps(sign)
    assert world.commands["post_need"].path_ids == ()
    for command in world.commands.values():  # unions and optional bodies too
        text = json.dumps(command.json_schema())
        assert all(f'"{path_id}"' in text for path_id in command.path_ids), command.name


async def test_the_buy_path_answers_as_http_does(world: World) -> None:
    posted = await world.send("post_need", steam_need("COAL-01"), "COAL-01", "erp-need-1")
    assert posted.answer is not None and posted.answer.status == 201, posted
    assert posted.dead_letter is None
    need_id = posted.answer.body["id"]
    over_http = await world.http.get(
        f"/v1/needs/{need_id}", headers={"Authorization": world.bearer("COAL-01")}
    )
    assert over_http.json()["matches"] == posted.answer.body["matches"]

    offer = offer_body("HEAT-02", "181.00") | {"need_id": need_id}
    offered = await world.send("submit_offer", offer, "HEAT-02", "erp-offer-1")
    assert offered.answer is not None and offered.answer.status == 201, offered
    again = await world.send("submit_offer", offer, "HEAT-02", "erp-offer-1")
    assert again.answer == offered.answer  # a redelivery: the same answer, one offer
    need = await world.http.get(
        f"/v1/needs/{need_id}", headers={"Authorization": world.bearer("COAL-01")}
    )
    assert [o["offer_id"] for o in need.json()["offers"]] == [offered.answer.body["offer_id"]]

    award = {"need_id": need_id, "offer_id": offered.answer.body["offer_id"]}
    awarded = await world.send("award_need", award, "COAL-01", "erp-award-1")
    assert awarded.answer is not None and awarded.answer.status == 201, awarded
    contract_id = awarded.answer.body["contract_id"]
    signed = await world.send("sign_contract", {"contract_id": contract_id}, "HEAT-02", "s-1")
    assert signed.answer is not None and signed.answer.status == 200, signed
    both = await world.send("sign_contract", {"contract_id": contract_id}, "COAL-01", "s-2")
    assert both.answer is not None and both.answer.body["status"] == "active"
    twice = await world.send("sign_contract", {"contract_id": contract_id}, "COAL-01", "s-3")
    assert twice.answer is not None and (twice.answer.status, twice.answer.code) == (
        409,
        "contract_status",
    )
    assert twice.dead_letter is None  # a refusal is an answer, not a bad message


async def test_bad_messages_are_answered_and_dead_lettered(world: World) -> None:
    unknown = await world.send("buy_everything", {}, "COAL-01", "c-unknown")
    assert unknown.answer is not None and (unknown.answer.status, unknown.answer.code) == (
        422,
        "unknown_command",
    )
    assert unknown.dead_letter is not None and "unknown_command" in unknown.dead_letter

    no_token = await world.send("post_need", steam_need("COAL-01"), None, "c-anon")
    assert no_token.answer is not None and no_token.answer.status == 401
    assert no_token.dead_letter == "401 unauthenticated"

    money_as_number = steam_need("COAL-01", budget_amount=5)
    invalid = await world.send("post_need", money_as_number, "COAL-01", "c-bad")
    http = await world.http.post(
        "/v1/needs",
        json=money_as_number,
        headers={"Authorization": world.bearer("COAL-01")},
    )
    assert invalid.answer is not None and invalid.answer.status == 422
    assert invalid.answer.body == http.json()  # the very 422 HTTP gives
    assert invalid.dead_letter == "422 invalid_request"

    no_path_id = await world.send("sign_contract", {}, "COAL-01", "c-no-id")
    assert no_path_id.answer is not None and no_path_id.answer.status == 422
    assert no_path_id.answer.body["error"]["details"][0]["field"] == "contract_id"

    for value in (b"{not json", b"[1, 2]", json.dumps({"type": "x"}).encode()):
        unreadable = await outcome(value, None, world.commands, world.api)
        assert unreadable.answer is None and unreadable.command_id is None
        assert unreadable.dead_letter is not None and "unparseable" in unreadable.dead_letter


async def test_a_command_id_that_is_no_valid_key_gets_the_422_of_http(world: World) -> None:
    for command_id in ("x" * 201, "bad\ud800id", "tab\tid"):
        refused = await world.send("post_need", steam_need("COAL-01"), "COAL-01", command_id)
        assert refused.answer is not None and refused.answer.status == 422, refused
        assert refused.answer.body["error"]["details"][0]["field"] == "Idempotency-Key"
    not_an_object = await world.send("post_need", ["a", "list"], "COAL-01", "c-list")
    assert not_an_object.answer is not None and not_an_object.answer.status == 422
    assert not_an_object.dead_letter == "422 invalid_request"
