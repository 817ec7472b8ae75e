"""Trade volume summed by the store: exact to the fen on both stores, past SQLite's 2**63."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from marketplace.events.envelope import CloudEvent, event_id
from marketplace.events.public.contracts import CONTRACTS_TOPIC
from marketplace.projections import trade_volume
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.store import ReadModelStore
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


def test_an_amount_of_a_fraction_of_a_fen_is_refused_not_rounded() -> None:
    assert trade_volume.minor_units("1234.5") == 123450
    assert trade_volume.minor_units("0.01") == 1
    with pytest.raises(ValueError, match="whole fen"):
        trade_volume.minor_units("0.001")
