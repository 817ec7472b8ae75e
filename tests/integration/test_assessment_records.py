"""The annual assessment's records, every unit's at once (`assessments.year_records`: grouped
queries over the year's rows, each count given to the units above it), equal the records read
unit by unit from each subtree's rows (the path it replaced, kept here), over a generated group
on both stores: facts of units, of needs and of disputes on both sides of the year's bounds, in
a zone ahead of UTC, findings due or not, rectified late or in time, reports submitted or not,
meeting action items done by their due day (in the group's zone), late, or not yet."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from marketplace.aggregates.assessment import YearRecord
from marketplace.aggregates.inspection import finding_status
from marketplace.aggregates.organisation import Level
from marketplace.aggregates.report import Quarter, figures_of
from marketplace.handlers import reports, units
from marketplace.handlers.assessments import year_records
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services
from marketplace.projections import inspection_findings, meeting_list, report_facts
from marketplace.projections.changes import Upsert
from marketplace.projections.location import ReadModelLocation
from marketplace.projections.location import open_store as open_read_models
from marketplace.projections.meeting_list import MOMENT, TEXT
from marketplace.projections.store import ReadModelStore, RowReader
from tests.conftest import POSTGRES_URL
from tests.integration.conftest import HQ_ADMIN, StoreFactory, services_on

pytestmark = pytest.mark.both_stores

YEAR = 2027
ZONE = ZoneInfo("Asia/Shanghai")  # the year's bounds are not UTC midnights
METRICS = [
    "sold",
    "bought",
    "delivered_sold",
    "tenders",
    "tenders_compliant",
    "tenders_exception_filed",
    "incidents_against",
    "incidents_raised",
    "external_requested",
]
DISPUTE_METRICS = ["disputes_raised", "disputes_to_mediation", "disputes_closed"]


async def items_by_hand(
    items: RowReader, subtree: list[str], year: int, on: date, svc: Services
) -> tuple[int, int]:
    """The subtree's action items due in the year and judged on `on`, and those done by their
    due day: each row read and judged one at a time."""
    rows = await items.fetch(
        f"SELECT owner_unit_id, due, done_at FROM {meeting_list.ACTION_ITEMS.name}",
        [],
        {"owner_unit_id": TEXT, "due": TEXT, "done_at": MOMENT},
    )
    due = on_time = 0
    for row in rows:
        day = date.fromisoformat(row["due"])
        if row["owner_unit_id"] not in subtree or day.year != year:
            continue
        done = row["done_at"]
        if done is None and day >= on:
            continue  # open, not due yet: not judged
        due += 1
        on_time += done is not None and done.astimezone(svc.zone).date() <= day
    return due, on_time


async def unit_by_unit(
    svc: Services,
    facts: RowReader,
    findings: RowReader,
    items: RowReader,
    unit_id: str,
    year: int,
    on: date,
) -> YearRecord:
    """The unit's subtree's record as `assessments.year_record` read it before: the subtree's
    rows, queried for the one unit."""
    subtree = await asyncio.to_thread(reports.subtree, svc, unit_id)
    start = datetime.combine(date(year, 1, 1), time(), svc.zone)
    end = datetime.combine(date(year + 1, 1, 1), time(), svc.zone)
    totals = await report_facts.totals(facts, subtree, start, end)

    def count(metric: str) -> int:
        return totals.get(metric, (0, Decimal(0)))[0]

    due = [
        f
        for f in await inspection_findings.due_between(
            findings, subtree, date(year, 1, 1), date(year + 1, 1, 1)
        )
        if finding_status(bool(f["rectified"]), date.fromisoformat(f["rectify_by"]), on) != "open"
    ]
    reports_due, reports_submitted = 0, 0
    if chart(svc).get(unit_id).level is Level.PLATFORM:
        ended = [q for n in range(1, 5) if (q := Quarter(year, n)).next_first_day <= on]
        found = [reports.submitted(svc, unit_id, q) for q in ended]
        reports_due, reports_submitted = len(ended), sum(r is not None for r in found)
    items_due, items_on_time = await items_by_hand(items, subtree, year, on, svc)
    return YearRecord(
        tenders_for_catalog_items=count("tenders_compliant") + count("tenders_exception_filed"),
        tenders_compliant=count("tenders_compliant"),
        contracts_as_supplier=count("sold"),
        incidents_against=count("incidents_against"),
        findings_due=len(due),
        findings_rectified_on_time=sum(bool(f["rectified"] and not f["late"]) for f in due),
        reports_due=reports_due,
        reports_submitted=reports_submitted,
        disputes_raised=count("disputes_raised"),
        disputes_closed=count("disputes_closed"),
        action_items_due=items_due,
        action_items_on_time=items_on_time,
    )


def write_group(svc: Services, rng: random.Random) -> list[str]:
    """HQ, three platforms, enterprises under them and under enterprises; some platforms'
    quarterly reports submitted. The units' ids."""

    def register(uid: str, level: Level, parent: str | None, sector: str | None) -> None:
        units.register_unit(svc, HQ_ADMIN, units.RegisterUnit(uid, uid, level, parent, sector))

    register("HQ", Level.GROUP, None, None)
    for p, sector in enumerate(("power", "heat", "coal_chemical")):
        platform = f"P{p}"
        register(platform, Level.PLATFORM, "HQ", sector)
        for e in range(rng.randint(3, 5)):
            enterprise = f"{platform}-E{e}"
            register(enterprise, Level.ENTERPRISE, platform, None)
            for s in range(rng.randint(0, 2)):
                register(f"{enterprise}-S{s}", Level.ENTERPRISE, enterprise, None)
    svc.clock = lambda: datetime(YEAR, 10, 2, tzinfo=UTC)
    org = chart(svc)
    for platform, quarters in (("P0", (1, 2, 3)), ("P1", (2,))):
        subtree = reports.subtree(svc, platform)
        for n in quarters:
            reports.submit_report(
                svc, HQ_ADMIN, platform, Quarter(YEAR, n), subtree, figures_of({})
            )
    return sorted(org.units)


