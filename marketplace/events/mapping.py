"""Translate stored domain events into public CloudEvents (or nothing, for internal ones)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from marketplace.events.contract import EVENT_TYPES, EventType
from marketplace.events.envelope import SCHEMA_URN, CloudEvent, event_id

# Domain event class (qualified name) → public type. The payload takes the domain event's
# attributes of the same names; a domain event absent here is internal.
PUBLIC_TYPE_OF: dict[str, str] = {
    "Organisation.UnitRegistered": "marketplace.unit.registered.v1",
    "Organisation.UnitRenamed": "marketplace.unit.renamed.v1",
    "Organisation.UnitMoved": "marketplace.unit.moved.v1",
    "Organisation.UnitSectorChanged": "marketplace.unit.sector_changed.v1",
    "Organisation.UnitDeactivated": "marketplace.unit.deactivated.v1",
    "Organisation.UnitReactivated": "marketplace.unit.reactivated.v1",
    "CatalogVersion.Opened": "marketplace.catalog_version.opened.v1",
    "CatalogVersion.EntriesSubmitted": "marketplace.catalog_version.entries_submitted.v1",
    "CatalogVersion.EntryApproved": "marketplace.catalog_version.entry_approved.v1",
    "CatalogVersion.EntryRejected": "marketplace.catalog_version.entry_rejected.v1",
    "CatalogVersion.Published": "marketplace.catalog_version.published.v1",
    "CatalogVersion.Superseded": "marketplace.catalog_version.superseded.v1",
    "Need.Posted": "marketplace.need.posted.v1",
    "Need.OfferReceived": "marketplace.need.offer_received.v1",
    "Need.OfferWithdrawn": "marketplace.need.offer_withdrawn.v1",
    "Need.Awarded": "marketplace.need.awarded.v1",
    "Need.ExternalSourcingRequested": "marketplace.need.external_sourcing_requested.v1",
    "Need.ExternalSourcingApproved": "marketplace.need.external_sourcing_approved.v1",
    "Need.ExternalSourcingRejected": "marketplace.need.external_sourcing_rejected.v1",
    "Need.ClosedExternal": "marketplace.need.closed_external.v1",
    "Need.Cancelled": "marketplace.need.cancelled.v1",
    "Offer.Submitted": "marketplace.offer.submitted.v1",
    "Offer.Revised": "marketplace.offer.revised.v1",
    "Offer.Withdrawn": "marketplace.offer.withdrawn.v1",
    "Offer.Awarded": "marketplace.offer.awarded.v1",
    "Offer.NotAwarded": "marketplace.offer.not_awarded.v1",
    "Contract.Created": "marketplace.contract.created.v1",
    "Directive.Approved": "marketplace.directive.approved.v1",
    "Need.TenderStarted": "marketplace.need.tender_started.v1",
    "Need.TenderConcluded": "marketplace.need.tender_concluded.v1",
    "Tender.Launched": "marketplace.tender.launched.v1",
    "Tender.BidReceived": "marketplace.tender.bid_received.v1",
    "Tender.BidsOpened": "marketplace.tender.bids_opened.v1",
    "Tender.Awarded": "marketplace.tender.awarded.v1",
    # Only the payload's fields leave the store: the sealed amount never does.
    "Bid.Submitted": "marketplace.bid.submitted.v1",
    "Contract.Signed": "marketplace.contract.signed.v1",
    "Contract.Activated": "marketplace.contract.activated.v1",
    "Contract.PriceProposed": "marketplace.contract.price_proposed.v1",
    "Contract.PricingEscalated": "marketplace.contract.pricing_escalated.v1",
    "Contract.Priced": "marketplace.contract.priced.v1",
    "Contract.Delivered": "marketplace.contract.delivered.v1",
    "Contract.CompletionAgreed": "marketplace.contract.completion_agreed.v1",
    "Contract.Completed": "marketplace.contract.completed.v1",
    "Contract.Terminated": "marketplace.contract.terminated.v1",
    "QualityIncident.Recorded": "marketplace.quality_incident.recorded.v1",
    "QualityIncident.Resolved": "marketplace.quality_incident.resolved.v1",
    "QualityIncident.Escalated": "marketplace.quality_incident.escalated.v1",
    "Dispute.Raised": "marketplace.dispute.raised.v1",
    "Dispute.MediationRequested": "marketplace.dispute.mediation_requested.v1",
    "Dispute.Resolved": "marketplace.dispute.resolved.v1",
    "Dispute.SettlementStated": "marketplace.dispute.settlement_stated.v1",
    "Dispute.Settled": "marketplace.dispute.settled.v1",
    "Dispute.Withdrawn": "marketplace.dispute.withdrawn.v1",
    "InspectionFinding.Recorded": "marketplace.inspection.finding_recorded.v1",
    "InspectionFinding.Rectified": "marketplace.inspection.finding_rectified.v1",
    "QuarterlyReport.Submitted": "marketplace.report.quarterly_submitted.v1",
}
_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(EVENT_TYPES[name].payload.model_fields) for name in PUBLIC_TYPE_OF.values()
}


def public_type(domain_event: object) -> EventType | None:
    name = PUBLIC_TYPE_OF.get(type(domain_event).__qualname__)
    return EVENT_TYPES[name] if name else None


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def envelope_of(
    event_class: str, aggregate_id: str, version: int, attrs: Mapping[str, Any], sequence: int
) -> dict[str, Any] | None:
    """The CloudEvent of a stored event as a plain dict, or None for an internal event.

    `event_class` is the domain event's qualified name and `attrs` its attributes. Payloads
    are not re-validated here (domain events are valid already; the schema tests check this
    output against the published schemas), which keeps the relay's hot path cheap.
    """
    name = PUBLIC_TYPE_OF.get(event_class)
    if name is None:
        return None
    return {
        "specversion": "1.0",
        "id": event_id(aggregate_id, version),
        "source": "marketplace",
        "type": name,
        "subject": aggregate_id,
        "time": attrs["timestamp"],
        "datacontenttype": "application/json",
        "dataschema": SCHEMA_URN + name,
        "sequence": sequence,
        "aggregateversion": version,
        "data": {field: attrs[field] for field in _FIELDS[name]},
    }


def to_envelope(domain_event: Any, sequence: int) -> dict[str, Any] | None:
    return envelope_of(
        type(domain_event).__qualname__,
        domain_event.originator_id,
        domain_event.originator_version,
        vars(domain_event),
        sequence,
    )


def envelope_bytes(envelope: dict[str, Any]) -> bytes:
    """The wire form. orjson writes dates, UTC times (with Z) and dataclasses natively."""
    return orjson.dumps(envelope, default=_json_default, option=orjson.OPT_UTC_Z)


def to_cloud_event(domain_event: Any, sequence: int) -> CloudEvent | None:
    """The public form of a stored domain event at global position `sequence`, validated."""
    raw = to_envelope(domain_event, sequence)
    if raw is None:
        return None
    envelope = orjson.loads(envelope_bytes(raw))
    kind = EVENT_TYPES[envelope["type"]]
    envelope["data"] = kind.payload.model_validate(envelope["data"]).model_dump(mode="json")
    return CloudEvent.model_validate(envelope)


def topic_of(event: CloudEvent) -> str:
    return EVENT_TYPES[event.type].topic
