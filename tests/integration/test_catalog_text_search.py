"""Catalog search `q=` through the trigram indexes (FTS5 on SQLite, pg_trgm on PostgreSQL):
the same entries as a plain scan and as `in` on case-folded names, Chinese and short queries
included; the index follows renamed entries and a rebuild's swap."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
import structlog

from marketplace.events.envelope import CloudEvent, event_id
from marketplace.events.public.catalog import CATALOG_TOPIC
from marketplace.projections import catalog_search, tables
from marketplace.projections.catalog_search import Filters, find
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.pages import PageRequest
from marketplace.projections.postgres_store import PostgresReadModels
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tracking import TopicEvent, apply_log_batch
from tests.conftest import POSTGRES_URL

ACTOR = {"unit_id": "HQ", "token_id": "test"}
VERSION = "cat-test"
DAY = "2027-03-01"
NAMES = [
    "蒸汽阀门 DN50",
    "蒸汽管道保温材料",
    "高压蒸汽疏水阀",
    "锅炉给水泵",
    "Steam valve DN50",
    "STEAM TRAP",
    "steam-trap repair kit",
    "Straße pump",
    "STRASSE fitting",
    "100% cotton gloves",
    "valve_body 25%",
    'quoted "steam" hose',
    "back\\slash tool",
    "İstanbul fitting",
    "ΣΊΣΥΦΟΣ seal",
    "Ab",
    "a",
    "  spaced  out  ",
]
QUERIES = [
    "蒸汽",  # two characters: no trigram
    "蒸汽阀",
    "汽阀门",
    "疏水阀",
    "阀",
    "steam",
    "STEAM",
    "Steam Valve",
    "am t",
    "trap",
    "ss",
    "straße",
    "STRASSE",
    "100%",
    "%",
    "_",
    "e_b",
    "25%",
    '"steam"',
    '"',
    "\\",
    "k\\s",
    "i̇stanbul",
    "σίσυφος",
    "ab",
    "a",
    "  ",
    "spaced  out",
    "dn50",
    "no such thing",
    "*",
    "steam OR pump",
    "NEAR(steam",
]


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
    await store.create(catalog_search.PROJECTION)
    yield store
    await store.close()


def catalog_events(names: dict[str, str], first: int = 0) -> list[CloudEvent]:
    """A version opened, `names` (entry id → item name) submitted and approved, published."""
    version = first

    def event(kind: str, data: dict[str, object]) -> CloudEvent:
        nonlocal version
        version += 1
        name = f"marketplace.catalog_version.{kind}.v1"
        return CloudEvent(
            id=event_id(VERSION, version),
            type=name,
            subject=VERSION,
            time=datetime(2026, 12, 1, tzinfo=UTC),
            dataschema=f"urn:marketplace:schema:{name}",
            sequence=version,
            aggregateversion=version,
            data=data | {"actor": ACTOR},
        )

    period = {"period": "2027H1", "effective_from": "2027-01-01", "effective_to": "2027-06-30"}
    entries = [
        {
            "entry_id": entry_id,
            "platform_unit_id": "PWR",
            "supplier_unit_id": f"S-{i % 3}",
            "category": "product",
            "subcategory": "heat",
            "item_code": f"ITEM-{i % 7:03d}",
            "item_name": name,
            "uom": "pc",
            "reference_price": "12.50",
            "regions": ["north"],
        }
        for i, (entry_id, name) in enumerate(sorted(names.items()))
    ]
    out = [] if first else [event("opened", period | {"submission_deadline": "2026-12-01"})]
    out.append(event("entries_submitted", {"platform_unit_id": "PWR", "entries": entries}))
    out += [event("entry_approved", {"entry_id": e}) for e in sorted(names)]
    if not first:
        out.append(event("published", period | {"replaces": None, "entry_count": len(names)}))
    return out


async def fill(models: ReadModelStore, events: list[CloudEvent]) -> None:
    batch: list[TopicEvent] = [(CATALOG_TOPIC, e) for e in events]
    await apply_log_batch(models, catalog_search.PROJECTION, batch, events[-1].sequence)


async def every_hit(
    models: ReadModelStore, q: str, *, indexed: bool, supplier: str | None = None
) -> list[str]:
    """All pages' entry ids (pages of 4, so the cursor goes through the index path too)."""
    found: list[str] = []
    cursor: str | None = None
    filters = Filters(DAY, supplier_unit_id=supplier, q=q)
    while True:
        page = await find(models, PageRequest(4, cursor), filters, indexed=indexed)
        found += [row["entry_id"] for row in page.items]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def expected(names: dict[str, str], q: str) -> set[str]:
    return {e for e, name in names.items() if q.casefold() in name.casefold()}


def supplier_of(names: dict[str, str]) -> dict[str, str]:
    return {e: f"S-{i % 3}" for i, e in enumerate(sorted(names))}  # as catalog_events makes


