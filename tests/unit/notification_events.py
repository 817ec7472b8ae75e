"""Real public events for the notification tests, built with the payload models.

The chart: HQ (group) → PWR (power platform) → PWR-01, PWR-02 and PWR-01-A (under PWR-01);
HQ → COAL (coal platform) → COAL-01. PWR-01 buys; PWR-02 and COAL-01 are the catalog
suppliers of the item; HEAT-09 offers without being matched.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from marketplace.events.envelope import CloudEvent
from marketplace.events.public import (
    contracts,
    disputes,
    inspections,
    meetings,
    needs,
    offers,
    tenders,
    visits,
)
from marketplace.events.public.payload import ActorV1, Payload
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.notifications.routing import UnitFacts

T0 = datetime(2027, 3, 1, 1, 30, tzinfo=UTC)
DEMAND, MATCHED, OTHER_MATCH, UNMATCHED = "PWR-01", "PWR-02", "COAL-01", "HEAT-09"
BUDGET = "987650.00"  # the demand side's budget: never for a supplier's eyes
UNITS = {
    u.unit_id: u
    for u in (
        UnitFacts("HQ", None, "group", "zh-CN"),
        UnitFacts("PWR", "HQ", "platform", "zh-CN"),
        UnitFacts("COAL", "HQ", "platform", "en"),
        UnitFacts(DEMAND, "PWR", "enterprise", "zh-CN"),
        UnitFacts("PWR-01-A", DEMAND, "enterprise", "zh-CN"),
        UnitFacts(MATCHED, "PWR", "enterprise", "en"),
        UnitFacts(OTHER_MATCH, "COAL", "enterprise", "zh-CN"),
    )
}
_sequence = count(1)
_NAME_OF = {row.payload: name for name, row in PUBLIC_TYPES.items()}


def by(unit_id: str | None) -> ActorV1:
    return ActorV1(unit_id=unit_id, token_id="tok_1")


def event(subject: str, payload: Payload, version: int = 1, name: str | None = None) -> CloudEvent:
    """A public event as the relay would publish it (`name` for a type not registered here)."""
    kind = name or _NAME_OF[type(payload)]
    return CloudEvent(
        id=f"{subject}/{version}",
        type=kind,
        subject=subject,
        time=T0 + timedelta(minutes=version),
        dataschema=f"urn:marketplace:schema:{kind}",
        sequence=next(_sequence),
        aggregateversion=version,
        data=payload.model_dump(mode="json"),
    )


def need_posted(
    need_id: str = "need-1",
    demand: str = DEMAND,
    suppliers: tuple[str, ...] = (MATCHED, OTHER_MATCH),
    sourcing: str = "direct",
) -> CloudEvent:
    spec = needs.NeedSpecV1(
        demand_unit_id=demand,
        title="Low-pressure steam pipe",
        category="product",
        subcategory="pipes",
        item_code="PIPE-LP-200",
        quantity="120",
        uom="m",
        required_by=date(2027, 4, 30),
        budget_amount=BUDGET,
        business_type="regular",
        sourcing=sourcing,
    )
    matches = [
        needs.MatchV1(
            entry_id=f"e-{s}", supplier_unit_id=s, item_code="PIPE-LP-200", reference_price="410.00"
        )
        for s in suppliers
    ]
    return event(
        need_id,
        needs.NeedPostedV1(
            spec=spec,
            context={"demand_platform_id": "PWR"},
            catalog_version_id="cat-1",
            matches=matches,
            actor=by(demand),
        ),
    )


def need_posted_v2(
    need_id: str = "need-1", suppliers: tuple[str, ...] = (MATCHED, OTHER_MATCH)
) -> CloudEvent:
    """need.posted.v2: v1's payload with a delivery location."""
    v1 = needs.NeedPostedV1.model_validate(need_posted(need_id, suppliers=suppliers).data)
    site = needs.DeliveryLocationV1(site="Plant 2", address="1 Harbour Road")
    spec = needs.NeedSpecV2(**dict(v1.spec), delivery_location=site)
    return event(need_id, needs.NeedPostedV2(**{**dict(v1), "spec": spec}))


def offer_received(
    supplier: str, offer_id: str, version: int, need_id: str = "need-1"
) -> CloudEvent:
    return event(
        need_id,
        needs.NeedOfferReceivedV1(
            offer_id=offer_id,
            supplier_unit_id=supplier,
            matched=supplier != UNMATCHED,
            actor=by(supplier),
        ),
        version,
    )


def offer_withdrawn(
    supplier: str, offer_id: str, version: int, need_id: str = "need-1"
) -> CloudEvent:
    return event(
        need_id,
        needs.NeedOfferWithdrawnV1(
            offer_id=offer_id,
            supplier_unit_id=supplier,
            matched=supplier != UNMATCHED,
            actor=by(supplier),
        ),
        version,
    )


