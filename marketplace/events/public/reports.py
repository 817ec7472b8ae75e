"""The quarterly reports' public events."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from marketplace.aggregates.report import QuarterlyReport
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

REPORTS_TOPIC = "marketplace.reports"


class QuarterlyReportSubmittedV1(Payload):
    """A unit's quarterly internal-market report, frozen: its subtree's figures then."""

    unit_id: str
    quarter: str = Field(examples=["2027Q1"])
    units: list[str] = Field(description="The units the figures cover (the subtree then).")
    figures: dict[str, Any] = Field(
        description="internal_trade (as_supplier, as_buyer), tenders, external_sourcing, "
        "quality_incidents, disputes"
    )
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(QuarterlyReport, "Submitted"),
        "marketplace.report.quarterly_submitted.v1",
        REPORTS_TOPIC,
        QuarterlyReportSubmittedV1,
    ),
)
