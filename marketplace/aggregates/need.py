"""A demand unit's need (paper §3.2.2): matched to catalog suppliers when posted, answered by
offers and awarded, or bought outside the group on an approved ground."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from marketplace.aggregates.base import (
    Actor,
    DomainError,
    Immutable,
    MarketAggregate,
    RecordNotFound,
)
from marketplace.aggregates.need_status import NeedProgress, NeedStatus, NeedStep, need_progress


class Ground(StrEnum):
    """The four grounds on which a catalog item may be bought outside the group (§3.2.2③)."""

    NOT_AVAILABLE_INTERNALLY = "not_available_internally"
    INSUFFICIENT_FOR_URGENT_NEED = "insufficient_for_urgent_need"
    BEYOND_INTERNAL_CAPABILITY = "beyond_internal_capability"
    HIGH_RISK_OR_SPECIAL_EQUIPMENT = "high_risk_or_special_equipment"


@dataclass(frozen=True)
class Match(Immutable):
    """A catalog supplier of the item in the version in force when the need was posted."""

    entry_id: str
    supplier_unit_id: str
    item_code: str
    reference_price: str | None


@dataclass(frozen=True)
class DeliveryLocation(Immutable):
    """Where the goods go: the demand unit's site, and its address for carriers."""

    site: str
    address: str | None = None


@dataclass(frozen=True)
class NeedSpec:
    """What the demand unit asks for."""

    demand_unit_id: str
    title: str
    category: str
    subcategory: str
    item_code: str
    quantity: Decimal
    uom: str
    required_by: date
    budget_amount: Decimal
    business_type: str
    sourcing: str
    directive_id: str | None = None
    # Since need.posted.v2; needs posted before it have none.
    delivery_location: DeliveryLocation | None = None
    # The exchange visit's lead the need came from (paper §3.4.2④); absent before visits.
    lead_id: str | None = None
    # The joint procurement whose total the need is (paper 1.2.1); absent before pools.
    pool_id: str | None = None


@dataclass(frozen=True)
class ExternalRequest(Immutable):
    request_id: str
    ground: Ground
    justification: str
    quantity: Decimal | None
    status: str = "requested"
    reason: str | None = None


def external_request_id(need_id: str, n: int) -> str:
    """Request ids name their need, so a decision finds it without an index."""
    return f"{need_id}-x{n}"


def need_of_request(request_id: str) -> str:
    return request_id.rpartition("-x")[0]