def offer_submitted(offer_id: str, supplier: str, price: str = "405.00") -> CloudEvent:
    return event(
        offer_id,
        offers.OfferSubmittedV1(
            need_id="need-1",
            demand_unit_id=DEMAND,
            supplier_unit_id=supplier,
            unit_price=price,
            quantity="120",
            delivery_date=date(2027, 4, 20),
            valid_until=T0 + timedelta(days=30),
            actor=by(supplier),
        ),
    )


def tender_launched(invitees: tuple[str, ...] = (MATCHED, OTHER_MATCH)) -> CloudEvent:
    return event(
        "ten-1",
        tenders.TenderLaunchedV1(
            need_id="need-1",
            demand={"demand_unit_id": DEMAND, "demand_platform_id": "PWR"},
            item_code="PIPE-LP-200",
            catalog_version_id="cat-1",
            required_suppliers=[MATCHED, OTHER_MATCH],
            invitees=list(invitees),
            missing_catalog_suppliers=[],
            omission_filing=None,
            compliance="compliant",
            bid_deadline=datetime(2027, 3, 8, 9, 0, tzinfo=UTC),
            evaluation="lowest_price",
            margin_pct="0",
            actor=by(DEMAND),
        ),
    )


def bid_received(bidder: str, version: int, replaces: str | None = None) -> CloudEvent:
    internal = not bidder.startswith("external:")
    return event(
        "ten-1",
        tenders.TenderBidReceivedV1(
            bid_id=f"bid-{version}",
            bidder=bidder,
            internal=internal,
            replaces=replaces,
            actor=by(bidder if internal else DEMAND),
        ),
        version,
    )


def contract_created(status: str = "awaiting_signatures") -> CloudEvent:
    return event(
        "con-1",
        contracts.ContractCreatedV1(
            need_id="need-1",
            offer_id="off-1",
            demand_unit_id=DEMAND,
            supply_unit_id=MATCHED,
            business_type="regular",
            item_code="PIPE-LP-200",
            quantity="120",
            unit_price="405.00",
            amount="48600.00",
            status=status,
            parties={"demand_platform_id": "PWR", "supply_platform_id": "PWR"},
            delivery_date=date(2027, 4, 20),
            actor=by(DEMAND),
        ),
    )


PARTIES = {"demand_unit_id": DEMAND, "supply_unit_id": MATCHED, "demand_platform_id": "PWR"}


def incident_recorded() -> CloudEvent:
    return event(
        "inc-1",
        contracts.QualityIncidentRecordedV1(
            contract_id="con-1",
            parties=PARTIES,
            kind="product_quality",
            severity="major",
            description="Weld seams failed the pressure test.",
            occurred_at=T0,
            automatic=False,
            actor=by(DEMAND),
        ),
    )


def dispute_raised() -> CloudEvent:
    return event(
        "dis-1",
        disputes.DisputeRaisedV1(
            raiser_unit_id=DEMAND,
            against_unit_id=MATCHED,
            subject_type="contract",
            subject_id="con-1",
            kind="quality",
            claim="Replace the failed pipe sections.",
            context={"raiser_sector": "power"},
            actor=by(DEMAND),
        ),
    )


def finding_recorded() -> CloudEvent:
    return event(
        "fnd-1",
        inspections.InspectionFindingRecordedV1(
            unit_id=OTHER_MATCH,
            context={"platform_id": "COAL"},
            issue="incomplete_rules",
            description="No written rules for internal sourcing.",
            rectify_by=date(2027, 6, 30),
            actor=by("HQ"),
        ),
    )


AGENDA = ["Internal trade by platform", "Spare parts pooling"]


def meeting_scheduled(
    invitees: tuple[str, ...] = ("PWR", "COAL"), request_id: str | None = None
) -> CloudEvent:
    """HQ's regular meeting of 2027H1, or (with `request_id`) the ad-hoc one a request led to."""
    return event(
        "mtg-1",
        meetings.MeetingScheduledV1(
            kind="regular" if request_id is None else "ad_hoc",
            half_year="2027H1",
            scheduled_for=datetime(2027, 3, 10, 1, 0, tzinfo=UTC),
            agenda=AGENDA if request_id is None else ["Coal for the winter"],
            invitees=list(invitees),
            request_id=request_id,
            actor=by("HQ"),
        ),
    )


def request_filed(platform: str = "COAL") -> CloudEvent:
    return event(
        "mrq-1",
        meetings.MeetingRequestFiledV1(
            platform_unit_id=platform,
            matter="Coal for the winter",
            report="Stocks cover six weeks; the power plants need ten.",
            actor=by(platform),
        ),
    )


def visit_planned() -> CloudEvent:
    """COAL-01 hosts PWR-01 and PWR-02."""
    return event(
        "vis-1",
        visits.VisitPlannedV1(
            host_unit_id=OTHER_MATCH,
            visitor_unit_ids=[DEMAND, MATCHED],
            planned_for=datetime(2027, 3, 20, 1, 0, tzinfo=UTC),
            topic="Methanol as a start-up fuel",
            sectors={OTHER_MATCH: "coal_chemical", DEMAND: "power", MATCHED: "power"},
            actor=by("COAL"),
        ),
    )
