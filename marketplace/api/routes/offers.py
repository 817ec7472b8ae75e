"""`/v1/offers`: a supplier revises or withdraws its own open offer."""

from __future__ import annotations

from fastapi import APIRouter

from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.schemas import OfferOut, Strict
from marketplace.handlers import needs
from marketplace.inputs import Day, Moment, Money, Quantity

router = APIRouter(prefix="/v1/offers", tags=["needs and offers"])


class OfferRevisionIn(Strict):
    unit_price: Money
    quantity: Quantity
    delivery_date: Day
    valid_until: Moment


@router.post("/{offer_id}/revise", response_model=OfferOut)
def revise_offer(
    offer_id: str, body: OfferRevisionIn, svc: ServicesDep, principal: PrincipalDep
) -> OfferOut:
    """Revise one's own open offer before the award."""
    terms = needs.OfferTerms(body.unit_price, body.quantity, body.delivery_date, body.valid_until)
    return OfferOut.of(needs.revise_offer(svc, principal, offer_id, terms), svc.clock())


@router.post("/{offer_id}/withdraw", response_model=OfferOut)
def withdraw_offer(offer_id: str, svc: ServicesDep, principal: PrincipalDep) -> OfferOut:
    """Withdraw one's own open offer."""
    return OfferOut.of(needs.withdraw_offer(svc, principal, offer_id), svc.clock())
