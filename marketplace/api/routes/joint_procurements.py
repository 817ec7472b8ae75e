"""`/v1/joint-procurements`: open a pool for one item (a platform admin or HQ as lead), add and
withdraw shares, launch one need for the total; a pool with its shares, need, contracts and what
pooling saves on the catalog's price tiers; the lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.joint_procurement import JointProcurement
from marketplace.aggregates.need import DeliveryLocation
from marketplace.aggregates.taxonomy import allowed_subcategories, is_known
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import DeliveryLocationIn, ReasonIn, Strict, money, number
from marketplace.handlers import joint_procurement as pools
from marketplace.handlers.auth import Principal
from marketplace.handlers.catalog_entry import Category
from marketplace.handlers.ports import Services
from marketplace.inputs import Day, ItemCode, Moment, Money, Quantity, ShortText, UnitId

router = APIRouter(prefix="/v1/joint-procurements", tags=["joint procurement"])


class PoolIn(Strict):
    item_code: ItemCode = Field(examples=["TRF-1250KVA"])
    uom: ShortText = Field(min_length=1, max_length=32, examples=["pc"])
    title: ShortText = Field(min_length=1, max_length=300)
    join_until: Moment = Field(description="Units join until then (a time in the future).")
    category: Category | None = Field(
        default=None, description="Default: the item's category in the catalog in force."
    )
    subcategory: ShortText | None = Field(default=None, min_length=1, max_length=64)
    required_by: Day | None = Field(
        default=None, description="The need's day; else say it when launching."
    )
    delivery_location: DeliveryLocationIn | None = None

    @model_validator(mode="after")
    def category_and_subcategory(self) -> PoolIn:
        if (self.category is None) != (self.subcategory is None):
            raise ValueError("give category and subcategory together, or neither")
        if self.category and self.subcategory and not is_known(self.category, self.subcategory):
            allowed = ", ".join(allowed_subcategories(self.category))
            raise ValueError(
                f"unknown subcategory {self.subcategory!r} for {self.category}; allowed: {allowed}"
            )
        return self

    def command(self) -> pools.OpenPool:
        location = self.delivery_location
        return pools.OpenPool(
            **self.model_dump(exclude={"delivery_location"}),
            delivery_location=None
            if location is None
            else DeliveryLocation(**location.model_dump()),
        )


class ShareIn(Strict):
    unit_id: UnitId = Field(examples=["PWR-01"])
    quantity: Quantity
    budget_amount: Money = Field(examples=["570000.00"])


class LaunchIn(Strict):
    sourcing: Literal["direct", "tender"] = Field(
        description="`tender`: then launch the tender on the need (`POST /v1/needs/{id}/tender`)."
    )
    required_by: Day | None = Field(
        default=None, description="The need's day; default: the pool's (required if it has none)."
    )


class ShareOut(BaseModel):
    unit_id: str
    quantity: str
    budget_amount: str | None = Field(
        description="Shown to whoever acts for the member or the lead, and auditors."
    )
    contract_id: str | None = Field(description="The member's contract once awarded.")
    contract_quantity: str | None = Field(
        description="Its share of what was awarded (less than `quantity` only pro rata, when "
        "part of the need was bought outside)."
    )
    amount: str | None


class MemberSavingOut(BaseModel):
    unit_id: str
    quantity: str
    alone_unit_price: str = Field(description="The tier its own quantity reaches.")
    alone_amount: str
    pooled_amount: str = Field(description="Its quantity at the tier the total reaches.")
    saving: str


class SavingOut(BaseModel):
    entry_id: str
    supplier_unit_id: str
    total_quantity: str
    pooled_unit_price: str
    saving: str = Field(description="The members' savings summed (alone - pooled).")
    members: list[MemberSavingOut]


class PoolOut(BaseModel):
    id: str
    lead_unit_id: str
    status: str = Field(examples=["open", "launched", "awarded"])
    joining_open: bool = Field(description="Open and before `join_until` now.")
    item_code: str
    uom: str
    title: str
    category: str
    subcategory: str
    required_by: date | None
    delivery_location: dict[str, str | None] | None
    join_until: datetime
    opened_at: datetime
    total_quantity: str
    total_budget: str | None = Field(
        description="Shown to whoever sees every member's budget (the lead's side, auditors)."
    )
    shares: list[ShareOut]
    need_id: str | None
    need_status: str | None = Field(description="The need's status, once launched.")
    sourcing: str | None
    supplier_unit_id: str | None
    unit_price: str | None = Field(description="The awarded unit price.")
    savings: list[SavingOut] = Field(
        description="What pooling saves, per catalog entry of the item with price_breaks."
    )

    @classmethod
    def of(cls, view: pools.PoolView, now: datetime) -> PoolOut:
        p = view.pool
        return cls(
            id=p.id,
            lead_unit_id=p.lead_unit_id,
            status=p.status.value,
            joining_open=p.joining_open(now),
            **{k: getattr(p.item, k) for k in ("item_code", "uom", "title", "category")},
            subcategory=p.item.subcategory,
            required_by=p.item.required_by,
            delivery_location=p.item.delivery_location,
            join_until=p.join_until,
            opened_at=p.opened_at,
            total_quantity=number(p.total_quantity),
            total_budget=money(p.total_budget) if len(view.budgets_of) == len(p.shares) else None,
            shares=[_share(p, u, u in view.budgets_of) for u in p.shares],
            need_id=p.need_id,
            need_status=view.need.status.value if view.need else None,
            sourcing=p.sourcing,
            supplier_unit_id=p.supplier_unit_id,
            unit_price=None if p.unit_price is None else money(p.unit_price),
            savings=[_saving(s) for s in view.savings],
        )


def _share(pool: JointProcurement, unit_id: str, budget: bool) -> ShareOut:
    share, contract = pool.shares[unit_id], pool.contracts.get(unit_id)
    return ShareOut(
        unit_id=unit_id,
        quantity=number(share.quantity),
        budget_amount=money(share.budget_amount) if budget else None,
        contract_id=contract.contract_id if contract else None,
        contract_quantity=number(contract.quantity) if contract else None,
        amount=money(contract.amount) if contract else None,
    )


def _saving(found: pools.EntrySaving) -> SavingOut:
    s = found.saving
    return SavingOut(
        entry_id=found.entry.entry_id,
        supplier_unit_id=found.entry.supplier_unit_id,
        total_quantity=number(s.total_quantity),
        pooled_unit_price=money(s.pooled_unit_price),
        saving=money(s.saving),
        members=[
            MemberSavingOut(
                unit_id=m.unit_id,
                quantity=number(m.quantity),
                alone_unit_price=money(m.alone_unit_price),
                alone_amount=money(m.alone_amount),
                pooled_amount=money(m.pooled_amount),
                saving=money(m.saving),
            )
            for m in s.members
        ],
    )


class PoolListShare(BaseModel):
    unit_id: str
    quantity: str
    contract_id: str | None
    amount: str | None


class PoolListItem(BaseModel):
    id: str
    lead_unit_id: str
    item_code: str
    uom: str
    title: str
    status: str
    join_until: datetime
    opened_at: datetime
    total_quantity: str
    member_count: int
    need_id: str | None
    supplier_unit_id: str | None
    unit_price: str | None
    shares: list[PoolListShare] = Field(description="No budgets: those are on the pool's page.")

    @classmethod
    def of(cls, row: dict[str, Any]) -> PoolListItem:
        price = row["unit_price"]
        return cls.model_validate(
            {
                **row,
                "id": row["pool_id"],
                "total_quantity": number(row["total_quantity"]),
                "unit_price": None if price is None else money(price),
                "shares": [
                    {
                        "unit_id": s["unit_id"],
                        "quantity": number(s["quantity"]),
                        "contract_id": s["contract_id"],
                        "amount": None if s["amount"] is None else money(s["amount"]),
                    }
                    for s in row["shares"]
                ],
            }
        )


class PoolListOut(Paged):
    items: list[PoolListItem]


def pool_view(svc: Services, principal: Principal, pool_id: str) -> PoolOut:
    return PoolOut.of(pools.read_pool(svc, principal, pool_id), svc.clock())


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PoolOut)
def open_pool(body: PoolIn, svc: ServicesDep, principal: PrincipalDep) -> PoolOut:
    """Open a pool for one item, led by the caller's unit: a platform admin's platform, or
    HQ's group unit."""
    pool = pools.open_pool(svc, principal, body.command())
    return pool_view(svc, principal, pool.id)