def some_time(rng: random.Random) -> datetime:
    """Mostly in the year, some just outside, some on its bounds (in the group's zone)."""
    start = datetime(YEAR, 1, 1, tzinfo=ZONE)
    end = datetime(YEAR + 1, 1, 1, tzinfo=ZONE)
    pick = rng.random()
    if pick < 0.05:
        return start
    if pick < 0.1:
        return end
    if pick < 0.2:
        return rng.choice((start, end)) + timedelta(hours=rng.uniform(-10, 10))
    return start + timedelta(days=rng.uniform(0, 365))


async def write_rows(models: ReadModelStore, chart_units: list[str], rng: random.Random) -> None:
    """The read models' rows as the projections keep them, generated."""
    parties = [*chart_units, "GONE-01"]  # a unit the chart does not have (any more)
    needs = {f"need-{n}": rng.choice(parties) for n in range(40)}
    disputes = {f"dispute-{n}": (rng.choice(parties), rng.choice(parties)) for n in range(40)}
    facts: list[Upsert] = []
    for n in range(900):
        values: dict[str, Any] = {"unit_id": None, "need_id": None, "dispute_id": None}
        kind = rng.random()
        if kind < 0.6:
            metric, values["unit_id"] = rng.choice(METRICS), rng.choice(parties)
        elif kind < 0.75:  # some needs are not in the lookup table
            metric, values["need_id"] = rng.choice(METRICS), f"need-{rng.randrange(45)}"
        else:  # nor some disputes
            metric, values["dispute_id"] = (
                rng.choice(DISPUTE_METRICS),
                f"dispute-{rng.randrange(45)}",
            )
        values |= {"metric": metric, "at": some_time(rng), "amount": Decimal(rng.randrange(100))}
        facts.append(Upsert(report_facts.FACTS.name, {"fact_id": f"fact-{n}"}, values))
    findings: list[Upsert] = []
    for n in range(300):
        rectified = rng.random() < 0.5
        values = {
            "unit_id": rng.choice(parties),
            "platform_id": "",
            "sector": "",
            "issue": "issue",
            "description": "described",
            "rectify_by": (date(YEAR, 1, 1) + timedelta(days=rng.randint(-15, 380))).isoformat(),
            "recorded_at": datetime(YEAR - 1, 12, 1, tzinfo=UTC),
            "rectified": rectified,
            "rectified_at": datetime(YEAR, 6, 1, tzinfo=UTC) if rectified else None,
            "late": rng.choice((True, False, False, None)) if rectified else None,
            "evidence": "done" if rectified else None,
        }
        findings.append(Upsert(inspection_findings.FINDINGS.name, {"finding_id": f"f-{n}"}, values))
    items: list[Upsert] = []
    for n in range(200):
        due = date(YEAR, 1, 1) + timedelta(days=rng.randint(-10, 375))
        # Done before, on (late in UTC, in time in the zone ahead of it) or after the due day.
        done = datetime.combine(due, time(), ZONE) + timedelta(hours=rng.uniform(-72, 72))
        values = {
            "meeting_id": "meeting-1",
            "owner_unit_id": rng.choice(parties),
            "due": due.isoformat(),
            "text": "follow up",
            "assigned_at": datetime(YEAR - 1, 12, 1, tzinfo=UTC),
            "done_at": done if rng.random() < 0.6 else None,
            "evidence": None,
        }
        items.append(Upsert(meeting_list.ACTION_ITEMS.name, {"action_item_id": f"i-{n}"}, values))
    async with models.transaction() as tx:
        await tx.write_many(meeting_list.ACTION_ITEMS, items)
        await tx.write_many(
            report_facts.NEEDS,
            [
                Upsert(report_facts.NEEDS.name, {"need_id": k}, {"demand_unit_id": v})
                for k, v in needs.items()
            ],
        )
        await tx.write_many(
            report_facts.DISPUTES,
            [
                Upsert(
                    report_facts.DISPUTES.name,
                    {"dispute_id": k},
                    {"raiser_unit_id": raiser, "against_unit_id": against},
                )
                for k, (raiser, against) in disputes.items()
            ],
        )
        await tx.write_many(report_facts.FACTS, facts)
        await tx.write_many(inspection_findings.FINDINGS, findings)


