"""Joint procurement's public events (paper 1.2.1): a pool opened, shares added and withdrawn,
one need launched for the total, and its award shared out as one contract per member."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from marketplace.aggregates.joint_procurement import JointProcurement
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

JOINT_PROCUREMENTS_TOPIC = "marketplace.joint_procurements"


class PoolItemV1(Payload):
    """What the pool buys; its need takes these with the shares' total quantity and budget."""

    item_code: str
    uom: str
    title: str
    category: str
    subcategory: str
    required_by: date | None = Field(description="When the goods are needed, if said at opening.")
    delivery_location: dict[str, str | None] | None = Field(
        description="`{site, address}` for the pool's need, if said."
    )


class JointProcurementOpenedV1(Payload):
    """A lead (a platform, or HQ for the group) opened a pool for one item."""

    lead_unit_id: str
    item: PoolItemV1
    join_until: datetime = Field(description="Units within the lead's reach join until then.")
    actor: ActorV1


class JointProcurementJoinedV1(Payload):
    """A unit added its share (or replaced the one it had: `replaced`)."""

    unit_id: str
    quantity: str = Field(description="Decimal string.")
    budget_amount: str = Field(description="CNY, decimal string.")
    replaced: bool
    total_quantity: str = Field(description="The pool's total after the change.")
    member_count: int
    actor: ActorV1


class JointProcurementWithdrawnV1(Payload):
    """A member left the pool before its launch."""

    unit_id: str
    total_quantity: str = Field(description="The pool's total after the change.")
    member_count: int
    actor: ActorV1


class JointProcurementCancelledV1(Payload):
    """The lead called the pool off before its launch: nothing is bought together."""

    reason: str
    members: list[str] = Field(description="The units that had a share then.")
    actor: ActorV1


class PoolShareV1(Payload):
    unit_id: str
    quantity: str
    budget_amount: str


class JointProcurementLaunchedV1(Payload):
    """The lead posted one need for the total (`need_id`, with `pool_id` on its spec)."""

    need_id: str
    sourcing: str = Field(description="direct or tender")
    total_quantity: str
    budget_amount: str = Field(description="The shares' budgets summed: the need's budget.")
    shares: list[PoolShareV1] = Field(description="The shares as launched, in joining order.")
    actor: ActorV1


class ShareContractV1(Payload):
    unit_id: str
    quantity: str
    contract_id: str
    amount: str = Field(description="The quantity at the awarded unit price, CNY.")


class JointProcurementAwardedV1(Payload):
    """The pool's need was awarded: each member has a contract for its share (trade form
    `joint`, `source_id` the pool) at the awarded unit price."""

    need_id: str
    supplier_unit_id: str
    unit_price: str
    contracts: list[ShareContractV1]
    actor: ActorV1


def _row(name: str, payload: type[Payload]) -> PublicType:
    return PublicType(
        domain_event(JointProcurement, name),
        f"marketplace.joint_procurement.{name.lower()}.v1",
        JOINT_PROCUREMENTS_TOPIC,
        payload,
    )


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    _row("Opened", JointProcurementOpenedV1),
    _row("Joined", JointProcurementJoinedV1),
    _row("Withdrawn", JointProcurementWithdrawnV1),
    _row("Cancelled", JointProcurementCancelledV1),
    _row("Launched", JointProcurementLaunchedV1),
    _row("Awarded", JointProcurementAwardedV1),
)
