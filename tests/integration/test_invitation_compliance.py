"""Invitation compliance against a hand-computed scenario: several units, two quarters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from marketplace.aggregates.base import Actor
from marketplace.demo import organisation_yaml, seed_catalog
from marketplace.handlers import needs, tenders
from marketplace.handlers.ports import Services
from marketplace.handlers.unit_import import import_units
from marketplace.projections import invitation_compliance, sql
from marketplace.projections.catch_up import catch_up
from marketplace.projections.event_log import EventLog
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.store import ReadModelStore
from tests.conftest import POSTGRES_URL, require_broker
from tests.integration.conftest import HQ_ADMIN
from tests.integration.projection_harness import relayed_into, replayed_into
from tests.integration.test_needs import operator, steam

SCENARIO = [  # (launched on, demand unit, item, invitees, omission filing)
    ("2027-02-10", "COAL-01", "STEAM-LP", ["HEAT-02", "PWR-01"], None),
    ("2027-02-15", "COAL-01", "STEAM-LP", ["HEAT-02"], "PWR-01 in overhaul"),
    ("2027-02-20", "COAL-02", "NOT-IN-CATALOG", ["SVC-01"], None),
    ("2027-03-05", "COAL-02", "STEAM-LP", ["HEAT-02", "PWR-01", "SVC-01"], None),
    ("2027-04-10", "HEAT-01", "STEAM-LP", ["PWR-01"], "HEAT-02 is our own sister unit"),
    ("2027-04-20", "COAL-01", "STEAM-LP", ["PWR-01", "HEAT-02"], None),
]


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)


@pytest.fixture
def scenario(svc: Services) -> Services:
    svc.clock = lambda: at("2027-01-05")
    import_units(svc, Actor(None, "cli"), organisation_yaml())
    seed_catalog(svc, HQ_ADMIN)
    for day, unit, item, invitees, filing in SCENARIO:
        svc.clock = lambda day=day: at(day)  # type: ignore[misc]
        spec = steam()
        need = needs.post_need(
            svc,
            operator(unit),
            spec.__class__(
                **{**vars(spec), "demand_unit_id": unit, "item_code": item, "sourcing": "tender"}
            ),
        )
        tenders.launch_tender(
            svc,
            operator(unit),
            need.id,
            invitees,
            at(day) + timedelta(days=7),
            "lowest_price",
            Decimal(0),
            filing,
        )
    return svc


Rates = dict[str, tuple[int, int, int, str]]


async def read_rates(
    read_models: ReadModelStore, group_by: str, start: str | None = None, end: str | None = None
) -> Rates:
    rows: list[dict[str, Any]] = await invitation_compliance.rates(
        read_models,
        group_by,  # type: ignore[arg-type]
        at(start) if start else None,
        at(end) if end else None,
    )
    return {r["key"]: (r["tenders"], r["compliant"], r["exception_filed"], r["rate"]) for r in rows}


async def figures(
    svc: Services, path: Path, group_by: str, start: str | None = None, end: str | None = None
) -> Rates:
    return await replayed_into(
        svc.store,
        path,
        (invitation_compliance.PROJECTION,),
        lambda reader: read_rates(reader, group_by, start, end),
    )


async def test_rates_per_unit_platform_and_quarter(scenario: Services, tmp_path: Path) -> None:
    assert await figures(scenario, tmp_path / "a.db", "demand_unit") == {
        "COAL-01": (3, 2, 1, "0.6667"),
        "COAL-02": (1, 1, 0, "1.0000"),  # the uncatalogued item's tender is not judged
        "HEAT-01": (1, 0, 1, "0.0000"),
    }
    assert await figures(
        scenario, tmp_path / "a.db", "demand_unit", "2027-01-01", "2027-04-01"
    ) == {
        "COAL-01": (2, 1, 1, "0.5000"),
        "COAL-02": (1, 1, 0, "1.0000"),
    }
    assert await figures(scenario, tmp_path / "a.db", "platform") == {
        "COAL": (4, 3, 1, "0.7500"),
        "HEAT": (1, 0, 1, "0.0000"),
    }
    # A from-scratch replay into another read model gives the same figures.
    assert await figures(scenario, tmp_path / "b.db", "platform") == await figures(
        scenario, tmp_path / "a.db", "platform"
    )


@pytest.mark.both_stores
@pytest.mark.parametrize("one_query", [True, False], ids=["one-query", "query-a-month"])
async def test_months_in_one_query_equal_a_query_per_month(
    backend: str,
    one_query: bool,
    scenario: Services,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Either way on either store (each store takes one way by default: see sql.py).
    monkeypatch.setattr(sql, "slices_in_one_query", lambda reader: one_query)
    edges = [at(day) for day in ("2027-02-01", "2027-03-01", "2027-04-01", "2027-04-20")]
    months = list(pairwise(edges))
    if backend == "sqlite":
        location = ReadModelLocation(sqlite_path=tmp_path / "m.db")
    else:
        schema = request.getfixturevalue("pg_schema")
        location = ReadModelLocation(postgres_url=POSTGRES_URL, postgres_schema=schema)
    models = await open_store(location)
    try:
        await models.create(invitation_compliance.PROJECTION)
        await catch_up(models, invitation_compliance.PROJECTION, EventLog(scenario.store))
        sliced = await invitation_compliance.rates_by_slice(models, "platform", months)
        assert sliced == [await invitation_compliance.rates(models, "platform", *m) for m in months]
    finally:
        await models.close()
    # February's two tenders for catalog items, March's one, April's up to (not on) the 20th.
    assert [sum(r["tenders"] for r in rows) for rows in sliced] == [2, 1, 1]


async def test_exceptions_list_the_filed_reasons(scenario: Services, tmp_path: Path) -> None:
    found = await replayed_into(
        scenario.store,
        tmp_path / "c.db",
        (invitation_compliance.PROJECTION,),
        lambda reader: invitation_compliance.exceptions(reader, None, None),
    )
    assert found.next_cursor is None
    assert [
        (e["demand_unit_id"], e["omission_filing"], e["missing_catalog_suppliers"])
        for e in found.items
    ] == [
        ("HEAT-01", "HEAT-02 is our own sister unit", ["HEAT-02"]),
        ("COAL-01", "PWR-01 in overhaul", ["PWR-01"]),
    ]


async def test_fed_from_kafka_the_rates_equal_the_replay(
    scenario: Services, tmp_path: Path
) -> None:
    require_broker()
    replayed = await figures(scenario, tmp_path / "a.db", "platform")

    async def both(read_models: ReadModelStore) -> tuple[Rates, Rates]:
        return (
            await read_rates(read_models, "platform"),
            await read_rates(read_models, "demand_unit", "2027-01-01", "2027-04-01"),
        )

    by_quarter = await figures(
        scenario, tmp_path / "a.db", "demand_unit", "2027-01-01", "2027-04-01"
    )
    assert await relayed_into(
        scenario,
        tmp_path / "k.db",
        (invitation_compliance.PROJECTION,),
        both,
        (replayed, by_quarter),
    ) == (replayed, by_quarter)
