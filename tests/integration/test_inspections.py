"""Inspection findings on both stores: the read model's open, overdue and rectified lists,
fed in-process and from Kafka alike."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from marketplace.handlers import inspections
from marketplace.handlers.ports import Services
from marketplace.projections import inspection_findings
from marketplace.projections.store import ReadModelStore
from tests.conftest import require_broker
from tests.integration.conftest import HQ_ADMIN
from tests.integration.projection_harness import relayed_into, replayed_into
from tests.integration.test_needs import market, operator  # noqa: F401

DAY = date(2027, 3, 1)  # the market fixture's clock


def write_findings(svc: Services) -> None:
    soon = inspections.record_finding(
        svc, HQ_ADMIN, "COAL-01", "incomplete_rules", "no rules", DAY + timedelta(days=10)
    )
    inspections.record_finding(
        svc, HQ_ADMIN, "COAL-02", "not_following_plan", "bought outside", DAY + timedelta(days=40)
    )
    done = inspections.record_finding(
        svc, HQ_ADMIN, "HEAT-01", "prohibited_conduct", "side deal", DAY + timedelta(days=5)
    )
    inspections.rectify_finding(svc, operator("HEAT-01"), done.id, "deal cancelled")
    assert soon.rectify_by < DAY + timedelta(days=20)


async def statuses(reader: ReadModelStore) -> dict[str, Any]:
    later = DAY + timedelta(days=20)
    every = await inspection_findings.findings(reader, later)
    by_status = {
        s: [f["unit_id"] for f in await inspection_findings.findings(reader, later, status=s)]
        for s in ("open", "overdue", "rectified")
    }
    coal = await inspection_findings.findings(reader, later, platform_id="COAL")
    return {
        "every": [(f["unit_id"], f["status"], f["late"]) for f in every],
        "by_status": by_status,
        "coal": sorted(f["unit_id"] for f in coal),
    }


EXPECTED = {
    "every": [
        ("HEAT-01", "rectified", False),
        ("COAL-01", "overdue", None),
        ("COAL-02", "open", None),
    ],
    "by_status": {"open": ["COAL-02"], "overdue": ["COAL-01"], "rectified": ["HEAT-01"]},
    "coal": ["COAL-01", "COAL-02"],
}


async def test_open_overdue_and_rectified_in_both_feeds(
    market: Services,  # noqa: F811
    tmp_path: Path,
) -> None:
    require_broker()
    write_findings(market)
    replayed = await replayed_into(
        market.store, tmp_path / "a.db", (inspection_findings.PROJECTION,), statuses
    )
    assert replayed == EXPECTED
    fed = await relayed_into(
        market, tmp_path / "k.db", (inspection_findings.PROJECTION,), statuses, EXPECTED
    )
    assert fed == EXPECTED
