"""Catalog search: every submitted entry with its review status, and each version's period.

Both tables are fed by events of one aggregate per version, so the rows come out the same
whatever order different versions' events arrive in. "In force on a day" is answered at query
time from the version's status and effective period.
"""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.catalog import (
    CATALOG_TOPIC,
    CatalogEntriesSubmittedV1,
    CatalogEntryApprovedV1,
    CatalogEntryRejectedV1,
    CatalogVersionOpenedV1,
    CatalogVersionPublishedV1,
    CatalogVersionSupersededV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, Source, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT, NULLABLE = ColumnType.TEXT, True

VERSIONS = Table(
    "catalog_search_versions",
    columns=(
        Column("version_id", TEXT),
        Column("period", TEXT),
        Column("effective_from", TEXT),  # YYYY-MM-DD sorts and compares as text
        Column("effective_to", TEXT),
        Column("status", TEXT),
    ),
    key=("version_id",),
    indexes=(("status", "effective_from"),),
)

ENTRIES = Table(
    "catalog_search_entries",
    columns=(
        Column("entry_id", TEXT),
        Column("version_id", TEXT),
        Column("platform_unit_id", TEXT),
        Column("supplier_unit_id", TEXT),
        Column("category", TEXT),
        Column("subcategory", TEXT),
        Column("item_code", TEXT),
        Column("item_name", TEXT),
        Column("item_name_folded", TEXT),
        Column("uom", TEXT),
        Column("reference_price", ColumnType.DECIMAL, NULLABLE),
        Column("capacity", TEXT, NULLABLE),
        Column("regions", TEXT),
        Column("status", TEXT),
        Column("reason", TEXT, NULLABLE),
    ),
    key=("entry_id",),
    indexes=(
        ("item_code", "version_id"),
        ("version_id", "category", "subcategory"),
        ("supplier_unit_id", "version_id"),
        ("item_code", "supplier_unit_id", "entry_id"),  # BY_ITEM: a page without sorting all
    ),
    substring_index="item_name_folded",  # q=: trigrams (pg_trgm, FTS5)
)


def apply(event: CloudEvent) -> list[RowChange]:
    """The rows a catalog event changes."""
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != CATALOG_TOPIC:
        return []
    payload = payload_of(event)
    version = {"version_id": event.subject}
    match payload:
        case CatalogVersionOpenedV1() | CatalogVersionPublishedV1():
            status = "collecting" if isinstance(payload, CatalogVersionOpenedV1) else "published"
            return [
                Upsert(
                    VERSIONS.name,
                    version,
                    {
                        "period": payload.period,
                        "effective_from": payload.effective_from.isoformat(),
                        "effective_to": payload.effective_to.isoformat(),
                        "status": status,
                    },
                )
            ]
        case CatalogVersionSupersededV1():
            return [Upsert(VERSIONS.name, version, {"status": "superseded"})]
        case CatalogEntriesSubmittedV1():
            return [_entry_row(event.subject, e.model_dump()) for e in payload.entries]
        case CatalogEntryApprovedV1():
            return [Upsert(ENTRIES.name, {"entry_id": payload.entry_id}, {"status": "approved"})]
        case CatalogEntryRejectedV1():
            return [
                Upsert(
                    ENTRIES.name,
                    {"entry_id": payload.entry_id},
                    {"status": "rejected", "reason": payload.reason},
                )
            ]
    return []


def _entry_row(version_id: str, e: dict[str, Any]) -> RowChange:
    values: dict[str, Value] = {
        "version_id": version_id,
        "status": "pending",
        "reason": None,
        "regions": ";".join(e.pop("regions")),
        "item_name_folded": e["item_name"].casefold(),
    }
    if e.get("reference_price") is not None:
        e["reference_price"] = Decimal(e["reference_price"])
    entry_id = e.pop("entry_id")
    e.pop("price_breaks", None)  # tiers show on the entry (its version), not in the search
    return Upsert(ENTRIES.name, {"entry_id": entry_id}, values | e)


PROJECTION = Projection(
    name="catalog_search",
    version=2,
    topics=(CATALOG_TOPIC,),
    tables=(VERSIONS, ENTRIES),
    apply=apply,
)

_COLUMNS = [c.name for c in ENTRIES.columns if c.name != "item_name_folded"]
BY_ITEM = Order(ENTRIES, ("item_code", "supplier_unit_id", "entry_id"))
_VERSIONS_JOIN = "catalog_search_versions v ON e.version_id = v.version_id"
_IN_FORCE = Source(
    from_=f"catalog_search_entries e JOIN {_VERSIONS_JOIN}",
    select=f"{', '.join('e.' + c for c in _COLUMNS)}, v.period",
    types=ENTRIES.types | {"period": ColumnType.TEXT},
    alias="e.",
)
# SQLite, which has no statistics here (no ANALYZE) and could not use them for a LIKE of a
# substring anyway, is told how to find q='s entries: either walking the entries in the page's
# order until the page is full (where matches are many, or the query too short for trigrams)…
_SORTED_INDEX = f"{ENTRIES.name}_by_{'_'.join(BY_ITEM.columns)}"
_IN_ORDER = replace(
    _IN_FORCE, from_=f"catalog_search_entries e INDEXED BY {_SORTED_INDEX} JOIN {_VERSIONS_JOIN}"
)
_TEXT = ENTRIES.text_table
# …or from the entries the trigram table finds, where they are fewer than this.
_FEW = 2000


def _from_trigrams(match: int) -> Source:
    """Entries whose folded name holds the phrase of parameter `match`, found first."""
    hits = f"(SELECT rowid AS hit FROM {_TEXT} WHERE {_TEXT} MATCH ${match}) h"
    return replace(
        _IN_FORCE,
        from_=f"{hits} CROSS JOIN catalog_search_entries e ON e.rowid = h.hit "
        f"CROSS JOIN {_VERSIONS_JOIN}",
    )


# Shorter queries hold no trigram: SQLite walks in order for them, PostgreSQL plans a scan.
_TRIGRAM = 3


@dataclass(frozen=True)
class Filters:
    """What `search` looks for: entries in force on `day` (YYYY-MM-DD), and the others given."""

    day: str
    item_code: str | None = None
    category: str | None = None
    subcategory: str | None = None
    supplier_unit_id: str | None = None
    q: str | None = None


async def search(
    reader: RowReader,
    page: PageRequest,
    *,
    day: str,
    item_code: str | None = None,
    category: str | None = None,
    subcategory: str | None = None,
    supplier_unit_id: str | None = None,
    q: str | None = None,
) -> Page:
    """A page of the approved entries of the version in force on `day` (YYYY-MM-DD), filtered,
    by item code, supplier and entry.

    `q` matches entries whose item name holds it, case folded (`str.casefold`)."""
    filters = Filters(day, item_code, category, subcategory, supplier_unit_id, q)
    return await find(reader, page, filters)


async def find(
    reader: RowReader, page: PageRequest, filters: Filters, *, indexed: bool = True
) -> Page:
    """`search`. On SQLite, `indexed=False` leaves out the trigram table: a scan, the same rows
    (for tests and benches to compare); PostgreSQL's planner picks its index itself."""
    params: list[Value] = [filters.day]
    where = [
        "v.status IN ('published', 'superseded')",
        "v.effective_from <= $1",
        "v.effective_to >= $1",
        "e.status = 'approved'",
    ]
    for column, wanted in [
        ("item_code", filters.item_code),
        ("category", filters.category),
        ("subcategory", filters.subcategory),
        ("supplier_unit_id", filters.supplier_unit_id),
    ]:
        if wanted is not None:
            params.append(wanted)
            where.append(f"e.{column} = ${len(params)}")
    source = _IN_FORCE
    if filters.q:
        folded = filters.q.casefold()
        literal = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{literal}%")
        # The condition that decides, on both stores; PostgreSQL's pg_trgm index serves it.
        where.append(f"e.item_name_folded LIKE ${len(params)} ESCAPE '\\'")
        if indexed and getattr(reader, "dialect", None) == "sqlite":
            source = await _sqlite_way(reader, filters, params)
    return await fetch_page(reader, BY_ITEM, where, params, page, source)


async def _sqlite_way(reader: RowReader, filters: Filters, params: list[Value]) -> Source:
    """Where SQLite is to look for the entries holding `filters.q` (see _IN_ORDER)."""
    folded = (filters.q or "").casefold()
    # A supplier's entries are few, and found by its index: there SQLite plans for itself.
    in_order = _IN_FORCE if filters.supplier_unit_id is not None else _IN_ORDER
    if len(folded) < _TRIGRAM:
        return in_order
    # With trigram, a phrase is found where its characters are, in a row: a substring.
    phrase = '"' + folded.replace('"', '""') + '"'
    counted = await reader.fetch(
        f"SELECT count(*) AS n FROM (SELECT 1 FROM {_TEXT} WHERE {_TEXT} MATCH $1 LIMIT {_FEW})",
        [phrase],
        {"n": ColumnType.INTEGER},
    )
    if counted[0]["n"] >= _FEW:
        return in_order
    params.append(phrase)
    return _from_trigrams(len(params))


async def entry_by_id(reader: RowReader, entry_id: str) -> dict[str, Any] | None:
    """One submitted entry's row (any status, any version), or None."""
    rows = await reader.fetch(
        f"SELECT entry_id, version_id, supplier_unit_id, platform_unit_id, item_code, item_name "
        f"FROM {ENTRIES.name} WHERE entry_id = $1",
        [entry_id],
        ENTRIES.types,
    )
    return rows[0] if rows else None