@router.get("", response_model=PoolListOut)
async def list_pools(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[
        UnitId | None, Query(description="Pools it leads, has a share in, or may join.")
    ] = None,
    status: Annotated[Literal["open", "launched", "awarded"] | None, Query()] = None,
) -> PoolListOut:
    """Pools the unit (default: any within reach) leads, has a share in, or may join (it is
    within the lead's reach), the latest opened first, with their shares."""
    found = await pools.pools(svc, principal, runtime, unit_id, status, page)
    return PoolListOut(
        items=[PoolListItem.of(r) for r in found.items], next_cursor=found.next_cursor
    )


@router.get("/{pool_id}", response_model=PoolOut)
def get_pool(pool_id: str, svc: ServicesDep, principal: PrincipalDep) -> PoolOut:
    """A pool: shares, the need and the members' contracts once launched and awarded, and what
    pooling saves where the item's catalog entries have price tiers."""
    return pool_view(svc, principal, pool_id)


@router.post("/{pool_id}/shares", status_code=status.HTTP_201_CREATED, response_model=PoolOut)
def join(pool_id: str, body: ShareIn, svc: ServicesDep, principal: PrincipalDep) -> PoolOut:
    """Add a unit's share (the unit, or one acting for it, within the lead's reach) until
    `join_until`; a unit's second share replaces its first."""
    pools.join(svc, principal, pool_id, body.unit_id, body.quantity, body.budget_amount)
    return pool_view(svc, principal, pool_id)


@router.delete("/{pool_id}/shares/{unit_id}", response_model=PoolOut)
def withdraw(pool_id: str, unit_id: str, svc: ServicesDep, principal: PrincipalDep) -> PoolOut:
    """Withdraw the unit's share, before the pool's launch only."""
    pools.withdraw(svc, principal, pool_id, unit_id)
    return pool_view(svc, principal, pool_id)


@router.post("/{pool_id}/cancel", response_model=PoolOut)
def cancel(pool_id: str, body: ReasonIn, svc: ServicesDep, principal: PrincipalDep) -> PoolOut:
    """The lead's side calls the pool off before its launch, with a reason (`409 pool_launched`
    after it); its members then buy alone. A cancelled pool takes no shares nor launch
    (`409 pool_cancelled`)."""
    pools.cancel(svc, principal, pool_id, body.reason)
    return pool_view(svc, principal, pool_id)


@router.post("/{pool_id}/launch", response_model=PoolOut)
def launch(pool_id: str, body: LaunchIn, svc: ServicesDep, principal: PrincipalDep) -> PoolOut:
    """The lead posts one need for the total (its unit the demand unit), as `POST /v1/needs`
    would: it is matched to the catalog, tendered and bought outside by the same rules."""
    pools.launch(svc, principal, pool_id, body.sourcing, body.required_by)
    return pool_view(svc, principal, pool_id)
