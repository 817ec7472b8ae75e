"""Real public events for the notification tests, built with the payload models.

The chart: HQ (group) → PWR (power platform) → PWR-01, PWR-02 and PWR-01-A (under PWR-01);
HQ → COAL (coal platform) → COAL-01. PWR-01 buys; PWR-02 and COAL-01 are the catalog
suppliers of the item; HEAT-09 offers without being matched. The trade forms: PWR-01 buys coal
from COAL-01 under a framework agreement; PWR leads a pool PWR-01, PWR-01-A and PWR-02 join;
COAL-01 shares a loader PWR-01 books.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from marketplace.events.envelope import CloudEvent
from marketplace.events.public import (
    contracts,
    disputes,
    frameworks,
    inspections,
    joint_procurements,
    meetings,
    needs,
    offers,
    resources,
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


def framework_created(actor: str = DEMAND, business_type: str = "regular") -> CloudEvent:
    """PWR-01 buys thermal coal from COAL-01 from March to May 2027; May's price is open."""

    def period(month: int, unit_price: str | None) -> frameworks.ScheduledPeriodV1:
        return frameworks.ScheduledPeriodV1(
            period=f"2027-0{month}",
            first_day=date(2027, month, 1),
            last_day=date(2027, month, 30 if month == 4 else 31),
            quantity="500",
            unit_price=unit_price,
        )

    return event(
        "fwk-1",
        frameworks.FrameworkCreatedV1(
            demand_unit_id=DEMAND,
            supply_unit_id=OTHER_MATCH,
            item_code="THERMAL-COAL-5500",
            uom="t",
            category="product",
            business_type=business_type,
            directive_id="dir-1" if business_type == "special_task" else None,
            valid_from=date(2027, 3, 1),
            valid_to=date(2027, 5, 31),
            schedule=[period(3, "612.50"), period(4, "612.50"), period(5, None)],
            shortfall_tolerance_pct="5",
            actor=by(actor),
        ),
    )


def framework_signed(party: str, version: int = 2, actor: str | None = None) -> CloudEvent:
    return event(
        "fwk-1",
        frameworks.FrameworkSignedV1(party_unit_id=party, actor=by(actor or party)),
        version,
    )


def period_closed(
    shortfall_pct: str = "20", incident_id: str | None = "inc-7", completed: bool = False
) -> CloudEvent:
    """March closed: 500 t scheduled, 400 t called off and delivered unless said otherwise."""
    return event(
        "fwk-1",
        frameworks.PeriodClosedV1(
            period="2027-03",
            scheduled="500",
            called_off="400",
            delivered="400",
            shortfall="100",
            shortfall_pct=shortfall_pct,
            tolerance_pct="5",
            incident_id=incident_id,
            completed=completed,
            actor=by(DEMAND),
        ),
        9,
    )


POOL_LEAD = "PWR"
# Each member's budget: a member reads its own only, never the others' nor their total.
SHARE_BUDGETS = {DEMAND: "111222.00", "PWR-01-A": "333444.00", MATCHED: "555666.00"}
POOL_BUDGET = "1000332.00"


def pool_opened() -> CloudEvent:
    return event(
        "jp-1",
        joint_procurements.JointProcurementOpenedV1(
            lead_unit_id=POOL_LEAD,
            item=joint_procurements.PoolItemV1(
                item_code="PIPE-LP-200",
                uom="m",
                title="Low-pressure steam pipe for the power plants",
                category="product",
                subcategory="pipes",
                required_by=date(2027, 6, 30),
                delivery_location=None,
            ),
            join_until=T0 + timedelta(days=14),
            actor=by(POOL_LEAD),
        ),
    )


def pool_joined(unit: str, version: int, actor: str | None = None) -> CloudEvent:
    return event(
        "jp-1",
        joint_procurements.JointProcurementJoinedV1(
            unit_id=unit,
            quantity="100",
            budget_amount=SHARE_BUDGETS[unit],
            replaced=False,
            total_quantity=str(100 * (version - 1)),
            member_count=version - 1,
            actor=by(actor or unit),
        ),
        version,
    )


def pool_launched() -> CloudEvent:
    return event(
        "jp-1",
        joint_procurements.JointProcurementLaunchedV1(
            need_id="need-9",
            sourcing="tender",
            total_quantity="300",
            budget_amount=POOL_BUDGET,
            shares=[
                joint_procurements.PoolShareV1(unit_id=u, quantity="100", budget_amount=b)
                for u, b in SHARE_BUDGETS.items()
            ],
            actor=by(POOL_LEAD),
        ),
        5,
    )


RESOURCE_OWNER = OTHER_MATCH


def resource_listed() -> CloudEvent:
    return event(
        "res-1",
        resources.ResourceListedV1(
            owner_unit_id=RESOURCE_OWNER,
            kind="equipment",
            name="Wheel loader",
            uom="day",
            rate="1800.00",
            available_quantity="2",
            actor=by(RESOURCE_OWNER),
        ),
    )


def resource_booked(unit: str = DEMAND, n: int = 1, version: int = 2) -> CloudEvent:
    """`unit` books one loader for the three days from 2027-03-10 (the group's days)."""
    return event(
        "res-1",
        resources.ResourceBookedV1(
            booking_id=f"res-1-B{n}",
            unit_id=unit,
            starts_at=datetime(2027, 3, 9, 16, 0, tzinfo=UTC),
            ends_at=datetime(2027, 3, 12, 16, 0, tzinfo=UTC),
            quantity="1",
            duration=3,
            uom="day",
            rate="1800.00",
            amount="5400.00",
            contract_id=f"con-r{n}",
            owner_unit_id=RESOURCE_OWNER,
            actor=by(unit),
        ),
        version,
    )


def booking_cancelled(unit: str, n: int, version: int, actor: str) -> CloudEvent:
    return event(
        "res-1",
        resources.ResourceBookingCancelledV1(
            booking_id=f"res-1-B{n}",
            unit_id=unit,
            contract_id=f"con-r{n}",
            reason="The repair was postponed.",
            actor=by(actor),
        ),
        version,
    )


def resource_returned(
    unit: str = DEMAND, n: int = 1, version: int = 4, damage: str | None = None
) -> CloudEvent:
    return event(
        "res-1",
        resources.ResourceReturnedV1(
            booking_id=f"res-1-B{n}",
            unit_id=unit,
            condition="Cleaned, tank full.",
            damaged=damage is not None,
            damage=damage,
            incident_id="inc-9" if damage is not None else None,
            actor=by(unit),
        ),
        version,
    )


def resource_withdrawn(version: int) -> CloudEvent:
    return event(
        "res-1",
        resources.ResourceWithdrawnV1(reason="Sold to a contractor.", actor=by(RESOURCE_OWNER)),
        version,
    )