class Need(MarketAggregate):
    """A demand unit's need: matched offers and their award, a tender, or external sourcing.

    External sourcing stays in the need, unlike the tender (issue 12 weighed splitting it out):
    each of its rules reads the need's own state — ground 2 may take only part of the *open*
    quantity, closing outside shrinks that quantity and may close the need, an approval is used
    only while the need is open and covers at most what is open then — and an award and a
    closing outside must not both win a race, which the need's version decides today. A
    separate aggregate would need both saved together on every step and the stored history
    moved to new ids, for no rule made simpler. A tender has a life of its own (bids, sealing,
    opening, evaluation), so it is one.
    """

    @classmethod
    def post(
        cls,
        need_id: str,
        spec: NeedSpec,
        context: dict[str, str],
        catalog_version_id: str | None,
        matches: list[Match],
        actor: Actor,
        timestamp: datetime,
    ) -> Need:
        """`context`: the demand unit's platform and sector as they are now (for projections)."""
        if spec.quantity <= 0:
            raise DomainError("invalid_quantity", "The quantity must be positive.")
        eligible = [m for m in matches if m.supplier_unit_id != spec.demand_unit_id]
        return cls(
            id=need_id,
            spec={
                **vars(spec),
                "quantity": str(spec.quantity),
                "budget_amount": str(spec.budget_amount),
                "delivery_location": (
                    None if spec.delivery_location is None else vars(spec.delivery_location)
                ),
            },
            context=context,
            catalog_version_id=catalog_version_id,
            matches=[vars(m) for m in eligible],
            actor=actor,
            timestamp=timestamp,
        )

    class Event(MarketAggregate.Event):
        pass

    # Declared, not made by `@event`, for its class version and upcast.
    class Posted(MarketAggregate.Created, Event):
        """The need was posted. Version 2 added `spec.delivery_location` (null when not
        stated); events stored as version 1 are upcast when read."""

        spec: dict[str, Any]
        context: dict[str, str]
        catalog_version_id: str | None
        matches: list[dict[str, Any]]
        actor: Actor

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["spec"] = {**state["spec"], "delivery_location": None}

    @event(Posted)
    def __init__(
        self,
        id: str,
        spec: dict[str, Any],
        context: dict[str, str],
        catalog_version_id: str | None,
        matches: list[dict[str, Any]],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        location = spec["delivery_location"]
        self.spec = NeedSpec(
            **{
                **spec,
                "quantity": Decimal(spec["quantity"]),
                "budget_amount": Decimal(spec["budget_amount"]),
                "delivery_location": None if location is None else DeliveryLocation(**location),
            }
        )
        self.context = context
        self.catalog_version_id = catalog_version_id
        self.matches = [Match(**m) for m in matches]
        self.posted_at = timestamp
        posted = need_progress(NeedStep.POSTED, quantity=self.spec.quantity)
        assert posted.status is not None and posted.open_quantity is not None
        self.status: NeedStatus = posted.status
        self.open_quantity: Decimal = posted.open_quantity
        self.offers: dict[str, str] = {}  # every offer id → supplier unit, in arrival order
        self.withdrawn: set[str] = set()
        self.requests: dict[str, ExternalRequest] = {}
        self.external_purchases: list[dict[str, Any]] = []
        self.contract_id: str | None = None
        self.awarded_offer_id: str | None = None
        self.tender_id: str | None = None

    # ----- queries -------------------------------------------------------------------------

    @property
    def demand_unit_id(self) -> str:
        return self.spec.demand_unit_id

    @property
    def matched_supplier_ids(self) -> list[str]:
        return sorted({m.supplier_unit_id for m in self.matches})

    def request(self, request_id: str) -> ExternalRequest:
        try:
            return self.requests[request_id]
        except KeyError:
            raise RecordNotFound(
                "not_found",
                f"External-sourcing request {request_id!r} does not exist.",
                {"request_id": request_id},
            ) from None

    # ----- commands ------------------------------------------------------------------------

    def check_open(self) -> None:
        if self.status is not NeedStatus.OPEN:
            raise DomainError(
                "need_not_open",
                f"Need {self.id!r} is {self.status.value}.",
                {"need_id": self.id, "status": self.status.value},
            )

    def record_offer(
        self, offer_id: str, supplier_unit_id: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.check_open()
        for existing, supplier in self.offers.items():
            if supplier == supplier_unit_id and existing not in self.withdrawn:
                raise DomainError(
                    "offer_exists",
                    f"{supplier_unit_id!r} already has open offer {existing!r} on this need; "
                    "revise it instead.",
                    {"offer_id": existing},
                )
        matched = supplier_unit_id in self.matched_supplier_ids
        self._offer_received(offer_id, supplier_unit_id, matched, actor, timestamp)

    def record_withdrawal(self, offer_id: str, actor: Actor, timestamp: datetime) -> None:
        supplier = self.offers.get(offer_id, "")
        matched = supplier in self.matched_supplier_ids
        self._offer_withdrawn(offer_id, supplier, matched, actor, timestamp)

    def losing_offers(self, winner: str) -> list[str]:
        """The offers an award to `winner` declines: every other one not withdrawn."""
        return [o for o in self.offers if o != winner and o not in self.withdrawn]

    def award(
        self,
        offer_id: str,
        supplier_unit_id: str,
        contract_id: str,
        amount: Decimal,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        if self.status is NeedStatus.AWARDED:
            raise DomainError(
                "already_awarded",
                f"Need {self.id!r} was awarded already.",
                {"contract_id": self.contract_id},
            )
        self.check_open()
        if offer_id not in self.offers:
            raise DomainError(
                "offer_not_available",
                f"Offer {offer_id!r} is not on this need.",
                {"offer_id": offer_id},
            )
        self._awarded(
            offer_id,
            supplier_unit_id,
            contract_id,
            str(amount),
            self.matched_supplier_ids,
            actor,
            timestamp,
        )

    def request_external(
        self,
        request_id: str,
        ground: Ground,
        justification: str,
        quantity: Decimal | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.check_open()
        if ground is Ground.INSUFFICIENT_FOR_URGENT_NEED:
            if quantity is None or not 0 < quantity < self.open_quantity:
                raise DomainError(
                    "external_quantity_required",
                    "Ground 2 lets only the part the internal market cannot supply go outside: "
                    f"state a quantity above 0 and below the open {self.open_quantity}.",
                    {"open_quantity": str(self.open_quantity)},
                )
        else:
            quantity = None  # the other grounds cover the whole open quantity
        self._external_requested(
            request_id,
            ground.value,
            justification,
            None if quantity is None else str(quantity),
            actor,
            timestamp,
        )

    def decide_external(
        self,
        request_id: str,
        approve: bool,
        reason: str | None,
        approver_unit_id: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        request = self.request(request_id)
        if request.status != "requested":
            raise DomainError(
                "request_already_decided", f"Request {request_id!r} is already {request.status}."
            )
        if approve:
            self._external_approved(request_id, approver_unit_id, actor, timestamp)
        else:
            self._external_rejected(request_id, reason or "", approver_unit_id, actor, timestamp)

    def close_external(
        self, external_supplier: str | None, actor: Actor, timestamp: datetime
    ) -> None:
        """Buy outside the group: free for an uncatalogued item, else on an approved ground."""
        self.check_open()
        approved = [r for r in self.requests.values() if r.status == "approved"]
        if self.matches and not approved:
            raise DomainError(
                "external_sourcing_not_approved",
                "This item has catalog suppliers: buying it outside needs an approved "
                "external-sourcing request.",
                {"matched_supplier_unit_ids": self.matched_supplier_ids},
            )
        request = approved[-1] if approved else None
        quantity = request.quantity if request and request.quantity else self.open_quantity
        # An approval from when more was open covers at most what is open now.
        quantity = min(quantity, self.open_quantity)
        remaining = self.open_quantity - quantity
        self._closed_external(
            request.request_id if request else None,
            request.ground.value if request else None,
            str(quantity),
            str(remaining),
            external_supplier,
            self.matched_supplier_ids,
            actor,
            timestamp,
        )

    def start_tender(self, tender_id: str, actor: Actor, timestamp: datetime) -> None:
        self.check_open()
        if self.spec.sourcing != "tender":
            raise DomainError(
                "need_not_for_tender",
                "This need is sourced directly; tenders are for `tender` needs.",
            )
        self._tender_started(tender_id, self.matched_supplier_ids, actor, timestamp)

    def conclude_tender(
        self,
        tender_id: str,
        bidder: str,
        internal: bool,
        amount: Decimal,
        contract_id: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        """The tender's award: a contract with an internal winner, else an external purchase
        (the compliant tender is its ground)."""
        if self.status is not NeedStatus.TENDERING or self.tender_id != tender_id:
            raise DomainError("need_not_tendering", f"Need {self.id!r} is {self.status.value}.")
        self._tender_concluded(
            tender_id,
            bidder,
            internal,
            str(amount),
            contract_id,
            self.matched_supplier_ids,
            actor,
            timestamp,
        )

    def cancel(self, reason: str, actor: Actor, timestamp: datetime) -> None:
        self.check_open()
        self._cancelled(reason, self.matched_supplier_ids, actor, timestamp)

    def _progress(self, progress: NeedProgress) -> None:
        """Apply the status rule (need_status) an event's step gives."""
        if progress.status is not None:
            self.status = progress.status
        if progress.open_quantity is not None:
            self.open_quantity = progress.open_quantity

    # ----- events --------------------------------------------------------------------------

    @event("OfferReceived")
    def _offer_received(
        self,
        offer_id: str,
        supplier_unit_id: str,
        matched: bool,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.offers[offer_id] = supplier_unit_id

    @event("OfferWithdrawn")
    def _offer_withdrawn(
        self,
        offer_id: str,
        supplier_unit_id: str,
        matched: bool,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.withdrawn.add(offer_id)

    @event("Awarded")
    def _awarded(
        self,
        offer_id: str,
        supplier_unit_id: str,
        contract_id: str,
        amount: str,
        matched_supplier_unit_ids: list[str],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self._progress(need_progress(NeedStep.AWARDED))
        self.contract_id = contract_id
        self.awarded_offer_id = offer_id

    @event("ExternalSourcingRequested")
    def _external_requested(
        self,
        request_id: str,
        ground: str,
        justification: str,
        quantity: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.requests[request_id] = ExternalRequest(
            request_id,
            Ground(ground),
            justification,
            None if quantity is None else Decimal(quantity),
        )

    @event("ExternalSourcingApproved")
    def _external_approved(
        self, request_id: str, approver_unit_id: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.requests[request_id] = replace(self.requests[request_id], status="approved")

    @event("ExternalSourcingRejected")
    def _external_rejected(
        self, request_id: str, reason: str, approver_unit_id: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.requests[request_id] = replace(
            self.requests[request_id], status="rejected", reason=reason
        )

    @event("ClosedExternal")
    def _closed_external(
        self,
        request_id: str | None,
        ground: str | None,
        quantity: str,
        remaining_quantity: str,
        external_supplier: str | None,
        matched_supplier_unit_ids: list[str],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.external_purchases.append(
            {
                "request_id": request_id,
                "ground": ground,
                "quantity": quantity,
                "supplier": external_supplier,
            }
        )
        remaining = Decimal(remaining_quantity)
        self._progress(need_progress(NeedStep.CLOSED_EXTERNAL, quantity=remaining))
        if request_id:  # an approval is used once
            self.requests[request_id] = replace(self.requests[request_id], status="used")

    @event("TenderStarted")
    def _tender_started(
        self,
        tender_id: str,
        matched_supplier_unit_ids: list[str],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self._progress(need_progress(NeedStep.TENDER_STARTED))
        self.tender_id = tender_id

    @event("TenderConcluded")
    def _tender_concluded(
        self,
        tender_id: str,
        bidder: str,
        internal: bool,
        amount: str,
        contract_id: str | None,
        matched_supplier_unit_ids: list[str],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        if internal:
            self.contract_id = contract_id
        else:
            self.external_purchases.append(
                {
                    "request_id": None,
                    "ground": "tender",
                    "quantity": str(self.open_quantity),
                    "supplier": bidder,
                    "tender_id": tender_id,
                }
            )
        self._progress(need_progress(NeedStep.TENDER_CONCLUDED, internal=internal))

    @event("Cancelled")
    def _cancelled(
        self, reason: str, matched_supplier_unit_ids: list[str], actor: Actor, timestamp: datetime
    ) -> None:
        self._progress(need_progress(NeedStep.CANCELLED))
