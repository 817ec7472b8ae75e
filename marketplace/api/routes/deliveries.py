"""`/v1/deliveries`: sending one delivery of a subscription again."""

from __future__ import annotations

from fastapi import APIRouter, status

from marketplace.api.deps import NotifierStoreDep, PrincipalDep, ServicesDep
from marketplace.api.schemas import DeliveryOut
from marketplace.handlers import notifications

router = APIRouter(prefix="/v1/deliveries", tags=["notifications"])


@router.post(
    "/{delivery_id}/redeliver", status_code=status.HTTP_202_ACCEPTED, response_model=DeliveryOut
)
async def redeliver(
    svc: ServicesDep, store: NotifierStoreDep, principal: PrincipalDep, delivery_id: str
) -> DeliveryOut:
    """Send it again, before the subscription's later deliveries, with a new 24 hours of
    retries (for a dead delivery, or one the receiver lost). For the subscription's unit,
    a platform admin above it, or HQ."""
    shown = await notifications.redeliver(svc, principal, store, delivery_id)
    return DeliveryOut.model_validate(shown)
