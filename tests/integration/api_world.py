"""An in-process API on an embedded SQLite store with the demo group loaded, and its tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from marketplace.api.app import create_app
from marketplace.bootstrap import build_services
from marketplace.demo import seed_demo
from marketplace.handlers.ports import Services
from marketplace.settings import Settings

ADMIN_TOKEN = "api-world-bootstrap-admin-token"


@dataclass
class World:
    """The app, its services, a token per (unit, role) of the demo, and ids of what exists."""

    app: FastAPI
    svc: Services
    tokens: dict[tuple[str, str], str]
    ids: dict[str, str] = field(default_factory=dict)

    def token(self, unit_id: str, role: str) -> str:
        return self.tokens[(unit_id, role)]

    def head(self) -> int:
        return self.svc.store.head()


def demo_world(data_dir: Path) -> World:
    """The demo group of `serve --demo` (chart, published catalog, needs, contracts, a dispute,
    findings) behind an app that is not started yet."""
    settings = Settings(data_dir=data_dir, admin_token=ADMIN_TOKEN)
    svc = build_services(settings)
    issued = seed_demo(svc)
    tokens = {(t.unit_id, str(r)): t.token for t in issued for r in t.roles}
    return World(create_app(settings, svc), svc, tokens)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def created(client: TestClient, token: str, path: str, body: Any, key: str) -> str:
    """POST as `token` and return `key` of the answer, failing loudly on anything but 2xx."""
    answer = client.post(path, json=body, headers=bearer(token))
    assert answer.is_success, f"setting up the world: POST {path} → {answer.text}"
    value = answer.json()[key]
    assert isinstance(value, str)
    return value


def later(days: int) -> str:
    return (datetime.now(tz=UTC) + timedelta(days=days)).isoformat()


def add_tender_and_requests(world: World, client: TestClient) -> None:
    """What the demo lacks: a tender with a sealed bid, an external-sourcing request, a revoked
    token and a deactivated unit's token. Ids land in `world.ids`."""
    hq, coal = world.token("HQ", "hq_admin"), world.token("COAL-02", "unit_operator")
    need = {
        "demand_unit_id": "COAL-02",
        "title": "Process steam for the urea line",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "500",
        "uom": "t",
        "required_by": later(60)[:10],
        "budget_amount": "95000.00",
        "business_type": "regular",
        "sourcing": "tender",
    }
    world.ids["tender_need"] = created(client, coal, "/v1/needs", need, "id")
    world.ids["tender"] = created(
        client,
        coal,
        f"/v1/needs/{world.ids['tender_need']}/tender",
        {"invitees": ["HEAT-02", "PWR-01"], "bid_deadline": later(7)},
        "tender_id",
    )
    world.ids["bid"] = created(
        client,
        world.token("HEAT-02", "unit_operator"),
        f"/v1/tenders/{world.ids['tender']}/bids",
        {"supplier_unit_id": "HEAT-02", "amount": "90000.00", "delivery_date": later(30)[:10]},
        "bid_id",
    )
    direct = need | {"sourcing": "direct", "title": "Steam for the second urea line"}
    world.ids["need"] = created(client, coal, "/v1/needs", direct, "id")
    world.ids["offer"] = created(
        client,
        world.token("HEAT-02", "unit_operator"),
        f"/v1/needs/{world.ids['need']}/offers",
        {
            "supplier_unit_id": "HEAT-02",
            "unit_price": "185.00",
            "quantity": "500",
            "delivery_date": later(30)[:10],
            "valid_until": later(14),
        },
        "offer_id",
    )
    world.ids["external_request"] = created(
        client,
        coal,
        f"/v1/needs/{world.ids['need']}/external-sourcing",
        {"ground": "beyond_internal_capability", "justification": "Needs a licence we lack."},
        "request_id",
    )
    victim = {"unit_id": "COAL-02", "roles": ["unit_operator"], "label": "to be revoked"}
    revoked = client.post("/v1/tokens", json=victim, headers=bearer(hq)).json()
    world.ids["revoked_token"] = revoked["token"]
    assert client.delete(f"/v1/tokens/{revoked['token_id']}", headers=bearer(hq)).is_success
    unit = {
        "id": "COAL-09",
        "name": "Closed Coke Works",
        "level": "enterprise",
        "parent_id": "COAL",
    }
    assert client.post("/v1/units", json=unit, headers=bearer(hq)).is_success
    orphan = client.post(
        "/v1/tokens",
        json={"unit_id": "COAL-09", "roles": ["unit_operator"], "label": "deactivated unit"},
        headers=bearer(hq),
    ).json()
    world.ids["deactivated_token"] = orphan["token"]
    assert client.patch("/v1/units/COAL-09", json={"active": False}, headers=bearer(hq)).is_success
