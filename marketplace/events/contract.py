"""Public event types: one pydantic payload model per type and version, and their topics.

A public type evolves only compatibly within a version (new optional fields); a breaking change
is a new `.vN` type beside the old one. Domain events that are not listed here (the chart's
establishment, access tokens) are internal and never leave the event store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActorV1(Payload):
    """Who acted: the unit the caller acted for and the token it used."""

    unit_id: str | None = Field(description="Unit the caller acted for.", examples=["HQ"])
    token_id: str = Field(description="Id of the token used (`cli`, `demo` for tools).")


class UnitRegisteredV1(Payload):
    """A unit joined the group's organisation chart."""

    unit_id: str = Field(examples=["PWR-01"])
    name: str = Field(examples=["Northern Thermal Power Plant"])
    level: str = Field(description="group, platform or enterprise", examples=["enterprise"])
    parent_id: str | None = Field(description="Superior unit; null for the group unit.")
    sector: str = Field(examples=["power"])
    actor: ActorV1


class UnitRenamedV1(Payload):
    """A unit got a new name."""

    unit_id: str
    name: str
    previous_name: str
    actor: ActorV1


class UnitMovedV1(Payload):
    """A unit was put under another superior unit (restructuring); its subtree moved with it."""

    unit_id: str
    parent_id: str
    previous_parent_id: str | None
    actor: ActorV1


class UnitSectorChangedV1(Payload):
    """A unit now belongs to another sector (板块)."""

    unit_id: str
    sector: str
    previous_sector: str
    actor: ActorV1


class UnitDeactivatedV1(Payload):
    """A unit stopped trading; its history stays."""

    unit_id: str
    actor: ActorV1


class UnitReactivatedV1(Payload):
    """A deactivated unit trades again."""

    unit_id: str
    actor: ActorV1


class CatalogEntryV1(Payload):
    """One supplier's item as a sector platform submitted it."""

    entry_id: str
    platform_unit_id: str = Field(description="The submitting sector platform.")
    supplier_unit_id: str
    category: str = Field(description="product, engineering, service or resource")
    subcategory: str = Field(examples=["heat", "intangible/patent"])
    item_code: str
    item_name: str
    uom: str
    reference_price: str | None = Field(default=None, description="CNY per unit (decimal).")
    capacity: str | None = None
    regions: list[str] = Field(default_factory=list)


class CatalogVersionOpenedV1(Payload):
    """HQ opened a half-year catalog version for the sector platforms' submissions."""

    period: str = Field(examples=["2027H1"])
    effective_from: date
    effective_to: date
    submission_deadline: datetime
    actor: ActorV1


class CatalogEntriesSubmittedV1(Payload):
    """A sector platform submitted entries for suppliers in its subtree; they await review."""

    platform_unit_id: str
    entries: list[CatalogEntryV1]
    actor: ActorV1


class CatalogEntryApprovedV1(Payload):
    """HQ approved an entry: it will be in the version when published."""

    entry_id: str
    actor: ActorV1


class CatalogEntryRejectedV1(Payload):
    """HQ rejected an entry, with its reason."""

    entry_id: str
    reason: str
    actor: ActorV1


class CatalogVersionPublishedV1(Payload):
    """The version is published with its approved entries, in force for its effective period."""

    period: str
    effective_from: date
    effective_to: date
    replaces: str | None = Field(description="The version this one supersedes, if any.")
    entry_count: int = Field(description="Approved entries in the version.")
    actor: ActorV1


class CatalogVersionSupersededV1(Payload):
    """A newer published version replaced this one (it stays answerable for its period)."""

    by_version_id: str
    actor: ActorV1


class NeedSpecV1(Payload):
    demand_unit_id: str
    title: str
    category: str
    subcategory: str
    item_code: str
    quantity: str = Field(description="Decimal string.")
    uom: str
    required_by: date
    budget_amount: str = Field(description="CNY, decimal string.")
    business_type: str = Field(description="regular or special_task")
    sourcing: str = Field(description="direct or tender")
    directive_id: str | None = None


class MatchV1(Payload):
    entry_id: str
    supplier_unit_id: str
    item_code: str
    reference_price: str | None


class NeedPostedV1(Payload):
    """A unit posted a need; `matches` are the catalog suppliers in force at that moment."""

    spec: NeedSpecV1
    context: dict[str, str] = Field(description="The demand unit's platform and sector then.")
    catalog_version_id: str | None
    matches: list[MatchV1]
    actor: ActorV1


