"""`trade_volume.volume_by_span` (the dashboard's months in one scan): each span's rows are
`volume`'s for that window, the API's rows, on both stores; narrowed to units the same way."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

from marketplace.projections import trade_volume
from marketplace.projections.store import ReadModelStore
from tests.integration.test_trade_volume_sums import START, fill, models  # noqa: F401 - fixture


@pytest.mark.both_stores
async def test_each_span_is_its_windows_volume(backend: str, models: ReadModelStore) -> None:  # noqa: F811
    contracts = [(f"U-{i % 3}", f"{10 + i}.05", [f"{i}.01"], i % 28) for i in range(60)]
    contracts.append(("U-9", "1.00", [], 29))  # after the last span: not counted
    await fill(models, contracts)
    bounds = [START + timedelta(days=d, hours=h) for d, h in ((0, 0), (7, 8), (14, 0), (29, 0))]
    windows = list(pairwise(bounds))
    spans = await trade_volume.volume_by_span(models, "supply_unit", bounds)
    assert spans == [await trade_volume.volume(models, "supply_unit", a, b) for a, b in windows]
    assert all(spans) and "U-9" not in {r["key"] for span in spans for r in span}
    units = {"U-1"}
    narrowed = await trade_volume.volume_by_span(models, "supply_unit", bounds, units)
    assert narrowed == [
        await trade_volume.volume(models, "supply_unit", a, b, units) for a, b in windows
    ]
    one = await trade_volume.volume_by_span(models, "supply_unit", bounds[:2])
    assert one == [await trade_volume.volume(models, "supply_unit", *bounds[:2])]
    assert await trade_volume.volume_by_span(models, "supply_unit", bounds[:1]) == []