@pytest.fixture
async def models(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[ReadModelStore]:
    if backend == "sqlite":
        location = ReadModelLocation(sqlite_path=tmp_path / "read_models.sqlite3")
    else:
        schema = f"{request.getfixturevalue('pg_schema')}_read_models"  # dropped with it
        location = ReadModelLocation(postgres_url=POSTGRES_URL, postgres_schema=schema)
    store = await open_read_models(location)
    await store.create(report_facts.PROJECTION)
    await store.create(inspection_findings.PROJECTION)
    await store.create(meeting_list.PROJECTION)
    yield store
    await store.close()


@pytest.mark.parametrize("seed", [3, 17])
async def test_every_units_record_at_once_equals_unit_by_unit(
    open_store: StoreFactory, models: ReadModelStore, seed: int
) -> None:
    rng = random.Random(seed)
    svc = services_on(open_store())
    svc.zone = ZONE
    chart_units = await asyncio.to_thread(write_group, svc, rng)
    await write_rows(models, chart_units, rng)
    for on in (date(YEAR, 9, 15), date(YEAR + 1, 1, 1)):  # findings open, reports due vary
        at_once = await year_records(svc, models, models, models, chart_units, YEAR, on)
        one_by_one = {
            u: await unit_by_unit(svc, models, models, models, u, YEAR, on) for u in chart_units
        }
        assert at_once == one_by_one, on
        # Not vacuous: the group's record counts every kind of row.
        assert all(vars(at_once["HQ"])[f] > 0 for f in vars(at_once["HQ"]) if "report" not in f)
        assert at_once["P0"].reports_submitted > 0 and at_once["P0"].reports_due > 0
    # A few units asked for: each counted as when asked for alone.
    few = ["P1", "P1-E0", "P2"]
    on = date(YEAR, 9, 15)
    assert await year_records(svc, models, models, models, few, YEAR, on) == {
        u: await unit_by_unit(svc, models, models, models, u, YEAR, on) for u in few
    }
