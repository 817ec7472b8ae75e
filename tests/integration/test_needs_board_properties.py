"""Property: whatever commands a need went through, its needs-board row says what the need says.

The commands run through the handlers on a real SQLite event store; the board is the real
projection caught up into a SQLite read model; "what the need says" is `GET /v1/needs/{id}`'s
answer (`NeedOut`). Refused commands are part of the sequences: they must change nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.adapters.seal import AesGcmSealer
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor, DomainError
from marketplace.aggregates.need import Ground, NeedSpec
from marketplace.api.routes.needs import NeedListItem, NeedOut
from marketplace.bootstrap import event_log_of
from marketplace.demo import organisation_yaml, seed_catalog
from marketplace.handlers import external_sourcing, needs, tenders
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import AppError
from marketplace.handlers.ports import Services
from marketplace.handlers.unit_import import import_units
from marketplace.projections import needs_board
from marketplace.projections.catch_up import catch_up
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.pages import PageRequest
from marketplace.projections.store import ReadModelStore
from tests.integration.conftest import HQ_ADMIN, services_on

DEMAND, MATCHED, OUTSIDER = "COAL-01", ("HEAT-02", "PWR-01"), "HEAT-01"
SUPPLIERS = (*MATCHED, OUTSIDER)


def operator(unit: str) -> Principal:
    return Principal(f"tok_{unit}", unit, frozenset({Role.UNIT_OPERATOR}))


@dataclass
class Market:
    svc: Services
    read_models: ReadModelStore
    runner: asyncio.Runner
    now: list[datetime] = field(default_factory=lambda: [datetime(2027, 3, 1, tzinfo=UTC)])

    def tick(self, by: timedelta = timedelta(seconds=1)) -> None:
        self.now[0] += by


@pytest.fixture(scope="module")
def market() -> Iterator[Market]:
    with tempfile.TemporaryDirectory() as tmp, asyncio.Runner() as runner:
        store = EventSourcingStore(StoreLocation(sqlite_path=Path(tmp) / "events.sqlite3"))
        svc = services_on(store)
        svc.sealer = AesGcmSealer(bytes(32))
        world = Market(svc, runner.run(open_store(ReadModelLocation(Path(tmp) / "rm.db"))), runner)
        svc.clock = lambda: world.now[0]
        import_units(svc, Actor(None, "cli"), organisation_yaml())
        seed_catalog(svc, HQ_ADMIN)
        runner.run(world.read_models.create(needs_board.PROJECTION))
        try:
            yield world
        finally:
            runner.run(world.read_models.close())
            store.close()


@dataclass
class Need:
    """One example's need and what the commands made so far."""

    id: str
    offers: dict[str, str] = field(default_factory=dict)  # supplier → its latest offer
    tender_id: str | None = None
    bids: dict[str, str] = field(default_factory=dict)  # "internal"/"external" → a bid
    requests: list[str] = field(default_factory=list)


Command = Callable[[Market, Need], None]


def offer(supplier: str) -> Command:
    def run(m: Market, n: Need) -> None:
        terms = needs.OfferTerms(
            Decimal("180.50"), Decimal("7"), date(2027, 5, 1), datetime(2030, 1, 1, tzinfo=UTC)
        )
        n.offers[supplier] = needs.submit_offer(m.svc, operator(supplier), n.id, supplier, terms).id

    return run


def withdraw(supplier: str) -> Command:
    def run(m: Market, n: Need) -> None:
        if supplier in n.offers:
            needs.withdraw_offer(m.svc, operator(supplier), n.offers[supplier])

    return run


def award(supplier: str) -> Command:
    def run(m: Market, n: Need) -> None:
        if supplier in n.offers:
            needs.award(m.svc, operator(DEMAND), n.id, n.offers[supplier])

    return run


def tender(m: Market, n: Need) -> None:
    deadline = m.now[0] + timedelta(days=1)
    n.tender_id = tenders.launch_tender(
        m.svc,
        operator(DEMAND),
        n.id,
        [*MATCHED, OUTSIDER],
        deadline,
        "lowest_price",
        Decimal(0),
        None,
    ).id


def bid(internal: bool) -> Command:
    def run(m: Market, n: Need) -> None:
        if n.tender_id is None:
            return
        who, supplier, outside = (
            ("internal", OUTSIDER, None) if internal else ("external", None, "Outside Steam Ltd")
        )
        actor = operator(supplier or DEMAND)
        amount = Decimal("1000.00") if internal else Decimal("900.00")
        n.bids[who] = tenders.submit_bid(
            m.svc, actor, n.tender_id, supplier, outside, amount, date(2027, 5, 1)
        ).id

    return run


