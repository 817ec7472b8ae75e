"""kill -9 of the serving process on SQLite under concurrent writes: after a restart every
acknowledged command is there, none is half applied, the hash chain holds, and the read models
equal a replay of the event store."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from marketplace.projections.registry import PROJECTIONS
from tests.conftest import require_broker
from tests.e2e.conftest import Server, run_cli, service_env, start_server
from tests.e2e.test_event_bus import bus_env
from tests.e2e.test_needs_api import as_unit, offer_body, steam_need
from tests.e2e.test_tenders_api import bid, launch, tender_need

pytestmark = pytest.mark.slow  # load, kill, restart, replay; Kafka groups time out

ACKNOWLEDGED_BEFORE_KILL = 150  # the kill comes once this many commands were acknowledged
Rows = dict[str, list[tuple[Any, ...]]]


@dataclass
class Acks:
    """The commands the service acknowledged (201), by kind; client threads add to it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    needs: dict[str, str] = field(default_factory=dict)  # need → demand unit
    offers: dict[str, str] = field(default_factory=dict)  # offer → need
    awards: dict[str, str] = field(default_factory=dict)  # need → contract
    bids: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)

    def add(self, kind: str, key: str, value: str | None = None) -> None:
        with self.lock:
            found = getattr(self, kind)
            if isinstance(found, dict):
                found[key] = value
            else:
                found.append(key)

    def count(self) -> int:
        with self.lock:
            kinds = (self.needs, self.offers, self.awards, self.bids, self.units)
            return sum(len(k) for k in kinds)


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return dict(response.json())


def trade(server: Server, demand: str, acks: Acks) -> None:
    """Need → two offers → award (need, offers and contract saved together), over and over."""
    buyer = as_unit(server, demand)
    sellers = {s: as_unit(server, s) for s in ("HEAT-02", "PWR-01")}
    while True:
        need_id = created(buyer.post("/v1/needs", json=steam_need(demand)))["id"]
        acks.add("needs", need_id, demand)
        offers = []
        for supplier, client in sellers.items():
            body = offer_body(supplier, "180.00")
            offers.append(created(client.post(f"/v1/needs/{need_id}/offers", json=body)))
            acks.add("offers", offers[-1]["offer_id"], need_id)
        award = buyer.post(f"/v1/needs/{need_id}/award", json={"offer_id": offers[0]["offer_id"]})
        acks.add("awards", need_id, created(award)["contract_id"])


def bidding(server: Server, tender_id: str, acks: Acks) -> None:
    """Sealed bids on one tender (tender and bid saved together): two invited suppliers and
    the buyer's external bids, each bidder's latest replacing its earlier ones."""
    bidders = [
        (as_unit(server, "HEAT-02"), {"supplier_unit_id": "HEAT-02"}),
        (as_unit(server, "PWR-01"), {"supplier_unit_id": "PWR-01"}),
        (as_unit(server, "COAL-01"), {"external_supplier": "Outside Steam Ltd"}),
    ]
    n = 0
    while True:
        client, who = bidders[n % 3]
        made = created(bid(client, tender_id, f"{1000 + n}.{n % 100:02d}", **who))
        acks.add("bids", made["bid_id"])
        n += 1


def registering(server: Server, acks: Acks) -> None:
    """HQ registers enterprises: each a new version of the one organisation aggregate."""
    n = 0
    while True:
        unit_id = f"KILL-{n:04d}"
        body = {"id": unit_id, "name": f"Plant {n}", "level": "enterprise", "parent_id": "PWR"}
        created(server.admin.post("/v1/units", json=body))
        acks.add("units", unit_id)
        n += 1


@dataclass
class Clients:
    """Threads writing until the service dies."""

    threads: list[threading.Thread] = field(default_factory=list)
    cut_off: list[str] = field(default_factory=list)  # stopped by the connection going away
    errors: list[str] = field(default_factory=list)  # stopped by anything else

    def start(self, *works: Callable[[], None]) -> None:
        for work in works:
            self.threads.append(threading.Thread(target=self._run, args=(work,), daemon=True))
            self.threads[-1].start()

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except httpx.TransportError as exc:  # the command in flight: outcome unknown, uncounted
            self.cut_off.append(repr(exc))
        except BaseException as exc:
            self.errors.append(repr(exc))

    def join(self) -> None:
        for thread in self.threads:
            thread.join(30)