class NeedOfferReceivedV1(Payload):
    """An offer arrived on the need (its terms are on `marketplace.offers`)."""

    offer_id: str
    supplier_unit_id: str
    matched: bool = Field(description="Whether the supplier was one of the need's matches.")
    actor: ActorV1


class NeedOfferWithdrawnV1(Payload):
    """An offer on the need was withdrawn by its supplier."""

    offer_id: str
    supplier_unit_id: str
    matched: bool
    actor: ActorV1


class NeedAwardedV1(Payload):
    """The demand unit awarded the need to an offer; a contract was created."""

    offer_id: str
    supplier_unit_id: str
    contract_id: str
    amount: str
    matched_supplier_unit_ids: list[str]
    actor: ActorV1


class ExternalSourcingRequestedV1(Payload):
    """The demand unit asked to buy outside the group on one of the four grounds."""

    request_id: str
    ground: str
    justification: str
    quantity: str | None = Field(description="Ground 2: the part that may go outside.")
    actor: ActorV1


class ExternalSourcingApprovedV1(Payload):
    """The superior unit approved buying outside the group."""

    request_id: str
    approver_unit_id: str
    actor: ActorV1


class ExternalSourcingRejectedV1(Payload):
    """The superior unit refused buying outside the group."""

    request_id: str
    reason: str
    approver_unit_id: str
    actor: ActorV1


class NeedClosedExternalV1(Payload):
    """(Part of) the need was bought outside the group; what remains stays open."""

    request_id: str | None
    ground: str | None
    quantity: str
    remaining_quantity: str
    external_supplier: str | None
    matched_supplier_unit_ids: list[str]
    actor: ActorV1


class NeedCancelledV1(Payload):
    """The demand unit cancelled the need."""

    reason: str
    matched_supplier_unit_ids: list[str]
    actor: ActorV1


class OfferSubmittedV1(Payload):
    """A supplier offered on a need."""

    need_id: str
    demand_unit_id: str
    supplier_unit_id: str
    unit_price: str
    quantity: str
    delivery_date: date
    valid_until: datetime
    actor: ActorV1


class OfferRevisedV1(Payload):
    """The supplier revised its open offer."""

    unit_price: str
    quantity: str
    delivery_date: date
    valid_until: datetime
    actor: ActorV1


class OfferWithdrawnV1(Payload):
    """The supplier withdrew its offer."""

    actor: ActorV1


class OfferAwardedV1(Payload):
    """The offer won its need."""

    contract_id: str
    actor: ActorV1


class OfferNotAwardedV1(Payload):
    """Another offer won the need."""

    awarded_offer_id: str
    actor: ActorV1


class ContractCreatedV1(Payload):
    """An award created a contract between two group units."""

    need_id: str
    offer_id: str
    demand_unit_id: str
    supply_unit_id: str
    business_type: str
    item_code: str
    quantity: str
    unit_price: str
    amount: str
    status: str
    parties: dict[str, str] = Field(description="Both units' platforms and sectors then.")
    delivery_date: date | None = None
    actor: ActorV1


class DirectiveApprovedV1(Payload):
    """A superior approved a special task between two units."""

    demand_unit_id: str
    supply_unit_id: str
    item_code: str
    quantity: str
    rationale: str
    approver_unit_id: str
    actor: ActorV1


class NeedTenderStartedV1(Payload):
    """The need is being tendered; direct offers stop."""

    tender_id: str
    matched_supplier_unit_ids: list[str]
    actor: ActorV1


class NeedTenderConcludedV1(Payload):
    """The tender was awarded: to an internal bidder (contract) or outside the group."""

    tender_id: str
    bidder: str
    internal: bool
    amount: str
    contract_id: str | None
    matched_supplier_unit_ids: list[str]
    actor: ActorV1


class TenderLaunchedV1(Payload):
    """A tender was launched; `compliance` says whether every catalog supplier was invited."""

    need_id: str
    demand: dict[str, str] = Field(description="The demand unit, its platform and sector then.")
    item_code: str
    catalog_version_id: str | None
    required_suppliers: list[str] = Field(description="Catalog suppliers in force at launch.")
    invitees: list[str]
    missing_catalog_suppliers: list[str]
    omission_filing: str | None = Field(description="The filed reason for leaving some out.")
    compliance: str = Field(description="compliant or exception_filed")
    bid_deadline: datetime
    evaluation: str
    margin_pct: str
    actor: ActorV1


class TenderBidReceivedV1(Payload):
    """A sealed bid arrived (no amount: sealed until opening)."""

    bid_id: str
    bidder: str
    internal: bool
    replaces: str | None = Field(description="The bidder's earlier bid, now superseded.")
    actor: ActorV1


