"""One routed case per notified event type: the event, its subject's parties before it, and
exactly the units that must be notified (shared by the routing and the texts tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from marketplace.events.envelope import CloudEvent
from marketplace.events.public import contracts as c
from marketplace.events.public import disputes as d
from marketplace.events.public import frameworks as f
from marketplace.events.public import inspections as i
from marketplace.events.public import joint_procurements as jp
from marketplace.events.public import meetings as m
from marketplace.events.public import needs as n
from marketplace.events.public import offers as o
from marketplace.events.public import resources as r
from marketplace.events.public import tenders as t
from marketplace.events.public import visits as v
from marketplace.notifications.routing import Parties
from tests.unit.notification_events import (
    DEMAND,
    MATCHED,
    OTHER_MATCH,
    PARTIES,
    POOL_LEAD,
    RESOURCE_OWNER,
    T0,
    UNMATCHED,
    bid_received,
    booking_cancelled,
    by,
    contract_created,
    dispute_raised,
    event,
    finding_recorded,
    framework_created,
    framework_signed,
    incident_recorded,
    meeting_scheduled,
    need_posted,
    need_posted_v2,
    offer_received,
    offer_withdrawn,
    period_closed,
    pool_joined,
    pool_launched,
    pool_opened,
    request_filed,
    resource_booked,
    resource_listed,
    resource_returned,
    resource_withdrawn,
    tender_launched,
    visit_planned,
)

NEED: Parties = frozenset({("demand", DEMAND), ("matched", MATCHED), ("matched", OTHER_MATCH)})
TENDER: Parties = frozenset(
    {
        ("demand", DEMAND),
        ("invitee", MATCHED),
        ("invitee", OTHER_MATCH),
        ("invitee", UNMATCHED),
        ("bidder", MATCHED),
        ("bidder", OTHER_MATCH),
    }
)
CONTRACT: Parties = frozenset({("demand", DEMAND), ("supply", MATCHED)})
DISPUTE: Parties = frozenset({("raiser", DEMAND), ("respondent", MATCHED)})
BOTH = (DEMAND, MATCHED)
MEETING: Parties = frozenset({("invitee", "PWR"), ("invitee", "COAL")})
REQUEST: Parties = frozenset({("requester", "COAL")})
VISIT: Parties = frozenset({("host", OTHER_MATCH), ("visitor", DEMAND), ("visitor", MATCHED)})
FRAMEWORK: Parties = frozenset({("demand", DEMAND), ("supply", OTHER_MATCH)})
POOL: Parties = frozenset({("lead", POOL_LEAD)})
# COAL-01's loader: PWR-01's booking B1 stands, PWR-02's B2 was returned, PWR-01-A's B3 stands.
RESOURCE: Parties = frozenset(
    {
        ("owner", RESOURCE_OWNER),
        ("booking res-1-B1", DEMAND),
        ("booking res-1-B2", MATCHED),
        ("ended res-1-B2", MATCHED),
        ("booking res-1-B3", "PWR-01-A"),
    }
)


def offer_of(supplier: str) -> Parties:
    return frozenset({("demand", DEMAND), ("supplier", supplier)})


@dataclass(frozen=True)
class Case:
    event: CloudEvent
    before: Parties
    recipients: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.event.type.removeprefix("marketplace.").removesuffix(".v1")


def _contract(payload: c.Payload, recipients: tuple[str, ...] = BOTH) -> Case:
    return Case(event("con-1", payload, 3), CONTRACT, recipients)


def _dispute(payload: d.Payload, recipients: tuple[str, ...] = BOTH) -> Case:
    return Case(event("dis-1", payload, 2), DISPUTE | {("mediator", "PWR")}, recipients)


XS = "need-1/xs-1"
ROUTED: list[Case] = [
    Case(need_posted(), frozenset(), (OTHER_MATCH, MATCHED)),
    Case(need_posted_v2(), frozenset(), (OTHER_MATCH, MATCHED)),
    Case(offer_received(UNMATCHED, "off-9", 2), NEED, (DEMAND,)),
    Case(offer_withdrawn(MATCHED, "off-1", 3), NEED | {("offerer", MATCHED)}, (DEMAND,)),
    Case(
        event(
            "need-1",
            n.ExternalSourcingRequestedV1(
                request_id=XS,
                ground="insufficient_for_urgent_need",
                justification="Boiler 2 must restart before the cold spell.",
                quantity="40",
                actor=by(DEMAND),
            ),
            2,
        ),
        NEED,
        ("PWR",),
    ),
    Case(
        event(
            "need-1",
            n.ExternalSourcingApprovedV1(request_id=XS, approver_unit_id="PWR", actor=by("PWR")),
            3,
        ),
        NEED,
        (DEMAND,),
    ),
    Case(
        event(
            "need-1",
            n.ExternalSourcingRejectedV1(
                request_id=XS,
                reason="PWR-02 can deliver in time.",
                approver_unit_id="HQ",
                actor=by("HQ"),
            ),
            3,
        ),
        NEED,
        (DEMAND,),
    ),
    Case(
        event("off-1", o.OfferAwardedV1(contract_id="con-1", actor=by(DEMAND)), 2),
        offer_of(MATCHED),
        (MATCHED,),
    ),
    Case(
        event("off-2", o.OfferNotAwardedV1(awarded_offer_id="off-1", actor=by(DEMAND)), 2),
        offer_of(OTHER_MATCH),
        (OTHER_MATCH,),
    ),
    Case(tender_launched(), frozenset(), (OTHER_MATCH, MATCHED)),
    Case(bid_received(MATCHED, 2), TENDER, (DEMAND,)),
    Case(
        event(
            "ten-1",
            t.TenderAwardedV1(
                bid_id="bid-2",
                bidder=MATCHED,
                internal=True,
                amount="47000.00",
                contract_id="con-2",
                justification=None,
                actor=by(DEMAND),
            ),
            5,
        ),
        TENDER,
        (OTHER_MATCH, MATCHED),
    ),
    Case(contract_created(), frozenset(), BOTH),
    _contract(c.ContractSignedV1(party_unit_id=MATCHED, actor=by(MATCHED))),
    _contract(c.ContractActivatedV1(amount="48600.00", parties=PARTIES, actor=by(DEMAND))),
    _contract(
        c.ContractPriceProposedV1(party_unit_id=MATCHED, amount="50000.00", actor=by(MATCHED))
    ),
    _contract(
        c.ContractPricingEscalatedV1(
            party_unit_id=DEMAND, mediator_unit_id="PWR", actor=by(DEMAND)
        ),
        ("PWR", *BOTH),
    ),
    _contract(
        c.ContractPricedV1(amount="49000.00", how="decision", by_unit_id="PWR", actor=by("PWR"))
    ),
    _contract(
        c.ContractDeliveredV1(
            quantity="60",
            amount="24300.00",
            delivered_at=T0,
            late=True,
            parties=PARTIES,
            actor=by(MATCHED),
        )
    ),
    _contract(c.ContractCompletionAgreedV1(party_unit_id=DEMAND, actor=by(DEMAND))),
    _contract(c.ContractCompletedV1(how="agreement", parties=PARTIES, actor=by(MATCHED))),
    _contract(
        c.ContractTerminatedV1(
            reason="The plant closed.",
            delivered_amount="24300.00",
            parties=PARTIES,
            actor=by(DEMAND),
        )
    ),
    Case(incident_recorded(), frozenset(), BOTH),
    Case(
        event(
            "inc-1",
            c.QualityIncidentResolvedV1(
                resolution="Sections replaced.",
                parties=PARTIES,
                kind="product_quality",
                severity="major",
                actor=by(MATCHED),
            ),
            2,
        ),
        CONTRACT,
        BOTH,
    ),
    Case(
        event("inc-1", c.QualityIncidentEscalatedV1(dispute_id="dis-1", actor=by(DEMAND)), 2),
        CONTRACT,
        BOTH,
    ),
    Case(dispute_raised(), frozenset(), BOTH),
    Case(
        event(
            "dis-1",
            d.DisputeMediationRequestedV1(
                party_unit_id=MATCHED,
                mediator_unit_id="PWR",
                rule="lowest_common_superior",
                actor=by(MATCHED),
            ),
            2,
        ),
        DISPUTE,
        ("PWR", *BOTH),
    ),
    _dispute(
        d.DisputeResolvedV1(
            decision="Replace 20 m at the supplier's cost.", mediator_unit_id="PWR", actor=by("PWR")
        )
    ),
    _dispute(
        d.DisputeSettlementStatedV1(party_unit_id=DEMAND, settlement="Half each.", actor=by(DEMAND))
    ),
    _dispute(d.DisputeSettledV1(settlement="Half each.", actor=by(MATCHED))),
    _dispute(d.DisputeWithdrawnV1(actor=by(DEMAND))),
    Case(finding_recorded(), frozenset(), (OTHER_MATCH,)),
    Case(
        event(
            "fnd-1",
            i.InspectionFindingRectifiedV1(
                unit_id=OTHER_MATCH,
                evidence="Rules adopted on 2027-06-01.",
                late=False,
                actor=by(OTHER_MATCH),
            ),
            2,
        ),
        frozenset({("unit", OTHER_MATCH)}),
        (OTHER_MATCH,),
    ),
    Case(meeting_scheduled(), frozenset(), ("COAL", "PWR")),
    Case(
        event(
            "mtg-1",
            m.MeetingMinutesRecordedV1(
                attendees=["PWR", DEMAND],  # COAL was invited and did not come
                decisions=[
                    m.MinutesDecisionV1(
                        text="Pool the spare parts.",
                        action_items=[
                            m.DecisionActionItemV1(
                                action_item_id="act-1",
                                owner_unit_id=DEMAND,
                                due=date(2027, 4, 30),
                                text="Send the spare-parts list.",
                            )
                        ],
                    )
                ],
                actor=by("HQ"),
            ),
            2,
        ),
        MEETING,
        ("PWR", DEMAND),
    ),
    Case(
        event(
            "act-1",
            m.ActionItemAssignedV1(
                meeting_id="mtg-1",
                owner_unit_id=DEMAND,
                due=date(2027, 4, 30),
                text="Send the spare-parts list.",
                actor=by("HQ"),
            ),
        ),
        frozenset(),
        (DEMAND,),
    ),
    Case(request_filed(), frozenset(), ("HQ",)),
    Case(
        event(
            "mrq-1",
            m.MeetingRequestAcceptedV1(
                meeting_id="mtg-2", scheduled_for=T0 + timedelta(days=7), actor=by("HQ")
            ),
            2,
        ),
        REQUEST,
        ("COAL",),
    ),
    Case(
        event(
            "mrq-1",
            m.MeetingRequestDeclinedV1(reason="The regular meeting takes it up.", actor=by("HQ")),
            2,
        ),
        REQUEST,
        ("COAL",),
    ),
    Case(visit_planned(), frozenset(), (OTHER_MATCH, DEMAND, MATCHED)),
    Case(
        event(
            "vis-1",
            v.VisitHeldV1(
                outcome="Methanol costs less per start than diesel.",
                leads=[v.LeadV1(lead_id="vis-1-L1", item_code="METHANOL", text="PWR-02 buys.")],
                host_sector="coal_chemical",
                visitor_sectors=["power"],
                planned_for=T0,
                actor=by("COAL"),
            ),
            2,
        ),
        VISIT,
        (OTHER_MATCH, DEMAND, MATCHED),
    ),
    Case(
        event("vis-1", v.VisitCancelledV1(reason="Outage at the host.", actor=by("COAL")), 2),
        VISIT,
        (OTHER_MATCH, DEMAND, MATCHED),
    ),
    # Framework agreements: PWR-01 buys from COAL-01; their mediator is HQ (two sectors).
    Case(framework_created(), frozenset(), (OTHER_MATCH,)),
    Case(framework_signed(OTHER_MATCH), FRAMEWORK, (DEMAND,)),
    Case(
        event("fwk-1", f.FrameworkActivatedV1(actor=by(DEMAND)), 4),
        FRAMEWORK | {("signed", OTHER_MATCH), ("signed", DEMAND)},
        (OTHER_MATCH,),
    ),
    Case(
        event(
            "fwk-1",
            f.AmendmentProposedV1(
                number=1,
                period="2027-04",
                quantity="450",
                unit_price="600.00",
                reason="The mine's second shaft is closed for repairs.",
                party_unit_id=OTHER_MATCH,
                previous_quantity="500",
                previous_unit_price="612.50",
                actor=by(OTHER_MATCH),
            ),
            5,
        ),
        FRAMEWORK,
        (DEMAND,),
    ),
    Case(
        event(
            "fwk-1",
            f.AmendmentAcceptedV1(
                number=1,
                party_unit_id=DEMAND,
                period="2027-04",
                quantity="450",
                unit_price="600.00",
                actor=by(DEMAND),
            ),
            6,
        ),
        FRAMEWORK,
        (OTHER_MATCH,),
    ),
    Case(
        event(
            "fwk-1",
            f.AmendmentRejectedV1(
                number=2,
                party_unit_id=DEMAND,
                reason="The plant needs the full 500 t.",
                actor=by(DEMAND),
            ),
            7,
        ),
        FRAMEWORK,
        (OTHER_MATCH,),
    ),
    Case(
        event(
            "fwk-1",
            f.AmendmentEscalatedV1(
                number=3, party_unit_id=DEMAND, mediator_unit_id="HQ", actor=by(DEMAND)
            ),
            8,
        ),
        FRAMEWORK,
        (OTHER_MATCH, "HQ"),
    ),
    Case(
        event(
            "fwk-1",
            f.AmendmentDecidedV1(
                number=3,
                mediator_unit_id="HQ",
                period="2027-05",
                unit_price="605.00",
                actor=by("HQ"),
            ),
            9,
        ),
        FRAMEWORK,
        (OTHER_MATCH, DEMAND),
    ),
    Case(period_closed(), FRAMEWORK, (OTHER_MATCH,)),
    # Joint procurement: PWR leads; PWR-01, PWR-01-A and PWR-02 have shares.
    Case(pool_joined(DEMAND, 2), POOL, (POOL_LEAD,)),
    Case(
        event(
            "jp-1",
            jp.JointProcurementWithdrawnV1(
                unit_id=MATCHED, total_quantity="200", member_count=2, actor=by(MATCHED)
            ),
            5,
        ),
        POOL,
        (POOL_LEAD,),
    ),
    Case(pool_launched(), POOL, (DEMAND, "PWR-01-A", MATCHED)),
    Case(
        event(
            "jp-1",
            jp.JointProcurementCancelledV1(
                reason="The plants' outages moved to next year.",
                members=[DEMAND, MATCHED],
                actor=by(POOL_LEAD),
            ),
            5,
        ),
        POOL,
        (DEMAND, MATCHED),
    ),
    # Shared resources: COAL-01's loader, booked by PWR-01.
    Case(resource_booked(), frozenset({("owner", RESOURCE_OWNER)}), (RESOURCE_OWNER,)),
    Case(booking_cancelled(DEMAND, 1, 3, actor=RESOURCE_OWNER), RESOURCE, (DEMAND,)),
    Case(
        event(
            "res-1",
            r.ResourceHandedOverV1(
                booking_id="res-1-B1",
                unit_id=DEMAND,
                condition="Serviced, bucket teeth new.",
                actor=by(RESOURCE_OWNER),
            ),
            3,
        ),
        RESOURCE,
        (DEMAND,),
    ),
    Case(resource_returned(damage="A bucket tooth broke."), RESOURCE, (RESOURCE_OWNER,)),
    Case(resource_withdrawn(5), RESOURCE, (DEMAND, "PWR-01-A")),
]
# Published but nobody is notified: another event of the same act reaches each unit, or the
# contract names no recipient (the demand unit's own tender start, sealed bids, opening, an
# action item done, a framework's call-off, a pool's award and its members' contracts; a pool
# opened names no invitee; a resource listed is there for anyone to find).
UNROUTED: list[CloudEvent] = [
    event(
        "need-1",
        n.NeedAwardedV1(
            offer_id="off-1",
            supplier_unit_id=MATCHED,
            contract_id="con-1",
            amount="48600.00",
            matched_supplier_unit_ids=[MATCHED, OTHER_MATCH],
            actor=by(DEMAND),
        ),
        4,
    ),
    event(
        "need-1",
        n.NeedTenderStartedV1(
            tender_id="ten-1", matched_supplier_unit_ids=[MATCHED], actor=by(DEMAND)
        ),
        2,
    ),
    event("ten-1", t.TenderBidsOpenedV1(bids=[], ranking=[], actor=by(DEMAND)), 4),
    event(
        "need-1",
        n.NeedCancelledV1(
            reason="Plan changed.", matched_supplier_unit_ids=[MATCHED], actor=by(DEMAND)
        ),
        2,
    ),
    event(
        "off-1",
        o.OfferRevisedV1(
            unit_price="400.00",
            quantity="120",
            delivery_date=date(2027, 4, 20),
            valid_until=T0,
            actor=by(MATCHED),
        ),
        2,
    ),
    event("act-1", m.ActionItemDoneV1(evidence="List sent on 2027-04-20.", actor=by(DEMAND)), 2),
    event(
        "fwk-1",
        f.FrameworkCalledOffV1(
            call_off_id="fwk-1/2027-03/1",
            contract_id="con-f1",
            period="2027-03",
            quantity="200",
            unit_price="612.50",
            amount="122500.00",
            period_called_off="200",
            delivery_date=date(2027, 3, 31),
            actor=by(DEMAND),
        ),
        5,
    ),
    pool_opened(),
    event(
        "jp-1",
        jp.JointProcurementAwardedV1(
            need_id="need-9",
            supplier_unit_id=OTHER_MATCH,
            unit_price="400.00",
            contracts=[
                jp.ShareContractV1(
                    unit_id=DEMAND, quantity="100", contract_id="con-j1", amount="40000.00"
                )
            ],
            actor=by(POOL_LEAD),
        ),
        6,
    ),
    resource_listed(),
]