def projection_rows(path: Path) -> Rows:
    """Every read model table's rows (tracking tables differ by feed, so they are left out)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return {
            table.name: sorted(conn.execute(f'SELECT * FROM "{table.name}"').fetchall(), key=repr)
            for projection in PROJECTIONS
            for table in projection.tables
        }


def replay(env: dict[str, str]) -> Path:
    """`marketplace audit replay` of the whole store into a file of its own."""
    moment = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    done = run_cli(env, "audit", "replay", "--as-of", moment)
    assert done.returncode == 0, done.stderr
    (path,) = Path(env["MARKETPLACE_DATA_DIR"]).glob("read_models.asof-*.sqlite3")
    return path


@pytest.mark.parametrize("mode", ["embedded", "all-in-one"])
def test_kill_9_under_load_loses_no_acknowledged_command(tmp_path: Path, mode: str) -> None:
    """`embedded`: the default `serve` (API, in-process read models, audit chain) in one
    process; `all-in-one`: with the Kafka relay and Kafka-fed projection workers in it too."""
    if mode == "all-in-one":
        require_broker()
        env, args = bus_env(tmp_path)[1], ("--all-in-one",)
    else:
        env, args = service_env(tmp_path, "sqlite", None), ()
    first = start_server(env, "--demo", *args)
    acks, clients = Acks(), Clients()
    try:
        coal = as_unit(first, "COAL-01")
        launched = launch(coal, tender_need(coal), ["HEAT-02", "PWR-01"], seconds=3600)
        tender_id = created(launched)["tender_id"]
        clients.start(
            lambda: trade(first, "COAL-01", acks),
            lambda: trade(first, "SVC-01", acks),
            lambda: bidding(first, tender_id, acks),
            lambda: registering(first, acks),
        )
        deadline = time.monotonic() + 60
        while acks.count() < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.01)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
        clients.join()
    finally:
        first.stop()
    assert clients.errors == []
    assert len(clients.cut_off) == len(clients.threads)  # every client was writing until then
    assert acks.count() >= ACKNOWLEDGED_BEFORE_KILL

    second = start_server(env, *args)
    second.tokens = first.tokens
    try:
        check_every_acknowledged_command_is_there(second, acks, tender_id)
        verified = second.client(second.token("HQ", "auditor")).get("/v1/audit/verify").json()
        assert verified["ok"] is True, verified
        replayed = projection_rows(replay(env))
        assert len(replayed["needs_board_items"]) > len(acks.needs)  # the load is in it
        live: Rows = {}
        # Kafka-fed read models resume once the killed process's consumers have left their
        # groups (a session timeout, about 10 s); in-process ones at their next poll.
        deadline = time.monotonic() + 60
        while live != replayed and time.monotonic() < deadline:
            time.sleep(0.2)
            live = projection_rows(tmp_path / "data" / "read_models.sqlite3")
        assert live == replayed
        check_no_command_is_half_applied(second, replayed, tender_id)
    finally:
        second.stop()


def check_every_acknowledged_command_is_there(server: Server, acks: Acks, tender_id: str) -> None:
    """Each read by its id from the event store (not from read models)."""
    auditor = server.client(server.token("HQ", "auditor"))
    for need_id, demand in acks.needs.items():
        need = as_unit(server, demand).get(f"/v1/needs/{need_id}")
        assert need.status_code == 200, need.text
        offers = {o["offer_id"] for o in need.json()["offers"]}
        assert {o for o, n in acks.offers.items() if n == need_id} <= offers
        if need_id in acks.awards:
            assert need.json()["contract_id"] == acks.awards[need_id]
    for bid_id in acks.bids:
        assert auditor.get(f"/v1/audit/{bid_id}/events").status_code == 200
    tender_events = every_event(auditor, tender_id)
    assert set(acks.bids) <= {e["data"].get("bid_id") for e in tender_events}
    for unit_id in acks.units:
        assert server.admin.get(f"/v1/units/{unit_id}").status_code == 200


def every_event(auditor: httpx.Client, aggregate_id: str) -> list[dict[str, Any]]:
    """The aggregate's whole history: every page of it (a tender under load has more events
    than one page holds)."""
    events: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": 500} | ({"cursor": cursor} if cursor else {})
        page = auditor.get(f"/v1/audit/{aggregate_id}/events", params=params)
        assert page.status_code == 200, page.text
        events += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return events


def check_no_command_is_half_applied(server: Server, replayed: Rows, tender_id: str) -> None:
    """Acknowledged or not, a command saved all its aggregates or none: every need in the
    store that is awarded has its contract and one awarded offer, one that is not has
    neither; every bid the tender recorded exists."""
    auditor, hq = server.client(server.token("HQ", "auditor")), server.admin
    for need_id, *_ in replayed["needs_board_items"]:
        need = hq.get(f"/v1/needs/{need_id}").json()
        statuses = [o["status"] for o in need["offers"]]
        if need["status"] == "awarded":
            assert hq.get(f"/v1/contracts/{need['contract_id']}").status_code == 200
            assert statuses.count("awarded") == 1
        else:
            assert need["contract_id"] is None and "awarded" not in statuses
    for event in every_event(auditor, tender_id):
        if "bid_id" in event["data"]:
            assert auditor.get(f"/v1/audit/{event['data']['bid_id']}/events").status_code == 200