class OpenedBidV1(Payload):
    bid_id: str
    bidder: str
    internal: bool
    amount: str
    nonce: str
    commitment: str = Field(description="sha256(f'{amount}|{nonce}') committed at submission.")


class RankedBidV1(Payload):
    rank: int
    bid_id: str
    bidder: str
    internal: bool
    amount: str
    reason: str


class TenderBidsOpenedV1(Payload):
    """The bids were opened after the deadline: the first event carrying amounts."""

    bids: list[OpenedBidV1]
    ranking: list[RankedBidV1]
    actor: ActorV1


class TenderAwardedV1(Payload):
    """The demand unit awarded the tender."""

    bid_id: str
    bidder: str
    internal: bool
    amount: str
    contract_id: str | None
    justification: str | None
    actor: ActorV1


class BidSubmittedV1(Payload):
    """A sealed bid: who, for which tender, and its commitment — never the amount."""

    tender_id: str
    bidder: str
    internal: bool
    delivery_date: date
    commitment: str
    actor: ActorV1


Parties = Field(description="Both parties, their platforms and sectors at the award.")


class ContractSignedV1(Payload):
    """A party signed the contract for its side."""

    party_unit_id: str
    actor: ActorV1


class ContractActivatedV1(Payload):
    """Both parties signed: the contract is active and its amount counts as internal trade."""

    amount: str
    parties: dict[str, str] = Parties
    actor: ActorV1


class ContractPriceProposedV1(Payload):
    """A party proposed a price for a special task."""

    party_unit_id: str
    amount: str
    actor: ActorV1


class ContractPricingEscalatedV1(Payload):
    """The parties could not agree: the superior unit decides the price."""

    party_unit_id: str
    mediator_unit_id: str
    actor: ActorV1


class ContractPricedV1(Payload):
    """The special task's price is set, by agreement or by the superior's decision."""

    amount: str
    how: str = Field(description="agreement or decision")
    by_unit_id: str
    actor: ActorV1


class ContractDeliveredV1(Payload):
    """The supplier delivered part or all of the contract."""

    quantity: str
    amount: str
    delivered_at: datetime
    late: bool
    parties: dict[str, str] = Parties
    actor: ActorV1


class ContractCompletionAgreedV1(Payload):
    """A party agreed to complete the contract before everything was delivered."""

    party_unit_id: str
    actor: ActorV1


class ContractCompletedV1(Payload):
    """The contract is complete (all delivered, or by agreement)."""

    how: str
    parties: dict[str, str] = Parties
    actor: ActorV1


class ContractTerminatedV1(Payload):
    """The contract was terminated; what was delivered stays counted."""

    reason: str
    delivered_amount: str
    parties: dict[str, str] = Parties
    actor: ActorV1


class QualityIncidentRecordedV1(Payload):
    """A quality incident against the supplier (automatic for a late delivery)."""

    contract_id: str
    parties: dict[str, str] = Parties
    kind: str
    severity: str
    description: str
    occurred_at: datetime
    automatic: bool
    actor: ActorV1


class QualityIncidentResolvedV1(Payload):
    """The incident was resolved."""

    resolution: str
    parties: dict[str, str] = Parties
    kind: str
    severity: str
    actor: ActorV1


class QualityIncidentEscalatedV1(Payload):
    """The incident became a dispute."""

    dispute_id: str
    actor: ActorV1


class InspectionFindingRecordedV1(Payload):
    """An inspection found a unit at fault; it must be rectified by `rectify_by`."""

    unit_id: str
    context: dict[str, str] = Field(description="The unit's platform_id and sector then.")
    issue: str = Field(
        description="no_synergy_system, incomplete_rules, not_following_plan or prohibited_conduct"
    )
    description: str
    rectify_by: date
    actor: ActorV1


class InspectionFindingRectifiedV1(Payload):
    """The unit rectified the finding; `late` when after its deadline."""

    unit_id: str
    evidence: str
    late: bool
    actor: ActorV1


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


class DisputeRaisedV1(Payload):
    """A party raised a dispute; the parties negotiate first."""

    raiser_unit_id: str
    against_unit_id: str
    subject_type: str
    subject_id: str
    kind: str
    claim: str
    context: dict[str, str] = Field(description="Both parties' platforms and sectors then.")
    actor: ActorV1


class DisputeMediationRequestedV1(Payload):
    """Mediation was requested; `rule` says why this mediator."""

    party_unit_id: str
    mediator_unit_id: str
    rule: str = Field(
        description="lowest_common_superior, different_sectors or only_common_superior"
    )
    actor: ActorV1


