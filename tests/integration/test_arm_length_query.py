"""The arm's-length exceptions as the dashboard asks for them: the newest few, a unit filter
and the count, by the store (SQLite), equal to the whole list cut and filtered in Python."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marketplace.projections import synergy_benefit
from marketplace.projections.changes import Upsert
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.store import ReadModelStore

START = datetime(2027, 3, 1, tzinfo=UTC)
UNITS = ["COAL-01", "HEAT-02", "PWR-01", "SVC-03"]


@pytest.fixture
async def models(tmp_path: Path) -> AsyncIterator[ReadModelStore]:
    store = await open_store(ReadModelLocation(sqlite_path=tmp_path / "read_models.sqlite3"))
    await store.create(synergy_benefit.PROJECTION)
    [table] = synergy_benefit.PROJECTION.tables
    async with store.transaction() as tx:
        for n in range(120):
            beyond = n % 3 != 0  # two in three above the tolerance
            change = Upsert(
                table.name,
                {"contract_id": f"c{n:03d}"},
                {
                    "demand_unit_id": UNITS[n % 4], "supply_unit_id": UNITS[(n + 1) % 4],
                    "demand_sector": "coal", "supply_sector": "heat", "category": "product",
                    "activated_at": START + timedelta(hours=n), "month": "2027-03",
                    "reference_source": "catalog", "reference_unit_price": "100.00",
                    "unit_price": "110.00" if beyond else "101.00", "quantity": "1",
                    "benefit_minor": -1000, "demand_minor": -600, "supply_minor": -400,
                    "tolerance_pct": "5", "excess_pct": "10.00" if beyond else "1.00",
                    "beyond_tolerance": 1 if beyond else 0,
                },
            )  # fmt: skip
            await tx.write(table, change)
    yield store
    await store.close()


async def test_the_newest_few_and_the_count_agree_with_the_whole_list(
    models: ReadModelStore,
) -> None:
    end = START + timedelta(days=30)
    every = await synergy_benefit.exceptions(models, START, end)
    assert len(every) == 80
    assert [r["contract_id"] for r in every][:2] == ["c119", "c118"]  # newest first
    assert await synergy_benefit.exceptions(models, START, end, limit=50) == every[:50]
    assert await synergy_benefit.count_exceptions(models, START, end) == 80
    units = {"COAL-01"}
    mine = [r for r in every if {r["demand_unit_id"], r["supply_unit_id"]} & units]
    assert await synergy_benefit.exceptions(models, START, end, units=units) == mine
    assert await synergy_benefit.exceptions(models, START, end, units=units, limit=5) == mine[:5]
    assert await synergy_benefit.count_exceptions(models, START, end, units) == len(mine) == 40
    assert await synergy_benefit.count_exceptions(models, START, START + timedelta(hours=3)) == 2
