"""Inspection findings: recorded with a deadline, overdue after it, rectified once (late or not)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from marketplace.aggregates.base import Actor, DomainError
from marketplace.aggregates.inspection import InspectionFinding

HQ = Actor("HQ", "tok_hq")
UNIT = Actor("COAL-01", "tok_coal")
T = datetime(2027, 3, 1, 9, tzinfo=UTC)
DEADLINE = date(2027, 3, 31)
CONTEXT = {"platform_id": "COAL", "sector": "coal_chemical"}


def finding(rectify_by: date = DEADLINE, issue: str = "incomplete_rules") -> InspectionFinding:
    return InspectionFinding.record(
        "fnd-1", "COAL-01", CONTEXT, issue, "No internal-trade rules", rectify_by, T.date(), HQ, T
    )


def test_a_finding_is_open_until_its_deadline_then_overdue() -> None:
    f = finding()
    assert f.status_on(DEADLINE) == "open"
    assert f.status_on(DEADLINE + timedelta(days=1)) == "overdue"
    assert (f.unit_id, f.context, f.rectified) == ("COAL-01", CONTEXT, False)


def test_rectified_in_time_or_late() -> None:
    in_time, late = finding(), finding()
    in_time.rectify("Rules adopted", DEADLINE, UNIT, T + timedelta(days=30))
    late.rectify("Rules adopted", DEADLINE + timedelta(days=1), UNIT, T + timedelta(days=31))
    assert (in_time.late, late.late) == (False, True)
    assert in_time.status_on(DEADLINE + timedelta(days=99)) == "rectified"
    assert in_time.evidence == "Rules adopted"


def test_refusals() -> None:
    with pytest.raises(DomainError) as info:
        finding(rectify_by=T.date() - timedelta(days=1))
    assert info.value.code == "rectify_by_in_past"
    with pytest.raises(DomainError) as info:
        finding(issue="bad_mood")
    assert info.value.code == "unknown_issue"
    f = finding()
    f.rectify("done", DEADLINE, UNIT, T)
    with pytest.raises(DomainError) as info:
        f.rectify("again", DEADLINE, UNIT, T)
    assert info.value.code == "finding_rectified"


def inspection_cycle() -> list[Any]:
    """Every public inspection event."""
    f = finding()
    f.rectify("Rules adopted by the board", DEADLINE + timedelta(days=2), UNIT, T)
    return list(f.collect_events())