class DisputeResolvedV1(Payload):
    """The mediator decided."""

    decision: str
    mediator_unit_id: str
    actor: ActorV1


class DisputeSettlementStatedV1(Payload):
    """A party stated the settlement it accepts."""

    party_unit_id: str
    settlement: str
    actor: ActorV1


class DisputeSettledV1(Payload):
    """Both parties stated the same settlement."""

    settlement: str
    actor: ActorV1


class DisputeWithdrawnV1(Payload):
    """The raiser withdrew the dispute."""

    actor: ActorV1


@dataclass(frozen=True)
class EventType:
    """A public event type: its CloudEvents `type` (`name`), its topic and its payload model."""

    name: str
    topic: str
    payload: type[Payload]


UNITS_TOPIC = "marketplace.units"
CATALOG_TOPIC = "marketplace.catalog"
NEEDS_TOPIC = "marketplace.needs"
OFFERS_TOPIC = "marketplace.offers"
CONTRACTS_TOPIC = "marketplace.contracts"
DIRECTIVES_TOPIC = "marketplace.directives"
TENDERS_TOPIC = "marketplace.tenders"
DISPUTES_TOPIC = "marketplace.disputes"
BIDS_TOPIC = "marketplace.bids"
INSPECTIONS_TOPIC = "marketplace.inspections"
REPORTS_TOPIC = "marketplace.reports"

