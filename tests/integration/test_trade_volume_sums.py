"""Trade volume summed by the store: exact to the fen on both stores, past SQLite's 2**63."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from marketplace.events.envelope import CloudEvent, event_id
from marketplace.events.public.contracts import CONTRACTS_TOPIC
from marketplace.projections import sql, trade_volume
from marketplace.projections.changes import Value
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tables import ColumnType, index_name
from marketplace.projections.tracking import TopicEvent, apply_log_batch
from tests.conftest import POSTGRES_URL

ACTOR = {"unit_id": "HQ", "token_id": "test"}
START = datetime(2027, 3, 1, tzinfo=UTC)
# The largest amount `inputs.Money` lets through: 10**17 - 1 fen; 200 of them overflow a
# 64-bit sum of fen (2**63 is about 9.2 * 10**18).
LARGEST = "999999999999999.99"


@pytest.fixture
async def models(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[ReadModelStore]:
    if backend == "sqlite":
        location = ReadModelLocation(sqlite_path=tmp_path / "read_models.sqlite3")
    else:
        schema = request.getfixturevalue("pg_schema")
        location = ReadModelLocation(postgres_url=POSTGRES_URL, postgres_schema=schema)
    store = await open_store(location)
    await store.create(trade_volume.PROJECTION)
    yield store
    await store.close()


def contract_events(
    n: int, supplier: str, amount: str, delivered: list[str], day: int, first: int
) -> list[CloudEvent]:
    """Contract `n`'s award, activation on day `day` of March and deliveries."""
    subject = f"c{n}"
    kinds: list[tuple[str, dict[str, object]]] = [
        (
            "created",
            {
                "need_id": f"n{n}",
                "offer_id": f"o{n}",
                "demand_unit_id": "HEAT-01",
                "supply_unit_id": supplier,
                "business_type": "product",
                "item_code": "STEAM",
                "quantity": "1",
                "unit_price": amount,
                "amount": amount,
                "status": "awaiting_signatures",
                "parties": {"supply_sector": "coal", "demand_sector": "heat", "category": "x"},
            },
        ),
        ("activated", {"amount": amount, "parties": {}}),
    ]
    moment = START + timedelta(days=day)
    for part in delivered:
        kinds.append(
            (
                "delivered",
                {
                    "quantity": "1",
                    "amount": part,
                    "delivered_at": moment.isoformat(),
                    "late": False,
                    "parties": {},
                },
            )
        )
    return [
        CloudEvent(
            id=event_id(subject, version),
            type=f"marketplace.contract.{kind}.v1",
            subject=subject,
            time=moment,
            dataschema=f"urn:marketplace:schema:marketplace.contract.{kind}.v1",
            sequence=first + version,
            aggregateversion=version,
            data=data | {"actor": ACTOR},
        )
        for version, (kind, data) in enumerate(kinds, 1)
    ]


async def fill(models: ReadModelStore, contracts: list[tuple[str, str, list[str], int]]) -> None:
    events: list[TopicEvent] = []
    for n, (supplier, amount, delivered, day) in enumerate(contracts):
        for event in contract_events(n, supplier, amount, delivered, day, len(events)):
            events.append((CONTRACTS_TOPIC, event))
    for i in range(0, len(events), 500):
        chunk = events[i : i + 500]
        await apply_log_batch(models, trade_volume.PROJECTION, chunk, chunk[-1][1].sequence)


def expected(
    contracts: list[tuple[str, str, list[str], int]], days: range | None = None
) -> list[dict[str, object]]:
    totals: dict[str, list[object]] = {}
    for supplier, amount, delivered, day in contracts:
        if days is not None and day not in days:
            continue
        t = totals.setdefault(supplier, [0, Decimal(0), Decimal(0)])
        t[0] = int(str(t[0])) + 1
        t[1] = Decimal(str(t[1])) + Decimal(amount)
        t[2] = Decimal(str(t[2])) + sum((Decimal(d) for d in delivered), Decimal(0))
    return [
        {"key": k, "contracts": c, "amount": f"{a:.2f}", "delivered_amount": f"{d:.2f}"}
        for k, (c, a, d) in sorted(totals.items())
    ]