def conclude(internal: bool) -> Command:
    def run(m: Market, n: Need) -> None:
        if n.tender_id is None:
            return
        who = "internal" if internal else "external"
        if who not in n.bids:
            bid(internal)(m, n)
        won = n.bids[who]
        m.tick(timedelta(days=2))  # past the deadline
        with suppress(DomainError):  # opened already
            tenders.open_bids(m.svc, operator(DEMAND), n.tender_id)
        tenders.award_tender(m.svc, operator(DEMAND), n.tender_id, won, "test")

    return run


def request_external(partial: bool, then_close: bool = False) -> Command:
    def run(m: Market, n: Need) -> None:
        ground = Ground.INSUFFICIENT_FOR_URGENT_NEED if partial else Ground.NOT_AVAILABLE_INTERNALLY
        quantity = Decimal("3") if partial else None
        _, request_id = external_sourcing.request_external(
            m.svc, operator(DEMAND), n.id, ground, "urgent", quantity
        )
        n.requests.append(request_id)
        external_sourcing.decide_external(m.svc, HQ_ADMIN, request_id, True, None)
        if then_close:
            close_external(m, n)

    return run


def close_external(m: Market, n: Need) -> None:
    external_sourcing.close_external(m.svc, operator(DEMAND), n.id, "Outside Steam Ltd")


def cancel(m: Market, n: Need) -> None:
    needs.cancel_need(m.svc, operator(DEMAND), n.id, "no longer needed")


COMMANDS: list[Command] = [
    *(offer(s) for s in SUPPLIERS),
    *(withdraw(s) for s in SUPPLIERS),
    *(award(s) for s in SUPPLIERS),
    tender,
    bid(True),
    bid(False),
    conclude(True),
    conclude(False),
    request_external(True),
    request_external(False),
    request_external(True, then_close=True),
    request_external(False, then_close=True),
    close_external,
    cancel,
]

numbers = count(1)


def post(m: Market, sourcing: str, quantity: str) -> Need:
    spec = NeedSpec(
        DEMAND,
        f"Steam {next(numbers)}",
        "product",
        "heat",
        "STEAM-LP",
        Decimal(quantity),
        "t",
        date(2027, 4, 1),
        Decimal("230000.00"),
        "regular",
        sourcing,
    )
    return Need(needs.post_need(m.svc, operator(DEMAND), spec).id)


async def board_row(m: Market, need_id: str) -> NeedListItem:
    await catch_up(m.read_models, needs_board.PROJECTION, event_log_of(m.svc.store))
    page = await needs_board.needs_of(m.read_models, DEMAND, None, PageRequest(limit=1))
    [row] = page.items
    assert row["need_id"] == need_id
    return NeedListItem.model_validate(row)


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sourcing=st.sampled_from(["direct", "tender"]),
    quantity=st.sampled_from(["12", "12.50", "10.0000"]),
    commands=st.lists(st.sampled_from(COMMANDS), max_size=8),
)
def test_the_board_row_says_what_the_need_says(
    market: Market, sourcing: str, quantity: str, commands: list[Command]
) -> None:
    market.tick()
    n = post(market, sourcing, quantity)
    for command in commands:
        market.tick()
        with suppress(DomainError, AppError):  # a refusal changes nothing; the property holds
            command(market, n)
    read = needs.read_need(market.svc, operator(DEMAND), n.id)
    need, offers = read.need, read.offers
    said = NeedOut.of(need, offers, market.svc.clock(), demand_side=True)
    row = market.runner.run(board_row(market, n.id))
    # `--hypothesis-show-statistics` shows what the sequences reached
    event(f"{sourcing} {said.status}" + (" with a contract" if said.contract_id else ""))
    assert row.status == said.status
    assert row.open_quantity == said.open_quantity
    assert row.quantity == said.quantity
    assert row.contract_id == said.contract_id
    assert row.offers == len([o for o in said.offers if o.status != "withdrawn"])
    assert row.matched_suppliers == len({m["supplier_unit_id"] for m in said.matches})
    assert (row.title, row.item_code, row.uom) == (said.title, said.item_code, said.uom)
    if said.status == "awarded":
        assert said.open_quantity == "0" and said.contract_id is not None