# Every public type, keyed by its CloudEvents `type`.
EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in [
        EventType("marketplace.unit.registered.v1", UNITS_TOPIC, UnitRegisteredV1),
        EventType("marketplace.unit.renamed.v1", UNITS_TOPIC, UnitRenamedV1),
        EventType("marketplace.unit.moved.v1", UNITS_TOPIC, UnitMovedV1),
        EventType("marketplace.unit.sector_changed.v1", UNITS_TOPIC, UnitSectorChangedV1),
        EventType("marketplace.unit.deactivated.v1", UNITS_TOPIC, UnitDeactivatedV1),
        EventType("marketplace.unit.reactivated.v1", UNITS_TOPIC, UnitReactivatedV1),
        EventType("marketplace.catalog_version.opened.v1", CATALOG_TOPIC, CatalogVersionOpenedV1),
        EventType(
            "marketplace.catalog_version.entries_submitted.v1",
            CATALOG_TOPIC,
            CatalogEntriesSubmittedV1,
        ),
        EventType(
            "marketplace.catalog_version.entry_approved.v1", CATALOG_TOPIC, CatalogEntryApprovedV1
        ),
        EventType(
            "marketplace.catalog_version.entry_rejected.v1", CATALOG_TOPIC, CatalogEntryRejectedV1
        ),
        EventType(
            "marketplace.catalog_version.published.v1", CATALOG_TOPIC, CatalogVersionPublishedV1
        ),
        EventType(
            "marketplace.catalog_version.superseded.v1", CATALOG_TOPIC, CatalogVersionSupersededV1
        ),
        EventType("marketplace.need.posted.v1", NEEDS_TOPIC, NeedPostedV1),
        EventType("marketplace.need.offer_received.v1", NEEDS_TOPIC, NeedOfferReceivedV1),
        EventType("marketplace.need.offer_withdrawn.v1", NEEDS_TOPIC, NeedOfferWithdrawnV1),
        EventType("marketplace.need.awarded.v1", NEEDS_TOPIC, NeedAwardedV1),
        EventType(
            "marketplace.need.external_sourcing_requested.v1",
            NEEDS_TOPIC,
            ExternalSourcingRequestedV1,
        ),
        EventType(
            "marketplace.need.external_sourcing_approved.v1",
            NEEDS_TOPIC,
            ExternalSourcingApprovedV1,
        ),
        EventType(
            "marketplace.need.external_sourcing_rejected.v1",
            NEEDS_TOPIC,
            ExternalSourcingRejectedV1,
        ),
        EventType("marketplace.need.closed_external.v1", NEEDS_TOPIC, NeedClosedExternalV1),
        EventType("marketplace.need.cancelled.v1", NEEDS_TOPIC, NeedCancelledV1),
        EventType("marketplace.offer.submitted.v1", OFFERS_TOPIC, OfferSubmittedV1),
        EventType("marketplace.offer.revised.v1", OFFERS_TOPIC, OfferRevisedV1),
        EventType("marketplace.offer.withdrawn.v1", OFFERS_TOPIC, OfferWithdrawnV1),
        EventType("marketplace.offer.awarded.v1", OFFERS_TOPIC, OfferAwardedV1),
        EventType("marketplace.offer.not_awarded.v1", OFFERS_TOPIC, OfferNotAwardedV1),
        EventType("marketplace.contract.created.v1", CONTRACTS_TOPIC, ContractCreatedV1),
        EventType("marketplace.directive.approved.v1", DIRECTIVES_TOPIC, DirectiveApprovedV1),
        EventType("marketplace.need.tender_started.v1", NEEDS_TOPIC, NeedTenderStartedV1),
        EventType("marketplace.need.tender_concluded.v1", NEEDS_TOPIC, NeedTenderConcludedV1),
        EventType("marketplace.tender.launched.v1", TENDERS_TOPIC, TenderLaunchedV1),
        EventType("marketplace.tender.bid_received.v1", TENDERS_TOPIC, TenderBidReceivedV1),
        EventType("marketplace.tender.bids_opened.v1", TENDERS_TOPIC, TenderBidsOpenedV1),
        EventType("marketplace.tender.awarded.v1", TENDERS_TOPIC, TenderAwardedV1),
        EventType("marketplace.bid.submitted.v1", BIDS_TOPIC, BidSubmittedV1),
        EventType("marketplace.contract.signed.v1", CONTRACTS_TOPIC, ContractSignedV1),
        EventType("marketplace.contract.activated.v1", CONTRACTS_TOPIC, ContractActivatedV1),
        EventType(
            "marketplace.contract.price_proposed.v1", CONTRACTS_TOPIC, ContractPriceProposedV1
        ),
        EventType(
            "marketplace.contract.pricing_escalated.v1", CONTRACTS_TOPIC, ContractPricingEscalatedV1
        ),
        EventType("marketplace.contract.priced.v1", CONTRACTS_TOPIC, ContractPricedV1),
        EventType("marketplace.contract.delivered.v1", CONTRACTS_TOPIC, ContractDeliveredV1),
        EventType(
            "marketplace.contract.completion_agreed.v1", CONTRACTS_TOPIC, ContractCompletionAgreedV1
        ),
        EventType("marketplace.contract.completed.v1", CONTRACTS_TOPIC, ContractCompletedV1),
        EventType("marketplace.contract.terminated.v1", CONTRACTS_TOPIC, ContractTerminatedV1),
        EventType(
            "marketplace.quality_incident.recorded.v1", CONTRACTS_TOPIC, QualityIncidentRecordedV1
        ),
        EventType(
            "marketplace.quality_incident.resolved.v1", CONTRACTS_TOPIC, QualityIncidentResolvedV1
        ),
        EventType(
            "marketplace.quality_incident.escalated.v1", CONTRACTS_TOPIC, QualityIncidentEscalatedV1
        ),
        EventType("marketplace.dispute.raised.v1", DISPUTES_TOPIC, DisputeRaisedV1),
        EventType(
            "marketplace.dispute.mediation_requested.v1",
            DISPUTES_TOPIC,
            DisputeMediationRequestedV1,
        ),
        EventType("marketplace.dispute.resolved.v1", DISPUTES_TOPIC, DisputeResolvedV1),
        EventType(
            "marketplace.dispute.settlement_stated.v1", DISPUTES_TOPIC, DisputeSettlementStatedV1
        ),
        EventType("marketplace.dispute.settled.v1", DISPUTES_TOPIC, DisputeSettledV1),
        EventType("marketplace.dispute.withdrawn.v1", DISPUTES_TOPIC, DisputeWithdrawnV1),
        EventType(
            "marketplace.inspection.finding_recorded.v1",
            INSPECTIONS_TOPIC,
            InspectionFindingRecordedV1,
        ),
        EventType(
            "marketplace.inspection.finding_rectified.v1",
            INSPECTIONS_TOPIC,
            InspectionFindingRectifiedV1,
        ),
        EventType(
            "marketplace.report.quarterly_submitted.v1", REPORTS_TOPIC, QuarterlyReportSubmittedV1
        ),
    ]
}

# The topics CONTRACT.md names; the relay creates them all, so consumers can subscribe before
# the first event of a kind exists.
TOPICS = [
    "marketplace.units",
    "marketplace.catalog",
    "marketplace.needs",
    "marketplace.offers",
    "marketplace.tenders",
    "marketplace.bids",
    "marketplace.contracts",
    "marketplace.disputes",
    "marketplace.directives",
    "marketplace.inspections",
    "marketplace.reports",
]
