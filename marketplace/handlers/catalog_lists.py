"""Catalog versions as a list, from the catalog search read model (never by replaying them)."""

from __future__ import annotations

from typing import Any

from marketplace.handlers.ports import ReadModels
from marketplace.projections import catalog_search

# Versions are half-years: a hundred of them is half a century; the list shows that many.
MAX_VERSIONS = 100


async def catalog_versions(models: ReadModels) -> list[dict[str, Any]]:
    """Every catalog version (any token reads any version, as `GET /v1/catalog/versions/{id}`),
    the latest period first: `version_id`, `period`, `effective_from|to`, `status`."""
    reader = await models.reader(catalog_search.PROJECTION.name)
    table = catalog_search.VERSIONS
    columns = ", ".join(c.name for c in table.columns)
    return await reader.fetch(
        f"SELECT {columns} FROM {table.name} "  # noqa: S608 - fixed table and column names
        f"ORDER BY effective_from DESC, version_id LIMIT {MAX_VERSIONS}",
        [],
        table.types,
    )