@pytest.mark.both_stores
async def test_sums_are_exact_to_the_fen(backend: str, models: ReadModelStore) -> None:
    # A tenth of a yuan a thousand times is a float's classic drift; a few fen amounts too.
    contracts = [("COAL-01", "0.10", ["0.01", "0.02"], i % 20) for i in range(1000)]
    contracts += [("COAL-02", "1234.57", ["0.03"], 3), ("PWR-01", "0.01", [], 25)]
    await fill(models, contracts)
    assert await trade_volume.volume(models, "supply_unit", None, None) == expected(contracts)
    assert (await trade_volume.volume(models, "supply_unit", None, None))[0] == {
        "key": "COAL-01",
        "contracts": 1000,
        "amount": "100.00",
        "delivered_amount": "30.00",
    }
    window = (START + timedelta(days=3), START + timedelta(days=10))
    assert await trade_volume.volume(models, "supply_unit", *window) == expected(
        contracts, range(3, 10)
    )


@pytest.mark.both_stores
@pytest.mark.parametrize("one_query", [True, False], ids=["one-query", "query-a-slice"])
async def test_slices_in_one_query_equal_a_query_per_slice(
    backend: str, one_query: bool, models: ReadModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Either way on either store (each store takes one way by default: see sql.py).
    monkeypatch.setattr(sql, "slices_in_one_query", lambda reader: one_query)
    # Days 0..27 of March, 7 or 8 contracts a day; a contract on a slice's first day (its start,
    # the previous one's end) counts in that slice only: day 7 holds 7 + the two largest.
    contracts = [(f"COAL-0{i % 3}", f"{i}.05", [f"0.0{i % 9}"], i % 28) for i in range(200)]
    contracts += [("PWR-01", LARGEST, [], 7), ("PWR-01", LARGEST, [], 7)]
    await fill(models, contracts)
    edges = [START + timedelta(days=d) for d in (0, 7, 8, 14, 28)]
    slices = list(pairwise(edges))
    by_slice = await trade_volume.volume_by_slice(models, "supply_unit", slices)
    assert by_slice == [
        await trade_volume.volume(models, "supply_unit", *window) for window in slices
    ]
    assert [sum(r["contracts"] for r in rows) for rows in by_slice] == [53, 9, 42, 98]
    units = ["COAL-01"]
    assert await trade_volume.volume_by_slice(models, "sector", slices, units) == [
        await trade_volume.volume(models, "sector", *window, units=units) for window in slices
    ]
    with pytest.raises(ValueError, match="follow one another"):
        await trade_volume.volume_by_slice(models, "sector", [slices[0], slices[2]])


@pytest.mark.both_stores
async def test_several_dimensions_at_once_equal_one_query_each(
    backend: str, models: ReadModelStore
) -> None:
    contracts = [(f"COAL-0{i % 3}", f"{i}.05", [f"0.0{i % 9}"], i % 28) for i in range(120)]
    contracts += [("PWR-01", LARGEST, [LARGEST], 5), ("PWR-01", LARGEST, [], 6)]
    await fill(models, contracts)
    dimensions: list[trade_volume.GroupBy] = ["category", "supply_unit", "sector", "demand_unit"]
    for window, units in (
        ((None, None), None),
        ((START + timedelta(days=3), START + timedelta(days=10)), None),
        ((None, None), ["COAL-01", "PWR-01"]),
    ):
        found = await trade_volume.volumes(models, dimensions, *window, units=units)
        assert found == {
            d: await trade_volume.volume(models, d, *window, units=units) for d in dimensions
        }
    assert [r["key"] for r in found["supply_unit"]] == ["COAL-01", "PWR-01"]


@pytest.mark.both_stores
async def test_sums_beyond_a_64_bit_integer_of_fen(backend: str, models: ReadModelStore) -> None:
    contracts = [("COAL-01", LARGEST, [LARGEST], 1) for _ in range(200)]
    contracts.append(("COAL-01", "0.01", ["0.01"], 2))
    await fill(models, contracts)
    [row] = await trade_volume.volume(models, "month", None, None)
    total = Decimal(LARGEST) * 200 + Decimal("0.01")
    assert total * 100 > 2**63  # what a plain SUM of fen would not hold on SQLite
    assert row == {
        "key": "2027-03",
        "contracts": 201,
        "amount": f"{total:.2f}",
        "delivered_amount": f"{total:.2f}",
    }
    # The same by the supplier, the sector, …: SQLite walks their own index for the whole group.
    for group_by in ("supply_unit", "sector", "category"):
        [row] = await trade_volume.volume(models, group_by, None, None)
        assert (row["contracts"], row["amount"]) == (201, f"{total:.2f}"), group_by


def test_an_amount_of_a_fraction_of_a_fen_is_refused_not_rounded() -> None:
    assert trade_volume.minor_units("1234.5") == 123450
    assert trade_volume.minor_units("0.01") == 1
    with pytest.raises(ValueError, match="whole fen"):
        trade_volume.minor_units("0.001")


# ----- a generated group: every figure the store sums equals the sum over its contracts -------

UNITS = ("D1", "D2", "D3", "S1", "S2", "S3")
GROUPS: tuple[trade_volume.GroupBy, ...] = (
    "sector", "demand_unit", "supply_unit", "category", "business_type", "month"
)  # fmt: skip


@dataclass(frozen=True)
class Generated:
    """A contract as the events say it: its parties, kind, amount, deliveries and activation."""

    demand: str
    supply: str
    sector: str
    category: str
    business_type: str
    amount: str
    delivered: tuple[str, ...]
    activated: datetime | None  # None: awarded, never active

    def key(self, group_by: trade_volume.GroupBy) -> str:
        assert self.activated is not None
        return {
            "sector": self.sector,
            "demand_unit": self.demand,
            "supply_unit": self.supply,
            "category": self.category,
            "business_type": self.business_type,
            "month": self.activated.strftime("%Y-%m"),
        }[group_by]


def generated(count: int, seed: int) -> list[Generated]:
    """Contracts activated over some seven months at any second (a few never), with amounts
    from a fen to the largest, and up to three deliveries each."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        fen = rng.choice((1, 10, rng.randrange(1, 10**6), rng.randrange(1, 10**13), 10**17 - 1))
        parts = [rng.randrange(0, fen + 1) // 3 for _ in range(rng.randrange(0, 4))]
        moment = START + timedelta(seconds=rng.randrange(0, 210 * 86400))
        found.append(
            Generated(
                demand=rng.choice(UNITS[:3]),
                supply=rng.choice(UNITS[3:]),
                sector=rng.choice(("power", "heat", "coal_chemical", "")),
                category=rng.choice(("product", "service", "special_task")),
                business_type=rng.choice(("regular", "special")),
                amount=_yuan(fen),
                delivered=tuple(_yuan(p) for p in parts),
                activated=None if rng.random() < 0.05 else moment,
            )
        )
    return found


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def generated_events(contracts: list[Generated]) -> list[TopicEvent]:
    events: list[TopicEvent] = []
    for n, c in enumerate(contracts):
        created = START - timedelta(days=1)
        parties = {
            "demand_unit_id": c.demand,
            "supply_unit_id": c.supply,
            "demand_sector": "heat",
            "supply_sector": c.sector,
            "category": c.category,
        }
        kinds: list[tuple[str, datetime, dict[str, object]]] = [
            ("created", created, {
                "need_id": f"n{n}", "offer_id": f"o{n}", "demand_unit_id": c.demand,
                "supply_unit_id": c.supply, "business_type": c.business_type,
                "item_code": "ITEM", "quantity": "1", "unit_price": c.amount, "amount": c.amount,
                "status": "awaiting_signatures", "parties": parties,
            })
        ]  # fmt: skip
        if c.activated is not None:
            kinds.append(("activated", c.activated, {"amount": c.amount, "parties": parties}))
            for i, part in enumerate(c.delivered, 1):
                moment = c.activated + timedelta(days=i)
                kinds.append(("delivered", moment, {
                    "quantity": "1", "amount": part, "delivered_at": moment.isoformat(),
                    "late": False, "parties": parties,
                }))  # fmt: skip
        for version, (kind, moment, data) in enumerate(kinds, 1):
            event = CloudEvent(
                id=event_id(f"c{n}", version),
                type=f"marketplace.contract.{kind}.v1",
                subject=f"c{n}",
                time=moment,
                dataschema=f"urn:marketplace:schema:marketplace.contract.{kind}.v1",
                sequence=len(events) + 1,
                aggregateversion=version,
                data=data | {"actor": ACTOR},
            )
            events.append((CONTRACTS_TOPIC, event))
    return events


def summed(
    contracts: list[Generated],
    group_by: trade_volume.GroupBy,
    start: datetime | None,
    end: datetime | None,
    units: frozenset[str] | None,
) -> list[dict[str, object]]:
    """What `volume` must answer, summed here in Decimal, contract by contract."""
    totals: dict[str, tuple[int, Decimal, Decimal]] = {}
    for c in contracts:
        if c.activated is None or (start and c.activated < start) or (end and c.activated >= end):
            continue
        if units is not None and c.demand not in units and c.supply not in units:
            continue
        count, amount, delivered = totals.get(c.key(group_by), (0, Decimal(0), Decimal(0)))
        delivered += sum((Decimal(d) for d in c.delivered), Decimal(0))
        totals[c.key(group_by)] = (count + 1, amount + Decimal(c.amount), delivered)
    return [
        {"key": k, "contracts": n, "amount": f"{a:.2f}", "delivered_amount": f"{d:.2f}"}
        for k, (n, a, d) in sorted(totals.items())
    ]


# Whole and open-ended periods; long ones (more than two months: SQLite reads the group's own
# index then), a month and a few hours; bounds at any second.
WINDOWS = [
    (None, None),
    (START, START + timedelta(days=365)),
    (START + timedelta(days=40, hours=7, seconds=3), START + timedelta(days=150, minutes=5)),
    (None, START + timedelta(days=100)),
    (START + timedelta(days=100), None),
    (START + timedelta(days=31), START + timedelta(days=59)),
    (START + timedelta(days=3, hours=2), START + timedelta(days=3, hours=9)),
]


@pytest.mark.both_stores
async def test_every_sum_equals_the_sum_over_the_contracts(
    backend: str, models: ReadModelStore
) -> None:
    contracts = generated(600, seed=15)
    events = generated_events(contracts)
    for i in range(0, len(events), 500):
        chunk = events[i : i + 500]
        await apply_log_batch(models, trade_volume.PROJECTION, chunk, chunk[-1][1].sequence)
    # The set has what could go wrong: several deliveries, the largest amounts, inactive ones.
    assert any(len(c.delivered) > 1 for c in contracts)
    assert any(c.amount == LARGEST for c in contracts)
    assert any(c.activated is None for c in contracts)
    for group_by in GROUPS:
        for start, end in WINDOWS:
            for units in (None, frozenset({"D2", "S3"})):
                found = await trade_volume.volume(models, group_by, start, end, units)
                wanted = summed(contracts, group_by, start, end, units)
                assert found == wanted, (group_by, start, end, units)


class Recording:
    """The store as a reader, keeping the statements `volume` asks it."""

    def __init__(self, store: ReadModelStore) -> None:
        self.store, self.dialect = store, store.dialect
        self.asked: list[tuple[str, list[Value]]] = []

    async def fetch(
        self, sql: str, params: Sequence[Value], types: Mapping[str, ColumnType]
    ) -> list[dict[str, Any]]:
        self.asked.append((sql, list(params)))
        return await self.store.fetch(sql, params, types)


async def plan_of(
    models: ReadModelStore, group_by: trade_volume.GroupBy, *window: datetime | None,
    units: frozenset[str] | None = None,
) -> str:  # fmt: skip
    recording = Recording(models)
    await trade_volume.volume(recording, group_by, *window, units=units)
    [(sql, params)] = recording.asked
    steps = await models.fetch(f"EXPLAIN QUERY PLAN {sql}", params, {})
    return " / ".join(str(step["detail"]) for step in steps)


def ordered_index(column: str) -> str:
    columns = (column, "activated_at", "amount_minor", "delivered_minor")
    return index_name(trade_volume.CONTRACTS.name, columns)


async def test_sqlite_walks_a_long_period_in_the_groups_own_index_unsorted(
    backend: str, models: ReadModelStore
) -> None:
    await fill(models, [("COAL-01", "1.00", ["0.50"], 1), ("PWR-01", "2.00", [], 40)])
    year = (START, START + timedelta(days=365))
    by_time = index_name(trade_volume.CONTRACTS.name, trade_volume.CONTRACTS.indexes[0])
    by_unit = [ordered_index(u) for u in ("demand_unit_id", "supply_unit_id")]
    dimensions = {"sector": "supply_sector", "category": "category",
                  "demand_unit": "demand_unit_id", "supply_unit": "supply_unit_id"}  # fmt: skip
    for group_by, column in dimensions.items():
        own = ordered_index(column)
        for window in (year, (None, None), (START, None)):
            plan = await plan_of(models, group_by, *window)
            assert f"COVERING INDEX {own}" in plan and "TEMP B-TREE" not in plan, plan
        # A month: its contracts alone from the time index; a unit's subtree: its units'
        # contracts of the period, found in the demand and supply units' indexes.
        month = (START, START + timedelta(days=31))
        assert f"INDEX {by_time} (activated_at>? AND activated_at<?)" in await plan_of(
            models, group_by, *month
        )
        plan = await plan_of(models, group_by, *year, units=frozenset({"COAL-01", "HEAT-01"}))
        assert "MULTI-INDEX OR" in plan and all(
            f"INDEX {i} ({u}=? AND activated_at>? AND activated_at<?)" in plan
            for i, u in zip(by_unit, ("demand_unit_id", "supply_unit_id"), strict=True)
        ), plan