async def check_agreement(models: ReadModelStore, names: dict[str, str]) -> None:
    suppliers = supplier_of(names)
    for q in QUERIES:
        indexed = await every_hit(models, q, indexed=True)
        assert set(indexed) == expected(names, q), q
        assert indexed == await every_hit(models, q, indexed=False), q
        # With a supplier too (SQLite then leaves the way to its planner, or the trigrams).
        theirs = await every_hit(models, q, indexed=True, supplier="S-1")
        assert set(theirs) == {e for e in expected(names, q) if suppliers[e] == "S-1"}, q
        assert theirs == await every_hit(models, q, indexed=False, supplier="S-1"), q


@pytest.mark.both_stores
@pytest.mark.parametrize("few", [2000, 2], ids=["trigram-table", "walk-when-many"])
async def test_indexed_search_finds_what_a_scan_finds(
    backend: str, models: ReadModelStore, few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite takes the trigram table's entries below `_FEW` of them, else walks in order.
    monkeypatch.setattr(catalog_search, "_FEW", few)
    names = {f"e{i:02d}": name for i, name in enumerate(NAMES)}
    await fill(models, catalog_events(names))
    assert await every_hit(models, "蒸汽", indexed=True) == ["e00", "e01", "e02"]
    assert set(await every_hit(models, "steam", indexed=True)) == {"e04", "e05", "e06", "e11"}
    await check_agreement(models, names)
    if backend == "sqlite":  # both of SQLite's ways were taken above
        params: list[Any] = []
        way = await catalog_search._sqlite_way(models, Filters(DAY, q="steam"), params)
        assert (way is catalog_search._IN_ORDER) == (few == 2)
        way = await catalog_search._sqlite_way(models, Filters(DAY, q="蒸汽阀"), params)
        assert way is not catalog_search._IN_ORDER and "MATCH" in way.from_
        way = await catalog_search._sqlite_way(models, Filters(DAY, q="蒸汽"), params)
        assert way is catalog_search._IN_ORDER


@pytest.mark.both_stores
async def test_a_renamed_entry_is_found_by_its_new_name_only(
    backend: str, models: ReadModelStore
) -> None:
    names = {f"e{i:02d}": name for i, name in enumerate(NAMES)}
    events = catalog_events(names)
    await fill(models, events)
    # Submitted again under the same ids (a correction before publication): rows updated.
    renamed = names | {"e00": "电动执行器", "e04": "Pressure gauge"}
    await fill(models, catalog_events({"e00": renamed["e00"], "e04": renamed["e04"]}, len(events)))
    assert await every_hit(models, "蒸汽阀", indexed=True) == []
    assert await every_hit(models, "执行器", indexed=True) == ["e00"]
    assert await every_hit(models, "gauge", indexed=True) == ["e04"]
    await check_agreement(models, renamed)


async def test_a_rebuilt_sqlite_read_model_has_a_fresh_trigram_table(tmp_path: Path) -> None:
    live = await open_store(ReadModelLocation(sqlite_path=tmp_path / "read_models.sqlite3"))
    try:
        await live.create(catalog_search.PROJECTION)
        stale = {f"e{i:02d}": name for i, name in enumerate(NAMES)}
        await fill(live, catalog_events(stale))
        fresh_names = {"e00": "汽轮机叶片", "x1": "steam turbine blade"}
        scratch = await live.scratch(catalog_search.PROJECTION)
        try:
            # Written by key only: no index nor trigram table until the swap builds them.
            made = await scratch.fetch(
                "SELECT name FROM sqlite_master WHERE sql IS NOT NULL AND type != 'table' "
                "AND tbl_name LIKE 'catalog_search%' OR name LIKE '%_text%'",
                [],
                {},
            )
            assert made == []
            await fill(scratch, catalog_events(fresh_names))
            async with live.swapping(scratch, catalog_search.PROJECTION):
                pass
        finally:
            await scratch.discard()
        assert await every_hit(live, "蒸汽阀", indexed=True) == []
        assert await every_hit(live, "汽轮机", indexed=True) == ["e00"]
        # The trigram table itself: nothing of the old rows left (the LIKE would hide it).
        text = catalog_search.ENTRIES.text_table
        stale_hits = await live.fetch(
            f"SELECT rowid FROM {text} WHERE {text} MATCH $1", ['"蒸汽阀"'], {}
        )
        assert stale_hits == []
        check = sqlite3.connect(tmp_path / "read_models.sqlite3")
        try:  # raises "database disk image is malformed" where index and rows differ
            check.execute(f"INSERT INTO {text}({text}) VALUES ('integrity-check')")
        finally:
            check.close()
        await check_agreement(live, fresh_names)
    finally:
        await live.close()


async def test_rows_older_than_the_trigram_table_are_indexed_when_it_is_made(
    tmp_path: Path,
) -> None:
    # A read model written before the index existed (version 1): its rows are found as soon as
    # the tables are made again at start, before the rebuild a new version brings.
    names = {f"e{i:02d}": name for i, name in enumerate(NAMES)}
    older = replace(
        catalog_search.PROJECTION,
        version=1,
        tables=(catalog_search.VERSIONS, replace(catalog_search.ENTRIES, substring_index=None)),
    )
    path = tmp_path / "read_models.sqlite3"
    models = await open_store(ReadModelLocation(sqlite_path=path))
    try:
        await models.create(older)
        batch: list[TopicEvent] = [(CATALOG_TOPIC, e) for e in catalog_events(names)]
        await apply_log_batch(models, older, batch, batch[-1][1].sequence)
        await models.create(catalog_search.PROJECTION)
        assert await every_hit(models, "蒸汽阀", indexed=True) == ["e00"]
        await check_agreement(models, names)
    finally:
        await models.close()


async def test_postgresql_answers_q_from_its_trigram_index(pg_schema: str) -> None:
    models = await open_store(
        ReadModelLocation(postgres_url=POSTGRES_URL, postgres_schema=pg_schema)
    )
    conn = await asyncpg.connect(POSTGRES_URL, server_settings={"search_path": pg_schema})
    try:
        await models.create(catalog_search.PROJECTION)
        names = {f"e{i:02d}": name for i, name in enumerate(NAMES)}
        await fill(models, catalog_events(names))
        # A bitmap scan is all that is left (so the index path itself is checked): only the
        # trigram index can serve one for a LIKE '%…%'.
        await conn.execute("SET enable_seqscan = off")
        await conn.execute("SET enable_indexscan = off")
        for q in ("蒸汽阀", "steam", "no such thing"):
            sql = "SELECT entry_id FROM catalog_search_entries WHERE item_name_folded LIKE $1"
            plan: list[Any] = await conn.fetch(f"EXPLAIN {sql}", f"%{q.casefold()}%")
            assert "catalog_search_entries_item_name_folded_trgm" in str(plan), plan
            rows = await conn.fetch(sql, f"%{q.casefold()}%")
            assert {r["entry_id"] for r in rows} == expected(names, q), q
    finally:
        await conn.close()
        await models.close()


async def test_a_rebuilt_postgresql_read_model_builds_its_indexes_at_the_swap(
    pg_schema: str,
) -> None:
    live = await open_store(ReadModelLocation(postgres_url=POSTGRES_URL, postgres_schema=pg_schema))
    try:
        await live.create(catalog_search.PROJECTION)
        await fill(live, catalog_events({f"e{i:02d}": name for i, name in enumerate(NAMES)}))
        wanted = await index_names(live, pg_schema)
        assert "catalog_search_entries_item_name_folded_trgm" in wanted
        fresh_names = {"e00": "汽轮机叶片", "x1": "steam turbine blade"}
        scratch = await live.scratch(catalog_search.PROJECTION)
        try:
            assert isinstance(scratch, PostgresReadModels)
            # Written by key only: its keys' indexes, no other until the swap builds them.
            made = await index_names(scratch, scratch.schema)
            assert made and all(name.endswith("_pkey") for name in made), made
            await fill(scratch, catalog_events(fresh_names))
            async with live.swapping(scratch, catalog_search.PROJECTION):
                pass
        finally:
            await scratch.discard()
        assert await index_names(live, pg_schema) == wanted
        assert await every_hit(live, "蒸汽阀", indexed=True) == []
        await check_agreement(live, fresh_names)
    finally:
        await live.close()


async def index_names(models: ReadModelStore, schema: str) -> list[str]:
    rows = await models.fetch(
        "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename LIKE $2 "
        "ORDER BY indexname",
        [schema, "catalog_search%"],
        {},
    )
    return [row["indexname"] for row in rows]


async def test_without_pg_trgm_q_scans_and_a_warning_says_so(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a server without the contrib extensions: the same DDL for an extension missing.
    [statement] = tables._SUBSTRING_INDEX["postgresql"]
    missing = statement.replace("pg_trgm", "pg_trgm_not_installed")
    monkeypatch.setitem(tables._SUBSTRING_INDEX, "postgresql", [missing])
    models = await open_store(
        ReadModelLocation(postgres_url=POSTGRES_URL, postgres_schema=pg_schema)
    )
    try:
        with structlog.testing.capture_logs() as logs:
            await models.create(catalog_search.PROJECTION)
        warnings = [entry for entry in logs if entry["event"] == "read_model_ddl_warning"]
        assert len(warnings) == 1
        assert "searches of catalog_search_entries.item_name_folded scan" in str(warnings[0])
        indexes = await models.fetch(
            "SELECT indexname FROM pg_indexes WHERE schemaname = $1", [pg_schema], {}
        )
        assert not [i for i in indexes if i["indexname"].endswith("_trgm")]
        names = {f"e{i:02d}": name for i, name in enumerate(NAMES)}
        await fill(models, catalog_events(names))
        await check_agreement(models, names)
    finally:
        await models.close()
